"""The error function family: ``erf``, ``erfc``, ``erfinv``, ``erfcx``, ``ndtr``, ``ndtri``, ``log_ndtr``.

``erf`` and ``erfc`` themselves are module 03's (Cody's rational approximations in
:mod:`tt_nn.functional.erf`, written for exact GELU); this file makes them
differentiable and builds the rest on them, without a second ``erf``:

* ``erfinv(x)``: the ``y`` with ``erf(y) = x``. A closed-form first guess (Winitzki's
  ``sqrt(sqrt(b^2 - ln(1 - x^2) / a) - b)`` with ``a = 0.147``, ``b = 2 / (pi a) + ln(1 - x^2) / 2``,
  good to ~2e-3), then two Halley steps on ``erf(y) - x`` (each triples the number of
  correct digits). Beyond ``|x| = 0.5`` the step solves ``erfc(y) = 1 - |x|`` instead:
  ``1 - |x|`` is exact there and Cody's ``erfc`` keeps its relative precision, so ``y``
  stays accurate as ``|x| -> 1``. ``ndtri`` uses the same solver with ``q = 2p``, so
  ``ndtri(1e-300)`` is ``-37.047...`` and not ``-inf``.
* ``erfcx(x) = exp(x^2) erfc(x)``: ``exp(x^2)`` split as ``exp(r^2) exp((x - r)(x + r))``
  (``r`` = ``x`` rounded to 1/16) up to ``x = 26``, the asymptotic series
  ``1 / (x sqrt(pi)) * sum (-1)^k (2k-1)!! / (2 x^2)^k`` beyond (12 terms: < 1e-20 there).
* ``ndtr(x) = Phi(x)`` is module 03's ``normal_cdf``; ``log_ndtr(x)`` is
  ``log(erfcx(-x / sqrt 2) / 2) - x^2 / 2`` for ``x < 0`` (finite down to ``-1e154``) and
  ``log1p(-erfc(x / sqrt 2) / 2)`` otherwise.

Each is a fused ``Function`` whose backward is the analytic derivative
(``erf' = 2 / sqrt(pi) exp(-x^2)``, ``erfinv' = sqrt(pi) / 2 exp(erfinv(x)^2)``, ...).
``erf``/``erfc``/``ndtr`` evaluate float32 in float32 (module 03's kernels do); the
others evaluate in float64 and cast back. Accuracy in float64 (measured against
mpmath, see the tests): ``erfinv`` and ``ndtri`` 3e-16 relative, ``erfcx`` 4e-16,
``log_ndtr`` 1e-15.
"""

from __future__ import annotations

import math

import numpy as np
from tt_autograd import Function
from tt_autograd.forward_ad import symmetric_jvp

from ..functional.erf import erf as _cody_erf
from ..functional.erf import erfc as _cody_erfc
from ..functional.erf import normal_cdf
from ..functional.half_precision import through_float32
from ._inputs import float_input, in_float64

TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2.0
SQRT_2 = math.sqrt(2.0)
ONE_OVER_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_WINITZKI_A = 0.147
_ERFCX_ASYMPTOTIC_FROM = 26.0  # erfc(x) is still a normal float here; the series is exact to 1e-20
_ERFCX_TERMS = 12
_STEPS = 3


# ----------------------------------------------------------------------------- NumPy kernels
def _erfinv_positive(a: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``y >= 0`` with ``erf(y) = a`` and ``erfc(y) = q``, given both (``a + q = 1``, ``0 <= a < 1``).

    Callers pass ``q`` exactly where ``a >= 0.5`` and ``a`` exactly where ``a < 0.5``;
    each Halley step uses the one it has exactly.
    """
    log_1_minus_a2 = np.log(q * (1.0 + a))  # ln(1 - a^2), from q where a is near 1
    b = 2.0 / (math.pi * _WINITZKI_A) + 0.5 * log_1_minus_a2
    y = np.sqrt(np.sqrt(b * b - log_1_minus_a2 / _WINITZKI_A) - b)
    small = a < 0.5
    for _ in range(_STEPS):
        derivative = TWO_OVER_SQRT_PI * np.exp(-y * y)  # erf'(y) = -erfc'(y)
        erfc_y = _cody_erfc(y)
        # Newton on erf(y) = a near 0; on log(erfc(y)) = log(q) in the tail, where that is nearly
        # quadratic in y (erfc itself falls like exp(-y^2), and Newton on it crawls).
        step_small = (_cody_erf(y) - a) / derivative
        step_tail = -np.log(erfc_y / q) * erfc_y / derivative
        y = y - np.where(small, step_small, step_tail)
    return y


def _erfinv(x: np.ndarray) -> np.ndarray:
    a = np.abs(x)
    y = np.copysign(_erfinv_positive(a, 1.0 - a), x)
    y = np.where(a == 1.0, np.copysign(np.inf, x), y)
    return np.where(a > 1.0, np.nan, y)  # and NaN stays NaN


def _ndtri(p: np.ndarray) -> np.ndarray:
    # Phi(x) = erfc(-x / sqrt 2) / 2, so x = -sqrt(2) * y with erfc(y) = 2p (lower half, exact 2p)
    # and, by symmetry, x = +sqrt(2) * y with erfc(y) = 2 - 2p for the upper half.
    upper = p >= 0.5  # p = 0.5 gives +0.0, as PyTorch
    q = np.where(upper, 2.0 - 2.0 * p, 2.0 * p)
    y = _erfinv_positive(1.0 - q, q)
    x = np.where(upper, SQRT_2 * y, -SQRT_2 * y)
    x = np.where(p == 0.0, -np.inf, np.where(p == 1.0, np.inf, x))
    return np.where((p < 0.0) | (p > 1.0), np.nan, x)


def _erfcx(x: np.ndarray) -> np.ndarray:
    r = np.trunc(x * 16.0) / 16.0  # exp(x^2) without the rounding error of x * x, as module 03 does
    direct = _cody_erfc(x) * (np.exp(r * r) * np.exp((x - r) * (x + r)))
    inverse_2x2 = 0.5 / (x * x)
    series = np.ones_like(x)
    term = np.ones_like(x)
    for k in range(1, _ERFCX_TERMS):
        term = term * (-(2 * k - 1) * inverse_2x2)
        series += term
    asymptotic = series / (x * math.sqrt(math.pi))
    out = np.where(x >= _ERFCX_ASYMPTOTIC_FROM, asymptotic, direct)
    return np.where(x == -np.inf, np.inf, out)  # (the split of exp(x^2) gives inf - inf there)


def _log_ndtr(x: np.ndarray) -> np.ndarray:
    negative = np.log(0.5 * _erfcx(-x / SQRT_2)) - 0.5 * x * x
    positive = np.log1p(-0.5 * _cody_erfc(x / SQRT_2))
    return np.where(x < 0.0, negative, positive)


def _phi_over_ndtr(x: np.ndarray) -> np.ndarray:
    """``phi(x) / Phi(x)``, the derivative of ``log_ndtr``, finite for very negative ``x``."""
    tail = math.sqrt(2.0 / math.pi) / _erfcx(-x / SQRT_2)  # exp(-x^2/2) cancels between phi and Phi
    head = ONE_OVER_SQRT_2PI * np.exp(-0.5 * x * x) / normal_cdf(x)
    return np.where(x < 0.0, tail, head)


# ----------------------------------------------------------------------------- Functions
class ErfFunction(Function):
    """``erf(x)``; backward ``2 / sqrt(pi) * exp(-x^2)``."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _cody_erf(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return (grad * (TWO_OVER_SQRT_PI * np.exp(-x * x)),)

    @staticmethod
    def graph_backward(ctx, grad):  # backward on tensors (tt_autograd.higher_order)
        x = ctx.input_tensor(0, ctx.saved_tensors[0])
        return (grad * (-x * x).exp() * TWO_OVER_SQRT_PI,)

    jvp = staticmethod(symmetric_jvp)  # element-wise: a diagonal Jacobian


class ErfcFunction(Function):
    """``erfc(x) = 1 - erf(x)``; backward ``-2 / sqrt(pi) * exp(-x^2)``."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _cody_erfc(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return (grad * (-TWO_OVER_SQRT_PI * np.exp(-x * x)),)

    @staticmethod
    def graph_backward(ctx, grad):
        x = ctx.input_tensor(0, ctx.saved_tensors[0])
        return (grad * (-x * x).exp() * -TWO_OVER_SQRT_PI,)

    jvp = staticmethod(symmetric_jvp)  # element-wise: a diagonal Jacobian


class ErfinvFunction(Function):
    """``erfinv(x)``; backward ``sqrt(pi) / 2 * exp(y^2)`` with the saved output ``y``."""

    @staticmethod
    def forward(ctx, x):
        y = in_float64(_erfinv, x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return (grad * (SQRT_PI_OVER_2 * np.exp(y * y)),)

    @staticmethod
    def graph_backward(ctx, grad):
        y = ctx.output_tensor(ctx.saved_tensors[0])
        return (grad * (y * y).exp() * SQRT_PI_OVER_2,)

    jvp = staticmethod(symmetric_jvp)  # element-wise: a diagonal Jacobian


class ErfcxFunction(Function):
    """``erfcx(x) = exp(x^2) erfc(x)``; backward ``2 x erfcx(x) - 2 / sqrt(pi)``."""

    @staticmethod
    def forward(ctx, x):
        y = in_float64(_erfcx, x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return (grad * (2 * x * y - TWO_OVER_SQRT_PI),)

    @staticmethod
    def graph_backward(ctx, grad):
        x, y = ctx.saved_tensors
        return (grad * (ctx.input_tensor(0, x) * ctx.output_tensor(y) * 2.0 - TWO_OVER_SQRT_PI),)

    jvp = staticmethod(symmetric_jvp)  # element-wise: a diagonal Jacobian


class NdtrFunction(Function):
    """``Phi(x)``, the standard normal CDF; backward the density ``exp(-x^2 / 2) / sqrt(2 pi)``."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return normal_cdf(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return (grad * (ONE_OVER_SQRT_2PI * np.exp(-0.5 * x * x)),)

    @staticmethod
    def graph_backward(ctx, grad):
        x = ctx.input_tensor(0, ctx.saved_tensors[0])
        return (grad * (x * x * -0.5).exp() * ONE_OVER_SQRT_2PI,)

    jvp = staticmethod(symmetric_jvp)  # element-wise: a diagonal Jacobian


class NdtriFunction(Function):
    """``Phi^-1(p)``; backward ``sqrt(2 pi) * exp(y^2 / 2)`` with the saved output ``y``."""

    @staticmethod
    def forward(ctx, p):
        y = in_float64(_ndtri, p)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return (grad * (math.sqrt(2.0 * math.pi) * np.exp(0.5 * y * y)),)

    @staticmethod
    def graph_backward(ctx, grad):
        y = ctx.output_tensor(ctx.saved_tensors[0])
        return (grad * (y * y * 0.5).exp() * math.sqrt(2.0 * math.pi),)

    jvp = staticmethod(symmetric_jvp)  # element-wise: a diagonal Jacobian


class LogNdtrFunction(Function):
    """``log(Phi(x))``; backward ``phi(x) / Phi(x)``.

    Recorded (``create_graph=True``) as ``sqrt(2 / pi) / erfcx(-x / sqrt 2)`` for ``x < 0`` and
    ``phi(x) / ndtr(x)`` otherwise, each on its own side, so its derivative ``-g (g + x)``
    (``g`` the first derivative) is differentiable again. PyTorch records
    ``exp(-(log_ndtr(x) + x^2 / 2)) / sqrt(2 pi)``, which cancels in the lower tail: its second
    derivative is -7402.9 at ``x = -1e5`` and NaN at ``-1e10`` (it is -1 there). Ours cancels in
    ``g + x`` (through ``erfcx``'s derivative), less: about ``1e-16 x^2`` relative, so 2e-6 at -1e5.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return in_float64(_log_ndtr, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return (grad * in_float64(_phi_over_ndtr, x),)

    @staticmethod
    def graph_backward(ctx, grad):
        (x,) = ctx.saved_tensors
        x_t, lower = ctx.input_tensor(0, x), np.asarray(x < 0.0)
        tail = math.sqrt(2.0 / math.pi) / erfcx(-x_t.where(lower, 0.0) / SQRT_2)
        upper = x_t.where(np.asarray(~lower), 0.0)
        head = (upper * upper * -0.5).exp() * ONE_OVER_SQRT_2PI / ndtr(upper)
        return (grad * tail.where(lower, head),)

    jvp = staticmethod(symmetric_jvp)  # element-wise: a diagonal Jacobian


# ----------------------------------------------------------------------------- the functions
def erf(input):  # noqa: A002  (PyTorch's argument name)
    """The error function ``2 / sqrt(pi) * integral_0^x exp(-t^2) dt``, element-wise.

    Args:
        input: a tensor of any shape; integer tensors are promoted to float32.

    Shape:
        input ``(*)``, output ``(*)``. Cost: module 03's Cody kernel (~60 passes), one fused node.

    Example:
        >>> erf(tt_autograd.tensor([0.0, 0.5, -3.0]))  # doctest: +SKIP
        tensor([ 0.0000,  0.5205, -1.0000])
    """
    return through_float32(ErfFunction.apply, float_input("erf", input))


def erfc(input):  # noqa: A002
    """``1 - erf(x)``, accurate where it is tiny: ``erfc(10) = 2.09e-45``.

    Example:
        >>> erfc(tt_autograd.tensor([0.0, 10.0], dtype=tt_autograd.float64))  # doctest: +SKIP
        tensor([1.0000e+00, 2.0885e-45], dtype=tt.float64)
    """
    return through_float32(ErfcFunction.apply, float_input("erfc", input))


def erfinv(input):  # noqa: A002
    """The inverse error function: ``erfinv(erf(y)) = y``; ``erfinv(+-1) = +-inf``, NaN beyond.

    Args:
        input: a tensor of any shape, values in ``[-1, 1]``; integers are promoted to float32.

    Shape:
        input ``(*)``, output ``(*)``. Cost: two Halley steps, each an ``erf`` and an ``erfc``
        (~250 passes, in float64).

    Example:
        >>> erfinv(tt_autograd.tensor([0.0, 0.5, 1.0]))  # doctest: +SKIP
        tensor([0.0000, 0.4769,    inf])
    """
    return ErfinvFunction.apply(float_input("erfinv", input))


def erfcx(input):  # noqa: A002
    """The scaled complementary error function ``exp(x^2) * erfc(x)``, finite for large ``x``.

    ``erfcx(x) ~ 1 / (x sqrt(pi))`` as ``x -> inf``; it overflows to ``inf`` below ``x ~ -26.6``.

    Example:
        >>> erfcx(tt_autograd.tensor([0.0, 30.0]))  # doctest: +SKIP
        tensor([1.0000, 0.0188])
    """
    return ErfcxFunction.apply(float_input("erfcx", input))


def ndtr(input):  # noqa: A002
    """The standard normal CDF ``Phi(x) = (1 + erf(x / sqrt 2)) / 2`` (computed with ``erfc``).

    Example:
        >>> ndtr(tt_autograd.tensor([0.0, 1.0]))  # doctest: +SKIP
        tensor([0.5000, 0.8413])
    """
    return through_float32(NdtrFunction.apply, float_input("ndtr", input))


def ndtri(input):  # noqa: A002
    """The standard normal quantile ``Phi^-1(p)``: ``-inf`` at 0, ``inf`` at 1, NaN outside ``[0, 1]``.

    Example:
        >>> ndtri(tt_autograd.tensor([0.5, 0.975]))  # doctest: +SKIP
        tensor([0.0000, 1.9600])
    """
    return NdtriFunction.apply(float_input("ndtri", input))


def log_ndtr(input):  # noqa: A002
    """``log(Phi(x))``, finite far into the lower tail: ``log_ndtr(-40) = -804.6``.

    Example:
        >>> log_ndtr(tt_autograd.tensor([0.0, -40.0]))  # doctest: +SKIP
        tensor([  -0.6931, -804.6084])
    """
    return LogNdtrFunction.apply(float_input("log_ndtr", input))
