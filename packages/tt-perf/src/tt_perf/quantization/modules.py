"""INT8 weights for ``Linear`` and ``Conv2d``: a quarter of the bytes, computed in float32.

``quantize_weights(model)`` replaces every ``Linear`` and ``Conv2d`` by a
quantized twin holding its weight as ``int8`` with one symmetric scale per
output channel (:class:`QuantizedLinear`, :class:`QuantizedConv2d`); biases
stay float32, as in PyTorch. In forward the weight is dequantized into a
float32 scratch array and the layer runs through the same BLAS kernels as the
float model — *weight-only* quantization: the model is ~4× smaller on disk
and in memory, and its outputs differ from the float model's only by the
weights' rounding (at most half a step per weight).

Why not integer arithmetic too? NumPy's integer matmul does not use BLAS and
runs an order of magnitude slower than float32 GEMM on this machine; an
INT8 *speed*-up needs integer kernels NumPy does not have (VNNI GEMMs). The
size saving is real; the speed comes from other passes (folding batch norm,
pruning channels).

Module 14's FLOP counter learns these layers here (:func:`register_flop_rule`):
they do their float twins' arithmetic, so they count like them.

State dicts hold the ``int8`` weight (``weight_int8``), its ``weight_scale``
and the float ``bias``, so a quantized model saves with ``tt.save`` in a
quarter of the space and loads back exactly.
"""

from __future__ import annotations

import copy

import numpy as np
from tt_autograd import Tensor
from tt_nn import Linear, Module
from tt_nn import functional as nn_f
from tt_vision import Conv2d
from tt_vision import functional as vision_f

from ..profiling import conv2d_flops, linear_flops, register_flop_rule
from .observers import PerChannelMinMaxObserver
from .qtensor import QTensor, dequantize, quantize_per_channel


def quantize_weight(weight: np.ndarray) -> QTensor:
    """Symmetric per-output-channel INT8 (axis 0) of a float weight, scales from its own range."""
    # BEGIN SOLUTION 15
    observer = PerChannelMinMaxObserver(ch_axis=0, qscheme="symmetric")
    observer(weight)
    scales, zero_points = observer.calculate_qparams()
    return quantize_per_channel(weight, scales, zero_points, axis=0, dtype="qint8")
    # END SOLUTION


class _QuantizedWeight(Module):
    """Holds ``weight_int8`` and ``weight_scale`` buffers and the float ``bias``; rebuilds the weight."""

    def _store(self, weight: np.ndarray, bias: Tensor | None) -> None:
        q = quantize_weight(weight)
        self.register_buffer("weight_int8", Tensor._from_array(q.int_repr))
        self.register_buffer("weight_scale", Tensor._from_array(q.scale))
        self.register_buffer("bias", None if bias is None else Tensor._from_array(bias._array.copy()))

    def weight(self) -> Tensor:
        """The dequantized float32 weight (a new array each call: nothing float is kept)."""
        q = QTensor(self.weight_int8._array, self.weight_scale._array, np.zeros(1, np.int32), 0, "qint8")
        return Tensor._from_array(dequantize(q))


class QuantizedLinear(_QuantizedWeight):
    """``Linear`` with an INT8 per-channel weight; ``from_float(linear)`` builds it."""

    def __init__(self, linear: Linear) -> None:
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self._store(linear.weight._array, linear.bias)

    @classmethod
    def from_float(cls, linear: Linear) -> QuantizedLinear:
        return cls(linear)

    def forward(self, input):  # noqa: A002
        return nn_f.linear(input, self.weight(), self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, weight=qint8 per channel"


class QuantizedConv2d(_QuantizedWeight):
    """``Conv2d`` with an INT8 per-channel weight; ``from_float(conv)`` builds it."""

    def __init__(self, conv: Conv2d) -> None:
        super().__init__()
        if conv.padding_mode != "zeros":
            raise ValueError(
                f"QuantizedConv2d: padding_mode {conv.padding_mode!r} is not supported, only 'zeros'"
            )
        for name in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups"):
            setattr(self, name, getattr(conv, name))
        self._store(conv.weight._array, conv.bias)

    @classmethod
    def from_float(cls, conv: Conv2d) -> QuantizedConv2d:
        return cls(conv)

    def forward(self, input):  # noqa: A002
        return vision_f.conv2d(
            input, self.weight(), self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
            "weight=qint8 per channel"
        )


register_flop_rule(QuantizedLinear, linear_flops)  # a dequantized weight, then the same float GEMM
register_flop_rule(QuantizedConv2d, conv2d_flops)


def quantize_weights(model: Module, inplace: bool = False) -> Module:
    """Every ``Linear`` and ``Conv2d`` of ``model`` replaced by its INT8-weight twin.

    Args:
        model: any module tree.
        inplace: change ``model`` itself; by default a deep copy is changed and returned
            (PyTorch's ``quantize_dynamic`` convention).
    """
    model = model if inplace else copy.deepcopy(model)
    # BEGIN SOLUTION 15
    for module in list(model.modules()):
        for name, child in list(module._modules.items()):
            if isinstance(child, Linear):
                setattr(module, name, QuantizedLinear.from_float(child))
            elif isinstance(child, Conv2d):
                setattr(module, name, QuantizedConv2d.from_float(child))
    return model
    # END SOLUTION
