"""``MixtureSameFamily``, the ``ExponentialFamily`` base and ``OneHotCategoricalStraightThrough``.

Not course material (outside any solution region), so no module number. Mixture densities
against the weighted sum of the component densities written out, moments against the laws
of total expectation and variance and against draws (5 standard errors, fixed seed), a
value pinned from PyTorch 2.13; the exponential-family entropy and Bregman KL against the
closed forms of a test family; the straight-through gradient against ``probs``'.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import (
    Categorical,
    ExponentialFamily,
    Gamma,
    Independent,
    MixtureSameFamily,
    Normal,
    OneHotCategorical,
    OneHotCategoricalStraightThrough,
    Uniform,
    kl_divergence,
)

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


W, MU, SIGMA = [0.2, 0.5, 0.3], [-1.0, 0.5, 2.0], [0.5, 1.0, 0.3]


def gmm(weights=W, loc=MU, scale=SIGMA) -> MixtureSameFamily:
    return MixtureSameFamily(Categorical(f64(weights)), Normal(f64(loc), f64(scale)))


def normal_pdf(x: np.ndarray, loc: object, scale: object) -> np.ndarray:
    return np.exp(-((x - loc) ** 2) / (2 * np.square(scale))) / (np.sqrt(2 * math.pi) * np.asarray(scale))


def test_log_prob_cdf_and_moments():
    m = gmm()
    x = np.array([0.2, 1.7, -3.0, -40.0])
    density = sum(w * normal_pdf(x, mu, s) for w, mu, s in zip(W, MU, SIGMA))
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy()[:3], np.log(density[:3]), rtol=1e-12)
    assert np.isfinite(m.log_prob(f64(x)).numpy()[3])  # logsumexp: every density underflows at -40
    # torch 2.13, float64 (scratch script): this mixture's log_prob at [0.2, 1.7, -3.0]
    np.testing.assert_allclose(
        m.log_prob(f64(x[:3])).numpy(),
        [-1.6111808007615518, -1.0815669111372999, -7.621363490367482],
        rtol=1e-12,
    )
    cdf = sum(w * Normal(f64(mu), f64(s)).cdf(f64(x)).numpy() for w, mu, s in zip(W, MU, SIGMA))
    np.testing.assert_allclose(m.cdf(f64(x)).numpy(), cdf, rtol=1e-12)
    np.testing.assert_allclose(m.cdf(f64(x.reshape(2, 2))).numpy(), cdf.reshape(2, 2), rtol=1e-12)
    assert m.sample(5).shape == (5,)  # an int sample_shape, as everywhere in TinyTorch
    mean = np.dot(W, MU)
    assert m.mean.item() == pytest.approx(mean, rel=1e-12)
    assert m.variance.item() == pytest.approx(
        np.dot(W, np.square(SIGMA)) + np.dot(W, (np.array(MU) - mean) ** 2)
    )
    assert m.variance.item() == pytest.approx(1.6795, rel=1e-12)  # torch 2.13
    assert m.stddev.item() == pytest.approx(math.sqrt(1.6795), rel=1e-12)
    assert m.batch_shape == () and m.event_shape == () and not m.has_rsample
    assert repr(m).startswith("MixtureSameFamily(\n  Categorical(probs: (3,)") and repr(m).endswith(
        "scale: (3,)))"
    )
    assert repr(m.support) == "MixtureSameFamilyConstraint(Real())"


def test_vector_components_and_batches(rng):
    loc, scale = rng.standard_normal((4, 2, 3)), rng.random((4, 2, 3)) + 0.5
    weights = rng.random((4, 2)) + 0.1
    m = MixtureSameFamily(Categorical(f64(weights)), Independent(Normal(f64(loc), f64(scale)), 1))
    assert m.batch_shape == (4,) and m.event_shape == (3,)
    x = rng.standard_normal((5, 4, 3))
    w = weights / weights.sum(-1, keepdims=True)
    per_comp = np.log(normal_pdf(x[:, :, None, :], loc, scale)).sum(-1)  # [5, 4, 2]
    expected = np.log((w * np.exp(per_comp)).sum(-1))
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(m.mean.numpy(), (w[..., None] * loc).sum(1), rtol=1e-12)
    second = (w[..., None] * (scale**2 + loc**2)).sum(1)
    np.testing.assert_allclose(m.variance.numpy(), second - m.mean.numpy() ** 2, rtol=1e-10)
    assert m.support.check(x).shape == (5, 4) and m.support.event_dim == 1
    # one weight vector for every batch entry: broadcast (PyTorch's gather refuses this in sample)
    shared = MixtureSameFamily(Categorical(f64([0.3, 0.7])), Normal(f64(loc[..., 0]), f64(scale[..., 0])))
    assert shared.batch_shape == (4,) and shared.sample((6,)).shape == (6, 4)
    np.testing.assert_allclose(shared.mean.numpy(), loc[..., 0] @ [0.3, 0.7], rtol=1e-12)


def test_sampling_moments_and_choice():
    autograd.manual_seed(5)
    m = gmm()
    draws = m.sample((40000,)).numpy()
    assert draws.shape == (40000,) and not m.sample().requires_grad
    se = math.sqrt(m.variance.item() / 40000)
    assert abs(draws.mean() - m.mean.item()) < 5 * se
    # each draw is one component's: with well separated components, the shares are the weights
    far = gmm(loc=[-100.0, 0.0, 100.0], scale=[1.0, 1.0, 1.0])
    share = np.bincount(np.digitize(far.sample((20000,)).numpy(), [-50, 50]), minlength=3) / 20000
    np.testing.assert_array_less(np.abs(share - W), 5 * np.sqrt(np.array(W) * (1 - np.array(W)) / 20000))
    vector = MixtureSameFamily(
        Categorical(f64([[0.0, 1.0], [1.0, 0.0]])),
        Independent(Normal(f64([[[0.0] * 3, [9.0] * 3]] * 2), 1e-9), 1),
    )
    out = vector.sample((2,)).numpy()  # batch 0 always takes component 1, batch 1 component 0
    assert out.shape == (2, 2, 3)
    np.testing.assert_allclose(out[:, 0], 9.0, atol=1e-6)
    np.testing.assert_allclose(out[:, 1], 0.0, atol=1e-6)


def test_gradients(check_grad):
    logits, loc, scale = f64([0.1, -0.3, 0.5], True), f64(MU, True), f64(SIGMA, True)
    x = f64([0.2, 1.7, -3.0], True)

    def log_prob(a, b, c, v):
        return MixtureSameFamily(Categorical(logits=a), Normal(b, c)).log_prob(v)

    check_grad(log_prob, logits, loc, scale, x)
    check_grad(
        lambda a, b, c: MixtureSameFamily(Categorical(logits=a), Normal(b, c)).variance, logits, loc, scale
    )
    check_grad(
        lambda a, b, c, v: MixtureSameFamily(Categorical(logits=a), Normal(b, c)).cdf(v),
        logits,
        loc,
        scale,
        x,
    )


def test_expand_and_errors():
    m = MixtureSameFamily(Categorical(f64([[0.2, 0.8]])), Gamma(f64([[2.0, 3.0]]), f64([[1.0, 2.0]])))
    big = m.expand((5, 1))
    assert big.batch_shape == (5, 1) and big.component_distribution.batch_shape == (5, 1, 2)
    v = f64([0.4])
    np.testing.assert_allclose(big.log_prob(v).numpy(), np.tile(m.log_prob(v).numpy(), (5, 1)), rtol=1e-12)
    assert big.mixture_distribution.batch_shape == (5, 1) and big.sample((2,)).shape == (2, 5, 1)
    with pytest.raises(ValueError, match="the value must lie in the support MixtureSameFamilyConstraint"):
        m.log_prob(f64([-1.0]))
    with pytest.raises(ValueError, match="the value must lie in the support"):  # outside one component's
        MixtureSameFamily(Categorical(f64([0.5, 0.5])), Uniform(f64([0.0, 1.0]), f64([2.0, 3.0]))).log_prob(
            f64(0.5)
        )
    with pytest.raises(ValueError, match="mixture_distribution must be a Categorical, got Normal"):
        MixtureSameFamily(Normal(0.0, 1.0), Normal(f64([0.0]), 1.0))
    with pytest.raises(ValueError, match="component_distribution must be a Distribution, got str"):
        MixtureSameFamily(Categorical(f64([1.0])), "normal")
    with pytest.raises(
        ValueError, match="the mixture has 3 components but component_distribution.batch_shape"
    ):
        MixtureSameFamily(Categorical(f64(W)), Normal(f64([0.0, 1.0]), 1.0))
    # batch sizes of 1 broadcast on either side (the batch shape is the components')
    one_weighting = MixtureSameFamily(Categorical(f64([[0.3, 0.7]])), Normal(f64(np.zeros((4, 2))), 1.0))
    assert one_weighting.batch_shape == (4,) and one_weighting.log_prob(f64(np.zeros(4))).shape == (4,)
    assert MixtureSameFamily(
        Categorical(f64([[0.3, 0.7]] * 4)), Normal(f64([[0.0, 1.0]]), 1.0)
    ).batch_shape == (1,)
    with pytest.raises(ValueError, match=r"batch_shape \(\(2,\)\) is not compatible"):
        MixtureSameFamily(Categorical(f64([[0.5, 0.5]] * 2)), Normal(f64([[0.0, 1.0]] * 3), 1.0))
    with pytest.raises(ValueError, match="needs a batch dim indexing the components"):
        MixtureSameFamily(Categorical(f64([1.0])), Normal(0.0, 1.0))


class _Normal(ExponentialFamily):
    """A normal written only through its natural parameters (PyTorch's ``Normal`` has these)."""

    has_rsample = False

    def __init__(self, loc, scale):
        self.loc, self.scale = loc, scale
        super().__init__(tuple(loc.shape), validate_args=False)

    @property
    def _natural_params(self):
        return self.loc / self.scale.pow(2), -0.5 / self.scale.pow(2)

    def _log_normalizer(self, x, y):
        return -0.25 * x.pow(2) / y + 0.5 * (-math.pi / y).log()

    @property
    def _mean_carrier_measure(self):
        return 0


class _Exponential(ExponentialFamily):
    def __init__(self, rate):
        self.rate = rate
        super().__init__(tuple(rate.shape), validate_args=False)

    @property
    def _natural_params(self):
        return (-self.rate,)

    def _log_normalizer(self, x):
        return -(-x).log()

    @property
    def _mean_carrier_measure(self):
        return 0


def test_exponential_family_entropy_and_bregman_kl():
    loc, scale = f64([0.5, -1.0]), f64([1.5, 0.3])
    p = _Normal(loc, scale)
    closed = Normal(loc, scale).entropy().numpy()  # 1/2 + log(sqrt(2 pi) sigma)
    np.testing.assert_allclose(p.entropy().detach().numpy(), closed, rtol=1e-12)
    q_loc, q_scale = f64([0.0, 2.0], True), f64([1.0, 0.7], True)
    kl = kl_divergence(p, _Normal(q_loc, q_scale))
    expected = kl_divergence(Normal(loc, scale), Normal(q_loc, q_scale))
    np.testing.assert_allclose(kl.detach().numpy(), expected.detach().numpy(), rtol=1e-10)
    kl.sum().backward()  # q's parameters get gradients (p's are detached, as PyTorch)
    expected.sum().backward()
    assert q_loc.grad is not None and np.isfinite(q_loc.grad.numpy()).all()
    rate = f64([0.5, 2.0])
    np.testing.assert_allclose(
        _Exponential(rate).entropy().detach().numpy(), 1 - np.log([0.5, 2.0]), rtol=1e-12
    )
    kl = kl_divergence(_Exponential(rate), _Exponential(f64([1.0, 1.0]))).detach().numpy()
    np.testing.assert_allclose(kl, np.log(rate.numpy()) + 1 / rate.numpy() - 1, rtol=1e-12)
    with pytest.raises(
        NotImplementedError, match="_Normal and _Exponential are different exponential families"
    ):
        kl_divergence(p, _Exponential(rate))
    bare = ExponentialFamily(validate_args=False)
    for call in (
        lambda: bare._natural_params,
        lambda: bare._log_normalizer(),
        lambda: bare._mean_carrier_measure,
    ):
        with pytest.raises(NotImplementedError, match="ExponentialFamily does not define"):
            call()


def test_one_hot_straight_through():
    autograd.manual_seed(3)
    logits = f64([[0.1, -0.4, 0.9], [1.0, 0.0, -1.0]], True)
    d = OneHotCategoricalStraightThrough(logits=logits)
    assert d.has_rsample and isinstance(d, OneHotCategorical)
    draw = d.rsample((4,))
    assert draw.shape == (4, 2, 3) and draw.requires_grad
    np.testing.assert_allclose(draw.detach().numpy().sum(-1), 1.0)  # one-hot in value
    assert set(np.unique(draw.detach().numpy())) <= {0.0, 1.0}
    weights = f64([1.0, 2.0, 3.0])
    (draw * weights).sum().backward()
    # the gradient is probs' (times the 4 draws): d/dlogits sum(probs * w) = probs * (w - probs.w)
    probs = d.probs.detach().numpy()
    expected = 4 * probs * (weights.numpy() - (probs * weights.numpy()).sum(-1, keepdims=True))
    np.testing.assert_allclose(logits.grad.numpy(), expected, rtol=1e-10)
    autograd.manual_seed(3)
    plain = OneHotCategorical(logits=logits.detach()).sample((4,))
    np.testing.assert_array_equal(draw.detach().numpy(), plain.numpy())  # the same draws as sample()


def test_weights_with_fewer_or_as_many_batch_dims(rng):
    loc = rng.standard_normal((3, 4, 2))
    for weights in (rng.random((4, 2)) + 0.1, rng.random((3, 4, 2)) + 0.1):  # batch (4,) or (3, 4)
        m = MixtureSameFamily(Categorical(f64(weights)), Normal(f64(loc), 1.0))
        w = weights / weights.sum(-1, keepdims=True)
        np.testing.assert_allclose(m.mean.numpy(), (w * loc).sum(-1), rtol=1e-12)
        np.testing.assert_allclose(
            m.variance.numpy(), 1 + (w * loc**2).sum(-1) - (w * loc).sum(-1) ** 2, rtol=1e-10
        )
    big = MixtureSameFamily(
        Categorical(f64([[0.2, 0.8]])), Gamma(f64([[2.0, 3.0]]), f64([[1.0, 2.0]]))
    ).expand([5, 1])
    assert big.batch_shape == (5, 1)
    with pytest.raises(
        ValueError, match="MixtureSameFamily: the value must lie in the support"
    ):  # expanded too
        big.log_prob(f64([-1.0]))
