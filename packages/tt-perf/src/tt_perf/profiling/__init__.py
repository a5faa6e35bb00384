"""Module 14 — profiling: parameters, FLOPs, time per layer and memory.

* :func:`count_parameters` and :func:`count_flops` (``flops.py``): what a
  model *is* — its size and the arithmetic of one forward pass, layer by
  layer, from the shapes it actually sees;
* :func:`profile` (``timing.py``): what it *costs* — forward milliseconds per
  layer, backward milliseconds per operation type, peak memory, and the
  profiler's own overhead.

Measure before optimising: the capstone (module 20) and milestone 06 start here.
"""

from __future__ import annotations

from .flops import (
    FLOP_RULES,
    FlopReport,
    FlopRow,
    FlopRule,
    conv2d_flops,
    count_flops,
    count_parameters,
    layer_flops,
    linear_flops,
    register_flop_rule,
)
from .timing import ProfileReport, TimeRow, profile

__all__ = [
    "FLOP_RULES",
    "FlopRule",
    "conv2d_flops",
    "linear_flops",
    "register_flop_rule",
    "FlopReport",
    "FlopRow",
    "ProfileReport",
    "TimeRow",
    "count_flops",
    "count_parameters",
    "layer_flops",
    "profile",
]
