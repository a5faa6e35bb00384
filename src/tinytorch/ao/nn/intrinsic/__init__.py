"""``tt.ao.nn.intrinsic``: the fused float modules ``fuse_modules`` makes (``Sequential``\\ s of parts)."""

from __future__ import annotations

from tt_perf.quantization.eager_modules import ConvBn2d, ConvBnReLU2d, ConvReLU2d, LinearReLU

from . import qat, quantized

__all__ = ["ConvBn2d", "ConvBnReLU2d", "ConvReLU2d", "LinearReLU", "qat", "quantized"]
