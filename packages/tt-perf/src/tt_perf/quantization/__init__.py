"""Module 15 — quantization: INT8 numbers, observers, INT8 weights, and batch-norm folding.

* :mod:`~tt_perf.quantization.qtensor` — affine quantization of arrays
  (``quantize_per_tensor``, ``quantize_per_channel``, ``dequantize``, ``QTensor``);
* :mod:`~tt_perf.quantization.observers` — ``MinMaxObserver``,
  ``PerChannelMinMaxObserver``: scales and zero points from observed ranges;
* :mod:`~tt_perf.quantization.modules` — ``quantize_weights(model)``: every
  ``Linear``/``Conv2d`` with INT8 per-channel weights (a quarter of the bytes);
* :mod:`~tt_perf.quantization.fuse` — ``fuse_conv_bn``: batch norm folded into
  the convolution before it (exact in eval mode, one layer fewer).

Names follow ``torch.ao.quantization`` where the concept is the same.
"""

from __future__ import annotations

from .fuse import fuse_conv_bn, fuse_conv_bn_eval
from .modules import QuantizedConv2d, QuantizedLinear, quantize_weight, quantize_weights
from .observers import MinMaxObserver, PerChannelMinMaxObserver
from .qtensor import QDTYPES, QTensor, dequantize, quantize_per_channel, quantize_per_tensor

__all__ = [
    "MinMaxObserver",
    "PerChannelMinMaxObserver",
    "QDTYPES",
    "QTensor",
    "QuantizedConv2d",
    "QuantizedLinear",
    "dequantize",
    "fuse_conv_bn",
    "fuse_conv_bn_eval",
    "quantize_per_channel",
    "quantize_per_tensor",
    "quantize_weight",
    "quantize_weights",
]
