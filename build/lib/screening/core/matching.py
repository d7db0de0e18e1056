"""Referral matching: which directory services to suggest for a scored screening."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field

# A positive screen in these domains is always offered help, even when the parent said
# "no" to help today: the offer is cheap, the social worker can decline it, and NPA
# guidance treats perinatal mental health and lactation as standard NICU care.
ALWAYS_OFFER = frozenset({"mental_health", "lactation"})
# Referrals in these domains concern one parent, never the family as a whole: they are
# de-duplicated per caregiver and kept off the family letter.
INDIVIDUAL_DOMAINS = frozenset({"mental_health", "interpersonal_safety"})
SENSITIVE_DOMAINS = frozenset({"interpersonal_safety", "mental_health"})


@dataclass(frozen=True)
class Suggestion:
    """One domain's suggested referral: the best service first, the others as alternatives."""

    domain: str
    category: str
    service_id: str | None
    sensitive: bool
    alternatives: tuple[str, ...] = field(default=())


def default_category(domain: str) -> str:
    """The referral category a domain falls under when the scorer names none."""
    return domain if domain in ("lactation", "mental_health") else "community"


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return []
    return [str(v) for v in value or []]


def _verified_ordinal(service: dict) -> int:
    text = service.get("last_verified") or ""
    try:
        return dt.date.fromisoformat(text[:10]).toordinal()
    except ValueError:
        return 0


def fit(service: dict, domain: str, category: str) -> int:
    """How well a service fits a need: 3 domain and category, 2 domain, 1 category only, 0 none."""
    return 2 * (domain in _as_list(service.get("domains"))) + (service.get("category") == category)


def rank_services(
    services: Iterable[dict], domain: str, category: str, language: str, *, category_ok: bool
) -> list[dict]:
    """Active services for a need, best first: domain fit, family language, verified recency.

    With category_ok, a service of the right category serves the need even when it does not
    list the domain (used for the always-offered categories).
    """
    lowest = 1 if category_ok else 2
    ranked = []
    for service in services:
        if not service.get("active", 1):
            continue
        score = fit(service, domain, category)
        if score < lowest:
            continue
        speaks = language in _as_list(service.get("languages"))
        ranked.append((-score, not speaks, -_verified_ordinal(service), service["name"], service))
    ranked.sort(key=lambda item: item[:4])
    return [item[-1] for item in ranked]


def wanted_domains(result: dict) -> list[tuple[str, str]]:
    """(domain, category) pairs a screening result calls for, in the result's domain order."""
    categories = {r["domain"]: r.get("category") for r in result.get("referrals") or []}
    pairs = []
    for domain, outcome in (result.get("domains") or {}).items():
        if outcome.get("status") != "positive":
            continue
        if outcome.get("wants_help") == "no" and domain not in ALWAYS_OFFER:
            continue
        pairs.append((domain, categories.get(domain) or default_category(domain)))
    return pairs


def match(result: dict, services: list[dict], language: str) -> list[Suggestion]:
    """One suggestion per wanted domain; skips a need no active service fits.

    Always-offered domains still get a suggestion (with no service) so the offer is made.
    """
    suggestions = []
    for domain, category in wanted_domains(result):
        ranked = rank_services(
            services, domain, category, language, category_ok=domain in ALWAYS_OFFER
        )
        if not ranked and domain not in ALWAYS_OFFER:
            continue
        best = ranked[0] if ranked else None
        sensitive = domain in SENSITIVE_DOMAINS or bool(best and best.get("sensitive"))
        suggestions.append(
            Suggestion(
                domain=domain,
                category=category,
                service_id=best["id"] if best else None,
                sensitive=sensitive,
                alternatives=tuple(s["id"] for s in ranked[1:]),
            )
        )
    return suggestions
