"""``VonMises``: density vs a quadrature normaliser, PyTorch's values, gradients, draws, checks.

Not course material (outside module 05's solution regions), so no module number.
``I0(κ) = (1/π) ∫_0^π exp(κ cos t) dt`` by the trapezoid rule (spectrally accurate for
a periodic integrand) checks the normaliser and the circular variance; PyTorch 2.13's
values are pinned to 1e-7 (its Bessel functions are polynomial fits, TinyTorch's are
exact to float64); gradcheck of ``log_prob`` and ``variance``; draws under a fixed seed
(angles in ``[-π, π)``, the mean resultant ``E cos(x - loc) = I1/I0`` within 5 standard errors).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import VonMises

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py

ANGLES = np.linspace(0.0, math.pi, 4001)


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def bessel(order: int, kappa: np.ndarray) -> np.ndarray:
    """``I_order(κ) = (1/π) ∫_0^π exp(κ cos t) cos(order t) dt``."""
    values = np.exp(kappa[..., None] * np.cos(ANGLES)) * np.cos(order * ANGLES)
    return ((values[..., 1:] + values[..., :-1]) * np.diff(ANGLES) / 2).sum(-1) / math.pi


def test_values_against_quadrature(rng):
    loc, kappa = rng.standard_normal((2, 1)), np.array([0.05, 1.0, 4.0, 30.0])
    x = rng.standard_normal((3, 2, 4)) * 4  # any real angle: the density is periodic
    m = VonMises(f64(loc), f64(kappa))
    expected = kappa * np.cos(x - loc) - math.log(2 * math.pi) - np.log(bessel(0, kappa))
    np.testing.assert_allclose(m.log_prob(f64(x)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(
        m.variance.numpy(), np.broadcast_to(1 - bessel(1, kappa) / bessel(0, kappa), (2, 4)), rtol=1e-11
    )
    np.testing.assert_allclose(m.mean.numpy(), np.broadcast_to(loc, (2, 4)))
    np.testing.assert_allclose(m.mode.numpy(), np.broadcast_to(loc, (2, 4)))
    # torch 2.13, float64 (scratch script): VonMises(0.5, 1.5) variance, log_prob(0.2); PyTorch's Bessel fits
    # are good to about 1e-7, so 1e-7 here
    pinned = VonMises(f64(0.5), f64(1.5))
    np.testing.assert_allclose(pinned.variance.item(), 0.40386676571091895, rtol=1e-7)
    np.testing.assert_allclose(pinned.log_prob(f64(0.2)).item(), -0.903659707951346, rtol=1e-7)
    for missing in ("entropy", "cdf", "rsample"):
        with pytest.raises(NotImplementedError):
            getattr(m, missing)(*((f64(0.5),) if missing == "cdf" else ()))


def test_gradients(rng, check_grad):
    loc, kappa = f64(rng.standard_normal((2, 1)), True), f64([0.3, 2.0, 15.0], True)
    x = f64(rng.standard_normal((4, 2, 3)) * 3, True)
    check_grad(lambda m, k, v: VonMises(m, k).log_prob(v), loc, kappa, x)
    check_grad(lambda k: VonMises(0.0, k).variance, kappa)


def test_draws_shapes_and_checks():
    autograd.manual_seed(3)
    loc, kappa = np.array([2.5, -0.3, 0.0]), np.array([0.5, 4.0, 1e-6])
    m = VonMises(f64(loc), f64(kappa))
    draws = m.sample((40000,)).numpy()
    assert draws.shape == (40000, 3) and (draws >= -math.pi).all() and (draws < math.pi).all()
    resultant = np.cos(draws - loc)
    expected = 1 - m.variance.numpy()
    assert np.all(np.abs(resultant.mean(0) - expected) < 5 * resultant.std(0) / math.sqrt(40000))
    side = np.sin(draws - loc).mean(0)  # symmetric about loc
    assert np.all(np.abs(side) < 5 * np.sin(draws - loc).std(0) / math.sqrt(40000))
    assert m.batch_shape == (3,) and m.event_shape == () and not m.has_rsample
    wide = m.expand((2, 3))
    assert type(wide) is VonMises and wide.batch_shape == (2, 3) and wide.sample((4,)).shape == (4, 2, 3)
    assert VonMises(0.0, 1.0).sample((2,)).dtype == autograd.float32
    with pytest.raises(ValueError, match=r"VonMises: parameter concentration .* GreaterThan"):
        VonMises(0.0, 0.0)
    with pytest.raises(ValueError, match=r"VonMises: the value must lie in the support Real\(\)"):
        VonMises(0.0, 1.0).log_prob(f64(float("nan")))
