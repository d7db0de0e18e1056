"""Login, logout, server-side sessions, admin TOTP and the role check every route goes through."""

from __future__ import annotations

import datetime as dt
import hmac

import segno
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
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from screening.accounts import passwords
from screening.accounts import store
from screening.accounts import totp
from screening.accounts.forms import ActionForm
from screening.accounts.forms import CodeForm
from screening.accounts.forms import EnrolForm
from screening.accounts.forms import LoginForm
from screening.accounts.forms import PasswordChangeForm
from screening.accounts.signin import check_code
from screening.accounts.signin import check_login
from screening.accounts.signin import recovery_key
from screening.accounts.signin import reverify
from screening.platform import audit
from screening.platform import timeutil
from screening.platform.db import get_db
from screening.platform.roles import ANY_ROLE
from screening.platform.roles import PUBLIC
from screening.platform.roles import allow
from screening.platform.roles import allowed_roles
from screening.platform.settings import derived_key

# The hand-back check lives in signin; other areas import it from here, as before.
__all__ = ["authorize", "bp", "init_app", "reverify"]

bp = Blueprint("auth", __name__)

HOME = {"social_worker": "families.worklist", "manager": "reports.equity", "admin": "admin.users"}
LAST_SEEN_WRITE_SECONDS = 30
# The password step of an admin login is only good for this long without the code.
MFA_PENDING_SECONDS = 300
# Pages a signed-in user may still reach while a password change, TOTP enrolment or a
# second person's confirmation is owed.
GATE_EXEMPT = frozenset(
    {"auth.logout", "auth.change_password", "auth.totp_setup", "auth.access_pending", "static"}
)


def _load_session_user() -> dict | None:
    token = session.get("sid")
    if not token or not isinstance(token, str):
        return None
    db = get_db()
    data = store.session_user(db, token)
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
            store.end_session(db, data["sid"])
        g.session_expired = True
        return None
    if (now - timeutil.parse(data["last_seen"])).total_seconds() > LAST_SEEN_WRITE_SECONDS:
        store.touch_session(db, data["sid"])
    return data


def _owed_step(user: dict) -> str | None:
    """The endpoint a user must visit before anything else, if any."""
    if user["must_change_password"]:
        return "auth.change_password"
    if user["role"] == "admin" and not user["totp_secret"]:
        return "auth.totp_setup"
    if user["phi_hold"]:
        return "auth.access_pending"
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
            flash(_("Your session ended. Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    if g.user["role"] not in roles:
        audit.record("permission_denied", "endpoint", request.endpoint, outcome="denied")
        abort(403)
    owed = _owed_step(g.user)
    if owed and request.endpoint not in GATE_EXEMPT:
        return redirect(url_for(owed))
    return None


def start_session(user: dict) -> None:
    """Rotate the session: a fresh token, stored hashed server-side."""
    session.clear()
    session["sid"] = store.open_session(get_db(), user["id"])


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
    user = store.user_by_id(get_db(), user_id)
    return user if user and user["active"] else None


@bp.route("/login/code", methods=["GET", "POST"])
@allow(PUBLIC)
def login_totp():
    """Second sign-in step for admins: the code from the authenticator app."""
    if g.user:
        return redirect(url_for(HOME[g.user["role"]]))
    user = _pending_mfa_user()
    if user is None:
        session.clear()
        flash(_("Sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        factor, error = check_code(user, form.code.data)
        if factor:
            if factor == "recovery_code":
                left = store.recovery_codes_left(get_db(), user["id"])
                used = ngettext(
                    "Recovery code used; %(num)s code left.",
                    "Recovery code used; %(num)s codes left.",
                    left,
                )
                flash(used, "info")
            return _after_login(user, factor)
    return render_template("auth/totp.html", form=form, error=error), (401 if error else 200)


def _enrol_key() -> bytes:
    return derived_key(current_app.config, "totp enrolment")


def _qr_svg(uri: str) -> Markup:
    # Drawn on the server as inline SVG: no script, no third-party image service.
    return Markup(segno.make(uri, error="m").svg_inline(scale=5, border=2, title="TOTP"))  # noqa: S704  # nosec B704


@bp.route("/account/totp", methods=["GET", "POST"])
@allow("admin")
def totp_setup():
    """Admins enrol an authenticator app; until then no admin page opens."""
    user = g.user
    if user["totp_secret"]:
        return render_template("auth/totp_setup.html", enrolled=True)
    secret = totp.enrolment_secret(_enrol_key(), user["id"], user["sid"])
    form = EnrolForm()
    if form.validate_on_submit():
        step = totp.matching_step(secret, form.code.data, timeutil.now())
        if step is None or not store.claim_step(get_db(), user["id"], step):
            form.code.errors.append(
                _("That code does not match. Check the phone's clock and the key you typed.")
            )
        else:
            store.set_totp(get_db(), user["id"], secret)
            audit.record("totp_enrol", "user", user["id"], detail=f"totp_step={step}")
            flash(_("Authenticator app set up. Now make your recovery codes."), "success")
            return redirect(url_for("auth.recovery_codes"))
    uri = totp.provisioning_uri(secret, user["username"])
    return render_template(
        "auth/totp_setup.html",
        enrolled=False,
        form=form,
        secret=totp.grouped(secret),
        uri=uri,
        qr=_qr_svg(uri),
    )


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
@allow("admin")
def recovery_codes():
    """Make (or replace) the one-time recovery codes; they are shown once, stored hashed."""
    form = ActionForm()
    if form.validate_on_submit():
        codes = store.new_recovery_codes(get_db(), recovery_key(), g.user["id"])
        audit.record("recovery_codes", "user", g.user["id"], detail=f"count={len(codes)}")
        return render_template("auth/recovery_codes.html", codes=codes, home=HOME["admin"])
    left = store.recovery_codes_left(get_db(), g.user["id"])
    return render_template("auth/recovery_codes.html", codes=None, form=form, left=left)


@bp.route("/account/pending")
@allow(*ANY_ROLE)
def access_pending():
    """Where a held account waits until a second person confirms it."""
    if not g.user["phi_hold"]:
        return redirect(url_for(HOME[g.user["role"]]))
    return render_template("auth/pending.html")


@bp.route("/logout", methods=["POST"])
@allow(*ANY_ROLE)
def logout():
    """Sign out and revoke this session on the server."""
    store.end_session(get_db(), g.user["sid"])
    audit.record("logout", "user", g.user["id"])
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


def _password_change_problems(form: PasswordChangeForm) -> bool:
    """Attach what is wrong to the form's fields; True when anything is."""
    if not passwords.verify_password(g.user["password_hash"], form.current.data):
        form.current.errors.append(_("The current password is wrong."))
    elif hmac.compare_digest(form.new.data.encode(), form.current.data.encode()):
        form.new.errors.append(_("Choose a password different from the current one."))
    else:
        form.new.errors.extend(passwords.policy_problems(form.new.data, g.user["username"]))
    return bool(form.current.errors or form.new.errors)


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*ANY_ROLE)
def change_password():
    """Change your own password; every session of yours is revoked and a new one started."""
    form = PasswordChangeForm()
    if g.user["must_change_password"] and request.method == "GET":
        flash(_("Choose a new password before you continue."), "info")
    if form.validate_on_submit() and not _password_change_problems(form):
        db = get_db()
        store.set_password(db, g.user["id"], form.new.data, must_change=False)
        start_session(g.user)
        audit.record("password_change", "user", g.user["id"])
        release_single_admin_hold(g.user)
        flash(_("Password changed."), "success")
        user = store.user_by_id(db, g.user["id"])
        return redirect(url_for(_owed_step(user) or HOME[user["role"]]))
    return render_template("auth/password.html", form=form)


def release_single_admin_hold(user: dict) -> None:
    """In a one-admin unit nobody else can confirm: the holder's own new password lifts the
    hold, and the access review shows the notice so the privacy officer looks."""
    db = get_db()
    if (
        user["phi_hold"]
        and store.active_admin_count(db) <= 1
        and store.release_hold(db, user["id"])
    ):
        audit.record(
            "access_confirm",
            "user",
            user["id"],
            outcome="self",
            detail="one-admin unit: released when the holder changed the password",
        )


def init_app(app: Flask) -> None:
    """Register the blueprint and the role check."""
    app.register_blueprint(bp)
    app.before_request(authorize)
