"""The root of the tensor class, and how data and operands become NumPy arrays.

:class:`tt_tensor.Tensor` (``tensor.py``) is assembled from :class:`TensorBase`
and the method mixins (``_operators.py``, ``_math.py``, ``_inplace.py``,
``_reductions.py``, ``_shape_methods.py``, ``_indexing_methods.py``). Their
methods read other operands through :func:`operand`, which recognises any
:class:`TensorBase`; so the mixin modules never import ``tensor.py``, which
imports them.
"""

from __future__ import annotations

import numbers

import numpy as np

from .dtypes import as_dtype, as_scalar_or_array, from_numpy_dtype, infer_numpy_dtype


class TensorBase:
    """What every tensor is underneath: one NumPy array, ``self.array``.

    Every method of the mixins reads ``self.array`` and builds its result with
    ``self.from_array(...)`` (defined on :class:`tt_tensor.Tensor`). Both are
    public: packages built on tt-tensor read and write ``t.array`` directly
    (a plain instance attribute, so no cost beyond an attribute lookup).
    """

    array: np.ndarray


def to_array(data: object, dtype: object = None, copy: bool | None = True) -> np.ndarray:
    """Convert ``data`` (a tensor, array, scalar or nested list) to a NumPy array for a tensor.

    Python data gets PyTorch's dtypes (floats: the default float dtype, ints:
    int64); NumPy arrays and NumPy scalars keep theirs unless ``dtype`` is
    given. ``copy=None`` copies only when needed.
    """
    if isinstance(data, TensorBase):
        array = data.array
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
    else:
        try:
            array = np.asarray(data)
        except ValueError:
            raise ValueError(
                "tensor: cannot make a tensor from ragged data: nested lists must have equal length "
                "at each level"
            ) from None
        _check_integer_range(data, array)
        if dtype is None:
            dtype = infer_numpy_dtype(array)
    if dtype is None:
        from_numpy_dtype(array.dtype)  # refuse dtypes TinyTorch has no name for
        numpy_dtype = array.dtype
    else:
        numpy_dtype = as_dtype(dtype).numpy
        if not isinstance(data, (TensorBase, np.ndarray, np.generic)):
            _check_target_range(array, numpy_dtype)
            with np.errstate(over="ignore"):  # 70000 in float16 is inf, silently, as in PyTorch
                return np.array(array, dtype=numpy_dtype, copy=copy)
    return np.array(array, dtype=numpy_dtype, copy=copy)


def _check_target_range(array: np.ndarray, target: np.dtype) -> None:
    """Refuse Python numbers an integer ``target`` cannot hold, as PyTorch does (NumPy would wrap
    ``300`` to ``44`` in uint8). PyTorch's limits: a signed target its range; an unsigned one takes
    integers down to ``-max`` (``-1`` becomes 255, C's wrap) but no negative float, NaN or inf."""
    if target.kind not in "iu" or array.dtype.kind not in "iuf":
        return
    info = np.iinfo(target)
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array) | (array < info.min) | (array > info.max)
    else:
        bad = (array < (-int(info.max) if target.kind == "u" else info.min)) | (array > info.max)
    if bad.any():
        value = array[bad].reshape(-1)[0].item()
        raise RuntimeError(
            f"tensor: the value {value} cannot be converted to {from_numpy_dtype(target)} without overflow "
            f"(its range is {info.min} to {info.max}; PyTorch refuses it too); pick a wider dtype"
        )


INT64 = np.iinfo(np.int64)


def _check_integer_range(data: object, array: np.ndarray) -> None:
    """Refuse Python integers beyond int64 (NumPy makes them objects, or uint64 that would wrap)."""
    if array.dtype.kind == "u" and array.size and array.max() > INT64.max:
        value = int(array.max())
    elif array.dtype == object:
        values = [v for v in array.reshape(-1) if type(v) is int and not INT64.min <= v <= INT64.max]
        if not values:
            return
        value = values[0]
    else:
        return
    raise OverflowError(
        f"tensor: the integer {value} does not fit in int64 (range {INT64.min} to {INT64.max}); "
        "PyTorch refuses it too ('Overflow when unpacking long'). Pass it as a float (e.g. 2.0 ** 70)"
    )


#: What a binary op reads as its other operand (``operand(value, op)`` refuses anything else).
_OPERANDS = (TensorBase, numbers.Number, np.ndarray, np.generic, list, tuple)


def operand(value: object, op: str | None = None, name: str = "other") -> object:
    """The NumPy form of the other operand of a binary op (Python scalars stay scalars).

    With ``op``, anything but a tensor, a number, an array or a list/tuple is refused with a
    ``TypeError`` naming ``op`` (``t.eq("abc")``, ``t.fill_(None)``), as PyTorch refuses it.
    """
    if op is not None and not isinstance(value, _OPERANDS):
        raise TypeError(f"{op}: argument '{name}' must be a Tensor or a number, got {type(value).__name__}")
    if isinstance(value, TensorBase):
        return value.array
    if isinstance(value, (list, tuple)):
        return to_array(value)
    return as_scalar_or_array(value)
