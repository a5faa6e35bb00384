"""tt_vision.models' GoogLeNet and Inception v3 against torchvision 0.28: counts, keys, outputs, init, errors.

Parameter counts are torchvision 0.28's published totals (its weights' ``meta["num_params"]``:
GoogLeNet's without the auxiliary heads, Inception v3's with its one); the heads' sizes are
worked out by hand. ``tools/parity/models.py`` compares values and gradients with
torchvision's own models (Inception v3's auxiliary head at 299×299). Not course material.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision import BatchNorm2d, Conv2d
from tt_vision.models import (
    GoogLeNet,
    GoogLeNetOutputs,
    Inception3,
    InceptionOutputs,
    googlenet,
    inception_v3,
)
from tt_vision.models.googlenet import BasicConv2d, Inception, InceptionAux, transform_input
from tt_vision.models.inception import InceptionA, InceptionB, InceptionC, InceptionD, InceptionE
from tt_vision.models.inception import InceptionAux as InceptionV3Aux


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


# GoogLeNet's auxiliary head on C channels: 1×1 conv to 128 (+ its norm's 256), fc1 2048 -> 1024, fc2 -> 1000
def googlenet_aux(channels: int) -> int:
    return channels * 128 + 256 + 2048 * 1024 + 1024 + 1024 * 1000 + 1000


# Inception v3's: 1×1 conv 768 -> 128, 5×5 conv 128 -> 768 (norms 256 + 1536), fc 768 -> 1000
INCEPTION_AUX = 768 * 128 + 256 + 128 * 768 * 25 + 1536 + 768 * 1000 + 1000


def test_googlenet_parameter_counts_are_torchvisions():
    assert count(googlenet(init_weights=False, aux_logits=False)) == 6_624_904
    assert count(googlenet(init_weights=False)) == 6_624_904 + googlenet_aux(512) + googlenet_aux(528)


def test_inception_v3_parameter_counts_are_torchvisions():
    assert count(inception_v3(init_weights=False)) == 27_161_264
    assert count(inception_v3(init_weights=False, aux_logits=False)) == 27_161_264 - INCEPTION_AUX


def test_googlenet_keys_and_structure():
    model = googlenet(num_classes=10, init_weights=False)
    keys = list(model.state_dict())
    assert keys[:6] == [
        "conv1.conv.weight",
        "conv1.bn.weight",
        "conv1.bn.bias",
        "conv1.bn.running_mean",
        "conv1.bn.running_var",
        "conv1.bn.num_batches_tracked",
    ]
    assert keys[-2:] == ["fc.weight", "fc.bias"] and "aux1.fc2.weight" in keys
    assert keys.index("inception5b.branch4.1.bn.num_batches_tracked") < keys.index("aux1.conv.conv.weight")
    # BasicConv2d: 1 conv + 5 norm entries; 3 in the stem, 6 in each of 9 Inception modules, 1 per aux head
    assert len(keys) == 6 * (3 + 9 * 6 + 2) + 2 * 4 + 2
    widths = {
        "3a": 256,
        "3b": 480,
        "4a": 512,
        "4b": 512,
        "4c": 512,
        "4d": 528,
        "4e": 832,
        "5a": 832,
        "5b": 1024,
    }
    x = autograd.randn(1, 3, 32, 32)
    assert model.conv1.conv.weight.shape == (64, 3, 7, 7) and model.conv1.conv.stride == (2, 2)
    assert model.conv1.conv.padding == (3, 3) and model.conv3.conv.padding == (1, 1)
    assert model.inception3a.branch3[1].conv.weight.shape == (32, 16, 3, 3)  # torchvision's 3×3 "5×5"
    assert model.inception3a.branch4[0].ceil_mode and model.maxpool4.kernel_size in (2, (2, 2))
    assert all(m.ceil_mode for m in (model.maxpool1, model.maxpool2, model.maxpool3, model.maxpool4))
    pools = [
        (m.kernel_size, m.stride) for m in (model.maxpool1, model.maxpool2, model.maxpool3, model.maxpool4)
    ]
    assert [(np.broadcast_to(k, 2).tolist(), np.broadcast_to(s, 2).tolist()) for k, s in pools] == [
        ([3, 3], [2, 2]),
        ([3, 3], [2, 2]),
        ([3, 3], [2, 2]),
        ([2, 2], [2, 2]),
    ]
    assert model.fc.weight.shape == (10, 1024) and model.dropout.p == 0.2 and model.aux1.dropout.p == 0.7
    assert googlenet(init_weights=False, dropout=0.1, dropout_aux=0.3).aux2.dropout.p == 0.3
    for name, width in widths.items():
        module = getattr(model, f"inception{name}")
        assert module(autograd.randn(1, module.branch1.conv.in_channels, 4, 4)).shape == (1, width, 4, 4)
    assert model.eval()(x).shape == (1, 10)


def test_googlenet_outputs_in_training_and_evaluation():
    model = googlenet(num_classes=4, init_weights=False)
    x = autograd.randn(2, 3, 32, 32)
    out = model(x)
    assert isinstance(out, GoogLeNetOutputs) and out._fields == ("logits", "aux_logits2", "aux_logits1")
    assert out.logits.shape == out.aux_logits1.shape == out.aux_logits2.shape == (2, 4)
    loss = nn.functional.cross_entropy(out.logits, autograd.tensor([0, 1]))
    loss = loss + 0.3 * nn.functional.cross_entropy(out.aux_logits1, autograd.tensor([0, 1]))
    loss.backward()
    assert (
        model.aux1.fc2.weight.grad is not None and model.aux2.fc2.weight.grad is None
    )  # aux2 not in the loss
    model.eval()
    out = model(x)
    assert isinstance(out, autograd.Tensor) and out.shape == (2, 4)
    plain = googlenet(num_classes=4, init_weights=False, aux_logits=False)
    assert plain.aux1 is None and plain.aux2 is None and isinstance(plain(x), autograd.Tensor)
    np.testing.assert_array_equal(model.eager_outputs(x, None, None).numpy(), x.numpy())


def test_googlenet_aux_head():
    aux = InceptionAux(6, 3, dropout=0.0).eval()
    x = autograd.randn(2, 6, 9, 9)
    assert aux(x).shape == (2, 3) and aux.conv.conv.weight.shape == (128, 6, 1, 1)
    windows = [(0, 3), (2, 5), (4, 7), (6, 9)]  # adaptive 9 -> 4: [⌊9i/4⌋, ⌈9(i+1)/4⌉)
    pooled = np.stack(
        [
            np.stack([x.numpy()[:, :, r0:r1, c0:c1].mean(axis=(2, 3)) for c0, c1 in windows], -1)
            for r0, r1 in windows
        ],
        -2,
    )
    with autograd.no_grad():
        hidden = aux.conv(autograd.from_numpy(pooled)).numpy().reshape(2, -1)
        hidden = np.maximum(hidden @ aux.fc1.weight.detach().numpy().T + aux.fc1.bias.detach().numpy(), 0)
        expected = hidden @ aux.fc2.weight.detach().numpy().T + aux.fc2.bias.detach().numpy()
        np.testing.assert_allclose(aux(x).numpy(), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("build", "size"), [(googlenet, 32), (inception_v3, 75)], ids=["googlenet", "inception"]
)
def test_transform_input(build, size):
    # ImageNet-normalised zeros are the mean image: (mean - 0.5) / 0.5 after the transform
    out = transform_input(autograd.zeros(1, 3, 2, 2)).numpy()
    np.testing.assert_allclose(
        out[0, :, 0, 0], [(0.485 - 0.5) / 0.5, (0.456 - 0.5) / 0.5, (0.406 - 0.5) / 0.5], rtol=1e-6
    )
    ones = transform_input(autograd.ones(1, 3, 1, 1)).numpy().ravel()  # one std up: (mean + std - 0.5) / 0.5
    np.testing.assert_allclose(
        ones,
        [(0.485 + 0.229 - 0.5) / 0.5, (0.456 + 0.224 - 0.5) / 0.5, (0.406 + 0.225 - 0.5) / 0.5],
        rtol=1e-6,
    )
    model = build(num_classes=3, init_weights=False, transform_input=True).eval()
    first = model.conv1 if build is googlenet else model.Conv2d_1a_3x3
    seen = []
    first.register_forward_pre_hook(lambda module, args: seen.append(args[0].numpy()))
    x = autograd.randn(2, 3, size, size)
    with autograd.no_grad():
        model(x)
        model.transform_input = False
        model(x)
    np.testing.assert_allclose(seen[0], transform_input(x).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(seen[1], x.numpy())


def test_googlenet_init_weights():
    with pytest.warns(FutureWarning, match="default weight initialization of GoogleNet") as caught:
        model = googlenet()
    with pytest.warns(FutureWarning) as direct:
        GoogLeNet(num_classes=2)
    assert [w.filename for w in caught] == [w.filename for w in direct] == [__file__]  # the caller's line
    weights = np.concatenate(
        [m.weight.detach().numpy().ravel() for m in model.modules() if isinstance(m, (Conv2d, nn.Linear))]
    )
    assert (
        abs(weights.mean()) < 1e-4 and abs(weights.std() / 0.01 - 1) < 0.01 and np.abs(weights).max() <= 2
    )  # trunc_normal_(std=0.01, ±2)
    norms = [m for m in model.modules() if isinstance(m, BatchNorm2d)]
    assert all(np.all(m.weight.detach().numpy() == 1) and np.all(m.bias.detach().numpy() == 0) for m in norms)
    assert all(m.eps == 0.001 for m in norms)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        default = googlenet(init_weights=False)
        explicit = googlenet(init_weights=True)
    assert abs(explicit.fc.weight.detach().numpy().std() / 0.01 - 1) < 0.01
    fc = default.fc.weight.detach().numpy()  # Linear's default: U(±1/√1024)
    assert np.abs(fc).max() <= 1 / 32 and abs(fc.std() * 32 * np.sqrt(3) - 1) < 0.01


def test_inception_v3_init_weights():
    with pytest.warns(FutureWarning, match="default weight initialization of inception_v3"):
        v3 = Inception3(num_classes=1000)
    fc = v3.fc.weight.detach().numpy()
    assert abs(fc.std() / 0.1 - 1) < 0.01  # stddev 0.1 unless the module says otherwise
    # torchvision sets conv1's stddev on the BasicConv2d, which the loop does not initialise: its
    # convolution gets the default 0.1 (kept, as torchvision's); the fc's 0.001 applies
    assert abs(v3.AuxLogits.conv1.conv.weight.detach().numpy().std() / 0.1 - 1) < 0.01
    assert abs(v3.AuxLogits.fc.weight.detach().numpy().std() / 0.001 - 1) < 0.01
    assert v3.AuxLogits.conv1.stddev == 0.01 and v3.AuxLogits.fc.stddev == 0.001
    assert abs(v3.Mixed_7c.branch_pool.conv.weight.detach().numpy().std() / 0.1 - 1) < 0.01
    unset = inception_v3(init_weights=False).fc.weight.detach().numpy()
    assert np.abs(unset).max() <= 1 / np.sqrt(2048)


def test_inception_v3_keys_and_structure():
    model = inception_v3(num_classes=10, init_weights=False)
    keys = list(model.state_dict())
    assert keys[:2] == ["Conv2d_1a_3x3.conv.weight", "Conv2d_1a_3x3.bn.weight"]
    assert keys[-2:] == ["fc.weight", "fc.bias"]
    assert keys.index("Mixed_6e.branch_pool.bn.num_batches_tracked") + 1 == keys.index(
        "AuxLogits.conv0.conv.weight"
    )
    assert keys.index("AuxLogits.fc.bias") + 1 == keys.index("Mixed_7a.branch3x3_1.conv.weight")
    # BasicConv2d: 6 entries; 5 stem, A: 7 (×3), B: 4, C: 10 (×4), D: 6, E: 9 (×2), aux 2; + aux fc, fc
    assert len(keys) == 6 * (5 + 3 * 7 + 4 + 4 * 10 + 6 + 2 * 9 + 2) + 2 + 2
    assert model.Mixed_6b.branch7x7_1.conv.weight.shape == (128, 768, 1, 1)
    assert model.Mixed_6c.branch7x7_2.conv.weight.shape == (160, 160, 1, 7)
    assert model.Mixed_6e.branch7x7dbl_2.conv.padding == (
        3,
        0,
    ) and model.Mixed_6e.branch7x7dbl_3.conv.padding == (0, 3)
    assert model.Mixed_5b.branch_pool.conv.weight.shape == (32, 192, 1, 1)
    assert model.Mixed_5c.branch_pool.conv.weight.shape == (64, 256, 1, 1)
    assert model.dropout.p == 0.5 and inception_v3(init_weights=False, dropout=0.2).dropout.p == 0.2
    assert model.Conv2d_1a_3x3.conv.stride == (2, 2) and model.Conv2d_2b_3x3.conv.padding == (1, 1)


@pytest.mark.parametrize(
    ("block", "in_channels", "size", "expected"),
    [
        (lambda c: InceptionA(c, pool_features=5), 3, 5, (224 + 5, 5)),
        (InceptionB, 3, 5, (480 + 3, 2)),
        (lambda c: InceptionC(c, channels_7x7=4), 3, 5, (768, 5)),
        (InceptionD, 3, 5, (512 + 3, 2)),
        (InceptionE, 3, 3, (2048, 3)),
    ],
)
def test_inception_v3_blocks_shapes_and_gradients(leaf, check_grad, block, in_channels, size, expected):
    module = block(in_channels).double()
    x = leaf(1, in_channels, size, size)
    channels, side = expected
    assert module(x).shape == (1, channels, side, side)
    check_grad(module, x, atol=1e-5)


def test_googlenet_blocks_gradients(leaf, check_grad):
    check_grad(Inception(3, 2, 2, 3, 2, 2, 2).double(), leaf(1, 3, 3, 3))
    check_grad(BasicConv2d(2, 3, kernel_size=3, padding=1).double(), leaf(2, 2, 3, 3))


def test_basic_conv_is_conv_norm_relu():
    block = BasicConv2d(2, 3, kernel_size=1, stride=2).eval()
    assert block.conv.bias is None and block.bn.eps == 0.001 and block.conv.stride == (2, 2)
    x = autograd.randn(1, 2, 4, 4)
    with autograd.no_grad():
        expected = np.maximum(block.bn(block.conv(x)).numpy(), 0)
        np.testing.assert_array_equal(block(x).numpy(), expected)


def test_inception_v3_outputs():
    model = inception_v3(num_classes=3, init_weights=False)
    x = autograd.randn(1, 3, 75, 75)
    assert model.eval()(x).shape == (1, 3)
    model.train()
    with pytest.raises(ValueError):  # the auxiliary head needs a 17×17 Mixed_6e map (299×299 input)
        model(x)
    plain = inception_v3(num_classes=3, init_weights=False, aux_logits=False)
    assert plain.AuxLogits is None and isinstance(
        plain.train()(autograd.randn(2, 3, 75, 75)), autograd.Tensor
    )
    aux = InceptionV3Aux(8, 3)
    assert aux(autograd.randn(2, 8, 17, 17)).shape == (2, 3)
    logits, head = autograd.randn(1, 3), autograd.randn(1, 3)
    out = model.eager_outputs(logits, head)
    assert isinstance(out, InceptionOutputs) and out._fields == ("logits", "aux_logits")
    assert out.logits is logits and out.aux_logits is head
    assert model.eval().eager_outputs(logits, head) is logits


def test_bad_arguments():
    with pytest.raises(ValueError, match="blocks length should be 3 instead of 2"):
        GoogLeNet(init_weights=False, blocks=[BasicConv2d, Inception])
    with pytest.raises(ValueError, match="length of inception_blocks should be 7 instead of 1"):
        Inception3(init_weights=False, inception_blocks=[BasicConv2d])
    with pytest.raises(ValueError, match=r"^googlenet: pretrained weights \(DEFAULT\)"):
        googlenet(weights="DEFAULT")
    with pytest.raises(ValueError, match=r"^inception_v3: pretrained weights"):
        inception_v3(weights="IMAGENET1K_V1")
    with pytest.raises(TypeError):
        googlenet(None)
