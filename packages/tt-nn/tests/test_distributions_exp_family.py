"""The exponential families as ``ExponentialFamily`` subclasses, as in PyTorch 2.13.

Not course material (outside any solution region), so no module number. For each family the
generic entropy (``F(θ) - <θ, ∇F(θ)> - E[k(x)]`` by autograd through ``_log_normalizer``) is
checked against the family's closed-form ``entropy``, and the generic Bregman-divergence KL
against the closed-form ``kl_divergence`` registered for the pair (batches broadcast against
each other); ``Wishart``'s KL against its formula written out here in NumPy, per batch entry.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad
from tt_nn.distributions import (
    Bernoulli,
    Beta,
    Binomial,
    Categorical,
    Chi2,
    ContinuousBernoulli,
    Dirichlet,
    Exponential,
    ExponentialFamily,
    Gamma,
    Geometric,
    Kumaraswamy,
    Normal,
    Poisson,
    Wishart,
    kl_divergence,
)
from tt_nn.distributions.kl import _kl_expfamily_expfamily
from tt_nn.special import digamma

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


# Each family with two parameter sets whose batches broadcast: p's (2, 1) against q's (3,).
FAMILIES = {
    "Normal": lambda: (Normal(f64([[0.5], [-1.0]]), f64([[1.5], [0.3]])), Normal(f64([0.0, 2.0, -0.4]), 0.7)),
    "Gamma": lambda: (Gamma(f64([[0.7], [3.0]]), f64([[2.0], [0.5]])), Gamma(f64([1.0, 2.5, 0.4]), 1.3)),
    "Chi2": lambda: (Chi2(f64([[0.8], [5.0]])), Chi2(f64([1.0, 2.5, 9.0]))),
    "Exponential": lambda: (Exponential(f64([[0.5], [2.0]])), Exponential(f64([1.0, 3.0, 0.2]))),
    "Bernoulli": lambda: (Bernoulli(f64([[0.2], [0.9]])), Bernoulli(logits=f64([0.3, -2.0, 1.5]))),
    "ContinuousBernoulli": lambda: (  # 0.4999 and 0.5 take the Taylor branch of the log-normalizer
        ContinuousBernoulli(f64([[0.2, 0.4999], [0.5, 0.93]])),
        ContinuousBernoulli(f64([0.7, 0.5002])),
    ),
    "Beta": lambda: (Beta(f64([[0.7], [3.0]]), f64([[2.0], [0.5]])), Beta(f64([1.0, 2.5, 0.4]), 1.3)),
    "Dirichlet": lambda: (
        Dirichlet(f64([[[0.7, 2.0, 1.0]], [[3.0, 0.5, 4.0]]])),
        Dirichlet(f64([[1.0, 1.0, 1.0], [2.5, 0.4, 1.3], [0.9, 6.0, 2.0]])),
    ),
    "Poisson": lambda: (Poisson(f64([[0.5], [4.0]])), Poisson(f64([1.0, 3.0, 0.2]))),
}
WITH_ENTROPY = ["Normal", "Gamma", "Chi2", "Exponential", "Bernoulli", "ContinuousBernoulli"]
SIGMA = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]])


def test_the_class_hierarchy_is_pytorchs():
    for kind in (Normal, Gamma, Chi2, Exponential, Bernoulli, ContinuousBernoulli, Beta, Dirichlet, Poisson):
        assert issubclass(kind, ExponentialFamily), kind
    assert issubclass(Wishart, ExponentialFamily)
    for kind in (Geometric, Binomial, Categorical, Kumaraswamy):  # not exponential families in PyTorch 2.13
        assert not issubclass(kind, ExponentialFamily), kind


@pytest.mark.parametrize("name", WITH_ENTROPY)
def test_generic_entropy_matches_the_closed_form(name):
    p, _ = FAMILIES[name]()
    generic = ExponentialFamily.entropy(p)
    assert generic.shape == p.batch_shape
    np.testing.assert_allclose(generic.detach().numpy(), p.entropy().numpy(), rtol=1e-11, atol=1e-13)


class _BetaWithCarrier(Beta):
    """Beta with ``t(x) = (log x, log(1 - x))`` and ``θ = (a, b)``: its carrier is ``-log x - log(1 - x)``."""

    @property
    def _mean_carrier_measure(self):
        a, b = self.concentration1, self.concentration0
        return -(digamma(a) + digamma(b) - 2 * digamma(a + b))


def test_a_nonzero_carrier_measure_enters_the_entropy():
    p = _BetaWithCarrier(f64([[0.7], [3.0]]), f64([2.0, 0.5, 1.3]))
    generic = ExponentialFamily.entropy(p)
    np.testing.assert_allclose(generic.detach().numpy(), p.entropy().numpy(), rtol=1e-11)


@pytest.mark.parametrize("name", ["Beta", "Dirichlet", "Poisson"])
def test_no_carrier_measure_no_generic_entropy(name):
    p, _ = FAMILIES[name]()
    with pytest.raises(NotImplementedError, match=f"{name} does not define entropy"):
        ExponentialFamily.entropy(p)


def test_continuous_bernoulli_log_normalizer_against_its_series():
    """``log((e^x - 1) / x) = log1p(Σ_k≥1 x^k / (k + 1)!)``, summed to 40 terms (exact in float64 here)."""
    x = np.array([-3.0, -0.3, -1e-3, -9e-4, -3e-4, 0.0, 2e-4, 1e-3, 0.4, 2.5])
    series = sum(x**k / math.factorial(k + 1) for k in range(1, 41))
    d = ContinuousBernoulli(logits=f64(x))
    np.testing.assert_allclose(d._log_normalizer(d.logits).numpy(), np.log1p(series), rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_bregman_kl_matches_the_closed_form(name):
    p, q = FAMILIES[name]()
    closed = kl_divergence(p, q)  # the pair's own formula is the most specific registered one
    generic = _kl_expfamily_expfamily(p, q)
    assert generic.shape == closed.shape == np.broadcast_shapes(p.batch_shape, q.batch_shape)
    np.testing.assert_allclose(generic.detach().numpy(), closed.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_bregman_kl_gradients_reach_q_not_p():
    p_loc, q_loc, q_scale = f64([0.5, -1.0], True), f64([0.0, 2.0], True), f64([1.0, 0.7], True)
    p, q = Normal(p_loc, 1.5), Normal(q_loc, q_scale)
    q_grads = grad(_kl_expfamily_expfamily(p, q).sum(), [q_loc, q_scale])
    expected = grad(kl_divergence(p, q).sum(), [q_loc, q_scale])
    for got, want in zip(q_grads, expected):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10)
    _kl_expfamily_expfamily(p, q).sum().backward()
    assert q_loc.grad is not None and p_loc.grad is None  # p's natural parameters are detached, as in PyTorch


def test_different_families_raise():
    with pytest.raises(NotImplementedError, match="Dirichlet and Normal are different exponential families"):
        kl_divergence(Dirichlet(f64([1.0, 2.0])), Normal(0.0, 1.0))
    with pytest.raises(NotImplementedError, match="Gamma and Chi2 are different exponential families"):
        _kl_expfamily_expfamily(Gamma(1.0, 0.5), Chi2(2.0))


# ---------------------------------------------------------------------------- Wishart
def _mvlgamma(a: float, p: int) -> float:
    return p * (p - 1) / 4 * math.log(math.pi) + sum(math.lgamma(a - j / 2) for j in range(p))


def _mvdigamma(a: float, p: int, h: float = 1e-5) -> float:
    """``d/da log Γ_p(a)`` by central differences of ``math.lgamma`` (error about 1e-10)."""
    return (_mvlgamma(a + h, p) - _mvlgamma(a - h, p)) / (2 * h)


def wishart_kl(df_p: float, sigma_p: np.ndarray, df_q: float, sigma_q: np.ndarray) -> float:
    """``KL(W(ν_p, Σ_p) || W(ν_q, Σ_q))`` in closed form."""
    size = sigma_p.shape[-1]
    ratio = np.linalg.solve(sigma_q, sigma_p)
    return (
        -df_q / 2 * np.linalg.slogdet(ratio)[1]
        + df_p / 2 * (np.trace(ratio) - size)
        + _mvlgamma(df_q / 2, size)
        - _mvlgamma(df_p / 2, size)
        + (df_p - df_q) / 2 * _mvdigamma(df_p / 2, size)
    )


def test_wishart_generic_entropy_and_batched_kl():
    sigmas_p = np.stack([SIGMA, SIGMA @ SIGMA + np.eye(3)])
    sigma_q = np.eye(3) + 0.5 * SIGMA
    df_p, df_q = np.array([3.5, 6.0]), np.array([4.0, 3.5])
    p = Wishart(f64(df_p), covariance_matrix=f64(sigmas_p))
    q_df = f64(df_q, True)
    q = Wishart(q_df, precision_matrix=f64(np.linalg.inv(sigma_q)))
    np.testing.assert_allclose(ExponentialFamily.entropy(p).detach().numpy(), p.entropy().numpy(), rtol=1e-11)
    kl = kl_divergence(p, q)
    expected = [wishart_kl(df_p[i], sigmas_p[i], df_q[i], sigma_q) for i in range(2)]
    np.testing.assert_allclose(kl.detach().numpy(), expected, rtol=1e-8)
    kl.sum().backward()  # d KL / d ν_q against forward differences of the formula
    step = 1e-6
    numeric = [
        (wishart_kl(df_p[i], sigmas_p[i], df_q[i] + step, sigma_q) - expected[i]) / step for i in range(2)
    ]
    np.testing.assert_allclose(q_df.grad.numpy(), numeric, rtol=1e-4)


# ---------------------------------------------------------------------------- TwoConcentrations
@pytest.mark.parametrize("kind", [Beta, Kumaraswamy])
def test_two_concentrations_base(kind):
    d = kind(f64([0.5, 2.0]), 3.0)
    assert d.batch_shape == (2,) and d.concentration0.shape == (2,)
    wide = d.expand((4, 2))
    assert type(wide) is kind and wide.batch_shape == (4, 2)
    np.testing.assert_allclose(wide.mean.numpy(), np.broadcast_to(d.mean.numpy(), (4, 2)))
    with pytest.raises(TypeError, match=f"{kind.__name__}.__init__"):
        kind(concentration1=1.0)
    with pytest.raises(ValueError, match="concentration0"):
        kind(1.0, -1.0)
