"""Products of Householder reflectors: ``linalg.householder_product`` (LAPACK's ``orgqr``).

A QR factorisation in LAPACK's compact form (``geqrf``) stores ``Q`` as ``k``
reflectors: column ``i`` of ``A`` below the diagonal is the tail of a vector
``v_i = (0, ..., 0, 1, A[i+1:, i])`` and ``tau_i`` its scale, so that
``H_i = I - tau_i v_i v_iᵀ`` and ``Q = H_1 H_2 ... H_k``. ``householder_product``
returns the first ``n`` columns of that product; ``tau_i = 2 / ‖v_i‖²`` makes
each ``H_i`` a reflection and ``Q`` orthogonal (``orthogonal``'s
``"householder"`` map builds its matrices so).

A composition of recorded ops: starting from the first ``n`` columns of the
identity, each reflector is applied in turn, last first,
``Q ← Q - tau_i v_i (v_iᵀ Q)``, so the gradients (of every order) reach ``A``'s
strict lower triangle and ``tau``; the diagonal and what lies above it are not
read, and get zero gradient.

Example:
    >>> import tt_autograd as autograd
    >>> A = autograd.tensor([[0.0], [1.0]])  # one reflector, v = (1, 1)
    >>> autograd.linalg.householder_product(A, autograd.tensor([1.0]))  # I - v vᵀ, first column
    tensor([[ 0.],
            [-1.]])
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._common import float_matrices, float_tensor

OP = "linalg.householder_product"


def _check_shapes(A: Tensor, tau: Tensor) -> None:
    m, n = A.shape[-2:]
    if m < n:
        raise ValueError(
            f"{OP}: input.shape[-2] must be greater than or equal to input.shape[-1], got a {m} by {n} input"
        )
    if tau.ndim != A.ndim - 1:
        raise ValueError(
            f"{OP}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
            f"{tau.ndim} and input.ndim is equal to {A.ndim}"
        )
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise ValueError(
            f"{OP}: Expected batch dimensions of tau to be equal to input.shape[:-2] "
            f"{tuple(A.shape[:-2])}, but got {tuple(tau.shape[:-1])} (they do not broadcast)"
        )
    if tau.shape[-1] > n:
        raise ValueError(
            f"{OP}: input.shape[-1] must be greater than or equal to tau.shape[-1], got {n} columns "
            f"and {tau.shape[-1]} scales"
        )
    if A.dtype != tau.dtype:
        raise TypeError(
            f"{OP}: tau dtype {tau.dtype} does not match input dtype {A.dtype}; convert one with "
            ".to(other.dtype)"
        )


def householder_product(A, tau) -> Tensor:
    """``torch.linalg.householder_product`` (``torch.orgqr``): the first ``n`` columns of ``H_1 ... H_k``.

    Args:
        A: ``(*, m, n)`` float with ``m >= n``: reflector ``i`` is ``(0, ..., 0, 1, A[i+1:, i])``
            (the diagonal and the upper triangle are not read).
        tau: ``(*, k)`` with ``k <= n``, the same batch dims and dtype: ``H_i = I - tau_i v_i v_iᵀ``.

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
    A = float_matrices(OP, A, "input", square=False)
    tau = float_tensor(OP, tau, "tau")
    _check_shapes(A, tau)
    m, n = A.shape[-2:]
    identity = np.eye(m, n, dtype=A.array.dtype)
    reflectors = A.tril(-1) + Tensor.from_array(identity)  # column i: v_i, with its unit at row i
    q = Tensor.from_array(np.broadcast_to(identity, A.shape).copy())
    for i in reversed(range(tau.shape[-1])):
        v = reflectors[..., :, i : i + 1]
        q = q - (tau[..., i : i + 1, None] * v) @ (v.mT @ q)
    return q
