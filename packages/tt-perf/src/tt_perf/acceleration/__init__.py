"""Module 17 — acceleration: why the framework is fast, and tools that make your own code faster.

* :mod:`~tt_perf.acceleration.ladder` — one matmul four ways, from Python
  loops to BLAS, and ``gflops`` to measure each rung;
* :mod:`~tt_perf.acceleration.fused` — fused kernels with hand-written
  backward: ``fused_linear_gelu`` and ``fused_bias_dropout_residual``;
* :mod:`~tt_perf.acceleration.layout` — channels-first and channels-last
  memory for image batches;
* :mod:`~tt_perf.acceleration.plan` — ``optimize_for_inference``: a
  ``Sequential`` frozen into an :class:`InferencePlan` (batch norm folded,
  conv + pool + ReLU as one NumPy step on preallocated channels-last
  buffers, no autograd; optionally int8 weight storage);
* :mod:`~tt_perf.acceleration.allocation` — ``Workspace`` (a pool of reusable
  scratch arrays) and ``set_allocator_policy`` (glibc's ``mallopt``).

BLAS threads and the worker pool are tt-tensor's runtime, :mod:`tt_tensor.threads`
(``get_num_threads`` / ``set_num_threads``, ``one_blas_thread``, ``ThreadTuner``).
"""

from __future__ import annotations

from .allocation import Workspace, set_allocator_policy
from .fused import (
    BiasDropoutResidualFunction,
    LinearGELUFunction,
    fused_bias_dropout_residual,
    fused_linear_gelu,
)
from .ladder import gflops, matmul_blocked, matmul_loops, matmul_rows
from .layout import is_channels_last, to_channels_first, to_channels_last
from .plan import InferencePlan, optimize_for_inference

__all__ = [
    "BiasDropoutResidualFunction",
    "InferencePlan",
    "LinearGELUFunction",
    "Workspace",
    "fused_bias_dropout_residual",
    "fused_linear_gelu",
    "gflops",
    "is_channels_last",
    "matmul_blocked",
    "matmul_loops",
    "matmul_rows",
    "optimize_for_inference",
    "set_allocator_policy",
    "to_channels_first",
    "to_channels_last",
]
