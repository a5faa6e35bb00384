"""Module 04: ``Linear`` — the formula, PyTorch's initialisation, gradients, the fused node, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from hypothesis import given, settings
from hypothesis import strategies as st
from tt_nn import functional as F


@pytest.mark.parametrize("batch_shape", [(), (5,), (2, 3)])
def test_forward_is_x_times_weight_transposed_plus_bias(batch_shape, rng, check):
    layer = nn.Linear(4, 3).double()
    x = rng.standard_normal((*batch_shape, 4))
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    out = layer(autograd.tensor(x))
    check(out, x @ w.T + b, rtol=1e-12)
    assert out.shape == (*batch_shape, 3)


def test_no_bias():
    layer = nn.Linear(4, 3, bias=False)
    assert layer.bias is None and list(layer.state_dict()) == ["weight"]
    x = autograd.randn(2, 4)
    np.testing.assert_allclose(
        layer(x).detach().numpy(), x.numpy() @ layer.weight.detach().numpy().T, rtol=1e-6
    )
    assert repr(layer) == "Linear(in_features=4, out_features=3, bias=False)"


def test_parameters_shapes_dtype_and_repr():
    layer = nn.Linear(5, 2)
    assert layer.weight.shape == (2, 5) and layer.bias.shape == (2,)
    assert layer.weight.dtype == autograd.float32
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert repr(layer) == "Linear(in_features=5, out_features=2, bias=True)"
    assert nn.Linear(5, 2, dtype=autograd.float64).weight.dtype == autograd.float64


def test_default_init_is_uniform_within_one_over_sqrt_fan_in():
    autograd.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # fills the whole interval
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)  # the std of U(-a, a) is a / sqrt(3)
    assert abs(w.mean()) < 0.01 * bound * 10
    assert b.std() == pytest.approx(bound / math.sqrt(3), rel=0.15)


def test_init_follows_the_seed():
    autograd.manual_seed(42)
    first = nn.Linear(3, 3).weight.detach().numpy().copy()
    autograd.manual_seed(42)
    again = nn.Linear(3, 3).weight.detach().numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, nn.Linear(3, 3).weight.detach().numpy())
    layer = nn.Linear(3, 3)
    before = layer.weight.detach().numpy().copy()
    layer.reset_parameters()
    assert not np.array_equal(before, layer.weight.detach().numpy())


@pytest.mark.parametrize(
    ("batch", "in_features", "out_features"), [((3, 4), 2, 3), ((1,), 1, 1), ((7,), 3, 5), ((), 4, 2)]
)
def test_gradients_on_random_shapes(batch, in_features, out_features, leaf, check_grad):
    x = leaf(*batch, in_features)
    check_grad(F.linear, x, leaf(out_features, in_features), leaf(out_features))
    check_grad(lambda x, w: F.linear(x, w), x, leaf(out_features, in_features))


def test_module_gradients_and_only_what_is_needed():
    layer = nn.Linear(3, 2).double()
    x = autograd.randn(4, 3, dtype=autograd.float64)
    out = layer(x)
    out.backward(autograd.ones(4, 2, dtype=autograd.float64))
    np.testing.assert_allclose(layer.bias.grad.numpy(), [4.0, 4.0])
    np.testing.assert_allclose(layer.weight.grad.numpy(), np.tile(x.numpy().sum(axis=0), (2, 1)))
    assert x.grad is None


def test_one_fused_node():
    layer = nn.Linear(3, 2)
    x = autograd.randn(4, 3, requires_grad=True)
    out = layer(x)
    assert out.grad_fn.name() == "AddmmBackward0"
    assert out.grad_fn.parents == [x, layer.weight, layer.bias]


def test_wrong_in_features_names_the_layer_and_the_shape():
    layer = nn.Linear(4, 2)
    with pytest.raises(
        RuntimeError, match=r"Linear\(in_features=4, out_features=2\): input of shape \(8, 5\)"
    ):
        layer(autograd.randn(8, 5))
    with pytest.raises(
        RuntimeError, match=r"linear: input of shape \(8, 5\) does not fit weight of shape \(2, 4\)"
    ):
        F.linear(autograd.randn(8, 5), layer.weight)
    with pytest.raises(RuntimeError, match=r"linear: bias must have shape \(2,\)"):
        F.linear(autograd.randn(8, 4), layer.weight, autograd.zeros(3))
    with pytest.raises(RuntimeError, match="weight must be 2-D"):
        F.linear(autograd.randn(8, 4), autograd.zeros(4))
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.Linear(2, 2, device="cuda")


def test_float32_input_with_float64_model_promotes():
    layer = nn.Linear(2, 2).double()
    assert layer(autograd.randn(3, 2)).dtype == autograd.float64


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    batch=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    in_features=st.integers(1, 4),
    out_features=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_gradients_on_hypothesis_shapes(batch, in_features, out_features, seed):
    rng = np.random.default_rng(seed)
    x, w, b = (autograd.tensor(rng.standard_normal(s), requires_grad=True) for s in
               ((*batch, in_features), (out_features, in_features), (out_features,)))  # fmt: skip
    assert autograd.gradcheck(F.linear, [x, w, b])


def test_bias_bound_for_one_and_zero_input_features():
    autograd.manual_seed(3)
    one = nn.Linear(1, 200)  # bound 1 / sqrt(1) = 1
    b = one.bias.detach().numpy()
    assert np.abs(b).max() <= 1.0 and np.abs(b).max() > 0.9
    empty = nn.Linear(0, 3)  # no inputs: PyTorch leaves the bias at 0 (bound 0)
    assert empty.weight.shape == (3, 0) and np.all(empty.bias.detach().numpy() == 0)
