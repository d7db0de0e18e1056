"""The equity page's form: dimension, period and trend metric."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms.validators import Optional

from screening.core.equity import METRICS


class EquityForm(FlaskForm):
    """Dimension and period; a GET form, as none of it is PHI."""

    class Meta:
        csrf = False

    by = SelectField("Compare groups by")
    start = DateField("From (index date)", validators=[Optional()], format="%Y-%m-%d", name="from")
    end = DateField("To (index date)", validators=[Optional()], format="%Y-%m-%d", name="to")
    trend = SelectField(
        "Trend chart for",
        choices=[SelectChoice(m.name, m.label) for m in METRICS.values()],
        default="screened",
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.start.data and self.end.data and self.start.data > self.end.data:
            self.end.errors.append("The end date is before the start date.")
            ok = False
        return ok


def date_message(form: EquityForm) -> None:
    for f in (form.start, form.end):
        if f.errors and f.data is None and f.raw_data and f.raw_data[0]:
            f.errors[:] = ["Use a date written as YYYY-MM-DD."]
