"""Every word the referrals area shows or prints, through Flask-Babel.

Labels are lazy (they are read in whatever language the page or letter is rendered in);
letter and paper-form wording is built on call, inside `force_locale(lang)`.
"""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from screening.core import referral_rules as rules
from screening.core.matching import Reason

STATUS = {
    "suggested": _l("Suggested"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "sent": _l("Sent"),
    "connected": _l("Connected"),
    "not_connected": _l("Not connected"),
}
REASONS = {
    "unreachable": _l("Family unreachable"),
    "not_eligible": _l("Not eligible"),
    "no_capacity": _l("Service had no capacity"),
    "family_changed_mind": _l("Family changed their mind"),
    "other": _l("Other (say why in the note)"),
}
OUTCOMES = {
    "need_met": _l("Need met"),
    "need_partly_met": _l("Need partly met"),
    "need_not_met": _l("Need not met"),
    "unknown": _l("Not known"),
}
METHODS = {
    "phone": _l("Phone call"),
    "text": _l("Text message"),
    "in_person": _l("In person"),
    "letter": _l("Letter"),
    "email": _l("Email"),
    "interpreter_call": _l("Call with an interpreter"),
}
RESULTS = {
    "no_answer": _l("No answer"),
    "left_message": _l("Left a message"),
    "wrong_number": _l("Wrong number"),
    "spoke": _l("Spoke with the family"),
    "asked_to_call_back": _l("Asked us to call back"),
}
# What a family should say they need when they call (a letter's "Ask for help with").
NEEDS = {
    "housing_instability": _l("a safe, steady place to live"),
    "housing_quality": _l("problems in your home"),
    "food": _l("food"),
    "transportation": _l("rides and transportation"),
    "utilities": _l("electric, gas or water bills"),
    "interpersonal_safety": _l("safety at home"),
    "financial_strain": _l("paying for basics"),
    "employment_leave": _l("work leave and your job"),
    "childcare": _l("care for your other children"),
    "health_insurance": _l("health insurance for your baby"),
    "infant_supplies": _l("diapers and baby supplies"),
    "nicu_visiting": _l("getting to the hospital and staying nearby"),
    "lactation": _l("breastfeeding and pumping"),
    "mental_health": _l("stress, worry or sadness"),
    "social_support": _l("support from other parents"),
    "language_access": _l("an interpreter"),
}
ERRORS = {
    "unknown_status": _l("Unknown status."),
    "not_allowed": _l("A referral that is %(current)s cannot be marked %(target)s."),
    "reason_needed": _l("Choose why the family did not connect with the service."),
    "unknown_reason": _l("Unknown reason."),
    "note_needed": _l("Say in the note why the family did not connect."),
    "reason_not_here": _l("A reason is only recorded when a referral is not connected."),
    "outcome_needed": _l("Say whether the need was met."),
    "unknown_outcome": _l("Unknown outcome."),
    "outcome_not_here": _l("An outcome is only recorded when a referral is connected."),
    "too_few_attempts": _l(
        "Record %(needed)s contact attempts before closing as unreachable (%(made)s so far)."
    ),
    "attempt_closed": _l("Contact attempts are recorded on open referrals that were accepted."),
    "attempt_future": _l("The attempt date cannot be in the future."),
    "next_try_before": _l("The next try must be on or after the attempt date."),
    "unknown_method": _l("Unknown way of contact."),
    "unknown_result": _l("Unknown attempt result."),
    "reopen_open": _l("Only a closed referral can be reopened."),
    "reopen_reason": _l("Say why the referral is being reopened."),
    "owner_inactive": _l("Choose an active social worker as the new owner."),
    "no_service": _l("Choose a service before accepting."),
    "choice_closed": _l("The service can only be changed while the referral is a suggestion."),
}


def error(exc: rules.TransitionError) -> str:
    """The refusal in the page's language."""
    params = dict(exc.params)
    for key in ("current", "target"):
        if key in params:
            params[key] = str(STATUS.get(str(params[key]), params[key])).lower()
    return str(ERRORS[exc.code]) % params if params else str(ERRORS[exc.code])


def language_name(code: str) -> str:
    """A language code in words, in the current language ("Spanish", "español")."""
    return Locale.parse(str(get_locale() or "en")).languages.get(code, code)


def reason(r: Reason) -> str:
    """One matching reason as a short phrase."""
    if r.kind == "serves":
        return _("serves %(tags)s", tags=str(r.value).replace("_", " "))
    if r.kind == "unit_choice":
        return _("the unit's choice")
    if r.kind == "speaks":
        return _("speaks %(language)s", language=language_name(str(r.value)))
    if r.kind == "verified_days":
        months = int(r.value or 0) // 30
        if months == 0:
            return _("verified this month")
        return ngettext("verified %(num)s month ago", "verified %(num)s months ago", months)
    if r.kind == "never_verified":
        return _("not verified yet")
    if r.kind == "crisis":
        return _("crisis line: the answers call for it")
    if r.kind == "only_option":
        return _("the only service listed")
    if r.kind == "picked":
        return _("picked by the social worker")
    if r.kind == "manual":
        return _("added by hand")
    return ""


def reasons(items: list[Reason]) -> str:
    """The reasons of one suggestion, joined ("speaks Spanish; verified 3 months ago")."""
    return "; ".join(p for p in (reason(r) for r in items) if p)


def letter_words(private: bool) -> dict[str, str]:
    """The fixed wording of a letter in the current (forced) locale."""
    return {
        "title": _("Services for you (private)") if private else _("Services to help your family"),
        "greeting": _("This letter is for you alone.") if private else _("Dear family,"),
        "intro": _(
            "These are the services we talked about. Keep this letter in a private place. "
            "You can call any of them when it is safe for you."
        )
        if private
        else _(
            "These are the services we talked about. Contacting them is your choice, and "
            "they are here to help you and your baby."
        ),
        "ask_for": _("Ask for help with"),
        "for": _("What it is for"),
        "phone": _("Phone"),
        "website": _("Website"),
        "address": _("Address"),
        "hours": _("Hours"),
        "bring": _("What to bring"),
        "eligibility": _("Who can use it"),
        "worker": _("Your social worker"),
        "contact": _("Questions? Call us."),
        "unit_phone": _("Unit phone"),
        "emergency": _("In an emergency, call 911."),
        "fallback": _("Some details of this service are only available in English."),
        "family_code": _("Family code %(code)s", code="{code}"),
    }


def cover_words() -> dict[str, str]:
    """The staff cover sheet's wording."""
    return {
        "cover_title": _("Letters to hand out today"),
        "cover_warning": _(
            "Staff only: this sheet names families. Match each letter by the family code in "
            "its footer, then shred this sheet."
        ),
        "pages": _("pages %(first)s to %(last)s", first="{first}", last="{last}"),
    }


def paper_words() -> dict[str, str]:
    """The wording of a blank paper form in the current (forced) locale."""
    return {
        "record": _(
            "Record number: ____________    Date: ____________    Completed by: ____________"
        ),
        "single": _("Choose one."),
        "multi": _("Choose all that apply."),
        "number": _("Write a number:"),
        "text": _("Write your answer:"),
        "decline": _("I prefer not to answer"),
        "source": _("Source"),
        "licence": _("Licence"),
        "adapted": _(
            "Wording adapted in plain language; structure, options and scoring unchanged."
        ),
        "page": _("Part"),
        "show_if": _(
            "Answer only if your answer to question %(number)s was: %(answers)s.",
            number="{number}",
            answers="{answers}",
        ),
        "gate": _("Answer only if the social worker asks you to (it depends on earlier answers)."),
    }
