"""tt_vision.ops' model blocks (torchvision.ops.misc): layouts, padding, values by hand, gradients.

Layouts and defaults are torchvision 0.28's (``torchvision/ops/misc.py``); values are
checked against NumPy formulas written here. Not course material.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision import BatchNorm2d, BatchNorm3d, Conv2d, Conv3d
from tt_vision.ops import (
    MLP,
    Conv2dNormActivation,
    Conv3dNormActivation,
    FrozenBatchNorm2d,
    Permute,
    SqueezeExcitation,
)
from tt_vision.ops.misc import ConvNormActivation


def values(tensor) -> np.ndarray:
    return tensor.detach().numpy()


def test_conv2d_norm_activation_layout_and_defaults():
    block = Conv2dNormActivation(3, 8, stride=2)
    conv, norm, act = block
    assert isinstance(conv, Conv2d) and isinstance(norm, BatchNorm2d) and isinstance(act, nn.ReLU)
    assert conv.padding == (1, 1) and conv.stride == (2, 2) and conv.bias is None and act.inplace
    assert block.out_channels == 8
    assert list(block.state_dict())[:3] == ["0.weight", "1.weight", "1.bias"]
    assert block(autograd.randn(2, 3, 9, 9)).shape == (2, 8, 5, 5)


@pytest.mark.parametrize(
    ("kernel", "dilation", "padding"),
    [
        (3, 1, (1, 1)),
        (5, 1, (2, 2)),
        (5, 2, (4, 4)),
        (4, 1, (1, 1)),
        ((3, 5), 1, (1, 2)),
        (3, (1, 3), (1, 3)),
        ((4, 2), 1, (1, 0)),
        ((4, 2), (2, 3), (2, 0)),
    ],
)
def test_default_padding_is_half_the_dilated_kernel(kernel, dilation, padding):
    # torchvision: (kernel_size - 1) // 2 * dilation, per dimension
    conv = Conv2dNormActivation(2, 2, kernel_size=kernel, dilation=dilation)[0]
    assert conv.padding == padding


def test_bias_norm_and_activation_options():
    bare = Conv2dNormActivation(2, 4, norm_layer=None, activation_layer=None)
    assert len(bare) == 1 and bare[0].bias is not None  # no norm: the convolution has a bias
    forced = Conv2dNormActivation(2, 4, bias=True)
    assert forced[0].bias is not None and len(forced) == 3
    six = Conv2dNormActivation(2, 4, activation_layer=nn.ReLU6, inplace=None)
    assert isinstance(six[2], nn.ReLU6) and not six[2].inplace
    explicit = Conv2dNormActivation(2, 4, kernel_size=3, padding=0, groups=2)
    assert explicit[0].padding == (0, 0) and explicit[0].weight.shape == (4, 1, 3, 3)


def test_conv3d_norm_activation():
    block = Conv3dNormActivation(2, 4, kernel_size=3, stride=(1, 2, 2))
    assert isinstance(block[0], Conv3d) and isinstance(block[1], BatchNorm3d)
    assert block[0].padding == (1, 1, 1)
    assert block(autograd.randn(1, 2, 3, 6, 6)).shape == (1, 4, 3, 3, 3)


def test_conv_norm_activation_base_warns():
    with pytest.warns(UserWarning, match="use Conv2dNormActivation or Conv3dNormActivation") as record:
        ConvNormActivation(2, 2)
    assert record[0].filename == __file__  # the warning names the line that built it


def test_conv_norm_activation_values_in_eval_mode():
    block = Conv2dNormActivation(2, 3, kernel_size=1).eval()
    with autograd.no_grad():
        block[1].running_mean.copy_(autograd.tensor([0.5, -1.0, 0.0]))
        block[1].running_var.copy_(autograd.tensor([4.0, 1.0, 0.25]))
    x = autograd.randn(2, 2, 3, 3)
    conv = np.einsum("oi,nihw->nohw", values(block[0].weight)[:, :, 0, 0], x.numpy())
    mean, var = np.array([0.5, -1.0, 0.0]), np.array([4.0, 1.0, 0.25])
    expected = np.maximum((conv - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5), 0)
    np.testing.assert_allclose(values(block(x)), expected, rtol=1e-5, atol=1e-6)


def test_squeeze_excitation_by_hand(leaf, check_grad):
    se = SqueezeExcitation(4, 2)
    x = autograd.randn(2, 4, 3, 5)
    w1, b1 = values(se.fc1.weight)[:, :, 0, 0], values(se.fc1.bias)
    w2, b2 = values(se.fc2.weight)[:, :, 0, 0], values(se.fc2.bias)
    pooled = x.numpy().mean(axis=(2, 3))
    gate = 1 / (1 + np.exp(-(np.maximum(pooled @ w1.T + b1, 0) @ w2.T + b2)))
    np.testing.assert_allclose(values(se(x)), gate[:, :, None, None] * x.numpy(), rtol=1e-5, atol=1e-6)
    assert sorted(se.state_dict()) == ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"]
    hard = SqueezeExcitation(4, 2, activation=nn.SiLU, scale_activation=nn.Hardsigmoid)
    assert isinstance(hard.activation, nn.SiLU) and isinstance(hard.scale_activation, nn.Hardsigmoid)
    check_grad(SqueezeExcitation(3, 2).double(), leaf(2, 3, 2, 3))


def test_mlp_layout_and_values():
    mlp = MLP(4, [8, 6, 3], norm_layer=nn.LayerNorm, dropout=0.25, inplace=False)
    kinds = [type(m).__name__ for m in mlp]
    assert kinds == ["Linear", "LayerNorm", "ReLU", "Dropout", "Linear", "LayerNorm", "ReLU", "Dropout",
                     "Linear", "Dropout"]  # fmt: skip
    assert mlp[3].p == 0.25 and mlp[3].inplace is False and mlp[-1].p == 0.25
    assert mlp[0].out_features == 8 and mlp[4].out_features == 6 and mlp[8].out_features == 3
    assert mlp.eval()(autograd.randn(5, 4)).shape == (5, 3)
    in_place = MLP(4, [8, 3], inplace=True)
    assert in_place[1].inplace is True and in_place[2].inplace is True
    default = MLP(4, [8, 3])  # inplace=None: each layer's own default, False
    assert default[1].inplace is False and default[2].inplace is False
    plain = MLP(3, [5, 2], bias=False).eval()
    assert plain[0].bias is None
    x = autograd.randn(4, 3)
    hidden = np.maximum(x.numpy() @ values(plain[0].weight).T, 0)
    np.testing.assert_allclose(values(plain(x)), hidden @ values(plain[3].weight).T, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="hidden_channels is empty"):
        MLP(3, [])


def test_permute():
    x = autograd.randn(2, 3, 4, 5)
    np.testing.assert_array_equal(Permute([0, 2, 3, 1])(x).numpy(), x.numpy().transpose(0, 2, 3, 1))


def test_frozen_batch_norm(leaf, check_grad):
    frozen = FrozenBatchNorm2d(3, eps=1e-3)
    assert repr(frozen) == "FrozenBatchNorm2d(3, eps=0.001)"
    assert list(frozen.parameters()) == []
    assert sorted(frozen.state_dict()) == ["bias", "running_mean", "running_var", "weight"]
    source = BatchNorm2d(3)
    with autograd.no_grad():
        source.weight.copy_(autograd.tensor([1.5, 0.5, 2.0]))
        source.bias.copy_(autograd.tensor([0.1, -0.2, 0.3]))
        source.running_mean.copy_(autograd.tensor([1.0, 0.0, -1.0]))
        source.running_var.copy_(autograd.tensor([4.0, 0.5, 1.0]))
    keys = frozen.load_state_dict(source.state_dict())  # num_batches_tracked is dropped
    assert keys == ([], [])
    x = autograd.randn(2, 3, 4, 4)
    np.testing.assert_allclose(values(frozen(x)), values(source.eval()(x)), rtol=1e-3, atol=1e-3)
    w, b = np.array([1.5, 0.5, 2.0]), np.array([0.1, -0.2, 0.3])
    m, v = np.array([1.0, 0.0, -1.0]), np.array([4.0, 0.5, 1.0])
    expected = (x.numpy() - m[:, None, None]) / np.sqrt(v[:, None, None] + 1e-3) * w[:, None, None]
    np.testing.assert_allclose(values(frozen(x)), expected + b[:, None, None], rtol=1e-5, atol=1e-6)
    check_grad(FrozenBatchNorm2d(3).double(), leaf(2, 3, 2, 2))
    with pytest.raises(ValueError, match="num_features"):
        FrozenBatchNorm2d(0)
