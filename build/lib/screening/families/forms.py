"""Family forms: the family with its infants and caregivers, and search."""

from __future__ import annotations

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
from screening.platform.webforms import choices
from screening.platform.webforms import stripped

MAX_INFANTS = 3
MAX_CAREGIVERS = 3


class InfantForm(Form):
    id = HiddenField(validators=[Optional(), Regexp(RECORD_ID, message="Not a record id.")])
    name = StringField("Infant name", filters=[stripped], validators=[Optional(), Length(max=120)])
    dob = DateField("Date of birth", validators=[Optional()])
    ga_weeks = IntegerField(
        "Gestational age at birth: weeks",
        validators=[Optional(), NumberRange(22, 44, "Weeks must be from 22 to 44.")],
    )
    ga_days = IntegerField(
        "and days", validators=[Optional(), NumberRange(0, 6, "Days must be from 0 to 6.")]
    )

    def blank(self) -> bool:
        return not any(
            [self.name.data, self.dob.data, self.ga_weeks.data, self.ga_days.data, self.id.data]
        )


class CaregiverForm(Form):
    id = HiddenField(validators=[Optional(), Regexp(RECORD_ID, message="Not a record id.")])
    name = StringField("Name", filters=[stripped], validators=[Optional(), Length(max=120)])
    # Blank rows post nothing for these; filled rows are checked in FamilyForm.
    respondent = SelectField(
        "Relationship", choices=choices(codes.RESPONDENTS), validate_choice=False
    )
    phone = StringField(
        "Phone",
        filters=[stripped],
        validators=[
            Optional(),
            Regexp(r"^[0-9+() .-]{7,25}$", message="Use digits, spaces, + ( ) . or -."),
        ],
    )
    language = SelectField(
        "Preferred language", choices=choices(codes.LANGUAGES), validate_choice=False
    )
    interpreter_needed = BooleanField("Needs an interpreter")

    def blank(self) -> bool:
        return not (self.name.data or self.phone.data or self.id.data)


class FamilyForm(FlaskForm):
    version = HiddenField()
    mrn = StringField(
        "Infant MRN",
        validators=[
            DataRequired("Enter the MRN."),
            Regexp(r"^[A-Za-z0-9-]{3,20}$", message="3 to 20 letters, digits or dashes."),
        ],
    )
    admission_date = DateField(
        "NICU admission date",
        validators=[DataRequired("Enter the date as year-month-day, e.g. 2026-11-22.")],
    )
    discharge_date = DateField("Discharge date (planned or actual)", validators=[Optional()])
    race_ethnicity = MultiCheckboxField(
        "Race and ethnicity (as the family describes it; choose all that apply)",
        choices=choices(codes.RACE_ETHNICITY | codes.RACE_STATUS),
    )
    insurance = SelectField("Infant's insurance", choices=choices(codes.INSURANCE))
    zip = StringField(
        "Home ZIP code",
        validators=[Optional(), Regexp(r"^\d{5}$", message="Five digits.")],
    )
    language = SelectField("Family's preferred language", choices=choices(codes.LANGUAGES))
    interpreter_needed = BooleanField("Family needs an interpreter")
    infants = FieldList(FormField(InfantForm), min_entries=MAX_INFANTS, max_entries=MAX_INFANTS)
    caregivers = FieldList(
        FormField(CaregiverForm), min_entries=MAX_CAREGIVERS, max_entries=MAX_CAREGIVERS
    )

    def validate_discharge_date(self, field):
        if field.data and self.admission_date.data and field.data < self.admission_date.data:
            raise ValidationError("Discharge cannot be before admission.")

    def validate_race_ethnicity(self, field):
        chosen = set(field.data or [])
        if not chosen:
            raise ValidationError("Choose at least one, or “Declined” or “Unknown”.")
        if chosen & set(codes.RACE_STATUS) and len(chosen) > 1:
            raise ValidationError("“Declined” and “Unknown” cannot be combined with other choices.")

    def validate_infants(self, field):
        filled = [f for f in field if not f.form.blank()]
        if not filled:
            raise ValidationError("Add at least one infant.")
        for entry in filled:
            form = entry.form
            for sub, message in (
                (form.name, "Enter the infant's name."),
                (form.dob, "Enter the date of birth."),
                (form.ga_weeks, "Enter the gestational age in weeks."),
            ):
                if not sub.data and not sub.errors:
                    sub.errors.append(message)
            if form.dob.data and form.dob.data > timeutil.today():
                form.dob.errors.append("The date of birth is in the future.")
            if (
                form.dob.data
                and self.admission_date.data
                and form.dob.data > self.admission_date.data
            ):
                form.dob.errors.append("Birth is after the admission date.")
            if any(sub.errors for sub in form):
                raise ValidationError("Check the infant details.")

    def validate_caregivers(self, field):
        filled = [f for f in field if not f.form.blank()]
        if not filled:
            raise ValidationError("Add at least one parent or caregiver.")
        for entry in filled:
            form = entry.form
            if not form.name.data:
                form.name.errors.append("Enter the caregiver's name.")
            if form.respondent.data not in codes.RESPONDENTS:
                form.respondent.errors.append("Choose the relationship.")
            if form.language.data not in codes.LANGUAGES:
                form.language.errors.append("Choose a language.")
            if any(sub.errors for sub in form):
                raise ValidationError("Check the caregiver details.")
        if sum(e.form.respondent.data == "birthing_parent" for e in filled) > 1:
            raise ValidationError("Only one caregiver can be the birthing parent.")

    def to_data(self) -> dict:
        """The validated form as plain data for family_data."""
        return {
            "mrn": self.mrn.data.strip().upper(),
            "admission_date": self.admission_date.data.isoformat(),
            "discharge_date": self.discharge_date.data.isoformat()
            if self.discharge_date.data
            else None,
            "race_ethnicity": self.race_ethnicity.data,
            "insurance": self.insurance.data,
            "zip": self.zip.data,
            "language": self.language.data,
            "interpreter_needed": self.interpreter_needed.data,
            "infants": [
                {
                    "id": int(e.form.id.data) if e.form.id.data else None,
                    "name": e.form.name.data,
                    "dob": e.form.dob.data.isoformat(),
                    "ga_weeks": e.form.ga_weeks.data,
                    "ga_days": e.form.ga_days.data or 0,
                }
                for e in self.infants
                if not e.form.blank()
            ],
            "caregivers": [
                {
                    "id": int(e.form.id.data) if e.form.id.data else None,
                    "name": e.form.name.data,
                    "respondent": e.form.respondent.data,
                    "phone": e.form.phone.data,
                    "language": e.form.language.data,
                    "interpreter_needed": e.form.interpreter_needed.data,
                }
                for e in self.caregivers
                if not e.form.blank()
            ],
        }


class SearchForm(FlaskForm):
    q = StringField(
        "MRN or name", validators=[DataRequired("Type an MRN or a name."), Length(max=80)]
    )
