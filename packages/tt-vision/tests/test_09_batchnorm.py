"""Module 09: ``BatchNorm2d`` — statistics, running averages, gradients in both modes (tt-nn's kernel)."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import BatchNorm2d
from tt_vision import functional as F


def _normalised(x, eps=1e-5):
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


def _bn(rng, channels, affine=True, dtype=np.float64):
    """A BatchNorm2d with random weight and bias (if affine) in ``dtype``."""
    bn = BatchNorm2d(channels, affine=affine)
    bn = bn.double() if dtype == np.float64 else bn
    if affine:
        with autograd.no_grad():
            bn.weight.copy_(autograd.tensor(rng.standard_normal(channels).astype(dtype)))
            bn.bias.copy_(autograd.tensor(rng.standard_normal(channels).astype(dtype)))
    return bn


def test_training_forward_and_running_stats(rng):
    x = rng.standard_normal((4, 3, 5, 5)) * 2 + 1
    bn = _bn(rng, 3)
    out = bn(autograd.tensor(x))
    w, b = bn.weight.detach().numpy(), bn.bias.detach().numpy()
    expected = _normalised(x) * w[None, :, None, None] + b[None, :, None, None]
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-10)
    m = 4 * 5 * 5
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * x.mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * x.var(axis=(0, 2, 3)) * m / (m - 1))


def test_eval_forward_uses_running_stats(rng):
    x = rng.standard_normal((2, 3, 4, 4))
    bn = _bn(rng, 3)
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    with autograd.no_grad():
        bn.running_mean.copy_(autograd.tensor(rm))
        bn.running_var.copy_(autograd.tensor(rv))
    out = bn.eval()(autograd.tensor(x))
    shape = (1, 3, 1, 1)
    w, b = bn.weight.detach().numpy().reshape(shape), bn.bias.detach().numpy().reshape(shape)
    expected = (x - rm.reshape(shape)) / np.sqrt(rv.reshape(shape) + 1e-5) * w + b
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_gradients(training, affine, leaf, check_grad, rng):
    bn = _bn(rng, 2, affine=affine)
    with autograd.no_grad():
        bn.running_mean.copy_(autograd.tensor(rng.standard_normal(2)))
        bn.running_var.copy_(autograd.tensor(rng.uniform(0.5, 2, 2)))
    bn.train(training)
    saved = {k: v.numpy().copy() for k, v in bn.state_dict().items() if k.startswith("running")}

    def run(x):
        with autograd.no_grad():  # each call starts from the same running statistics
            for name, value in saved.items():
                getattr(bn, name).copy_(autograd.tensor(value))
        return bn(x)

    check_grad(run, leaf(3, 2, 3, 4))


def test_float32_images_in_a_cnn_are_normalised_accurately(rng):
    """BatchNorm2d after a convolution: channels-last float32 activations, far from zero."""
    from tt_vision import Conv2d

    conv = Conv2d(3, 8, 3, padding=1)
    x = autograd.tensor((rng.standard_normal((16, 3, 12, 12)) * 3 + 100).astype(np.float32))
    with autograd.no_grad():
        out = BatchNorm2d(8)(conv(x)).numpy()
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=2e-3)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1, atol=2e-3)


def test_one_kernel_for_every_batch_norm():
    """BatchNorm2d, BatchNorm1d and both functional names run tt-nn's one batch-norm Function."""
    import tt_nn
    from tt_nn.functional.normalization import BatchNormFunction

    assert F.batch_norm is tt_nn.functional.batch_norm
    x = autograd.randn(2, 3, 4, 4)
    assert isinstance(BatchNorm2d(3)(x).grad_fn, BatchNormFunction)
    assert isinstance(tt_nn.BatchNorm1d(3)(x.reshape(2, 3, 16)).grad_fn, BatchNormFunction)


def test_module_state_and_modes(rng):
    bn = BatchNorm2d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    x = autograd.tensor((rng.standard_normal((4, 3, 5, 5)) * 2 + 3).astype(np.float32))
    bn(x)
    bn(x)
    assert int(bn.num_batches_tracked.numpy()) == 2
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.19 * x.numpy().mean(axis=(0, 2, 3)), rtol=1e-4)
    bn.eval()
    before = bn.running_mean.numpy().copy()
    out = bn(x)
    np.testing.assert_array_equal(bn.running_mean.numpy(), before)
    assert out.dtype == autograd.float32


def test_cumulative_average_and_no_tracking(rng):
    bn = BatchNorm2d(2, momentum=None)
    xs = [autograd.tensor(rng.standard_normal((2, 2, 3, 3)).astype(np.float32)) for _ in range(3)]
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
    x = autograd.tensor(rng.standard_normal((2, 3, 4, 4)), requires_grad=True)
    (bn(x) * autograd.tensor(rng.standard_normal((2, 3, 4, 4)))).sum().backward()
    assert bn.weight.grad.shape == (3,) and bn.bias.grad.shape == (3,) and x.grad.shape == (2, 3, 4, 4)


def test_bias_off_and_repr():
    bn = BatchNorm2d(4, bias=False)
    assert list(bn.state_dict()) == ["weight", "running_mean", "running_var", "num_batches_tracked"]
    assert (
        repr(bn)
        == "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=False, track_running_stats=True)"
    )
    assert bn(autograd.randn(2, 4, 3, 3)).shape == (2, 4, 3, 3)


def test_errors(rng):
    with pytest.raises(ValueError, match="4-d"):
        BatchNorm2d(3)(autograd.tensor(rng.standard_normal((2, 3))))
    with pytest.raises(ValueError, match="4-d"):
        BatchNorm2d(3)(autograd.tensor(rng.standard_normal((2, 3, 4))))
    with pytest.raises(ValueError, match="more than 1 value"):
        BatchNorm2d(3)(autograd.tensor(rng.standard_normal((1, 3, 1, 1))))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(4\): input of shape \(2, 3, 2, 2\) has 3 channels"):
        BatchNorm2d(4)(autograd.tensor(rng.standard_normal((2, 3, 2, 2))))
