"""tt_vision.models' EfficientNet (V1 B0-B7, V2 S/M/L) against torchvision 0.28: counts, widths, depths,
stochastic depth, initialisation, gradients, bad arguments.

Parameter counts are torchvision's published totals (its weights' ``meta["num_params"]``); the stage
widths and depths are derived here by hand from the scaling rules (widths ``c · width_mult`` to the
nearest multiple of 8, never 10% down; depths ``ceil(n · depth_mult)``). The largest models are
counted in test_models_big_counts.py. Not course material.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision import BatchNorm2d, Conv2d, models
from tt_vision.models import (
    EfficientNet,
    FusedMBConv,
    FusedMBConvConfig,
    MBConv,
    MBConvConfig,
    efficientnet_b0,
    efficientnet_b1,
    efficientnet_b2,
    efficientnet_b5,
    efficientnet_b7,
    efficientnet_v2_m,
    efficientnet_v2_s,
)
from tt_vision.models.efficientnet import _efficientnet_conf
from tt_vision.ops import SqueezeExcitation, StochasticDepth


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def stages(model) -> list:
    return list(model.features)[1:-1]


def blocks(model) -> list:
    return [block for stage in stages(model) for block in stage]


@pytest.mark.parametrize(
    ("build", "expected"),
    [(efficientnet_b0, 5_288_548), (efficientnet_b1, 7_794_184), (efficientnet_b2, 9_109_994),
     (efficientnet_v2_s, 21_458_488)],
)  # fmt: skip
def test_parameter_counts_are_torchvisions(build, expected):
    assert count(build()) == expected


def test_b0_state_dict_keys_and_shapes():
    state = efficientnet_b0(num_classes=10).state_dict()
    assert len(state) == 360  # torchvision's efficientnet_b0 has 360 entries
    keys = list(state)
    assert keys[:6] == ["features.0.0.weight", "features.0.1.weight", "features.0.1.bias",
                        "features.0.1.running_mean", "features.0.1.running_var",
                        "features.0.1.num_batches_tracked"]  # fmt: skip
    assert keys[-2:] == ["classifier.1.weight", "classifier.1.bias"]
    # stage 1 (expand ratio 1): depthwise, gate, projection; no expansion layer
    assert state["features.1.0.block.0.0.weight"].shape == (32, 1, 3, 3)
    assert state["features.1.0.block.1.fc1.weight"].shape == (8, 32, 1, 1)  # 32 // 4 squeeze channels
    assert state["features.1.0.block.2.0.weight"].shape == (16, 32, 1, 1)
    # stage 2's first block: expand 16 -> 96, depthwise 3x3 stride 2, squeeze to 16 // 4 = 4, project to 24
    assert state["features.2.0.block.0.0.weight"].shape == (96, 16, 1, 1)
    assert state["features.2.0.block.1.0.weight"].shape == (96, 1, 3, 3)
    assert state["features.2.0.block.2.fc1.weight"].shape == (4, 96, 1, 1)
    assert state["features.2.1.block.2.fc1.weight"].shape == (6, 144, 1, 1)  # later block: input 24
    assert state["features.3.0.block.1.0.weight"].shape == (144, 1, 5, 5)  # stage 3's 5x5 kernel
    assert state["features.8.0.weight"].shape == (1280, 320, 1, 1)  # head: 4 x 320
    assert state["classifier.1.weight"].shape == (10, 1280)


def widths_and_depths(model):
    return [stage[0].out_channels for stage in stages(model)], [len(stage) for stage in stages(model)]


def test_stage_widths_and_depths_follow_the_scaling_rules():
    assert widths_and_depths(efficientnet_b0()) == ([16, 24, 40, 80, 112, 192, 320], [1, 2, 2, 3, 3, 4, 1])
    # B2, width 1.1: 35.2 -> 32 (stem), 17.6 -> 16, 26.4 -> 24, 44 -> 48, 88, 123.2 -> 120, 211.2 -> 208, 352;
    # depth 1.2: ceil(1.2, 2.4, 2.4, 3.6, 3.6, 4.8, 1.2)
    b2 = efficientnet_b2()
    assert widths_and_depths(b2) == ([16, 24, 48, 88, 120, 208, 352], [2, 3, 3, 4, 4, 5, 2])
    assert b2.features[0][0].out_channels == 32 and b2.classifier[1].in_features == 4 * 352
    # V2-S: its own table, a 1280 head
    v2 = efficientnet_v2_s()
    assert widths_and_depths(v2) == ([24, 48, 64, 128, 160, 256], [2, 4, 4, 6, 9, 15])
    assert [type(stage[0]).__name__ for stage in stages(v2)] == ["FusedMBConv"] * 3 + ["MBConv"] * 3
    assert v2.features[0][0].out_channels == 24 and v2.features[-1][0].weight.shape == (1280, 256, 1, 1)


def test_b7_and_v2_m_configurations():
    # B7, width 2.0 and depth 3.1: ceil(3.1, 6.2, 6.2, 9.3, 9.3, 12.4, 3.1)
    setting, last = _efficientnet_conf("efficientnet_b7", 2.0, 3.1)
    assert [(c.input_channels, c.out_channels, c.num_layers) for c in setting] == [
        (64, 32, 4), (32, 48, 7), (48, 80, 7), (80, 160, 10), (160, 224, 10), (224, 384, 13), (384, 640, 4)
    ]  # fmt: skip
    assert last is None
    setting, last = _efficientnet_conf("efficientnet_v2_m")
    assert [c.num_layers for c in setting] == [3, 5, 5, 7, 14, 18, 5] and last == 1280
    assert [c.out_channels for c in setting] == [24, 48, 80, 160, 176, 304, 512]
    assert [c.expand_ratio for c in setting] == [1, 4, 4, 4, 6, 6, 6]
    assert [c.kernel for c in setting] == [3] * 7 and [c.stride for c in setting] == [1, 2, 2, 2, 1, 2, 1]
    setting, _ = _efficientnet_conf("efficientnet_v2_l")
    assert [(c.input_channels, c.num_layers) for c in setting] == [
        (32, 4), (32, 7), (64, 7), (96, 10), (192, 19), (224, 25), (384, 7)
    ]  # fmt: skip
    assert [type(c).__name__ for c in setting] == ["FusedMBConvConfig"] * 3 + ["MBConvConfig"] * 4


def test_stochastic_depth_rises_linearly_and_only_the_first_block_of_a_stage_strides():
    model = efficientnet_b0(stochastic_depth_prob=0.5)
    every = blocks(model)
    assert len(every) == 16
    assert [b.stochastic_depth.p for b in every] == [0.5 * i / 16 for i in range(16)]
    assert all(b.stochastic_depth.mode == "row" for b in every)
    strides = [b.block[1 if len(b.block) == 4 else 0][0].stride[0] for b in every]
    assert strides == [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1]
    assert [b.use_res_connect for b in every] == [False, False, True, False, True, False, True, True, False,
                                                  True, True, False, True, True, True, False]  # fmt: skip
    assert efficientnet_b0().features[1][0].stochastic_depth.p == 0.0
    assert blocks(efficientnet_b0())[-1].stochastic_depth.p == 0.2 * 15 / 16  # the default 0.2


@pytest.mark.parametrize(
    ("build", "eps", "momentum", "dropout"),
    [(efficientnet_b0, 1e-5, 0.1, 0.2), (efficientnet_b2, 1e-5, 0.1, 0.3),
     (efficientnet_b5, 1e-3, 0.01, 0.4), (efficientnet_b7, 1e-3, 0.01, 0.5),
     (efficientnet_v2_s, 1e-3, 0.1, 0.2), (efficientnet_v2_m, 1e-3, 0.1, 0.3)],
)  # fmt: skip
def test_each_builders_norm_and_dropout(build, eps, momentum, dropout, monkeypatch):
    built = {}
    monkeypatch.setattr(
        EfficientNet, "__init__", lambda self, *args, **kwargs: built.update(kwargs, args=args)
    )
    build(stochastic_depth_prob=0.1)
    norm = built.get("norm_layer", BatchNorm2d)(4)
    assert (norm.eps, norm.momentum) == (eps, momentum)
    assert built["args"][1] == dropout and built["stochastic_depth_prob"] == 0.1
    build(dropout=0.7)
    assert built["args"][1] == 0.7


def test_b5_norms_and_dropout_in_the_model():
    model = efficientnet_b0(dropout=0.25)
    assert model.classifier[0].p == 0.25 and model.classifier[0].inplace
    norms = [m for m in efficientnet_b5(num_classes=3).modules() if isinstance(m, BatchNorm2d)]
    assert len(norms) > 100 and all(m.eps == 1e-3 and m.momentum == 0.01 for m in norms)


def test_forward_shape_and_every_parameter_receives_a_gradient():
    model = efficientnet_v2_s(num_classes=5, stochastic_depth_prob=0.0)
    out = model(autograd.randn(2, 3, 32, 32))
    assert out.shape == (2, 5) and out.dtype == autograd.float32
    nn.functional.cross_entropy(out, autograd.tensor([0, 4])).backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or not np.any(p.grad.numpy())]
    assert missing == []
    assert efficientnet_b0(num_classes=7).eval()(autograd.randn(1, 3, 33, 47)).shape == (1, 7)


def test_blocks_gradients_match_finite_differences(leaf, check_grad):
    mb = MBConv(MBConvConfig(4, 3, 1, 8, 8, 1), 0.0, BatchNorm2d).double()
    fused = FusedMBConv(FusedMBConvConfig(2, 3, 1, 8, 8, 1), 0.0, BatchNorm2d).double()
    fused_plain = FusedMBConv(FusedMBConvConfig(1, 3, 2, 8, 16, 1), 0.0, BatchNorm2d).double()
    assert mb.use_res_connect and fused.use_res_connect and not fused_plain.use_res_connect
    check_grad(mb, leaf(2, 8, 4, 4))
    check_grad(fused, leaf(2, 8, 4, 4))
    check_grad(fused_plain, leaf(2, 8, 4, 4))


def test_block_layouts():
    mb = MBConv(MBConvConfig(6, 5, 2, 16, 24, 1), 0.1, BatchNorm2d)
    kinds = [type(m).__name__ for m in mb.block]
    assert kinds == ["Conv2dNormActivation"] * 2 + ["SqueezeExcitation", "Conv2dNormActivation"]
    assert type(mb.block[0][2]).__name__ == "SiLU" and mb.block[0][2].inplace
    depthwise = mb.block[1][0]
    assert depthwise.groups == 96 and depthwise.stride == (2, 2) and depthwise.padding == (2, 2)
    se = mb.block[2]
    assert type(se.activation).__name__ == "SiLU" and se.activation.inplace
    assert type(se.scale_activation).__name__ == "Sigmoid" and se.fc1.weight.shape == (4, 96, 1, 1)
    assert len(mb.block[3]) == 2 and mb.out_channels == 24 and not mb.use_res_connect
    narrow = MBConvConfig(1, 3, 1, 8, 8, 1)
    narrow.input_channels = narrow.out_channels = 3  # a hand-made config: 3 // 4 = 0 squeeze channels
    assert MBConv(narrow, 0.0, BatchNorm2d).block[2].fc1.out_channels == 1  # at least one
    hard = partial(SqueezeExcitation, scale_activation=nn.Hardsigmoid)
    gate = MBConv(MBConvConfig(6, 3, 1, 8, 8, 1), 0.0, BatchNorm2d, se_layer=hard)
    assert (
        type(gate.block[2].scale_activation).__name__ == "Hardsigmoid"
        and gate.block[2].fc2.out_channels == 48
    )
    fused = FusedMBConv(FusedMBConvConfig(4, 3, 2, 24, 48, 1), 0.0, BatchNorm2d)
    assert [len(m) for m in fused.block] == [3, 2] and fused.block[0][0].stride == (2, 2)
    assert fused.block[0][0].weight.shape == (96, 24, 3, 3) and fused.block[1][0].weight.shape == (
        48,
        96,
        1,
        1,
    )
    single = FusedMBConv(FusedMBConvConfig(1, 3, 1, 24, 24, 1), 0.0, BatchNorm2d)
    assert (
        len(single.block) == 1
        and len(single.block[0]) == 3
        and single.block[0][0].weight.shape == (24, 24, 3, 3)
    )
    assert single.out_channels == 24 and isinstance(single.stochastic_depth, StochasticDepth)


@pytest.mark.parametrize(
    "make",
    [
        lambda: MBConv(MBConvConfig(4, 3, 1, 8, 8, 1), 1.0, BatchNorm2d),
        lambda: FusedMBConv(FusedMBConvConfig(4, 3, 1, 8, 8, 1), 1.0, BatchNorm2d),
    ],
)
def test_residual_blocks_add_their_input(make):
    block = make()
    x = autograd.randn(2, 8, 3, 3)
    # training with drop probability 1: the branch is always dropped, the input passes alone
    np.testing.assert_array_equal(block.train()(x).detach().numpy(), x.numpy())
    block.eval()  # evaluation: the branch is kept; with the projection's norm at 0 it adds nothing
    with autograd.no_grad():
        block.block[-1][1].weight.fill_(0.0)
    np.testing.assert_array_equal(block(x).detach().numpy(), x.numpy())
    with autograd.no_grad():
        block.block[-1][1].bias.fill_(1.0)
    np.testing.assert_allclose(block(x).detach().numpy(), x.numpy() + 1.0, rtol=1e-6)


def test_initialisation_follows_torchvision():
    model = efficientnet_b0(num_classes=400)
    head = model.features[8][0].weight.detach().numpy()  # 1280 x 320: fan_out 1280
    assert abs(head.std() / math.sqrt(2 / 1280) - 1) < 0.01 and abs(head.mean()) < 1e-3
    linear = model.classifier[1].weight.detach().numpy()  # U(-1/sqrt(400), 1/sqrt(400))
    assert np.abs(linear).max() <= 0.05 and np.abs(linear).max() > 0.0499
    assert abs(linear.std() / (0.05 / math.sqrt(3)) - 1) < 0.01 and abs(linear.mean()) < 1e-3
    assert np.all(model.classifier[1].bias.detach().numpy() == 0)
    se = model.features[1][0].block[1]
    assert np.all(se.fc1.bias.detach().numpy() == 0) and np.all(se.fc2.bias.detach().numpy() == 0)
    assert abs(se.fc1.weight.detach().numpy().std() / math.sqrt(2 / 8) - 1) < 0.1
    norms = [m for m in model.modules() if isinstance(m, BatchNorm2d)]
    assert all(np.all(m.weight.detach().numpy() == 1) and np.all(m.bias.detach().numpy() == 0) for m in norms)
    groups = EfficientNet(_efficientnet_conf("efficientnet_b0")[0], 0.2, norm_layer=partial(nn.GroupNorm, 4))
    group_norms = [m for m in groups.modules() if isinstance(m, nn.GroupNorm)]
    assert group_norms and all(np.all(m.weight.detach().numpy() == 1) for m in group_norms)
    assert all(np.all(m.bias.detach().numpy() == 0) for m in group_norms)
    biased = [m for m in model.modules() if isinstance(m, Conv2d) and m.bias is not None]
    assert len(biased) == 32  # the 16 gates' fc1 and fc2


def test_bad_arguments():
    with pytest.raises(ValueError, match="should not be empty"):
        EfficientNet([], 0.2)
    with pytest.raises(TypeError, match="List\\[MBConvConfig\\]"):
        EfficientNet([MBConvConfig(1, 3, 1, 32, 16, 1), (1, 3, 1, 16, 16, 1)], 0.2)
    with pytest.raises(ValueError, match="illegal stride value 3"):
        MBConv(MBConvConfig(4, 3, 3, 8, 8, 1), 0.0, BatchNorm2d)
    with pytest.raises(ValueError, match="FusedMBConv: illegal stride value 0"):
        FusedMBConv(FusedMBConvConfig(4, 3, 0, 8, 8, 1), 0.0, BatchNorm2d)
    with pytest.raises(ValueError, match="Unsupported model type efficientnet_v3"):
        _efficientnet_conf("efficientnet_v3")
    with pytest.raises(ValueError, match="efficientnet_b0: pretrained weights"):
        efficientnet_b0(weights="DEFAULT")
    with pytest.raises(TypeError, match="norm_layer"):
        efficientnet_v2_s(norm_layer=BatchNorm2d)
    with pytest.raises(TypeError, match="positional"):
        efficientnet_b0(None)
    assert count(efficientnet_b1(norm_layer=BatchNorm2d)) == 7_794_184  # B0..B4 take one


def test_configs_scale_and_repr():
    cnf = MBConvConfig(6, 5, 2, 40, 80, 3, width_mult=1.4, depth_mult=1.8)
    assert (cnf.input_channels, cnf.out_channels, cnf.num_layers, cnf.block) == (56, 112, 6, MBConv)
    assert MBConvConfig.adjust_depth(3, 1.0) == 3 and MBConvConfig.adjust_channels(12, 1.0, 24) == 24
    assert repr(FusedMBConvConfig(1, 3, 1, 24, 24, 2)).startswith(
        "FusedMBConvConfig(expand_ratio=1, kernel=3, stride=1, input_channels=24, out_channels=24, "
        "num_layers=2"
    )
    assert MBConvConfig(1, 3, 1, 8, 8, 1, block=FusedMBConv).block is FusedMBConv
    assert FusedMBConvConfig(1, 3, 1, 8, 8, 1, block=MBConv).block is MBConv


@pytest.mark.parametrize(
    ("name", "stem", "blocks", "head"),
    # stem: 32 x width_mult to a multiple of 8 (38.4 -> 40, 44.8 -> 48, 51.2 -> 48, 57.6 -> 56);
    # blocks: the sum of ceil(n x depth_mult) over B0's 1, 2, 2, 3, 3, 4, 1;
    # head: 4 x the last stage's 320 x width_mult
    [("efficientnet_b0", 32, 16, 1280), ("efficientnet_b1", 32, 23, 1280),
     ("efficientnet_b2", 32, 23, 1408), ("efficientnet_b3", 40, 26, 1536),
     ("efficientnet_b4", 48, 32, 1792), ("efficientnet_b5", 48, 39, 2048),
     ("efficientnet_b6", 56, 45, 2304), ("efficientnet_b7", 64, 55, 2560),
     ("efficientnet_v2_s", 24, 40, 1280), ("efficientnet_v2_m", 24, 57, 1280),
     ("efficientnet_v2_l", 32, 79, 1280)],
)  # fmt: skip
def test_every_builders_scaling(name, stem, blocks, head, monkeypatch):
    built = {}
    monkeypatch.setattr(
        EfficientNet, "__init__", lambda self, *args, **kwargs: built.update(kwargs, args=args)
    )
    getattr(models, name)()
    setting, last = built["args"][0], built["last_channel"]
    assert setting[0].input_channels == stem and sum(c.num_layers for c in setting) == blocks
    assert (last if last is not None else 4 * setting[-1].out_channels) == head
    # each stage takes the previous one's width
    assert [c.input_channels for c in setting[1:]] == [c.out_channels for c in setting[:-1]]


def test_v2_tables_by_stage():
    # EfficientNetV2's table 4 (S) and torchvision's M and L: (expand ratio, stride, out channels);
    # kernel 3 throughout
    expected = {
        "efficientnet_v2_s": [(1, 1, 24), (4, 2, 48), (4, 2, 64), (4, 2, 128), (6, 1, 160), (6, 2, 256)],
        "efficientnet_v2_m": [
            (1, 1, 24),
            (4, 2, 48),
            (4, 2, 80),
            (4, 2, 160),
            (6, 1, 176),
            (6, 2, 304),
            (6, 1, 512),
        ],
        "efficientnet_v2_l": [
            (1, 1, 32),
            (4, 2, 64),
            (4, 2, 96),
            (4, 2, 192),
            (6, 1, 224),
            (6, 2, 384),
            (6, 1, 640),
        ],
    }
    for name, stages_ in expected.items():
        setting, _ = _efficientnet_conf(name)
        assert [(c.expand_ratio, c.stride, c.out_channels) for c in setting] == stages_
        assert all(c.kernel == 3 for c in setting)
    b0, _ = _efficientnet_conf("efficientnet_b0")
    assert [(c.expand_ratio, c.kernel, c.stride) for c in b0] == [(1, 3, 1), (6, 3, 2), (6, 5, 2), (6, 3, 2),
                                                                 (6, 5, 1), (6, 5, 2), (6, 3, 1)]  # fmt: skip


def test_builders_document_their_counts():
    for name, count_ in [("efficientnet_b3", "12,233,232"), ("efficientnet_v2_l", "118,515,272")]:
        builder = getattr(models, name)
        assert builder.__name__ == name and count_ in builder.__doc__
    assert "EfficientNet-B6, 43,040,704 parameters" in models.efficientnet_b6.__doc__
    assert (
        "``norm_layer``" in models.efficientnet_b4.__doc__
        and "``norm_layer``" not in models.efficientnet_b5.__doc__
    )


@pytest.mark.parametrize("block", [MBConv, FusedMBConv])
def test_only_a_stride_1_block_that_keeps_its_width_adds_its_input(block):
    config = MBConvConfig if block is MBConv else FusedMBConvConfig
    assert block(config(4, 3, 1, 8, 8, 1), 0.0, BatchNorm2d).use_res_connect
    assert not block(config(4, 3, 2, 8, 8, 1), 0.0, BatchNorm2d).use_res_connect  # strided
    assert not block(config(4, 3, 1, 8, 16, 1), 0.0, BatchNorm2d).use_res_connect  # widened


def test_the_stem_halves_the_image():
    stem = efficientnet_b0().features[0]
    assert stem[0].stride == (2, 2) and stem[0].weight.shape == (32, 3, 3, 3)
    assert type(stem[2]).__name__ == "SiLU"
    assert "default dropout 0.5" in models.efficientnet_b6.__doc__
    assert "default dropout 0.2" in models.efficientnet_v2_s.__doc__
