"""``Kumaraswamy`` and ``FisherSnedecor``: values vs formulas, PyTorch's values, gradients, draws, checks.

Not course material (outside module 05's solution regions), so no module number.
Densities, CDFs and moments against float64 formulas and quadrature written here,
values pinned from PyTorch 2.13, gradcheck of ``log_prob``/``cdf``/``icdf``/``entropy``
and ``rsample`` (noise fixed by the seed; FisherSnedecor's draws move with the degrees
of freedom, so its gradient is checked through the mean of many draws), draw means
within 5 standard errors, shapes, ``expand`` and the parameter and support checks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import FisherSnedecor, Kumaraswamy

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py

lgamma = np.vectorize(math.lgamma)
EULER = 0.5772156649015329


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def integrate(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    return ((values[..., 1:] + values[..., :-1]) * np.diff(grid) / 2).sum(-1)


def test_kumaraswamy_values(rng):
    a, b = np.array([[0.6], [2.0]]), np.array([0.5, 1.0, 3.5])
    x = rng.random((4, 2, 3)) * 0.98 + 0.01
    m = Kumaraswamy(f64(a), f64(b))
    density = a * b * x ** (a - 1) * (1 - x**a) ** (b - 1)
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy(), np.log(density), rtol=1e-12)
    np.testing.assert_allclose(m.cdf(f64(x)).numpy(), 1 - (1 - x**a) ** b, rtol=1e-12)
    level = np.full((2, 3), 0.3)
    np.testing.assert_allclose(m.cdf(m.icdf(f64(level))).numpy(), level, rtol=1e-12)
    grid = np.linspace(0.0, 1.0, 400001)[1:-1]
    pdf = (
        a[..., None]
        * b[:, None]
        * grid ** (a[..., None] - 1)
        * (1 - grid ** a[..., None]) ** (b[:, None] - 1)
    )
    pdf = np.broadcast_to(pdf, (2, 3, grid.size))
    mean = b * np.exp(lgamma(1 + 1 / a) + lgamma(b) - lgamma(1 + 1 / a + b))
    np.testing.assert_allclose(m.mean.numpy(), mean, rtol=1e-12)
    second = b * np.exp(lgamma(1 + 2 / a) + lgamma(b) - lgamma(1 + 2 / a + b))
    np.testing.assert_allclose(m.variance.numpy(), second - mean**2, rtol=1e-10)
    smooth = (a[1, 0], b[2])  # a check of the moment formula by quadrature where the density is bounded
    np.testing.assert_allclose(integrate(grid * pdf[1, 2], grid), mean[1, 2], rtol=1e-7, err_msg=str(smooth))
    harmonic = (lgamma(b + 1 + 1e-6) - lgamma(b + 1 - 1e-6)) / 2e-6 + EULER
    entropy = (1 - 1 / b) + (1 - 1 / a) * harmonic - np.log(a) - np.log(b)
    np.testing.assert_allclose(m.entropy().numpy(), entropy, atol=1e-8)
    log_pdf = np.log(pdf[1, 2])
    np.testing.assert_allclose(m.entropy().numpy()[1, 2], -integrate(pdf[1, 2] * log_pdf, grid), rtol=1e-6)
    # the mode is where the density peaks (PyTorch 2.13's formula is NaN for every b >= 1: not copied)
    peaked = Kumaraswamy(f64([2.0, 3.5, 1.0, 4.0]), f64([3.0, 1.5, 2.0, 1.0]))
    fine = np.linspace(1e-6, 1 - 1e-6, 200001)
    a_, b_ = peaked.concentration1.numpy()[:, None], peaked.concentration0.numpy()[:, None]
    density = a_ * b_ * fine ** (a_ - 1) * (1 - fine**a_) ** (b_ - 1)
    np.testing.assert_allclose(peaked.mode.detach().numpy(), fine[density.argmax(1)], atol=1e-5)
    assert peaked.mode.detach().numpy()[2:].tolist() == [0.0, 1.0]  # a = 1: at 0; b = 1: at 1
    unbounded = Kumaraswamy(f64([0.5, 2.0, 1.0]), f64([2.0, 0.5, 1.0]))
    assert np.isnan(unbounded.mode.detach().numpy()).all()  # a < 1, b < 1, and the flat a = b = 1


def test_fisher_snedecor_values(rng):
    d1, d2 = np.array([[1.0], [5.0]]), np.array([1.5, 4.0, 9.0])
    x = np.exp(rng.standard_normal((4, 2, 3)))
    m = FisherSnedecor(f64(d1), f64(d2))
    log_beta = lgamma(d1 / 2) + lgamma(d2 / 2) - lgamma((d1 + d2) / 2)
    expected = (
        (d1 / 2) * np.log(d1 / d2)
        + (d1 / 2 - 1) * np.log(x)
        - (d1 + d2) / 2 * np.log1p(d1 * x / d2)
        - log_beta
    )
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy(), expected, rtol=1e-12)
    mean, variance, mode = m.mean.numpy(), m.variance.numpy(), m.mode.numpy()
    assert np.isnan(mean[:, 0]).all() and np.isnan(variance[:, :2]).all() and np.isnan(mode[0]).all()
    np.testing.assert_allclose(mean[:, 1:], np.broadcast_to(d2[1:] / (d2[1:] - 2), (2, 2)), rtol=1e-14)
    v = 2 * 81 * (d1[:, 0] + 7) / (d1[:, 0] * 49 * 5)  # d2 = 9
    np.testing.assert_allclose(variance[:, 2], v, rtol=1e-13)
    np.testing.assert_allclose(mode[1], 3 / 5 * d2 / (d2 + 2), rtol=1e-14)
    assert np.isnan(FisherSnedecor(2.0, 5.0).mode.item())  # d1 = 2 exactly: NaN as PyTorch
    assert np.isnan(FisherSnedecor(3.0, 4.0).variance.item()) and np.isnan(
        FisherSnedecor(3.0, 2.0).mean.item()
    )
    for missing in ("entropy", "cdf", "icdf"):
        with pytest.raises(NotImplementedError, match=f"FisherSnedecor does not define {missing}"):
            getattr(m, missing)(*(() if missing == "entropy" else (f64(0.5),)))


def test_values_pinned_from_pytorch():
    # torch 2.13, float64 (scratch script): Kumaraswamy(2, 3) mean, variance, entropy(), log_prob(0.4),
    # cdf(0.4), icdf(0.3); FisherSnedecor(5, 9) mean, variance, mode, log_prob(1.2)
    k, v = Kumaraswamy(f64(2.0), f64(3.0)), f64(0.4)
    got = (k.mean, k.variance, k.entropy(), k.log_prob(v), k.cdf(v), k.icdf(f64(0.3)))
    want = (0.457142857142857, 0.04102040816326541, -0.2084261358947218, 0.5267619630643445,
            0.4072960000000001, 0.33480740472307263)  # fmt: skip
    for result, expected in zip(got, want):
        np.testing.assert_allclose(result.item(), expected, rtol=1e-12)
    f = FisherSnedecor(f64(5.0), f64(9.0))
    got = (f.mean, f.variance, f.mode, f.log_prob(f64(1.2)))
    for result, expected in zip(
        got, (1.2857142857142858, 1.586938775510204, 0.49090909090909085, -0.9309319227315598)
    ):
        np.testing.assert_allclose(result.item(), expected, rtol=1e-12)


def test_gradients(rng, check_grad):
    a, b = f64(rng.random((2, 1)) * 2 + 0.5, True), f64(rng.random(3) * 2 + 0.5, True)
    x = f64(rng.random((4, 2, 3)) * 0.9 + 0.05, True)
    level = f64(rng.random(3) * 0.9 + 0.05, True)
    check_grad(lambda a, b, v: Kumaraswamy(a, b).log_prob(v), a, b, x)
    check_grad(lambda a, b, v: Kumaraswamy(a, b).cdf(v), a, b, x)
    check_grad(lambda a, b, p: Kumaraswamy(a, b).icdf(p), a, b, level)
    check_grad(lambda a, b: Kumaraswamy(a, b).entropy() + Kumaraswamy(a, b).variance, a, b)
    d1, d2 = f64(rng.random((2, 1)) * 4 + 0.5, True), f64(rng.random(3) * 4 + 4.5, True)
    positive = f64(np.exp(rng.standard_normal((4, 2, 3))), True)
    check_grad(lambda p, q, v: FisherSnedecor(p, q).log_prob(v), d1, d2, positive)
    check_grad(lambda p, q: FisherSnedecor(p + 2, q).mode + FisherSnedecor(p, q).variance, d1, d2)

    def rsample(a, b):
        autograd.manual_seed(9)  # the same noise at every evaluation
        return Kumaraswamy(a, b).rsample((2,))

    check_grad(rsample, a, b)


def test_fisher_snedecor_rsample_gradient_is_unbiased():
    # E[X] = d2 / (d2 - 2): d/d d2 = -2 / (d2 - 2)^2 = -2 / 36 at d2 = 8, and 0 in d1
    draws = 60000
    autograd.manual_seed(5)
    d1, d2 = f64(np.full(draws, 6.0), True), f64(np.full(draws, 8.0), True)
    FisherSnedecor(d1, d2).rsample().sum().backward()
    for grad, expected in ((d2.grad.numpy(), -2 / 36), (d1.grad.numpy(), 0.0)):
        assert abs(grad.mean() - expected) < 5 * grad.std() / math.sqrt(draws)


def test_rsample_is_the_documented_transform_of_the_noise(rng):
    a, b = rng.random(3) + 0.5, rng.random(3) + 0.5
    autograd.manual_seed(2)
    u = autograd.rand(4, 3, dtype=autograd.float64).numpy()
    autograd.manual_seed(2)
    draws = Kumaraswamy(f64(a), f64(b)).rsample((4,)).numpy()
    np.testing.assert_allclose(draws, (1 - u ** (1 / b)) ** (1 / a), rtol=1e-12)


def test_draws_shapes_and_checks():
    draws = 40000
    autograd.manual_seed(8)
    for m in (
        Kumaraswamy(f64([0.7, 3.0]), f64([2.0, 0.6])),
        FisherSnedecor(f64([3.0, 10.0]), f64([12.0, 9.0])),
    ):
        x = m.sample((draws,)).numpy()
        assert x.shape == (draws, 2) and (x > 0).all()
        assert np.all(np.abs(x.mean(0) - m.mean.numpy()) < 5 * np.sqrt(m.variance.numpy() / draws))
        assert m.batch_shape == (2,) and m.event_shape == () and m.rsample((3, 4)).shape == (3, 4, 2)
        wide = m.expand((5, 2))
        assert type(wide) is type(m) and wide.batch_shape == (5, 2) and wide.sample().shape == (5, 2)
        np.testing.assert_allclose(wide.mean.numpy(), np.broadcast_to(m.mean.numpy(), (5, 2)))
    assert (Kumaraswamy(f64(0.5), f64(0.5)).sample((1000,)).numpy() <= 1).all()
    assert FisherSnedecor(2.0, 3.0).rsample((3,)).dtype == autograd.float32
    with pytest.raises(ValueError, match=r"Kumaraswamy: parameter concentration0 .* GreaterThan"):
        Kumaraswamy(1.0, 0.0)
    with pytest.raises(ValueError, match=r"FisherSnedecor: parameter df1"):
        FisherSnedecor(-1.0, 2.0)
    with pytest.raises(ValueError, match=r"Kumaraswamy: the value must lie in the support Interval"):
        Kumaraswamy(1.0, 1.0).log_prob(f64(1.5))
    with pytest.raises(ValueError, match=r"Kumaraswamy: the value must lie in the support Interval"):
        Kumaraswamy(1.0, 1.0).cdf(f64(-0.5))
    with pytest.raises(ValueError, match=r"FisherSnedecor: the value must lie in the support GreaterThan\("):
        FisherSnedecor(1.0, 1.0).log_prob(f64(0.0))
