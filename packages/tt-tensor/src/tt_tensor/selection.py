"""Kernels that order, move and scatter elements: sort, top-k, roll, diag, scatter, einsum.

NumPy in, NumPy out, like the other kernel modules; the error messages name
the op, the shapes and the fix. tt-autograd differentiates them (the values
of ``sort``/``topk`` are a ``take_along_dim`` of the input, so their gradient
is the one of that selection).

Example:
    >>> import numpy as np
    >>> values, indices = topk(np.array([1.0, 5.0, 3.0]), 2, dim=0)
    >>> values, indices
    (array([5., 3.]), array([1, 2]))
"""

from __future__ import annotations

import operator
import string

import numpy as np

from .checks import check_bool, normalize_dim


def argsort(a: np.ndarray, dim: int = -1, descending: bool = False) -> np.ndarray:
    """Indices (int64) that sort ``a`` along ``dim``; ties keep their order (stable), NaN counts as largest.

    Cost: O(n log n) per slice.
    """
    if a.ndim == 0:
        return np.zeros((), dtype=np.int64)
    axis = normalize_dim("sort", dim, a.ndim)
    if not descending:
        return np.argsort(a, axis=axis, kind="stable").astype(np.int64, copy=False)
    # Descending and stable: sort the reversed slice ascending, then reverse back, so equal
    # elements come out in their original order (a plain flip would reverse the ties).
    size = a.shape[axis]
    order = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
    return (size - 1 - np.flip(order, axis)).astype(np.int64, copy=False)


def sort(a: np.ndarray, dim: int = -1, descending: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(values, indices)`` of ``a`` sorted along ``dim``. Cost: O(n log n) per slice."""
    indices = argsort(a, dim, descending)
    if a.ndim == 0:
        return a.copy(), indices
    return np.take_along_axis(a, indices, axis=dim), indices


def topk(
    a: np.ndarray,
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices, in sorted order.

    Shape: ``a.shape`` with ``dim`` of size ``k``. Cost: O(n log n) per slice
    (a full stable sort, so ties resolve to the lower index).
    """
    k = operator.index(k)
    largest = check_bool("topk", "largest", largest)
    check_bool("topk", "sorted", sorted)  # (the result is always sorted, as PyTorch's CPU kernel's)
    size = a.shape[normalize_dim("topk", dim, a.ndim)] if a.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(
            f"topk: k={k} is out of range for dimension {dim} of size {size} (input shape {a.shape}); "
            f"k must be between 0 and {size}"
        )
    indices = argsort(a, dim, descending=largest)
    if a.ndim == 0:
        return a.copy(), indices
    axis = normalize_dim("topk", dim, a.ndim)
    indices = np.take(indices, np.arange(k), axis=axis)
    return np.take_along_axis(a, indices, axis=axis), indices


def roll(
    a: np.ndarray, shifts: int | tuple[int, ...], dims: int | tuple[int, ...] | None = None
) -> np.ndarray:
    """``a`` shifted circularly by ``shifts`` along ``dims`` (all of it, flattened, when ``dims`` is None)."""
    if dims is None:
        if not isinstance(shifts, int) and len(shifts) != 1:
            raise RuntimeError(f"roll: without dims, shifts must be one int, got {shifts}")
        return np.roll(a.reshape(-1), shifts).reshape(a.shape)
    shift_list = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dim_list = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shift_list) != len(dim_list):
        raise RuntimeError(
            f"roll: shifts {shift_list} and dims {dim_list} must have the same length (one shift per dim)"
        )
    axes = tuple(normalize_dim("roll", d, a.ndim) for d in dim_list)
    return np.roll(a, shift_list, axis=axes)


def diag(a: np.ndarray, diagonal: int = 0) -> np.ndarray:
    """1-D ``a``: a square matrix with ``a`` on its ``diagonal``; 2-D ``a``: that diagonal (a copy)."""
    if a.ndim == 1:
        return np.diag(a, diagonal)
    if a.ndim == 2:
        return np.diagonal(a, diagonal).copy()
    raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got shape {a.shape}; use diagonal() for batches")


def masked_select(a: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The elements of ``a`` where the bool ``mask`` is true, as a 1-D array (both broadcast)."""
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_select: mask must be a bool tensor, got dtype {mask.dtype}")
    try:
        shape = np.broadcast_shapes(a.shape, mask.shape)
    except ValueError:
        raise RuntimeError(
            f"masked_select: the mask of shape {mask.shape} does not broadcast with the input {a.shape}"
        ) from None
    return np.broadcast_to(a, shape)[np.broadcast_to(mask, shape)]


def scatter_positions(op: str, shape: tuple[int, ...], dim: int, index: np.ndarray) -> tuple:
    """The NumPy index that ``scatter``/``scatter_add`` write through: ``index`` along ``dim``, else arange.

    ``index`` must be an integer array with as many dims as the input and no
    larger in any dim other than ``dim``; its values must be valid along ``dim``.
    """
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {index.dtype}")
    if index.ndim != len(shape):
        raise RuntimeError(f"{op}: index {index.shape} must have as many dims as the input {shape}")
    axis = normalize_dim(op, dim, len(shape))
    if any(i > s for d, (i, s) in enumerate(zip(index.shape, shape)) if d != axis):
        raise RuntimeError(
            f"{op}: index {index.shape} must not be larger than the input {shape} in any dim but {axis}"
        )
    if index.size and (index.min() < -shape[axis] or index.max() >= shape[axis]):
        raise IndexError(
            f"{op}: index out of range for dim {axis} of size {shape[axis]} "
            f"(values {index.min()}..{index.max()})"
        )
    where = list(np.indices(index.shape, sparse=True))
    where[axis] = index
    return tuple(where)


def source_block(op: str, src: object, index: np.ndarray) -> object:
    """The part of ``src`` that ``scatter`` uses: its leading ``index.shape`` block (a scalar stays)."""
    if not isinstance(src, np.ndarray) or src.ndim == 0:
        return src
    if src.ndim != index.ndim or any(i > s for i, s in zip(index.shape, src.shape)):
        raise RuntimeError(
            f"{op}: src {src.shape} must have index's dims {index.shape} and be at least as large"
        )
    return src[tuple(slice(0, n) for n in index.shape)]


def scatter(
    a: np.ndarray, dim: int, index: np.ndarray, src: object, add: bool = False, reduce: str | None = None
) -> np.ndarray:
    """A copy of ``a`` with ``src`` written (or, ``add=True``, added) at ``index`` along ``dim``.

    ``out[i][index[i][j]] = src[i][j]`` for ``dim=1`` (and so on). With ``add``,
    repeated indices accumulate (``np.add.at``); without, the last write wins.
    ``reduce`` is ``Tensor.scatter``'s: ``"add"`` (as ``add``) or ``"multiply"`` (``np.multiply.at``).
    Cost: O(index.size).
    """
    op = "scatter_add" if add else "scatter"
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"scatter: reduce argument must be either add or multiply, got {reduce!r}")
    where = scatter_positions(op, a.shape, dim, index)
    values = source_block(op, src, index)
    out = a.copy()
    if add or reduce == "add":
        np.add.at(out, where, values)
    elif reduce == "multiply":
        np.multiply.at(out, where, values)
    else:
        out[where] = values
    return out


def einsum_subscripts(equation: str, ndims: list[int]) -> tuple[list[str], str]:
    """Explicit per-operand subscripts and the output's, with ``...`` spelled out as letters.

    ``"bij,bjk"`` for two 3-d operands gives ``(["bij", "bjk"], "bik")``: without
    ``->`` the output is the ellipsis dims, then every letter used once, sorted
    (PyTorch's and NumPy's implicit mode).
    """
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(ndims):
        raise ValueError(
            f"einsum: the equation {equation!r} names {len(terms)} operands but {len(ndims)} were given"
        )
    used = set(equation)
    spare = [c for c in string.ascii_letters if c not in used]
    ellipsis_ndim = max(
        (n - len(t.replace("...", "")) for t, n in zip(terms, ndims) if "..." in t), default=0
    )
    filler = "".join(spare[:ellipsis_ndim])
    subscripts = []
    for term, ndim in zip(terms, ndims):
        if not all(c.isalpha() for c in term.replace("...", "")):
            raise ValueError(f"einsum: subscripts must be letters, got {term!r} in {equation!r}")
        if "..." in term:
            width = ndim - len(term.replace("...", ""))
            term = term.replace("...", filler[ellipsis_ndim - width :] if width else "")
        if len(term) != ndim:
            raise ValueError(
                f"einsum: the subscript {term!r} has {len(term)} letters for an operand of {ndim} dims "
                f"(equation {equation!r})"
            )
        subscripts.append(term)
    if arrow:
        output = output.replace("...", filler)
    else:
        letters = "".join(subscripts)
        output = filler + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1 and c not in filler)
        )
    missing = set(output) - set("".join(subscripts))
    if missing:
        raise ValueError(f"einsum: the output names {sorted(missing)}, which no operand has ({equation!r})")
    return subscripts, output


def einsum(equation: str, arrays: list[np.ndarray]) -> np.ndarray:
    """``np.einsum`` of ``arrays`` with the contraction order optimised (``optimize=True``)."""
    subscripts, output = einsum_subscripts(equation, [a.ndim for a in arrays])
    try:
        return np.asarray(np.einsum(",".join(subscripts) + "->" + output, *arrays, optimize=len(arrays) > 1))
    except ValueError as error:
        raise RuntimeError(
            f"einsum: {error} (equation {equation!r}, operand shapes {[a.shape for a in arrays]})"
        ) from None


__all__ = [
    "argsort",
    "diag",
    "einsum",
    "einsum_subscripts",
    "masked_select",
    "roll",
    "scatter",
    "scatter_positions",
    "sort",
    "source_block",
    "topk",
]
