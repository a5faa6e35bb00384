"""Layers for quantization-aware training: ``Linear`` and ``Conv2d`` that train through fake quantization.

After ``torch.ao.nn.qat``: a :class:`QATLinear` *is* a ``Linear`` (same
parameters, same optimiser), whose forward fake-quantizes its input and its
weight first:

    ``y = linear(fq_x(x), fq_w(W), b)``

with ``fq_x`` a :class:`~tt_perf.quantization.FakeQuantize` for the input
(affine ``quint8``, per tensor: what a ``"static"`` INT8 layer does to its
input) and ``fq_w`` one for the weight (symmetric ``qint8``, per output
channel: what the INT8 layer stores). The bias stays float, as in the INT8
layer. So the float forward computes what the INT8 layer will compute, up to
float32 rounding of the sums, and :func:`~tt_perf.quantization.convert` turns
each into a ``"static"`` :class:`~tt_perf.quantization.QuantizedLinear` /
``QuantizedConv2d`` with *the same* integers, scales and zero points.

The input is observed and fake-quantized at each layer's input — the place
where this package's static flow (:func:`~tt_perf.quantization.prepare`)
observes it — rather than at each layer's output, as PyTorch's eager mode
does with its ``QuantStub``s; for a chain of layers it is the same set of
quantizers, one per tensor entering a layer.

A :class:`QConfig` names the two fake-quantizer factories;
:data:`default_qat_qconfig` uses PyTorch's default observers for QAT (moving
averages of min and max: the range follows the training without keeping
early outliers).

Cost: a forward is the float layer's plus two fake-quantization passes (the
input's and the weight's) and their observers; backward is the float
layer's plus two masks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from tt_nn import Linear, Module
from tt_nn import functional as nn_f
from tt_vision import Conv2d
from tt_vision import functional as vision_f

from .fake_quant import FakeQuantize
from .observers import MovingAverageMinMaxObserver, MovingAveragePerChannelMinMaxObserver


class QConfig(NamedTuple):
    """Factories of the fake quantizers for a layer's input (``activation``) and its weight (``weight``)."""

    activation: Callable[[], Module]
    weight: Callable[[], Module]


#: PyTorch's QAT defaults: inputs affine ``quint8`` by moving-average min–max; weights symmetric
#: ``qint8`` per output channel by moving-average min–max per channel.
default_qat_qconfig = QConfig(
    activation=partial(FakeQuantize, MovingAverageMinMaxObserver),
    weight=partial(FakeQuantize, MovingAveragePerChannelMinMaxObserver, ch_axis=0),
)


def _attach(layer: Module, float_layer: Module, qconfig: QConfig | None) -> None:
    """Share ``float_layer``'s parameters with ``layer`` and give it its two fake quantizers."""
    qconfig = default_qat_qconfig if qconfig is None else qconfig
    layer.weight, layer.bias = float_layer.weight, float_layer.bias
    layer.qconfig = qconfig
    layer.activation_fake_quant = qconfig.activation()
    layer.weight_fake_quant = qconfig.weight()
    if layer.weight_fake_quant.dtype != "qint8" or layer.weight_fake_quant.ch_axis not in (0, None):
        raise ValueError(
            f"{type(layer).__name__}: the weight fake quantizer must be symmetric qint8, per output channel "
            f"(ch_axis 0) or per tensor; got dtype {layer.weight_fake_quant.dtype} and ch_axis "
            f"{layer.weight_fake_quant.ch_axis}"
        )
    if layer.activation_fake_quant.dtype != "quint8" or layer.activation_fake_quant.ch_axis is not None:
        raise ValueError(
            f"{type(layer).__name__}: the input fake quantizer must be affine quint8 per tensor, as the "
            f"static INT8 layer's input is; got dtype {layer.activation_fake_quant.dtype}"
        )


class QATLinear(Linear):
    """A ``Linear`` that fake-quantizes its input and weight (``torch.ao.nn.qat.Linear``).

    Build it with :meth:`from_float` (or let :func:`~tt_perf.quantization.prepare_qat` do it).

    Shape: input ``(*, in_features)``, output ``(*, out_features)``, as ``Linear``.
    """

    @classmethod
    def from_float(cls, linear: Linear, qconfig: QConfig | None = None) -> QATLinear:
        """The QAT twin of ``linear``, sharing its weight and bias parameters."""
        if type(linear) is not Linear:
            raise TypeError(f"QATLinear.from_float: expected a Linear, got {type(linear).__name__}")
        layer = cls(linear.in_features, linear.out_features, linear.bias is not None)
        _attach(layer, linear, qconfig)
        return layer

    def forward(self, input):  # noqa: A002
        # BEGIN SOLUTION 15
        # TODO: a Linear on the fake-quantized input and weight (§ Quantization-aware training).
        return nn_f.linear(self.activation_fake_quant(input), self.weight_fake_quant(self.weight), self.bias)
        # END SOLUTION


class QATConv2d(Conv2d):
    """A ``Conv2d`` that fake-quantizes its input and weight (``torch.ao.nn.qat.Conv2d``).

    Build it with :meth:`from_float`. Shape: as ``Conv2d``.
    """

    @classmethod
    def from_float(cls, conv: Conv2d, qconfig: QConfig | None = None) -> QATConv2d:
        """The QAT twin of ``conv``, sharing its weight and bias parameters."""
        if type(conv) is not Conv2d:
            raise TypeError(f"QATConv2d.from_float: expected a Conv2d, got {type(conv).__name__}")
        if conv.padding_mode != "zeros":  # its forward pads with zeros only: refuse, not change results
            raise ValueError(f"QATConv2d: padding_mode {conv.padding_mode!r} is not supported, only 'zeros'")
        layer = cls(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                    conv.dilation, conv.groups, conv.bias is not None)  # fmt: skip
        _attach(layer, conv, qconfig)
        return layer

    def forward(self, input):  # noqa: A002
        # BEGIN SOLUTION 15
        # TODO: a Conv2d on the fake-quantized input and weight, with the layer's own stride, padding,
        #   dilation and groups (§ Quantization-aware training).
        return vision_f.conv2d(
            self.activation_fake_quant(input), self.weight_fake_quant(self.weight), self.bias,
            self.stride, self.padding, self.dilation, self.groups,
        )  # fmt: skip
        # END SOLUTION


#: Float layer type → its QAT twin.
QAT_MODULES = {Linear: QATLinear, Conv2d: QATConv2d}
