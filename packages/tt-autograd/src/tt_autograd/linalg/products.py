"""Matrix products: ``linalg.matrix_power``, ``multi_dot``, ``vecdot``; ``matmul``, ``cross``, ``diagonal``.

All compositions of recorded ops (``@``, ``*``, ``sum``, :func:`~tt_autograd.linalg.inv`), so
their gradients come from those ops.

Example:
    >>> import tt_autograd as autograd
    >>> A = autograd.tensor([[1.0, 1.0], [0.0, 1.0]])
    >>> autograd.linalg.matrix_power(A, 3)
    tensor([[1., 3.],
            [0., 1.]])
"""

from __future__ import annotations

import operator

import numpy as np
from tt_tensor.functional import cat

from ..tensor import Tensor
from ._common import as_tensor
from .solve import inv


def matrix_power(A, n: int) -> Tensor:
    """``torch.linalg.matrix_power``: ``A^n`` for an integer ``n`` by repeated squaring.

    ``n = 0`` gives the identity (batched, ``A``'s dtype), ``n < 0`` the power of :func:`inv` ``(A)``
    (float ``A`` only). Cost: about ``2 log2 |n|`` matrix products.
    """
    A = as_tensor("linalg.matrix_power", A)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg.matrix_power: argument 'n' must be int, not {type(n).__name__}")
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(
            f"linalg.matrix_power: A must be batches of square matrices, but they are "
            f"{' by '.join(str(s) for s in A.shape[-2:])} matrices"
        )
    n = operator.index(n)
    if n == 0:  # the identity; still joined to A's graph (gradient 0), as PyTorch's
        eye = Tensor.from_array(np.broadcast_to(np.eye(A.shape[-1], dtype=A.array.dtype), A.shape).copy())
        return eye.where(np.ones(A.shape, dtype=bool), A) if A.requires_grad else eye
    base = inv(A) if n < 0 else A
    result, n = None, abs(n)
    while n:  # binary powering: multiply in the squares of base that the bits of n select
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


def multi_dot(tensors) -> Tensor:
    """``torch.linalg.multi_dot``: the product of a chain of matrices, the first/last may be 1-D vectors.

    The middle ones must be 2-D. Multiplies in the order that costs fewest flops (the classic
    chain-order dynamic programme over ``O(k^3)`` splits), as PyTorch does; the values are the
    product's either way.
    """
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"multi_dot: tensors must be a list or tuple of tensors, got {type(tensors).__name__}; "
            "pass the matrices as multi_dot([A, B, C])"
        )
    tensors = [as_tensor("multi_dot", t, f"tensors[{i}]") for i, t in enumerate(tensors)]
    if len(tensors) < 2:
        raise ValueError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_vector, last_vector = tensors[0].ndim == 1, tensors[-1].ndim == 1
    for i, t in enumerate(tensors):
        allowed = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if t.ndim not in allowed:
            where = "first" if i == 0 else "last" if i == len(tensors) - 1 else f"{i}th"
            raise ValueError(
                f"multi_dot(): the {where} tensor must be {' or '.join(f'{d}D' for d in allowed)} "
                f"but got {t.ndim}D"
            )
    mats = list(tensors)
    if first_vector:
        mats[0] = mats[0].unsqueeze(0)
    if last_vector:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise ValueError(
                f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} and "
                f"{list(tensors[i + 1].shape)} cannot be multiplied"
            )
    out = _chain(mats, _chain_order([m.shape[0] for m in mats] + [mats[-1].shape[1]]), 0, len(mats) - 1)
    if last_vector:
        out = out.squeeze(-1)
    if first_vector:
        out = out.squeeze(0)
    return out


def _chain_order(dims: list[int]) -> list[list[int]]:
    """``split[i][j]``: the split of the cheapest product of matrices i..j (matrix i: dims[i] x dims[i+1])."""
    count = len(dims) - 1
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            options = [
                (cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1], s) for s in range(i, j)
            ]
            cost[i][j], split[i][j] = min(options)
    return split


def _chain(mats: list[Tensor], split: list[list[int]], i: int, j: int) -> Tensor:
    if i == j:
        return mats[i]
    s = split[i][j]
    return _chain(mats, split, i, s) @ _chain(mats, split, s + 1, j)


def vecdot(x, y, *, dim: int = -1) -> Tensor:
    """``torch.linalg.vecdot``: ``sum(conj(x) * y, dim)`` with ``x`` and ``y`` broadcast."""
    x, y = as_tensor("linalg.vecdot", x, "x"), as_tensor("linalg.vecdot", y, "y")
    return (x.conj() * y).sum(dim)


def matmul(input, other) -> Tensor:
    """``torch.linalg.matmul``: an alias of ``torch.matmul``."""
    return as_tensor("linalg.matmul", input, "input") @ other


def cross(input, other, *, dim: int = -1) -> Tensor:
    """``torch.linalg.cross``: the cross product of 3-vectors along ``dim`` (default -1)."""
    return as_tensor("linalg.cross", input, "input").cross(other, dim=dim)


def diagonal(A, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """``torch.linalg.diagonal``: ``torch.diagonal`` with dims defaulting to the last two."""
    return as_tensor("linalg.diagonal", A).diagonal(offset, dim1, dim2)


def vander(x, N: int | None = None) -> Tensor:  # noqa: N803  (PyTorch's name)
    """``torch.linalg.vander``: ``(..., n)`` -> ``(..., n, N)``, the powers ``x^0, x^1, ..., x^(N-1)``.

    Increasing powers and batched, unlike ``torch.vander`` (decreasing, 1-D); ``N`` defaults to ``n``
    and must be at least 2. Built as a cumulative product of ``[1, x, x, ...]``, as PyTorch's, so its
    gradient is PyTorch's at ``x = 0`` too. Integers give int64 (their cumulative product's dtype);
    bools are refused.
    Cost: one ``(..., n, N)`` cumulative product.
    """
    x = as_tensor("linalg.vander", x, "x")
    if x.dtype.numpy.kind == "b":
        raise RuntimeError(
            "linalg.vander supports floating point, complex, and integer tensors, but got Bool"
        )
    if x.ndim == 0:
        raise RuntimeError("linalg.vander: x must have at least one dimension (a vector), got a 0-d tensor")
    n = x.shape[-1] if N is None else N
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 1:
        raise RuntimeError(f"linalg.vander: N must be greater than 1, got {n!r}")
    column = x.unsqueeze(-1)
    repeated = [column.new_ones(column.shape), column.expand(*x.shape, int(n) - 1)]
    return cat(repeated, -1).cumprod(-1)
