"""tt_vision.models' MNASNet against torchvision 0.28: counts, widths, keys, residuals, init, errors.

Parameter counts are torchvision 0.28's published totals (its weights' ``meta["num_params"]``);
the widths are its rounding rule worked by hand. ``tools/parity/models.py`` compares values
and gradients with torchvision's own models. Not course material.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import BatchNorm2d, Conv2d
from tt_vision.models import MNASNet, mnasnet0_5, mnasnet0_75, mnasnet1_0, mnasnet1_3
from tt_vision.models.mnasnet import _get_depths, _InvertedResidual, _stack


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    ("builder", "expected", "alpha"),
    [
        (mnasnet0_5, 2_218_512, 0.5),
        (mnasnet0_75, 3_170_208, 0.75),
        (mnasnet1_0, 4_383_312, 1.0),
        (mnasnet1_3, 6_282_256, 1.3),
    ],
)
def test_parameter_counts_are_torchvisions(builder, expected, alpha):
    model = builder()
    assert count(model) == expected and model.alpha == alpha and model.num_classes == 1000


def test_depths_round_to_multiples_of_eight():
    # 32·α .. 320·α to the nearest multiple of 8 (at least 8), one step up if that lost over 10%:
    # 0.5: 12 -> 16 (nearest, half up); 20 -> 24; 1.3: 41.6 -> 40, 20.8 -> 24, 249.6 -> 248
    assert _get_depths(0.5) == [16, 8, 16, 24, 40, 48, 96, 160]
    assert _get_depths(1.0) == [32, 16, 24, 40, 80, 96, 192, 320]
    assert _get_depths(1.3) == [40, 24, 32, 56, 104, 128, 248, 416]
    # alpha 8: every width already a multiple of 8, so nothing is rounded: the base widths × 8
    assert _get_depths(8.0) == [256, 128, 192, 320, 640, 768, 1536, 2560]
    # 3.2 -> 8 (the floor); 9.6 -> 8 is 17% down -> 16; 19.2 -> 16 is 17% down -> 24
    assert _get_depths(0.1) == [8] * 5 + [16, 24, 32]


def test_structure_and_keys():
    model = mnasnet1_0(num_classes=10)
    assert len(model.layers) == 17
    # (kernel, first stride, expansion, repeats) of the six stacks, the paper's B1
    stacks = [(3, 2, 3, 3), (5, 2, 3, 3), (5, 2, 6, 3), (3, 1, 6, 2), (5, 2, 6, 4), (3, 1, 6, 1)]
    widths = [16, 24, 40, 80, 96, 192, 320]
    for index, (kernel, stride, expansion, repeats) in enumerate(stacks):
        stack = model.layers[8 + index]
        assert len(stack) == repeats
        depthwise = stack[0].layers[3]
        assert depthwise.kernel_size == (kernel, kernel) and depthwise.stride == (stride, stride)
        assert (
            depthwise.padding == (kernel // 2, kernel // 2) and depthwise.groups == widths[index] * expansion
        )
        assert stack[0].layers[6].weight.shape == (widths[index + 1], widths[index] * expansion, 1, 1)
        assert [block.apply_residual for block in stack] == [False] + [True] * (repeats - 1)
    assert (
        model.layers[3].groups == 32 and model.layers[3].stride == (1, 1) and model.layers[0].stride == (2, 2)
    )
    assert model.layers[14].weight.shape == (1280, 320, 1, 1) and model.layers[16].inplace
    assert model.layers[0].padding == (1, 1) and model.layers[3].padding == (1, 1)
    assert model.layers[6].padding == (0, 0) and model.layers[14].padding == (0, 0)
    assert model.layers[2].inplace and model.layers[5].inplace
    assert (
        model.classifier[0].inplace
        and model.classifier[0].p == 0.2
        and mnasnet0_5(dropout=0.3).classifier[0].p == 0.3
    )
    keys = list(model.state_dict())
    assert keys[:2] == ["layers.0.weight", "layers.1.weight"] and keys[-2:] == [
        "classifier.1.weight",
        "classifier.1.bias",
    ]
    assert "layers.8.0.layers.0.weight" in keys and "layers.13.0.layers.7.running_var" in keys
    norms = [m for m in model.modules() if isinstance(m, BatchNorm2d)]
    assert len(norms) == 3 + 16 * 3 + 1 and all(abs(m.momentum - 0.0003) < 1e-12 for m in norms)
    assert all(m.bias is None for m in model.modules() if isinstance(m, Conv2d))


def test_inverted_residual_adds_its_input_only_when_shapes_match():
    block = _InvertedResidual(4, 4, 3, 1, 2, bn_momentum=0.5).eval()
    assert block.apply_residual and block.layers[1].momentum == 0.5
    with autograd.no_grad():
        block.layers[7].weight.fill_(0.0)  # the projection's norm outputs its bias, 0
    x = autograd.randn(1, 4, 3, 3)
    np.testing.assert_array_equal(block(x).detach().numpy(), x.numpy())
    with autograd.no_grad():
        block.layers[7].weight.fill_(1.0)
        np.testing.assert_allclose(block(x).numpy(), block.layers(x).numpy() + x.numpy(), rtol=1e-6)
    assert not _InvertedResidual(4, 4, 3, 2, 2).apply_residual
    assert not _InvertedResidual(4, 8, 5, 1, 2).apply_residual
    assert _InvertedResidual(4, 8, 5, 2, 3)(x).shape == (1, 8, 2, 2)
    assert [type(m).__name__ for m in block.layers] == [
        "Conv2d",
        "BatchNorm2d",
        "ReLU",
        "Conv2d",
        "BatchNorm2d",
        "ReLU",
        "Conv2d",
        "BatchNorm2d",
    ]
    assert (
        block.layers[2].inplace and block.layers[5].inplace and block.layers[0].weight.shape == (8, 4, 1, 1)
    )


def test_forward_head_and_gradients(leaf, check_grad):
    model = mnasnet0_5(num_classes=3).eval()
    x = autograd.randn(2, 3, 32, 32)
    with autograd.no_grad():
        pooled = model.layers(x).numpy().mean(axis=(2, 3))
        expected = pooled @ model.classifier[1].weight.detach().numpy().T
        np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-4, atol=1e-6)
    check_grad(_InvertedResidual(2, 2, 3, 1, 2).double(), leaf(2, 2, 3, 3))
    check_grad(_stack(2, 4, 5, 2, 2, 2, 0.1).double(), leaf(2, 2, 4, 4))


def test_initialisation_follows_torchvision():
    model = mnasnet1_0()
    pointwise = model.layers[14].weight.detach().numpy()  # 1280 × 320: fan out 1280
    assert abs(pointwise.std() / math.sqrt(2 / 1280) - 1) < 0.01  # kaiming_normal_ fan out, ReLU gain √2
    assert abs(pointwise.mean()) < 0.05 * math.sqrt(2 / 1280)
    linear = model.classifier[1].weight.detach().numpy()  # kaiming_uniform_ fan out 1000, gain 1: ±√(3/1000)
    bound = math.sqrt(3 / 1000)
    assert np.abs(linear).max() <= bound and abs(linear.std() / (bound / math.sqrt(3)) - 1) < 0.01
    assert np.all(model.classifier[1].bias.detach().numpy() == 0)
    norms = [m for m in model.modules() if isinstance(m, BatchNorm2d)]
    assert all(np.all(m.weight.detach().numpy() == 1) and np.all(m.bias.detach().numpy() == 0) for m in norms)


def test_bad_arguments():
    with pytest.raises(ValueError, match="alpha should be greater than 0.0 instead of 0"):
        MNASNet(0)
    with pytest.raises(ValueError, match="stride should be 1 or 2 instead of 3"):
        _InvertedResidual(4, 4, 3, 3, 2)
    with pytest.raises(ValueError, match="kernel_size should be 3 or 5 instead of 7"):
        _InvertedResidual(4, 4, 7, 1, 2)
    with pytest.raises(ValueError, match="repeats should be >= 1, instead got 0"):
        _stack(4, 4, 3, 1, 2, 0, 0.1)
    for builder in (mnasnet0_5, mnasnet0_75, mnasnet1_0, mnasnet1_3):
        with pytest.raises(ValueError, match=rf"^{builder.__name__}: pretrained weights"):
            builder(weights="DEFAULT")
    with pytest.raises(TypeError, match="alpha"):
        mnasnet1_0(alpha=0.5)
