"""``BatchNormReLUMaxPool2d``: batch norm, ReLU and a 2×2 max-pool as one node, equal to the three nodes."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
import tt_tensor
from tt_vision import BatchNorm2d, BatchNormReLUMaxPool2d, Conv2d, MaxPool2d, fuse_batch_norm_relu
from tt_vision.batch_norm_relu_pool import batch_norm_relu_max_pool2d


def _three(c: int, momentum=0.1) -> nn.Sequential:
    return nn.Sequential(BatchNorm2d(c, momentum=momentum), nn.ReLU(), MaxPool2d(2))


def _pair(c: int, rng, dtype=np.float64, training: bool = True, momentum=0.1, positive: bool = False):
    """The three nodes and the fused layer with the same (random) parameters and running statistics.

    ``positive``: every weight > 0 (the fused kernel then pools first), else of either sign.
    """
    plain = _three(c, momentum)
    for name in ("weight", "bias", "running_mean"):
        values = rng.standard_normal(c) * (0.2 if name == "running_mean" else 1.0)
        if name == "weight" and positive:
            values = np.abs(values) + 0.1
        getattr(plain[0], name).detach().numpy()[...] = values
    plain[0].running_var.numpy()[...] = rng.random(c) + 0.5
    fused = _three(c, momentum)
    fused.load_state_dict(plain.state_dict())
    assert fuse_batch_norm_relu(fused) == 1
    nets = (plain, fused)
    for net in nets:
        (net.double() if dtype == np.float64 else net.float()).train(training)
    return nets


def _channels_last(rng, n, c, h, w, dtype):
    """An (N, C, H, W) tensor stored channels-last (as a convolution's output is), requiring grad."""
    leaf = autograd.tensor((rng.standard_normal((n, h, w, c)) * 2 + 0.3).astype(dtype), requires_grad=True)
    return leaf, leaf.permute(0, 3, 1, 2)


def _run(net, leaf, x, dy):
    out = net(x)
    (out * dy).sum().backward()
    norm = net[0]
    result = [out.detach().numpy(), leaf.grad.numpy().copy(), norm.weight.grad.numpy()]
    result += [norm.bias.grad.numpy(), norm.running_mean.numpy().copy(), norm.running_var.numpy().copy()]
    leaf.grad = None
    return result


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("size", [(6, 5, 4, 6), (64, 32, 16, 16), (3, 7, 2, 2)])
def test_equals_batch_norm_relu_max_pool_in_a_row(size, dtype, training, positive, rng):
    n, c, h, w = size
    plain, fused = _pair(c, rng, dtype, training, positive=positive)
    leaf, x = _channels_last(rng, n, c, h, w, dtype)
    dy = autograd.tensor(rng.standard_normal((n, c, h // 2, w // 2)).astype(dtype))
    expected = _run(plain, leaf, x, dy)
    got = _run(fused, leaf, x, dy)
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-5)
    for name, a, b in zip(("output", "dx", "dweight", "dbias", "running mean", "running var"), got, expected):
        scale = max(1.0, float(np.abs(b).max()))
        np.testing.assert_allclose(a, b, err_msg=name, rtol=tol["rtol"], atol=tol["atol"] * scale)
    assert type(fused[0]).__name__ == "BatchNormReLUMaxPool2d"
    assert fused[0](x).grad_fn.name() == "BatchNormReLUMaxPoolBackward0"


@pytest.mark.parametrize("training", [True, False])
def test_gradients_match_finite_differences(training, leaf, check_grad, rng):
    stats = (rng.standard_normal(3) * 0.1, rng.random(3) + 0.5)

    def fn(x, weight, bias):  # x is NHWC (channels-last storage); fresh running statistics each call
        running = [autograd.tensor(s) for s in stats]
        return batch_norm_relu_max_pool2d(x.permute(0, 3, 1, 2), *running, weight, bias, training=training)

    check_grad(fn, leaf(2, 4, 6, 3, low=-2.0, high=2.0), leaf(3, low=0.5, high=1.5), leaf(3))


def _window_gradient(window: list[list[float]], weight: float | None = None, bias: float = 0.0) -> np.ndarray:
    """The input gradient of one 2×2 window (one channel, evaluation mode: batch norm is the identity).

    With ``weight``, the layer is affine: ``x·weight + bias`` before the ReLU.
    """
    layer = BatchNormReLUMaxPool2d(1, affine=weight is not None).double().eval()
    if weight is not None:
        layer.weight.detach().numpy()[...] = weight
        layer.bias.detach().numpy()[...] = bias
    x = autograd.tensor(np.array(window, dtype=np.float64)[None, None], requires_grad=True)
    layer(x).sum().backward()
    return x.grad.numpy()[0, 0]


@pytest.mark.parametrize(
    "window, chosen",
    [
        ([[1.0, 3.0], [3.0, 0.0]], (0, 1)),  # tie across rows and columns: the first in scan order
        ([[3.0, 1.0], [0.0, 3.0]], (0, 0)),
        ([[0.0, 1.0], [3.0, 3.0]], (1, 0)),
        ([[2.0, 2.0], [2.0, 2.0]], (0, 0)),
        ([[1.0, 2.0], [0.5, 0.0]], (0, 1)),
        ([[1.0, 0.0], [0.5, 2.0]], (1, 1)),
    ],
)
def test_the_gradient_goes_to_the_first_maximum_in_scan_order(window, chosen):
    expected = np.zeros((2, 2))
    expected[chosen] = 1 / np.sqrt(1 + 1e-5)  # evaluation-mode batch norm with its default eps
    np.testing.assert_allclose(_window_gradient(window), expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    "window, weight, bias, chosen",
    [
        ([[1.0, 3.0], [2.0, 0.0]], -1.0, 5.0, (1, 1)),  # a negative scale: the maximum is at x's minimum
        ([[1.0, 3.0], [3.0, 4.0]], -1.0, 5.0, (0, 0)),
        ([[1.0, 3.0], [2.0, 0.0]], 2.0, -1.0, (0, 1)),  # a positive one: at x's maximum
    ],
)
def test_the_gradient_follows_the_sign_of_the_scale(window, weight, bias, chosen):
    expected = np.zeros((2, 2))
    expected[chosen] = weight / np.sqrt(1 + 1e-5)
    np.testing.assert_allclose(_window_gradient(window, weight, bias), expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("positive", [True, False])
def test_positive_scales_pool_first_and_others_normalize_first(positive, rng, monkeypatch):
    """Which forward kernel runs: pooling first only where every channel's scale is > 0."""
    from tt_vision import batch_norm_relu_pool as kernels

    def refuse(*args, **kwargs):
        raise AssertionError("the other kernel ran")

    monkeypatch.setattr(kernels, "pooled_forward" if positive else "pool_then_normalize", refuse)
    plain, fused = _pair(4, rng, positive=positive)
    fused[0].weight.detach().numpy()[0] = 1.0 if positive else -1.0
    leaf, x = _channels_last(rng, 3, 4, 4, 6, np.float64)
    fused(x).sum().backward()
    assert leaf.grad.shape == (3, 4, 6, 4)


def test_a_window_clipped_to_zero_by_the_relu_passes_no_gradient():
    np.testing.assert_array_equal(_window_gradient([[-1.0, -2.0], [-0.5, -3.0]]), np.zeros((2, 2)))
    np.testing.assert_array_equal(_window_gradient([[-1.0, 0.0], [-0.5, -3.0]]), np.zeros((2, 2)))


def test_fusion_takes_only_a_2x2_stride_2_pool():
    for pool in (MaxPool2d(3), MaxPool2d(2, stride=1), MaxPool2d(2, padding=1), MaxPool2d(2, ceil_mode=True)):
        net = nn.Sequential(BatchNorm2d(3), nn.ReLU(), pool)
        assert fuse_batch_norm_relu(net) == 1
        assert [type(m).__name__ for m in net] == ["BatchNormReLU2d", "Identity", "MaxPool2d"]
    pool = MaxPool2d((2, 2), stride=(2, 2))
    net = nn.Sequential(BatchNorm2d(3), nn.ReLU(), pool, BatchNorm2d(3), nn.ReLU())
    assert fuse_batch_norm_relu(net) == 2
    names = ["BatchNormReLUMaxPool2d", "Identity", "Identity", "BatchNormReLU2d", "Identity"]
    assert [type(m).__name__ for m in net] == names
    net = nn.Sequential(BatchNorm2d(3), nn.ReLU(), MaxPool2d(2))
    assert fuse_batch_norm_relu(net, max_pool=False) == 1
    assert [type(m).__name__ for m in net] == ["BatchNormReLU2d", "Identity", "MaxPool2d"]


def test_fused_layer_keeps_the_parameters_and_state_dict():
    tt_tensor.manual_seed(3)
    net = nn.Sequential(Conv2d(3, 4, 3, padding=1), BatchNorm2d(4), nn.ReLU(), MaxPool2d(2))
    before, weights = net.state_dict(), list(net.parameters())
    fuse_batch_norm_relu(net)
    after = net.state_dict()
    assert list(after) == list(before)
    assert all(np.shares_memory(after[k].numpy(), before[k].numpy()) for k in before)
    assert list(net.parameters()) == weights


def test_an_empty_batch_in_evaluation_mode_gives_an_empty_output():
    layer = BatchNormReLUMaxPool2d(3).eval()
    assert tuple(layer(autograd.zeros(0, 3, 4, 4)).shape) == (0, 3, 2, 2)


def test_odd_sizes_take_the_three_functions(rng):
    x = autograd.tensor(rng.standard_normal((2, 2, 5, 3)), requires_grad=True)
    out = BatchNormReLUMaxPool2d(2).double()(x)
    assert tuple(out.shape) == (2, 2, 2, 1)
    assert out.grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    np.testing.assert_allclose(out.detach().numpy(), _three(2).double()(x).detach().numpy(), rtol=1e-12)


def test_without_a_graph_nothing_is_kept_and_the_result_is_the_same(rng):
    plain, fused = _pair(4, rng, np.float32, training=False)
    x = autograd.tensor(rng.standard_normal((3, 4, 6, 6)).astype(np.float32))
    with autograd.no_grad():
        out = fused(x)
    assert out.grad_fn is None
    np.testing.assert_allclose(out.numpy(), plain(x).detach().numpy(), rtol=1e-6, atol=1e-6)


def test_input_without_grad_still_gives_parameter_gradients(rng):
    plain, fused = _pair(3, rng)
    x = autograd.tensor(rng.standard_normal((4, 3, 4, 4)))
    dy = autograd.tensor(rng.standard_normal((4, 3, 2, 2)))
    for net in (plain, fused):
        (net(x) * dy).sum().backward()
    np.testing.assert_allclose(fused[0].weight.grad.numpy(), plain[0].weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(fused[0].bias.grad.numpy(), plain[0].bias.grad.numpy(), rtol=1e-10)


def test_the_layer_checks_its_input_like_batch_norm_2d():
    layer = BatchNormReLUMaxPool2d(4)
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected a 4-d input \(N, C, H, W\), got shape"):
        layer(autograd.randn(2, 4))
    with pytest.raises(ValueError, match=r"BatchNormReLUMaxPool2d\(4\): input of shape \(2, 3, 2, 2\) has 3"):
        layer(autograd.randn(2, 3, 2, 2))
