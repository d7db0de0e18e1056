"""Login, logout, server-side sessions and the role check every route goes through."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length

from . import audit
from . import passwords
from . import timeutil
from .db import get_db
from .db import one
from .db import write

bp = Blueprint("auth", __name__)

ROLES = ("social_worker", "manager", "admin")
PUBLIC = "public"
ANY_ROLE = ROLES
HOME = {"social_worker": "families.worklist", "manager": "reports.equity", "admin": "admin.users"}
LOCK_AFTER = 5
LAST_SEEN_WRITE_SECONDS = 30


def allow(*roles: str):
    """Declare which roles may call a view; views without it are denied to everyone."""
    unknown = set(roles) - set(ROLES) - {PUBLIC}
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def mark(view):
        view.allowed_roles = frozenset(roles)
        return view

    return mark


def allowed_roles(app: Flask, endpoint: str) -> frozenset[str]:
    """The roles the endpoint admits (empty = nobody), for the checker and the tests."""
    if endpoint == "static":
        return frozenset({PUBLIC})
    view = app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", frozenset())


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _load_session_user() -> dict | None:
    token = session.get("sid")
    if not token:
        return None
    db = get_db()
    data = one(
        db,
        """SELECT u.*, s.id AS sid, s.created_at AS session_started, s.last_seen, s.revoked_at
           FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?""",
        [_token_id(token)],
    )
    if data is None:
        return None
    now = timeutil.now()
    idle = dt.timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    absolute = dt.timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    expired = (
        data["revoked_at"]
        or not data["active"]
        or now - timeutil.parse(data["last_seen"]) > idle
        or now - timeutil.parse(data["session_started"]) > absolute
    )
    if expired:
        if not data["revoked_at"]:
            with write(db):
                db["user_sessions"].update(data["sid"], {"revoked_at": timeutil.iso()})
        g.session_expired = True
        return None
    if (now - timeutil.parse(data["last_seen"])).total_seconds() > LAST_SEEN_WRITE_SECONDS:
        with write(db):
            db["user_sessions"].update(data["sid"], {"last_seen": timeutil.iso(now)})
    return data


def authorize():
    """before_request: load the user and enforce the endpoint's roles (deny by default)."""
    g.user = None
    if request.endpoint is None:
        return None  # 404/405 follow
    roles = allowed_roles(current_app, request.endpoint)
    if PUBLIC in roles:
        g.user = _load_session_user() if session.get("sid") else None
        return None
    g.user = _load_session_user()
    if g.user is None:
        session.clear()
        if g.get("session_expired"):
            flash("Your session ended. Please sign in again.", "info")
        return redirect(url_for("auth.login"))
    if g.user["role"] not in roles:
        audit.record("permission_denied", "endpoint", request.endpoint, outcome="denied")
        abort(403)
    return None


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired()])
    confirm = PasswordField(
        "Repeat the new password", validators=[DataRequired(), EqualTo("new", "Does not match.")]
    )


def start_session(user: dict) -> None:
    """Rotate the session: a fresh token, stored hashed server-side."""
    session.clear()
    token = secrets.token_urlsafe(32)
    stamp = timeutil.iso()
    db = get_db()
    with write(db):
        db["user_sessions"].insert(
            {"id": _token_id(token), "user_id": user["id"], "created_at": stamp, "last_seen": stamp}
        )
    session["sid"] = token


def lock_minutes(failures: int) -> int:
    """Back-off after repeated failures: 1, 2, 4 ... up to 60 minutes."""
    if failures < LOCK_AFTER:
        return 0
    return min(60, 2 ** (failures - LOCK_AFTER))


def check_login(username: str, password: str) -> tuple[dict | None, str | None]:
    """Verify credentials with lockout kept in the database; returns (user, error)."""
    db = get_db()
    generic = "Wrong username or password."
    user = one(db, "SELECT * FROM users WHERE username = ?", [username])
    if user is None:
        passwords.verify_password(_dummy_hash(), password)  # same timing as a real check
        return None, generic
    now = timeutil.now()
    if user["locked_until"] and timeutil.parse(user["locked_until"]) > now:
        return None, "Too many failed attempts. Try again later or ask an admin."
    # Hash outside the write lock: Argon2 is deliberately slow.
    ok = user["active"] and passwords.verify_password(user["password_hash"], password)
    with write(db):
        if not ok:
            db.execute(
                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?", [user["id"]]
            )
            failures = one(db, "SELECT failed_logins FROM users WHERE id = ?", [user["id"]])
            minutes = lock_minutes(failures["failed_logins"])
            if minutes:
                until = timeutil.iso(now + dt.timedelta(minutes=minutes))
                db["users"].update(user["id"], {"locked_until": until})
            return None, generic
        changes = {"failed_logins": 0, "locked_until": None}
        if passwords.needs_rehash(user["password_hash"]):
            changes["password_hash"] = passwords.hash_password(password)
        db["users"].update(user["id"], changes)
    return user, None


@functools.cache
def _dummy_hash() -> str:
    return passwords.hash_password(secrets.token_hex(16))


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    """Sign in."""
    if g.user:
        return redirect(url_for(HOME[g.user["role"]]))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user, error = check_login(form.username.data.strip(), form.password.data)
        if user:
            start_session(user)
            audit.record("login", "user", user["id"], user=user)
            return redirect(url_for(HOME[user["role"]]))
        audit.record(
            "login", "user", "", outcome="failed", user={"id": None, "username": "", "role": ""}
        )
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
@allow(*ANY_ROLE)
def logout():
    """Sign out and revoke this session on the server."""
    db = get_db()
    with write(db):
        db["user_sessions"].update(g.user["sid"], {"revoked_at": timeutil.iso()})
    audit.record("logout", "user", g.user["id"])
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*ANY_ROLE)
def change_password():
    """Change your own password; every other session of yours is revoked."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not passwords.verify_password(g.user["password_hash"], form.current.data):
            form.current.errors.append("The current password is wrong.")
        else:
            problems = passwords.policy_problems(form.new.data, g.user["username"])
            if problems:
                form.new.errors.extend(problems)
            else:
                set_password(g.user["id"], form.new.data)
                start_session(g.user)
                audit.record("password_change", "user", g.user["id"])
                flash("Password changed.", "success")
                return redirect(url_for(HOME[g.user["role"]]))
    return render_template("auth/password.html", form=form)


def set_password(user_id: int, password: str) -> None:
    """Store a new password hash and revoke every session of the user."""
    db = get_db()
    with write(db):
        db["users"].update(
            user_id,
            {
                "password_hash": passwords.hash_password(password),
                "password_changed_at": timeutil.iso(),
                "failed_logins": 0,
                "locked_until": None,
            },
        )
        revoke_sessions(user_id)


def revoke_sessions(user_id: int) -> None:
    """Revoke every open session of a user (password change, reset, deactivation)."""
    get_db().execute(
        "UPDATE user_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        [timeutil.iso(), user_id],
    )


def init_app(app: Flask) -> None:
    """Register the blueprint and the role check."""
    app.register_blueprint(bp)
    app.before_request(authorize)
