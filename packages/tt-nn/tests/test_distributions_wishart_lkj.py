"""``Wishart`` and ``LKJCholesky``: values vs formulas written here, gradients, draws, shapes and checks.

Not course material, so no module number. ``Wishart``: ``log_prob``, ``entropy`` and the
moments of the three parametrisations against NumPy formulas, batched ``df`` against a
batched matrix, PyTorch 2.13's values pinned, gradcheck of ``log_prob`` and of Bartlett's
``rsample`` (float64), the unbiased ``df`` gradient, draw moments within 5 standard errors.
``LKJCholesky``: ``log_prob`` integrating to 1 (``d = 2`` by quadrature in the correlation,
``d = 3`` by Monte Carlo over the free entries), pinned PyTorch values, gradcheck in
``concentration``, draws in the support whose correlations have the LKJ marginal variance.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import Chi2, LKJCholesky, Wishart, constraints

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py

SIGMA = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.5]])
X = np.array([[3.0, 0.5, 0.2], [0.5, 2.0, 0.1], [0.2, 0.1, 1.0]])


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def mvlgamma(x: float, p: int) -> float:
    return p * (p - 1) / 4 * math.log(math.pi) + sum(math.lgamma(x - j / 2) for j in range(p))


def wishart_log_density(x: np.ndarray, df: float, sigma: np.ndarray) -> float:
    p = sigma.shape[-1]
    return (
        (df - p - 1) / 2 * np.linalg.slogdet(x)[1]
        - np.trace(np.linalg.inv(sigma) @ x) / 2
        - df * p / 2 * math.log(2)
        - df / 2 * np.linalg.slogdet(sigma)[1]
        - mvlgamma(df / 2, p)
    )


def digamma(x: float) -> float:
    """The reference digamma: the recurrence up to x >= 6, then the asymptotic series (error < 1e-12)."""
    shift = 0.0
    while x < 6:
        shift, x = shift - 1 / x, x + 1
    f = 1 / (x * x)
    series = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))))
    return shift + math.log(x) - 0.5 / x - series


def wishart_entropy(df: float, sigma: np.ndarray) -> float:
    p = sigma.shape[-1]
    mvdigamma = sum(digamma(df / 2 - j / 2) for j in range(p))
    return (
        (p + 1) / 2 * np.linalg.slogdet(sigma)[1]
        + p * (p + 1) / 2 * math.log(2)
        + mvlgamma(df / 2, p)
        - (df - p - 1) / 2 * mvdigamma
        + df * p / 2
    )


# ---------------------------------------------------------------------------- Wishart values
@pytest.mark.parametrize("given", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_wishart_values_of_each_parametrisation(given):
    sigmas = np.stack([SIGMA, SIGMA @ SIGMA + np.eye(3)])[:, None]  # batch (2, 1) against df's (3,)
    dfs = np.array([2.5, 4.0, 7.5])
    matrix = {
        "covariance_matrix": sigmas,
        "precision_matrix": np.linalg.inv(sigmas),
        "scale_tril": np.linalg.cholesky(sigmas),
    }[given]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # df = 2.5 < p warns (as PyTorch)
        m = Wishart(f64(dfs), **{given: f64(matrix)})
    assert m.batch_shape == (2, 3) and m.event_shape == (3, 3)
    for i in range(2):
        for j, df in enumerate(dfs):
            sigma = sigmas[i, 0]
            assert m.log_prob(f64(X))[i, j].item() == pytest.approx(
                wishart_log_density(X, df, sigma), rel=1e-10
            )
            assert m.entropy()[i, j].item() == pytest.approx(wishart_entropy(df, sigma), rel=1e-10)
            np.testing.assert_allclose(m.mean[i, j].numpy(), df * sigma, rtol=1e-12)
            diagonal = np.diag(sigma)
            variance = df * (sigma**2 + np.outer(diagonal, diagonal))
            np.testing.assert_allclose(m.variance[i, j].numpy(), variance, rtol=1e-12)
            mode = (df - 4) * sigma if df > 4 else np.full((3, 3), np.nan)
            np.testing.assert_allclose(m.mode[i, j].numpy(), mode, rtol=1e-12)
            np.testing.assert_allclose(m.covariance_matrix[i, j].numpy(), sigma, rtol=1e-12)
            np.testing.assert_allclose(m.precision_matrix[i, j].numpy(), np.linalg.inv(sigma), rtol=1e-10)
            np.testing.assert_allclose(m.scale_tril[i, j].numpy(), np.linalg.cholesky(sigma), rtol=1e-12)


def test_wishart_pinned_pytorch_values():
    # PyTorch 2.13 (a scratch script): Wishart(tensor(4.5), covariance_matrix=SIGMA) at X
    m = Wishart(f64(4.5), covariance_matrix=f64(SIGMA))
    assert m.log_prob(f64(X)).item() == pytest.approx(-10.330735731011023, rel=1e-12)
    assert m.entropy().item() == pytest.approx(14.452669414767847, rel=1e-12)
    assert repr(m) == "Wishart(covariance_matrix: (3, 3), df: 4.5)"


def test_wishart_log_prob_gradients(check_grad):
    check_grad(
        lambda df, tril, x: Wishart(df, scale_tril=tril.tril(), validate_args=False).log_prob(x @ x.mT),
        f64([4.5, 6.0], True),
        f64(np.linalg.cholesky(SIGMA), True),
        f64(np.linalg.cholesky(X), True),
    )
    check_grad(
        lambda cov: Wishart(5.0, covariance_matrix=(cov + cov.mT) / 2).log_prob(f64(X)),
        f64(SIGMA, True),
    )
    check_grad(lambda df: Wishart(df, precision_matrix=f64(SIGMA)).entropy(), f64([3.5, 8.0], True))


def test_wishart_rsample_is_bartlett_and_differentiable(check_grad):
    def draw(tril: autograd.Tensor) -> autograd.Tensor:
        autograd.manual_seed(7)
        return Wishart(6.0, scale_tril=tril.tril()).rsample((2,))

    check_grad(draw, f64(np.linalg.cholesky(SIGMA), True))
    first = draw(f64(np.linalg.cholesky(SIGMA))).numpy()
    second = draw(f64(np.eye(3))).numpy()  # the same noise: L A Aᵀ Lᵀ against A Aᵀ
    tril = np.linalg.cholesky(SIGMA)
    np.testing.assert_allclose(first, tril @ second @ tril.T, rtol=1e-10, atol=1e-12)
    factor = np.linalg.cholesky(second)  # A itself: its squared diagonal are chi-square draws, df 6 - i
    assert (np.diagonal(factor, axis1=-2, axis2=-1) > 0).all()


def test_wishart_df_gradient_is_unbiased():
    draws = 20000
    autograd.manual_seed(3)
    df = f64(np.full(draws, 3.5), True)
    Wishart(df, covariance_matrix=f64(SIGMA)).rsample().sum().backward()
    gradient = df.grad.numpy()  # d/d df of E[sum X] = sum(SIGMA)
    assert abs(gradient.mean() - SIGMA.sum()) < 5 * gradient.std() / math.sqrt(draws)


def test_wishart_draw_moments():
    draws = 20000
    autograd.manual_seed(11)
    m = Wishart(f64([4.0, 9.0]), covariance_matrix=f64(SIGMA))
    samples = m.sample((draws,)).numpy()
    assert samples.shape == (draws, 2, 3, 3)
    assert constraints.positive_definite.check(samples).all()
    error = 5 * np.sqrt(m.variance.numpy() / draws)
    assert (np.abs(samples.mean(0) - m.mean.numpy()) < error).all()
    variance = samples.var(0)
    assert (np.abs(variance - m.variance.numpy()) < 0.1 * m.variance.numpy()).all()


def test_wishart_redraws_singular_samples(monkeypatch):
    m = Wishart(5.0, covariance_matrix=f64(SIGMA))
    singular, good = np.zeros((3, 3)), SIGMA
    queue = [np.stack([good, singular, good]), np.stack([singular, singular, singular]), np.stack([X, X, X])]
    monkeypatch.setattr(m, "_bartlett", lambda shape: f64(queue.pop(0)))
    with pytest.warns(UserWarning, match="singular sample"):
        sample = m.rsample((3,)).numpy()
    np.testing.assert_array_equal(sample, np.stack([good, X, good]))  # only the singular one drawn again
    queue[:] = [np.stack([singular, good, good])] + [np.stack([singular] * 3)] * 2
    with pytest.warns(UserWarning, match="singular sample"):
        sample = m.rsample((3,), max_try_correction=2).numpy()
    np.testing.assert_array_equal(sample, np.stack([singular, good, good]))  # given up after two tries
    draws = []
    monkeypatch.setattr(m, "_bartlett", lambda shape: draws.append(shape) or f64(np.stack([singular] * 3)))
    with pytest.warns(UserWarning, match="singular sample") as record:
        m.rsample((3,))
    assert len(draws) == 1 + 10  # the first draw and PyTorch's default of 10 more
    assert record[0].filename == __file__  # the warning points at the caller of rsample


def test_wishart_rsample_is_bartlett_of_the_generator_noise():
    df, tril = f64([4.5, 7.0]), np.linalg.cholesky(SIGMA)
    autograd.manual_seed(5)
    sample = Wishart(df, scale_tril=f64(tril)).rsample((4,)).numpy()
    autograd.manual_seed(5)  # the same stream: the chi-square diagonal first, then the normals
    chi2 = Chi2(f64([[4.5, 3.5, 2.5], [7.0, 6.0, 5.0]])).rsample((4,)).numpy()
    normals = autograd.randn((4, 2, 3, 3), dtype=autograd.float64).numpy()
    bartlett = np.tril(normals, -1) + np.sqrt(chi2)[..., None] * np.eye(3)
    factor = tril @ bartlett
    np.testing.assert_allclose(sample, factor @ np.swapaxes(factor, -1, -2), rtol=1e-12)


def test_wishart_shapes_and_expand():
    m = Wishart(f64([4.0, 5.0]), scale_tril=f64(np.linalg.cholesky(SIGMA)))
    assert m.batch_shape == (2,) and m.rsample((4,)).shape == (4, 2, 3, 3)
    wide = m.expand((3, 2))
    assert type(wide) is Wishart and wide.batch_shape == (3, 2) and wide.event_shape == (3, 3)
    np.testing.assert_allclose(
        wide.log_prob(f64(X)).numpy(), np.broadcast_to(m.log_prob(f64(X)).numpy(), (3, 2))
    )
    assert wide.sample().shape == (3, 2, 3, 3)
    assert Wishart(4.0, precision_matrix=f64(np.stack([SIGMA] * 5))).batch_shape == (5,)


def test_wishart_errors():
    cov = f64(SIGMA)
    with pytest.raises(ValueError, match="exactly one of covariance_matrix, precision_matrix or scale_tril"):
        Wishart(4.0)
    with pytest.raises(ValueError, match=r"got covariance_matrix, scale_tril"):
        Wishart(4.0, covariance_matrix=cov, scale_tril=cov)
    with pytest.raises(ValueError, match=r"df must be greater than p - 1 = 2"):
        Wishart(2.0, covariance_matrix=cov, validate_args=False)  # checked always, as in PyTorch
    with pytest.warns(UserWarning, match="low df"):
        Wishart(2.5, covariance_matrix=cov)
    with pytest.raises(ValueError, match="square matrix"):
        Wishart(4.0, covariance_matrix=f64(np.ones((2, 3))))
    with pytest.raises(ValueError, match="square matrix"):
        Wishart(4.0, covariance_matrix=f64([1.0, 2.0]))
    with pytest.raises(TypeError, match="covariance_matrix must be a tensor"):
        Wishart(4.0, covariance_matrix=SIGMA)
    with pytest.raises(TypeError, match="df must be a number or a tensor"):
        Wishart("4", covariance_matrix=cov)
    with pytest.raises(ValueError, match="do not broadcast"):
        Wishart(f64([4.0, 5.0, 6.0]), covariance_matrix=f64(np.stack([SIGMA] * 2)))
    with pytest.raises(ValueError, match=r"Wishart: parameter covariance_matrix .* PositiveDefinite"):
        Wishart(4.0, covariance_matrix=f64(-SIGMA))
    with pytest.raises(ValueError, match=r"Wishart: parameter scale_tril .* LowerCholesky"):
        Wishart(4.0, scale_tril=f64(SIGMA))
    with pytest.raises(ValueError, match=r"the support PositiveDefinite\(\)"):
        Wishart(4.0, covariance_matrix=cov).log_prob(f64(-X))
    assert np.isnan(Wishart(4.0, covariance_matrix=cov).mode.numpy()).all()  # df <= p + 1


# ---------------------------------------------------------------------------- LKJCholesky
def cholesky_of_correlation(r: float) -> np.ndarray:
    return np.array([[1.0, 0.0], [r, math.sqrt(1 - r * r)]])


def test_lkj_log_prob_integrates_to_one_in_two_dims():
    grid = np.linspace(-1, 1, 200001)[1:-1]  # the free entry L10 = r; L11 = sqrt(1 - r^2)
    values = np.stack([np.eye(2)] * grid.size)
    values[:, 1, 0], values[:, 1, 1] = grid, np.sqrt(1 - grid**2)
    for eta in (1.0, 2.5):
        density = np.exp(LKJCholesky(2, eta).log_prob(f64(values)).numpy())
        assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=1e-4)
        # proportional to det(L Lᵀ)^(η - 1) = (1 - r²)^(η - 1)
        np.testing.assert_allclose(
            density / (1 - grid**2) ** (eta - 1), density[0] / (1 - grid[0] ** 2) ** (eta - 1)
        )


def test_lkj_log_prob_integrates_to_one_in_three_dims():
    rng = np.random.default_rng(5)
    draws = 400000  # uniform on the free entries: L10 on (-1, 1), (L20, L21) on the unit disc: volume 2π
    row1 = rng.uniform(-1, 1, draws)
    radius, angle = np.sqrt(rng.uniform(0, 1, draws)), rng.uniform(0, 2 * math.pi, draws)
    values = np.zeros((draws, 3, 3))
    values[:, 0, 0], values[:, 1, 0], values[:, 1, 1] = 1.0, row1, np.sqrt(1 - row1**2)
    values[:, 2, 0], values[:, 2, 1] = radius * np.cos(angle), radius * np.sin(angle)
    values[:, 2, 2] = np.sqrt(1 - radius**2)
    weights = np.exp(LKJCholesky(3, 1.7, validate_args=False).log_prob(f64(values)).numpy()) * (2 * math.pi)
    assert abs(weights.mean() - 1.0) < 5 * weights.std() / math.sqrt(draws)


def test_lkj_pinned_pytorch_values_and_repr():
    # PyTorch 2.13 (a scratch script): LKJCholesky(3, tensor([1.5, 0.5])).log_prob(L)
    value = f64([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.6, 0.8]])
    np.testing.assert_allclose(
        LKJCholesky(3, f64([1.5, 0.5])).log_prob(value).numpy(), [-1.6963775041356457, -2.307880695655081]
    )
    assert repr(LKJCholesky(3, 1.5)) == "LKJCholesky(concentration: 1.5)"
    assert LKJCholesky(4).log_prob(f64(np.eye(4))).item() == pytest.approx(
        -(1.5 * math.log(math.pi) + mvlgamma(2.0, 3) - 3 * math.lgamma(2.5))  # η = 1: the log of 1/c
    )


def test_lkj_log_prob_gradient(check_grad):
    value = f64([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.6, 0.8]])
    check_grad(lambda eta: LKJCholesky(3, eta).log_prob(value), f64([[1.5], [0.4]], True))
    check_grad(lambda eta: LKJCholesky(5, eta).log_prob(f64(np.eye(5))), f64([2.0, 0.7], True))


@pytest.mark.parametrize(("dim", "eta"), [(3, 1.0), (4, 2.0), (5, 0.6)])
def test_lkj_draws_have_the_lkj_marginals(dim, eta):
    draws = 20000
    autograd.manual_seed(dim)
    samples = LKJCholesky(dim, eta).sample((draws,)).numpy()
    assert samples.shape == (draws, dim, dim) and constraints.corr_cholesky.check(samples).all()
    correlations = samples @ np.swapaxes(samples, -1, -2)
    a = eta - 1 + dim / 2  # each correlation is 2 Beta(a, a) - 1: variance 1 / (2a + 1), 4th moment below
    variance, fourth = 1 / (2 * a + 1), 3 / ((2 * a + 1) * (2 * a + 3))
    error = 5 * math.sqrt((fourth - variance**2) / draws)
    for i in range(1, dim):
        for j in range(i):
            assert abs((correlations[:, i, j] ** 2).mean() - variance) < error, (i, j)
            assert abs(correlations[:, i, j].mean()) < 5 * math.sqrt(variance / draws)


def test_lkj_batch_shapes_and_expand():
    m = LKJCholesky(3, f64([0.5, 1.0, 4.0]))
    assert m.batch_shape == (3,) and m.event_shape == (3, 3) and m.sample((2,)).shape == (2, 3, 3, 3)
    wide = m.expand((2, 3))
    assert type(wide) is LKJCholesky and wide.batch_shape == (2, 3) and wide.sample().shape == (2, 3, 3, 3)
    value = f64([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.6, 0.8]])
    np.testing.assert_allclose(
        wide.log_prob(value).numpy(), np.broadcast_to(m.log_prob(value).numpy(), (2, 3))
    )
    assert not LKJCholesky.has_rsample


def test_lkj_errors_and_support():
    with pytest.raises(ValueError, match="dim must be an integer greater than or equal to 2, got dim=1"):
        LKJCholesky(1)
    with pytest.raises(TypeError, match="dim must be an int, got float"):
        LKJCholesky(2.0)
    with pytest.raises(ValueError, match=r"LKJCholesky: parameter concentration .* GreaterThan"):
        LKJCholesky(3, 0.0)
    with pytest.raises(ValueError, match=r"the support CorrCholesky\(\)"):
        LKJCholesky(2).log_prob(f64([[1.0, 0.0], [0.6, 0.9]]))  # the second row is not of norm 1
    check = constraints.corr_cholesky.check
    assert check(np.array([[1.0, 0.0], [0.6, 0.8]])) and not check(np.array([[1.0, 0.1], [0.6, 0.8]]))
    assert not check(np.array([[1.0, 0.0], [0.8, -0.6]]))  # a negative diagonal
    assert check(np.array([[1, 0], [0, 1]]))  # integers: float64's tolerance
    assert not check(np.array([[1.0, 0.0], [0.6, 0.8 + 1e-12]])) and check(
        np.array([[1.0, 0.0], [0.6, 0.8 + 1e-16]])
    )
