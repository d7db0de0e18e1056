"""Login, logout, server-side sessions, admin TOTP and the role check every route goes through."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
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

from screening.accounts import passwords
from screening.accounts import totp
from screening.platform import audit
from screening.platform import timeutil
from screening.platform.db import get_db
from screening.platform.db import one
from screening.platform.db import write
from screening.platform.roles import ANY_ROLE
from screening.platform.roles import PUBLIC
from screening.platform.roles import allow
from screening.platform.roles import allowed_roles

bp = Blueprint("auth", __name__)

HOME = {"social_worker": "families.worklist", "manager": "reports.equity", "admin": "admin.users"}
LOCK_AFTER = 5
LAST_SEEN_WRITE_SECONDS = 30
# The password step of an admin login is only good for this long without the code.
MFA_PENDING_SECONDS = 300
# Pages a signed-in user may still reach while a password change or TOTP enrolment is owed.
GATE_EXEMPT = frozenset({"auth.logout", "auth.change_password", "auth.totp_setup", "static"})
GENERIC_FAILURE = "Wrong username or password."
LOCKED = "Too many failed attempts. Try again later or ask an admin."


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _load_session_user() -> dict | None:
    token = session.get("sid")
    if not token or not isinstance(token, str):
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
                db["user_sessions"].update(data["sid"], {"revoked_at": timeutil.iso(now)})
        g.session_expired = True
        return None
    if (now - timeutil.parse(data["last_seen"])).total_seconds() > LAST_SEEN_WRITE_SECONDS:
        with write(db):
            db["user_sessions"].update(data["sid"], {"last_seen": timeutil.iso(now)})
    return data


def _owed_step(user: dict) -> str | None:
    """The endpoint a user must visit before anything else, if any."""
    if user["must_change_password"]:
        return "auth.change_password"
    if user["role"] == "admin" and not user["totp_secret"]:
        return "auth.totp_setup"
    return None


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
        # Only the dead token goes: a pending admin code step survives a stray page load.
        session.pop("sid", None)
        if g.get("session_expired"):
            flash("Your session ended. Please sign in again.", "info")
        return redirect(url_for("auth.login"))
    if g.user["role"] not in roles:
        audit.record("permission_denied", "endpoint", request.endpoint, outcome="denied")
        abort(403)
    owed = _owed_step(g.user)
    if owed and request.endpoint not in GATE_EXEMPT:
        return redirect(url_for(owed))
    return None


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


class CodeForm(FlaskForm):
    code = StringField(
        "6-digit code from your authenticator app",
        validators=[DataRequired(), Length(max=16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=256)])
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


def _is_locked(user: dict, now: dt.datetime) -> bool:
    return bool(user["locked_until"]) and timeutil.parse(user["locked_until"]) > now


def _register_failure(user_id: int, now: dt.datetime) -> None:
    """Count a failed attempt in the database, so every worker process sees the lockout."""
    db = get_db()
    with write(db):
        db.execute("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?", [user_id])
        failures = one(db, "SELECT failed_logins FROM users WHERE id = ?", [user_id])
        minutes = lock_minutes(failures["failed_logins"])
        if minutes:
            until = timeutil.iso(now + dt.timedelta(minutes=minutes))
            db["users"].update(user_id, {"locked_until": until})


def _clear_failures(user: dict, password: str | None = None) -> None:
    changes = {"failed_logins": 0, "locked_until": None}
    if password is not None and passwords.needs_rehash(user["password_hash"]):
        changes["password_hash"] = passwords.hash_password(password)
    db = get_db()
    with write(db):
        db["users"].update(user["id"], changes)


def _audit_failure(user_id: int | None, detail: str) -> None:
    # The typed username is never recorded: people type names or MRNs into the wrong box.
    audit.record(
        "login",
        "user",
        user_id or "",
        outcome="failed",
        detail=detail,
        user={"id": None, "username": "", "role": ""},
    )


def check_login(username: str, password: str) -> tuple[dict | None, str | None]:
    """Verify credentials with lockout kept in the database; returns (user, error)."""
    db = get_db()
    user = one(db, "SELECT * FROM users WHERE username = ?", [username])
    if user is None:
        passwords.verify_password(_dummy_hash(), password)  # same timing as a real check
        _audit_failure(None, "unknown account")
        return None, GENERIC_FAILURE
    now = timeutil.now()
    if _is_locked(user, now):
        _audit_failure(user["id"], "locked")
        return None, LOCKED
    # Hash outside the write lock: Argon2 is deliberately slow.
    ok = user["active"] and passwords.verify_password(user["password_hash"], password)
    if not ok:
        _register_failure(user["id"], now)
        _audit_failure(user["id"], "password" if user["active"] else "inactive")
        return None, GENERIC_FAILURE
    _clear_failures(user, password)
    return user, None


def reverify(password: str) -> bool:
    """Re-check the signed-in user's password (e.g. tablet hand-back) under the same lockout.

    A failure counts towards the account lockout; once locked, the sessions end, so a
    tablet left with a parent cannot be used to guess the social worker's password.
    """
    user = g.user
    now = timeutil.now()
    fresh = one(get_db(), "SELECT * FROM users WHERE id = ?", [user["id"]])
    if fresh is None or _is_locked(fresh, now):
        return False
    if passwords.verify_password(fresh["password_hash"], password or ""):
        _clear_failures(fresh)
        return True
    _register_failure(fresh["id"], now)
    _audit_failure(fresh["id"], "reverify")
    locked = one(get_db(), "SELECT locked_until FROM users WHERE id = ?", [user["id"]])
    if locked and locked["locked_until"]:
        db = get_db()
        with write(db):
            revoke_sessions(user["id"])
    return False


@functools.cache
def _dummy_hash() -> str:
    return passwords.hash_password(secrets.token_hex(16))


def _after_login(user: dict, factor: str):
    start_session(user)
    audit.record("login", "user", user["id"], detail=f"factor={factor}", user=user)
    owed = _owed_step(user)
    return redirect(url_for(owed or HOME[user["role"]]))


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    """Sign in with username and password (admins then give a TOTP code)."""
    if g.user:
        return redirect(url_for(HOME[g.user["role"]]))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user, error = check_login(form.username.data.strip(), form.password.data)
        if user and user["role"] == "admin" and user["totp_secret"]:
            session.clear()
            session["mfa_user"] = user["id"]
            session["mfa_at"] = timeutil.iso()
            return redirect(url_for("auth.login_totp"))
        if user:
            return _after_login(user, "password")
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)


def _pending_mfa_user() -> dict | None:
    user_id, started = session.get("mfa_user"), session.get("mfa_at")
    if not isinstance(user_id, int) or not isinstance(started, str):
        return None
    try:
        age = timeutil.now() - timeutil.parse(started)
    except ValueError:
        return None
    if age.total_seconds() > MFA_PENDING_SECONDS:
        return None
    return one(get_db(), "SELECT * FROM users WHERE id = ? AND active = 1", [user_id])


def _step_used(user_id: int, step: int) -> bool:
    """True when this code's time step was already accepted for the user (replay)."""
    return bool(
        one(
            get_db(),
            "SELECT 1 AS used FROM audit_log WHERE record_type = 'user' AND record_id = ? "
            "AND outcome = 'ok' AND detail LIKE ?",
            [str(user_id), f"%totp_step={step}"],
        )
    )


@bp.route("/login/code", methods=["GET", "POST"])
@allow(PUBLIC)
def login_totp():
    """Second sign-in step for admins: the code from the authenticator app."""
    if g.user:
        return redirect(url_for(HOME[g.user["role"]]))
    user = _pending_mfa_user()
    if user is None:
        session.clear()
        flash("Sign in again.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        now = timeutil.now()
        step = totp.matching_step(user["totp_secret"], form.code.data, now)
        if _is_locked(user, now):
            _audit_failure(user["id"], "locked")
            error = LOCKED
        elif step is None or _step_used(user["id"], step):
            _register_failure(user["id"], now)
            _audit_failure(user["id"], "totp")
            error = "That code is wrong or was already used. Wait for the next code."
        else:
            _clear_failures(user)
            return _after_login(user, f"totp totp_step={step}")
    return render_template("auth/totp.html", form=form, error=error), (401 if error else 200)


def _enrol_key() -> bytes:
    return hashlib.sha256(b"totp-enrol:" + str(current_app.secret_key).encode()).digest()


@bp.route("/account/totp", methods=["GET", "POST"])
@allow("admin")
def totp_setup():
    """Admins enrol an authenticator app; until then no admin page opens."""
    user = g.user
    if user["totp_secret"]:
        return render_template("auth/totp_setup.html", enrolled=True)
    secret = totp.enrolment_secret(_enrol_key(), user["id"], user["sid"])
    form = CodeForm()
    if form.validate_on_submit():
        step = totp.matching_step(secret, form.code.data, timeutil.now())
        if step is None:
            form.code.errors.append(
                "That code does not match. Check the phone's clock and the secret you typed."
            )
        else:
            db = get_db()
            with write(db):
                db["users"].update(user["id"], {"totp_secret": secret})
            audit.record("totp_enrol", "user", user["id"], detail=f"totp_step={step}")
            flash("Authenticator app set up. You will need a code at each sign-in.", "success")
            return redirect(url_for(HOME[user["role"]]))
    return render_template(
        "auth/totp_setup.html",
        enrolled=False,
        form=form,
        secret=totp.grouped(secret),
        uri=totp.provisioning_uri(secret, user["username"]),
    )


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
    """Change your own password; every session of yours is revoked and a new one started."""
    form = PasswordChangeForm()
    if g.user["must_change_password"] and request.method == "GET":
        flash("Choose a new password before you continue.", "info")
    if form.validate_on_submit():
        if not passwords.verify_password(g.user["password_hash"], form.current.data):
            form.current.errors.append("The current password is wrong.")
        elif hmac.compare_digest(form.new.data.encode(), form.current.data.encode()):
            form.new.errors.append("Choose a password different from the current one.")
        else:
            problems = passwords.policy_problems(form.new.data, g.user["username"])
            if problems:
                form.new.errors.extend(problems)
            else:
                set_password(g.user["id"], form.new.data, must_change=False)
                start_session(g.user)
                audit.record("password_change", "user", g.user["id"])
                flash("Password changed.", "success")
                user = one(get_db(), "SELECT * FROM users WHERE id = ?", [g.user["id"]])
                return redirect(url_for(_owed_step(user) or HOME[user["role"]]))
    return render_template("auth/password.html", form=form)


def set_password(user_id: int, password: str, must_change: bool | None = None) -> None:
    """Store a new password hash and revoke every session of the user."""
    changes = {
        "password_hash": passwords.hash_password(password),
        "password_changed_at": timeutil.iso(),
        "failed_logins": 0,
        "locked_until": None,
    }
    if must_change is not None:
        changes["must_change_password"] = int(must_change)
    db = get_db()
    with write(db):
        db["users"].update(user_id, changes)
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
