"""``Cauchy``, ``HalfNormal``, ``LogNormal``, ``StudentT``: values vs NumPy formulas, gradients, draws, KLs.

Not course material (outside module 05's solution regions), so no module number.
Covers ``log_prob``/``entropy``/``cdf``/``icdf``/moments against float64 formulas
written here, values pinned from PyTorch 2.13 (NaN and ``inf`` moments included),
gradcheck of ``log_prob``, ``entropy``, ``cdf`` and ``rsample`` (the noise fixed by the
seed) in every parameter, KLs against numerical integrals, draw statistics under a
fixed seed (medians and quantiles for the heavy tails), ``expand``, float32 kept, checks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad
from tt_nn.distributions import Cauchy, HalfNormal, LogNormal, StudentT, kl_divergence

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


lgamma = np.vectorize(math.lgamma)
erf = np.vectorize(math.erf)
LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def digamma(x: np.ndarray) -> np.ndarray:
    return (lgamma(x + 1e-5) - lgamma(x - 1e-5)) / 2e-5


def integrate(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    return ((values[..., 1:] + values[..., :-1]) * np.diff(grid) / 2).sum(-1)


def student_log_density(x, df, loc, scale):
    y = (x - loc) / scale
    log_norm = np.log(scale) + 0.5 * np.log(df * math.pi) + lgamma(df / 2) - lgamma((df + 1) / 2)
    return -(df + 1) / 2 * np.log1p(y**2 / df) - log_norm


# ---------------------------------------------------------------------------- values
def test_cauchy_values(rng):
    loc, scale = rng.standard_normal((2, 1)), rng.random(3) + 0.5
    x = rng.standard_normal((4, 2, 3)) * 3
    m = Cauchy(f64(loc), f64(scale))
    y = (x - loc) / scale
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy(), -np.log(math.pi * scale * (1 + y**2)), rtol=1e-12)
    np.testing.assert_allclose(m.cdf(f64(x)).numpy(), np.arctan(y) / math.pi + 0.5, rtol=1e-12)
    level = rng.random((2, 3)) * 0.98 + 0.01
    np.testing.assert_allclose(
        m.icdf(f64(level)).numpy(), loc + scale * np.tan(math.pi * (level - 0.5)), rtol=1e-12
    )
    np.testing.assert_allclose(m.entropy().numpy(), np.broadcast_to(np.log(4 * math.pi * scale), (2, 3)))
    assert np.isnan(m.mean.numpy()).all() and m.mean.shape == (2, 3)
    assert np.isposinf(m.variance.numpy()).all() and m.variance.shape == (2, 3)
    np.testing.assert_allclose(m.mode.numpy(), np.broadcast_to(loc, (2, 3)))


def test_half_normal_values(rng):
    scale = rng.random(3) + 0.5
    x = np.abs(rng.standard_normal((4, 3))) * 2
    m = HalfNormal(f64(scale))
    expected = math.log(2) - x**2 / (2 * scale**2) - np.log(scale) - LOG_SQRT_2PI
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(m.cdf(f64(x)).numpy(), erf(x / (scale * math.sqrt(2))), rtol=1e-12)
    level = np.array([0.01, 0.5, 0.97])
    np.testing.assert_allclose(m.cdf(m.icdf(f64(level))).numpy(), level, rtol=1e-12)
    np.testing.assert_allclose(m.entropy().numpy(), 0.5 * np.log(math.pi * scale**2 / 2) + 0.5, rtol=1e-12)
    np.testing.assert_allclose(m.mean.numpy(), scale * math.sqrt(2 / math.pi), rtol=1e-14)
    np.testing.assert_allclose(m.variance.numpy(), scale**2 * (1 - 2 / math.pi), rtol=1e-14)
    np.testing.assert_allclose(m.mode.numpy(), np.zeros(3))
    unchecked = HalfNormal(f64(1.0), validate_args=False).log_prob(f64([-1.0, 0.0]))
    np.testing.assert_allclose(unchecked.numpy(), [-math.inf, math.log(2) - LOG_SQRT_2PI])


def test_log_normal_values(rng):
    loc, scale = rng.standard_normal((2, 1)), rng.random(3) + 0.3
    x = np.exp(rng.standard_normal((4, 2, 3)))
    m = LogNormal(f64(loc), f64(scale))
    expected = -((np.log(x) - loc) ** 2) / (2 * scale**2) - np.log(scale) - LOG_SQRT_2PI - np.log(x)
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy(), expected, rtol=1e-12)
    z = (np.log(x) - loc) / scale
    np.testing.assert_allclose(m.cdf(f64(x)).numpy(), 0.5 * (1 + erf(z / math.sqrt(2))), rtol=1e-11)
    level = np.full((2, 3), 0.3)
    np.testing.assert_allclose(m.cdf(m.icdf(f64(level))).numpy(), level, rtol=1e-12)
    entropy = 0.5 + LOG_SQRT_2PI + np.log(scale) + loc
    np.testing.assert_allclose(m.entropy().numpy(), entropy, rtol=1e-12)
    np.testing.assert_allclose(m.mean.numpy(), np.exp(loc + scale**2 / 2), rtol=1e-14)
    np.testing.assert_allclose(m.mode.numpy(), np.exp(loc - scale**2), rtol=1e-14)
    np.testing.assert_allclose(
        m.variance.numpy(), np.expm1(scale**2) * np.exp(2 * loc + scale**2), rtol=1e-13
    )


def test_student_t_values(rng):
    df, loc, scale = np.array([0.5, 1.5, 3.0, 10.0]), rng.standard_normal((2, 1)), rng.random(4) + 0.5
    x = rng.standard_normal((3, 2, 4)) * 3
    m = StudentT(f64(df), f64(loc), f64(scale))
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy(), student_log_density(x, df, loc, scale), rtol=1e-12)
    log_beta = lgamma(df / 2) + lgamma(0.5) - lgamma((df + 1) / 2)
    entropy = (
        np.log(scale) + (df + 1) / 2 * (digamma((df + 1) / 2) - digamma(df / 2)) + np.log(df) / 2 + log_beta
    )
    np.testing.assert_allclose(m.entropy().numpy(), np.broadcast_to(entropy, (2, 4)), rtol=1e-8)
    mean = m.mean.numpy()
    assert np.isnan(mean[:, 0]).all()
    np.testing.assert_allclose(mean[:, 1:], np.broadcast_to(loc, (2, 3)))
    variance = m.variance.numpy()  # df <= 1: NaN; 1 < df <= 2: inf; else scale^2 df / (df - 2)
    assert np.isnan(variance[:, 0]).all() and np.isposinf(variance[:, 1]).all()
    np.testing.assert_allclose(
        variance[:, 2:], np.broadcast_to(scale[2:] ** 2 * df[2:] / (df[2:] - 2), (2, 2))
    )
    np.testing.assert_allclose(m.mode.numpy(), np.broadcast_to(loc, (2, 4)))
    edges = StudentT(f64([1.0, 2.0])).variance.numpy()
    assert np.isnan(edges[0]) and np.isposinf(edges[1])
    np.testing.assert_allclose(StudentT(f64([1.0, 2.0])).mean.numpy(), [math.nan, 0.0])
    cauchy = Cauchy(f64(0.0), f64(1.0)).log_prob(f64(x)).numpy()
    np.testing.assert_allclose(StudentT(f64(1.0)).log_prob(f64(x)).numpy(), cauchy, rtol=1e-12)


def test_values_pinned_from_pytorch():
    t = autograd.tensor
    cauchy, half, log_normal = Cauchy(t(0.5), t(2.0)), HalfNormal(t(2.0)), LogNormal(t(0.5), t(0.8))
    student = StudentT(t(3.0), t(1.0), t(2.0))
    pinned = [
        (cauchy.log_prob(t(1.0)), -1.8985016345977783),
        (cauchy.entropy(), 3.2241714000701904),
        (cauchy.cdf(t(1.0)), 0.5779791474342346),
        (cauchy.icdf(t(0.3)), -0.9530849456787109),
        (kl_divergence(cauchy, Cauchy(t(0.0), t(1.0))), 0.14518213272094727),
        (half.log_prob(t(1.0)), -1.0439385175704956),
        (half.entropy(), 1.4189386367797852),
        (half.cdf(t(1.0)), 0.3829249143600464),
        (half.icdf(t(0.3)), 0.7706407904624939),
        (kl_divergence(half, HalfNormal(t(1.0))), 0.8068528175354004),
        (log_normal.log_prob(t(1.5)), -1.1082420349121094),
        (log_normal.entropy(), 1.695794939994812),
        (log_normal.cdf(t(1.5)), 0.4529670476913452),
        (log_normal.icdf(t(0.3)), 1.0838067531585693),
        (kl_divergence(log_normal, LogNormal(t(0.0), t(1.0))), 0.16814354062080383),
        (student.log_prob(t(1.5)), -1.7352745532989502),
        (student.entropy(), 2.4666244983673096),
    ]
    for result, expected in pinned:
        assert result.dtype == autograd.float32
        np.testing.assert_allclose(result.item(), expected, rtol=2e-6)
    for m in (cauchy, half, log_normal, student):
        assert m.rsample((2,)).dtype == autograd.float32 and m.has_rsample


# ---------------------------------------------------------------------------- gradients
def test_gradients(rng, check_grad):
    loc, scale = f64(rng.standard_normal((2, 1)), True), f64(rng.random(3) + 0.5, True)
    x = f64(rng.standard_normal((4, 2, 3)), True)
    positive = f64(np.exp(rng.standard_normal((4, 2, 3))), True)
    df = f64(rng.random(3) * 4 + 0.5, True)
    check_grad(lambda m, s, v: Cauchy(m, s).log_prob(v), loc, scale, x)
    check_grad(lambda m, s, v: Cauchy(m, s).cdf(v), loc, scale, x)
    check_grad(lambda m, s, p: Cauchy(m, s).icdf(p), loc, scale, f64(rng.random(3) * 0.9 + 0.05, True))
    check_grad(lambda s: Cauchy(0.0, s).entropy(), scale)
    check_grad(lambda s, v: HalfNormal(s).log_prob(v), scale, positive)
    check_grad(lambda s, v: HalfNormal(s).cdf(v), scale, positive)
    check_grad(lambda s: HalfNormal(s).entropy(), scale)
    check_grad(lambda m, s, v: LogNormal(m, s).log_prob(v), loc, scale, positive)
    check_grad(lambda m, s, v: LogNormal(m, s).cdf(v), loc, scale, positive)
    check_grad(lambda m, s: LogNormal(m, s).entropy(), loc, scale)
    check_grad(lambda d, m, s, v: StudentT(d, m, s).log_prob(v), df, loc, scale, x)
    check_grad(lambda d, s: StudentT(d, 0.0, s).entropy(), df, scale)

    def rsample(kind, *parameters):
        autograd.manual_seed(9)  # the same noise at every evaluation
        return kind(*parameters).rsample((2,))

    check_grad(lambda m, s: rsample(Cauchy, m, s), loc, scale)
    check_grad(lambda s: rsample(HalfNormal, s), scale)
    check_grad(lambda m, s: rsample(LogNormal, m, s), loc, scale)
    check_grad(lambda m, s: rsample(StudentT, f64(3.0), m, s), loc, scale)  # df's draws change with df
    ps, qs = f64(rng.random(3) + 0.5, True), f64(rng.random(3) + 0.5, True)
    check_grad(lambda a, b, c, d: kl_divergence(Cauchy(a, b), Cauchy(c, d)), loc, ps, f64([0.3], True), qs)
    check_grad(lambda a, b: kl_divergence(HalfNormal(a), HalfNormal(b)), ps, qs)
    check_grad(
        lambda a, b, c, d: kl_divergence(LogNormal(a, b), LogNormal(c, d)), loc, ps, f64([0.3], True), qs
    )


def test_student_t_rsample_gradient_in_df_is_unbiased():
    # E[X^2] = df / (df - 2) for the standard t, so d E[X^2] / d df = -2 / (df - 2)^2
    draws = 40000
    autograd.manual_seed(6)
    df = f64(np.full(draws, 5.0), True)
    StudentT(df).rsample().pow(2).sum().backward()
    gradients = df.grad.numpy()
    error = gradients.std() / math.sqrt(draws)
    assert abs(gradients.mean() - (-2 / 9)) < 6 * error


def test_rsample_is_the_documented_transform_of_the_noise(rng):
    loc, scale, df = rng.standard_normal(3), rng.random(3) + 0.5, np.array([0.7, 3.0, 12.0])

    def noise(seed, kind):
        autograd.manual_seed(seed)
        if kind == "uniform":
            return autograd.rand(4, 3, dtype=autograd.float64).numpy()
        return autograd.randn(4, 3, dtype=autograd.float64).numpy()

    autograd.manual_seed(1)
    draws = Cauchy(f64(loc), f64(scale)).rsample((4,)).numpy()
    np.testing.assert_allclose(draws, loc + scale * np.tan(math.pi * (noise(1, "uniform") - 0.5)), rtol=1e-12)
    autograd.manual_seed(2)
    draws = HalfNormal(f64(scale)).rsample((4,)).numpy()
    np.testing.assert_allclose(draws, np.abs(scale * noise(2, "normal")), rtol=1e-12)
    autograd.manual_seed(3)
    draws = LogNormal(f64(loc), f64(scale)).rsample((4,)).numpy()
    np.testing.assert_allclose(draws, np.exp(loc + scale * noise(3, "normal")), rtol=1e-12)
    autograd.manual_seed(4)
    draws = StudentT(f64(df), f64(loc), f64(scale)).rsample((4,)).numpy()
    normal = noise(4, "normal")  # the normal first, then one Gamma(df / 2, 1) draw per element
    chi2 = autograd.default_generator.numpy.standard_gamma(np.broadcast_to(df / 2, (4, 3))) / 0.5
    np.testing.assert_allclose(draws, loc + scale * normal / np.sqrt(chi2 / df), rtol=1e-12)


# ---------------------------------------------------------------------------- KL divergences
def test_kl_against_numerical_integrals():
    # Cauchy: in the angle x = loc_p + scale_p tan(theta), p(x) dx = d theta / pi on (-pi/2, pi/2)
    count = 400000
    theta = (np.arange(count) + 0.5) * (math.pi / count) - math.pi / 2  # midpoints: no endpoint
    loc_p, scale_p, loc_q, scale_q = (
        np.array([[0.0], [1.0]]),
        np.array([[2.0], [0.5]]),
        0.5,
        np.array([[1.0], [3.0]]),
    )
    x = loc_p + scale_p * np.tan(theta)

    def cauchy_log(loc, scale):
        return -np.log(math.pi * scale * (1 + ((x - loc) / scale) ** 2))

    expected = (cauchy_log(loc_p, scale_p) - cauchy_log(loc_q, scale_q)).mean(-1)  # (1/pi) * sum * (pi/count)
    kl = kl_divergence(
        Cauchy(f64(loc_p[:, 0]), f64(scale_p[:, 0])), Cauchy(loc_q, f64(scale_q[:, 0]))
    ).numpy()
    np.testing.assert_allclose(kl, expected, rtol=1e-8)

    x = np.linspace(0, 40, 400001)
    scale_p, scale_q = np.array([[2.0], [0.5]]), np.array([[1.0], [3.0]])
    log_p = math.log(2) - x**2 / (2 * scale_p**2) - np.log(scale_p) - LOG_SQRT_2PI
    log_q = math.log(2) - x**2 / (2 * scale_q**2) - np.log(scale_q) - LOG_SQRT_2PI
    expected = integrate(np.exp(log_p) * (log_p - log_q), x)
    kl = kl_divergence(HalfNormal(f64(scale_p[:, 0])), HalfNormal(f64(scale_q[:, 0]))).numpy()
    np.testing.assert_allclose(kl, expected, rtol=1e-8)

    log_x = np.linspace(-30, 30, 400001)
    loc_p, scale_p, loc_q, scale_q = (
        np.array([[0.0], [1.0]]),
        np.array([[2.0], [0.5]]),
        0.5,
        np.array([[1.0], [3.0]]),
    )

    def log_normal_log(loc, scale):  # density of x, evaluated at exp(log_x)
        return -((log_x - loc) ** 2) / (2 * scale**2) - np.log(scale) - LOG_SQRT_2PI - log_x

    log_p, log_q = log_normal_log(loc_p, scale_p), log_normal_log(loc_q, scale_q)
    expected = integrate(np.exp(log_p + log_x) * (log_p - log_q), log_x)
    kl = kl_divergence(LogNormal(f64(loc_p[:, 0]), f64(scale_p[:, 0])), LogNormal(loc_q, f64(scale_q[:, 0])))
    np.testing.assert_allclose(kl.numpy(), expected, rtol=1e-8)


# ---------------------------------------------------------------------------- sampling
def test_sample_statistics():
    draws = 40000
    autograd.manual_seed(8)
    # quantiles for the heavy tails: the fraction of draws below the q-quantile has sd sqrt(q(1-q)/n)
    for m, quantile in (
        (Cauchy(f64([1.0]), f64([2.0])), lambda q: 1.0 + 2.0 * math.tan(math.pi * (q - 0.5))),
        (
            LogNormal(f64([0.5]), f64([0.8])),
            lambda q: math.exp(0.5 + 0.8 * math.sqrt(2) * _erfinv(2 * q - 1)),
        ),
    ):
        x = m.sample((draws,)).numpy()[:, 0]
        for q in (0.1, 0.5, 0.9):
            assert abs((x < quantile(q)).mean() - q) < 6 * math.sqrt(q * (1 - q) / draws)
    half = HalfNormal(f64([0.5, 2.0])).sample((draws,)).numpy()
    assert (half >= 0).all()
    sd = np.sqrt(np.array([0.25, 4.0]) * (1 - 2 / math.pi) / draws)
    assert np.all(np.abs(half.mean(0) - np.array([0.5, 2.0]) * math.sqrt(2 / math.pi)) < 6 * sd)
    student = StudentT(f64([6.0]), 1.0, 2.0).sample((draws,)).numpy()[:, 0]
    assert abs(student.mean() - 1.0) < 6 * math.sqrt(4 * 6 / 4 / draws)
    assert abs((student < 1.0).mean() - 0.5) < 6 * math.sqrt(0.25 / draws)


def _erfinv(y: float) -> float:
    """``erf⁻¹`` by bisection on ``math.erf`` (float64 resolution)."""
    low, high = -6.0, 6.0
    for _ in range(100):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if math.erf(middle) < y else (low, middle)
    return 0.5 * (low + high)


def test_expand():
    for m in (Cauchy(f64([0.0, 1.0]), 2.0), HalfNormal(f64([1.0, 2.0])), LogNormal(f64([0.0, 1.0]), 0.5)):
        wide = m.expand((3, 2))
        assert type(wide) is type(m) and wide.batch_shape == (3, 2)
        np.testing.assert_allclose(wide.entropy().numpy(), np.broadcast_to(m.entropy().numpy(), (3, 2)))
    student = StudentT(f64([3.0, 4.0]), 0.0, 1.0).expand((3, 2))
    assert student.batch_shape == (3, 2) and student.sample((5,)).shape == (5, 3, 2)


# ---------------------------------------------------------------------------- checks and repr
def test_bad_arguments_and_values():
    with pytest.raises(ValueError, match=r"Cauchy: parameter scale .* GreaterThan\(lower_bound=0.0\)"):
        Cauchy(0.0, -1.0)
    with pytest.raises(ValueError, match=r"HalfNormal: parameter scale"):
        HalfNormal(0.0)
    with pytest.raises(ValueError, match=r"LogNormal: parameter loc .* Real\(\)"):
        LogNormal(float("nan"), 1.0)
    with pytest.raises(ValueError, match=r"StudentT: parameter df"):
        StudentT(0.0)
    with pytest.raises(ValueError, match=r"HalfNormal: the value must lie in the support GreaterThanEq"):
        HalfNormal(1.0).log_prob(autograd.tensor(-1.0))
    with pytest.raises(ValueError, match=r"LogNormal: the value must lie in the support GreaterThan\("):
        LogNormal(0.0, 1.0).log_prob(autograd.tensor(0.0))
    with pytest.raises(ValueError, match=r"HalfNormal: the value must lie in the support GreaterThanEq"):
        HalfNormal(1.0).cdf(autograd.tensor(-1.0))
    with pytest.raises(ValueError, match=r"LogNormal: the value must lie in the support GreaterThan\("):
        LogNormal(0.0, 1.0).cdf(autograd.tensor(-1.0))
    with pytest.raises(ValueError, match=r"Cauchy: the value must lie in the support Real\(\)"):
        Cauchy(0.0, 1.0).cdf(autograd.tensor(float("nan")))
    with pytest.raises(ValueError, match=r"Cauchy: the value must lie in the support Real\(\)"):
        Cauchy(0.0, 1.0).log_prob(autograd.tensor(float("nan")))
    with pytest.raises(ValueError, match=r"StudentT: the value must lie in the support Real\(\)"):
        StudentT(3.0).log_prob(autograd.tensor(float("nan")))


def test_unchecked_student_t_samples_without_checking_its_chi2():
    autograd.manual_seed(0)
    with np.errstate(divide="ignore", invalid="ignore"):  # df = 0 divides by zero: inf or NaN draws
        draws = StudentT(f64([0.0, 3.0]), validate_args=False).sample((2,))  # df = 0 is not validated
    assert draws.shape == (2, 2)


def test_repr():
    assert repr(Cauchy(0.0, autograd.ones(2))) == "Cauchy(loc: (2,), scale: (2,))"
    assert repr(HalfNormal(2.0)) == "HalfNormal(scale: 2.0)"  # PyTorch prints HalfNormal()
    assert repr(LogNormal(0.0, 1.0)) == "LogNormal(loc: 0.0, scale: 1.0)"  # PyTorch prints LogNormal()
    assert repr(StudentT(3.0)) == "StudentT(df: 3.0, loc: 0.0, scale: 1.0)"


def test_student_t_variance_and_its_gradient_where_it_is_infinite():
    # df in (1, 2]: an infinite variance with a zero gradient, as PyTorch (the unused finite branch's
    # slope, -inf at df = 2, used to turn where's zero into NaN); df <= 1: NaN; df > 2 the formula.
    df = autograd.tensor([2.0, 1.5, 0.5, 4.0], dtype=autograd.float64, requires_grad=True)
    scale = autograd.tensor([1.0, 2.0, 1.0, 3.0], dtype=autograd.float64, requires_grad=True)
    variance = StudentT(df, 0.0, scale).variance
    values = variance.detach().numpy()
    assert values[0] == values[1] == math.inf and math.isnan(values[2]) and values[3] == 9.0 * 4.0 / 2.0
    d_df, d_scale = grad(variance[[0, 1, 3]].sum(), (df, scale))
    np.testing.assert_allclose(d_df.numpy(), [0.0, 0.0, 0.0, -9.0 * 2.0 / 4.0])  # d/df s^2 df/(df-2)
    np.testing.assert_allclose(d_scale.numpy(), [0.0, 0.0, 0.0, 2 * 3.0 * 4.0 / 2.0])
