"""Directory forms: a service, its actions and the HSDS upload."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import BooleanField
from wtforms import DateField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import URLField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

from screening.core.identifiers import DOMAINS
from screening.core.identifiers import REFERRAL_CATEGORIES as CATEGORIES
from screening.platform.webforms import MultiCheckboxField


class ServiceForm(FlaskForm):
    name = StringField(_l("Service name"), validators=[DataRequired(), Length(max=200)])
    organization = StringField(_l("Organization"), validators=[Optional(), Length(max=200)])
    category = SelectField(
        _l("Referral category"), choices=[SelectChoice(c, c.replace("_", " ")) for c in CATEGORIES]
    )
    domains = MultiCheckboxField(
        _l("Needs it serves"), choices=[SelectChoice(d, d.replace("_", " ")) for d in DOMAINS]
    )
    # ISO 639-1 or, for languages without a two-letter code (Hmong: hmn), ISO 639-3.
    languages = StringField(
        _l("Languages (ISO codes, comma-separated)"),
        default="en",
        validators=[
            # Empty is allowed: an imported service may name its languages without a code.
            Optional(),
            Regexp(
                r"^\s*[a-z]{2,3}(\s*,\s*[a-z]{2,3})*\s*$",
                message=_l("Use ISO language codes: en, es, hmn"),
            ),
        ],
    )
    name_es = StringField(_l("Service name (Spanish)"), validators=[Optional(), Length(max=200)])
    description_en = TextAreaField(_l("What it is for (English)"), validators=[Length(max=2000)])
    description_es = TextAreaField(_l("What it is for (Spanish)"), validators=[Length(max=2000)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=200)])
    website = URLField(_l("Website"), validators=[Optional(), Length(max=300)])
    email = StringField(
        _l("Email"),
        validators=[
            Optional(),
            Length(max=200),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Use an email address")),
        ],
    )
    address = StringField(_l("Street address"), validators=[Optional(), Length(max=200)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    state = StringField(_l("State"), validators=[Optional(), Length(max=50)])
    postal_code = StringField(_l("ZIP code"), validators=[Optional(), Length(max=20)])
    hours = StringField(_l("Hours"), validators=[Optional(), Length(max=300)])
    hours_es = StringField(_l("Hours (Spanish)"), validators=[Optional(), Length(max=300)])
    service_area = StringField(_l("Service area"), validators=[Optional(), Length(max=300)])
    eligibility = TextAreaField(_l("Who is eligible"), validators=[Length(max=2000)])
    eligibility_es = TextAreaField(_l("Who is eligible (Spanish)"), validators=[Length(max=2000)])
    what_to_bring = TextAreaField(_l("What to bring"), validators=[Length(max=2000)])
    what_to_bring_es = TextAreaField(_l("What to bring (Spanish)"), validators=[Length(max=2000)])
    tags = StringField(
        _l("Resource tags (comma-separated, e.g. food, wic; crisis for a crisis line)"),
        validators=[
            Optional(),
            Regexp(r"^[a-z0-9_,\s]*$", message=_l("Use lower-case tags: food, wic")),
        ],
    )
    priorities = StringField(
        _l("Unit priority per need (e.g. food=10, mental_health=5; higher is offered first)"),
        validators=[
            Optional(),
            Regexp(r"^\s*([a-z_*]+\s*=\s*-?\d+\s*,?\s*)*$", message=_l("Use need=number")),
        ],
    )
    last_verified = DateField(_l("Last verified"), validators=[Optional()])
    sensitive = BooleanField(_l("Sensitive (never printed on a family letter)"))
    placeholder = BooleanField(_l("Placeholder the unit still has to fill in"))


class ActionForm(FlaskForm):
    pass


class ImportForm(FlaskForm):
    archive = FileField(_l("HSDS zip file"), validators=[FileRequired()])
