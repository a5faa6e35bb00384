"""Bitwise and, or, xor and not (``&``, ``|``, ``^``, ``~``) and the integer check of the shifts.

PyTorch implements them for integer and bool tensors only, and checks the dtype of the *promoted*
operands: ``bool_tensor & 1.5`` is refused because the result would be a float. A NumPy bool counts
as a Python float there (see :func:`tt_tensor.dtypes.as_scalar_or_array`), so ``bool_tensor & np.True_``
is refused too, where ``bool_tensor & True`` is a bool tensor. The refusals are PyTorch's
``NotImplementedError``, except ``~`` of a float, which PyTorch refuses with a ``TypeError``.
Cost: the dtype check reads empty stand-ins of the operands; the op is one NumPy ufunc pass.
"""

from __future__ import annotations

import numpy as np

from . import pointwise
from .dtypes import from_numpy_dtype, promoted_dtype


def check_integral(op: str, a: object, b: object = None, bool_ok: bool = True, given: tuple = ()) -> None:
    """Refuse ``op`` of arrays (or an array and a Python scalar) ``a`` and ``b`` whose promoted dtype is
    not an integer (or, if ``bool_ok``, bool) one, with PyTorch's ``NotImplementedError``. ``b=None``:
    ``a`` alone. ``given``: the operands as the caller received them, to point out a NumPy bool.
    """
    if b is not None:
        pointwise.check_operands(op, a, b)  # (a string or an object: a TypeError naming op, not NumPy's)
    dtype = np.asarray(a).dtype if b is None else promoted_dtype(a, b)
    if dtype.kind in ("iub" if bool_ok else "iu"):
        return
    allowed = "integer and bool" if bool_ok else "integer"
    hint = ""
    if any(isinstance(v, np.bool_) for v in given):
        hint = "; a NumPy bool counts as a float here, as in PyTorch: pass a Python bool (bool(flag))"
    raise NotImplementedError(
        f"{op}: not implemented for {from_numpy_dtype(dtype).name} ({allowed} tensors only){hint}"
    )


def bitwise(op: str, ufunc: np.ufunc, a: object, b: object, given: tuple = ()) -> np.ndarray:
    """``ufunc(a, b)`` (``np.bitwise_and``, ``_or`` or ``_xor``) with PyTorch's promotion, for integer
    and bool results only; ``a``, ``b`` arrays or Python scalars, ``given`` as :func:`check_integral`."""
    check_integral(op, a, b, given=given)
    return pointwise.binary(op, ufunc, a, b)


def invert(op: str, a: np.ndarray) -> np.ndarray:
    """``~a`` (``op`` ``"~"``) or ``a.bitwise_not()``: logical not of a bool array, bitwise not of an
    integer one; a float or complex one is refused, as PyTorch (``~`` with a ``TypeError``)."""
    if a.dtype.kind not in "iub":
        if op == "~":
            raise TypeError(
                f"~ (operator.invert) is only implemented on integer and Boolean-type tensors, got "
                f"{from_numpy_dtype(a.dtype).name}; for a mask use x == 0 or x.logical_not()"
            )
        check_integral(op, a)
    return np.logical_not(a) if a.dtype == np.bool_ else np.invert(a)
