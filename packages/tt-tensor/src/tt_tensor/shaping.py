"""Shape kernels: reshape, transpose, squeeze, expand, cat, stack, split, NumPy in and out.

Most return *views* that share memory with their input, as in PyTorch
(``reshape`` copies only when the layout forces it, ``view`` never does;
``expand`` is a read-only zero-stride view). ``cat`` and ``stack`` copy. Every error names the
operation and the shapes involved.
"""

from __future__ import annotations

import functools

import numpy as np

from .checks import normalize_dim, normalize_dims, parse_shape
from .dtypes import promote_types


def reshape(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``a`` with a new shape of the same number of elements; one entry may be -1.

    A view when the layout allows it, else a copy (as ``torch.reshape``).
    """
    if any(size < -1 for size in parse_shape("reshape", shape)):  # NumPy would take -2 for -1
        raise invalid_shape_error("reshape", a, parse_shape("reshape", shape))
    # BEGIN SOLUTION 01
    # TODO: a with a new shape of the same size (one entry may be
    #   -1), a view when NumPy can (§ Views and copies).
    # HINT: parse_shape checks the shape; NumPy's ValueError becomes invalid_shape_error("reshape", a, shape).
    shape = parse_shape("reshape", shape)
    try:
        return a.reshape(shape)
    except ValueError:
        raise invalid_shape_error("reshape", a, shape) from None
    # END SOLUTION


def view(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Like :func:`reshape`, but always a view: refuses (as ``torch.Tensor.view``) when that needs a copy."""
    # BEGIN SOLUTION 01
    # TODO: like reshape, but always a view: refuse when the strides need a copy (§ Views and copies).
    # APPROACH: np.reshape(a, shape, copy=False) raises when no view exists; then tell apart a size
    #   mismatch (_fits) from a stride problem, and suggest .reshape for the latter.
    shape = parse_shape("view", shape)
    try:
        return np.reshape(a, shape, copy=False)
    except ValueError:
        if not _fits(a.size, shape):
            raise invalid_shape_error("view", a, shape) from None
        strides = tuple(s // a.itemsize for s in a.strides)
        raise RuntimeError(
            f"view: shape {list(shape)} is not compatible with the tensor's shape {a.shape} and strides "
            f"{strides}: no view can hold it without a copy; use .reshape(...) instead"
        ) from None
    # END SOLUTION


def invalid_shape_error(op: str, a: np.ndarray, shape: tuple[int, ...]) -> RuntimeError:
    """The error for a shape that cannot hold ``a``'s elements."""
    return RuntimeError(
        f"{op}: shape {list(shape)} is invalid for input of size {a.size} (input shape {a.shape})"
    )


def _fits(size: int, shape: tuple[int, ...]) -> bool:
    """Whether ``shape`` (with at most one -1) can hold exactly ``size`` elements."""
    # BEGIN SOLUTION 01
    # TODO: whether shape (with at most one -1, no other negative) can hold exactly size elements.
    # EXAMPLE: _fits(12, (3, -1)) is True; _fits(12, (5, -1)) and _fits(12, (-1, -1)) are False.
    known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
    if shape.count(-1) > 1 or any(s < -1 for s in shape):
        return False
    if -1 in shape:
        return known > 0 and size % known == 0
    return known == size
    # END SOLUTION


def transpose(a: np.ndarray, dim0: int, dim1: int) -> np.ndarray:
    """Swap two dimensions (a view)."""
    # BEGIN SOLUTION 01
    # TODO: a view with dims dim0 and dim1 swapped (§ Views and copies); a 0-d or 1-d tensor comes back as is.
    if a.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return a
    return np.swapaxes(a, normalize_dim("transpose", dim0, a.ndim), normalize_dim("transpose", dim1, a.ndim))
    # END SOLUTION


def permute(a: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    """Reorder all dimensions (a view); ``dims`` must name each dimension once."""
    # BEGIN SOLUTION 01
    # TODO: a view with all dims reordered; dims must name each dimension exactly once (else an error).
    dims = parse_shape("permute", dims)
    axes = tuple(normalize_dim("permute", d, a.ndim) for d in dims)
    if sorted(axes) != list(range(a.ndim)):
        raise RuntimeError(
            f"permute: dims {dims} must be a permutation of 0..{a.ndim - 1} for shape {a.shape}"
        )
    return a.transpose(axes)
    # END SOLUTION


def squeeze(a: np.ndarray, dim=None) -> np.ndarray:
    """Drop dimensions of size 1 (all, or only those in ``dim`` that have size 1)."""
    # BEGIN SOLUTION 01
    # TODO: drop size-1 dims: all of them (dim None), or those listed in dim that have size 1 (others stay).
    if dim is None:
        return a.squeeze()
    dims = normalize_dims("squeeze", dim, a.ndim)  # a dim named twice: PyTorch's RuntimeError
    axes = tuple(d for d in dims if a.shape[d] == 1)
    return a.squeeze(axes) if axes else a
    # END SOLUTION


def unsqueeze(a: np.ndarray, dim: int) -> np.ndarray:
    """Insert a dimension of size 1 at ``dim`` (``-1`` appends)."""
    # BEGIN SOLUTION 01
    # TODO: insert a size-1 dim at dim; dim counts in the result's ndim + 1 positions (-1 appends).
    return np.expand_dims(a, normalize_dim("unsqueeze", dim, a.ndim + 1))
    # END SOLUTION


def flatten(a: np.ndarray, start_dim: int = 0, end_dim: int = -1) -> np.ndarray:
    """Merge dimensions ``start_dim..end_dim`` into one."""
    # BEGIN SOLUTION 01
    # TODO: merge dims start_dim..end_dim into one; a 0-d tensor becomes shape (1,).
    # EXAMPLE: shape (2, 3, 4, 5), start_dim 1, end_dim 2 -> (2, 12, 5).
    if a.ndim == 0:
        return a.reshape(1)
    start = normalize_dim("flatten", start_dim, a.ndim)
    end = normalize_dim("flatten", end_dim, a.ndim)
    if start > end:
        raise RuntimeError(
            f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {a.shape}"
        )
    merged = int(np.prod(a.shape[start : end + 1], dtype=np.int64))
    return a.reshape(a.shape[:start] + (merged,) + a.shape[end + 1 :])
    # END SOLUTION


def expand(a: np.ndarray, sizes: tuple[int, ...]) -> np.ndarray:
    """Broadcast size-1 dimensions to ``sizes`` without copying; -1 keeps a size."""
    # BEGIN SOLUTION 01
    # TODO: broadcast size-1 dims to sizes without copying (-1 keeps a size; new dims go in front).
    # HINT: np.broadcast_to returns a read-only view: exactly what expand is (§ Views and copies).
    sizes = parse_shape("expand", sizes)
    if len(sizes) < a.ndim:
        raise RuntimeError(
            f"expand: the number of sizes {len(sizes)} is less than the tensor's dims {a.shape}"
        )
    lead = len(sizes) - a.ndim
    target = tuple(a.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    try:
        return np.broadcast_to(a, target)
    except ValueError:
        raise RuntimeError(
            f"expand: cannot expand shape {a.shape} to {sizes}; only size-1 dimensions can grow"
        ) from None
    # END SOLUTION


def cat(arrays: list[np.ndarray], dim: int = 0) -> np.ndarray:
    """Join arrays along an existing ``dim``; all other sizes must match. Mixed dtypes promote."""
    # BEGIN SOLUTION 01
    # TODO: join arrays along an existing dim; all other sizes must match; mixed dtypes promote.
    # HINT: 0-d tensors cannot be joined; _common_dtype casts PyTorch's way, then np.concatenate.
    if not arrays:
        raise ValueError("cat: expected a non-empty list of tensors")
    for position, a in enumerate(arrays):
        if a.ndim == 0:
            raise RuntimeError(
                f"cat: zero-dimensional tensor (at position {position}) cannot be concatenated"
            )
    axis = normalize_dim("cat", dim, arrays[0].ndim)
    try:
        return np.concatenate(_common_dtype(arrays), axis=axis)
    except ValueError:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise RuntimeError(
            f"cat: tensors must have the same shape except in dim {dim}, got shapes [{shapes}]"
        ) from None
    # END SOLUTION


def stack(arrays: list[np.ndarray], dim: int = 0) -> np.ndarray:
    """Join same-shaped arrays along a new ``dim``. Mixed dtypes promote."""
    # BEGIN SOLUTION 01
    # TODO: join same-shaped arrays along a new dim (which counts in
    #   ndim + 1 positions); mixed dtypes promote.
    if not arrays:
        raise ValueError("stack: expected a non-empty list of tensors")
    axis = normalize_dim("stack", dim, arrays[0].ndim + 1)
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise RuntimeError(f"stack: all tensors must have the same shape, got {[a.shape for a in arrays]}")
    return np.stack(_common_dtype(arrays), axis=axis)
    # END SOLUTION


def _common_dtype(arrays: list[np.ndarray]) -> list[np.ndarray]:
    """The arrays cast to one dtype by PyTorch's promotion (NumPy's would widen int + float32 to float64)."""
    # BEGIN SOLUTION 01
    # TODO: the arrays cast to one dtype by PyTorch's promotion (§ Dtypes: PyTorch's promotion, not NumPy's).
    # HINT: functools.reduce(promote_types, dtypes); return the list unchanged when all dtypes agree.
    dtype = arrays[0].dtype
    if all(a.dtype == dtype for a in arrays):
        return arrays
    dtype = functools.reduce(promote_types, (a.dtype for a in arrays))
    return [a.astype(dtype, copy=False) for a in arrays]
    # END SOLUTION


def split_points(size: int, split_size_or_sections, op: str = "split") -> list[int]:
    """Where to cut a dimension of ``size``: by a chunk size (last may be smaller) or a list of sizes."""
    # BEGIN SOLUTION 01
    # TODO: where to cut a dim of size: every split_size (the last piece may be smaller), or after each
    #   of a list of section sizes (which must add up to size).
    # EXAMPLE: split_points(10, 4) == [4, 8]; split_points(10, [2, 3, 5]) == [2, 5].
    if isinstance(split_size_or_sections, (list, tuple)):
        sections = list(split_size_or_sections)
        if sum(sections) != size:
            raise RuntimeError(f"{op}: sizes {sections} do not add up to the dimension's size {size}")
        return list(np.cumsum(sections)[:-1])
    step = int(split_size_or_sections)
    if step <= 0:
        raise ValueError(f"{op}: split size must be positive, got {step}")
    return list(range(step, size, step))
    # END SOLUTION


def split(a: np.ndarray, split_size_or_sections, dim: int = 0) -> list[np.ndarray]:
    """Views of consecutive pieces of ``a`` along ``dim``."""
    # BEGIN SOLUTION 01
    # TODO: views of consecutive pieces of a along dim, cut at split_points.
    axis = normalize_dim("split", dim, a.ndim)
    return np.split(a, split_points(a.shape[axis], split_size_or_sections), axis=axis)
    # END SOLUTION


def chunk(a: np.ndarray, chunks: int, dim: int = 0) -> list[np.ndarray]:
    """Split into ``chunks`` pieces of size ``ceil(n / chunks)`` (the last may be smaller)."""
    # BEGIN SOLUTION 01
    # TODO: chunks pieces of size ceil(n / chunks) along dim (fewer if n is small); chunks <= 0 is an error.
    # HINT: an empty dim (n = 0) gives chunks empty pieces, as in PyTorch.
    if chunks <= 0:
        raise ValueError(f"chunk: number of chunks must be positive, got {chunks}")
    axis = normalize_dim("chunk", dim, a.ndim)
    if a.shape[axis] == 0:
        return np.split(a, chunks, axis=axis)
    return split(a, -(-a.shape[axis] // chunks), axis)
    # END SOLUTION


def repeat(a: np.ndarray, sizes: tuple[int, ...]) -> np.ndarray:
    """Tile ``a`` ``sizes[i]`` times along each dimension (PyTorch's ``repeat``, NumPy's ``tile``)."""
    # BEGIN SOLUTION 01
    # TODO: tile a sizes[i] times along each dim (PyTorch's repeat is NumPy's tile, not np.repeat).
    # EXAMPLE: shape (2, 3) repeated (2, 1, 2) -> (2, 2, 6); fewer sizes than dims is an error.
    sizes = parse_shape("repeat", sizes)
    if len(sizes) < a.ndim:
        raise RuntimeError(f"repeat: need at least {a.ndim} repeat counts for shape {a.shape}, got {sizes}")
    return np.tile(a, sizes)
    # END SOLUTION
