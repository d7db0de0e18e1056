"""The equity page's filter, chart-note, action-plan and review forms."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import DecimalField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import ValidationError
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange

from screening.core.equity import METRICS
from screening.core.periods import PeriodError
from screening.core.periods import snap_period
from screening.core.phi_text import Identifiers
from screening.platform.webforms import stripped
from screening.reports.register import phi_problem

# core.periods' one-line messages (written for the command line) as the page says them.
PERIOD_MESSAGES = {
    "use YYYY-MM or YYYY-MM-DD": _l("Use a month (YYYY-MM) or a date (YYYY-MM-DD)."),
    "not a real date": _l("Not a real date."),
    "the period starts in the future": _l("The period starts in the future."),
    "the period ends in the future": _l("The period ends in the future."),
}


class EquityForm(FlaskForm):
    """Dimension, period and the run chart's metric and baseline; a GET form (no PHI)."""

    class Meta:
        csrf = False

    by = SelectField(_l("Compare groups by"))
    start = StringField(_l("From"), filters=[stripped], name="from")
    end = StringField(_l("To"), filters=[stripped], name="to")
    trend = SelectField(
        _l("Run chart for"),
        choices=[SelectChoice(m.name, m.label) for m in METRICS.values()],
        default="screened",
    )
    baseline = StringField(_l("Baseline ends (month)"), filters=[stripped])

    def period(self, today: dt.date) -> tuple[str | None, str | None] | None:
        """The snapped period, or None with the message put by the field at fault."""
        try:
            return snap_period(self.start.data or None, self.end.data or None, today)
        except PeriodError as exc:
            text = str(exc)
            if " is after " in text:
                field, message = self.end, _l("The end is before the start.")
            else:
                field = self.end if text.startswith("--to") else self.start
                message = PERIOD_MESSAGES.get(text.split(": ", 1)[-1], text)
            field.errors = [*field.errors, message]
            return None


def _no_phi(form, field) -> None:
    problem = phi_problem(form.ids, field.data or "")
    if problem:
        raise ValidationError(problem)


class _Checked(FlaskForm):
    """A form whose free text is checked against the database's identifiers (set `ids`)."""

    ids: Identifiers = Identifiers.build((), ())


class AnnotationForm(_Checked):
    """A dated note drawn on the run charts ("interpreter on every admission from March")."""

    on_date = DateField(_l("Date"), validators=[DataRequired()], format="%Y-%m-%d")
    note = StringField(
        _l("What changed"),
        filters=[stripped],
        validators=[DataRequired(), Length(max=200), _no_phi],
    )


def _dates(text: str) -> list[str]:
    out = []
    for part in (text or "").replace(";", ",").split(","):
        if part.strip():
            out.append(dt.date.fromisoformat(part.strip()).isoformat())
    return sorted(set(out))


class PlanForm(_Checked):
    """One action plan: the disparity, the goal, the strategy, the owner, the reviews."""

    metric = SelectField(
        _l("Metric"), choices=[SelectChoice(m.name, m.label) for m in METRICS.values()]
    )
    dimension = SelectField(_l("Compare groups by"))
    grp = SelectField(_l("Group"))
    target_rate = DecimalField(
        _l("Target rate (%)"), validators=[DataRequired(), NumberRange(0, 100)], places=1
    )
    starts_on = DateField(_l("Start date"), validators=[DataRequired()], format="%Y-%m-%d")
    target_date = DateField(_l("Target date"), validators=[DataRequired()], format="%Y-%m-%d")
    strategy = TextAreaField(
        _l("Strategy"), filters=[stripped], validators=[DataRequired(), Length(max=2000), _no_phi]
    )
    owner = StringField(
        _l("Owner (a role or team)"),
        filters=[stripped],
        validators=[DataRequired(), Length(max=120), _no_phi],
    )
    review_dates = StringField(
        _l("Review dates"),
        description=_l("YYYY-MM-DD, separated by commas"),
        filters=[stripped],
    )

    def validate_target_date(self, field) -> None:
        if self.starts_on.data and field.data and field.data <= self.starts_on.data:
            raise ValidationError(_l("The target date must be after the start date."))

    def validate_review_dates(self, field) -> None:
        try:
            dates = _dates(field.data)
        except ValueError:
            raise ValidationError(_l("Write each date as YYYY-MM-DD.")) from None
        start, end = self.starts_on.data, self.target_date.data
        if start and end and any(not start.isoformat() <= d <= end.isoformat() for d in dates):
            raise ValidationError(_l("Review dates fall between the start and the target date."))

    def values(self) -> dict:
        """The checked fields as action_plans columns."""
        return {
            "metric": self.metric.data,
            "dimension": self.dimension.data,
            "grp": self.grp.data,
            "target_rate": float(self.target_rate.data) / 100,
            "starts_on": self.starts_on.data.isoformat(),
            "target_date": self.target_date.data.isoformat(),
            "strategy": self.strategy.data,
            "owner": self.owner.data,
            "review_dates": _dates(self.review_dates.data),
        }


class ReviewForm(_Checked):
    """What the unit did about a missed target or a signal."""

    action = TextAreaField(
        _l("What the unit did"),
        filters=[stripped],
        validators=[DataRequired(), Length(max=2000), _no_phi],
    )
