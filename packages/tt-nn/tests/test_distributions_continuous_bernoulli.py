"""``ContinuousBernoulli`` and its KLs: values vs quadrature, PyTorch's values, gradients, draws, checks.

Not course material (outside module 05's solution regions), so no module number.
The normaliser, mean, variance, entropy and CDF against trapezoid integrals of
``λ^x (1 - λ)^(1 - x)`` written here (on both sides of the Taylor region around 1/2),
values pinned from PyTorch 2.13, gradcheck of ``log_prob``/``cdf``/``icdf``/``entropy``/
``rsample`` and of a KL, draw means within 5 standard errors, shapes, ``expand``, checks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import (
    Beta,
    ContinuousBernoulli,
    Distribution,
    Exponential,
    Normal,
    Uniform,
    kl_divergence,
)

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py

GRID = np.linspace(0.0, 1.0, 200001)


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def integrate(values: np.ndarray, grid: np.ndarray = GRID) -> np.ndarray:
    return ((values[..., 1:] + values[..., :-1]) * np.diff(grid) / 2).sum(-1)


def test_values_against_quadrature():
    lam = np.array([0.05, 0.3, 0.4995, 0.5, 0.5004, 0.8])  # 0.4995..0.5004: the Taylor branches
    m = ContinuousBernoulli(probs=f64(lam))
    unnormalised = lam[:, None] ** GRID * (1 - lam[:, None]) ** (1 - GRID)
    norm = 1 / integrate(unnormalised)
    density = norm[:, None] * unnormalised
    x = np.array([0.1, 0.3, 0.5, 0.7, 0.9, 0.95])
    np.testing.assert_allclose(
        m.log_prob(f64(x)).numpy(), np.log(norm * lam**x * (1 - lam) ** (1 - x)), rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(m.mean.numpy(), integrate(GRID * density), rtol=1e-9)
    second = integrate(GRID**2 * density)
    np.testing.assert_allclose(m.variance.numpy(), second - integrate(GRID * density) ** 2, rtol=1e-8)
    np.testing.assert_allclose(m.stddev.numpy() ** 2, m.variance.numpy(), rtol=1e-14)
    np.testing.assert_allclose(m.entropy().numpy(), -integrate(density * np.log(density)), atol=1e-9)
    cdf = m.cdf(f64(x)).numpy()
    for i in (0, 1, 5):  # outside the Taylor region: the integral of the density up to x
        below = np.linspace(0.0, x[i], 200001)
        part = norm[i] * lam[i] ** below * (1 - lam[i]) ** (1 - below)
        np.testing.assert_allclose(cdf[i], integrate(part, below), rtol=1e-9)
    np.testing.assert_array_equal(cdf[2:5], x[2:5])  # inside it: the uniform's CDF, as PyTorch's
    np.testing.assert_allclose(m.cdf(m.icdf(f64(x))).numpy(), x, rtol=1e-12)
    edges = ContinuousBernoulli(probs=f64([0.3, 0.3])).cdf(f64([0.0, 1.0])).numpy()
    np.testing.assert_array_equal(edges, [0.0, 1.0])
    by_logits = ContinuousBernoulli(logits=f64(np.log(lam / (1 - lam))))
    np.testing.assert_allclose(by_logits.log_prob(f64(x)).numpy(), m.log_prob(f64(x)).numpy(), rtol=1e-9)
    ends = ContinuousBernoulli(probs=f64([0.0, 1.0]))  # clamped to [eps, 1 - eps]: finite
    assert np.isfinite(ends.log_prob(f64([0.0, 1.0])).numpy()).all()
    np.testing.assert_allclose(ends.probs.numpy(), [np.finfo(np.float64).eps, 1 - np.finfo(np.float64).eps])


def test_values_pinned_from_pytorch():
    # torch 2.13, float64 (scratch script): mean, variance, entropy(), log_prob(0.7), cdf(0.7), icdf(0.3)
    pinned = {
        0.2: (0.3880141871111483, 0.0758978008069574, -0.07641445280335896, -0.3560897203538613,
              0.8280944778298671, 0.18386589225024355),
        0.5003: (0.5001000000096, 0.08333332733333443, -6.000001229189422e-08, 0.00023994002878613419,
                 0.7, 0.3),
    }  # fmt: skip
    for lam, expected in pinned.items():
        m, v = ContinuousBernoulli(probs=f64(lam)), f64(0.7)
        got = (m.mean, m.variance, m.entropy(), m.log_prob(v), m.cdf(v), m.icdf(f64(0.3)))
        for result, want in zip(got, expected):
            np.testing.assert_allclose(result.item(), want, rtol=1e-12, atol=1e-15)
    # at the region's edges: 0.501 takes the Taylor series (to its x² term), 0.499 the exact formula
    edges = ContinuousBernoulli(probs=f64([0.501, 0.499]))
    np.testing.assert_allclose(edges.variance.numpy(), [0.08333326666680212, 0.08333326776482863], rtol=2e-14)
    np.testing.assert_allclose(edges.mean.numpy()[0], 0.5003333336888889, rtol=1e-15)
    p = ContinuousBernoulli(probs=f64(0.2))
    kls = {
        0.20103591570967994: kl_divergence(p, ContinuousBernoulli(probs=f64(0.7))),
        0.46949440132767356: kl_divergence(p, Normal(f64(0.3), f64(0.5))),
        0.3493725590785961: kl_divergence(Beta(f64(2.0), f64(3.0)), ContinuousBernoulli(probs=f64(0.7))),
    }
    for want, got in kls.items():
        np.testing.assert_allclose(got.item(), want, rtol=1e-12)


def test_kls_against_quadrature():
    p, q = ContinuousBernoulli(probs=f64(0.3)), ContinuousBernoulli(logits=f64(1.1))
    inner = GRID
    log_p, log_q = p.log_prob(f64(inner)).numpy(), q.log_prob(f64(inner)).numpy()
    np.testing.assert_allclose(
        kl_divergence(p, q).item(), integrate(np.exp(log_p) * (log_p - log_q), inner), rtol=1e-7
    )
    log_e = math.log(2.0) - 2.0 * inner
    np.testing.assert_allclose(
        kl_divergence(p, Exponential(f64(2.0))).item(),
        integrate(np.exp(log_p) * (log_p - log_e), inner),
        rtol=1e-7,
    )
    assert math.isinf(kl_divergence(p, Uniform(f64(0.0), f64(1.0))).item())  # PyTorch's condition, kept
    assert math.isinf(kl_divergence(Uniform(f64(0.0), f64(0.5)), q).item())
    np.testing.assert_allclose(
        kl_divergence(Uniform(f64(0.2), f64(0.6)), q).item(),
        integrate(
            2.5 * (math.log(2.5) - q.log_prob(f64(np.linspace(0.2, 0.6, 20001))).numpy()),
            np.linspace(0.2, 0.6, 20001),
        ),
        rtol=1e-8,
    )
    for other in (Normal(f64(0.0), f64(1.0)), Exponential(f64(1.0))):
        assert math.isinf(kl_divergence(other, p).item())


def test_gradients(rng, check_grad):
    lam = f64([0.1, 0.45, 0.4997, 0.75], True)  # one in the Taylor region
    logits = f64(rng.standard_normal(4), True)
    x = f64(rng.random((3, 4)) * 0.9 + 0.05, True)
    check_grad(lambda p, v: ContinuousBernoulli(probs=p).log_prob(v), lam, x)
    check_grad(lambda z, v: ContinuousBernoulli(logits=z).log_prob(v), logits, x)
    check_grad(lambda p, v: ContinuousBernoulli(probs=p).cdf(v), lam, x)
    check_grad(lambda p, u: ContinuousBernoulli(probs=p).icdf(u), lam, x)
    check_grad(lambda p: ContinuousBernoulli(probs=p).entropy() + ContinuousBernoulli(probs=p).variance, lam)
    check_grad(
        lambda p, z: kl_divergence(ContinuousBernoulli(probs=p), ContinuousBernoulli(logits=z)), lam, logits
    )

    def rsample(p):
        autograd.manual_seed(9)  # the same noise at every evaluation
        return ContinuousBernoulli(probs=p).rsample((2,))

    check_grad(rsample, lam)


def test_draws_shapes_and_checks():
    autograd.manual_seed(5)
    lam = np.array([0.1, 0.5, 0.85])
    m = ContinuousBernoulli(probs=f64(lam))
    draws = m.sample((40000,)).numpy()
    assert draws.shape == (40000, 3) and ((draws >= 0) & (draws <= 1)).all()
    assert np.all(np.abs(draws.mean(0) - m.mean.numpy()) < 5 * np.sqrt(m.variance.numpy() / 40000))
    autograd.manual_seed(6)
    u = autograd.rand(2, 3, dtype=autograd.float64)
    autograd.manual_seed(6)
    np.testing.assert_allclose(m.rsample((2,)).numpy(), m.icdf(u).numpy(), rtol=1e-14)
    wide = m.expand((4, 3))
    with pytest.raises(ValueError, match="the value must lie in the support"):
        wide.log_prob(f64(1.5))  # expand keeps validation on
    unchecked = ContinuousBernoulli(probs=f64([0.3, 0.3]), validate_args=False)
    np.testing.assert_array_equal(unchecked.cdf(f64([-0.5, 1.5])).numpy(), [0.0, 1.0])
    assert (
        type(wide) is ContinuousBernoulli
        and wide.batch_shape == (4, 3)
        and wide.sample((2,)).shape == (2, 4, 3)
    )
    np.testing.assert_allclose(wide.mean.numpy(), np.broadcast_to(m.mean.numpy(), (4, 3)))
    assert m.param_shape == (3,) and m.event_shape == () and m.has_rsample
    assert ContinuousBernoulli(probs=0.3).rsample((2,)).dtype == autograd.float32
    with pytest.raises(ValueError, match="pass either probs or logits"):
        ContinuousBernoulli()
    for given in (True, False):  # PyTorch checks the raw probs whenever validate_args is given
        with pytest.raises(ValueError, match="ContinuousBernoulli: the parameter probs has invalid values"):
            ContinuousBernoulli(probs=1.5, validate_args=given)
    with pytest.raises(ValueError, match="the parameter probs has invalid values"):
        ContinuousBernoulli(probs=-1.0)  # by default too (PyTorch 2.13 clamps it to eps silently)
    Distribution.set_default_validate_args(False)
    try:
        assert ContinuousBernoulli(probs=1.5).probs.item() == pytest.approx(1.0)  # unchecked: clamped
    finally:
        Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError, match=r"ContinuousBernoulli: parameter logits .* Real\(\)"):
        ContinuousBernoulli(logits=float("nan"))
    for method in ("log_prob", "cdf"):
        with pytest.raises(ValueError, match=r"the value must lie in the support Interval"):
            getattr(ContinuousBernoulli(probs=0.3), method)(f64(1.2))
