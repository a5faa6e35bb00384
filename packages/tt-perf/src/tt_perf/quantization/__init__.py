"""Module 15 — quantization: INT8 post-training and quantization-aware, after ``torch.ao.quantization``.

* :mod:`~tt_perf.quantization.qtensor` — affine quantization of arrays
  (``quantize_per_tensor``, ``quantize_per_channel``, ``dequantize``, ``QTensor``);
* :mod:`~tt_perf.quantization.observers` — ``MinMaxObserver``,
  ``MovingAverageMinMaxObserver``, ``PerChannelMinMaxObserver``,
  ``HistogramObserver``: scales and zero points from observed values;
* :mod:`~tt_perf.quantization.int_gemm` — ``int_matmul``: exact int32
  accumulation of integer products on float32 BLAS, in exact chunks;
* :mod:`~tt_perf.quantization.modules` — ``QuantizedLinear``,
  ``QuantizedConv2d`` (INT8 weights per output channel; input quantized
  dynamically or statically, or left float);
* :mod:`~tt_perf.quantization.flows` — ``quantize_dynamic``, ``prepare`` /
  ``convert`` (static post-training quantization), ``quantize_weights``,
  ``model_size_bytes``;
* :mod:`~tt_perf.quantization.fake_quant` — ``FakeQuantize`` and
  ``fake_quantize_per_tensor_affine`` / ``_per_channel_affine``: rounding in
  the forward pass, the straight-through gradient in the backward pass;
* :mod:`~tt_perf.quantization.qat` — ``QATLinear``, ``QATConv2d``, ``QConfig``:
  layers for quantization-aware training (``prepare_qat`` → fine-tune → ``convert``);
* :mod:`~tt_perf.quantization.fuse` — ``fuse_conv_bn``: batch norm folded into
  the convolution before it (exact in eval mode, one layer fewer).

Beyond the course, PyTorch's eager-mode API with PyTorch's signatures (``tinytorch.ao.quantization``):
:mod:`~tt_perf.quantization.eager_flows` (``prepare``/``convert``/``quantize_dynamic``/``fuse_modules``
reading ``module.qconfig``), :mod:`~tt_perf.quantization.eager_observers` (observers, ``QConfig``,
``get_default_qconfig``), :mod:`~tt_perf.quantization.eager_modules` (``QuantStub``, the converted
layers) and :mod:`~tt_perf.quantization.eager_qtensor` (``torch.quint8``, ``torch.quantize_per_tensor``).
"""

from __future__ import annotations

from .fake_quant import (
    FakeQuantize,
    disable_fake_quant,
    disable_observer,
    enable_fake_quant,
    enable_observer,
    fake_quantize_per_channel_affine,
    fake_quantize_per_tensor_affine,
)
from .flows import convert, model_size_bytes, prepare, prepare_qat, quantize_dynamic, quantize_weights
from .fuse import fuse_conv_bn, fuse_conv_bn_eval
from .int_gemm import exact_chunk, int_matmul
from .modules import QuantizedConv2d, QuantizedLinear, quantize_input, quantize_weight
from .observers import (
    HistogramObserver,
    MinMaxObserver,
    MovingAverageMinMaxObserver,
    MovingAveragePerChannelMinMaxObserver,
    PerChannelMinMaxObserver,
    calculate_qparams,
)
from .qat import QATConv2d, QATLinear, QConfig, default_qat_qconfig
from .qtensor import QDTYPES, QTensor, dequantize, quantize_per_channel, quantize_per_tensor

__all__ = [
    "FakeQuantize",
    "MovingAveragePerChannelMinMaxObserver",
    "QATConv2d",
    "QATLinear",
    "QConfig",
    "default_qat_qconfig",
    "disable_fake_quant",
    "disable_observer",
    "enable_fake_quant",
    "enable_observer",
    "fake_quantize_per_channel_affine",
    "fake_quantize_per_tensor_affine",
    "prepare_qat",
    "HistogramObserver",
    "MinMaxObserver",
    "MovingAverageMinMaxObserver",
    "PerChannelMinMaxObserver",
    "QDTYPES",
    "QTensor",
    "QuantizedConv2d",
    "QuantizedLinear",
    "calculate_qparams",
    "convert",
    "dequantize",
    "exact_chunk",
    "fuse_conv_bn",
    "fuse_conv_bn_eval",
    "int_matmul",
    "model_size_bytes",
    "prepare",
    "quantize_dynamic",
    "quantize_input",
    "quantize_per_channel",
    "quantize_per_tensor",
    "quantize_weight",
    "quantize_weights",
]
