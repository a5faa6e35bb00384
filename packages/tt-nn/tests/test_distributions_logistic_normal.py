"""``LogisticNormal``: the stick-breaking map, density by change of variables, PyTorch's value, gradients.

Not course material (outside module 05's solution regions), so no module number.
The map written here in NumPy (and its inverse), the density as the Normal density of
``x = stick⁻¹(y)`` times the Jacobian determinant of ``stick⁻¹`` computed by finite
differences, a value pinned from PyTorch 2.13, gradcheck of ``log_prob`` and ``rsample``,
draws on the simplex with ``log(y_1 / y_K)`` normal for ``K = 2``, shapes and checks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import LogisticNormal

pytestmark = pytest.mark.usefixtures("keep_generator_state")  # conftest.py


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def stick(x: np.ndarray) -> np.ndarray:
    k = x.shape[-1] + 1
    z = 1 / (1 + np.exp(-(x - np.log(np.arange(k - 1, 0, -1)))))
    left = np.concatenate([np.ones(x.shape[:-1] + (1,)), np.cumprod(1 - z, -1)], -1)
    return np.concatenate([z, np.ones(x.shape[:-1] + (1,))], -1) * left


def unstick(y: np.ndarray) -> np.ndarray:
    k = y.shape[-1]
    crop = y[..., :-1]
    return np.log(crop) - np.log(1 - np.cumsum(crop, -1)) + np.log(np.arange(k - 1, 0, -1))


def test_log_prob_by_change_of_variables(rng):
    loc, scale = rng.standard_normal(3), rng.random(3) + 0.5
    raw = rng.random((4, 4)) + 0.1
    y = raw / raw.sum(-1, keepdims=True)
    m = LogisticNormal(f64(loc), f64(scale))
    x = unstick(y)
    np.testing.assert_allclose(stick(x), y, rtol=1e-12)
    normal = (-((x - loc) ** 2) / (2 * scale**2) - np.log(scale) - 0.5 * math.log(2 * math.pi)).sum(-1)
    log_dets = []
    for row in y:  # d x / d (y_1..y_{K-1}) by central differences
        jac = np.stack([(unstick(np.append(row[:-1] + h, 0.0)) - unstick(np.append(row[:-1] - h, 0.0))) / 2e-6
                        for h in np.eye(3) * 1e-6], -1)  # fmt: skip
        log_dets.append(np.log(abs(np.linalg.det(jac))))
    np.testing.assert_allclose(m.log_prob(f64(y)).numpy(), normal + np.array(log_dets), rtol=1e-7)
    # torch 2.13, float64 (scratch script): LogisticNormal([0.5, -1], [1.5, 0.3]).log_prob([0.2, 0.3, 0.5])
    pinned = LogisticNormal(f64([0.5, -1.0]), f64([1.5, 0.3])).log_prob(f64([0.2, 0.3, 0.5]))
    np.testing.assert_allclose(pinned.item(), 0.8214353152225318, rtol=1e-12)
    for missing in ("mean", "variance"):
        with pytest.raises(NotImplementedError, match=f"LogisticNormal does not define {missing}"):
            getattr(m, missing)


def test_gradients(rng, check_grad):
    loc, scale = f64(rng.standard_normal((2, 3)), True), f64(rng.random(3) + 0.5, True)
    raw = rng.random((2, 4)) + 0.1
    y = f64(raw / raw.sum(-1, keepdims=True), True)
    # the perturbed values leave the simplex: the formula is differentiated unchecked
    check_grad(lambda m, s, v: LogisticNormal(m, s, validate_args=False).log_prob(v), loc, scale, y)

    def rsample(m, s):
        autograd.manual_seed(9)  # the same noise at every evaluation
        return LogisticNormal(m, s).rsample((2,))

    check_grad(rsample, loc, scale)


def test_draws_shapes_and_checks():
    autograd.manual_seed(2)
    m = LogisticNormal(f64([0.5, -1.0]), f64([1.5, 0.3]))
    autograd.manual_seed(3)
    noise = autograd.randn(5, 2, dtype=autograd.float64).numpy()
    autograd.manual_seed(3)
    np.testing.assert_allclose(
        m.rsample((5,)).numpy(), stick(np.array([0.5, -1.0]) + np.array([1.5, 0.3]) * noise), rtol=1e-12
    )
    two = LogisticNormal(f64(0.3), f64(1.2))  # K = 2: y_1 = sigmoid(x), so log(y_1 / y_2) = x ~ N(0.3, 1.2²)
    assert two.batch_shape == () and two.event_shape == (2,)
    draws = two.sample((40000,)).numpy()
    np.testing.assert_allclose(draws.sum(-1), 1.0, rtol=1e-12)
    logit = np.log(draws[:, 0] / draws[:, 1])
    assert abs(logit.mean() - 0.3) < 5 * 1.2 / math.sqrt(40000)
    batch = LogisticNormal(f64(np.zeros((4, 2))), 1.0)
    assert batch.batch_shape == (4,) and batch.event_shape == (3,) and batch.rsample((5,)).shape == (5, 4, 3)
    wide = batch.expand((2, 4))
    assert type(wide) is LogisticNormal and wide.batch_shape == (2, 4) and wide.sample().shape == (2, 4, 3)
    with pytest.raises(ValueError, match=r"LogisticNormal: parameter scale .* GreaterThan"):
        LogisticNormal(0.0, -1.0)
    with pytest.raises(ValueError, match=r"LogisticNormal: the value must lie in the support Simplex\(\)"):
        LogisticNormal(0.0, 1.0).log_prob(f64([0.5, 0.6]))
    with pytest.raises(ValueError, match=r"must match event_shape"):
        LogisticNormal(0.0, 1.0).log_prob(f64([0.2, 0.3, 0.5]))
