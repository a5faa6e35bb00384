"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_`` against NumPy (module 06)."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_optim
from tt_optim.utils import clip_grad_norm_, clip_grad_value_


def with_grads(rng, *shapes, scale=1.0, dtype=autograd.float64):
    params = []
    for shape in shapes:
        p = autograd.zeros(shape, dtype=dtype, requires_grad=True)
        p.grad = autograd.tensor((rng.standard_normal(shape) * scale).astype(dtype.numpy))
        params.append(p)
    return params


def test_clip_grad_norm_scales_all_gradients_as_one_vector(rng):
    params = with_grads(rng, (3, 4), (5,), scale=3.0)
    before = [p.grad.numpy().copy() for p in params]
    total = np.sqrt(sum(np.sum(g**2) for g in before))
    returned = clip_grad_norm_(params, max_norm=1.0)
    assert isinstance(returned, autograd.Tensor) and returned.shape == ()
    np.testing.assert_allclose(float(returned), total, rtol=1e-12)
    coefficient = 1.0 / (total + 1e-6)
    for p, g in zip(params, before):
        np.testing.assert_allclose(p.grad.numpy(), g * coefficient, rtol=1e-12)
    after = np.sqrt(sum(np.sum(p.grad.numpy() ** 2) for p in params))
    assert after == pytest.approx(1.0, rel=1e-5)


def test_gradients_under_the_limit_are_untouched(rng):
    params = with_grads(rng, (4,), scale=0.01)
    before = params[0].grad.numpy().copy()
    clip_grad_norm_(params, max_norm=10.0)
    np.testing.assert_array_equal(params[0].grad.numpy(), before)


@pytest.mark.parametrize("norm_type", [1.0, 3.0, 4, float("inf"), "inf"])
def test_other_norms(norm_type, rng):
    params = with_grads(rng, (6,), (2, 3))
    flat = np.concatenate([p.grad.numpy().ravel() for p in params])
    order = float(norm_type)  # PyTorch also accepts the string 'inf'
    total = np.max(np.abs(flat)) if order == np.inf else np.sum(np.abs(flat) ** order) ** (1 / order)
    returned = clip_grad_norm_(params, max_norm=0.5, norm_type=norm_type)
    np.testing.assert_allclose(float(returned), total, rtol=1e-12)
    clipped = np.concatenate([p.grad.numpy().ravel() for p in params])
    np.testing.assert_allclose(clipped, flat * 0.5 / (total + 1e-6), rtol=1e-12)


def test_float32_gradients_stay_float32(rng):
    params = with_grads(rng, (10,), scale=5.0, dtype=autograd.float32)
    clip_grad_norm_(params, 1.0)
    assert params[0].grad.array.dtype == np.float32


def test_parameters_without_gradients_and_a_single_tensor(rng):
    (p,) = with_grads(rng, (3,), scale=10.0)
    q = autograd.zeros(2, requires_grad=True)
    total = clip_grad_norm_([p, q], 1.0)
    assert q.grad is None and float(total) > 1.0
    assert float(clip_grad_norm_(p, 1.0)) == pytest.approx(1.0, rel=1e-5)
    assert float(clip_grad_norm_([q], 1.0)) == 0.0


def test_non_finite_norm_raises_when_asked(rng):
    (p,) = with_grads(rng, (3,))
    p.grad.array[0] = np.inf
    with pytest.raises(RuntimeError, match="total norm .* is inf"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    finite = p.grad.numpy()[1:].copy()
    with np.errstate(invalid="ignore"):  # by default no error: scaled by max_norm / inf = 0, as in PyTorch
        assert float(clip_grad_norm_([p], 1.0)) == np.inf
    assert np.isnan(p.grad.array[0]) and np.all(p.grad.array[1:] == 0 * finite)


def test_an_empty_gradient_does_not_count_in_the_max_norm(rng):
    params = with_grads(rng, (0,), (5,), scale=0.1)
    largest = np.max(np.abs(params[1].grad.numpy()))
    assert float(clip_grad_norm_(params, max_norm=10.0, norm_type="inf")) == largest


def test_clip_grad_value_clamps_each_element(rng):
    params = with_grads(rng, (20,), (4, 4), scale=2.0)
    before = [p.grad.numpy().copy() for p in params]
    storage = params[0].grad.array
    assert clip_grad_value_(params, 0.5) is None
    assert params[0].grad.array is storage
    for p, g in zip(params, before):
        np.testing.assert_array_equal(p.grad.numpy(), np.clip(g, -0.5, 0.5))


def test_exported_at_the_top_level_too():
    assert tt_optim.clip_grad_norm_ is clip_grad_norm_ and tt_optim.clip_grad_value_ is clip_grad_value_
