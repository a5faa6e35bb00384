"""PyTorch-style ``repr`` of tensors: ``tensor([[1., 2.], [3., 4.]], dtype=tt.float64)``.

PyTorch's rules, to the character (its ``_tensor_str``): floats print with 4 decimals unless
every value is a whole number (then ``1.``), in scientific notation when the values span a wide
range, each right-aligned to the widest; as many per line as fit in 80 characters; tensors of
more than 1000 elements show the first and last 3 of each dimension around ``...``; the dtype is
shown only when it is not the default for its kind (float32, int64, bool). Cost: Python work per
printed element (at most about 6^ndim of them once summarised).
"""

from __future__ import annotations

import sys

import numpy as np

from .dtypes import default_complex, from_numpy_dtype, get_default_dtype

_PREFIX = "tensor("

#: PyTorch's print profiles.
PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": sys.maxsize, "edgeitems": 3, "linewidth": 80},
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
        linewidth: characters per line before wrapping (default 80).
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


def format_tensor(array: np.ndarray, extras: list[str], column: int = 0) -> str:
    """The repr of a tensor holding ``array``; ``extras`` are appended as ``, key=value`` parts.

    ``column``: where the text will start on its line (a sparse tensor's ``values=tensor(`` is
    printed after 14 other characters); it narrows the lines, whose continuations stay aligned
    under the first value as if the text started at column 0 (the caller shifts them)."""
    parts = [_format_values(array, column)]
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


def _format_values(array: np.ndarray, column: int = 0) -> str:
    """The bracketed values, laid out as PyTorch lays them out (``_tensor_str``'s rules)."""
    if array.size == 0:
        return "[]"
    edgeitems = int(PRINT_OPTIONS["edgeitems"])
    summarize = array.size > PRINT_OPTIONS["threshold"]
    shown = _edges(array, edgeitems) if summarize else array  # (the values that will print)
    if array.dtype.kind == "c":
        real, imag = _FloatFormatter(shown.real), _FloatFormatter(shown.imag)
        element, width = (lambda v: _complex_element(v, real, imag)), real.width + imag.width + 1
    elif array.dtype.kind == "f":
        floats = _FloatFormatter(shown)
        element, width = floats.padded, floats.width
    else:  # integers and bools: str of the value, right-aligned to the widest
        width = max(len(str(v)) for v in shown.reshape(-1).tolist())
        element = lambda v: f"{v!s:>{width}}"  # noqa: E731
    line_width = int(PRINT_OPTIONS["linewidth"]) - column
    layout = _Layout(element, width + 2, line_width, edgeitems if summarize else None)
    return layout.values(array, len(_PREFIX))


class _FloatFormatter:
    """PyTorch's choice for a set of floats: whole numbers as ``3.``, else ``precision`` decimals,
    scientific notation when the nonzero finite magnitudes span more than 1000x, exceed 1e8 or (not
    whole) fall below 1e-4 (``set_printoptions(sci_mode=)`` overrides); ``width``: the widest of the
    nonzero finite values, to which each value is right-aligned."""

    def __init__(self, values: np.ndarray) -> None:
        self.precision = int(PRINT_OPTIONS["precision"])
        flat = values.reshape(-1).astype(np.float64)
        nonzero = flat[np.isfinite(flat) & (flat != 0)]
        self.whole, self.scientific = True, False
        if nonzero.size:
            magnitudes = np.abs(nonzero)
            low, high = magnitudes.min(), magnitudes.max()
            self.whole = bool(np.all(nonzero == np.ceil(nonzero)))
            self.scientific = bool(high / low > 1000.0 or high > 1.0e8 or (not self.whole and low < 1.0e-4))
        if PRINT_OPTIONS["sci_mode"] is not None:
            self.scientific = bool(PRINT_OPTIONS["sci_mode"])
        self.width = max((len(self.text(v)) for v in nonzero.tolist()), default=1)

    def text(self, value: float) -> str:
        """One value, unpadded."""
        if self.scientific:
            return f"{value:.{self.precision}e}"
        if self.whole:
            return f"{value:.0f}" + ("." if np.isfinite(value) else "")
        return f"{value:.{self.precision}f}"

    def padded(self, value: float) -> str:
        return f"{self.text(float(value)):>{self.width}}"


def _complex_element(value: complex, real: _FloatFormatter, imag: _FloatFormatter) -> str:
    """``1.0000+2.0000j``: the real part right-aligned to the real parts' width, then the imaginary
    part unpadded with its sign."""
    imaginary = imag.text(float(value.imag)) + "j"
    return real.padded(value.real) + (imaginary if imaginary[0] in "+-" else "+" + imaginary)


def _edges(array: np.ndarray, edgeitems: int) -> np.ndarray:
    """The first and last ``edgeitems`` along every dimension longer than twice that: what prints."""
    for axis, size in enumerate(array.shape):
        if size > 2 * edgeitems:
            keep = np.r_[0:edgeitems, size - edgeitems : size]
            array = np.take(array, keep, axis=axis)
    return array


class _Layout:
    """Nested brackets: a row holds as many elements as fit in ``line_width`` (each ``item_width``
    wide with its ``", "``), rows wrap under the first element, slices of an n-d tensor are
    separated by n - 1 blank lines, and a summarised dimension shows ``...`` between its edges."""

    def __init__(self, element, item_width: int, line_width: int, edgeitems: int | None) -> None:
        self.element, self.item_width, self.line_width, self.edgeitems = (
            element,
            item_width,
            line_width,
            edgeitems,
        )

    def values(self, array: np.ndarray, indent: int) -> str:
        if array.ndim == 0:
            return self.element(array.item())
        cut = self.edgeitems is not None and array.shape[0] > 2 * self.edgeitems
        head = range(self.edgeitems) if cut else range(array.shape[0])
        tail = range(array.shape[0] - self.edgeitems, array.shape[0]) if cut else range(0)
        if array.ndim == 1:
            items = [self.element(v) for v in array[list(head)].tolist()]
            items += [" ..."] * cut + [self.element(v) for v in array[list(tail)].tolist()]
            per_line = max(1, (self.line_width - indent) // self.item_width)
            lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
            return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
        slices = [self.values(array[i], indent + 1) for i in head]
        slices += ["..."] * cut + [self.values(array[i], indent + 1) for i in tail]
        return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(slices) + "]"
