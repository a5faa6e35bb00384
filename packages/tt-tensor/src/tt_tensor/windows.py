"""Window functions for spectral analysis, as ``torch.hann_window`` and its kin.

Each returns a 1-d float tensor of ``window_length`` values. ``periodic=True`` (PyTorch's
default) gives the window for a length-``N`` FFT frame: the symmetric window of ``N + 1``
points without its last one; ``periodic=False`` the symmetric window of ``N`` points. A
length 1 window is ``[1.]``, length 0 is empty. Computed in float64 and cast to ``dtype``
(default: the default float dtype). Cost: ``O(N)``.

Example:
    >>> hann_window(4)
    tensor([0.0000, 0.5000, 1.0000, 0.5000])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .checks import check_count, check_number
from .dtypes import dtype_argument, get_default_dtype
from .tensor import Tensor

__all__ = ["bartlett_window", "blackman_window", "hamming_window", "hann_window", "kaiser_window"]

#: ``values(n, M)``: a symmetric window's values at the points ``n`` of ``M``.
Values = Callable[[np.ndarray, int], np.ndarray]


def _window(name: str, length: int, periodic: bool, dtype: object, values: Values) -> Tensor:
    """``values(n, M)`` at ``n = 0 … M-1``, ``M`` the symmetric length, as a tensor of ``dtype``."""
    length = check_count(name, "window_length", length, 0)
    chosen = get_default_dtype() if dtype is None else dtype_argument(name, dtype)
    if not chosen.is_floating_point:
        raise ValueError(f"{name}: dtype must be a floating point type, got {chosen!r}")
    return window_values(length, periodic, chosen, values)


def window_values(length: int, periodic: bool, dtype: object, values: Values) -> Tensor:
    """The shared maths of every window here and in :mod:`tt_tensor.signal_windows`: ``values(n, M)``
    at ``n = 0 … length-1`` of the symmetric window of ``M`` points, ``M = length + 1`` if ``periodic``
    (a length-``N`` FFT frame's window) else ``length``; lengths 0 and 1 give ``[]`` and ``[1.]``."""
    if length <= 1:
        return Tensor.from_array(np.ones(length, dtype.numpy))
    points = length + 1 if periodic else length
    window = values(np.arange(points, dtype=np.float64), points)
    return Tensor.from_array(window[:length].astype(dtype.numpy))


def cosine_sum(*coefficients: float) -> Values:
    """``a0 - a1 cos(2πn/(M-1)) + a2 cos(4πn/(M-1)) - …``: the Hann, Hamming and Blackman windows."""

    def values(n: np.ndarray, points: int) -> np.ndarray:
        phase = 2 * np.pi * n / (points - 1)
        return sum((-1) ** k * a * np.cos(k * phase) for k, a in enumerate(coefficients))

    return values


def triangle(n: np.ndarray, points: int) -> np.ndarray:
    """The Bartlett window's values ``1 - |2n / (M - 1) - 1|``."""
    return 1 - np.abs(2 * n / (points - 1) - 1)


def kaiser_values(beta: float) -> Values:
    """``I0(beta sqrt(1 - (2n / (M - 1) - 1)^2)) / I0(beta)``: NumPy's ``kaiser``."""
    return lambda n, points: np.kaiser(points, beta)


def hann_window(window_length: int, periodic: bool = True, *, dtype: object = None) -> Tensor:
    """``0.5 - 0.5 cos(2πn / (M - 1))``."""
    return _window("hann_window", window_length, periodic, dtype, cosine_sum(0.5, 0.5))


def hamming_window(
    window_length: int,
    periodic: bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype: object = None,
) -> Tensor:
    """``alpha - beta cos(2πn / (M - 1))``."""
    alpha, beta = check_number("hamming_window", "alpha", alpha), check_number("hamming_window", "beta", beta)
    return _window("hamming_window", window_length, periodic, dtype, cosine_sum(alpha, beta))


def blackman_window(window_length: int, periodic: bool = True, *, dtype: object = None) -> Tensor:
    """``0.42 - 0.5 cos(2πn / (M - 1)) + 0.08 cos(4πn / (M - 1))``."""
    return _window("blackman_window", window_length, periodic, dtype, cosine_sum(0.42, 0.5, 0.08))


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: object = None) -> Tensor:
    """The triangle ``1 - |2n / (M - 1) - 1|``."""
    return _window("bartlett_window", window_length, periodic, dtype, triangle)


def kaiser_window(
    window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype: object = None
) -> Tensor:
    """``I0(beta sqrt(1 - (2n / (M - 1) - 1)^2)) / I0(beta)`` (``I0``: the modified Bessel function)."""
    beta = check_number("kaiser_window", "beta", beta)
    return _window("kaiser_window", window_length, periodic, dtype, kaiser_values(beta))
