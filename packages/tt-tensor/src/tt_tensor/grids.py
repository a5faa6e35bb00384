"""Grids of values and indices beyond the exercises: ``meshgrid``, ``logspace``, ``tril_indices``, ...

Not course material. ``meshgrid`` is a composition of ``reshape`` and
``expand`` (so tt-autograd records it for free: each output is an expanded
view of its input, and its gradient sums back); the others are factories
(tt-autograd wraps them to take ``requires_grad`` and ``device``).
"""

from __future__ import annotations

import numpy as np

from .checks import check_count
from .dtypes import check_kernel_dtype, dtype_argument, get_default_dtype
from .functional import _tensor_list
from .tensor import Tensor


def meshgrid(*tensors: Tensor, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D (or 0-d) tensors: output ``i`` repeats ``tensors[i]`` along its own dim.

    ``indexing="ij"`` (the default) gives shape ``(len(t0), len(t1), ...)``;
    ``"xy"`` swaps the first two dims (``(len(t1), len(t0), ...)``, NumPy's
    default). PyTorch warns when ``indexing`` is not given and uses ``"ij"``;
    TinyTorch uses ``"ij"`` without a warning. The outputs are read-only
    expanded views (no copy). Tensors may also come as one list.

    Example:
        >>> import tt_tensor as tt
        >>> rows, cols = meshgrid(tt.tensor([1, 2]), tt.tensor([5, 6, 7]))
        >>> rows.shape, cols[0].tolist()
        (tt.Size([2, 3]), [5, 6, 7])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    tensors = _tensor_list("meshgrid", list(tensors))
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: expected 0D or 1D tensors, got one of shape {t.shape}")
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError(
            f"meshgrid expects all tensors to have the same dtype, got {[str(t.dtype) for t in tensors]}"
        )
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        order[0], order[1] = 1, 0  # the position of each input's dim in the output
    shape = [0] * len(tensors)
    for i, t in enumerate(tensors):
        shape[order[i]] = t.numel()
    grids = []
    for i, t in enumerate(tensors):
        along = [1] * len(tensors)
        along[order[i]] = -1
        grids.append(t.reshape(*along).expand(*shape))
    return tuple(grids)


def logspace(start: float, end: float, steps: int, base: float = 10.0, dtype: object = None) -> Tensor:
    """``base ** linspace(start, end, steps)``: ``steps`` values evenly spaced on a log scale."""
    steps = check_count("logspace", "steps", steps)
    numpy_dtype = get_default_dtype().numpy if dtype is None else dtype_argument("logspace", dtype).numpy
    check_kernel_dtype("logspace", numpy_dtype, "b")  # (PyTorch has no bool logspace)
    return Tensor.from_array(np.logspace(start, end, steps, base=base).astype(numpy_dtype))


def _triangle_indices(op: str, row: int, col: int, offset: int, lower: bool, dtype: object) -> Tensor:
    row, col = check_count(op, "row", row), check_count(op, "col", col)
    rows, cols = np.indices((row, col))
    inside = cols - rows <= offset if lower else cols - rows >= offset
    numpy_dtype = np.int64 if dtype is None else dtype_argument(op, dtype).numpy
    return Tensor.from_array(np.stack([rows[inside], cols[inside]]).astype(numpy_dtype))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: object = None) -> Tensor:
    """The ``(2, N)`` int64 coordinates of a ``row x col`` matrix's lower triangle, row by row.

    ``offset`` moves the diagonal: ``> 0`` takes that many diagonals above it, ``< 0`` drops some.
    """
    return _triangle_indices("tril_indices", row, col, offset, lower=True, dtype=dtype)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: object = None) -> Tensor:
    """The ``(2, N)`` int64 coordinates of the upper triangle (from diagonal ``offset`` up), row by row."""
    return _triangle_indices("triu_indices", row, col, offset, lower=False, dtype=dtype)


__all__ = ["logspace", "meshgrid", "tril_indices", "triu_indices"]
