"""Interval estimates and disparity tests for proportions (equity-methods.md sections 3 and 6).

Every function takes counts (events x out of n) rather than rates, so the callers never
lose the information the intervals need. z is the exact 97.5th normal percentile, not 1.96,
so the results agree with scipy to the fourth decimal.
"""

from __future__ import annotations

import math
from statistics import NormalDist

Z = NormalDist().inv_cdf(0.975)
# NCHS/WISQARS: a rate resting on fewer than 20 events is unstable (RSE above about 22%).
RELIABLE_MIN_EVENTS = 20
# AHRQ National Healthcare Disparities Report: p <= 0.05 and a relative difference >= 10%.
DISPARITY_ALPHA = 0.05
DISPARITY_MIN_RELATIVE = 0.10


def wilson(x: int, n: int, z: float = Z) -> tuple[float, float] | None:
    """Wilson score 95% interval for x/n, or None when n is 0."""
    if n <= 0:
        return None
    p = x / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # Clamp floating-point dust so 0/n and n/n give exactly 0 and 1.
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_difference(
    x1: int, n1: int, x2: int, n2: int, z: float = Z
) -> tuple[float, float, float] | None:
    """Risk difference p1 - p2 with Newcombe's hybrid score interval (method 10)."""
    w1, w2 = wilson(x1, n1, z), wilson(x2, n2, z)
    if w1 is None or w2 is None:
        return None
    p1, p2 = x1 / n1, x2 / n2
    (l1, u1), (l2, u2) = w1, w2
    rd = p1 - p2
    low = rd - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = rd + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return rd, low, high


def katz_ratio(
    x1: int, n1: int, x2: int, n2: int, z: float = Z
) -> tuple[float, float, float] | None:
    """Rate ratio p1 / p2 with the Katz log interval; 0.5 added to every cell when x is 0."""
    if n1 <= 0 or n2 <= 0:
        return None
    a, b, c, d = float(x1), float(n1), float(x2), float(n2)
    if x1 == 0 or x2 == 0:
        # MedCalc's correction: 0.5 to each of the four 2x2 cells, so each n grows by 1.
        a, b, c, d = a + 0.5, b + 1.0, c + 0.5, d + 1.0
    rr = (a / b) / (c / d)
    se = math.sqrt(1 / a - 1 / b + 1 / c - 1 / d)
    log_rr = math.log(rr)
    return rr, math.exp(log_rr - z * se), math.exp(log_rr + z * se)


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p of the pooled two-proportion z test (chi-square without correction)."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance == 0:
        return 1.0  # both groups all-events or all-non-events: no evidence of a difference
    zstat = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    return 2 * (1 - NormalDist().cdf(abs(zstat)))


def relative_difference(p: float, p_ref: float) -> float | None:
    """(p - p_ref) / p_ref, or None when the reference rate is 0."""
    if p_ref == 0:
        return None
    return (p - p_ref) / p_ref


def disparity(
    x1: int, n1: int, x2: int, n2: int, *, adverse_is_event: bool = True
) -> tuple[bool, float | None, float | None]:
    """AHRQ meaningful-disparity test of group 1 against reference group 2.

    The relative difference is computed on the adverse outcome: the event itself when
    adverse_is_event (e.g. a positive need screen), otherwise its complement (e.g. a
    missed screen). Returns (flag, adverse relative difference, p value); a positive
    relative difference means group 1 fares worse than the reference.
    """
    p_value = two_proportion_p(x1, n1, x2, n2)
    if p_value is None:
        return False, None, None
    p1, p2 = x1 / n1, x2 / n2
    if not adverse_is_event:
        p1, p2 = 1 - p1, 1 - p2
    rel = relative_difference(p1, p2)
    if rel is None:
        # Reference has no adverse outcomes at all: any adverse outcome is an infinite increase.
        large = p1 > 0
    else:
        large = abs(rel) >= DISPARITY_MIN_RELATIVE - 1e-12
    return bool(p_value <= DISPARITY_ALPHA and large), rel, p_value


def reliable(x: int) -> bool:
    """False when a rate rests on fewer than 20 events (flag it, do not hide it)."""
    return x >= RELIABLE_MIN_EVENTS
