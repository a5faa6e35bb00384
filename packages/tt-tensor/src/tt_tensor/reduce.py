"""Reduction kernels with PyTorch's ``dim``/``keepdim`` semantics, NumPy in and out.

``dim=None`` reduces over every dimension; ``dim`` may be an int or a tuple.
Integer and bool sums give int64; mean, var and std need a float input and
give the default float dtype for integer inputs.

Cost: one pass over the input (two for ``var``/``std``/``logsumexp``).
"""

from __future__ import annotations

import inspect

import numpy as np

from .checks import normalize_dim, normalize_dims
from .pointwise import as_float


def accumulates_in_float32(kernel):
    """Run a reduction of a float16 array in float32 and return float16, as PyTorch does on CPU.

    Summing thousands of float16 values in float16 loses every bit past the 11th (and
    overflows past 65,504). A ``dtype`` asked for explicitly (``sum(..., dtype=...)``) is
    kept as asked. Cost for float16 only: one float32 copy of the input.
    """

    names = list(inspect.signature(kernel).parameters)
    at = names.index("dtype") - 1 if "dtype" in names else None  # its place in *args, after ``a``

    def run(a: np.ndarray, *args, **kwargs) -> np.ndarray:
        given = kwargs.get("dtype", args[at] if at is not None and len(args) > at else None)
        explicit = given is not None
        if a.dtype != np.float16 or explicit:
            return kernel(a, *args, **kwargs)
        with np.errstate(over="ignore"):  # a float16 result past 65,504 is inf, as in PyTorch
            return kernel(a.astype(np.float32), *args, **kwargs).astype(np.float16)

    run.__name__, run.__qualname__, run.__doc__ = kernel.__name__, kernel.__qualname__, kernel.__doc__
    run.__wrapped__ = kernel
    return run


@accumulates_in_float32
def sum(a: np.ndarray, dim=None, keepdim: bool = False, dtype=None) -> np.ndarray:  # noqa: A001
    """Sum over ``dim``; integer and bool inputs sum in int64 unless ``dtype`` says otherwise."""
    # BEGIN SOLUTION 01
    # TODO: the sum over dim (None: all; an int or a tuple), keepdim as asked (§ Exercises, "Reductions").
    # HINT: integer and bool inputs sum in int64 unless dtype says otherwise; normalize_dims checks dim.
    axis = normalize_dims("sum", dim, a.ndim)
    if dtype is None and a.dtype.kind in "iub":
        dtype = np.int64
    return np.asarray(np.sum(a, axis=axis, keepdims=keepdim, dtype=dtype))
    # END SOLUTION


@accumulates_in_float32
def mean(a: np.ndarray, dim=None, keepdim: bool = False) -> np.ndarray:
    """Arithmetic mean over ``dim``."""
    # BEGIN SOLUTION 01
    # TODO: the arithmetic mean over dim; integers become floats first (as_float).
    axis = normalize_dims("mean", dim, a.ndim)
    return np.asarray(np.mean(as_float(a), axis=axis, keepdims=keepdim))
    # END SOLUTION


@accumulates_in_float32
def var(a: np.ndarray, dim=None, correction: int = 1, keepdim: bool = False) -> np.ndarray:
    """Variance over ``dim`` with Bessel's ``correction`` (1: unbiased, PyTorch's default)."""
    # BEGIN SOLUTION 01
    # TODO: the variance over dim with Bessel's correction (1 divides by n - 1, PyTorch's default).
    # HINT: np.var's ddof is the correction.
    axis = normalize_dims("var", dim, a.ndim)
    return np.asarray(np.var(as_float(a), axis=axis, ddof=correction, keepdims=keepdim))
    # END SOLUTION


@accumulates_in_float32
def std(a: np.ndarray, dim=None, correction: int = 1, keepdim: bool = False) -> np.ndarray:
    """Standard deviation over ``dim``: ``sqrt(var)``."""
    # BEGIN SOLUTION 01
    # TODO: the standard deviation: the square root of var with the same arguments.
    return np.sqrt(var(a, dim, correction, keepdim))
    # END SOLUTION


def count(shape: tuple[int, ...], dim) -> int:
    """How many elements a reduction over ``dim`` combines into each output element."""
    # BEGIN SOLUTION 01
    # TODO: how many input elements each output element of a
    #   reduction over dim combines (for mean's backward).
    # EXAMPLE: shape (2, 3, 4), dim (0, 2) -> 8; dim None -> 24; a 0-d shape -> 1.
    axes = normalize_dims("count", dim, len(shape))
    if axes is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[d] for d in axes], dtype=np.int64)) if shape else 1
    # END SOLUTION


def extreme(op: str, a: np.ndarray, dim: int, keepdim: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(values, indices)`` of the max (``op="max"``) or min over one ``dim``."""
    # BEGIN SOLUTION 01
    # TODO: (values, indices) of the max or min along one dim, as torch.max(a, dim) returns them.
    # APPROACH: argmax/argmin along the axis, expand_dims, take_along_axis for the values; squeeze both
    #   unless keepdim. Indices are int64; an empty tensor is an error naming op and shape.
    if a.size == 0:
        raise RuntimeError(f"{op}: cannot reduce an empty tensor of shape {a.shape}")
    axis = normalize_dim(op, dim, a.ndim)
    if a.ndim == 0:
        return a.copy(), np.zeros((), dtype=np.int64)
    pick = np.argmax if op == "max" else np.argmin
    indices = np.expand_dims(pick(a, axis=axis), axis)
    values = np.take_along_axis(a, indices, axis=axis)
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return values, indices.astype(np.int64, copy=False)
    # END SOLUTION


def amax(a: np.ndarray, dim=None, keepdim: bool = False) -> np.ndarray:
    """Largest value over ``dim`` (all dims if None)."""
    # BEGIN SOLUTION 01
    # TODO: the largest value over dim (None: all dims), keepdim as asked; an empty tensor is an error.
    if a.size == 0:
        raise RuntimeError(f"max: cannot reduce an empty tensor of shape {a.shape}")
    return np.asarray(np.max(a, axis=normalize_dims("amax", dim, a.ndim), keepdims=keepdim))
    # END SOLUTION


def amin(a: np.ndarray, dim=None, keepdim: bool = False) -> np.ndarray:
    """Smallest value over ``dim`` (all dims if None)."""
    # BEGIN SOLUTION 01
    # TODO: the smallest value over dim (None: all dims), keepdim as asked; an empty tensor is an error.
    if a.size == 0:
        raise RuntimeError(f"min: cannot reduce an empty tensor of shape {a.shape}")
    return np.asarray(np.min(a, axis=normalize_dims("amin", dim, a.ndim), keepdims=keepdim))
    # END SOLUTION


def argextreme(op: str, a: np.ndarray, dim=None, keepdim: bool = False) -> np.ndarray:
    """Index of the max (``op="argmax"``) or min; over the flattened tensor when ``dim`` is None."""
    # BEGIN SOLUTION 01
    # TODO: the int64 index of the max or min: over the flattened tensor when dim is None, else along dim.
    # HINT: with dim None and keepdim, the result has a's rank with every size 1.
    pick = np.argmax if op == "argmax" else np.argmin
    if a.size == 0:
        raise RuntimeError(f"{op}: cannot reduce an empty tensor of shape {a.shape}")
    if dim is None:
        out = np.asarray(pick(a), dtype=np.int64)
        return out.reshape((1,) * a.ndim) if keepdim else out
    axis = normalize_dim(op, dim, a.ndim)
    if a.ndim == 0:
        return np.zeros((), dtype=np.int64)
    return np.asarray(pick(a, axis=axis, keepdims=keepdim)).astype(np.int64, copy=False)
    # END SOLUTION


@accumulates_in_float32
def logsumexp(a: np.ndarray, dim, keepdim: bool = False) -> np.ndarray:
    """``log(sum(exp(a)))`` over ``dim``, shifted by the max so it never overflows."""
    # BEGIN SOLUTION 01
    # TODO: log(sum(exp(a))) over dim that never overflows (§ Exercises, "Reductions").
    # APPROACH: subtract the max along dim (keepdims), exp, sum, log, add the max back.
    # HINT: an all -inf row has max -inf and -inf - -inf is NaN: shift such rows by 0 instead.
    a = as_float(a)
    axis = normalize_dims("logsumexp", dim, a.ndim)
    shift = np.asarray(np.max(a, axis=axis, keepdims=True))  # (an array even for a 0-d input)
    shift[~np.isfinite(shift)] = 0  # all -inf (or inf) rows: leave them to exp/log
    with np.errstate(divide="ignore"):  # log(0) = -inf for an all -inf row is the right answer
        out = np.log(np.sum(np.exp(a - shift), axis=axis, keepdims=True)) + shift
    return out if keepdim else np.asarray(out.squeeze(axis) if axis is not None else out.reshape(()))
    # END SOLUTION


def prod(a: np.ndarray, dim=None, keepdim: bool = False) -> np.ndarray:
    """Product over ``dim`` (one dim or all)."""
    # BEGIN SOLUTION 01
    # TODO: the product over dim (one dim or all); integers multiply in int64.
    axis = normalize_dims("prod", dim, a.ndim)
    dtype = np.int64 if a.dtype.kind in "iub" else None
    return np.asarray(np.prod(a, axis=axis, keepdims=keepdim, dtype=dtype))
    # END SOLUTION


@accumulates_in_float32
def norm(a: np.ndarray, p=2, dim=None, keepdim: bool = False) -> np.ndarray:
    """Vector p-norm over ``dim`` (``p`` a number, ``"fro"`` or inf)."""
    # BEGIN SOLUTION 01
    # TODO: the vector p-norm over dim: p = 2 or "fro" sqrt(sum(a^2)), inf max |a|, 0 the count of
    #   non-zeros, 1 sum |a|, any other p (sum |a|^p)^(1/p).
    # HINT: floats first (as_float); each case is one NumPy reduction with keepdims=keepdim.
    a = as_float(a)
    axis = normalize_dims("norm", dim, a.ndim)
    if p == "fro" or p == 2:
        return np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdim))
    if p == np.inf:
        return np.asarray(np.max(np.abs(a), axis=axis, keepdims=keepdim))
    if p == 0:  # the number of non-zero elements
        return np.asarray(np.sum(a != 0, axis=axis, keepdims=keepdim), dtype=a.dtype)
    if p == 1:
        return np.asarray(np.sum(np.abs(a), axis=axis, keepdims=keepdim))
    return np.asarray(np.sum(np.abs(a) ** p, axis=axis, keepdims=keepdim) ** (1.0 / p))
    # END SOLUTION
