"""The FHIR export wired into the app: `fhir-export`, `fhir-questionnaire`, the family page's
EHR download, and `check-forms` over the FHIR code maps, against the demo database."""

from __future__ import annotations

import json
import os
import stat

import pytest
import yaml
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from screening.core.fhir_base import EXPORTED_REFERRAL_STATUSES
from screening.core.fhir_base import ICD10CM
from screening.core.fhir_base import LOINC
from screening.core.fhir_base import Ids
from screening.core.fhir_questionnaire import loinc_answer
from screening.core.instruments import DECLINED
from screening.core.schedule import DONE
from screening.platform.instruments import get_registry
from screening.platform.resources import SHIPPED_FORMS
from screening.screenings.store import load_answers

SHIPPED_MAPS = yaml.safe_load((SHIPPED_FORMS / "fhir_maps.yaml").read_text(encoding="utf-8"))


def _demo_family(db) -> int:
    """The demo family whose export shows most: a finished AHC screening and referrals in as
    many exported statuses as possible."""
    rows = db.execute(
        """SELECT s.family_id, count(DISTINCT r.status) AS kinds FROM screenings s
           JOIN referrals r ON r.family_id = s.family_id
           WHERE s.status IN ('completed', 'closed') AND s.instruments LIKE '%ahc_core%'
             AND r.status IN ('accepted', 'sent', 'connected', 'not_connected')
           GROUP BY s.family_id ORDER BY kinds DESC, s.family_id LIMIT 1"""
    ).fetchone()
    assert rows, "the demo data has no screened family with referrals"
    return rows[0]


def _export(runner, family_id, tmp_path, name="bundle.json"):
    out = tmp_path / name
    result = runner.invoke(args=["fhir-export", str(family_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, json.loads(out.read_text(encoding="utf-8"))


def _by_id(bundle) -> dict[str, dict]:
    return {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}


def _of_type(bundle, kind) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _finished_screenings(db, family_id) -> list[dict]:
    rows = db.execute(
        "SELECT id, instruments, result, status FROM screenings WHERE family_id = ?", [family_id]
    ).fetchall()
    return [
        {"id": r[0], "instruments": json.loads(r[1]), "result": json.loads(r[2] or "null")}
        for r in rows
        if r[3] in DONE
    ]


def _expected_task_status(referral: dict) -> str:
    status = SHIPPED_MAPS["referral_status"][referral["status"]]["task"]
    if referral["status"] == "not_connected" and referral["reason"]:
        status = SHIPPED_MAPS["not_connected_reason"][referral["reason"]]["task"]
    return status


def test_cli_bundle_parses_and_carries_every_answered_ahc_item_with_its_loinc_codes(
    app, db, runner, tmp_path
):
    family_id = _demo_family(db)
    out, bundle = _export(runner, family_id, tmp_path)
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    # The file holds names, MRNs and answers: the operator alone may read it.
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    with app.app_context():
        registry = get_registry()
    ahc = registry.get("ahc_core")
    ids = Ids(app.config["UNIT_KEY"])
    resources = _by_id(bundle)
    checked = 0
    for screening in _finished_screenings(db, family_id):
        if "ahc_core" not in screening["instruments"]:
            continue
        answers = load_answers(db, screening["id"])["ahc_core"]
        for item in ahc.items:
            value = answers.get(item.id)
            if value is None or value == DECLINED:
                continue
            obs = resources[ids.of("Observation", screening["id"], "ahc_core", item.id)]
            assert obs["code"]["coding"][0] == {"system": LOINC, "code": item.loinc}
            given = value if isinstance(value, list) else [value]
            if "component" in obs:
                got = [c["valueCodeableConcept"]["coding"][0] for c in obs["component"]]
            else:
                got = [obs["valueCodeableConcept"]["coding"][0]]
            assert [c["system"] for c in got] == [LOINC] * len(given)
            assert [c["code"] for c in got] == [loinc_answer(item.lookup(v)) for v in given]
            checked += 1
    assert checked >= 5, "the demo family's AHC screening should have answered items"


def test_cli_bundle_has_a_condition_per_positive_domain_with_the_stored_z_codes(
    app, db, runner, tmp_path
):
    family_id = _demo_family(db)
    _out, bundle = _export(runner, family_id, tmp_path)
    ids = Ids(app.config["UNIT_KEY"])
    resources = _by_id(bundle)
    expected_conditions = 0
    for screening in _finished_screenings(db, family_id):
        result = screening["result"]
        positive = {d for d, o in result["domains"].items() if o["status"] == "positive"}
        by_domain: dict[str, set[str]] = {}
        for entry in result["z_codes"]:
            if entry["domain"] in positive:
                by_domain.setdefault(entry["domain"], set()).add(entry["code"])
        for domain, codes in by_domain.items():
            condition = resources[ids.of("Condition", screening["id"], domain)]
            icd = {c["code"] for c in condition["code"]["coding"] if c["system"] == ICD10CM}
            assert icd == codes, domain
            assert condition["verificationStatus"]["coding"][0]["code"] == "unconfirmed"
        expected_conditions += len(by_domain)
    assert expected_conditions > 0
    assert len(_of_type(bundle, "Condition")) == expected_conditions


def test_cli_bundle_has_a_request_and_task_per_referral_accepted_or_later(
    app, db, runner, tmp_path
):
    family_id = _demo_family(db)
    _out, bundle = _export(runner, family_id, tmp_path)
    ids = Ids(app.config["UNIT_KEY"])
    resources = _by_id(bundle)
    cursor = db.execute("SELECT * FROM referrals WHERE family_id = ?", [family_id])
    names = [c[0] for c in cursor.description]
    referrals = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    orders = [r for r in referrals if r["status"] in EXPORTED_REFERRAL_STATUSES]
    assert {r["status"] for r in referrals} - set(EXPORTED_REFERRAL_STATUSES), (
        "the demo family should also have a suggestion or a declined referral"
    )
    for referral in orders:
        task = resources[ids.of("Task", referral["id"])]
        request = resources[ids.of("ServiceRequest", referral["id"])]
        assert task["focus"]["reference"] == f"urn:uuid:{request['id']}"
        assert task["status"] == _expected_task_status(referral), referral["status"]
        want = SHIPPED_MAPS["referral_status"][referral["status"]]["service_request"]
        assert request["status"] == want
        if referral["service_id"]:
            performer = task["owner"]["reference"].removeprefix("urn:uuid:")
            assert resources[performer]["resourceType"] == "HealthcareService"
    # Suggestions and declined referrals are not orders: nothing is sent for them.
    assert len(_of_type(bundle, "Task")) == len(orders)
    assert len(_of_type(bundle, "ServiceRequest")) == len(orders)


def test_closed_screenings_are_exported_like_completed_ones(app, db, runner, tmp_path):
    row = db.execute(
        "SELECT family_id FROM screenings WHERE status = 'closed' ORDER BY id LIMIT 1"
    ).fetchone()
    assert row, "the demo data has a closed screening"
    _out, bundle = _export(runner, row[0], tmp_path)
    finished = _finished_screenings(db, row[0])
    assert len(_of_type(bundle, "QuestionnaireResponse")) == sum(
        len(s["instruments"]) for s in finished
    )


def test_cli_export_is_audited_with_the_family_id_only(app, db, runner, tmp_path):
    family_id = _demo_family(db)
    _export(runner, family_id, tmp_path)
    rows = db.execute(
        "SELECT username, role, record_type, record_id, detail FROM audit_log "
        "WHERE action = 'fhir_export'"
    ).fetchall()
    assert len(rows) == 1
    username, role, record_type, record_id, detail = rows[0]
    assert username.startswith("cli:") and role == "cli"
    assert (record_type, record_id) == ("family", str(family_id))
    mrn = db.execute("SELECT mrn FROM families WHERE id = ?", [family_id]).fetchone()[0]
    assert mrn not in detail


def test_cli_export_of_an_unknown_family_exits_2_with_one_line(db, runner, tmp_path):
    out = tmp_path / "none.json"
    result = runner.invoke(args=["fhir-export", "999999", "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["fhir-export: no family with id 999999"]
    assert not out.exists()
    assert (
        db.execute("SELECT count(*) FROM audit_log WHERE action = 'fhir_export'").fetchone()[0] == 0
    )


def test_export_uses_the_units_mrn_system_and_key(app, db, runner, tmp_path):
    family_id = _demo_family(db)
    _out, first = _export(runner, family_id, tmp_path, "first.json")
    app.config["FHIR_MRN_SYSTEM"] = "urn:oid:2.16.840.1.113883.3.999.1"
    app.config["UNIT_KEY"] = "another-unit"
    _out, second = _export(runner, family_id, tmp_path, "second.json")
    mrn = db.execute("SELECT mrn FROM families WHERE id = ?", [family_id]).fetchone()[0]
    identifiers = [i for p in _of_type(second, "Patient") for i in p.get("identifier", [])]
    assert [(i["system"], i["value"]) for i in identifiers] == [
        ("urn:oid:2.16.840.1.113883.3.999.1", mrn)
    ]
    # Another unit's key gives other ids, so two units' records never collide in one EHR.
    assert not set(_by_id(first)) & set(_by_id(second))


# ---------------------------------------------------------------------------
# The download on the family page


def test_social_worker_downloads_the_bundle_from_the_family_page(app, db, sw_client):
    family_id = _demo_family(db)
    page = sw_client.get(f"/families/{family_id}").get_data(as_text=True)
    assert f'href="/families/{family_id}/fhir.json"' in page
    assert "Download for the EHR (FHIR)" in page
    response = sw_client.get(f"/families/{family_id}/fhir.json")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="family-{family_id}-fhir.json"'
    Bundle.model_validate(json.loads(response.get_data(as_text=True)))
    user, record_id = db.execute(
        "SELECT username, record_id FROM audit_log WHERE action = 'fhir_export'"
    ).fetchone()
    assert user and not user.startswith("cli:")
    assert record_id == str(family_id)


def test_download_file_name_carries_no_phi(db, sw_client):
    family_id = _demo_family(db)
    disposition = sw_client.get(f"/families/{family_id}/fhir.json").headers["Content-Disposition"]
    mrn = db.execute("SELECT mrn FROM families WHERE id = ?", [family_id]).fetchone()[0]
    names = [
        r[0]
        for r in db.execute(
            "SELECT name FROM caregivers WHERE family_id = ? UNION "
            "SELECT name FROM infants WHERE family_id = ?",
            [family_id, family_id],
        )
    ]
    for secret in [mrn, *names, *(n.split()[-1] for n in names)]:
        assert secret.lower() not in disposition.lower()


@pytest.mark.parametrize("who", ["manager_client", "admin_client"])
def test_managers_and_admins_never_get_the_bundle(request, db, who):
    client = request.getfixturevalue(who)
    response = client.get(f"/families/{_demo_family(db)}/fhir.json")
    assert response.status_code == 403
    assert "resourceType" not in response.get_data(as_text=True)
    assert (
        db.execute("SELECT count(*) FROM audit_log WHERE action = 'fhir_export'").fetchone()[0] == 0
    )


def test_unknown_family_download_is_404(sw_client):
    assert sw_client.get("/families/999999/fhir.json").status_code == 404


# ---------------------------------------------------------------------------
# The code maps: shipped, overridden by the site, checked


def _site_maps(app, change) -> None:
    data = yaml.safe_load((SHIPPED_FORMS / "fhir_maps.yaml").read_text(encoding="utf-8"))
    change(data)
    folder = app.config["INSTANCE_FORMS"]
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "fhir_maps.yaml"), "w", encoding="utf-8") as fh:
        yaml.safe_dump(data, fh)


def test_a_sites_map_file_changes_the_exported_task_status(app, db, runner, tmp_path):
    family_id = db.execute(
        "SELECT family_id FROM referrals WHERE status = 'sent' ORDER BY id LIMIT 1"
    ).fetchone()[0]
    _site_maps(app, lambda d: d["referral_status"]["sent"].update(task="in-progress"))
    _out, bundle = _export(runner, family_id, tmp_path)
    ids = Ids(app.config["UNIT_KEY"])
    resources = _by_id(bundle)
    sent = db.execute(
        "SELECT id FROM referrals WHERE family_id = ? AND status = 'sent'", [family_id]
    ).fetchall()
    assert [resources[ids.of("Task", r[0])]["status"] for r in sent] == ["in-progress"] * len(sent)


def test_check_forms_names_a_broken_map_and_the_export_refuses_it(app, db, runner, tmp_path):
    ok = runner.invoke(args=["check-forms"])
    assert ok.exit_code == 0, ok.output
    assert "fhir_maps.yaml" in ok.output
    _site_maps(app, lambda d: d["referral_status"]["sent"].update(task="ready"))
    broken = runner.invoke(args=["check-forms"])
    assert broken.exit_code == 1
    assert "referral_status.sent.task: 'ready'" in broken.stderr
    out = tmp_path / "b.json"
    refused = runner.invoke(args=["fhir-export", str(_demo_family(db)), "--out", str(out)])
    assert refused.exit_code == 1
    assert "referral_status.sent.task" in refused.stderr
    assert not out.exists()


def test_broken_map_download_goes_back_to_the_family_page_with_a_message(app, db, sw_client):
    family_id = _demo_family(db)
    _site_maps(app, lambda d: d.pop("relationship"))
    response = sw_client.get(f"/families/{family_id}/fhir.json", follow_redirects=True)
    assert response.request.path == f"/families/{family_id}"
    assert "EHR download is not available" in response.get_data(as_text=True)


# ---------------------------------------------------------------------------
# fhir-questionnaire


def _questionnaire(runner, *args):
    result = runner.invoke(args=["fhir-questionnaire", *args])
    assert result.exit_code == 0, result.output
    form = json.loads(result.stdout)
    get_fhir_model_class("Questionnaire").model_validate(form)
    return form


def _items(form) -> dict[str, dict]:
    return {i["linkId"]: i for g in form["item"] for i in g.get("item", [])}


def test_questionnaire_gates_the_phq9_on_the_phq2_score(app, runner):
    form = _questionnaire(runner, "phq9")
    items = _items(form)
    with app.app_context():
        phq9 = get_registry().get("phq9")
    gate = [c for c in items["phq9_3"].get("enableWhen", []) if "answerInteger" in c]
    assert gate, "PHQ-9 items after the PHQ-2 must be gated"
    assert gate[0]["question"] in {i["linkId"] for i in form["item"]}
    assert gate[0]["answerInteger"] == phq9.settings["phq2_threshold"]
    for first_two in ("phq9_1", "phq9_2"):
        assert "enableWhen" not in items[first_two]


def test_questionnaire_follows_the_units_scoring_settings(app, runner):
    app.config["SCORING_SETTINGS"] = {"phq2_threshold": 4}
    items = _items(_questionnaire(runner, "phq9"))
    assert items["phq9_3"]["enableWhen"][0]["answerInteger"] == 4
    app.config["SCORING_SETTINGS"] = {"phq2_always_full": True}
    items = _items(_questionnaire(runner, "phq9"))
    assert "enableWhen" not in items["phq9_3"]


def test_questionnaire_in_spanish_uses_the_spanish_wording(app, runner):
    form = _questionnaire(runner, "ahc_core", "--lang", "es")
    with app.app_context():
        ahc = get_registry().get("ahc_core")
    assert form["language"] == "es"
    assert _items(form)["ahc_1"]["text"] == ahc.item("ahc_1").text["es"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no_such_form"], "no instrument 'no_such_form'"),
        (["phq9", "--lang", "fr"], "no language 'fr'"),
    ],
)
def test_questionnaire_refuses_an_unknown_instrument_or_language(runner, args, message):
    result = runner.invoke(args=["fhir-questionnaire", *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert result.stdout == ""
