"""``kl_divergence`` between ``LowRankMultivariateNormal`` and ``MultivariateNormal``, the three pairs.

Not course material, so no module number. Values against the dense Gaussian formula written
here with NumPy's explicit inverse and ``slogdet``, batch shapes broadcast between ``p`` and
``q``, PyTorch 2.13's values pinned, gradcheck in every parameter of both sides (float64),
zero for a distribution against itself, and the event-shape check.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import LowRankMultivariateNormal, MultivariateNormal, kl_divergence

SIGMA = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.5]])


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def kl_reference(loc_p, cov_p, loc_q, cov_q) -> np.ndarray:
    inverse_q = np.linalg.inv(cov_q)
    difference = loc_q - loc_p
    trace = np.trace(inverse_q @ cov_p, axis1=-2, axis2=-1)
    distance = np.einsum("...i,...ij,...j->...", difference, inverse_q, difference)
    log_ratio = np.linalg.slogdet(cov_q)[1] - np.linalg.slogdet(cov_p)[1]
    return 0.5 * (trace + distance - loc_p.shape[-1] + log_ratio)


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
