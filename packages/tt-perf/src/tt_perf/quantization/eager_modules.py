"""The modules of PyTorch's eager-mode quantization: stubs, fused float modules, and what ``convert`` makes.

* ``QuantStub`` / ``DeQuantStub`` / ``QuantWrapper`` (``torch.ao.quantization``): where a model's
  quantized part begins and ends; ``convert`` turns them into ``Quantize`` / ``DeQuantize``.
* ``FloatFunctional`` (``torch.ao.nn.quantized``): ``add``, ``mul``, ``cat``, ... as a module, so
  that ``prepare`` can observe their results (a residual block's skip add); ``convert`` makes it a
  ``QFunctional``, which rounds each result onto the observed grid.
* the fused float modules of ``torch.ao.nn.intrinsic`` (``ConvReLU2d``, ``LinearReLU``, ``ConvBn2d``,
  ``ConvBnReLU2d``): ``Sequential``\\ s of their parts, as in PyTorch; ``fuse_modules`` makes them.
* the converted layers (``torch.ao.nn.quantized``, ``.dynamic``, ``torch.ao.nn.intrinsic.quantized``):
  :class:`QLinear`, :class:`QConv2d`, :class:`QLinearReLU`, :class:`QConvReLU2d` on module 15's
  ``QuantizedLinear`` / ``QuantizedConv2d`` (``"static"`` mode: INT8 weights per channel or per
  tensor, the input quantized with calibrated qparams, the int32 sum exact), and
  :class:`DynamicLinear` (``"dynamic"`` mode).

**Where it differs from PyTorch, and why.** In PyTorch a converted model passes *quantized
tensors* from ``Quantize`` to ``DeQuantize``, and every op in between needs a quantized
kernel. Here it passes float32 tensors whose values lie exactly on the quantization grid of
the point that produced them (``Quantize`` and each converted layer round their output onto
``(q − zero_point) · scale`` with the output observer's qparams, as PyTorch's do). Float
layers between them (``ReLU``, ``MaxPool2d``, ``flatten``, ``mean``) then run unchanged,
and a converted layer re-quantizes its input with the qparams an observer saw at *its*
input during calibration — the same values as the producer's when nothing in between
changes the range, so the integers are PyTorch's. ``DeQuantize`` returns its float input.
Outputs match a PyTorch-converted model to within a few quantization steps (the tests
bound it), not bit for bit.

Cost: a converted layer costs module 15's INT8 layer plus one rounding pass over its output.
"""

from __future__ import annotations

import operator

import numpy as np
from tt_autograd import Tensor, cat, from_numpy
from tt_nn import Identity, Linear, Module, ReLU, Sequential
from tt_nn import functional as nn_f
from tt_vision import BatchNorm2d, Conv2d

from .eager_qtensor import QuantizedTensor, qdtype_name, quantized_add_scalar, quantized_mul_scalar, quint8
from .eager_qtensor import quantize_per_tensor as quantize_per_tensor_tensor
from .modules import QuantizedConv2d, QuantizedLinear
from .qtensor import dequantize, quantize_per_tensor


def fake_quantize_array(x, scale: float, zero_point: int, dtype: str = "quint8") -> Tensor:
    """``x`` (a tensor or array) rounded onto ``(q − zero_point) · scale``: a float32 tensor, no gradient."""
    array = np.asarray(x.detach().numpy() if isinstance(x, Tensor) else x, dtype=np.float32)
    return from_numpy(dequantize(quantize_per_tensor(array, float(scale), int(zero_point), dtype)))


class QuantStub(Module):
    """Marks where quantization starts: the identity until ``convert`` makes it a :class:`Quantize`.

    Args:
        qconfig: this stub's qconfig (default: the one propagated from its parent).
    """

    def __init__(self, qconfig=None) -> None:
        super().__init__()
        if qconfig is not None:
            self.qconfig = qconfig

    def forward(self, x):
        return x


class DeQuantStub(QuantStub):
    """Marks where quantization ends: the identity until ``convert`` makes it a :class:`DeQuantize`."""


class QuantWrapper(Module):
    """``DeQuantStub(module(QuantStub(x)))``: a float module wrapped so that its whole body is quantized.

    Children ``quant``, ``dequant``, ``module``; the stubs take ``module.qconfig`` if it has one.
    """

    def __init__(self, module: Module) -> None:
        super().__init__()
        qconfig = getattr(module, "qconfig", None)
        self.add_module("quant", QuantStub(qconfig))
        self.add_module("dequant", DeQuantStub(qconfig))
        self.add_module("module", module)
        self.train(module.training)

    def forward(self, x):
        return self.dequant(self.module(self.quant(x)))


class Quantize(Module):
    """What a ``QuantStub`` becomes: rounds its float input onto ``scale``/``zero_point``'s grid.

    PyTorch returns a quantized tensor; this returns float32 values on the grid (see the module docstring).
    """

    def __init__(self, scale: float, zero_point: int, dtype=quint8) -> None:
        super().__init__()
        self.dtype = qdtype_name("Quantize", dtype)
        self.scale, self.zero_point = float(scale), int(zero_point)

    def forward(self, x):
        return fake_quantize_array(x, self.scale, self.zero_point, self.dtype)

    def extra_repr(self) -> str:
        return (
            f"scale=tensor([{self.scale}]), zero_point=tensor([{self.zero_point}]), dtype=torch.{self.dtype}"
        )


class DeQuantize(Module):
    """What a ``DeQuantStub`` becomes: float input passes through; a ``QuantizedTensor`` is dequantized."""

    def forward(self, x):
        return x.dequantize() if isinstance(x, QuantizedTensor) else x


def _add_relu(x, y):
    return nn_f.relu(x + y)


def _cat(dim: int):
    return lambda *tensors: cat(list(tensors), dim=dim)


class FloatFunctional(Module):
    """``add``, ``mul``, ``cat``, ``add_relu``, ``add_scalar``, ``mul_scalar``, ``matmul`` as a module.

    Each result but the scalar ones passes through ``activation_post_process`` (``Identity`` until
    ``prepare`` puts an observer there), so a quantized model can fix the qparams of a sum — how a
    residual block's skip add is quantized in eager mode (``self.skip_add.add(x, self.conv(x))``).
    ``add_scalar`` and ``mul_scalar`` are not observed: their quantized versions derive the qparams
    from the input's (PyTorch's rule). Calling the module itself is an error.
    """

    def __init__(self) -> None:
        super().__init__()
        self.activation_post_process = Identity()

    def forward(self, x):
        raise RuntimeError(
            f"{type(self).__name__} is not intended to be called directly; use its operation methods "
            "(add, cat, mul, add_relu, add_scalar, mul_scalar, matmul)"
        )

    def _result(self, op: str, compute, *operands):
        """``compute(*operands)`` observed. ``op`` names the method (for :class:`QFunctional`'s errors)."""
        return self.activation_post_process(compute(*operands))

    def add(self, x, y):
        return self._result("add", operator.add, x, y)

    def add_scalar(self, x, y: float):
        return x + y

    def mul(self, x, y):
        return self._result("mul", operator.mul, x, y)

    def mul_scalar(self, x, y: float):
        return x * y

    def cat(self, x, dim: int = 0):
        return self._result("cat", _cat(dim), *x)

    def add_relu(self, x, y):
        return self._result("add_relu", _add_relu, x, y)

    def matmul(self, x, y):
        return self._result("matmul", operator.matmul, x, y)


class FXFloatFunctional(FloatFunctional):
    """``torch.ao.nn.quantized.FXFloatFunctional``: FX graph mode's marker; here a ``FloatFunctional``."""


class QFunctional(FloatFunctional):
    """What ``convert`` makes of a ``FloatFunctional``: each result rounded onto ``scale``/``zero_point``.

    Float inputs (the converted model's values on their grids) give float32 values on this grid;
    ``QuantizedTensor`` inputs (``torch.quantize_per_tensor``) give a ``QuantizedTensor`` with these
    qparams, as PyTorch's. ``add_scalar`` / ``mul_scalar`` keep the input's grid (PyTorch derives their
    qparams from the input's): on a ``QuantizedTensor`` they are PyTorch's ``quantized::add_scalar`` /
    ``mul_scalar``; on a float input, whose grid is not known here, ``mul_scalar`` is exact (the
    product of a grid value is on the scaled grid) and ``add_scalar`` adds the scalar unrounded (PyTorch
    rounds it onto the input's grid first: half an input step at most, the same on every element).
    """

    def __init__(self, scale: float = 1.0, zero_point: int = 0) -> None:
        super().__init__()  # activation_post_process stays an Identity, as in PyTorch
        self.scale, self.zero_point = float(scale), int(zero_point)

    def _result(self, op: str, compute, *operands):
        quantized = [isinstance(v, QuantizedTensor) for v in operands]
        if any(quantized) and not all(quantized):
            kinds = [type(v).__name__ for v in operands]
            raise TypeError(
                f"QFunctional.{op}: got {kinds}: quantized and float tensors together; quantize every "
                "operand (torch.quantize_per_tensor) or dequantize() the quantized ones"
            )
        if not any(quantized):
            return fake_quantize_array(compute(*operands), self.scale, self.zero_point)
        dtypes = sorted({v.dtype.name for v in operands})
        if len(dtypes) > 1:
            raise TypeError(f"QFunctional.{op}: all inputs must have the same quantized dtype, got {dtypes}")
        out = compute(*(v.dequantize() for v in operands))
        return quantize_per_tensor_tensor(out, self.scale, self.zero_point, operands[0].dtype)

    def add_scalar(self, x, y: float):
        return quantized_add_scalar(x, y) if isinstance(x, QuantizedTensor) else x + y

    def mul_scalar(self, x, y: float):
        return quantized_mul_scalar(x, y) if isinstance(x, QuantizedTensor) else x * y

    def extra_repr(self) -> str:
        return f"scale={self.scale}, zero_point={self.zero_point}"


def _check_parts(name: str, parts: tuple[Module, ...], kinds: tuple[type, ...]) -> None:
    if len(parts) != len(kinds) or any(type(p) is not k for p, k in zip(parts, kinds)):
        raise TypeError(
            f"{name}: expected modules {[k.__name__ for k in kinds]}, got {[type(p).__name__ for p in parts]}"
        )


class _FusedModule(Sequential):
    """A fused float module (``torch.ao.nn.intrinsic``): a ``Sequential`` of the modules fused, checked."""

    PARTS: tuple[type, ...] = ()

    def __init__(self, *parts: Module) -> None:
        _check_parts(type(self).__name__, parts, self.PARTS)
        super().__init__(*parts)


class ConvReLU2d(_FusedModule):
    """``relu(conv(x))`` (``torch.ao.nn.intrinsic.ConvReLU2d``), made by ``fuse_modules``."""

    PARTS = (Conv2d, ReLU)


class LinearReLU(_FusedModule):
    """``relu(linear(x))`` (``torch.ao.nn.intrinsic.LinearReLU``)."""

    PARTS = (Linear, ReLU)


class ConvBn2d(_FusedModule):
    """``bn(conv(x))`` kept apart for training (``torch.ao.nn.intrinsic.ConvBn2d``, ``fuse_modules_qat``)."""

    PARTS = (Conv2d, BatchNorm2d)


class ConvBnReLU2d(_FusedModule):
    """``relu(bn(conv(x)))`` kept apart for training (``torch.ao.nn.intrinsic.ConvBnReLU2d``)."""

    PARTS = (Conv2d, BatchNorm2d, ReLU)


class _OutputQuantized:
    """What the converted static layers add to module 15's: the output's qparams and rounding onto them.

    ``scale``/``zero_point`` (floats, PyTorch's attribute names) come from the observer of the
    layer's output; ``RELU`` says whether a ReLU was fused in before the rounding.
    """

    RELU = False

    def _init_output(self) -> None:
        self.scale, self.zero_point = 1.0, 0

    def set_output_qparams(self, scale: float, zero_point: int) -> None:
        self.scale, self.zero_point = float(scale), int(zero_point)

    def forward(self, input):  # noqa: A002
        out = super().forward(input)
        if self.RELU:
            out = nn_f.relu(out)
        return fake_quantize_array(out, self.scale, self.zero_point)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, scale={self.scale}, zero_point={self.zero_point}"


class QLinear(_OutputQuantized, QuantizedLinear):
    """``torch.ao.nn.quantized.Linear``: INT8 weight, input and output quantized with calibrated qparams.

    Shape: input ``(*, in_features)``, output ``(*, out_features)`` float32 on the output grid.
    """

    def __init__(self, in_features: int, out_features: int, bias_: bool = True, dtype=None) -> None:
        super().__init__(in_features, out_features, bias_, mode="static")
        self._init_output()


class QConv2d(_OutputQuantized, QuantizedConv2d):
    """``torch.ao.nn.quantized.Conv2d``: as :class:`QLinear`, for ``Conv2d`` (``padding_mode='zeros'``)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros") -> None:  # fmt: skip
        if padding_mode != "zeros":
            raise ValueError(f"QConv2d: padding_mode {padding_mode!r} is not supported, only 'zeros'")
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, "static"
        )
        self._init_output()


class QLinearReLU(QLinear):
    """``torch.ao.nn.intrinsic.quantized.LinearReLU``: the ReLU applied before the output is rounded."""

    RELU = True


class QConvReLU2d(QConv2d):
    """``torch.ao.nn.intrinsic.quantized.ConvReLU2d``: the ReLU applied before the output is rounded."""

    RELU = True


class DynamicLinear(QuantizedLinear):
    """``torch.ao.nn.quantized.dynamic.Linear``: INT8 weight, each input batch quantized with its own range.

    Built by ``quantize_dynamic`` (or :meth:`from_float`); the output is float32, as in PyTorch.
    """

    def __init__(self, in_features: int, out_features: int, bias_: bool = True, dtype=None) -> None:
        super().__init__(in_features, out_features, bias_, mode="dynamic")


class QATLinearReLU(Sequential):
    """``torch.ao.nn.intrinsic.qat.LinearReLU``: a :class:`~tt_perf.quantization.QATLinear` and its ReLU."""


class QATConvReLU2d(Sequential):
    """``torch.ao.nn.intrinsic.qat.ConvReLU2d``: a :class:`~tt_perf.quantization.QATConv2d` and its ReLU."""
