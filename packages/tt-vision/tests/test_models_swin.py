"""tt_vision.models' Swin Transformer (V1 and V2) against torchvision 0.28's: counts, keys, windows, errors.

Parameter counts are torchvision's published ``meta["num_params"]``; the window attention is
checked against a loop over windows written here (the masking rule stated as "tokens the roll
wrapped around do not see each other"), the index tables against hand-derived values.
Not course material.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision.models import SwinTransformer, list_models, swin_t, swin_v2_t
from tt_vision.models import swin_transformer as swin_module
from tt_vision.models.swin_attention import relative_position_index, shift_mask
from tt_vision.models.swin_transformer import (
    PatchMerging,
    PatchMergingV2,
    ShiftedWindowAttention,
    ShiftedWindowAttentionV2,
    SwinTransformerBlock,
    SwinTransformerBlockV2,
    shifted_window_attention,
)


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def tiny(**kwargs) -> SwinTransformer:
    options = {
        "patch_size": [2, 2],
        "embed_dim": 8,
        "depths": [2, 2],
        "num_heads": [2, 4],
        "window_size": [2, 2],
    }
    return SwinTransformer(**{**options, **kwargs})


def recorded(monkeypatch, build, **kwargs) -> dict:
    """The arguments ``build`` hands to SwinTransformer (without building it); it must return the model."""
    calls, model = [], object()

    def record(**options):
        calls.append(options)
        return model

    monkeypatch.setattr(swin_module, "SwinTransformer", record)
    assert build(**kwargs) is model
    return calls[0]


def formula_count(embed: int, depths: list[int], heads: list[int], window: int, v2: bool) -> int:
    """Swin's parameters by hand: patch convolution 4x4 + norm; per block two norms, qkv 3C² + 3C, proj
    C² + C, the MLP C <-> 4C, and the bias table (2w - 1)² per head (V1) or logit_scale and cpb_mlp
    2 -> 512 -> heads (V2); per merging 4C -> 2C and a norm of 4C (V1) or 2C (V2); norm and head."""
    total = 3 * 16 * embed + embed + 2 * embed
    for stage, (depth, head) in enumerate(zip(depths, heads)):
        c = embed * 2**stage
        block = 2 * c + 3 * c * c + 3 * c + c * c + c + 2 * c + 4 * c * c + 4 * c + 4 * c * c + c
        block += head + 2 * 512 + 512 + 512 * head if v2 else (2 * window - 1) ** 2 * head
        total += depth * block
        if stage < len(depths) - 1:
            total += 8 * c * c + (2 * 2 * c if v2 else 2 * 4 * c)
    last = embed * 2 ** (len(depths) - 1)
    return total + 2 * last + last * 1000 + 1000


def test_swin_t_and_v2_t_as_torchvisions(monkeypatch):
    """One test per built model (swin_t takes ~9 s to build): counts, layout and keys, initialisation."""
    model_t, model_v2_t = swin_t(), swin_v2_t()
    check_layout_and_state_dict_keys(model_t)
    check_v2_layout_and_state_dict_keys(model_v2_t)
    check_initialisation(model_t, model_v2_t)
    assert count(model_t) == 28_288_354 == formula_count(96, [2, 2, 6, 2], [3, 6, 12, 24], 7, False)
    assert count(model_v2_t) == 28_351_570 == formula_count(96, [2, 2, 6, 2], [3, 6, 12, 24], 8, True)
    published = {"swin_s": 49_606_258, "swin_b": 87_768_224, "swin_v2_s": 49_737_442, "swin_v2_b": 87_930_848}
    for name, expected in published.items():
        options = recorded(monkeypatch, getattr(swin_module, name))
        shape = [options[k] for k in ("embed_dim", "depths", "num_heads")] + [options["window_size"][0]]
        assert formula_count(*shape, v2="block" in options) == expected


def test_builders_settings_and_registry(monkeypatch):
    settings = {
        "swin_t": (96, [2, 2, 6, 2], [3, 6, 12, 24], [7, 7], 0.2),
        "swin_s": (96, [2, 2, 18, 2], [3, 6, 12, 24], [7, 7], 0.3),
        "swin_b": (128, [2, 2, 18, 2], [4, 8, 16, 32], [7, 7], 0.5),
        "swin_v2_t": (96, [2, 2, 6, 2], [3, 6, 12, 24], [8, 8], 0.2),
        "swin_v2_s": (96, [2, 2, 18, 2], [3, 6, 12, 24], [8, 8], 0.3),
        "swin_v2_b": (128, [2, 2, 18, 2], [4, 8, 16, 32], [8, 8], 0.5),
    }
    assert list_models(include="swin*") == sorted(settings)
    for name, (embed, depths, heads, window, probability) in settings.items():
        options = recorded(monkeypatch, getattr(swin_module, name), num_classes=7)
        v2 = {"block": SwinTransformerBlockV2, "downsample_layer": PatchMergingV2} if "v2" in name else {}
        assert options == {
            "patch_size": [4, 4],
            "embed_dim": embed,
            "depths": depths,
            "num_heads": heads,
            "window_size": window,
            "stochastic_depth_prob": probability,
            "num_classes": 7,
            **v2,
        }


def check_layout_and_state_dict_keys(model):
    kinds = [type(m).__name__ for m in model.features]
    assert kinds == ["Sequential", "Sequential", "PatchMerging", "Sequential", "PatchMerging", "Sequential",
                     "PatchMerging", "Sequential"]  # fmt: skip
    assert [len(model.features[i]) for i in (1, 3, 5, 7)] == [2, 2, 6, 2]
    stem = model.features[0]
    assert [type(m).__name__ for m in stem] == ["Conv2d", "Permute", "LayerNorm"]
    assert stem[0].weight.shape == (96, 3, 4, 4) and stem[0].stride == (4, 4) and stem[2].eps == 1e-5
    assert model.features[2].reduction.weight.shape == (192, 384) and model.features[2].norm.weight.shape == (
        384,
    )
    assert model.features[6].reduction.bias is None
    block = model.features[5][3]
    assert block.attn.qkv.weight.shape == (1152, 384) and block.attn.num_heads == 12
    assert block.attn.relative_position_bias_table.shape == (169, 12)
    assert block.attn.relative_position_index.shape == (49 * 49,)
    assert block.mlp[0].weight.shape == (1536, 384) and type(block.mlp[1]).__name__ == "GELU"
    assert [b.attn.shift_size for b in model.features[5]] == [[0, 0], [3, 3]] * 3
    keys = list(model.state_dict())
    assert keys[:12] == [
        "features.0.0.weight",
        "features.0.0.bias",
        "features.0.2.weight",
        "features.0.2.bias",
        "features.1.0.norm1.weight",
        "features.1.0.norm1.bias",
        "features.1.0.attn.relative_position_bias_table",
        "features.1.0.attn.relative_position_index",
        "features.1.0.attn.qkv.weight",
        "features.1.0.attn.qkv.bias",
        "features.1.0.attn.proj.weight",
        "features.1.0.attn.proj.bias",
    ]
    assert keys[12:18] == [
        "features.1.0.norm2.weight",
        "features.1.0.norm2.bias",
        "features.1.0.mlp.0.weight",
        "features.1.0.mlp.0.bias",
        "features.1.0.mlp.3.weight",
        "features.1.0.mlp.3.bias",
    ]
    assert keys[-4:] == ["norm.weight", "norm.bias", "head.weight", "head.bias"]
    assert model.head.weight.shape == (1000, 768) and model.num_classes == 1000


def check_v2_layout_and_state_dict_keys(model):
    attn = model.features[1][1].attn
    assert type(attn).__name__ == "ShiftedWindowAttentionV2" and attn.shift_size == [4, 4]
    keys = [k for k in model.state_dict() if k.startswith("features.1.0.attn.")]
    assert keys == [
        "features.1.0.attn.logit_scale",
        "features.1.0.attn.relative_coords_table",
        "features.1.0.attn.relative_position_index",
        "features.1.0.attn.qkv.weight",
        "features.1.0.attn.qkv.bias",
        "features.1.0.attn.proj.weight",
        "features.1.0.attn.proj.bias",
        "features.1.0.attn.cpb_mlp.0.weight",
        "features.1.0.attn.cpb_mlp.0.bias",
        "features.1.0.attn.cpb_mlp.2.weight",
    ]
    assert attn.relative_coords_table.shape == (1, 15, 15, 2) and attn.cpb_mlp[2].bias is None
    assert type(model.features[2]).__name__ == "PatchMergingV2" and model.features[2].norm.weight.shape == (
        192,
    )
    assert not hasattr(attn, "relative_position_bias_table")


def test_relative_position_index_by_hand():
    # window 2x2: tokens (0,0), (0,1), (1,0), (1,1); index = (dy + 1) * 3 + (dx + 1)
    expected = [[4, 3, 1, 0], [5, 4, 2, 1], [7, 6, 4, 3], [8, 7, 5, 4]]
    np.testing.assert_array_equal(relative_position_index([2, 2]).reshape(4, 4), expected)
    wide = relative_position_index([1, 3]).reshape(3, 3)  # one row: index = dx + 2
    np.testing.assert_array_equal(wide, [[2, 1, 0], [3, 2, 1], [4, 3, 2]])
    tall = relative_position_index([2, 3]).reshape(6, 6)  # (dy + 1) * 5 + (dx + 2); token 1 (0, 1), 3 (1, 0)
    assert tall[0, 5] == 0 and tall[5, 0] == 14 and tall[1, 3] == 0 * 5 + 3 and np.all(np.diag(tall) == 7)
    assert relative_position_index([7, 7]).max() == 168 and relative_position_index([7, 7]).dtype == np.int64


def test_shift_mask_by_hand():
    mask = shift_mask(4, 4, [2, 2], [1, 1])
    assert mask.shape == (4, 4, 4)
    np.testing.assert_array_equal(mask[0], 0)  # the top-left window holds one region
    # the top-right window: columns 2 (region 1) and 3 (region 2, wrapped): tokens 0, 2 vs 1, 3
    split = np.array([[0, -100, 0, -100], [-100, 0, -100, 0], [0, -100, 0, -100], [-100, 0, -100, 0]])
    np.testing.assert_array_equal(mask[1], split)
    np.testing.assert_array_equal(mask[2], split.reshape(2, 2, 2, 2).transpose(1, 0, 3, 2).reshape(4, 4))
    np.testing.assert_array_equal(mask[3], np.where(np.eye(4) == 1, 0, -100))  # four regions
    rows_only = shift_mask(4, 4, [2, 2], [1, 0])
    np.testing.assert_array_equal(rows_only[1], 0)  # no column shift: the top windows are whole
    np.testing.assert_array_equal(rows_only[3], mask[2])


def reference_attention(x, qkv_w, qkv_b, proj_w, proj_b, bias, window, heads, shift, logit_scale=None):
    """A loop over windows: pad, roll, attend inside each window; tokens whose unrolled places are a window
    or more apart (brought together by the roll) get -100; roll back, crop."""
    batch, height, width, channels = x.shape
    ph, pw = -(-height // window[0]) * window[0], -(-width // window[1]) * window[1]
    shift = [0 if window[0] >= ph else shift[0], 0 if window[1] >= pw else shift[1]]
    padded = np.zeros((batch, ph, pw, channels))
    padded[:, :height, :width] = x
    rolled = np.roll(padded, (-shift[0], -shift[1]), (1, 2))
    rows, cols = np.meshgrid(np.arange(ph), np.arange(pw), indexing="ij")
    home_r, home_c = (
        np.roll(rows, (-shift[0], -shift[1]), (0, 1)),
        np.roll(cols, (-shift[0], -shift[1]), (0, 1)),
    )
    out = np.zeros_like(rolled)
    d = channels // heads
    if logit_scale is not None:
        qkv_b = qkv_b.copy()
        qkv_b[channels : 2 * channels] = 0
    for b in range(batch):
        for r0 in range(0, ph, window[0]):
            for c0 in range(0, pw, window[1]):
                tokens = rolled[b, r0 : r0 + window[0], c0 : c0 + window[1]].reshape(-1, channels)
                hr = home_r[r0 : r0 + window[0], c0 : c0 + window[1]].reshape(-1)
                hc = home_c[r0 : r0 + window[0], c0 : c0 + window[1]].reshape(-1)
                far = (np.abs(hr[:, None] - hr[None]) >= window[0]) | (
                    np.abs(hc[:, None] - hc[None]) >= window[1]
                )
                qkv = tokens @ qkv_w.T + qkv_b
                mixed = np.zeros_like(tokens)
                for h in range(heads):
                    q = qkv[:, h * d : (h + 1) * d]
                    k = qkv[:, channels + h * d : channels + (h + 1) * d]
                    v = qkv[:, 2 * channels + h * d : 2 * channels + (h + 1) * d]
                    if logit_scale is None:
                        scores = q @ k.T / math.sqrt(d)
                    else:
                        # F.normalize: divide by max(norm, 1e-12) (a padded token's key is 0)
                        qn = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
                        kn = k / np.maximum(np.linalg.norm(k, axis=1, keepdims=True), 1e-12)
                        scores = qn @ kn.T * math.exp(min(logit_scale[h], math.log(100)))
                    scores = scores + bias[h] + np.where(far & (sum(shift) > 0), -100.0, 0.0)
                    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
                    mixed[:, h * d : (h + 1) * d] = (weights / weights.sum(axis=1, keepdims=True)) @ v
                window_out = mixed @ proj_w.T + proj_b
                out[b, r0 : r0 + window[0], c0 : c0 + window[1]] = window_out.reshape(
                    window[0], window[1], -1
                )
    return np.roll(out, (shift[0], shift[1]), (1, 2))[:, :height, :width]


@pytest.mark.parametrize(
    ("size", "shift", "window"),
    [((4, 4), [1, 1], [2, 2]), ((5, 3), [1, 1], [2, 2]), ((4, 6), [0, 1], [2, 2]), ((2, 2), [1, 1], [2, 2]),
     ((5, 7), [1, 1], [2, 3]), ((6, 4), [1, 1], [3, 2]), ((4, 5), [1, 0], [3, 2]),
     ((3, 4), [1, 1], [3, 2]), ((4, 3), [1, 1], [2, 3])],
)  # fmt: skip
@pytest.mark.parametrize("v2", [False, True])
def test_window_attention_matches_a_loop_over_windows(rng, size, shift, window, v2):
    channels, heads = 4, 2
    x = rng.normal(size=(2, *size, channels))
    qkv_w, qkv_b = rng.normal(size=(3 * channels, channels)), rng.normal(size=3 * channels)
    proj_w, proj_b = rng.normal(size=(channels, channels)), rng.normal(size=channels)
    tokens = window[0] * window[1]
    bias = rng.normal(size=(1, heads, tokens, tokens))
    scale = np.array([math.log(2.0), math.log(500.0)])  # the second is clamped to log 100
    expected = reference_attention(x, qkv_w, qkv_b, proj_w, proj_b, bias[0], window, heads, shift,
                                   scale if v2 else None)  # fmt: skip
    t = autograd.tensor
    out = shifted_window_attention(
        t(x), t(qkv_w), t(proj_w), t(bias), window, heads, shift, qkv_bias=t(qkv_b), proj_bias=t(proj_b),
        logit_scale=t(scale.reshape(2, 1, 1)) if v2 else None,
    )  # fmt: skip
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-9, atol=1e-11)


def test_window_attention_gradients(leaf, check_grad):
    def v1(x, qkv_w, proj_w, bias, qkv_b):
        return shifted_window_attention(x, qkv_w, proj_w, bias, [2, 2], 2, [1, 1], qkv_bias=qkv_b)

    check_grad(v1, leaf(1, 3, 4, 4), leaf(12, 4), leaf(4, 4), leaf(1, 2, 4, 4), leaf(12))

    def v2(x, qkv_w, qkv_b, scale):
        weights = autograd.eye(4, dtype=autograd.float64)
        return shifted_window_attention(
            x, qkv_w, weights, 0.0, [2, 2], 2, [1, 1], qkv_bias=qkv_b, logit_scale=scale
        )

    qkv_b = leaf(12)
    check_grad(v2, leaf(1, 4, 4, 4), leaf(12, 4), qkv_b, leaf(2, 1, 1, low=0.5, high=1.5))
    out = v2(leaf(1, 4, 4, 4), leaf(12, 4), qkv_b, leaf(2, 1, 1)).sum()
    out.backward()
    grad = qkv_b.grad.numpy()
    assert np.all(grad[4:8] == 0) and np.all(grad[:4] != 0)  # the keys' bias is held at zero


def test_attention_modules_use_their_bias_tables(rng):
    attn = ShiftedWindowAttention(4, [2, 2], [0, 0], 2).double()
    x = autograd.tensor(rng.normal(size=(1, 2, 2, 4)))
    table = attn.relative_position_bias_table.detach().numpy()
    bias = table[relative_position_index([2, 2])].reshape(4, 4, 2).transpose(2, 0, 1)[None]
    np.testing.assert_allclose(attn.get_relative_position_bias().detach().numpy(), bias, rtol=0, atol=0)
    weights = (attn.qkv.weight, attn.proj.weight)
    expected = shifted_window_attention(x, *weights, autograd.tensor(bias), [2, 2], 2, [0, 0],
                                        qkv_bias=attn.qkv.bias, proj_bias=attn.proj.bias)  # fmt: skip
    np.testing.assert_allclose(attn(x).detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    v2 = ShiftedWindowAttentionV2(4, [2, 2], [1, 1], 2).double()
    coords = v2.relative_coords_table.numpy()[0]
    edge = math.log2(9) / 3  # offsets -1, 0, 1 over (window - 1) = 1, times 8: log2(8 + 1) / 3
    np.testing.assert_allclose(coords[:, :, 0], np.array([[-edge] * 3, [0] * 3, [edge] * 3]), rtol=1e-6)
    np.testing.assert_allclose(coords[:, :, 1], np.array([[-edge, 0, edge]] * 3), rtol=1e-6)
    mlp = v2.cpb_mlp(v2.relative_coords_table).detach().numpy().reshape(-1, 2)
    bias = 16 / (1 + np.exp(-mlp[relative_position_index([2, 2])].reshape(4, 4, 2).transpose(2, 0, 1)))
    np.testing.assert_allclose(v2.get_relative_position_bias().detach().numpy()[0], bias, rtol=1e-12)
    np.testing.assert_allclose(v2.logit_scale.detach().numpy(), np.full((2, 1, 1), math.log(10)), rtol=1e-6)
    qkv_bias = ShiftedWindowAttentionV2(4, [2, 2], [0, 0], 2).qkv.bias.detach().numpy()
    assert np.all(qkv_bias[4:8] == 0) and np.all(qkv_bias[:4] != 0) and np.all(qkv_bias[8:] != 0)
    tall = ShiftedWindowAttentionV2(4, [3, 2], [0, 0], 2)
    rows = tall.relative_coords_table.numpy()[0, :, 0, 0]  # offsets -2 .. 2 over 2, times 8
    steps = np.array([-8, -4, 0, 4, 8])
    np.testing.assert_allclose(rows, np.sign(steps) * np.log2(np.abs(steps) + 1) / 3, rtol=1e-6)
    cols = tall.relative_coords_table.numpy()[0, 0, :, 1]  # offsets -1 .. 1 over 1, times 8
    np.testing.assert_allclose(cols, np.array([-1, 0, 1]) * math.log2(9) / 3, rtol=1e-6)
    assert tall.cpb_mlp[1].inplace and tall.cpb_mlp[0].bias is not None
    assert tall.relative_coords_table.shape == (1, 5, 3, 2)
    assert tall.get_relative_position_bias().shape == (1, 2, 6, 6)
    plain = ShiftedWindowAttentionV2(4, [2, 2], [1, 1], 2, qkv_bias=False)
    assert plain(autograd.randn(1, 4, 4, 4)).shape == (1, 4, 4, 4)  # no bias: nothing to hold at zero
    assert ShiftedWindowAttention(4, [2, 3], [0, 0], 2).relative_position_bias_table.shape == (15, 2)
    assert ShiftedWindowAttentionV2(4, [2, 2], [0, 0], 2, qkv_bias=False).qkv.bias is None


def test_patch_merging_order_and_padding(rng):
    x = np.arange(2 * 3 * 5 * 1, dtype=np.float64).reshape(2, 3, 5, 1)
    merge = PatchMerging(1).double()
    assert merge.reduction.weight.shape == (2, 4) and merge.norm.weight.shape == (4,) and merge.dim == 1
    assert swin_module.patch_merging_pad(autograd.zeros(3, 2, 4, 6, 2)).shape == (3, 2, 2, 3, 8)
    with autograd.no_grad():
        merge.norm.weight.fill_(1.0)
    merged = swin_module.patch_merging_pad(autograd.tensor(x)).numpy()
    assert merged.shape == (2, 2, 3, 4)
    # torchvision's order: (0, 0), (1, 0), (0, 1), (1, 1) of each 2x2 block
    np.testing.assert_array_equal(
        merged[0, 0, 0], [x[0, 0, 0, 0], x[0, 1, 0, 0], x[0, 0, 1, 0], x[0, 1, 1, 0]]
    )
    np.testing.assert_array_equal(merged[1, 1, 2], [x[1, 2, 4, 0], 0, 0, 0])  # the padded corner
    out = merge(autograd.tensor(x))
    normed = merge.norm(autograd.tensor(merged))
    np.testing.assert_allclose(out.detach().numpy(), merge.reduction(normed).detach().numpy(), rtol=1e-12)
    v2 = PatchMergingV2(2).double()
    y = autograd.tensor(rng.normal(size=(1, 4, 4, 2)))
    expected = v2.norm(v2.reduction(swin_module.patch_merging_pad(y)))
    np.testing.assert_allclose(v2(y).detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    assert v2.norm.weight.shape == (4,) and v2(y).shape == (1, 2, 2, 4)
    assert v2.reduction.weight.shape == (4, 8) and v2.reduction.bias is None and v2.dim == 2


def test_blocks_pre_and_post_norm(rng):
    x = autograd.tensor(rng.normal(size=(2, 4, 4, 8)))
    block = SwinTransformerBlock(8, 2, [2, 2], [1, 1]).double().eval()
    h = x + block.attn(block.norm1(x))
    np.testing.assert_allclose(
        block(x).detach().numpy(), (h + block.mlp(block.norm2(h))).detach().numpy(), 1e-12
    )
    v2 = SwinTransformerBlockV2(8, 2, [2, 2], [1, 1]).double().eval()
    h = x + v2.norm1(v2.attn(x))
    np.testing.assert_allclose(v2(x).detach().numpy(), (h + v2.norm2(v2.mlp(h))).detach().numpy(), 1e-12)
    assert type(v2.attn).__name__ == "ShiftedWindowAttentionV2"
    assert (
        block.mlp[0].weight.shape == (32, 8)
        and SwinTransformerBlock(8, 2, [2, 2], [0, 0], 2.0).mlp[0].out_features == 16
    )
    dropped = SwinTransformerBlock(8, 2, [2, 2], [1, 1], stochastic_depth_prob=1.0).double().train()
    np.testing.assert_array_equal(dropped(x).detach().numpy(), x.numpy())  # both branches dropped
    mlp_bias = SwinTransformerBlock(64, 2, [2, 2], [0, 0]).mlp[0].bias.detach().numpy()
    assert 0 < np.abs(mlp_bias).max() < 1e-5  # N(0, 1e-12) before the model draws it again
    assert abs(mlp_bias.std() / 1e-6 - 1) < 0.25
    mlp_weight = SwinTransformerBlock(64, 2, [2, 2], [0, 0]).mlp[0].weight.detach().numpy()
    bound = math.sqrt(6 / (64 + 256))  # xavier_uniform_ (a Linear's own draw is bounded by 1/8)
    assert bound * 0.97 < np.abs(mlp_weight).max() <= bound


def test_stochastic_depth_and_shifts_over_the_model():
    model = tiny(stochastic_depth_prob=0.3, depths=[2, 1, 1], num_heads=[1, 2, 4])
    blocks = [b for i in (1, 3, 5) for b in model.features[i]]
    assert [b.stochastic_depth.p for b in blocks] == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert all(b.stochastic_depth.mode == "row" for b in blocks)
    assert [b.attn.shift_size for b in blocks] == [[0, 0], [1, 1], [0, 0], [0, 0]]
    assert [b.attn.num_heads for b in blocks] == [1, 1, 2, 4]
    assert model.features[5][0].norm1.weight.shape == (32,) and model.head.in_features == 32


def test_forward_shapes_and_every_parameter_gets_a_gradient():
    for model in (tiny(num_classes=5), tiny(num_classes=5, block=SwinTransformerBlockV2,
                                            downsample_layer=PatchMergingV2)):  # fmt: skip
        x = autograd.randn(2, 3, 10, 12)
        features = model.features(x)
        assert features.shape == (2, 3, 3, 16)
        out = model(x)
        assert out.shape == (2, 5) and out.dtype == autograd.float32
        assert model.num_classes == 5
        nn.functional.cross_entropy(out, autograd.tensor([0, 4])).backward()
        missing = [n for n, p in model.named_parameters() if p.grad is None or not np.any(p.grad.numpy())]
        assert missing == []


def check_initialisation(model, model_v2_t):
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    weight = model.features[5][0].mlp[0].weight.detach().numpy()  # 1536 x 384, trunc_normal_(std=0.02)
    assert abs(weight.std() / 0.02 - 1) < 0.01 and abs(weight.mean()) < 5e-4
    assert all(np.all(m.bias.detach().numpy() == 0) for m in linears if m.bias is not None)
    table = np.concatenate(
        [b.attn.relative_position_bias_table.detach().numpy().ravel() for b in model.features[5]]
    )
    assert abs(table.std() / 0.02 - 1) < 0.05
    norms = [m for m in model.modules() if isinstance(m, nn.LayerNorm)]
    assert all(m.eps == 1e-5 and np.all(m.weight.detach().numpy() == 1) for m in norms)
    v2 = model_v2_t.features[1][0].attn
    assert np.all(v2.qkv.bias.detach().numpy() == 0) and np.all(v2.cpb_mlp[0].bias.detach().numpy() == 0)
    assert abs(v2.cpb_mlp[0].weight.detach().numpy().std() / 0.02 - 1) < 0.1


def test_bad_arguments():
    with pytest.raises(ValueError, match="window_size and shift_size must be of length 2"):
        ShiftedWindowAttention(8, [2, 2, 2], [0, 0], 2)
    with pytest.raises(ValueError, match="one entry per stage"):
        tiny(num_heads=[2])
    with pytest.raises(ValueError, match="must divide among num_heads=3"):
        tiny(num_heads=[3, 4])(autograd.randn(1, 3, 8, 8))
    with pytest.raises(ValueError, match="swin_t: pretrained weights"):
        swin_t(weights="DEFAULT")
    with pytest.raises(TypeError, match="stochastic_depth_prob"):
        swin_t(stochastic_depth_prob=0.0)  # fixed by the builder, as in torchvision
    with pytest.raises(TypeError, match="block"):
        swin_v2_t(block=SwinTransformerBlock)


def test_options_reach_the_layers():
    plain = ShiftedWindowAttention(4, [2, 2], [0, 0], 2, qkv_bias=False, proj_bias=False)
    assert plain.qkv.bias is None and plain.proj.bias is None
    attn = ShiftedWindowAttention(4, [2, 2], [1, 1], 2, attention_dropout=0.5, dropout=0.25)
    assert (attn.attention_dropout, attn.dropout, attn.window_size, attn.shift_size) == (
        0.5,
        0.25,
        [2, 2],
        [1, 1],
    )
    x = autograd.randn(1, 4, 4, 4)
    first = attn.eval()(x).detach().numpy()
    np.testing.assert_array_equal(attn(x).detach().numpy(), first)  # no dropout out of training
    assert not np.allclose(attn.train()(x).detach().numpy(), first)
    block = SwinTransformerBlock(8, 2, [2, 2], [0, 0], dropout=0.25, attention_dropout=0.5)
    assert block.attn.attention_dropout == 0.5 and block.attn.dropout == 0.25 and block.mlp[2].p == 0.25
    model = tiny(
        mlp_ratio=2.0, dropout=0.1, attention_dropout=0.2, norm_layer=partial(nn.LayerNorm, eps=1e-3)
    )
    block = model.features[3][1]
    assert (
        block.mlp[0].out_features == 32 and block.attn.dropout == 0.1 and block.attn.attention_dropout == 0.2
    )
    assert all(m.eps == 1e-3 for m in model.modules() if isinstance(m, nn.LayerNorm))
    assert type(tiny(downsample_layer=PatchMergingV2).features[2]).__name__ == "PatchMergingV2"
    assert type(tiny(block=SwinTransformerBlockV2).features[1][0]).__name__ == "SwinTransformerBlockV2"
    stem = tiny(patch_size=[2, 4]).features[0][0]
    assert stem.kernel_size == (2, 4) and stem.stride == (2, 4)
