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
from flask import request
from flask import url_for
from flask_babel import gettext as _

from screening.core import schedule
from screening.families import store as family_data
from screening.families import worklist as worklist_store
from screening.families.forms import FamilyForm
from screening.families.forms import SearchForm
from screening.families.forms import form_data
from screening.families.forms import language_mismatch
from screening.families.forms import new_family_data
from screening.platform import audit
from screening.platform import codes
from screening.platform import timeutil
from screening.platform.db import get_db
from screening.platform.db import write
from screening.platform.roles import allow
from screening.referrals import store as referral_data
from screening.screenings import alerts as alert_store
from screening.screenings.forms import StartForm
from screening.screenings.forms import default_instruments
from screening.screenings.forms import instrument_choices

bp = Blueprint("families", __name__)


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
    """The unit worklist: open alerts, interrupted screenings, completed ones waiting to be
    closed (and why), and families due for screening, each list in bounded pages."""
    db = get_db()
    today = timeutil.today()
    args = request.args
    audit.record("view", "worklist", "")
    return render_template(
        "families/worklist.html",
        alerts=alert_store.urgent(db, limit=worklist_store.PAGE_SIZE),
        interrupted=worklist_store.interrupted(db, args.get("interrupted")),
        waiting=worklist_store.waiting_to_close(db, args.get("waiting")),
        due=worklist_store.due(db, today, lambda f: due_for(f, f["screenings"]), args.get("due")),
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
            form.mrn.errors.append(_("A family with this MRN is already in the system."))
        else:
            audit.record("create", "family", family_id)
            flash(_("Family added."), "success")
            return redirect(url_for("families.show", family_id=family_id))
    elif not form.is_submitted():
        form = FamilyForm(data=new_family_data(timeutil.today()))
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
                _(
                    "Someone else changed this family while you were editing. "
                    "Their version is shown; make your changes again."
                ),
                "error",
            )
            return redirect(url_for("families.edit", family_id=family_id))
        except family_data.DuplicateMrn as exc:
            duplicate = exc.family_id
            form.mrn.errors.append(_("Another family already has this MRN."))
        else:
            audit.record("update", "family", family_id)
            flash(_("Family updated."), "success")
            return redirect(url_for("families.show", family_id=family_id))
    elif not form.is_submitted():
        form = FamilyForm(data=form_data(family))
    audit.record("view", "family", family_id, detail="edit")
    return render_template("families/edit.html", form=form, duplicate=duplicate, family=family)


@bp.route("/families/<int:family_id>")
@allow("social_worker")
def show(family_id: int):
    """The family page: people, what is due, alerts, screenings and referrals."""
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
    referrals = referral_data.family_referrals(
        db, family_id, max_attempts=current_app.config["REFERRAL_MAX_ATTEMPTS"]
    )
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
        language_mismatch=language_mismatch(family),
    )


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
