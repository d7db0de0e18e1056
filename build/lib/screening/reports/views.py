"""Equity reports for unit managers: the page and its CSV and PDF downloads.

No view here reads or shows a name, MRN, date of birth, phone number or free text.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from wtforms import SelectChoice

from screening.core import csv_safe
from screening.core.equity import METRICS
from screening.core.equity import csv_rows
from screening.platform import audit
from screening.platform.db import get_db
from screening.platform.roles import allow
from screening.reports.forms import EquityForm
from screening.reports.forms import date_message
from screening.reports.pdf import equity_pdf
from screening.reports.summary import LINKED_NOTE
from screening.reports.summary import PERIOD_NOTE
from screening.reports.summary import available_dimensions
from screening.reports.summary import build_report
from screening.reports.summary import group_label
from screening.reports.summary import metric_views
from screening.reports.summary import trend_chart

bp = Blueprint("reports", __name__, url_prefix="/reports")
FORMATS = ("html", "csv", "pdf")


@bp.route("/equity")
@allow("manager", "social_worker")
def equity():
    """Equity summary by group with intervals, suppression, charts and downloads."""
    config = current_app.config
    dims = available_dimensions(config)
    form = EquityForm(formdata=request.args)
    form.by.choices = [SelectChoice(d.name, d.label) for d in dims.values()]
    if not form.by.data:
        form.by.data = "race_ethnicity"
    fmt = request.args.get("format", "html")
    if fmt not in FORMATS:
        abort(404)
    if not form.validate():
        date_message(form)
        return render_template("reports/equity.html", form=form, report=None), 400
    start = form.start.data.isoformat() if form.start.data else None
    end = form.end.data.isoformat() if form.end.data else None
    dim = dims[form.by.data]
    report = build_report(get_db(), config, dim.name, start, end)
    action = "equity_view" if fmt == "html" else "equity_export"
    audit.record(action, "report", dim.name, detail=f"format={fmt}")
    if fmt == "csv":
        return Response(
            csv_safe.dumps(csv_rows(report.summary)),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="equity-{dim.name}.csv"'},
        )
    if fmt == "pdf":
        return Response(
            equity_pdf(report, dim, config["UNIT_NAME"]),
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="equity-{dim.name}.pdf"'},
        )
    views = metric_views(report, dim)
    return render_template(
        "reports/equity.html",
        form=form,
        report=report,
        dim=dim,
        views=views,
        reference=group_label(report.summary["reference_group"])
        if report.summary["reference_group"]
        else None,
        mark=f"<{report.summary['suppression_threshold']}",
        trend=trend_chart(report, form.trend.data or "screened"),
        trend_label=METRICS[form.trend.data or "screened"].label,
        period_note=PERIOD_NOTE,
        linked_note=LINKED_NOTE,
        query={k: v for k, v in (("by", dim.name), ("from", start), ("to", end)) if v},
    )


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    # Fail at start-up, naming the setting, rather than on a manager's first page view.
    available_dimensions(app.config)
    app.register_blueprint(bp)
