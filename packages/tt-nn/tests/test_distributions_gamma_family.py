"""``Gamma``, ``Chi2``, ``Beta``, ``Dirichlet``: values vs NumPy formulas, implicit rsample gradients, KLs.

Not course material (outside module 05's solution regions), so no module number.
Covers ``log_prob``/``entropy``/moments/``mode`` against float64 formulas written here
(``lgamma`` from ``math``, digamma as its central difference), values pinned from
PyTorch 2.13, gradcheck of ``log_prob``, ``entropy`` and ``kl_divergence`` in every
parameter, the implicit reparameterisation gradient of Gamma draws against central
differences of the inverse CDF at a fixed level (the CDF: a float64 series written
here, inverted by bisection), the unbiasedness of every ``rsample`` gradient by Monte
Carlo, KLs against numerical integrals or the closed form, draw statistics under a
fixed seed, ``expand``, float32 kept, and the parameter and support checks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import Beta, Chi2, Dirichlet, Gamma, kl_divergence
from tt_nn.distributions.standard_gamma import standard_gamma_grad

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


lgamma = np.vectorize(math.lgamma)


def digamma(x: np.ndarray) -> np.ndarray:
    step = 1e-5
    return (lgamma(x + step) - lgamma(x - step)) / (2 * step)


def gamma_cdf(alpha: float, x: float) -> float:
    """``P(alpha, x)``: ``x^a e^-x / Gamma(a + 1) * sum_k x^k / ((a+1)...(a+k))`` (positive terms, any x)."""
    if x <= 0:
        return 0.0
    term, total = 1.0, 1.0
    for k in range(1, 2000):
        term *= x / (alpha + k)
        total += term
        if term < 1e-17 * total:
            break
    return math.exp(alpha * math.log(x) - x - math.lgamma(alpha + 1)) * total


def gamma_quantile(alpha: float, level: float) -> float:
    """The ``x`` with ``P(alpha, x) = level``, by bisection (to float64 resolution)."""
    low, high = 0.0, alpha + 50.0 * math.sqrt(alpha) + 50.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if gamma_cdf(alpha, middle) < level else (low, middle)
    return 0.5 * (low + high)


def quantile_derivative(alpha: float, x: float) -> float:
    """``dx/dalpha`` at the fixed level ``P(alpha, x)``: central differences of the quantile."""
    level, step = gamma_cdf(alpha, x), 1e-5 * alpha
    return (gamma_quantile(alpha + step, level) - gamma_quantile(alpha - step, level)) / (2 * step)


# ---------------------------------------------------------------------------- values
def test_gamma_and_chi2_values(rng):
    alpha, rate = rng.random((2, 1)) * 3 + 0.2, rng.random(3) + 0.5
    value = rng.random((4, 1, 3)) * 4 + 0.01
    m = Gamma(f64(alpha), f64(rate))
    assert m.batch_shape == (2, 3)
    expected = alpha * np.log(rate) + (alpha - 1) * np.log(value) - rate * value - lgamma(alpha)
    np.testing.assert_allclose(m.log_prob(f64(value)).numpy(), expected, rtol=1e-12)
    entropy = alpha - np.log(rate) + lgamma(alpha) + (1 - alpha) * digamma(alpha)
    np.testing.assert_allclose(m.entropy().numpy(), entropy, rtol=1e-9)
    np.testing.assert_allclose(m.mean.numpy(), alpha / rate, rtol=1e-14)
    np.testing.assert_allclose(m.variance.numpy(), alpha / rate**2, rtol=1e-14)
    np.testing.assert_allclose(m.mode.numpy(), np.maximum((alpha - 1) / rate, 0), rtol=1e-14)
    chi2 = Chi2(f64([1.0, 3.0, 6.5]))
    df = np.array([1.0, 3.0, 6.5])
    np.testing.assert_allclose(chi2.mean.numpy(), df)
    np.testing.assert_allclose(chi2.variance.numpy(), 2 * df)
    np.testing.assert_allclose(chi2.mode.numpy(), np.maximum(df - 2, 0))
    expected = (df / 2 - 1) * np.log(2.0) - 1.0 - df / 2 * np.log(2) - lgamma(df / 2)  # at x = 2
    np.testing.assert_allclose(chi2.log_prob(f64(2.0)).numpy(), expected, rtol=1e-12)


def test_gamma_log_prob_at_zero_follows_pytorch():
    m = Gamma(f64([1.0, 0.5, 2.0]), 2.0)
    np.testing.assert_allclose(m.log_prob(f64(0.0)).numpy(), [math.log(2.0), math.inf, -math.inf])


def test_beta_values(rng):
    a, b = rng.random(3) * 3 + 0.2, rng.random((2, 1)) * 3 + 0.2
    value = rng.random((4, 2, 3))
    m = Beta(f64(a), f64(b))
    assert m.batch_shape == (2, 3)
    log_beta = lgamma(a) + lgamma(b) - lgamma(a + b)
    expected = (a - 1) * np.log(value) + (b - 1) * np.log1p(-value) - log_beta
    np.testing.assert_allclose(m.log_prob(f64(value)).numpy(), expected, rtol=1e-11)
    entropy = log_beta - (a - 1) * digamma(a) - (b - 1) * digamma(b) + (a + b - 2) * digamma(a + b)
    np.testing.assert_allclose(m.entropy().numpy(), entropy, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(m.mean.numpy(), a / (a + b), rtol=1e-14)
    np.testing.assert_allclose(m.variance.numpy(), a * b / ((a + b) ** 2 * (a + b + 1)), rtol=1e-14)
    both_above = Beta(f64([2.0, 3.0, 1.0, 0.5]), f64([3.0, 1.0, 2.0, 0.5]))
    # (a - 1) / (a + b - 2); 1 when only a > 1, 0 when only b > 1; both below 1: PyTorch's first category
    np.testing.assert_allclose(both_above.mode.numpy(), [1 / 3, 1.0, 0.0, 1.0])
    assert np.isnan(Beta(1.0, 1.0).mode.item())
    np.testing.assert_allclose(
        Beta(f64([1.0, 2.0, 0.5]), 1.0).log_prob(f64(0.0)).numpy(), [0.0, -math.inf, math.inf]
    )


def test_dirichlet_values(rng):
    alpha = rng.random((2, 4)) * 3 + 0.2
    value = rng.dirichlet(np.ones(4), size=(5, 1))
    m = Dirichlet(f64(alpha))
    assert m.batch_shape == (2,) and m.event_shape == (4,)
    total = alpha.sum(-1)
    expected = ((alpha - 1) * np.log(value)).sum(-1) + lgamma(total) - lgamma(alpha).sum(-1)
    np.testing.assert_allclose(m.log_prob(f64(value)).numpy(), expected, rtol=1e-11)
    entropy = (
        lgamma(alpha).sum(-1) - lgamma(total) + (total - 4) * digamma(total)
        - ((alpha - 1) * digamma(alpha)).sum(-1)
    )  # fmt: skip
    np.testing.assert_allclose(m.entropy().numpy(), entropy, rtol=1e-8)
    np.testing.assert_allclose(m.mean.numpy(), alpha / total[:, None], rtol=1e-14)
    one_dimensional = Dirichlet(f64([0.5, 1.0, 2.5]))
    np.testing.assert_allclose(one_dimensional.mean.numpy(), [0.125, 0.25, 0.625])
    np.testing.assert_allclose(
        one_dimensional.variance.numpy(), np.array([0.125 * 0.875, 0.25 * 0.75, 0.625 * 0.375]) / 5
    )
    variance = alpha * (total[:, None] - alpha) / (total[:, None] ** 2 * (total[:, None] + 1))
    np.testing.assert_allclose(m.variance.numpy(), variance, rtol=1e-14)
    modes = Dirichlet(f64([[2.0, 3.0, 5.0], [0.5, 0.3, 0.2], [0.5, 0.5, 2.0], [1.0, 1.0, 1.0]])).mode.numpy()
    np.testing.assert_allclose(modes[:3], [[1 / 7, 2 / 7, 4 / 7], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert np.isnan(modes[3]).all()  # no weight above 1 and not all below: NaN, as PyTorch


def test_values_pinned_from_pytorch():
    gamma, beta = Gamma(autograd.tensor(2.5), autograd.tensor(1.5)), Beta(autograd.tensor(0.5), 2.0)
    chi2, dirichlet = Chi2(autograd.tensor(3.0)), Dirichlet(autograd.tensor([0.5, 1.5, 3.0]))
    pinned = [
        (gamma.log_prob(autograd.tensor(0.7)), -0.8560326099395752),
        (gamma.entropy(), 1.3244824409484863),
        (chi2.log_prob(autograd.tensor(2.0)), -1.5723649263381958),
        (chi2.entropy(), 2.0541200637817383),
        (beta.log_prob(autograd.tensor(0.3)), -0.042370617389678955),
        (beta.entropy(), -0.7652791738510132),
        (dirichlet.log_prob(autograd.tensor([0.2, 0.3, 0.5])), 0.8497622013092041),
        (dirichlet.entropy(), -1.8666572570800781),
        (kl_divergence(gamma, Gamma(autograd.tensor(1.0), 0.5)), 0.20199799537658691),
        (kl_divergence(beta, Beta(autograd.tensor(2.0), 2.0)), 1.9205598831176758),
        (kl_divergence(dirichlet, Dirichlet(autograd.ones(3))), 1.1735103130340576),
    ]
    for result, expected in pinned:
        assert result.dtype == autograd.float32
        np.testing.assert_allclose(result.item(), expected, rtol=2e-6)
    for m in (gamma, beta, chi2, dirichlet):
        assert m.rsample((2,)).dtype == autograd.float32 and m.sample().dtype == autograd.float32


# ---------------------------------------------------------------------------- gradients
def test_gradients_of_log_prob_and_entropy(rng, check_grad):
    alpha, rate = f64(rng.random((2, 1)) * 3 + 0.5, True), f64(rng.random(3) + 0.5, True)
    value = f64(rng.random((4, 1, 3)) * 3 + 0.1, True)
    check_grad(lambda a, r, v: Gamma(a, r).log_prob(v), alpha, rate, value)
    check_grad(lambda a, r: Gamma(a, r).entropy(), alpha, rate)
    check_grad(lambda d, v: Chi2(d).log_prob(v), f64([1.5, 3.0, 4.0], True), value)
    a, b = f64(rng.random(3) * 2 + 0.5, True), f64(rng.random((2, 1)) * 2 + 0.5, True)
    unit = f64(rng.random((4, 2, 3)) * 0.9 + 0.05, True)
    check_grad(lambda a, b, v: Beta(a, b).log_prob(v), a, b, unit)
    check_grad(lambda a, b: Beta(a, b).entropy(), a, b)
    weights = f64(rng.random((2, 3)) * 2 + 0.5, True)
    check_grad(lambda w: Dirichlet(w).log_prob(f64([[0.2, 0.3, 0.5]])), weights)
    check_grad(lambda w: Dirichlet(w).entropy(), weights)


def test_implicit_gradient_matches_the_inverse_cdf():
    # both expansions: x < alpha + 1 (series) and x >= alpha + 1 (continued fraction), and the switch
    alphas = np.array([0.3, 0.3, 1.0, 1.0, 2.5, 2.5, 2.5, 9.0, 9.0, 40.0, 40.0])
    draws = np.array([0.05, 2.0, 0.4, 3.5, 1.0, 3.5, 6.0, 6.0, 15.0, 36.0, 50.0])
    expected = [quantile_derivative(a, x) for a, x in zip(alphas, draws)]
    np.testing.assert_allclose(standard_gamma_grad(alphas, draws), expected, rtol=1e-6)


def test_implicit_gradient_broadcasts_and_computes_in_float64():
    draws = np.array([0.05, 2.0, 0.4, 3.5], dtype=np.float32)
    exact = standard_gamma_grad(np.full(4, 1.0), draws.astype(np.float64))
    np.testing.assert_allclose(standard_gamma_grad(np.float32(1.0), draws), exact, rtol=1e-13)


def test_implicit_gradient_at_integer_alpha_in_the_continued_fraction():
    # For integer alpha the fraction of Q ends (a_k = -k (k - alpha) = 0 at k = alpha) but its derivative in
    # alpha does not: the draws must iterate on. Expected: 40-digit mpmath, -(dP/dalpha) / density (at alpha
    # = 1 it is log x + Euler's gamma + e^x E1(x)).
    alphas = np.array([1.0, 1.0, 2.0, 2.0, 3.0, 3.0])
    draws = np.array([1.5, 6.0, 3.5, 12.0, 4.01, 9.0])
    mpmath = [1.4309374423012802, 2.514242763363475, 1.4187780519668756, 2.3237430186752377,
              1.217943106465284, 1.7397554120638796]  # fmt: skip
    np.testing.assert_allclose(standard_gamma_grad(alphas, draws), mpmath, rtol=1e-13)


def test_gamma_rsample_gradient_is_the_implicit_one():
    alpha = f64(np.repeat([0.4, 1.0, 2.5, 9.0], 4), True)
    rate = f64(np.full(16, 2.0), True)
    autograd.manual_seed(1)
    draws = Gamma(alpha, rate).rsample()
    draws.sum().backward()
    x, standard = draws.detach().numpy(), draws.detach().numpy() * 2.0
    assert (standard < alpha.detach().numpy() + 1).any() and (standard >= alpha.detach().numpy() + 1).any()
    expected = [quantile_derivative(a, s) / 2.0 for a, s in zip(alpha.detach().numpy(), standard)]
    np.testing.assert_allclose(alpha.grad.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(rate.grad.numpy(), -x / 2.0, rtol=1e-12)
    autograd.manual_seed(1)
    sampled = Gamma(alpha, rate).sample()
    assert not sampled.requires_grad and np.array_equal(sampled.numpy(), x)


def per_draw_gradient_mean(gradients: np.ndarray, expected: np.ndarray) -> None:
    """The mean of per-draw gradients equals d E[X] / d parameter, within 6 standard errors."""
    error = gradients.std(axis=0) / math.sqrt(gradients.shape[0])
    assert np.all(np.abs(gradients.mean(axis=0) - expected) < 6 * error + 1e-12), (
        gradients.mean(0),
        expected,
    )


def test_rsample_gradients_are_unbiased():
    draws = 20000
    autograd.manual_seed(2)
    alpha, rate = f64(np.full(draws, 0.7), True), f64(np.full(draws, 1.5), True)
    Gamma(alpha, rate).rsample().sum().backward()
    per_draw_gradient_mean(alpha.grad.numpy(), 1 / 1.5)  # E[X] = alpha / rate
    per_draw_gradient_mean(rate.grad.numpy(), -0.7 / 1.5**2)
    df = f64(np.full(draws, 3.0), True)
    Chi2(df).rsample().sum().backward()
    per_draw_gradient_mean(df.grad.numpy(), 1.0)  # E[X] = df
    a, b = f64(np.full(draws, 2.0), True), f64(np.full(draws, 0.6), True)
    Beta(a, b).rsample().sum().backward()
    per_draw_gradient_mean(a.grad.numpy(), 0.6 / 2.6**2)  # E[X] = a / (a + b)
    per_draw_gradient_mean(b.grad.numpy(), -2.0 / 2.6**2)
    weights = f64(np.tile([0.5, 1.0, 2.5], (draws, 1)), True)
    Dirichlet(weights).rsample()[:, 0].sum().backward()
    per_draw_gradient_mean(weights.grad.numpy(), (np.array([4.0, 0.0, 0.0]) - 0.5) / 4.0**2)


# ---------------------------------------------------------------------------- KL divergences
def integrate(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    return ((values[..., 1:] + values[..., :-1]) * np.diff(grid) / 2).sum(-1)


def test_gamma_kl_against_a_numerical_integral():
    alpha_p, rate_p = np.array([[0.5], [2.0], [7.0]]), np.array([[1.0], [0.5], [3.0]])
    alpha_q, rate_q = np.array([[1.5], [0.8], [5.0]]), np.array([[2.0], [0.7], [1.0]])
    x = np.exp(np.linspace(-90, 5, 200001))  # integrate in log x: p(x) x is smooth there

    def log_density(alpha, rate):
        return alpha * np.log(rate) + (alpha - 1) * np.log(x) - rate * x - lgamma(alpha)

    log_p, log_q = log_density(alpha_p, rate_p), log_density(alpha_q, rate_q)
    expected = integrate(np.exp(log_p) * (log_p - log_q) * x, np.log(x))
    kl = kl_divergence(
        Gamma(f64(alpha_p[:, 0]), f64(rate_p[:, 0])), Gamma(f64(alpha_q[:, 0]), f64(rate_q[:, 0]))
    )
    np.testing.assert_allclose(kl.numpy(), expected, rtol=1e-7)
    np.testing.assert_allclose(kl_divergence(Chi2(f64([3.0])), Chi2(f64([3.0]))).numpy(), [0.0], atol=1e-14)


def test_beta_and_dirichlet_kl_against_a_numerical_integral_and_the_closed_form(rng):
    a_p, b_p, a_q, b_q = np.array([0.7, 2.0, 5.0]), np.array([1.5, 2.0, 0.6]), np.array([2.0, 1.0, 3.0]), 1.3
    logit = np.linspace(-45, 45, 200001)
    log_x, log_1mx = -np.logaddexp(0, -logit), -np.logaddexp(0, logit)  # no rounding of x to 1

    def log_density(a, b):
        a, b = np.asarray(a)[..., None], np.asarray(b)[..., None]
        return (a - 1) * log_x + (b - 1) * log_1mx - lgamma(a) - lgamma(b) + lgamma(a + b)

    log_p, log_q = log_density(a_p, b_p), log_density(a_q, b_q)
    expected = integrate(np.exp(log_p + log_x + log_1mx) * (log_p - log_q), logit)
    kl = kl_divergence(Beta(f64(a_p), f64(b_p)), Beta(f64(a_q), b_q))
    np.testing.assert_allclose(kl.numpy(), expected, rtol=1e-7)

    p, q = rng.random((2, 4)) * 3 + 0.3, rng.random(4) * 3 + 0.3
    total_p = p.sum(-1, keepdims=True)
    closed = (
        lgamma(total_p[:, 0]) - lgamma(q.sum()) - (lgamma(p) - lgamma(q)).sum(-1)
        + ((p - q) * (digamma(p) - digamma(total_p))).sum(-1)
    )  # fmt: skip
    np.testing.assert_allclose(kl_divergence(Dirichlet(f64(p)), Dirichlet(f64(q))).numpy(), closed, rtol=1e-8)
    two = kl_divergence(
        Dirichlet(f64(np.stack([a_p, b_p], -1))), Dirichlet(f64(np.stack([a_q, [b_q] * 3], -1)))
    )
    np.testing.assert_allclose(two.numpy(), expected, rtol=1e-7)


def test_kl_gradients(rng, check_grad):
    ap, rp, aq, rq = (f64(rng.random(3) * 2 + 0.5, True) for _ in range(4))
    check_grad(lambda ap, rp, aq, rq: kl_divergence(Gamma(ap, rp), Gamma(aq, rq)), ap, rp, aq, rq)
    check_grad(lambda ap, rp, aq, rq: kl_divergence(Beta(ap, rp), Beta(aq, rq)), ap, rp, aq, rq)
    wp, wq = f64(rng.random((2, 3)) * 2 + 0.5, True), f64(rng.random(3) * 2 + 0.5, True)
    check_grad(lambda wp, wq: kl_divergence(Dirichlet(wp), Dirichlet(wq)), wp, wq)


# ---------------------------------------------------------------------------- sampling
def test_sample_statistics():
    draws = 40000
    autograd.manual_seed(3)
    alpha, rate = np.array([0.3, 1.0, 4.0]), np.array([2.0, 1.0, 0.5])
    x = Gamma(f64(alpha), f64(rate)).sample((draws,)).numpy()
    assert x.shape == (draws, 3) and (x > 0).all()
    mean, variance = alpha / rate, alpha / rate**2
    assert np.all(np.abs(x.mean(0) - mean) < 6 * np.sqrt(variance / draws))
    fourth = 3 * alpha * (alpha + 2) / rate**4  # the fourth central moment gives the variance's error
    assert np.all(np.abs(x.var(0) - variance) < 6 * np.sqrt((fourth - variance**2) / draws))
    beta = Beta(f64([0.5, 2.0]), f64([0.5, 5.0])).sample((draws,)).numpy()
    assert ((beta > 0) & (beta < 1)).all()
    assert np.all(np.abs(beta.mean(0) - [0.5, 2 / 7]) < 6 * np.sqrt(np.array([1 / 8, 10 / 392]) / draws))
    dirichlet = Dirichlet(f64([[0.5, 1.0, 2.5]])).sample((draws,)).numpy()
    assert dirichlet.shape == (draws, 1, 3)
    np.testing.assert_allclose(dirichlet.sum(-1), 1.0, rtol=1e-12)
    assert np.all(np.abs(dirichlet.mean(0)[0] - [0.125, 0.25, 0.625]) < 6 * np.sqrt(0.25 / 5 / draws))
    chi2 = Chi2(f64([3.0])).sample((draws,)).numpy()
    assert abs(chi2.mean() - 3.0) < 6 * math.sqrt(6.0 / draws)


def test_tiny_draws_are_clamped_to_the_smallest_normal_number():
    autograd.manual_seed(4)
    draws = Gamma(autograd.full((2000,), 0.01), 1.0).sample()
    assert (draws.numpy() >= np.finfo(np.float32).tiny).all() and draws.dtype == autograd.float32


def test_dirichlet_draws_are_clamped_inside_the_simplex():
    autograd.manual_seed(5)
    draws = Dirichlet(autograd.full((2,), 0.01)).sample((2000,)).numpy()  # most draws put ~all mass on one
    assert (draws < 1).all() and (draws >= np.finfo(np.float32).tiny).all()
    assert (draws == np.float32(1) - np.finfo(np.float32).eps).any()  # clamped at 1 - eps, as PyTorch


def test_expand(rng):
    for m in (Gamma(f64([1.0, 2.0]), 3.0), Chi2(f64([1.0, 2.0])), Beta(f64([1.0, 2.0]), 0.5)):
        wide = m.expand((3, 2))
        assert type(wide) is type(m) and wide.batch_shape == (3, 2)
        np.testing.assert_allclose(wide.entropy().numpy(), np.broadcast_to(m.entropy().numpy(), (3, 2)))
    dirichlet = Dirichlet(f64([[1.0, 2.0, 3.0]])).expand((4, 1))
    assert dirichlet.batch_shape == (4, 1) and dirichlet.event_shape == (3,)
    assert dirichlet.sample((2,)).shape == (2, 4, 1, 3)


# ---------------------------------------------------------------------------- checks and repr
def test_bad_arguments_and_values():
    with pytest.raises(ValueError, match=r"Gamma: parameter concentration .* GreaterThan\(lower_bound=0.0\)"):
        Gamma(-1.0, 1.0)
    with pytest.raises(ValueError, match=r"Gamma: parameter rate"):
        Gamma(1.0, autograd.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"Chi2: parameter df"):
        Chi2(0.0)
    with pytest.raises(ValueError, match=r"Beta: parameter concentration0"):
        Beta(1.0, 0.0)
    with pytest.raises(ValueError, match=r"Dirichlet: concentration must be at least one-dimensional"):
        Dirichlet(autograd.tensor(1.0))
    with pytest.raises(TypeError, match=r"Dirichlet: concentration must be a tensor"):
        Dirichlet([1.0, 2.0])
    with pytest.raises(
        ValueError, match=r"IndependentConstraint\(GreaterThan\(lower_bound=0.0\), 1\), but found invalid"
    ):
        Dirichlet(autograd.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match=r"support GreaterThanEq\(lower_bound=0.0\)"):
        Gamma(1.0, 1.0).log_prob(autograd.tensor(-1.0))
    with pytest.raises(ValueError, match=r"support Interval\(lower_bound=0.0, upper_bound=1.0\)"):
        Beta(1.0, 1.0).log_prob(autograd.tensor(1.5))
    with pytest.raises(ValueError, match=r"support Simplex\(\)"):
        Dirichlet(autograd.ones(2)).log_prob(autograd.tensor([0.5, 0.6]))
    assert Gamma(-1.0, 1.0, validate_args=False).batch_shape == ()
    assert Beta(-1.0, 1.0, validate_args=False).batch_shape == ()  # nor its inner Dirichlet
    assert Chi2(-1.0, validate_args=False).batch_shape == ()


def test_repr_and_flags():
    assert repr(Gamma(2.0, autograd.ones(3))) == "Gamma(concentration: (3,), rate: (3,))"
    assert repr(Gamma(2.0, 3.0)) == "Gamma(concentration: 2.0, rate: 3.0)"
    assert repr(Dirichlet(autograd.ones(2, 3))) == "Dirichlet(concentration: (2, 3))"
    assert repr(Beta(2.0, 3.0)) == "Beta(concentration1: 2.0, concentration0: 3.0)"
    assert repr(Chi2(3.0)) == "Chi2(df: 3.0)"
    assert all(kind.has_rsample for kind in (Gamma, Chi2, Beta, Dirichlet))
    assert isinstance(Chi2(3.0), Gamma)


def test_gamma_and_chi2_cdf(rng, check_grad):
    alpha, rate = rng.random(3) * 3 + 0.5, rng.random(3) + 0.5
    value = rng.random((2, 3)) * 4
    got = Gamma(f64(alpha), f64(rate)).cdf(f64(value)).numpy()
    expected = [[gamma_cdf(a, r * v) for a, r, v in zip(alpha, rate, row)] for row in value]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # PyTorch 2.13: Gamma([2.0, 0.5], [1.5, 3.0]).cdf([0.7, 0.2]) and its gradient in the value
    value = autograd.tensor([0.7, 0.2], requires_grad=True)
    cdf = Gamma(autograd.tensor([2.0, 0.5]), autograd.tensor([1.5, 3.0])).cdf(value)
    np.testing.assert_allclose(cdf.detach().numpy(), [0.2826276, 0.7266783], rtol=1e-5)
    cdf.sum().backward()
    np.testing.assert_allclose(value.grad.numpy(), [0.5511519, 1.1992066], rtol=1e-5)
    assert Chi2(autograd.tensor(3.0)).cdf(autograd.tensor(2.0)).item() == pytest.approx(0.4275932, rel=1e-6)
    check_grad(lambda r, v: Gamma(f64([1.5, 2.5]), r).cdf(v), f64([0.7, 1.3], True), f64([[0.4, 2.0]], True))
    with pytest.raises(ValueError, match="support"):
        Gamma(autograd.tensor(2.0), 1.0).cdf(autograd.tensor(-1.0))
