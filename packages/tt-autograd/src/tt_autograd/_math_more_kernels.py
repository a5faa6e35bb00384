"""NumPy kernels and argument checks of :mod:`tt_autograd._math_more_methods`: bitwise ops and shifts,
the random fills (``cauchy_``, ``exponential_``, ``geometric_``, ``log_normal_``, ``random_``),
``nextafter`` and ``histogram``, with PyTorch 2.13's rules and error messages (naming the op).
"""

from __future__ import annotations

import numpy as np
import tt_tensor
from tt_tensor import bitwise as tt_bitwise
from tt_tensor import pointwise
from tt_tensor.checks import check_number
from tt_tensor.dtypes import from_numpy_dtype, result_type
from tt_tensor.random import Generator, numpy_generator


def _name(dtype: np.dtype) -> str:
    return from_numpy_dtype(np.dtype(dtype)).name


def check_float(op: str, *arrays: np.ndarray) -> None:
    """Refuse integer and bool arrays for an op that PyTorch implements for floats only."""
    for array in arrays:
        if array.dtype.kind != "f":
            raise TypeError(f"{op}: not implemented for {_name(array.dtype)} (floating-point tensors only)")


def check_float_result(op: str, a: np.ndarray, b: np.ndarray) -> np.dtype:
    """The promoted dtype of ``a`` and ``b``; refused unless it is a float (an integer beside a float is
    promoted to it, as in PyTorch)."""
    dtype = result_type(a, b)
    if dtype.kind != "f":
        raise TypeError(f"{op}: not implemented for {_name(dtype)} (floating-point tensors only)")
    return dtype


def nextafter(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """NumPy's ``nextafter`` in the promoted float dtype."""
    dtype = check_float_result("nextafter", a, b)
    try:
        return np.nextafter(a.astype(dtype, copy=False), b.astype(dtype, copy=False))
    except ValueError:
        raise pointwise.broadcast_error("nextafter", a, b) from None


# ---------------------------------------------------------------- products
def check_product(op: str, base: np.ndarray, first: object, second: object, ndims: tuple[int, int]) -> None:
    """The operand checks of ``addmv`` (2-D, 1-D), ``addr`` (1-D, 1-D) and ``addbmm`` (3-D, 3-D)."""
    names = {"addmv": ("mat", "vec"), "addr": ("vec1", "vec2"), "addbmm": ("batch1", "batch2")}[op]
    arrays = []
    for name, value, ndim in zip(names, (first, second), ndims):
        array = tt_tensor.checks.check_tensor(op, value, name).array
        if array.ndim != ndim:
            raise RuntimeError(f"{op}: Expected {ndim}-D argument {name}, but got {array.ndim}-D")
        arrays.append(array)
    a, b = arrays
    if op == "addbmm" and a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"addbmm: batch1 and batch2 must have same number of batches, got {a.shape[0]} and {b.shape[0]}"
        )
    if op != "addr" and a.shape[-1] != b.shape[-2 if op == "addbmm" else 0]:
        raise RuntimeError(
            f"{op}: size mismatch, got input {base.shape}, {names[0]} {a.shape}, {names[1]} {b.shape}"
        )


def check_dot(op: str, a: np.ndarray, b: np.ndarray) -> None:
    """``dot``/``vdot``'s checks: two 1-D arrays of one dtype and one length."""
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"{op}: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{op}: expected both vectors to have same dtype, but found {_name(a.dtype)} and {_name(b.dtype)}"
        )
    if a.shape != b.shape:
        raise RuntimeError(
            f"{op}: inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have "
            "the same number of elements"
        )


# ---------------------------------------------------------------- statistics
def check_weights(name: str, weights: np.ndarray, kinds: str, observations: int) -> None:
    """``cov``'s checks of ``fweights`` (integers) or ``aweights`` (floats)."""
    if weights.ndim > 1:
        raise RuntimeError(
            f"cov(): expected {name} to have one or fewer dimensions but got {name} with {weights.ndim} "
            "dimensions"
        )
    if weights.dtype.kind not in kinds:
        kind = "integral" if kinds == "iu" else "floating point"
        raise RuntimeError(
            f"cov(): expected {name} to have {kind} dtype but got {name} with {_name(weights.dtype)} dtype"
        )
    if weights.size != observations:
        raise RuntimeError(
            f"cov(): expected {name} to have the same numel as there are observations in the input but got "
            f"{weights.size} != {observations}"
        )
    if np.any(weights < 0):
        raise RuntimeError(f"cov(): {name} cannot be negative")


def histogram(x: np.ndarray, bins: object, range_: object, weight: object, density: bool):
    """``torch.histogram``'s ``(hist, bin_edges)`` of the float array ``x``, both of its dtype."""
    if x.dtype.kind != "f":
        raise TypeError(f"histogram: not implemented for {_name(x.dtype)} (floating-point tensors only)")
    if isinstance(bins, tt_tensor.Tensor):
        if range_ is not None:
            raise TypeError("histogram: range= goes with a number of bins, not with a tensor of bin edges")
        edges = bins.array
        if edges.dtype != x.dtype:
            raise RuntimeError(
                "histogram: input tensor and bins tensors should have the same dtype, but got input with "
                f"dtype {_name(x.dtype)} and bins with dtype {_name(edges.dtype)}"
            )
        if edges.ndim != 1 or edges.size < 2:
            raise RuntimeError(
                f"histogram: bins must be a 1-D tensor of at least 2 edges, got shape {edges.shape}"
            )
    else:
        count = int(check_number("histogram", "bins", bins))
        if count <= 0:
            raise RuntimeError(f"histogram: bins must be > 0, but got {count}")
        low, high = _range(x, range_)
        edges = np.linspace(low, high, count + 1).astype(x.dtype)
    if weight is not None:
        weight = tt_tensor.checks.check_tensor("histogram", weight, "weight").array
        if weight.shape != x.shape:
            raise RuntimeError(
                f"histogram: weight of shape {weight.shape} must have the input's shape {x.shape}"
            )
        weight = weight.ravel()
    if np.any(edges[:-1] > edges[1:]):  # PyTorch counts regardless; its counts are then meaningless
        raise RuntimeError(f"histogram: bin edges must not decrease, got {edges}")
    hist = np.histogram(x.ravel(), bins=edges, weights=weight)[0].astype(np.float64)
    if density:
        hist = hist / (hist.sum() * np.diff(edges.astype(np.float64)))
    return hist.astype(x.dtype), edges.copy()


def _range(x: np.ndarray, range_: object) -> tuple[float, float]:
    """The outer edges: ``range`` as given, else the min and max of ``x`` ([0, 1] when empty; widened by
    0.5 each way when they are equal)."""
    if range_ is not None:
        low, high = (check_number("histogram", "range", value) for value in range_)
        if low > high:
            raise RuntimeError(f"histogram: min should not exceed max, but got min {low:g} max {high:g}")
    elif x.size == 0:
        low, high = 0.0, 1.0
    else:
        low, high = float(x.min()), float(x.max())
    if not (np.isfinite(low) and np.isfinite(high)):
        raise RuntimeError(f"histogram: range of [{low:g}, {high:g}] is not finite")
    if low == high:
        low, high = low - 0.5, high + 0.5
    return low, high


# ---------------------------------------------------------------- bitwise
def shift(op: str, a: object, b: object) -> np.ndarray:
    """``a << b`` or ``a >> b``, integers only, with PyTorch's promotion. NumPy 2's shifts already give
    PyTorch's results for a count below 0 or of the width or more: 0, or -1 for a negative value shifted
    right (the tests pin them)."""
    tt_bitwise.check_integral(op, a, b, bool_ok=False)
    ufunc = np.left_shift if op in ("<<", "bitwise_left_shift") else np.right_shift
    return pointwise.binary(op, ufunc, a, b)


# ---------------------------------------------------------------- random fills
def _continuous(op: str, kind: str, dtype: np.dtype) -> None:
    if dtype.kind != "f":
        raise TypeError(
            f"{op}: {kind} distribution is a continuous probability distribution. dtype must be a floating "
            f"point but you specified {_name(dtype)}"
        )


def _positive(op: str, name: str, value: object, shown: str = "") -> float:
    value = check_number(op, name, value)
    if not value > 0:
        raise RuntimeError(f"{op} expects {shown or name} > 0.0, but found {shown or name}={value:g}")
    return value


def cauchy(shape, dtype, median, sigma, generator: Generator | None) -> np.ndarray:
    _continuous("cauchy_", "Cauchy", dtype)
    median, sigma = check_number("cauchy_", "median", median), _positive("cauchy_", "sigma", sigma)
    return numpy_generator(generator).standard_cauchy(shape) * sigma + median


def exponential(shape, dtype, lambd, generator: Generator | None) -> np.ndarray:
    _continuous("exponential_", "Exponential", dtype)
    lambd = _positive("exponential_", "lambd", lambd, "lambda")
    return numpy_generator(generator).exponential(1 / lambd, shape)


def geometric(shape, dtype, p, generator: Generator | None) -> np.ndarray:
    p = check_number("geometric_", "p", p)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    if dtype == np.bool_:
        raise TypeError("geometric_: not implemented for bool")
    return numpy_generator(generator).geometric(p, shape)


def log_normal(shape, dtype, mean, std, generator: Generator | None) -> np.ndarray:
    check_float("log_normal_", np.empty(0, dtype))
    mean, std = check_number("log_normal_", "mean", mean), _positive("log_normal_", "std", std)
    return numpy_generator(generator).lognormal(mean, std, shape)


def _whole(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"random_: {name} must be an int, got {type(value).__name__} {value!r:.40}")
    return int(value)


def random_integers(shape, dtype, start, stop, generator: Generator | None) -> np.ndarray:
    """``random_(from, to)``: integers in ``[from, to)``; ``to=None`` is one past the largest value the
    dtype holds exactly (``2**24 + 1`` for float32, ``2**63`` for int64, 2 for bool)."""
    if dtype == np.bool_:
        largest = 1
    elif dtype.kind == "f":
        largest = 2 ** (np.finfo(dtype).nmant + 1)
    else:
        largest = int(np.iinfo(dtype).max)
    start = _whole("from", start)
    stop = largest + 1 if stop is None else _whole("to", stop)
    if start >= stop:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={start} >= to={stop}")
    if dtype.kind in "uib":
        low = 0 if dtype.kind in "ub" else int(np.iinfo(dtype).min)
        if start < low:
            raise RuntimeError(f"random_: from is out of bounds for {_name(dtype)}")
        if stop - 1 > largest:
            raise RuntimeError(f"random_: to - 1 is out of bounds for {_name(dtype)}")
    return numpy_generator(generator).integers(start, stop, shape)  # int64: TinyTorch has no uint64
