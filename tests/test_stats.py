"""Statistics core against the worked examples of equity-methods.md section 6 (4 decimals)."""

from __future__ import annotations

import pytest

from screening.core import stats

TOL = 5e-5


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        (12, 40, 0.1807, 0.4543),
        (81, 263, 0.2553, 0.3662),
        (0, 10, 0.0000, 0.2775),
        (10, 10, 0.7225, 1.0000),
        (1, 10, 0.0179, 0.4042),
        (5, 11, 0.2127, 0.7199),
        (30, 100, 0.2189, 0.3958),
        (15, 100, 0.0931, 0.2328),
    ],
)
def test_wilson_matches_worked_examples(x, n, low, high):
    assert stats.wilson(x, n) == pytest.approx((low, high), abs=TOL)


def test_wilson_of_nothing_is_no_interval():
    assert stats.wilson(0, 0) is None


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "rd", "low", "high"),
    [
        (30, 100, 15, 100, 0.15, 0.0341, 0.2615),
        (12, 40, 6, 40, 0.15, -0.0345, 0.3235),
        (56, 70, 48, 80, 0.20, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.60, 0.1705, 0.8090),
    ],
)
def test_newcombe_hybrid_score_difference(x1, n1, x2, n2, rd, low, high):
    assert stats.newcombe_difference(x1, n1, x2, n2) == pytest.approx((rd, low, high), abs=TOL)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "rr", "low", "high"),
    [(30, 100, 15, 100, 2.0, 1.1489, 3.4817), (12, 40, 6, 40, 2.0, 0.8325, 4.8051)],
)
def test_katz_log_rate_ratio(x1, n1, x2, n2, rr, low, high):
    assert stats.katz_ratio(x1, n1, x2, n2) == pytest.approx((rr, low, high), abs=TOL)


def test_katz_adds_a_half_when_a_group_has_no_events():
    rr, low, high = stats.katz_ratio(0, 20, 5, 25)
    assert rr == pytest.approx((0.5 / 21) / (5.5 / 26))
    assert 0 < low < rr < high


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "p"), [(30, 100, 15, 100, 0.0111), (12, 40, 6, 40, 0.1082)]
)
def test_two_proportion_p(x1, n1, x2, n2, p):
    assert stats.two_proportion_p(x1, n1, x2, n2) == pytest.approx(p, abs=TOL)


def test_ahrq_flag_needs_significance_and_ten_percent():
    flag, rel, p = stats.disparity(30, 100, 15, 100)
    assert flag is True
    assert rel == pytest.approx(1.0, abs=TOL)
    assert p == pytest.approx(0.0111, abs=TOL)
    # Same rates in a smaller unit: 100% relative difference but p = 0.108 -> not yet.
    assert stats.disparity(12, 40, 6, 40)[0] is False


def test_ahrq_framing_uses_the_adverse_outcome():
    # 60% vs 65% screened is -7.7% favourable-framed but +14.3% on missed screens.
    flag, rel, _p = stats.disparity(600, 1000, 650, 1000, adverse_is_event=False)
    assert rel == pytest.approx(0.40 / 0.35 - 1, abs=TOL)
    assert flag is True
    assert stats.disparity(600, 1000, 650, 1000, adverse_is_event=True)[0] is False


def test_large_but_tiny_difference_is_not_meaningful():
    # Significant with huge n, but under 10% relative: not an AHRQ disparity.
    flag, rel, p = stats.disparity(52000, 100000, 50000, 100000)
    assert p < 0.05
    assert rel == pytest.approx(0.04)
    assert flag is False


def test_reliability_flag_below_twenty_events():
    assert stats.reliable(19) is False
    assert stats.reliable(20) is True
