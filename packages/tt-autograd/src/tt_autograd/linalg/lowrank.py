"""Randomised low-rank factorisations (Halko, Martinsson and Tropp 2009): ``torch.svd_lowrank`` and
``torch.pca_lowrank``.

``svd_lowrank(A, q)`` finds an orthonormal basis ``Q`` (``m x q``) of ``A``'s range from ``A R``, ``R``
a Gaussian ``n x q`` sketch, sharpened by ``niter`` power iterations (each ``Q ← qr(A Q')``,
``Q' ← qr(Aᴴ Q)``, their Algorithm 4.4), then takes the exact SVD of the small ``B = Qᴴ A``
(``q x n``): ``A ≈ (Q U_B) S Vᴴ`` (their Algorithm 5.1). A wide ``A`` is factorised through
``Aᴴ``. Complex ``A`` (``ᴴ`` the conjugate transpose, ``ᵀ`` for real) draws a complex sketch, as
PyTorch's; ``S`` is real. Everything is a composition of recorded ops (``matmul``,
``linalg.qr``, ``linalg.svd``), so gradients of every order flow to ``A`` (and ``M``), as in
PyTorch. The sketch is drawn from the global generator (``manual_seed`` fixes it); PyTorch's
draws differ, so factors agree with PyTorch's only up to the approximation, and exactly (up to
signs, complex: phases) when ``A``'s rank is at most ``q``.

Cost: ``O(m n q (2 niter + 2))`` for the products plus ``O((m + n) q²)`` for the factorisations,
against ``O(m n min(m, n))`` for a full SVD.

Example:
    >>> import tt_autograd as autograd
    >>> _ = autograd.manual_seed(0)
    >>> A = autograd.tensor([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])  # rank 1
    >>> U, S, V = autograd.svd_lowrank(A, q=1)
    >>> round(float(S[0]) ** 2, 4)  # ‖A‖_F² = 70
    70.0
"""

from __future__ import annotations

import numpy as np
import tt_tensor
from tt_tensor.checks import check_bool, check_count

from ..tensor import Tensor
from ._common import as_tensor, float_matrices
from .decompositions import qr
from .spectral import svd

__all__ = ["pca_lowrank", "svd_lowrank"]


def _basis(A: Tensor, q: int, niter: int, M: Tensor | None) -> Tensor:
    """An orthonormal basis (``m x min(m, n, q)``) of the range of ``A - M``: PyTorch's
    ``get_approximate_basis``."""
    sketch = tt_tensor.randn(A.shape[-1], q, dtype=A.dtype).array
    R = Tensor.from_array(sketch)

    def times(X: Tensor, adjoint: bool = False) -> Tensor:
        """``(A - M) X`` or ``(A - M)ᴴ X``, without forming ``A - M``."""
        product = (A.mH if adjoint else A) @ X
        return product if M is None else product - (M.mH if adjoint else M) @ X

    Q = qr(times(R)).Q
    for _ in range(niter):
        Q = qr(times(qr(times(Q, adjoint=True)).Q)).Q
    return Q


def svd_lowrank(A, q: int | None = 6, niter: int | None = 2, M=None) -> tuple[Tensor, Tensor, Tensor]:
    """``torch.svd_lowrank``: ``(U, S, V)`` with ``A - M ≈ U diag(S) Vᴴ``, randomised.

    Args:
        A: ``(*, m, n)`` float or complex.
        q: the rank of the sketch (default 6; ``None`` means 6); take a few more than the rank wanted.
        niter: power iterations (default 2; ``None`` means 2); more sharpen a slowly decaying spectrum.
        M: ``None`` or a tensor broadcastable to ``A``'s shape, subtracted without forming ``A - M``.

    Shape: ``U`` ``(*, m, k)``, ``S`` ``(*, k)``, ``V`` ``(*, n, k)``, ``k = min(q, m, n)``. A plain tuple,
    as PyTorch's. Differentiable in ``A`` and ``M`` (a composition of recorded ops).
    """
    A = float_matrices("svd_lowrank", A, square=False, complex_ok=True)
    q = 6 if q is None else check_count("svd_lowrank", "q", q)
    niter = 2 if niter is None else check_count("svd_lowrank", "niter", niter)
    if M is not None:
        M = as_tensor("svd_lowrank", M, "M")
        if M.dtype != A.dtype:
            raise TypeError(f"svd_lowrank: M has dtype {M.dtype} but A has dtype {A.dtype}; convert one")
        try:
            np.broadcast_shapes(tuple(M.shape), tuple(A.shape))
        except ValueError:
            raise ValueError(
                f"svd_lowrank: M of shape {tuple(M.shape)} does not broadcast to A's shape {tuple(A.shape)}"
            ) from None
        M = M.expand(*A.shape)
    m, n = A.shape[-2:]
    if m < n:
        A, M = A.mH, None if M is None else M.mH
    Q = _basis(A, q, niter, M)
    B = Q.mH @ A if M is None else Q.mH @ A - Q.mH @ M
    U, S, Vh = svd(B, full_matrices=False)
    U, V = Q @ U, Vh.mH
    return (V, S, U) if m < n else (U, S, V)


def pca_lowrank(
    A, q: int | None = None, center: bool = True, niter: int = 2
) -> tuple[Tensor, Tensor, Tensor]:
    """``torch.pca_lowrank``: :func:`svd_lowrank` of ``A`` with its column means removed (``center``).

    ``V``'s columns are the principal directions and ``S² / (m - 1)`` the variances along them;
    ``A @ V[:, :k]`` projects onto the first ``k``. ``q`` defaults to ``min(6, m, n)`` and must lie
    in ``[0, min(m, n)]``.
    """
    A = float_matrices("pca_lowrank", A, square=False, complex_ok=True)
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif isinstance(q, bool) or not isinstance(q, (int, np.integer)) or not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if isinstance(niter, bool) or not isinstance(niter, (int, np.integer)) or niter < 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if check_bool("pca_lowrank", "center", center, numpy_bool=True):
        A = A - A.mean(dim=-2, keepdim=True)
    return svd_lowrank(A, q, niter=niter)
