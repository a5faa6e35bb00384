"""``kl_divergence`` between different classic families (``kl_cross.py``): integrals, infinities, gradients.

Not course material, so no module number. Every closed form against ``∫ p (log p - log q)``
by the trapezoid rule on a grid over ``p``'s support (the Bernoulli-Poisson pair as a two-term
sum written here), ``inf`` entry by entry where ``q``'s support misses part of ``p``'s, the
pairs that are always ``inf``, PyTorch 2.13's values pinned for one parameter set, and
gradcheck (float64) in the parameters of both sides.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import (
    Bernoulli,
    Beta,
    Binomial,
    Exponential,
    Gamma,
    Laplace,
    Normal,
    Poisson,
    Uniform,
    kl_divergence,
)


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def integral_kl(p, q, grid: np.ndarray) -> float:
    """``∫ p (log p - log q)`` by the trapezoid rule (the densities from ``log_prob``)."""
    log_p = p.log_prob(f64(grid)).numpy()
    log_q = q.log_prob(f64(grid)).numpy()
    values = np.exp(log_p) * (log_p - log_q)
    return float(((values[1:] + values[:-1]) * np.diff(grid) / 2).sum())


UNIT = np.linspace(1e-9, 1 - 1e-9, 400001)
POSITIVE = np.exp(np.linspace(-30.0, math.log(80.0), 800001))  # log-spaced: log q's log x at 0
LINE = np.linspace(-40.0, 40.0, 800001)
SPAN = np.linspace(0.1, 0.7 - 1e-13, 200001)  # Uniform's support is [low, high)

CASES = [
    (lambda: Beta(f64(2.0), f64(1.5)), lambda: Normal(f64(0.3), f64(0.8)), UNIT),
    (lambda: Exponential(f64(1.5)), lambda: Normal(f64(0.3), f64(0.8)), POSITIVE),
    (lambda: Gamma(f64(2.5), f64(1.5)), lambda: Normal(f64(1.3), f64(2.0)), POSITIVE),
    (lambda: Laplace(f64(0.5), f64(0.7)), lambda: Normal(f64(-0.3), f64(1.2)), LINE),
    (lambda: Uniform(f64(0.1), f64(0.7)), lambda: Normal(f64(-0.3), f64(1.2)), SPAN),
    (lambda: Beta(f64(2.2), f64(3.0)), lambda: Exponential(f64(2.5)), UNIT),
    (lambda: Gamma(f64(2.5), f64(1.5)), lambda: Exponential(f64(0.5)), POSITIVE),
    (lambda: Uniform(f64(0.1), f64(0.7)), lambda: Exponential(f64(0.5)), SPAN),
    (lambda: Beta(f64(2.0), f64(1.5)), lambda: Gamma(f64(1.5), f64(2.0)), UNIT),
    (lambda: Exponential(f64(1.5)), lambda: Gamma(f64(2.5), f64(0.7)), POSITIVE),
    (lambda: Uniform(f64(0.1), f64(0.7)), lambda: Gamma(f64(0.6), f64(2.0)), SPAN),
    (lambda: Uniform(f64(0.1), f64(0.7)), lambda: Beta(f64(0.6), f64(2.0)), SPAN),
    (lambda: Uniform(f64(0.1), f64(0.7)), lambda: Beta(f64(2.5), f64(0.7)), SPAN),  # lgamma(b) != 0
    (lambda: Beta(f64(2.0), f64(1.5)), lambda: Uniform(f64(-0.5), f64(1.5)), UNIT),
    (lambda: Normal(f64(0.5), f64(0.7)), lambda: Laplace(f64(-0.3), f64(1.2)), LINE),
]


@pytest.mark.parametrize(("make_p", "make_q", "grid"), CASES)
def test_closed_forms_against_numerical_integrals(make_p, make_q, grid):
    p, q = make_p(), make_q()
    assert kl_divergence(p, q).item() == pytest.approx(integral_kl(p, q, grid), rel=1e-6, abs=1e-8)


def test_bernoulli_poisson_against_the_two_term_sum():
    probs, rates = np.array([0.0, 0.3, 0.8, 1.0]), np.array([2.0, 0.5, 1.5, 0.1])
    log_q = lambda x: x * np.log(rates) - rates - math.lgamma(x + 1)  # noqa: E731  (Poisson at x)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = [np.where(w > 0, w * (np.log(w) - log_q(x)), 0.0) for x, w in ((0, 1 - probs), (1, probs))]
    np.testing.assert_allclose(kl_divergence(Bernoulli(f64(probs)), Poisson(f64(rates))).numpy(), sum(terms))


def test_infinite_where_the_support_is_missed():
    low, high = (
        f64([0.1, -0.5, 0.2, 0.0]),
        f64([0.7, 0.9, 1.3, 1.0]),
    )  # the 2nd reaches below 0, the 3rd above 1
    uniform = Uniform(low, high)
    expected = np.isinf(kl_divergence(uniform, Beta(f64(2.0), f64(3.0))).numpy())
    np.testing.assert_array_equal(expected, [False, True, True, False])
    for q in (Exponential(f64(1.0)), Gamma(f64(2.0), f64(1.0))):
        np.testing.assert_array_equal(
            np.isinf(kl_divergence(uniform, q).numpy()), [False, True, False, False]
        )
    covering = kl_divergence(Beta(f64(2.0), f64(3.0)), Uniform(f64([0.0, 0.1, -1.0]), f64([1.0, 2.0, 0.9])))
    np.testing.assert_array_equal(np.isinf(covering.numpy()), [False, True, True])
    assert np.isfinite(covering.numpy()[0])


@pytest.mark.parametrize(
    ("p", "qs"),
    [
        (Exponential(f64([1.0, 2.0])), (Beta(f64(2.0), f64(3.0)), Uniform(f64(0.0), f64(50.0)))),
        (Gamma(f64([1.0, 2.0]), f64(1.0)), (Beta(f64(2.0), f64(3.0)), Uniform(f64(0.0), f64(50.0)))),
        (Laplace(f64([1.0, 2.0]), f64(1.0)), (Beta(f64(2.0), f64(3.0)), Exponential(f64(1.0)))),
        (Laplace(f64([1.0, 2.0]), f64(1.0)), (Gamma(f64(2.0), f64(3.0)), Uniform(f64(-50.0), f64(50.0)))),
        (Normal(f64([1.0, 2.0]), f64(1.0)), (Beta(f64(2.0), f64(3.0)), Exponential(f64(1.0)))),
        (Normal(f64([1.0, 2.0]), f64(1.0)), (Gamma(f64(2.0), f64(3.0)), Uniform(f64(-50.0), f64(50.0)))),
        (Poisson(f64([1.0, 2.0])), (Bernoulli(f64(0.5)), Binomial(100, f64(0.5)))),
    ],
)
def test_always_infinite_pairs(p, qs):
    for q in qs:
        kl = kl_divergence(p, q)
        assert kl.shape == (2,) and kl.dtype == autograd.float64 and np.isposinf(kl.numpy()).all()


def test_pinned_pytorch_values():
    # PyTorch 2.13 (a scratch script): the same pairs and parameters
    pinned = [
        (Beta(f64(2.0), f64(1.5)), Gamma(f64(1.5), f64(2.0)), 0.43059048825757773),
        (Uniform(f64(0.1), f64(0.7)), Beta(f64(0.6), f64(2.0)), 0.6947593553048783),
        (Normal(f64(0.5), f64(0.7)), Laplace(f64(-0.3), f64(1.2)), 0.553374359924283),
        (Exponential(f64(1.5)), Gamma(f64(2.5), f64(0.7)), 2.5225231646091277),
        (Bernoulli(f64(0.3)), Poisson(f64(0.5)), 0.09707985211309011),
    ]
    for p, q, value in pinned:
        assert kl_divergence(p, q).item() == pytest.approx(value, rel=1e-10), (type(p), type(q))


def test_gradients(check_grad):
    a, b = f64([2.0, 0.7], True), f64([1.5, 3.0], True)
    loc, scale = f64([0.3, -0.2], True), f64([0.8, 1.4], True)
    alpha, rate = f64([1.5, 0.6], True), f64([2.0, 0.9], True)
    low, high = f64([0.1, 0.2], True), f64([0.7, 0.5], True)
    check_grad(lambda *t: kl_divergence(Beta(t[0], t[1]), Normal(t[2], t[3])), a, b, loc, scale)
    check_grad(lambda *t: kl_divergence(Beta(t[0], t[1]), Gamma(t[2], t[3])), a, b, alpha, rate)
    check_grad(lambda *t: kl_divergence(Beta(t[0], t[1]), Exponential(t[2])), a, b, rate)
    check_grad(lambda *t: kl_divergence(Uniform(t[0], t[1]), Beta(t[2], t[3])), low, high, a, b)
    check_grad(lambda *t: kl_divergence(Uniform(t[0], t[1]), Gamma(t[2], t[3])), low, high, alpha, rate)
    check_grad(lambda *t: kl_divergence(Uniform(t[0], t[1]), Exponential(t[2])), low, high, rate)
    check_grad(lambda *t: kl_divergence(Exponential(t[0]), Gamma(t[1], t[2])), rate, alpha, b)
    check_grad(lambda *t: kl_divergence(Gamma(t[0], t[1]), Exponential(t[2])), alpha, rate, b)
    check_grad(lambda *t: kl_divergence(Laplace(t[0], t[1]), Normal(t[2], t[3])), loc, scale, a, b)
    check_grad(lambda *t: kl_divergence(Normal(t[0], t[1]), Laplace(t[2], t[3])), loc, scale, a, b)
    check_grad(
        lambda *t: kl_divergence(Beta(t[0], t[1]), Uniform(t[2], t[3])), a, b, f64(-0.5, True), f64(1.5, True)
    )
    check_grad(lambda *t: kl_divergence(Bernoulli(t[0]), Poisson(t[1])), f64([0.3, 0.6], True), rate)
