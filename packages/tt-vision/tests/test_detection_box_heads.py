"""Fast R-CNN's box heads and predictor (tt_vision.models.detection.box_heads), as torchvision's.

Outputs against NumPy products of the layers' own weights, state-dict keys and parameter counts
(torchvision 0.29's, printed by it in a scratch run), initialisation statistics, clear errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision.layers import BatchNorm2d, Conv2d
from tt_vision.models.detection.box_heads import FastRCNNConvFCHead, FastRCNNPredictor, TwoMLPHead


def count(module) -> int:
    return sum(p.numel() for p in module.parameters())


def affine(layer, x):
    return x @ layer.weight.detach().numpy().T + layer.bias.detach().numpy()


def test_two_mlp_head_is_two_linear_relus_on_the_flattened_rois(rng):
    head = TwoMLPHead(3 * 2 * 2, 5)
    x = rng.normal(size=(4, 3, 2, 2)).astype(np.float32)
    out = head(autograd.tensor(x)).detach().numpy()
    hidden = np.maximum(affine(head.fc6, x.reshape(4, 12)), 0)
    np.testing.assert_allclose(out, np.maximum(affine(head.fc7, hidden), 0), rtol=1e-5, atol=1e-6)
    assert out.shape == (4, 5) and (out == 0).any() and (out > 0).any()  # both sides of the ReLU seen
    assert sorted(head.state_dict()) == ["fc6.bias", "fc6.weight", "fc7.bias", "fc7.weight"]
    # torchvision 0.29: TwoMLPHead(256 * 7 * 7, 1024) has 13,895,680 parameters
    assert count(TwoMLPHead(256 * 7 * 7, 1024)) == 13_895_680


def test_predictor_gives_class_logits_and_per_class_codes(rng):
    predictor = FastRCNNPredictor(6, 3)
    x = rng.normal(size=(5, 6)).astype(np.float32)
    scores, codes = predictor(autograd.tensor(x))
    np.testing.assert_allclose(scores.detach().numpy(), affine(predictor.cls_score, x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(codes.detach().numpy(), affine(predictor.bbox_pred, x), rtol=1e-5, atol=1e-6)
    assert tuple(scores.shape) == (5, 3) and tuple(codes.shape) == (5, 12)
    same, _ = predictor(autograd.tensor(x.reshape(5, 6, 1, 1)))  # a (R, C, 1, 1) input is flattened
    np.testing.assert_array_equal(same.detach().numpy(), scores.detach().numpy())
    assert sorted(predictor.state_dict()) == [
        "bbox_pred.bias",
        "bbox_pred.weight",
        "cls_score.bias",
        "cls_score.weight",
    ]
    # torchvision 0.29: FastRCNNPredictor(1024, 91) has 466,375 parameters
    assert count(FastRCNNPredictor(1024, 91)) == 466_375


def test_conv_fc_head_layout_keys_and_counts():
    head = FastRCNNConvFCHead((4, 3, 3), [6, 5], [7, 2], norm_layer=BatchNorm2d)
    names = [type(m).__name__ for m in head]
    assert names == [
        "Conv2dNormActivation",
        "Conv2dNormActivation",
        "Flatten",
        "Linear",
        "ReLU",
        "Linear",
        "ReLU",
    ]
    assert head[0][0].kernel_size == (3, 3) and head[0][0].padding == (1, 1) and head[0][0].bias is None
    assert isinstance(head[1][1], BatchNorm2d) and head[3].in_features == 5 * 3 * 3
    keys = head.state_dict()
    assert "0.1.running_var" in keys and "5.weight" in keys and len(keys) == 16
    out = head(autograd.randn(2, 4, 3, 3))
    assert tuple(out.shape) == (2, 2) and np.all(out.detach().numpy() >= 0)
    plain = FastRCNNConvFCHead((4, 3, 3), [6], [], norm_layer=None)
    assert sorted(plain.state_dict()) == ["0.0.bias", "0.0.weight"]
    assert tuple(plain(autograd.randn(2, 4, 3, 3)).shape) == (2, 6 * 9)
    # torchvision 0.29: the v2 head FastRCNNConvFCHead((256, 7, 7), [256] * 4, [1024], BatchNorm2d)
    # has 15,207,424 parameters (26 state-dict entries); without a norm 15,206,400 (10 entries)
    v2 = FastRCNNConvFCHead((256, 7, 7), [256] * 4, [1024], norm_layer=BatchNorm2d)
    assert count(v2) == 15_207_424 and len(v2.state_dict()) == 26
    bare = FastRCNNConvFCHead((256, 7, 7), [256] * 4, [1024])
    assert count(bare) == 15_206_400 and len(bare.state_dict()) == 10


def test_conv_fc_head_values_and_initialisation(rng):
    head = FastRCNNConvFCHead((2, 4, 4), [32, 32], [3])
    convs = [m for m in head.modules() if isinstance(m, Conv2d)]
    weights = np.concatenate([c.weight.detach().numpy().ravel() for c in convs])
    # Kaiming normal, fan_out = 32 · 9, ReLU gain: std sqrt(2 / 288) = 0.0833
    assert abs(weights.std() - math.sqrt(2 / 288)) < 0.004 and abs(weights.mean()) < 0.004
    assert all(np.all(c.bias.detach().numpy() == 0) for c in convs)
    linear = FastRCNNConvFCHead((2, 2, 2), [], [3])
    x = rng.normal(size=(4, 2, 2, 2)).astype(np.float32)
    expected = np.maximum(affine(linear[1], x.reshape(4, 8)), 0)
    np.testing.assert_allclose(linear(autograd.tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_errors_name_the_shapes():
    with pytest.raises(
        ValueError, match=r"expecting the last two dimensions to be \[1, 1\] instead of \[2, 2\]"
    ):
        FastRCNNPredictor(3, 2)(autograd.randn(1, 3, 2, 2))
    with pytest.raises(ValueError, match="flattens to 12 features, but in_channels is 10"):
        TwoMLPHead(10, 4)(autograd.randn(2, 3, 2, 2))
    with pytest.raises(ValueError, match=r"input_size must be \(channels, height, width\)"):
        FastRCNNConvFCHead((4, 7), [8], [16])
