"""More element-wise kernels (``log1p``, ``atan2``, ``xlogy``, ``fmod``, ...), NumPy in and out.

Not course material: the functions a PyTorch user reaches for beyond the
exercises of module 01. ``Tensor``'s ``MathExtraMixin`` and tt-autograd's
recorded forms both call these, so each dtype rule lives here only:

* the float-only functions (all but ``fmod``) give the default float dtype
  for integer or bool inputs, as ``exp`` does;
* binary ones broadcast and promote like ``+`` (module 01's ``pointwise.binary``),
  and a shape mismatch names the operation and both shapes.

Cost: one or two passes over the output per op (memory bound).
"""

from __future__ import annotations

import numpy as np

from . import pointwise

#: The float-only functions of one tensor, by PyTorch's name.
UNARY_FLOAT = {
    "log1p": np.log1p,
    "expm1": np.expm1,
    "log2": np.log2,
    "log10": np.log10,
    "exp2": np.exp2,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
    "asinh": np.arcsinh,
    "acosh": np.arccosh,
    "atanh": np.arctanh,
}


def unary_float(name: str, a: np.ndarray) -> np.ndarray:
    """``UNARY_FLOAT[name](a)`` in ``a``'s float or complex dtype (the default float for integers).

    Outside a function's domain the result is NaN (or +-inf at a pole), silently, as in PyTorch.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return UNARY_FLOAT[name](pointwise.as_inexact(np.asarray(a)))


def _floated(value: object, other: object) -> object:
    """An integer or bool array as a float: ``other``'s float dtype if ``other`` is a float array (PyTorch's
    promotion: an int64 tensor with a float16 one gives float16), else the default float dtype. Floats and
    Python scalars stay as they are."""
    if not isinstance(value, np.ndarray) or value.dtype.kind == "f":
        return value
    if isinstance(other, np.ndarray) and other.dtype.kind == "f":
        return value.astype(other.dtype)
    return pointwise.as_float(value)


def float_binary(op: str, ufunc: np.ufunc, a: np.ndarray, b: object) -> np.ndarray:
    """A broadcasting float-only ``ufunc(a, b)`` of an array ``a`` and an array or Python scalar ``b``.

    An integer operand takes the other operand's float dtype, or the default float dtype if both are
    integers (or the other is a Python scalar).
    """
    return np.asarray(pointwise.binary(op, ufunc, _floated(a, b), _floated(b, a)))


def atan2(a: np.ndarray, b: object) -> np.ndarray:
    """The angle of the point ``(b, a)`` in ``[-pi, pi]``, by quadrant (``atan2(y, x)``)."""
    return float_binary("atan2", np.arctan2, a, b)


def hypot(a: np.ndarray, b: object) -> np.ndarray:
    """``sqrt(a**2 + b**2)`` without overflow in the squares."""
    return float_binary("hypot", np.hypot, a, b)


def logaddexp(a: np.ndarray, b: object) -> np.ndarray:
    """``log(exp(a) + exp(b))`` without overflow."""
    return float_binary("logaddexp", np.logaddexp, a, b)


def copysign(a: np.ndarray, b: object) -> np.ndarray:
    """``|a|`` with the sign of ``b`` (``-0.0`` counts as negative), always a float."""
    return float_binary("copysign", np.copysign, a, b)


def _x_log_y(x: np.ndarray, y: object) -> np.ndarray:
    """``x * log(y)`` computed in ``x``'s dtype when ``y`` is a Python scalar (it must not widen it)."""
    if not isinstance(y, np.ndarray):
        y = np.asarray(y, dtype=x.dtype)
    return x * np.log(y)


def xlogy(a: np.ndarray, b: object) -> np.ndarray:
    """``a * log(b)``, 0 where ``a == 0`` unless ``b`` is NaN (PyTorch's ``xlogy(0, 0) = 0``)."""
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 * log(0) is replaced just below
        product = float_binary("xlogy", _x_log_y, a, b)
    zero = np.logical_and(np.equal(a, 0), np.logical_not(np.isnan(b)))
    return np.where(zero, product.dtype.type(0), product)


def fmod(a: np.ndarray, b: object) -> np.ndarray:
    """C's remainder ``a - trunc(a / b) * b``: the result has the sign of ``a`` (``%`` takes ``b``'s).

    Integer tensors stay integers; an integer division by zero raises
    ``pointwise.IntegerDivisionByZero`` (a ``ZeroDivisionError`` and a ``RuntimeError``), as ``%`` does.
    """
    pointwise._check_integer_divisor("fmod", a, b)
    return np.asarray(pointwise.binary("fmod", np.fmod, a, b))


def nan_to_num(a: np.ndarray, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None):
    """``a`` with NaN, +inf and -inf replaced; the infinities default to the dtype's largest/lowest value."""
    if a.dtype.kind != "f":
        return a.copy()
    info = np.finfo(a.dtype)
    return np.nan_to_num(
        a,
        nan=nan,
        posinf=info.max if posinf is None else posinf,
        neginf=info.min if neginf is None else neginf,
    )
