"""Cumulative kernels beyond the exercises: ``cumprod`` and ``logcumsumexp``, NumPy in and out.

Not course material. tt-tensor's ``LinalgExtraMixin`` and tt-autograd's
recorded forms both call these. ``dim`` is already normalised (0 for a 0-d array).
"""

from __future__ import annotations

import numpy as np

from .pointwise import as_float


def cumprod(a: np.ndarray, dim: int) -> np.ndarray:
    """Element ``k`` along ``dim`` is the product of elements ``0..k`` (integers stay integers)."""
    return np.cumprod(a.reshape(a.shape or (1,)), axis=dim).reshape(a.shape)


def logcumsumexp(a: np.ndarray, dim: int) -> np.ndarray:
    """``log(cumsum(exp(a)))`` along ``dim``, exact for any magnitude (``logaddexp`` accumulated)."""
    a = as_float(a)
    return np.logaddexp.accumulate(a.reshape(a.shape or (1,)), axis=dim).reshape(a.shape)
