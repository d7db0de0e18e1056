"""Security headers, cookie flags, caching and CSP-compatible templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[1] / "screening" / "templates"


def assert_security_headers(response):
    h = response.headers
    csp = h["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "no-referrer"
    assert h["X-Frame-Options"] == "DENY"
    assert re.fullmatch(r"[0-9a-f]{16}", h["X-Request-Id"])


@pytest.mark.parametrize("path", ["/login", "/healthz", "/no-such-page"])
def test_anonymous_pages_carry_the_headers_and_are_not_cached(client, path):
    response = client.get(path)
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_signed_in_pages_are_never_cached(sw_client):
    response = sw_client.get("/families")
    assert response.status_code == 200
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_only_over_tls(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://nicu.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_hsts_behind_a_trusted_tls_proxy(app):
    from screening import create_app

    proxied = create_app({**app.config, "TRUSTED_PROXIES": 1}).test_client()
    response = proxied.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
    # Without the setting a forged header from a client is not believed.
    plain = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in plain.headers


def test_session_cookie_is_httponly_and_samesite(client, auth):
    response = auth.login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_when_configured(app):
    from screening import create_app

    secure = create_app({**app.config, "SESSION_COOKIE_SECURE": True}).test_client()
    response = secure.post(
        "/login", data={"username": "sw.garcia", "password": "demo-social-worker-1"}
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_session_cookie_holds_no_user_data(client, auth):
    auth.login()
    with client.session_transaction() as s:
        assert set(s.keys()) <= {"sid", "csrf_token", "_flashes"}


def test_templates_have_no_inline_script_or_style():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=", text):
            offenders.append(str(path.relative_to(TEMPLATES)))
        if re.search(r"\son[a-z]+=", text):
            offenders.append(f"{path.relative_to(TEMPLATES)} (event handler attribute)")
    assert offenders == []


def test_csrf_is_enforced_when_enabled(app):
    from screening import create_app

    strict = create_app({**app.config, "WTF_CSRF_ENABLED": True}).test_client()
    response = strict.post(
        "/login", data={"username": "sw.garcia", "password": "demo-social-worker-1"}
    )
    assert response.status_code == 400
    assert b"Nothing was saved" in response.data
