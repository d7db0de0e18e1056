"""Manager equity page, CSV/PDF downloads and the equity CLI: no PHI, safe CSV, audited."""

from __future__ import annotations

import io
import json
import random
import shutil
import subprocess

import pytest

from screening.core import csv_safe
from screening.core.results_import import parse
from screening.platform.db import write
from screening.reports import store as equity_data

STAMP = "2026-01-05T10:00:00Z"
PHI_NAME, PHI_MRN, PHI_PHONE = "Zebulon Quixotewright", "MRN-PHI-7731", "(555) 867-5309"


def history(n: int = 400, seed: int = 11) -> str:
    """An import CSV with enough families per group that most cells are shown."""
    rng = random.Random(seed)
    lines = ["record_id,screened_on,status,race_ethnicity,language,insurance,food,referral_food"]
    for i in range(n):
        race = rng.choice(["white", "white", "black", "hispanic", "asian", "mena", "unknown"])
        done = rng.random() < 0.8
        food = rng.choice(["positive", "negative"]) if done else ""
        referral = rng.choice(["sent", "connected", ""]) if food == "positive" else ""
        day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        status = "completed" if done else "declined"
        lines.append(
            f"H{i},{day},{status},{race},{rng.choice(['en', 'es'])},public,{food},{referral}"
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def loaded(db):
    """Imported history plus one app family with distinctive PHI."""
    parsed = parse(io.StringIO(history()))
    assert parsed.problems == []
    with write(db):
        equity_data.store_import(db, parsed, STAMP)
        fid = (
            db["families"]
            .insert(
                {
                    "mrn": PHI_MRN,
                    "admission_date": "2025-06-01",
                    "race_ethnicity": json.dumps(["black"]),
                    "zip": "60614",
                    "language": "en",
                    "created_at": STAMP,
                    "updated_at": STAMP,
                }
            )
            .last_pk
        )
        db["caregivers"].insert(
            {
                "family_id": fid,
                "name": PHI_NAME,
                "respondent": "partner",
                "phone": PHI_PHONE,
                "created_at": STAMP,
            }
        )
        db["infants"].insert(
            {"family_id": fid, "name": "Baby Quixotewright", "dob": "2025-05-31", "ga_weeks": 30}
        )
    return db


def phi_values(db) -> list[str]:
    """Every name, MRN and phone in the database (demo families included)."""
    values = [r[0] for r in db.execute("SELECT mrn FROM families")]
    values += [r[0] for r in db.execute("SELECT name FROM caregivers")]
    values += [r[0] for r in db.execute("SELECT name FROM infants")]
    values += [r[0] for r in db.execute("SELECT phone FROM caregivers WHERE phone != ''")]
    values += [r[0] for r in db.execute("SELECT dob FROM infants")]
    return values


def pdf_text(data: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed")
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode()


def test_manager_page_has_tables_charts_and_no_phi(loaded, manager_client):
    response = manager_client.get("/reports/equity?by=race_ethnicity&trend=screened")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<svg") >= 2 and "Month by month" in html and "Care cascade" in html
    assert "Numerator:</strong> families with a completed family social-needs screen" in html
    # Hidden counts say so in words: "<11" in a count column reads as the group's size.
    assert ">hidden<" in html and "&lt;11" not in html
    assert "reference" in html and "completeness" in html
    csv_text = manager_client.get("/reports/equity?by=race_ethnicity&format=csv").get_data(
        as_text=True
    )
    pdf = manager_client.get("/reports/equity?by=race_ethnicity&format=pdf").data
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Numerator:" in text and "hidden" in text and "<11" not in text
    values = phi_values(loaded)
    assert PHI_NAME in values and PHI_MRN in values
    for value in values:
        assert value not in html, value
        assert value not in csv_text, value
        assert value not in text, value


def test_suppressed_cells_never_show_a_small_number(loaded, manager_client):
    rows = manager_client.get("/reports/equity?format=csv&by=language").get_data(as_text=True)
    header, *body = [r.split(",") for r in rows.strip().splitlines()]
    num, den, hidden = (
        header.index("numerator"),
        header.index("denominator"),
        header.index("suppressed"),
    )
    for row in body:
        for col in (num, den):
            if row[col]:
                assert not 1 <= int(row[col]) <= 10
        if row[hidden] == "true":
            assert row[num] == row[den] == ""


def test_page_audits_views_and_exports(loaded, sw_client):
    assert sw_client.get("/reports/equity?by=insurance").status_code == 200
    assert sw_client.get("/reports/equity?by=insurance&format=csv").status_code == 200
    actions = loaded.execute(
        "SELECT action, record_type, record_id FROM audit_log WHERE action LIKE 'equity_%'"
    ).fetchall()
    assert ("equity_view", "report", "insurance") in actions
    assert ("equity_export", "report", "insurance") in actions


def test_admin_cannot_open_the_report(admin_client):
    assert admin_client.get("/reports/equity").status_code == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?from=2025-02-30", "Not a real date."),
        ("?from=2025/06", "Use a month (YYYY-MM) or a date (YYYY-MM-DD)."),
        ("?from=2025-06-01&to=2025-01-01", "The end is before the start."),
        ("?to=2099-01", "The period ends in the future."),
        ("?by=mrn", "Not a valid choice"),
    ],
)
def test_bad_filters_say_what_is_wrong(manager_client, query, message):
    response = manager_client.get("/reports/equity" + query)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_csv_cells_that_look_like_formulas_are_neutralised(app, loaded, manager_client):
    app.config["EQUITY_EXTRA_DIMENSIONS"] = (
        {
            "name": "evil",
            "column": "language",
            "map": {"en": '=HYPERLINK("x")'},
            "default": "@other",
        },
    )
    text = manager_client.get("/reports/equity?by=evil&format=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and "'@other" in text
    assert "\n=" not in text and ",=" not in text and ",@" not in text


@pytest.mark.parametrize("value", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_safe_prefixes_dangerous_text(value):
    assert csv_safe.cell(value) == "'" + value


def test_csv_safe_keeps_numbers_and_plain_text():
    assert csv_safe.cell(-0.0345) == "-0.0345"
    assert csv_safe.cell(12) == "12" and csv_safe.cell(True) == "true"
    assert csv_safe.cell("white") == "white" and csv_safe.cell(None) == ""


def test_cli_equity_json_matches_the_design_contract(loaded, runner):
    result = runner.invoke(
        args=["equity", "--by", "race_ethnicity", "--from", "2025-01-01", "--to", "2025-12-31"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert set(summary) == {
        "dimension",
        "from",
        "to",
        "suppression_threshold",
        "reference_group",
        "groups",
        "total",
    }
    assert (summary["from"], summary["to"], summary["suppression_threshold"]) == (
        "2025-01-01",
        "2025-12-31",
        11,
    )
    white = next(g for g in summary["groups"] if g["group"] == "white")["metrics"]["screened"]
    for key in (
        "numerator",
        "denominator",
        "rate",
        "ci_low",
        "ci_high",
        "suppressed",
        "rate_ratio",
        "rr_ci_low",
        "rr_ci_high",
    ):
        assert key in white
    assert summary["reference_group"] == "white"
    names = set(summary["total"]["metrics"])
    assert {
        "screened",
        "declined",
        "positive_any",
        "positive:food",
        "referred",
        "connected",
    } <= names
    assert len([n for n in names if n.startswith("positive:")]) == 16
    csv_out = runner.invoke(args=["equity", "--by", "language", "--format", "csv"])
    assert csv_out.output.startswith("dimension,from,to,suppression_threshold")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "zip"], "unknown dimension 'zip'"),
        (
            ["--by", "language", "--from", "2025-13-01"],
            "--from: not a real date",
        ),
        (
            ["--by", "language", "--from", "2025-05-01", "--to", "2025-01-01"],
            "--from is after --to",
        ),
    ],
)
def test_cli_equity_rejects_bad_input_with_exit_2(runner, args, message):
    result = runner.invoke(args=["equity", *args])
    assert result.exit_code == 2
    assert message in result.output
