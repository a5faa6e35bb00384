"""``tt.ao.nn.intrinsic.quantized``: the converted fused modules (ReLU, then the output rounded)."""

from __future__ import annotations

from tt_perf.quantization.eager_modules import QConvReLU2d, QLinearReLU

ConvReLU2d = QConvReLU2d
LinearReLU = QLinearReLU

__all__ = ["ConvReLU2d", "LinearReLU"]
