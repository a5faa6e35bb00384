"""PyTorch's quantized tensors: ``torch.quint8``, ``torch.per_tensor_affine``, ``torch.quantize_per_tensor``.

``torch.quantize_per_tensor(x, scale, zero_point, torch.quint8)`` returns a
:class:`QuantizedTensor` around module 15's :class:`~tt_perf.quantization.QTensor`
(the integers, the scale(s), the zero point(s)), with PyTorch's methods:
``int_repr()``, ``dequantize()``, ``q_scale()``, ``q_zero_point()``,
``q_per_channel_scales()``, ``q_per_channel_zero_points()``, ``q_per_channel_axis()``,
``qscheme()``, ``is_quantized``, ``dtype``, ``shape``/``size()``.

Where it differs from PyTorch, and why: a :class:`QuantizedTensor` is not a
``Tensor`` — no arithmetic, indexing or autograd on it (PyTorch has a few
quantized kernels: ``relu``, ``max_pool2d``, ``cat``, ...). Read it with
``int_repr()`` or turn it back into floats with ``dequantize()``. The quantized
models that :func:`~tt_perf.quantization.eager_flows.convert` builds pass float
tensors whose values lie on each point's quantization grid instead (see
``eager_modules.py``), so the float layers between quantized ones keep working.

Example:
    >>> import tt_autograd as autograd
    >>> q = quantize_per_tensor(autograd.tensor([-1.0, 0.0, 0.26]), 0.1, 10, quint8)
    >>> q.int_repr().tolist(), q.q_scale(), q.q_zero_point(), q.dtype
    ([0, 10, 13], 0.1, 10, tt.quint8)
"""

from __future__ import annotations

import numpy as np
from tt_autograd import DType, Tensor, from_numpy

from .qtensor import (
    QTensor,
    dequantize,
)
from .qtensor import (
    quantize_per_channel as _per_channel,
)
from .qtensor import (
    quantize_per_tensor as _per_tensor,
)


class QuantizedDType(DType):
    """A quantized element type (``torch.qint8``, ``quint8``, ``qint32``): equal only to itself or its name.

    A ``DType`` compares equal to its NumPy storage type; a quantized one must
    not (``torch.quint8 != torch.uint8``), so equality and hashing go by name.
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, QuantizedDType):
            return other.name == self.name
        return isinstance(other, str) and other == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __copy__(self) -> QuantizedDType:
        return self

    def __deepcopy__(self, memo: dict) -> QuantizedDType:
        return self


class QScheme:
    """A quantization scheme (``torch.per_tensor_affine`` and the others); compares by identity."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"tt.{self.name}"

    def __copy__(self) -> QScheme:  # one object per scheme (compared by identity), as PyTorch's
        return self

    def __deepcopy__(self, memo: dict) -> QScheme:  # a deep-copied model's qconfig keeps it
        return self


qint8 = QuantizedDType("qint8", np.int8)
quint8 = QuantizedDType("quint8", np.uint8)
qint32 = QuantizedDType("qint32", np.int32)
per_tensor_affine = QScheme("per_tensor_affine")
per_tensor_symmetric = QScheme("per_tensor_symmetric")
per_channel_affine = QScheme("per_channel_affine")
per_channel_symmetric = QScheme("per_channel_symmetric")
QDTYPE_BY_NAME = {d.name: d for d in (qint8, quint8, qint32)}
#: Integer range of each quantized dtype.
QRANGE = {"qint8": (-128, 127), "quint8": (0, 255), "qint32": (-(2**31), 2**31 - 1)}


def qdtype_name(op: str, dtype) -> str:
    """``"qint8"``, ``"quint8"`` or ``"qint32"`` for ``dtype`` (a quantized dtype or name), else an error."""
    name = dtype.name if isinstance(dtype, QuantizedDType) else dtype
    if not isinstance(name, str) or name not in QRANGE:
        raise TypeError(f"{op}: dtype must be torch.qint8, torch.quint8 or torch.qint32, got {dtype!r}")
    return name


def _array(x) -> np.ndarray:
    return np.asarray(x.detach().numpy() if isinstance(x, Tensor) else x, dtype=np.float32)


class QuantizedTensor:
    """A quantized tensor: integers, and the scale(s) and zero point(s) to read them as floats.

    Built by :func:`quantize_per_tensor` / :func:`quantize_per_channel`.
    ``x ≈ (int_repr − zero_point) · scale``.
    """

    is_quantized = True

    def __init__(self, qtensor: QTensor, scale: float | None = None) -> None:
        self.qtensor = qtensor
        self.scale = (
            scale  # the per-tensor scale as given (float64, as PyTorch keeps it); None: the stored one
        )

    @property
    def dtype(self) -> QuantizedDType:
        return QDTYPE_BY_NAME[self.qtensor.dtype]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.qtensor.int_repr.shape)

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return len(self.shape)

    def numel(self) -> int:
        return int(self.qtensor.int_repr.size)

    def int_repr(self) -> Tensor:
        """The integers, a new tensor of ``uint8`` (``quint8``), ``int8`` or ``int32``."""
        return from_numpy(self.qtensor.int_repr.copy())

    def dequantize(self) -> Tensor:
        """``(int_repr − zero_point) · scale`` as a float32 tensor."""
        return from_numpy(dequantize(self.qtensor))

    def qscheme(self) -> QScheme:
        return per_tensor_affine if self.qtensor.axis is None else per_channel_affine

    def _per_tensor(self, op: str) -> None:
        if self.qtensor.axis is not None:
            raise RuntimeError(f"{op}: the tensor is quantized per channel; use q_per_channel_{op[2:]}s()")

    def q_scale(self) -> float:
        self._per_tensor("q_scale")
        return float(self.qtensor.scale) if self.scale is None else self.scale

    def q_zero_point(self) -> int:
        self._per_tensor("q_zero_point")
        return int(self.qtensor.zero_point)

    def _per_channel(self, op: str) -> None:
        if self.qtensor.axis is None:
            raise RuntimeError(f"{op}: the tensor is quantized per tensor; use q_scale() / q_zero_point()")

    def q_per_channel_scales(self) -> Tensor:
        self._per_channel("q_per_channel_scales")
        return from_numpy(self.qtensor.scale.astype(np.float64))

    def q_per_channel_zero_points(self) -> Tensor:
        self._per_channel("q_per_channel_zero_points")
        return from_numpy(self.qtensor.zero_point.astype(np.int64))

    def q_per_channel_axis(self) -> int:
        self._per_channel("q_per_channel_axis")
        return int(self.qtensor.axis)

    def _refused(op: str):
        def method(self, other):
            raise NotImplementedError(
                f"quantized tensor {op}: a QuantizedTensor has no arithmetic (PyTorch's has no such kernel "
                "either); use torch.ao.nn.quantized.QFunctional (add, mul, add_scalar, mul_scalar, cat, "
                "add_relu, matmul; FloatFunctional before convert), or dequantize() first"
            )

        return method

    __add__ = __radd__ = _refused("+")
    __sub__ = __rsub__ = _refused("-")
    __mul__ = __rmul__ = _refused("*")
    __matmul__ = __rmatmul__ = _refused("@")
    __truediv__ = __rtruediv__ = _refused("/")
    del _refused

    def __repr__(self) -> str:
        values = np.array2string(dequantize(self.qtensor), separator=", ", prefix="tensor(")
        if self.qtensor.axis is None:
            params = f"scale={self.q_scale()}, zero_point={self.q_zero_point()}"
        else:
            params = f"scale={self.qtensor.scale.tolist()}, zero_point={self.qtensor.zero_point.tolist()}, "
            params += f"axis={self.qtensor.axis}"
        return (
            f"tensor({values}, size={self.shape}, dtype={self.dtype}, "
            f"quantization_scheme={self.qscheme()}, {params})"
        )


def _qint32(x: np.ndarray, scale: np.ndarray, zero_point: np.ndarray) -> np.ndarray:
    low, high = QRANGE["qint32"]
    return np.clip(np.rint(x.astype(np.float64) / scale) + zero_point, low, high).astype(np.int32)


def quantize_per_tensor(input, scale: float, zero_point: int, dtype) -> QuantizedTensor:  # noqa: A002
    """``torch.quantize_per_tensor``: ``clamp(round(input / scale) + zero_point)`` in ``dtype``'s range.

    Shape: any; the result has ``input``'s shape. Cost: one pass over ``input``.
    """
    name = qdtype_name("quantize_per_tensor", dtype)
    x = _array(input)
    if name != "qint32":
        return QuantizedTensor(_per_tensor(x, float(scale), int(zero_point), name), float(scale))
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"quantize_per_tensor: scale must be positive and finite, got {scale}")
    scale_a, zero_a = np.asarray(scale, np.float32), np.asarray(zero_point, np.int32)
    return QuantizedTensor(QTensor(_qint32(x, scale_a, zero_a), scale_a, zero_a, None, name), float(scale))


def quantize_per_channel(input, scales, zero_points, axis: int, dtype) -> QuantizedTensor:  # noqa: A002
    """``torch.quantize_per_channel``: one scale and zero point per slice of ``input`` along ``axis``.

    ``qint32`` is not supported per channel here (PyTorch has it for biases).
    """
    name = qdtype_name("quantize_per_channel", dtype)
    if name == "qint32":
        raise TypeError("quantize_per_channel: dtype torch.qint32 is not supported; use qint8 or quint8")
    return QuantizedTensor(_per_channel(_array(input), _array(scales), _array(zero_points), axis, name))


def dequantize_tensor(tensor) -> Tensor:
    """``torch.dequantize``: a :class:`QuantizedTensor`'s floats; a float tensor is returned as it is."""
    if isinstance(tensor, QuantizedTensor):
        return tensor.dequantize()
    if isinstance(tensor, Tensor):
        return tensor
    raise TypeError(f"dequantize: expected a quantized tensor, got {type(tensor).__name__}")


def quantized_add_scalar(x: QuantizedTensor, other: float) -> QuantizedTensor:
    """PyTorch's ``quantized::add_scalar``: ``x + other`` with qparams derived from ``x``'s, not observed.

    The scalar is rounded onto ``x``'s grid, ``c_q = round(other / scale)``; the integers stay and the
    zero point moves to ``z − c_q`` if it stays in the dtype's range, else it is pinned at the end it
    passed and the scale widened to keep every value (PyTorch's rule, from Caffe2). Per tensor only.
    """
    scale, zero_point = x.q_scale(), x.q_zero_point()
    low, high = QRANGE[x.dtype.name]
    c_q = int(np.rint(other / scale))
    shifted = zero_point - c_q
    if shifted < low:
        new_scale, new_zero_point = (high - shifted) / (high - low) * scale, low
    elif shifted > high:
        new_scale, new_zero_point = (shifted - low) / (high - low) * scale, high
    else:
        new_scale, new_zero_point = scale, shifted
    values = (x.qtensor.int_repr.astype(np.float64) - shifted) * scale
    return quantize_per_tensor(values, new_scale, new_zero_point, x.dtype)


def quantized_mul_scalar(x: QuantizedTensor, other: float) -> QuantizedTensor:
    """PyTorch's ``quantized::mul_scalar``: ``x · other`` exactly, on the scale ``scale · |other|``.

    A negative scalar mirrors the integers and the zero point in the dtype's range; zero gives zeros
    with scale 1.0 and zero point 0 (PyTorch's). Per tensor only.
    """
    scale, zero_point = x.q_scale(), x.q_zero_point()
    low, high = QRANGE[x.dtype.name]
    if other == 0:
        return quantize_per_tensor(np.zeros(x.shape, np.float32), 1.0, 0, x.dtype)
    new_zero_point = zero_point if other > 0 else high + low - zero_point
    values = (x.qtensor.int_repr.astype(np.float64) - zero_point) * scale * other
    return quantize_per_tensor(values, scale * abs(other), new_zero_point, x.dtype)
