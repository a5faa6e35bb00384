"""``torch.signal.windows``: SciPy-style window functions, ``hann(M, sym=True)`` and its kin.

PyTorch's second family of windows, beside the top-level ``hann_window(window_length,
periodic=True)``: the flag is ``sym`` (``True``, the default, is the symmetric window of ``M``
points; ``False`` the periodic one, the symmetric window of ``M + 1`` points without its last),
every option is keyword-only, and ``dtype`` must be float32 or float64. Both families share one
implementation of the maths (:func:`tt_tensor.windows.window_values` and the value rules there).
Computed in float64 and cast. Cost: ``O(M)`` (``general_cosine``: ``O(M · len(a))``).

Example:
    >>> hann(5)
    tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .checks import check_count, check_number
from .dtypes import dtype_argument, float32, float64, get_default_dtype
from .memory_formats import strided
from .tensor import Tensor
from .windows import Values, cosine_sum, kaiser_values, triangle, window_values

__all__ = [
    "bartlett",
    "blackman",
    "cosine",
    "exponential",
    "gaussian",
    "general_cosine",
    "general_hamming",
    "hamming",
    "hann",
    "kaiser",
    "nuttall",
]


def _checks(name: str, M: int, dtype: object, layout: object) -> tuple[int, object]:  # noqa: N803
    """PyTorch's checks of every window, in its order (``M``, layout, dtype): ``M`` and the dtype."""
    M = check_count(name, "M", M, None)  # noqa: N806
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not strided:
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    chosen = get_default_dtype() if dtype is None else dtype_argument(name, dtype)
    if chosen not in (float32, float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {chosen}")
    return M, chosen


def _window(name: str, M: int, sym: bool, dtype: object, layout: object, values: Values) -> Tensor:  # noqa: N803
    """The window ``values`` after the checks, by the shared maths."""
    length, chosen = _checks(name, M, dtype, layout)
    return window_values(length, not sym, chosen, values)


def _positive(name: str, argument: str, value: object, message: str) -> float:
    value = check_number(name, argument, value)
    if not value > 0:
        raise ValueError(message.format(value))
    return value


def bartlett(M: int, *, sym: bool = True, dtype: object = None, layout: object = strided) -> Tensor:  # noqa: N803
    """The triangle ``1 - |2n / (M - 1) - 1|`` (``torch.signal.windows.bartlett``)."""
    return _window("bartlett", M, sym, dtype, layout, triangle)


def blackman(M: int, *, sym: bool = True, dtype: object = None, layout: object = strided) -> Tensor:  # noqa: N803
    """``0.42 - 0.5 cos(2πn / (M - 1)) + 0.08 cos(4πn / (M - 1))``."""
    return _window("blackman", M, sym, dtype, layout, cosine_sum(0.42, 0.5, 0.08))


def cosine(M: int, *, sym: bool = True, dtype: object = None, layout: object = strided) -> Tensor:  # noqa: N803
    """The sine arch ``sin(π (n + 0.5) / M)`` (SciPy's ``cosine`` window)."""
    return _window("cosine", M, sym, dtype, layout, lambda n, m: np.sin(np.pi * (n + 0.5) / m))


def exponential(
    M: int,  # noqa: N803
    *,
    center: float | None = None,
    tau: float = 1.0,
    sym: bool = True,
    dtype: object = None,
    layout: object = strided,
) -> Tensor:
    """The Poisson window ``exp(-|n - center| / tau)``; ``center`` defaults to the middle,
    ``(M - 1) / 2`` (``M / 2`` when ``sym=False``), and may be given only when ``sym=False``."""
    _checks("exponential", M, dtype, layout)
    tau = _positive("exponential", "tau", tau, "Tau must be positive, got: {} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if center is not None:
        center = check_number("exponential", "center", center)

    def values(n: np.ndarray, points: int) -> np.ndarray:
        middle = (points - 1) / 2 if center is None else center
        return np.exp(-np.abs(n - middle) / tau)

    window = _window("exponential", M, sym, dtype, layout, values)
    if len(window) == 1 and center is not None:  # the shared maths' length-1 window is [1.]
        return Tensor.from_array(values(np.zeros(1), 1).astype(window.dtype.numpy))
    return window


def gaussian(
    M: int,  # noqa: N803
    *,
    std: float = 1.0,
    sym: bool = True,
    dtype: object = None,
    layout: object = strided,
) -> Tensor:
    """``exp(-((n - (M - 1) / 2) / std)^2 / 2)``."""
    _checks("gaussian", M, dtype, layout)
    std = _positive("gaussian", "std", std, "Standard deviation must be positive, got: {} instead.")
    return _window(
        "gaussian", M, sym, dtype, layout, lambda n, m: np.exp(-0.5 * ((n - (m - 1) / 2) / std) ** 2)
    )


def kaiser(
    M: int,  # noqa: N803
    *,
    beta: float = 12.0,
    sym: bool = True,
    dtype: object = None,
    layout: object = strided,
) -> Tensor:
    """``I0(beta sqrt(1 - (2n / (M - 1) - 1)^2)) / I0(beta)``, ``beta >= 0``."""
    _checks("kaiser", M, dtype, layout)
    beta = check_number("kaiser", "beta", beta)
    if not beta >= 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    return _window("kaiser", M, sym, dtype, layout, kaiser_values(beta))


def general_cosine(
    M: int,  # noqa: N803
    *,
    a: Iterable[float],
    sym: bool = True,
    dtype: object = None,
    layout: object = strided,
) -> Tensor:
    """``a[0] - a[1] cos(2πn / (M - 1)) + a[2] cos(4πn / (M - 1)) - …``: the cosine-sum family."""
    _checks("general_cosine", M, dtype, layout)
    if not isinstance(a, Iterable) or isinstance(a, (str, bytes)):
        raise TypeError("Coefficients must be a list/tuple")
    coefficients = [check_number("general_cosine", "a", value) for value in a]
    if not coefficients:
        raise ValueError("Coefficients cannot be empty")
    return _window("general_cosine", M, sym, dtype, layout, cosine_sum(*coefficients))


def general_hamming(
    M: int,  # noqa: N803
    *,
    alpha: float = 0.54,
    sym: bool = True,
    dtype: object = None,
    layout: object = strided,
) -> Tensor:
    """``alpha - (1 - alpha) cos(2πn / (M - 1))``."""
    alpha = check_number("general_hamming", "alpha", alpha)
    return _window("general_hamming", M, sym, dtype, layout, cosine_sum(alpha, 1.0 - alpha))


def hamming(M: int, *, sym: bool = True, dtype: object = None, layout: object = strided) -> Tensor:  # noqa: N803
    """``0.54 - 0.46 cos(2πn / (M - 1))``."""
    return _window("hamming", M, sym, dtype, layout, cosine_sum(0.54, 0.46))


def hann(M: int, *, sym: bool = True, dtype: object = None, layout: object = strided) -> Tensor:  # noqa: N803
    """``0.5 - 0.5 cos(2πn / (M - 1))``."""
    return _window("hann", M, sym, dtype, layout, cosine_sum(0.5, 0.5))


def nuttall(M: int, *, sym: bool = True, dtype: object = None, layout: object = strided) -> Tensor:  # noqa: N803
    """The four-term minimum Blackman-Harris window (Nuttall's coefficients)."""
    return _window("nuttall", M, sym, dtype, layout, cosine_sum(0.3635819, 0.4891775, 0.1365995, 0.0106411))
