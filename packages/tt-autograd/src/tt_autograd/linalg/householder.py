"""Householder QR in LAPACK's compact form: ``geqrf``, ``linalg.householder_product`` (``orgqr``), ``ormqr``.

A QR factorisation in LAPACK's compact form (``geqrf``) stores ``Q`` as ``k``
reflectors: column ``i`` of ``A`` below the diagonal is the tail of a vector
``v_i = (0, ..., 0, 1, A[i+1:, i])`` and ``tau_i`` its scale, so that
``H_i = I - tau_i v_i v_iᴴ`` and ``Q = H_1 H_2 ... H_k``. ``householder_product``
returns the first ``n`` columns of that product; ``tau_i = 2 / ‖v_i‖²`` makes
each ``H_i`` a reflection and ``Q`` orthogonal (``orthogonal``'s
``"householder"`` map builds its matrices so). Complex matrices (LAPACK's ``zungqr``,
``zunmqr``, ``zgeqrf``) use the conjugate transpose ``v_iᴴ`` (``vᵀ`` for real ones) and a
complex ``tau_i``; ``Qᴴ`` is ``H_kᴴ ... H_1ᴴ`` with ``H_iᴴ = I - conj(tau_i) v_i v_iᴴ``.

A composition of recorded ops: starting from the first ``n`` columns of the
identity, each reflector is applied in turn, last first,
``Q ← Q - tau_i v_i (v_iᴴ Q)``, so the gradients (of every order, complex ones by the
recorded ops' own rules) reach ``A``'s strict lower triangle and ``tau``; the diagonal and
what lies above it are not read, and get zero gradient. ``ormqr`` multiplies a matrix by that
``Q`` (or ``Qᴴ``, on either side) by the same reflector steps, never forming ``Q``. ``geqrf``
itself is NumPy's raw QR (``np.linalg.qr(mode="raw")``, LAPACK's ``geqrf``): values only, no
derivative (as PyTorch).

Example:
    >>> import tt_autograd as autograd
    >>> A = autograd.tensor([[0.0], [1.0]])  # one reflector, v = (1, 1)
    >>> autograd.linalg.householder_product(A, autograd.tensor([1.0]))  # I - v vᵀ, first column
    tensor([[ 0.],
            [-1.]])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from tt_tensor.checks import check_bool

from ..function import Function
from ..tensor import Tensor
from ._common import float_matrices, float_tensor, pack, unpack

OP = "linalg.householder_product"


class GeqrfResult(NamedTuple):
    """``torch.geqrf``'s result: ``a`` (``R`` on and above the diagonal, the reflectors below) and ``tau``."""

    a: Tensor
    tau: Tensor


def _check_shapes(A: Tensor, tau: Tensor, op: str = OP) -> None:
    m, n = A.shape[-2:]
    if m < n:
        raise ValueError(
            f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1], got a {m} by {n} input"
        )
    if tau.ndim != A.ndim - 1:
        raise ValueError(
            f"{op}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
            f"{tau.ndim} and input.ndim is equal to {A.ndim}"
        )
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise ValueError(
            f"{op}: Expected batch dimensions of tau to be equal to input.shape[:-2] "
            f"{tuple(A.shape[:-2])}, but got {tuple(tau.shape[:-1])} (they do not broadcast)"
        )
    if tau.shape[-1] > n:
        raise ValueError(
            f"{op}: input.shape[-1] must be greater than or equal to tau.shape[-1], got {n} columns "
            f"and {tau.shape[-1]} scales"
        )
    if A.dtype != tau.dtype:
        raise TypeError(
            f"{op}: tau dtype {tau.dtype} does not match input dtype {A.dtype}; convert one with "
            ".to(other.dtype)"
        )


def householder_product(A, tau) -> Tensor:
    """``torch.linalg.householder_product`` (``torch.orgqr``): the first ``n`` columns of ``H_1 ... H_k``.

    Args:
        A: ``(*, m, n)`` float or complex with ``m >= n``: reflector ``i`` is ``(0, ..., 0, 1,
            A[i+1:, i])`` (the diagonal and the upper triangle are not read).
        tau: ``(*, k)`` with ``k <= n``, the same batch dims and dtype: ``H_i = I - tau_i v_i v_iᴴ``.

    Shape: ``(*, m, n)``, ``A``'s dtype. ``k = 0`` gives the first ``n`` columns of the identity.
    Cost: ``k`` rank-one updates of an ``m x n`` matrix (``4 k m n`` flops) forward, about as much
    backward; a recorded op per reflector, so fit for the small matrices of a layer's weight.

    Example:
        >>> import tt_autograd as autograd
        >>> A = autograd.tensor([[0.0, 0.0], [0.0, 0.0]])
        >>> autograd.linalg.householder_product(A, autograd.tensor([2.0, 2.0]))  # two sign flips
        tensor([[-1.,  0.],
                [ 0., -1.]])
    """
    return _householder_product(A, tau, OP)


def _householder_product(A, tau, op: str) -> Tensor:
    """:func:`householder_product`, its errors naming ``op`` (``torch.orgqr`` names itself)."""
    A = float_matrices(op, A, "input", square=False, complex_ok=True)
    tau = float_tensor(op, tau, "tau", complex_ok=True)
    _check_shapes(A, tau, op)
    m, n = A.shape[-2:]
    identity = np.broadcast_to(np.eye(m, n, dtype=A.array.dtype), A.shape).copy()
    return _apply_reflectors(A, tau, Tensor.from_array(identity), left=True, transpose=False)


def _apply_reflectors(A: Tensor, tau: Tensor, x: Tensor, left: bool, transpose: bool) -> Tensor:
    """``Q x``, ``Qᴴ x``, ``x Q`` or ``x Qᴴ`` (``transpose``) for ``Q = H_1 ... H_k`` (``k =
    tau.shape[-1]``), one recorded rank-one update per reflector: ``H_i x = x - tau_i v_i (v_iᴴ x)``,
    ``x H_i = x - tau_i (x v_i) v_iᴴ``; ``H_iᴴ`` has ``conj(tau_i)``. ``Q x`` and ``x Qᴴ`` apply
    ``H_k`` first, ``Qᴴ x`` and ``x Q`` apply ``H_1`` first."""
    m, k = A.shape[-2], tau.shape[-1]
    unit = Tensor.from_array(np.eye(m, k, dtype=A.array.dtype))
    reflectors = A[..., :, :k].tril(-1) + unit  # column i: v_i, with its unit at row i
    scales = tau.conj() if transpose and tau.is_complex() else tau
    steps = reversed(range(k)) if left != transpose else range(k)
    for i in steps:
        v, scale = reflectors[..., :, i : i + 1], scales[..., i : i + 1, None]
        x = x - (scale * v) @ (v.mH @ x) if left else x - ((x @ v) * scale) @ v.mH
    return x


class GeqrfFunction(Function):
    """LAPACK's ``geqrf`` by NumPy's raw QR; PyTorch defines no derivative, and neither does this."""

    complex_gradient = "own"  # backward refuses, real or complex alike

    @staticmethod
    def forward(ctx, a):
        h, tau = np.linalg.qr(a, mode="raw")  # h is the transpose of LAPACK's column-major array
        lapack = np.swapaxes(h, -1, -2).astype(a.dtype, copy=False)
        return pack(lapack, tau.astype(a.dtype, copy=False), batch=a.shape[:-2])

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError(
            "the derivative for 'geqrf' is not implemented (as in PyTorch); differentiate through "
            "torch.linalg.qr(A) instead, which has one"
        )

    @staticmethod
    def graph_backward(ctx, grad):
        return GeqrfFunction.backward(ctx, grad)


def geqrf(input) -> GeqrfResult:
    """``torch.geqrf``: LAPACK's QR in compact form, ``(a, tau)``.

    ``a`` holds ``R`` on and above its diagonal and, below it, the tails of the Householder vectors
    whose product (with the scales ``tau``) is ``Q``: ``householder_product(a, tau)`` is the reduced
    ``Q`` and ``ormqr(a, tau, C)`` multiplies by the full one. Not differentiable (PyTorch's
    backward raises too; ``linalg.qr`` is). Float or complex (``zgeqrf``: a complex ``tau``, ``R``
    with a real diagonal). Shape: ``a`` ``(*, m, n)``, ``tau`` ``(*, min(m, n))``.
    Cost: ``O(m n min(m, n))`` per matrix.

    Example:
        >>> import tt_autograd as autograd
        >>> autograd.geqrf(autograd.tensor([[3.0], [4.0]])).a  # R = -5, reflector tail 0.5
        tensor([[-5.0000],
                [ 0.5000]])
    """
    A = float_tensor("geqrf", input, "input", complex_ok=True)
    if A.ndim < 2:
        raise ValueError(f"torch.geqrf: input must have at least 2 dimensions, got shape {tuple(A.shape)}")
    m, n = A.shape[-2:]
    a, tau = unpack(GeqrfFunction.apply(A), [(m, n), (min(m, n),)])
    return GeqrfResult(a, tau)


def orgqr(input, tau) -> Tensor:
    """``torch.orgqr``: :func:`householder_product`."""
    return _householder_product(input, tau, "orgqr")


def ormqr(input, tau, other, left: bool = True, transpose: bool = False) -> Tensor:
    """``torch.ormqr``: ``other`` multiplied by the ``Q`` of :func:`geqrf`'s compact form, never formed.

    Args:
        input: ``(*, mn, k)``: reflector ``i`` is ``(0, ..., 0, 1, input[i+1:, i])``.
        tau: ``(*, min(mn, k))``, the reflectors' scales.
        other: ``(*, m, n)`` with ``m == mn`` when ``left`` else ``n == mn``; the same batch dims.
        left: ``Q @ other`` (True) or ``other @ Q``.
        transpose: ``Qᴴ`` in place of ``Q`` (the conjugate transpose for complex, as PyTorch's).

    Differentiable in all three (a recorded step per reflector, gradients of every order).
    Shape: ``other``'s. Cost: ``4 mn n k`` flops for ``left``.

    Example:
        >>> import tt_autograd as autograd
        >>> a, tau = autograd.geqrf(autograd.tensor([[3.0], [4.0]]))
        >>> autograd.ormqr(a, tau, autograd.tensor([[3.0], [4.0]]), transpose=True)  # Qᵀ A = R
        tensor([[-5.],
                [ 0.]])
    """
    A = float_tensor("ormqr", input, "input", complex_ok=True)
    tau = float_tensor("ormqr", tau, "tau", complex_ok=True)
    other = float_tensor("ormqr", other, "other", complex_ok=True)
    _check_ormqr(A, tau, other, check_bool("ormqr", "left", left))
    return _apply_reflectors(A, tau, other, left, check_bool("ormqr", "transpose", transpose))


def _check_ormqr(A: Tensor, tau: Tensor, other: Tensor, left: bool) -> None:
    """PyTorch's checks of ``torch.ormqr``, in its order, with its messages."""
    for name, tensor in (("input", A), ("other", other)):
        if tensor.ndim < 2:
            raise ValueError(
                f"torch.ormqr: {name} must have at least 2 dimensions, got shape {tuple(tensor.shape)}"
            )
    side = -2 if left else -1
    if other.shape[side] != A.shape[-2]:
        raise ValueError(
            f"torch.ormqr: other.shape[{side}] must be equal to input.shape[-2], got other of shape "
            f"{tuple(other.shape)} and input of shape {tuple(A.shape)}"
        )
    if tau.ndim != A.ndim - 1:
        raise ValueError(
            "torch.ormqr: Expected tau to have one dimension less than input, but got tau.ndim equal to "
            f"{tau.ndim} and input.ndim is equal to {A.ndim}"
        )
    if other.ndim != A.ndim:
        raise ValueError(
            "torch.ormqr: Expected other to have the same number of dimensions as input, but got "
            f"other.ndim equal to {other.ndim} and input.ndim is equal to {A.ndim}"
        )
    for name, tensor in (("tau", tau), ("other", other)):
        batch = tuple(tensor.shape[: A.ndim - 2])
        if batch != tuple(A.shape[:-2]):
            raise ValueError(
                f"torch.ormqr: Expected batch dimensions of {name} to be equal to input.shape[:-2] "
                f"{tuple(A.shape[:-2])}, but got {batch}"
            )
    if tau.shape[-1] != min(other.shape[side], A.shape[-1]):
        raise ValueError(
            f"torch.ormqr: tau.shape[-1] must be equal to min(other.shape[{side}], input.shape[-1]) = "
            f"{min(other.shape[side], A.shape[-1])}, got {tau.shape[-1]}"
        )
    for name, tensor in (("tau", tau), ("other", other)):
        if tensor.dtype != A.dtype:
            raise TypeError(
                f"torch.ormqr: Expected input and {name} to have the same dtype, but input has dtype "
                f"{A.dtype} and {name} has dtype {tensor.dtype}; convert one with .to(other.dtype)"
            )
