"""Fixed identifiers from DESIGN.md, with the labels staff see."""

from __future__ import annotations

from screening.core import identifiers as ids
from screening.core.equity import GROUP_LABELS

# The same words on the family form as in the equity report.
RACE_ETHNICITY = {code: GROUP_LABELS[code] for code in ids.RACE_ETHNICITY}
RACE_STATUS = {code: GROUP_LABELS[code] for code in ids.RACE_STATUS}
INSURANCE = {code: GROUP_LABELS.get(code, code.capitalize()) for code in ids.INSURANCE}
RESPONDENTS = {
    "birthing_parent": "Birthing parent",
    "partner": "Partner / other parent",
    "other_caregiver": "Other caregiver",
}
PARENTS = ("birthing_parent", "partner")
TIMEPOINTS = {
    "admission": "Admission",
    "during_stay": "During the stay",
    "pre_discharge": "Before discharge",
    "follow_up": "Follow-up",
}
MODES = {
    "interview": "Social worker asks (interview)",
    "self_complete": "Parent completes on the tablet",
    "interpreter": "With an interpreter",
}
# ISO 639-1 codes of the languages most often preferred by US NICU families.
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
    "not_now": "Family asked to do it another time",
    "declined": "Family declined screening",
    "unavailable": "Family not available (not visiting)",
    "interpreter_unavailable": "No interpreter available",
    "clinical": "Not appropriate now (clinical situation)",
}
