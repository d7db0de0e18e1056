"""Results: the answer sheet, corrections, alerts and their acknowledgement, closing; and
the urgent-alert banner on every staff page."""

from __future__ import annotations

import json

from flask import Flask
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _

from screening.families.store import get_family
from screening.platform import audit
from screening.platform import timeutil
from screening.platform.db import StaleEdit
from screening.platform.db import get_db
from screening.platform.db import write
from screening.platform.instruments import get_registry
from screening.platform.roles import allow
from screening.referrals import store as referral_data
from screening.screenings import alerts as alert_store
from screening.screenings import service
from screening.screenings.blueprint import bp
from screening.screenings.blueprint import load_screening_or_404
from screening.screenings.forms import AckForm
from screening.screenings.forms import ActionForm
from screening.screenings.forms import CorrectionForm


@bp.route("/screenings/<int:screening_id>/results")
@allow("social_worker")
def results(screening_id: int):
    """Answers in words, needs with plain reasons, alerts, suggested referrals and Z-codes."""
    screening = load_screening_or_404(screening_id)
    if screening["status"] not in ("completed", "closed"):
        return redirect(url_for("screenings.resume", screening_id=screening_id))
    db = get_db()
    family = get_family(db, screening["family_id"]) or abort(404)
    domains = list(
        db.query(
            "SELECT * FROM domain_results WHERE screening_id = ? "
            "ORDER BY status = 'positive' DESC, domain",
            [screening_id],
        )
    )
    for d in domains:
        d["reasons"] = json.loads(d["reasons"])
    audit.record("view", "screening", screening_id, detail="results")
    return render_template(
        "screenings/results.html",
        screening=screening,
        family=family,
        domains=domains,
        review=service.review(db, screening, family),
        result=screening["result"] or {},
        referrals=referral_data.screening_referrals(
            db, screening_id, max_attempts=current_app.config["REFERRAL_MAX_ATTEMPTS"]
        ),
        ack_form=AckForm(),
        correction=CorrectionForm(),
        action=ActionForm(),
        registry=get_registry(),
    )


@bp.route("/screenings/<int:screening_id>/alerts/<int:alert_id>", methods=["POST"])
@allow("social_worker")
def acknowledge(screening_id: int, alert_id: int):
    """Acknowledge an alert with the follow-up done; a second acknowledgement is refused."""
    screening = load_screening_or_404(screening_id)
    back = _alerts_home(screening)
    db = get_db()
    alert = alert_store.alert_with_names(db, alert_id)
    if alert is None or alert["screening_id"] != screening_id:
        abort(404)
    form = AckForm()
    if not form.validate_on_submit():
        flash(_("Describe the follow-up (at least a few words) before acknowledging."), "error")
        return redirect(back), 303
    try:
        with write(db):
            alert_store.acknowledge(db, alert_id, g.user["id"], form.note.data.strip())
    except alert_store.AlreadyAcknowledged as exc:
        first = exc.alert
        flash(
            _(
                "%(name)s acknowledged this alert first, at %(time)s. Their note stands; "
                "yours was not saved: add it to the family's referrals or notes if needed.",
                name=first.get("acknowledged_by_name") or _("Someone"),
                time=timeutil.shown(first.get("acknowledged_at")),
            ),
            "error",
        )
        audit.record("acknowledge", "alert", alert_id, outcome="refused")
        return redirect(back), 303
    audit.record("acknowledge", "alert", alert_id)
    flash(_("Alert acknowledged."), "success")
    return redirect(back)


def _alerts_home(screening: dict) -> str:
    """Where a screening's alerts are read: its results once finished, else its alerts page."""
    if screening["status"] in ("completed", "closed"):
        return url_for("screenings.results", screening_id=screening["id"])
    return url_for("screenings.alerts", screening_id=screening["id"])


@bp.route("/screenings/<int:screening_id>/alerts")
@allow("social_worker")
def alerts(screening_id: int):
    """A screening's alerts, acknowledged here even while the questionnaire is unfinished
    (a parent's self-harm answer must not wait for the last page)."""
    screening = load_screening_or_404(screening_id)
    if screening["status"] in ("completed", "closed"):
        return redirect(_alerts_home(screening))
    audit.record("view", "screening", screening_id, detail="alerts")
    return render_template(
        "screenings/alerts.html",
        screening=screening,
        alerts=alert_store.screening_alerts(get_db(), screening_id),
        ack_form=AckForm(),
    )


@bp.route("/screenings/<int:screening_id>/correct", methods=["POST"])
@allow("social_worker")
def correct(screening_id: int):
    """Correct one answer of a completed screening, with the reason; it is re-scored."""
    load_screening_or_404(screening_id)
    form = CorrectionForm()
    if not form.validate_on_submit():
        message = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return _back(screening_id, message or _("The correction could not be read."), 400)
    try:
        service.correct_answer(
            get_db(),
            screening_id,
            form.instrument.data,
            form.item.data,
            request.form.getlist("value"),
            form.reason.data,
            int(form.version.data),
            g.user["id"],
        )
    except StaleEdit:
        return _back(
            screening_id,
            _(
                "Someone changed this screening while you were correcting it. "
                "Their version is shown; correct it again if still needed."
            ),
            409,
        )
    except service.CorrectionRefused as exc:
        return _back(screening_id, str(exc), 400)
    flash(_("Answer corrected; the screening was scored again."), "success")
    return redirect(url_for("screenings.results", screening_id=screening_id) + "#answers")


def _back(screening_id: int, message: str, status: int):
    flash(message, "error")
    return results(screening_id), status


@bp.route("/screenings/<int:screening_id>/close", methods=["POST"])
@allow("social_worker")
def close(screening_id: int):
    """Close a completed screening once every alert has a documented follow-up."""
    screening = load_screening_or_404(screening_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    outcome = service.close(get_db(), screening, g.user["id"])
    if outcome == "open_alerts":
        flash(_("Acknowledge every alert with its follow-up before closing."), "error")
        return redirect(url_for("screenings.results", screening_id=screening_id))
    if outcome == "closed":
        flash(_("Screening closed."), "success")
    else:
        flash(_("This screening is not waiting to close; nothing was changed."), "info")
    return redirect(url_for("families.show", family_id=screening["family_id"]))


def urgent_banner() -> dict:
    """Open alerts for the banner on every staff page (never while a parent holds the tablet)."""
    user = g.get("user")
    if not user or user["role"] != "social_worker" or session.get("handover"):
        return {"urgent_alerts": []}
    return {"urgent_alerts": alert_store.urgent(get_db())}


def init_app(app: Flask) -> None:
    """The banner's context processor."""
    app.context_processor(urgent_banner)
