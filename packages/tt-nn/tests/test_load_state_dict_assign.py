"""``Module.load_state_dict(..., assign=True)`` (PyTorch's; tools/parity/sweep_signatures.py found it
missing): the checkpoint's tensors become the module's, as PyTorch 2.13 does it (checked in a scratch
script): a Parameter over the checkpoint's memory with the replaced one's requires_grad, the checkpoint's
dtype, buffers the checkpoint's tensors themselves, the old tensors untouched, the same checks first."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn


def _model():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    model[0].bias.requires_grad = False
    return model


def _checkpoint(model):
    state = {key: (value.to(autograd.float64) + 1) for key, value in model.state_dict().items()}
    state["1.num_batches_tracked"] = autograd.tensor(5)
    return state


def test_parameters_wrap_the_checkpoints_tensors_with_the_modules_requires_grad():
    model = _model()
    old_weight = model[0].weight
    old_values = old_weight.detach().numpy().copy()
    state = _checkpoint(model)
    result = model.load_state_dict(state, assign=True)
    assert (result.missing_keys, result.unexpected_keys) == ([], [])
    weight = model[0].weight
    assert isinstance(weight, nn.Parameter) and weight is not state["0.weight"]
    assert weight.array is state["0.weight"].array  # the checkpoint's memory, no copy
    assert str(weight.dtype) == str(autograd.float64)
    assert weight.requires_grad and not model[0].bias.requires_grad
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    np.testing.assert_array_equal(old_weight.detach().numpy(), old_values)
    assert str(old_weight.dtype) == str(autograd.float32)


def test_buffers_are_the_checkpoints_tensors():
    model = _model()
    state = _checkpoint(model)
    model.load_state_dict(state, assign=True)
    assert model[1].running_mean is state["1.running_mean"]
    assert model[1].num_batches_tracked.item() == 5
    assert "1.running_var" in model.state_dict()


def test_a_parameter_given_is_kept_and_takes_the_modules_requires_grad():
    layer = nn.Linear(2, 3)
    given = nn.Parameter(autograd.zeros(3, 2), requires_grad=False)
    layer.load_state_dict({"weight": given, "bias": autograd.zeros(3)}, assign=True)
    assert layer.weight is given and layer.weight.requires_grad


def test_the_loaded_module_trains_on_the_new_tensors():
    layer = nn.Linear(2, 1)
    layer.load_state_dict(
        {"weight": autograd.tensor([[1.0, 2.0]]), "bias": autograd.tensor([0.5])}, assign=True
    )
    out = layer(autograd.tensor([[3.0, 4.0]]))
    assert out.item() == 11.5
    out.sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy(), [[3.0, 4.0]])


def test_a_shape_mismatch_is_refused_before_anything_changes():
    layer = nn.Linear(2, 3)
    weight = layer.weight
    with pytest.raises(
        RuntimeError, match=r"\(assign=True\): shape mismatches: weight: the checkpoint has shape \(4, 2\)"
    ):
        layer.load_state_dict({"weight": autograd.zeros(4, 2), "bias": autograd.zeros(3)}, assign=True)
    assert layer.weight is weight


def test_strict_refuses_missing_and_unexpected_keys_and_non_strict_reports_them():
    layer = nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match=r"missing keys: bias \| unexpected keys: extra"):
        layer.load_state_dict({"weight": autograd.ones(3, 2), "extra": autograd.ones(1)}, assign=True)
    result = layer.load_state_dict(
        {"weight": autograd.ones(3, 2), "extra": autograd.ones(1)}, strict=False, assign=True
    )
    assert (result.missing_keys, result.unexpected_keys) == (["bias"], ["extra"])
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.ones((3, 2)))


def test_numpy_values_become_tensors():
    layer = nn.Linear(2, 1)
    layer.load_state_dict({"weight": np.array([[1.0, 2.0]]), "bias": np.array([0.0])}, assign=True)
    assert isinstance(layer.weight, nn.Parameter) and str(layer.weight.dtype) == str(autograd.float64)


def test_numpy_buffers_become_tensors():
    norm = nn.BatchNorm1d(2)
    state = {key: value.numpy() + 1 for key, value in norm.state_dict().items()}
    norm.load_state_dict(state, assign=True)
    assert isinstance(norm.running_mean, autograd.Tensor)
    np.testing.assert_array_equal(norm.running_mean.numpy(), [1.0, 1.0])
    assert norm.num_batches_tracked.item() == 1
