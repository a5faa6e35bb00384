"""``tt.ao.nn.intrinsic.qat``: fused modules for quantization-aware training (a QAT layer and its ReLU)."""

from __future__ import annotations

from tt_perf.quantization.eager_modules import QATConvReLU2d, QATLinearReLU

ConvReLU2d = QATConvReLU2d
LinearReLU = QATLinearReLU

__all__ = ["ConvReLU2d", "LinearReLU"]
