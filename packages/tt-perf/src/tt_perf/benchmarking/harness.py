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

from .stats import bootstrap_ratio, queue_latencies, summarize


@dataclass(frozen=True)
class SingleStream:
    """``queries`` single-sample queries, one after another, after ``warmup`` unmeasured ones."""

    queries: int = 200
    warmup: int = 10


@dataclass(frozen=True)
class Offline:
    """Every sample, in batches of ``batch_size``, ``repeats`` times over (after one warm-up batch)."""

    batch_size: int = 128
    repeats: int = 3


@dataclass(frozen=True)
class Server:
    """``queries`` queries arriving at ``target_qps`` on average (seeded); bound on the p99 latency."""

    target_qps: float = 100.0
    latency_bound_ms: float = 50.0
    queries: int = 200
    warmup: int = 10
    seed: int = 0


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
        """Write the result as JSON, atomically (a temporary file renamed into place)."""
        path = Path(path)
        temporary = path.with_name(f".{path.name}.part")
        temporary.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)
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


def run_benchmark(
    run: Callable[[np.ndarray], object],
    samples: np.ndarray,
    scenario: SingleStream | Offline | Server,
    accuracy: Callable[[], float] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> BenchmarkResult:
    """Measure ``run`` (one call per query or batch) on ``samples`` ``(N, ...)`` under ``scenario``.

    Args:
        run: takes a batch of samples (a leading batch axis, also for one sample).
        samples: the inputs; queries cycle through them.
        scenario: :class:`SingleStream`, :class:`Offline` or :class:`Server`.
        accuracy: called once at the end; its result (0–1) is recorded with the timings.
        clock: seconds as a float (injectable, so tests can use a fake clock).
    """
    samples = np.asarray(samples)
    if len(samples) == 0:
        raise ValueError("run_benchmark: no samples")
    name = type(scenario).__name__
    throughput = met = None
    # BEGIN SOLUTION 19
    if isinstance(scenario, (SingleStream, Server)):
        for i in range(scenario.warmup):
            run(samples[i % len(samples)][None])
        latencies = np.array(
            [_timed(run, samples[i % len(samples)][None], clock) for i in range(scenario.queries)]
        )
        if isinstance(scenario, Server):
            rng = np.random.default_rng(scenario.seed)
            arrivals = np.cumsum(rng.exponential(1e3 / scenario.target_qps, scenario.queries))
            latencies = queue_latencies(arrivals, latencies)
            met = bool(np.percentile(latencies, 99) <= scenario.latency_bound_ms)
    elif isinstance(scenario, Offline):
        batches = [samples[i : i + scenario.batch_size] for i in range(0, len(samples), scenario.batch_size)]
        run(batches[0])
        latencies = np.array([_timed(run, b, clock) for _ in range(scenario.repeats) for b in batches])
        throughput = scenario.repeats * len(samples) / (latencies.sum() / 1e3)
    else:
        raise TypeError(f"run_benchmark: unknown scenario {scenario!r}; use SingleStream, Offline or Server")
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


def compare(baseline: BenchmarkResult, candidate: BenchmarkResult, min_quality: float = 0.99) -> Comparison:
    """How much faster ``candidate`` is, and whether it keeps ``min_quality`` of the baseline's accuracy."""
    if baseline.scenario != candidate.scenario:
        raise ValueError(f"compare: {baseline.scenario} and {candidate.scenario} results do not compare")
    ratio, low, high = bootstrap_ratio(np.array(baseline.latencies_ms), np.array(candidate.latencies_ms))
    accuracy_ok = None
    if baseline.accuracy is not None and candidate.accuracy is not None:
        accuracy_ok = candidate.accuracy >= min_quality * baseline.accuracy
    return Comparison(ratio, low, high, accuracy_ok)
