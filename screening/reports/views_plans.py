"""The action-plan register (plans, charts with targets, reviews) and parents' mental health."""

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
from markupsafe import Markup
from wtforms import SelectChoice

from screening.core import csv_safe
from screening.core import quality_charts
from screening.core.equity import METRICS
from screening.core.parent_measures import MEASURES
from screening.core.parent_measures import ROLE_LABELS
from screening.core.parent_measures import hedis_rows
from screening.core.trend import TrendError
from screening.platform import audit
from screening.platform.db import get_db
from screening.platform.roles import allow
from screening.reports import parents as parent_measures
from screening.reports import register
from screening.reports.blueprint import bp
from screening.reports.forms import EquityForm
from screening.reports.forms import PlanForm
from screening.reports.forms import ReviewForm
from screening.reports.numbers import percent
from screening.reports.summary import HIDDEN
from screening.reports.summary import available_dimensions
from screening.reports.summary import build_chart
from screening.reports.summary import group_label
from screening.reports.summary import group_labels
from screening.reports.summary import unit_today


def group_options(config) -> dict[str, list[str]]:
    """The groups a plan may name, per dimension (coded values only)."""
    out = {}
    for dim in available_dimensions(config).values():
        out[dim.name] = list(dim.groups) or sorted(group_labels())
    return out


def _plan_form(config) -> PlanForm:
    form = PlanForm()
    dims = available_dimensions(config)
    form.dimension.choices = [SelectChoice(d.name, d.label) for d in dims.values()]
    options = group_options(config)
    seen = dict.fromkeys(g for groups in options.values() for g in groups)
    form.grp.choices = [SelectChoice(g, group_label(g)) for g in seen]
    return form


def plan_chart(db, config, plan: dict) -> dict:
    """The plan's metric for its group, month by month from its start, with the target."""
    try:
        chart = build_chart(
            db,
            config,
            plan["metric"],
            by=plan["dimension"],
            group=plan["grp"],
            start=plan["starts_on"][:7],
            end=min(plan["target_date"], unit_today(config).isoformat())[:7],
        )
    except TrendError as exc:
        return {"error": str(exc)}
    title = _(
        "%(metric)s, %(group)s: target %(target)s",
        metric=METRICS[plan["metric"]].label,
        group=group_label(plan["grp"]),
        target=percent(plan["target_rate"], 0),
    )
    notes = register.month_notes(db)
    svg = quality_charts.p_chart(title, chart, notes, target=plan["target_rate"])
    # core.quality_charts escapes every label and note.
    return {"chart": chart, "svg": Markup(svg)}  # noqa: S704  # nosec B704


@bp.route("/plans")
@allow("manager", "social_worker")
def plans():
    """Every action plan with its goal, owner and open reviews."""
    return render_template(
        "reports/plans.html",
        plans=register.plans(get_db()),
        metrics=METRICS,
        label=group_label,
        can_write=g.user["role"] == "manager",
    )


@bp.route("/plans/new", methods=["GET", "POST"])
@allow("manager")
def new_plan():
    """Write a plan (managers); free text naming a family is refused by the field."""
    db, config = get_db(), current_app.config
    form = _plan_form(config)
    if request.method == "POST":
        form.ids = register.identifiers(db)
        ok = form.validate()
        if ok and form.grp.data not in group_options(config).get(form.dimension.data, []):
            form.grp.errors = [_("Choose a group of the dimension above.")]
            ok = False
        if ok:
            plan_id = register.add_plan(db, form.values(), g.user["id"])
            audit.record("action_plan_add", "action_plan", plan_id)
            flash(_("Action plan saved."))
            return redirect(url_for("reports.plan_detail", plan_id=plan_id))
    return render_template("reports/plan_form.html", form=form), 400 if form.errors else 200


@bp.route("/plans/<int:plan_id>")
@allow("manager", "social_worker")
def plan_detail(plan_id: int):
    """A plan's chart against its target; a missed target or a signal opens a review."""
    db, config = get_db(), current_app.config
    plan = register.plan(db, plan_id) or abort(404)
    chart = plan_chart(db, config, plan)
    if "chart" in chart:
        due = register.due_reviews(plan, chart["chart"], unit_today(config))
        register.open_reviews(db, plan_id, due, unit_today(config))
    return render_template(
        "reports/plan.html",
        plan=plan,
        chart=chart,
        reviews=register.reviews(db, plan_id),
        metric=METRICS[plan["metric"]],
        label=group_label,
        form=ReviewForm(),
        can_write=g.user["role"] == "manager",
    )


@bp.route("/plans/<int:plan_id>/reviews/<int:review_id>", methods=["POST"])
@allow("manager")
def review_action(plan_id: int, review_id: int):
    """Record what the unit did about a review, and close it."""
    db = get_db()
    form = ReviewForm()
    form.ids = register.identifiers(db)
    if not form.validate():
        for message in form.action.errors:
            flash(message, "error")
    elif register.record_action(db, plan_id, review_id, form.action.data):
        audit.record("action_plan_review", "action_plan", plan_id, detail=f"review={review_id}")
    else:
        abort(404)
    return redirect(url_for("reports.plan_detail", plan_id=plan_id))


@bp.route("/parents")
@allow("manager", "social_worker")
def parents():
    """Parents' mental health by parent role; ?format=csv gives the HEDIS-shaped rates."""
    config = current_app.config
    form = EquityForm(formdata=request.args)
    period = form.period(unit_today(config))
    if period is None:
        return render_template("reports/parents.html", form=form, data=None), 400
    data = parent_measures.measures(get_db(), config, *period)
    audit.record("equity_view", "report", "parents", detail=f"format={request.args.get('format')}")
    if request.args.get("format") == "csv":
        body = csv_safe.dumps(hedis_rows(data))
        disposition = 'attachment; filename="parent-mental-health.csv"'
        return Response(body, mimetype="text/csv", headers={"Content-Disposition": disposition})
    return render_template(
        "reports/parents.html",
        form=form,
        data=data,
        measures=MEASURES,
        roles=ROLE_LABELS,
        mark=HIDDEN,
        query={k: v for k, v in zip(("from", "to"), period, strict=True) if v},
    )


def init_app(app: Flask) -> None:
    """The routes are on the shared blueprint, which views.init_app registers."""
