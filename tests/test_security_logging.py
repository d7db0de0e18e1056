"""Structured logs: a request id on every line, no PHI, no exception text on error pages.

`capture_logs()` is the helper other tests use to scan log lines, e.g.::

    from test_security_logging import capture_logs
    with capture_logs() as lines:
        ...drive the app...
    assert not any("Maria" in line for line in lines)
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Iterator

import pytest

from screening import create_app
from screening.platform.roles import PUBLIC
from screening.platform.roles import allow
from screening.platform.web_security import JsonFormatter
from screening.platform.web_security import RequestIdFilter

PHI_USERNAME = "Maria Lopez MRN 00417723 DOB 2026-03-14"


@contextlib.contextmanager
def capture_logs() -> Iterator[list[str]]:
    """Every JSON line the app logs while the block runs (formatted as in production)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger("screening"), logging.getLogger()]
    for logger in loggers:
        logger.addHandler(handler)
    lines: list[str] = []
    try:
        yield lines
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        lines.extend(line for line in stream.getvalue().splitlines() if line)


@pytest.fixture
def log_lines():
    """The log lines of the test so far (a list filled when the test ends its block)."""
    with capture_logs() as lines:
        yield lines


def test_every_request_logs_one_json_line_with_a_request_id(client):
    with capture_logs() as lines:
        response = client.get("/login")
    records = [json.loads(line) for line in lines]
    access = [r for r in records if r["msg"] == "request"]
    assert len(access) == 1
    assert access[0]["request_id"] == response.headers["X-Request-Id"]
    assert access[0]["endpoint"] == "auth.login" and "path" not in access[0]


def test_failed_login_with_a_phi_looking_username_logs_none_of_it(client):
    with capture_logs() as lines:
        client.post("/login", data={"username": PHI_USERNAME, "password": "secret guess 123"})
    text = "\n".join(lines)
    assert lines
    for fragment in ("Maria", "Lopez", "00417723", "2026-03-14", "secret guess"):
        assert fragment not in text


def test_phi_in_a_url_is_not_logged(sw_client):
    with capture_logs() as lines:
        sw_client.get("/families/Maria%20Lopez")
    assert lines and not any("Maria" in line for line in lines)


@pytest.fixture
def crashing_app(app):
    crashing = create_app({**app.config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    @crashing.route("/boom")
    @allow(PUBLIC)
    def boom():
        raise ValueError(f"could not save {PHI_USERNAME} phone 555-0199")

    return crashing


def test_500_pages_and_logs_hold_no_exception_text(crashing_app):
    with capture_logs() as lines:
        response = crashing_app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Maria" not in body and "555-0199" not in body and "ValueError" not in body
    assert response.headers["X-Request-Id"] in body  # the reference staff can quote
    assert response.headers["Cache-Control"] == "no-store"
    text = "\n".join(lines)
    assert "Maria" not in text and "555-0199" not in text and "/boom" not in text
    error = next(json.loads(line) for line in lines if '"unhandled exception"' in line)
    assert error["exc"] == "ValueError" and error["request_id"] == response.headers["X-Request-Id"]
    assert error["where"].startswith("test_security_logging.py:")


def test_log_lines_cannot_be_split_by_injected_newlines():
    record = logging.LogRecord("screening", logging.INFO, __file__, 1, "a\nfake line", None, None)
    assert "\n" not in JsonFormatter().format(record)


def test_a_whole_bedside_session_logs_no_phi(sw_client, screen, db):
    """Add a family, search it, screen it, acknowledge an alert, print its letter: scan the logs
    and the audit trail for every identifying value typed along the way."""
    from test_families import family_form

    phi = {
        "mrn": "PHI-778812",
        "infants-0-name": "Baby Quenby Zarathustra",
        "infants-0-dob": "2026-11-02",
        "caregivers-0-name": "Wilhelmina Zarathustra",
        "caregivers-0-phone": "(555) 013-9917",
    }
    note = "Called Wilhelmina at home; partner Thaddeus present"
    with capture_logs() as lines:
        added = sw_client.post("/families/new", data=family_form(**phi))
        family_id = int(added.headers["Location"].rsplit("/", 1)[1])
        sw_client.get(f"/families/{family_id}")
        sw_client.post("/families/search", data={"q": "Zarathustra"})
        caregiver_id = db.execute(
            "SELECT id FROM caregivers WHERE family_id = ?", [family_id]
        ).fetchone()[0]
        started = screen.start(family_id, caregiver_id, instruments=["ahc_core", "phq9"])
        sid = int(started.headers["Location"].split("/")[2])
        screen.run(sid, {"phq9__phq9_1": "3", "phq9__phq9_2": "3", "phq9__phq9_9": "2"})
        sw_client.get(f"/screenings/{sid}/results")
        for (alert_id,) in db.execute("SELECT id FROM alerts WHERE screening_id = ?", [sid]):
            sw_client.post(f"/screenings/{sid}/alerts/{alert_id}", data={"note": note})
        sw_client.get(f"/referrals/families/{family_id}/letter")
    assert len(lines) > 20
    logged = "\n".join(lines)
    audit = "\n".join(str(r) for r in db.execute("SELECT * FROM audit_log").fetchall())
    secrets = [
        "778812",
        "Quenby",
        "Zarathustra",
        "Wilhelmina",
        "013-9917",
        "2026-11-02",
        "Thaddeus",
    ]
    for secret in secrets:
        assert secret not in logged, secret
        assert secret not in audit, secret
