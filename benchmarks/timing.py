"""Wall-clock medians for the benchmarks: one warm-up call, then the median of repeated calls.

Every benchmark that times a callable the plain way uses these two (before,
five scripts each carried its own copy of the same loop). Figures move with
the machine's load, so a comparison alternates its sides (:func:`paired_median`)
and reports medians, which one slow call does not move.

Example:
    >>> seconds = median_time(lambda: sum(range(1000)), repeats=5)
    >>> 0 < seconds < 1
    True
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(function: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``function()`` in seconds over ``repeats`` calls (after one warm-up)."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired_median(
    a: Callable[[], object], b: Callable[[], object], rounds: int, repeats: int
) -> tuple[float, float]:
    """Median times of ``a`` and ``b``, measured in alternating rounds so drift hits both."""
    times_a, times_b = [], []
    for _ in range(rounds):
        times_a.append(median_time(a, repeats))
        times_b.append(median_time(b, repeats))
    return statistics.median(times_a), statistics.median(times_b)


def repeated(function: Callable[[], object], calls: int) -> Callable[[], None]:
    """A callable running ``function`` ``calls`` times: a per-call time is its time / ``calls``."""

    def run() -> None:
        for _ in range(calls):
            function()

    return run
