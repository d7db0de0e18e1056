"""Referrals: choosing services, the lifecycle to the end, attempts, reopening, the worklist.

Every action redirects back to the page it came from, at the referral it acted on (`#ref-N`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

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
from flask_wtf import FlaskForm

from screening.core import referral_rules as rules
from screening.directory.store import all_services
from screening.platform import audit
from screening.platform import timeutil
from screening.platform.db import StaleEdit
from screening.platform.db import get_db
from screening.platform.db import one
from screening.platform.db import write
from screening.platform.roles import allow
from screening.referrals import cli
from screening.referrals import forms
from screening.referrals import queries
from screening.referrals import store
from screening.referrals import views_letters
from screening.referrals import wording
from screening.referrals.letter_data import set_title

bp = Blueprint("referrals", __name__)
views_letters.register(bp)


def _back(target: str | None, family_id: int, anchor: str = "") -> str:
    parts = urlsplit(target or "")
    # Local paths only: the value comes from the form and must not redirect off-site.
    local = bool(target) and not parts.scheme and not parts.netloc and target.startswith("/")
    if not local or target.startswith("//") or "\\" in target:
        target = url_for("families.show", family_id=family_id)
    return f"{target.split('#')[0]}#{anchor}" if anchor else target


def _referral_or_404(referral_id: int) -> dict:
    referral = one(get_db(), "SELECT * FROM referrals WHERE id = ?", [referral_id])
    if referral is None:
        abort(404)
    return referral


def _errors(form: FlaskForm) -> str:
    return "; ".join(" ".join(str(e) for e in errs) for errs in form.errors.values())


def _settings() -> dict:
    return {"follow_up_days": current_app.config["REFERRAL_FOLLOW_UP_DAYS"]}


def _act(referral_id: int, form_class: type[FlaskForm], action, done: str):
    """Validate the form, run `action(form, referral)`, flash the outcome, go back to the row."""
    referral = _referral_or_404(referral_id)
    form = form_class()
    back = _back(form.back.data, referral["family_id"], f"ref-{referral_id}")
    if not form.validate_on_submit():
        flash(_("Nothing was saved. %(problems)s", problems=_errors(form)), "error")
        return redirect(back, code=303)
    try:
        action(form, referral)
    except StaleEdit as exc:
        status = str(wording.STATUS.get(exc.args[0], exc.args[0])).lower()
        flash(
            _(
                "Someone else changed this referral since you opened the page (it is now "
                "%(status)s). Nothing was saved: check it below and try again.",
                status=status,
            ),
            "error",
        )
    except rules.TransitionError as exc:
        flash(_("Nothing was saved. %(problem)s", problem=wording.error(exc)), "error")
    except store.ServiceRefused:
        flash(_("Nothing was saved. That service is retired or unknown."), "error")
    else:
        flash(done, "success")
    return redirect(back, code=303)


@bp.route("/referrals/<int:referral_id>/status", methods=["POST"])
@allow("social_worker")
def transition(referral_id: int):
    """Change a referral's status; closing ones need the page's confirmation step."""

    def run(form, _referral):
        store.change_status(
            get_db(),
            referral_id,
            form.to.data,
            version=form.version.data,
            user=g.user,
            reason=form.reason.data or None,
            note=form.note.data or "",
            outcome=form.outcome.data or None,
            max_attempts=current_app.config["REFERRAL_MAX_ATTEMPTS"],
            **_settings(),
        )

    target = wording.STATUS.get(request.form.get("to", ""), "")
    done = _("Referral marked %(status)s.", status=str(target).lower())
    return _act(referral_id, forms.TransitionForm, run, done)


@bp.route("/referrals/<int:referral_id>/note", methods=["POST"])
@allow("social_worker")
def note(referral_id: int):
    """Add a note to a referral."""

    def run(form, _referral):
        store.add_note(
            get_db(), referral_id, form.note.data, version=form.version.data, user=g.user
        )

    return _act(referral_id, forms.NoteForm, run, _("Note added."))


@bp.route("/referrals/<int:referral_id>/owner", methods=["POST"])
@allow("social_worker")
def owner(referral_id: int):
    """Hand a referral to another social worker."""

    def run(form, _referral):
        store.reassign(
            get_db(), referral_id, form.owner.data, version=form.version.data, user=g.user
        )

    return _act(referral_id, forms.OwnerForm, run, _("Owner changed."))


@bp.route("/referrals/<int:referral_id>/attempt", methods=["POST"])
@allow("social_worker")
def attempt(referral_id: int):
    """Record a contact attempt; the follow-up date moves to the next try."""

    def run(form, _referral):
        store.record_attempt(
            get_db(),
            referral_id,
            version=form.version.data,
            user=g.user,
            on=form.on.data,
            method=form.method.data,
            result=form.result.data,
            next_try=form.next_try.data,
            note=form.note.data or "",
        )

    return _act(referral_id, forms.AttemptForm, run, _("Contact attempt recorded."))


@bp.route("/referrals/<int:referral_id>/reopen", methods=["POST"])
@allow("social_worker")
def reopen(referral_id: int):
    """Reopen a closed referral with a reason."""

    def run(form, _referral):
        store.reopen_referral(
            get_db(), referral_id, form.why.data, version=form.version.data, user=g.user,
            **_settings(),
        )  # fmt: skip

    return _act(referral_id, forms.ReopenForm, run, _("Referral reopened."))


@bp.route("/referrals/<int:referral_id>/service", methods=["POST"])
@allow("social_worker")
def choose(referral_id: int):
    """Point a suggestion at an alternative service."""

    def run(form, _referral):
        store.choose_service(
            get_db(), referral_id, form.service.data, version=form.version.data, user=g.user
        )

    return _act(referral_id, forms.ChooseForm, run, _("Service changed."))


@bp.route("/referrals/<int:referral_id>/gap", methods=["POST"])
@allow("social_worker")
def gap(referral_id: int):
    """No suitable service: decline the suggestion and report the gap to the admin."""

    def run(form, _referral):
        store.no_suitable_service(
            get_db(), referral_id, version=form.version.data, user=g.user, note=form.note.data or ""
        )

    return _act(referral_id, forms.GapForm, run, _("Recorded: no suitable service."))


@bp.route("/referrals/families/<int:family_id>/manual", methods=["POST"])
@allow("social_worker")
def manual(family_id: int):
    """Add a referral by hand to any active service, or to a one-off service by name."""
    if one(get_db(), "SELECT id FROM families WHERE id = ?", [family_id]) is None:
        abort(404)
    form = forms.ManualForm()
    back = _back(form.back.data, family_id, "referrals")
    if not form.validate_on_submit():
        flash(_("Nothing was saved. %(problems)s", problems=_errors(form)), "error")
        return redirect(back, code=303)
    try:
        rid = store.add_manual(
            get_db(),
            family_id=family_id,
            domain=form.domain.data,
            category=form.category.data,
            user=g.user,
            service_id=(form.service.data or "").strip() or None,
            service_text=form.service_text.data or "",
            caregiver_id=form.caregiver.data or None,
        )
    except store.ServiceRefused:
        flash(_("Nothing was saved. That service is retired or unknown."), "error")
        return redirect(back, code=303)
    flash(_("Referral added."), "success")
    return redirect(_back(form.back.data, family_id, f"ref-{rid}"), code=303)


@bp.route("/referrals/families/<int:family_id>/accept", methods=["POST"])
@allow("social_worker")
def accept_many(family_id: int):
    """Accept every ticked suggestion at once (all or nothing)."""
    form = forms.AcceptManyForm()
    back = _back(form.back.data, family_id, "referrals")
    choices = form.choices() if form.validate_on_submit() else {}
    db = get_db()
    if not choices or not store.all_of_family(db, family_id, list(choices)):
        flash(_("Nothing was saved. Tick the suggestions to accept."), "error")
        return redirect(back, code=303)
    try:
        store.accept_many(db, choices, user=g.user, **_settings())
    except StaleEdit:
        flash(_("Someone else changed one of these referrals. Nothing was saved."), "error")
    except rules.TransitionError as exc:
        flash(_("Nothing was saved. %(problem)s", problem=wording.error(exc)), "error")
    else:
        flash(_("%(count)s referrals accepted.", count=len(choices)), "success")
    return redirect(back, code=303)


@bp.route("/referrals")
@allow("social_worker")
def worklist():
    """Referrals to follow up, soonest first, with the family named; filters and pages."""
    form = forms.FilterForm(request.args)
    form.validate()
    filters = queries.Filters(
        mine=form.mine.data,
        overdue=form.overdue.data,
        week=form.week.data,
        private=form.private.data,
        category=form.category.data or "",
        status=form.status.data if form.status.data in queries.WORKLIST_STATUSES else "open",
        page=form.page.data or 1,
    )
    db = get_db()
    rows, total = queries.worklist_page(
        db, filters, user_id=g.user["id"], max_attempts=current_app.config["REFERRAL_MAX_ATTEMPTS"]
    )
    workers = list(
        db.query(
            "SELECT id, display_name FROM users WHERE role = 'social_worker' AND active = 1 "
            "ORDER BY display_name"
        )
    )
    title = one(db, "SELECT * FROM worker_titles WHERE user_id = ?", [g.user["id"]]) or {}
    audit.record("view", "referral_worklist", "", detail=f"page={filters.page} rows={len(rows)}")
    return render_template(
        "referrals/worklist.html",
        referrals=rows,
        total=total,
        filters=filters,
        form=form,
        pages=max(1, -(-total // queries.PAGE_SIZE)),
        workers=workers,
        title_form=forms.TitleForm(data=title),
    )


@bp.route("/referrals/title", methods=["POST"])
@allow("social_worker")
def title():
    """Set the title printed under the social worker's name on letters."""
    form = forms.TitleForm()
    if form.validate_on_submit():
        db = get_db()
        with write(db):
            set_title(db, g.user["id"], form.title_en.data or "", form.title_es.data or "")
        flash(_("Your title on letters was saved."), "success")
    return redirect(url_for("referrals.worklist"), code=303)


def template_helpers() -> dict:
    """Labels and helpers the referral templates share."""
    return {
        "referral_labels": wording.STATUS,
        "referral_reasons": wording.REASONS,
        "referral_outcomes": wording.OUTCOMES,
        "attempt_methods": wording.METHODS,
        "attempt_results": wording.RESULTS,
        "need_words": wording.NEEDS,
        "match_reasons": wording.reasons,
        "language_name": wording.language_name,
        "active_services": lambda: all_services(get_db(), active_only=True),
        "today_iso": lambda: timeutil.today().isoformat(),
    }


def init_app(app: Flask) -> None:
    """Register the referral pages, letters, the letter command and the template helpers."""
    app.register_blueprint(bp)
    app.cli.add_command(cli.letter_command)
    app.context_processor(template_helpers)
