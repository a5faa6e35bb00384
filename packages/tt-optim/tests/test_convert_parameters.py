"""``parameters_to_vector`` and ``vector_to_parameters`` (``torch.nn.utils``). No module: ``nox -s tests``."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_optim.utils import parameters_to_vector, vector_to_parameters


def test_round_trip_in_parameter_order():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    vec = parameters_to_vector(model.parameters())
    expected = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
    np.testing.assert_array_equal(vec.detach().numpy(), expected)
    assert tuple(vec.shape) == (3 * 4 + 4 + 4 * 2 + 2,)
    new = autograd.tensor(np.arange(vec.numel(), dtype=np.float32))
    vector_to_parameters(new, model.parameters())
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), np.arange(12).reshape(4, 3))
    np.testing.assert_array_equal(model[2].bias.detach().numpy(), [24, 25])  # after 12 + 4 + 8 values
    np.testing.assert_array_equal(parameters_to_vector(model.parameters()).detach().numpy(), new.numpy())
    assert model[0].weight.requires_grad  # still parameters


def test_the_vector_carries_gradients_back_to_each_parameter():
    model = nn.Linear(2, 3)
    vec = parameters_to_vector(model.parameters())
    weights = autograd.tensor(np.arange(vec.numel(), dtype=np.float32))
    (vec * weights).sum().backward()
    np.testing.assert_array_equal(model.weight.grad.numpy(), np.arange(6).reshape(3, 2))
    np.testing.assert_array_equal(model.bias.grad.numpy(), [6, 7, 8])


def test_bad_input_is_named():
    model = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="expected a Tensor, but got ndarray"):
        vector_to_parameters(np.zeros(9), model.parameters())
    with pytest.raises(ValueError, match="vec has 8 values but the parameters hold 9"):
        vector_to_parameters(autograd.zeros(8), model.parameters())
    with pytest.raises(ValueError, match=r"vec must be 1-D, got shape \(3, 3\)"):
        vector_to_parameters(autograd.zeros(3, 3), model.parameters())
    with pytest.raises(ValueError, match="no parameters given"):
        parameters_to_vector([])
