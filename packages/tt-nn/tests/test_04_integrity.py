"""Module 04: ``load_state_dict`` bumps versions; ``half()``; float16 ``LayerNorm`` is right (issue #14)."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn


def test_load_state_dict_between_forward_and_backward_raises_instead_of_a_wrong_gradient():
    model, other = nn.Linear(3, 2), nn.Linear(3, 2)
    x = autograd.randn(4, 3, requires_grad=True)
    before = model.weight._version
    y = model(x)
    model.load_state_dict(other.state_dict())
    assert model.weight._version > before and model.bias._version > 0
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_load_state_dict_still_copies_values_and_keeps_the_parameter_objects():
    model, other = nn.Linear(3, 2), nn.Linear(3, 2)
    weight = model.weight
    model.load_state_dict(other.state_dict())
    assert model.weight is weight
    np.testing.assert_array_equal(model.weight.array, other.weight.array)
    x = autograd.randn(4, 3, requires_grad=True)
    model(x).sum().backward()  # a graph built after the load is fine
    np.testing.assert_allclose(x.grad.array, np.tile(other.weight.array.sum(0), (4, 1)), rtol=1e-6)


def test_half_float_double_convert_floating_parameters_and_buffers_in_place():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    weight = model[0].weight
    assert model.half() is model
    assert model[0].weight is weight
    assert {p.array.dtype for p in model.parameters()} == {np.dtype(np.float16)}
    assert model[1].running_mean.array.dtype == np.float16
    assert model[1].num_batches_tracked.array.dtype == np.int64  # integers are left alone
    assert model.double()[0].weight.array.dtype == np.float64
    assert model.float()[1].running_var.array.dtype == np.float32


@pytest.mark.parametrize("scale", [1.0, 300.0, 3000.0, 10000.0])
def test_float16_layer_norm_computes_in_float32_and_returns_float16(rng, scale):
    values = np.clip(rng.standard_normal((5, 16)) * scale, -6e4, 6e4).astype(np.float16)
    norm = nn.LayerNorm(16).half()
    out = norm(autograd.tensor(values))
    assert out.array.dtype == np.float16
    reference = values.astype(np.float64)
    centred = reference - reference.mean(1, keepdims=True)
    reference = centred / np.sqrt(reference.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(out.array.astype(np.float64), reference, atol=4e-3)
    assert np.abs(out.array.astype(np.float32)).max() > 1  # not the all-zero rows of a float16 variance


def test_float16_layer_norm_gradients_are_float16_and_match_float32(rng):
    values = (rng.standard_normal((3, 8)) * 400).astype(np.float16)
    x16 = autograd.tensor(values, requires_grad=True)
    x32 = autograd.tensor(values.astype(np.float32), requires_grad=True)
    norm16, norm32 = nn.LayerNorm(8).half(), nn.LayerNorm(8)
    weights = rng.standard_normal((3, 8)).astype(np.float32)
    (norm16(x16) * autograd.tensor(weights.astype(np.float16))).sum().backward()
    (norm32(x32) * autograd.tensor(weights)).sum().backward()
    assert x16.grad.array.dtype == np.float16 and norm16.weight.grad.array.dtype == np.float16
    np.testing.assert_allclose(x16.grad.array.astype(np.float32), x32.grad.array, rtol=2e-2, atol=2e-5)
    weight_grad = norm16.weight.grad.array.astype(np.float32)
    np.testing.assert_allclose(weight_grad, norm32.weight.grad.array, atol=2e-2)


def test_float16_batch_norm_is_right_and_updates_its_float16_running_stats(rng):
    values = (rng.standard_normal((64, 4)) * 500).astype(np.float16)  # Σx² overflows float16
    norm = nn.BatchNorm1d(4).half()
    x = autograd.tensor(values, requires_grad=True)
    out = norm(x)
    assert out.array.dtype == np.float16
    wide = values.astype(np.float64)
    reference = (wide - wide.mean(0)) / np.sqrt(wide.var(0) + 1e-5)
    np.testing.assert_allclose(out.array.astype(np.float64), reference, atol=4e-3)
    assert norm.running_mean.array.dtype == np.float16
    np.testing.assert_allclose(norm.running_mean.array, 0.1 * wide.mean(0), rtol=2e-3)
    out.sum().backward()
    assert x.grad.array.dtype == np.float16 and np.isfinite(x.grad.array).all()
    norm.eval()
    np.testing.assert_allclose(
        norm(autograd.tensor(values)).array.astype(np.float64),
        (wide - norm.running_mean.array.astype(np.float64))
        / np.sqrt(norm.running_var.array.astype(np.float64) + 1e-5),
        rtol=1e-2,
        atol=1e-2,
    )
