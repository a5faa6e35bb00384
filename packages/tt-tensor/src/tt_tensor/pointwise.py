"""Element-wise kernels: arithmetic, math functions and comparisons, NumPy in and out.

Each function takes NumPy arrays (or Python scalars for either operand)
and returns a NumPy array, with PyTorch's dtype rules: float functions of
integer tensors give the default float dtype, and shape mismatches raise an
error that names the operation and both shapes. ``tt_tensor.Tensor`` and
tt-autograd's functions both call these, so each rule lives here only.

Ufuncs on 0-d inputs return NumPy scalars rather than 0-d arrays;
``Tensor.from_array`` turns those back into 0-d arrays, so callers that wrap
results with it need not care.

Cost: one pass over the output per op (memory bound, ~30 GB/s here).
"""

from __future__ import annotations

import numpy as np

from .dtypes import (
    as_scalar_or_array,
    check_integer_argument,
    get_default_dtype,
    infer_numpy_dtype,
    promote_operands,
    promoted_dtype,
)

#: Operand types that need no check (the common case, tested with one ``type() in`` lookup).
_PLAIN = frozenset({np.ndarray, float, int, bool, complex})


def _is_numeric(value: object) -> bool:
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "biufc"
    return isinstance(value, (int, float, complex, np.number, np.bool_))


def check_operands(op: str, a: object, b: object) -> np.ndarray | None:
    """Refuse operands that are not numbers, arrays or tensors of numbers (``t + "abc"``, ``t < None``).

    ``eq``/``ne`` against such a value answer "not equal" everywhere instead,
    as ``==`` does in Python (and ``tensor == None`` in PyTorch): the result
    is returned, and None means the operands are fine.
    """
    for value in (a, b):
        if type(value) in _PLAIN and (type(value) is not np.ndarray or value.dtype.kind in "biufc"):
            continue
        if _is_numeric(value):
            continue
        if op in ("eq", "ne"):
            shape = np.shape(a if isinstance(a, np.ndarray) else b)
            return np.full(shape, op == "ne")
        kind = f"{value.dtype} array" if isinstance(value, np.ndarray) else type(value).__name__
        raise TypeError(
            f"{op}: unsupported operand of type {kind} ({value!r:.40}); expected a tensor, a number or an "
            "array of numbers"
        )
    return None


def _is_bool(value: object) -> bool:
    """Whether an operand (array, tensor, or Python scalar) holds bools. A NumPy bool scalar does not:
    PyTorch reads it as a float (``x - np.True_`` is ``x - 1.0``; see ``dtypes.as_scalar_or_array``)."""
    value = getattr(value, "array", value)  # (a tensor: its array)
    return type(value) is bool or (isinstance(value, np.ndarray) and value.dtype == np.bool_)


def check_subtraction(op: str, a: object, b: object) -> None:
    """Refuse a subtraction (``sub``, ``-``, ``rsub``, ``sub_``) with a bool operand, with PyTorch's words:
    NumPy refuses ``bool - bool`` with a TypeError of its own, and would compute ``bool - 1`` as integers,
    which PyTorch also refuses. ``a`` and ``b`` are arrays, tensors or Python numbers (``True`` counts).

    >>> check_subtraction("sub", np.array([True]), 1)
    Traceback (most recent call last):
    RuntimeError: sub: Subtraction, the `-` operator, with a bool tensor is not supported. ...
    """
    a_bool, b_bool = _is_bool(a), _is_bool(b)
    if a_bool and b_bool:
        raise RuntimeError(
            f"{op}: Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if a_bool or b_bool:
        raise RuntimeError(
            f"{op}: Subtraction, the `-` operator, with a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def binary(op: str, ufunc: np.ufunc, a: np.ndarray, b: object) -> np.ndarray:
    """Apply a broadcasting binary ``ufunc``; a shape mismatch names ``op`` and both shapes."""
    odd_array = type(b) is np.ndarray and b.dtype.kind not in "biufc"
    if type(a) not in _PLAIN or type(b) not in _PLAIN or odd_array:
        refused = check_operands(op, a, b)
        if refused is not None:
            return refused
    # BEGIN SOLUTION 01
    # TODO: ufunc(a, b) after PyTorch's dtype promotion, with a broadcast error that names op and both shapes
    #   (§ Dtypes: PyTorch's promotion, not NumPy's; § How it is built, "Errors a person can act on").
    # APPROACH: promote_operands first; on ValueError, check np.broadcast_shapes: a shape problem is
    #   broadcast_error; np.power's (integers to negative powers) is integer_power's; else re-raised with op.
    a, b = promote_operands(a, b)
    try:
        return ufunc(a, b)
    except ValueError as error:
        try:
            np.broadcast_shapes(np.shape(a), np.shape(b))
        except ValueError:
            raise broadcast_error(op, a, b) from None
        if ufunc is np.power:  # NumPy refuses integers to negative powers; PyTorch computes them
            return integer_power(a, b)
        raise ValueError(f"{op}: {error}") from None  # not a shape problem
    # END SOLUTION


def scale(value: object, alpha: float) -> object:
    """``value * alpha`` for the ``alpha=`` of ``add``/``sub``, with PyTorch's promotion."""
    # BEGIN SOLUTION 01
    # TODO: value * alpha for add/sub's alpha= (alpha == 1 returns value untouched).
    # HINT: an array goes through binary("mul", ...) so PyTorch's
    #   promotion applies; a scalar is just multiplied.
    if alpha == 1:
        return value
    if isinstance(value, np.ndarray):
        return binary("mul", np.multiply, value, alpha)
    return value * alpha
    # END SOLUTION


def check_alpha(
    op: str, a: object, b: object, alpha: object, name: str = "alpha", any_bool: bool = False
) -> object:
    """``add``/``sub``'s ``alpha`` for the result of ``a`` and ``b`` (arrays, tensors or Python numbers),
    checked as PyTorch checks it: a bool ``alpha`` only for a bool result, a float one not for an integer
    or bool result, a complex one only for a complex result. For a bool result it becomes a bool
    (``bool_tensor.add(other, alpha=2)`` stays bool, as PyTorch's). A NumPy bool counts as a float.
    The default ``1`` returns at once. ``name``: the argument's (``beta``, ``value``) in the messages.
    ``any_bool``: a bool is read as 0 or 1 for any result, as PyTorch's ``addmm`` and ``addcmul`` do.

    PyTorch's ``addmm``, ``addmv``, ``addbmm``, ``baddbmm`` and ``addcmul`` truncate a float ``beta``,
    ``alpha`` or ``value`` for an integer result (``value=0.5`` gives ``input``); refused here, as
    its ``add`` and ``addr`` refuse it, rather than drop the product silently.
    """
    if type(alpha) is int and alpha == 1:
        return alpha
    alpha = as_scalar_or_array(alpha)
    a, b = getattr(a, "array", a), getattr(b, "array", b)
    dtype = promoted_dtype(a, b)
    kind = dtype.kind
    check_integer_argument(op, dtype, alpha)
    if type(alpha) is bool and kind != "b":
        if any_bool:
            return int(alpha)
        raise RuntimeError(f"{op}: Boolean {name} only supported for Boolean results (got {name}={alpha})")
    if isinstance(alpha, float) and kind in "iub":
        raise RuntimeError(
            f"{op}: For integral input tensors, argument {name} must not be a floating point number "
            f"(got {name}={alpha}); convert the tensors to a float dtype first"
        )
    if isinstance(alpha, complex) and kind != "c":
        raise RuntimeError(
            f"{op}: For non-complex input tensors, argument {name} must not be a complex number "
            f"(got {name}={alpha}); convert the tensors to a complex dtype first"
        )
    return bool(alpha) if kind == "b" else alpha


def check_scales(op: str, base: object, product: object, **scales: object) -> tuple:
    """The ``scales`` (by name: ``beta=``, ``alpha=``, ``value=``) of ``beta * base + alpha * product``
    (``addmm``, ``addmv``, ``addbmm``, ``baddbmm``, ``addr``) or ``base + value * product``
    (``addcmul``, ``addcdiv``), in order, each by :func:`check_alpha`: a bool is 0 or 1 (``addr``: a
    bool only for a bool result), a float is refused for an integer result, a complex one for a real
    result. Bool tensors are refused, as PyTorch implements these for numbers only (``addr``: bools
    too, as logical and/or)."""
    addr = op.startswith("addr")
    if (
        not addr
        and promoted_dtype(getattr(base, "array", base), getattr(product, "array", product)).kind == "b"
    ):
        raise NotImplementedError(
            f"{op}: not implemented for bool tensors; convert them with .int() or .float()"
        )
    return tuple(
        check_alpha(op, base, product, value, name, any_bool=not addr) for name, value in scales.items()
    )


def binary_inplace(op: str, ufunc: np.ufunc, a: np.ndarray, b: object) -> np.ndarray:
    """``a op= b`` written into ``a``: the result must keep ``a``'s shape and dtype."""
    # BEGIN SOLUTION 01
    # TODO: a op= b written into a: the result keeps a's shape and dtype (§ Views and copies).
    # APPROACH: ufunc(a, b, out=a, casting="same_kind"); a ValueError is a read-only array or a bad broadcast,
    #   a TypeError a result dtype a cannot hold (float into int): say which dtype was needed.
    try:
        return ufunc(a, b, out=a, casting="same_kind")
    except ValueError:
        if not a.flags.writeable:
            raise read_only_error(op) from None
        raise broadcast_error(op, a, b, inplace=True) from None
    except TypeError:
        wanted = np.result_type(*promote_operands(a, b))
        if ufunc is np.true_divide and wanted.kind in "iub":
            wanted = get_default_dtype().numpy
        raise TypeError(
            f"{op}: result of dtype {wanted} can't be cast to the in-place tensor's "
            f"dtype {a.dtype}; use the out-of-place form or convert with .to() first"
        ) from None
    # END SOLUTION


def broadcast_error(op: str, a: object, b: object, inplace: bool = False) -> RuntimeError:
    """The error for shapes that do not broadcast, naming both shapes and the rule."""
    # BEGIN SOLUTION 01
    # TODO: the RuntimeError for shapes that do not broadcast: op, both shapes and the rule (sizes match or
    #   are 1, counted from the right); in place, add that the result must keep the first shape.
    sa, sb = np.shape(a), np.shape(b)
    where = " in place (the result must keep the first shape)" if inplace else ""
    return RuntimeError(
        f"{op}: shapes {sa} and {sb} cannot be broadcast together{where}; sizes must match or be 1 "
        "in each dimension, counted from the right (use reshape/unsqueeze to line them up)"
    )
    # END SOLUTION


def read_only_error(op: str) -> RuntimeError:
    """The error for writing into a read-only array: an ``expand()`` view, whose elements alias."""
    return RuntimeError(
        f"{op}: cannot write in place into a read-only tensor (an expand() view, whose elements share "
        "memory); clone() it first"
    )


def _is_integral(value: object) -> bool:
    """True for an integer or bool array or Python scalar: what true division turns into floats."""
    # BEGIN SOLUTION 01
    # TODO: True for an integer/bool array or a Python int/bool (what true division turns into floats).
    # HINT: type(value) is int, not isinstance: a NumPy float is no int, and bool counts too.
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "iub"
    return type(value) is int or type(value) is bool
    # END SOLUTION


def true_divide(a: np.ndarray, b: object) -> np.ndarray:
    """``a / b``; two integer operands give the default float dtype, as in PyTorch."""
    # BEGIN SOLUTION 01
    # TODO: a / b where two integer operands give the default float
    #   dtype (§ Dtypes: PyTorch's promotion, not NumPy's).
    # HINT: cast a to get_default_dtype().numpy first when both are integral, then binary("div", ...).
    if a.dtype.kind in "iub" and _is_integral(b):
        a = a.astype(get_default_dtype().numpy)
    return binary("div", np.true_divide, a, b)
    # END SOLUTION


def rtrue_divide(a: np.ndarray, b: object) -> np.ndarray:
    """``b / a``, for the reflected operator (``b`` is a Python scalar or an array)."""
    # BEGIN SOLUTION 01
    # TODO: b / a (the reflected operator, 3 / t), with true_divide's integer rule.
    if a.dtype.kind in "iub" and _is_integral(b):
        a = a.astype(get_default_dtype().numpy)
    return binary("div", np.true_divide, b, a)
    # END SOLUTION


class IntegerDivisionByZero(ZeroDivisionError, RuntimeError):
    """Integer ``//`` or ``%`` by zero: PyTorch raises ``RuntimeError: ZeroDivisionError``; so do we.

    It is both a :class:`ZeroDivisionError` and a :class:`RuntimeError`, so code
    written against either Python's or PyTorch's behaviour catches it.
    """


def _check_integer_divisor(op: str, a: object, b: object) -> None:
    """Refuse an integer division whose divisor holds a zero (NumPy would silently return 0)."""
    if _is_integral(a) and _is_integral(b) and not np.all(b):
        shape = np.shape(b)
        where = "a zero" if shape == () else f"a zero (divisor of shape {shape})"
        raise IntegerDivisionByZero(
            f"ZeroDivisionError: {op} of integer tensors by {where}; integer division by zero is "
            "undefined. Mask the zeros out, or convert to floating point (.float()) to get inf/nan"
        )


def floor_divide(a: object, b: object) -> np.ndarray:
    """``a // b`` rounding down; integer division by zero raises :class:`IntegerDivisionByZero`."""
    _check_integer_divisor("floor_divide", a, b)
    return binary("floor_divide", np.floor_divide, a, b)


def remainder(a: object, b: object) -> np.ndarray:
    """``a % b`` with the divisor's sign; integer division by zero raises :class:`IntegerDivisionByZero`."""
    _check_integer_divisor("remainder", a, b)
    return binary("remainder", np.remainder, a, b)


def as_float(a: np.ndarray) -> np.ndarray:
    """``a`` itself if it is floating point, else converted to the default float dtype."""
    # BEGIN SOLUTION 01
    # TODO: a itself when it is floating point, else a copy in the default float dtype.
    return a if a.dtype.kind == "f" else a.astype(get_default_dtype().numpy)
    # END SOLUTION


def as_inexact(a: np.ndarray) -> np.ndarray:
    """``a`` itself if floating point or complex, else in the default float dtype (:func:`as_float`).

    For the functions NumPy computes on complex numbers too (log, sqrt, sin, ...): a complex
    tensor keeps its imaginary part instead of losing it in a cast to float.
    """
    return a if a.dtype.kind == "c" else as_float(a)


def power(a: np.ndarray, exponent: object) -> np.ndarray:
    """``a ** exponent``; an integer (or bool) tensor to a negative Python int is refused, as in PyTorch.

    A *tensor* of negative integer exponents is not refused: PyTorch computes the integer result
    (see :func:`integer_power`), and so does :func:`binary` here. A Python-int exponent must fit the
    integer tensor's dtype (:func:`~tt_tensor.dtypes.check_integer_argument`), as in PyTorch.
    """
    check_integer_argument("pow", a.dtype, exponent)
    if a.dtype == np.bool_:  # PyTorch's promotion: bool ** int is int64; bool ** bool stays bool
        if type(exponent) is int:
            a = a.astype(np.int64)
        elif type(exponent) is bool or getattr(exponent, "dtype", None) == np.bool_:
            return np.logical_or(a, np.logical_not(exponent))  # x ** False = 1, x ** True = x
    # BEGIN SOLUTION 01
    # TODO: a ** exponent; an integer tensor to a negative Python-int power is a RuntimeError (as in PyTorch).
    # HINT: exponent 2 as a * a is faster than np.power and exact; the rest goes through binary("pow", ...).
    if a.dtype.kind in "iub" and type(exponent) is int and exponent < 0:
        raise RuntimeError("pow: Integers to negative integer powers are not allowed; convert with .float()")
    if type(exponent) is int and exponent == 2:
        return np.multiply(a, a)
    return binary("pow", np.power, a, exponent)
    # END SOLUTION


def integer_power(a: object, b: object) -> np.ndarray:
    """``a ** b`` in integers where some exponents are negative, as PyTorch computes it (NumPy refuses).

    ``a ** -n`` is ``1 / a ** n`` truncated to an integer: 1 for ``a = 1``, ``±1`` for ``a = -1`` (by the
    parity of ``n``), and 0 for every other ``a``, 0 included (PyTorch gives 0 there, not an error).
    ``a``, ``b``: integer or bool arrays or Python ints, one at least an array, already promoted to
    PyTorch's result dtype (as :func:`binary`, its caller, does). Cost: two passes over the output
    more than ``np.power``.

    >>> integer_power(np.array([2, 1, -1, -1, 0]), np.array([-1, -5, -3, -2, -1]))
    array([ 0,  1, -1,  1,  0])
    """
    negative = np.less(b, 0)
    # (for a = ±1, a ** b is a ** (b's parity); b & 1 is that parity, for negative b too)
    out = np.power(a, np.where(negative, np.bitwise_and(b, 1), b))
    return np.where(negative & (np.abs(a) != 1), 0, out).astype(out.dtype, copy=False)


def sign(a: np.ndarray) -> np.ndarray:
    """-1, 0 or 1 by the sign of each element; NaN gives 0, as in PyTorch (NumPy's ``sign`` gives NaN)."""
    out = np.asarray(np.sign(a))  # (a 0-d input gives a NumPy scalar: made an array to write into)
    return np.nan_to_num(out, copy=False, nan=0.0) if out.dtype.kind == "f" else out


def sigmoid(a: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-a))``, written so it never overflows and keeps full relative precision.

    With ``e = exp(-|a|)`` (always in ``(0, 1]``): ``1 / (1 + e)`` for ``a >= 0``
    and ``e / (1 + e)`` for ``a < 0``. The shortcut ``0.5 * (1 + tanh(a / 2))``
    also never overflows, but rounds ``sigmoid(-20)`` (2e-9) to 0 in float32.
    """
    # BEGIN SOLUTION 01
    # TODO: 1 / (1 + exp(-a)) that never overflows and keeps full relative precision (§ Exercises, step 2).
    # APPROACH: e = exp(-|a|) is at most 1; for a >= 0 the answer is 1 / (1 + e), for a < 0 it is e / (1 + e).
    # HINT: np.where picks per element; integer inputs become float first (as_float).
    a = as_float(a)
    e = np.exp(-np.abs(a))
    positive = 1.0 / (1.0 + e)
    return np.where(a >= 0, positive, e * positive)
    # END SOLUTION


def relu(a: np.ndarray) -> np.ndarray:
    """``max(a, 0)`` element-wise, keeping ``a``'s dtype."""
    # BEGIN SOLUTION 01
    # TODO: max(a, 0) element-wise in a's own dtype.
    # HINT: np.maximum(a, 0) would promote int8 to a wider type: compare with a.dtype.type(0).
    return np.maximum(a, a.dtype.type(0))
    # END SOLUTION


def clamp(a: np.ndarray, min: object = None, max: object = None) -> np.ndarray:  # noqa: A002
    """Limit ``a`` to ``[min, max]``; either bound may be None, a scalar or an array.

    A Python-int bound must fit an integer ``a``'s dtype (:func:`~tt_tensor.dtypes.check_integer_argument`).
    """
    check_integer_argument("clamp", a.dtype, min, max)
    # BEGIN SOLUTION 01
    # TODO: a limited to [min, max]; either bound may be None, a scalar or an array; both None is an error.
    # HINT: np.maximum then np.minimum through binary (promotion, shape errors); always return a new array.
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    out = a
    if min is not None:
        out = binary("clamp", np.maximum, out, min)
    if max is not None:
        out = binary("clamp", np.minimum, out, max)
    return out if out is not a else a.copy()
    # END SOLUTION


def where(condition: np.ndarray, x: object, y: object) -> np.ndarray:
    """Pick ``x`` where ``condition`` is true, else ``y``, broadcasting all three.

    ``x`` and ``y`` (arrays or Python scalars) are promoted as for arithmetic; two
    Python scalars give the dtype a tensor of them would have (floats: the default).
    """
    check_operands("where", x, y)
    # BEGIN SOLUTION 01
    # TODO: x where condition else y, all three broadcast, x and y promoted PyTorch's way.
    # HINT: two Python scalars get their inferred dtypes first (infer_numpy_dtype), or NumPy picks float64.
    if condition.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {condition.dtype}")
    if not isinstance(x, np.ndarray) and not isinstance(y, np.ndarray):
        x, y = (np.asarray(v, dtype=infer_numpy_dtype(np.asarray(v))) for v in (x, y))
    x, y = promote_operands(x, y)
    try:
        return np.where(condition, x, y)
    except ValueError:
        shapes = f"{np.shape(condition)}, {np.shape(x)} and {np.shape(y)}"
        raise RuntimeError(f"where: shapes {shapes} cannot be broadcast together") from None
    # END SOLUTION
