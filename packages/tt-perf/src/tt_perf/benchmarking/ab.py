"""Interleaved A/B rounds: comparing two versions under the same conditions.

Timing a baseline for a minute and then a candidate for a minute compares
two *minutes* as much as two programs: a neighbour's job, the CPU's clock
or thermal state, a cache warmed by the first block all change between the
blocks, and the bootstrap interval — which assumes every timing was drawn
under the same conditions — comes out narrower than the truth. (The same
BN-folding change measured 1.61× in one script and 2.13× in another on the
same day.)

:func:`run_ab` alternates instead: in each of ``rounds`` rounds both
versions run ``queries`` timed single-sample queries, the order flipping
every round (A B, B A, A B, ...), so slow drifts hit both sides alike.
The speed-up is the ratio of medians with :func:`~tt_perf.benchmarking.stats.bootstrap_ratio`'s
interval, over all the rounds' timings.

Example:
    >>> import numpy as np
    >>> result = run_ab(lambda b: b * 2, lambda b: b * 2, np.ones((4, 3)), rounds=4, queries=5)
    >>> len(result.baseline_ms), result.order[:2]
    (20, ['AB', 'BA'])
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .harness import _query, _timed
from .stats import bootstrap_ratio


@dataclass
class ABResult:
    """Both sides' timings (ms, in the order taken), each round's order, the speed-up and its interval."""

    baseline_ms: list[float]
    candidate_ms: list[float]
    order: list[str]
    speedup: float
    low: float
    high: float

    def describe(self) -> str:
        return (
            f"{self.speedup:.2f}x faster (95% interval {self.low:.2f}–{self.high:.2f}; "
            f"{len(self.order)} interleaved rounds, {len(self.baseline_ms)} timings a side)"
        )


def run_ab(
    baseline: Callable[[np.ndarray], object],
    candidate: Callable[[np.ndarray], object],
    samples: np.ndarray,
    rounds: int = 20,
    queries: int = 10,
    warmup: int = 3,
    clock: Callable[[], float] = time.perf_counter,
    seed: int = 0,
) -> ABResult:
    """Time ``baseline`` and ``candidate`` on single-sample queries in alternating rounds.

    Args:
        baseline, candidate: take a batch of samples (leading axis).
        samples: ``(N, ...)``; both sides get the same queries in each round.
        rounds: rounds; the order flips each round, starting with the baseline.
        queries: timed queries per side per round.
        warmup: untimed queries per side before the first round.
        clock: seconds as a float (injectable for tests).
        seed: the bootstrap's seed.

    Cost: ``2 · (warmup + rounds · queries)`` calls.
    """
    samples = np.asarray(samples)
    if len(samples) == 0 or rounds < 2 or queries < 1:
        raise ValueError(
            f"run_ab: needs samples, at least 2 rounds and 1 query per round; got {len(samples)} samples, "
            f"{rounds} rounds, {queries} queries"
        )
    for i in range(warmup):
        baseline(_query(samples, i, 1))
        candidate(_query(samples, i, 1))
    times: dict[str, list[float]] = {"A": [], "B": []}
    sides = {"A": baseline, "B": candidate}
    order = []
    # BEGIN SOLUTION 19
    # TODO: alternate baseline and candidate in rounds (AB, BA, AB, ...) so a drift in the machine hits both,
    #   time queries of each, then the median ratio and its bootstrap interval (§ How it is built, ab.py).
    for r in range(rounds):
        turn = "AB" if r % 2 == 0 else "BA"
        order.append(turn)
        for side in turn:
            times[side].extend(
                _timed(sides[side], _query(samples, r * queries + i, 1), clock) for i in range(queries)
            )
    ratio, low, high = bootstrap_ratio(np.array(times["A"]), np.array(times["B"]), seed=seed)
    # END SOLUTION
    return ABResult(times["A"], times["B"], order, ratio, low, high)
