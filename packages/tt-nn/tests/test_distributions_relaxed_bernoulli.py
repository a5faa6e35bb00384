"""``RelaxedBernoulli``: its density vs the change of variables, PyTorch's values, gradients, draws, checks.

Not course material (outside module 05's solution regions), so no module number.
The density is checked against the logistic density of ``logit(y)`` divided by the
sigmoid's slope (written here) and by integrating to 1, pinned against PyTorch 2.13,
gradchecked in ``logits``/``probs``/``temperature``/value and through ``rsample``; draws are
checked against the documented transform of the noise and against the limit ``P(y > 1/2) = p``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import RelaxedBernoulli

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def test_log_prob_is_the_logistic_density_through_the_sigmoid(rng):
    temperature, p = np.array([[0.4], [1.7]]), np.array([0.2, 0.5, 0.9])
    y = rng.random((4, 2, 3)) * 0.98 + 0.01
    m = RelaxedBernoulli(f64(temperature), probs=f64(p))
    x = np.log(y / (1 - y))
    d = np.log(p / (1 - p)) - temperature * x
    logistic = np.log(temperature) + d - 2 * np.log1p(np.exp(d))  # the density of x = logit(y)
    expected = logistic - np.log(y * (1 - y))  # divided by dy/dx = y (1 - y)
    np.testing.assert_allclose(m.log_prob(f64(y)).numpy(), expected, rtol=1e-11)
    grid = np.linspace(0.0, 1.0, 400001)[1:-1]
    mass = np.exp(RelaxedBernoulli(f64(1.5), probs=f64(0.3)).log_prob(f64(grid)).numpy())
    np.testing.assert_allclose(((mass[1:] + mass[:-1]) * np.diff(grid) / 2).sum(), 1.0, rtol=1e-6)
    by_logits = RelaxedBernoulli(f64(temperature), logits=f64(np.log(p / (1 - p))))
    np.testing.assert_allclose(by_logits.log_prob(f64(y)).numpy(), expected, rtol=1e-11)
    # torch 2.13, float64 (scratch script): RelaxedBernoulli(0.7, probs=0.3).log_prob(0.2), (0.95)
    pinned = RelaxedBernoulli(f64(0.7), probs=f64(0.3)).log_prob(f64([0.2, 0.95])).numpy()
    np.testing.assert_allclose(pinned, [0.08582564215194544, -0.32430684119114206], rtol=1e-12)
    for missing in ("mean", "variance", "mode"):
        with pytest.raises(NotImplementedError, match=f"RelaxedBernoulli does not define {missing}"):
            getattr(m, missing)
    with pytest.raises(NotImplementedError, match="RelaxedBernoulli does not define entropy"):
        m.entropy()


def test_gradients(rng, check_grad):
    temperature = f64([[0.6], [1.4]], True)
    logits, p = f64(rng.standard_normal(3), True), f64(rng.random(3) * 0.8 + 0.1, True)
    y = f64(rng.random((4, 2, 3)) * 0.9 + 0.05, True)
    check_grad(lambda t, z, v: RelaxedBernoulli(t, logits=z).log_prob(v), temperature, logits, y)
    check_grad(lambda t, q, v: RelaxedBernoulli(t, probs=q).log_prob(v), temperature, p, y)

    def rsample(t, q):
        autograd.manual_seed(9)  # the same noise at every evaluation
        return RelaxedBernoulli(t, probs=q).rsample((2,))

    check_grad(rsample, temperature, p)


def test_draws_and_shapes():
    p, temperature = np.array([0.2, 0.5, 0.9]), 0.3
    autograd.manual_seed(4)
    u = np.clip(
        autograd.rand(5, 3, dtype=autograd.float64).numpy(), 2.220446049250313e-16, 1 - 2.220446049250313e-16
    )
    autograd.manual_seed(4)
    m = RelaxedBernoulli(f64(temperature), probs=f64(p))
    draws = m.rsample((5,)).numpy()
    x = (np.log(u / (1 - u)) + np.log(p / (1 - p))) / temperature
    np.testing.assert_allclose(draws, 1 / (1 + np.exp(-x)), rtol=1e-12)
    autograd.manual_seed(5)
    many = m.sample((40000,)).numpy()  # y > 1/2 exactly when logit(u) > -logit(p): probability p
    assert ((many > 0) & (many < 1)).all()
    assert np.all(np.abs((many > 0.5).mean(0) - p) < 5 * np.sqrt(p * (1 - p) / 40000))
    cold = RelaxedBernoulli(f64(0.01), probs=f64([0.3])).sample((2000,)).numpy()
    assert np.mean((cold < 1e-6) | (cold > 1 - 1e-6)) > 0.9  # near-0/1 values at a low temperature
    assert m.batch_shape == (3,) and m.event_shape == () and m.param_shape == (3,) and m.has_rsample
    wide = m.expand((4, 3))
    assert (
        type(wide) is RelaxedBernoulli
        and wide.batch_shape == (4, 3)
        and wide.rsample((2,)).shape == (2, 4, 3)
    )
    assert RelaxedBernoulli(0.5, probs=0.3).rsample((2,)).dtype == autograd.float32
    assert RelaxedBernoulli(0.4, probs=f64(0.3)).temperature.item() == 0.4  # made in float64, not rounded
    with pytest.raises(
        TypeError, match="RelaxedBernoulli: temperature must be a number or a tensor, got str"
    ):
        RelaxedBernoulli("hot", probs=0.3)


def test_checks():
    with pytest.raises(ValueError, match="pass either probs or logits"):
        RelaxedBernoulli(0.5)
    with pytest.raises(ValueError, match=r"RelaxedBernoulli: parameter probs .* Interval"):
        RelaxedBernoulli(0.5, probs=1.5)
    with pytest.raises(ValueError, match=r"RelaxedBernoulli: the value must lie in the support Interval"):
        RelaxedBernoulli(0.5, probs=0.3).log_prob(f64(1.5))
    assert math.isfinite(RelaxedBernoulli(0.5, probs=f64(0.3)).log_prob(f64(0.0)).item())  # clamped to tiny
