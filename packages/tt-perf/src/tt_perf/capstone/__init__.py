"""Module 20 — capstone: optimise a model end to end under a budget.

The tools of modules 14–19 come together: state the budget (:class:`Budget`:
accuracy, size, latency, absolute or relative to the start), measure the
starting model (:func:`measure`: accuracy, bytes of its state, p90
single-sample latency), and let :func:`optimize` try optimisation passes on
copies — batch-norm folding, pruning, INT8 quantization, whatever you write —
keeping each one only if accuracy stays within the budget *and* it moves the
model towards the budget's size or speed goal without slowing it (timed
interleaved with the model it was applied to: :func:`paired_latency_ms`).
The :class:`CapstoneReport` lists every stage and the verdict.
Milestone 06 runs it on the milestone-04 CIFAR-10 network.
"""

from __future__ import annotations

from .budget import Budget, Measurement
from .measure import latency_ms, measure, model_bytes, paired_latency_ms, paired_times
from .pipeline import CapstoneReport, Stage, optimize

__all__ = [
    "Budget",
    "CapstoneReport",
    "Measurement",
    "Stage",
    "latency_ms",
    "measure",
    "model_bytes",
    "optimize",
    "paired_latency_ms",
    "paired_times",
]
