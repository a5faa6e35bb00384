"""Modified Bessel functions of the first kind: ``i0``, ``i1`` and their scaled forms ``i0e``, ``i1e``.

Two classical expansions, evaluated in float64 (float32 results are cast back):

* ``|x| < 30``: the power series ``I0(x) = sum z^k / (k!)^2`` and
  ``I1(x) = x/2 sum z^k / (k! (k+1)!)`` with ``z = x^2 / 4`` (60 terms, by Horner's rule).
  Every term is positive, so there is no cancellation: the sum is accurate to a few ulps.
* ``|x| >= 30``: Hankel's asymptotic series
  ``I_nu(x) ~ exp(x) / sqrt(2 pi x) * sum_k (-1)^k prod_j<=k (4 nu^2 - (2j - 1)^2) / (k! (8x)^k)``
  (20 terms, the last below 1e-19 at ``x = 30``). The factor ``exp(x)`` is applied as
  ``exp(x / 2)`` twice, so ``i0`` stays finite up to ``x ~ 713`` (``exp(x)`` alone overflows at 709.8).

``i0`` is even and ``i1`` odd. The scaled forms are ``i0e(x) = exp(-|x|) i0(x)`` and
``i1e(x) = exp(-|x|) i1(x)``, finite for every ``x`` (they are the asymptotic sum over
``sqrt(2 pi |x|)`` directly for large ``|x|``). At ``+-inf`` the scaled ones are 0, and ``i0`` and
``i1`` are NaN, as in PyTorch 2.13 (the limit is infinite, but both give NaN there).

Backward: ``i0' = i1``; ``i1' = i0 - i1 / x`` (``1/2`` at 0); ``i0e' = i1e - sign(x) i0e``;
``i1e' = i0e - i1e (sign(x) + 1 / x)`` (``1/2`` at 0). Accuracy in float64, measured against
mpmath on ``[-700, 700]``: 4e-16 relative.

Higher-order gradients (``create_graph=True``): each ``graph_backward`` is the same derivative
written with these functions themselves (``i0' = i1`` calls ``i1``), so it is differentiable to any
order, as PyTorch's. As there, ``sign(x)`` counts as a constant (the second derivative of ``i0e``
at 0 is ``i1e'(0) = 1/2``), and the value ``1/2`` of ``i1'`` and ``i1e'`` at ``x = 0`` is a
constant, so their higher derivatives are 0 there (right for ``i1''(0)``; the third derivative of
``i1`` at 0 is 3/8). Near 0 the second derivative of ``i1`` and ``i1e`` loses digits to the
cancellation in ``i1' / x - i1 / x^2``: about ``1e-16 / |x|`` absolute (6e-5 at ``x = 1e-12``), as
PyTorch's does (PyTorch takes ``|x| <= 2.2e-16`` as 0, and is off in the same way above that).
"""

from __future__ import annotations

import math

import numpy as np
from tt_autograd import Function

from ._inputs import float_input, in_float64

_ASYMPTOTIC_FROM = 30.0
_SERIES_TERMS = 60
_ASYMPTOTIC_TERMS = 20
_I0_SERIES = tuple(1.0 / math.factorial(k) ** 2 for k in range(_SERIES_TERMS))
_I1_SERIES = tuple(1.0 / (math.factorial(k) * math.factorial(k + 1)) for k in range(_SERIES_TERMS))


def _hankel_coefficients(order: int) -> tuple[float, ...]:
    """``(-1)^k prod_j<=k (4 nu^2 - (2j - 1)^2) / (k! 8^k)``, k = 0 .. 19, for ``nu = order``."""
    coefficients, c = [], 1.0
    for k in range(_ASYMPTOTIC_TERMS):
        coefficients.append(c)
        c *= -(4 * order * order - (2 * k + 1) ** 2) / ((k + 1) * 8)
    return tuple(coefficients)


_I0_HANKEL = _hankel_coefficients(0)
_I1_HANKEL = _hankel_coefficients(1)


def _horner(coefficients: tuple[float, ...], z: np.ndarray) -> np.ndarray:
    """``sum coefficients[k] z^k``."""
    total = np.full_like(z, coefficients[-1])
    for c in coefficients[-2::-1]:
        total *= z
        total += c
    return total


def _bessel(order: int, x: np.ndarray, scaled: bool) -> np.ndarray:
    """``I_order(x)`` (``order`` 0 or 1), times ``exp(-|x|)`` if ``scaled``."""
    y = np.abs(x)
    small = y < _ASYMPTOTIC_FROM
    near = np.where(small, y, 0.0)  # the series only where it is used (it overflows far out)
    z = 0.25 * near * near
    series = _horner(_I0_SERIES, z) if order == 0 else 0.5 * near * _horner(_I1_SERIES, z)
    if scaled:
        series *= np.exp(-near)
    far = np.where(small, _ASYMPTOTIC_FROM, y)
    hankel = _horner(_I0_HANKEL if order == 0 else _I1_HANKEL, 1.0 / far)
    hankel /= np.sqrt(2.0 * math.pi * far)
    if not scaled:  # times exp(far) as exp(far / 2)^2, finite on the way up to x ~ 713
        half = np.exp(0.5 * far)
        hankel *= half
        hankel *= half
    out = np.where(small, series, hankel)
    return out if order == 0 else np.copysign(out, x)


def _i1_over_x(x: np.ndarray, i1: np.ndarray) -> np.ndarray:
    """``i1(x) / x`` (or ``i1e(x) / x``), with its limit 1/2 at 0."""
    return np.where(x == 0.0, 0.5, i1 / np.where(x == 0.0, 1.0, x))


def _slope_off_zero(ctx, grad, slope):
    """``grad * slope(x, y, x with 1 at 0)`` (tensors joined to the graph) where ``x != 0``, ``grad / 2``
    at 0: the recorded rule of ``i1`` and ``i1e``, with no division by 0 in the graph."""
    x, y = ctx.saved_tensors
    off = np.asarray(x != 0.0)
    x_t = ctx.input_tensor(0, x)
    return (grad * slope(x_t, ctx.output_tensor(y), x_t.where(off, 1.0)).where(off, 0.5),)


class I0Function(Function):
    """``I0(x)``; backward ``I1(x)``."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(lambda v: _bessel(0, v, scaled=False), x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return (grad * in_float64(lambda v: _bessel(1, v, scaled=False), x),)

    @staticmethod
    def graph_backward(ctx, grad):  # backward on tensors (tt_autograd.higher_order), through i1 itself
        return (grad * i1(ctx.input_tensor(0, ctx.saved_tensors[0])),)


class I0eFunction(Function):
    """``exp(-|x|) I0(x)``; backward ``i1e(x) - sign(x) i0e(x)``."""

    @staticmethod
    def forward(ctx, x):
        y = in_float64(lambda v: _bessel(0, v, scaled=True), x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        i1e = in_float64(lambda v: _bessel(1, v, scaled=True), x)
        return (grad * (i1e - np.sign(x) * y),)

    @staticmethod
    def graph_backward(ctx, grad):  # sign(x) a constant, as PyTorch's sgn
        x, y = ctx.saved_tensors
        return (grad * (i1e(ctx.input_tensor(0, x)) - ctx.output_tensor(y) * np.sign(x)),)


class I1Function(Function):
    """``I1(x)``; backward ``I0(x) - I1(x) / x`` (1/2 at 0)."""

    @staticmethod
    def forward(ctx, x):
        y = in_float64(lambda v: _bessel(1, v, scaled=False), x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        i0 = in_float64(lambda v: _bessel(0, v, scaled=False), x)
        return (grad * (i0 - _i1_over_x(x, y)),)

    @staticmethod
    def graph_backward(ctx, grad):
        return _slope_off_zero(ctx, grad, lambda x, y, safe_x: i0(x) - y / safe_x)


class I1eFunction(Function):
    """``exp(-|x|) I1(x)``; backward ``i0e(x) - i1e(x) (sign(x) + 1 / x)`` (1/2 at 0)."""

    @staticmethod
    def forward(ctx, x):
        y = in_float64(lambda v: _bessel(1, v, scaled=True), x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        i0e = in_float64(lambda v: _bessel(0, v, scaled=True), x)
        return (grad * (i0e - np.sign(x) * y - _i1_over_x(x, y)),)

    @staticmethod
    def graph_backward(ctx, grad):
        sign = np.sign(ctx.saved_tensors[0])
        return _slope_off_zero(ctx, grad, lambda x, y, safe_x: i0e(x) - y * sign - y / safe_x)


def i0(input):  # noqa: A002  (PyTorch's argument name)
    """The modified Bessel function of the first kind, order 0, element-wise; integers promote to float32.

    Args:
        input: a tensor of any shape.

    Shape:
        input ``(*)``, output ``(*)``. Cost: ~90 passes in float64 (both expansions, one kept).

    Example:
        >>> i0(tt_autograd.tensor([0.0, 1.0]))  # doctest: +SKIP
        tensor([1.0000, 1.2661])
    """
    return I0Function.apply(float_input("i0", input))


def i0e(input):  # noqa: A002
    """``exp(-|x|) * i0(x)``, finite for every ``x`` (``i0e(x) ~ 1 / sqrt(2 pi |x|)``).

    Example:
        >>> i0e(tt_autograd.tensor([0.0, 1000.0]))  # doctest: +SKIP
        tensor([1.0000, 0.0126])
    """
    return I0eFunction.apply(float_input("i0e", input))


def i1(input):  # noqa: A002
    """The modified Bessel function of the first kind, order 1 (odd), element-wise.

    Example:
        >>> i1(tt_autograd.tensor([0.0, 1.0]))  # doctest: +SKIP
        tensor([0.0000, 0.5652])
    """
    return I1Function.apply(float_input("i1", input))


def i1e(input):  # noqa: A002
    """``exp(-|x|) * i1(x)``, finite for every ``x``.

    Example:
        >>> i1e(tt_autograd.tensor([1.0, -1000.0]))  # doctest: +SKIP
        tensor([ 0.2079, -0.0126])
    """
    return I1eFunction.apply(float_input("i1e", input))
