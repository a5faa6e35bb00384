"""Triangular factorisations: ``linalg.cholesky`` and ``linalg.qr``.

Forward is NumPy's LAPACK (``np.linalg.cholesky``, ``np.linalg.qr``), batched.
Backward, written from the identities that define each factor (real case):

* ``cholesky``, ``A = L L^T``: differentiating, ``L^{-1} dA L^{-T} = X + X^T``
  with ``X = L^{-1} dL`` lower triangular, so ``dL = L Phi(L^{-1} dA L^{-T})``
  where ``Phi`` keeps the lower triangle and halves the diagonal. Its adjoint
  gives ``grad_A = L^{-T} Phi(L^T G) L^{-1}`` with ``Phi`` symmetrised as PyTorch's
  (``P = tril(L^T G)``, ``Phi = (P + tril(P, -1)^T) / 2``: ``A`` is taken as symmetric).
  Complex Hermitian ``A`` (``A = L L^H``): the same with conjugate transposes
  (``complex_gradient = "own"``); the diagonal of ``Phi`` keeps its imaginary part, so the
  gradient is PyTorch's, not Hermitian (its Hermitian part is the true gradient).
* ``qr``, ``A = Q R`` (reduced, ``m >= n``): with ``M = R G_R^T - G_Q^T Q`` and
  ``copyltu(M)`` the symmetric matrix with ``M``'s lower triangle,
  ``grad_A = (G_Q + Q copyltu(M)) R^{-T}``. A wide ``A = [X | Y]`` (``m < n``)
  has ``X = Q U`` square and ``Y = Q V`` with ``V = Q^T Y``: ``grad_Y = Q G_V``
  and ``X`` takes the square rule with ``G_Q + Y G_V^T``. As PyTorch,
  ``mode='complete'`` with ``m > n`` and ``mode='r'`` have no backward. Complex ``A``
  (PyTorch's rule): conjugate transposes, and ``copyltu`` takes the real part of ``M``'s
  diagonal (LAPACK's ``R`` has a real diagonal, so ``Q^H dQ`` carries its imaginary part).

``R^{-T}`` and ``L^{-1}`` are applied by solves (no inverse formed).

Example:
    >>> import tt_autograd as autograd
    >>> autograd.linalg.cholesky(autograd.tensor([[4.0, 2.0], [2.0, 2.0]]))
    tensor([[2., 0.],
            [1., 1.]])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from tt_tensor.checks import bool_args

from ..function import Function
from ..functions.shape import CatFunction
from ..tensor import Tensor
from ._common import (
    LinAlgError,
    adjoint,
    batch_prefix,
    float_matrices,
    pack,
    right_solve,
    unpack,
)
from .solve import SolveFunction


class QRResult(NamedTuple):
    """``torch.linalg.qr``'s result."""

    Q: Tensor
    R: Tensor


def _not_positive_definite(a: np.ndarray) -> tuple[int, int]:
    """The flat batch index of the first matrix not positive-definite, and its first bad leading minor.

    Only run on the error path: one small factorisation per leading minor of each matrix.
    """
    for index, matrix in enumerate(a.reshape((-1,) + a.shape[-2:])):
        for k in range(1, a.shape[-1] + 1):
            try:
                np.linalg.cholesky(matrix[:k, :k])
            except np.linalg.LinAlgError:
                return index, k
    return 0, a.shape[-1]


class CholeskyFunction(Function):
    complex_gradient = "own"  # its rules use conjugate transposes (L^H for L^T)

    @staticmethod
    def forward(ctx, a):
        try:
            lower = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            index, k = _not_positive_definite(a)
            prefix = batch_prefix(index, a.ndim > 2)
            raise LinAlgError(
                f"linalg.cholesky: {prefix}The factorization could not be completed because the input is not "
                f"positive-definite (the leading minor of order {k} is not positive-definite)."
            ) from None
        ctx.save_for_backward(lower)
        return lower

    @staticmethod
    def backward(ctx, grad):
        (lower,) = ctx.saved_tensors
        product = np.tril(adjoint(lower) @ grad)
        phi = 0.5 * (product + adjoint(np.tril(product, -1)))  # PyTorch's symmetrised Phi
        return (right_solve(np.linalg.solve(adjoint(lower), phi), lower),)  # L^{-H} Phi L^{-1}

    @staticmethod
    def graph_backward(ctx, grad):  # the same steps, recorded: solves with L^T and L as SolveFunction
        lower = ctx.output_tensor(ctx.saved_tensors[0])
        product = (lower.mH @ grad).tril()
        phi = 0.5 * (product + product.tril(-1).mH)
        return (SolveFunction.apply(lower.mT, SolveFunction.apply(lower.mH, phi).mT).mT,)


@bool_args("linalg.cholesky", "upper")
def cholesky(A, *, upper: bool = False) -> Tensor:
    """``torch.linalg.cholesky``: ``L`` lower triangular with ``A = L L^H`` (``U = L^H`` if ``upper``).

    ``A`` is ``(..., n, n)``, symmetric (complex: Hermitian) positive-definite; only its lower
    triangle is read.
    Raises ``LinAlgError`` naming the first leading minor that is not positive-definite.
    Cost: ``n^3 / 3`` flops per matrix; backward two solves.
    """
    lower = CholeskyFunction.apply(float_matrices("linalg.cholesky", A, complex_ok=True))
    return lower.mH if upper else lower


def _copyltu(m: np.ndarray) -> np.ndarray:
    """The symmetric (complex: Hermitian) matrix with ``m``'s strict lower triangle and the real part
    of its diagonal."""
    strict = np.tril(m, -1)
    return (
        strict
        + adjoint(strict)
        + np.real(np.einsum("...ii->...i", m))[..., None] * np.eye(m.shape[-1], dtype=m.dtype)
    )


def _square_qr_grad(q: np.ndarray, r: np.ndarray, grad_q: np.ndarray, grad_r: np.ndarray) -> np.ndarray:
    """``grad_A`` of the reduced QR of an ``m >= n`` matrix: ``(G_Q + Q copyltu(M)) R^{-T}``."""
    m = r @ adjoint(grad_r) - adjoint(grad_q) @ q
    return right_solve(grad_q + q @ _copyltu(m), adjoint(r))


class QRFunction(Function):
    complex_gradient = "own"  # conjugate transposes, and the real part of copyltu's diagonal

    @staticmethod
    def forward(ctx, a, mode):
        q, r = np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
        ctx.mode = mode
        ctx.save_for_backward(a, q, r)
        return pack(r, batch=a.shape[:-2]) if mode == "r" else pack(q, r, batch=a.shape[:-2])

    @staticmethod
    def backward(ctx, grad):
        a, q, r = ctx.saved_tensors
        m, n = a.shape[-2:]
        _check_qr_differentiable(ctx.mode, m, n)
        batch = a.shape[:-2]
        grad_q = grad[..., : m * q.shape[-1]].reshape(batch + q.shape[-2:])
        grad_r = grad[..., m * q.shape[-1] :].reshape(batch + r.shape[-2:])
        if m >= n:
            return (_square_qr_grad(q, r, grad_q, grad_r),)
        y, grad_v = a[..., m:], grad_r[..., m:]
        grad_x = _square_qr_grad(q, r[..., :m], grad_q + y @ adjoint(grad_v), grad_r[..., :m])
        return (np.concatenate([grad_x, q @ grad_v], axis=-1),)

    @staticmethod
    def graph_backward(ctx, grad):  # the same steps, recorded (solves as SolveFunction)
        a, q, r = ctx.saved_tensors
        m, n = a.shape[-2:]
        _check_qr_differentiable(ctx.mode, m, n)
        cut = m * q.shape[-1]
        out = ctx.output_tensor(pack(q, r, batch=a.shape[:-2]))
        q_t, r_t = out[..., :cut].reshape(*q.shape), out[..., cut:].reshape(*r.shape)
        grad_q, grad_r = grad[..., :cut].reshape(*q.shape), grad[..., cut:].reshape(*r.shape)
        if m >= n:
            return (_square_qr_grad_recorded(q_t, r_t, grad_q, grad_r),)
        y, grad_v = ctx.input_tensor(0, a)[..., m:], grad_r[..., m:]
        grad_x = _square_qr_grad_recorded(q_t, r_t[..., :m], grad_q + y @ grad_v.mH, grad_r[..., :m])
        return (CatFunction.apply(grad_x, q_t @ grad_v, dim=-1),)


def _check_qr_differentiable(mode: str, m: int, n: int) -> None:
    if mode == "r":
        raise RuntimeError(
            "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
            "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
        )
    if mode == "complete" and m > n:
        raise RuntimeError(
            "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
        )


def _square_qr_grad_recorded(q, r, grad_q, grad_r):
    """:func:`_square_qr_grad` in tensor operations: ``(G_Q + Q copyltu(M)) R^{-T}``, the solve recorded."""
    m = r @ grad_r.mH - grad_q.mH @ q
    strict = m.tril(-1)
    copyltu = strict + strict.mH + m.real * np.eye(m.shape[-1], dtype=m.real.array.dtype)
    return SolveFunction.apply(r.conj(), (grad_q + q @ copyltu).mT).mT


def qr(A, mode: str = "reduced") -> QRResult:
    """``torch.linalg.qr``: ``A = Q R``, ``Q`` with orthonormal columns, ``R`` upper triangular.

    Args:
        A: ``(..., m, n)`` float or complex (complex: ``Q`` unitary columns, ``R``'s diagonal real).
        mode: ``'reduced'`` (``Q`` ``(m, k)``, ``R`` ``(k, n)``, ``k = min(m, n)``), ``'complete'``
            (``Q`` ``(m, m)``, ``R`` ``(m, n)``) or ``'r'`` (``R`` only; ``Q`` is an empty tensor).

    Signs follow LAPACK's Householder QR, as PyTorch's on CPU. Backward: every mode but ``'r'``, and
    ``'complete'`` only when ``m <= n`` (as PyTorch). Cost: ``O(m n k)`` per matrix.
    """
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
            "or 'complete'"
        )
    A = float_matrices("linalg.qr", A, square=False, complex_ok=True)
    m, n = A.shape[-2:]
    k = min(m, n)
    packed = QRFunction.apply(A, mode=mode)
    if mode == "r":
        (r,) = unpack(packed, [(k, n)])
        return QRResult(Tensor.from_array(np.zeros(0, dtype=A.array.dtype)), r)
    q_cols = m if mode == "complete" else k
    q, r = unpack(packed, [(m, q_cols), (q_cols, n)])
    return QRResult(q, r)
