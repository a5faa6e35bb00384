"""The ``_ex`` forms: ``linalg.inv_ex``, ``solve_ex``, ``cholesky_ex`` return ``info`` instead of raising.

Each returns its result and an int32 ``info`` per matrix of the batch (0 on
success), and raises ``LinAlgError`` only when ``check_errors=True`` (PyTorch's
message, with ``(Batch element i): `` for a batch), so a loop over many
matrices can test ``info`` without a try/except:

* ``inv_ex`` and ``solve_ex``: ``info`` is :func:`~tt_autograd.linalg.lu_factor_ex`'s, the
  first zero pivot of ``U`` (from 1);
* ``cholesky_ex``: ``info`` is the order of the first leading minor that is not positive-definite,
  found by a Cholesky loop over the columns (vectorised over the batch) when NumPy's fails.

The results are the recorded ops (:func:`~tt_autograd.linalg.inv`, ``solve``, ``cholesky``) on
the batch with each failed matrix replaced by the identity, then filled with nan where
``info > 0``: differentiable, with zero gradient for the failed matrices. Differs from
PyTorch, whose failed results hold whatever LAPACK left (``inf`` or a partial factor): only
``info`` is meaningful there, in both.

Example:
    >>> import tt_autograd as autograd
    >>> autograd.linalg.inv_ex(autograd.tensor([[1.0, 2.0], [2.0, 4.0]])).info
    tensor(2, dtype=tt.int32)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..tensor import Tensor
from ._common import LinAlgError, batch_prefix, float_matrices, float_tensor
from .decompositions import cholesky
from .lu import _getrf
from .solve import _is_vector_rhs, inv, solve


class InvExResult(NamedTuple):
    """``torch.linalg.inv_ex``'s result."""

    inverse: Tensor
    info: Tensor


class SolveExResult(NamedTuple):
    """``torch.linalg.solve_ex``'s result."""

    result: Tensor
    info: Tensor


class CholeskyExResult(NamedTuple):
    """``torch.linalg.cholesky_ex``'s result."""

    L: Tensor
    info: Tensor


def _first_failure(info: np.ndarray) -> tuple[int, int] | None:
    """The flat batch index of the first matrix with ``info > 0`` and its ``info``; None if all passed."""
    failed = np.flatnonzero(info.reshape(-1) > 0)
    if failed.size == 0:
        return None
    return int(failed[0]), int(info.reshape(-1)[failed[0]])


def _identity_where_failed(A: Tensor, failed: np.ndarray) -> tuple[Tensor, Tensor]:
    """``A`` with the failed matrices replaced by the identity (recorded), and the mask as a tensor."""
    mask = A.from_array(failed[..., None, None])  # (A's: batched like A inside vmap)
    identity = Tensor.from_array(np.eye(A.shape[-1], dtype=A.array.dtype))
    return A.masked_fill(mask, 0.0) + identity * mask.to(A.dtype), mask


def inv_ex(A, *, check_errors: bool = False) -> InvExResult:
    """``torch.linalg.inv_ex``: ``(inverse, info)``; ``inverse`` is nan where ``info > 0`` (singular).

    Args:
        A: ``(..., n, n)`` float or complex.
        check_errors: raise ``LinAlgError`` (:func:`inv`'s message) if a matrix is singular.

    Shape: ``inverse`` as ``A``; ``info`` ``(...)`` int32. Cost: an LU for ``info``, then :func:`inv`.
    """
    A = float_matrices("linalg.inv_ex", A, complex_ok=True)
    info = _getrf(A.array)[2]
    failure = _first_failure(info)
    if failure is None:
        return InvExResult(inv(A), A.from_array(info))
    if check_errors:
        index, k = failure
        raise LinAlgError(
            f"linalg.inv_ex: {batch_prefix(index, info.ndim > 0)}The diagonal element {k} is zero, the "
            "inversion could not be completed because the input matrix is singular."
        )
    safe, mask = _identity_where_failed(A, info > 0)
    return InvExResult(inv(safe).masked_fill(mask, float("nan")), A.from_array(info))


def solve_ex(A, B, *, left: bool = True, check_errors: bool = False) -> SolveExResult:
    """``torch.linalg.solve_ex``: ``(result, info)`` of :func:`solve`; ``result`` is nan where ``info > 0``.

    ``info`` has ``A``'s batch shape (as PyTorch's), even when ``B``'s batch dims broadcast it.
    Cost: an LU for ``info``, then :func:`solve`.
    """
    A = float_matrices("linalg.solve_ex", A, complex_ok=True)
    B = float_tensor("linalg.solve_ex", B, "B", min_dims=1, complex_ok=True)
    vector = _is_vector_rhs(A, B)
    info = _getrf(A.array)[2]
    failure = _first_failure(info)
    if failure is None:
        return SolveExResult(solve(A, B, left=left), A.from_array(info))
    if check_errors:
        prefix = batch_prefix(failure[0], info.ndim > 0)
        raise LinAlgError(
            f"torch.linalg.solve_ex: {prefix}The solver failed because the input matrix is singular."
        )
    safe, mask = _identity_where_failed(A, info > 0)
    result = solve(safe, B, left=left)
    return SolveExResult(
        result.masked_fill(mask[..., 0] if vector else mask, float("nan")), A.from_array(info)
    )


def _cholesky_info(a: np.ndarray) -> np.ndarray:
    """Per matrix: 0, or the order of the first leading minor that is not positive-definite.

    The lower Cholesky factor column by column, all matrices at once: ``d_j = Re a_jj - sum_k |l_jk|^2``
    must be positive (not nan); a failed matrix goes on with ``l_jj = 1`` and keeps its first ``j + 1``.
    Complex: LAPACK's ``zpotrf``, which reads only the real part of the diagonal, and
    ``l_ij = (a_ij - sum_k l_ik conj(l_jk)) / l_jj``.
    """
    n = a.shape[-1]
    lower = np.zeros_like(a)
    info = np.zeros(a.shape[:-2], dtype=np.int32)
    for j in range(n):
        d = np.real(a[..., j, j]) - np.sum(np.abs(lower[..., j, :j]) ** 2, axis=-1)
        bad = ~(d > 0)
        info = np.where((info == 0) & bad, j + 1, info)
        root = np.sqrt(np.where(bad, 1, d))  # l_jj: only divides the column under it
        row = np.conj(lower[..., j, :j])
        below = a[..., j + 1 :, j] - np.einsum("...ik,...k->...i", lower[..., j + 1 :, :j], row)
        lower[..., j + 1 :, j] = below / root[..., None]
    return info


def cholesky_ex(A, *, upper: bool = False, check_errors: bool = False) -> CholeskyExResult:
    """``torch.linalg.cholesky_ex``: ``(L, info)`` of :func:`cholesky`; ``L`` is nan where ``info > 0``.

    ``info`` is the order of the first leading minor that is not positive-definite (0 on success).
    ``A`` is float or complex (Hermitian: ``A = L L^H``; only the real part of its diagonal is read, as
    LAPACK's); gradients as :func:`cholesky`'s.
    Cost: NumPy's Cholesky; on a failure, one more ``O(n^3)`` loop over the columns for ``info``.
    """
    A = float_matrices("linalg.cholesky_ex", A, complex_ok=True)
    try:
        failed = np.isnan(
            np.linalg.cholesky(A.array)
        ).any()  # NumPy lets a nan through; LAPACK's potrf does not
    except np.linalg.LinAlgError:
        failed = True
    info = _cholesky_info(A.array) if failed else np.zeros(A.array.shape[:-2], dtype=np.int32)
    failure = _first_failure(info)
    if failure is None:
        return CholeskyExResult(cholesky(A, upper=upper), A.from_array(info))
    if check_errors:
        index, k = failure
        raise LinAlgError(
            f"linalg.cholesky_ex: {batch_prefix(index, info.ndim > 0)}The factorization could not be "
            "completed because the input is not positive-definite (the leading minor of order "
            f"{k} is not positive-definite)."
        )
    safe, mask = _identity_where_failed(A, info > 0)
    factor = cholesky(safe, upper=upper).masked_fill(mask, float("nan"))
    return CholeskyExResult(factor, A.from_array(info))
