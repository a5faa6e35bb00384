"""The Server scenario's question turned around: what is the highest load this system serves in time?

MLPerf's Server result is the highest query rate at which the 99th
percentile latency stays within the bound. Queries arrive as a Poisson
process (exponential gaps); at a low rate each query is served at once,
near the capacity ``1 / service time`` queues build up and the tail
explodes. The p99 latency grows with the rate, so the rate meeting the
bound can be found by **bisection** over rates: halve the interval
``[low, high]`` each step, keeping the half whose ends straddle the bound.

Each query's service time is measured once (``queries`` single-sample
calls); every candidate rate then only re-queues those same service times
behind freshly drawn arrivals (:func:`~tt_perf.benchmarking.stats.queue_latencies`),
so a 20-step search costs one measurement, not twenty. (LoadGen re-runs the
system at each rate, which also catches effects of load on the service
time itself — cache contention, thermal limits — that this cannot.)

Example:
    >>> service = np.full(400, 5.0)  # 5 ms each: at most 200 queries per second
    >>> search = qps_search(service, latency_bound_ms=20.0, seed=0)
    >>> bool(100 < search.qps < 200)
    True
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .harness import Server, poisson_arrivals, run_queries
from .stats import queue_latencies


@dataclass
class QPSSearch:
    """The highest rate found meeting the bound, its p99, and every ``(rate, p99 ms)`` tried."""

    qps: float
    p99_ms: float
    latency_bound_ms: float
    tried: list[tuple[float, float]] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"{self.qps:,.1f} queries/s with p99 {self.p99_ms:.2f} ms <= {self.latency_bound_ms:g} ms "
            f"({len(self.tried)} rates tried)"
        )


def p99_at(service_ms: np.ndarray, qps: float, seed: int = 0) -> float:
    """p99 latency (ms) of the measured ``service_ms`` queued behind Poisson arrivals at ``qps``."""
    arrivals = poisson_arrivals(qps, len(service_ms), seed)
    return float(np.percentile(queue_latencies(arrivals, service_ms), 99))


def qps_search(
    service_ms: np.ndarray,
    latency_bound_ms: float,
    low: float | None = None,
    high: float | None = None,
    steps: int = 20,
    seed: int = 0,
) -> QPSSearch:
    """Bisection for the highest Poisson rate whose p99 latency is within ``latency_bound_ms``.

    Args:
        service_ms: measured service times of single queries, in ms.
        latency_bound_ms: the bound on the p99 latency.
        low, high: the starting bracket in queries per second; by default
            ``low`` is a rate far below the capacity and ``high`` the capacity
            ``1000 / mean(service_ms)`` (beyond it the queue grows without end).
        steps: halvings of the bracket (the answer is within ``(high - low) / 2**steps``).
        seed: the arrivals' seed (the same at every rate).

    Raises ``ValueError`` if even ``low`` misses the bound (the system is too slow for it).
    """
    service_ms = np.asarray(service_ms, np.float64)
    if service_ms.size < 2 or np.any(service_ms <= 0):
        raise ValueError(f"qps_search: needs at least 2 positive service times, got {service_ms.size}")
    capacity = 1e3 / service_ms.mean()
    low = capacity / 1000 if low is None else low
    high = capacity if high is None else high
    tried = [(low, p99_at(service_ms, low, seed))]
    if tried[0][1] > latency_bound_ms:
        raise ValueError(
            f"qps_search: p99 {tried[0][1]:.2f} ms at {low:.3g} queries/s already exceeds the bound "
            f"{latency_bound_ms} ms; service alone is too slow (loosen the bound or speed the model up)"
        )
    best = tried[0]
    # BEGIN SOLUTION 19
    # TODO: the highest arrival rate whose p99 latency meets the bound, by bisection between low and high
    #   (§ How it is built, qps.py); record every rate tried.
    for _ in range(steps):
        middle = (low + high) / 2
        p99 = p99_at(service_ms, middle, seed)
        tried.append((middle, p99))
        if p99 <= latency_bound_ms:
            low, best = middle, (middle, p99)
        else:
            high = middle
    # END SOLUTION
    return QPSSearch(best[0], best[1], latency_bound_ms, tried)


def find_max_qps(
    run: Callable[[np.ndarray], object],
    samples: np.ndarray,
    scenario: Server,
    steps: int = 20,
    clock: Callable[[], float] = time.perf_counter,
) -> QPSSearch:
    """Measure ``scenario.queries`` service times of ``run``, then :func:`qps_search` against its bound.

    ``scenario.target_qps`` is ignored (the search finds the rate); its
    ``latency_bound_ms``, ``queries``, ``warmup`` and ``seed`` are used.
    """
    samples = np.asarray(samples)
    if len(samples) == 0:
        raise ValueError("find_max_qps: no samples")
    for i in range(scenario.warmup):
        run(samples[i % len(samples)][None])
    service = run_queries(run, samples, 1, scenario.queries, 0.0, clock)
    return qps_search(service, scenario.latency_bound_ms, steps=steps, seed=scenario.seed)
