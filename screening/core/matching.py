"""Referral matching: which directory services to suggest for a scored screening.

A social worker picks a service for a need by: does it serve this need (domain, and the
resource tags the instrument declares for it), has the unit said it prefers it, does it
speak the family's language, and is its listing recent. Ranking follows that order, and each
suggestion carries the reasons as data so a page can say them in the reader's language.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from collections.abc import Mapping
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
# A service tagged this way is a crisis line: never the answer to a need on its own, only
# offered beside the regular service when an answer or a score calls for it.
CRISIS_TAG = "crisis"
# A service tagged this way answers any question (211): useful, but the last resort, since
# "call 211" for every need is what makes families give up.
GENERAL_TAG = "general"
CRISIS_ALERTS = frozenset({"self_harm"})
CRISIS_BANDS = frozenset({"moderately_severe", "severe"})


@dataclass(frozen=True)
class Reason:
    """One plain reason a service was suggested; `kind` names the sentence, `value` fills it.

    kinds: serves (value: the tags in common, comma-joined), unit_choice (the site priority),
    speaks (a language code), verified_days (days since verified), never_verified,
    crisis (the alert or band that called for the crisis line), only_option.
    """

    kind: str
    value: str | int | None = None


@dataclass(frozen=True)
class Suggestion:
    """One domain's suggested referral: the best service first, the others as alternatives."""

    domain: str
    category: str
    service_id: str | None
    sensitive: bool
    alternatives: tuple[str, ...] = field(default=())
    reasons: tuple[Reason, ...] = field(default=())
    crisis: bool = False


def default_category(domain: str) -> str:
    """The referral category a domain falls under when the scorer names none."""
    return domain if domain in ("lactation", "mental_health") else "community"


def _as_list(value: object) -> list[str]:
    # The common case first: the abstract Iterable check below is slow, and ranking calls
    # this for every service and need.
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return []
    if not isinstance(value, Iterable):
        return []
    return [str(v) for v in value]


def _as_map(value: object) -> dict[str, int]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except ValueError:
            return {}
    if not isinstance(value, Mapping):
        return {}
    out = {}
    for key, number in value.items():
        try:
            out[str(key)] = int(number)
        except (TypeError, ValueError):
            continue
    return out


def verified_days(service: Mapping, today: dt.date) -> int | None:
    """Days since the service's listing was last checked, or None when never."""
    text = service.get("last_verified") or ""
    try:
        return max(0, (today - dt.date.fromisoformat(str(text)[:10])).days)
    except ValueError:
        return None


def priority(service: Mapping, domain: str) -> int:
    """The unit's preference for this service for this need (higher first; `*` = any need)."""
    table = _as_map(service.get("priorities"))
    return table.get(domain, table.get("*", 0))


def fit(service: Mapping, domain: str, category: str) -> int:
    """How well a service fits a need: 3 domain and category, 2 domain, 1 category only, 0 none."""
    return 2 * (domain in _as_list(service.get("domains"))) + (service.get("category") == category)


@dataclass(frozen=True)
class Need:
    """What one positive domain asks of the directory."""

    domain: str
    category: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Listing:
    """A service's fields as ranking reads them, worked out once per match, not per need."""

    service: Mapping
    domains: tuple[str, ...]
    tags: frozenset[str]
    languages: frozenset[str]
    priorities: dict[str, int]
    days: int | None
    crisis: bool

    def fit(self, domain: str, category: str) -> int:
        return 2 * (domain in self.domains) + (self.service.get("category") == category)

    def priority(self, domain: str) -> int:
        return self.priorities.get(domain, self.priorities.get("*", 0))


def _listings(services: Iterable[Mapping], today: dt.date) -> list[_Listing]:
    out = []
    for s in services:
        if not s.get("active", 1):
            continue
        tags = frozenset(_as_list(s.get("tags")))
        out.append(
            _Listing(
                service=s,
                domains=tuple(_as_list(s.get("domains"))),
                tags=tags,
                languages=frozenset(_as_list(s.get("languages"))),
                priorities=_as_map(s.get("priorities")),
                days=verified_days(s, today),
                crisis=CRISIS_TAG in tags,
            )
        )
    return out


def _key(listing: _Listing, need: Need, language: str, used: set[str]) -> tuple:
    service, days = listing.service, listing.days
    return (
        -listing.fit(need.domain, need.category),
        -listing.priority(need.domain),
        GENERAL_TAG in listing.tags,
        -len(listing.tags & set(need.tags)),
        # A service already chosen for another need of this family yields to an equal one.
        service["id"] in used,
        language not in listing.languages,
        days is None,
        days or 0,
        len(listing.domains),
        str(service.get("name") or ""),
    )


def rank_services(
    services: Iterable[Mapping],
    need: Need,
    language: str,
    *,
    category_ok: bool,
    today: dt.date | None = None,
    used: set[str] | None = None,
    crisis: bool = False,
) -> list[Mapping]:
    """Active services for a need, best first (see the module docstring for the order).

    With category_ok, a service of the right category serves the need even when it does not
    list the domain. Crisis lines are left out unless `crisis`, and then only they are kept.
    """
    listings = _listings(services, today or dt.date.today())
    return _rank(listings, need, language, category_ok=category_ok, used=used, crisis=crisis)


def _rank(
    listings: list[_Listing],
    need: Need,
    language: str,
    *,
    category_ok: bool,
    used: set[str] | None = None,
    crisis: bool = False,
) -> list[Mapping]:
    lowest = 1 if category_ok else 2
    used = used or set()
    kept = [
        x for x in listings if x.fit(need.domain, need.category) >= lowest and x.crisis == crisis
    ]
    return [x.service for x in sorted(kept, key=lambda x: _key(x, need, language, used))]


def reasons_for(
    service: Mapping, need: Need, language: str, today: dt.date, *, alone: bool
) -> tuple[Reason, ...]:
    """Why this service was put first, in the order a social worker would say it."""
    out = []
    common = [t for t in need.tags if t in _as_list(service.get("tags"))]
    if common:
        out.append(Reason("serves", ", ".join(common)))
    rank = priority(service, need.domain)
    if rank > 0:
        out.append(Reason("unit_choice", rank))
    if language in _as_list(service.get("languages")):
        out.append(Reason("speaks", language))
    days = verified_days(service, today)
    out.append(Reason("never_verified") if days is None else Reason("verified_days", days))
    if alone:
        out.append(Reason("only_option"))
    return tuple(out)


def needs(result: Mapping) -> list[Need]:
    """The needs a screening result calls for, in the result's domain order."""
    declared = {r["domain"]: r for r in result.get("referrals") or []}
    out = []
    for domain, outcome in (result.get("domains") or {}).items():
        if outcome.get("status") != "positive":
            continue
        if outcome.get("wants_help") == "no" and domain not in ALWAYS_OFFER:
            continue
        info = declared.get(domain) or {}
        category = info.get("category") or default_category(domain)
        out.append(Need(domain, category, tuple(info.get("tags") or ())))
    return out


def wanted_domains(result: Mapping) -> list[tuple[str, str]]:
    """(domain, category) pairs a screening result calls for, in the result's domain order."""
    return [(n.domain, n.category) for n in needs(result)]


def crisis_call(result: Mapping) -> str | None:
    """What calls for a crisis line: a self-harm answer or a severe score; None otherwise."""
    for alert in result.get("alerts") or []:
        if alert.get("kind") in CRISIS_ALERTS:
            return str(alert["kind"])
    for instrument, scored in (result.get("instruments") or {}).items():
        if scored.get("band") in CRISIS_BANDS:
            return f"{instrument}:{scored['band']}"
    return None


def match(
    result: Mapping, services: list[Mapping], language: str, *, today: dt.date | None = None
) -> list[Suggestion]:
    """One suggestion per wanted need (plus a crisis line beside mental health when called for).

    A need no active service fits is skipped, except the always-offered ones, which get a
    suggestion with no service so the offer is still made.
    """
    today = today or dt.date.today()
    listings = _listings(services, today)
    used: set[str] = set()
    suggestions = []
    for need in needs(result):
        ranked = _rank(listings, need, language, category_ok=need.domain in ALWAYS_OFFER, used=used)
        if not ranked and need.domain not in ALWAYS_OFFER:
            continue
        best = ranked[0] if ranked else None
        if best is not None:
            used.add(best["id"])
        suggestions.append(
            Suggestion(
                domain=need.domain,
                category=need.category,
                service_id=best["id"] if best else None,
                sensitive=need.domain in SENSITIVE_DOMAINS or bool(best and best.get("sensitive")),
                alternatives=tuple(s["id"] for s in ranked[1:]),
                reasons=reasons_for(best, need, language, today, alone=len(ranked) == 1)
                if best
                else (),
            )
        )
        called = crisis_call(result) if need.domain == "mental_health" else None
        if called:
            lines = _rank(listings, need, language, category_ok=True, crisis=True)
            if lines:
                suggestions.append(
                    Suggestion(
                        domain=need.domain,
                        category=need.category,
                        service_id=lines[0]["id"],
                        sensitive=True,
                        alternatives=tuple(s["id"] for s in lines[1:]),
                        reasons=(Reason("crisis", called),),
                        crisis=True,
                    )
                )
    return suggestions
