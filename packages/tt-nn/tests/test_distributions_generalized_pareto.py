"""``GeneralizedPareto``: values vs formulas and quadrature, PyTorch's values, gradients, draws, checks.

Not course material (outside module 05's solution regions), so no module number.
Density, survival, CDF and moments against float64 formulas written here (the
``ξ = 0`` exponential branch included), the density integrating to the CDF, values
pinned from PyTorch 2.13, gradcheck of ``log_prob``/``cdf``/``icdf`` and ``rsample`` in all
three parameters, draw means within 5 standard errors, support, shapes and checks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import GeneralizedPareto

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def test_values_against_formulas(rng):
    loc, scale, xi = (
        np.array([0.5, -1.0, 0.0, 0.2]),
        np.array([1.5, 0.3, 1.0, 2.0]),
        np.array([0.2, -0.4, 0.0, 1.2]),
    )
    z = rng.random((3, 4)) * 0.7  # inside every support (for xi = -0.4 it ends at z = 1 / 0.4 = 2.5)
    x = loc + scale * z
    m = GeneralizedPareto(f64(loc), f64(scale), f64(xi))
    safe = np.where(xi == 0, 1.0, xi)
    log_density = np.where(xi == 0, -z, -(1 / safe + 1) * np.log1p(safe * z)) - np.log(scale)
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy(), log_density, rtol=1e-12)
    survival = np.where(xi == 0, np.exp(-z), (1 + safe * z) ** (-1 / safe))
    np.testing.assert_allclose(m.log_survival_function(f64(x)).numpy(), np.log(survival), rtol=1e-12)
    np.testing.assert_allclose(m.cdf(f64(x)).numpy(), 1 - survival, rtol=1e-12)
    np.testing.assert_allclose(m.log_cdf(f64(x)).numpy(), np.log1p(-survival), rtol=1e-12)
    level = np.full(4, 0.3)
    np.testing.assert_allclose(m.cdf(m.icdf(f64(level))).numpy(), level, rtol=1e-12)
    np.testing.assert_allclose(m.entropy().numpy(), np.log(scale) + xi + 1, rtol=1e-14)
    mean, variance = m.mean.numpy(), m.variance.numpy()
    np.testing.assert_allclose(mean[:3], (loc + scale / (1 - xi))[:3], rtol=1e-14)
    assert np.isnan(mean[3]) and np.isnan(variance[3])
    np.testing.assert_allclose(variance[:3], (scale**2 / ((1 - xi) ** 2 * (1 - 2 * xi)))[:3], rtol=1e-14)
    np.testing.assert_allclose(m.mode.numpy(), loc)
    grid = np.linspace(0.5, 0.5 + 1.5 * 4, 400001)  # the density integrates to the CDF (xi = 0.2)
    density = np.exp(GeneralizedPareto(f64(0.5), f64(1.5), f64(0.2)).log_prob(f64(grid)).numpy())
    integral = ((density[1:] + density[:-1]) * np.diff(grid) / 2).sum()
    np.testing.assert_allclose(
        integral, GeneralizedPareto(0.5, 1.5, 0.2).cdf(f64(grid[-1])).item(), rtol=1e-7
    )
    support = m.support
    np.testing.assert_allclose(support.lower_bound, loc)
    np.testing.assert_allclose(support.upper_bound, [math.inf, -1.0 + 0.3 / 0.4, math.inf, math.inf])
    near_zero = GeneralizedPareto(f64(0.0), f64(1.0), f64(5e-9)).log_prob(f64(2.0)).item()
    assert near_zero == -2.0  # |xi| <= 1e-8 counts as 0 (PyTorch's isclose)


def test_values_pinned_from_pytorch():
    # torch 2.13, float64 (scratch script): GeneralizedPareto(0.5, 1.5, 0.2) mean, variance, entropy(),
    # log_prob(1.2), cdf(1.2), icdf(0.3)
    m = GeneralizedPareto(f64(0.5), f64(1.5), f64(0.2))
    got = (m.mean, m.variance, m.entropy(), m.log_prob(f64(1.2)), m.cdf(f64(1.2)), m.icdf(f64(0.3)))
    want = (
        2.375,
        5.859374999999999,
        1.6054651081081643,
        -0.9408519104758204,
        0.3599158767190199,
        1.0545569283933451,
    )
    for result, expected in zip(got, want):
        np.testing.assert_allclose(result.item(), expected, rtol=1e-12)


def test_gradients(rng, check_grad):
    loc, scale = f64(rng.standard_normal(3) * 0.1, True), f64(rng.random(3) + 0.5, True)
    xi = f64([0.3, -0.2, 0.6], True)
    x = f64(1.0 + rng.random((2, 3)), True)  # inside every support: loc < 0.5 < x < loc + scale / 0.2
    level = f64(rng.random(3) * 0.9 + 0.05, True)
    check_grad(lambda m, s, c, v: GeneralizedPareto(m, s, c).log_prob(v), loc, scale, xi, x)
    check_grad(lambda m, s, c, v: GeneralizedPareto(m, s, c).cdf(v), loc, scale, xi, x)
    check_grad(lambda m, s, c, p: GeneralizedPareto(m, s, c).icdf(p), loc, scale, xi, level)
    check_grad(
        lambda s, c: GeneralizedPareto(0.0, s, c).entropy() + GeneralizedPareto(0.0, s, c - 0.7).variance,
        scale,
        xi,
    )

    def rsample(m, s, c):
        autograd.manual_seed(9)  # the same noise at every evaluation
        return GeneralizedPareto(m, s, c).rsample((2,))

    check_grad(rsample, loc, scale, xi)


def test_draws_shapes_and_checks():
    autograd.manual_seed(7)
    m = GeneralizedPareto(f64([0.5, -1.0, 0.0]), f64([1.5, 0.3, 1.0]), f64([0.2, -0.4, 0.0]))
    draws = m.sample((40000,)).numpy()
    assert draws.shape == (40000, 3) and (draws >= m.loc.numpy()).all()
    assert (draws[:, 1] <= -1.0 + 0.3 / 0.4).all()
    assert np.all(np.abs(draws.mean(0) - m.mean.numpy()) < 5 * np.sqrt(m.variance.numpy() / 40000))
    wide = m.expand((2, 3))
    assert (
        type(wide) is GeneralizedPareto
        and wide.batch_shape == (2, 3)
        and wide.rsample((4,)).shape == (4, 2, 3)
    )
    assert wide.entropy().shape == (2, 3)
    assert GeneralizedPareto(0.0, 1.0, 0.5).rsample((2,)).dtype == autograd.float32
    with pytest.raises(ValueError, match=r"GeneralizedPareto: parameter scale .* GreaterThan"):
        GeneralizedPareto(0.0, -1.0, 0.5)
    with pytest.raises(ValueError, match=r"GeneralizedPareto: the value must lie in the support Interval"):
        GeneralizedPareto(0.0, 1.0, -0.5).log_prob(f64(2.5))  # above loc - scale / xi = 2
    with pytest.raises(ValueError, match=r"GeneralizedPareto: the value must lie in the support Interval"):
        GeneralizedPareto(0.0, 1.0, 0.5).cdf(f64(-1.0))
    assert GeneralizedPareto(0.0, 1.0, -0.5).log_prob(f64(2.0)).item() == -math.inf  # the upper end
