"""Inverses and linear systems: ``linalg.inv``, ``linalg.solve``, ``solve_triangular``, ``cholesky_solve``.

Forward is NumPy's LAPACK (``np.linalg.inv`` / ``np.linalg.solve``, an LU
factorisation with partial pivoting per matrix, batched over leading dims).

* ``inv``: ``X = A^{-1}``, so ``dX = -X dA X`` and ``grad_A = -X^T G X^T``.
* ``inv`` and ``solve`` take complex matrices too (complex64/128): the rules are holomorphic
  (matrix products and solves), so PyTorch's complex gradients are the same rules on conjugates
  (``complex_gradient = "conjugate"``): ``-X^H G X^H``, ``A^{-H} G`` and ``-grad_B X^H``.
* ``solve``: ``X = A^{-1} B``: ``grad_B = A^{-T} G`` (one more solve, no
  inverse formed) and ``grad_A = -grad_B X^T``, each summed over the batch
  dims broadcasting added.
* ``solve_triangular`` and ``cholesky_solve`` (complex too: ``A = L L^H``) are compositions: the triangle
  of ``A`` (``tril``/``triu``, recorded) and :func:`solve`. NumPy has no
  triangular solver, so they cost a general LU solve, ``O(n^3)`` per matrix
  instead of ``O(n^2 k)``; the values are the same.

Example:
    >>> import tt_autograd as autograd
    >>> A = autograd.tensor([[2.0, 0.0], [0.0, 4.0]])
    >>> autograd.linalg.solve(A, autograd.tensor([2.0, 2.0]))
    tensor([1.0000, 0.5000])
"""

from __future__ import annotations

import numpy as np
from tt_tensor.checks import bool_args

from ..function import Function, unbroadcast
from ..higher_order import sum_to
from ..tensor import Tensor
from ._common import (
    LinAlgError,
    batch_prefix,
    check_same_dtype,
    float_matrices,
    float_tensor,
    solve_transposed,
    transpose,
)


def _first_zero_pivot(a: np.ndarray) -> tuple[int, int]:
    """For a singular batch: the first singular matrix's flat index and its first zero LU pivot (from 1).

    With partial pivoting, LU's pivot ``k`` is zero exactly when column ``k`` lies in the span of
    the columns before it: the smallest ``k`` with ``rank(A[:, :k]) < k``. Only run on the error path.
    """
    n = a.shape[-1]
    first = np.full(a.shape[:-2], n + 1).reshape(-1)
    flat = a.reshape((-1,) + a.shape[-2:])
    for k in range(n, 0, -1):  # the smallest deficient k wins, so go down
        first = np.where(np.linalg.matrix_rank(flat[..., :, :k]) < k, k, first)
    singular = np.flatnonzero(first <= n)
    if singular.size == 0:  # LAPACK met an exact zero that the rank tolerance does not see
        return 0, n
    return int(singular[0]), int(first[singular[0]])


def _inverse(a: np.ndarray, op: str) -> np.ndarray:
    """``np.linalg.inv`` with PyTorch's message for a singular matrix."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        index, k = _first_zero_pivot(a)
        raise LinAlgError(
            f"{op}: {batch_prefix(index, a.ndim > 2)}The diagonal element {k} is zero, the inversion "
            "could not be completed because the input matrix is singular."
        ) from None


class InvFunction(Function):
    complex_gradient = "conjugate"  # -X^T G X^T is holomorphic in X: complex A gets -X^H G X^H

    @staticmethod
    def forward(ctx, a):
        inverse = _inverse(a, "linalg.inv")
        ctx.save_for_backward(inverse)
        return inverse

    @staticmethod
    def backward(ctx, grad):
        (inverse,) = ctx.saved_tensors
        inverse_t = transpose(inverse)
        return (-(inverse_t @ grad @ inverse_t),)

    @staticmethod
    def graph_backward(ctx, grad):
        inverse_t = ctx.output_tensor(ctx.saved_tensors[0]).mT
        return (-(inverse_t @ grad @ inverse_t),)


def inv(A) -> Tensor:
    """``torch.linalg.inv``: the inverse of each square matrix of ``A`` (``(..., n, n)``).

    Raises ``LinAlgError`` (PyTorch's message, naming the zero pivot) for a singular matrix.
    Cost: one LU per matrix; backward two matrix products.
    """
    return InvFunction.apply(float_matrices("linalg.inv", A, complex_ok=True))


class SolveFunction(Function):
    complex_gradient = "conjugate"  # complex: grad_B = A^{-H} G, grad_A = -grad_B X^H

    @staticmethod
    def forward(ctx, a, b):
        try:
            x = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise LinAlgError(
                "torch.linalg.solve: The solver failed because the input matrix is singular."
            ) from None
        ctx.save_for_backward(a, x)
        ctx.b_shape = b.shape
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_b = solve_transposed(a, grad)  # broadcast batch shape
        grad_a = unbroadcast(-(grad_b @ transpose(x)), a.shape) if need_a else None
        return grad_a, (unbroadcast(grad_b, ctx.b_shape) if need_b else None)

    @staticmethod
    def graph_backward(ctx, grad):  # the same solve with A^T, recorded
        a, x = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_b = SolveFunction.apply(ctx.input_tensor(0, a).mT, grad)
        grad_a = sum_to(-(grad_b @ ctx.output_tensor(x).mT), a.shape) if need_a else None
        return grad_a, (sum_to(grad_b, ctx.b_shape) if need_b else None)


def _is_vector_rhs(A: Tensor, B: Tensor) -> bool:
    """PyTorch's rule: ``B`` is a (batch of) vector(s) when 1-D or of ``A``'s shape without its last dim."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


@bool_args("linalg.solve", "left")
def solve(A, B, *, left: bool = True) -> Tensor:
    """``torch.linalg.solve``: ``X`` with ``A X = B`` (``left=True``) or ``X A = B`` (``left=False``).

    Args:
        A: ``(*, n, n)`` float or complex, invertible.
        B: ``(*, n, k)``, or a batch of vectors ``(*, n)`` - PyTorch's rule: ``B`` is a vector when it
            is 1-D, or when its shape is ``A``'s without the last dim (otherwise it is a matrix).
            Batch dims broadcast with ``A``'s. Same dtype as ``A``.

    Cost: one LU per matrix forward, one more solve backward.
    """
    A = float_matrices("linalg.solve", A, complex_ok=True)
    B = float_tensor("linalg.solve", B, "B", min_dims=1, complex_ok=True)
    check_same_dtype("linalg.solve", A, B)
    vector = _is_vector_rhs(A, B)
    if vector and not left:
        raise ValueError(
            f"linalg.solve: Vector broadcasting of the left hand side is not supported for left=False "
            f"(A {tuple(A.shape)}, B {tuple(B.shape)}); make B a (..., 1, n) matrix"
        )
    x = _solve_matrices("linalg.solve", A, B.unsqueeze(-1) if vector else B, left)
    return x.squeeze(-1) if vector else x


def _solve_matrices(op: str, A: Tensor, B: Tensor, left: bool) -> Tensor:
    """``A^{-1} B`` (``left``) or ``B A^{-1}`` for ``B`` a batch of matrices, after checking the shapes."""
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise ValueError(
            f"{op}: Incompatible shapes of A and B for the equation {equation} ({n}x{n} and "
            f"{B.shape[-2]}x{B.shape[-1]})"
        )
    try:
        np.broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-2]))
    except ValueError:
        raise ValueError(
            f"{op}: the batch dims of A {tuple(A.shape)} and B {tuple(B.shape)} do not broadcast"
        ) from None
    if left:
        return SolveFunction.apply(A, B)
    return SolveFunction.apply(A.mT, B.mT).mT  # X A = B  <=>  A^T X^T = B^T


def _triangle(A: Tensor, upper: bool, unitriangular: bool) -> Tensor:
    """The upper or lower triangle of ``A`` (recorded), with ones on the diagonal if ``unitriangular``."""
    if not unitriangular:
        return A.triu() if upper else A.tril()
    strict = A.triu(1) if upper else A.tril(-1)
    return strict + Tensor.from_array(np.eye(A.shape[-1], dtype=A.array.dtype))


@bool_args("linalg.solve_triangular", "upper", "left", "unitriangular")
def solve_triangular(A, B, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    """``torch.linalg.solve_triangular``: ``X`` with ``T X = B`` (or ``X T = B``), ``T`` a triangle of ``A``.

    Only the upper (``upper=True``) or lower triangle of ``A`` is read (and gets a gradient);
    ``unitriangular`` takes its diagonal as ones. ``B`` must be ``(*, n, k)`` (``(*, k, n)`` for
    ``left=False``); batch dims broadcast.

    Differs from PyTorch: a zero on the diagonal raises ``LinAlgError`` (PyTorch returns inf/nan).
    Cost: a general LU solve (NumPy has no triangular solver), ``O(n^3)`` per matrix.
    """
    A = float_matrices("linalg.solve_triangular", A, complex_ok=True)
    B = float_tensor("linalg.solve_triangular", B, "B", min_dims=2, complex_ok=True)
    return _solve_matrices("linalg.solve_triangular", _triangle(A, upper, unitriangular), B, left)


@bool_args("cholesky_solve", "upper")
def cholesky_solve(B, L, upper: bool = False) -> Tensor:
    """``torch.cholesky_solve``: ``X`` with ``A X = B``, given ``A``'s Cholesky factor ``L`` (``A = L L^H``).

    ``upper=True`` means ``L`` is the upper factor ``U`` (``A = U^H U``). ``B`` is ``(*, n, k)``, of
    ``L``'s dtype (float or complex; for real matrices ``^H`` is ``^T``); batch dims broadcast.
    Only ``L``'s triangle is read, and only it gets a gradient: PyTorch's formula
    ``-(G_B X^H + X G_B^H) L`` is that of a full ``L``; on the triangle the two agree.
    Cost: two triangular solves (each a general LU solve in NumPy).
    """
    L = float_matrices("cholesky_solve", L, "L", complex_ok=True)
    B = float_tensor("cholesky_solve", B, "B", min_dims=2, complex_ok=True)
    check_same_dtype("cholesky_solve", B, L, ("b", "A"))
    lower = L.triu().mH if upper else L.tril()
    return _solve_matrices(
        "cholesky_solve", lower.mH, _solve_matrices("cholesky_solve", lower, B, True), True
    )


def cholesky_inverse(L, upper: bool = False) -> Tensor:
    """``torch.cholesky_inverse``: ``A^{-1}`` from ``A``'s Cholesky factor (lower, or upper if ``upper``).

    ``L`` is float or complex, ``(*, n, n)`` (``A = L L^H``); the result is Hermitian. Gradient as
    :func:`cholesky_solve`'s (the triangle of ``L`` only; PyTorch's formula is a full ``L``'s).
    """
    L = float_matrices("cholesky_inverse", L, "L", complex_ok=True)
    identity = Tensor.from_array(np.broadcast_to(np.eye(L.shape[-1], dtype=L.array.dtype), L.shape).copy())
    return cholesky_solve(identity, L, upper)
