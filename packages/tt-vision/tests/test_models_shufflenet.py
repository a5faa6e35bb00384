"""tt_vision.models' ShuffleNet V2 against torchvision 0.28: counts, keys, split and shuffle, init, errors.

Parameter counts are torchvision 0.28's published totals (its weights' ``meta["num_params"]``).
``tools/parity/models.py`` compares values and gradients with torchvision's own models.
Not course material.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_vision
from tt_vision.models import (
    ShuffleNetV2,
    shufflenet_v2_x0_5,
    shufflenet_v2_x1_0,
    shufflenet_v2_x1_5,
    shufflenet_v2_x2_0,
)
from tt_vision.models import shufflenetv2 as shufflenet_module
from tt_vision.models.shufflenetv2 import InvertedResidual


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    ("builder", "expected", "channels"),
    [
        (shufflenet_v2_x0_5, 1_366_792, [24, 48, 96, 192, 1024]),
        (shufflenet_v2_x1_0, 2_278_604, [24, 116, 232, 464, 1024]),
        (shufflenet_v2_x1_5, 3_503_624, [24, 176, 352, 704, 1024]),
        (shufflenet_v2_x2_0, 7_393_996, [24, 244, 488, 976, 2048]),
    ],
)
def test_counts_and_channels_are_torchvisions(builder, expected, channels):
    model = builder()
    assert count(model) == expected
    assert model._stage_out_channels == channels
    assert [len(model.stage2), len(model.stage3), len(model.stage4)] == [4, 8, 4]
    assert model.fc.weight.shape == (1000, channels[-1])


def test_state_dict_keys_and_shapes():
    state = shufflenet_v2_x0_5(num_classes=10).state_dict()
    keys = list(state)
    # conv1 (conv + norm); a stride-2 block has 2 convs + 2 norms in branch1 and 3 + 3 in branch2, a
    # stride-1 block branch2 only; 3 stride-2 and 13 stride-1 blocks; conv5 (conv + norm); fc
    assert len(keys) == 6 + 3 * (5 * 6) + 13 * (3 * 6) + 6 + 2
    assert keys[:7] == [
        "conv1.0.weight",
        "conv1.1.weight",
        "conv1.1.bias",
        "conv1.1.running_mean",
        "conv1.1.running_var",
        "conv1.1.num_batches_tracked",
        "stage2.0.branch1.0.weight",
    ]
    assert keys[-3:] == ["conv5.1.num_batches_tracked", "fc.weight", "fc.bias"]
    assert state["stage2.0.branch1.0.weight"].shape == (24, 1, 3, 3)  # depthwise on the whole input
    assert state["stage2.0.branch1.2.weight"].shape == (24, 24, 1, 1)
    assert state["stage2.0.branch2.0.weight"].shape == (24, 24, 1, 1)
    assert state["stage2.1.branch2.0.weight"].shape == (24, 24, 1, 1)  # half of 48
    assert state["stage2.1.branch2.3.weight"].shape == (24, 1, 3, 3)
    assert not any(key.startswith("stage2.1.branch1") for key in keys)
    assert state["conv5.0.weight"].shape == (1024, 192, 1, 1)


def test_block_structure():
    block = InvertedResidual(8, 16, 2)
    assert [type(m).__name__ for m in block.branch1] == [
        "Conv2d",
        "BatchNorm2d",
        "Conv2d",
        "BatchNorm2d",
        "ReLU",
    ]
    assert [type(m).__name__ for m in block.branch2] == [
        "Conv2d",
        "BatchNorm2d",
        "ReLU",
        "Conv2d",
        "BatchNorm2d",
        "Conv2d",
        "BatchNorm2d",
        "ReLU",
    ]
    depthwise = block.branch2[3]
    assert depthwise.groups == 8 and depthwise.stride == (2, 2) and depthwise.padding == (1, 1)
    assert (
        block.branch1[0].groups == 8 and block.branch1[0].stride == (2, 2) and block.branch1[0].bias is None
    )
    assert block.branch2[2].inplace and block.branch1[4].inplace
    assert len(InvertedResidual(8, 8, 1).branch1) == 0
    conv = InvertedResidual.depthwise_conv(4, 4, 3, stride=1, padding=1, bias=True)
    assert conv.groups == 4 and conv.bias is not None and conv.padding == (1, 1)
    relus = [m for m in InvertedResidual(8, 16, 2).modules() if type(m).__name__ == "ReLU"]
    assert len(relus) == 3 and all(m.inplace for m in relus)  # torchvision's ReLU(inplace=True)
    model = shufflenet_v2_x0_5()
    assert model.maxpool.kernel_size in (3, (3, 3)) and model.conv5[2].inplace
    assert model.conv5[0].padding == (0, 0) and model.conv5[0].kernel_size == (1, 1)
    assert model.conv1[0].stride == (2, 2) and model.conv1[0].padding == (1, 1) and model.conv1[2].inplace
    assert model.maxpool.stride in (2, (2, 2)) and model.maxpool.padding in (1, (1, 1))
    assert model.stage3[0].stride == 2 and all(block.stride == 1 for block in list(model.stage3)[1:])


def test_stride_one_passes_half_the_channels_through_and_shuffles():
    block = InvertedResidual(6, 6, 1).eval()
    x = autograd.randn(2, 6, 4, 4)
    with autograd.no_grad():
        out = block(x).numpy()
        branch = block.branch2(x[:, 3:]).numpy()
    # concatenate [x1, branch2(x2)], then 2-group shuffle: channel k of each half goes to 2k and 2k + 1
    np.testing.assert_array_equal(out[:, 0::2], x.numpy()[:, :3])
    np.testing.assert_allclose(out[:, 1::2], branch, rtol=1e-6)


def test_stride_two_concatenates_both_branches_and_shuffles():
    block = InvertedResidual(4, 6, 2).eval()
    x = autograd.randn(1, 4, 5, 5)
    with autograd.no_grad():
        out = block(x).numpy()
        np.testing.assert_allclose(out[:, 0::2], block.branch1(x).numpy(), rtol=1e-6)
        np.testing.assert_allclose(out[:, 1::2], block.branch2(x).numpy(), rtol=1e-6)
    assert out.shape == (1, 6, 3, 3)
    assert InvertedResidual(4, 6, 3)(x).shape == (1, 6, 2, 2)


def test_channel_shuffle_is_tt_visions():
    assert shufflenet_module.channel_shuffle is tt_vision.functional.channel_shuffle


def test_forward_head_and_gradients(leaf, check_grad):
    model = ShuffleNetV2([1, 2, 1], [8, 8, 16, 16, 32], num_classes=3).eval()
    x = autograd.randn(2, 3, 32, 32)
    with autograd.no_grad():
        features = model.conv5(model.stage4(model.stage3(model.stage2(model.maxpool(model.conv1(x))))))
        expected = (
            features.numpy().mean(axis=(2, 3)) @ model.fc.weight.detach().numpy().T
            + model.fc.bias.detach().numpy()
        )
        np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    assert model(x).shape == (2, 3) and shufflenet_v2_x1_0(num_classes=5)(x).shape == (2, 5)
    check_grad(InvertedResidual(4, 4, 1).double(), leaf(2, 4, 3, 3))
    check_grad(InvertedResidual(2, 4, 2).double(), leaf(2, 2, 3, 3))


def test_custom_block_class():
    built = []

    def block(inp, oup, stride):
        built.append((inp, oup, stride))
        return InvertedResidual(inp, oup, stride)

    ShuffleNetV2([2, 1, 1], [4, 8, 8, 16, 16], inverted_residual=block)
    assert built == [(4, 8, 2), (8, 8, 1), (8, 8, 2), (8, 16, 2)]


def test_initialisation_is_the_layers_default():
    model = shufflenet_v2_x1_0()
    weight = model.fc.weight.detach().numpy()  # Linear's default: U(±1/√1024)
    assert np.abs(weight).max() <= 1 / 32 and abs(weight.std() / (1 / 32 / math.sqrt(3)) - 1) < 0.01
    conv = model.conv5[0].weight.detach().numpy()  # Conv2d's default: U(±1/√fan_in), fan in 464
    assert np.abs(conv).max() <= 1 / math.sqrt(464) and abs(conv.std() * math.sqrt(3 * 464) - 1) < 0.01


def test_bad_arguments():
    with pytest.raises(ValueError, match="illegal stride value 4"):
        InvertedResidual(4, 4, 4)
    with pytest.raises(ValueError, match="illegal stride value 0"):
        InvertedResidual(4, 4, 0)
    with pytest.raises(ValueError, match="Invalid combination of stride 1, inp 4 and oup 6"):
        InvertedResidual(4, 6, 1)
    InvertedResidual(4, 6, 2)  # any widths at stride 2
    with pytest.raises(ValueError, match=r"stages_repeats as list of 3 positive ints, got \[4, 8\]"):
        ShuffleNetV2([4, 8], [24, 48, 96, 192, 1024])
    with pytest.raises(ValueError, match="stages_out_channels as list of 5 positive ints"):
        ShuffleNetV2([4, 8, 4], [24, 48, 96, 192])
    with pytest.raises(ValueError, match=r"^shufflenet_v2_x1_5: pretrained weights \(DEFAULT\)"):
        shufflenet_v2_x1_5(weights="DEFAULT")
    with pytest.raises(ValueError, match=r"^shufflenet_v2_x2_0: pretrained weights"):
        shufflenet_v2_x2_0(weights="IMAGENET1K_V1")
    with pytest.raises(TypeError):
        shufflenet_v2_x0_5(None)
