"""Complex inputs of the kernels that module 01 writes for real numbers: NumPy in and out.

Not course material. Module 01's ``sigmoid``, ``var``, ``norm`` and ``logsumexp``
(and the ``logcumsumexp`` beyond it) first make their input a real float array;
for a complex array that cast would drop the imaginary parts. The methods of
:class:`~tt_tensor.Tensor` send complex arrays here instead, and these give
PyTorch's results:

* ``sigmoid(z) = 1 / (1 + exp(-z))``, complex;
* ``var(z) = Σ |z - mean(z)|² / (n - correction)``, real (``std`` is its square root);
* a ``p``-norm of ``z`` is the ``p``-norm of ``|z|``, real (so is ``dist``'s);
* ``logsumexp(z) = m + log Σ exp(z - m)`` with ``m`` the largest real part (finite
  ones only), complex, the logarithm's principal branch;
* ``logcumsumexp`` the same, with one shift ``m`` along the whole ``dim``: each
  prefix sum holds exp(0) from the largest element on, but the prefixes before it
  lose their terms to underflow once the real parts along ``dim`` span more than
  ~700 (the range of float64, in which it computes; the result has the input's dtype).

``dim`` is already normalised by the caller. Cost: a few passes over the input.
"""

from __future__ import annotations

import numpy as np


def is_complex(a: np.ndarray) -> bool:
    """Whether ``a`` holds complex numbers."""
    return a.dtype.kind == "c"


def sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))`` for a complex array (infinite at the poles ``z = iπ(2k + 1)``, as PyTorch)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return 1 / (1 + np.exp(-z))


def var(z: np.ndarray, axis, correction: float, keepdim: bool) -> np.ndarray:
    """``Σ |z - mean|² / (n - correction)`` over ``axis`` (None: all), in ``z``'s real dtype."""
    return np.asarray(np.var(z, axis=axis, ddof=correction, keepdims=keepdim))


def real_shift(z: np.ndarray, axis, keepdims: bool = True) -> np.ndarray:
    """The largest real part over ``axis``, kept as size-1 dims; 0 where it is not finite."""
    shift = np.asarray(np.max(z.real, axis=axis, keepdims=keepdims))
    shift[~np.isfinite(shift)] = 0
    return shift


def logsumexp(z: np.ndarray, axis, keepdim: bool) -> np.ndarray:
    """``log Σ exp(z)`` over ``axis`` (an int or tuple), shifted by the largest real part."""
    shift = real_shift(z, axis)
    with np.errstate(divide="ignore"):  # every term 0: log(0) = -inf, as for real input
        out = np.log(np.sum(np.exp(z - shift), axis=axis, keepdims=True)) + shift
    return out if keepdim else np.squeeze(out, axis=axis)


def logcumsumexp(z: np.ndarray, axis: int) -> np.ndarray:
    """``log cumsum exp(z)`` along ``axis``, shifted once by the largest real part along it (float64)."""
    wide = z.reshape(z.shape or (1,)).astype(np.complex128)  # (a 0-d input as one element)
    shift = real_shift(wide, axis)
    with np.errstate(divide="ignore"):
        out = np.log(np.cumsum(np.exp(wide - shift), axis=axis)) + shift
    return out.astype(z.dtype).reshape(z.shape)
