"""Least squares: ``linalg.lstsq``, the minimum-norm ``X`` minimising ``||A X - B||``.

A composition: ``X = pinv(A) B`` with the SVD of ``A`` (recorded), which is the
solution LAPACK's drivers return for full-rank inputs (and the minimum-norm
one otherwise, as ``gelsy``/``gelsd``/``gelss``). The other fields follow the
driver as in PyTorch on CPU: ``rank`` for all but ``'gels'``, ``singular_values``
for ``'gelsd'``/``'gelss'``, ``residuals`` (the squared norms of the columns of
``A X - B``) when ``m > n`` and every matrix has full rank, except for ``'gelsy'``
(the default); fields a driver does not fill are empty tensors.

Example:
    >>> import tt_autograd as autograd
    >>> A = autograd.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> autograd.linalg.lstsq(A, autograd.tensor([[1.0], [2.0], [3.0]])).solution
    tensor([[1.],
            [2.]])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..tensor import Tensor
from ._common import float_matrices, float_tensor
from .spectral import matrix_rank, pinv, svdvals

DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


class LstsqResult(NamedTuple):
    """``torch.linalg.lstsq``'s result."""

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def lstsq(A, B, rcond: float | None = None, *, driver: str | None = None) -> LstsqResult:
    """``torch.linalg.lstsq``: ``X`` (``(..., n, k)``) minimising ``||A X - B||`` for ``A`` ``(..., m, n)``.

    Args:
        A: ``(..., m, n)`` float or complex (complex: ``residuals`` and ``singular_values`` real).
        B: ``(..., m, k)``, or ``(..., m)`` (a vector per matrix) when it has one dim fewer than ``A``;
            ``A``'s dtype.
        rcond: singular values below ``rcond * S_max`` count as zero; default ``eps * max(m, n)``.
        driver: ``'gelsy'`` (default), ``'gels'``, ``'gelsd'`` or ``'gelss'``: which fields are filled.

    Cost: one SVD of ``A`` per matrix; differentiable where ``A``'s singular values are distinct.
    """
    driver = "gelsy" if driver is None else driver
    if driver not in DRIVERS:
        raise ValueError(
            "torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss), "
            f"got {driver!r}"
        )
    A = float_matrices("linalg.lstsq", A, square=False, complex_ok=True)
    B = float_tensor("linalg.lstsq", B, "B", min_dims=1, complex_ok=True)
    if A.dtype != B.dtype:
        raise TypeError(
            "torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's dtype "
            f"{A.dtype} and other's dtype {B.dtype}; convert one with .to(other.dtype)"
        )
    vector = B.ndim == A.ndim - 1
    rhs = B.unsqueeze(-1) if vector else B
    if rhs.shape[-2] != A.shape[-2]:
        raise ValueError(
            "torch.linalg.lstsq: input.size(-2) should match other.size(-2) "
            f"(A {tuple(A.shape)}, B {tuple(B.shape)})"
        )
    m, n = A.shape[-2:]
    solution = pinv(A, rtol=rcond) @ rhs
    real_dtype = np.real(A.array[..., :0, :0]).dtype  # complex A: its real dtype, as PyTorch's fields
    empty = Tensor.from_array(np.zeros(0, real_dtype))
    rank = Tensor.from_array(np.zeros(0, np.int64))
    if driver != "gels":
        rank = matrix_rank(A.detach(), rtol=rcond)
    singular_values = svdvals(A.detach()) if driver in ("gelsd", "gelss") else empty
    residuals = empty
    full_rank = driver == "gels" or bool(np.all(rank.array == n))
    if driver != "gelsy" and m > n and full_rank:
        difference = A @ solution - rhs
        squares = difference.abs() ** 2 if A.is_complex() else difference**2
        residuals = squares.sum(-2)  # (..., k); (..., 1) for a vector B, as PyTorch
    return LstsqResult(solution.squeeze(-1) if vector else solution, residuals, rank, singular_values)
