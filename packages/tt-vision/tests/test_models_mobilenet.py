"""tt_vision.models' MobileNetV2 and V3 against torchvision 0.28: counts, structure, options, gradients.

Parameter counts are torchvision's (its weights' ``meta["num_params"]``, and a scratch run of
its builders for the ``width_mult`` / ``reduced_tail`` variants). Not course material.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision import BatchNorm2d, Conv2d
from tt_vision.models import MobileNetV2, MobileNetV3, mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small
from tt_vision.models.builders import make_divisible
from tt_vision.models.mobilenetv2 import InvertedResidual as InvertedResidualV2
from tt_vision.models.mobilenetv3 import InvertedResidual, InvertedResidualConfig
from tt_vision.ops import Conv2dNormActivation, SqueezeExcitation


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (mobilenet_v2, 3_504_872),
        (mobilenet_v3_large, 5_483_032),
        (mobilenet_v3_small, 2_542_856),
        (partial(mobilenet_v2, width_mult=0.5), 1_968_680),
        (partial(mobilenet_v2, width_mult=0.5, round_nearest=1), 1_965_448),
        (partial(mobilenet_v3_large, reduced_tail=True), 2_569_352),
        (partial(mobilenet_v3_small, width_mult=0.75), 1_653_920),
    ],
)
def test_parameter_counts_are_torchvisions(build, expected):
    assert count(build()) == expected


def test_make_divisible():
    # torchvision's _make_divisible(v, 8) for 3, 12, 17, 36.5, 100, 448.0: never below 8, nearest
    # multiple, one step up when rounding down lost more than 10% (12 -> 16, not 8)
    assert [make_divisible(v, 8) for v in (3, 12, 17, 36.5, 100, 1280 * 0.35)] == [8, 16, 16, 40, 104, 448]
    assert make_divisible(5, 4, min_value=12) == 12
    assert make_divisible(10, 9) == 9  # 9 is exactly 90% of 10: kept (torchvision gives 9 too)
    # torchvision: 4.5 -> 6 (nearest multiple, halves up); 7.4 -> 6 is 19% down, so one step up: 9
    assert make_divisible(4.5, 3) == 6 and make_divisible(7.4, 3) == 9


def test_mobilenet_v2_structure():
    model = mobilenet_v2(num_classes=10)
    kinds = [type(m).__name__ for m in model.features]
    assert kinds == ["Conv2dNormActivation"] + ["InvertedResidual"] * 17 + ["Conv2dNormActivation"]
    # torchvision: use_res_connect of features[1:18]
    residual = [block.use_res_connect for block in list(model.features)[1:-1]]
    assert residual == [False, False, True, False, True, True, False, True, True, True, False, True, True,
                        False, True, True, False]  # fmt: skip
    first = model.features[1].conv  # expand_ratio 1: no expansion layer
    assert [type(m).__name__ for m in first] == ["Conv2dNormActivation", "Conv2d", "BatchNorm2d"]
    depthwise = model.features[2].conv[1][0]
    assert depthwise.groups == 96 and depthwise.weight.shape == (96, 1, 3, 3) and depthwise.stride == (2, 2)
    assert type(model.features[2].conv[0][2]).__name__ == "ReLU6" and model.features[2].conv[0][2].inplace
    assert model.last_channel == 1280 and model.classifier[1].weight.shape == (10, 1280)
    assert mobilenet_v2(width_mult=1.5).last_channel == 1920  # the last layer only grows


def test_mobilenet_v3_structure_and_norms():
    model = mobilenet_v3_small(num_classes=10)
    assert model.features[0][2].__class__.__name__ == "Hardswish"
    first = model.features[1]  # torchvision: stride 2, SE, no expansion (16 -> 16)
    assert [type(m).__name__ for m in first.block] == ["Conv2dNormActivation", "SqueezeExcitation",
                                                       "Conv2dNormActivation"]  # fmt: skip
    se = first.block[1]
    assert se.fc1.weight.shape == (8, 16, 1, 1) and type(se.scale_activation).__name__ == "Hardsigmoid"
    assert len(first.block[2]) == 2  # the projection has no activation
    norms = [m for m in model.modules() if isinstance(m, BatchNorm2d)]
    assert all(m.eps == 0.001 and m.momentum == 0.01 for m in norms)
    assert model.classifier[0].weight.shape == (1024, 576) and model.classifier[3].weight.shape == (10, 1024)
    assert model.classifier[2].inplace and model.classifier[1].inplace
    large = mobilenet_v3_large()
    assert large.features[16][0].weight.shape == (960, 160, 1, 1)
    assert [b.use_res_connect for b in list(large.features)[1:4]] == [True, False, True]


@pytest.mark.parametrize("build", [mobilenet_v2, mobilenet_v3_small, mobilenet_v3_large])
def test_forward_and_every_parameter_receives_a_gradient(build):
    model = build(num_classes=5, width_mult=0.5) if build is not mobilenet_v3_large else build(num_classes=5)
    out = model(autograd.randn(2, 3, 32, 32))
    assert out.shape == (2, 5) and out.dtype == autograd.float32
    nn.functional.cross_entropy(out, autograd.tensor([0, 4])).backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or not np.any(p.grad.numpy())]
    assert missing == []


def test_blocks_gradients_match_finite_differences(leaf, check_grad):
    v2 = InvertedResidualV2(4, 4, 1, expand_ratio=2).double()
    config = InvertedResidualConfig(8, 3, 16, 8, True, "HS", 1, 1, 1.0)
    v3 = InvertedResidual(config, partial(BatchNorm2d, eps=0.001)).double()
    assert v2.use_res_connect and v3.use_res_connect
    check_grad(v2, leaf(2, 4, 4, 4))
    check_grad(v3, leaf(2, 8, 4, 4))


def test_residual_is_added():
    block = InvertedResidualV2(4, 4, 1, expand_ratio=2).eval()
    with autograd.no_grad():
        block.conv[3].weight.fill_(0.0)  # the projection's norm outputs its bias, 0
    x = autograd.randn(1, 4, 3, 3)
    np.testing.assert_array_equal(block(x).detach().numpy(), x.numpy())
    strided = InvertedResidualV2(4, 4, 2, expand_ratio=2)
    assert not strided.use_res_connect and strided(x).shape == (1, 4, 2, 2)


def test_initialisation_follows_torchvision():
    model = mobilenet_v2()
    stem = model.features[0][0].weight.detach().numpy()
    pointwise = model.features[18][0].weight.detach().numpy()  # 1280 x 320: fan_out 1280
    # kaiming_normal_(mode="fan_out") with the default leaky_relu gain sqrt(2 / (1 + 0)) = sqrt(2)
    assert abs(pointwise.std() / math.sqrt(2 / 1280) - 1) < 0.01
    assert abs(stem.std() / math.sqrt(2 / (32 * 9)) - 1) < 0.1
    linear = model.classifier[1]
    assert abs(linear.weight.detach().numpy().std() / 0.01 - 1) < 0.01
    assert np.all(linear.bias.detach().numpy() == 0)
    small = mobilenet_v3_small()
    assert np.all(small.features[1].block[1].fc1.bias.detach().numpy() == 0)  # convolution biases zeroed
    assert all(np.all(m.weight.detach().numpy() == 1) for m in small.modules() if isinstance(m, BatchNorm2d))


def test_dilated_reduced_tail_and_options():
    model = mobilenet_v3_large(dilated=True, reduced_tail=True, dropout=0.3)
    # torchvision (same arguments): features[13] and [14]'s depthwise convolutions have stride 1,
    # dilation 2, padding 4 and weights (672, 1, 5, 5) and (480, 1, 5, 5) (the tail's 960 halved)
    dilated = model.features[13].block[1][0]
    assert dilated.stride == (1, 1) and dilated.dilation == (2, 2) and dilated.padding == (4, 4)
    assert dilated.weight.shape == (672, 1, 5, 5) and model.features[14].block[1][0].weight.shape == (
        480,
        1,
        5,
        5,
    )
    assert model.classifier[2].p == 0.3 and model.classifier[0].out_features == 640
    setting = [[1, 8, 1, 1], [2, 8, 2, 2]]
    custom = MobileNetV2(num_classes=3, inverted_residual_setting=setting, round_nearest=4, dropout=0.1)
    assert len(custom.features) == 5 and custom.features[0][0].out_channels == 32
    assert custom.classifier[0].p == 0.1
    grouped = mobilenet_v2(norm_layer=lambda c: nn.GroupNorm(1, c))
    assert not any(isinstance(m, BatchNorm2d) for m in grouped.modules())


def test_weights_are_refused():
    for build, name in ((mobilenet_v2, "mobilenet_v2"), (mobilenet_v3_small, "mobilenet_v3_small")):
        with pytest.raises(ValueError, match=f"{name}: pretrained weights .*safetensors"):
            build(weights="DEFAULT")


def test_bad_arguments():
    with pytest.raises(ValueError, match="stride should be 1 or 2 instead of 3"):
        InvertedResidualV2(4, 4, 3, 2)
    with pytest.raises(ValueError, match="non-empty or a 4-element list"):
        MobileNetV2(inverted_residual_setting=[[1, 16, 1]])
    with pytest.raises(ValueError, match="non-empty or a 4-element list"):
        MobileNetV2(inverted_residual_setting=[])
    with pytest.raises(ValueError, match="should not be empty"):
        MobileNetV3([], 1280)
    with pytest.raises(TypeError, match=r"List\[InvertedResidualConfig\]"):
        MobileNetV3([[16, 3, 16, 16]], 1280)
    with pytest.raises(ValueError, match="illegal stride value 3"):
        InvertedResidual(InvertedResidualConfig(8, 3, 8, 8, False, "RE", 3, 1, 1.0), BatchNorm2d)


def test_squeeze_excitation_in_blocks_uses_the_given_layer():
    config = InvertedResidualConfig(8, 3, 32, 8, True, "RE", 1, 1, 1.0)
    block = InvertedResidual(config, BatchNorm2d, se_layer=SqueezeExcitation)
    se = block.block[2]
    assert type(se.scale_activation).__name__ == "Sigmoid" and se.fc1.out_channels == 8  # 32 // 4
    assert isinstance(block.block[0], Conv2dNormActivation) and isinstance(block.block[0][0], Conv2d)


def test_mobilenet_v3_block_details_are_torchvisions():
    small = mobilenet_v3_small()
    first, relu_block, hs_block = small.features[1], small.features[3], small.features[4]
    # torchvision: "RE" blocks use ReLU, "HS" blocks Hardswish; stride-2 blocks stride their depthwise conv
    assert isinstance(first.block[0][2], nn.ReLU) and isinstance(hs_block.block[0][2], nn.Hardswish)
    assert first.block[0][0].stride == (2, 2) and relu_block.block[1][0].stride == (1, 1)
    assert (first._is_cn, relu_block._is_cn, hs_block._is_cn) == (True, False, True)
    assert (first.out_channels, relu_block.out_channels) == (16, 24)
    assert small.features[0][0].stride == (2, 2) and small.features[0][0].out_channels == 16
    assert mobilenet_v2().features[2]._is_cn and not mobilenet_v2().features[3]._is_cn
    with pytest.raises(ValueError, match="illegal stride value 0"):
        InvertedResidual(InvertedResidualConfig(8, 3, 8, 8, False, "RE", 0, 1, 1.0), BatchNorm2d)


def test_mobilenet_v3_stem_follows_the_first_block_and_blocks_add_their_input():
    settings = [InvertedResidualConfig(8, 3, 16, 16, False, "RE", 1, 1, 1.0),
                InvertedResidualConfig(16, 3, 32, 16, False, "HS", 1, 1, 1.0)]  # fmt: skip
    model = MobileNetV3(settings, 32, num_classes=3)
    assert model.features[0][0].out_channels == 8 and model.features[3][0].weight.shape == (96, 16, 1, 1)
    block = model.features[2].eval()
    with autograd.no_grad():
        block.block[2][1].weight.fill_(0.0)  # the projection's norm outputs its bias, 0
    x = autograd.randn(1, 16, 3, 3)
    np.testing.assert_array_equal(block(x).detach().numpy(), x.numpy())


def test_mobilenet_v2_residual_blocks_add_their_input_and_the_stem_halves():
    block = InvertedResidualV2(8, 8, stride=1, expand_ratio=2).eval()
    assert block.use_res_connect and block.out_channels == 8  # (torchvision's attribute)
    x = autograd.randn(2, 8, 5, 5)
    np.testing.assert_allclose(
        block(x).detach().numpy(), (x + block.conv(x)).detach().numpy(), rtol=1e-6, atol=1e-6
    )
    narrowing = InvertedResidualV2(8, 16, stride=1, expand_ratio=2).eval()
    assert not narrowing.use_res_connect and narrowing.out_channels == 16
    np.testing.assert_array_equal(narrowing(x).detach().numpy(), narrowing.conv(x).detach().numpy())
    model = mobilenet_v2(num_classes=10)
    assert model.features[0][0].stride == (2, 2)  # torchvision's stem: a 3×3 convolution of stride 2
    classifier = model.classifier[1].weight.detach().numpy()
    assert abs(classifier.mean()) < 2e-3 and abs(classifier.std() / 0.01 - 1) < 0.05  # N(0, 0.01²)
