"""Module 19 — benchmarking: an MLPerf-style harness.

Scenarios (:class:`SingleStream`, :class:`MultiStream`, :class:`Offline`,
:class:`Server`, with LoadGen's minimum query count and duration), a
:func:`run_benchmark` that records raw timings with the machine's description
and the accuracy they were bought at, :class:`BenchmarkResult` files (JSON,
written atomically), :func:`compare` — a speed-up with a bootstrap
confidence interval and MLPerf's quality rule, refusing results whose
settings differ — and :func:`run_ab`, the same comparison from interleaved
rounds. :func:`qps_search` finds the highest Server load meeting the
latency bound; :func:`pareto_front` and :func:`plot_pareto` show which
versions are worth keeping (accuracy, latency, size). The statistics
(``summarize``, ``bootstrap_ratio``, ``queue_latencies``) are vectorised.
"""

from __future__ import annotations

from .ab import ABResult, run_ab
from .harness import (
    BenchmarkResult,
    Comparison,
    MultiStream,
    Offline,
    Server,
    SingleStream,
    check_comparable,
    compare,
    machine,
    poisson_arrivals,
    run_benchmark,
    run_queries,
)
from .pareto import ParetoPoint, dominated, pareto_front, plot_pareto
from .qps import QPSSearch, find_max_qps, p99_at, qps_search
from .stats import bootstrap_ratio, queue_latencies, summarize

__all__ = [
    "ABResult",
    "MultiStream",
    "ParetoPoint",
    "QPSSearch",
    "check_comparable",
    "dominated",
    "find_max_qps",
    "p99_at",
    "pareto_front",
    "plot_pareto",
    "poisson_arrivals",
    "qps_search",
    "run_ab",
    "run_queries",
    "BenchmarkResult",
    "Comparison",
    "Offline",
    "Server",
    "SingleStream",
    "bootstrap_ratio",
    "compare",
    "machine",
    "queue_latencies",
    "run_benchmark",
    "summarize",
]
