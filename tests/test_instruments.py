"""Instrument definitions: shipped content, the loader's checks, overrides, check-forms."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from screening import create_app
from screening.core.identifiers import DOMAINS
from screening.core.instrument_loader import DefinitionError
from screening.core.instrument_loader import load_registry
from screening.core.instruments import DECLINED
from screening.core.instruments import visible_items
from screening.platform.instruments import get_registry

ROOT = Path(__file__).resolve().parent.parent
FORMS = ROOT / "forms"
REGISTRY = load_registry(FORMS)
SHIPPED = ("ahc_core", "nicu_needs", "phq9", "gad7", "epds")


def texts(instrument):
    """Every translatable text of an instrument, with where it is."""
    yield "title", instrument.title
    yield "intro", instrument.intro
    for n, title in enumerate(instrument.page_titles):
        yield f"page {n}", title
    for item in instrument.items:
        yield item.id, item.text
        if item.hint:
            yield f"{item.id} hint", item.hint
        for option in item.options:
            yield f"{item.id} option {option.code}", option.text


def test_all_five_instruments_ship():
    assert sorted(REGISTRY.instruments) == sorted(SHIPPED)


@pytest.mark.parametrize("instrument_id", SHIPPED)
def test_every_text_has_english_and_spanish(instrument_id):
    instrument = REGISTRY.get(instrument_id)
    for where, text in texts(instrument):
        assert text.get("en", "").strip(), f"{instrument_id} {where}: no English"
        assert text.get("es", "").strip(), f"{instrument_id} {where}: no Spanish"
    for item in instrument.items:
        # Real translation, not the English copied over.
        assert item.text["es"] != item.text["en"], item.id


@pytest.mark.parametrize("instrument_id", SHIPPED)
def test_every_file_records_provenance(instrument_id):
    instrument = REGISTRY.get(instrument_id)
    assert instrument.source and instrument.licence and instrument.version
    assert instrument.wording in ("official", "adapted", "placeholder")
    assert instrument.z_code_set == "ICD-10-CM FY2026"


def test_labels_that_matter_clinically():
    assert REGISTRY.get("nicu_needs").validated is False
    assert "not a validated" in REGISTRY.get("nicu_needs").source.lower()
    epds = REGISTRY.get("epds")
    assert epds.wording == "placeholder"
    assert epds.item("epds_3").text["en"].startswith("EPDS item 3")
    assert "permission" in epds.licence
    assert {i.respondent for i in REGISTRY.instruments.values()} == {"family", "parent"}


def test_ahc_items_use_the_loinc_codes_of_the_cms_tool():
    ahc = REGISTRY.get("ahc_core")
    codes = {item.id: [o.code for o in item.options] for item in ahc.items}
    assert [i.id for i in ahc.items] == [f"ahc_{n}" for n in range(1, 11)]
    assert codes["ahc_1"] == ["LA31993-1", "LA31994-9", "LA31995-6"]
    assert codes["ahc_2"] == [
        "LA31996-4", "LA28580-1", "LA31997-2", "LA31998-0",
        "LA31999-8", "LA32000-4", "LA32001-2", "LA9-3",
    ]  # fmt: skip
    assert codes["ahc_3"] == codes["ahc_4"] == ["LA28397-0", "LA6729-3", "LA28398-8"]
    assert codes["ahc_5"] == ["LA33-6", "LA32-8"]
    assert codes["ahc_6"] == ["LA33-6", "LA32-8", "LA32002-0"]
    assert ahc.item("ahc_2").type == "multi"
    for n in range(7, 11):
        item = ahc.item(f"ahc_{n}")
        assert [(o.code, o.score) for o in item.options] == [
            ("LA6270-8", 1), ("LA10066-1", 2), ("LA10082-8", 3), ("LA16644-9", 4), ("LA6482-9", 5)
        ]  # fmt: skip
    assert [i.loinc for i in ahc.items] == [
        "71802-3", "96778-6", "88122-7", "88123-5", "93030-5",
        "96779-4", "95618-5", "95617-7", "95616-9", "95615-1",
    ]  # fmt: skip


def test_safety_questions_have_a_page_of_their_own():
    pages = REGISTRY.get("ahc_core").pages()
    safety = [page for page in pages if any(i.id == "ahc_7" for i in page)]
    assert [i.id for i in safety[0]] == ["ahc_7", "ahc_8", "ahc_9", "ahc_10"]


@pytest.mark.parametrize(
    "instrument_id, count, reversed_items",
    [("phq9", 9, set()), ("gad7", 7, set()), ("epds", 10, {3, 5, 6, 7, 8, 9, 10})],
)
def test_mental_health_option_scores(instrument_id, count, reversed_items):
    instrument = REGISTRY.get(instrument_id)
    for n in range(1, count + 1):
        item = instrument.item(f"{instrument_id}_{n}")
        expected = [3, 2, 1, 0] if n in reversed_items else [0, 1, 2, 3]
        assert [o.code for o in item.options] == [0, 1, 2, 3]
        assert [o.score for o in item.options] == expected, item.id
    help_item = instrument.item(f"{instrument_id}_help")
    assert [o.code for o in help_item.options] == ["yes", "no", "later"]
    assert help_item.wants_help_for == "mental_health"


def test_every_nicu_need_has_a_help_follow_up():
    nicu = REGISTRY.get("nicu_needs")
    needs = [i for i in nicu.items if not i.id.endswith("_help")]
    assert len(needs) == 14
    for need in needs:
        assert [o.code for o in need.options] == ["yes", "no"]
        follow_up = nicu.item(f"{need.id}_help")
        assert follow_up.show_if.item == need.id and follow_up.show_if.values == ("yes",)
        assert follow_up.text["en"] == "Would you like help with this?"
    fed = {i.wants_help_for for i in nicu.items if i.wants_help_for}
    assert fed == {
        "nicu_visiting", "childcare", "employment_leave", "lactation", "infant_supplies",
        "health_insurance", "language_access", "financial_strain", "social_support",
    }  # fmt: skip


def test_follow_up_is_asked_only_after_a_yes():
    nicu = REGISTRY.get("nicu_needs")
    asked = {i.id for i in visible_items(nicu, {"nicu_parking": "no"})}
    assert "nicu_parking_help" not in asked
    asked = {i.id for i in visible_items(nicu, {"nicu_parking": "yes"})}
    assert "nicu_parking_help" in asked
    asked = {i.id for i in visible_items(nicu, {"nicu_parking": DECLINED})}
    assert "nicu_parking_help" not in asked


@pytest.mark.parametrize(
    "first, second, full", [(1, 1, False), (2, 0, False), (2, 1, True), (3, 0, True)]
)
def test_phq2_gate_opens_at_three(first, second, full):
    phq9 = REGISTRY.get("phq9")
    asked = [i.id for i in visible_items(phq9, {"phq9_1": first, "phq9_2": second})]
    assert ("phq9_9" in asked) is full
    assert "phq9_help" in asked


def test_gate_settings_ask_everything_or_move_the_threshold():
    phq9 = REGISTRY.get("phq9")
    low = {"phq9_1": 0, "phq9_2": 0}
    assert len(visible_items(phq9, low, {"phq2_always_full": True})) == 10
    assert len(visible_items(phq9, {"phq9_1": 2}, {"phq2_threshold": 2})) == 10
    gad7 = REGISTRY.get("gad7")
    assert [i.id for i in visible_items(gad7, {"gad7_1": 1, "gad7_2": 1})] == [
        "gad7_1", "gad7_2", "gad7_help"
    ]  # fmt: skip
    assert len(visible_items(gad7, {"gad7_1": 2, "gad7_2": 1})) == 8


def test_web_posted_strings_find_their_option():
    item = REGISTRY.get("phq9").item("phq9_1")
    assert item.option("2").code == 2
    assert item.option("7") is None
    assert REGISTRY.get("ahc_core").item("ahc_6").option("LA32002-0").text["es"]


def test_every_rule_domain_is_a_fixed_identifier():
    for instrument in REGISTRY.instruments.values():
        for rule in instrument.rules:
            assert rule.domain in DOMAINS


# ------------------------------------------------------------------ broken definitions


def _broken_copy(tmp_path: Path, name: str, change) -> Path:
    """A copy of a shipped file, edited by `change`, in an override folder."""
    folder = tmp_path / "forms"
    folder.mkdir(exist_ok=True)
    data = yaml.safe_load((FORMS / name).read_text(encoding="utf-8"))
    change(data)
    (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def _item(data, item_id):
    return next(i for p in data["pages"] for i in p["items"] if i["id"] == item_id)


def _drop_spanish(data):
    del _item(data, "phq9_3")["text"]["es"]


def _duplicate_id(data):
    _item(data, "phq9_4")["id"] = "phq9_3"


def _unknown_rule_item(data):
    data["rules"][2]["item_score"]["item"] = "phq9_99"


def _unknown_answer_code(data):
    data["rules"][3]["any_of"]["answers"] = ["si"]


def _unknown_domain(data):
    data["rules"][0]["domain"] = "mood"


def _unknown_category(data):
    data["domains"]["mental_health"]["category"] = "psychiatry"


def _bad_option(data):
    _item(data, "phq9_3")["options"] = [{"code": 0, "text": {"en": "Never"}}, {"code": 1}]


def _unknown_gate(data):
    _item(data, "phq9_5")["gate"] = "phq3"


def _wrong_setting(data):
    data["rules"][0]["score"]["threshold"] = {"setting": "phq9_cutoff"}


@pytest.mark.parametrize(
    "change, message",
    [
        (_drop_spanish, "item phq9_3: text: 'es' is a required property"),
        (_duplicate_id, "item phq9_3: duplicate item id (first on page 2)"),
        (_unknown_rule_item, "rules[2]: item_score: unknown item 'phq9_99'"),
        (_unknown_answer_code, 'rules[3]: any_of: "si" is not an answer code of phq9_help'),
        (_unknown_domain, "rules[0]: domain: unknown domain 'mood'; known: housing_instability"),
        (_unknown_category, "domains.mental_health.category: unknown referral category"),
        (_bad_option, "item phq9_3: options[0].text: 'es' is a required property"),
        (_unknown_gate, "item phq9_5: gate: unknown gate 'phq3'"),
        (_wrong_setting, "'phq9_cutoff' is not a whole-number setting of this file"),
    ],
)
def test_a_broken_definition_names_file_item_and_problem(tmp_path, change, message):
    folder = _broken_copy(tmp_path, "phq9.yaml", change)
    with pytest.raises(DefinitionError) as caught:
        load_registry(FORMS, folder)
    assert any(
        p.startswith(str(folder / "phq9.yaml") + ": ") and message in p
        for p in caught.value.problems
    ), caught.value.problems


def test_yaml_syntax_error_gives_line_and_column(tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "extra.yaml").write_text("id: extra\npages: [\n  - {title: x\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_registry(FORMS, folder)
    [problem] = caught.value.problems
    assert problem.startswith(f"{folder / 'extra.yaml'}: line ")
    assert "bad YAML" in problem


def test_a_broken_site_file_stops_start_up_with_a_message(tmp_path):
    folder = _broken_copy(tmp_path, "phq9.yaml", _drop_spanish)
    with pytest.raises(SystemExit) as caught:
        create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_FORMS": str(folder)})
    message = str(caught.value.code)
    assert "1 problem(s)" in message
    assert f"{folder / 'phq9.yaml'}: item phq9_3: text: 'es' is a required property" in message


def test_start_up_failure_is_a_message_not_a_traceback(tmp_path):
    _broken_copy(tmp_path, "gad7.yaml", lambda d: _item(d, "gad7_2").update(type="slider"))
    env = {**os.environ, "SCREENING_INSTANCE": str(tmp_path)}
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run(
        [str(flask), "--app", "screening", "check-forms"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "gad7.yaml: item gad7_2: type: 'slider' is not one of" in done.stderr


def test_check_forms_reports_a_file_broken_after_start_up(app, runner):
    folder = Path(app.config["INSTANCE_FORMS"])
    folder.mkdir()
    shutil.copy(FORMS / "epds.yaml", folder / "epds.yaml")
    text = (folder / "epds.yaml").read_text(encoding="utf-8")
    (folder / "epds.yaml").write_text(text.replace("kind: self_harm", "kind: sadness"), "utf-8")
    result = runner.invoke(args=["check-forms"])
    assert result.exit_code == 1
    assert "alerts[0]: kind: unknown alert kind 'sadness'" in result.stderr


def test_unknown_scoring_setting_stops_start_up(tmp_path):
    with pytest.raises(SystemExit) as caught:
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "INSTANCE_FORMS": str(tmp_path / "none"),
                "SCORING_SETTINGS": {"epds_partner_threshold": 11},
            }
        )
    assert "unknown setting 'epds_partner_threshold'" in str(caught.value.code)


# ------------------------------------------------------------------ site overrides


def _licensed_epds(folder: Path) -> None:
    data = yaml.safe_load((FORMS / "epds.yaml").read_text(encoding="utf-8"))
    for page in data["pages"]:
        for item in page["items"]:
            if item["id"] != "epds_help":
                item["text"] = {"en": f"Licensed {item['id']}", "es": f"Con licencia {item['id']}"}
    data["wording"] = "official"
    data["version"] = "site-1"
    (folder / "epds_licensed.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


def test_a_site_file_overrides_the_shipped_one(tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    _licensed_epds(folder)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_FORMS": str(folder)})
    with app.app_context():
        registry = get_registry()
    epds = registry.get("epds")
    assert epds.item("epds_10").text["en"] == "Licensed epds_10"
    assert epds.wording == "official"
    assert registry.sources["epds"] == folder / "epds_licensed.yaml"
    assert registry.sources["phq9"] == FORMS / "phq9.yaml"
    result = app.test_cli_runner().invoke(args=["check-forms"])
    assert result.exit_code == 0
    assert f"epds site-1 (official wording): {folder / 'epds_licensed.yaml'}" in result.output
    assert "[site file, overrides epds.yaml]" in result.output
    assert f"phq9 2001-plain.1 (adapted wording): {FORMS / 'phq9.yaml'} [shipped]" in result.output


def test_a_site_file_can_add_an_instrument(tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    data = yaml.safe_load((FORMS / "gad7.yaml").read_text(encoding="utf-8"))
    data["id"] = "gad7_site"
    (folder / "gad7_site.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    registry = load_registry(FORMS, folder)
    assert "gad7_site" in registry.instruments and "gad7" in registry.instruments


def test_two_site_files_with_one_id_are_refused(tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    _licensed_epds(folder)
    shutil.copy(FORMS / "epds.yaml", folder / "epds.yaml")
    with pytest.raises(DefinitionError) as caught:
        load_registry(FORMS, folder)
    assert "id: 'epds' is also defined in" in caught.value.problems[0]


def test_core_modules_never_import_flask():
    for path in sorted((ROOT / "screening" / "core").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
                if node.level:
                    # Relative imports must stay inside the core package.
                    assert node.level == 1, f"{path.name} imports from outside screening.core"
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in ("flask", "werkzeug"), f"{path.name}: {name}"
