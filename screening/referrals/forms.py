"""Referral forms: status changes, attempts, reopening, choosing and adding services, filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import AnyOf
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from screening.core import referral_rules as rules
from screening.core.identifiers import DOMAINS
from screening.core.identifiers import REFERRAL_CATEGORIES
from screening.referrals import wording


class _Versioned(FlaskForm):
    version = IntegerField(validators=[DataRequired()])
    back = HiddenField()


class TransitionForm(_Versioned):
    to = StringField(_l("New status"), validators=[DataRequired(), AnyOf(rules.STATUSES)])
    reason = StringField(_l("Reason"), validators=[Optional(), AnyOf(rules.REASONS)])
    outcome = StringField(_l("Was the need met?"), validators=[Optional(), AnyOf(rules.OUTCOMES)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    # A closing action is only applied when the page's confirmation step was taken.
    confirm = BooleanField(_l("Yes, close this referral"))

    def validate_confirm(self, field: BooleanField) -> None:
        if self.to.data in rules.CLOSING and not field.data:
            raise ValidationError(_l("Confirm before closing the referral."))


class NoteForm(_Versioned):
    note = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=2000)])


class OwnerForm(_Versioned):
    owner = IntegerField(_l("New owner"), validators=[DataRequired()])


class AttemptForm(_Versioned):
    on = DateField(_l("Date"), validators=[InputRequired()])
    method = SelectField(
        _l("How"), choices=[SelectChoice(k, v) for k, v in wording.METHODS.items()]
    )
    result = SelectField(
        _l("Result"), choices=[SelectChoice(k, v) for k, v in wording.RESULTS.items()]
    )
    next_try = DateField(_l("Next try"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ReopenForm(_Versioned):
    why = TextAreaField(_l("Why reopen?"), validators=[DataRequired(), Length(max=2000)])


class ChooseForm(_Versioned):
    service = StringField(_l("Service"), validators=[DataRequired(), Length(max=64)])


class GapForm(_Versioned):
    note = TextAreaField(_l("What was missing?"), validators=[Optional(), Length(max=2000)])


class ManualForm(FlaskForm):
    domain = SelectField(_l("Need"), choices=[SelectChoice(d, wording.NEEDS[d]) for d in DOMAINS])
    category = SelectField(
        _l("Referral category"),
        choices=[SelectChoice(c, c.replace("_", " ")) for c in REFERRAL_CATEGORIES],
    )
    service = StringField(_l("Service from the directory"), validators=[Optional()])
    service_text = StringField(
        _l("Or a one-off service (name and phone)"), validators=[Optional(), Length(max=300)]
    )
    caregiver = IntegerField(validators=[Optional()])
    back = HiddenField()

    def validate_service_text(self, field: StringField) -> None:
        if not (self.service.data or "").strip() and not (field.data or "").strip():
            raise ValidationError(_l("Choose a service or type a one-off service."))


class AcceptManyForm(FlaskForm):
    # "id:version" for each ticked suggestion.
    pick = SelectMultipleField(validate_choice=False)

    def choices(self) -> dict[int, int]:
        """{referral id: version} of the ticked suggestions."""
        out = {}
        for value in self.pick.data or []:
            rid, _sep, version = str(value).partition(":")
            if rid.isdigit() and version.isdigit():
                out[int(rid)] = int(version)
        return out

    back = HiddenField()


class TitleForm(FlaskForm):
    title_en = StringField(_l("Your title on letters (English)"), validators=[Length(max=100)])
    title_es = StringField(_l("Your title on letters (Spanish)"), validators=[Length(max=100)])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: filters only read

    mine = BooleanField(_l("Mine"))
    overdue = BooleanField(_l("Overdue"))
    week = BooleanField(_l("Due this week"))
    private = BooleanField(_l("Private"))
    category = SelectField(
        _l("Category"),
        choices=[SelectChoice("", _l("Any"))]
        + [SelectChoice(c, c.replace("_", " ")) for c in REFERRAL_CATEGORIES],
        validators=[Optional()],
    )
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("open", _l("Open (accepted or sent)"))]
        + [SelectChoice(k, v) for k, v in wording.STATUS.items()],
        default="open",
    )
    page = IntegerField(default=1, validators=[Optional()])
