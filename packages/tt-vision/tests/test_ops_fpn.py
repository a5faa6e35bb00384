"""FeaturePyramidNetwork, LastLevelMaxPool, LastLevelP6P7 (tt_vision.ops.feature_pyramid_network).

With identity convolutions the pyramid is its definition worked out by hand: each level is its
input plus the level above upsampled by nearest neighbour (source pixel ``floor(dst · in / out)``).
Initialisation bounds, state-dict keys (and the version-1 renaming), the extra blocks against
``conv2d`` and ``max_pool2d``, and gradients against central differences.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.functional import relu
from tt_vision import functional as F
from tt_vision import ops
from tt_vision.layers import BatchNorm2d
from tt_vision.ops.feature_pyramid_network import ExtraFPNBlock, LastLevelMaxPool, LastLevelP6P7

SIZES = [(13, 14), (7, 8), (3, 4)]  # not halves of each other: nearest upsampling picks floor(dst · in / out)


def identity(fpn) -> None:
    """Every 1×1 lateral and 3×3 output convolution the identity (channels equal), biases 0."""
    for block in [*fpn.inner_blocks, *fpn.layer_blocks]:
        conv = block[0]
        weight = np.zeros(conv.weight.shape)
        k = conv.weight.shape[-1] // 2
        weight[np.arange(weight.shape[0]), np.arange(weight.shape[0]), k, k] = 1.0
        conv.weight.data = autograd.tensor(weight)
        conv.bias.data = autograd.zeros(*conv.bias.shape, dtype=autograd.float64)


def nearest(a: np.ndarray, size) -> np.ndarray:
    rows = np.floor(np.arange(size[0]) * a.shape[-2] / size[0]).astype(int)
    columns = np.floor(np.arange(size[1]) * a.shape[-1] / size[1]).astype(int)
    return a[..., rows, :][..., columns]


def maps(rng, channels=(3, 3, 3), sizes=SIZES):
    return OrderedDict(
        (f"c{i + 2}", autograd.tensor(rng.normal(size=(2, c, *s))))
        for i, (c, s) in enumerate(zip(channels, sizes))
    )


def test_each_level_adds_the_upsampled_level_above(rng):
    fpn = ops.FeaturePyramidNetwork([3, 3, 3], 3).double()
    identity(fpn)
    x = maps(rng)
    out = fpn(x)
    assert list(out) == ["c2", "c3", "c4"]
    c2, c3, c4 = (v.numpy() for v in x.values())
    p4 = c4
    p3 = c3 + nearest(p4, SIZES[1])
    p2 = c2 + nearest(p3, SIZES[0])
    for name, expected in zip(out, (p2, p3, p4)):
        np.testing.assert_allclose(out[name].detach().numpy(), expected, rtol=1e-12, atol=1e-12)


def test_initialisation_and_state_dict_keys_are_torchvisions():
    autograd.manual_seed(0)
    fpn = ops.FeaturePyramidNetwork([16, 32], 24)
    assert list(fpn.state_dict()) == [
        "inner_blocks.0.0.weight",
        "inner_blocks.0.0.bias",
        "inner_blocks.1.0.weight",
        "inner_blocks.1.0.bias",
        "layer_blocks.0.0.weight",
        "layer_blocks.0.0.bias",
        "layer_blocks.1.0.weight",
        "layer_blocks.1.0.bias",
    ]
    for block in [*fpn.inner_blocks, *fpn.layer_blocks]:
        conv = block[0]
        fan_in = math.prod(conv.weight.shape[1:])
        bound = math.sqrt(3 / fan_in)  # kaiming_uniform_(a=1): gain 1
        values = np.abs(conv.weight.detach().numpy())
        assert bound * 0.9 < values.max() <= bound
        assert not conv.bias.detach().numpy().any()
    normed = ops.FeaturePyramidNetwork([4], 8, norm_layer=BatchNorm2d)
    assert (
        "inner_blocks.0.0.bias" not in normed.state_dict()
        and "inner_blocks.0.1.running_mean" in normed.state_dict()
    )
    assert [type(m).__name__ for m in normed.layer_blocks[0]] == ["Conv2d", "BatchNorm2d"]


def test_a_version_1_state_dict_loads_with_its_keys_renamed(rng):
    fpn = ops.FeaturePyramidNetwork([2, 3], 4)
    state = {
        k: autograd.tensor(rng.normal(size=v.shape).astype(np.float32)) for k, v in fpn.state_dict().items()
    }
    old = OrderedDict((k.replace(".0.", ".", 1), v) for k, v in state.items())  # inner_blocks.0.weight, …
    assert "inner_blocks.1.weight" in old
    fresh = ops.FeaturePyramidNetwork([2, 3], 4)
    fresh.load_state_dict(old)
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), state[k].numpy())
    saved = fresh.state_dict()  # a version-2 dict (its metadata says so) loads as it is
    assert saved._metadata[""]["version"] == 2
    ops.FeaturePyramidNetwork([2, 3], 4).load_state_dict(saved)
    old._metadata = {"": {"version": 2}}  # old keys in a dict that says version 2: not renamed, refused
    with pytest.raises(RuntimeError, match="inner_blocks.0.weight"):
        ops.FeaturePyramidNetwork([2, 3], 4).load_state_dict(old)


def by_hand(fpn, x: OrderedDict) -> list:
    """The pyramid's outputs from each block's own weights, written out level by level (deepest first)."""

    def conv(block, a, padding):
        return F.conv2d(a, block[0].weight, block[0].bias, padding=padding)

    maps = list(x.values())
    inner = conv(fpn.inner_blocks[2], maps[2], 0)
    outputs = [conv(fpn.layer_blocks[2], inner, 1)]
    for level in (1, 0):
        lateral = conv(fpn.inner_blocks[level], maps[level], 0)
        inner = lateral + autograd.tensor(nearest(inner.detach().numpy(), lateral.shape[-2:]))
        outputs.insert(0, conv(fpn.layer_blocks[level], inner, 1))
    return [o.detach().numpy() for o in outputs]


def test_each_level_uses_its_own_blocks(rng):
    fpn = ops.FeaturePyramidNetwork([2, 3, 5], 4).double()
    for conv in [block[0] for block in [*fpn.inner_blocks, *fpn.layer_blocks]]:
        conv.bias.data = autograd.tensor(
            rng.normal(size=conv.bias.shape)
        )  # torchvision's are 0: make them count
    x = maps(rng, (2, 3, 5))
    out = fpn(x)
    for got, expected in zip(out.values(), by_hand(fpn, x)):
        np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-12, atol=1e-12)


def test_last_level_max_pool_subsamples_the_last_output(rng):
    fpn = ops.FeaturePyramidNetwork([3, 3, 3], 3, extra_blocks=LastLevelMaxPool()).double()
    out = fpn(maps(rng))
    assert list(out) == ["c2", "c3", "c4", "pool"]
    np.testing.assert_array_equal(out["pool"].detach().numpy(), out["c4"].detach().numpy()[..., ::2, ::2])


@pytest.mark.parametrize("p6_in", [4, 5])
def test_last_level_p6_p7_reads_p5_when_widths_match_else_c5(rng, p6_in):
    extra = LastLevelP6P7(p6_in, 4)
    assert extra.use_P5 == (p6_in == 4)
    assert tuple(extra.p6.weight.shape) == (4, p6_in, 3, 3) and tuple(extra.p7.weight.shape) == (4, 4, 3, 3)
    fpn = ops.FeaturePyramidNetwork([3, 4, 5], 4, extra_blocks=extra).double()
    x = maps(rng, (3, 4, 5), [(17, 18), (9, 10), (5, 6)])
    out = fpn(x)
    assert list(out) == ["c2", "c3", "c4", "p6", "p7"]
    assert tuple(out["p6"].shape) == (2, 4, 3, 3)  # 5×6 → 3×3 → 2×2
    assert tuple(out["p7"].shape) == (2, 4, 2, 2)
    source = out["c4"] if p6_in == 4 else x["c4"]
    p6 = F.conv2d(source, extra.p6.weight, extra.p6.bias, stride=2, padding=1)
    p7 = F.conv2d(relu(p6), extra.p7.weight, extra.p7.bias, stride=2, padding=1)
    np.testing.assert_allclose(out["p6"].detach().numpy(), p6.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(out["p7"].detach().numpy(), p7.detach().numpy(), rtol=1e-12)
    for conv in (extra.p6, extra.p7):
        bound = math.sqrt(3 / math.prod(conv.weight.shape[1:]))
        assert np.abs(conv.weight.detach().numpy()).max() <= bound and not conv.bias.detach().numpy().any()


def test_gradients_match_central_differences(rng, check_grad):
    fpn = ops.FeaturePyramidNetwork([2, 3], 2, extra_blocks=LastLevelP6P7(3, 2)).double()
    c2 = autograd.tensor(rng.normal(size=(1, 2, 5, 6)), requires_grad=True)
    c3 = autograd.tensor(rng.normal(size=(1, 3, 3, 3)), requires_grad=True)

    def fn(a, b):
        out = fpn(OrderedDict(c2=a, c3=b))
        return autograd.cat([v.reshape(-1) for v in out.values()])

    check_grad(fn, c2, c3)


def test_bad_arguments_are_refused(rng):
    with pytest.raises(ValueError, match="in_channels=0"):
        ops.FeaturePyramidNetwork([4, 0], 8)
    with pytest.raises(TypeError, match="extra_blocks should be of type ExtraFPNBlock"):
        ops.FeaturePyramidNetwork([4], 8, extra_blocks=BatchNorm2d(8))
    with pytest.raises(ValueError, match="built for 2 maps, got 3"):
        ops.FeaturePyramidNetwork([3, 3], 3).double()(maps(rng))
    with pytest.raises(NotImplementedError, match="defines forward"):
        ExtraFPNBlock()([], [], [])
