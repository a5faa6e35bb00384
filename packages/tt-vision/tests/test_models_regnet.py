"""tt_vision.models' RegNet against torchvision 0.28: the generated stages, counts, keys, initialisation,
gradients, bad arguments.

Parameter counts are torchvision's published totals (its weights' ``meta["num_params"]``); the stages
are checked against a plain per-block loop of the RegNet paper's rule written here, and a small case
worked by hand. The largest models are counted in test_models_big_counts.py. Not course material.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision import BatchNorm2d, Conv2d, models
from tt_vision.models import (
    BlockParams,
    RegNet,
    regnet_x_8gf,
    regnet_x_400mf,
    regnet_x_800mf,
    regnet_y_1_6gf,
    regnet_y_400mf,
    regnet_y_800mf,
)
from tt_vision.models.regnet import _PARAMS, AnyStage, ResBottleneckBlock


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    ("build", "expected"),
    [(regnet_y_400mf, 4_344_144), (regnet_y_800mf, 6_432_512), (regnet_y_1_6gf, 11_202_430),
     (regnet_x_400mf, 5_495_976), (regnet_x_800mf, 7_259_656)],
)  # fmt: skip
def test_parameter_counts_are_torchvisions(build, expected):
    assert count(build()) == expected


def stages_by_hand(depth, w_0, w_a, w_m, group_width, multiplier=1.0):
    """The paper's rule, one block at a time in float64: width ``w_0 + w_a·j`` snapped to ``w_0·w_m^k``."""
    widths = []
    for j in range(depth):
        k = round(math.log((w_0 + w_a * j) / w_0) / math.log(w_m))
        widths.append(8 * round(w_0 * w_m**k / 8))
    runs = []  # (width, depth) of each run of equal widths
    for w in widths:
        if runs and runs[-1][0] == w:
            runs[-1][1] += 1
        else:
            runs.append([w, 1])
    result = []
    for w, d in runs:
        bottleneck = int(w * multiplier)
        g = min(group_width, bottleneck)
        rounded = max(g, int(bottleneck + g / 2) // g * g)
        rounded += g if rounded < 0.9 * bottleneck else 0
        result.append((d, int(rounded / multiplier), g))
    return result


@pytest.mark.parametrize("name", sorted(_PARAMS))
def test_every_builders_stages_follow_the_rule(name):
    depth, w_0, w_a, w_m, group_width, se_ratio, _ = _PARAMS[name]
    params = BlockParams.from_init_params(depth, w_0, w_a, w_m, group_width, se_ratio=se_ratio)
    got = list(zip(params.depths, params.widths, params.group_widths))
    assert got == [tuple(s) for s in stages_by_hand(depth, w_0, w_a, w_m, group_width)]
    assert sum(params.depths) == depth and params.strides == [2] * len(params.depths)
    assert params.bottleneck_multipliers == [1.0] * len(params.depths) and params.se_ratio == se_ratio
    assert (se_ratio is None) == name.startswith("regnet_x")


def test_a_small_case_by_hand():
    # u = 8, 16, 24, 32; k = round(log2(u / 8)) = 0, 1, round(1.58) = 2, 2: widths 8, 16, 32, 32
    params = BlockParams.from_init_params(depth=4, w_0=8, w_a=8, w_m=2, group_width=8)
    assert (params.depths, params.widths, params.group_widths, params.strides) == (
        [1, 1, 2], [8, 16, 32], [8, 8, 8], [2, 2, 2]
    )  # fmt: skip
    # a bottleneck of 0.5: bottlenecks 4, 8, 16 in groups of min(12, .) = 4, 8, 12; 16 rounds to 12, 25%
    # down, so one step up: 24, and the stage's width is 24 / 0.5 = 48
    halved = BlockParams.from_init_params(
        depth=4, w_0=8, w_a=8, w_m=2, group_width=12, bottleneck_multiplier=0.5
    )
    assert halved.group_widths == [4, 8, 12] and halved.widths == [8, 16, 48]
    assert halved.bottleneck_multipliers == [0.5] * 3
    # w_a = 0: every block keeps w_0, one stage
    flat = BlockParams.from_init_params(depth=5, w_0=24, w_a=0, w_m=2.5, group_width=8, se_ratio=0.5)
    assert (flat.depths, flat.widths, flat.se_ratio) == ([5], [24], 0.5)


def test_the_group_width_is_capped_at_the_bottleneck_width():
    params = BlockParams.from_init_params(*_PARAMS["regnet_x_8gf"][:5])
    assert params.widths[0] == 80 and params.group_widths == [80, 120, 120, 120]
    model = regnet_x_8gf(num_classes=10)
    first = model.trunk_output.block1[0].f.b[0]
    assert first.groups == 1 and first.weight.shape == (80, 80, 3, 3)
    assert model.trunk_output.block2[0].f.b[0].groups == 2


def test_state_dict_keys_and_shapes():
    state = regnet_y_400mf(num_classes=10).state_dict()
    keys = list(state)
    assert len(keys) == 384  # torchvision's regnet_y_400mf
    assert keys[:2] == ["stem.0.weight", "stem.1.weight"]
    assert keys[6:14] == [
        "trunk_output.block1.block1-0.proj.0.weight",
        "trunk_output.block1.block1-0.proj.1.weight",
        "trunk_output.block1.block1-0.proj.1.bias",
        "trunk_output.block1.block1-0.proj.1.running_mean",
        "trunk_output.block1.block1-0.proj.1.running_var",
        "trunk_output.block1.block1-0.proj.1.num_batches_tracked",
        "trunk_output.block1.block1-0.f.a.0.weight",
        "trunk_output.block1.block1-0.f.a.1.weight",
    ]
    assert keys[-2:] == ["fc.weight", "fc.bias"]
    assert state["stem.0.weight"].shape == (32, 3, 3, 3)
    # stage 1: 32 -> 48, 6 groups of 8; the gate squeezes to round(0.25 x 32) = 8
    assert state["trunk_output.block1.block1-0.f.b.0.weight"].shape == (48, 8, 3, 3)
    assert state["trunk_output.block1.block1-0.f.se.fc1.weight"].shape == (8, 48, 1, 1)
    assert state["trunk_output.block2.block2-1.f.se.fc1.weight"].shape == (26, 104, 1, 1)  # round(26)
    assert "trunk_output.block2.block2-1.proj.0.weight" not in state
    assert state["trunk_output.block4.block4-5.f.c.0.weight"].shape == (440, 440, 1, 1)
    assert state["fc.weight"].shape == (10, 440)
    assert not any(".se." in key for key in regnet_x_400mf().state_dict())


def test_forward_shape_and_every_parameter_receives_a_gradient():
    model = regnet_y_400mf(num_classes=5)
    out = model(autograd.randn(2, 3, 64, 64))
    assert out.shape == (2, 5) and out.dtype == autograd.float32
    nn.functional.cross_entropy(out, autograd.tensor([0, 4])).backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or not np.any(p.grad.numpy())]
    assert missing == []
    assert regnet_x_400mf(num_classes=3).eval()(autograd.randn(1, 3, 33, 47)).shape == (1, 3)


def test_block_gradient_matches_finite_differences(leaf, check_grad):
    projected = ResBottleneckBlock(4, 8, 2, BatchNorm2d, nn.ReLU, group_width=4, se_ratio=0.5).double()
    identity = ResBottleneckBlock(8, 8, 1, BatchNorm2d, nn.ReLU, group_width=2).double()
    assert projected.proj is not None and identity.proj is None
    check_grad(projected, leaf(2, 4, 4, 4))
    check_grad(identity, leaf(2, 8, 3, 3))


def test_the_block_adds_its_input_or_projection_before_the_activation():
    block = ResBottleneckBlock(4, 4, 1, BatchNorm2d, nn.ReLU).eval()
    assert block.proj is None and block.f.b[0].groups == 4 and type(block.activation).__name__ == "ReLU"
    assert block.activation.inplace
    with autograd.no_grad():
        block.f.c[1].weight.fill_(0.0)  # the branch outputs its last norm's bias, 0
    x = autograd.randn(2, 4, 3, 3)
    np.testing.assert_array_equal(block(x).detach().numpy(), np.maximum(x.numpy(), 0))
    strided = ResBottleneckBlock(4, 4, 2, BatchNorm2d, nn.ReLU).eval()
    assert strided.proj is not None and strided.proj[0].stride == (2, 2) and len(strided.proj) == 2
    with autograd.no_grad():
        strided.f.c[1].weight.fill_(0.0)
        strided.f.c[1].bias.fill_(-100.0)  # the sum is negative everywhere: the ReLU comes after it
    assert not np.any(strided(x).detach().numpy())
    with autograd.no_grad():
        strided.f.c[1].bias.fill_(0.0)
    expected = np.maximum(strided.proj(x).detach().numpy(), 0)
    np.testing.assert_array_equal(strided(x).detach().numpy(), expected)
    assert ResBottleneckBlock(4, 8, 1, BatchNorm2d, nn.ReLU).proj is not None  # a new width projects too


def test_bottleneck_layout():
    block = ResBottleneckBlock(32, 64, 2, BatchNorm2d, nn.ReLU, group_width=16, bottleneck_multiplier=0.5,
                               se_ratio=0.25)  # fmt: skip
    f = block.f
    assert list(f._modules) == ["a", "b", "se", "c"]
    assert f.a[0].weight.shape == (32, 32, 1, 1) and f.b[0].groups == 2 and f.b[0].stride == (2, 2)
    assert f.se.fc1.weight.shape == (8, 32, 1, 1) and type(f.se.activation).__name__ == "ReLU"
    assert len(f.c) == 2 and f.c[0].weight.shape == (64, 32, 1, 1)
    assert f.a[0].stride == (1, 1) and f.c[0].stride == (1, 1) and f.b[0].padding == (1, 1)
    stage = AnyStage(8, 16, 2, 3, ResBottleneckBlock, BatchNorm2d, nn.ReLU, 8, 1.0, None, stage_index=3)
    assert list(stage._modules) == ["block3-0", "block3-1", "block3-2"]
    assert stage[0].proj is not None and stage[1].proj is None and stage[2].f.a[0].in_channels == 16


def test_initialisation_follows_torchvision():
    model = regnet_y_1_6gf(num_classes=500)
    last = model.trunk_output.block4[0].f.c[0].weight.detach().numpy()  # 888 x 888 x 1 x 1
    assert abs(last.std() / math.sqrt(2 / 888) - 1) < 0.01 and abs(last.mean()) < 1e-3
    grouped = model.trunk_output.block3[0].f.b[0].weight.detach().numpy()  # fan_out 9 x 336, not / groups
    assert abs(grouped.std() / math.sqrt(2 / (9 * 336)) - 1) < 0.02
    fc = model.fc.weight.detach().numpy()  # 500 x 888 draws of N(0, 0.01²)
    assert abs(fc.std() / 0.01 - 1) < 0.01 and abs(fc.mean()) < 1e-4
    assert np.all(model.fc.bias.detach().numpy() == 0)
    se = model.trunk_output.block1[0].f.se
    bound = 1 / math.sqrt(se.fc1.in_channels)  # the gates' biases keep Conv2d's default U(-1/sqrt(fan_in), .)
    fc1_bias = se.fc1.bias.detach().numpy()
    assert np.any(fc1_bias != 0) and np.all(np.abs(fc1_bias) <= bound)
    norms = [m for m in model.modules() if isinstance(m, BatchNorm2d)]
    assert all(np.all(m.weight.detach().numpy() == 1) and np.all(m.bias.detach().numpy() == 0) for m in norms)
    assert all(m.eps == 1e-5 and m.momentum == 0.1 for m in norms)
    stem = model.stem
    assert stem[0].stride == (2, 2) and stem[0].bias is None and type(stem[2]).__name__ == "ReLU"


def test_options():
    params = BlockParams([1, 2], [16, 32], [8, 8], [1.0, 1.0], [2, 1])
    model = RegNet(params, num_classes=3, stem_width=8, activation=nn.SiLU, norm_layer=nn.Identity)
    assert model.stem[0].weight.shape == (8, 3, 3, 3) and type(model.stem[1]).__name__ == "Identity"
    assert type(model.trunk_output.block1[0].activation).__name__ == "SiLU"
    assert model.trunk_output.block2[0].proj[0].stride == (1, 1) and model.fc.weight.shape == (3, 32)
    assert model(autograd.randn(1, 3, 8, 8)).shape == (1, 3)
    norm = regnet_x_400mf(norm_layer=nn.Identity).stem[1]
    assert type(norm).__name__ == "Identity"
    assert isinstance(regnet_x_400mf().stem[0], Conv2d)


def test_bad_arguments():
    for bad in ({"w_a": -1.0}, {"w_0": 0}, {"w_m": 1.0}, {"w_0": 12}):
        settings = {"depth": 4, "w_0": 8, "w_a": 8.0, "w_m": 2.0, "group_width": 8} | bad
        with pytest.raises(ValueError, match="Invalid RegNet settings"):
            BlockParams.from_init_params(**settings)
    with pytest.raises(ValueError, match="regnet_y_400mf: pretrained weights"):
        regnet_y_400mf(weights="DEFAULT")
    with pytest.raises(TypeError, match="se_ratio"):
        regnet_y_400mf(se_ratio=0.5)  # the builder fixes it (torchvision: the same TypeError)


#: The RegNet paper's models (Radosavovic et al., 2020, appendix; torchvision's builders take them):
#: depth, w_0, w_a, w_m, group width; the Y models add squeeze-excitation at 0.25.
PAPER = {
    "regnet_x_400mf": (22, 24, 24.48, 2.54, 16), "regnet_x_800mf": (16, 56, 35.73, 2.28, 16),
    "regnet_x_1_6gf": (18, 80, 34.01, 2.25, 24), "regnet_x_3_2gf": (25, 88, 26.31, 2.25, 48),
    "regnet_x_8gf": (23, 80, 49.56, 2.88, 120), "regnet_x_16gf": (22, 216, 55.59, 2.1, 128),
    "regnet_x_32gf": (23, 320, 69.86, 2.0, 168), "regnet_y_400mf": (16, 48, 27.89, 2.09, 8),
    "regnet_y_800mf": (14, 56, 38.84, 2.4, 16), "regnet_y_1_6gf": (27, 48, 20.71, 2.65, 24),
    "regnet_y_3_2gf": (21, 80, 42.63, 2.66, 24), "regnet_y_8gf": (17, 192, 76.82, 2.19, 56),
    "regnet_y_16gf": (18, 200, 106.23, 2.48, 112), "regnet_y_32gf": (20, 232, 115.89, 2.53, 232),
    "regnet_y_128gf": (27, 456, 160.83, 2.52, 264),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(PAPER))
def test_every_builder_passes_the_papers_settings(name, monkeypatch):
    seen = {}
    real = BlockParams.from_init_params.__func__

    def spy(cls, depth, w_0, w_a, w_m, group_width, bottleneck_multiplier=1.0, se_ratio=None, **kwargs):
        seen.update(
            settings=(depth, w_0, w_a, w_m, group_width), se_ratio=se_ratio, multiplier=bottleneck_multiplier
        )
        return real(cls, depth, w_0, w_a, w_m, group_width, bottleneck_multiplier, se_ratio, **kwargs)

    monkeypatch.setattr(BlockParams, "from_init_params", classmethod(spy))
    monkeypatch.setattr(
        RegNet, "__init__", lambda self, params, **kwargs: seen.update(params=params, **kwargs)
    )
    getattr(models, name)(num_classes=7)
    assert seen["settings"] == PAPER[name] and seen["multiplier"] == 1.0
    assert seen["se_ratio"] == (0.25 if name.startswith("regnet_y") else None)
    assert seen["num_classes"] == 7 and isinstance(seen["params"], BlockParams)
    norm = seen["norm_layer"](4)
    assert (norm.eps, norm.momentum) == (1e-5, 0.1)
    assert models.regnet_y_8gf.__name__ == "regnet_y_8gf"


def test_builders_document_their_counts():
    assert models.regnet_y_128gf.__doc__.startswith("RegNetY-128GF, 644,812,894 parameters")
    assert "RegNetX-1.6GF, 9,190,136 parameters" in models.regnet_x_1_6gf.__doc__
    assert "w_a=20.71" in models.regnet_y_1_6gf.__doc__ and "se_ratio=None" in models.regnet_x_8gf.__doc__


def test_the_default_norm_is_batch_norm():
    model = RegNet(BlockParams([1], [16], [8], [1.0], [2]), num_classes=3)
    assert type(model.stem[1]).__name__ == "BatchNorm2d" and model.stem[0].bias is None
    block = model.trunk_output.block1[0]
    assert type(block.f.a[1]).__name__ == "BatchNorm2d" and type(block.proj[1]).__name__ == "BatchNorm2d"
    assert (block.f.c[1].eps, block.f.c[1].momentum) == (1e-5, 0.1)
