"""Tensors over memory that other code owns: ``frombuffer`` and DLPack's ``from_dlpack`` / ``to_dlpack``.

* ``frombuffer(buffer, dtype=...)`` reads any object with the buffer protocol
  (``bytes``, ``bytearray``, ``memoryview``, ``array.array``, a memory map) as a 1-d
  tensor *sharing* its memory, like ``torch.frombuffer``.
* DLPack is the ecosystem's zero-copy exchange format: ``from_dlpack(x)`` takes any
  object with ``__dlpack__`` (a PyTorch or JAX CPU tensor, a NumPy array, ...) and
  ``tinytorch_tensor.__dlpack__()`` lets those libraries take ours
  (``torch.from_dlpack(t)``). NumPy implements the protocol; this only passes it on.

Nothing is copied: writes through one side show on the other, as in PyTorch.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from .dtypes import dtype_argument
from .tensor import Tensor

__all__ = ["from_dlpack", "frombuffer", "to_dlpack"]


def frombuffer(buffer: object, *, dtype: object, count: int = -1, offset: int = 0) -> Tensor:
    """A 1-d tensor of ``count`` values of ``dtype`` (all: -1) read from ``buffer`` after ``offset`` bytes.

    A read-only buffer (``bytes``) gives a tensor that cannot be written in place;
    PyTorch warns and lets writes through, NumPy refuses them: this warns as PyTorch
    does and keeps NumPy's refusal.
    """
    try:
        view = memoryview(buffer)
    except TypeError:
        raise TypeError(
            f"frombuffer: expected an object with the buffer protocol (bytes, bytearray, memoryview, "
            f"array.array), got {type(buffer).__name__}"
        ) from None
    numpy_dtype = dtype_argument("frombuffer", dtype).numpy
    size = view.nbytes
    if size == 0 or count == 0:
        raise ValueError(f"frombuffer: both buffer length ({size}) and count ({count}) must not be 0")
    if not 0 <= offset < size:
        raise ValueError(
            f"frombuffer: offset ({offset} bytes) must be non-negative and no greater than buffer length "
            f"({size} bytes) minus 1"
        )
    rest = size - offset
    if count < 0:
        if rest % numpy_dtype.itemsize:
            raise ValueError(
                f"frombuffer: buffer length ({rest} bytes) after offset ({offset} bytes) must be a "
                f"multiple of element size ({numpy_dtype.itemsize})"
            )
        count = rest // numpy_dtype.itemsize
    elif count * numpy_dtype.itemsize > rest:
        raise ValueError(
            f"frombuffer: requested buffer length ({count} * {numpy_dtype.itemsize} bytes) after offset "
            f"({offset} bytes) must not be greater than actual buffer length ({size} bytes)"
        )
    if view.readonly:
        warnings.warn(
            "frombuffer: the given buffer is not writable; the tensor shares its memory and cannot be "
            "written in place (copy the buffer, e.g. bytearray(buffer), for a writable tensor)",
            UserWarning,
            stacklevel=_callers_level(),
        )
    return Tensor.from_array(np.frombuffer(buffer, dtype=numpy_dtype, count=count, offset=offset))


def from_dlpack(ext_tensor: object) -> Tensor:
    """A tensor sharing memory with ``ext_tensor``, any CPU array that implements ``__dlpack__``."""
    if not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(
            f"from_dlpack: expected an object with __dlpack__ (a PyTorch, JAX or NumPy CPU array), got "
            f"{type(ext_tensor).__name__}"
        )
    try:
        array = np.from_dlpack(ext_tensor)
    except (BufferError, RuntimeError, TypeError) as error:
        raise RuntimeError(f"from_dlpack: cannot read {type(ext_tensor).__name__}: {error}") from error
    return Tensor.from_array(array)


def to_dlpack(tensor: Tensor) -> object:
    """A DLPack capsule of ``tensor``'s memory (the legacy form of ``tensor.__dlpack__()``)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack: expected a tensor, got {type(tensor).__name__}")
    return tensor.__dlpack__()


def _callers_level() -> int:
    """``stacklevel`` of the first frame outside TinyTorch's tensor packages (the factory may be wrapped)."""
    frame, level = sys._getframe(2), 2  # frombuffer's caller
    ours = ("tt_tensor", "tt_autograd")
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] in ours:
        frame, level = frame.f_back, level + 1
    return level
