"""``tt.ao.nn.qat``: module 15's layers for quantization-aware training (``QATLinear``, ``QATConv2d``)."""

from __future__ import annotations

from tt_perf.quantization.qat import QATConv2d, QATLinear

Linear = QATLinear
Conv2d = QATConv2d

__all__ = ["Conv2d", "Linear"]
