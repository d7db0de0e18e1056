"""Admin pages: user accounts (add, deactivate, reset password or second factor, confirm)."""

from __future__ import annotations

import sqlite3

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _

from screening.accounts import audit_views
from screening.accounts import passwords
from screening.accounts import store
from screening.accounts.forms import ActionForm
from screening.accounts.forms import ResetForm
from screening.accounts.forms import UserForm
from screening.platform import audit
from screening.platform.db import get_db
from screening.platform.db import write
from screening.platform.roles import allow

bp = Blueprint("admin", __name__, url_prefix="/admin")
# The audit viewer and the access review live in their own module; the endpoints stay admin.*.
bp.add_url_rule("/audit", "audit", allow("admin")(audit_views.audit_view))
bp.add_url_rule("/access-review", "access_review", allow("admin")(audit_views.access_review))


def _clean_text(value: str) -> str:
    return " ".join(value.split())


def _hold_for(role: str) -> str | None:
    # A clinical account an admin made would let the admin read PHI with it: it waits.
    return "created" if role in store.CLINICAL_ROLES else None


def _create(form: UserForm) -> int | None:
    """Insert the account from a valid form; None (with the field error set) when refused."""
    username = form.username.data
    db = get_db()
    problems = passwords.policy_problems(form.password.data, username)
    if store.username_taken(db, username):
        form.username.errors.append(_("This username is taken."))
        return None
    if problems:
        form.password.errors.extend(problems)
        return None
    hold = _hold_for(form.role.data)
    try:
        with write(db):
            return store.insert_user(
                db,
                username,
                form.role.data,
                form.password.data,
                display_name=_clean_text(form.display_name.data),
                phone=_clean_text(form.phone.data or ""),
                must_change_password=1,
                phi_hold=hold,
                phi_hold_by=g.user["id"] if hold else None,
            )
    except sqlite3.IntegrityError:
        # Another admin created the same name between our check and the insert.
        form.username.errors.append(_("This username is taken."))
        return None


@bp.route("/users", methods=["GET", "POST"])
@allow("admin")
def users():
    """List accounts and add a new one."""
    form = UserForm()
    if form.validate_on_submit():
        uid = _create(form)
        if uid is not None:
            audit.record("user_create", "user", uid, detail=f"role={form.role.data}")
            flash(
                _("Account created. The person must choose a new password at first sign-in."),
                "success",
            )
            if _hold_for(form.role.data):
                flash(_("Another admin must confirm it before it can open family records."), "info")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/users.html",
        form=form,
        users=store.list_users(get_db()),
        action=ActionForm(),
        reset=ResetForm(),
    ), (400 if form.errors else 200)


def _user_or_404(user_id: int) -> dict:
    user = store.user_by_id(get_db(), user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@allow("admin")
def toggle_active(user_id: int):
    """Deactivate or reactivate an account; deactivation ends its sessions."""
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if user["id"] == g.user["id"]:
        flash(_("You cannot deactivate your own account; ask another admin."), "error")
        return redirect(url_for("admin.users"))
    store.set_active(get_db(), user_id, not user["active"])
    audit.record("user_deactivate" if user["active"] else "user_activate", "user", user_id)
    flash(_("Account updated."), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/reset", methods=["POST"])
@allow("admin")
def reset_password(user_id: int):
    """Set a temporary password and unlock the account (a clinical one waits for confirmation)."""
    user = _user_or_404(user_id)
    form = ResetForm()
    if not form.validate_on_submit():
        flash(_("Enter a temporary password."), "error")
        return redirect(url_for("admin.users"))
    problems = passwords.policy_problems(form.password.data, user["username"])
    if problems:
        flash(" ".join(problems), "error")
        return redirect(url_for("admin.users"))
    hold = "reset" if user["role"] in store.CLINICAL_ROLES else None
    store.set_password(
        get_db(), user_id, form.password.data, must_change=True, hold=hold, held_by=g.user["id"]
    )
    audit.record("user_password_reset", "user", user_id)
    flash(_("Temporary password set; the account is unlocked."), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/confirm", methods=["POST"])
@allow("admin")
def confirm_access(user_id: int):
    """A second admin confirms a held clinical account; the admin who made the change cannot."""
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if user["phi_hold_by"] == g.user["id"] or user_id == g.user["id"]:
        audit.record("access_confirm", "user", user_id, outcome="denied", detail="same admin")
        flash(_("Another admin must confirm an account you created or reset."), "error")
        return redirect(url_for("admin.users"))
    if store.release_hold(get_db(), user_id):
        audit.record("access_confirm", "user", user_id)
        flash(_("Access confirmed for %(name)s.", name=user["username"]), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/totp-reset", methods=["POST"])
@allow("admin")
def reset_totp(user_id: int):
    """Clear an admin's second factor (lost phone); they enrol again at next sign-in."""
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    store.set_totp(get_db(), user_id, None)
    audit.record("user_totp_reset", "user", user_id)
    flash(_("Sign-in codes reset for %(name)s.", name=user["username"]), "success")
    if user_id == g.user["id"]:
        return redirect(url_for("auth.login"))
    return redirect(url_for("admin.users"))


def init_app(app: Flask) -> None:
    """Register the blueprint; the viewer's endpoint is admin.audit."""
    app.register_blueprint(bp)
