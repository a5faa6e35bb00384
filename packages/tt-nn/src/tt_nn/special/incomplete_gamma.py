"""The regularized incomplete gamma functions ``gammainc`` (``P(a, x)``) and ``gammaincc`` (``Q(a, x)``).

``P(a, x) = 1/Gamma(a) int_0^x t^(a-1) e^-t dt`` and ``Q = 1 - P``, for ``a >= 0``, ``x >= 0``.
Written from the classical expansions (as in Numerical Recipes and Cephes), vectorised: each
loop below runs over series terms or continued-fraction steps, on the elements not yet converged
(compressed to an index set), never over elements. Evaluated in float64, cast back to the
inputs' promoted float dtype.

* **x < a + 1: the series** ``P = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a+1)(a+2)...(a+n))``
  (positive terms, no cancellation), then ``Q = 1 - P``.
* **x >= a + 1: the continued fraction** ``Q = x^a e^-x / Gamma(a) * 1/(x+1-a- 1(1-a)/(x+3-a- ...))``
  by the modified Lentz algorithm, then ``P = 1 - Q``.
* Both are written once, in :func:`incomplete_gamma_expansion`, which also differentiates them in
  ``a`` term by term (forward mode) for :mod:`tt_nn.distributions.standard_gamma`'s implicit gradient.
* The prefactor ``x^a e^-x / Gamma(a)`` is ``exp(a log x - x - lgamma(a))``; for ``a >= 10`` it is
  written with Stirling's series as ``sqrt(a / 2 pi) exp(a (log1p(t) - t) - S(a))``,
  ``t = (x - a) / a``, which avoids the cancellation of the large terms ``a log x`` and ``lgamma(a)``.

Edge values, as PyTorch 2.13: NaN for ``a < 0``, ``x < 0``, NaN inputs, ``a = x = 0`` and
``a = x = inf``; ``P(0, x > 0) = 1``, ``P(a > 0, 0) = 0``, ``P(a, inf) = 1``, ``P(inf, x) = 0``.

Backward: ``dP/dx = x^(a-1) e^-x / Gamma(a)`` (``dQ/dx`` its negative; PyTorch's values at the
edges). The derivative with respect to ``a`` is not implemented in PyTorch either (it has no
closed form): backward raises a ``NotImplementedError`` if ``a`` requires grad; detach it.
``create_graph=True`` records ``dP/dx`` (same values) as a function of ``x``, differentiable
again to any order, and raises for ``a`` as backward does.

Accuracy in float64, measured against mpmath for ``a`` in ``[1e-3, 1e4]``, ``x`` in ``[1e-4, 2e4]``:
relative error below ``2e-14 (1 + |log v|)`` for a value ``v`` (a value ``e^-200`` carries an
exponent whose rounding alone is ``200 * 1.1e-16``), except where ``v`` is the complement ``1 - Q``
or ``1 - P`` of a value near 1 (then ``1e-16`` absolute). At ``a = 50, x = 49`` PyTorch 2.13 is
5e-10 off (0.46210439334 instead of mpmath's 0.46210439360), and ``Q(1e-300, 1)`` is 8e-301 there
instead of ``1e-300 E1(1) = 2.19e-301``: we do not copy either. The iterations grow like
``sqrt(a)``: for ``a`` beyond ~1e6 an asymptotic method (Temme's) would be needed.
"""

from __future__ import annotations

import numpy as np
import tt_autograd
from tt_autograd import Function, unbroadcast
from tt_autograd.higher_order import sum_to

from ..functional._checks import tensor_arg
from ._inputs import float_input
from .gamma_functions import BERNOULLI, HALF_LOG_2PI, _lgamma

_EPSILON = 1e-16  # relative size of the last series term / continued-fraction step kept
_SLOPE_EPSILON = 1e-15  # the same when the derivative is carried (also for it): 1e-16 would cost 8% more
# time for nothing measurable (the a-derivative's users lose ~1e-13 to rounding elsewhere)
_MAX_STEPS = 20_000  # enough for a up to ~1e6 (steps grow like 8 sqrt(a)); a multiple of _CHECK_EVERY
_CHECK_EVERY = 4  # steps between convergence tests (a test costs as much as a step)
_STIRLING_FROM = 10.0


def _log_prefactor(a: np.ndarray, x: np.ndarray, plus_one: np.ndarray | bool = False) -> np.ndarray:
    """``log(x^a e^-x / Gamma(a))`` (``/ Gamma(a + 1)`` where ``plus_one``) for ``a > 0``, ``x > 0``."""
    # lgamma(a + 1) is accurate for small a, where lgamma(a) ~ -log(a) is not
    plain = a * np.log(x) - x - _lgamma(np.where(plus_one, a + 1.0, a))
    big = np.where(a >= _STIRLING_FROM, a, _STIRLING_FROM)
    t = (x - big) / big
    inverse_a2 = 1.0 / (big * big)
    stirling_tail = np.zeros_like(big)  # S(a) = sum B_2k / (2k (2k - 1) a^(2k - 1)), k = 8 .. 1
    for k in range(len(BERNOULLI) - 2, 0, -1):
        stirling_tail = (stirling_tail + BERNOULLI[k - 1] / (2 * k * (2 * k - 1))) * inverse_a2
    stirling_tail *= big
    log_ratio = np.where(np.abs(t) < 0.5, np.log1p(t), np.log(x / big))  # log(x / a), accurate both ways
    log_big = np.log(big)
    stirling = big * (log_ratio - t) + 0.5 * log_big - HALF_LOG_2PI - stirling_tail - plus_one * log_big
    return np.where(a >= _STIRLING_FROM, stirling, plain)


def _series_step(k: int, check: bool, slopes: bool, total, slope, term, term_slope, denominator, x):
    """Add the term ``x^k / ((a+1)...(a+k))`` (and, if ``slopes``, its ``a``-derivative) in place; if
    ``check``, return where done."""
    denominator += 1.0
    ratio = x / denominator
    if slopes:  # (t_k)' = ratio ((t_(k-1))' - t_(k-1) / (a + k)): every term's derivative is <= 0
        term_slope -= term / denominator
        term_slope *= ratio
        slope += term_slope
    term *= ratio
    total += term
    if check:
        eps = _SLOPE_EPSILON if slopes else _EPSILON
        return (term <= eps * total) & (term_slope >= eps * slope)
    return None


def _fraction_step(k: int, check: bool, slopes: bool, fraction, slope, c, c_slope, d, d_slope, b, a):
    """One modified-Lentz step, ``a_k = -k (k - a)``, ``b_k = x + 1 - a + 2k`` (``a_k' = k``, ``b_k' = -1``),
    in place, as :func:`_series_step`."""
    numerator = -k * (k - a)
    b += 2.0
    denominator = numerator * d + b
    if slopes:  # derivatives of d = 1 / (b + a_k d) and c = b + a_k / c, from the previous d, c
        d_slope[...] = -(k * d + numerator * d_slope - 1.0) / denominator**2
        c_slope[...] = (k - numerator * c_slope / c) / c - 1.0
    d[...] = 1.0 / denominator
    c[...] = b + numerator / c
    change = d * c
    if slopes:
        change_slope = fraction * (d_slope * c + d * c_slope)
        slope *= change
        slope += change_slope
    fraction *= change
    if check:
        eps = _SLOPE_EPSILON if slopes else _EPSILON
        done = np.abs(change - 1.0) <= eps
        return done & (np.abs(change_slope) <= eps * slope) if slopes else done
    return None


def _iterate(step, slopes: bool, state: list) -> tuple[np.ndarray, np.ndarray]:
    """Call ``step(k, check, slopes, *state)`` for ``k = 1, 2, ...`` until every element has converged.

    ``step`` updates the arrays of ``state`` in place and, every ``_CHECK_EVERY`` steps (``check``),
    returns the mask of the elements that have converged: their ``state[0]`` and ``state[1]`` are kept
    and returned; once half of them are done, they leave ``state``, so the steps cost the elements
    still iterating (plus at most as many done ones). At most ``_MAX_STEPS`` steps.
    """
    results = [state[0].copy(), state[1].copy()]
    index = np.arange(state[0].size)
    pending = np.ones(index.size, dtype=bool)
    for k in range(1, _MAX_STEPS + 1):
        if index.size == 0:
            break
        done = step(k, k % _CHECK_EVERY == 0, slopes, *state)
        if done is None:
            continue
        done = np.flatnonzero(pending & (done | (k == _MAX_STEPS)))
        for result, v in zip(results, state):
            result[index[done]] = v[done]
        pending[done] = False
        if np.count_nonzero(pending) <= pending.size // 2:
            index, state, pending = index[pending], [v[pending] for v in state], pending[pending]
    return results[0], results[1]


def incomplete_gamma_expansion(a: np.ndarray, x: np.ndarray, derivative: bool = False):
    """The expansion of ``P(a, x)`` or ``Q(a, x)`` used at ``(a, x)`` and, if asked, its ``a``-derivative.

    For float64 arrays of one shape with ``0 < a, x < inf``, returns ``(series, value, slope)``:
    ``series`` is ``x < a + 1``; there ``value`` is the series ``S = sum_n x^n / ((a+1)...(a+n))``
    (``P = x^a e^-x S / Gamma(a + 1)``), elsewhere the continued fraction ``h`` (``Q = x^a e^-x h /
    Gamma(a)``, modified Lentz). ``slope`` is ``dS/da`` or ``dh/da`` (forward mode: every term and
    Lentz factor carries its derivative) if ``derivative``, else None. Each element stops when its
    last term or factor changes the value by less than 1e-16 relative (the value and the slope by
    less than 1e-15 if ``derivative``), tested every ``_CHECK_EVERY`` steps. Lentz's guard
    against zero denominators is not needed: for ``x >= a + 1`` both ``1/d_k`` and ``c_k`` stay
    ``>= x - a + k + 1`` (by induction: ``b_k - k (k - a) / (x - a + k) > x - a + k + 1``).
    """
    series = x < a + 1.0
    value, slope = np.empty_like(a), np.empty_like(a)
    s_a, s_x = a[series], x[series]
    state = [np.ones_like(s_a), np.zeros_like(s_a), np.ones_like(s_a), np.zeros_like(s_a), s_a, s_x]
    value[series], slope[series] = _iterate(_series_step, derivative, state)
    f_a, b = a[~series], x[~series] + 1.0 - a[~series]  # h_0 = d_0 = 1 / b_0, derivative 1 / b_0^2; c_0 = inf
    state = [1.0 / b, 1.0 / b**2, np.full_like(b, np.inf), np.zeros_like(b), 1.0 / b, 1.0 / b**2, b, f_a]
    value[~series], slope[~series] = _iterate(_fraction_step, derivative, state)
    return series, value, slope if derivative else None


def _lower_and_upper(a: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(P(a, x), Q(a, x))`` in float64 on float64 arrays of one shape, with PyTorch's edge values."""
    a, x = np.broadcast_arrays(a, x)
    inside = (a > 0) & (x > 0) & (a < np.inf) & (x < np.inf)  # NaN compares False
    a_in, x_in = a[inside], x[inside]
    # series: P = x^a e^-x / Gamma(a + 1) * S; continued fraction: Q = x^a e^-x / Gamma(a) * h
    series, expansion, _ = incomplete_gamma_expansion(a_in, x_in)
    direct = np.exp(_log_prefactor(a_in, x_in, plus_one=series)) * expansion  # P on the series, else Q
    lower_in, upper_in = np.where(series, direct, 1.0 - direct), np.where(series, 1.0 - direct, direct)

    lower = np.full(a.shape, np.nan)
    lower[inside] = lower_in
    valid = (a >= 0) & (x >= 0) & ~((a == 0) & (x == 0)) & ~((a == np.inf) & (x == np.inf))
    lower = np.where(valid & ((a == 0) | (x == np.inf)), 1.0, lower)
    lower = np.where(valid & ((x == 0) | (a == np.inf)), 0.0, lower)
    upper = np.full(a.shape, np.nan)
    upper[inside] = upper_in
    upper = np.where(valid & ~inside, 1.0 - lower, upper)
    return lower, upper


def _density(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``x^(a-1) e^-x / Gamma(a)``, the derivative of ``P(a, x)`` in ``x``.

    Outside ``0 < a, x < inf`` it is ``exp((a - 1) log x - x - lgamma(a))`` as is, which gives
    PyTorch's edge values (0 at ``a = 0, -1, ...`` where ``1 / Gamma(a) = 0``; NaN at ``a = 1, x = 0``).
    """
    a, x = np.broadcast_arrays(a, x)
    inside = (a > 0) & (x > 0) & (a < np.inf) & (x < np.inf)
    a_in, x_in = np.where(inside, a, 1.0), np.where(inside, x, 1.0)
    accurate = _log_prefactor(a_in, x_in) - np.log(x_in)
    plain = (a - 1.0) * np.log(x) - x - _lgamma(a)
    return np.exp(np.where(inside, accurate, plain))


def _float64_pair(a: np.ndarray, x: np.ndarray, which: int) -> np.ndarray:
    """``P`` (``which = 0``) or ``Q`` (1) of ``a`` and ``x``, in their promoted float dtype."""
    dtype = np.result_type(a, x)
    with np.errstate(all="ignore"):
        value = _lower_and_upper(a.astype(np.float64), x.astype(np.float64))[which]
    return value.astype(dtype, copy=False)


class _IncompleteGammaFunction(Function):
    """Shared forward/backward of ``P`` (``SIGN = 1``) and ``Q`` (``SIGN = -1``)."""

    NAME = ""
    SIGN = 1.0

    @classmethod
    def forward(cls, ctx, a, x):
        ctx.save_for_backward(a, x)
        return _float64_pair(a, x, 0 if cls.SIGN > 0 else 1)

    @classmethod
    def no_gradient_for_a(cls, ctx) -> None:
        """Raise if ``a`` requires grad: PyTorch has no derivative in ``a`` either."""
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(
                f"{cls.NAME}: the derivative with respect to 'input' (a) is not implemented, as in PyTorch; "
                "call input.detach() to differentiate with respect to 'other' (x) only"
            )

    @classmethod
    def backward(cls, ctx, grad):
        a, x = ctx.saved_tensors
        cls.no_gradient_for_a(ctx)
        need_x = ctx.needs_input_grad[1]
        grad_x = None
        if need_x:
            with np.errstate(all="ignore"):
                slope = _density(a.astype(np.float64), x.astype(np.float64)).astype(grad.dtype)
            grad_x = unbroadcast(grad * (cls.SIGN * slope), x.shape)
        return None, grad_x

    @classmethod
    def graph_backward(cls, ctx, grad):  # backward on tensors (tt_autograd.higher_order)
        """The density ``f`` recorded as a function of ``x`` (``a`` is a constant here: it needs no grad).

        Inside ``0 < a, x < inf``: backward's value ``f(x0)`` times ``exp(L(x) - L(x0))`` with
        ``L(x) = (a - 1) log x - x``, the terms of ``log f`` that vary with ``x``: 1 at ``x = x0``,
        and with ``f``'s derivatives in ``x`` at every order. At the edges PyTorch's formula
        ``exp((a - 1) log x - x - lgamma(a))`` as is, so its values (NaN, ``-inf``) too.
        """
        a, x = ctx.saved_tensors
        cls.no_gradient_for_a(ctx)
        with np.errstate(all="ignore"):
            slope = _density(a.astype(np.float64), x.astype(np.float64)).astype(grad.array.dtype)
            a, x_b = np.broadcast_arrays(a, x)
            inside = np.asarray((a > 0) & (x_b > 0) & (a < np.inf) & (x_b < np.inf))
            x_t = ctx.input_tensor(1, x)
            x_in, x_out = x_t.where(inside, 1.0), x_t.where(np.asarray(~inside), 1.0)
            varying = x_in.log() * (np.where(inside, a, 1.0) - 1.0) - x_in
            exact = (varying - varying.array).exp() * np.where(inside, slope, 1.0)
            a_out = np.where(inside, 1.0, a)
            edge = (x_out.log() * (a_out - 1.0) - x_out - _lgamma(a_out)).exp()
        return None, sum_to(grad * exact.where(inside, edge) * cls.SIGN, x.shape)


class GammaincFunction(_IncompleteGammaFunction):
    """``P(a, x)``; backward ``x^(a-1) e^-x / Gamma(a)`` for ``x`` (none for ``a``)."""

    NAME = "gammainc"
    SIGN = 1.0


class GammainccFunction(_IncompleteGammaFunction):
    """``Q(a, x) = 1 - P(a, x)``; backward ``-x^(a-1) e^-x / Gamma(a)`` for ``x`` (none for ``a``)."""

    NAME = "gammaincc"
    SIGN = -1.0


def _operands(op: str, input, other) -> tuple[tt_autograd.Tensor, tt_autograd.Tensor]:
    a = float_input(op, tensor_arg(op, input, "input"))
    x = float_input(op, tensor_arg(op, other, "other"), "other")
    return a, x


def gammainc(input, other):  # noqa: A002  (PyTorch's argument names)
    """The regularized lower incomplete gamma function ``P(a, x)``, ``a = input``, ``x = other``; broadcasts.

    Integer tensors are promoted to float32 (PyTorch raises on them).

    Args:
        input: ``a``, a tensor of values ``>= 0``.
        other: ``x``, a tensor of values ``>= 0``.

    Shape:
        ``input`` and ``other`` broadcast together. Cost: ~``8 sqrt(a)`` steps at most, on the
        elements not yet converged.

    Example:
        >>> import tt_autograd
        >>> gammainc(tt_autograd.tensor([1.0, 2.0]), tt_autograd.tensor([1.0, 1.0]))
        tensor([0.6321, 0.2642])
    """
    a, x = _operands("gammainc", input, other)
    return GammaincFunction.apply(a, x)


def gammaincc(input, other):  # noqa: A002
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``; broadcasts.

    Example:
        >>> import tt_autograd
        >>> gammaincc(tt_autograd.tensor([1.0, 2.0]), tt_autograd.tensor([1.0, 1.0]))
        tensor([0.3679, 0.7358])
    """
    a, x = _operands("gammaincc", input, other)
    return GammainccFunction.apply(a, x)


#: PyTorch's top-level names (``torch.igamma``, ``torch.igammac``).
igamma = gammainc
igammac = gammaincc
