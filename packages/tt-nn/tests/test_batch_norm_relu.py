"""``F.batch_norm_relu``: one node equal to ``relu(batch_norm(...))``: values, gradients, statistics."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn import functional as F


def _channels_last(rng, n: int, c: int, h: int, w: int, dtype=np.float64, requires_grad: bool = True):
    """An (N, C, H, W) leaf stored channels-last (as every vision layer's output is), and that leaf."""
    leaf = autograd.tensor(rng.standard_normal((n, h, w, c)).astype(dtype), requires_grad=requires_grad)
    return leaf.permute(0, 3, 1, 2), leaf


def _pair(x, stats, weight, bias, training):
    running = [None if s is None else autograd.tensor(s) for s in stats]
    fused = F.batch_norm_relu(x, *running, weight, bias, training=training)
    return fused, [r for r in running if r is not None]


def _reference(x, stats, weight, bias, training):
    running = [None if s is None else autograd.tensor(s) for s in stats]
    plain = F.relu(F.batch_norm(x, *running, weight, bias, training=training))
    return plain, [r for r in running if r is not None]


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 4, 3, 2)])
def test_gradients_channels_first(shape, training, leaf, check_grad, rng):
    c = shape[1]
    stats = (rng.standard_normal(c) * 0.1, rng.random(c) + 0.5)

    def fn(x, w, b):
        return F.batch_norm_relu(x, *(autograd.tensor(s) for s in stats), w, b, training=training)

    check_grad(fn, leaf(*shape, scale=2.0), leaf(c), leaf(c))


@pytest.mark.parametrize("training", [True, False])
def test_gradients_channels_last(training, leaf, check_grad, rng):
    stats = (rng.standard_normal(5) * 0.1, rng.random(5) + 0.5)

    def fn(x, w, b):  # x is NHWC; the op sees the (N, C, H, W) channels-last view
        return F.batch_norm_relu(x.permute(0, 3, 1, 2), *(autograd.tensor(s) for s in stats), w, b, training)

    check_grad(fn, leaf(3, 3, 5, 5, scale=2.0), leaf(5), leaf(5))
    bare = leaf(2, 3, 2, 5)
    check_grad(lambda x: F.batch_norm_relu(x.permute(0, 3, 1, 2), None, None, training=True), bare)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("size", [(64, 32, 16, 16), (5, 48, 7, 3)])  # several blocks; an odd pixel count
def test_float32_equals_batch_norm_then_relu(size, training, rng):
    n, c, h, w = size
    x, _ = _channels_last(rng, n, c, h, w, np.float32, requires_grad=False)
    x = x * 2.0 + 0.5
    weight = autograd.tensor(rng.standard_normal(c).astype(np.float32), requires_grad=True)
    bias = autograd.tensor(rng.standard_normal(c).astype(np.float32), requires_grad=True)
    weight2 = autograd.tensor(weight.detach().numpy(), requires_grad=True)
    bias2 = autograd.tensor(bias.detach().numpy(), requires_grad=True)
    x1 = x.detach().requires_grad_()
    x2 = x.detach().requires_grad_()
    stats = (rng.standard_normal(c).astype(np.float32), (rng.random(c) + 0.5).astype(np.float32))
    fused, running = _pair(x1, stats, weight, bias, training)
    plain, running2 = _reference(x2, stats, weight2, bias2, training)
    assert fused.grad_fn.name() == "BatchNormReLUBackward0"
    np.testing.assert_allclose(fused.detach().numpy(), plain.detach().numpy(), rtol=1e-5, atol=1e-5)
    grad = autograd.tensor(rng.standard_normal(fused.shape).astype(np.float32))
    fused.backward(grad)
    plain.backward(grad)
    np.testing.assert_allclose(x1.grad.numpy(), x2.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(weight.grad.numpy(), weight2.grad.numpy(), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(bias.grad.numpy(), bias2.grad.numpy(), rtol=1e-4, atol=1e-3)
    for mine, theirs in zip(running, running2):  # running statistics moved alike (training) or not at all
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    values = fused.detach().numpy()
    assert (values >= 0).all() and (values == 0).any()


def test_without_weight_and_bias_and_without_a_graph(rng):
    x, _ = _channels_last(rng, 4, 6, 3, 3, requires_grad=False)
    expected = np.maximum(x.numpy() - x.numpy().mean(axis=(0, 2, 3), keepdims=True), 0)
    expected /= np.sqrt(x.numpy().var(axis=(0, 2, 3), keepdims=True) + 1e-5)
    out = F.batch_norm_relu(x, None, None, training=True)
    assert out.grad_fn is None and not out.requires_grad
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)
    with autograd.no_grad():
        leaf = autograd.randn(4, 6, 3, 3, requires_grad=True)
        assert F.batch_norm_relu(leaf, None, None, training=True).grad_fn is None


def test_only_the_gradients_asked_for(rng):
    x, _ = _channels_last(rng, 4, 6, 3, 3, requires_grad=False)
    weight = autograd.ones(6, dtype=autograd.float64, requires_grad=True)
    F.batch_norm_relu(x, None, None, weight, None, training=True).sum().backward()
    assert weight.grad is not None and weight.grad.shape == (6,)
    leaf = autograd.tensor(rng.standard_normal((4, 6)), requires_grad=True)
    F.batch_norm_relu(leaf, None, None, autograd.ones(6, dtype=autograd.float64), None, True).sum().backward()
    assert leaf.grad.shape == (4, 6)


def test_what_it_does_not_fuse_is_batch_norm_then_relu():
    half = autograd.randn(4, 3, 2, 2).half()
    out = F.batch_norm_relu(half, None, None, training=True)
    assert out.dtype == autograd.float16
    assert (out.float().numpy() >= 0).all()
    with pytest.raises(RuntimeError, match=r"batch_norm: input of shape \(2, 3\) has 3 channels"):
        F.batch_norm_relu(autograd.randn(2, 3), None, None, weight=autograd.ones(4), training=True)
    with pytest.raises(ValueError, match="batch_norm: expected more than 1 value per channel"):
        F.batch_norm_relu(autograd.randn(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match="running_mean and running_var are needed"):
        F.batch_norm_relu(autograd.randn(2, 3), None, None, training=False)
    with pytest.raises(TypeError, match="batch_norm"):
        F.batch_norm_relu(np.ones((2, 3)), None, None, training=True)
