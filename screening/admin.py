"""Admin pages: user accounts (add, deactivate, reactivate, reset password)."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

from . import audit
from . import passwords
from .auth import ROLES
from .auth import allow
from .auth import revoke_sessions
from .auth import set_password
from .commands import insert_user
from .db import get_db
from .db import one
from .db import write

bp = Blueprint("admin", __name__, url_prefix="/admin")


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
    role = SelectField("Role", choices=[(r, r.replace("_", " ")) for r in ROLES])
    phone = StringField("Work phone (printed on letters)", validators=[Optional(), Length(max=40)])
    password = PasswordField("Initial password", validators=[DataRequired()])


class ResetForm(FlaskForm):
    password = PasswordField("New temporary password", validators=[DataRequired()])


class ActionForm(FlaskForm):
    pass


@bp.route("/users", methods=["GET", "POST"])
@allow("admin")
def users():
    """List accounts and add a new one."""
    db = get_db()
    form = UserForm()
    if form.validate_on_submit():
        problems = passwords.policy_problems(form.password.data, form.username.data)
        if db["users"].count_where("username = ?", [form.username.data]):
            form.username.errors.append("This username is taken.")
        elif problems:
            form.password.errors.extend(problems)
        else:
            with write(db):
                uid = insert_user(
                    db,
                    form.username.data,
                    form.role.data,
                    form.password.data,
                    display_name=form.display_name.data,
                    phone=form.phone.data or "",
                    must_change_password=1,
                )
            audit.record("user_create", "user", uid, detail=f"role={form.role.data}")
            flash(
                "Account created. Ask the person to change the password at first sign-in.",
                "success",
            )
            return redirect(url_for("admin.users"))
    rows = list(
        db.query(
            "SELECT id, username, display_name, role, active, locked_until, "
            "failed_logins FROM users ORDER BY active DESC, username"
        )
    )
    return render_template(
        "admin/users.html", form=form, users=rows, action=ActionForm(), reset=ResetForm()
    )


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
    set_password(user_id, form.password.data)
    db = get_db()
    with write(db):
        db["users"].update(user_id, {"must_change_password": 1})
    audit.record("user_password_reset", "user", user_id)
    flash("Temporary password set; the account is unlocked.", "success")
    return redirect(url_for("admin.users"))


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
