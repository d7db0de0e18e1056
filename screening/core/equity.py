"""Equity metrics by group: counts in, the DESIGN.md `equity` JSON out (plus a quarterly trend).

The unit is a family (one NICU admission). The caller aggregates per (group value, quarter)
the quantities in QUANTITIES; everything else (grouping, suppression, intervals, rate
ratios, disparity flags) happens here on those aggregates, so the cost does not grow with
the number of families.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from . import stats
from .equity_metrics import DIRECTION_LABELS
from .equity_metrics import METRICS
from .equity_metrics import NEED
from .equity_metrics import QUANTITIES
from .equity_metrics import Metric
from .equity_metrics import direction
from .suppression import TOTAL
from .suppression import add_margins
from .suppression import protect

RACE_CODES = ("aian", "asian", "black", "hispanic", "mena", "nhpi", "white")
RACE_GROUPS = (*RACE_CODES, "multiple", "declined", "unknown")
INSURANCE_GROUPS = ("public", "private", "uninsured", "other", "unknown")
# Response-status rows: shown for data completeness, never a comparison or reference group.
COMPLETENESS_GROUPS = frozenset({"declined", "unknown"})
GROUP_LABELS = {
    "aian": "American Indian or Alaska Native",
    "asian": "Asian",
    "black": "Black or African American",
    "hispanic": "Hispanic or Latino",
    "mena": "Middle Eastern or North African",
    "nhpi": "Native Hawaiian or Pacific Islander",
    "white": "White",
    "multiple": "More than one race/ethnicity",
    "declined": "Declined to answer",
    "unknown": "Unknown / not asked",
    "public": "Public (Medicaid, CHIP)",
    "private": "Private",
    "uninsured": "Uninsured",
    "other": "Other",
}


def race_group(codes: Iterable[str]) -> str:
    """The reported group: the single OMB code, `multiple`, or `declined`/`unknown`."""
    codes = set(codes)
    real = sorted(codes & set(RACE_CODES))
    if len(real) > 1:
        return "multiple"
    if real:
        return real[0]
    return "declined" if "declined" in codes else "unknown"


@dataclass(frozen=True)
class Dimension:
    """A way to split families into groups: a stored column, optionally relabelled."""

    name: str
    column: str
    label: str
    groups: tuple[str, ...] = ()  # always listed, in this order, even when empty
    mapping: Mapping[str, str] = field(default_factory=dict)
    default: str | None = None  # group for values missing from `mapping`

    def group_of(self, raw: object) -> str:
        """The group a stored value belongs to."""
        value = "unknown" if raw is None or raw == "" else str(raw)
        if self.mapping:
            return self.mapping.get(value, self.default if self.default is not None else value)
        return value


# Stored family columns a configured dimension may read (coded values only, never PHI).
DIMENSION_COLUMNS = ("race_ethnicity", "language", "insurance", "interpreter_needed")
BUILT_IN = {
    "race_ethnicity": Dimension(
        "race_ethnicity", "race_ethnicity", "Race and ethnicity", RACE_GROUPS
    ),
    "language": Dimension("language", "language", "Preferred language"),
    "insurance": Dimension("insurance", "insurance", "Insurance", INSURANCE_GROUPS),
}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def configured_dimension(spec: Mapping) -> Dimension:
    """A site dimension from config, e.g. {"name": "language_group", "column": "language",
    "label": "Language group", "map": {"en": "English", "es": "Spanish"}, "default": "Other"}.
    """
    name, column = spec.get("name", ""), spec.get("column", "")
    if not _NAME.match(str(name)) or name in BUILT_IN:
        raise ValueError(f"EQUITY_EXTRA_DIMENSIONS: bad or duplicate name {name!r}")
    if column not in DIMENSION_COLUMNS:
        raise ValueError(
            f"EQUITY_EXTRA_DIMENSIONS {name}: column must be one of {', '.join(DIMENSION_COLUMNS)}"
        )
    mapping = {str(k): str(v) for k, v in dict(spec.get("map") or {}).items()}
    groups = tuple(dict.fromkeys(spec.get("groups") or mapping.values()))
    default = spec.get("default")
    return Dimension(
        name=name,
        column=column,
        label=str(spec.get("label") or name.replace("_", " ").capitalize()),
        groups=groups,
        mapping=mapping,
        default=None if default is None else str(default),
    )


def dimensions(extra: Iterable[Mapping] = ()) -> dict[str, Dimension]:
    """Built-in dimensions plus the site's configured ones."""
    found = dict(BUILT_IN)
    for spec in extra:
        dim = configured_dimension(spec)
        found[dim.name] = dim
    return found


def quarter_of(day: str) -> str:
    """'2026-05-14' -> '2026Q2'."""
    return f"{day[:4]}Q{(int(day[5:7]) + 2) // 3}"


def quarter_range(present: list[str]) -> list[str]:
    """Every quarter from the first to the last present one, so trends show empty quarters."""
    if not present:
        return []
    year, q = int(present[0][:4]), int(present[0][5])
    out = []
    while True:
        label = f"{year}Q{q}"
        out.append(label)
        if label >= present[-1]:
            return out
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)


@dataclass
class Report:
    """The JSON summary plus the quarterly trend, protected together."""

    summary: dict
    quarters: list[str]
    trend: dict[str, dict]
    # Fewer families than the threshold: the summary keeps the DESIGN.md keys but holds no
    # group and no total, and pages should say only that (see too_few_families()).
    too_few_families: bool = False


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def cell(x: int, n: int, suppressed: bool) -> dict:
    """One protected figure: counts, rate and Wilson interval, or all hidden."""
    if suppressed:
        return {
            "numerator": None,
            "denominator": None,
            "rate": None,
            "ci_low": None,
            "ci_high": None,
            "suppressed": True,
            "reliable": None,
        }
    ci = stats.wilson(x, n)
    return {
        "numerator": x,
        "denominator": n,
        "rate": _r(x / n, 6) if n else None,
        "ci_low": _r(ci[0], 4) if ci else None,
        "ci_high": _r(ci[1], 4) if ci else None,
        "suppressed": False,
        "reliable": stats.reliable(x) if n else None,
    }


COMPARISON_FIELDS = (
    "rate_ratio",
    "rr_ci_low",
    "rr_ci_high",
    "rd",
    "rd_ci_low",
    "rd_ci_high",
    "p_value",
    "rel_diff",
    "disparity",
    "direction",
)


def _compare(cell: dict, ref: dict | None, metric: Metric, is_reference: bool) -> dict:
    out = dict.fromkeys(COMPARISON_FIELDS)
    if is_reference and not cell["suppressed"] and cell["denominator"]:
        out["rate_ratio"] = 1.0
        return out
    if (
        ref is None
        or cell["suppressed"]
        or ref["suppressed"]
        or not cell["denominator"]
        or not ref["denominator"]
    ):
        return out
    x1, n1, x2, n2 = cell["numerator"], cell["denominator"], ref["numerator"], ref["denominator"]
    rr = stats.katz_ratio(x1, n1, x2, n2)
    rd = stats.newcombe_difference(x1, n1, x2, n2)
    if rr is None or rd is None:
        return out
    flag, rel, p = stats.disparity(x1, n1, x2, n2, adverse_is_event=metric.adverse_is_event)
    # A need metric describes the families, not the care they got: never a disparity.
    out.update(
        rate_ratio=_r(rr[0], 4),
        rr_ci_low=_r(rr[1], 4),
        rr_ci_high=_r(rr[2], 4),
        rd=_r(rd[0], 4),
        rd_ci_low=_r(rd[1], 4),
        rd_ci_high=_r(rd[2], 4),
        p_value=_r(p, 6),
        rel_diff=_r(rel, 4),
        disparity=flag and metric.framing != NEED,
        direction=direction(metric, flag, rel),
    )
    return out


def _group_order(dimension: Dimension, present: Iterable[str]) -> list[str]:
    fixed = list(dimension.groups)
    rest = sorted(set(present) - set(fixed), key=lambda g: (g in COMPLETENESS_GROUPS, g))
    return fixed + rest


def too_few_families(summary: Mapping) -> bool:
    """True for the summary of a period with fewer families than the threshold."""
    return not summary["groups"] and not summary["total"]["metrics"]


def _too_few(dimension: Dimension, start: str | None, end: str | None, threshold: int) -> dict:
    return {
        "dimension": dimension.name,
        "from": start,
        "to": end,
        "suppression_threshold": threshold,
        "reference_group": None,
        "groups": [],
        "total": {"metrics": {}},
    }


def summarize(
    counts: Mapping[tuple[object, str], Mapping[str, int]],
    dimension: Dimension,
    *,
    start: str | None,
    end: str | None,
    threshold: int = 11,
    reference: str | None = None,
) -> Report:
    """Metrics by group for one dimension from counts keyed by (stored value, quarter)."""
    if threshold < 1:
        raise ValueError("suppression threshold must be at least 1")
    merged: dict[tuple[str, str], dict[str, int]] = {}
    for (raw, quarter), row in counts.items():
        key = (dimension.group_of(raw), quarter)
        bucket = merged.setdefault(key, dict.fromkeys(QUANTITIES, 0))
        for q in QUANTITIES:
            bucket[q] += int(row.get(q, 0) or 0)
    families = sum(v["families"] for v in merged.values())
    if families < threshold:
        # Fewer families than the threshold: any split would single one out, so the
        # summary says only that (and the total stays hidden: it could be 1 to 10).
        return Report(
            summary=_too_few(dimension, start, end, threshold),
            quarters=[],
            trend={},
            too_few_families=True,
        )
    groups = _group_order(dimension, {g for g, _ in merged})
    if TOTAL in groups:
        raise ValueError("a group may not be named like the total marker")
    quarters = quarter_range(sorted({q for _, q in merged}))
    tables = {
        q: add_margins({k: v[q] for k, v in merged.items()}, groups, quarters) for q in QUANTITIES
    }
    metric_pairs = {m.name: (m.numerator, m.denominator) for m in METRICS.values()}
    hidden = protect(tables, metric_pairs, groups, quarters, threshold)

    def at(metric: Metric, row: str, col: str) -> dict:
        return cell(
            tables[metric.numerator][(row, col)],
            tables[metric.denominator][(row, col)],
            (row, col) in hidden[metric.name],
        )

    families_hidden = hidden["screened"] & hidden["declined"]
    candidates = [
        g
        for g in groups
        if g not in COMPLETENESS_GROUPS
        and (g, TOTAL) not in families_hidden
        and tables["families"][(g, TOTAL)] > 0
    ]
    if reference not in candidates:
        reference = max(candidates, key=lambda g: (tables["families"][(g, TOTAL)], g), default=None)

    group_rows = []
    for g in groups:
        metrics = {}
        for metric in METRICS.values():
            c = at(metric, g, TOTAL)
            ref = at(metric, reference, TOTAL) if reference else None
            compare = g not in COMPLETENESS_GROUPS
            c.update(_compare(c, ref if compare else None, metric, g == reference))
            metrics[metric.name] = c
        group_rows.append({"group": g, "metrics": metrics})
    total = {}
    for metric in METRICS.values():
        c = at(metric, TOTAL, TOTAL)
        c.update(dict.fromkeys(COMPARISON_FIELDS))
        total[metric.name] = c
    summary = {
        "dimension": dimension.name,
        "from": start,
        "to": end,
        "suppression_threshold": threshold,
        "reference_group": reference,
        "groups": group_rows,
        "total": {"metrics": total},
    }
    trend = {
        metric.name: {
            "groups": {g: [at(metric, g, q) for q in quarters] for g in groups},
            "total": [at(metric, TOTAL, q) for q in quarters],
        }
        for metric in METRICS.values()
    }
    return Report(summary=summary, quarters=quarters, trend=trend)


CSV_HEADER = (
    "dimension",
    "from",
    "to",
    "suppression_threshold",
    "reference_group",
    "group",
    "group_label",
    "metric",
    "metric_label",
    "numerator",
    "denominator",
    "rate",
    "ci_low",
    "ci_high",
    "suppressed",
    "reliable",
    *COMPARISON_FIELDS,
    "direction_label",
)
_CELL_COLUMNS = CSV_HEADER[CSV_HEADER.index("numerator") : -1]


def _plain(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_rows(summary: Mapping, group_labels: Mapping[str, str] | None = None) -> list[list[object]]:
    """The summary as flat rows (header first): one per group and metric, then the totals.

    Codes sit beside their labels (group_labels adds e.g. language names to GROUP_LABELS)
    so the file reads without a legend. A period with too few families yields one row
    saying so.
    """
    labels = {**GROUP_LABELS, "total": "All families", **(group_labels or {})}
    rows: list[list[object]] = [list(CSV_HEADER)]
    head = [
        summary["dimension"],
        summary["from"] or "",
        summary["to"] or "",
        summary["suppression_threshold"],
        summary["reference_group"] or "",
    ]
    if too_few_families(summary):
        note = f"fewer than {summary['suppression_threshold']} families in this period"
        rows.append([*head, "total", labels["total"], "", note] + [""] * (len(CSV_HEADER) - 9))
        return rows
    blocks = [(g["group"], g["metrics"]) for g in summary["groups"]]
    blocks.append(("total", summary["total"]["metrics"]))
    for group, metrics in blocks:
        for name, c in metrics.items():
            label = METRICS[name].label if name in METRICS else name
            values = [_plain(c.get(k)) for k in _CELL_COLUMNS]
            words = DIRECTION_LABELS.get(c.get("direction") or "", "")
            rows.append([*head, group, labels.get(group, group), name, label, *values, words])
    return rows
