"""Fixed identifiers from DESIGN.md, with the labels staff see (lazy: read in the page's
language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from screening.core import identifiers as ids

# The same words on the family form as in the equity report (core.equity.GROUP_LABELS).
_GROUPS = {
    "aian": _l("American Indian or Alaska Native"),
    "asian": _l("Asian"),
    "black": _l("Black or African American"),
    "hispanic": _l("Hispanic or Latino"),
    "mena": _l("Middle Eastern or North African"),
    "nhpi": _l("Native Hawaiian or Pacific Islander"),
    "white": _l("White"),
    "declined": _l("Declined to answer"),
    "unknown": _l("Unknown / not asked"),
    "public": _l("Public (Medicaid, CHIP)"),
    "private": _l("Private"),
    "uninsured": _l("Uninsured"),
    "other": _l("Other"),
}
RACE_ETHNICITY = {code: _GROUPS[code] for code in ids.RACE_ETHNICITY}
RACE_STATUS = {code: _GROUPS[code] for code in ids.RACE_STATUS}
INSURANCE = {code: _GROUPS[code] for code in ids.INSURANCE}
RESPONDENTS = {
    "birthing_parent": _l("Birthing parent"),
    "partner": _l("Partner / other parent"),
    "other_caregiver": _l("Other caregiver"),
}
PARENTS = ("birthing_parent", "partner")
# Staff roles (platform.roles.ROLES) as people read them.
ROLES = {
    "social_worker": _l("social worker"),
    "manager": _l("manager"),
    "admin": _l("admin"),
}
TIMEPOINTS = {
    "admission": _l("Admission"),
    "during_stay": _l("During the stay"),
    "pre_discharge": _l("Before discharge"),
    "follow_up": _l("Follow-up"),
}
MODES = {
    "interview": _l("Social worker asks (interview)"),
    "self_complete": _l("Parent completes on the tablet"),
    "interpreter": _l("With an interpreter"),
}

# ISO 639-1 codes of the languages most often preferred by US NICU families. Plain text, not
# translated: each name is read by staff and, for Spanish, by the family in its own words.
LANGUAGES = {
    "en": "English",
    "es": "Spanish / Español",
    "zh": "Chinese",
    "vi": "Vietnamese",
    "ar": "Arabic",
    "ht": "Haitian Creole",
    "pt": "Portuguese",
    "fr": "French",
    "ru": "Russian",
    "ko": "Korean",
    "so": "Somali",
    "tl": "Tagalog",
    "hi": "Hindi",
    "sw": "Swahili",
    "am": "Amharic",
}
DECLINE_REASONS = {
    "not_now": _l("Family asked to do it another time"),
    "declined": _l("Family declined screening"),
    "unavailable": _l("Family not available (not visiting)"),
    "interpreter_unavailable": _l("No interpreter available"),
    "clinical": _l("Not appropriate now (clinical situation)"),
}
SCREENING_STATUSES = {
    "in_progress": _l("in progress"),
    "completed": _l("completed"),
    "closed": _l("closed"),
    "declined": _l("declined"),
}
ALERT_KINDS = {
    "self_harm": _l("self-harm"),
    "interpersonal_safety": _l("safety at home"),
    "unsafe_discharge": _l("unsafe discharge"),
}
# What core.schedule says is due, by its kind.
DUE_KINDS = {
    "admission": _l("Social-needs screen"),
    "parent_mental_health": _l("Parent mental-health screen"),
    "pre_discharge": _l("Pre-discharge social-needs screen"),
    "epds_repeat": _l("EPDS repeat (borderline score)"),
}
# Domain result status and wants-help, as the results page shows them.
DOMAIN_STATUSES = {
    "positive": _l("Need found"),
    "negative": _l("No need"),
    "declined": _l("Declined to answer"),
    "not_asked": _l("Not asked / incomplete"),
}
WANTS_HELP = {"yes": _l("Yes"), "no": _l("No"), "later": _l("Maybe later"), "not_asked": "—"}
REFERRAL_CATEGORIES = {
    "community": _l("community"),
    "lactation": _l("lactation"),
    "mental_health": _l("mental health"),
}
# HSDS service status, as the directory page names a service that is not in use.
SERVICE_STATUSES = {
    "active": _l("active"),
    "inactive": _l("retired"),
    "defunct": _l("defunct"),
    "temporarily closed": _l("temporarily closed"),
}
