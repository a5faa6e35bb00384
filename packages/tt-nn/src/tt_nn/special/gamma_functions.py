"""The gamma function family: ``lgamma``, ``digamma``, ``polygamma`` (with trigamma), ``mvlgamma``.

Written from the classical formulas, vectorised (loops run over series terms and
shift steps, never over elements), evaluated in float64 (float32 results are cast back):

* **shift, then an asymptotic series.** ``lgamma(x) = lgamma(x + N) - log(x (x+1) ... (x+N-1))``
  moves ``x`` to ``y = x + N >= 10``, where Stirling's series
  ``(y - 1/2) log y - y + log(2 pi) / 2 + sum B_2k / (2k (2k-1) y^(2k-1))`` (8 terms) is
  exact to float64. Likewise ``digamma(x) = digamma(y) - sum 1 / (x + k)`` with
  ``digamma(y) ~ log y - 1 / (2y) - sum B_2k / (2k y^2k)``, and for ``n >= 1``
  ``polygamma(n, x) = (-1)^(n+1) n! zeta(n + 1, x)``, Hurwitz's zeta shifted to
  ``y >= 10 + 2(n + 1)`` and finished by Euler-Maclaurin.
* **around the roots of lgamma** (``x = 1`` and ``x = 2``, where ``|lgamma| < 0.13``) the shift
  would cancel to an absolute error; on ``[1/2, 5/2)`` the series
  ``lgamma(1 + z) = -gamma z + sum_k>=2 (-1)^k zeta(k) z^k / k`` (52 terms, ``|z| <= 1/2``; with
  ``lgamma(2 + z) = lgamma(1 + z) + log1p(z)`` on the upper half) keeps the relative precision.
* **reflection for x < 0:** ``lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x)`` (PyTorch's
  ``lgamma`` is ``log|Gamma(x)|``), ``digamma(x) = digamma(1 - x) - pi cot(pi x)``, and its
  n-th derivative ``polygamma(n, x) = (-1)^n polygamma(n, 1 - x) - pi^(n+1) P_n(cot(pi x))``
  with ``P_0(c) = c``, ``P_(k+1)(c) = -(1 + c^2) P_k'(c)``. ``sin(pi x)`` and ``cos(pi x)`` are
  taken after reducing ``x`` exactly to ``[-1/2, 1/2]``, so they stay accurate near integers.

Poles (``x = 0, -1, -2, ...``): ``lgamma`` gives ``inf``; ``digamma`` gives ``-inf`` at ``+0``,
``inf`` at ``-0``, NaN at negative integers; ``polygamma(n, .)`` gives ``(-1)^(n+1) inf``. All
as PyTorch 2.13, except two rounding artefacts of PyTorch that we do not copy:
``polygamma(1, -k)`` (and so ``digamma``'s gradient) is ``inf`` here, ``6.6e32 / k^2`` there
(``pi^2 / sin(pi x)^2`` with ``sin(-pi) = -1.2e-16``); ``polygamma(n >= 2, inf)`` is 0 here and NaN
there (and ``polygamma(n >= 2, -inf)`` NaN here, ``+-inf`` there).

Backward: ``lgamma' = digamma``, ``digamma' = polygamma(1, .)``,
``polygamma(n, .)' = polygamma(n + 1, .)``, recorded with those functions themselves under
``create_graph=True``, so every order is there (the poles' values above carry over to it).
Accuracy in float64, measured against mpmath on ``[-50, 1000]`` (see the tests): ``lgamma``
1.6e-14 relative for ``x > 0`` (its roots included); ``lgamma`` for ``x < 0`` and ``digamma``
4e-15 of ``max(1, |value|)`` (next to a zero the value is the difference of two O(1) terms:
``lgamma(-2.5) = -0.0562...`` is 5e-14 relative off); ``polygamma`` 1e-15 relative for ``x > 0``,
and for ``x < 0`` 1e-14 (``n <= 3``) to 3e-13 (``n = 6``) of ``max(1, |value|)`` (the cotangent
polynomial cancels near half-integers).
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd
from tt_autograd import Function

from ._inputs import float_input, in_float64

EULER_GAMMA = 0.57721566490153286061
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
#: Bernoulli numbers B_2, B_4, ..., B_20.
BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798,
             -174611 / 330)  # fmt: skip
_SHIFT_TO = 10.0
_SERIES_TERMS = 52  # zeta(2) .. zeta(53): |z|^k / k < 2e-17 for |z| <= 1/2


# ----------------------------------------------------------------------------- helpers
def _sinpi_cospi(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sin(pi x)`` and ``cos(pi x)``, accurate near integers (``x`` reduced exactly first)."""
    r = x - 2.0 * np.round(0.5 * x)  # in [-1, 1], exact
    flip = np.abs(r) > 0.5
    t = np.where(flip, np.copysign(1.0, r) - r, r)  # in [-1/2, 1/2]: sin(pi t) = sin(pi r)
    cosine = np.where(np.abs(t) == 0.5, 0.0, np.cos(math.pi * t))  # cos(pi / 2) is 6e-17 in floats
    return np.sin(math.pi * t), np.where(flip, -cosine, cosine)


def _is_pole(x: np.ndarray) -> np.ndarray:
    """``x`` is ``0, -1, -2, ...`` (or ``-inf``)."""
    return (x <= 0.0) & (x == np.floor(x))


def _shift(x: np.ndarray, up_to: float, term) -> tuple[np.ndarray, np.ndarray]:
    """``(y, sum of term(x + k) for k = 0 .. N-1)`` with ``y = x + N`` the first ``>= up_to``.

    One vectorised pass per step; at most ``up_to - min(x)`` steps (callers pass ``x > 0``).
    """
    y = x.copy()
    total = np.zeros_like(x)
    below = y < up_to
    while below.any():
        total += np.where(below, term(np.where(below, y, 1.0)), 0.0)
        y += below
        below = y < up_to
    return y, total


def _hurwitz_zeta(s: int, x: np.ndarray) -> np.ndarray:
    """``zeta(s, x) = sum_k>=0 (x + k)^-s`` for an integer ``s >= 2`` and ``x > 0``."""
    y, head = _shift(x, _SHIFT_TO + 2 * s, lambda v: v**-s)
    # Euler-Maclaurin tail: y^(1-s)/(s-1) + y^-s/2 + sum B_2j/(2j)! s(s+1)...(s+2j-2) y^(-s-2j+1)
    tail = y ** (1 - s) / (s - 1) + 0.5 * y**-s
    power = y**-s / y  # y^(-s-1)
    rising = float(s)  # s (s+1) ... (s + 2j - 2)
    factorial = 2.0  # (2j)!
    inverse_y2 = 1.0 / (y * y)
    for j, bernoulli in enumerate(BERNOULLI, start=1):
        tail += (bernoulli / factorial * rising) * power
        rising *= (s + 2 * j - 1) * (s + 2 * j)
        factorial *= (2 * j + 1) * (2 * j + 2)
        power = power * inverse_y2
    return head + tail


#: zeta(2), zeta(3), ..., zeta(53), for lgamma's series about 1.
_ZETA = tuple(float(_hurwitz_zeta(k, np.array(1.0))) for k in range(2, _SERIES_TERMS + 2))


def _cot_derivative_polynomial(n: int) -> np.ndarray:
    """Coefficients (highest first) of ``P_n`` with ``d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x))``."""
    polynomial = np.array([1.0, 0.0])  # P_0(c) = c
    for _ in range(n):
        polynomial = -np.polymul([1.0, 0.0, 1.0], np.polyder(polynomial))
    return polynomial


# ----------------------------------------------------------------------------- NumPy kernels
def _lgamma_positive(x: np.ndarray) -> np.ndarray:
    """``lgamma(x)`` for ``x > 0``."""
    y, log_product = _shift(x, _SHIFT_TO, np.log)
    inverse_y2 = 1.0 / (y * y)
    series = np.zeros_like(y)
    for k in range(len(BERNOULLI) - 2, 0, -1):  # Horner in 1/y^2, B_2k / (2k (2k - 1)) for k = 8 .. 1
        series = (series + BERNOULLI[k - 1] / (2 * k * (2 * k - 1))) * inverse_y2
    stirling = (y - 0.5) * np.log(y) - y + HALF_LOG_2PI + series * y
    shifted = stirling - log_product
    # on [1/2, 5/2), around the roots x = 1 and x = 2: the series about 1 (z = x - 1 or x - 2)
    near_two = x >= 1.5
    z = np.where(near_two, x - 2.0, x - 1.0)
    about_one = np.zeros_like(z)
    for k in range(_SERIES_TERMS + 1, 1, -1):  # Horner: sum_k (-1)^k zeta(k) / k z^k, k = 53 .. 2
        about_one = (about_one + (-1) ** k * _ZETA[k - 2] / k) * z
    about_one = (about_one - EULER_GAMMA) * z
    about_one += np.where(near_two, np.log1p(z), 0.0)
    near_roots = (x >= 0.5) & (x < 2.5)
    return np.where(near_roots, about_one, np.where(x == np.inf, np.inf, shifted))


def _lgamma(x: np.ndarray) -> np.ndarray:
    negative = x < 0.0
    sine, _ = _sinpi_cospi(x)
    positive = _lgamma_positive(np.where(negative, 1.0 - x, x))
    reflected = np.log(math.pi / np.abs(sine)) - positive
    return np.where(_is_pole(x), np.inf, np.where(negative, reflected, positive))


def _digamma_positive(x: np.ndarray) -> np.ndarray:
    """``digamma(x)`` for ``x > 0`` (and ``-inf``/``inf`` at ``+0``/``-0``)."""
    y, reciprocal_sum = _shift(x, _SHIFT_TO, np.reciprocal)
    inverse_y2 = 1.0 / (y * y)
    series = np.zeros_like(y)
    for k in range(len(BERNOULLI) - 2, 0, -1):  # Horner in 1/y^2: B_2k / (2k) for k = 8 .. 1
        series = (series + BERNOULLI[k - 1] / (2 * k)) * inverse_y2
    return np.log(y) - 0.5 / y - series - reciprocal_sum


def _digamma(x: np.ndarray) -> np.ndarray:
    negative = x < 0.0
    sine, cosine = _sinpi_cospi(x)
    positive = _digamma_positive(np.where(negative, 1.0 - x, x))
    reflected = positive - math.pi * cosine / sine
    out = np.where(negative, reflected, positive)
    return np.where(negative & _is_pole(x), np.nan, out)  # 0 gives -inf, -0.0 gives inf: PyTorch's


def _polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """``polygamma(n, x)`` for ``n >= 1``."""
    negative = x < 0.0
    sign = (-1.0) ** (n + 1)
    positive = sign * math.factorial(n) * _hurwitz_zeta(n + 1, np.where(negative, 1.0 - x, x))
    sine, cosine = _sinpi_cospi(x)
    cot_term = math.pi ** (n + 1) * np.polyval(_cot_derivative_polynomial(n), cosine / sine)
    reflected = (-1.0) ** n * positive - cot_term
    out = np.where(negative, reflected, positive)
    return np.where(_is_pole(x) & (x > -np.inf), sign * np.inf, out)


# ----------------------------------------------------------------------------- Functions
class LgammaFunction(Function):
    """``log|Gamma(x)|``; backward ``digamma(x)``."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(_lgamma, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return (grad * in_float64(_digamma, x),)

    @staticmethod
    def graph_backward(ctx, grad):  # backward on tensors (tt_autograd.higher_order), through digamma
        return (grad * digamma(ctx.input_tensor(0, ctx.saved_tensors[0])),)


class DigammaFunction(Function):
    """``digamma(x) = Gamma'(x) / Gamma(x)``; backward ``polygamma(1, x)``."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(_digamma, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return (grad * in_float64(lambda v: _polygamma(1, v), x),)

    @staticmethod
    def graph_backward(ctx, grad):
        return (grad * PolygammaFunction.apply(ctx.input_tensor(0, ctx.saved_tensors[0]), n=1),)


class PolygammaFunction(Function):
    """``polygamma(n, x)``, ``n >= 1``: the n-th derivative of digamma; backward ``polygamma(n + 1, x)``."""

    @staticmethod
    def forward(ctx, x, n):
        ctx.save_for_backward(x)
        ctx.n = n
        return in_float64(lambda v: _polygamma(n, v), x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return (grad * in_float64(lambda v: _polygamma(ctx.n + 1, v), x),)

    @staticmethod
    def graph_backward(ctx, grad):
        return (grad * PolygammaFunction.apply(ctx.input_tensor(0, ctx.saved_tensors[0]), n=ctx.n + 1),)


# ----------------------------------------------------------------------------- the functions
def lgamma(input):  # noqa: A002  (PyTorch's argument name)
    """``log|Gamma(x)|`` element-wise; ``inf`` at ``0, -1, -2, ...``; integers promote to float32.

    Args:
        input: a tensor of any shape.

    Shape:
        input ``(*)``, output ``(*)``. Cost: up to 10 shift passes and ~40 series passes, in float64.

    Example:
        >>> lgamma(tt_autograd.tensor([0.5, 1.0, 10.0]))  # doctest: +SKIP
        tensor([ 0.5724,  0.0000, 12.8018])
    """
    return LgammaFunction.apply(float_input("lgamma", input))


def digamma(input):  # noqa: A002
    """``d/dx log Gamma(x)`` element-wise; ``digamma(1) = -0.5772...`` (minus Euler's constant).

    Poles as PyTorch: ``-inf`` at ``0``, ``inf`` at ``-0.0``, NaN at ``-1, -2, ...``.

    Example:
        >>> digamma(tt_autograd.tensor([1.0, 0.5]))  # doctest: +SKIP
        tensor([-0.5772, -1.9635])
    """
    return DigammaFunction.apply(float_input("digamma", input))


def polygamma(n: int, input):  # noqa: A002
    """The ``n``-th derivative of digamma: ``polygamma(0, x) = digamma(x)``, ``polygamma(1, .)`` trigamma.

    Args:
        n: a non-negative integer.
        input: a tensor of any shape; integers promote to float32.

    Shape:
        input ``(*)``, output ``(*)``. Cost: ``10 + 2n`` shift passes at most (for ``x > 0``), ~50 more.

    Example:
        >>> polygamma(1, tt_autograd.tensor([1.0]))  # doctest: +SKIP
        tensor([1.6449])
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"polygamma: n must be an int, got {type(n).__name__} {n!r:.40}")
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n (got n={n}); n counts derivatives")
    x = float_input("polygamma", input)
    return DigammaFunction.apply(x) if n == 0 else PolygammaFunction.apply(x, n=n)


def mvlgamma(input, p: int):  # noqa: A002
    """The multivariate log-gamma ``p(p-1)/4 log(pi) + sum_j<p lgamma(x - j/2)``, element-wise.

    Composed: one ``lgamma`` node over a trailing axis of ``p`` shifted copies, then a sum.

    Args:
        input: a tensor of any shape.
        p: the dimension, an integer ``>= 1``.

    Example:
        >>> mvlgamma(tt_autograd.tensor([2.5]), p=2)  # doctest: +SKIP
        tensor([0.8570])
    """
    if isinstance(p, bool) or not isinstance(p, int):
        raise TypeError(f"mvlgamma: p must be an int, got {type(p).__name__} {p!r:.40}")
    if p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got p={p}")
    x = float_input("mvlgamma", input)
    halves = tt_autograd.Tensor.from_array(np.arange(p, dtype=x.dtype.numpy) / 2)  # 0, 1/2, ..., (p-1)/2
    constant = p * (p - 1) / 4 * math.log(math.pi)
    return lgamma(x.unsqueeze(-1) - halves).sum(-1) + constant
