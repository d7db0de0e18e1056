"""The screening flow: start, answer page by page, decline, results, alerts, close."""

from __future__ import annotations

import json

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from screening.accounts.views import reverify
from screening.families import store as family_data
from screening.families.store import get_family
from screening.platform import audit
from screening.platform import codes
from screening.platform import timeutil
from screening.platform.db import get_db
from screening.platform.db import write
from screening.platform.instruments import get_registry
from screening.platform.instruments import scoring_settings
from screening.platform.roles import allow
from screening.platform.ui_text import text as t
from screening.referrals import store as referral_data
from screening.screenings import store as screening_data
from screening.screenings.forms import AckForm
from screening.screenings.forms import ActionForm
from screening.screenings.forms import DeclineForm
from screening.screenings.forms import StartForm
from screening.screenings.forms import UnlockForm
from screening.screenings.forms import build_page_form
from screening.screenings.forms import instrument_choices
from screening.screenings.forms import read_answers

bp = Blueprint("screenings", __name__)

# While a parent holds the tablet only these endpoints answer; everything else shows the lock.
HANDOVER_ENDPOINTS = {
    "screenings.page",
    "screenings.welcome",
    "screenings.done",
    "screenings.locked",
    "screenings.unlock",
    "static",
}
# Once the screen has locked (inactivity, pause or the end) only these answer until unlock.
LOCKED_ENDPOINTS = {"screenings.locked", "screenings.unlock", "static"}


def load_screening_or_404(screening_id: int) -> dict:
    """The screening, or a 404 page."""
    screening = screening_data.get_screening(get_db(), screening_id)
    if screening is None:
        abort(404)
    return screening


def handing_over(screening_id: int) -> bool:
    """True while the parent holds the tablet for this screening."""
    return session.get("handover") == screening_id


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
    db = get_db()
    if not form.validate_on_submit():
        flash("The screening could not be started: " + _errors(form), "error")
        return redirect(url_for("families.show", family_id=family_id))
    caregiver_ids = {c["id"] for c in family["caregivers"]}
    if not form.caregiver_id.data.isdigit() or int(form.caregiver_id.data) not in caregiver_ids:
        abort(404)
    declined = form.action.data == "decline"
    known = {c.value for c in form.instruments.choices}
    chosen = [i for i in form.instruments.data if i in known]
    if not chosen and not declined:
        flash("Choose at least one questionnaire.", "error")
        return redirect(url_for("families.show", family_id=family_id))
    existing = db["screenings"].count_where("request_token = ?", [form.request_token.data])
    if existing:
        # A double tap sends the same token twice: show the screening the first tap made.
        row = next(
            db.query("SELECT id FROM screenings WHERE request_token = ?", [form.request_token.data])
        )
        return redirect(url_for("screenings.resume", screening_id=row["id"]))
    stamp = timeutil.iso()
    with write(db):
        screening_id = (
            db["screenings"]
            .insert(
                {
                    "family_id": family_id,
                    "caregiver_id": int(form.caregiver_id.data),
                    "timepoint": form.timepoint.data,
                    "mode": form.mode.data,
                    "language": form.language.data,
                    "instruments": json.dumps(chosen),
                    "status": "declined" if declined else "in_progress",
                    "decline_reason": form.decline_reason.data if declined else None,
                    "request_token": form.request_token.data,
                    "started_by": g.user["id"],
                    "started_at": stamp,
                    "updated_by": g.user["id"],
                    "updated_at": stamp,
                }
            )
            .last_pk
        )
    audit.record("decline" if declined else "create", "screening", screening_id)
    if declined:
        flash("Recorded that the family declined screening today.", "success")
        return redirect(url_for("families.show", family_id=family_id))
    if form.mode.data == "self_complete":
        return redirect(url_for("screenings.handover", screening_id=screening_id))
    return redirect(url_for("screenings.page", screening_id=screening_id, n=1))


def _errors(form) -> str:
    return "; ".join(f"{form[name].label.text}: {' '.join(e)}" for name, e in form.errors.items())


@bp.route("/screenings/<int:screening_id>")
@allow("social_worker")
def resume(screening_id: int):
    """Continue where the screening was left, or show its results."""
    screening = load_screening_or_404(screening_id)
    if screening["status"] in ("completed", "closed"):
        return redirect(url_for("screenings.results", screening_id=screening_id))
    if screening["status"] == "declined":
        return redirect(url_for("families.show", family_id=screening["family_id"]))
    return redirect(
        url_for("screenings.page", screening_id=screening_id, n=max(1, screening["page"] or 1))
    )


@bp.route("/screenings/<int:screening_id>/page/<int:n>", methods=["GET", "POST"])
@allow("social_worker")
def page(screening_id: int, n: int):
    """One page of questions; saved on every submit, with stale-save detection."""
    db = get_db()
    screening = load_screening_or_404(screening_id)
    if screening["status"] != "in_progress":
        return redirect(url_for("screenings.resume", screening_id=screening_id))
    registry = get_registry()
    settings = scoring_settings()
    answers = screening_data.load_answers(db, screening_id)
    pages = screening_data.plan(registry, screening["instruments"], answers, settings)
    if not pages:
        abort(404)
    if n < 1 or n > len(pages):
        return redirect(
            url_for("screenings.page", screening_id=screening_id, n=min(max(n, 1), len(pages)))
        )
    current = pages[n - 1]
    lang = screening["language"]
    stale = False
    status = 200
    version = screening["version"]
    if request.method == "POST":
        form = build_page_form(current.instrument, current.items, lang, formdata=request.form)
        action = request.form.get("action", "next")
        posted_version = request.form.get("version", "")
        page_answers, ok = read_answers(form, current.instrument, current.items, lang)
        if ok:
            target = {"back": n - 1, "pause": n}.get(action, n + 1)
            try:
                # One transaction (one fsync) for the answers, the audit row and, on the last
                # page, scoring and referral suggestions: all of it lands or none of it.
                with write(db):
                    answers = screening_data.save_page(
                        db,
                        screening_id,
                        int(posted_version) if posted_version.isdigit() else -1,
                        current.instrument,
                        page_answers,
                        settings,
                        g.user["id"],
                        max(1, target),
                        answers,
                    )
                    audit.record("update", "screening", screening_id, detail=f"page={n}")
                    new_pages = screening_data.plan(
                        registry, screening["instruments"], answers, settings
                    )
                    newly_shown = _new_items_on_page(new_pages, current, answers)
                    finished = action == "next" and not newly_shown and n >= len(new_pages)
                    if finished:
                        fresh = screening_data.get_screening(db, screening_id)
                        screening_data.complete(
                            db,
                            fresh,
                            registry,
                            settings,
                            g.user["id"],
                            suggest=referral_data.create_suggestions,
                            answers=answers,
                        )
                        audit.record("complete", "screening", screening_id)
            except family_data.StaleEdit:
                stale, status = True, 409
                screening = load_screening_or_404(screening_id)
                version = screening["version"]
                answers = screening_data.load_answers(db, screening_id)
                form = build_page_form(
                    current.instrument,
                    current.items,
                    lang,
                    stored=answers.get(current.instrument.id, {}),
                )
            else:
                if finished:
                    if handing_over(screening_id):
                        return redirect(url_for("screenings.done", screening_id=screening_id))
                    return redirect(url_for("screenings.results", screening_id=screening_id))
                if newly_shown and action != "back":
                    # A follow-up on this page just became relevant ("would you like help?").
                    return redirect(url_for("screenings.page", screening_id=screening_id, n=n))
                if action == "pause":
                    flash("Saved. Anyone on the team can resume this screening.", "success")
                    if handing_over(screening_id):
                        return redirect(url_for("screenings.locked", screening_id=screening_id))
                    return redirect(url_for("families.show", family_id=screening["family_id"]))
                if action == "back":
                    return redirect(
                        url_for("screenings.page", screening_id=screening_id, n=max(1, n - 1))
                    )
                return redirect(url_for("screenings.page", screening_id=screening_id, n=n + 1))
        else:
            status = 400
    else:
        form = build_page_form(
            current.instrument, current.items, lang, stored=answers.get(current.instrument.id, {})
        )
        audit.record("view", "screening", screening_id, detail=f"page={n}")
    return render_template(
        "screenings/page.html",
        screening=screening,
        page=current,
        form=form,
        n=n,
        total=len(pages),
        lang=lang,
        version=version,
        stale=stale,
        self_complete=handing_over(screening_id),
        decline_reasons=list(codes.DECLINE_REASONS.items()),
    ), status


def _new_items_on_page(pages, current, answers) -> bool:
    for p in pages:
        if p.instrument.id == current.instrument.id and p.index == current.index:
            stored = answers.get(current.instrument.id, {})
            shown = {i.id for i in current.items}
            return any(i.id not in shown and i.id not in stored for i in p.items)
    return False


@bp.route("/screenings/<int:screening_id>/decline", methods=["POST"])
@allow("social_worker")
def decline(screening_id: int):
    """Stop a screening because the family declines the rest of it."""
    screening = load_screening_or_404(screening_id)
    form = DeclineForm()
    if not form.validate_on_submit() or screening["status"] != "in_progress":
        flash("This screening cannot be declined now.", "error")
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
    flash("Recorded that the family declined. Answers given so far are kept.", "success")
    return redirect(url_for("families.show", family_id=screening["family_id"]))


@bp.route("/screenings/<int:screening_id>/results")
@allow("social_worker")
def results(screening_id: int):
    """Scored needs, alerts to acknowledge, suggested referrals and Z-code suggestions."""
    screening = load_screening_or_404(screening_id)
    if screening["status"] not in ("completed", "closed"):
        return redirect(url_for("screenings.resume", screening_id=screening_id))
    db = get_db()
    family = get_family(get_db(), screening["family_id"]) or abort(404)
    alerts = list(
        db.query("SELECT * FROM alerts WHERE screening_id = ? ORDER BY id", [screening_id])
    )
    domains = list(
        db.query(
            "SELECT * FROM domain_results WHERE screening_id = ? "
            "ORDER BY status = 'positive' DESC, domain",
            [screening_id],
        )
    )
    for d in domains:
        d["reasons"] = json.loads(d["reasons"])
    referrals = referral_data.screening_referrals(db, screening_id)
    audit.record("view", "screening", screening_id, detail="results")
    return render_template(
        "screenings/results.html",
        screening=screening,
        family=family,
        alerts=alerts,
        domains=domains,
        result=screening["result"] or {},
        referrals=referrals,
        ack_form=AckForm(),
        action=ActionForm(),
        registry=get_registry(),
    )


@bp.route("/screenings/<int:screening_id>/alerts/<int:alert_id>", methods=["POST"])
@allow("social_worker")
def acknowledge(screening_id: int, alert_id: int):
    """Acknowledge an alert with the follow-up that was done."""
    load_screening_or_404(screening_id)
    db = get_db()
    alert = next(
        db.query(
            "SELECT * FROM alerts WHERE id = ? AND screening_id = ?", [alert_id, screening_id]
        ),
        None,
    )
    if alert is None:
        abort(404)
    form = AckForm()
    if not form.validate_on_submit():
        flash("Describe the follow-up (at least a few words) before acknowledging.", "error")
        return redirect(url_for("screenings.results", screening_id=screening_id))
    if alert["acknowledged_at"] is None:
        with write(db):
            db["alerts"].update(
                alert_id,
                {
                    "acknowledged_at": timeutil.iso(),
                    "acknowledged_by": g.user["id"],
                    "followup_note": form.note.data.strip(),
                },
            )
        audit.record("acknowledge", "alert", alert_id)
    flash("Alert acknowledged.", "success")
    return redirect(url_for("screenings.results", screening_id=screening_id))


@bp.route("/screenings/<int:screening_id>/close", methods=["POST"])
@allow("social_worker")
def close(screening_id: int):
    """Close a completed screening once every alert has a documented follow-up."""
    screening = load_screening_or_404(screening_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    db = get_db()
    with write(db):
        open_count = db["alerts"].count_where(
            "screening_id = ? AND acknowledged_at IS NULL", [screening_id]
        )
        if open_count:
            flash("Acknowledge every alert with its follow-up before closing.", "error")
            return redirect(url_for("screenings.results", screening_id=screening_id))
        if screening["status"] == "completed":
            db["screenings"].update(
                screening_id,
                {
                    "status": "closed",
                    "closed_at": timeutil.iso(),
                    "closed_by": g.user["id"],
                    "updated_at": timeutil.iso(),
                    "version": screening["version"] + 1,
                },
            )
    audit.record("close", "screening", screening_id)
    flash("Screening closed.", "success")
    return redirect(url_for("families.show", family_id=screening["family_id"]))


@bp.route("/screenings/<int:screening_id>/handover", methods=["GET", "POST"])
@allow("social_worker")
def handover(screening_id: int):
    """Social worker's screen before handing the tablet to the parent."""
    screening = load_screening_or_404(screening_id)
    form = ActionForm()
    if form.validate_on_submit():
        session["handover"] = screening_id
        session.pop("handover_locked", None)
        audit.record("handover", "screening", screening_id)
        return redirect(url_for("screenings.welcome", screening_id=screening_id))
    return render_template("screenings/handover.html", screening=screening, form=form)


@bp.route("/screenings/<int:screening_id>/welcome")
@allow("social_worker")
def welcome(screening_id: int):
    """What the parent sees first: who will see the answers and why."""
    screening = load_screening_or_404(screening_id)
    return render_template(
        "screenings/welcome.html",
        screening=screening,
        lang=screening["language"],
        self_complete=True,
    )


@bp.route("/screenings/<int:screening_id>/done")
@allow("social_worker")
def done(screening_id: int):
    """The parent has finished; only a thank-you, no results."""
    screening = load_screening_or_404(screening_id)
    if handing_over(screening_id):
        session["handover_locked"] = True
    return render_template(
        "screenings/locked.html",
        screening=screening,
        form=UnlockForm(),
        lang=screening["language"],
        title=t("done_title", screening["language"]),
        body=t("done_body", screening["language"]),
        self_complete=True,
    )


@bp.route("/screenings/<int:screening_id>/locked")
@allow("social_worker")
def locked(screening_id: int):
    """Locked screen: no answers shown until the social worker signs back in."""
    screening = load_screening_or_404(screening_id)
    if handing_over(screening_id):
        # Once locked, the questions (and the answers on them) stay shut until staff unlock.
        session["handover_locked"] = True
    lang = screening["language"]
    return render_template(
        "screenings/locked.html",
        screening=screening,
        form=UnlockForm(),
        lang=lang,
        title=t("locked_title", lang),
        body=t("locked_body", lang),
        self_complete=True,
    )


@bp.route("/screenings/<int:screening_id>/unlock", methods=["POST"])
@allow("social_worker")
def unlock(screening_id: int):
    """Hand the tablet back: needs the signed-in social worker's password."""
    screening = load_screening_or_404(screening_id)
    form = UnlockForm()
    # reverify counts failures towards the lockout: a parent cannot guess the password.
    if form.validate_on_submit() and reverify(form.password.data):
        session.pop("handover", None)
        session.pop("handover_locked", None)
        audit.record("handback", "screening", screening_id)
        return redirect(url_for("screenings.resume", screening_id=screening_id))
    audit.record("handback", "screening", screening_id, outcome="failed")
    flash(t("wrong_password", screening["language"]), "error")
    return redirect(url_for("screenings.locked", screening_id=screening_id))


def enforce_handover():
    """While a parent holds the tablet, keep them inside their own questionnaire."""
    held = session.get("handover")
    if not held or request.endpoint is None:
        return None
    if not session.get("sid"):
        # The staff session ended: nothing left to guard, and the sign-in page must show
        # (guarding it would bounce between the lock screen and sign-in for ever).
        session.pop("handover", None)
        session.pop("handover_locked", None)
        return None
    allowed = LOCKED_ENDPOINTS if session.get("handover_locked") else HANDOVER_ENDPOINTS
    args = request.view_args or {}
    if request.endpoint in allowed and (
        request.endpoint == "static" or args.get("screening_id") == held
    ):
        return None
    return redirect(url_for("screenings.locked", screening_id=held))


def init_app(app: Flask) -> None:
    """Register the blueprint and the hand-over guard, ahead of the role check so that a
    typed staff address shows the lock screen rather than a staff error page."""
    from screening.accounts.views import authorize

    app.register_blueprint(bp)
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(hooks.index(authorize) if authorize in hooks else len(hooks), enforce_handover)
