"""Modified Bessel functions: ``modified_bessel_k0``/``k1``, ``scaled_modified_bessel_k0``/``k1``
(``exp(x) K(x)``), and ``modified_bessel_i0``/``i1`` (the values of ``i0``/``i1``, without gradient).

Three expansions, one per range of ``x``, evaluated in float64 (float32 results are cast back);
every loop runs over terms or quadrature nodes, never over elements:

* ``x <= 1``: the power series, ``z = x^2 / 4``, ``H_k = 1 + 1/2 + ... + 1/k`` (20 terms):
  ``K0 = -(log(x/2) + gamma) I0(x) + sum_k>=1 H_k z^k / k!^2``,
  ``K1 = 1/x + log(x/2) I1(x) - x/4 sum_k>=0 (H_k + H_(k+1) - 2 gamma) z^k / (k! (k+1)!)``.
* ``1 < x < 25``: the integral ``exp(x) K_nu(x) = int_0^inf exp(-x (cosh t - 1)) cosh(nu t) dt`` by the
  trapezoidal rule with step 1/20 on ``[0, 7]`` (an analytic integrand that vanishes doubly
  exponentially: the rule's error is below 1e-17 of the value; ``x (cosh 7 - 1) > 540``).
* ``x >= 25``: the asymptotic expansion ``exp(x) K_nu(x) ~ sqrt(pi / (2x)) sum_k a_k / x^k``,
  ``a_k = prod_j<=k (4 nu^2 - (2j - 1)^2) / (k! 8^k)`` (40 terms, down to 1e-19 at ``x = 25``).

Edge values as PyTorch 2.13: ``inf`` at 0 (and ``-0.0``), NaN for ``x < 0``, 0 at ``inf``, for the
scaled forms too. ``modified_bessel_i0``/``i1`` are :mod:`.bessel_functions`' ``i0``/``i1`` kernels
(NaN at ``+-inf``, as PyTorch's ``modified_bessel_i0``).

No gradient: PyTorch defines no derivative for these (their outputs do not require grad), and
neither do we. (``i0``/``i1`` themselves are differentiable.)

Accuracy in float64, measured against mpmath on ``(0, 700]`` (and ``1e-300``): K 1.2e-15 relative,
the scaled forms 1.3e-15 relative (up to ``1e300``).
"""

from __future__ import annotations

import math

import numpy as np

from ._inputs import without_grad
from .bessel_functions import _bessel
from .bessel_j_y import _harmonic
from .gamma_functions import EULER_GAMMA

_SERIES_UP_TO = 1.0
_ASYMPTOTIC_FROM = 25.0
_SERIES_TERMS = 20
_STEP = 0.05
_NODES = 141  # t = 0, 0.05, ..., 7
_ASYMPTOTIC_TERMS = 40


def _series(order: int, x: np.ndarray) -> np.ndarray:
    """``K_order(x)`` by the power series, for ``0 < x <= 1``."""
    z = 0.25 * x * x
    total = np.zeros_like(x)
    for k in range(_SERIES_TERMS - 1, -1, -1):  # Horner in z
        if order == 0:
            total = total * z + _harmonic(k) / math.factorial(k) ** 2
        else:
            weight = _harmonic(k) + _harmonic(k + 1) - 2.0 * EULER_GAMMA
            total = total * z + weight / (math.factorial(k) * math.factorial(k + 1))
    log_half = np.log(0.5 * x)
    if order == 0:
        return -(log_half + EULER_GAMMA) * _bessel(0, x, scaled=False) + total
    return 1.0 / x + log_half * _bessel(1, x, scaled=False) - 0.25 * x * total


def _trapezoid(order: int, x: np.ndarray) -> np.ndarray:
    """``exp(x) K_order(x)`` by the trapezoidal rule on its integral, for ``1 < x < 25``."""
    total = np.full_like(x, 0.5)  # the node t = 0: half of exp(0) cosh(0)
    for node in range(1, _NODES):
        t = node * _STEP
        total += math.cosh(order * t) * np.exp(-x * (math.cosh(t) - 1.0))
    return _STEP * total


def _asymptotic_coefficients(order: int) -> tuple[float, ...]:
    coefficients, a = [], 1.0
    for k in range(_ASYMPTOTIC_TERMS):
        coefficients.append(a)
        a *= (4 * order * order - (2 * k + 1) ** 2) / ((k + 1) * 8)
    return tuple(coefficients)


_ASYMPTOTIC = (_asymptotic_coefficients(0), _asymptotic_coefficients(1))


def _asymptotic(order: int, x: np.ndarray) -> np.ndarray:
    """``exp(x) K_order(x)`` by the asymptotic expansion, for ``x >= 25``."""
    inverse = 1.0 / x
    total = np.zeros_like(x)
    for a in _ASYMPTOTIC[order][::-1]:
        total = total * inverse + a
    return np.sqrt(math.pi / 2.0 * inverse) * total


def _bessel_k(order: int, x: np.ndarray, scaled: bool) -> np.ndarray:
    """``K_order(x)``, times ``exp(x)`` if ``scaled``, with PyTorch's edge values."""
    near, middle_range = x <= _SERIES_UP_TO, (x > _SERIES_UP_TO) & (x < _ASYMPTOTIC_FROM)
    far = x >= _ASYMPTOTIC_FROM
    out = np.full_like(x, np.nan)
    series = _series(order, x[near & (x > 0.0)])
    out[near & (x > 0.0)] = series * np.exp(x[near & (x > 0.0)]) if scaled else series
    middle = _trapezoid(order, x[middle_range])
    out[middle_range] = middle if scaled else middle * np.exp(-x[middle_range])
    if scaled:
        out[far] = _asymptotic(order, x[far])
    else:  # exp(-x) as exp(-x/2)^2: no overflow of the sum times exp(-x) before it underflows
        half = np.exp(-0.5 * x[far])
        out[far] = _asymptotic(order, x[far]) * half * half
    out = np.where(x == np.inf, 0.0, out)
    return np.where(x == 0.0, np.inf, out)


def modified_bessel_k0(input):  # noqa: A002  (PyTorch's argument name)
    """The modified Bessel function of the second kind of order 0: ``inf`` at 0, NaN below; no gradient.

    Args:
        input: a tensor of any shape; integers promote to float32.

    Shape:
        input ``(*)``, output ``(*)``. Cost: 20 series, 140 quadrature or 40 asymptotic passes per range.

    Example:
        >>> import tt_autograd
        >>> modified_bessel_k0(tt_autograd.tensor([1.0, 10.0]))
        tensor([4.2102e-01, 1.7780e-05])
    """
    return without_grad("modified_bessel_k0", lambda v: _bessel_k(0, v, scaled=False), input)


def modified_bessel_k1(input):  # noqa: A002
    """The modified Bessel function of the second kind of order 1: ``inf`` at 0, NaN below; no gradient.

    Example:
        >>> import tt_autograd
        >>> modified_bessel_k1(tt_autograd.tensor([1.0]))
        tensor([0.6019])
    """
    return without_grad("modified_bessel_k1", lambda v: _bessel_k(1, v, scaled=False), input)


def scaled_modified_bessel_k0(input):  # noqa: A002
    """``exp(x) K0(x)``, finite for large ``x`` (``~ sqrt(pi / (2x))``); no gradient.

    Example:
        >>> import tt_autograd
        >>> scaled_modified_bessel_k0(tt_autograd.tensor([1.0, 1000.0]))
        tensor([1.1445, 0.0396])
    """
    return without_grad("scaled_modified_bessel_k0", lambda v: _bessel_k(0, v, scaled=True), input)


def scaled_modified_bessel_k1(input):  # noqa: A002
    """``exp(x) K1(x)``; no gradient.

    Example:
        >>> import tt_autograd
        >>> scaled_modified_bessel_k1(tt_autograd.tensor([1.0]))
        tensor([1.6362])
    """
    return without_grad("scaled_modified_bessel_k1", lambda v: _bessel_k(1, v, scaled=True), input)


def modified_bessel_i0(input):  # noqa: A002
    """``I0(x)``, the values of :func:`i0`, without gradient (as PyTorch's ``modified_bessel_i0``).

    Example:
        >>> import tt_autograd
        >>> modified_bessel_i0(tt_autograd.tensor([1.0]))
        tensor([1.2661])
    """
    return without_grad("modified_bessel_i0", lambda v: _bessel(0, v, scaled=False), input)


def modified_bessel_i1(input):  # noqa: A002
    """``I1(x)``, the values of :func:`i1`, without gradient (as PyTorch's ``modified_bessel_i1``).

    Example:
        >>> import tt_autograd
        >>> modified_bessel_i1(tt_autograd.tensor([1.0]))
        tensor([0.5652])
    """
    return without_grad("modified_bessel_i1", lambda v: _bessel(1, v, scaled=False), input)
