"""``Multinomial`` and ``NegativeBinomial``: values vs formulas, PyTorch's values, gradients, draws, checks.

Not course material (outside module 05's solution regions), so no module number.
Mass functions against ``math.lgamma`` formulas written here (and summing to 1),
``entropy`` against a sum over every count vector, values pinned from PyTorch 2.13,
gradcheck of ``log_prob`` (and ``entropy``) in the parameters, draw means and
variances within 5 standard errors under a fixed seed, shapes, ``expand``, checks.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import Multinomial, NegativeBinomial

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py

lgamma = np.vectorize(math.lgamma)


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def count_vectors(total: int, k: int) -> np.ndarray:
    """Every vector of ``k`` non-negative whole numbers summing to ``total``."""
    rows = [c for c in itertools.product(range(total + 1), repeat=k) if sum(c) == total]
    return np.array(rows, dtype=np.float64)


def multinomial_log_mass(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    n = x.sum(-1)
    return lgamma(n + 1) - lgamma(x + 1).sum(-1) + (x * np.log(p)).sum(-1)


def negative_binomial_log_mass(k: np.ndarray, r: np.ndarray, p: np.ndarray) -> np.ndarray:
    return lgamma(r + k) - lgamma(k + 1) - lgamma(r) + k * np.log(p) + r * np.log1p(-p)


# ---------------------------------------------------------------------------- Multinomial
def test_multinomial_values(rng):
    weights = rng.random((2, 3)) + 0.1
    p = weights / weights.sum(-1, keepdims=True)
    m = Multinomial(4, probs=f64(weights))
    x = count_vectors(4, 3)[:, None, :]  # (15, 1, 3) against batch (2,)
    log_mass = m.log_prob(f64(x)).numpy()
    np.testing.assert_allclose(log_mass, multinomial_log_mass(x, p), rtol=1e-12)
    np.testing.assert_allclose(np.exp(log_mass).sum(0), [1.0, 1.0], rtol=1e-12)
    entropy = -(np.exp(log_mass) * log_mass).sum(0)
    np.testing.assert_allclose(m.entropy().numpy(), entropy, rtol=1e-12)
    np.testing.assert_allclose(m.mean.numpy(), 4 * p, rtol=1e-14)
    np.testing.assert_allclose(m.variance.numpy(), 4 * p * (1 - p), rtol=1e-14)
    np.testing.assert_allclose(m.probs.numpy(), p, rtol=1e-14)
    with pytest.raises(NotImplementedError, match="Multinomial does not define mode"):
        m.mode  # noqa: B018  (PyTorch 2.13's Multinomial has no mode either)
    by_logits = Multinomial(4, logits=f64(np.log(weights) + 3.0))
    np.testing.assert_allclose(by_logits.log_prob(f64(x)).numpy(), log_mass, rtol=1e-12)
    np.testing.assert_allclose(by_logits.logits.numpy(), np.log(p), rtol=1e-12)


def test_multinomial_log_prob_scores_any_total_and_zero_probabilities():
    m = Multinomial(10, probs=f64([0.0, 0.4, 0.6]))  # log_prob takes n from the value (PyTorch's)
    expected = math.lgamma(4) - math.lgamma(2) - math.lgamma(3) + math.log(0.4) + 2 * math.log(0.6)
    np.testing.assert_allclose(m.log_prob(f64([0.0, 1.0, 2.0])).item(), expected, rtol=1e-12)
    assert m.log_prob(f64([1.0, 1.0, 1.0])).item() < -30  # a clamped log 0: very unlikely, finite
    by_logits = Multinomial(10, logits=f64([-math.inf, 0.0, math.log(1.5)]), validate_args=False)
    np.testing.assert_allclose(by_logits.log_prob(f64([0.0, 1.0, 2.0])).item(), expected, rtol=1e-12)
    assert by_logits.log_prob(f64([1.0, 1.0, 1.0])).item() == -math.inf


def test_multinomial_gradients(rng, check_grad):
    weights = f64(rng.random((2, 3)) + 0.1, True)
    logits = f64(rng.standard_normal((2, 3)), True)
    x = f64([[1.0, 0.0, 3.0], [2.0, 1.0, 1.0]])
    check_grad(lambda w: Multinomial(4, probs=w).log_prob(x), weights)
    check_grad(lambda z: Multinomial(4, logits=z).log_prob(x), logits)
    check_grad(lambda z: Multinomial(3, logits=z).entropy(), logits)
    check_grad(lambda w: Multinomial(4, probs=w).mean + Multinomial(4, probs=w).variance, weights)


def test_multinomial_draws_and_shapes():
    autograd.manual_seed(3)
    p = np.array([[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]])
    m = Multinomial(6, probs=f64(p))
    draws = m.sample((20000,)).numpy()
    assert draws.shape == (20000, 2, 3) and (draws.sum(-1) == 6).all() and (draws >= 0).all()
    assert np.all(draws == np.round(draws))
    variance = 6 * p * (1 - p)
    assert np.all(np.abs(draws.mean(0) - 6 * p) < 5 * np.sqrt(variance / 20000))
    assert np.all(np.abs(draws.var(0) - variance) < 5 * np.sqrt(2 * variance**2 / 20000) + 0.05)
    assert m.batch_shape == (2,) and m.event_shape == (3,) and m.sample().shape == (2, 3)
    assert m.log_prob(m.sample((4, 5))).shape == (4, 5, 2)
    wide = m.expand((4, 2))
    assert type(wide) is Multinomial and wide.batch_shape == (4, 2) and wide.event_shape == (3,)
    assert wide.sample((5,)).shape == (5, 4, 2, 3) and wide.total_count == 6
    np.testing.assert_allclose(wide.entropy().numpy(), np.broadcast_to(m.entropy().numpy(), (4, 2)))
    assert Multinomial(probs=f64([0.5, 0.5])).total_count == 1
    assert Multinomial(2, probs=autograd.tensor([1.0, 1.0])).sample().dtype == autograd.float32


def test_multinomial_checks():
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count is not supported"):
        Multinomial(3.0, probs=f64([0.5, 0.5]))
    with pytest.raises(NotImplementedError, match="inhomogeneous"):
        Multinomial(f64(3.0), probs=f64([0.5, 0.5]))
    with pytest.raises(ValueError, match="pass either probs or logits"):
        Multinomial(3)
    with pytest.raises(ValueError, match=r"Multinomial: the value must lie in the support Multinomial\(\)"):
        Multinomial(3, probs=f64([0.5, 0.5])).log_prob(f64([3.0, 1.0]))  # sums to 4 > 3
    with pytest.raises(ValueError, match=r"Multinomial: the value must lie in the support"):
        Multinomial(3, probs=f64([0.5, 0.5])).log_prob(f64([-1.0, 1.0]))
    with pytest.raises(ValueError, match=r"must match event_shape"):
        Multinomial(3, probs=f64([0.5, 0.5])).log_prob(f64([1.0, 1.0, 1.0]))
    with pytest.raises(NotImplementedError, match="Multinomial has no rsample"):
        Multinomial(3, probs=f64([0.5, 0.5])).rsample()
    assert Multinomial(3, probs=f64([0.5, 0.5])).log_prob(f64([1.0, 1.0])).shape == ()  # a total below 3


# ---------------------------------------------------------------------------- NegativeBinomial
def test_negative_binomial_values(rng):
    r, p = np.array([[0.5], [3.5]]), np.array([0.1, 0.45, 0.8])
    m = NegativeBinomial(f64(r), probs=f64(p))
    k = np.arange(6.0)[:, None, None]
    np.testing.assert_allclose(m.log_prob(f64(k)).numpy(), negative_binomial_log_mass(k, r, p), rtol=1e-12)
    many = np.arange(400.0)[:, None, None]  # the masses sum to 1 (tails below 1e-16 by k = 400)
    np.testing.assert_allclose(np.exp(m.log_prob(f64(many)).numpy()).sum(0), np.ones((2, 3)), rtol=1e-10)
    np.testing.assert_allclose(m.mean.numpy(), r * p / (1 - p), rtol=1e-13)
    np.testing.assert_allclose(m.variance.numpy(), r * p / (1 - p) ** 2, rtol=1e-13)
    np.testing.assert_allclose(m.mode.numpy(), np.maximum(np.floor((r - 1) * p / (1 - p)), 0), atol=0)
    by_logits = NegativeBinomial(f64(r), logits=f64(np.log(p / (1 - p))))
    np.testing.assert_allclose(by_logits.log_prob(f64(k)).numpy(), m.log_prob(f64(k)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(by_logits.probs.numpy(), np.broadcast_to(p, (2, 3)), rtol=1e-14)
    whole = NegativeBinomial(f64(2.0), probs=f64(0.3)).log_prob(f64([0.0, 2.0, 5.0]))  # r = k: not masked
    k = np.array([0.0, 2.0, 5.0])
    np.testing.assert_allclose(whole.numpy(), negative_binomial_log_mass(k, 2.0, 0.3), rtol=1e-12)
    zero = NegativeBinomial(f64([0.0, 0.0]), probs=f64(0.3)).log_prob(f64([0.0, 2.0])).numpy()
    assert zero[0] == 0.0 and zero[1] == -math.inf  # r = 0: all mass at 0 (normaliser masked there)
    assert NegativeBinomial(f64(2.0), probs=f64(0.0)).log_prob(f64(0.0)).item() == pytest.approx(
        0.0, abs=1e-14
    )
    for missing in ("entropy", "cdf", "icdf"):
        with pytest.raises(NotImplementedError, match=f"NegativeBinomial does not define {missing}"):
            getattr(m, missing)(*(() if missing == "entropy" else (f64(0.5),)))


def test_values_pinned_from_pytorch():
    # torch 2.13, float64 (scratch script): NegativeBinomial(3.5, probs=0.4) mean, variance, mode,
    # log_prob(2); Multinomial(5, probs=[.2, .3, .5]) entropy, log_prob([1, 2, 2]), log_prob([0, 0, 3])
    m = NegativeBinomial(f64(3.5), probs=f64(0.4))
    for got, want in zip(
        (m.mean, m.variance, m.mode, m.log_prob(f64(2.0))),
        (2.3333333333333335, 3.8888888888888893, 1.0, -1.556777962217581),
    ):
        np.testing.assert_allclose(got.item(), want, rtol=1e-13)
    multinomial = Multinomial(5, probs=f64([0.2, 0.3, 0.5]))
    np.testing.assert_allclose(multinomial.entropy().item(), 2.5918085962714987, rtol=1e-13)
    np.testing.assert_allclose(
        multinomial.log_prob(f64([1.0, 2.0, 2.0])).item(), -2.002480500543708, rtol=1e-13
    )
    np.testing.assert_allclose(
        multinomial.log_prob(f64([0.0, 0.0, 3.0])).item(), -2.0794415416798357, rtol=1e-13
    )


def test_negative_binomial_gradients(rng, check_grad):
    r = f64(rng.random((2, 1)) * 3 + 0.5, True)
    p = f64(rng.random(3) * 0.8 + 0.1, True)
    logits = f64(rng.standard_normal(3), True)
    k = f64(np.floor(rng.random((4, 2, 3)) * 6))
    check_grad(lambda r, p: NegativeBinomial(r, probs=p).log_prob(k), r, p)
    check_grad(lambda r, z: NegativeBinomial(r, logits=z).log_prob(k), r, logits)
    check_grad(
        lambda r, z: NegativeBinomial(r, logits=z).mean + NegativeBinomial(r, logits=z).variance, r, logits
    )


def test_negative_binomial_draws_and_shapes():
    autograd.manual_seed(4)
    r, p = np.array([0.7, 4.0]), np.array([0.3, 0.6])
    m = NegativeBinomial(f64(r), probs=f64(p))
    draws = m.sample((40000,)).numpy()
    assert draws.shape == (40000, 2) and (draws >= 0).all() and np.all(draws == np.round(draws))
    mean, variance = r * p / (1 - p), r * p / (1 - p) ** 2
    assert np.all(np.abs(draws.mean(0) - mean) < 5 * np.sqrt(variance / 40000))
    assert np.all(np.abs(np.mean(draws == 0, axis=0) - (1 - p) ** r) < 5 * np.sqrt(0.25 / 40000))
    assert (
        m.batch_shape == (2,)
        and m.event_shape == ()
        and m.param_shape == (2,)
        and m.sample((3, 4)).shape == (3, 4, 2)
    )
    wide = m.expand((5, 2))
    assert type(wide) is NegativeBinomial and wide.batch_shape == (5, 2) and wide.sample().shape == (5, 2)
    np.testing.assert_allclose(wide.mean.numpy(), np.broadcast_to(mean, (5, 2)), rtol=1e-14)
    assert NegativeBinomial(2.0, probs=0.5).sample((3,)).dtype == autograd.float32


def test_negative_binomial_checks():
    with pytest.raises(ValueError, match="pass either probs or logits"):
        NegativeBinomial(2.0, probs=0.5, logits=0.0)
    with pytest.raises(
        ValueError, match=r"parameter probs .* HalfOpenInterval\(lower_bound=0.0, upper_bound=1.0\)"
    ):
        NegativeBinomial(2.0, probs=1.0)
    with pytest.raises(ValueError, match=r"parameter total_count .* GreaterThanEq\(lower_bound=0"):
        NegativeBinomial(-0.5, probs=0.5)
    with pytest.raises(ValueError, match=r"the value must lie in the support IntegerGreaterThan"):
        NegativeBinomial(2.0, probs=0.5).log_prob(f64(1.5))
    with pytest.raises(NotImplementedError, match="NegativeBinomial has no rsample"):
        NegativeBinomial(2.0, probs=0.5).rsample()
    assert NegativeBinomial(2.5, probs=0.0).log_prob(f64(0.0)).shape == ()  # p = 0 and real r are allowed
    assert repr(NegativeBinomial(2.0, logits=0.5)) == "NegativeBinomial(total_count: 2.0, logits: 0.5)"
