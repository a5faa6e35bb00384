"""What a dtype can hold, and how dtypes combine: ``finfo``, ``iinfo``, ``promote_types``, ``result_type``,
``can_cast``, with PyTorch's names, fields and rules.

``finfo(dtype)`` gives a float dtype's ``bits``, ``eps`` (the gap from 1 to the next float),
``max``, ``min``, ``tiny``/``smallest_normal`` and ``resolution`` (``10 ** -precision``), read
from NumPy's ``finfo``; ``iinfo`` an integer dtype's ``bits``, ``max`` and ``min``. Their
``dtype`` field is the name (``"float32"``), as PyTorch's.

Example:
    >>> import tt_tensor as tt
    >>> tt.finfo(tt.float32).eps
    1.1920928955078125e-07
    >>> tt.promote_types(tt.int64, tt.float32)
    tt.float32
"""

from __future__ import annotations

import numpy as np

from . import dtypes
from ._base import TensorBase
from .dtypes import _CATEGORY, DType, dtype_argument


class finfo:  # noqa: N801  (PyTorch's name)
    """The limits of a float dtype (the default float dtype when none is given)."""

    def __init__(self, type: object = None) -> None:  # noqa: A002  (PyTorch's argument name)
        dtype = dtypes.get_default_dtype() if type is None else dtype_argument("finfo", type, "type")
        if dtype.is_complex:  # (PyTorch: the limits of its real and imaginary parts' float dtype)
            dtype = dtypes.from_numpy_dtype(np.finfo(dtype.numpy).dtype)
        if not dtype.is_floating_point:
            raise TypeError(
                f"finfo: requires a floating point dtype, got {dtype.name}; use iinfo for integer dtypes"
            )
        info = np.finfo(dtype.numpy)
        self.bits = int(info.bits)
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0**-info.precision  # as PyTorch: exactly 1e-06 for float32
        self.dtype = dtype.name

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
            f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:  # noqa: N801  (PyTorch's name)
    """The limits of an integer dtype."""

    def __init__(self, type: object) -> None:  # noqa: A002
        dtype = dtype_argument("iinfo", type, "type")
        if dtype.numpy.kind not in "iu":
            kind = {"b": "a bool", "c": "a complex"}.get(dtype.numpy.kind, "a floating point")
            raise TypeError(
                f"iinfo: requires an integer dtype, got {kind} one ({dtype.name}); use finfo for floats"
            )
        info = np.iinfo(dtype.numpy)
        self.bits, self.max, self.min, self.dtype = int(info.bits), int(info.max), int(info.min), dtype.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def promote_types(type1: object, type2: object) -> DType:
    """The smallest dtype both cast to safely, by PyTorch's categories (int64 and float32: float32)."""
    return dtypes.from_numpy_dtype(
        dtypes.promote_types(
            dtype_argument("promote_types", type1, "type1").numpy,
            dtype_argument("promote_types", type2, "type2").numpy,
        )
    )


def result_type(tensor1: object, tensor2: object) -> DType:
    """The dtype of an arithmetic op on the two (tensors or Python numbers), as PyTorch computes it.

    A 0-d tensor or a number does not widen a dimensioned tensor of its own category:
    ``result_type(float32 vector, 2.0)`` is float32; an int tensor with a float number gives the
    default float dtype.
    """
    return dtypes.from_numpy_dtype(_operand_dtype(tensor1, tensor2))


def _operand_dtype(a: object, b: object) -> np.dtype:
    for value in (a, b):
        if not isinstance(value, (TensorBase, int, float, np.number, np.bool_)):
            raise TypeError(f"result_type: expected tensors or numbers, got {type(value).__name__}")
    if isinstance(a, TensorBase) and isinstance(b, TensorBase):
        return dtypes.result_type(a.array, b.array)
    if not isinstance(a, TensorBase) and not isinstance(b, TensorBase):  # two numbers: the higher kind's
        return max((_number_dtype(a), _number_dtype(b)), key=lambda d: _CATEGORY[d.kind])
    array, number = (a.array, b) if isinstance(a, TensorBase) else (b.array, a)
    if _CATEGORY[_number_dtype(number).kind] > _CATEGORY[array.dtype.kind]:  # a higher kind sets it
        return _number_dtype(number)
    return array.dtype


def _number_dtype(number: object) -> np.dtype:
    """The dtype PyTorch gives a Python number on its own: bool, int64, or the default float dtype."""
    if isinstance(number, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(number, (int, np.integer)):
        return np.dtype(np.int64)
    return dtypes.get_default_dtype().numpy


def can_cast(from_: object, to: object) -> bool:
    """Whether PyTorch casts ``from_`` to ``to`` implicitly: never to a lower category (float to
    integer, integer to bool); any width within one."""
    source, target = dtype_argument("can_cast", from_, "from_"), dtype_argument("can_cast", to, "to")
    return _CATEGORY[source.numpy.kind] <= _CATEGORY[target.numpy.kind]
