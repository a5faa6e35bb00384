"""Module 04: ``LayerNorm`` and ``BatchNorm1d`` — formulas, fused gradients, running statistics, modes."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from hypothesis import given, settings
from hypothesis import strategies as st
from tt_nn import functional as F
from tt_nn.functional.normalization import BatchNormFunction


def _normalise(x: np.ndarray, axes: tuple[int, ...], eps: float) -> np.ndarray:
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)  # biased, as in the forward pass
    return (x - mean) / np.sqrt(var + eps)


# ----------------------------------------------------------------- LayerNorm
def test_layer_norm_matches_the_formula(rng, check):
    x = rng.standard_normal((2, 3, 4)) * 3 + 1
    norm = nn.LayerNorm(4).double()
    with autograd.no_grad():
        norm.weight.copy_(autograd.tensor(rng.standard_normal(4)))
        norm.bias.copy_(autograd.tensor(rng.standard_normal(4)))
    w, b = norm.weight.detach().numpy(), norm.bias.detach().numpy()
    check(norm(autograd.tensor(x)), _normalise(x, (2,), 1e-5) * w + b, rtol=1e-10)
    two = nn.LayerNorm((3, 4), eps=1e-3, elementwise_affine=False).double()
    check(two(autograd.tensor(x)), _normalise(x, (1, 2), 1e-3), rtol=1e-10)


def test_layer_norm_parameters_state_and_repr():
    norm = nn.LayerNorm(8)
    np.testing.assert_array_equal(norm.weight.detach().numpy(), np.ones(8))
    np.testing.assert_array_equal(norm.bias.detach().numpy(), np.zeros(8))
    assert list(norm.state_dict()) == ["weight", "bias"]
    assert repr(norm) == "LayerNorm((8,), eps=1e-05, elementwise_affine=True, bias=True)"
    assert list(nn.LayerNorm(8, elementwise_affine=False).state_dict()) == []
    no_bias = nn.LayerNorm(8, bias=False)
    assert no_bias.bias is None and list(no_bias.state_dict()) == ["weight"]


@pytest.mark.parametrize(
    ("shape", "normalized"), [((4, 5), (5,)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)), ((6,), (6,))]
)
def test_layer_norm_gradients(shape, normalized, leaf, check_grad):
    x = leaf(*shape, scale=2.0)
    check_grad(lambda x, w, b: F.layer_norm(x, normalized, w, b), x, leaf(*normalized), leaf(*normalized))
    check_grad(lambda x: F.layer_norm(x, normalized), x)


def test_layer_norm_is_one_fused_node_and_errors_name_shapes():
    norm = nn.LayerNorm(4)
    x = autograd.randn(2, 4, requires_grad=True)
    assert norm(x).grad_fn.name() == "NativeLayerNormBackward0"
    with pytest.raises(
        RuntimeError, match=r"layer_norm: input of shape \(2, 5\) does not end in normalized_shape \(4,\)"
    ):
        norm(autograd.randn(2, 5))
    with pytest.raises(RuntimeError, match=r"weight must have shape \(4,\)"):
        F.layer_norm(autograd.randn(2, 4), 4, weight=autograd.ones(3))


# ----------------------------------------------------------------- BatchNorm1d
def test_batch_norm_buffers_and_state_dict_keys():
    bn = nn.BatchNorm1d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    np.testing.assert_array_equal(bn.running_mean.numpy(), np.zeros(3))
    np.testing.assert_array_equal(bn.running_var.numpy(), np.ones(3))
    assert bn.num_batches_tracked.item() == 0 and bn.num_batches_tracked.dtype == autograd.int64
    assert (
        repr(bn)
        == "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    )
    plain = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert list(plain.state_dict()) == [] and list(plain.parameters()) == []


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
def test_batch_norm_training_uses_batch_statistics(shape, rng, check):
    x = rng.standard_normal(shape) * 2 + 3
    bn = nn.BatchNorm1d(3).double()
    with autograd.no_grad():
        bn.weight.copy_(autograd.tensor([1.0, 2.0, 0.5]))
        bn.bias.copy_(autograd.tensor([0.0, -1.0, 1.0]))
    axes = (0,) if x.ndim == 2 else (0, 2)
    expected = _normalise(x, axes, 1e-5) * bn.weight.detach().numpy().reshape(-1, *[1] * (x.ndim - 2))
    expected += bn.bias.detach().numpy().reshape(-1, *[1] * (x.ndim - 2))
    check(bn(autograd.tensor(x)), expected, rtol=1e-10)


def test_running_statistics_after_one_step_computed_by_hand(rng):
    x = rng.standard_normal((6, 2, 4)) * np.array([1.0, 3.0])[:, None] + np.array([-2.0, 5.0])[:, None]
    bn = nn.BatchNorm1d(2, momentum=0.25).double()
    bn(autograd.tensor(x))
    values = x.transpose(1, 0, 2).reshape(2, -1)  # channel, every (n, l)
    m = values.shape[1]
    mean, unbiased = values.mean(axis=1), values.var(axis=1) * m / (m - 1)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.75 * 0 + 0.25 * mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.75 * 1 + 0.25 * unbiased, rtol=1e-12)
    assert bn.num_batches_tracked.item() == 1
    bn(autograd.tensor(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.75 * 0.25 * mean + 0.25 * mean, rtol=1e-12)
    assert bn.num_batches_tracked.item() == 2


def test_momentum_none_is_a_cumulative_average(rng):
    bn = nn.BatchNorm1d(2, momentum=None).double()
    batches = [rng.standard_normal((5, 2)) + i for i in range(3)]
    for batch in batches:
        bn(autograd.tensor(batch))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([b.mean(axis=0) for b in batches], axis=0))
    assert bn.num_batches_tracked.item() == 3


def test_eval_mode_uses_running_statistics_and_leaves_them_alone(rng, check):
    bn = nn.BatchNorm1d(2).double()
    with autograd.no_grad():
        bn.running_mean.copy_(autograd.tensor([1.0, -1.0]))
        bn.running_var.copy_(autograd.tensor([4.0, 0.25]))
    bn.eval()
    x = rng.standard_normal((3, 2))
    check(bn(autograd.tensor(x)), (x - [1.0, -1.0]) / np.sqrt(np.array([4.0, 0.25]) + 1e-5), rtol=1e-12)
    np.testing.assert_array_equal(bn.running_mean.numpy(), [1.0, -1.0])
    assert bn.num_batches_tracked.item() == 0
    check(
        bn(autograd.tensor(x[:1])),
        ((x[:1] - [1.0, -1.0]) / np.sqrt(np.array([4.0, 0.25]) + 1e-5)),
        rtol=1e-12,
    )


def test_without_running_stats_batch_statistics_are_used_in_eval_too(rng, check):
    bn = nn.BatchNorm1d(2, track_running_stats=False).double().eval()
    x = rng.standard_normal((5, 2))
    check(bn(autograd.tensor(x)), _normalise(x, (0,), 1e-5), rtol=1e-10)
    assert bn.running_mean is None


def test_tracking_switched_off_after_training_keeps_the_buffers_as_pytorch_does(rng, check):
    # PyTorch: with buffers but track_running_stats=False, eval still normalises with the
    # buffers and training neither reads nor updates them (nor counts the batch).
    bn = nn.BatchNorm1d(2).double()
    bn(autograd.tensor(rng.standard_normal((6, 2)) * 2 + 1))
    mean, var = bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()
    bn.track_running_stats = False
    x = rng.standard_normal((3, 2))
    check(bn.eval()(autograd.tensor(x)), (x - mean) / np.sqrt(var + 1e-5), rtol=1e-12)
    check(bn.train()(autograd.tensor(x)), _normalise(x, (0,), 1e-5), rtol=1e-10)
    np.testing.assert_array_equal(bn.running_mean.numpy(), mean)
    np.testing.assert_array_equal(bn.running_var.numpy(), var)
    assert bn.num_batches_tracked.item() == 1


@pytest.mark.parametrize("shape", [(5, 3), (3, 3, 4), (2, 3, 1)])
def test_batch_norm_gradients_in_training_mode(shape, leaf, check_grad):
    x = leaf(*shape, scale=2.0)
    check_grad(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), x, leaf(3), leaf(3))
    bn = nn.BatchNorm1d(3).double()
    check_grad(bn, x)
    check_grad(lambda x: F.batch_norm(x, None, None, training=True), x)


def test_batch_norm_gradients_in_eval_mode(leaf, check_grad):
    bn = nn.BatchNorm1d(3).double()
    with autograd.no_grad():
        bn.running_mean.copy_(autograd.tensor([0.5, -0.2, 1.0]))
        bn.running_var.copy_(autograd.tensor([2.0, 0.5, 1.5]))
    bn.eval()
    check_grad(bn, leaf(4, 3))
    check_grad(
        lambda x, w, b: F.batch_norm(x, bn.running_mean, bn.running_var, w, b), leaf(4, 3), leaf(3), leaf(3)
    )


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 5)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_gradcheck_every_mode(shape, training, affine, leaf, check_grad, rng):
    """float64 gradcheck of the one kernel: (N, C), (N, C, L) and (N, C, H, W); both modes; γ, β or not."""
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    params = [leaf(3), leaf(3)] if affine else []

    def bn(x, *weight_bias):
        stats = (
            autograd.tensor(mean.copy()),
            autograd.tensor(var.copy()),
        )  # fresh: training updates them in place
        return F.batch_norm(x, *stats, *(weight_bias or (None, None)), training=training)

    check_grad(bn, leaf(*shape, scale=2.0), *params)


def test_batch_norm_reads_a_channels_last_input_like_a_contiguous_one(rng):
    """Vision layers hand over (N, C, H, W) views of (N, H, W, C) arrays; the kernel must not care."""
    nhwc = rng.standard_normal((3, 4, 5, 2)) * 3 + 1
    last = autograd.tensor(nhwc).permute(0, 3, 1, 2)  # channels-last strides under the NCHW shape
    first = autograd.tensor(np.ascontiguousarray(nhwc.transpose(0, 3, 1, 2)))
    w, b = autograd.tensor(rng.standard_normal(2)), autograd.tensor(rng.standard_normal(2))
    for training in (True, False):
        stats = [autograd.zeros(2, dtype=autograd.float64), autograd.ones(2, dtype=autograd.float64)]
        one = F.batch_norm(last, *stats, w, b, training=training).numpy()
        stats = [autograd.zeros(2, dtype=autograd.float64), autograd.ones(2, dtype=autograd.float64)]
        two = F.batch_norm(first, *stats, w, b, training=training).numpy()
        np.testing.assert_allclose(one, two, rtol=1e-12, atol=1e-12)
    scale, shift = w.numpy()[:, None, None], b.numpy()[:, None, None]
    expected = _normalise(first.numpy(), (0, 2, 3), 1e-5) * scale + shift
    out = F.batch_norm(last, None, None, w, b, training=True)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradients_do_not_depend_on_memory_layouts(training, rng):
    """Input stored channels-last or channels-first, upstream gradient stored either way: same gradients."""
    nhwc = rng.standard_normal((3, 4, 5, 2))
    upstream = rng.standard_normal((3, 2, 4, 5))
    results = []
    for x_last in (True, False):
        for g_last in (True, False):
            data = nhwc.transpose(0, 3, 1, 2) if x_last else np.ascontiguousarray(nhwc.transpose(0, 3, 1, 2))
            x = autograd.tensor(data, requires_grad=True)
            w = autograd.ones(2, dtype=autograd.float64, requires_grad=True)
            b = autograd.zeros(2, dtype=autograd.float64, requires_grad=True)
            stats = [autograd.tensor([0.5, -1.0]), autograd.tensor([2.0, 0.5])]
            channels_last = np.ascontiguousarray(upstream.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
            g = autograd.tensor(channels_last if g_last else upstream)
            F.batch_norm(x, *stats, w * 1.5, b + 0.25, training=training).backward(g)
            results.append([x.grad.numpy(), w.grad.numpy(), b.grad.numpy()])
    for other in results[1:]:
        for got, expected in zip(other, results[0]):
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_batch_norm_parameters_get_gradients_and_one_node():
    bn = nn.BatchNorm1d(3)
    out = bn(autograd.randn(4, 3))
    assert isinstance(out.grad_fn, BatchNormFunction)  # one fused node, the one batch-norm kernel
    out.sum().backward()
    assert bn.weight.grad is not None and bn.bias.grad is not None
    np.testing.assert_allclose(bn.bias.grad.numpy(), [4.0, 4.0, 4.0])


def test_batch_norm_errors_name_the_shapes():
    bn = nn.BatchNorm1d(4)
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4\): input of shape \(2, 3\) has 3 channels"):
        bn(autograd.randn(2, 3))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input"):
        bn(autograd.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match="more than 1 value per channel when training"):
        bn(autograd.randn(1, 4))
    bn.eval()
    assert bn(autograd.randn(1, 4)).shape == (1, 4)  # a single sample is fine in evaluation
    with pytest.raises(
        RuntimeError, match=r"batch_norm: input of shape \(2, 3\) has 3 channels \(dim 1\), but weight"
    ):
        F.batch_norm(autograd.randn(2, 3), None, None, weight=autograd.ones(4), training=True)
    with pytest.raises(
        ValueError, match=r"batch_norm: expected an input of shape \(N, C, \*\), got shape \(3,\)"
    ):
        F.batch_norm(autograd.randn(3), None, None, training=True)
    for mean, var in ((None, None), (autograd.zeros(3), None), (None, autograd.ones(3))):
        with pytest.raises(ValueError, match="running_mean and running_var are needed when training=False"):
            F.batch_norm(autograd.randn(2, 3), mean, var, training=False)


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    n=st.integers(2, 4),
    channels=st.integers(1, 3),
    length=st.sampled_from([None, 1, 3]),
    seed=st.integers(0, 2**16),
)
def test_batch_norm_training_gradients_on_hypothesis_shapes(n, channels, length, seed):
    rng = np.random.default_rng(seed)
    shape = (n, channels) if length is None else (n, channels, length)
    x = autograd.tensor(rng.standard_normal(shape) * 2, requires_grad=True)
    w, b = (autograd.tensor(rng.standard_normal(channels), requires_grad=True) for _ in range(2))
    running = (
        autograd.zeros(channels, dtype=autograd.float64),
        autograd.ones(channels, dtype=autograd.float64),
    )
    assert autograd.gradcheck(
        lambda x, w, b: F.batch_norm(x, *running, w, b, training=True, momentum=0.0), [x, w, b]
    )


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    lead=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    normalized=st.lists(st.integers(2, 4), min_size=1, max_size=2),
    seed=st.integers(0, 2**16),
)
def test_layer_norm_gradients_on_hypothesis_shapes(lead, normalized, seed):
    rng = np.random.default_rng(seed)
    x = autograd.tensor(rng.standard_normal((*lead, *normalized)), requires_grad=True)
    w, b = (autograd.tensor(rng.standard_normal(normalized), requires_grad=True) for _ in range(2))
    assert autograd.gradcheck(lambda x, w, b: F.layer_norm(x, normalized, w, b), [x, w, b])


def test_layer_norm_over_an_empty_trailing_shape_is_empty_like_pytorch():
    x = autograd.tensor(np.zeros((3, 0)), requires_grad=True)
    out = F.layer_norm(x, (0,))
    assert out.shape == (3, 0)
    out.sum().backward()
    assert x.grad.shape == (3, 0)
