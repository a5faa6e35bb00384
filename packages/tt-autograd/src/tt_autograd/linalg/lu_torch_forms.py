"""PyTorch's top-level LU forms: ``torch.lu_unpack``, ``torch.lu`` and ``torch.lu_solve``.

They reuse the factorisation of :mod:`tt_autograd.linalg.lu` (no second LU):

* ``lu_unpack(LU_data, LU_pivots)`` turns the packed ``LU`` and LAPACK pivots of
  :func:`~tt_autograd.linalg.lu_factor` into ``(P, L, U)`` with ``A = P L U``;
  ``L`` and ``U`` are recorded slices of ``LU_data`` (differentiable in it).
* ``lu(A, pivot=True, get_infos=False)`` is the deprecated ``torch.lu``:
  :func:`~tt_autograd.linalg.lu_factor_ex` without the error check, returning
  ``(LU, pivots)`` or ``(LU, pivots, info)``.
* ``lu_solve(b, LU_data, LU_pivots)`` is the deprecated ``torch.lu_solve``, with
  the old argument order (``b`` first): :func:`~tt_autograd.linalg.lu_solve`.

Example:
    >>> import tt_autograd as autograd
    >>> A = autograd.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> P, L, U = autograd.lu_unpack(*autograd.linalg.lu_factor(A))
    >>> P @ L @ U
    tensor([[1., 2.],
            [3., 4.]])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from tt_tensor.checks import check_bool

from ..tensor import Tensor
from ._common import as_tensor, float_matrices
from .lu import LUFactorExResult, _lu_factor_ex, _permutation_matrix
from .lu import lu_solve as _linalg_lu_solve

__all__ = ["lu", "lu_solve", "lu_unpack"]


class LUUnpackResult(NamedTuple):
    """``torch.lu_unpack``'s result: ``A = P L U``."""

    P: Tensor
    L: Tensor
    U: Tensor


def _unpack_pivots_arg(LU: Tensor, LU_pivots: object) -> Tensor:
    """``LU_pivots`` as int32 of shape ``LU.shape[:-2] + (k,)`` (its batch broadcast: expanded, so that
    inside vmap the batch dims stay in front), or an error."""
    pivots = as_tensor("lu_unpack", LU_pivots, "LU_pivots")
    if pivots.array.dtype != np.int32:
        raise TypeError(
            f"torch.lu_unpack: LU_pivots is expected to be a tensor of torch.int32 dtype, "
            f"got {pivots.dtype}; pass the pivots torch.linalg.lu_factor returned (or convert with .int())"
        )
    m, n = LU.shape[-2:]
    expected = tuple(LU.shape[:-2]) + (min(m, n),)
    if pivots.array.ndim < 1 or pivots.shape[-1] != min(m, n):
        raise ValueError(
            f"torch.lu_unpack: LU_pivots must have shape {expected} (LU_data.shape[:-2] + (min(m, n),)) "
            f"for LU_data of shape {tuple(LU.shape)}, got {tuple(pivots.shape)}"
        )
    try:
        np.broadcast_to(np.empty(tuple(pivots.shape), dtype=np.bool_), expected)  # (the sample's shapes)
    except ValueError:
        raise ValueError(
            f"torch.lu_unpack: the batch dims of LU_pivots {tuple(pivots.shape[:-1])} do not broadcast to "
            f"LU_data's {tuple(LU.shape[:-2])}; pass the pivots lu_factor returned for this LU_data"
        ) from None
    pivots = pivots.expand(*expected)
    array = pivots.array
    if array.size and (array.min() < 1 or array.max() > m):
        raise ValueError(
            f"torch.lu_unpack: pivots passed to lu_unpack must be between 1 and LU.size(-2) = {m} inclusive, "
            f"got values from {array.min()} to {array.max()}; did you properly pass the result of lu_factor?"
        )
    return pivots


def lu_unpack(LU_data, LU_pivots, unpack_data: bool = True, unpack_pivots: bool = True) -> LUUnpackResult:
    """``torch.lu_unpack``: ``(P, L, U)`` from :func:`~tt_autograd.linalg.lu_factor`'s ``(LU, pivots)``.

    Args:
        LU_data: ``(*, m, n)`` float32, float64, complex64 or complex128, ``L`` (unit diagonal implied)
            below the diagonal and ``U`` on and above it.
        LU_pivots: ``(*, k)`` int32 from 1 (LAPACK's convention), ``k = min(m, n)``; values in ``1..m``.
            Its batch dims broadcast to ``LU_data``'s.
        unpack_data: if False, ``L`` and ``U`` are empty tensors of shape ``(0,)`` (as PyTorch).
        unpack_pivots: if False, ``P`` is an empty tensor of shape ``(0,)`` (as PyTorch).

    Shape: ``P`` ``(*, m, m)``, ``L`` ``(*, m, k)``, ``U`` ``(*, k, n)``; all in ``LU_data``'s dtype.
    ``L`` and ``U`` are differentiable in ``LU_data``; ``P`` has no gradient.
    Complex ``LU_data`` gives a complex ``P`` (of zeros and ones), as PyTorch's; ``L`` and ``U`` are
    slices, so their complex gradients are ``LU_data``'s triangles.
    Cost: ``O(m^2)`` per matrix for ``P`` (a Python loop over the ``k`` pivots, vectorised over the
    batch) and two triangle copies. Unlike PyTorch, integer ``LU_data`` is refused (TinyTorch's
    linear algebra works on floating point and complex numbers only).

    Example:
        >>> import tt_autograd as autograd
        >>> LU = autograd.tensor([[3.0, 4.0], [1.0 / 3.0, 2.0 / 3.0]])
        >>> autograd.lu_unpack(LU, autograd.tensor([2, 2], dtype=autograd.int32)).P
        tensor([[0., 1.],
                [1., 0.]])
    """
    LU = float_matrices("lu_unpack", LU_data, "LU_data", square=False, complex_ok=True)
    m, n = LU.shape[-2:]
    k = min(m, n)
    dtype = LU.array.dtype
    pivots = _unpack_pivots_arg(LU, LU_pivots)
    empty = Tensor.from_array(np.zeros((0,), dtype=dtype))
    permutation = pivots.from_array(_permutation_matrix(pivots.array, m, dtype)) if unpack_pivots else empty
    if not unpack_data:
        return LUUnpackResult(permutation, empty, empty)
    lower = LU[..., :, :k].tril(-1) + Tensor.from_array(np.eye(m, k, dtype=dtype))
    return LUUnpackResult(permutation, lower, LU[..., :k, :].triu())


def lu(A, pivot: bool = True, get_infos: bool = False):
    """``torch.lu`` (deprecated in PyTorch): ``(LU, pivots)``, or ``(LU, pivots, info)`` with ``get_infos``.

    :func:`~tt_autograd.linalg.lu_factor_ex` without the error check: a singular matrix gives its
    factorisation and a positive ``info``, never an error. ``pivot=False`` raises (as on PyTorch's CPU).
    Shapes, cost and gradient (in ``LU``) as :func:`~tt_autograd.linalg.lu_factor_ex`.

    Example:
        >>> import tt_autograd as autograd
        >>> autograd.lu(autograd.tensor([[1.0, 2.0], [2.0, 4.0]]), get_infos=True).info
        tensor(2, dtype=tt.int32)
    """
    pivot, get_infos = (
        check_bool("lu", "pivot", pivot),
        check_bool("lu", "get_infos", get_infos, numpy_bool=True),
    )
    result: LUFactorExResult = _lu_factor_ex("lu", A, pivot, check_errors=False)
    return result if get_infos else (result.LU, result.pivots)


def lu_solve(b, LU_data, LU_pivots) -> Tensor:
    """``torch.lu_solve`` (deprecated in PyTorch): ``X`` with ``A X = b``; note ``b`` comes first.

    Same as :func:`~tt_autograd.linalg.lu_solve` ``(LU_data, LU_pivots, b)``; differentiable in ``b``
    and ``LU_data``. Shapes: ``b`` ``(*, n, k)``, ``LU_data`` ``(*, n, n)``, ``LU_pivots`` ``(*, n)``.

    Example:
        >>> import tt_autograd as autograd
        >>> LU, pivots = autograd.linalg.lu_factor(autograd.tensor([[2.0, 1.0], [1.0, 3.0]]))
        >>> autograd.lu_solve(autograd.tensor([[3.0], [4.0]]), LU, pivots)
        tensor([[1.],
                [1.]])
    """
    return _linalg_lu_solve(LU_data, LU_pivots, b)
