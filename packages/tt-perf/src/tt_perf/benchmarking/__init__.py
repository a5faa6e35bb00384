"""Module 19 — benchmarking: an MLPerf-style harness.

Scenarios (:class:`SingleStream`, :class:`Offline`, :class:`Server`), a
:func:`run_benchmark` that records raw timings with the machine's description
and the accuracy they were bought at, :class:`BenchmarkResult` files (JSON,
written atomically), and :func:`compare` — a speed-up with a bootstrap
confidence interval and MLPerf's quality rule. The statistics
(``summarize``, ``bootstrap_ratio``, ``queue_latencies``) are vectorised.
"""

from __future__ import annotations

from .harness import (
    BenchmarkResult,
    Comparison,
    Offline,
    Server,
    SingleStream,
    compare,
    machine,
    run_benchmark,
)
from .stats import bootstrap_ratio, queue_latencies, summarize

__all__ = [
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
