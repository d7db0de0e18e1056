"""The equity metrics as data: what each counts, over what, and how a difference reads.

Every metric is a numerator quantity over a denominator quantity, both per-family 0/1 flags
summed by the store (QUANTITIES), so adding a metric adds no per-family work here.

Framing. A care-process metric (screened, referred, connected ...) measures what the unit
did, so a meaningful difference is a disparity and reads `worse` or `better`. A need metric
(positive_*, wants_help) describes the families, so a difference reads `higher_need` or
`lower_need` and is never a disparity: privately insured families having fewer needs is not
the unit serving anyone better.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass

from .identifiers import DOMAINS

DOMAIN_LABELS = {d: d.replace("_", " ") for d in DOMAINS} | {
    "interpersonal_safety": "safety at home",
    "employment_leave": "work leave",
    "nicu_visiting": "NICU visiting",
    "language_access": "language access",
}

QUANTITIES = (
    "families",
    "screened",
    "declined",
    "positive_any",
    *(f"asked:{d}" for d in DOMAINS),
    *(f"positive:{d}" for d in DOMAINS),
    "referred",
    "sent",
    "connected",
    # Added with the care cascade (DESIGN.md "Quality and equity reporting").
    "admission_known",
    "screened_on_time",
    "help_asked",
    "wants_help",
    "ref_accepted",
    "outcome_known",
    "need_met",
    "declined_family",
    "declined_system",
)

CARE = "care"
NEED = "need"


@dataclass(frozen=True)
class Metric:
    """A rate: numerator and denominator quantities, what they mean, and its adverse side."""

    name: str
    label: str
    numerator: str
    denominator: str
    numerator_text: str
    denominator_text: str
    # The AHRQ relative difference is taken on the adverse outcome: the event itself
    # (a need, a decline) or its complement (a missed screen, no referral, no connection).
    adverse_is_event: bool
    framing: str = CARE


def _metrics() -> dict[str, Metric]:
    families = "all families (NICU admissions)"
    items = [
        Metric(
            "screened",
            "Screened",
            "screened",
            "families",
            "families with a completed family social-needs screen",
            families,
            False,
        ),
        Metric(
            "screened_on_time",
            "Screened on time",
            "screened_on_time",
            "admission_known",
            "families with a completed screen within the unit's days of admission",
            "families whose admission date is known",
            False,
        ),
        Metric(
            "declined",
            "Declined every offer",
            "declined",
            "families",
            "families offered a screen who declined every offer",
            families,
            True,
        ),
        Metric(
            "declined_family",
            "Declined: family's reason",
            "declined_family",
            "families",
            "families who declined every offer, last for a reason of their own (not now, no)",
            families,
            True,
        ),
        Metric(
            "declined_system",
            "Declined: the unit's reason",
            "declined_system",
            "families",
            "families who declined every offer, last because the unit could not serve them "
            "(unavailable, no interpreter, clinical)",
            families,
            True,
        ),
        Metric(
            "positive_any",
            "Any social need",
            "positive_any",
            "screened",
            "screened families positive in at least one domain",
            "screened families",
            True,
            NEED,
        ),
    ]
    for d in DOMAINS:
        label = DOMAIN_LABELS[d]
        items.append(
            Metric(
                f"positive:{d}",
                f"Need: {label}",
                f"positive:{d}",
                f"asked:{d}",
                f"screened families positive for {label}",
                f"screened families who answered the {label} questions",
                True,
                NEED,
            )
        )
    items += [
        Metric(
            "wants_help",
            "Wants help",
            "wants_help",
            "help_asked",
            "families with a need who want help now or later",
            "families with a need who were asked whether they want help",
            True,
            NEED,
        ),
        Metric(
            "referred",
            "Referred",
            "referred",
            "positive_any",
            "families with a need who accepted a referral (accepted, sent or closed)",
            "screened families positive in any domain",
            False,
        ),
        Metric(
            "referral_sent",
            "Referral sent",
            "sent",
            "ref_accepted",
            "families with a referral sent (or later: connected, not connected)",
            "families with a referral accepted or later",
            False,
        ),
        Metric(
            "connected",
            "Connected to a service",
            "connected",
            "sent",
            "families with a referral that connected",
            "families with a referral sent or later",
            False,
        ),
        Metric(
            "need_met",
            "Need met",
            "need_met",
            "outcome_known",
            "families with a connected referral that met the need",
            "families with a connected referral whose outcome is known (met, partly, not met)",
            False,
        ),
    ]
    return {m.name: m for m in items}


METRICS = _metrics()


def direction(metric: Metric, flagged: bool, rel_diff: float | None) -> str | None:
    """How a meaningful difference from the reference reads, or None when there is none.

    rel_diff is on the adverse framing (positive: more of the adverse outcome); None with a
    flag means the reference had no adverse outcome at all, so the group has more.
    """
    if not flagged:
        return None
    more_adverse = rel_diff is None or rel_diff > 0
    if metric.framing == NEED:
        return "higher_need" if more_adverse else "lower_need"
    return "worse" if more_adverse else "better"


DIRECTION_LABELS = {
    "worse": "worse",
    "better": "better",
    "higher_need": "higher need",
    "lower_need": "lower need",
}

# The care cascade, in order: each step's count is the numerator of the metric named.
CASCADE = (
    ("admitted", "Admitted", "screened", "denominator"),
    ("screened", "Screened", "screened", "numerator"),
    ("screened_on_time", "Screened on time", "screened_on_time", "numerator"),
    ("positive_any", "Any need", "positive_any", "numerator"),
    ("wants_help", "Wants help", "wants_help", "numerator"),
    ("referred", "Referred", "referred", "numerator"),
    ("referral_sent", "Referral sent", "referral_sent", "numerator"),
    ("connected", "Connected", "connected", "numerator"),
    ("need_met", "Need met", "need_met", "numerator"),
)

# The per-family 0/1 flag (results_import.ALL_FLAGS, equity_data's fam CTE) summed into each
# quantity; `families` counts rows. The store's GROUP BY is SUM(flag) for each of these.
FLAG_OF_QUANTITY: dict[str, str | None] = {
    q: None if q == "families" else q.replace("asked:", "ask_").replace("positive:", "pos_")
    for q in QUANTITIES
}


def count_families(
    families: Iterable[Mapping[str, object]], column: str
) -> dict[tuple[object, str], dict[str, int]]:
    """Quantities per (stored group value, quarter) from per-family flag rows.

    The reference the store's SQL must agree with, and the way tests build a unit by hand.
    """
    counts: dict[tuple[object, str], dict[str, int]] = {}
    for fam in families:
        key = (fam.get(column), str(fam["quarter"]))
        bucket = counts.setdefault(key, dict.fromkeys(QUANTITIES, 0))
        for quantity, flag in FLAG_OF_QUANTITY.items():
            # Flags are 0/1, so counting truthy values sums them.
            bucket[quantity] += 1 if flag is None or fam.get(flag) else 0
    return counts
