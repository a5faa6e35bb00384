"""PyTorch-style ``repr`` of tensors: ``tensor([[1., 2.], [3., 4.]], dtype=tt.float64)``.

Floats print with 4 decimals unless every value is a whole number (then
``1.``), large tensors are summarised with ``...``, and the dtype is shown
only when it is not the default for its kind (float32, int64, bool).
"""

from __future__ import annotations

import sys

import numpy as np

from .dtypes import default_complex, from_numpy_dtype, get_default_dtype

_PREFIX = "tensor("

#: PyTorch's print profiles (``linewidth`` None: NumPy's wrapping width, 75 characters).
PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": None},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": None},
    "full": {"precision": 4, "threshold": sys.maxsize, "edgeitems": 3, "linewidth": None},
}
PRINT_OPTIONS: dict[str, object] = {**PROFILES["default"], "sci_mode": None}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """How tensors print, as ``torch.set_printoptions``; options left None keep their value.

    Args:
        precision: digits after the decimal point (default 4).
        threshold: more elements than this are summarised with ``...`` (default 1000).
        edgeitems: items shown at each end of a summarised dimension (default 3).
        linewidth: characters per line before wrapping (default: NumPy's 75; PyTorch's is 80).
        profile: ``"default"``, ``"short"`` (2 decimals, 2 edge items) or ``"full"`` (never
            summarise), applied first; the other arguments then override it.
        sci_mode: True always prints floats in scientific notation, False never, None (the
            default) when the values span a wide range.
    """
    if profile is not None:
        if profile not in PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(PROFILES)}, got {profile!r}")
        PRINT_OPTIONS.update(PROFILES[profile])
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems, "linewidth": linewidth}
    for name, value in given.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"set_printoptions: {name} must be a non-negative number, got {value!r}")
        PRINT_OPTIONS[name] = sys.maxsize if value == float("inf") else int(value)
    PRINT_OPTIONS["sci_mode"] = sci_mode


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
    settings = PRINT_OPTIONS
    options: dict[str, object] = {
        "separator": ", ",
        "prefix": _PREFIX,
        "threshold": settings["threshold"],
        "edgeitems": settings["edgeitems"],
    }
    if settings["linewidth"] is not None:
        options["max_line_width"] = settings["linewidth"]
    if array.dtype.kind == "c":
        options["formatter"] = {"complex_kind": _complex_formatter(array)}
    elif array.dtype.kind == "f":
        precision, sci_mode = settings["precision"], settings["sci_mode"]
        finite = array[np.isfinite(array)]
        whole = finite.size == 0 or bool(np.all(finite == np.round(finite)))
        large = finite.size > 0 and (
            np.abs(finite).max() >= 1e8 or 0 < np.abs(finite[finite != 0]).min(initial=1) < 1e-4
        )
        scientific = large if sci_mode is None else sci_mode
        if scientific:
            options["formatter"] = {"float_kind": lambda v: f"{v:.{precision}e}"}
        elif whole:
            options.update(precision=0, floatmode="maxprec")
        else:
            options.update(precision=precision, floatmode="fixed", suppress_small=sci_mode is False)
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
