"""``TransformedDistribution``: change of variables, shapes through event-changing transforms, cdf signs.

Not course material (outside any solution region), so no module number. Densities are
checked against distributions written out from formulas (``LogNormal``), against the
base density minus an autograd Jacobian's log-determinant, and against a value pinned
from PyTorch 2.13; gradients by central differences; draws by their moments (5 standard
errors, fixed seed). Worked examples: a SAC-style tanh-squashed Gaussian policy and a
small normalizing flow fitted by maximum likelihood.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.functional_ad import jacobian
from tt_nn.distributions import (
    Exponential,
    Gamma,
    Independent,
    LogNormal,
    Normal,
    OneHotCategorical,
    TransformedDistribution,
    Uniform,
)
from tt_nn.distributions.transforms import (
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    IndependentTransform,
    PowerTransform,
    ReshapeTransform,
    SigmoidTransform,
    SoftplusTransform,
    StickBreakingTransform,
    TanhTransform,
)

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


LOC, SCALE = [0.5, -1.0], [1.5, 0.3]


def test_exp_of_normal_is_log_normal():
    m = TransformedDistribution(Normal(f64(LOC), f64(SCALE)), ExpTransform())
    reference = LogNormal(f64(LOC), f64(SCALE))
    v = f64([0.2, 1.7])
    np.testing.assert_allclose(m.log_prob(v).numpy(), reference.log_prob(v).numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.cdf(v).numpy(), reference.cdf(v).numpy(), rtol=1e-12)
    q = f64([0.3, 0.8])
    np.testing.assert_allclose(m.icdf(q).numpy(), reference.icdf(q).numpy(), rtol=1e-12)
    assert m.batch_shape == (2,) and m.event_shape == () and m.has_rsample
    assert repr(m.support) == "GreaterThan(lower_bound=0.0)" and repr(m) == "TransformedDistribution()"
    assert m.transforms[0] == ExpTransform()


def test_decreasing_transforms_flip_the_cdf():
    # y = exp(1 - 2x): decreasing, so P(Y <= y) = 1 - P(X <= x)
    m = TransformedDistribution(Normal(f64(LOC), f64(SCALE)), [AffineTransform(1.0, -2.0), ExpTransform()])
    v = f64([0.2, 1.7])
    x = (1.0 - np.log([0.2, 1.7])) / 2.0
    base = Normal(f64(LOC), f64(SCALE))
    np.testing.assert_allclose(m.cdf(v).numpy(), 1 - base.cdf(f64(x)).numpy(), rtol=1e-12)
    # torch 2.13, float64 (scratch script): this distribution's log_prob and cdf at [0.2, 1.7]
    np.testing.assert_allclose(m.log_prob(v).numpy(), [-0.5520179313264729, -9.407903430573457], rtol=1e-12)
    np.testing.assert_allclose(m.cdf(v).numpy(), [0.2958136677573484, 1.9307036719151682e-05], rtol=1e-10)
    np.testing.assert_allclose(m.cdf(m.icdf(f64([0.3, 0.8]))).numpy(), [0.3, 0.8], rtol=1e-10)
    # a tensor sign (PowerTransform's): x^(-1/2) of an exponential, decreasing
    power = TransformedDistribution(Exponential(f64([0.5, 2.0])), [PowerTransform(f64(-0.5))])
    v = f64([0.2, 1.7])
    np.testing.assert_allclose(
        power.cdf(v).numpy(), np.exp(-np.array([0.5, 2.0]) * np.array([0.2, 1.7]) ** -2)
    )
    # torch 2.13: the same distribution's icdf at [0.3, 0.8]
    np.testing.assert_allclose(power.icdf(f64([0.3, 0.8])).numpy(), [0.6444313559575362, 2.993800299861215])


def test_log_prob_is_base_minus_log_det_of_the_jacobian(rng):
    # a vector flow on a 3-dim event: base density minus the autograd Jacobian's log-determinant
    flow = [
        AffineTransform(f64([0.1, 0.2, 0.3]), f64([1.0, 2.0, -3.0]), event_dim=1),
        SigmoidTransform(),
        ReshapeTransform((3,), (3, 1)),
    ]
    base = Independent(Normal(f64(np.zeros((2, 3))), 1.0), 1)
    m = TransformedDistribution(base, flow)
    assert m.batch_shape == (2,) and m.event_shape == (3, 1)
    assert (
        repr(m.support) == "IndependentConstraint(Real(), 2)"
    )  # the last codomain (the reshape's), as PyTorch
    x = rng.standard_normal((2, 3))
    y = ComposeTransform(flow)(f64(x))
    expected = []
    for row in x:
        jac = jacobian(lambda v: ComposeTransform(flow)(v).reshape(-1), f64(row)).numpy()
        log_base = -0.5 * (row**2).sum() - 1.5 * math.log(2 * math.pi)
        expected.append(log_base - np.linalg.slogdet(jac)[1])
    np.testing.assert_allclose(m.log_prob(y).numpy(), expected, rtol=1e-10)


def test_element_wise_transform_of_a_vector_base_and_independent_transforms():
    base = Independent(Normal(f64(np.zeros((4, 3))), 1.0), 1)
    m = TransformedDistribution(base, [TanhTransform()])  # element-wise map, vector events stay
    assert m.batch_shape == (4,) and m.event_shape == (3,)
    v = f64(np.full((4, 3), 0.3))
    per_entry = Normal(0.0, 1.0).log_prob(f64(0.3).atanh()).item() - math.log(1 - 0.09)
    np.testing.assert_allclose(m.log_prob(v).numpy(), [3 * per_entry] * 4, rtol=1e-12)
    # IndependentTransform turns a scalar base into vector events: the base is wrapped in Independent
    m2 = TransformedDistribution(Normal(f64(np.zeros((4, 3))), 1.0), IndependentTransform(TanhTransform(), 1))
    assert m2.batch_shape == (4,) and m2.event_shape == (3,) and isinstance(m2.base_dist, Independent)
    np.testing.assert_allclose(m2.log_prob(v).numpy(), m.log_prob(v).numpy(), rtol=1e-12)
    assert m2.sample((5,)).shape == (5, 4, 3)


def test_parameters_that_broadcast_expand_the_base():
    # a scalar Gamma shifted by a (3,) loc: batch_shape (3,), the base expanded to match
    m = TransformedDistribution(Gamma(f64(2.0), f64(1.5)), [AffineTransform(f64([0.0, 1.0, 2.0]), 2.0)])
    assert m.batch_shape == (3,) and m.base_dist.batch_shape == (3,)
    v = f64([0.2, 1.7, 3.0])
    expected = Gamma(f64(2.0), f64(1.5)).log_prob((v - f64([0.0, 1.0, 2.0])) / 2.0).numpy() - math.log(2.0)
    np.testing.assert_allclose(m.log_prob(v).numpy(), expected, rtol=1e-12)
    # bases without expand() of their own (Normal here) are rebuilt from expanded parameters
    n = TransformedDistribution(Normal(f64(0.0), f64(1.0)), [AffineTransform(0.0, f64([1.0, 2.0]))])
    assert n.base_dist.batch_shape == (2,) and n.sample((3,)).shape == (3, 2)


def test_expand():
    m = TransformedDistribution(Normal(f64(LOC), f64(SCALE)), [TanhTransform()])
    big = m.expand((4, 2))
    assert (
        big.batch_shape == (4, 2) and big.base_dist.batch_shape == (4, 2) and big.transforms is m.transforms
    )
    v = f64([0.2, -0.7])
    np.testing.assert_allclose(big.log_prob(v).numpy(), np.tile(m.log_prob(v).numpy(), (4, 1)), rtol=1e-12)
    assert big.expand(3 * (1,) + (4, 2)).batch_shape == (1, 1, 1, 4, 2)
    vector = TransformedDistribution(
        Normal(f64(np.zeros((1, 3))), 1.0), IndependentTransform(ExpTransform(), 1)
    )
    wide = vector.expand((5,))
    assert wide.batch_shape == (5,) and wide.event_shape == (3,) and wide.base_dist.batch_shape == (5,)
    assert wide.rsample((2,)).shape == (2, 5, 3)
    uniform = TransformedDistribution(Uniform(f64([0.0]), f64(1.0)), []).expand((3, 1))  # rebuilt
    assert uniform.base_dist.batch_shape == (3, 1) and uniform.sample().shape == (3, 1)
    with pytest.raises(
        NotImplementedError,
        match=r"OneHotCategorical has no expand: give it parameters of batch_shape \(2,\)",
    ):
        TransformedDistribution(OneHotCategorical(f64([0.5, 0.5])), []).expand((2,))


def test_sample_shapes_moments_and_rsample_gradients(check_grad):
    autograd.manual_seed(4)
    m = TransformedDistribution(Normal(f64(LOC), f64(SCALE)), [ExpTransform()])
    draws = m.sample((20000,)).numpy()
    assert draws.shape == (20000, 2) and not m.sample().requires_grad
    log = np.log(draws)  # log of a draw is normal: its mean within 5 standard errors
    np.testing.assert_array_less(np.abs(log.mean(0) - LOC), 5 * np.array(SCALE) / math.sqrt(20000))
    loc, scale = f64(LOC, True), f64(SCALE, True)

    def rsample(a, b):
        autograd.manual_seed(9)  # the same noise at every evaluation
        return TransformedDistribution(
            Normal(a, b), [AffineTransform(1.0, -2.0), SoftplusTransform()]
        ).rsample((3,))

    check_grad(rsample, loc, scale)
    v = f64([0.2, 1.7], True)
    check_grad(
        lambda a, b, x: TransformedDistribution(Normal(a, b), [ExpTransform()]).log_prob(x), loc, scale, v
    )


def test_validation_and_errors():
    m = TransformedDistribution(Normal(0.0, 1.0), ExpTransform())
    with pytest.raises(ValueError, match=r"must lie in the support GreaterThan\(lower_bound=0.0\)"):
        m.log_prob(autograd.tensor(-1.0))
    unchecked = TransformedDistribution(
        Normal(0.0, 1.0, validate_args=False), ExpTransform(), validate_args=False
    )
    with np.errstate(invalid="ignore"):
        assert math.isnan(unchecked.log_prob(autograd.tensor(-1.0)).item())
    with pytest.raises(ValueError, match="transforms must be a Transform or a list of Transforms"):
        TransformedDistribution(Normal(0.0, 1.0), [ExpTransform(), 1])
    with pytest.raises(ValueError, match="transforms must be a Transform or a list, but was"):
        TransformedDistribution(Normal(0.0, 1.0), "exp")
    with pytest.raises(TypeError, match="base_distribution must be a Distribution, got str"):
        TransformedDistribution("normal", [])
    with pytest.raises(ValueError, match=r"at least 1 dims for these transforms, but got \(\)"):
        TransformedDistribution(Normal(0.0, 1.0), ReshapeTransform((2,), (2, 1)))
    with pytest.raises(
        ValueError, match="the value must lie in the support"
    ):  # cdf checks the base's support
        unchecked_base = Gamma(2.0, 1.0, validate_args=False)  # (so the check is the transformed one's)
        TransformedDistribution(unchecked_base, [AffineTransform(1.0, 1.0)]).cdf(autograd.tensor(0.5))
    # increasing transforms leave the base's cdf as it is: exact far in the tail (Φ(-10) ≈ 7.6e-24)
    tail = TransformedDistribution(Normal(f64(0.0), f64(1.0)), ExpTransform()).cdf(f64(math.exp(-10.0)))
    assert tail.item() == pytest.approx(Normal(f64(0.0), f64(1.0)).cdf(f64(-10.0)).item(), rel=1e-12, abs=0)
    as_tuple = TransformedDistribution(Normal(0.0, 1.0), (ExpTransform(), TanhTransform()))  # kept as a list
    assert as_tuple.transforms == [ExpTransform(), TanhTransform()] and isinstance(as_tuple.transforms, list)
    plain = TransformedDistribution(Exponential(f64(1.0)), [])
    assert (
        plain.support is plain.base_dist.support
        and plain.event_shape == ()
        and plain.has_rsample == plain.base_dist.has_rsample
    )


def test_sac_tanh_squashed_policy():
    """SAC's policy: a = tanh(u), u ~ N(mu, sigma); log pi(a) by the cache, without atanh(±1)."""
    autograd.manual_seed(0)
    mu, log_std = f64([[0.0, 20.0]], True), f64([[0.0, 0.0]], True)
    pi = TransformedDistribution(Normal(mu, log_std.exp()), [TanhTransform(cache_size=1)])
    action = pi.rsample()
    assert action.shape == (1, 2) and action[0, 1].item() == 1.0  # tanh(about 20) rounds to 1
    log_prob = pi.log_prob(action)  # the cache hands back u: atanh is never applied to the rounded action
    u = pi.transforms[0].inv(action)
    expected = Normal(mu, log_std.exp()).log_prob(u) - 2 * (math.log(2) - u - (-2 * u).exp().log1p())
    np.testing.assert_allclose(log_prob.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    assert np.isfinite(log_prob.detach().numpy()).all()
    # the entropy-regularised actor loss back-propagates to both heads
    (log_prob.sum() - action.sum()).backward()
    assert np.isfinite(mu.grad.numpy()).all() and np.isfinite(log_std.grad.numpy()).all()
    # without the cache the squashed action lost u: atanh(1) is inf and the log-density is not finite
    fresh = TransformedDistribution(Normal(mu, log_std.exp()), [TanhTransform()], validate_args=False)
    with np.errstate(invalid="ignore"):
        assert not np.isfinite(fresh.log_prob(action.detach())[0, 1].item())


def test_normalizing_flow_fits_by_maximum_likelihood():
    """A two-layer affine-softplus flow fitted to log-normal data: the NLL falls below the start's."""
    autograd.manual_seed(1)
    data = LogNormal(f64(0.3), f64(0.5)).sample((400,))
    shift, log_scale = f64(0.0, True), f64(0.0, True)

    def model() -> TransformedDistribution:
        flow = ComposeTransform([AffineTransform(shift, log_scale.exp()), ExpTransform()])
        return TransformedDistribution(Normal(f64(0.0), f64(1.0)), flow)

    start = -model().log_prob(data).mean().item()
    for _ in range(200):
        loss = -model().log_prob(data).mean()
        shift.grad = log_scale.grad = None
        loss.backward()
        with autograd.no_grad():
            shift -= 0.1 * shift.grad
            log_scale -= 0.1 * log_scale.grad
    # the maximum-likelihood fit is the sample mean and standard deviation of log(data)
    logs = np.log(data.numpy())
    assert shift.item() == pytest.approx(logs.mean(), abs=1e-3)
    assert math.exp(log_scale.item()) == pytest.approx(logs.std(), abs=1e-3)
    assert -model().log_prob(data).mean().item() < start


def test_event_dim_bookkeeping_with_wide_bases():
    # a base whose events are wider than the transforms': its event dims all stay event dims
    base = Independent(Normal(f64(np.zeros((2, 3))), 1.0), 2)
    reshaped = TransformedDistribution(base, ReshapeTransform((3,), (3, 1)))
    assert reshaped.batch_shape == () and reshaped.event_shape == (2, 3, 1)
    assert reshaped.log_prob(f64(np.zeros((2, 3, 1)))).item() == pytest.approx(-3 * math.log(2 * math.pi))
    simplex = TransformedDistribution(base, StickBreakingTransform())
    assert simplex.event_shape == (2, 4) and repr(simplex.support) == "IndependentConstraint(Simplex(), 1)"
    positive = TransformedDistribution(Independent(Normal(f64(np.zeros((2, 3))), 1.0), 1), ExpTransform())
    assert repr(positive.support) == "IndependentConstraint(GreaterThan(lower_bound=0.0), 1)"
    # parameters of a vector transform that broadcast expand a base with events
    wide = TransformedDistribution(
        Independent(Normal(f64(np.zeros(3)), 1.0), 1),
        AffineTransform(f64(np.zeros((2, 3))), 1.0, event_dim=1),
    )
    assert wide.base_dist.batch_shape == (2,) and wide.batch_shape == (2,) and wide.event_shape == (3,)
    # expand goes back through the transforms' inverse shapes to the base's batch
    big = reshaped.expand([4])
    assert (
        big.batch_shape == (4,) and big.base_dist.batch_shape == (4,) and big.base_dist.event_shape == (2, 3)
    )
    with pytest.raises(ValueError, match="TransformedDistribution: the value must lie"):  # expanded too
        TransformedDistribution(Normal(f64([0.0]), 1.0), ExpTransform()).expand((3, 1)).log_prob(f64(-1.0))
