"""Families: worklist, search, add and edit, and the family page."""

from __future__ import annotations

import secrets

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import url_for
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

from . import audit
from . import codes
from . import family_data
from . import referral_data
from . import timeutil
from .auth import allow
from .core import schedule
from .db import get_db
from .db import write
from .webforms import MultiCheckboxField
from .webforms import choices

bp = Blueprint("families", __name__)

MAX_INFANTS = 3
MAX_CAREGIVERS = 3


class InfantForm(Form):
    id = HiddenField()
    name = StringField("Infant name", validators=[Optional(), Length(max=120)])
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
    id = HiddenField()
    name = StringField("Name", validators=[Optional(), Length(max=120)])
    # Blank rows post nothing for these; filled rows are checked in FamilyForm.
    respondent = SelectField(
        "Relationship", choices=choices(codes.RESPONDENTS), validate_choice=False
    )
    phone = StringField(
        "Phone",
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
                    "name": e.form.name.data.strip(),
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
                    "name": e.form.name.data.strip(),
                    "respondent": e.form.respondent.data,
                    "phone": e.form.phone.data.strip(),
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


def load_family_or_404(family_id: int) -> dict:
    """The family, or a 404 page."""
    family = family_data.get_family(get_db(), family_id)
    if family is None:
        abort(404)
    return family


def due_for(family: dict, screenings: list[dict]) -> list[schedule.Due]:
    """What is due for this family under the unit's settings."""
    cfg = current_app.config
    settings = cfg.get("SCORING_SETTINGS") or {}
    birthing = settings.get("epds_threshold_birthing_parent", 13)
    partner = settings.get("epds_threshold_partner", 10)
    return schedule.due_items(
        family,
        family["caregivers"],
        screenings,
        family_instruments=tuple(cfg["FAMILY_INSTRUMENTS"]),
        mental_health_instruments=tuple(cfg["MENTAL_HEALTH_INSTRUMENTS"]) + ("epds",),
        admission_days=cfg["ADMISSION_SCREEN_DAYS"],
        epds_borderline={
            "birthing_parent": (birthing - 3, birthing - 1),
            "partner": (partner - 3, partner - 1),
        },
    )


@bp.route("/")
@bp.route("/families")
@allow("social_worker")
def worklist():
    """The unit worklist: open alerts, screenings in progress, families due for screening."""
    db = get_db()
    today = timeutil.today()
    due_rows = []
    for family in family_data.active_families(db):
        items = due_for(family, family["screenings"])
        if items:
            due_rows.append({"family": family, "items": items})
    in_progress = list(
        db.query(
            """SELECT s.id, s.family_id, s.timepoint, s.updated_at, f.mrn, c.name AS caregiver_name
               FROM screenings s JOIN families f ON f.id = s.family_id
               JOIN caregivers c ON c.id = s.caregiver_id
               WHERE s.status IN ('in_progress', 'completed') ORDER BY s.updated_at"""
        )
    )
    audit.record("view", "worklist", "")
    return render_template(
        "families/worklist.html",
        alerts=family_data.open_alerts(db),
        in_progress=in_progress,
        due_rows=due_rows,
        today=today,
        search=SearchForm(),
    )


@bp.route("/families/search", methods=["GET", "POST"])
@allow("social_worker")
def search():
    """Find a family by MRN or name (POST, so nothing identifying is in the URL)."""
    form = SearchForm()
    results = None
    if form.validate_on_submit():
        results = family_data.search(get_db(), form.q.data)
        audit.record("search", "family", "", detail=f"results={len(results)}")
    return render_template("families/search.html", form=form, results=results)


@bp.route("/families/new", methods=["GET", "POST"])
@allow("social_worker")
def create():
    """Add a family (one NICU admission)."""
    form = FamilyForm()
    duplicate = None
    if form.validate_on_submit():
        db = get_db()
        try:
            with write(db):
                family_id = family_data.create_family(db, form.to_data(), g.user["id"])
        except family_data.DuplicateMrn as exc:
            duplicate = exc.family_id
            form.mrn.errors.append("A family with this MRN is already in the system.")
        else:
            audit.record("create", "family", family_id)
            flash("Family added.", "success")
            return redirect(url_for("families.show", family_id=family_id))
    elif not form.is_submitted():
        form.language.data = "en"
        form.insurance.data = "unknown"
        form.admission_date.data = timeutil.today()
    return render_template("families/edit.html", form=form, duplicate=duplicate, family=None)


@bp.route("/families/<int:family_id>/edit", methods=["GET", "POST"])
@allow("social_worker")
def edit(family_id: int):
    """Edit a family; a save over someone else's newer save is refused."""
    family = load_family_or_404(family_id)
    form = FamilyForm()
    duplicate = None
    if form.validate_on_submit():
        db = get_db()
        try:
            with write(db):
                family_data.update_family(
                    db, family_id, form.to_data(), int(form.version.data or 0)
                )
        except family_data.StaleEdit:
            flash(
                "Someone else changed this family while you were editing. "
                "Their version is shown; make your changes again.",
                "error",
            )
            return redirect(url_for("families.edit", family_id=family_id))
        except family_data.DuplicateMrn as exc:
            duplicate = exc.family_id
            form.mrn.errors.append("Another family already has this MRN.")
        else:
            audit.record("update", "family", family_id)
            flash("Family updated.", "success")
            return redirect(url_for("families.show", family_id=family_id))
    elif not form.is_submitted():
        _fill(form, family)
    audit.record("view", "family", family_id, detail="edit")
    return render_template("families/edit.html", form=form, duplicate=duplicate, family=family)


def _fill(form: FamilyForm, family: dict) -> None:
    import datetime as dt

    form.version.data = family["version"]
    form.mrn.data = family["mrn"]
    form.admission_date.data = dt.date.fromisoformat(family["admission_date"])
    if family["discharge_date"]:
        form.discharge_date.data = dt.date.fromisoformat(family["discharge_date"])
    form.race_ethnicity.data = family["race_ethnicity"]
    form.insurance.data = family["insurance"]
    form.zip.data = family["zip"]
    form.language.data = family["language"]
    form.interpreter_needed.data = bool(family["interpreter_needed"])
    for entry, infant in zip(form.infants, family["infants"], strict=False):
        entry.form.id.data = infant["id"]
        entry.form.name.data = infant["name"]
        entry.form.dob.data = dt.date.fromisoformat(infant["dob"])
        entry.form.ga_weeks.data = infant["ga_weeks"]
        entry.form.ga_days.data = infant["ga_days"]
    for entry, caregiver in zip(form.caregivers, family["caregivers"], strict=False):
        entry.form.id.data = caregiver["id"]
        entry.form.name.data = caregiver["name"]
        entry.form.respondent.data = caregiver["respondent"]
        entry.form.phone.data = caregiver["phone"]
        entry.form.language.data = caregiver["language"]
        entry.form.interpreter_needed.data = bool(caregiver["interpreter_needed"])


@bp.route("/families/<int:family_id>")
@allow("social_worker")
def show(family_id: int):
    """The family page: people, what is due, alerts, screenings and referrals."""
    from .screenings import StartForm
    from .screenings import default_instruments
    from .screenings import instrument_choices

    family = load_family_or_404(family_id)
    db = get_db()
    screenings = family_data.family_screenings(db, family_id)
    start_forms = {}
    for caregiver in family["caregivers"]:
        form = StartForm(prefix=f"cg{caregiver['id']}")
        form.instruments.choices = instrument_choices()
        form.caregiver_id.data = caregiver["id"]
        form.language.data = (
            caregiver["language"] if caregiver["language"] in ("en", "es") else "en"
        )
        form.mode.data = "interpreter" if caregiver["interpreter_needed"] else "interview"
        form.instruments.data = default_instruments(family, caregiver, screenings)
        form.request_token.data = secrets.token_urlsafe(16)
        start_forms[caregiver["id"]] = form
    referrals = referral_data.family_referrals(db, family_id)
    audit.record("view", "family", family_id)
    return render_template(
        "families/show.html",
        family=family,
        screenings=screenings,
        due=due_for(family, screenings),
        alerts=family_data.open_alerts(db, family_id),
        start_forms=start_forms,
        referrals=referrals,
        today=timeutil.today(),
        codes=codes,
    )


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
