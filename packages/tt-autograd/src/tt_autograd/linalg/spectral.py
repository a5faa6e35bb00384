"""Spectral decompositions: ``linalg.eigh``, ``eigvalsh``, ``svd``, ``svdvals``; ``pinv``, ``matrix_rank``.

Forward is NumPy's LAPACK (``np.linalg.eigh``, ``np.linalg.svd``), batched.
Backward (real case, distinct eigenvalues / singular values; with ``F`` the
matrix ``F_ij = 1 / (x_j - x_i)`` off the diagonal, 0 on it):

* ``eigh``, ``A = V diag(w) V^T``: with ``K = V^T G_V`` (``F`` over ``w``),
  ``grad_A = V (diag(G_w) + F o (K - K^T) / 2) V^T`` - symmetric, as ``A`` is.
* ``svd``, ``A = U diag(S) V^T`` (``F`` over ``S^2``; ``J = U^T G_U``, ``K = V^T G_V``):
  ``grad_A = U (diag(G_S) + (F o (J - J^T)) S + S (F o (K - K^T))) V^T
  + (I - U U^T) G_U S^{-1} V^T + U S^{-1} G_V^T (I - V V^T)``; the last two
  terms carry the gradient of the columns outside the square part.
  With ``full_matrices=True`` only the first ``min(m, n)`` columns of ``U`` (rows
  of ``Vh``) carry a gradient: the others are not unique.

Eigenvectors and singular vectors are defined up to sign (their gauge): a
loss that depends on the sign has no gradient, so only gauge-invariant
functions (``U diag(S) Vh``, ``|U|^2``, functions of ``S`` or ``w``) differentiate
meaningfully - as in PyTorch. Repeated eigenvalues / singular values make
``F`` infinite: the gradient is then inf or nan (PyTorch's too).

Example:
    >>> import tt_autograd as autograd
    >>> autograd.linalg.eigvalsh(autograd.tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor([1., 3.])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from tt_tensor.checks import bool_args, check_number

from ..function import Function
from ..tensor import Tensor
from ._common import adjoint, float_matrices, pack, transpose, unpack


class EighResult(NamedTuple):
    """``torch.linalg.eigh``'s result: eigenvalues in ascending order and eigenvectors as columns."""

    eigenvalues: Tensor
    eigenvectors: Tensor


class SVDResult(NamedTuple):
    """``torch.linalg.svd``'s result: ``A = U diag(S) Vh``."""

    U: Tensor
    S: Tensor
    Vh: Tensor


def _gap_reciprocals(x: np.ndarray) -> np.ndarray:
    """``F_ij = 1 / (x_j - x_i)`` for ``i != j``, 0 on the diagonal (inf where two values are equal)."""
    gaps = x[..., None, :] - x[..., :, None]
    eye = np.eye(x.shape[-1], dtype=bool)
    with np.errstate(divide="ignore"):
        return np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, gaps)).astype(x.dtype, copy=False)


class EighFunction(Function):
    @staticmethod
    def forward(ctx, a, uplo):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(w, v)
        return pack(w, v, batch=a.shape[:-2])

    @staticmethod
    def backward(ctx, grad):
        w, v = ctx.saved_tensors
        n = w.shape[-1]
        grad_w = grad[..., :n]
        grad_v = grad[..., n:].reshape(v.shape)
        k = transpose(v) @ grad_v
        inner = _gap_reciprocals(w) * (k - transpose(k)) * 0.5
        inner = inner + grad_w[..., None] * np.eye(n, dtype=w.dtype)
        return (v @ inner @ transpose(v),)

    @staticmethod
    def graph_backward(ctx, grad):  # the same products, recorded, with F from the eigenvalues' tensor
        w, v = ctx.saved_tensors
        n = w.shape[-1]
        out = ctx.output_tensor(pack(w, v, batch=w.shape[:-1]))
        w_t, v_t = out[..., :n], out[..., n:].reshape(*v.shape)
        grad_w, grad_v = grad[..., :n], grad[..., n:].reshape(*v.shape)
        k = v_t.mT @ grad_v
        inner = _gap_reciprocals_recorded(w_t) * (k - k.mT) * 0.5
        inner = inner + grad_w.unsqueeze(-1) * np.eye(n, dtype=w.dtype)
        return (v_t @ inner @ v_t.mT,)


def eigh(A, UPLO: str = "L") -> EighResult:
    """``torch.linalg.eigh``: eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices.

    Args:
        A: ``(..., n, n)`` float, symmetric; only the triangle ``UPLO`` (``'L'`` or ``'U'``) is read.

    Returns ``(eigenvalues (..., n), eigenvectors (..., n, n))``, ``A = V diag(w) V^T``.
    Cost: ``O(n^3)`` per matrix; backward three matrix products.
    """
    return _eigh("linalg.eigh", A, UPLO)


def eigvalsh(A, UPLO: str = "L") -> Tensor:
    """``torch.linalg.eigvalsh``: :func:`eigh`'s eigenvalues, ascending (vectors computed for backward)."""
    return _eigh("linalg.eigvalsh", A, UPLO).eigenvalues


def _eigh(op: str, A, UPLO: str) -> EighResult:
    if UPLO not in ("L", "U"):
        raise ValueError(f"{op}: expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    A = float_matrices(op, A, complex_ok=True)
    if A.array.dtype.kind == "c":
        from .eig import complex_eigh  # (eig.py imports this module)

        return EighResult(*complex_eigh(A, UPLO))
    n = A.shape[-1]
    w, v = unpack(EighFunction.apply(A, uplo=UPLO), [(n,), (n, n)])
    return EighResult(w, v)


class SVDFunction(Function):
    """``(U, S, Vh)`` packed; complex ``A``: ``S`` (real) is stored complex, and the rules use conjugate
    transposes, PyTorch's phase check and its diagonal term ``i Im(diag(U^H G_U)) / S``."""

    complex_gradient = "own"

    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vt = np.linalg.svd(a, full_matrices=full_matrices)
        ctx.save_for_backward(u, s.astype(u.dtype), vt)
        return pack(u, s, vt, batch=a.shape[:-2])

    @staticmethod
    def backward(ctx, grad):
        u, s, vt = ctx.saved_tensors
        m, n, k = u.shape[-2], vt.shape[-1], s.shape[-1]
        grad_u, grad_s, grad_vt = (g for g in np.split(grad, [u.shape[-1] * m, u.shape[-1] * m + k], axis=-1))
        grad_u = grad_u.reshape(u.shape)[..., :k]  # full_matrices: the extra columns are not unique
        grad_v = adjoint(grad_vt.reshape(vt.shape)[..., :k, :])
        u, v = u[..., :k], adjoint(vt[..., :k, :])
        f = _gap_reciprocals(s * s)
        j, kv = adjoint(u) @ grad_u, adjoint(v) @ grad_v
        inner = (f * (j - adjoint(j))) * s[..., None, :] + s[..., :, None] * (f * (kv - adjoint(kv)))
        diagonal = np.real(grad_s)
        if u.dtype.kind == "c":
            diagonal = diagonal + _phase_term(
                np.diagonal(j, axis1=-2, axis2=-1), np.diagonal(kv, 0, -2, -1), s
            )
        inner = inner + diagonal[..., None] * np.eye(k, dtype=s.dtype)
        grad_a = u @ inner @ adjoint(v)
        if m > k:  # the part of G_U outside U's span
            grad_a = grad_a + (grad_u - u @ (adjoint(u) @ grad_u)) / s[..., None, :] @ adjoint(v)
        if n > k:  # the part of G_V outside V's span
            grad_a = grad_a + u @ adjoint((grad_v - v @ (adjoint(v) @ grad_v)) / s[..., None, :])
        return (grad_a,)

    @staticmethod
    def graph_backward(ctx, grad):  # the same products, recorded, with F from the singular values' tensor
        u, s, vt = ctx.saved_tensors
        m, n, k = u.shape[-2], vt.shape[-1], s.shape[-1]
        ends = (u.shape[-1] * m, u.shape[-1] * m + k)
        out = ctx.output_tensor(pack(u, s, vt, batch=s.shape[:-1]))
        u_t, s_t, v_t = _svd_parts(out, ends, u.shape, vt.shape, k)
        grad_u, grad_s, grad_v = _svd_parts(grad, ends, u.shape, vt.shape, k)
        f = _gap_reciprocals_recorded(s_t * s_t)
        j, kv = u_t.mH @ grad_u, v_t.mH @ grad_v
        inner = (f * (j - j.mH)) * s_t.unsqueeze(-2) + s_t.unsqueeze(-1) * (f * (kv - kv.mH))
        diagonal = grad_s
        if u.dtype.kind == "c":
            j_diagonal = j.diagonal(0, -2, -1)
            _phase_term(j_diagonal.array, kv.diagonal(0, -2, -1).array, s)  # the check only
            diagonal = grad_s.real + j_diagonal.imag * 1j / s_t
        inner = inner + diagonal.unsqueeze(-1) * np.eye(k, dtype=s.dtype)
        grad_a = u_t @ inner @ v_t.mH
        if m > k:  # the part of G_U outside U's span
            grad_a = grad_a + (grad_u - u_t @ (u_t.mH @ grad_u)) / s_t.unsqueeze(-2) @ v_t.mH
        if n > k:  # the part of G_V outside V's span
            grad_a = grad_a + u_t @ ((grad_v - v_t @ (v_t.mH @ grad_v)) / s_t.unsqueeze(-2)).mH
        return (grad_a,)


SVD_GAUGE_MESSAGE = (
    "svd_backward: The singular vectors in the complex case are specified up to multiplication by "
    "e^{i phi}. The specified loss function depends on this phase term, making it ill-defined."
)


def _phase_term(j_diagonal: np.ndarray, k_diagonal: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``i Im(diag(U^H G_U)) / S``, after PyTorch's check that the loss does not depend on the phases
    of the singular vectors (``Im diag(U^H G_U) = -Im diag(V^H G_V)``)."""
    if not np.allclose(j_diagonal.imag, -k_diagonal.imag, rtol=1e-2, atol=1e-2):
        raise RuntimeError(SVD_GAUGE_MESSAGE)
    return 1j * j_diagonal.imag / s


def _svd_parts(packed, ends, u_shape, vt_shape, k):
    """``U[..., :k]``, ``S`` and ``V = Vh[..., :k, :]^T`` read (recorded) from a packed SVD tensor."""
    u = packed[..., : ends[0]].reshape(*u_shape)[..., :k]
    v = packed[..., ends[1] :].reshape(*vt_shape)[..., :k, :].mH
    return u, packed[..., ends[0] : ends[1]], v


def _gap_reciprocals_recorded(x):
    """:func:`_gap_reciprocals` of a tensor, recorded: ``F_ij = 1 / (x_j - x_i)``, 0 on the diagonal."""
    eye = np.eye(x.shape[-1], dtype=bool)
    gaps = x.unsqueeze(-2) - x.unsqueeze(-1)
    with np.errstate(divide="ignore"):
        return (1.0 / gaps.where(~eye, 1.0)).where(~eye, 0.0)


@bool_args("linalg.svd", "full_matrices")
def svd(A, full_matrices: bool = True, *, driver=None) -> SVDResult:
    """``torch.linalg.svd``: ``A = U diag(S) Vh``, ``S`` descending and non-negative.

    Args:
        A: ``(..., m, n)`` float.
        full_matrices: ``U`` ``(m, m)`` and ``Vh`` ``(n, n)`` if True (default), else ``(m, k)`` and
            ``(k, n)`` with ``k = min(m, n)``.
        driver: accepted for PyTorch's signature (a CUDA option); ignored.

    Cost: ``O(m n k)`` per matrix; backward a few ``(m, k)``/``(k, n)`` products.
    """
    A = float_matrices("linalg.svd", A, square=False, complex_ok=True)
    m, n = A.shape[-2:]
    k = min(m, n)
    u_cols, vt_rows = (m, n) if full_matrices else (k, k)
    u, s, vt = unpack(
        SVDFunction.apply(A, full_matrices=bool(full_matrices)), [(m, u_cols), (k,), (vt_rows, n)]
    )
    return SVDResult(u, s.real if A.is_complex() else s, vt)


def svdvals(A, *, driver=None) -> Tensor:
    """``torch.linalg.svdvals``: the singular values, descending (``(..., min(m, n))``)."""
    A = float_matrices("linalg.svdvals", A, square=False, complex_ok=True)
    if not A.requires_grad:
        return A.from_array(np.linalg.svd(A.array, compute_uv=False))
    return svd(A, full_matrices=False).S


def _tolerance(op: str, values: np.ndarray, atol, rtol, shape: tuple[int, ...]) -> np.ndarray:
    """PyTorch's cut-off ``max(atol, rtol * largest)``; ``rtol`` is ``eps * max(m, n)`` if neither is set."""
    if rtol is None:
        rtol = np.finfo(values.dtype).eps * max(shape[-2:]) if atol is None or atol <= 0 else 0.0
    largest = np.abs(values).max(axis=-1, initial=0.0)
    return np.maximum(0.0 if atol is None else atol, rtol * largest)[..., None]


@bool_args("linalg.pinv", "hermitian")
def pinv(A, rcond=None, hermitian: bool = False, *, atol=None, rtol=None) -> Tensor:
    """``torch.linalg.pinv``: the Moore-Penrose pseudo-inverse, ``V diag(1/S) U^H`` over ``S > tol``.

    ``tol = max(atol, rtol * S_max)``; ``rtol`` defaults to ``eps * max(m, n)`` when ``atol`` is not
    given. PyTorch's older positional ``rcond`` is ``rtol``. ``hermitian=True`` uses :func:`eigh`
    (``A`` symmetric or Hermitian). Differentiable through the SVD, so where kept singular values repeat the
    gradient is not finite. Shape ``(..., n, m)``.
    """
    rtol = _positional_tolerance("linalg.pinv", "rcond", rcond, rtol, atol, rtol)
    A = float_matrices("linalg.pinv", A, square=False, complex_ok=True)
    if hermitian:
        w, v = eigh(A)
        keep = np.abs(w.array) > _tolerance("linalg.pinv", w.array, atol, rtol, A.shape)
        inverse = _masked_reciprocal(w, keep)
        return (v * inverse.unsqueeze(-2)) @ v.mH
    u, s, vt = svd(A, full_matrices=False)
    keep = s.array > _tolerance("linalg.pinv", s.array, atol, rtol, A.shape)
    return (vt.mH * _masked_reciprocal(s, keep).unsqueeze(-2)) @ u.mH


def _positional_tolerance(op: str, name: str, value, replaced, atol, rtol):
    """PyTorch's older positional tolerance ``name`` (a number or a 0-d tensor), which stands for
    ``replaced`` (``rtol`` or ``atol``); refused together with the keywords, as PyTorch."""
    if value is None:
        return replaced
    if atol is not None or rtol is not None:
        raise TypeError(f"{op}: give {name} or atol/rtol, not both ({name} is PyTorch's older form)")
    return check_number(op, name, value.item() if isinstance(value, Tensor) else value)


def _masked_reciprocal(values: Tensor, keep: np.ndarray) -> Tensor:
    """``1 / values`` where ``keep``, 0 elsewhere, with a finite gradient everywhere."""
    mask = values.from_array(keep.astype(values.array.dtype))
    safe = values * mask + (1 - mask)
    return mask / safe


@bool_args("linalg.matrix_rank", "hermitian")
def matrix_rank(A, tol=None, hermitian: bool = False, *, atol=None, rtol=None) -> Tensor:
    """``torch.linalg.matrix_rank``: how many singular values exceed ``max(atol, rtol * S_max)`` (int64).

    PyTorch's older positional ``tol`` is ``atol``.
    """
    atol = _positional_tolerance("linalg.matrix_rank", "tol", tol, atol, atol, rtol)
    A = float_matrices("linalg.matrix_rank", A, square=False, complex_ok=True)
    values = np.linalg.eigvalsh(A.array) if hermitian else np.linalg.svd(A.array, compute_uv=False)
    values = np.abs(values)
    tol = _tolerance("linalg.matrix_rank", values, atol, rtol, A.shape)
    return A.from_array(np.asarray(np.sum(values > tol, axis=-1), dtype=np.int64))
