"""LU factorisation: ``linalg.lu_factor``, ``lu_factor_ex``, ``lu`` and ``lu_solve``.

``A = P L U`` with partial pivoting (``P`` a permutation, ``L`` unit lower
triangular ``(m, k)``, ``U`` upper triangular ``(k, n)``, ``k = min(m, n)``).
NumPy has no LU routine, so the factorisation is written here as LAPACK's
``getf2`` does it: for each column ``j``, pick the row of largest ``|a_ij|`` (``|Re| + |Im|``
for complex, as LAPACK's; ``i >= j``, the first one on a tie), swap it into row ``j``, divide the
column under the pivot by it and subtract the outer product from the trailing block.
The loop runs over the ``k`` columns; each step is vectorised over the batch
and the block. A zero pivot leaves its column as it is and sets ``info``.
Results in PyTorch's packed form: ``LU`` holds ``L`` below the diagonal and ``U``
on and above it; ``pivots`` (int32, from 1, LAPACK's convention) says that row
``j`` was swapped with row ``pivots[j] - 1`` at step ``j``.

Backward (real case), for ``P^T A = L U`` with ``X = L^{-1} (P^T dA) U^{-1}``:
``dL = L tril_{-1}(X)`` and ``dU = triu(X) U``, so with
``M = tril_{-1}(L^T G_L) + triu(G_U U^T)``::

    grad_A = P L^{-T} M U^{-T}

A tall ``A`` (``m > n``) has ``L = [L1; L2]`` with ``L2 = A2 U^{-1}``: its rows
get ``G_L2 U^{-T}`` and ``G_U`` gains ``-L2^T G_L2 U^{-T}``. A wide ``A`` has
``U = [U1, U2]`` with ``U2 = L^{-1} A2``: its columns get ``L^{-T} G_U2`` and
``G_L`` gains ``-L^{-T} G_U2 U2^T``. ``lu_factor``'s gradient is the same with
``G_L``, ``G_U`` the strictly lower and upper parts of ``G_LU``.

Complex ``A``: ``L`` and ``U`` are holomorphic in ``A`` and the rule is products, triangles
and solves, so it serves on conjugates (``complex_gradient = "conjugate"``, PyTorch's values).

``lu_solve`` is composed of the permutation (a constant matrix product) and two
:func:`~tt_autograd.linalg.solve_triangular` on the triangles of ``LU``, so it is
differentiable in ``LU`` and ``B``.

Example:
    >>> import tt_autograd as autograd
    >>> P, L, U = autograd.linalg.lu(autograd.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> U
    tensor([[3.0000, 4.0000],
            [0.0000, 0.6667]])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from tt_tensor.checks import bool_args
from tt_tensor.functional import cat

from ..function import Function
from ..grad_mode import no_grad
from ..tensor import Tensor
from ._common import (
    LinAlgError,
    as_tensor,
    batch_prefix,
    check_same_dtype,
    float_matrices,
    float_tensor,
    transpose,
)
from .solve import solve, solve_triangular


class LUFactorResult(NamedTuple):
    """``torch.linalg.lu_factor``'s result."""

    LU: Tensor
    pivots: Tensor


class LUFactorExResult(NamedTuple):
    """``torch.linalg.lu_factor_ex``'s result: ``info`` is 0, or the first zero pivot ``U[i, i]`` (from 1)."""

    LU: Tensor
    pivots: Tensor
    info: Tensor


class LUResult(NamedTuple):
    """``torch.linalg.lu``'s result: ``A = P L U``."""

    P: Tensor
    L: Tensor
    U: Tensor


def _getrf(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(LU, pivots, info)`` of every matrix of ``a`` (``(..., m, n)``), in ``a``'s dtype."""
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    lu = a.reshape((int(np.prod(batch, dtype=np.int64)), m, n)).copy()
    rows = np.arange(lu.shape[0])
    pivots = np.zeros((lu.shape[0], k), dtype=np.int32)
    info = np.zeros(lu.shape[0], dtype=np.int32)
    for j in range(k):
        column = lu[:, j:, j]  # LAPACK's pivot size: |Re| + |Im| for complex (izamax), |x| for real
        size = np.abs(column.real) + np.abs(column.imag) if column.dtype.kind == "c" else np.abs(column)
        p = j + np.argmax(size, axis=-1)
        pivots[:, j] = p + 1
        row_j = lu[rows, j].copy()
        lu[rows, j] = lu[rows, p]
        lu[rows, p] = row_j
        head = lu[:, j, j]
        zero = head == 0
        info = np.where((info == 0) & zero, j + 1, info)
        lu[:, j + 1 :, j] /= np.where(zero, 1, head)[:, None]  # a zero pivot's column is all zero
        lu[:, j + 1 :, j + 1 :] -= lu[:, j + 1 :, j : j + 1] * lu[:, j : j + 1, j + 1 :]
    return lu.reshape(a.shape), pivots.reshape(batch + (k,)), info.reshape(batch)


def _permutation_matrix(pivots: np.ndarray, m: int, dtype: np.dtype) -> np.ndarray:
    """``P`` (``(..., m, m)``) with ``A = P L U`` from LAPACK's pivots: ``P^T A`` has ``A``'s rows swapped."""
    batch, size = pivots.shape[:-1], int(np.prod(pivots.shape[:-1], dtype=np.int64))
    order = np.broadcast_to(np.arange(m), (size, m)).copy()  # row i of P^T A is row order[i] of A
    swaps = pivots.reshape(size, pivots.shape[-1]).astype(np.int64) - 1
    rows = np.arange(order.shape[0])
    for j in range(swaps.shape[-1]):
        target = swaps[:, j]
        order_j = order[:, j].copy()
        order[:, j] = order[rows, target]
        order[rows, target] = order_j
    return transpose(np.eye(m, dtype=dtype)[order]).reshape(batch + (m, m))


def _lu_grad(lu: Tensor, p: Tensor, grad: Tensor) -> Tensor:
    """``grad_A`` for ``A = P L U`` from the packed ``LU``'s gradient (``G_L``, ``G_U`` its triangles).

    In tensor operations, so the same rule serves backward (run under ``no_grad``) and the
    recorded backward of ``create_graph=True`` (``lu`` then joined to ``A``'s graph through
    this node, so second derivatives see ``L`` and ``U`` move with ``A``).
    """
    m, n = lu.shape[-2:]
    k = min(m, n)
    lower = lu[..., :, :k].tril(-1) + Tensor.from_array(np.eye(m, k, dtype=lu.array.dtype))
    upper = lu[..., :k, :].triu()
    grad_l, grad_u = grad[..., :, :k].tril(-1), grad[..., :k, :].triu()
    rest = None
    if m > n:  # tall: the rows under the square block, L2 = A2 U^{-1}
        rest = solve(upper.mT, grad_l[..., k:, :], left=False)
        grad_u = (grad_u - lower[..., k:, :].mT @ rest).triu()
    elif m < n:  # wide: the columns right of the square block, U2 = L^{-1} A2
        rest = solve(lower.mT, grad_u[..., :, k:])
        grad_l = (grad_l - rest @ upper[..., :, k:].mT).tril(-1)
    lower, upper = lower[..., :k, :], upper[..., :, :k]
    middle = (lower.mT @ grad_l[..., :k, :]).tril(-1) + (grad_u[..., :, :k] @ upper.mT).triu()
    grad_square = solve(upper.mT, solve(lower.mT, middle), left=False)
    if m != n:
        grad_square = cat([grad_square, rest], dim=-2 if m > n else -1)
    return p @ grad_square


class LUFactorFunction(Function):
    """Records a factorisation made by :func:`_getrf` (its integer pivots are not a Function's result)."""

    complex_gradient = "conjugate"  # L and U are holomorphic in A; the rule is products, triangles, solves

    @staticmethod
    def forward(ctx, a, factors, permutation):
        ctx.save_for_backward(factors, permutation)
        return factors.copy()

    @staticmethod
    def backward(ctx, grad):
        factors, permutation = ctx.saved_tensors
        with no_grad():
            arrays = (Tensor.from_array(a) for a in (factors, permutation, grad))
            return (_lu_grad(*arrays).array,)

    @staticmethod
    def graph_backward(ctx, grad):  # the same rule, recorded, with LU joined to A's graph
        factors, permutation = ctx.saved_tensors
        return (_lu_grad(ctx.output_tensor(factors), Tensor.from_array(permutation), grad),)


def _check_pivot(op: str, pivot: bool) -> None:
    if not pivot:
        raise NotImplementedError(
            f"{op}: LU without pivoting is not implemented on the CPU (pass pivot=True)"
        )


def lu_factor_ex(A, *, pivot: bool = True, check_errors: bool = False) -> LUFactorExResult:
    """``torch.linalg.lu_factor_ex``: ``(LU, pivots, info)``, not raising for a singular matrix.

    Args:
        A: ``(..., m, n)`` float32, float64, complex64 or complex128.
        pivot: must be True (PyTorch's CPU has no LU without pivoting either).
        check_errors: raise ``LinAlgError`` if some ``info > 0`` (a zero pivot).

    Shape: ``LU`` ``(..., m, n)``; ``pivots`` ``(..., min(m, n))`` int32 from 1; ``info`` ``(...)`` int32,
    0 or the index (from 1) of the first zero on ``U``'s diagonal.
    Cost: ``m n k - (m + n) k^2 / 2 + k^3 / 3`` flops per matrix, in a Python loop over the ``k`` columns.
    Gradient (of ``LU``): see the module docstring; square, tall and wide matrices.

    Example:
        >>> import tt_autograd as autograd
        >>> autograd.linalg.lu_factor_ex(autograd.tensor([[1.0, 2.0], [2.0, 4.0]])).info
        tensor(2, dtype=tt.int32)
    """
    return _lu_factor_ex("linalg.lu_factor_ex", A, pivot, check_errors)


def _lu_factor_ex(op: str, A, pivot: bool, check_errors: bool) -> LUFactorExResult:
    _check_pivot(op, pivot)
    A = float_matrices(op, A, square=False, complex_ok=True)
    factors, pivots, info = _getrf(A.array)
    permutation = _permutation_matrix(pivots, A.shape[-2], A.array.dtype)
    if check_errors and np.any(info > 0):
        index = int(np.flatnonzero(info.reshape(-1) > 0)[0])
        k = int(info.reshape(-1)[index])
        raise LinAlgError(
            f"torch.{op}: {batch_prefix(index, info.ndim > 0)}U[{k},{k}] is zero and using it on lu_solve "
            "would result in a division by zero. If you still want to perform the factorization, consider "
            "calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"
        )
    lu = LUFactorFunction.apply(A, factors=factors, permutation=permutation)
    return LUFactorExResult(lu, A.from_array(pivots), A.from_array(info))


@bool_args("linalg.lu_factor", "pivot")
def lu_factor(A, *, pivot: bool = True) -> LUFactorResult:
    """``torch.linalg.lu_factor``: ``(LU, pivots)``, the compact LU for :func:`lu_solve`.

    As PyTorch, raises ``LinAlgError`` when a pivot is zero (the factorisation exists but ``lu_solve``
    would divide by zero): call :func:`lu_factor_ex` or :func:`lu` to factor singular matrices.
    Shapes, cost and gradient as :func:`lu_factor_ex`.

    Example:
        >>> import tt_autograd as autograd
        >>> LU, pivots = autograd.linalg.lu_factor(autograd.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> pivots
        tensor([2, 2], dtype=tt.int32)
    """
    lu, pivots, _ = _lu_factor_ex("linalg.lu_factor", A, pivot, check_errors=True)
    return LUFactorResult(lu, pivots)


def lu(A, *, pivot: bool = True) -> LUResult:
    """``torch.linalg.lu``: ``(P, L, U)`` with ``A = P L U``; no error for a singular matrix.

    Shape: ``A`` ``(..., m, n)`` gives ``P`` ``(..., m, m)``, ``L`` ``(..., m, k)`` unit lower triangular,
    ``U`` ``(..., k, n)`` upper triangular, ``k = min(m, n)``. ``P`` has no gradient.
    Cost and gradient as :func:`lu_factor_ex` (``L`` and ``U`` are recorded slices of ``LU``).

    Example:
        >>> import tt_autograd as autograd
        >>> P, L, U = autograd.linalg.lu(autograd.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> P @ L @ U
        tensor([[1., 2.],
                [3., 4.]])
    """
    packed, pivots, _ = _lu_factor_ex("linalg.lu", A, pivot, check_errors=False)
    m, n = packed.shape[-2:]
    k = min(m, n)
    dtype = packed.array.dtype
    lower = packed[..., :, :k].tril(-1) + Tensor.from_array(np.eye(m, k, dtype=dtype))
    permutation = pivots.from_array(_permutation_matrix(pivots.array, m, dtype))
    return LUResult(permutation, lower, packed[..., :k, :].triu())


def _check_pivots(LU: Tensor, pivots: object) -> Tensor:
    """``pivots`` as an int32 tensor of shape ``LU.shape[:-1]`` with values in ``1..n``, or an error."""
    pivots = as_tensor("linalg.lu_solve", pivots, "pivots")
    if pivots.array.dtype != np.int32:
        raise TypeError(
            f"linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32, got {pivots.dtype}; "
            "pass the pivots lu_factor returned (or convert with .int())"
        )
    if tuple(pivots.shape) != tuple(LU.shape[:-1]):
        raise ValueError(
            "linalg.lu_solve: Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots with "
            f"shape {tuple(pivots.shape)} instead (LU {tuple(LU.shape)})"
        )
    n = LU.shape[-1]
    if pivots.array.size and (pivots.array.min() < 1 or pivots.array.max() > n):
        raise ValueError(
            f"linalg.lu_solve: pivots must lie in 1..{n} (LAPACK's convention, from 1), got values from "
            f"{pivots.array.min()} to {pivots.array.max()}; did you pass the result of lu_factor?"
        )
    return pivots


def _solve_left(LU: Tensor, permutation: Tensor, B: Tensor, adjoint: bool) -> Tensor:
    """``A^{-1} B`` (or ``A^{-H} B`` if ``adjoint``) for ``A = P L U`` packed in ``LU``."""
    if adjoint:  # A^H = U^H L^H P^T
        y = solve_triangular(LU.mH, B, upper=False)
        return permutation @ solve_triangular(LU.mH, y, upper=True, unitriangular=True)
    y = solve_triangular(LU, permutation.mT @ B, upper=False, unitriangular=True)
    return solve_triangular(LU, y, upper=True)


def lu_solve(LU, pivots, B, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """``torch.linalg.lu_solve``: ``X`` with ``A X = B`` from ``A``'s :func:`lu_factor`.

    ``left=False`` solves ``X A = B``; ``adjoint=True`` uses ``A^H`` (``A^H X = B`` or ``X A^H = B``;
    ``A^T`` for real ``A``).

    Args:
        LU: ``(*, n, n)`` float or complex, as :func:`lu_factor` returns it.
        pivots: ``(*, n)`` int32 from 1, as :func:`lu_factor` returns them.
        B: ``(*, n, k)`` (``(*, k, n)`` for ``left=False``), ``LU``'s dtype; batch dims broadcast.

    Differentiable in ``LU`` and ``B``. Cost: two triangular solves, each a general LU solve in NumPy
    (``O(n^3)`` per matrix, as :func:`solve_triangular`).

    Example:
        >>> import tt_autograd as autograd
        >>> A = autograd.tensor([[2.0, 1.0], [1.0, 3.0]])
        >>> autograd.linalg.lu_solve(*autograd.linalg.lu_factor(A), autograd.tensor([[3.0], [4.0]]))
        tensor([[1.],
                [1.]])
    """
    LU = float_matrices("linalg.lu_solve", LU, "LU", complex_ok=True)
    B = float_tensor("linalg.lu_solve", B, "B", min_dims=2, complex_ok=True)
    check_same_dtype("linalg.lu_solve", LU, B, ("LU", "B"))
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise ValueError(
            f"linalg.lu_solve: Incompatible shapes of A and B for the equation {equation} "
            f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    pivots = _check_pivots(LU, pivots)
    permutation = pivots.from_array(_permutation_matrix(pivots.array, n, LU.array.dtype))
    if left:
        return _solve_left(LU, permutation, B, adjoint)
    return _solve_left(LU, permutation, B.mH, not adjoint).mH  # X A = B  <=>  A^H X^H = B^H
