"""Module 17 — acceleration: why the framework is fast, and tools that make your own code faster.

* :mod:`~tt_perf.acceleration.ladder` — one matmul four ways, from Python
  loops to BLAS, and ``gflops`` to measure each rung;
* :mod:`~tt_perf.acceleration.fused` — fused kernels with hand-written
  backward: ``fused_linear_gelu`` and ``fused_bias_dropout_residual``;
* :mod:`~tt_perf.acceleration.layout` — channels-first and channels-last
  memory for image batches;
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

__all__ = [
    "BiasDropoutResidualFunction",
    "LinearGELUFunction",
    "Workspace",
    "fused_bias_dropout_residual",
    "fused_linear_gelu",
    "gflops",
    "is_channels_last",
    "matmul_blocked",
    "matmul_loops",
    "matmul_rows",
    "set_allocator_policy",
    "to_channels_first",
    "to_channels_last",
]
