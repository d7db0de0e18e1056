"""Family forms: the family with its infants and caregivers, and search."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import FieldList
from wtforms import Form
from wtforms import FormField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import ValidationError
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import Regexp

from screening.platform import codes
from screening.platform import timeutil
from screening.platform.webforms import RECORD_ID
from screening.platform.webforms import MultiCheckboxField
from screening.platform.webforms import NoAutofill
from screening.platform.webforms import choices
from screening.platform.webforms import stripped

MAX_INFANTS = 3
MAX_CAREGIVERS = 3
MRN_PATTERN = r"^[A-Za-z0-9-]{3,20}$"
# The family language field's "decide from the caregivers" choice.
FROM_CAREGIVERS = ""


class InfantForm(Form):
    class Meta(NoAutofill):
        pass

    id = HiddenField(validators=[Optional(), Regexp(RECORD_ID, message=_l("Not a record id."))])
    mrn = StringField(
        _l("This infant's MRN (twins and triplets: each their own; first infant: the MRN above)"),
        filters=[stripped],
        validators=[
            Optional(),
            Regexp(MRN_PATTERN, message=_l("3 to 20 letters, digits or dashes.")),
        ],
    )
    name = StringField(
        _l("Infant name"), filters=[stripped], validators=[Optional(), Length(max=120)]
    )
    dob = DateField(_l("Date of birth"), validators=[Optional()])
    ga_weeks = IntegerField(
        _l("Gestational age at birth: weeks"),
        validators=[Optional(), NumberRange(22, 44, _l("Weeks must be from 22 to 44."))],
    )
    ga_days = IntegerField(
        _l("and days"), validators=[Optional(), NumberRange(0, 6, _l("Days must be from 0 to 6."))]
    )

    def blank(self) -> bool:
        return not any(
            [self.name.data, self.dob.data, self.ga_weeks.data, self.ga_days.data, self.id.data]
        )


class CaregiverForm(Form):
    class Meta(NoAutofill):
        pass

    id = HiddenField(validators=[Optional(), Regexp(RECORD_ID, message=_l("Not a record id."))])
    name = StringField(_l("Name"), filters=[stripped], validators=[Optional(), Length(max=120)])
    # Blank rows post nothing for these; filled rows are checked in FamilyForm.
    respondent = SelectField(
        _l("Relationship"), choices=choices(codes.RESPONDENTS), validate_choice=False
    )
    phone = StringField(
        _l("Phone"),
        filters=[stripped],
        validators=[
            Optional(),
            Regexp(r"^[0-9+() .-]{7,25}$", message=_l("Use digits, spaces, + ( ) . or -.")),
        ],
    )
    language = SelectField(
        _l("Preferred language"), choices=choices(codes.LANGUAGES), validate_choice=False
    )
    interpreter_needed = BooleanField(_l("Needs an interpreter"))

    def blank(self) -> bool:
        return not (self.name.data or self.phone.data or self.id.data)


class FamilyForm(FlaskForm):
    class Meta(NoAutofill):
        pass

    version = HiddenField()
    mrn = StringField(
        _l("Infant MRN"),
        validators=[
            DataRequired(_l("Enter the MRN.")),
            Regexp(MRN_PATTERN, message=_l("3 to 20 letters, digits or dashes.")),
        ],
    )
    admission_date = DateField(
        _l("NICU admission date"),
        validators=[DataRequired(_l("Enter the date as year-month-day, e.g. 2026-11-22."))],
    )
    discharge_date = DateField(_l("Discharge date (planned or actual)"), validators=[Optional()])
    race_ethnicity = MultiCheckboxField(
        _l("Race and ethnicity (as the family describes it; choose all that apply)"),
        choices=choices(codes.RACE_ETHNICITY | codes.RACE_STATUS),
    )
    insurance = SelectField(_l("Infant's insurance"), choices=choices(codes.INSURANCE))
    bed = StringField(
        _l("Bed or room on the unit"),
        filters=[stripped],
        validators=[Optional(), Length(max=20)],
    )
    zip = StringField(
        _l("Home ZIP code"),
        validators=[Optional(), Regexp(r"^\d{5}$", message=_l("Five digits."))],
    )
    language = SelectField(
        _l("Family's preferred language (letters print in it)"),
        choices=choices([("", _l("Same as the caregivers")), *codes.LANGUAGES.items()]),
    )
    interpreter_needed = BooleanField(_l("Family needs an interpreter"))
    infants = FieldList(FormField(InfantForm), min_entries=MAX_INFANTS, max_entries=MAX_INFANTS)
    caregivers = FieldList(
        FormField(CaregiverForm), min_entries=MAX_CAREGIVERS, max_entries=MAX_CAREGIVERS
    )

    def validate_discharge_date(self, field):
        if field.data and self.admission_date.data and field.data < self.admission_date.data:
            raise ValidationError(_("Discharge cannot be before admission."))

    def validate_race_ethnicity(self, field):
        chosen = set(field.data or [])
        if not chosen:
            raise ValidationError(_("Choose at least one, or “Declined” or “Unknown”."))
        if chosen & set(codes.RACE_STATUS) and len(chosen) > 1:
            raise ValidationError(
                _("“Declined” and “Unknown” cannot be combined with other choices.")
            )

    def validate_infants(self, field):
        filled = [f for f in field if not f.form.blank()]
        if not filled:
            raise ValidationError(_("Add at least one infant."))
        for entry in filled:
            form = entry.form
            for sub, message in (
                (form.name, _("Enter the infant's name.")),
                (form.dob, _("Enter the date of birth.")),
                (form.ga_weeks, _("Enter the gestational age in weeks.")),
            ):
                if not sub.data and not sub.errors:
                    sub.errors.append(message)
            if form.dob.data and form.dob.data > timeutil.today():
                form.dob.errors.append(_("The date of birth is in the future."))
            if (
                form.dob.data
                and self.admission_date.data
                and form.dob.data > self.admission_date.data
            ):
                form.dob.errors.append(_("Birth is after the admission date."))
            if any(sub.errors for sub in form):
                raise ValidationError(_("Check the infant details."))
        mrns = [self.mrn.data.strip().upper(), *(e.form.mrn.data.upper() for e in filled[1:])]
        mrns = [m for m in mrns if m]
        if len(mrns) != len(set(mrns)):
            raise ValidationError(_("Each infant needs a different MRN."))

    def validate_caregivers(self, field):
        filled = [f for f in field if not f.form.blank()]
        if not filled:
            raise ValidationError(_("Add at least one parent or caregiver."))
        for entry in filled:
            form = entry.form
            if not form.name.data:
                form.name.errors.append(_("Enter the caregiver's name."))
            if form.respondent.data not in codes.RESPONDENTS:
                form.respondent.errors.append(_("Choose the relationship."))
            if form.language.data not in codes.LANGUAGES:
                form.language.errors.append(_("Choose a language."))
            if any(sub.errors for sub in form):
                raise ValidationError(_("Check the caregiver details."))
        if sum(e.form.respondent.data == "birthing_parent" for e in filled) > 1:
            raise ValidationError(_("Only one caregiver can be the birthing parent."))

    def to_data(self) -> dict:
        """The validated form as plain data for the store (blank rows left out)."""
        data = {k: v for k, v in self.data.items() if k not in ("csrf_token", "version")}
        data["mrn"] = data["mrn"].strip().upper()
        data["admission_date"] = data["admission_date"].isoformat()
        discharge = data["discharge_date"]
        data["discharge_date"] = discharge.isoformat() if discharge else None
        data["infants"] = [
            e.data
            | {
                "id": int(e.data["id"]) if e.data["id"] else None,
                "mrn": (e.data["mrn"] or "").upper() or None,
                "dob": e.data["dob"].isoformat(),
                "ga_days": e.data["ga_days"] or 0,
            }
            for e in self.infants
            if not e.form.blank()
        ]
        data["caregivers"] = [
            e.data | {"id": int(e.data["id"]) if e.data["id"] else None}
            for e in self.caregivers
            if not e.form.blank()
        ]
        data["language"] = data["language"] or caregivers_language(data["caregivers"])
        return data


def caregivers_language(caregivers: list[dict]) -> str:
    """The language most caregivers chose (the birthing parent's on a tie), English if none."""
    if not caregivers:
        return "en"
    counts = Counter(c["language"] for c in caregivers)
    first = next(
        (c["language"] for c in caregivers if c["respondent"] == "birthing_parent"),
        caregivers[0]["language"],
    )
    return max(counts, key=lambda lang: (counts[lang], lang == first))


def language_mismatch(family: dict) -> bool:
    """True when no caregiver speaks the family's language (letters would print in it)."""
    spoken = {c["language"] for c in family.get("caregivers", [])}
    return bool(spoken) and family["language"] not in spoken


def form_data(family: dict) -> dict:
    """A stored family as the edit form's `data` (dates as dates, flags as booleans)."""
    return {
        **family,
        "admission_date": dt.date.fromisoformat(family["admission_date"]),
        "discharge_date": dt.date.fromisoformat(family["discharge_date"])
        if family["discharge_date"]
        else None,
        "interpreter_needed": bool(family["interpreter_needed"]),
        "infants": [i | {"dob": dt.date.fromisoformat(i["dob"])} for i in family["infants"]],
        "caregivers": [
            c | {"interpreter_needed": bool(c["interpreter_needed"])} for c in family["caregivers"]
        ],
    }


def new_family_data(today: dt.date) -> dict:
    """What a blank family form starts with: the second row is usually the other parent."""
    roles = ["birthing_parent", "partner", "other_caregiver"]
    return {
        "language": FROM_CAREGIVERS,
        "insurance": "unknown",
        "admission_date": today,
        "caregivers": [{"respondent": r, "language": "en"} for r in roles[:MAX_CAREGIVERS]],
    }


class SearchForm(FlaskForm):
    class Meta(NoAutofill):
        pass

    q = StringField(
        _l("MRN or name"), validators=[DataRequired(_l("Type an MRN or a name.")), Length(max=80)]
    )
