"""PyTorch-style ``repr`` of tensors: ``tensor([[1., 2.], [3., 4.]], dtype=tt.float64)``.

Floats print with 4 decimals unless every value is a whole number (then
``1.``), large tensors are summarised with ``...``, and the dtype is shown
only when it is not the default for its kind (float32, int64, bool).
"""

from __future__ import annotations

import numpy as np

from .dtypes import default_complex, from_numpy_dtype, get_default_dtype

_PREFIX = "tensor("


def format_tensor(array: np.ndarray, extras: list[str]) -> str:
    """The repr of a tensor holding ``array``; ``extras`` are appended as ``, key=value`` parts."""
    parts = [_format_values(array)]
    default = {
        "f": get_default_dtype().numpy,
        "c": default_complex(),
        "i": np.dtype(np.int64),
        "b": np.dtype(np.bool_),
    }
    if array.dtype != default.get(array.dtype.kind):
        parts.append(f"dtype={from_numpy_dtype(array.dtype)!r}")
    if array.size == 0 and array.ndim != 1:
        parts.append(f"size={array.shape}")
    parts.extend(extras)
    return _PREFIX + ", ".join(parts) + ")"


def _format_values(array: np.ndarray) -> str:
    options: dict[str, object] = {"separator": ", ", "prefix": _PREFIX, "threshold": 1000, "edgeitems": 3}
    if array.dtype.kind == "c":
        options["formatter"] = {"complex_kind": _complex_formatter(array)}
    elif array.dtype.kind == "f":
        finite = array[np.isfinite(array)]
        whole = finite.size == 0 or bool(np.all(finite == np.round(finite)))
        large = finite.size > 0 and (
            np.abs(finite).max() >= 1e8 or 0 < np.abs(finite[finite != 0]).min(initial=1) < 1e-4
        )
        if whole and not large:
            options.update(precision=0, floatmode="maxprec")
        elif large:
            options["formatter"] = {"float_kind": lambda v: f"{v:.4e}"}
        else:
            options.update(precision=4, floatmode="fixed")
    return np.array2string(array, **options)


def _part_formatter(values: np.ndarray):
    """How PyTorch prints one part (real or imaginary) of complex values: as it prints floats."""
    finite = values[np.isfinite(values)]
    whole = finite.size == 0 or bool(np.all(finite == np.round(finite)))
    large = finite.size > 0 and (
        np.abs(finite).max() >= 1e8 or 0 < np.abs(finite[finite != 0]).min(initial=1) < 1e-4
    )
    if large:
        return lambda v: f"{v:.4e}"
    if whole:
        return lambda v: f"{v:.0f}." if np.isfinite(v) else f"{v}"
    return lambda v: f"{v:.4f}" if np.isfinite(v) else f"{v}"


def _complex_formatter(array: np.ndarray):
    """PyTorch's complex repr: ``1.+2.0000j``, each part formatted on its own, real parts right-aligned
    to the widest nonzero one (as PyTorch measures them)."""
    real_part, imag_part = _part_formatter(array.real), _part_formatter(array.imag)
    reals = array.real.reshape(-1)
    width = max((len(real_part(v)) for v in reals[reals != 0][:1000]), default=0)  # (summaries: a sample)

    def element(value: complex) -> str:
        imag = value.imag
        sign = "-" if imag < 0 or (imag == 0 and np.signbit(imag)) else "+"
        return f"{real_part(value.real):>{width}}{sign}{imag_part(abs(imag))}j"

    return element
