"""Data types: PyTorch's names over NumPy's dtypes, and PyTorch's promotion rules.

A :class:`DType` is a thin named wrapper around a ``numpy.dtype``. The
differences from plain NumPy that matter are all about *promotion*, which
follows PyTorch rather than NumPy:

* Python floats are "weak": ``int64 tensor * 0.5`` gives the *default* float
  dtype (float32), where NumPy would give float64.
* True division of two integer tensors gives the default float dtype.
* NumPy scalars (``np.float64(2.0)``) behave like Python scalars, so
  ``x * np.sqrt(2.0)`` keeps ``x`` float32 instead of silently going float64.
* Across categories (bool < integer < float) the higher one's dtype wins
  outright: ``int64 * float32`` is float32 (NumPy: float64).
* A 0-d tensor does not widen a dimensioned one of its own category:
  ``float32 (n,) + float64 ()`` is float32.
* Complex is the highest category (bool < integer < float < complex); a complex
  result keeps the float precision of its operands: ``float64 * complex64`` is
  complex128, ``int64 * 1j`` the default complex dtype (complex64 under float32).
"""

from __future__ import annotations

import builtins

import numpy as np


class DType:
    """A tensor element type, e.g. ``float32``; compares equal to its NumPy dtype."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_complex", "is_signed", "itemsize")

    def __init__(self, name: str, numpy_dtype: type) -> None:
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = self.numpy.kind == "f"
        self.is_complex = self.numpy.kind == "c"
        self.is_signed = self.numpy.kind in "fic"
        self.itemsize = self.numpy.itemsize

    def __repr__(self) -> str:
        return f"tt.{self.name}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return self.numpy == other.numpy
        try:
            return self.numpy == np.dtype(other)  # type: ignore[arg-type]
        except TypeError:
            return NotImplemented

    def __hash__(self) -> int:
        return hash(self.numpy)


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
uint8 = DType("uint8", np.uint8)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
bool_ = DType("bool", np.bool_)
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)

ALL_DTYPES = (float16, float32, float64, uint8, int8, int16, int32, int64, bool_, complex64, complex128)
_BY_NUMPY = {d.numpy: d for d in ALL_DTYPES}

_default_float = float32


def get_default_dtype() -> DType:
    """The dtype of float tensors made from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(dtype: DType) -> None:
    """Make ``dtype`` (float32 or float64) the default float dtype, like ``torch.set_default_dtype``."""
    global _default_float
    if not isinstance(dtype, DType):  # (as PyTorch: no Python type, NumPy dtype or name)
        raise TypeError(
            f"set_default_dtype: dtype must be a tinytorch dtype (tt.float32 or tt.float64), got "
            f"{type(dtype).__name__} {dtype!r:.40}; use tt.float64 for float"
        )
    if not dtype.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point dtypes are allowed, got {dtype}")
    _default_float = dtype


def from_numpy_dtype(numpy_dtype: np.dtype) -> DType:
    """The :class:`DType` of a NumPy dtype; a clear error for ones TinyTorch has no name for."""
    try:
        return _BY_NUMPY[numpy_dtype]
    except KeyError:
        names = ", ".join(d.name for d in ALL_DTYPES)
        raise TypeError(f"NumPy dtype {numpy_dtype} has no TinyTorch dtype; supported: {names}") from None


def as_dtype(dtype: object) -> DType:
    """Accept a :class:`DType`, a NumPy dtype or type, or a name like ``"float32"``.

    Python's types map as PyTorch maps them: ``float`` to float64 (not the default float dtype),
    ``int`` to int64, ``bool`` to bool, ``complex`` to complex128. Lenient on purpose: the packages pass
    NumPy dtypes through the public factories (``tensor`` hands ``to_array`` the inferred NumPy dtype),
    where PyTorch's ``dtype=`` takes only a ``torch.dtype`` or a Python type.
    """
    if isinstance(dtype, DType):
        return dtype
    if isinstance(dtype, str) and dtype == "bool":
        return bool_
    if dtype is builtins.float:
        return float64
    if dtype is builtins.int:
        return int64
    if dtype is builtins.bool:
        return bool_
    try:
        return from_numpy_dtype(np.dtype(dtype))  # type: ignore[arg-type]
    except TypeError as error:
        raise TypeError(f"not a dtype: {dtype!r} ({error})") from None


#: The Python types PyTorch's ``dtype=`` accepts besides its dtypes (float is float64, as :func:`as_dtype`).
_PYTHON_TYPES = (builtins.float, builtins.int, builtins.bool, builtins.complex)


def is_dtype_like(value: object) -> bool:
    """Whether ``value`` is what PyTorch's ``dtype=`` takes: a :class:`DType` or Python's ``float``,
    ``int``, ``bool`` or ``complex`` (so ``x.view(float)`` reads the bytes as float64, as PyTorch)."""
    return isinstance(value, DType) or any(value is kind for kind in _PYTHON_TYPES)


def dtype_argument(op: str, dtype: object, name: str = "dtype") -> DType:
    """A public ``dtype=`` argument of ``op``, checked as PyTorch checks it: a :class:`DType`, or one of
    Python's ``float``, ``int``, ``bool``, ``complex`` (mapped as :func:`as_dtype` maps them). A name
    (``"float32"``) or a NumPy dtype (``np.float32``) is refused with PyTorch's TypeError, where
    :func:`as_dtype` (the packages' own lenient path, for NumPy dtypes they hold) takes them. Cost: two
    checks.

    >>> dtype_argument("zeros", "float32")
    Traceback (most recent call last):
    TypeError: zeros(): argument 'dtype' must be torch.dtype, not str ('float32'); pass tt.float32
    """
    if is_dtype_like(dtype):
        return as_dtype(dtype)
    kind = type(dtype)
    type_name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    try:
        fix = f"pass tt.{as_dtype(dtype).name}"
    except TypeError:
        fix = "pass a dtype such as tt.float32, or Python's float, int, bool or complex"
    raise TypeError(f"{op}(): argument '{name}' must be torch.dtype, not {type_name} ({dtype!r:.120}); {fix}")


def mean_dtype(dtype: object, op: str = "mean") -> DType:
    """``dtype`` given to a mean (``op``: ``mean`` or ``nanmean``): a float or complex dtype, else
    PyTorch's refusal (an integer mean would truncate, and NaN has no integer value)."""
    result = dtype_argument(op, dtype)
    if not (result.is_floating_point or result.is_complex):
        raise RuntimeError(
            f"{op}(): could not infer output dtype. Optional dtype must be either a floating point or "
            f"complex dtype. Got: {result.name}; compute the mean in a float dtype and convert it afterwards"
        )
    return result


def cumsum_dtype(dtype: object, op: str = "cumsum") -> DType:
    """``dtype`` given to a running sum: any number dtype; bool refused, as PyTorch has no bool kernel
    (``sum(dtype=bool)`` is fine: a sum's one result is cast, nonzero to True)."""
    result = dtype_argument(op, dtype)
    if result.numpy == np.bool_:
        raise NotImplementedError(f'"{op}" not implemented for bool; give dtype=int64 and compare with 0')
    return result


#: PyTorch's words when an op whose result must be float is given integers or bools (by op name).
_FLOAT_ONLY_REFUSALS = {
    "mean": "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
    "dtype. Got: {name}",
    "nanmean": "nanmean(): expected input to have floating point or complex dtype but got {name}",
    "var": "std and var only support floating point and complex dtypes (var of {name})",
    "std": "std and var only support floating point and complex dtypes (std of {name})",
    "var_mean": "var_mean only support floating point and complex dtypes (got {name})",
    "std_mean": "std_mean only support floating point and complex dtypes (got {name})",
}


def require_float_input(op: str, numpy_dtype: np.dtype) -> None:
    """Refuse, as PyTorch does, an integer or bool input to ``op`` (``mean``, ``nanmean``, ``var``, ``std``,
    ``var_mean``, ``std_mean``): their results are fractions, and PyTorch will not pick a float dtype for
    them. The message names the fix: cast first, or give ``mean`` a float ``dtype=`` (``nanmean``
    refuses integers even then, as PyTorch).

    >>> require_float_input("mean", np.dtype(np.int64))
    Traceback (most recent call last):
    RuntimeError: mean(): could not infer output dtype. ... Got: int64; ...
    """
    if numpy_dtype.kind in "fc":
        return
    refusal = _FLOAT_ONLY_REFUSALS[op].format(name=from_numpy_dtype(numpy_dtype).name)
    remedy = "pass a float dtype= (float32), or " if op == "mean" else ""
    call = f"{op}(x.float(), ...)" if op.endswith("_mean") else f"x.float().{op}(...)"  # (no such methods)
    raise RuntimeError(f"{refusal}; {remedy}convert the input first: {call}")


def infer_numpy_dtype(array: np.ndarray) -> np.dtype:
    """The dtype a tensor built from ``array`` (made from Python data) should have."""
    kind = array.dtype.kind
    if kind == "f":
        return _default_float.numpy
    if kind in "iu":
        return np.dtype(np.int64)
    if kind == "b":
        return np.dtype(np.bool_)
    if kind == "c":
        return default_complex()
    raise TypeError(
        f"tensor: cannot make a tensor from data of type {array.dtype} "
        "(expected numbers or booleans, nested in lists of equal length)"
    )


def default_complex() -> np.dtype:
    """The complex dtype of Python complex data: complex64 while the default float is float32."""
    return np.dtype(np.complex128) if _default_float.numpy == np.float64 else np.dtype(np.complex64)


def complex_of(real: np.dtype) -> np.dtype:
    """The complex dtype with ``real``'s precision (float64 -> complex128; other floats -> complex64)."""
    return np.dtype(np.complex128) if real == np.float64 else np.dtype(np.complex64)


# PyTorch promotes by category first: bool < integer < floating point < complex.
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """``torch.promote_types``: the dtype of a higher category wins outright; within one category,
    the smallest dtype that holds both (NumPy's rule there, e.g. uint8 and int8 give int16).

    NumPy instead widens across categories (int64 with float32 gives float64);
    PyTorch keeps the float dtype, so float32 models stay float32.
    """
    if a == b:
        return a
    ca, cb = _CATEGORY.get(a.kind), _CATEGORY.get(b.kind)
    if ca is None or cb is None or ca == cb:
        return np.promote_types(a, b)
    if 3 in (ca, cb) and 2 in (ca, cb):  # float with complex: the complex of the wider precision
        return np.promote_types(a, b)
    return a if ca > cb else b


def result_type(a: np.ndarray, b: np.ndarray) -> np.dtype:
    """The dtype PyTorch gives an op on two arrays, counting 0-d ones as PyTorch does.

    A 0-d array (a "scalar tensor", e.g. ``x.sum()``) does not widen a dimensioned
    one of the same or a lower category: ``float32 (n,) + float64 ()`` stays float32.
    One of a higher category sets the result: ``int64 (n,) * float64 ()`` is float64.
    """
    if (a.ndim == 0) == (b.ndim == 0):
        return promote_types(a.dtype, b.dtype)
    dimensioned, scalar = (b, a) if a.ndim == 0 else (a, b)
    kind = dimensioned.dtype.kind
    if _CATEGORY.get(scalar.dtype.kind, 4) > _CATEGORY.get(kind, 4):
        if scalar.dtype.kind == "c" and kind == "f":  # a complex 0-d keeps the float's precision
            return complex_of(dimensioned.dtype)
        return scalar.dtype
    return dimensioned.dtype


def promote_operands(a: object, b: object) -> tuple[object, object]:
    """Prepare the operands of a binary op so NumPy computes in PyTorch's result dtype.

    Each of ``a``, ``b`` is an array or a Python scalar. Two arrays of different
    dtypes are both cast to :func:`result_type`. A Python scalar is left as it
    is: NumPy 2 already treats it as "weak" (``float32 array * 2.5`` stays
    float32), except that an integer or bool array meeting a Python float must
    become the *default* float dtype, not float64, and a Python int that an integer array's dtype
    cannot hold is wrapped into it (:func:`wrap_integer`).
    """
    if type(a) is np.ndarray and type(b) is np.ndarray:
        if a.dtype is b.dtype or a.dtype == b.dtype:
            return a, b
        dtype = result_type(a, b)
        return a.astype(dtype, copy=False), b.astype(dtype, copy=False)
    if type(b) is builtins.float:
        if a.dtype.kind in "iub":  # type: ignore[union-attr]
            return a.astype(_default_float.numpy), b  # type: ignore[union-attr]
    elif type(a) is builtins.float and b.dtype.kind in "iub":  # type: ignore[union-attr]
        return a, b.astype(_default_float.numpy)  # type: ignore[union-attr]
    elif type(b) is builtins.complex:
        return _weak_complex(a), b
    elif type(a) is builtins.complex:
        return a, _weak_complex(b)
    elif type(b) is builtins.int:
        if a.dtype.kind in "iu":  # type: ignore[union-attr]
            return a, wrap_integer(b, a.dtype)  # type: ignore[union-attr]
    elif type(a) is builtins.int and b.dtype.kind in "iu":  # type: ignore[union-attr]
        return wrap_integer(a, b.dtype), b  # type: ignore[union-attr]
    return a, b


_INTEGER_RANGES: dict[np.dtype, tuple[int, int]] = {}


def wrap_integer(value: int, dtype: np.dtype) -> int:
    """A Python int as an integer tensor of ``dtype`` reads it: itself when it fits, else wrapped
    modulo ``2**bits`` into the dtype's range, as PyTorch casts a scalar to the tensor's dtype
    (``uint8_tensor - (-3)`` subtracts 253, i.e. adds 3; ``uint8_tensor < 300`` compares with 44),
    where NumPy 2 raises ``OverflowError``. Cost: one range check; the wrap only when it does not fit.
    """
    low, high = _INTEGER_RANGES.get(dtype) or _INTEGER_RANGES.setdefault(dtype, _range_of(dtype))
    if low <= value <= high or not -(1 << 63) <= value < (1 << 64):  # (beyond 64 bits: NumPy's error)
        return value
    span = 1 << (8 * dtype.itemsize)
    value %= span
    return value - span if value > high else value


def check_integer_argument(op: str, dtype: np.dtype, *values: object) -> None:
    """PyTorch's range check of Python-int arguments to an op on an integer tensor of ``dtype``:
    a clamp bound, an exponent, an ``alpha``. Unlike an operand of ``+`` or ``<`` (wrapped, see
    :func:`wrap_integer`), such a value must fit: ``[min, max]`` of a signed dtype, ``[-max, max]`` of
    an unsigned one (PyTorch wraps ``-1`` to 255 for uint8 there), else RuntimeError. Anything other
    than a Python int (None, floats, bools, arrays) is left to the op."""
    if dtype.kind not in "iu":
        return
    low, high = _INTEGER_RANGES.get(dtype) or _INTEGER_RANGES.setdefault(dtype, _range_of(dtype))
    low = -high if dtype.kind == "u" else low
    for value in values:
        if type(value) is builtins.int and not low <= value <= high:
            raise RuntimeError(
                f"{op}: value {value} cannot be converted to type {dtype} without overflow; give a value "
                f"in [{low}, {high}] or convert the tensor to a wider dtype first"
            )


def _range_of(dtype: np.dtype) -> tuple[int, int]:
    info = np.iinfo(dtype)
    return builtins.int(info.min), builtins.int(info.max)


def promoted_dtype(a: object, b: object) -> np.dtype:
    """The NumPy dtype of a binary op of ``a`` and ``b`` (arrays or Python scalars), as
    :func:`promote_operands` would compute it, read from empty stand-ins of the arrays (same ndim and
    dtype, so the same promotion): no promoted copy of a whole operand, for checks before the op."""
    a, b = (v[(slice(0, 0),) * v.ndim] if isinstance(v, np.ndarray) and v.ndim else v for v in (a, b))
    return np.result_type(*promote_operands(a, b))


def _weak_complex(array: np.ndarray) -> np.ndarray:
    """An array meeting a Python complex: complex of its float precision, or the default complex."""
    kind = array.dtype.kind
    if kind == "c":
        return array
    return array.astype(complex_of(array.dtype) if kind == "f" else default_complex())


_KINDS = {"b": "bool", "i": "integer", "u": "integer", "c": "complex"}


def check_kernel_dtype(op: str, numpy_dtype: np.dtype, missing: str) -> None:
    """Refuse a dtype PyTorch 2.13 has no CPU kernel of ``op`` for, with its error type
    (NotImplementedError, as its ``"arange_cpu" not implemented for 'Bool'``).

    ``missing``: the NumPy kinds refused, ``"b"`` bool, ``"iu"`` integers, ``"c"`` complex.

    >>> check_kernel_dtype("linspace", np.dtype(bool), "b")
    Traceback (most recent call last):
    NotImplementedError: linspace: not implemented for bool, as in PyTorch; ...
    """
    if numpy_dtype.kind in missing:
        raise NotImplementedError(
            f"{op}: not implemented for {from_numpy_dtype(numpy_dtype).name}, as in PyTorch; compute in a "
            f"dtype it supports and convert with .to() (no {_KINDS[numpy_dtype.kind]} kernel)"
        )


def check_float_kernel_operands(op: str, a: object, b: object) -> None:
    """Refuse a binary ``op`` of two integer or bool operands (arrays or Python scalars) where PyTorch
    2.13 has only floating kernels (``hypot``, ``logaddexp``): :func:`check_kernel_dtype` of their
    promoted dtype. Operands that are not numbers pass: the op's own check names them."""
    try:
        promoted = promoted_dtype(a, b)
    except TypeError:
        return
    check_kernel_dtype(op, promoted, "iub")


def check_floating(op: str, dtype: np.dtype) -> None:
    """Refuse a non-float dtype for an op that only makes floats (``rand``, ``uniform_``, ...)."""
    if dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point dtype, got {from_numpy_dtype(dtype).name}")


def as_scalar_or_array(value: object) -> object:
    """A Python scalar stays as it is (weakly typed); a NumPy scalar becomes a Python one.

    A NumPy bool becomes a Python *float*, as PyTorch reads it: ``x - np.True_`` is ``x - 1.0``
    (where ``x - True`` is refused), and ``bool_tensor + np.True_`` is a float tensor.
    """
    if isinstance(value, np.bool_):
        return builtins.float(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


# PyTorch's aliases. They shadow the builtins of the same name, so they come last.
half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble = complex64, complex128
