"""``torch.testing``: :func:`assert_close` and :func:`make_tensor`, with PyTorch's rules and messages.

``assert_close(actual, expected)`` passes when every element satisfies
``|actual - expected| <= atol + rtol * |expected|`` (``inf`` equals an ``inf``
of the same sign; ``nan`` equals ``nan`` only with ``equal_nan=True``), after
checking that shapes (and, by default, dtypes) agree. The default tolerances
depend on the dtype, as in PyTorch:

=============  ==========  ==========
dtype          ``rtol``    ``atol``
=============  ==========  ==========
float16        1e-3        1e-5
float32        1.3e-6      1e-5
float64        1e-7        1e-7
other          0           0
=============  ==========  ==========

(with two dtypes, ``check_dtype=False``, the larger of each). Tensors (and
0-d tensors, reported as scalars), NumPy arrays, Python numbers, ``None``,
and sequences and mappings of them, compared item by item, are accepted;
both sides must be of the same kind. A failure raises ``AssertionError``
saying how many elements differ, and the largest absolute and relative
differences and where — the report PyTorch gives, worded the same.

Cost: a few passes over the two arrays (float64 copies of them).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import tt_tensor
from tt_tensor import Tensor as PlainTensor
from tt_tensor.dtypes import as_dtype, from_numpy_dtype, promote_types

from .tensor import Tensor

#: ``(rtol, atol)`` per NumPy dtype name; every other dtype (integers, bool) compares exactly.
TOLERANCES = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def assert_close(
    actual: object,
    expected: object,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close (module docstring).

    Args:
        rtol, atol: give both or neither (defaults: by dtype).
        equal_nan: count two NaNs as equal.
        check_dtype: require the same dtype (else both are compared in their common type).
        msg: replaces the report; a callable gets the report and returns the message.
        allow_subclasses, check_device, check_layout, check_stride: PyTorch's options; every
            TinyTorch tensor is a dense CPU tensor, so they change nothing here.
    """
    del allow_subclasses, check_device, check_layout, check_stride  # one device, one layout
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    failure = _compare(actual, expected, (rtol, atol), equal_nan, check_dtype)
    if failure is None:
        return
    report, where = failure
    if where:
        report += f"\n\nThe failure occurred for item {where}"
    if callable(msg):
        report = msg(report)
    elif msg is not None:
        report = msg
    raise AssertionError(report)


def make_tensor(
    *shape: int | Sequence[int],
    dtype: object,
    device: object = None,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format: object = None,
) -> Tensor:
    """A tensor of ``shape`` with values drawn uniformly from ``[low, high)`` (the default generator).

    Defaults: ``[-9, 9)`` for floats, ``[-9, 10)`` for signed and ``[0, 10)`` for unsigned
    integers; bool draws True or False. ``exclude_zero`` replaces zeros by 1 (integers) or the
    dtype's smallest normal number (floats); ``noncontiguous`` returns a strided view.
    """
    del device, memory_format  # CPU only, one layout
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    kind = as_dtype(dtype)
    numpy_dtype = np.dtype(kind.numpy)
    rng = tt_tensor.numpy_generator(None)
    if requires_grad and numpy_dtype.kind != "f":
        raise ValueError(
            f"`requires_grad=True` is not supported for boolean and integral dtypes, but got dtype={kind}"
        )
    if numpy_dtype.kind == "b":
        values = rng.random(shape) < 0.5
    else:
        low, high = _bounds(numpy_dtype, low, high)
        if numpy_dtype.kind == "f":
            values = rng.uniform(low, high, shape) if low < high else np.full(shape, float(low))
        else:
            values = rng.integers(math.ceil(low), math.ceil(high), shape)
        if exclude_zero:
            values[values == 0] = np.finfo(numpy_dtype).tiny if numpy_dtype.kind == "f" else 1
    values = np.asarray(values, dtype=numpy_dtype)
    if noncontiguous and values.size > 1:
        spread = np.empty(values.shape[:-1] + (2 * values.shape[-1],), numpy_dtype)
        spread[..., ::2] = values
        values = spread[..., ::2]
    result = Tensor.from_array(values)
    if requires_grad:
        result.requires_grad = True
    return result


# ------------------------------------------------------------------------------- comparisons
def _compare(actual, expected, tolerance, equal_nan, check_dtype) -> tuple[str, str] | None:
    """``None`` when close, else ``(report, where)`` (``where``: the item path, like ``[1]['b']``)."""
    if actual is None or expected is None:
        return None if actual is expected else (f"None mismatch: {actual} is not {expected}", "")
    both_tensors = isinstance(actual, PlainTensor) and isinstance(expected, PlainTensor)
    if both_tensors or isinstance(actual, np.ndarray) and type(actual) is type(expected):
        return _compare_arrays(_array(actual), _array(expected), tolerance, equal_nan, check_dtype)
    if _is_number(actual) and _is_number(expected):
        if check_dtype and type(actual) is not type(expected):
            return f"The (d)types do not match: {type(actual)} != {type(expected)}.", ""
        return _compare_arrays(
            np.asarray(actual), np.asarray(expected), tolerance, equal_nan, check_dtype=False
        )
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            return (
                f"The keys of the mappings do not match:\nMissing keys in the actual mapping: {missing}\n"
                f"Additional keys in the actual mapping: {extra}"
            ), ""
        items = ((_repr_key(k), actual[k], expected[k]) for k in expected)
        return _first_failure(items, tolerance, equal_nan, check_dtype)
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            return f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", ""
        items = ((f"[{i}]", a, e) for i, (a, e) in enumerate(zip(actual, expected)))
        return _first_failure(items, tolerance, equal_nan, check_dtype)
    raise TypeError(
        f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}."
    )


def _repr_key(key: object) -> str:
    return f"[{key!r}]"


def _first_failure(items, tolerance, equal_nan, check_dtype) -> tuple[str, str] | None:
    for path, a, e in items:
        failure = _compare(a, e, tolerance, equal_nan, check_dtype)
        if failure is not None:
            return failure[0], path + failure[1]
    return None


def _compare_arrays(a, e, tolerance, equal_nan, check_dtype) -> tuple[str, str] | None:
    if a.shape != e.shape:
        return f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.", ""
    if check_dtype and a.dtype != e.dtype:
        return (
            f"The values for attribute 'dtype' do not match: {from_numpy_dtype(a.dtype)} != "
            f"{from_numpy_dtype(e.dtype)}.", ""
        )  # fmt: skip
    rtol, atol = tolerance
    if rtol is None:
        rtol, atol = (max(pair) for pair in zip(TOLERANCES.get(a.dtype.name, (0, 0)),
                                                 TOLERANCES.get(e.dtype.name, (0, 0))))  # fmt: skip
    common = promote_types(a.dtype, e.dtype)  # PyTorch's promotion: int64 with float32 stays float32
    if common.kind in "biu":
        common = np.dtype(np.int64)  # integers and bools compare (and subtract) as int64
    x, y = a.astype(common, copy=False), e.astype(common, copy=False)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        difference = np.abs(x - y)
        finite = np.isfinite(x) & np.isfinite(y)
        close = np.where(finite, difference <= atol + rtol * np.abs(y), x == y)  # inf only equals inf
        if equal_nan:
            close |= np.isnan(x) & np.isnan(y)
        if close.all():
            return None
        relative = difference / np.abs(y)
    exact = rtol == 0 and atol == 0
    if a.ndim == 0:  # numbers and 0-d tensors
        return _scalar_report(x, y, rtol, atol, exact), ""
    difference[close], relative[close] = 0, 0  # the largest differences are among the mismatches
    mismatched = int((~close).sum())
    worst_abs = np.unravel_index(int(np.argmax(difference)), difference.shape)
    worst_rel = np.unravel_index(int(np.argmax(relative)), relative.shape)
    allowed_abs = "" if exact else f" (up to {atol} allowed)"
    allowed_rel = "" if exact else f" (up to {rtol} allowed)"
    largest_abs, largest_rel = _item(difference[worst_abs]), _item(relative[worst_rel])
    return (
        f"Tensor-likes are not {'equal' if exact else 'close'}!\n\n"
        f"Mismatched elements: {mismatched} / {close.size} ({100 * mismatched / close.size:.1f}%)\n"
        f"Greatest absolute difference: {largest_abs} at index {_index(worst_abs)}{allowed_abs}\n"
        f"Greatest relative difference: {largest_rel} at index {_index(worst_rel)}{allowed_rel}"
    ), ""


def _scalar_report(x, y, rtol, atol, exact) -> str:
    """PyTorch's report for two scalars (numbers or 0-d tensors), computed on Python numbers."""
    got, expected = x.item(), y.item()
    difference = abs(got - expected)
    relative = difference / abs(expected) if expected != 0 else (math.inf if difference else math.nan)
    allowed_abs = "" if exact else f" (up to {atol} allowed)"
    allowed_rel = "" if exact else f" (up to {rtol} allowed)"
    return (
        f"Scalars are not {'equal' if exact else 'close'}!\n\n"
        f"Expected {expected} but got {got}.\n"
        f"Absolute difference: {difference}{allowed_abs}\n"
        f"Relative difference: {relative}{allowed_rel}"
    )


# ----------------------------------------------------------------------------------- helpers
def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, np.ndarray)


def _is_sequence(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _array(value: object) -> np.ndarray:
    return value.array if isinstance(value, PlainTensor) else np.asarray(value)


def _item(value: np.ndarray) -> object:
    """A 0-d value as PyTorch prints it: a Python int or float."""
    return np.asarray(value).item()


def _index(index: tuple) -> str:
    return repr(tuple(int(i) for i in index))


def _bounds(dtype: np.dtype, low: float | None, high: float | None) -> tuple[float, float]:
    for value in (low, high):
        if value is not None and math.isnan(value):
            raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if dtype.kind == "f":
        default = (-9, 9)
    elif dtype.kind == "u":
        default = (0, 10)
    else:
        default = (-9, 10)
    low = default[0] if low is None else low
    high = default[1] if high is None else high
    if low > high or (low == high and dtype.kind != "f"):
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    return low, high
