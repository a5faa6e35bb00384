"""PyTorch's small top-level utilities: ``is_tensor``, ``isin``, ``unravel_index``, ``broadcast_shapes``,
``scalar_tensor``, ``asarray``, ``rsub``, ``randint_like``.

Not course material. Each is a thin composition of tensor methods or NumPy calls;
``rsub`` is made of recorded ops, so tt-autograd's tensors get its gradient.

Example:
    >>> import tt_tensor as tt
    >>> tt.isin(tt.tensor([1, 2, 3]), tt.tensor([2, 5])).tolist()
    [False, True, False]
"""

from __future__ import annotations

import numpy as np

from . import memory_formats as formats
from . import pointwise
from ._base import TensorBase, operand
from .checks import check_bool, check_count, check_tensor, parse_size
from .creation import as_tensor, randint
from .dtypes import dtype_argument, get_default_dtype
from .functional import _most_derived, batchable
from .random import Generator, drawn
from .tensor import Tensor


def is_tensor(obj: object) -> bool:
    """Whether ``obj`` is a TinyTorch tensor (of any package's Tensor class)."""
    return isinstance(obj, TensorBase)


@batchable
def isin(
    elements: object, test_elements: object, *, assume_unique: bool = False, invert: bool = False
) -> Tensor:
    """A bool tensor of ``elements``' shape: whether each is among ``test_elements`` (``~`` with ``invert``).

    Either may be a number. Cost: a sort of both (NumPy's ``isin``).
    """
    check_bool("isin", "assume_unique", assume_unique)
    check_bool("isin", "invert", invert)
    values, tests = (
        _array("isin", name, v) for name, v in (("elements", elements), ("test_elements", test_elements))
    )
    found = np.isin(values, tests, assume_unique=assume_unique, invert=invert)
    return _most_derived([elements, test_elements]).from_array(np.asarray(found))


@batchable
def unravel_index(indices: object, shape: object) -> tuple[Tensor, ...]:
    """The coordinates in ``shape`` of flat ``indices`` (int64 tensors, one per dim; negative indices
    count from the end). An index outside ``[-size, size)`` is refused; PyTorch 2.13 wraps it around
    silently (6 in shape (2, 3) gives (0, 0)), which hides an off-by-one."""
    flat = _array("unravel_index", "indices", indices)
    if flat.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: indices must be integers, got {flat.dtype}")
    dims = parse_size("unravel_index", (shape,))
    size = int(np.prod(dims))
    if np.any(flat >= size) or np.any(flat < -size):
        raise RuntimeError(f"unravel_index: an index is out of range for shape {dims} (size {size})")
    coordinates = np.unravel_index(np.where(flat < 0, flat + size, flat), dims)
    result = _most_derived([indices])
    return tuple(result.from_array(np.asarray(c, dtype=np.int64)) for c in coordinates)


def broadcast_shapes(*shapes: object) -> tuple[int, ...]:
    """The shape that tensors of ``shapes`` broadcast to; each shape a tuple of ints or an int."""
    sizes = [
        (check_count("broadcast_shapes", "shape", s),) if not isinstance(s, (tuple, list)) else tuple(s)
        for s in shapes
    ]
    try:
        return tuple(int(n) for n in np.broadcast_shapes(*sizes))
    except ValueError:
        listed = ", ".join(str(s) for s in sizes)
        raise RuntimeError(f"broadcast_shapes: shapes {listed} cannot be broadcast together") from None


def scalar_tensor(s: object, *, dtype: object = None) -> Tensor:
    """A 0-d tensor holding the number ``s``, of the default float dtype unless ``dtype`` says otherwise."""
    if isinstance(s, TensorBase) or not isinstance(s, (int, float, bool, np.number, np.bool_)):
        raise TypeError(f"scalar_tensor: s must be a number, got {type(s).__name__}")
    return Tensor(
        np.asarray(
            s, dtype=(get_default_dtype() if dtype is None else dtype_argument("scalar_tensor", dtype)).numpy
        )
    )


def asarray(obj: object, *, dtype: object = None, copy: bool | None = None) -> Tensor:
    """A tensor from ``obj``, sharing memory with an array or tensor when it can (``copy=True`` copies)."""
    dtype = None if dtype is None else dtype_argument("asarray", dtype)
    if copy:
        return as_tensor(np.array(obj.numpy() if isinstance(obj, TensorBase) else obj, copy=True), dtype)
    return as_tensor(obj, dtype)


def rsub(input: Tensor, other: object, *, alpha: float = 1) -> Tensor:  # noqa: A002
    """``other - alpha * input``: subtraction with the operands swapped."""
    check_tensor("rsub", input)
    pointwise.check_subtraction("rsub", other, input)
    alpha = pointwise.check_alpha(
        "rsub", input, other if isinstance(other, TensorBase) else operand(other), alpha
    )
    return (input if alpha == 1 else input * alpha).neg() + other


@drawn
def randint_like(
    input: Tensor,
    low: int = 0,
    high: int | None = None,
    *,
    generator: Generator | None = None,
    dtype=None,  # noqa: A002
    memory_format: object = None,
) -> Tensor:
    """:func:`randint` with ``input``'s shape and dtype (and layout, unless ``memory_format`` says):
    ``randint_like(x, high)`` or ``(x, low, high)``."""
    check_tensor("randint_like", input)
    made = randint(  # (randint reads a missing high as "low is the high, from 0")
        low, high, tuple(input.shape), generator=generator, dtype=input.dtype if dtype is None else dtype
    )
    return Tensor.from_array(formats.like(made.array, input.array, memory_format, "randint_like"))


def _array(op: str, name: str, value: object) -> np.ndarray:
    if isinstance(value, TensorBase):
        return value.array
    if isinstance(value, (int, float, np.number, np.bool_, list, tuple)):
        return np.asarray(value)
    raise TypeError(f"{op}: {name} must be a tensor or a number, got {type(value).__name__}")
