"""Sign-in, code, password and admin account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

from screening.platform import codes
from screening.platform.roles import ROLES


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class CodeForm(FlaskForm):
    code = StringField(
        _l("6-digit code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters"},
    )


class EnrolForm(FlaskForm):
    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[DataRequired(), Length(max=16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", _l("Does not match."))],
    )


class UserForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Length(min=3, max=40),
            Regexp(
                r"^[A-Za-z0-9._-]+$", message=_l("Use letters, digits, dot, dash or underscore.")
            ),
        ],
        render_kw={"autocomplete": "off"},
    )
    display_name = StringField(
        _l("Full name"),
        validators=[DataRequired(), Length(max=120)],
        render_kw={"autocomplete": "off"},
    )
    role = SelectField(_l("Role"), choices=[SelectChoice(r, codes.ROLES[r]) for r in ROLES])
    phone = StringField(
        _l("Work phone (printed on letters)"), validators=[Optional(), Length(max=40)]
    )
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )


class ResetForm(FlaskForm):
    password = PasswordField(
        _l("New temporary password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )


class ActionForm(FlaskForm):
    """A button that only carries the CSRF token."""
