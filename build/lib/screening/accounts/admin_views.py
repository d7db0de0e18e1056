"""Admin pages: user accounts (add, deactivate, reset password or second factor), audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import Regexp

from screening.accounts import passwords
from screening.accounts.cli import insert_user
from screening.accounts.views import revoke_sessions
from screening.accounts.views import set_password
from screening.platform import audit
from screening.platform.db import get_db
from screening.platform.db import one
from screening.platform.db import write
from screening.platform.roles import ROLES
from screening.platform.roles import allow

bp = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_PAGE_SIZE = 200
AUDIT_CSV_COLUMNS = ("id", *audit.FIELDS, "hash")


class UserForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Length(min=3, max=40),
            Regexp(r"^[A-Za-z0-9._-]+$", message="Use letters, digits, dot, dash or underscore."),
        ],
    )
    display_name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=[SelectChoice(r, r.replace("_", " ")) for r in ROLES])
    phone = StringField("Work phone (printed on letters)", validators=[Optional(), Length(max=40)])
    password = PasswordField("Initial password", validators=[DataRequired(), Length(max=256)])


class ResetForm(FlaskForm):
    password = PasswordField("New temporary password", validators=[DataRequired(), Length(max=256)])


class ActionForm(FlaskForm):
    pass


class AuditFilterForm(FlaskForm):
    """Filters on staff usernames, action and record type codes: no PHI, so GET is fine."""

    class Meta:
        csrf = False

    user = SelectField("User", validators=[Optional()], validate_choice=True)
    action = SelectField("Action", validators=[Optional()], validate_choice=True)
    record_type = SelectField("Record type", validators=[Optional()], validate_choice=True)
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    before = IntegerField("Older than entry", validators=[Optional(), NumberRange(min=1)])


def _clean_text(value: str) -> str:
    return " ".join(value.split())


@bp.route("/users", methods=["GET", "POST"])
@allow("admin")
def users():
    """List accounts and add a new one."""
    db = get_db()
    form = UserForm()
    if form.validate_on_submit():
        username = form.username.data
        problems = passwords.policy_problems(form.password.data, username)
        if db["users"].count_where("username = ?", [username]):
            form.username.errors.append("This username is taken.")
        elif problems:
            form.password.errors.extend(problems)
        else:
            try:
                with write(db):
                    uid = insert_user(
                        db,
                        username,
                        form.role.data,
                        form.password.data,
                        display_name=_clean_text(form.display_name.data),
                        phone=_clean_text(form.phone.data or ""),
                        must_change_password=1,
                    )
            except sqlite3.IntegrityError:
                # Another admin created the same name between our check and the insert.
                form.username.errors.append("This username is taken.")
            else:
                audit.record("user_create", "user", uid, detail=f"role={form.role.data}")
                flash(
                    "Account created. The person must choose a new password at first sign-in"
                    + (" and set up sign-in codes." if form.role.data == "admin" else "."),
                    "success",
                )
                return redirect(url_for("admin.users"))
    rows = list(
        db.query(
            "SELECT id, username, display_name, role, active, locked_until, "
            "failed_logins, totp_secret IS NOT NULL AS has_totp, must_change_password "
            "FROM users ORDER BY active DESC, username"
        )
    )
    status = 400 if form.errors else 200
    return render_template(
        "admin/users.html", form=form, users=rows, action=ActionForm(), reset=ResetForm()
    ), status


def _user_or_404(user_id: int) -> dict:
    user = one(get_db(), "SELECT * FROM users WHERE id = ?", [user_id])
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
        flash("You cannot deactivate your own account; ask another admin.", "error")
        return redirect(url_for("admin.users"))
    db = get_db()
    with write(db):
        db["users"].update(
            user_id,
            {"active": 0 if user["active"] else 1, "failed_logins": 0, "locked_until": None},
        )
        if user["active"]:
            revoke_sessions(user_id)
    audit.record("user_deactivate" if user["active"] else "user_activate", "user", user_id)
    flash("Account updated.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/reset", methods=["POST"])
@allow("admin")
def reset_password(user_id: int):
    """Set a temporary password and unlock the account."""
    user = _user_or_404(user_id)
    form = ResetForm()
    if not form.validate_on_submit():
        flash("Enter a temporary password.", "error")
        return redirect(url_for("admin.users"))
    problems = passwords.policy_problems(form.password.data, user["username"])
    if problems:
        flash(" ".join(problems), "error")
        return redirect(url_for("admin.users"))
    set_password(user_id, form.password.data, must_change=True)
    audit.record("user_password_reset", "user", user_id)
    flash("Temporary password set; the account is unlocked.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/totp-reset", methods=["POST"])
@allow("admin")
def reset_totp(user_id: int):
    """Clear an admin's second factor (lost phone); they enrol again at next sign-in."""
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    db = get_db()
    with write(db):
        db["users"].update(user_id, {"totp_secret": None})
        revoke_sessions(user_id)
    audit.record("user_totp_reset", "user", user_id)
    flash(f"Sign-in codes reset for {user['username']}.", "success")
    if user_id == g.user["id"]:
        return redirect(url_for("auth.login"))
    return redirect(url_for("admin.users"))


def neutralise(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


# Static SQL: each filter is a named parameter that is NULL when unused.
AUDIT_PAGE_SQL = """
    SELECT * FROM audit_log
    WHERE (:user IS NULL OR username = :user)
      AND (:action IS NULL OR action = :action)
      AND (:record_type IS NULL OR record_type = :record_type)
      AND (:date_from IS NULL OR at >= :date_from)
      AND (:date_to IS NULL OR at < :date_to)
      AND (:before IS NULL OR id < :before)
    ORDER BY id DESC LIMIT :limit
"""
AUDIT_CSV_SQL = """
    SELECT id, at, user_id, username, role, action, record_type, record_id, outcome, detail,
      request_id, hash
    FROM audit_log
    WHERE (:user IS NULL OR username = :user)
      AND (:action IS NULL OR action = :action)
      AND (:record_type IS NULL OR record_type = :record_type)
      AND (:date_from IS NULL OR at >= :date_from)
      AND (:date_to IS NULL OR at < :date_to)
      AND (:before IS NULL OR id < :before)
    ORDER BY id
"""
CHOICE_SQL = {
    "username": "SELECT DISTINCT username FROM audit_log WHERE username != '' ORDER BY 1",
    "action": "SELECT DISTINCT action FROM audit_log WHERE action != '' ORDER BY 1",
    "record_type": "SELECT DISTINCT record_type FROM audit_log WHERE record_type != '' ORDER BY 1",
}


def _audit_params(form: AuditFilterForm) -> dict:
    to = form.date_to.data
    return {
        "user": form.user.data or None,
        "action": form.action.data or None,
        "record_type": form.record_type.data or None,
        "date_from": form.date_from.data.isoformat() if form.date_from.data else None,
        "date_to": (to + dt.timedelta(days=1)).isoformat() if to else None,
        "before": form.before.data or None,
    }


def _choices(db, column: str) -> list[SelectChoice]:
    values = [r[0] for r in db.execute(CHOICE_SQL[column])]
    return [SelectChoice("", "any")] + [SelectChoice(v, v) for v in values]


@bp.route("/audit", endpoint="audit")
@allow("admin")
def audit_view():
    """The audit trail with filters; ?format=csv downloads the filtered rows."""
    db = get_db()
    form = AuditFilterForm(request.args)
    form.user.choices = _choices(db, "username")
    form.action.choices = _choices(db, "action")
    form.record_type.choices = _choices(db, "record_type")
    if request.args and not form.validate():
        return render_template("admin/audit.html", form=form, rows=[], more=False), 400
    params = _audit_params(form)
    if request.args.get("format") == "csv":
        return _audit_csv(db, {**params, "before": None})
    rows = list(db.query(AUDIT_PAGE_SQL, {**params, "limit": AUDIT_PAGE_SIZE + 1}))
    more = len(rows) > AUDIT_PAGE_SIZE
    rows = rows[:AUDIT_PAGE_SIZE]
    args = {k: v for k, v in request.args.items() if k not in ("before", "format")}
    return render_template(
        "admin/audit.html",
        form=form,
        rows=rows,
        more=more,
        older_url=url_for("admin.audit", **args, before=rows[-1]["id"]) if more else None,
        csv_url=url_for("admin.audit", **args, format="csv"),
    )


def _audit_csv(db, params: dict) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_CSV_COLUMNS)
    count = 0
    for row in db.execute(AUDIT_CSV_SQL, params):
        writer.writerow([neutralise(v) for v in row])
        count += 1
    audit.record("audit_export", "audit_log", "", detail=f"rows={count}")
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-trail.csv"},
    )


def init_app(app: Flask) -> None:
    """Register the blueprint; the viewer's endpoint is admin.audit."""
    app.register_blueprint(bp)
