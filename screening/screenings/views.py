"""The screening flow: start, resume, answer page by page, decline."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from screening.families.store import get_family
from screening.platform import audit
from screening.platform import codes
from screening.platform import timeutil
from screening.platform.db import StaleEdit
from screening.platform.db import get_db
from screening.platform.db import write
from screening.platform.i18n import use_locale
from screening.platform.roles import allow
from screening.platform.web_security import parse_id
from screening.platform.wording import text as t
from screening.screenings import service
from screening.screenings import store as screening_data
from screening.screenings.blueprint import bp
from screening.screenings.blueprint import handing_over
from screening.screenings.blueprint import load_screening_or_404
from screening.screenings.forms import DeclineForm
from screening.screenings.forms import StartForm
from screening.screenings.forms import build_page_form
from screening.screenings.forms import instrument_choices
from screening.screenings.forms import read_answers

# "Over the past two weeks" answers older than this describe another fortnight.
STALE_DAYS = 14


@bp.route("/families/<int:family_id>/screenings", methods=["POST"])
@allow("social_worker")
def start(family_id: int):
    """Start a screening for a caregiver, or record that the family declined the offer."""
    family = get_family(get_db(), family_id) or abort(404)
    # The family page shows one start form per caregiver, each with its own field prefix.
    prefix = next(
        (
            f"cg{c['id']}"
            for c in family["caregivers"]
            if f"cg{c['id']}-caregiver_id" in request.form
        ),
        "",
    )
    form = StartForm(prefix=prefix)
    form.instruments.choices = instrument_choices()
    if not form.validate_on_submit():
        flash(_("The screening could not be started: %(errors)s", errors=_errors(form)), "error")
        return redirect(url_for("families.show", family_id=family_id))
    caregiver = form.caregiver_id.data
    if not caregiver.isdigit() or int(caregiver) not in {c["id"] for c in family["caregivers"]}:
        abort(404)
    declined = form.action.data == "decline"
    # Placeholder instruments are not among the choices, so a tampered post cannot add one.
    known = {c.value for c in form.instruments.choices}
    chosen = service.ordered([i for i in form.instruments.data if i in known])
    if not chosen and not declined:
        flash(_("Choose at least one questionnaire."), "error")
        return redirect(url_for("families.show", family_id=family_id))
    db = get_db()
    with write(db):
        screening_id, created = screening_data.create_screening(
            db, family_id, form.data, chosen, declined, g.user["id"]
        )
    if not created:
        # A double tap sends the same token twice: show the screening the first tap made.
        return redirect(url_for("screenings.resume", screening_id=screening_id))
    audit.record("decline" if declined else "create", "screening", screening_id)
    if declined:
        flash(_("Recorded that the family declined screening today."), "success")
        return redirect(url_for("families.show", family_id=family_id))
    if form.mode.data == "self_complete":
        return redirect(url_for("screenings.handover", screening_id=screening_id))
    return redirect(url_for("screenings.page", screening_id=screening_id, n=1))


def _errors(form) -> str:
    return "; ".join(f"{form[name].label.text}: {' '.join(e)}" for name, e in form.errors.items())


def started_days_ago(screening: dict) -> int:
    """Whole days since the screening started, by the unit's calendar."""
    return (
        timeutil.today() - dt.date.fromisoformat(timeutil.shown_date(screening["started_at"]))
    ).days


@bp.route("/screenings/<int:screening_id>")
@allow("social_worker")
def resume(screening_id: int):
    """Continue where the screening was left, or show its results; warn when it is stale."""
    screening = load_screening_or_404(screening_id)
    if screening["status"] in ("completed", "closed"):
        return redirect(url_for("screenings.results", screening_id=screening_id))
    if screening["status"] == "declined":
        return redirect(url_for("families.show", family_id=screening["family_id"]))
    days = started_days_ago(screening)
    mental = service.mental_health_answered(get_db(), screening)
    if days > STALE_DAYS and mental and request.args.get("keep") != "1":
        return render_template(
            "screenings/stale.html",
            screening=screening,
            days=days,
            instruments=mental,
            form=DeclineForm(),
        )
    return redirect(
        url_for("screenings.page", screening_id=screening_id, n=max(1, screening["page"] or 1))
    )


@bp.route("/screenings/<int:screening_id>/restart-mental-health", methods=["POST"])
@allow("social_worker")
def restart_mental_health(screening_id: int):
    """Drop the old fortnight's mental-health answers and ask those questions again."""
    screening = load_screening_or_404(screening_id)
    if screening["status"] != "in_progress" or not DeclineForm().is_submitted():
        abort(400)
    db = get_db()
    with write(db):
        dropped = service.restart_mental_health(db, screening, g.user["id"])
    audit.record("restart", "screening", screening_id, detail=f"answers_dropped={dropped}")
    flash(_("The mood and worry questions start again; other answers are kept."), "success")
    return redirect(url_for("screenings.page", screening_id=screening_id, n=1))


@bp.route("/screenings/<int:screening_id>/page/<int:n>", methods=["GET", "POST"])
@allow("social_worker")
def page(screening_id: int, n: int):
    """One page of questions; saved on every submit, with stale-save detection."""
    db = get_db()
    screening = load_screening_or_404(screening_id)
    if screening["status"] != "in_progress":
        return redirect(url_for("screenings.resume", screening_id=screening_id))
    where = service.plan(db, screening)
    if not where.pages:
        abort(404)
    if not 1 <= n <= len(where.pages):
        nearest = min(max(n, 1), len(where.pages))
        return redirect(url_for("screenings.page", screening_id=screening_id, n=nearest))
    current, lang = where.pages[n - 1], screening["language"]
    if request.method == "GET":
        audit.record("view", "screening", screening_id, detail=f"page={n}")
        stored = where.answers.get(current.instrument.id, {})
        form = build_page_form(current.instrument, current.items, lang, stored=stored)
        return _page(screening, current, form, n, where.total)
    form = build_page_form(current.instrument, current.items, lang, formdata=request.form)
    action = request.form.get("action", "next")
    page_answers, ok = read_answers(form, current.instrument, current.items, lang)
    if action not in service.ACTIONS:
        abort(400)
    if not ok and action != "lock":
        return _page(screening, current, form, n, where.total, status=400)
    version = parse_id(request.form.get("version", ""))
    try:
        done = service.submit_page(
            db, screening, where, current, n, action, page_answers, version, g.user["id"]
        )
    except StaleEdit:
        screening = load_screening_or_404(screening_id)
        stored = screening_data.load_answers(db, screening_id).get(current.instrument.id, {})
        form = build_page_form(current.instrument, current.items, lang, stored=stored)
        return _page(screening, current, form, n, where.total, status=409, stale=True)
    return redirect(_after_submit(screening, n, action, done))


def _after_submit(screening: dict, n: int, action: str, done: service.Submitted) -> str:
    sid, parent = screening["id"], handing_over(screening["id"])
    if done.crisis and parent:
        return url_for("screenings.crisis", screening_id=sid)
    if done.finished:
        return url_for("screenings.done" if parent else "screenings.results", screening_id=sid)
    if done.newly_shown and action not in ("back", "lock"):
        # A follow-up on this page just became relevant ("would you like help?"): say so.
        flash(t("follow_up_added", screening["language"]), "info")
        return url_for("screenings.page", screening_id=sid, n=n)
    if action in ("pause", "lock"):
        if parent:
            return url_for("screenings.locked", screening_id=sid)
        flash(_("Saved. Anyone on the team can resume this screening."), "success")
        return url_for("families.show", family_id=screening["family_id"])
    return url_for(
        "screenings.page", screening_id=sid, n=max(1, n - 1) if action == "back" else n + 1
    )


def _page(screening, current, form, n, total, status=200, stale=False):
    # Staff controls stay in the staff language; the rest of the page is in the family's.
    staff_tools = render_template(
        "screenings/_staff_tools.html",
        screening=screening,
        decline_reasons=list(codes.DECLINE_REASONS.items()),
    )
    staff_badge = _("English")
    use_locale(screening["language"])
    return render_template(
        "screenings/page.html",
        screening=screening,
        page=current,
        form=form,
        n=n,
        total=total,
        lang=screening["language"],
        version=screening["version"],
        stale=stale,
        self_complete=handing_over(screening["id"]),
        staff_tools=Markup(staff_tools),  # noqa: S704  # nosec B704 - rendered by Jinja with autoescape
        staff_badge=staff_badge,
        staff_text=service.staff_text(screening, current),
    ), status


@bp.route("/screenings/<int:screening_id>/decline", methods=["POST"])
@allow("social_worker")
def decline(screening_id: int):
    """Stop a screening because the family declines the rest of it."""
    screening = load_screening_or_404(screening_id)
    form = DeclineForm()
    if not form.validate_on_submit() or screening["status"] != "in_progress":
        flash(_("This screening cannot be declined now."), "error")
        return redirect(url_for("screenings.resume", screening_id=screening_id))
    db = get_db()
    with write(db):
        db["screenings"].update(
            screening_id,
            {
                "status": "declined",
                "decline_reason": form.reason.data,
                "updated_at": timeutil.iso(),
                "updated_by": g.user["id"],
                "version": screening["version"] + 1,
            },
        )
    audit.record("decline", "screening", screening_id, detail=f"reason={form.reason.data}")
    flash(_("Recorded that the family declined. Answers given so far are kept."), "success")
    return redirect(url_for("families.show", family_id=screening["family_id"]))


def init_app(app: Flask) -> None:
    """Register the blueprint and the hand-over guard, ahead of the role check so that a
    typed staff address shows the lock screen rather than a staff error page."""
    from screening.accounts.views import authorize
    from screening.screenings import views_parent
    from screening.screenings import views_results

    app.register_blueprint(bp)
    hooks = app.before_request_funcs.setdefault(None, [])
    guard = views_parent.enforce_handover
    hooks.insert(hooks.index(authorize) if authorize in hooks else len(hooks), guard)
    views_results.init_app(app)
