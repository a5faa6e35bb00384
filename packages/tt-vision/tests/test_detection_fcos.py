"""FCOS and its heads (tt_vision.models.detection.fcos) and det_utils.BoxLinearCoder, as torchvision's.

The linear box coding on hand values; the heads' shapes, keys, initialisation; the point
matching rule case by case (centre sampling, inside the box, scale ranges with the open first
and last levels, smallest area, torchvision's float32 tie); the three losses against formulas
written here and their gradients w.r.t. the head's outputs against float64 central differences;
evaluation scores; a train step on two small images reaching the backbone; the builder.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision.layers import Conv2d
from tt_vision.models import detection, list_models
from tt_vision.models.detection import (
    FCOS,
    AnchorGenerator,
    BoxLinearCoder,
    FCOSClassificationHead,
    FCOSHead,
    FCOSRegressionHead,
)
from tt_vision.models.detection.fcos import centerness_targets, match_points
from tt_vision.ops import generalized_box_iou_loss


class StandIn(nn.Module):
    """Two levels (strides 8 and 16) from two strided convolutions, 32 channels."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = Conv2d(3, 32, 3, stride=8, padding=1)
        self.down = Conv2d(32, 32, 3, stride=2, padding=1)
        self.out_channels = 32

    def forward(self, x):
        p3 = self.stem(x)
        return OrderedDict([("0", p3), ("1", self.down(p3))])


def small_model(**options) -> FCOS:
    anchors = AnchorGenerator(((8,), (16,)), ((1.0,),) * 2)
    return FCOS(StandIn(), 3, min_size=64, max_size=96, anchor_generator=anchors, **options)


def points(*rows) -> np.ndarray:
    """Square anchors ``(cx, cy, stride)`` -> ``'xyxy'``."""
    return np.array(
        [[cx - s / 2, cy - s / 2, cx + s / 2, cy + s / 2] for cx, cy, s in rows], dtype=np.float32
    )


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_box_linear_coder_on_hand_values(check_grad):
    coder = BoxLinearCoder(normalize_by_size=True)
    anchors = autograd.tensor([[0.0, 0.0, 8.0, 8.0], [10.0, 1.0, 14.0, 3.0]])
    boxes = autograd.tensor([[2.0, 0.0, 12.0, 6.0], [9.0, -1.0, 16.0, 5.0]])
    codes = coder.encode(anchors, boxes).numpy()
    # centres (4, 4) and (12, 2); sizes (8, 8) and (4, 2)
    np.testing.assert_allclose(codes, [[2 / 8, 4 / 8, 8 / 8, 2 / 8], [3 / 4, 3 / 2, 4 / 4, 3 / 2]])
    np.testing.assert_allclose(coder.decode(autograd.tensor(codes), anchors).numpy(), boxes.numpy())
    raw = BoxLinearCoder(normalize_by_size=False)
    np.testing.assert_allclose(raw.encode(anchors, boxes).numpy(), [[2, 4, 8, 2], [3, 3, 4, 3]])
    np.testing.assert_allclose(
        raw.decode(autograd.tensor([[2.0, 4, 8, 2]]), anchors[:1]).numpy(), [[2, 0, 12, 6]]
    )
    batched = coder.decode(autograd.tensor(np.stack([codes, codes])), autograd.stack([anchors, anchors]))
    assert tuple(batched.shape) == (2, 2, 4)
    reference = autograd.tensor(anchors.numpy(), dtype=autograd.float64)
    check_grad(
        lambda c: coder.decode(c, reference), autograd.tensor(codes.astype(np.float64), requires_grad=True)
    )


def test_heads_shapes_keys_and_initialisation(rng):
    head = FCOSHead(32, 1, 3, num_convs=2)
    features = [
        autograd.tensor(rng.normal(size=(2, 32, 4, 5)).astype(np.float32)),
        autograd.randn(2, 32, 2, 3),
    ]
    out = head(features)
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "cls_logits": (2, 26, 3),
        "bbox_regression": (2, 26, 4),
        "bbox_ctrness": (2, 26, 1),
    }
    assert out["bbox_regression"].detach().numpy().min() >= 0  # relu
    regression = head.regression_head
    tower = regression.conv(features[0])
    raw = regression.bbox_ctrness(tower).detach().numpy()
    assert out["bbox_ctrness"].detach().numpy()[1, 3 * 5 + 4, 0] == raw[1, 0, 3, 4]
    raw = np.maximum(regression.bbox_reg(tower).detach().numpy(), 0)
    np.testing.assert_array_equal(out["bbox_regression"].detach().numpy()[0, 7], raw[0, :, 1, 2])
    assert sorted(regression.state_dict()) == sorted(
        [f"conv.{i}.{k}" for i in (0, 1, 3, 4) for k in ("weight", "bias")]
        + [f"{m}.{k}" for m in ("bbox_reg", "bbox_ctrness") for k in ("weight", "bias")]
    )
    assert isinstance(regression.conv[1], nn.GroupNorm) and regression.conv[1].num_groups == 32
    assert type(regression.conv[2]).__name__ == "ReLU" and len(head.classification_head.conv) == 6
    convs = [
        p.detach().numpy().ravel() for n, p in head.named_parameters() if n.endswith("weight") and p.ndim == 4
    ]
    weights = np.concatenate(convs)
    assert abs(weights.std() - 0.01) < 0.001 and abs(weights.mean()) < 0.001
    bias = head.classification_head.cls_logits.bias.detach().numpy()
    np.testing.assert_allclose(sigmoid(bias.astype(np.float64)), 0.01, rtol=1e-5)
    for module in (
        regression.bbox_reg,
        regression.bbox_ctrness,
        regression.conv[0],
        head.classification_head.conv[3],
    ):
        assert np.all(module.bias.detach().numpy() == 0)
    assert len(FCOSHead(32, 1, 3).state_dict()) == 2 * (4 * 4 + 1) + 2 * 2
    assert (
        FCOSClassificationHead(32, 2, 5, prior_probability=0.5).cls_logits.bias.detach().numpy().tolist()
        == [0.0] * 10
    )
    custom = FCOSRegressionHead(8, 1, num_convs=1, norm_layer=lambda c: nn.GroupNorm(4, c))
    assert custom.conv[1].num_groups == 4 and len(custom.conv) == 3


def test_matching_rule_case_by_case():
    a, b, c = [0.0, 0.0, 24.0, 24.0], [16.0, 16.0, 80.0, 80.0], [4.0, 4.0, 20.0, 20.0]
    boxes = np.array([a, b, c], dtype=np.float32)
    anchors = points((12, 12, 8), (28, 12, 8), (20, 20, 8), (48, 48, 8), (48, 48, 16))
    # (12, 12): inside a and c, near both centres -> c, the smaller; (28, 12) is outside a and c, far from b;
    # (20, 20): on c's right edge (r = 0, not inside) -> a; (48, 48) at stride 8: b (largest side 32 < 64);
    # at stride 16 on the last level: 32 is below the lower bound 4 · 16
    assert match_points(boxes, anchors, [4, 1], 1.5).tolist() == [2, -1, 0, 1, -1]
    assert match_points(boxes, anchors, [4, 1], 1.0).tolist() == [2, -1, -1, 1, -1]  # (20, 20): 8 is not < 8
    big = np.array([[-152.0, -152.0, 248.0, 248.0]], dtype=np.float32)  # centre (48, 48), sides 200 away
    anchors = points((48, 48, 8), (48, 48, 16), (1000, 1000, 32))
    assert match_points(big, anchors[:2], [1, 1], 1.5).tolist() == [
        -1,
        0,
    ]  # the last level has no upper bound
    assert match_points(big, anchors, [1, 1, 1], 1.5).tolist() == [-1, -1, -1]  # 200 >= 8 · 16 in the middle
    first = points((48, 48, 16), (500, 500, 8))
    small = np.array(
        [[40.0, 40.0, 56.0, 56.0]], dtype=np.float32
    )  # sides 8 away: below 4 · 16 but first level
    assert match_points(small, first, [1, 1], 1.5).tolist() == [0, -1]
    assert match_points(small, first[::-1].copy(), [1, 1], 1.5).tolist() == [-1, -1]
    # areas 100 and 98: 1e8 - area rounds to the same float32, so the first box wins (torchvision's float32)
    tie = np.array([[7.0, 7.0, 17.0, 17.0], [5.0, 8.5, 19.0, 15.5]], dtype=np.float32)
    assert match_points(tie, points((12, 12, 8)), [1], 1.5).tolist() == [0]
    assert match_points(tie[::-1].copy(), points((12, 12, 8)), [1], 1.5).tolist() == [0]
    clear = np.array([[7.0, 7.0, 17.0, 17.0], [6.0, 9.0, 18.0, 16.0]], dtype=np.float32)  # 100 and 84
    assert match_points(clear, points((12, 12, 8)), [1], 1.5).tolist() == [1]


def test_matching_reads_each_coordinate_and_bound():
    def match(box, rows, levels, radius=1.5):
        return match_points(np.array([box], dtype=np.float32), points(*rows), levels, radius).tolist()

    # asymmetric boxes: x against x1/x2, y against y1/y2, the centre from both corners
    assert match([2, 10, 30, 22], [(26, 16, 8)], [1]) == [0]  # centre (16, 16): 10 < 12 away
    assert match([10, 2, 30, 40], [(6, 21, 8)], [1], 3.0) == [-1]  # left of x1
    assert match([2, 10, 40, 30], [(20, 8, 8)], [1], 3.0) == [-1]  # above y1
    assert match([2, 2, 30, 10], [(20, 6, 8)], [1]) == [0]
    assert match([0, 20, 40, 40], [(10, 30, 8)], [1]) == [0]  # the stride is x2 - x1 of the anchor
    assert match([15.5, 4, 30, 28], [(16, 16, 8)], [1]) == [0]  # half a pixel inside
    assert match([15.5, 15.5, 16.5, 16.5], [(16, 16, 8)], [1]) == [0]  # first level: any size above 0
    far, last = (1000, 1000, 8), (2000, 2000, 32)
    for half, expected in ((70, 0), (64, -1), (128, -1), (130, -1), (100, 0)):  # middle level: (64, 128)
        box = [500 - half, 500 - half, 500 + half, 500 + half]
        assert match(box, [far, (500, 500, 16), last], [1, 1, 1], radius=10) == [-1, expected, -1], half
    box = [500 - 70, 500 - 70, 500 + 70, 500 + 70]  # 70 >= 8 · 8 on the first level, which has two points
    assert match(box, [(16, 16, 8), (500, 500, 8), last], [2, 1], radius=10) == [-1, -1, -1]
    # areas 100 and 90: 1e8 - area stays apart in float32 (spacing 8), the smaller box wins
    apart = np.array([[7.0, 7.0, 17.0, 17.0], [7.0, 7.5, 17.0, 16.5]], dtype=np.float32)
    assert match_points(apart, points((12, 12, 8)), [1], 1.5).tolist() == [1]


def test_model_matches_each_image_and_leaves_empty_ones_unmatched():
    model = small_model()
    seen = {}

    class Recorder(nn.Module):
        def compute_loss(self, targets, head_outputs, anchors, matched_idxs):
            seen["matched"] = [m.numpy().tolist() for m in matched_idxs]
            return {}

    model.head = Recorder()
    anchors = autograd.tensor(points((12, 12, 8), (28, 12, 8), (48, 48, 16)))
    targets = [
        {"boxes": autograd.tensor([[0.0, 0.0, 24.0, 24.0]]), "labels": autograd.tensor([2])},
        {"boxes": autograd.zeros(0, 4), "labels": autograd.zeros(0, dtype=autograd.int64)},
    ]
    model.compute_loss(targets, {}, [anchors, anchors], [2, 1])
    assert seen["matched"] == [[0, -1, -1], [-1, -1, -1]]
    model.center_sampling_radius = 2.5  # (28, 12) is still outside the box
    model.compute_loss(targets[:1], {}, [anchors], [2, 1])
    assert seen["matched"] == [[0, -1, -1]]


def test_centerness_targets():
    assert centerness_targets(np.array([1.0, 2.0, 3.0, 4.0])) == pytest.approx(math.sqrt(1 / 3 * 2 / 4))
    np.testing.assert_allclose(
        centerness_targets(np.array([[5.0, 5.0, 5.0, 5.0], [4.0, 1.0, 2.0, 1.0]])), [1, 0.5**0.5]
    )


def fcos_losses(head, logits, codes, centerness, anchors, targets, matched):
    outputs = {"cls_logits": logits, "bbox_regression": codes, "bbox_ctrness": centerness}
    return head.compute_loss(targets, outputs, anchors, [autograd.tensor(m) for m in matched])


def scene(rng):
    anchors = [autograd.tensor(points((4, 4, 8), (12, 4, 8), (4, 12, 8)).astype(np.float64))] * 2
    targets = [
        {"boxes": autograd.tensor([[0.0, 0.0, 10.0, 9.0], [6.0, 1.0, 15.0, 7.0]], dtype=autograd.float64),
         "labels": autograd.tensor([1, 0])},
        {"boxes": autograd.zeros(0, 4, dtype=autograd.float64),
         "labels": autograd.zeros(0, dtype=autograd.int64)},
    ]  # fmt: skip
    matched = [np.array([0, 1, -1]), np.array([-1, -1, -1])]
    logits = rng.normal(size=(2, 3, 2))
    codes = rng.uniform(0.2, 1.0, size=(2, 3, 4))
    centerness = rng.normal(size=(2, 3, 1))
    return anchors, targets, matched, logits, codes, centerness


def test_losses_follow_their_formulas(rng):
    anchors, targets, matched, logits, codes, centerness = scene(rng)
    head = FCOSHead(32, 1, 2)
    losses = fcos_losses(
        head, *(autograd.tensor(x) for x in (logits, codes, centerness)), anchors, targets, matched
    )
    one_hot = np.zeros((2, 3, 2))
    one_hot[0, 0, 1] = one_hot[0, 1, 0] = 1
    p = sigmoid(logits)
    ce = -(one_hot * np.log(p) + (1 - one_hot) * np.log(1 - p))
    p_t = p * one_hot + (1 - p) * (1 - one_hot)
    focal = ((0.25 * one_hot + 0.75 * (1 - one_hot)) * ce * (1 - p_t) ** 2).sum()
    assert float(losses["classification"]) == pytest.approx(focal / 2)
    a = anchors[0].numpy()[:2]
    centre, size = (a[:, :2] + a[:, 2:]) / 2, a[:, 2:] - a[:, :2]
    decoded = np.concatenate([centre - codes[0, :2, :2] * size, centre + codes[0, :2, 2:] * size], 1)
    gt = targets[0]["boxes"].numpy()
    giou = generalized_box_iou_loss(autograd.tensor(decoded), autograd.tensor(gt), reduction="sum")
    assert float(losses["bbox_regression"]) == pytest.approx(float(giou) / 2)
    sides = np.concatenate([centre - gt[:, :2], gt[:, 2:] - centre], 1)  # (l, t, r, b)
    target = np.sqrt(
        np.minimum(sides[:, 0], sides[:, 2]) / np.maximum(sides[:, 0], sides[:, 2])
        * np.minimum(sides[:, 1], sides[:, 3]) / np.maximum(sides[:, 1], sides[:, 3])
    )  # fmt: skip
    x = centerness[0, :2, 0]
    bce = -(target * np.log(sigmoid(x)) + (1 - target) * np.log(1 - sigmoid(x))).sum()
    assert float(losses["bbox_ctrness"]) == pytest.approx(bce / 2)
    nothing = fcos_losses(
        head, *(autograd.tensor(x) for x in (logits, codes, centerness)), anchors, targets, [matched[1]] * 2
    )
    assert float(nothing["bbox_regression"]) == 0 and float(nothing["bbox_ctrness"]) == 0
    assert float(nothing["classification"]) > 0


def test_an_image_with_one_box_keeps_its_class(rng):
    anchors, targets, matched, logits, codes, centerness = scene(rng)
    single = [{"boxes": targets[0]["boxes"][:1], "labels": targets[0]["labels"][:1]}]
    outputs = [autograd.tensor(x[:1]) for x in (logits, codes, centerness)]
    losses = fcos_losses(FCOSHead(32, 1, 2), *outputs, anchors[:1], single, [np.array([0, -1, -1])])
    one_hot = np.zeros((3, 2))
    one_hot[0, 1] = 1
    p = sigmoid(logits[0])
    ce = -(one_hot * np.log(p) + (1 - one_hot) * np.log(1 - p))
    p_t = p * one_hot + (1 - p) * (1 - one_hot)
    focal = ((0.25 * one_hot + 0.75 * (1 - one_hot)) * ce * (1 - p_t) ** 2).sum()
    assert float(losses["classification"]) == pytest.approx(focal)


def test_loss_gradients_match_central_differences(rng, check_grad):
    anchors, targets, matched, logits, codes, centerness = scene(rng)
    head = FCOSHead(32, 1, 2)

    def losses(logits, codes, centerness):
        out = fcos_losses(head, logits, codes, centerness, anchors, targets, matched)
        return autograd.stack([out["classification"], out["bbox_regression"], out["bbox_ctrness"]])

    inputs = [autograd.tensor(x, requires_grad=True) for x in (logits, codes, centerness)]
    assert np.all(losses(*inputs).detach().numpy() > 0)
    check_grad(losses, *inputs)


def test_postprocess_scores_are_the_geometric_mean():
    model = small_model(score_thresh=0.3, topk_candidates=3, detections_per_img=2)
    logits = np.array([[[2.0, -3.0], [0.5, 3.0], [-4.0, -4.0]]])
    centerness = np.array([[[1.0], [-2.0], [0.0]]])
    anchors = autograd.tensor(points((4, 4, 8), (40, 4, 8), (4, 40, 8)))
    codes = np.array([[[0.5, 0.5, 0.5, 0.5], [1.0, 0.25, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5]]])
    outputs = {
        "cls_logits": [autograd.tensor(logits, dtype=autograd.float32)],
        "bbox_regression": [autograd.tensor(codes, dtype=autograd.float32)],
        "bbox_ctrness": [autograd.tensor(centerness, dtype=autograd.float32)],
    }
    (result,) = model.postprocess_detections(outputs, [[anchors]], [(30, 40)])
    scores = np.sqrt(sigmoid(logits) * sigmoid(centerness))[0]  # (3, 2)
    assert result["scores"].numpy().tolist() == pytest.approx([scores[0, 0], scores[1, 1]], rel=1e-6)
    assert sigmoid(0.5) > 0.3 > scores[1, 0] and result["labels"].numpy().tolist() == [0, 1]
    np.testing.assert_allclose(result["boxes"].numpy(), [[0, 0, 8, 8], [32, 2, 40, 8]])  # the second clipped


def test_eval_and_train_on_small_images():
    model = small_model(score_thresh=0.0, detections_per_img=5)
    images = [autograd.rand(3, 64, 80), autograd.rand(3, 50, 64)]
    with autograd.no_grad():
        detections = model.eval()(images)
    for result, (h, w) in zip(detections, [(64, 80), (50, 64)]):
        assert sorted(result) == ["boxes", "labels", "scores"] and len(result["boxes"]) == 5
        boxes = result["boxes"].numpy()
        assert boxes.min() >= 0 and boxes[:, 2].max() <= w and boxes[:, 3].max() <= h
        assert result["labels"].dtype == autograd.int64
    targets = [
        {
            "boxes": autograd.tensor([[5.0, 6.0, 40.0, 50.0], [30.0, 10.0, 70.0, 40.0]]),
            "labels": autograd.tensor([1, 2]),
        },
        {"boxes": autograd.zeros(0, 4), "labels": autograd.zeros(0, dtype=autograd.int64)},
    ]
    losses = model.train()(images, targets)
    assert sorted(losses) == ["bbox_ctrness", "bbox_regression", "classification"]
    assert float(losses["bbox_regression"]) > 0
    sum(losses.values(), autograd.tensor(0.0)).backward()
    assert np.abs(model.backbone.stem.weight.grad.numpy()).max() > 0
    assert np.abs(model.head.regression_head.bbox_ctrness.weight.grad.numpy()).max() > 0


def test_defaults_and_errors():
    model = FCOS(StandIn(), 3)
    assert model.anchor_generator.sizes == ((8,), (16,), (32,), (64,), (128,))
    assert model.anchor_generator.aspect_ratios == ((1.0,),) * 5
    assert (model.center_sampling_radius, model.score_thresh, model.nms_thresh) == (1.5, 0.2, 0.6)
    assert (model.detections_per_img, model.topk_candidates) == (100, 1000)
    assert model.transform.min_size == (800,) and model.transform.image_mean == [0.485, 0.456, 0.406]
    assert model.transform.image_std == [0.229, 0.224, 0.225] and model.box_coder.normalize_by_size
    assert model.head.classification_head.num_classes == 3 and model.head.classification_head.num_anchors == 1
    with pytest.raises(ValueError, match="num_anchors_per_location\\(\\)\\[0\\] should be 1 .*got 3"):
        FCOS(StandIn(), 3, anchor_generator=AnchorGenerator(((8,),), ((0.5, 1.0, 2.0),)))
    with pytest.raises(ValueError, match="backbone should have an attribute out_channels"):
        FCOS(nn.ReLU(), 3)
    with pytest.raises(TypeError, match="anchor_generator should be an AnchorGenerator or None, got dict"):
        FCOS(StandIn(), 3, anchor_generator={})
    with pytest.raises(ValueError, match="FCOS: targets should not be None in training mode"):
        small_model().train()([autograd.rand(3, 64, 64)])


def test_builder_count_keys_and_refusals():
    model = detection.fcos_resnet50_fpn()
    # torchvision 0.29, weights=None, weights_backbone=None (BatchNorm2d), 91 classes: printed in /tmp/tvcmp
    assert sum(p.numel() for p in model.parameters()) == 32_322_720
    state = model.state_dict()
    assert len(state) == 372
    assert tuple(state["head.classification_head.cls_logits.weight"].shape) == (91, 256, 3, 3)
    assert tuple(state["backbone.fpn.extra_blocks.p6.weight"].shape) == (256, 256, 3, 3)
    assert {"head.regression_head.bbox_ctrness.bias", "head.regression_head.conv.10.weight"} <= set(state)
    assert "fcos_resnet50_fpn" in list_models()
    assert detection.fcos_resnet50_fpn(num_classes=4).head.classification_head.num_classes == 4
    with pytest.raises(ValueError, match="fcos_resnet50_fpn: pretrained weights"):
        detection.fcos_resnet50_fpn(weights="DEFAULT")
    with pytest.raises(ValueError, match="resnet50: pretrained weights"):
        detection.fcos_resnet50_fpn(weights_backbone="DEFAULT")
