"""``MultivariateNormal`` and its ``kl_divergence``: values vs NumPy formulas, gradients, sampling, errors.

Not course material (outside module 05's solution regions), so no module number.
Covers the three parametrisations (covariance, precision, scale_tril) with ``loc``
and the matrix batched differently, ``log_prob``/``entropy``/moments/matrices against
float64 formulas written here with NumPy's explicit inverse and ``slogdet``, values
pinned from PyTorch 2.13, gradcheck of ``log_prob``, ``entropy``, ``rsample`` and the KL in
``loc`` and the matrix, draw statistics under a fixed seed, float32 kept, and the checks.
At the end, the KL pairs with ``LowRankMultivariateNormal`` (both ways and low-rank with
itself): the dense formula, batches broadcast, pinned PyTorch values, gradcheck of both sides.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import LowRankMultivariateNormal, MultivariateNormal, Normal, kl_divergence

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py


def f64(array: np.ndarray, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(array, dtype=autograd.float64, requires_grad=grad)


def random_covariance(rng: np.random.Generator, shape: tuple[int, ...], size: int) -> np.ndarray:
    factor = rng.standard_normal(shape + (size, size))
    return factor @ np.swapaxes(factor, -1, -2) + 0.5 * np.eye(size)


def log_density(x: np.ndarray, loc: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    difference = x - loc
    inverse = np.linalg.inv(covariance)
    distance = np.einsum("...i,...ij,...j->...", difference, inverse, difference)
    return -0.5 * (loc.shape[-1] * math.log(2 * math.pi) + distance + np.linalg.slogdet(covariance)[1])


def kl_reference(loc_p, cov_p, loc_q, cov_q) -> np.ndarray:
    inverse_q = np.linalg.inv(cov_q)
    difference = loc_q - loc_p
    trace = np.trace(inverse_q @ cov_p, axis1=-2, axis2=-1)
    distance = np.einsum("...i,...ij,...j->...", difference, inverse_q, difference)
    log_ratio = np.linalg.slogdet(cov_q)[1] - np.linalg.slogdet(cov_p)[1]
    return 0.5 * (trace + distance - loc_p.shape[-1] + log_ratio)


@pytest.mark.parametrize("given", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_values_of_each_parametrisation(rng, given):
    covariance = random_covariance(rng, (2, 1), 3)  # batch (2, 1) against loc's (4,)
    loc = rng.standard_normal((4, 3))
    value = rng.standard_normal((5, 2, 4, 3))
    matrix = {
        "covariance_matrix": covariance,
        "precision_matrix": np.linalg.inv(covariance),
        "scale_tril": np.linalg.cholesky(covariance),
    }[given]
    m = MultivariateNormal(f64(loc), **{given: f64(matrix)})
    assert m.batch_shape == (2, 4) and m.event_shape == (3,)
    np.testing.assert_allclose(
        m.log_prob(f64(value)).numpy(), log_density(value, loc, covariance), rtol=1e-10
    )
    entropy = 0.5 * (3 * (1 + math.log(2 * math.pi)) + np.linalg.slogdet(covariance)[1])
    np.testing.assert_allclose(m.entropy().numpy(), np.broadcast_to(entropy, (2, 4)), rtol=1e-12)
    full = np.broadcast_to(covariance, (2, 4, 3, 3))
    np.testing.assert_allclose(m.covariance_matrix.numpy(), full, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m.precision_matrix.numpy(), np.linalg.inv(full), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(m.scale_tril.numpy(), np.linalg.cholesky(full), rtol=1e-10, atol=1e-12)
    variance = np.diagonal(full, axis1=-2, axis2=-1)
    np.testing.assert_allclose(m.variance.numpy(), variance, rtol=1e-10)
    np.testing.assert_allclose(m.stddev.numpy(), np.sqrt(variance), rtol=1e-10)
    np.testing.assert_allclose(m.mean.numpy(), np.broadcast_to(loc, (2, 4, 3)))
    np.testing.assert_allclose(m.mode.numpy(), np.broadcast_to(loc, (2, 4, 3)))
    assert m.loc.shape == (2, 4, 3) and getattr(m, given).shape == (2, 4, 3, 3)


def test_values_pinned_from_pytorch():
    m = MultivariateNormal(autograd.tensor([1.0, -1.0]), autograd.tensor([[2.0, 0.5], [0.5, 1.0]]))
    q = MultivariateNormal(autograd.zeros(2), precision_matrix=autograd.tensor([[1.0, 0.3], [0.3, 2.0]]))
    log_prob = m.log_prob(autograd.tensor([0.5, 0.2]))
    assert log_prob.dtype == autograd.float32 and m.entropy().dtype == autograd.float32
    np.testing.assert_allclose(log_prob.item(), -3.183399200439453, rtol=1e-6)
    np.testing.assert_allclose(m.entropy().item(), 3.117684841156006, rtol=1e-6)
    np.testing.assert_allclose(kl_divergence(m, q).item(), 1.7466404438018799, rtol=1e-6)
    assert m.rsample((3,)).dtype == autograd.float32 and m.precision_matrix.dtype == autograd.float32


def test_one_dimensional_case_is_the_normal(rng):
    loc, scale = rng.standard_normal((3, 1)), rng.random((3, 1, 1)) + 0.5
    m = MultivariateNormal(f64(loc), scale_tril=f64(scale))
    normal = Normal(f64(loc[:, 0]), f64(scale[:, 0, 0]))
    value = rng.standard_normal((4, 3, 1))
    np.testing.assert_allclose(m.log_prob(f64(value)).numpy(), normal.log_prob(f64(value[..., 0])).numpy())
    np.testing.assert_allclose(m.entropy().numpy(), normal.entropy().numpy(), rtol=1e-12)


def lower_factor(raw: autograd.Tensor) -> autograd.Tensor:
    """A valid scale_tril from an unconstrained square: strict lower part plus exp of the diagonal."""
    size = raw.shape[-1]
    eye = autograd.eye(size, dtype=raw.dtype)
    return raw.tril(-1) + raw.exp() * eye


def test_gradients_of_log_prob_entropy_and_rsample(rng, check_grad):
    loc = f64(rng.standard_normal((2, 3)), True)
    raw = f64(rng.standard_normal((2, 1, 3, 3)) * 0.5, True)
    value = f64(rng.standard_normal((4, 2, 2, 3)), True)

    def covariance(raw):
        return raw @ raw.mT + autograd.eye(3, dtype=raw.dtype)

    check_grad(lambda m, r, v: MultivariateNormal(m, covariance(r)).log_prob(v), loc, raw, value)
    check_grad(
        lambda m, r, v: MultivariateNormal(m, precision_matrix=covariance(r)).log_prob(v), loc, raw, value
    )
    check_grad(lambda m, r, v: MultivariateNormal(m, scale_tril=lower_factor(r)).log_prob(v), loc, raw, value)
    check_grad(lambda r: MultivariateNormal(loc, covariance(r)).entropy(), raw)
    check_grad(lambda r: MultivariateNormal(loc, precision_matrix=covariance(r)).entropy(), raw)
    check_grad(lambda r: MultivariateNormal(loc, covariance(r)).precision_matrix, raw)
    check_grad(lambda r: MultivariateNormal(loc, precision_matrix=covariance(r)).covariance_matrix, raw)
    check_grad(lambda r: MultivariateNormal(loc, covariance(r)).variance, raw)

    def rsample(m, r):
        autograd.manual_seed(3)  # the same noise at every evaluation
        return MultivariateNormal(m, scale_tril=lower_factor(r)).rsample((2,))

    check_grad(rsample, loc, raw)


def test_kl_values_and_gradients(rng, check_grad):
    cov_p, cov_q = random_covariance(rng, (2,), 3), random_covariance(rng, (1, 2), 3)
    loc_p, loc_q = rng.standard_normal((2, 3)), rng.standard_normal((4, 1, 3))
    p = MultivariateNormal(f64(loc_p), f64(cov_p))
    q = MultivariateNormal(f64(loc_q), precision_matrix=f64(np.linalg.inv(cov_q)))
    kl = kl_divergence(p, q)
    assert kl.shape == (4, 2)
    expected = kl_reference(loc_p, cov_p, loc_q, cov_q)
    np.testing.assert_allclose(kl.numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(kl_divergence(p, p).numpy(), np.zeros(2), atol=1e-12)

    raw_p, raw_q = (
        f64(rng.standard_normal((2, 3, 3)) * 0.5, True),
        f64(rng.standard_normal((3, 3)) * 0.5, True),
    )
    mean_p, mean_q = f64(loc_p, True), f64(rng.standard_normal(3), True)

    def kl(mp, rp, mq, rq):
        p = MultivariateNormal(mp, scale_tril=lower_factor(rp))
        return kl_divergence(p, MultivariateNormal(mq, scale_tril=lower_factor(rq)))

    check_grad(kl, mean_p, raw_p, mean_q, raw_q)


def test_kl_of_different_sizes_is_an_error():
    p = MultivariateNormal(autograd.zeros(2), autograd.eye(2))
    q = MultivariateNormal(autograd.zeros(3), autograd.eye(3))
    with pytest.raises(ValueError, match=r"different event shapes \(2,\) and \(3,\)"):
        kl_divergence(p, q)


def test_rsample_is_loc_plus_factor_times_noise(rng):
    loc, factor = f64(rng.standard_normal(3), True), np.linalg.cholesky(random_covariance(rng, (), 3))
    autograd.manual_seed(7)
    draws = MultivariateNormal(loc, scale_tril=f64(factor)).rsample((4, 2))
    autograd.manual_seed(7)
    noise = autograd.randn(4, 2, 3, dtype=autograd.float64).numpy()
    assert draws.shape == (4, 2, 3)
    np.testing.assert_allclose(draws.detach().numpy(), loc.detach().numpy() + noise @ factor.T, rtol=1e-12)
    draws.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [8.0, 8.0, 8.0])
    autograd.manual_seed(7)
    sampled = MultivariateNormal(loc, scale_tril=f64(factor)).sample((4, 2))
    assert not sampled.requires_grad and np.array_equal(sampled.numpy(), draws.detach().numpy())


def test_sample_statistics(rng):
    covariance, loc = random_covariance(rng, (), 3), np.array([1.0, -2.0, 0.5])
    autograd.manual_seed(0)
    draws = MultivariateNormal(f64(loc), f64(covariance)).sample((20000,)).numpy()
    # the error of a mean is sd / sqrt(n) (< 0.02 here); of a covariance entry about 2 var / sqrt(n)
    np.testing.assert_allclose(draws.mean(0), loc, atol=6 * np.sqrt(np.diag(covariance).max() / 20000))
    scale = 2 * np.diag(covariance).max() / np.sqrt(20000)
    np.testing.assert_allclose(np.cov(draws.T), covariance, atol=6 * scale)
    batched = MultivariateNormal(autograd.zeros(2, 1, 3), autograd.eye(3)).sample((5,))
    assert batched.shape == (5, 2, 1, 3) and batched.dtype == autograd.float32


def test_bad_arguments():
    eye = autograd.eye(2)
    with pytest.raises(ValueError, match="exactly one of covariance_matrix, precision_matrix or scale_tril"):
        MultivariateNormal(autograd.zeros(2))
    with pytest.raises(ValueError, match=r"got covariance_matrix, scale_tril"):
        MultivariateNormal(autograd.zeros(2), covariance_matrix=eye, scale_tril=eye)
    with pytest.raises(ValueError, match=r"loc must be at least 1-dimensional.*shape \(\)"):
        MultivariateNormal(autograd.tensor(0.0), eye)
    with pytest.raises(ValueError, match=r"covariance_matrix must be at least 2-dimensional"):
        MultivariateNormal(autograd.zeros(2), autograd.ones(2))
    with pytest.raises(TypeError, match="loc must be a tensor"):
        MultivariateNormal([0.0, 0.0], eye)
    with pytest.raises(
        ValueError, match=r"must be \(2, 2\) to match loc of shape \(2,\), got shape \(3, 3\)"
    ):
        MultivariateNormal(autograd.zeros(2), autograd.eye(3))
    with pytest.raises(ValueError, match=r"batch dims of loc \(3, 2\) and of covariance_matrix \(4, 2, 2\)"):
        MultivariateNormal(autograd.zeros(3, 2), eye.expand(4, 2, 2))
    not_positive = autograd.tensor([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match=r"covariance_matrix .* must satisfy PositiveDefinite\(\)"):
        MultivariateNormal(autograd.zeros(2), not_positive)
    not_symmetric = autograd.tensor([[1.0, 0.5], [0.0, 1.0]])
    with pytest.raises(ValueError, match=r"precision_matrix .* must satisfy PositiveDefinite\(\)"):
        MultivariateNormal(autograd.zeros(2), precision_matrix=not_symmetric)
    with pytest.raises(ValueError, match=r"scale_tril .* must satisfy LowerCholesky\(\)"):
        MultivariateNormal(autograd.zeros(2), scale_tril=not_symmetric)
    with pytest.raises(ValueError, match=r"scale_tril .* must satisfy LowerCholesky\(\)"):
        MultivariateNormal(autograd.zeros(2), scale_tril=autograd.tensor([[1.0, 0.0], [0.5, 0.0]]))
    nan_loc = autograd.tensor([0.0, float("nan")])
    with pytest.raises(ValueError, match=r"loc .* must satisfy IndependentConstraint\(Real\(\), 1\)"):
        MultivariateNormal(nan_loc, eye)
    m = MultivariateNormal(autograd.zeros(2), eye)
    with pytest.raises(ValueError, match=r"rightmost dims of the value \(3,\) must match event_shape \(2,\)"):
        m.log_prob(autograd.zeros(3))
    with pytest.raises(ValueError, match="support"):
        m.log_prob(nan_loc)
    # validate_args=False skips the checks (a lower-triangular non-PD-looking factor is used as given)
    unchecked = MultivariateNormal(autograd.zeros(2), scale_tril=not_symmetric, validate_args=False)
    assert unchecked.log_prob(autograd.zeros(2)).shape == ()


def test_repr_and_positive_definite_constraint():
    m = MultivariateNormal(autograd.zeros(2), autograd.eye(2))
    assert repr(m) == "MultivariateNormal(loc: (2,), covariance_matrix: (2, 2))"
    m.precision_matrix  # computed on first use, then shown as in PyTorch
    assert repr(m) == "MultivariateNormal(loc: (2,), covariance_matrix: (2, 2), precision_matrix: (2, 2))"
    from tt_nn.distributions import constraints

    stack = np.array([np.eye(2), [[1.0, 2.0], [2.0, 1.0]], [[1.0, 0.1], [0.0, 1.0]], np.full((2, 2), np.nan)])
    assert constraints.positive_definite.check(stack).tolist() == [True, False, False, False]
    # PyTorch's tolerances: symmetric to isclose(atol=1e-6); a zero eigenvalue is not positive
    edges = np.array([[[1.0, 1.5e-6], [0.0, 1.0]], [[1.0, 0.5e-6], [0.0, 1.0]], [[1.0, 0.0], [0.0, 0.0]]])
    assert constraints.positive_definite.check(edges).tolist() == [False, True, False]
    assert constraints.positive_definite.event_dim == 2 and constraints.lower_cholesky.event_dim == 2
    positive_rows = constraints.independent(constraints.positive, 1)
    assert positive_rows.event_dim == 1 and positive_rows.hint == constraints.positive.hint
    assert positive_rows.check(np.array([[1.0, 2.0], [1.0, -1.0], [3.0, 0.5]])).tolist() == [
        True,
        False,
        True,
    ]
    lower = np.array(
        [np.eye(2), [[1.0, 0.0], [3.0, 2.0]], [[1.0, 0.0], [3.0, -2.0]], [[1.0, 1.0], [0.0, 1.0]]]
    )
    assert constraints.lower_cholesky.check(lower).tolist() == [True, True, False, False]


# ---------------------------------------------------------------------------- KL with low-rank normals
SIGMA = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.5]])


def low_rank(rng: np.random.Generator, batch: tuple[int, ...], n: int = 4, rank: int = 2):
    loc, w, d = (
        rng.standard_normal(batch + (n,)),
        rng.standard_normal(batch + (n, rank)),
        rng.uniform(0.5, 2, (n,)),
    )
    covariance = w @ np.swapaxes(w, -1, -2) + np.diag(d)  # D unbatched: broadcast against W's batch
    return LowRankMultivariateNormal(f64(loc), f64(w), f64(d)), loc, covariance


def full(rng: np.random.Generator, batch: tuple[int, ...], n: int = 4):
    loc, a = rng.standard_normal(batch + (n,)), rng.standard_normal(batch + (n, n))
    covariance = a @ np.swapaxes(a, -1, -2) + np.eye(n)
    return MultivariateNormal(f64(loc), scale_tril=f64(np.linalg.cholesky(covariance))), loc, covariance


@pytest.mark.parametrize(("make_p", "make_q"), [(low_rank, low_rank), (low_rank, full), (full, low_rank)])
@pytest.mark.parametrize(("batch_p", "batch_q"), [((), ()), ((3,), ()), ((2, 1), (3,))])
def test_values_against_the_dense_formula(rng, make_p, make_q, batch_p, batch_q):
    p, loc_p, cov_p = make_p(rng, batch_p)
    q, loc_q, cov_q = make_q(rng, batch_q)
    kl = kl_divergence(p, q)
    expected = kl_reference(loc_p, cov_p, loc_q, cov_q)
    assert kl.shape == np.broadcast_shapes(batch_p, batch_q)
    np.testing.assert_allclose(kl.numpy(), np.broadcast_to(expected, kl.shape), rtol=1e-10)
    assert (kl.numpy() > 0).all()


def test_low_rank_kl_with_the_diagonal_batched_beyond_the_factor(rng):
    w, d = rng.standard_normal((4, 2)), rng.uniform(0.5, 2, (3, 4))  # D (3, n) against an unbatched W
    loc_p, loc_q = rng.standard_normal(4), rng.standard_normal((3, 4))
    p = LowRankMultivariateNormal(f64(loc_p), f64(w), f64(d))
    q = LowRankMultivariateNormal(f64(loc_q), f64(w[:, :1]), f64(d[::-1].copy()))
    cov_p = w @ w.T + d[:, None] * np.eye(4)
    cov_q = w[:, :1] @ w[:, :1].T + d[::-1, None] * np.eye(4)
    for kl, expected in (
        (kl_divergence(p, q), kl_reference(loc_p, cov_p, loc_q, cov_q)),
        (kl_divergence(q, p), kl_reference(loc_q, cov_q, loc_p, cov_p)),
    ):
        assert kl.shape == (3,)
        np.testing.assert_allclose(kl.numpy(), expected, rtol=1e-10)


def test_pinned_pytorch_values_and_zero_against_itself():
    # PyTorch 2.13 (a scratch script): the same three distributions
    p = LowRankMultivariateNormal(f64([0.5, -1.0, 0.2]), f64([[1.0], [0.5], [-0.3]]), f64([1.0, 2.0, 0.5]))
    q = MultivariateNormal(f64([0.0, 0.3, -0.4]), covariance_matrix=f64(SIGMA))
    r = LowRankMultivariateNormal(
        f64([0.1, 0.2, 0.3]), f64([[0.2, 1.0], [-0.5, 0.1], [0.3, 0.4]]), f64([0.7, 1.2, 0.9])
    )
    assert kl_divergence(p, q).item() == pytest.approx(1.5260687819233145, rel=1e-12)
    assert kl_divergence(q, p).item() == pytest.approx(1.4754013380302387, rel=1e-12)
    assert kl_divergence(p, r).item() == pytest.approx(0.9068167356089245, rel=1e-12)
    same = MultivariateNormal(p.loc, covariance_matrix=p.covariance_matrix)
    assert abs(kl_divergence(p, p).item()) < 1e-12
    assert abs(kl_divergence(p, same).item()) < 1e-12 and abs(kl_divergence(same, p).item()) < 1e-12


def test_gradients_in_every_parameter(rng, check_grad):
    loc_p, w_p, d_p = (
        f64(rng.standard_normal(3), True),
        f64(rng.standard_normal((2, 3, 2)), True),
        f64([1.0, 2.0, 0.5], True),
    )
    loc_q, tril_q = f64(rng.standard_normal(3), True), f64(np.linalg.cholesky(SIGMA), True)
    w_r, d_r = f64(rng.standard_normal((3, 1)), True), f64([0.7, 1.2, 0.9], True)

    def low(loc, w, d):
        return LowRankMultivariateNormal(loc, w, d)

    def mvn(loc, tril):
        return MultivariateNormal(loc, scale_tril=tril.tril())

    check_grad(lambda *a: kl_divergence(low(*a[:3]), mvn(*a[3:])), loc_p, w_p, d_p, loc_q, tril_q)
    check_grad(lambda *a: kl_divergence(mvn(*a[:2]), low(*a[2:])), loc_q, tril_q, loc_p, w_p, d_p)
    check_grad(lambda *a: kl_divergence(low(*a[:3]), low(a[3], *a[4:])), loc_p, w_p, d_p, loc_q, w_r, d_r)


def test_event_shapes_must_match(rng):
    p, _, _ = low_rank(rng, (), n=3)
    for q in (low_rank(rng, (), n=4)[0], full(rng, (), n=4)[0]):
        with pytest.raises(ValueError, match=r"different event shapes \(3,\) and \(4,\)"):
            kl_divergence(p, q)
        with pytest.raises(ValueError, match="have no KL divergence"):
            kl_divergence(q, p)
