"""A tensor's storage, the memory its elements sit in: ``as_strided``, ``storage_offset``, ``data_ptr``.

A NumPy array that is a view (a slice, a transpose) points into the memory of the
array it was made from; following ``.base`` back to the array that owns the memory
gives PyTorch's *storage*, and the view's first element sits ``storage_offset()``
elements into it. ``as_strided(size, stride, storage_offset)`` reads that storage
with any sizes and strides (in elements), as PyTorch does: a view, no copy, which
may repeat elements (overlapping strides). Negative strides are refused, as there.

Cost: O(1) for the view; the index arrays (``element_indices``) that ``as_strided``'s
gradient scatters with are one pass over the elements.
"""

from __future__ import annotations

import numpy as np

from .checks import check_count, normalize_dim

__all__ = ["as_strided_view", "element_indices", "storage_of"]


def storage_of(array: np.ndarray) -> tuple[np.ndarray, int]:
    """``(storage, offset)``: the owning memory as a 1-d array of ``array``'s dtype; where ``array`` starts.

    An array whose owner is not one row-major block (or whose dtype does not tile it)
    is its own storage, if it is row-major itself.
    """
    root = array
    while isinstance(root.base, np.ndarray):
        root = root.base
    start = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    if root.flags.c_contiguous and root.nbytes % array.itemsize == 0 and start % array.itemsize == 0:
        return root.reshape(-1).view(np.uint8).view(array.dtype), start // array.itemsize
    if array.flags.c_contiguous:
        return array.reshape(-1), 0
    raise RuntimeError(
        "as_strided: this tensor's memory is not one row-major block TinyTorch can address; call "
        ".contiguous() first"
    )


def as_strided_view(array: np.ndarray, size: tuple[int, ...], stride: tuple[int, ...], offset: int | None):
    """``array``'s storage read with ``size``, ``stride`` (elements) from ``offset`` (default: its own)."""
    storage, own = storage_of(array)
    offset = own if offset is None else offset
    check_geometry(size, stride, offset, storage.size, array.itemsize)
    return np.lib.stride_tricks.as_strided(
        storage[offset:], shape=size, strides=tuple(s * array.itemsize for s in stride)
    )


def check_geometry(size, stride, offset: int, storage_size: int, itemsize: int) -> None:
    """PyTorch's checks: one stride per size, none negative, every element inside the storage."""
    if len(size) != len(stride):
        raise RuntimeError(
            f"as_strided: mismatch in length of strides and shape ({len(size)} sizes, {len(stride)} strides)"
        )
    if any(s < 0 for s in stride):
        raise RuntimeError(
            f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}"
        )
    if any(n < 0 for n in size) or offset < 0:
        raise RuntimeError(
            f"as_strided: sizes and storage_offset must be >= 0, got sizes {list(size)}, offset {offset}"
        )
    needed = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if needed > storage_size:
        raise RuntimeError(
            f"as_strided: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and itemsize "
            f"{itemsize} requiring a storage size of {needed * itemsize} are out of bounds for storage of "
            f"size {storage_size * itemsize}"
        )


def element_indices(size, stride, offset: int) -> np.ndarray:
    """The storage index of every element of a ``size``/``stride`` view from ``offset``, shaped ``size``."""
    index = np.full(tuple(size), offset, dtype=np.int64)
    for axis, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[axis] = n
        index += (np.arange(n, dtype=np.int64) * s).reshape(shape)
    return index


def diagonal_args(tensor: object, offset: object, dim1: object, dim2: object) -> tuple[int, int, int]:
    """``diagonal``'s checked ``(offset, dim1, dim2)``, the dims made non-negative."""
    offset = check_count("diagonal", "offset", offset, minimum=None)
    d1, d2 = normalize_dim("diagonal", dim1, tensor.ndim), normalize_dim("diagonal", dim2, tensor.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same dimension, got {dim1} and {dim2}")
    return offset, d1, d2


def diagonal_view(array: np.ndarray, offset: int, d1: int, d2: int) -> np.ndarray:
    """The diagonal of ``array``'s ``(d1, d2)`` planes as its last dim, a view that writes through (NumPy's
    ``np.diagonal`` is read-only): the other dims in order, then the diagonal, whose stride is the sum of
    the two dims' strides. Cost: O(ndim), no copy."""
    rows, cols = array.shape[d1], array.shape[d2]
    length = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    rest = [d for d in range(array.ndim) if d not in (d1, d2)]
    start = (
        array[
            tuple(
                slice(max(-offset, 0) if d == d1 else max(offset, 0), None) if d in (d1, d2) else slice(None)
                for d in range(array.ndim)
            )
        ]
        if length
        else array
    )
    shape = tuple(array.shape[d] for d in rest) + (length,)
    strides = tuple(array.strides[d] for d in rest) + (array.strides[d1] + array.strides[d2],)
    return np.lib.stride_tricks.as_strided(start, shape, strides, writeable=array.flags.writeable)
