"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], repeat: int = 50, warmup: int = 3) -> float:
    """Median wall time of fn over `repeat` runs after a warm-up."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def verdict(ok: bool) -> str:
    """PASS or FAIL, the word bench/__main__ looks for."""
    return "PASS" if ok else "FAIL"
