"""Bessel functions of the first and second kind: ``bessel_j0``, ``bessel_j1``, ``bessel_y0``, ``bessel_y1``,
and ``spherical_bessel_j0``.

Three classical expansions, one per range of ``|x|``, evaluated in float64 (float32 results are
cast back); every loop runs over terms or recurrence steps, never over elements:

* ``|x| < 2``: the power series, ``z = x^2 / 4``, ``H_k = 1 + 1/2 + ... + 1/k`` (20 terms):
  ``J0 = sum (-z)^k / k!^2``, ``J1 = x/2 sum (-z)^k / (k! (k+1)!)``,
  ``Y0 = 2/pi (log(x/2) + gamma) J0 + 2/pi sum (-1)^(k+1) H_k z^k / k!^2``,
  ``Y1 = -2/(pi x) + 2/pi log(x/2) J1 - x/(2 pi) sum (H_k + H_(k+1) - 2 gamma) (-z)^k / (k! (k+1)!)``.
* ``2 <= |x| < 25``: Miller's backward recurrence ``J_(n-1) = (2n / x) J_n - J_(n+1)`` from ``n = 80``
  (stable downwards), normalised by ``J0 + 2 (J2 + J4 + ...) = 1``; the same pass sums Neumann's
  series ``Y0 = 2/pi (log(x/2) + gamma) J0 - 4/pi sum_k>=1 (-1)^k J_2k / k`` and its derivative
  ``Y1 = -Y0' = -2/(pi x) J0 + 2/pi (log(x/2) + gamma) J1 + 2/pi sum_k>=1 (-1)^k (J_(2k-1) - J_(2k+1)) / k``.
* ``|x| >= 25``: Hankel's asymptotic expansion ``J_nu = sqrt(2/(pi x)) (P cos(chi) - Q sin(chi))``,
  ``Y_nu = sqrt(2/(pi x)) (P sin(chi) + Q cos(chi))``, ``chi = x - (nu/2 + 1/4) pi``, with
  ``P = sum_k (-1)^k a_2k / x^2k``, ``Q = sum_k (-1)^k a_(2k+1) / x^(2k+1)``,
  ``a_k = prod_j<=k (4 nu^2 - (2j - 1)^2) / (k! 8^k)`` (terms down to 1e-19 at ``x = 25``).
  ``cos(chi)`` and ``sin(chi)`` come from ``cos(x)`` and ``sin(x)`` (exact argument reduction).

``J0`` is even and ``J1`` odd; ``Y0``, ``Y1`` are NaN for ``x < 0`` and ``-inf`` at 0 (``-0.0`` too), as
PyTorch 2.13, which gives NaN at ``+-inf`` for all four. ``spherical_bessel_j0(x) = sin(x) / x``, 1
at 0 and 0 at ``+-inf``, as PyTorch.

No gradient: PyTorch defines no derivative for these (their outputs do not require grad), and
neither do we: the result is a new tensor that does not require grad.

Accuracy in float64, measured against mpmath on ``[-1000, 1000]`` (and ``1e-300``, ``1e300``):
3e-16 of ``max(1, |value|)``, and relative 4e-16 for ``|x| < 2``. Next to a zero of the function
(``J0(2.4048...) = 0``) the error is absolute, as in Cephes; ``spherical_bessel_j0`` is 2 ulps.
"""

from __future__ import annotations

import math

import numpy as np

from ._inputs import without_grad
from .gamma_functions import EULER_GAMMA

_SERIES_BELOW = 2.0
_ASYMPTOTIC_FROM = 25.0
_SERIES_TERMS = 20
_MILLER_START = 80  # even: the normalisation sums J0 + 2 J2 + 2 J4 + ...
_ASYMPTOTIC_TERMS = 40
_RESCALE_ABOVE = 1e250


def _harmonic(k: int) -> float:
    return math.fsum(1.0 / j for j in range(1, k + 1))


# ----------------------------------------------------------------------------- |x| < 2
def _series(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(J0, J1, Y0, Y1)`` by the power series, for ``0 < x < 2``."""
    z = 0.25 * x * x
    j0, j1, y0_sum, y1_sum = (np.zeros_like(x) for _ in range(4))
    for k in range(_SERIES_TERMS - 1, -1, -1):  # Horner in z
        c0 = (-1) ** k / math.factorial(k) ** 2
        c1 = (-1) ** k / (math.factorial(k) * math.factorial(k + 1))
        j0 = j0 * z + c0
        j1 = j1 * z + c1
        y0_sum = y0_sum * z - c0 * _harmonic(k)
        y1_sum = y1_sum * z + c1 * (_harmonic(k) + _harmonic(k + 1) - 2.0 * EULER_GAMMA)
    j1 *= 0.5 * x
    log_half = np.log(0.5 * x)
    y0 = 2.0 / math.pi * ((log_half + EULER_GAMMA) * j0 + y0_sum)
    y1 = -2.0 / (math.pi * x) + 2.0 / math.pi * log_half * j1 - x / (2.0 * math.pi) * y1_sum
    return j0, j1, y0, y1


# ----------------------------------------------------------------------------- 2 <= |x| < 25
def _odd_weight(m: int) -> float:
    """The weight of ``J_m`` (``m`` odd) in ``sum_k>=1 (-1)^k (J_(2k-1) - J_(2k+1)) / k``."""
    if m == 1:
        return -1.0
    return (-1) ** ((m + 1) // 2) * 4.0 * m / (m * m - 1)


def _miller(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(J0, J1, Y0, Y1)`` by Miller's backward recurrence, for ``x >= 2`` (and below 25)."""
    above, current = np.zeros_like(x), np.ones_like(x)  # unnormalised J_(n+1), J_n
    norm, y0_sum, y1_sum = np.zeros_like(x), np.zeros_like(x), np.zeros_like(x)
    for n in range(_MILLER_START, 0, -1):
        if n % 2 == 0:
            norm += 2.0 * current
            y0_sum += (-1) ** (n // 2) / (n // 2) * current
        else:
            y1_sum += _odd_weight(n) * current
        below = (2.0 * n / x) * current - above
        scale = np.where(np.abs(below) > _RESCALE_ABOVE, 1.0 / _RESCALE_ABOVE, 1.0)
        above, current = current * scale, below * scale
        norm *= scale
        y0_sum *= scale
        y1_sum *= scale
    norm += current  # + J0
    j0, j1 = current / norm, above / norm
    log_term = 2.0 / math.pi * (np.log(0.5 * x) + EULER_GAMMA)
    y0 = log_term * j0 - 4.0 / math.pi * y0_sum / norm
    y1 = -2.0 / (math.pi * x) * j0 + log_term * j1 + 2.0 / math.pi * y1_sum / norm
    return j0, j1, y0, y1


# ----------------------------------------------------------------------------- |x| >= 25
def _hankel_coefficients(order: int) -> tuple[float, ...]:
    """``a_k = prod_j<=k (4 nu^2 - (2j - 1)^2) / (k! 8^k)``, k = 0 .. 39, for ``nu = order``."""
    coefficients, a = [], 1.0
    for k in range(_ASYMPTOTIC_TERMS):
        coefficients.append(a)
        a *= (4 * order * order - (2 * k + 1) ** 2) / ((k + 1) * 8)
    return tuple(coefficients)


_HANKEL = (_hankel_coefficients(0), _hankel_coefficients(1))


def _asymptotic(order: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(J_order, Y_order)`` by Hankel's expansion, for ``x >= 25``."""
    coefficients = _HANKEL[order]
    inverse = 1.0 / x
    p, q = np.zeros_like(x), np.zeros_like(x)
    for k in range(_ASYMPTOTIC_TERMS - 1, -1, -1):  # Horner in 1/x, a_k (-1)^(k // 2) into P or Q
        term = coefficients[k] * (-1) ** (k // 2)
        if k % 2 == 0:
            p = p * inverse * inverse + term
        else:
            q = q * inverse * inverse + term
    q *= inverse
    cosine, sine = np.cos(x), np.sin(x)
    if order == 0:  # chi = x - pi/4
        cos_chi, sin_chi = (cosine + sine) / math.sqrt(2.0), (sine - cosine) / math.sqrt(2.0)
    else:  # chi = x - 3 pi/4
        cos_chi, sin_chi = (sine - cosine) / math.sqrt(2.0), -(sine + cosine) / math.sqrt(2.0)
    amplitude = np.sqrt(2.0 / (math.pi * x))
    return amplitude * (p * cos_chi - q * sin_chi), amplitude * (p * sin_chi + q * cos_chi)


# ----------------------------------------------------------------------------- the kernels
def _j_and_y(order: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(J_order(|x|), Y_order(|x|))`` on a float64 array, each range by its expansion."""
    y = np.abs(x)
    small, far = y < _SERIES_BELOW, y >= _ASYMPTOTIC_FROM
    middle = ~small & ~far
    j, second = np.full_like(y, np.nan), np.full_like(y, np.nan)
    series = _series(y[small])
    miller = _miller(y[middle])
    j[small], second[small] = series[order], series[2 + order]
    j[middle], second[middle] = miller[order], miller[2 + order]
    j[far], second[far] = _asymptotic(order, y[far])
    return j, second


def _bessel_j(order: int, x: np.ndarray) -> np.ndarray:
    j = _j_and_y(order, x)[0]
    j = np.where(x == 0.0, 1.0 - order, j)
    return j if order == 0 else np.where(np.signbit(x), -j, j)  # J1 is odd (and -0.0 at -0.0)


def _bessel_y(order: int, x: np.ndarray) -> np.ndarray:
    second = _j_and_y(order, x)[1]
    second = np.where(x < 0.0, np.nan, second)
    return np.where(x == 0.0, -np.inf, second)


def _spherical_j0(x: np.ndarray) -> np.ndarray:
    safe = np.where(x == 0.0, 1.0, x)
    value = np.where(x == 0.0, 1.0, np.sin(safe) / safe)
    return np.where(np.isinf(x), 0.0, value)


# ----------------------------------------------------------------------------- the functions
def bessel_j0(input):  # noqa: A002  (PyTorch's argument name)
    """The Bessel function of the first kind of order 0, element-wise (even); no gradient, as PyTorch.

    Args:
        input: a tensor of any shape; integers promote to float32.

    Shape:
        input ``(*)``, output ``(*)``. Cost: 20 series, 80 recurrence or 40 asymptotic passes per range.

    Example:
        >>> import tt_autograd
        >>> bessel_j0(tt_autograd.tensor([0.0, 1.0]))
        tensor([1.0000, 0.7652])
    """
    return without_grad("bessel_j0", lambda v: _bessel_j(0, v), input)


def bessel_j1(input):  # noqa: A002
    """The Bessel function of the first kind of order 1, element-wise (odd); no gradient.

    Example:
        >>> import tt_autograd
        >>> bessel_j1(tt_autograd.tensor([0.0, 1.0]))
        tensor([0.0000, 0.4401])
    """
    return without_grad("bessel_j1", lambda v: _bessel_j(1, v), input)


def bessel_y0(input):  # noqa: A002
    """The Bessel function of the second kind of order 0; ``-inf`` at 0, NaN for ``x < 0``; no gradient.

    Example:
        >>> import tt_autograd
        >>> bessel_y0(tt_autograd.tensor([1.0, 10.0]))
        tensor([0.0883, 0.0557])
    """
    return without_grad("bessel_y0", lambda v: _bessel_y(0, v), input)


def bessel_y1(input):  # noqa: A002
    """The Bessel function of the second kind of order 1; ``-inf`` at 0, NaN for ``x < 0``; no gradient.

    Example:
        >>> import tt_autograd
        >>> bessel_y1(tt_autograd.tensor([1.0, 10.0]))
        tensor([-0.7812,  0.2490])
    """
    return without_grad("bessel_y1", lambda v: _bessel_y(1, v), input)


def spherical_bessel_j0(input):  # noqa: A002
    """The spherical Bessel function ``j0(x) = sin(x) / x``: 1 at 0, 0 at ``+-inf``; no gradient.

    Example:
        >>> import tt_autograd
        >>> spherical_bessel_j0(tt_autograd.tensor([0.0, 1.0]))
        tensor([1.0000, 0.8415])
    """
    return without_grad("spherical_bessel_j0", _spherical_j0, input)
