"""``tt.ao.nn.quantized.dynamic``: ``Linear`` with INT8 weights and per-batch input quantization."""

from __future__ import annotations

from tt_perf.quantization.eager_modules import DynamicLinear

Linear = DynamicLinear

__all__ = ["Linear"]
