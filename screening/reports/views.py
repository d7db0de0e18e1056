"""Equity reports for unit managers: the page, its CSV and PDF, chart notes, action plans.

No view here reads or shows a name, MRN, date of birth, phone number or free text about a
family; the free text managers write is checked against the families' names and MRNs.
"""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from screening.core import csv_safe
from screening.core.equity import csv_rows
from screening.platform import audit
from screening.platform.db import get_db
from screening.platform.roles import allow
from screening.reports import annual
from screening.reports import numbers
from screening.reports import page
from screening.reports import register
from screening.reports import views_plans
from screening.reports.blueprint import bp
from screening.reports.forms import AnnotationForm
from screening.reports.forms import EquityForm
from screening.reports.pdf import equity_pdf
from screening.reports.summary import available_dimensions
from screening.reports.summary import build_report
from screening.reports.summary import group_labels
from screening.reports.summary import monthly_counts
from screening.reports.summary import unit_today

FORMATS = ("html", "csv", "pdf")


def _download(body, mimetype: str, name: str) -> Response:
    disposition = f'attachment; filename="{name}"'
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


@bp.route("/equity")
@allow("manager", "social_worker")
def equity():
    """Equity summary by group: cascade, declines, run chart, tables, downloads."""
    config, db = current_app.config, get_db()
    dims = available_dimensions(config)
    form = EquityForm(formdata=request.args)
    form.by.choices = [SelectChoice(d.name, d.label) for d in dims.values()]
    form.by.data = form.by.data or "race_ethnicity"
    fmt = request.args.get("format", "html")
    if fmt not in FORMATS:
        abort(404)
    period = form.period(unit_today(config)) if form.validate() else None
    if period is None:
        return render_template("reports/equity.html", form=form, report=None), 400
    dim = dims[form.by.data]
    monthly = monthly_counts(db, config, dim.name, *period)
    report = build_report(db, config, dim.name, *period, monthly=monthly)
    audit.record(
        "equity_view" if fmt == "html" else "equity_export",
        "report",
        dim.name,
        detail=f"format={fmt}",
    )
    if fmt == "csv":
        body = csv_safe.dumps(csv_rows(report.summary, group_labels=group_labels()))
        return _download(body, "text/csv", f"equity-{dim.name}.csv")
    if fmt == "pdf":
        body = equity_pdf(report, dim, config["UNIT_NAME"])
        return _download(body, "application/pdf", f"equity-{dim.name}.pdf")
    query = {k: v for k, v in (("by", dim.name), ("from", period[0]), ("to", period[1])) if v}
    if report.too_few_families:
        return render_template("reports/equity.html", form=form, report=report, query=query)
    metric = form.trend.data or "screened"
    extra = page.context(db, config, report, dim, metric, form.baseline.data, monthly)
    if "error" in extra["run"]:
        form.baseline.errors = [extra["run"]["error"]]
    return render_template("reports/equity.html", form=form, query=query, **extra)


@bp.route("/annotations")
@allow("manager", "social_worker")
def annotations():
    """Dated notes on the run charts: what the unit changed, and when."""
    return _annotations_page(AnnotationForm())


@bp.route("/annotations", methods=["POST"])
@allow("manager")
def add_annotation():
    """Add a note (managers); text naming a family or holding a record number is refused."""
    db = get_db()
    form = AnnotationForm()
    form.ids = register.identifiers(db)
    if not form.validate():
        return _annotations_page(form), 400
    note_id = register.add_annotation(db, form.on_date.data, form.note.data, g.user["id"])
    audit.record("chart_note_add", "chart_note", note_id)
    flash(_("Note added to the run charts."))
    return redirect(url_for("reports.annotations"))


def _annotations_page(form: AnnotationForm) -> str:
    notes = register.annotations(get_db())
    can_write = g.user["role"] == "manager"
    return render_template("reports/annotations.html", form=form, notes=notes, can_write=can_write)


@bp.route("/equity-report")
@allow("manager", "social_worker")
def annual_report():
    """The annual equity report PDF for leadership (?year=YYYY, default this year)."""
    config = current_app.config
    today = unit_today(config)
    try:
        year = annual.check_year(request.args.get("year") or str(today.year), today)
    except annual.YearError:
        abort(400)
    data = annual.gather(get_db(), config, year)
    audit.record("equity_export", "report", "annual", detail=f"year={year}")
    body = annual.annual_pdf(data, config["UNIT_NAME"], today)
    return _download(body, "application/pdf", f"equity-report-{year}.pdf")


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    # Figures in the page's language (Babel), for the report templates.
    app.jinja_env.filters.update(percent=numbers.percent, count=numbers.count)
    # Fail at start-up, naming the setting, rather than on a manager's first page view.
    available_dimensions(app.config)
    views_plans.init_app(app)
    app.register_blueprint(bp)
