"""The fixed identifiers of DESIGN.md that every part of the app shares (extend, don't rename)."""

from __future__ import annotations

DOMAINS = (
    "housing_instability",
    "housing_quality",
    "food",
    "transportation",
    "utilities",
    "interpersonal_safety",
    "financial_strain",
    "employment_leave",
    "childcare",
    "health_insurance",
    "infant_supplies",
    "nicu_visiting",
    "lactation",
    "mental_health",
    "social_support",
    "language_access",
)
REFERRAL_CATEGORIES = ("lactation", "mental_health", "community")
RESPONDENTS = ("birthing_parent", "partner", "other_caregiver")
DOMAIN_STATUSES = ("positive", "negative", "declined", "not_asked")
WANTS_HELP = ("yes", "no", "later", "not_asked")
RACE_ETHNICITY = ("aian", "asian", "black", "hispanic", "mena", "nhpi", "white")
RACE_STATUS = ("declined", "unknown")
INSURANCE = ("public", "private", "uninsured", "other", "unknown")
REFERRAL_STATUSES = ("suggested", "accepted", "declined", "sent", "connected", "not_connected")
NOT_CONNECTED_REASONS = (
    "unreachable",
    "not_eligible",
    "no_capacity",
    "family_changed_mind",
    "other",
)
# Why a screening offer was declined. Family reasons are the family's choice; system reasons
# mean the unit did not reach or could not serve the family, which is the unit's to fix.
DECLINE_REASONS_FAMILY = ("not_now", "declined")
DECLINE_REASONS_SYSTEM = ("unavailable", "interpreter_unavailable", "clinical")
DECLINE_REASONS = (*DECLINE_REASONS_FAMILY, *DECLINE_REASONS_SYSTEM)
# Whether a connected referral met the need; `unknown` stays out of the need_met denominator.
REFERRAL_OUTCOMES = ("need_met", "need_partly_met", "need_not_met", "unknown")
OUTCOMES_KNOWN = ("need_met", "need_partly_met", "need_not_met")
