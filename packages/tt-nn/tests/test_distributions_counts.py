"""``Poisson``, ``Geometric``, ``Binomial``: masses vs NumPy formulas, gradients, sampling, KLs, checks.

Not course material (outside module 05's solution regions), so no module number.
Covers ``log_prob``/``entropy``/moments/``mode`` against float64 formulas written here
(``math.lgamma`` for the factorials; entropies as explicit sums over the support),
values pinned from PyTorch 2.13 (and its conventions at ``p = 0``, ``p = 1``, a zero rate),
gradcheck of ``log_prob``, ``entropy`` and ``kl_divergence`` in the parameters, KLs
against the sum ``Σ p(k) log(p(k) / q(k))`` over the support, draw statistics under a
fixed seed, ``expand``, ``enumerate_support``, float32 kept, and the checks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import Binomial, Geometric, Poisson, kl_divergence

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


lgamma = np.vectorize(math.lgamma)


def poisson_log_pmf(k: np.ndarray, rate: np.ndarray) -> np.ndarray:
    return k * np.log(rate) - rate - lgamma(k + 1)


def geometric_log_pmf(k: np.ndarray, p: np.ndarray) -> np.ndarray:
    return k * np.log1p(-p) + np.log(p)


def binomial_log_pmf(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * np.log(p) + (n - k) * np.log1p(-p)


# ---------------------------------------------------------------------------- values
def test_poisson_values(rng):
    rate = rng.random((2, 3)) * 5 + 0.1
    k = rng.integers(0, 8, (4, 1, 3)).astype(float)
    m = Poisson(f64(rate))
    np.testing.assert_allclose(m.log_prob(f64(k)).numpy(), poisson_log_pmf(k, rate), rtol=1e-12)
    np.testing.assert_allclose(m.mean.numpy(), rate)
    np.testing.assert_allclose(m.variance.numpy(), rate)
    np.testing.assert_allclose(m.mode.numpy(), np.floor(rate))
    zero = Poisson(f64([0.0, 0.0])).log_prob(f64([0.0, 1.0])).numpy()
    assert zero[0] == 0.0 and zero[1] == -math.inf  # a zero rate: all the mass on 0
    with pytest.raises(NotImplementedError, match="Poisson does not define entropy"):
        m.entropy()


def test_geometric_values(rng):
    p = rng.random((2, 3)) * 0.9 + 0.05
    k = rng.integers(0, 8, (4, 1, 3)).astype(float)
    for m in (Geometric(probs=f64(p)), Geometric(logits=f64(np.log(p) - np.log1p(-p)))):
        np.testing.assert_allclose(m.log_prob(f64(k)).numpy(), geometric_log_pmf(k, p), rtol=1e-10)
        np.testing.assert_allclose(m.mean.numpy(), 1 / p - 1, rtol=1e-12)
        np.testing.assert_allclose(m.variance.numpy(), (1 / p - 1) / p, rtol=1e-12)
        np.testing.assert_allclose(m.mode.numpy(), np.zeros((2, 3)))
        support = np.arange(3000.0)[:, None, None]  # the tail beyond is below 0.95^3000
        log_pmf = geometric_log_pmf(support, p)
        np.testing.assert_allclose(m.entropy().numpy(), -(np.exp(log_pmf) * log_pmf).sum(0), rtol=1e-10)
    certain = Geometric(probs=f64([1.0, 1.0]))  # p = 1: always 0 failures, as PyTorch
    np.testing.assert_allclose(certain.log_prob(f64([0.0, 3.0])).numpy(), [0.0, -math.inf])
    np.testing.assert_allclose(certain.entropy().numpy(), [2.220446049250313e-16] * 2, rtol=1e-6)


def test_binomial_values(rng):
    n, p = np.array([[3.0], [10.0]]), rng.random(3) * 0.9 + 0.05
    k = np.minimum(rng.integers(0, 11, (4, 2, 3)), n).astype(float)
    for m in (Binomial(f64(n), probs=f64(p)), Binomial(f64(n), logits=f64(np.log(p) - np.log1p(-p)))):
        assert m.batch_shape == (2, 3)
        np.testing.assert_allclose(m.log_prob(f64(k)).numpy(), binomial_log_pmf(k, n, p), rtol=1e-10)
        np.testing.assert_allclose(m.mean.numpy(), n * p, rtol=1e-12)
        np.testing.assert_allclose(m.variance.numpy(), n * p * (1 - p), rtol=1e-12)
        np.testing.assert_allclose(m.mode.numpy(), np.minimum(np.floor((n + 1) * p), n))
    single = Binomial(6, probs=f64(p))
    support = np.arange(7.0)[:, None]
    log_pmf = binomial_log_pmf(support, 6.0, p)
    np.testing.assert_allclose(single.entropy().numpy(), -(np.exp(log_pmf) * log_pmf).sum(0), rtol=1e-10)
    np.testing.assert_allclose(single.enumerate_support().numpy(), np.broadcast_to(support, (7, 3)))
    assert single.enumerate_support(expand=False).shape == (7, 1)
    # the mode at p = 1 is n, not n + 1; p is clamped to [eps, 1 - eps] in the logit, so k < n stays finite
    edges = Binomial(4, probs=f64([0.0, 1.0, 1.0]))
    np.testing.assert_allclose(edges.mode.numpy(), [0.0, 4.0, 4.0])
    np.testing.assert_allclose(
        edges.log_prob(f64([0.0, 4.0, 3.0])).numpy(), [0.0, 0.0, -34.65735902799726], atol=1e-12
    )  # PyTorch 2.13


def test_values_pinned_from_pytorch():
    t = autograd.tensor
    poisson, geometric, binomial = Poisson(t(2.5)), Geometric(t(0.3)), Binomial(7, t(0.3))
    pinned = [
        (poisson.log_prob(t(3.0)), -1.5428872108459473),
        (kl_divergence(poisson, Poisson(t(1.0))), 0.790726900100708),
        (geometric.log_prob(t(2.0)), -1.9173227548599243),
        (geometric.entropy(), 2.0362143516540527),
        (kl_divergence(geometric, Geometric(t(0.6))), 0.6126230955123901),
        (binomial.log_prob(t(2.0)), -1.1467976570129395),
        (binomial.entropy(), 1.5926975011825562),
        (kl_divergence(binomial, Binomial(7, t(0.6))), 1.286508560180664),
    ]
    for result, expected in pinned:
        assert result.dtype == autograd.float32
        np.testing.assert_allclose(result.item(), expected, rtol=2e-6)
    for m in (poisson, geometric, binomial):
        assert m.sample((2,)).dtype == autograd.float32 and not m.has_rsample


# ---------------------------------------------------------------------------- gradients
def test_gradients(rng, check_grad):
    rate = f64(rng.random((2, 3)) * 3 + 0.2, True)
    k = f64(rng.integers(0, 5, (4, 1, 3)))
    check_grad(lambda r: Poisson(r).log_prob(k), rate)
    p = f64(rng.random(3) * 0.8 + 0.1, True)
    logits = f64(rng.standard_normal(3), True)
    check_grad(lambda p: Geometric(probs=p).log_prob(k), p)
    check_grad(lambda z: Geometric(logits=z).log_prob(k), logits)
    check_grad(lambda p: Geometric(probs=p).entropy(), p)
    n = f64([[5.0], [9.0]])
    check_grad(lambda p: Binomial(n, probs=p).log_prob(k), p)
    check_grad(lambda z: Binomial(n, logits=z).log_prob(k), logits)
    check_grad(lambda p: Binomial(5, probs=p).entropy(), p)
    q = f64(rng.random(3) * 0.8 + 0.1, True)
    check_grad(lambda r, s: kl_divergence(Poisson(r), Poisson(s)), rate, f64(rng.random(3) + 0.5, True))
    check_grad(lambda p, q: kl_divergence(Geometric(probs=p), Geometric(probs=q)), p, q)
    check_grad(lambda p, q: kl_divergence(Binomial(n, probs=p), Binomial(n, probs=q)), p, q)


# ---------------------------------------------------------------------------- KL divergences
def test_kl_against_sums_over_the_support():
    k = np.arange(400.0)[:, None]
    rate_p, rate_q = np.array([0.5, 3.0, 7.0]), np.array([2.0, 3.5, 1.0])
    log_p, log_q = poisson_log_pmf(k, rate_p), poisson_log_pmf(k, rate_q)
    kl = kl_divergence(Poisson(f64(rate_p)), Poisson(f64(rate_q))).numpy()
    np.testing.assert_allclose(kl, (np.exp(log_p) * (log_p - log_q)).sum(0), rtol=1e-10)
    p, q = np.array([0.2, 0.5, 0.9]), np.array([0.6, 0.1, 0.5])
    log_p, log_q = geometric_log_pmf(k, p), geometric_log_pmf(k, q)
    kl = kl_divergence(Geometric(probs=f64(p)), Geometric(logits=f64(np.log(q) - np.log1p(-q)))).numpy()
    np.testing.assert_allclose(kl, (np.exp(log_p) * (log_p - log_q)).sum(0), rtol=1e-10)
    support = np.arange(9.0)[:, None]
    log_p, log_q = binomial_log_pmf(support, 8.0, p), binomial_log_pmf(support, 8.0, q)
    kl = kl_divergence(Binomial(8, probs=f64(p)), Binomial(8, probs=f64(q))).numpy()
    np.testing.assert_allclose(kl, (np.exp(log_p) * (log_p - log_q)).sum(0), rtol=1e-10)


def test_kl_edge_cases():
    # a zero rate: KL = rate_q (PyTorch 2.13 gives NaN there); a zero rate in q only: inf
    kl = kl_divergence(Poisson(f64([0.0, 1.0])), Poisson(f64([2.0, 0.0]))).numpy()
    np.testing.assert_allclose(kl, [2.0, math.inf])
    more_trials = kl_divergence(Binomial(f64([5.0, 6.0]), probs=0.5), Binomial(f64([5.0, 5.0]), probs=0.5))
    np.testing.assert_allclose(more_trials.numpy(), [0.0, math.inf])
    with pytest.raises(NotImplementedError, match="q has more trials"):
        kl_divergence(Binomial(3, probs=0.5), Binomial(4, probs=0.5))


# ---------------------------------------------------------------------------- sampling
def test_sample_statistics():
    draws = 40000
    autograd.manual_seed(5)
    rate = np.array([0.3, 4.0])
    x = Poisson(f64(rate)).sample((draws,)).numpy()
    assert x.shape == (draws, 2) and (x % 1 == 0).all() and (x >= 0).all()
    assert np.all(np.abs(x.mean(0) - rate) < 6 * np.sqrt(rate / draws))
    p = np.array([0.2, 0.7, 1.0])
    g = Geometric(probs=f64(p)).sample((draws,)).numpy()
    assert (g % 1 == 0).all() and (g[:, 2] == 0).all()
    variance = (1 / p - 1) / p
    assert np.all(np.abs(g.mean(0) - (1 / p - 1)) < 6 * np.sqrt(variance / draws) + 1e-12)
    n, q = np.array([3.0, 20.0]), np.array([0.5, 0.1])
    b = Binomial(f64(n), probs=f64(q)).sample((draws,)).numpy()
    assert (b <= n).all() and (b % 1 == 0).all()
    assert np.all(np.abs(b.mean(0) - n * q) < 6 * np.sqrt(n * q * (1 - q) / draws))
    assert Binomial(f64([[2.0], [3.0]]), probs=f64([0.1, 0.5, 0.9])).sample((4,)).shape == (4, 2, 3)


def test_expand():
    for m in (Poisson(f64([1.0, 2.0])), Geometric(probs=f64([0.2, 0.5])), Geometric(logits=f64([0.2, 0.5]))):
        wide = m.expand((3, 2))
        assert type(wide) is type(m) and wide.batch_shape == (3, 2)
        np.testing.assert_allclose(wide.mean.numpy(), np.broadcast_to(m.mean.numpy(), (3, 2)))
    binomial = Binomial(f64([4.0, 5.0]), logits=f64([0.2, 0.5])).expand((3, 2))
    assert binomial.batch_shape == (3, 2) and binomial.total_count.shape == (3, 2)


# ---------------------------------------------------------------------------- checks and repr
def test_bad_arguments_and_values():
    with pytest.raises(ValueError, match=r"Poisson: parameter rate .* GreaterThanEq\(lower_bound=0.0\)"):
        Poisson(-1.0)
    with pytest.raises(ValueError, match=r"Geometric: parameter probs must be positive"):
        Geometric(probs=autograd.tensor([0.5, 0.0]))
    with pytest.raises(ValueError, match=r"Geometric: parameter probs .* Interval"):
        Geometric(probs=1.5)
    for kind in (Geometric, Binomial):
        with pytest.raises(ValueError, match="either probs or logits, but not both"):
            kind(probs=0.5, logits=0.0)
        with pytest.raises(ValueError, match="either probs or logits"):
            kind()
    with pytest.raises(
        ValueError, match=r"Binomial: parameter total_count .* IntegerGreaterThan\(lower_bound=0\)"
    ):
        Binomial(2.5, probs=0.5)
    with pytest.raises(
        ValueError, match=r"support IntegerGreaterThan\(lower_bound=0\).*Pass whole numbers at least 0"
    ):
        Poisson(1.0).log_prob(autograd.tensor(0.5))
    with pytest.raises(ValueError, match=r"support IntegerGreaterThan"):
        Geometric(probs=0.5).log_prob(autograd.tensor(-1.0))
    with pytest.raises(ValueError, match=r"support IntegerInterval\(lower_bound=0, upper_bound=3.0\)"):
        Binomial(3, probs=0.5).log_prob(autograd.tensor(4.0))
    mixed = Binomial(autograd.tensor([2.0, 3.0]), probs=0.5)
    with pytest.raises(NotImplementedError, match=r"Binomial.entropy: needs one total_count .* got 2"):
        mixed.entropy()
    with pytest.raises(NotImplementedError, match=r"Binomial.enumerate_support: needs one total_count"):
        mixed.enumerate_support()
    assert Geometric(probs=0.0, validate_args=False).batch_shape == ()


def test_repr():
    assert repr(Poisson(2.0)) == "Poisson(rate: 2.0)"
    assert repr(Geometric(logits=autograd.zeros(3))) == "Geometric(logits: (3,))"
    assert repr(Binomial(4, probs=autograd.ones(2) / 2)) == "Binomial(total_count: (2,), probs: (2,))"


def test_dtypes_follow_pytorch_promotion():
    counts = autograd.tensor([1, 2])  # int64 counts: a float32 log_prob, as PyTorch
    wide = autograd.tensor([1.0, 2.0], dtype=autograd.float64)  # a float64 value promotes, as PyTorch
    binomial = Binomial(autograd.tensor([3, 5]), probs=autograd.tensor([0.5, 0.25]))
    assert binomial.total_count.dtype == autograd.float32  # made the probability's dtype
    for m in (binomial, Poisson(autograd.tensor([2.0, 1.0])), Geometric(probs=autograd.tensor([0.2, 0.5]))):
        assert m.log_prob(counts).dtype == autograd.float32
        assert m.log_prob(wide).dtype == autograd.float64
    np.testing.assert_allclose(
        binomial.log_prob(counts).numpy(),
        binomial_log_pmf(np.array([1.0, 2.0]), np.array([3.0, 5.0]), np.array([0.5, 0.25])),
        rtol=1e-6,
    )
