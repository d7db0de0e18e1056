"""Parent mode: hand the tablet over, the welcome, crisis and lock screens, and the guard
that keeps a parent inside their own questionnaire."""

from __future__ import annotations

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _

from screening.accounts.views import reverify
from screening.platform import audit
from screening.platform.i18n import use_locale
from screening.platform.roles import allow
from screening.platform.wording import text as t
from screening.screenings.blueprint import bp
from screening.screenings.blueprint import handing_over
from screening.screenings.blueprint import load_screening_or_404
from screening.screenings.forms import ActionForm
from screening.screenings.forms import UnlockForm

# While a parent holds the tablet only these endpoints answer; everything else shows the lock.
HANDOVER_ENDPOINTS = {
    "screenings.page",
    "screenings.welcome",
    "screenings.done",
    "screenings.crisis",
    "screenings.locked",
    "screenings.unlock",
    "static",
}
# Once the screen has locked (inactivity, pause, the end, a crisis) only these answer.
LOCKED_ENDPOINTS = {"screenings.locked", "screenings.crisis", "screenings.unlock", "static"}


@bp.route("/screenings/<int:screening_id>/handover", methods=["GET", "POST"])
@allow("social_worker")
def handover(screening_id: int):
    """Social worker's screen before handing the tablet to the parent."""
    screening = load_screening_or_404(screening_id)
    form = ActionForm()
    if form.validate_on_submit():
        session["handover"] = screening_id
        session.pop("handover_locked", None)
        session.pop("handover_crisis", None)
        audit.record("handover", "screening", screening_id)
        return redirect(url_for("screenings.welcome", screening_id=screening_id))
    audit.record("view", "screening", screening_id, detail="handover")
    return render_template("screenings/handover.html", screening=screening, form=form)


@bp.route("/screenings/<int:screening_id>/welcome")
@allow("social_worker")
def welcome(screening_id: int):
    """What the parent sees first: who will see the answers and why."""
    screening = load_screening_or_404(screening_id)
    use_locale(screening["language"])
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
    use_locale(screening["language"])
    return render_template(
        "screenings/locked.html",
        screening=screening,
        form=UnlockForm(),
        lang=screening["language"],
        title=_("Thank you"),
        body=_("You have finished. Please give the tablet back to your social worker."),
        self_complete=True,
    )


@bp.route("/screenings/<int:screening_id>/crisis")
@allow("social_worker")
def crisis(screening_id: int):
    """A self-harm answer in parent mode: crisis lines at once, in the parent's language."""
    screening = load_screening_or_404(screening_id)
    if handing_over(screening_id):
        # The questions stop here: the parent hands the tablet back to a person.
        session["handover_locked"] = True
        session["handover_crisis"] = screening_id
    use_locale(screening["language"])
    return render_template(
        "screenings/crisis.html",
        screening=screening,
        form=UnlockForm(),
        lang=screening["language"],
        self_complete=True,
    )


@bp.route("/screenings/<int:screening_id>/locked")
@allow("social_worker")
def locked(screening_id: int):
    """Locked screen: no answers shown until the social worker signs back in."""
    screening = load_screening_or_404(screening_id)
    if handing_over(screening_id):
        if session.get("handover_crisis") == screening_id:
            # A parent who tapped Back after a self-harm answer must still see the crisis lines.
            return redirect(url_for("screenings.crisis", screening_id=screening_id))
        # Once locked, the questions (and the answers on them) stay shut until staff unlock.
        session["handover_locked"] = True
    lang = screening["language"]
    use_locale(lang)
    return render_template(
        "screenings/locked.html",
        screening=screening,
        form=UnlockForm(),
        lang=lang,
        title=_("This screen is locked"),
        body=_("Your answers are saved. Please ask your social worker to continue."),
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
        session.pop("handover_crisis", None)
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
        session.pop("handover_crisis", None)
        return None
    allowed = LOCKED_ENDPOINTS if session.get("handover_locked") else HANDOVER_ENDPOINTS
    args = request.view_args or {}
    if request.endpoint in allowed and (
        request.endpoint == "static" or args.get("screening_id") == held
    ):
        return None
    return redirect(url_for("screenings.locked", screening_id=held))
