"""Module 04: ``tt_nn.init`` — PyTorch's gains and fans, distributions, seeding, no graph recorded."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import init


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "steep")


def test_fans_follow_pytorch():
    assert init._calculate_fan_in_and_fan_out(autograd.empty(30, 20)) == (20, 30)
    assert init._calculate_fan_in_and_fan_out(autograd.empty(16, 3, 5, 5)) == (75, 400)  # conv: in * k * k
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.kaiming_uniform_(autograd.empty(5))


def _stats(tensor: autograd.Tensor) -> tuple[float, float, float]:
    values = tensor.detach().numpy()
    return float(values.mean()), float(values.std()), float(np.abs(values).max())


@pytest.mark.parametrize(
    ("fill", "shape", "std", "bound"),
    [
        (lambda t: init.kaiming_uniform_(t, nonlinearity="relu"), (256, 512), math.sqrt(2 / 512),
         math.sqrt(6 / 512)),
        (lambda t: init.kaiming_uniform_(t, mode="fan_out"), (256, 512), math.sqrt(2 / 256),
         math.sqrt(6 / 256)),
        (lambda t: init.kaiming_normal_(t, nonlinearity="relu"), (256, 512), math.sqrt(2 / 512), None),
        (lambda t: init.kaiming_normal_(t, a=0.1, mode="fan_out"), (64, 8, 3, 3),
         math.sqrt(2 / 1.01) / math.sqrt(64 * 9), None),
        (lambda t: init.xavier_uniform_(t), (300, 500), math.sqrt(2 / 800), math.sqrt(6 / 800)),
        (lambda t: init.xavier_uniform_(t, gain=2.0), (300, 500), 2 * math.sqrt(2 / 800),
         2 * math.sqrt(6 / 800)),
        (lambda t: init.xavier_normal_(t, gain=init.calculate_gain("tanh")), (300, 500),
         5 / 3 * math.sqrt(2 / 800), None),
        (lambda t: init.uniform_(t, -2.0, 4.0), (200, 200), 6 / math.sqrt(12), 4.0),
        (lambda t: init.normal_(t, 0.0, 0.02), (200, 200), 0.02, None),
    ],
)  # fmt: skip
def test_distributions_have_the_documented_spread(fill, shape, std, bound):
    autograd.manual_seed(0)
    tensor = autograd.empty(*shape)
    assert fill(tensor) is tensor
    mean, measured_std, largest = _stats(tensor)
    assert measured_std == pytest.approx(std, rel=0.03)
    if bound is not None:
        assert largest <= bound and largest > 0.98 * bound


def test_uniform_and_normal_location():
    autograd.manual_seed(1)
    values = init.uniform_(autograd.empty(100_000), 2.0, 3.0).numpy()
    assert values.min() >= 2.0 and values.max() < 3.0 and values.mean() == pytest.approx(2.5, abs=0.01)
    assert init.normal_(autograd.empty(100_000), 5.0, 0.1).numpy().mean() == pytest.approx(5.0, abs=0.01)


def test_constant_fills_and_parameters_stay_leaves():
    layer = nn.Linear(3, 2)
    init.zeros_(layer.weight)
    init.ones_(layer.bias)
    assert np.all(layer.weight.detach().numpy() == 0) and np.all(layer.bias.detach().numpy() == 1)
    init.constant_(layer.bias, 0.5)
    assert np.all(layer.bias.detach().numpy() == 0.5)
    init.kaiming_normal_(layer.weight)
    assert layer.weight.is_leaf and layer.weight.grad_fn is None and layer.weight.requires_grad


def test_seeding_and_explicit_generators():
    autograd.manual_seed(7)
    a = init.xavier_uniform_(autograd.empty(4, 4)).numpy().copy()
    autograd.manual_seed(7)
    b = init.xavier_uniform_(autograd.empty(4, 4)).numpy()
    np.testing.assert_array_equal(a, b)
    c = init.kaiming_normal_(autograd.empty(4, 4), generator=autograd.Generator(3)).numpy().copy()
    d = init.kaiming_normal_(autograd.empty(4, 4), generator=autograd.Generator(3)).numpy()
    np.testing.assert_array_equal(c, d)


def test_zero_element_tensors_are_left_alone():
    empty = autograd.empty(0, 5)
    assert init.kaiming_uniform_(empty) is empty and init.kaiming_normal_(empty) is empty


@pytest.mark.parametrize(
    "fill", [init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_, init.kaiming_normal_]
)
def test_the_initialisers_are_centred_and_fill_thin_tensors(fill):
    autograd.manual_seed(2)
    mean, std, _ = _stats(fill(autograd.empty(200, 500)))
    assert abs(mean) < 0.05 * std
    thin = autograd.zeros(1, 50)  # a dimension of size 1 is filled like any other
    assert fill(thin) is thin and np.all(thin.numpy() != 0)
