"""vmap: ``index_copy``, ``index_fill`` and ``index_put`` with a batched index, without a loop.

An unbatched index runs the op as it is (PutFunction's rule puts the key behind the batch dims).
A batched index differs per sample, so the samples are flattened into one leading dim of
``count`` rows (the product of the batch sizes), the tensor written into is expanded to it, and
the key gets that row as one more advanced index in front: ``(rows, ..., index)``. Each sample
then writes only its own row, through the same ``PutFunction`` as one sample's call, so values,
duplicates (the last write wins; index_put's ``accumulate`` adds) and gradients are the loop's.

* ``index_copy(dim, index, source)``: key ``(rows[:, None], :, ..., index)``; NumPy puts the
  advanced dims ``(count, n)`` first, so the source's ``dim`` is moved to follow its row;
* ``index_fill(dim, index, value)``: each row's positions made unique (as the op does, so a
  position filled twice takes the value's gradient once): key ``(rows, :, ..., positions)`` of
  the filled (row, position) pairs; a batched 0-d value is read at each pair's row;
* ``index_put(indices, values, accumulate)``: integer indices only; key ``(rows, *indices)``,
  each index flattened to its rows (or broadcast when it is not batched); batched values are
  flattened to rows like the result.

Inputs the op would refuse (ranks, dtypes, shapes, positions out of range) and boolean masks
(whose selected count differs per sample) loop over the samples, so the error or result is the
op's own. Cost: one expanded copy of the tensor written into, then one write.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import tt_tensor
from tt_tensor.checks import normalize_dim
from tt_tensor.tensor import operand

from .batched import BatchedTensor, _tensors, aligned, logical_ndim, per_sample, physical, union, wrap
from .functions.index_extra import PutFunction
from .tensor import Tensor


def indexed_write(name: str, index: Any, self: Any, *args: Any) -> Any:
    """``self.<name>(*args)`` while a vmap runs: None when no index is batched (the op runs as it is),
    else its result with the batched index, vectorised where the inputs allow, else looped."""
    from .batched import STATE

    if STATE.physical or not any(type(v) is BatchedTensor for v in _tensors(index)):
        return None
    out = {"index_copy": _index_copy, "index_fill": _index_fill, "index_put": _index_put}[name](self, *args)
    if out is None:  # (an input the op refuses, or a boolean mask)
        return per_sample(f"Tensor.{name}", getattr(Tensor, name), (self, *args), {})
    return out


def _rows(values: tuple) -> tuple:
    """The vmap levels of ``values``, their sizes, and ``count``, the number of samples."""
    levels, sizes = union(values)
    return levels, sizes, math.prod(sizes[level] for level in levels)


def _flat(value: Any, levels: tuple, sizes: dict, count: int) -> Tensor:
    """``value`` (a batched tensor) expanded to every level and flattened to ``(count, *logical)``."""
    full = aligned(value, levels, sizes, logical_ndim(value), expand=True)
    with physical():
        return full.reshape(count, *full.shape[len(levels) :])


def _positions(index: Any, levels: tuple, sizes: dict, count: int) -> np.ndarray:
    """A batched index's positions, ``(count, *logical)`` (a NumPy array: indices are not differentiated)."""
    with physical():
        return np.asarray(_flat(index, levels, sizes, count).array)


def _written(self: Any, values: Any, key: tuple, accumulate: bool, levels: tuple, sizes: dict) -> Tensor:
    """``self`` (flattened to rows) with ``values`` put at ``key``, its batch dims restored."""
    count = math.prod(sizes[level] for level in levels)
    rows = _flat(self, levels, sizes, count)
    with physical():
        out = PutFunction.apply(rows, values, key=key, accumulate=accumulate)
        out = out.reshape(*(sizes[level] for level in levels), *out.shape[1:])
    return wrap(out, levels)


def _axis(self: Any, dim: Any, index: Any, negative: bool) -> int | None:
    """The axis along ``dim`` of a batched 0-d or 1-d integer ``index`` whose positions are all in
    ``[0, size)`` (``[-size, size)`` when ``negative``); None for what the op refuses (the loop
    raises its error)."""
    if self.ndim == 0 or index.ndim > 1:
        return None
    try:
        axis = normalize_dim("index", dim, self.ndim)
    except (IndexError, TypeError):
        return None
    size = self.shape[axis]
    with physical():
        positions = np.asarray(index.array)
    lowest = -size if negative else 0
    if positions.dtype.kind not in "iu" or ((positions < lowest) | (positions >= size)).any():
        return None
    return axis


def _index_copy(self: Any, dim: Any, index: Any, source: Any) -> Tensor | None:
    axis = _axis(self, dim, index, False)
    if axis is None or not isinstance(source, tt_tensor.Tensor) or source.dtype != self.dtype:
        return None
    n = index.numel()
    if tuple(source.shape) != (*self.shape[:axis], n, *self.shape[axis + 1 :]):
        return None
    levels, sizes, count = _rows((self, index, source))
    positions = _positions(index, levels, sizes, count).reshape(count, n)
    values = _flat(source, levels, sizes, count)
    order = (0, axis + 1, *(d + 1 for d in range(self.ndim) if d != axis))
    with physical():  # (count, n, the other dims): where NumPy puts the key's advanced dims
        values = values.permute(*order)
    key = (np.arange(count)[:, None], *(slice(None),) * axis, positions)
    return _written(self, values, key, False, levels, sizes)


def _index_fill(self: Any, dim: Any, index: Any, value: Any) -> Tensor | None:
    axis = _axis(self, dim, index, True)
    if axis is None or index.dtype != tt_tensor.int64 or tuple(getattr(value, "shape", ())) != ():
        return None
    size = self.shape[axis]
    levels, sizes, count = _rows((self, index, value))
    positions = _positions(index, levels, sizes, count).reshape(count, -1) % size
    filled = np.zeros((count, size), dtype=np.bool_)
    filled[np.arange(count)[:, None], positions] = True  # (a position given twice is filled once)
    rows, cols = np.nonzero(filled)
    if type(value) is BatchedTensor:  # each filled position takes its row's value
        ones = (1,) * (self.ndim - 1)
        value = _flat(value, levels, sizes, count)
        with physical():
            value = value[rows].reshape(-1, *ones)
    return _written(self, value, (rows, *(slice(None),) * axis, cols), False, levels, sizes)


def _index_put(self: Any, indices: Any, values: Any, accumulate: bool = False) -> Tensor | None:
    if not isinstance(indices, (tuple, list)) or not isinstance(values, tt_tensor.Tensor):
        return None
    if values.dtype != self.dtype or len(indices) > self.ndim:
        return None
    levels, sizes, count = _rows((self, values, *_tensors(indices)))
    arrays = []
    for index in indices:
        if type(index) is BatchedTensor:
            arrays.append(_positions(index, levels, sizes, count))
        else:
            arrays.append(np.asarray(operand(index))[None])
    if any(a.dtype.kind not in "iu" for a in arrays):
        return None  # (a boolean mask: its selected count differs per sample)
    for axis, array in enumerate(arrays):
        if ((array < -self.shape[axis]) | (array >= self.shape[axis])).any():
            return None
    try:
        shape = np.broadcast_shapes(*(a.shape[1:] for a in arrays))
        region = (*shape, *self.shape[len(arrays) :])
        if np.broadcast_shapes(tuple(values.shape), region) != region:
            return None
    except ValueError:
        return None
    if type(values) is BatchedTensor:
        pad = (1,) * (len(region) - values.ndim)  # (values' dims padded in front to the region's rank)
        values = _flat(values, levels, sizes, count)
        with physical():
            values = values.reshape(count, *pad, *values.shape[1:])
    lead = np.arange(count).reshape(count, *(1,) * len(shape))
    key = (lead, *(a.reshape(a.shape[0], *(1,) * (len(shape) - a.ndim + 1), *a.shape[1:]) for a in arrays))
    return _written(self, values, key, bool(accumulate), levels, sizes)
