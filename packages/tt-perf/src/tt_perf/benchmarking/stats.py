"""Statistics for benchmarks: latency percentiles, a bootstrap confidence interval, a queue.

Timings on a shared machine are noisy and skewed (a few slow outliers), so a
benchmark reports **percentiles**, not a mean, and a comparison reports the
ratio of medians with a **bootstrap confidence interval**: resample both sets
of timings with replacement many times, recompute the ratio each time, and
take the middle 95% of those ratios. All resamples are drawn as one
``(n, size)`` index array — no Python loop over resamples.

The **queue** turns measured service times and arrival times into latencies
for MLPerf's server scenario: one worker, first come first served,
``finish_i = max(arrival_i, finish_{i−1}) + service_i``. Unrolled, that is
``finish_i = S_i + max_{j≤i}(arrival_j − S_{j−1})`` with ``S`` the running
sum of service times — a cumulative sum and a running maximum, vectorised.

Example:
    >>> summarize(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))["p50"]
    3.0
    >>> queue_latencies(np.array([0.0, 0.5, 3.0]), np.array([1.0, 1.0, 1.0])).tolist()
    [1.0, 1.5, 1.0]
"""

from __future__ import annotations

import numpy as np

PERCENTILES = (50, 90, 99)


def summarize(samples: np.ndarray) -> dict[str, float]:
    """``mean``, ``min``, ``max`` and the ``p50``, ``p90``, ``p99`` percentiles of ``samples``."""
    samples = np.asarray(samples, dtype=np.float64)
    if samples.size == 0:
        raise ValueError("summarize: no samples")
    # BEGIN SOLUTION 19
    # TODO: mean, min, max and the p50, p90, p99 percentiles of the samples, as floats.
    summary = {"mean": float(samples.mean()), "min": float(samples.min()), "max": float(samples.max())}
    for q, value in zip(PERCENTILES, np.percentile(samples, PERCENTILES)):
        summary[f"p{q}"] = float(value)
    return summary
    # END SOLUTION


def bootstrap_ratio(
    baseline: np.ndarray,
    candidate: np.ndarray,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float]:
    """``median(baseline) / median(candidate)`` and its bootstrap interval ``(ratio, low, high)``.

    A ratio above 1 means the candidate is faster (its times are smaller).
    """
    baseline, candidate = np.asarray(baseline, np.float64), np.asarray(candidate, np.float64)
    if baseline.size < 2 or candidate.size < 2:
        raise ValueError("bootstrap_ratio: each side needs at least 2 timings")
    if not 0 < confidence < 1:
        raise ValueError(f"bootstrap_ratio: confidence must be in (0, 1), got {confidence}")
    # BEGIN SOLUTION 19
    # TODO: median(baseline) / median(candidate) and a bootstrap interval: resample both with replacement
    #   many times (vectorised: one index matrix each), take the ratio of medians, its percentiles.
    rng = np.random.default_rng(seed)
    picks_a = rng.integers(0, baseline.size, (resamples, baseline.size))
    picks_b = rng.integers(0, candidate.size, (resamples, candidate.size))
    ratios = np.median(baseline[picks_a], axis=1) / np.median(candidate[picks_b], axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail])
    return float(np.median(baseline) / np.median(candidate)), float(low), float(high)
    # END SOLUTION


def queue_latencies(arrivals: np.ndarray, service: np.ndarray) -> np.ndarray:
    """Latency of each query (finish − arrival) through one first-come-first-served worker."""
    arrivals, service = np.asarray(arrivals, np.float64), np.asarray(service, np.float64)
    if arrivals.shape != service.shape or np.any(np.diff(arrivals) < 0):
        raise ValueError("queue_latencies: arrivals must be sorted and match the service times one to one")
    # BEGIN SOLUTION 19
    # TODO: each query's latency (finish - arrival) through one first-come-first-served worker, without a
    #   Python loop (§ How it is built, stats.py).
    # HINT: finish_i = S_i + max over j <= i of (arrival_j - S_{j-1}), S the cumulative service time.
    total = np.cumsum(service)
    before = total - service  # S_{i-1}
    finish = total + np.maximum.accumulate(arrivals - before)
    return finish - arrivals
    # END SOLUTION
