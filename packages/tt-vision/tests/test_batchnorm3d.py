"""``BatchNorm3d``: batch normalisation of volumes (N, C, D, H, W), against a NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.functional import batch_norm
from tt_vision import BatchNorm2d, BatchNorm3d


def volume(rng, *shape, dtype=autograd.float64, requires_grad=False):
    return autograd.tensor(rng.standard_normal(shape) * 2 + 1, dtype=dtype, requires_grad=requires_grad)


def test_training_normalises_each_channel_over_batch_and_volume_and_updates_running_stats():
    rng = np.random.default_rng(0)
    bn = BatchNorm3d(3, momentum=0.2)
    with autograd.no_grad():
        bn.weight.copy_(autograd.tensor([1.0, 2.0, 0.5]))
        bn.bias.copy_(autograd.tensor([0.0, -1.0, 3.0]))
    x = volume(rng, 4, 3, 2, 5, 6, dtype=autograd.float32)
    y = bn(x).detach().numpy()
    xv = x.numpy().astype(np.float64)
    mean = xv.mean(axis=(0, 2, 3, 4), keepdims=True)
    var = xv.var(axis=(0, 2, 3, 4), keepdims=True)
    expected = (xv - mean) / np.sqrt(var + 1e-5) * np.array([1.0, 2.0, 0.5]).reshape(1, 3, 1, 1, 1)
    expected += np.array([0.0, -1.0, 3.0]).reshape(1, 3, 1, 1, 1)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
    count = 4 * 2 * 5 * 6
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.2 * mean.ravel(), rtol=1e-5)
    np.testing.assert_allclose(
        bn.running_var.numpy(), 0.8 + 0.2 * var.ravel() * count / (count - 1), rtol=1e-5
    )
    assert int(bn.num_batches_tracked.numpy()) == 1


def test_evaluation_uses_the_running_statistics():
    rng = np.random.default_rng(1)
    bn = BatchNorm3d(2)
    with autograd.no_grad():
        bn.running_mean.copy_(autograd.tensor([0.5, -1.0]))
        bn.running_var.copy_(autograd.tensor([4.0, 0.25]))
    bn.eval()
    x = volume(rng, 2, 2, 3, 3, 3, dtype=autograd.float32)
    expected = (x.numpy() - np.array([0.5, -1.0]).reshape(1, 2, 1, 1, 1)) / np.sqrt(
        np.array([4.0, 0.25]).reshape(1, 2, 1, 1, 1) + 1e-5
    )
    np.testing.assert_allclose(bn(x).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_gradients_match_central_differences():
    rng = np.random.default_rng(2)
    bn = BatchNorm3d(2).double()
    with autograd.no_grad():
        bn.weight.copy_(autograd.tensor([1.5, -0.5]))
        bn.bias.copy_(autograd.tensor([0.2, 0.3]))
    x = volume(rng, 3, 2, 2, 3, 2, requires_grad=True)
    assert autograd.gradcheck(lambda t: bn(t), [x])  # gradcheck weights the output at random itself
    assert autograd.gradcheck(
        lambda w, b: batch_norm(x, None, None, w, b, training=True), [bn.weight, bn.bias]
    )


def test_a_channels_last_volume_gives_the_same_result():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4, 5, 6)).astype(np.float32)
    stored_last = np.ascontiguousarray(x.transpose(0, 2, 3, 4, 1)).transpose(0, 4, 1, 2, 3)
    a, b = BatchNorm3d(3), BatchNorm3d(3)
    plain, last = a(autograd.tensor(x)), b(autograd.Tensor.from_array(stored_last))
    np.testing.assert_allclose(plain.detach().numpy(), last.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(2, 3, 4, 4), (2, 3), (1, 3, 2, 2, 2, 2)])
def test_input_that_is_not_a_volume_is_refused(shape):
    with pytest.raises(ValueError, match=r"BatchNorm3d: expected a 5-d input \(N, C, D, H, W\), got shape"):
        BatchNorm3d(3)(autograd.zeros(*shape))


def test_state_dict_and_repr_are_pytorchs_and_it_is_no_batchnorm2d():
    bn = BatchNorm3d(4, eps=1e-3, affine=False)
    assert not isinstance(bn, BatchNorm2d)  # 2-d fusions (tt-perf's) must not take it
    assert sorted(bn.state_dict()) == ["num_batches_tracked", "running_mean", "running_var"]
    assert (
        repr(bn)
        == "BatchNorm3d(4, eps=0.001, momentum=0.1, affine=False, bias=False, track_running_stats=True)"
    )
