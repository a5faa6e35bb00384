"""``LowRankMultivariateNormal``: against the dense Gaussian formulas, PyTorch's values, gradients, draws.

Not course material (outside module 05's solution regions), so no module number.
``log_prob``, ``entropy`` and the matrices against NumPy's dense ``W Wᵀ + diag(D)``
(inverse, determinant, Cholesky) written here, with batch dims broadcast across the
three parameters; values pinned from PyTorch 2.13; gradcheck of ``log_prob``/``entropy``
and ``rsample``; draw covariance within 5 standard errors; shapes and argument checks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import LowRankMultivariateNormal

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def test_values_against_the_dense_covariance(rng):
    loc, w, d = rng.standard_normal((2, 1, 3)), rng.standard_normal((4, 3, 2)), rng.random(3) + 0.5
    x = rng.standard_normal((5, 2, 4, 3))
    m = LowRankMultivariateNormal(f64(loc), f64(w), f64(d))
    assert m.batch_shape == (2, 4) and m.event_shape == (3,)
    cov = w @ np.swapaxes(w, -1, -2) + np.diag(d)  # (4, 3, 3)
    diff = x - loc
    maha = np.einsum("...i,...ij,...j->...", diff, np.linalg.inv(cov), diff)
    log_det = np.linalg.slogdet(cov)[1]
    np.testing.assert_allclose(
        m.log_prob(f64(x)).numpy(), -0.5 * (3 * math.log(2 * math.pi) + maha + log_det), rtol=1e-11
    )
    np.testing.assert_allclose(
        m.entropy().numpy(),
        np.broadcast_to(0.5 * (3 * (1 + math.log(2 * math.pi)) + log_det), (2, 4)),
        rtol=1e-12,
    )
    np.testing.assert_allclose(m.covariance_matrix.numpy(), np.broadcast_to(cov, (2, 4, 3, 3)), rtol=1e-13)
    np.testing.assert_allclose(
        m.precision_matrix.numpy(), np.broadcast_to(np.linalg.inv(cov), (2, 4, 3, 3)), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(
        m.scale_tril.numpy(), np.broadcast_to(np.linalg.cholesky(cov), (2, 4, 3, 3)), rtol=1e-12
    )
    np.testing.assert_allclose(
        m.variance.numpy(), np.broadcast_to(np.diagonal(cov, axis1=-2, axis2=-1), (2, 4, 3)), rtol=1e-13
    )
    np.testing.assert_allclose(m.mean.numpy(), np.broadcast_to(loc, (2, 4, 3)))
    np.testing.assert_allclose(m.mode.numpy(), np.broadcast_to(loc, (2, 4, 3)))
    # torch 2.13, float64 (scratch script): log_prob([0.2, 1.0]) and entropy()
    pinned = LowRankMultivariateNormal(f64([0.5, -1.0]), f64([[1.0], [0.5]]), f64([1.0, 2.0]))
    np.testing.assert_allclose(pinned.log_prob(f64([0.2, 1.0])).item(), -3.5969247931716257, rtol=1e-13)
    np.testing.assert_allclose(pinned.entropy().item(), 3.561336557877508, rtol=1e-13)


def test_gradients(rng, check_grad):
    loc, w = f64(rng.standard_normal((2, 3)), True), f64(rng.standard_normal((3, 2)), True)
    d, x = f64(rng.random(3) + 0.5, True), f64(rng.standard_normal((4, 2, 3)), True)
    check_grad(lambda m, w, d, v: LowRankMultivariateNormal(m, w, d).log_prob(v), loc, w, d, x)
    check_grad(lambda w, d: LowRankMultivariateNormal(f64([0.0, 0.0, 0.0]), w, d).entropy(), w, d)

    def rsample(m, w, d):
        autograd.manual_seed(9)  # the same noise at every evaluation
        return LowRankMultivariateNormal(m, w, d).rsample((2,))

    check_grad(rsample, loc, w, d)


def test_draws_shapes_and_checks():
    autograd.manual_seed(1)
    w, d = np.array([[1.0], [0.5], [-0.3]]), np.array([0.5, 1.0, 0.2])
    m = LowRankMultivariateNormal(f64([0.5, -1.0, 0.0]), f64(w), f64(d))
    draws = m.sample((40000,)).numpy()
    cov = w @ w.T + np.diag(d)
    assert draws.shape == (40000, 3)
    assert np.all(np.abs(draws.mean(0) - [0.5, -1.0, 0.0]) < 5 * np.sqrt(np.diag(cov) / 40000))
    sd = np.sqrt((cov**2 + np.outer(np.diag(cov), np.diag(cov))) / 40000)  # the sd of each sample covariance
    assert np.all(np.abs(np.cov(draws.T) - cov) < 5 * sd)
    wide = m.expand((2, 4))
    assert (
        type(wide) is LowRankMultivariateNormal
        and wide.batch_shape == (2, 4)
        and wide.rsample((3,)).shape == (3, 2, 4, 3)
    )
    np.testing.assert_allclose(wide.entropy().numpy(), np.broadcast_to(m.entropy().numpy(), (2, 4)))
    with pytest.raises(ValueError, match="cov_factor must be at least two-dimensional"):
        LowRankMultivariateNormal(f64([0.0, 0.0]), f64([1.0, 1.0]), f64([1.0, 1.0]))
    with pytest.raises(ValueError, match="cov_factor must be a batch of matrices with shape 2 x m"):
        LowRankMultivariateNormal(f64([0.0, 0.0]), f64([[1.0], [1.0], [1.0]]), f64([1.0, 1.0]))
    with pytest.raises(ValueError, match=r"cov_diag must be a batch of vectors with shape \(2,\)"):
        LowRankMultivariateNormal(f64([0.0, 0.0]), f64([[1.0], [1.0]]), f64([1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="loc must be at least one-dimensional"):
        LowRankMultivariateNormal(f64(0.0), f64([[1.0]]), f64([1.0]))
    with pytest.raises(ValueError, match=r"parameter cov_diag .* IndependentConstraint\(GreaterThan"):
        LowRankMultivariateNormal(f64([0.0, 0.0]), f64([[1.0], [1.0]]), f64([1.0, -1.0]))
    with pytest.raises(TypeError, match="LowRankMultivariateNormal: loc must be a tensor, got float"):
        LowRankMultivariateNormal(0.0, f64([[1.0]]), f64([1.0]))
    with pytest.raises(ValueError, match=r"must match event_shape"):
        m.log_prob(f64([0.0, 0.0]))
    with pytest.raises(ValueError, match="incompatible batch shapes"):
        LowRankMultivariateNormal(f64(np.zeros((2, 3))), f64(np.ones((4, 3, 1))), f64(np.ones(3)))


def test_rsample_is_the_documented_transform_and_batched_expand(rng):
    loc, w, d = rng.standard_normal((2, 1, 3)), rng.standard_normal((4, 3, 2)), rng.random(3) + 0.5
    m = LowRankMultivariateNormal(f64(loc), f64(w), f64(d))
    autograd.manual_seed(5)
    eps_w = autograd.randn(5, 2, 4, 2, dtype=autograd.float64).numpy()
    eps_d = autograd.randn(5, 2, 4, 3, dtype=autograd.float64).numpy()
    autograd.manual_seed(5)
    expected = loc + (w @ eps_w[..., None])[..., 0] + np.sqrt(d) * eps_d
    np.testing.assert_allclose(m.rsample((5,)).numpy(), expected, rtol=1e-12)
    wide = m.expand((3, 2, 4))
    assert wide.batch_shape == (3, 2, 4) and wide.cov_factor.shape == (3, 2, 4, 3, 2)
    np.testing.assert_allclose(wide.entropy().numpy(), np.broadcast_to(m.entropy().numpy(), (3, 2, 4)))
