"""Bilinear and F.bilinear: values against a NumPy einsum reference, gradients, init, repr, keys, errors.

Not course material (outside module 04's solution regions), so no module number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import functional as F


def reference(x1, x2, weight, bias=None):
    out = np.einsum("...i,oij,...j->...o", x1, weight, x2)
    return out if bias is None else out + bias


@pytest.mark.parametrize("leading", [(5,), (2, 3), ()])
def test_bilinear_values(rng, check, leading):
    x1, x2 = rng.standard_normal((*leading, 2)), rng.standard_normal((*leading, 3))
    weight, bias = rng.standard_normal((4, 2, 3)), rng.standard_normal(4)
    t = autograd.tensor
    check(F.bilinear(t(x1), t(x2), t(weight), t(bias)), reference(x1, x2, weight, bias))
    check(F.bilinear(t(x1), t(x2), t(weight)), reference(x1, x2, weight))


@pytest.mark.parametrize("with_bias", [True, False])
def test_bilinear_gradients(leaf, check_grad, with_bias):
    if with_bias:
        check_grad(
            lambda a, b, w, c: F.bilinear(a, b, w, c), leaf(2, 3, 2), leaf(2, 3, 4), leaf(5, 2, 4), leaf(5)
        )
    else:
        check_grad(lambda a, b, w: F.bilinear(a, b, w), leaf(6, 2), leaf(6, 4), leaf(3, 2, 4))


@pytest.mark.parametrize("needed", [0, 1, 2, 3])
def test_bilinear_each_gradient_alone(leaf, check_grad, needed):
    tensors = [leaf(4, 2), leaf(4, 3), leaf(5, 2, 3), leaf(5)]
    for i, tensor in enumerate(tensors):
        tensor.requires_grad = i == needed

    def fn(chosen):
        given = list(tensors)
        given[needed] = chosen
        return F.bilinear(*given)

    check_grad(fn, tensors[needed])


def test_bilinear_module(rng, check):
    layer = nn.Bilinear(2, 3, 4)
    assert repr(layer) == "Bilinear(in1_features=2, in2_features=3, out_features=4, bias=True)"
    assert (
        repr(nn.Bilinear(2, 3, 4, bias=False))
        == "Bilinear(in1_features=2, in2_features=3, out_features=4, bias=False)"
    )
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert list(nn.Bilinear(2, 3, 4, bias=False).state_dict()) == ["weight"]
    assert layer.weight.shape == (4, 2, 3) and layer.bias.shape == (4,)
    x1 = autograd.tensor(rng.standard_normal((5, 2)).astype(np.float32))
    x2 = autograd.tensor(rng.standard_normal((5, 3)).astype(np.float32))
    out = layer(x1, x2)
    assert out.dtype == autograd.float32
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    check(out, reference(x1.numpy(), x2.numpy(), w, b), rtol=1e-5, atol=1e-6)


def test_bilinear_init_is_uniform_within_one_over_sqrt_in1():
    layer = nn.Bilinear(16, 3, 400)
    bound = 1 / math.sqrt(16)
    for param in (layer.weight.detach().numpy(), layer.bias.detach().numpy()):
        assert np.abs(param).max() <= bound
        assert param.max() > 0.9 * bound and param.min() < -0.9 * bound  # the whole interval, not a part
    assert abs(layer.weight.detach().numpy().mean()) < 0.02
    assert np.std(layer.weight.detach().numpy()) == pytest.approx(bound / math.sqrt(3), rel=0.05)


def test_bilinear_errors():
    w = autograd.ones(4, 2, 3)
    with pytest.raises(RuntimeError, match=r"bilinear: weight must be 3-D .*got shape \(4, 2\)"):
        F.bilinear(autograd.ones(5, 2), autograd.ones(5, 3), autograd.ones(4, 2))
    with pytest.raises(
        RuntimeError, match=r"bilinear: input1 \(5, 2\) and input2 \(4, 3\) must have the same"
    ):
        F.bilinear(autograd.ones(5, 2), autograd.ones(4, 3), w)
    with pytest.raises(RuntimeError, match="must be in1_features=2 and in2_features=3"):
        F.bilinear(autograd.ones(5, 2), autograd.ones(5, 4), w)
    with pytest.raises(RuntimeError, match="must be in1_features=2"):
        F.bilinear(autograd.ones(5, 3), autograd.ones(5, 3), w)
    with pytest.raises(
        RuntimeError, match=r"bilinear: bias must have shape \(4,\) to match weight, got \(3,\)"
    ):
        F.bilinear(autograd.ones(5, 2), autograd.ones(5, 3), w, autograd.ones(3))
    with pytest.raises(RuntimeError, match=r"bilinear: input1 \(\) and input2 \(3,\) must have the same"):
        F.bilinear(autograd.tensor(1.0), autograd.ones(3), w)
    with pytest.raises(RuntimeError, match=r"bilinear: input1 \(2,\) and input2 \(\) must have the same"):
        F.bilinear(autograd.ones(2), autograd.tensor(1.0), w)
    with pytest.raises(ValueError, match="Bilinear: in1_features must be"):
        nn.Bilinear(0, 3, 4)
    with pytest.raises(TypeError, match="bilinear: 'input2' must be a floating-point tensor"):
        F.bilinear(autograd.ones(5, 2), autograd.tensor([[1, 2, 3]]), w)
