"""Module 04: ``Flatten``, ``Unflatten`` and ``Identity``."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn


def test_flatten_keeps_the_batch_dimension_by_default(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    out = nn.Flatten()(autograd.tensor(x))
    assert out.shape == (2, 60)
    np.testing.assert_array_equal(out.numpy(), x.reshape(2, 60))
    assert nn.Flatten(0, -1)(autograd.tensor(x)).shape == (120,)
    assert nn.Flatten(1, 2)(autograd.tensor(x)).shape == (2, 12, 5)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


def test_unflatten_inverts_flatten(rng):
    x = autograd.tensor(rng.standard_normal((2, 12)))
    out = nn.Unflatten(1, (3, 4))(x)
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(nn.Flatten()(out).numpy(), x.numpy())
    assert repr(nn.Unflatten(1, (3, 4))) == "Unflatten(dim=1, unflattened_size=(3, 4))"
    assert nn.Unflatten(-1, (2, 6))(x).shape == (2, 2, 6)


def test_gradients_flow_through_reshape_layers(leaf, check_grad):
    model = nn.Sequential(nn.Flatten(), nn.Unflatten(1, (2, 6)), nn.Identity())
    check_grad(model, leaf(3, 4, 3))


def test_identity_ignores_arguments_and_returns_its_input():
    x = autograd.randn(2)
    assert nn.Identity(54, unused="x")(x) is x
    assert repr(nn.Identity()) == "Identity()"


def test_flatten_errors_name_the_dims():
    with pytest.raises(IndexError, match="out of range"):
        nn.Flatten(1, 5)(autograd.randn(2, 3))
