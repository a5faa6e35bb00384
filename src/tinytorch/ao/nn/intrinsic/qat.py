"""``tt.ao.nn.intrinsic.qat``: fused modules for quantization-aware training, and the batch-norm switches.

``ConvReLU2d`` / ``LinearReLU`` are a QAT layer and its ReLU; ``ConvBn2d`` / ``ConvBnReLU2d`` train
the convolution with its batch norm folded into the quantized weight
(:mod:`tt_perf.quantization.eager_qat_convbn`); ``freeze_bn_stats`` / ``update_bn_stats`` are for
``model.apply``, as in PyTorch's QAT tutorial.
"""

from __future__ import annotations

from tt_perf.quantization.eager_modules import QATConvReLU2d, QATLinearReLU
from tt_perf.quantization.eager_qat_convbn import (
    QATConvBn2d,
    QATConvBnReLU2d,
    freeze_bn_stats,
    update_bn_stats,
)

ConvReLU2d = QATConvReLU2d
LinearReLU = QATLinearReLU
ConvBn2d = QATConvBn2d
ConvBnReLU2d = QATConvBnReLU2d

__all__ = ["ConvBn2d", "ConvBnReLU2d", "ConvReLU2d", "LinearReLU", "freeze_bn_stats", "update_bn_stats"]
