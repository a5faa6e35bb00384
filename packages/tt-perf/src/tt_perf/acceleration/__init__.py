"""Module 17 — acceleration: why vectorised code is fast, fused kernels, memory and layout.

* :mod:`~tt_perf.acceleration.ladder` — one matmul four ways, from Python
  loops to BLAS, with ``gflops`` to measure each rung;
* :mod:`~tt_perf.acceleration.fused` — ``fused_linear_gelu``: a Linear and a
  tanh GELU as one autograd node that saves exactly what backward needs;
* :mod:`~tt_perf.acceleration.memory` — ``Workspace`` (reused scratch
  arrays), ``set_allocator_policy`` (glibc ``mallopt``), channels-last layout.

BLAS threads and the worker pool are tt-tensor's runtime, :mod:`tt_tensor.threads`
(``get_num_threads`` / ``set_num_threads``, ``one_blas_thread``, ``ThreadTuner``).
"""

from __future__ import annotations

from .fused import LinearGelu, fused_linear_gelu
from .ladder import gflops, matmul_blocked, matmul_loops, matmul_rows
from .memory import Workspace, set_allocator_policy, to_channels_first, to_channels_last

__all__ = [
    "LinearGelu",
    "Workspace",
    "fused_linear_gelu",
    "gflops",
    "matmul_blocked",
    "matmul_loops",
    "matmul_rows",
    "set_allocator_policy",
    "to_channels_first",
    "to_channels_last",
]
