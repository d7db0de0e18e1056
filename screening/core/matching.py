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
class Listing:
    """A service's fields as ranking reads them, worked out once (per match, or kept by the
    directory for as long as the directory and the day stay the same)."""

    service: Mapping
    domains: tuple[str, ...]
    tags: frozenset[str]
    languages: frozenset[str]
    priorities: dict[str, int]
    days: int | None
    crisis: bool
    category: str
    name: str

    def fit(self, domain: str, category: str) -> int:
        return 2 * (domain in self.domains) + (self.category == category)

    def priority(self, domain: str) -> int:
        return self.priorities.get(domain, self.priorities.get("*", 0))


def listing(service: Mapping, today: dt.date) -> Listing:
    """One service as ranking reads it."""
    tags = frozenset(_as_list(service.get("tags")))
    return Listing(
        service=service,
        domains=tuple(_as_list(service.get("domains"))),
        tags=tags,
        languages=frozenset(_as_list(service.get("languages"))),
        priorities=_as_map(service.get("priorities")),
        days=verified_days(service, today),
        crisis=CRISIS_TAG in tags,
        category=str(service.get("category") or ""),
        name=str(service.get("name") or ""),
    )


def listings(services: Iterable[Mapping], today: dt.date) -> list[Listing]:
    """The active services as ranking reads them; `today` dates their listings' age."""
    return [listing(s, today) for s in services if s.get("active", 1)]


def _key(x: Listing, need_tags: frozenset[str], domain: str, language: str, used: set) -> tuple:
    return (
        -x.priority(domain),
        GENERAL_TAG in x.tags,
        -len(x.tags & need_tags),
        # A service already chosen for another need of this family yields to an equal one.
        x.service["id"] in used,
        language not in x.languages,
        x.days is None,
        x.days or 0,
        len(x.domains),
        x.name,
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
    ready = listings(services, today or dt.date.today())
    ranked = _rank(ready, need, language, category_ok=category_ok, used=used, crisis=crisis)
    return [x.service for x in ranked]


def _rank(
    ready: list[Listing],
    need: Need,
    language: str,
    *,
    category_ok: bool,
    used: set[str] | None = None,
    crisis: bool = False,
) -> list[Listing]:
    lowest = 1 if category_ok else 2
    used = used or set()
    need_tags = frozenset(need.tags)
    # Fit first: a better-fitting service always comes before a closer match on the rest.
    kept = [
        (-fit, x)
        for x in ready
        if x.crisis == crisis and (fit := x.fit(need.domain, need.category)) >= lowest
    ]
    kept.sort(key=lambda pair: (pair[0], *_key(pair[1], need_tags, need.domain, language, used)))
    return [x for _fit, x in kept]


def reasons_for(
    service: Mapping, need: Need, language: str, today: dt.date, *, alone: bool
) -> tuple[Reason, ...]:
    """Why this service was put first, in the order a social worker would say it."""
    return _reasons(listing(service, today), need, language, alone=alone)


def _reasons(x: Listing, need: Need, language: str, *, alone: bool) -> tuple[Reason, ...]:
    out = []
    common = [t for t in need.tags if t in x.tags]
    if common:
        out.append(Reason("serves", ", ".join(common)))
    rank = x.priority(need.domain)
    if rank > 0:
        out.append(Reason("unit_choice", rank))
    if language in x.languages:
        out.append(Reason("speaks", language))
    out.append(Reason("never_verified") if x.days is None else Reason("verified_days", x.days))
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
    return match_listings(result, listings(services, today or dt.date.today()), language)


def match_listings(result: Mapping, ready: list[Listing], language: str) -> list[Suggestion]:
    """`match` over services already prepared with `listings` (a directory keeps them)."""
    used: set[str] = set()
    suggestions = []
    for need in needs(result):
        ranked = _rank(ready, need, language, category_ok=need.domain in ALWAYS_OFFER, used=used)
        if not ranked and need.domain not in ALWAYS_OFFER:
            continue
        best = ranked[0] if ranked else None
        if best is not None:
            used.add(best.service["id"])
        suggestions.append(
            Suggestion(
                domain=need.domain,
                category=need.category,
                service_id=best.service["id"] if best else None,
                sensitive=need.domain in SENSITIVE_DOMAINS
                or bool(best and best.service.get("sensitive")),
                alternatives=tuple(x.service["id"] for x in ranked[1:]),
                reasons=_reasons(best, need, language, alone=len(ranked) == 1) if best else (),
            )
        )
        called = crisis_call(result) if need.domain == "mental_health" else None
        if called:
            lines = _rank(ready, need, language, category_ok=True, crisis=True)
            if lines:
                suggestions.append(
                    Suggestion(
                        domain=need.domain,
                        category=need.category,
                        service_id=lines[0].service["id"],
                        sensitive=True,
                        alternatives=tuple(x.service["id"] for x in lines[1:]),
                        reasons=(Reason("crisis", called),),
                        crisis=True,
                    )
                )
    return suggestions
