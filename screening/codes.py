"""Fixed identifiers from DESIGN.md, with the labels staff see."""

from __future__ import annotations

RACE_ETHNICITY = {
    "aian": "American Indian or Alaska Native",
    "asian": "Asian",
    "black": "Black or African American",
    "hispanic": "Hispanic or Latino",
    "mena": "Middle Eastern or North African",
    "nhpi": "Native Hawaiian or Pacific Islander",
    "white": "White",
}
RACE_STATUS = {"declined": "Declined to answer", "unknown": "Unknown / not asked"}
INSURANCE = {
    "public": "Public (Medicaid, CHIP)",
    "private": "Private",
    "uninsured": "Uninsured",
    "other": "Other",
    "unknown": "Unknown",
}
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
