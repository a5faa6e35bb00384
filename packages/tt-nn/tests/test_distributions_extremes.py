"""``Gumbel``, ``HalfCauchy``, ``Pareto``, ``Weibull``, ``InverseGamma`` and the Gumbel/Pareto KLs.

Not course material (outside module 05's solution regions), so no module number.
Covers ``log_prob``/``cdf``/``icdf``/``entropy``/moments against float64 formulas
written here, values pinned from PyTorch 2.13 (one parameter set per class),
gradcheck of ``log_prob``, ``cdf``, ``entropy`` and ``rsample`` (noise fixed by the seed),
the InverseGamma concentration gradient's mean, KLs against numerical integrals,
draw statistics under a fixed seed, shapes and ``expand``, support and parameter checks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import (
    Exponential,
    Gamma,
    Gumbel,
    HalfCauchy,
    InverseGamma,
    Normal,
    Pareto,
    Uniform,
    Weibull,
    kl_divergence,
)

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py

EULER = 0.5772156649015329
lgamma = np.vectorize(math.lgamma)


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def digamma(x: np.ndarray) -> np.ndarray:
    return (lgamma(x + 1e-5) - lgamma(x - 1e-5)) / 2e-5


def integrate(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    return ((values[..., 1:] + values[..., :-1]) * np.diff(grid) / 2).sum(-1)


# ---------------------------------------------------------------------------- values vs formulas
def test_gumbel_values(rng):
    loc, scale = rng.standard_normal((2, 1)), rng.random(3) + 0.5
    x = rng.standard_normal((4, 2, 3)) * 2
    m = Gumbel(f64(loc), f64(scale))
    z = (x - loc) / scale
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy(), -z - np.exp(-z) - np.log(scale), rtol=1e-12)
    np.testing.assert_allclose(m.cdf(f64(x)).numpy(), np.exp(-np.exp(-z)), rtol=1e-12)
    level = rng.random((2, 3)) * 0.98 + 0.01
    np.testing.assert_allclose(m.icdf(f64(level)).numpy(), loc - scale * np.log(-np.log(level)), rtol=1e-12)
    np.testing.assert_allclose(m.entropy().numpy(), np.broadcast_to(np.log(scale) + 1 + EULER, (2, 3)))
    np.testing.assert_allclose(m.mean.numpy(), loc + scale * EULER, rtol=1e-14)
    np.testing.assert_allclose(m.variance.numpy(), np.broadcast_to(math.pi**2 / 6 * scale**2, (2, 3)))
    np.testing.assert_allclose(m.stddev.numpy(), np.broadcast_to(math.pi / math.sqrt(6) * scale, (2, 3)))
    np.testing.assert_allclose(m.mode.numpy(), np.broadcast_to(loc, (2, 3)))


def test_half_cauchy_values(rng):
    scale = rng.random(3) + 0.5
    x = np.abs(rng.standard_normal((4, 3))) * 3
    m = HalfCauchy(f64(scale))
    expected = math.log(2 / math.pi) - np.log(scale) - np.log1p((x / scale) ** 2)
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(m.cdf(f64(x)).numpy(), 2 / math.pi * np.arctan(x / scale), rtol=1e-12)
    level = np.array([0.05, 0.5, 0.9])
    np.testing.assert_allclose(m.icdf(f64(level)).numpy(), scale * np.tan(math.pi * level / 2), rtol=1e-12)
    np.testing.assert_allclose(m.entropy().numpy(), np.log(2 * math.pi * scale), rtol=1e-12)
    assert np.isposinf(m.mean.numpy()).all() and np.isposinf(m.variance.numpy()).all()
    assert m.mean.shape == (3,) and m.variance.shape == (3,)
    np.testing.assert_allclose(m.mode.numpy(), np.zeros(3))
    unchecked = HalfCauchy(f64(1.0), validate_args=False).log_prob(f64([-1.0, 0.0]))
    np.testing.assert_allclose(unchecked.numpy(), [-math.inf, math.log(2 / math.pi)])


def test_pareto_values(rng):
    scale, alpha = rng.random((2, 1)) + 0.5, np.array([0.5, 1.5, 2.5, 4.0])
    x = scale + np.exp(rng.standard_normal((3, 2, 4)))
    m = Pareto(f64(scale), f64(alpha))
    expected = np.log(alpha) + alpha * np.log(scale) - (alpha + 1) * np.log(x)
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(m.cdf(f64(x)).numpy(), 1 - (scale / x) ** alpha, rtol=1e-12)
    level = np.full((2, 4), 0.3)
    np.testing.assert_allclose(m.icdf(f64(level)).numpy(), scale * 0.7 ** (-1 / alpha), rtol=1e-12)
    np.testing.assert_allclose(m.entropy().numpy(), np.log(scale / alpha) + 1 + 1 / alpha, rtol=1e-12)
    mean, variance = m.mean.numpy(), m.variance.numpy()
    assert np.isposinf(mean[:, 0]).all() and np.isposinf(variance[:, :2]).all()
    np.testing.assert_allclose(mean[:, 1:], alpha[1:] * scale / (alpha[1:] - 1), rtol=1e-14)
    a = alpha[2:]
    np.testing.assert_allclose(variance[:, 2:], scale**2 * a / ((a - 1) ** 2 * (a - 2)), rtol=1e-14)
    np.testing.assert_allclose(m.mode.numpy(), np.broadcast_to(scale, (2, 4)))
    assert np.isposinf(Pareto(1.0, 1.0).mean.item())  # alpha = 1 exactly
    assert np.isposinf(Pareto(1.0, 2.0).variance.item())


def test_weibull_values(rng):
    scale, k = rng.random((2, 1)) + 0.5, np.array([0.6, 1.0, 2.5])
    x = np.exp(rng.standard_normal((4, 2, 3)))
    m = Weibull(f64(scale), f64(k))
    expected = np.log(k / scale) + (k - 1) * np.log(x / scale) - (x / scale) ** k
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(m.cdf(f64(x)).numpy(), 1 - np.exp(-((x / scale) ** k)), rtol=1e-12)
    level = np.full((2, 3), 0.3)
    np.testing.assert_allclose(m.icdf(f64(level)).numpy(), scale * (-np.log(0.7)) ** (1 / k), rtol=1e-12)
    entropy = EULER * (1 - 1 / k) + np.log(scale / k) + 1
    np.testing.assert_allclose(m.entropy().numpy(), entropy, rtol=1e-12)
    np.testing.assert_allclose(m.mean.numpy(), scale * np.exp(lgamma(1 + 1 / k)), rtol=1e-13)
    variance = scale**2 * (np.exp(lgamma(1 + 2 / k)) - np.exp(2 * lgamma(1 + 1 / k)))
    np.testing.assert_allclose(m.variance.numpy(), variance, rtol=1e-12)
    mode = m.mode.numpy()  # ((k-1)/k)^(1/k): NaN for k < 1, 0 at k = 1 (as PyTorch)
    assert np.isnan(mode[:, 0]).all()
    np.testing.assert_allclose(mode[:, 1:], scale * (((k[1:] - 1) / k[1:]) ** (1 / k[1:])), atol=1e-15)


def test_inverse_gamma_values(rng):
    alpha, rate = np.array([0.7, 1.5, 3.0]), rng.random((2, 1)) + 0.5
    x = np.exp(rng.standard_normal((4, 2, 3)))
    m = InverseGamma(f64(alpha), f64(rate))
    expected = alpha * np.log(rate) - lgamma(alpha) - (alpha + 1) * np.log(x) - rate / x
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy(), expected, rtol=1e-12)
    grid = np.linspace(1e-9, 1.0, 200001)  # cdf = ∫_0^x density; checked at x = 1 by the trapezoid rule
    density = np.exp(
        alpha[:, None] * np.log(rate[..., None]) - lgamma(alpha)[:, None] - rate[..., None] / grid
    )
    density = density * grid ** (-alpha[:, None] - 1)
    one = m.cdf(f64(np.ones((2, 3)))).numpy()
    np.testing.assert_allclose(one, integrate(density, grid), rtol=1e-6)
    entropy = alpha + np.log(rate) + lgamma(alpha) - (1 + alpha) * digamma(alpha)
    np.testing.assert_allclose(m.entropy().numpy(), entropy, atol=1e-8)  # digamma by differences
    mean, variance = m.mean.numpy(), m.variance.numpy()
    assert np.isposinf(mean[:, 0]).all() and np.isposinf(variance[:, :2]).all()
    np.testing.assert_allclose(mean[:, 1:], rate / (alpha[1:] - 1), rtol=1e-14)
    np.testing.assert_allclose(variance[:, 2], rate[:, 0] ** 2 / 4 / 1, rtol=1e-14)  # alpha = 3
    np.testing.assert_allclose(m.mode.numpy(), rate / (alpha + 1), rtol=1e-14)
    with pytest.raises(NotImplementedError, match="InverseGamma does not define icdf"):
        m.icdf(f64(0.5))


def test_values_pinned_from_pytorch():
    # torch 2.13, float64: mean, variance, mode, entropy(), log_prob(v), cdf(v), icdf(0.3) (scratch script)
    pinned = {
        "Gumbel": (
            Gumbel(f64(0.5), f64(1.5)),
            0.2,
            (
                1.3658234973522994,
                3.7011016504085092,
                0.5,
                1.9826807730096971,
                -1.4268678662683343,
                0.2948163207291582,
                0.22155986170645137,
            ),
        ),
        "HalfCauchy": (
            HalfCauchy(f64(1.5)),
            0.7,
            (
                math.inf,
                math.inf,
                0.0,
                2.24334217451751,
                -1.0540755175812695,
                0.27796548309000024,
                0.7642881742416434,
            ),
        ),
        "Pareto": (
            Pareto(f64(2.0), f64(3.0)),
            2.5,
            (3.0, 3.0, 2.0, 0.9278682252251689, -0.4871090971486747, 0.488, 2.252495760887212),
        ),
        "Weibull": (
            Weibull(f64(2.0), f64(0.7)),
            1.3,
            (
                2.531647012114567,
                13.707342214612611,
                math.nan,
                1.8024439823980207,
                -1.6602595403796767,
                0.522729704193621,
                0.4585845580344997,
            ),
        ),
        "InverseGamma": (
            InverseGamma(f64(2.5), f64(1.5)),
            0.8,
            (
                1.0,
                2.0,
                0.42857142857142855,
                0.7290997363227332,
                -0.36501767060277407,
                0.5859411184149708,
                None,
            ),
        ),
    }
    for name, (m, value, expected) in pinned.items():
        v = f64(value)
        got = [m.mean, m.variance, m.mode, m.entropy(), m.log_prob(v), m.cdf(v)]
        got.append(m.icdf(f64(0.3)) if expected[-1] is not None else None)
        for result, want in zip(got, expected):
            if want is not None:
                np.testing.assert_allclose(result.item(), want, rtol=1e-12, err_msg=name)
        assert m.has_rsample


# ---------------------------------------------------------------------------- gradients
def test_gradients(rng, check_grad):
    loc, scale = f64(rng.standard_normal((2, 1)), True), f64(rng.random(3) + 0.5, True)
    shape = f64(rng.random(3) * 2 + 0.6, True)
    x = f64(rng.standard_normal((4, 2, 3)), True)
    positive = f64(np.exp(rng.standard_normal((4, 2, 3))), True)
    above = f64(2.0 + np.exp(rng.standard_normal((4, 2, 3))), True)  # above every Pareto scale below
    level = f64(rng.random(3) * 0.9 + 0.05, True)
    check_grad(lambda m, s, v: Gumbel(m, s).log_prob(v), loc, scale, x)
    check_grad(lambda m, s, v: Gumbel(m, s).cdf(v), loc, scale, x)
    check_grad(lambda m, s, p: Gumbel(m, s).icdf(p), loc, scale, level)
    check_grad(lambda s: Gumbel(0.0, s).entropy(), scale)
    check_grad(lambda s, v: HalfCauchy(s).log_prob(v), scale, positive)
    check_grad(lambda s, v: HalfCauchy(s).cdf(v), scale, positive)
    check_grad(lambda s, p: HalfCauchy(s).icdf(p), scale, level)
    check_grad(lambda s: HalfCauchy(s).entropy(), scale)
    for name in ("log_prob", "cdf"):
        check_grad(lambda s, a, v, name=name: getattr(Pareto(s, a), name)(v), scale, shape, above)
        check_grad(lambda s, k, v, name=name: getattr(Weibull(s, k), name)(v), scale, shape, positive)
    check_grad(lambda s, a, p: Pareto(s, a).icdf(p), scale, shape, level)
    check_grad(
        lambda s, a: Pareto(s, a).entropy() + Pareto(s, a + 2).mean + Pareto(s, a + 2).variance, scale, shape
    )
    check_grad(lambda s, k, p: Weibull(s, k).icdf(p), scale, shape, level)
    check_grad(
        lambda s, k: Weibull(s, k).entropy() + Weibull(s, k).mean + Weibull(s, k).variance, scale, shape
    )
    check_grad(lambda a, b, v: InverseGamma(a, b).log_prob(v), shape, scale, positive)
    check_grad(lambda b, v: InverseGamma(f64(1.7), b).cdf(v), scale, positive)  # as Gamma: not in alpha
    check_grad(lambda a, b: InverseGamma(a, b).entropy() + InverseGamma(a + 2, b).variance, shape, scale)

    def rsample(kind, *parameters):
        autograd.manual_seed(9)  # the same noise at every evaluation
        return kind(*parameters).rsample((2,))

    check_grad(lambda m, s: rsample(Gumbel, m, s), loc, scale)
    check_grad(lambda s: rsample(HalfCauchy, s), scale)
    check_grad(lambda s, a: rsample(Pareto, s, a), scale, shape)
    check_grad(lambda s, k: rsample(Weibull, s, k), scale, shape)
    check_grad(lambda b: rsample(InverseGamma, f64([1.5, 3.0, 0.8]), b), scale)  # alpha's draws move with it


def test_inverse_gamma_rsample_gradient_in_concentration_is_unbiased():
    # E[X] = rate / (alpha - 1), so d E[X] / d alpha = -rate / (alpha - 1)^2 = -2 / 9 at alpha = 4, rate = 2
    draws = 40000
    autograd.manual_seed(6)
    alpha = f64(np.full(draws, 4.0), True)
    InverseGamma(alpha, 2.0).rsample().sum().backward()
    gradients = alpha.grad.numpy()
    assert abs(gradients.mean() - (-2 / 9)) < 6 * gradients.std() / math.sqrt(draws)


def test_rsample_is_the_documented_transform_of_the_noise(rng):
    loc, scale, shape = rng.standard_normal(3), rng.random(3) + 0.5, rng.random(3) + 0.5
    tiny, eps = np.finfo(np.float64).tiny, np.finfo(np.float64).eps

    def uniform(seed):
        autograd.manual_seed(seed)
        return autograd.rand(4, 3, dtype=autograd.float64).numpy()

    u = uniform(1) * (1 - eps - tiny) + tiny
    autograd.manual_seed(1)
    draws = Gumbel(f64(loc), f64(scale)).rsample((4,)).numpy()
    np.testing.assert_allclose(draws, loc - scale * np.log(-np.log(u)), rtol=1e-12)
    noise = uniform(2)
    autograd.manual_seed(2)
    draws = HalfCauchy(f64(scale)).rsample((4,)).numpy()
    np.testing.assert_allclose(draws, np.abs(scale * np.tan(math.pi * (noise - 0.5))), rtol=1e-12)
    noise = uniform(3)
    autograd.manual_seed(3)
    draws = Pareto(f64(scale), f64(shape)).rsample((4,)).numpy()
    np.testing.assert_allclose(draws, scale * (1 - noise) ** (-1 / shape), rtol=1e-12)
    noise = uniform(4)
    autograd.manual_seed(4)
    draws = Weibull(f64(scale), f64(shape)).rsample((4,)).numpy()
    np.testing.assert_allclose(draws, scale * (-np.log1p(-noise)) ** (1 / shape), rtol=1e-12)
    autograd.manual_seed(5)
    draws = InverseGamma(f64(shape), f64(scale)).rsample((4,)).numpy()
    autograd.manual_seed(5)
    np.testing.assert_allclose(draws, 1 / Gamma(f64(shape), f64(scale)).rsample((4,)).numpy(), rtol=1e-14)


# ---------------------------------------------------------------------------- KL
def test_kl_against_numerical_integrals():
    grid = np.linspace(-30.0, 60.0, 400001)

    def gumbel_log(x, loc, scale):
        z = (x - loc) / scale
        return -z - np.exp(-z) - np.log(scale)

    normal_log = lambda x, m, s: -((x - m) ** 2) / (2 * s**2) - np.log(s) - 0.5 * math.log(2 * math.pi)  # noqa: E731
    log_p, log_q = gumbel_log(grid, 0.5, 1.5), gumbel_log(grid, -0.2, 0.8)
    pairs = [
        (
            Gumbel(f64(0.5), f64(1.5)),
            Gumbel(f64(-0.2), f64(0.8)),
            integrate(np.exp(log_p) * (log_p - log_q), grid),
        ),
        (Normal(f64(0.3), f64(0.7)), Gumbel(f64(-0.2), f64(0.8)), None),
        (Gumbel(f64(0.5), f64(1.5)), Normal(f64(0.3), f64(2.0)), None),
    ]
    log_n = normal_log(grid, 0.3, 0.7)
    pairs[1] = (*pairs[1][:2], integrate(np.exp(log_n) * (log_n - log_q), grid))
    pairs[2] = (*pairs[2][:2], integrate(np.exp(log_p) * (log_p - normal_log(grid, 0.3, 2.0)), grid))
    positive = np.linspace(1e-6, 200.0, 2000001)
    for p, q, log_q_of in (
        (Exponential(f64(0.7)), Gumbel(f64(0.4), f64(1.3)), lambda x: gumbel_log(x, 0.4, 1.3)),
        (Gamma(f64(2.5), f64(1.5)), Gumbel(f64(0.4), f64(1.3)), lambda x: gumbel_log(x, 0.4, 1.3)),
    ):
        log_p_x = p.log_prob(f64(positive)).numpy()
        pairs.append((p, q, integrate(np.exp(log_p_x) * (log_p_x - log_q_of(positive)), positive)))
    u = np.linspace(0.5, 2.5, 200001)
    pairs.append(
        (
            Uniform(f64(0.5), f64(2.5)),
            Gumbel(f64(0.4), f64(1.3)),
            integrate(0.5 * (math.log(0.5) - gumbel_log(u, 0.4, 1.3)), u),
        )
    )
    for p, q, expected in pairs:
        np.testing.assert_allclose(kl_divergence(p, q).item(), expected, rtol=1e-5, err_msg=type(p).__name__)


def test_pareto_kls():
    # PyTorch 2.13's values (float64 scratch script) and closed forms written here
    p = Pareto(f64(2.0), f64(3.0))
    np.testing.assert_allclose(
        kl_divergence(p, Pareto(f64(1.5), f64(2.0))).item(), 0.6474959196783927, rtol=1e-12
    )
    expected = 2 * math.log(2.0 / 1.5) - math.log(2 / 3) + 2 / 3 - 1
    np.testing.assert_allclose(kl_divergence(p, Pareto(f64(1.5), f64(2.0))).item(), expected, rtol=1e-12)
    np.testing.assert_allclose(
        kl_divergence(p, Gamma(f64(1.5), f64(0.5))).item(), 0.9778300510328646, rtol=1e-12
    )
    assert math.isinf(kl_divergence(Pareto(f64(1.0), f64(3.0)), Pareto(f64(1.5), f64(2.0))).item())
    # Pareto -> Exponential by quadrature: E_p[log p(x) - log q(x)]
    x = np.exp(np.linspace(math.log(2.0), math.log(2.0) + 40, 400001))
    log_p = p.log_prob(f64(x)).numpy()
    log_q = math.log(0.5) - 0.5 * x
    np.testing.assert_allclose(
        kl_divergence(p, Exponential(f64(0.5))).item(),
        integrate(np.exp(log_p) * (log_p - log_q), x),
        rtol=1e-6,
    )
    log_n = -((x - 1.0) ** 2) / (2 * 4.0) - math.log(2.0) - 0.5 * math.log(2 * math.pi)
    np.testing.assert_allclose(
        kl_divergence(p, Normal(f64(1.0), f64(2.0))).item(),
        integrate(np.exp(log_p) * (log_p - log_n), x),
        rtol=1e-6,
    )
    u = np.linspace(2.0, 3.0, 200001)
    np.testing.assert_allclose(
        kl_divergence(Uniform(f64(2.0), f64(3.0)), Pareto(f64(1.5), f64(2.0))).item(),
        integrate(-Pareto(f64(1.5), f64(2.0)).log_prob(f64(u)).numpy(), u),
        rtol=1e-8,
    )
    edges = [
        kl_divergence(Pareto(f64([2.0, 2.0]), f64([0.5, 1.0])), Exponential(f64(1.0))),
        kl_divergence(Pareto(f64([2.0, 2.0]), f64([1.0, 0.9])), Gamma(f64(1.0), f64(1.0))),
        kl_divergence(Pareto(f64([2.0, 2.0]), f64([2.0, 1.5])), Normal(f64(0.0), f64(1.0))),
        kl_divergence(Uniform(f64(1.0), f64(3.0)), Pareto(f64(1.5), f64(2.0))),
    ]
    for kl in edges:
        assert np.isposinf(kl.numpy()).all()
    for p, q in (
        (Gumbel(0.0, 1.0), Exponential(1.0)),
        (Gumbel(0.0, 1.0), Pareto(1.0, 1.0)),
        (Gumbel(0.0, 1.0), Uniform(0.0, 1.0)),
        (Normal(0.0, 1.0), Pareto(1.0, 1.0)),
        (Exponential(1.0), Pareto(1.0, 1.0)),
        (Pareto(1.0, 1.0), Uniform(0.0, 5.0)),
    ):
        assert math.isinf(kl_divergence(p, q).item())


def test_kl_gradients(check_grad):
    a, b = f64([0.5, -0.3], True), f64([1.5, 0.7], True)
    c, d = f64([0.2, 0.1], True), f64([0.8, 1.2], True)
    check_grad(lambda a, b, c, d: kl_divergence(Gumbel(a, b), Gumbel(c, d)), a, b, c, d)
    check_grad(lambda a, b, c, d: kl_divergence(Normal(a, b), Gumbel(c, d)), a, b, c, d)
    check_grad(
        lambda b, d, e: kl_divergence(Pareto(b, d + 2), Pareto(b * 0.5, e)), b, d, f64([3.0, 2.5], True)
    )


# ---------------------------------------------------------------------------- sampling and shapes
def test_sample_statistics():
    draws = 40000
    autograd.manual_seed(8)
    for m in (
        Gumbel(f64([0.5]), f64([1.5])),
        Pareto(f64([2.0]), f64([5.0])),
        Weibull(f64([2.0]), f64([1.5])),
        InverseGamma(f64([6.0]), f64([2.0])),
    ):
        x = m.sample((draws,)).numpy()[:, 0]
        assert x.shape == (draws,)
        assert abs(x.mean() - m.mean.item()) < 5 * math.sqrt(m.variance.item() / draws), type(m).__name__
    half = (
        HalfCauchy(f64([2.0])).sample((draws,)).numpy()[:, 0]
    )  # the median is scale, quartiles scale tan(π/8), ...
    assert (half >= 0).all()
    for q in (0.25, 0.5, 0.75):
        assert abs((half < 2.0 * math.tan(math.pi * q / 2)).mean() - q) < 5 * math.sqrt(q * (1 - q) / draws)


def test_shapes_and_expand():
    for m in (
        Gumbel(f64([0.0, 1.0]), 2.0),
        HalfCauchy(f64([1.0, 2.0])),
        Pareto(f64([1.0, 2.0]), 3.0),
        Weibull(f64([1.0, 2.0]), 1.5),
        InverseGamma(f64([3.0, 4.0]), 1.0),
    ):
        assert m.batch_shape == (2,) and m.event_shape == ()
        assert m.sample().shape == (2,) and m.rsample((5, 4)).shape == (5, 4, 2)
        wide = m.expand((3, 2))
        assert type(wide) is type(m) and wide.batch_shape == (3, 2) and wide.sample((5,)).shape == (5, 3, 2)
        np.testing.assert_allclose(wide.entropy().numpy(), np.broadcast_to(m.entropy().numpy(), (3, 2)))
    for m in (Gumbel(0.0, 1.0), Pareto(1.0, 2.0)):  # numbers: float32 parameters and draws
        assert m.rsample((3,)).dtype == autograd.float32 and m.mean.dtype == autograd.float32


def test_bad_arguments_and_values():
    with pytest.raises(ValueError, match=r"Gumbel: parameter scale .* GreaterThan\(lower_bound=0.0\)"):
        Gumbel(0.0, 0.0)
    with pytest.raises(ValueError, match=r"HalfCauchy: parameter scale"):
        HalfCauchy(-1.0)
    with pytest.raises(ValueError, match=r"Pareto: parameter alpha"):
        Pareto(1.0, 0.0)
    with pytest.raises(ValueError, match=r"Weibull: parameter concentration"):
        Weibull(1.0, -2.0)
    with pytest.raises(ValueError, match=r"InverseGamma: parameter rate"):
        InverseGamma(1.0, 0.0)
    with pytest.raises(ValueError, match=r"Gumbel: the value must lie in the support Real\(\)"):
        Gumbel(0.0, 1.0).log_prob(autograd.tensor(float("nan")))
    with pytest.raises(ValueError, match=r"HalfCauchy: the value must lie in the support GreaterThanEq"):
        HalfCauchy(1.0).log_prob(autograd.tensor(-0.5))
    with pytest.raises(ValueError, match=r"Pareto: the value must lie in the support GreaterThanEq"):
        Pareto(f64([1.0, 2.0]), 1.0).log_prob(f64([1.5, 1.5]))
    with pytest.raises(ValueError, match=r"Weibull: the value must lie in the support GreaterThan\("):
        Weibull(1.0, 1.0).cdf(autograd.tensor(0.0))
    with pytest.raises(ValueError, match=r"InverseGamma: the value must lie in the support GreaterThan\("):
        InverseGamma(1.0, 1.0).log_prob(autograd.tensor(-1.0))
    for m, outside in (
        (Pareto(f64([1.0, 2.0]), 1.0), f64([1.5, 1.5])),
        (Gumbel(0.0, 1.0), f64(float("nan"))),
        (HalfCauchy(1.0), f64(-0.5)),
        (InverseGamma(1.0, 1.0), f64(0.0)),
    ):
        with pytest.raises(ValueError, match=f"{type(m).__name__}: the value must lie in the support"):
            m.cdf(outside)
    assert Pareto(f64([1.0, 2.0]), 1.0).log_prob(f64([1.0, 2.0])).shape == (2,)  # x = scale is in the support
    assert repr(Pareto(1.0, 2.0)) == "Pareto(scale: 1.0, alpha: 2.0)"  # PyTorch prints Pareto()
