"""Hypothesis fuzzing of the login, user-admin and password-change forms.

Never a 500, never a partial write.
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
text = st.text(max_size=300) | st.sampled_from(
    ["", " ", "\x00", "' OR 1=1 --", "=cmd()", "a" * 5000]
)


def snapshot(app, sql):
    conn = sqlite3.connect(app.config["DATABASE"])
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.slow
@FUZZ
@given(username=text, password=text, extra=st.dictionaries(st.text(max_size=10), text, max_size=3))
def test_login_form_never_errors_and_writes_no_account(app, username, password, extra):
    client = app.test_client()
    before = snapshot(app, "SELECT id, password_hash, active FROM users ORDER BY id")
    response = client.post("/login", data={**extra, "username": username, "password": password})
    assert response.status_code in (200, 400, 401)  # 400: NUL bytes are refused before any view
    assert snapshot(app, "SELECT id, password_hash, active FROM users ORDER BY id") == before


@pytest.mark.slow
@FUZZ
@given(
    username=text | st.from_regex(r"[a-z][a-z0-9._-]{2,39}", fullmatch=True),
    display_name=text,
    role=st.sampled_from(["social_worker", "manager", "admin", "root", ""]),
    phone=text,
    password=text | st.just("copper kettle under the bridge"),
)
def test_user_admin_form_is_all_or_nothing(
    admin_client, app, username, display_name, role, phone, password
):
    before = snapshot(app, "SELECT count(*) FROM users")[0][0]
    response = admin_client.post(
        "/admin/users",
        data={
            "username": username,
            "display_name": display_name,
            "role": role,
            "phone": phone,
            "password": password,
        },
    )
    after = snapshot(app, "SELECT count(*) FROM users")[0][0]
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert after == before + 1
        row = snapshot(app, "SELECT role, must_change_password FROM users ORDER BY id DESC LIMIT 1")
        assert row == [(role, 1)]
    else:
        assert after == before


@pytest.mark.slow
@FUZZ
@given(current=text | st.just("demo-social-worker-1"), new=text, confirm=text)
def test_password_change_never_errors_and_keeps_the_old_hash_on_refusal(app, current, new, confirm):
    client = app.test_client()
    client.post("/login", data={"username": "sw.okafor", "password": "demo-social-worker-2"})
    before = snapshot(app, "SELECT password_hash FROM users WHERE username = 'sw.okafor'")
    response = client.post(
        "/account/password",
        data={"current": current, "new": new, "confirm": confirm},
    )
    assert response.status_code in (200, 302, 400)  # 400: NUL bytes are refused before any view
    after = snapshot(app, "SELECT password_hash FROM users WHERE username = 'sw.okafor'")
    assert (after != before) == (response.status_code == 302)
    if response.status_code == 302:
        # Put the demo password back so the next example can sign in.
        from screening.accounts import passwords

        conn = sqlite3.connect(app.config["DATABASE"])
        conn.execute(
            "UPDATE users SET password_hash = ? WHERE username = 'sw.okafor'",
            [passwords.hash_password("demo-social-worker-2")],
        )
        conn.commit()
        conn.close()
