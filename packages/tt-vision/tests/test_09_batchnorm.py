"""Module 09: ``batch_norm`` and ``BatchNorm2d`` — statistics, running averages, gradients in both modes."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as ag
from tt_vision import BatchNorm2d
from tt_vision import functional as F


def _normalised(x, eps=1e-5):
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


def test_training_forward_and_running_stats(rng):
    x = rng.standard_normal((4, 3, 5, 5)) * 2 + 1
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    rm, rv = ag.zeros(3, dtype=ag.float64), ag.ones(3, dtype=ag.float64)
    out = F.batch_norm(ag.tensor(x), rm, rv, ag.tensor(w), ag.tensor(b), training=True, momentum=0.1)
    expected = _normalised(x) * w[None, :, None, None] + b[None, :, None, None]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-10)
    m = 4 * 5 * 5
    np.testing.assert_allclose(rm.numpy(), 0.1 * x.mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(rv.numpy(), 0.9 + 0.1 * x.var(axis=(0, 2, 3)) * m / (m - 1))


def test_eval_forward_uses_running_stats(rng):
    x = rng.standard_normal((2, 3, 4, 4))
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    out = F.batch_norm(ag.tensor(x), ag.tensor(rm), ag.tensor(rv), ag.tensor(w), ag.tensor(b), training=False)
    shape = (1, 3, 1, 1)
    expected = (x - rm.reshape(shape)) / np.sqrt(rv.reshape(shape) + 1e-5) * w.reshape(shape) + b.reshape(
        shape
    )
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_gradients(training, affine, leaf, check_grad, rng):
    x = leaf(3, 2, 3, 4)
    rm, rv = ag.tensor(rng.standard_normal(2)), ag.tensor(rng.uniform(0.5, 2, 2))
    params = [leaf(2), leaf(2)] if affine else []

    def bn(x, *wb):
        stats = (
            ag.tensor(rm.numpy().copy()),
            ag.tensor(rv.numpy().copy()),
        )  # updates must not leak between calls
        return F.batch_norm(x, *stats, *(wb or (None, None)), training=training)

    check_grad(bn, x, *params)


def test_gradients_of_other_shapes(leaf, check_grad):
    """(N, C) and (N, C, L) inputs normalise over every axis but 1, as in PyTorch."""
    check_grad(lambda x, w: F.batch_norm(x, None, None, w, None, training=True), leaf(6, 3), leaf(3))
    check_grad(lambda x: F.batch_norm(x, None, None, training=True), leaf(3, 2, 4))


def test_float32_statistics_are_accurate(rng):
    x = (rng.standard_normal((64, 8, 16, 16)) * 3 + 100).astype(np.float32)
    out = F.batch_norm(ag.tensor(x), None, None, training=True).numpy()
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=2e-3)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1, atol=2e-3)


def test_one_kernel_for_every_batch_norm():
    """BatchNorm2d, BatchNorm1d and both functional names run tt-nn's one batch-norm Function."""
    import tt_nn
    from tt_nn.functional.normalization import BatchNormFunction

    assert F.batch_norm is tt_nn.functional.batch_norm
    x = ag.randn(2, 3, 4, 4)
    assert isinstance(BatchNorm2d(3)(x).grad_fn, BatchNormFunction)
    assert isinstance(tt_nn.BatchNorm1d(3)(x.reshape(2, 3, 16)).grad_fn, BatchNormFunction)


def test_module_state_and_modes(rng):
    bn = BatchNorm2d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    x = ag.tensor((rng.standard_normal((4, 3, 5, 5)) * 2 + 3).astype(np.float32))
    bn(x)
    bn(x)
    assert int(bn.num_batches_tracked.numpy()) == 2
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.19 * x.numpy().mean(axis=(0, 2, 3)), rtol=1e-4)
    bn.eval()
    before = bn.running_mean.numpy().copy()
    out = bn(x)
    np.testing.assert_array_equal(bn.running_mean.numpy(), before)
    assert out.dtype == ag.float32


def test_cumulative_average_and_no_tracking(rng):
    bn = BatchNorm2d(2, momentum=None)
    xs = [ag.tensor(rng.standard_normal((2, 2, 3, 3)).astype(np.float32)) for _ in range(3)]
    for x in xs:
        bn(x)
    mean = np.mean([x.numpy().mean(axis=(0, 2, 3)) for x in xs], axis=0)
    np.testing.assert_allclose(bn.running_mean.numpy(), mean, rtol=1e-5)
    plain = BatchNorm2d(2, affine=False, track_running_stats=False)
    assert list(plain.state_dict()) == []
    plain.eval()
    np.testing.assert_allclose(
        plain(xs[0]).numpy().mean(axis=(0, 2, 3)), 0, atol=1e-5
    )  # batch stats even in eval


def test_module_gradients_reach_weight_and_bias(rng):
    bn = BatchNorm2d(3).double()
    x = ag.tensor(rng.standard_normal((2, 3, 4, 4)), requires_grad=True)
    (bn(x) * ag.tensor(rng.standard_normal((2, 3, 4, 4)))).sum().backward()
    assert bn.weight.grad.shape == (3,) and bn.bias.grad.shape == (3,) and x.grad.shape == (2, 3, 4, 4)


def test_bias_off_and_repr():
    bn = BatchNorm2d(4, bias=False)
    assert list(bn.state_dict()) == ["weight", "running_mean", "running_var", "num_batches_tracked"]
    assert (
        repr(bn)
        == "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=False, track_running_stats=True)"
    )
    assert bn(ag.randn(2, 4, 3, 3)).shape == (2, 4, 3, 3)


def test_errors(rng):
    with pytest.raises(ValueError, match="4-d"):
        BatchNorm2d(3)(ag.tensor(rng.standard_normal((2, 3))))
    with pytest.raises(ValueError, match="more than 1 value"):
        F.batch_norm(ag.tensor(rng.standard_normal((1, 3, 1, 1))), None, None, training=True)
    with pytest.raises(RuntimeError, match=r"has 3 channels \(dim 1\), but running_mean has shape \(4,\)"):
        F.batch_norm(ag.tensor(rng.standard_normal((2, 3, 2, 2))), ag.zeros(4), ag.ones(4))
