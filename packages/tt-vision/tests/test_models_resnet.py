"""tt_vision.models' ResNets against torchvision 0.28: counts, keys, structure, init, gradients, errors.

Facts from torchvision 0.28 (its weights' ``meta["num_params"]``, and a scratch run of
its builders printing state-dict keys, strides and dilations) are cited where used.
``tools/parity/models.py`` compares values and gradients with torchvision's own models.
Not course material, so no module number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision import BatchNorm2d, Conv2d
from tt_vision.models import (
    BasicBlock,
    Bottleneck,
    ResNet,
    resnet18,
    resnet34,
    resnet50,
    resnext50_32x4d,
    wide_resnet50_2,
)


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    ("builder", "expected"),
    [(resnet18, 11_689_512), (resnet34, 21_797_672), (resnet50, 25_557_032), (resnext50_32x4d, 25_028_904)],
)
def test_parameter_counts_are_torchvisions(builder, expected):
    # torchvision 0.28's ResNet*_Weights.IMAGENET1K_V1.meta["num_params"]
    assert count(builder()) == expected


def test_wide_resnet_count_and_width():
    model = wide_resnet50_2(num_classes=10)
    # torchvision: 68,883,240 with 1000 classes; the fc then has 2048 * 1000 + 1000 parameters
    assert count(model) == 68_883_240 - 2_049_000 + 2048 * 10 + 10
    assert model.layer1[0].conv2.weight.shape == (128, 128, 3, 3)  # int(64 * 128 / 64) * 1


def test_state_dict_keys_and_shapes_are_torchvisions():
    state = resnet18(num_classes=10).state_dict()
    keys = list(state)
    # torchvision's resnet18().state_dict(): 122 entries, in this order at both ends
    assert len(keys) == 122
    assert keys[:8] == [
        "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
        "bn1.num_batches_tracked", "layer1.0.conv1.weight", "layer1.0.bn1.weight",
    ]  # fmt: skip
    assert keys[-3:] == ["layer4.1.bn2.num_batches_tracked", "fc.weight", "fc.bias"]
    assert state["layer2.0.downsample.0.weight"].shape == (128, 64, 1, 1)
    assert state["layer2.0.downsample.1.running_var"].shape == (128,)
    assert state["fc.weight"].shape == (10, 512)
    assert "layer1.0.downsample.0.weight" not in state  # same shape in layer1: no shortcut conv


def test_bottleneck_structure_and_groups():
    model = resnext50_32x4d(num_classes=3)
    block = model.layer1[0]
    assert isinstance(block, Bottleneck) and block.stride == 1
    # width = int(64 * 4 / 64) * 32 = 128, groups 32: weight (128, 4, 3, 3)
    assert block.conv2.weight.shape == (128, 4, 3, 3) and block.conv2.groups == 32
    assert block.conv3.weight.shape == (256, 128, 1, 1)
    assert model.layer2[0].conv2.stride == (2, 2) and model.layer2[0].conv1.stride == (1, 1)  # v1.5
    assert model.fc.weight.shape == (3, 2048)


def test_forward_shape_on_cifar_sized_images():
    model = resnet18(num_classes=10)
    out = model(autograd.randn(2, 3, 32, 32))
    assert out.shape == (2, 10) and out.dtype == autograd.float32
    assert np.isfinite(out.detach().numpy()).all()


def small_resnet(**kwargs):
    return ResNet(Bottleneck, [1, 1, 2, 1], num_classes=4, **kwargs)


@pytest.mark.parametrize(
    "make", [lambda: resnet18(num_classes=4), lambda: small_resnet(groups=2, width_per_group=8)]
)
def test_every_parameter_receives_a_gradient(make):
    model = make()
    loss = nn.functional.cross_entropy(model(autograd.randn(2, 3, 32, 32)), autograd.tensor([1, 3]))
    loss.backward()
    missing = [
        name for name, p in model.named_parameters() if p.grad is None or not np.any(p.grad.detach().numpy())
    ]
    assert missing == []


def test_blocks_gradients_match_finite_differences(leaf, check_grad):
    basic = BasicBlock(2, 3, stride=2, downsample=nn.Sequential(Conv2d(2, 3, 1, stride=2, bias=False),
                                                                   BatchNorm2d(3))).double()  # fmt: skip
    bottleneck = Bottleneck(4, 1, groups=2, base_width=64).double()
    with autograd.no_grad():  # start from non-trivial batch-norm scales
        for block in (basic, bottleneck):
            for module in block.modules():
                if isinstance(module, BatchNorm2d):
                    module.weight.copy_(autograd.tensor(np.linspace(0.5, 1.5, module.num_features)))
                    module.bias.copy_(autograd.tensor(np.linspace(-0.2, 0.3, module.num_features)))
    check_grad(basic, leaf(2, 2, 5, 5))
    check_grad(bottleneck, leaf(2, 4, 4, 4))


def test_residual_is_added_before_the_last_relu():
    block = BasicBlock(3, 3).eval()
    with autograd.no_grad():
        block.bn2.weight.fill_(0.0)  # the residual branch gives bn2.bias = 0, so out = relu(x)
    x = autograd.randn(2, 3, 4, 4)
    np.testing.assert_array_equal(block(x).detach().numpy(), np.maximum(x.detach().numpy(), 0))


def test_initialisation_follows_torchvision():
    model = resnet18()
    weight = model.conv1.weight.detach().numpy()
    # kaiming_normal_(mode="fan_out", nonlinearity="relu"): std sqrt(2 / (64 * 7 * 7)) = 0.02526
    assert abs(weight.std() / math.sqrt(2 / (64 * 49)) - 1) < 0.05 and abs(weight.mean()) < 0.002
    deep = model.layer4[1].conv2.weight.detach().numpy()  # fan_out 512 * 9: std 0.02083
    assert abs(deep.std() / math.sqrt(2 / (512 * 9)) - 1) < 0.02
    for module in model.modules():
        if isinstance(module, BatchNorm2d):
            assert np.all(module.weight.detach().numpy() == 1) and np.all(module.bias.detach().numpy() == 0)
    fc = model.fc.weight.detach().numpy()  # Linear's default: U(-1/sqrt(512), 1/sqrt(512))
    bound = 1 / math.sqrt(512)
    assert np.abs(fc).max() <= bound and np.abs(fc).max() > 0.99 * bound
    assert abs(fc.std() / (bound / math.sqrt(3)) - 1) < 0.02


def test_zero_init_residual_zeroes_each_blocks_last_norm():
    basic = resnet18(zero_init_residual=True)
    for stage in (basic.layer1, basic.layer2, basic.layer3, basic.layer4):
        for block in stage:
            assert np.all(block.bn2.weight.detach().numpy() == 0) and np.all(
                block.bn1.weight.detach().numpy() == 1
            )
    assert np.all(basic.layer2[0].downsample[1].weight.detach().numpy() == 1)
    bottleneck = small_resnet(zero_init_residual=True)
    for block in bottleneck.layer3:
        assert np.all(block.bn3.weight.detach().numpy() == 0) and np.all(
            block.bn2.weight.detach().numpy() == 1
        )
    assert np.all(small_resnet().layer3[1].bn3.weight.detach().numpy() == 1)
    # every block starts as the identity on its shortcut: out = relu(shortcut(x))
    block = basic.layer1[0].eval()
    x = autograd.randn(1, 64, 4, 4)
    np.testing.assert_array_equal(block(x).detach().numpy(), np.maximum(x.detach().numpy(), 0))
    block = bottleneck.layer3[1].eval()  # no downsample: 1024 channels in and out
    x = autograd.randn(1, 1024, 2, 2)
    np.testing.assert_array_equal(block(x).detach().numpy(), np.maximum(x.detach().numpy(), 0))


def test_block_attributes_are_torchvisions():
    model = resnet18()
    for block in (model.layer1[0], model.layer2[0], small_resnet().layer2[0]):
        assert block.relu.inplace is True  # torchvision prints ReLU(inplace=True)
    assert model.layer1[0].stride == 1 and model.layer2[0].stride == 2 and model.layer2[1].stride == 1
    assert small_resnet().layer2[0].stride == 2
    assert model.layer1[0].downsample is None and model.inplanes == 512 and model.dilation == 1
    # torchvision's stem: ReLU(inplace=True), MaxPool2d(kernel_size=3, stride=2, padding=1)
    assert model.relu.inplace is True
    assert (model.maxpool.kernel_size, model.maxpool.stride, model.maxpool.padding) == (3, 2, 1)
    uneven = ResNet(BasicBlock, [1, 2, 3, 1])
    assert [len(stage) for stage in (uneven.layer1, uneven.layer2, uneven.layer3, uneven.layer4)] == [
        1,
        2,
        3,
        1,
    ]


def test_replace_stride_with_dilation():
    model = ResNet(Bottleneck, [1, 2, 2, 2], replace_stride_with_dilation=[False, True, True])
    # torchvision's resnet50 with the same setting: layer3[0].conv2 stride 1 dilation 1, layer3[1] and
    # layer4[0] dilation 2, layer4[1] dilation 4, layer4[0].downsample stride 1
    assert model.layer3[0].conv2.stride == (1, 1) and model.layer3[0].conv2.dilation == (1, 1)
    assert model.layer3[1].conv2.dilation == (2, 2) and model.layer4[0].conv2.dilation == (2, 2)
    assert model.layer4[1].conv2.dilation == (4, 4) and model.layer4[1].conv2.padding == (4, 4)
    assert model.layer4[0].downsample[0].stride == (1, 1)
    trunk = nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool, model.layer1, model.layer2,
                          model.layer3, model.layer4)  # fmt: skip
    assert trunk(autograd.randn(1, 3, 64, 64)).shape == (1, 2048, 8, 8)  # stride 8, not 32


def test_norm_layer_is_used_everywhere():
    model = ResNet(BasicBlock, [1, 1, 1, 1], norm_layer=lambda c: nn.GroupNorm(4, c))
    norms = [m for m in model.modules() if isinstance(m, nn.GroupNorm)]
    assert len(norms) == 1 + 4 * 2 + 3  # stem, two per block, three downsample shortcuts
    assert not any(isinstance(m, BatchNorm2d) for m in model.modules())
    assert all(np.all(m.weight.detach().numpy() == 1) for m in norms)


def test_state_dict_round_trip(tmp_path):
    source = small_resnet().eval()
    with autograd.no_grad():
        source.layer1[0].bn1.running_mean.copy_(autograd.randn(64))
    path = tmp_path / "resnet.safetensors"
    nn.save_safetensors(source.state_dict(), path)
    target = small_resnet().eval()
    assert target.load_state_dict(nn.load_safetensors(path), strict=True) == ([], [])
    x = autograd.randn(2, 3, 32, 32)
    np.testing.assert_array_equal(target(x).detach().numpy(), source(x).detach().numpy())


def test_weights_are_refused_with_the_way_in():
    with pytest.raises(ValueError, match=r"resnet18: pretrained weights \(DEFAULT\).*safetensors"):
        resnet18(weights="DEFAULT")
    with pytest.raises(ValueError, match="resnext50_32x4d.*load_state_dict"):
        resnext50_32x4d(weights="IMAGENET1K_V2")
    with (
        pytest.warns(UserWarning, match="'pretrained' is deprecated"),
        pytest.raises(ValueError, match="resnet34"),
    ):
        resnet34(pretrained=True)
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        assert isinstance(resnet18(pretrained=False, num_classes=2), ResNet)


def test_bad_arguments():
    with pytest.raises(ValueError, match="The parameter 'groups' expected value 32 but got 16 instead"):
        resnext50_32x4d(groups=16)
    with pytest.raises(ValueError, match="width_per_group' expected value 128 but got 64"):
        wide_resnet50_2(width_per_group=64)
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1 and base_width=64"):
        resnet18(groups=2)
    with pytest.raises(NotImplementedError, match="Dilation > 1 not supported in BasicBlock"):
        resnet18(replace_stride_with_dilation=[False, False, True])
    with pytest.raises(ValueError, match="3-element tuple, got"):
        resnet18(replace_stride_with_dilation=[True, True])
    with pytest.raises(ValueError, match="4 stages"):
        ResNet(BasicBlock, [2, 2, 2])
    with pytest.raises(TypeError):
        resnet18(True)  # the builders are keyword-only, as torchvision's signature
