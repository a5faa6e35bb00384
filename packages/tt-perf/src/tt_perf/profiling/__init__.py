"""Module 14 — profiling: parameters, FLOPs, time per layer and memory.

* :func:`count_parameters` and :func:`count_flops` (``flops.py``): what a
  model *is* — its size and the arithmetic of one forward pass, layer by
  layer, from the shapes it actually sees;
* :func:`profile` (``timing.py``): what it *costs* — self and inclusive
  milliseconds per layer and per operation type (forward and backward), peak
  memory, the profiler's own overhead, and a Chrome/Perfetto trace
  (``trace.py``);
* ``torch.profiler``'s API (``profiler.py``, ``events.py``): :class:`profiler.profile`
  with a schedule, ``record_function`` ranges and PyTorch's ``key_averages().table()``,
  on the same timer;
* :func:`roofline` (``roofline.py``): whether each layer is bound by
  arithmetic or by memory traffic, against this machine's measured peaks
  (:func:`measure_peaks`).

Measure before optimising: the capstone (module 20) and milestone 06 start here.
"""

from __future__ import annotations

from . import profiler
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
from .roofline import MachinePeaks, RooflineRow, classify, measure_peaks, moved_bytes, roofline
from .timing import ProfileReport, TimeRow, profile
from .trace import chrome_events, write_chrome_trace

__all__ = [
    "MachinePeaks",
    "RooflineRow",
    "chrome_events",
    "classify",
    "measure_peaks",
    "moved_bytes",
    "roofline",
    "write_chrome_trace",
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
    "profiler",
]
