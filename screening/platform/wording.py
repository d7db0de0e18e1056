"""Interface wording a family sees, and the wording core functions take as a dict, through
Flask-Babel (it replaces forms/ui.yaml and the hand-written `t(key, lang)` layer), and the
staff-language block templates wrap staff chrome in.

Each key maps to its English msgid; the Spanish lives in translations/es/messages.po. Core
functions (answer sheets, plain reasons, alerts) want `{key: {language: text}}` with
`{name}` placeholders they fill with str.format, so `words()` builds that dict under
`force_locale` for every interface language.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from screening.platform import codes
from screening.platform.i18n import DEFAULT
from screening.platform.i18n import LANGUAGES

# The language staff read the app in (nav, banners, their messages), even around a page that
# is in a family's language for an interview.
STAFF = DEFAULT

TEXT = {
    "next": _l("Next"),
    "back": _l("Back"),
    "finish": _l("Finish"),
    "save_exit": _l("Save and pause"),
    "declined": _l("Prefer not to answer"),
    "page_of": _l("Part %(n)s of %(total)s"),
    "number_hint": _l("Enter a number"),
    "wrong_password": _l("That password is not right."),
    "follow_up_added": _l("One more question about the answer you just gave is below."),
    "done_title": _l("Thank you"),
    "done_body": _l("You have finished. Please give the tablet back to your social worker."),
    "locked_title": _l("This screen is locked"),
    "locked_body": _l("Your answers are saved. Please ask your social worker to continue."),
    "choose_valid": _l("Choose one of the options."),
    "number_range": _l("Enter a whole number from %(min)s to %(max)s."),
    "declined_exclusive": _l("“Prefer not to answer” cannot be combined with other choices."),
    # Staff answer sheet, reasons and alerts (screening results page).
    "sheet_declined": _l("Declined to answer"),
    "sheet_not_answered": _l("Not answered"),
    "sheet_gate_closed": _l("Item %(n)s not asked (gate closed)"),
    "sheet_score": _l("%(title)s: %(value)s"),
    "sheet_score_band": _l("%(title)s: %(value)s (%(band)s)"),
}

DOMAINS = {
    "housing_instability": _l("Housing"),
    "housing_quality": _l("Housing conditions"),
    "food": _l("Food"),
    "transportation": _l("Transportation"),
    "utilities": _l("Utilities (power, gas, water)"),
    "interpersonal_safety": _l("Safety at home"),
    "financial_strain": _l("Money for basics"),
    "employment_leave": _l("Work and leave"),
    "childcare": _l("Care for other children"),
    "health_insurance": _l("Health insurance"),
    "infant_supplies": _l("Baby supplies"),
    "nicu_visiting": _l("Visiting the NICU (travel, parking, lodging)"),
    "lactation": _l("Breastfeeding and pumping"),
    "mental_health": _l("Emotional health"),
    "social_support": _l("Support from others"),
    "language_access": _l("Language and interpreter"),
}


def _msgid(key: str) -> str:
    return str(TEXT[key]._args[0])  # the English msgid the lazy string was made from


def text(key: str, lang: str | None = None, **values: object) -> str:
    """One text in `lang` (the current locale when None), its %(name)s filled from values."""
    if lang is None:
        found = gettext(_msgid(key))
    else:
        with force_locale(lang if lang in LANGUAGES else DEFAULT):
            found = gettext(_msgid(key))
    return found % values if values else found


def domain_label(domain: str, lang: str | None = None) -> str:
    """A domain's plain-language name (the code in words when it has none)."""
    label = DOMAINS.get(domain)
    if label is None:
        return domain.replace("_", " ")
    if lang is None:
        return str(label)
    with force_locale(lang if lang in LANGUAGES else DEFAULT):
        return str(label)


# The keys core functions fill with str.format, and the placeholders they pass.
_CORE_KEYS = {
    "sheet_declined": {},
    "sheet_not_answered": {},
    "sheet_gate_closed": {"n": "{n}"},
    "sheet_score": {"title": "{title}", "value": "{value}"},
    "sheet_score_band": {"title": "{title}", "value": "{value}", "band": "{band}"},
}


def words(languages: tuple[str, ...] = LANGUAGES) -> dict[str, dict[str, str]]:
    """{key: {language: text}} with {placeholders}, for core functions that take `words`."""
    built: dict[str, dict[str, str]] = {key: {} for key in _CORE_KEYS}
    for lang in languages:
        with force_locale(lang):
            for key, slots in _CORE_KEYS.items():
                # Braces in the text itself are escaped: only the slots are str.format fields.
                found = gettext(_msgid(key)).replace("{", "{{").replace("}", "}}")
                built[key][lang] = found % slots if slots else found
    return built


def in_staff_language(caller: Callable[[], str]) -> Markup:
    """Jinja call block: render its body in the staff language, whatever the page's.

    An interview page is in the family's language, but the nav, banners and messages around
    it are read by staff: `{% call in_staff_language() %}...{% endcall %}`, with
    lang="{{ staff_language }}" on the element so screen readers switch voice too.
    """
    with force_locale(STAFF):
        # caller() is the already autoescaped body Jinja rendered.
        return Markup(caller())  # noqa: S704  # nosec B704


def init_app(app: Flask) -> None:
    """Expose domain_label(), the code labels and the staff-language block to templates."""
    app.jinja_env.globals.update(
        domain_label=domain_label,
        codes=codes,
        # Its own name: a page's `codes` (recovery codes) would hide codes.ROLES in base.html.
        role_labels=codes.ROLES,
        in_staff_language=in_staff_language,
        staff_language=STAFF,
    )
