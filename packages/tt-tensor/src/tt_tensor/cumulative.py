"""Cumulative kernels beyond the exercises: ``cumprod`` and ``logcumsumexp``, NumPy in and out.

Not course material. tt-tensor's ``LinalgExtraMixin`` and tt-autograd's
recorded forms both call these. ``dim`` is already normalised (0 for a 0-d array).
"""

from __future__ import annotations

import numpy as np

from .pointwise import as_float


def cumprod(a: np.ndarray, dim: int) -> np.ndarray:
    """Element ``k`` along ``dim`` is the product of elements ``0..k`` (integers and bools in int64)."""
    dtype = np.int64 if a.dtype.kind in "iub" else None  # NumPy's own choice for uint8 is uint64
    return np.cumprod(a.reshape(a.shape or (1,)), axis=dim, dtype=dtype).reshape(a.shape)


def logcumsumexp(a: np.ndarray, dim: int) -> np.ndarray:
    """``log(cumsum(exp(a)))`` along ``dim``, exact for any magnitude (``logaddexp`` accumulated)."""
    a = as_float(a)
    return np.logaddexp.accumulate(a.reshape(a.shape or (1,)), axis=dim).reshape(a.shape)
