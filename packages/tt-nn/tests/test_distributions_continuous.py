"""``Normal``, ``Uniform``, ``Exponential`` and ``Laplace``: values vs NumPy formulas, gradients, sampling.

Not course material (outside module 05's solution regions), so no module number.
Covers ``log_prob``, ``entropy``, ``cdf``/``icdf``, moments and ``mode`` against
float64 formulas written here, gradcheck of ``log_prob``, ``entropy``, ``cdf``
and ``rsample`` (with the noise fixed by the seed) in every parameter, with the
value broadcast against the batch, sample shapes and statistics under a fixed
seed, float32 kept, and the parameter and support checks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import Exponential, Laplace, Normal, Uniform
from tt_nn.functional.erf import erf


def f64(array: np.ndarray, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(array, dtype=autograd.float64, requires_grad=grad)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * np.vectorize(math.erfc)(-x / math.sqrt(2))  # erfc: no cancellation in the lower tail


# ---------------------------------------------------------------------------- Normal
def test_normal_values(rng):
    loc, scale = rng.standard_normal((2, 3)), rng.random(3) + 0.5
    value = rng.standard_normal((4, 1, 3)) * 2  # broadcast against batch (2, 3)
    m = Normal(f64(loc), f64(scale))
    assert m.batch_shape == (2, 3) and m.event_shape == ()
    expected = -((value - loc) ** 2) / (2 * scale**2) - np.log(scale) - 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(m.log_prob(f64(value)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(
        m.entropy().numpy(), np.broadcast_to(0.5 + 0.5 * np.log(2 * np.pi * scale**2), (2, 3)), rtol=1e-12
    )
    np.testing.assert_allclose(m.cdf(f64(value)).numpy(), normal_cdf((value - loc) / scale), rtol=1e-12)
    np.testing.assert_allclose(m.mean.numpy(), loc)
    np.testing.assert_allclose(m.mode.numpy(), loc)
    np.testing.assert_allclose(m.variance.numpy(), np.broadcast_to(scale**2, (2, 3)))
    np.testing.assert_allclose(m.stddev.numpy(), np.broadcast_to(scale, (2, 3)))


def test_normal_gradients(rng, check_grad):
    loc, scale = f64(rng.standard_normal((2, 3)), True), f64(rng.random(3) + 0.5, True)
    value = f64(rng.standard_normal((4, 1, 3)), True)
    check_grad(lambda m, s, v: Normal(m, s).log_prob(v), loc, scale, value)
    check_grad(lambda m, s, v: Normal(m, s).cdf(v), loc, scale, value)
    check_grad(lambda s: Normal(0.0, s).entropy(), scale)

    def rsample(m, s):
        autograd.manual_seed(5)  # the same noise at every evaluation
        return Normal(m, s).rsample((2,))

    check_grad(rsample, loc, scale)


def test_normal_rsample_is_loc_plus_scale_times_noise(rng):
    loc, scale = f64(rng.standard_normal(3), True), f64(rng.random(3) + 0.5, True)
    autograd.manual_seed(11)
    draws = Normal(loc, scale).rsample((4,))
    autograd.manual_seed(11)
    noise = autograd.randn(4, 3, dtype=autograd.float64).numpy()
    np.testing.assert_allclose(
        draws.detach().numpy(), loc.detach().numpy() + noise * scale.detach().numpy(), rtol=1e-12
    )
    draws.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [4.0, 4.0, 4.0])
    np.testing.assert_allclose(scale.grad.numpy(), noise.sum(0), rtol=1e-12)
    autograd.manual_seed(11)
    sampled = Normal(loc, scale).sample((4,))
    assert not sampled.requires_grad and np.array_equal(sampled.numpy(), draws.detach().numpy())


def test_normal_sample_statistics_and_dtype():
    m = Normal(autograd.tensor([-2.0, 3.0]), autograd.tensor([0.5, 2.0]))
    autograd.manual_seed(0)
    draws = m.sample((40000,))
    assert draws.shape == (40000, 2) and draws.dtype == autograd.float32
    values = draws.numpy().astype(np.float64)
    np.testing.assert_allclose(values.mean(0), [-2.0, 3.0], atol=4 * 2.0 / np.sqrt(40000))
    np.testing.assert_allclose(values.std(0), [0.5, 2.0], rtol=0.03)
    assert m.log_prob(autograd.tensor(0.0)).dtype == autograd.float32
    assert m.entropy().dtype == m.cdf(autograd.zeros(2)).dtype == autograd.float32
    assert Normal(0.0, 1.0).sample().shape == () and Normal(0.0, 1.0).loc.dtype == autograd.float32
    assert Normal(autograd.zeros(2, dtype=autograd.float64), 1.0).scale.dtype == autograd.float64


def test_normal_cdf_tails_and_icdf(rng, check_grad):
    m = Normal(0.0, 1.0)
    np.testing.assert_allclose(
        m.cdf(f64(np.array([-30.0, 0.0, 8.0]))).numpy(), [4.906713927148187e-198, 0.5, 1.0], rtol=1e-10
    )
    loc, scale = np.array([0.5, -2.0, 1.0]), np.array([2.0, 0.5, 3.0])
    p = np.array([0.025, 0.5, 0.9])
    quantiles = np.array([-1.959963984540054, 0.0, 1.2815515655446004])  # Phi^-1(p), tables
    got = Normal(f64(loc), f64(scale)).icdf(f64(p)).numpy()
    np.testing.assert_allclose(got, loc + scale * quantiles, rtol=1e-13, atol=1e-15)
    back = Normal(f64(loc), f64(scale)).cdf(Normal(f64(loc), f64(scale)).icdf(f64(p)))
    np.testing.assert_allclose(back.numpy(), p, rtol=1e-13)
    assert Normal(0.0, 1.0).icdf(autograd.tensor([0.0, 1.0])).tolist() == [-math.inf, math.inf]
    assert Normal(0.0, 1.0).icdf(autograd.tensor(0.3)).dtype == autograd.float32
    check_grad(lambda a, b, q: Normal(a, b).icdf(q), f64(loc, True), f64(scale, True), f64(p, True))


# ---------------------------------------------------------------------------- Uniform
def test_uniform_values(rng):
    low, high = np.array([0.0, -1.0, 2.0]), np.array([1.0, 3.0, 2.5])
    value = np.array([[0.5, -1.0, 2.5], [1.0, 2.9, 2.4], [-0.1, 0.0, 2.0]])
    m = Uniform(f64(low), f64(high))
    inside = (low <= value) & (value < high)
    expected = np.where(inside, -np.log(high - low), -np.inf)
    loose = Uniform(f64(low), f64(high), validate_args=False)  # -0.1 is outside the support: no check
    np.testing.assert_array_equal(loose.log_prob(f64(value)).numpy(), expected)
    np.testing.assert_allclose(m.entropy().numpy(), np.log(high - low))
    np.testing.assert_allclose(m.mean.numpy(), (low + high) / 2)
    np.testing.assert_allclose(m.variance.numpy(), (high - low) ** 2 / 12)
    np.testing.assert_allclose(m.stddev.numpy(), (high - low) / np.sqrt(12))
    assert np.isnan(m.mode.numpy()).all()
    probe = np.array([[0.25, 0.0, 2.1], [0.9, 2.0, 2.5]])
    np.testing.assert_allclose(m.cdf(f64(probe)).numpy(), np.clip((probe - low) / (high - low), 0, 1))
    np.testing.assert_allclose(
        m.icdf(f64(np.array([0.1, 0.5, 0.9]))).numpy(), low + [0.1, 0.5, 0.9] * (high - low)
    )
    # outside the interval: cdf clamps to 0 and 1 (validation off, as values outside the support raise)
    np.testing.assert_allclose(loose.cdf(f64(np.array([-5.0, 10.0, 2.25]))).numpy(), [0.0, 1.0, 0.5])


def test_uniform_high_itself_has_zero_density():
    # PyTorch 2.13: Uniform(0, 1).log_prob(1.) = -inf (the interval is half-open; validation passes).
    assert Uniform(0.0, 1.0).log_prob(autograd.tensor(1.0)).item() == -np.inf
    assert Uniform(0.0, 2.0).log_prob(autograd.tensor(0.0)).item() == pytest.approx(-np.log(2.0))


def test_uniform_gradients_and_sampling(rng, check_grad):
    low, high = f64(rng.random(3) - 2, True), f64(rng.random(3) + 1, True)
    value = f64(rng.random((2, 3)) - 0.5, True)
    check_grad(lambda a, b: Uniform(a, b).log_prob(value), low, high)
    check_grad(lambda a, b, v: Uniform(a, b).cdf(v), low, high, value)
    check_grad(lambda a, b, p: Uniform(a, b).icdf(p), low, high, f64(rng.random(3), True))
    check_grad(lambda a, b: Uniform(a, b).entropy(), low, high)

    def rsample(a, b):
        autograd.manual_seed(3)
        return Uniform(a, b).rsample((5,))

    check_grad(rsample, low, high)
    autograd.manual_seed(0)
    draws = Uniform(autograd.tensor([0.0, 10.0]), autograd.tensor([1.0, 14.0])).sample((40000,))
    assert draws.shape == (40000, 2) and draws.dtype == autograd.float32
    values = draws.numpy().astype(np.float64)
    assert values[:, 0].min() >= 0 and values[:, 0].max() < 1 and values[:, 1].min() >= 10
    np.testing.assert_allclose(values.mean(0), [0.5, 12.0], atol=4 * 1.2 / np.sqrt(40000))
    np.testing.assert_allclose(values.var(0), [1 / 12, 16 / 12], rtol=0.03)


# ---------------------------------------------------------------------------- Exponential
def test_exponential_values(rng):
    rate = rng.random(4) + 0.3
    value = rng.random((3, 4)) * 3
    m = Exponential(f64(rate))
    np.testing.assert_allclose(m.log_prob(f64(value)).numpy(), np.log(rate) - rate * value, rtol=1e-12)
    np.testing.assert_allclose(m.cdf(f64(value)).numpy(), 1 - np.exp(-rate * value), rtol=1e-12)
    np.testing.assert_allclose(m.icdf(f64(np.full(4, 0.3))).numpy(), -np.log(0.7) / rate, rtol=1e-12)
    np.testing.assert_allclose(m.entropy().numpy(), 1 - np.log(rate), rtol=1e-12)
    np.testing.assert_allclose(m.mean.numpy(), 1 / rate)
    np.testing.assert_allclose(m.stddev.numpy(), 1 / rate)
    np.testing.assert_allclose(m.variance.numpy(), rate**-2)
    np.testing.assert_array_equal(m.mode.numpy(), np.zeros(4))


def test_exponential_gradients_and_sampling(rng, check_grad):
    rate = f64(rng.random(3) + 0.5, True)
    value = f64(rng.random((2, 3)) * 2 + 0.1, True)
    check_grad(lambda r, v: Exponential(r).log_prob(v), rate, value)
    check_grad(lambda r, v: Exponential(r).cdf(v), rate, value)
    check_grad(lambda r, p: Exponential(r).icdf(p), rate, f64(rng.random(3) * 0.9, True))
    check_grad(lambda r: Exponential(r).entropy(), rate)

    def rsample(r):
        autograd.manual_seed(4)
        return Exponential(r).rsample((3,))

    check_grad(rsample, rate)
    autograd.manual_seed(0)
    draws = Exponential(autograd.tensor([0.5, 4.0])).sample((40000,))
    assert draws.dtype == autograd.float32 and draws.shape == (40000, 2)
    values = draws.numpy().astype(np.float64)
    assert values.min() >= 0
    np.testing.assert_allclose(values.mean(0), [2.0, 0.25], rtol=0.03)
    np.testing.assert_allclose(values.std(0), [2.0, 0.25], rtol=0.04)


# ---------------------------------------------------------------------------- Laplace
def test_laplace_values(rng):
    loc, scale = rng.standard_normal(3), rng.random(3) + 0.5
    value = rng.standard_normal((2, 3)) * 2
    m = Laplace(f64(loc), f64(scale))
    np.testing.assert_allclose(
        m.log_prob(f64(value)).numpy(), -np.log(2 * scale) - np.abs(value - loc) / scale, rtol=1e-12
    )
    z = (value - loc) / scale
    np.testing.assert_allclose(
        m.cdf(f64(value)).numpy(), np.where(z < 0, 0.5 * np.exp(z), 1 - 0.5 * np.exp(-z)), rtol=1e-12
    )
    p = np.array([0.1, 0.5, 0.8])
    expected_icdf = np.where(p < 0.5, loc + scale * np.log(2 * p), loc - scale * np.log(2 - 2 * p))
    np.testing.assert_allclose(m.icdf(f64(p)).numpy(), expected_icdf, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(m.entropy().numpy(), 1 + np.log(2 * scale), rtol=1e-12)
    np.testing.assert_allclose(m.variance.numpy(), 2 * scale**2)
    np.testing.assert_allclose(m.stddev.numpy(), np.sqrt(2) * scale)
    np.testing.assert_allclose(m.mean.numpy(), loc)
    np.testing.assert_allclose(m.mode.numpy(), loc)


def test_laplace_gradients_and_sampling(rng, check_grad):
    loc, scale = f64(rng.standard_normal(3), True), f64(rng.random(3) + 0.5, True)
    value = f64(rng.standard_normal((2, 3)) * 2 + 0.3, True)  # away from the kink at value == loc
    check_grad(lambda m, s, v: Laplace(m, s).log_prob(v), loc, scale, value)
    check_grad(lambda m, s, v: Laplace(m, s).cdf(v), loc, scale, value)
    check_grad(lambda m, s, p: Laplace(m, s).icdf(p), loc, scale, f64(np.array([0.2, 0.7, 0.9]), True))
    check_grad(lambda s: Laplace(0.0, s).entropy(), scale)

    def rsample(m, s):
        autograd.manual_seed(6)
        return Laplace(m, s).rsample((4,))

    check_grad(rsample, loc, scale)
    autograd.manual_seed(0)
    draws = Laplace(autograd.tensor([1.0, -2.0]), autograd.tensor([0.5, 2.0])).sample((40000,))
    assert draws.dtype == autograd.float32 and draws.shape == (40000, 2)
    values = draws.numpy().astype(np.float64)
    np.testing.assert_allclose(values.mean(0), [1.0, -2.0], atol=4 * 2.9 / np.sqrt(40000))
    np.testing.assert_allclose(values.std(0), np.sqrt(2) * np.array([0.5, 2.0]), rtol=0.04)
    np.testing.assert_allclose(np.median(values, 0), [1.0, -2.0], atol=0.05)
    assert (values[:, 0] < 1.0).mean() == pytest.approx(0.5, abs=0.02)  # symmetric: the sign of u matters


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Normal(0.0, -1.0), r"Normal: parameter scale .*GreaterThan\(lower_bound=0.0\).*\[-1\.\]"),
        (lambda: Normal(0.0, 0.0), "Normal: parameter scale"),
        (lambda: Normal(float("nan"), 1.0), r"Normal: parameter loc .*Real\(\)"),
        (lambda: Normal(0.0, 1.0).log_prob(autograd.tensor(float("nan"))), r"support Real\(\)"),
        (
            lambda: Normal(autograd.zeros(3), 1.0).log_prob(autograd.zeros(2)),
            r"\(2,\) does not broadcast .*\(3,\)",
        ),
        (lambda: Normal(0.0, 1.0).log_prob(1.0), "Normal: the value must be a tensor, got float"),
        (lambda: Normal([0.0], 1.0), "tensors or numbers"),
        (lambda: Uniform(1.0, 0.0), r"Uniform: parameter low .*LessThan.*values below high"),
        (lambda: Uniform(0.0, 1.0).log_prob(autograd.tensor(2.0)), r"support Interval\(lower_bound=0.0"),
        (lambda: Exponential(0.0), r"Exponential: parameter rate .*GreaterThan"),
        (
            lambda: Exponential(1.0).log_prob(autograd.tensor(-1.0)),
            r"support GreaterThanEq\(lower_bound=0.0\)",
        ),
        (lambda: Laplace(0.0, 0.0), r"Laplace: parameter scale"),
    ],
)
def test_errors(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_exponential_support_includes_zero_and_erf_reference():
    assert Exponential(2.0).log_prob(autograd.tensor(0.0)).item() == pytest.approx(np.log(2.0))
    np.testing.assert_allclose(erf(np.array([0.3])), [math.erf(0.3)], rtol=1e-14)  # the cdf's building block


def test_cdf_validates_its_value():
    nan = autograd.tensor(float("nan"))
    with pytest.raises(ValueError, match=r"Normal: the value must lie in the support Real\(\)"):
        Normal(0.0, 1.0).cdf(nan)
    with pytest.raises(ValueError, match=r"support Interval\(lower_bound=0.0, upper_bound=1.0\)"):
        Uniform(0.0, 1.0).cdf(autograd.tensor(2.0))
    with pytest.raises(ValueError, match=r"support GreaterThanEq"):
        Exponential(1.0).cdf(autograd.tensor(-1.0))
    with pytest.raises(ValueError, match=r"support Real\(\)"):
        Laplace(0.0, 1.0).cdf(nan)


def test_laplace_rsample_is_the_inverse_cdf_of_the_uniform_noise(rng):
    loc, scale = f64(rng.standard_normal(3), True), f64(rng.random(3) + 0.5, True)
    autograd.manual_seed(8)
    draws = Laplace(loc, scale).rsample((4,)).detach().numpy()
    autograd.manual_seed(8)
    eps = np.finfo(np.float64).eps
    u = autograd.rand(4, 3, dtype=autograd.float64).numpy() * (2 - eps) + (eps - 1)
    expected = loc.detach().numpy() - scale.detach().numpy() * np.sign(u) * np.log1p(-np.abs(u))
    np.testing.assert_allclose(draws, expected, rtol=1e-12)


def test_hints_and_laplace_value_check():
    with pytest.raises(ValueError, match=r"softplus\(raw\) \+ 1e-5"):
        Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="Pass values at least 0.0"):
        Exponential(1.0).log_prob(autograd.tensor(-1.0))
    with pytest.raises(ValueError, match=r"Laplace: the value must lie in the support Real\(\)"):
        Laplace(0.0, 1.0).log_prob(autograd.tensor(float("nan")))


def test_laplace_cdf_at_its_centre_is_one_half():
    m = Laplace(f64(np.array([0.5, -1.0])), f64(np.array([1.0, 2.0])))
    np.testing.assert_array_equal(m.cdf(f64(np.array([0.5, -1.0]))).numpy(), [0.5, 0.5])


def test_normal_and_laplace_expand_keep_the_values_and_the_checks():
    for make in (Normal, Laplace):
        m = make(autograd.tensor([0.0, 1.0], dtype=autograd.float64), 2.0)
        wide = m.expand((3, 2))
        assert type(wide) is make and wide.batch_shape == (3, 2) and wide.sample((4,)).shape == (4, 3, 2)
        value = autograd.tensor([0.5, -1.0], dtype=autograd.float64)
        np.testing.assert_allclose(
            wide.log_prob(value).numpy(), np.broadcast_to(m.log_prob(value).numpy(), (3, 2))
        )
        assert wide.mode.shape == (3, 2) and wide.mode.tolist()[2] == [0.0, 1.0]
