"""Tensors built from others beyond the exercises: ``vander``, ``block_diag``, ``cartesian_prod``, ...

Not course material. Each is a composition of recorded methods (``cat``,
``cumprod``, ``flip``, ``meshgrid``, ``stack``, indexing), so tt-autograd
differentiates them for free; the loops run over the input tensors or over
index combinations, never over elements.
"""

from __future__ import annotations

import itertools
import operator

import numpy as np

from .functional import _tensor_list, cat, stack
from .grids import meshgrid
from .tensor import Tensor


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """The Vandermonde matrix of a 1-D ``x``: column ``j`` is ``x ** (N - 1 - j)`` (``x ** j`` if increasing).

    ``N`` defaults to ``len(x)``. Built as a running product (``cumprod``) of ``x``,
    as PyTorch does, so the gradient at ``x = 0`` is exact (no ``0 ** -1``).
    Integers and bools give int64 (PyTorch's dtype, whatever ``N``).

    Example:
        >>> import tt_tensor as tt
        >>> vander(tt.tensor([1, 2, 3])).tolist()
        [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    """
    if x.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor, got shape {x.shape}")
    columns = len(x) if N is None else operator.index(N)
    if columns < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {N}")
    if x.array.dtype.kind in "iub":
        x = x.long()
    ones = type(x).from_array(np.ones((len(x), min(columns, 1)), dtype=x.array.dtype))  # (a constant)
    powers = x.unsqueeze(1).expand(len(x), max(columns - 1, 0))
    out = cat([ones, powers], 1).cumprod(1) if columns > 1 else ones
    return out if increasing else out.flip(1)


def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (0-d as ``(1, 1)``, 1-D as one row) along the diagonal of a zero matrix.

    The result has the promoted dtype of all of them; no tensors give a ``(1, 0)`` tensor, as PyTorch.
    """
    blocks = _tensor_list("block_diag", list(tensors))
    blocks = [t.reshape(1, 1) if t.ndim == 0 else t.reshape(1, -1) if t.ndim == 1 else t for t in blocks]
    for t in blocks:
        if t.ndim != 2:
            raise RuntimeError(f"block_diag: tensors must have 2 or fewer dims, got one of shape {t.shape}")
    if not blocks:
        return Tensor.from_array(np.zeros((1, 0), dtype=np.float32))
    width = sum(t.shape[1] for t in blocks)
    rows, left = [], 0
    for t in blocks:  # zeros of each block's dtype: cat promotes them all (PyTorch's rules)
        before = type(t).from_array(np.zeros((t.shape[0], left), dtype=t.array.dtype))  # (constants)
        after = type(t).from_array(np.zeros((t.shape[0], width - left - t.shape[1]), dtype=t.array.dtype))
        rows.append(cat([before, t, after], 1))
        left += t.shape[1]
    return cat(rows, 0)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every tuple of one element from each 1-D tensor, as rows ``(N, k)`` in order (one tensor: itself)."""
    tensors = _tensor_list("cartesian_prod", list(tensors))
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"cartesian_prod: Expect a 1D vector, but got shape {t.shape}")
    if len(tensors) == 1:
        return tensors[0]
    return stack([grid.reshape(-1) for grid in meshgrid(*tensors, indexing="ij")], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:  # noqa: A002
    """The length-``r`` combinations of a 1-D tensor's elements, as rows ``(M, r)`` in lexicographic order.

    Like ``itertools.combinations`` (``combinations_with_replacement`` with
    ``with_replacement``); ``r = 0`` gives an empty 1-D tensor, ``r > len`` an
    empty ``(0, r)`` one. Cost: ``M`` rows of indices built in Python (``M`` grows fast with ``r``).
    """
    if input.ndim != 1:
        raise RuntimeError(f"combinations: Expect a 1D vector, but got shape {input.shape}")
    r = operator.index(r)
    if r < 0:
        raise RuntimeError(f"combinations: Expect a non-negative number, but got {r}")
    if r == 0:
        return input.from_array(np.zeros(0, dtype=input.array.dtype))
    choose = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = np.array(list(choose(range(len(input)), r)), dtype=np.int64).reshape(-1, r)
    return input[index]


__all__ = ["block_diag", "cartesian_prod", "combinations", "vander"]
