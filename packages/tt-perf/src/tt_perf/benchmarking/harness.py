"""An MLPerf-style benchmark harness: scenarios, results you can save, and comparisons.

MLPerf Inference measures a system under named **scenarios**, each with its
own metric, after warm-up, over enough queries to be stable:

* :class:`SingleStream` — one query (one sample) at a time, the next as soon
  as the last is answered; metric: the **90th-percentile latency**;
* :class:`Offline` — all samples available at once, sent in batches;
  metric: **throughput** in samples per second;
* :class:`Server` — queries arrive at random (a seeded Poisson process) at
  ``target_qps``; metric: whether the **99th-percentile latency** stays
  within ``latency_bound_ms``. Service times are measured one query at a
  time, then queued (:func:`~tt_perf.benchmarking.stats.queue_latencies`),
  so the run takes no longer than a single stream and needs no sleeping.

``run_benchmark(run, samples, scenario)`` returns a :class:`BenchmarkResult`
holding the raw timings, their summary, the machine's description and,
given ``accuracy``, the quality of the outputs — speed is only meaningful
at a stated accuracy. ``compare(baseline, candidate)`` gives the speed-up
with a bootstrap interval and checks the candidate keeps ≥ 99% of the
baseline's accuracy (MLPerf's rule).

Example:
    >>> import numpy as np
    >>> samples = np.ones((20, 4), dtype=np.float32)
    >>> result = run_benchmark(lambda batch: batch * 2, samples, SingleStream(queries=10, warmup=2))
    >>> result.scenario, len(result.latencies_ms), result.summary["p90"] > 0
    ('SingleStream', 10, True)
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from tt_nn.serialization import atomic_write_bytes

from .stats import bootstrap_ratio, queue_latencies, summarize


@dataclass(frozen=True)
class SingleStream:
    """Single-sample queries one after another, after ``warmup`` unmeasured ones.

    Runs until **both** ``queries`` queries were timed and ``min_duration_ms``
    of timed work has passed (LoadGen's minimum query count and duration).
    """

    queries: int = 200
    warmup: int = 10
    min_duration_ms: float = 0.0


@dataclass(frozen=True)
class MultiStream:
    """Queries of ``samples_per_query`` samples each (one batch), one after another; metric: p99 per query.

    MLPerf's MultiStream (8 samples per query for its vision models): the
    latency of a whole query matters, as for the cameras of one car. Runs
    until ``queries`` queries and ``min_duration_ms`` are both reached.
    """

    samples_per_query: int = 8
    queries: int = 200
    warmup: int = 10
    min_duration_ms: float = 0.0


@dataclass(frozen=True)
class Offline:
    """Every sample, in batches of ``batch_size``, ``repeats`` times over (after one warm-up batch)."""

    batch_size: int = 128
    repeats: int = 3


@dataclass(frozen=True)
class Server:
    """Queries arriving at ``target_qps`` on average (seeded Poisson); bound on the p99 latency.

    At least ``queries`` queries, and enough that their arrivals span
    ``min_duration_ms`` (LoadGen's minimum count and duration, on the schedule).
    """

    target_qps: float = 100.0
    latency_bound_ms: float = 50.0
    queries: int = 200
    warmup: int = 10
    seed: int = 0
    min_duration_ms: float = 0.0


Scenario = SingleStream | MultiStream | Offline | Server


def machine() -> dict[str, object]:
    """CPU count, platform, Python, NumPy and the BLAS NumPy was built with."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas_name = f"{blas.get('name')} {blas.get('version', '')}".strip()
    except (KeyError, TypeError, ValueError):
        blas_name = "unknown"
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_name,
    }


@dataclass
class BenchmarkResult:
    """The raw timings of one run, their summary, and where and when it ran."""

    scenario: str
    settings: dict
    latencies_ms: list[float]
    summary: dict[str, float]
    throughput: float | None = None
    accuracy: float | None = None
    met: bool | None = None
    system: dict = field(default_factory=machine)
    date: str = field(default_factory=lambda: datetime.datetime.now().isoformat(timespec="seconds"))

    def to_dict(self) -> dict:
        return asdict(self)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the result as JSON, atomically (tt-nn's temporary file, fsync and rename)."""
        path = Path(path)
        atomic_write_bytes(path, (json.dumps(self.to_dict(), indent=2) + "\n").encode("utf-8"))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> BenchmarkResult:
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))

    def describe(self) -> str:
        s = self.summary
        text = f"{self.scenario}: p50 {s['p50']:.3f} ms, p90 {s['p90']:.3f} ms, p99 {s['p99']:.3f} ms"
        if self.throughput is not None:
            text += f", {self.throughput:,.0f} samples/s"
        if self.accuracy is not None:
            text += f", accuracy {self.accuracy:.2%}"
        if self.met is not None:
            text += f", latency bound {'met' if self.met else 'NOT met'}"
        return text


def _timed(run: Callable, batch: np.ndarray, clock: Callable[[], float]) -> float:
    start = clock()
    run(batch)
    return (clock() - start) * 1e3


def _query(samples: np.ndarray, i: int, size: int) -> np.ndarray:
    """Query ``i`` of ``size`` samples, cycling through ``samples``."""
    return samples[np.arange(i * size, (i + 1) * size) % len(samples)]


def run_queries(
    run: Callable, samples: np.ndarray, size: int, queries: int, min_duration_ms: float, clock: Callable
) -> np.ndarray:
    """Time queries of ``size`` samples until ``queries`` were timed **and** ``min_duration_ms`` passed.

    LoadGen's rule: a run too short to see the machine's slow moments (a
    timer interrupt, another process) would report an optimistic tail.
    """
    # BEGIN SOLUTION 19
    # TODO: time queries of size samples until at least queries were timed and min_duration_ms passed
    #   (MLPerf's rule: both); return the latencies as an array.
    latencies, start = [], clock()
    while len(latencies) < queries or (clock() - start) * 1e3 < min_duration_ms:
        latencies.append(_timed(run, _query(samples, len(latencies), size), clock))
    return np.array(latencies)
    # END SOLUTION


def poisson_arrivals(qps: float, queries: int, seed: int, min_duration_ms: float = 0.0) -> np.ndarray:
    """Arrival times (ms) of at least ``queries`` queries at ``qps`` (mean), spanning ``min_duration_ms``."""
    if qps <= 0:
        raise ValueError(f"Server: target_qps must be positive, got {qps}")
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1e3 / qps, max(queries, int(2 * min_duration_ms * qps / 1e3) + 16))
    arrivals = np.cumsum(gaps)
    count = max(queries, int(np.searchsorted(arrivals, min_duration_ms)) + 1)
    return arrivals[:count]


def run_benchmark(
    run: Callable[[np.ndarray], object],
    samples: np.ndarray,
    scenario: Scenario,
    accuracy: Callable[[], float] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> BenchmarkResult:
    """Measure ``run`` (one call per query or batch) on ``samples`` ``(N, ...)`` under ``scenario``.

    Args:
        run: takes a batch of samples (a leading batch axis, also for one sample).
        samples: the inputs; queries cycle through them.
        scenario: :class:`SingleStream`, :class:`MultiStream`, :class:`Offline` or :class:`Server`.
        accuracy: called once at the end; its result (0–1) is recorded with the timings.
        clock: seconds as a float (injectable, so tests can use a fake clock).
    """
    samples = np.asarray(samples)
    if len(samples) == 0:
        raise ValueError("run_benchmark: no samples")
    name = type(scenario).__name__
    throughput = met = None
    # BEGIN SOLUTION 19
    # TODO: run the scenario (§ How it is built, harness.py): single/multi-stream warm up then time queries;
    #   Server feeds Poisson arrivals through one worker (queue_latencies); Offline times one big batch.
    if isinstance(scenario, (SingleStream, MultiStream)):
        size = getattr(scenario, "samples_per_query", 1)
        for i in range(scenario.warmup):
            run(_query(samples, i, size))
        latencies = run_queries(run, samples, size, scenario.queries, scenario.min_duration_ms, clock)
    elif isinstance(scenario, Server):
        arrivals = poisson_arrivals(
            scenario.target_qps, scenario.queries, scenario.seed, scenario.min_duration_ms
        )
        for i in range(scenario.warmup):
            run(_query(samples, i, 1))
        service = run_queries(run, samples, 1, len(arrivals), 0.0, clock)
        latencies = queue_latencies(arrivals, service)
        met = bool(np.percentile(latencies, 99) <= scenario.latency_bound_ms)
    elif isinstance(scenario, Offline):
        batches = [samples[i : i + scenario.batch_size] for i in range(0, len(samples), scenario.batch_size)]
        run(batches[0])
        latencies = np.array([_timed(run, b, clock) for _ in range(scenario.repeats) for b in batches])
        throughput = scenario.repeats * len(samples) / (latencies.sum() / 1e3)
    else:
        raise TypeError(
            f"run_benchmark: unknown scenario {scenario!r}; use SingleStream, MultiStream, Offline or Server"
        )
    # END SOLUTION
    return BenchmarkResult(
        scenario=name,
        settings=asdict(scenario),
        latencies_ms=[float(t) for t in latencies],
        summary=summarize(latencies),
        throughput=None if throughput is None else float(throughput),
        accuracy=None if accuracy is None else float(accuracy()),
        met=met,
    )


@dataclass
class Comparison:
    """Speed-up of a candidate over a baseline (ratio of median times) with its interval, and quality."""

    speedup: float
    low: float
    high: float
    accuracy_ok: bool | None

    def describe(self) -> str:
        quality = "" if self.accuracy_ok is None else f"; accuracy {'kept' if self.accuracy_ok else 'LOST'}"
        return f"{self.speedup:.2f}x faster (95% interval {self.low:.2f}–{self.high:.2f}){quality}"


def check_comparable(baseline: BenchmarkResult, candidate: BenchmarkResult) -> None:
    """Raise unless both results ran the same scenario with the same settings (every one of them)."""
    if baseline.scenario != candidate.scenario:
        raise ValueError(
            f"compare: a {baseline.scenario} and a {candidate.scenario} result do not compare; "
            "measure both under the same scenario"
        )
    differ = {
        key: (baseline.settings.get(key), candidate.settings.get(key))
        for key in sorted(set(baseline.settings) | set(candidate.settings))
        if baseline.settings.get(key) != candidate.settings.get(key)
    }
    if differ:
        shown = ", ".join(f"{key}: {a!r} vs {b!r}" for key, (a, b) in differ.items())
        raise ValueError(
            f"compare: {baseline.scenario} results with different settings do not compare ({shown}); "
            "re-run both with the same settings"
        )


def compare(baseline: BenchmarkResult, candidate: BenchmarkResult, min_quality: float = 0.99) -> Comparison:
    """How much faster ``candidate`` is, and whether it keeps ``min_quality`` of the baseline's accuracy."""
    check_comparable(baseline, candidate)
    ratio, low, high = bootstrap_ratio(np.array(baseline.latencies_ms), np.array(candidate.latencies_ms))
    accuracy_ok = None
    if baseline.accuracy is not None and candidate.accuracy is not None:
        accuracy_ok = candidate.accuracy >= min_quality * baseline.accuracy
    return Comparison(ratio, low, high, accuracy_ok)
