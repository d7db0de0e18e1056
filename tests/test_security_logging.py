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
from screening.auth import PUBLIC
from screening.auth import allow
from screening.web_security import JsonFormatter
from screening.web_security import RequestIdFilter

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
