"""Determinants: ``linalg.det``, ``linalg.slogdet``, ``logdet``.

Forward is NumPy's LU (``np.linalg.det`` / ``np.linalg.slogdet``).

* ``det``: d det / dA is the transposed adjugate, ``det(A) A^{-T}``. For an
  invertible matrix that is one inverse; for a singular one (``det == 0``)
  the adjugate comes from the SVD ``A = U diag(s) V^T``:
  ``adj(A)^T = det(U) det(V) U diag(prod_{j != i} s_j) V^T``, the exact
  derivative (central differences agree). PyTorch 2.13 returns a zero
  gradient at an exactly singular matrix instead; ours is the true one.
* ``slogdet``: ``(sign, log|det|)``; d log|det| / dA = ``A^{-T}``. ``sign`` has no gradient.
* ``logdet``: ``log det``: nan for a negative determinant, ``-inf`` for 0, as PyTorch.

Complex matrices (complex64/128), as PyTorch: ``det`` is holomorphic, its rule
``det(A) A^{-T}`` a product of holomorphic factors, so the complex gradient is the
same rule on conjugates (``complex_gradient = "conjugate"``): ``G conj(det) A^{-H}``.
``logdet`` is the complex ``log det = log|det| + i arg(det)`` (holomorphic, gradient
``G A^{-H}``); ``slogdet`` gives ``logabsdet`` as its real part and ``sign = exp(i arg det)``
(complex, and differentiable, as PyTorch's), both recorded on that one ``log det`` node.

Example:
    >>> import tt_autograd as autograd
    >>> autograd.linalg.det(autograd.tensor([[2.0, 1.0], [1.0, 3.0]]))
    tensor(5.)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..function import Function
from ..higher_order import delayed_error_gradients
from ..tensor import Tensor
from ._common import float_matrices, transpose
from .solve import InvFunction


class SlogdetResult(NamedTuple):
    """``torch.linalg.slogdet``'s result: the determinant's sign and the log of its absolute value."""

    sign: Tensor
    logabsdet: Tensor


def _exclusive_products(s: np.ndarray) -> np.ndarray:
    """``out_i = prod_{j != i} s_j`` along the last axis, without dividing (``s`` may hold zeros)."""
    ones = np.ones_like(s[..., :1])
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.flip(np.cumprod(np.concatenate([ones, np.flip(s, -1)[..., :-1]], axis=-1), axis=-1), -1)
    return before * after


def transposed_adjugate(a: np.ndarray) -> np.ndarray:
    """``adj(A)^T`` (the cofactor matrix) of every matrix, singular or not, by one SVD."""
    u, s, vt = np.linalg.svd(a)
    sign = np.linalg.det(u) * np.linalg.det(vt)  # each +-1 (of modulus 1 when complex)
    # det(A) A^{-T} = det(U) det(V^H) prod(s) conj(U) diag(1/s) conj(V^H): conj is a no-op for real A
    return sign[..., None, None] * (np.conj(u) * _exclusive_products(s)[..., None, :]) @ np.conj(vt)


class DetFunction(Function):
    complex_gradient = "conjugate"

    @staticmethod
    def forward(ctx, a):
        det = np.asarray(np.linalg.det(a))
        ctx.save_for_backward(a, det)
        return det

    @staticmethod
    def backward(ctx, grad):
        a, det = ctx.saved_tensors
        singular = det == 0
        safe = np.where(singular[..., None, None], np.eye(a.shape[-1], dtype=a.dtype), a)
        cofactors = det[..., None, None] * transpose(np.linalg.inv(safe))
        if singular.any():
            cofactors = np.where(singular[..., None, None], transposed_adjugate(a), cofactors)
        return (grad[..., None, None] * cofactors,)

    @staticmethod
    def graph_backward(ctx, grad):  # det(A) A^{-T}, recorded; the SVD route of a singular A is not
        a, det = ctx.saved_tensors
        if np.any(det == 0):  # the adjugate, given; differentiating it raises
            # complex: type(ctx).backward conjugates its grad and result, so undo the conjugations
            # that the "conjugate" wrapper applies around this rule (its grad here is conj(G))
            conj = a.dtype.kind == "c"
            grads = delayed_error_gradients(
                ctx,
                grad.conj() if conj else grad,
                "create_graph=True: linalg.det of an exactly singular matrix has no differentiable backward "
                "(its first derivative, the adjugate, comes from an SVD); perturb the matrix or use slogdet",
            )
            return tuple(g.conj() for g in grads) if conj else grads
        inverse_t = InvFunction.apply(ctx.input_tensor(0, a)).mT
        return ((grad * ctx.output_tensor(det)).reshape(*det.shape, 1, 1) * inverse_t,)


def det(A) -> Tensor:
    """``torch.linalg.det``: the determinant of each square matrix of ``A`` (``(..., n, n)`` -> ``(...)``).

    Cost: one LU per matrix forward; backward one inverse (plus one SVD for singular matrices).
    """
    return DetFunction.apply(float_matrices("linalg.det", A, complex_ok=True))


class LogAbsDetFunction(Function):
    """``log|det A|`` of real ``A``; of complex ``A``, the holomorphic ``log det A`` (its value given)."""

    complex_gradient = "conjugate"  # G A^{-T} is holomorphic: complex A gets G A^{-H}

    @staticmethod
    def forward(ctx, a, logabsdet):
        ctx.save_for_backward(a)
        return logabsdet  # computed with the sign by the caller: one LU, not two

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return (grad[..., None, None] * transpose(np.linalg.inv(a)),)

    @staticmethod
    def graph_backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return (grad.reshape(*grad.shape, 1, 1) * InvFunction.apply(ctx.input_tensor(0, a)).mT,)


def slogdet(A) -> SlogdetResult:
    """``torch.linalg.slogdet``: ``(sign, logabsdet)`` with ``det(A) = sign * exp(logabsdet)``.

    For a singular matrix: ``sign = 0``, ``logabsdet = -inf``. Only ``logabsdet`` has a gradient,
    ``A^{-T}``. Cost: one LU per matrix; backward one inverse.
    """
    A = float_matrices("linalg.slogdet", A, complex_ok=True)
    sign, logabsdet = np.linalg.slogdet(A.array)
    if A.is_complex():
        log_det = _complex_logdet(A, sign, logabsdet)
        phase = (log_det.imag * 1j).exp()  # exp(i arg det), recorded
        singular = A.from_array(np.asarray(sign == 0))
        return SlogdetResult(phase.masked_fill(singular, 0.0), log_det.real)
    return SlogdetResult(
        A.from_array(np.asarray(sign)), LogAbsDetFunction.apply(A, logabsdet=np.asarray(logabsdet))
    )


def _complex_logdet(A: Tensor, sign: np.ndarray, logabsdet: np.ndarray) -> Tensor:
    """``log det A = log|det A| + i arg(det A)`` of complex ``A`` (``-inf + 0j`` where singular), recorded."""
    value = np.asarray(logabsdet + 1j * np.angle(sign)).astype(A.array.dtype)
    return LogAbsDetFunction.apply(A, logabsdet=value)


def logdet(A) -> Tensor:
    """``torch.logdet``: ``log det(A)``: ``nan`` where the determinant is negative, ``-inf`` where it is 0.

    Complex ``A``: the complex ``log|det| + i arg(det)`` (``-inf + nan j`` where singular, as PyTorch).
    """
    A = float_matrices("logdet", A, complex_ok=True)
    if A.is_complex():
        sign, logabsdet = np.linalg.slogdet(A.array)
        log_det = _complex_logdet(A, sign, logabsdet)
        singular = A.from_array(np.asarray(sign == 0))
        return log_det.masked_fill(singular, complex(-np.inf, np.nan))
    sign, logabsdet = slogdet(A)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_sign = np.log(sign.array)  # 0 for +1, nan for -1, -inf for 0
    return logabsdet + sign.from_array(log_sign)
