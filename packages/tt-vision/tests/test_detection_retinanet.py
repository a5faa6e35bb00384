"""RetinaNet and its heads (tt_vision.models.detection.retinanet), as torchvision's.

The heads' shapes, row order, initialisation, keys and version-1 loading; the box losses and
the focal classification loss against formulas written here; the matching on a hand-made case;
the loss gradients w.r.t. the head's outputs against float64 central differences; candidate
selection and NMS in evaluation; a train step on two small images reaching the backbone; the
builders' parameter counts and keys (torchvision 0.29's).
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
    AnchorGenerator,
    BoxCoder,
    RetinaNet,
    RetinaNetClassificationHead,
    RetinaNetHead,
    RetinaNetRegressionHead,
)
from tt_vision.models.detection.one_stage import level_candidates
from tt_vision.models.detection.retinanet import box_loss, default_anchor_generator
from tt_vision.ops import box_iou, complete_box_iou_loss, distance_box_iou_loss, generalized_box_iou_loss


class StandIn(nn.Module):
    """Two levels (strides 8 and 16) from two strided convolutions, 32 channels."""

    def __init__(self, tensor_only: bool = False) -> None:
        super().__init__()
        self.stem = Conv2d(3, 32, 3, stride=8, padding=1)
        self.down = Conv2d(32, 32, 3, stride=2, padding=1)
        self.out_channels = 32
        self.tensor_only = tensor_only

    def forward(self, x):
        p3 = self.stem(x)
        if self.tensor_only:
            return p3
        return OrderedDict([("0", p3), ("1", self.down(p3))])


def small_model(**options) -> RetinaNet:
    anchors = AnchorGenerator(((16, 24), (32, 48)), ((0.5, 1.0, 2.0),) * 2)
    options = {"min_size": 64, "max_size": 96, "anchor_generator": anchors, **options}
    return RetinaNet(StandIn(), 5, **options)


def focal(logits: np.ndarray, targets: np.ndarray) -> float:
    """The sigmoid focal loss (alpha 0.25, gamma 2), summed, in float64."""
    p = 1 / (1 + np.exp(-logits))
    ce = -(targets * np.log(p) + (1 - targets) * np.log(1 - p))
    p_t = p * targets + (1 - p) * (1 - targets)
    return float(((0.25 * targets + 0.75 * (1 - targets)) * ce * (1 - p_t) ** 2).sum())


def test_heads_shapes_row_order_and_initialisation(rng):
    head = RetinaNetHead(16, 3, 4)
    features = [
        autograd.tensor(rng.normal(size=(2, 16, 5, 6)).astype(np.float32)),
        autograd.randn(2, 16, 3, 3),
    ]
    out = head(features)
    assert tuple(out["cls_logits"].shape) == (2, 3 * (30 + 9), 4)
    assert tuple(out["bbox_regression"].shape) == (2, 3 * (30 + 9), 4)
    classification = head.classification_head
    raw = classification.cls_logits(classification.conv(features[0])).detach().numpy()  # (2, A·K, 5, 6)
    y, x, a = 4, 2, 1
    row = (y * 6 + x) * 3 + a
    np.testing.assert_array_equal(out["cls_logits"].detach().numpy()[1, row], raw[1, a * 4 : a * 4 + 4, y, x])
    regression = head.regression_head
    # level 1's rows come after level 0's 90
    raw = regression.bbox_reg(regression.conv(features[1])).detach().numpy()
    np.testing.assert_array_equal(
        out["bbox_regression"].detach().numpy()[0, 90 + (1 * 3 + 2) * 3 + 2], raw[0, 8:12, 1, 2]
    )
    weights = np.concatenate(
        [p.detach().numpy().ravel() for n, p in head.named_parameters() if "weight" in n]
    )
    assert abs(weights.std() - 0.01) < 0.001 and abs(weights.mean()) < 0.001
    bias = classification.cls_logits.bias.detach().numpy()
    np.testing.assert_allclose(bias, -math.log(99), rtol=1e-6)  # sigmoid(bias) = 0.01
    assert np.allclose(1 / (1 + np.exp(-bias)), 0.01)
    assert all(
        np.all(p.detach().numpy() == 0)
        for n, p in head.named_parameters()
        if "bias" in n and "cls_logits" not in n
    )
    assert sorted(classification.state_dict()) == sorted(
        [f"conv.{i}.0.{k}" for i in range(4) for k in ("weight", "bias")]
        + ["cls_logits.weight", "cls_logits.bias"]
    )
    assert classification.num_classes == 4 and classification.num_anchors == 3
    quarter = RetinaNetClassificationHead(8, 1, 2, prior_probability=0.25)
    np.testing.assert_allclose(quarter.cls_logits.bias.detach().numpy(), -math.log(3), rtol=1e-6)


def test_norm_layer_heads_have_torchvisions_keys():
    head = RetinaNetHead(32, 9, 3, norm_layer=lambda c: nn.GroupNorm(32, c))
    keys = head.regression_head.state_dict()
    assert "conv.0.1.weight" in keys and "conv.3.1.bias" in keys and "conv.0.0.bias" not in keys
    assert isinstance(head.classification_head.conv[2][1], nn.GroupNorm)
    assert len(head.state_dict()) == 2 * (4 * 3 + 2)


def test_heads_read_a_version_1_state_dict():
    old = RetinaNetRegressionHead(4, 2)
    state = {
        (f"conv.{2 * int(k.split('.')[1])}.{k.rsplit('.', 1)[1]}" if k.startswith("conv.") else k): v * 3
        for k, v in old.state_dict().items()
    }
    assert "conv.6.weight" in state
    for head in (RetinaNetRegressionHead(4, 2), RetinaNetClassificationHead(4, 2, 3)):
        fresh = {k: v for k, v in state.items() if k.startswith("conv.")}
        missing = head.load_state_dict(fresh, strict=False).missing_keys
        assert all(not k.startswith("conv.") for k in missing)
        np.testing.assert_array_equal(
            head.conv[3][0].weight.detach().numpy(), 3 * old.conv[3][0].weight.detach().numpy()
        )
    current = RetinaNetRegressionHead(4, 2)
    stale = current.state_dict()
    stale["conv.2.weight"] = stale.pop("conv.1.0.weight")  # a version-2 dict is not renamed
    assert (
        "conv.2.weight" in RetinaNetRegressionHead(4, 2).load_state_dict(stale, strict=False).unexpected_keys
    )


def test_box_losses_follow_their_definitions(rng):
    coder = BoxCoder((1.0, 1.0, 1.0, 1.0))
    anchors = autograd.tensor([[0.0, 0.0, 10.0, 10.0], [5.0, 5.0, 25.0, 15.0]], dtype=autograd.float64)
    gt = autograd.tensor([[1.0, 2.0, 12.0, 9.0], [4.0, 6.0, 20.0, 18.0]], dtype=autograd.float64)
    codes = autograd.tensor(rng.normal(scale=0.3, size=(2, 4)))
    target = coder.encode_single(gt, anchors).numpy()
    diff = np.abs(codes.numpy() - target)
    assert float(box_loss("l1", coder, anchors, gt, codes)) == pytest.approx(diff.sum())
    smooth = np.where(diff < 0.5, 0.5 * diff**2 / 0.5, diff - 0.25).sum()
    assert float(box_loss("smooth_l1", coder, anchors, gt, codes, {"beta": 0.5})) == pytest.approx(smooth)
    smooth = np.where(diff < 1, 0.5 * diff**2, diff - 0.5).sum()
    assert float(box_loss("smooth_l1", coder, anchors, gt, codes)) == pytest.approx(smooth)
    boxes = coder.decode_single(codes, anchors)
    for kind, loss in (
        ("giou", generalized_box_iou_loss),
        ("diou", distance_box_iou_loss),
        ("ciou", complete_box_iou_loss),
    ):
        expected = float(loss(boxes, gt, reduction="sum"))
        assert float(box_loss(kind, coder, anchors, gt, codes)) == pytest.approx(expected)
    assert float(box_loss("giou", coder, anchors, gt, codes, {"eps": 1.0})) != pytest.approx(
        float(box_loss("giou", coder, anchors, gt, codes))
    )
    with pytest.raises(ValueError, match="unsupported loss 'l2'"):
        box_loss("l2", coder, anchors, gt, codes)


def test_head_losses_follow_their_formulas(rng):
    head = RetinaNetHead(4, 1, 3)
    head.regression_head._loss_type = "l1"
    logits = rng.normal(size=(2, 4, 3))
    codes = rng.normal(scale=0.2, size=(2, 4, 4))
    anchors = [
        autograd.tensor(
            rng.uniform(0, 10, size=(4, 2)) @ np.array([[1.0, 0, 1, 0], [0, 1, 0, 1]]) + [0, 0, 8, 6]
        )
    ]
    anchors.append(anchors[0])
    targets = [
        {
            "boxes": autograd.tensor([[1.0, 1.0, 9.0, 9.0], [2.0, 0.0, 14.0, 8.0]]),
            "labels": autograd.tensor([2, 0]),
        },
        {
            "boxes": autograd.zeros(0, 4, dtype=autograd.float64),
            "labels": autograd.zeros(0, dtype=autograd.int64),
        },
    ]
    matched = [autograd.tensor([1, -1, -2, 0]), autograd.tensor([-1, -1, -1, -1])]
    outputs = {"cls_logits": autograd.tensor(logits), "bbox_regression": autograd.tensor(codes)}
    losses = head.compute_loss(targets, outputs, anchors, matched)
    one_hot = np.zeros((4, 3))
    one_hot[0, 0] = one_hot[3, 2] = 1
    first = focal(logits[0][[0, 1, 3]], one_hot[[0, 1, 3]]) / 2
    second = focal(logits[1], np.zeros((4, 3))) / 1
    assert float(losses["classification"]) == pytest.approx((first + second) / 2)
    coder = BoxCoder((1.0, 1.0, 1.0, 1.0))
    gt = targets[0]["boxes"][autograd.tensor([1, 0])]
    encoded = coder.encode_single(gt, anchors[0][autograd.tensor([0, 3])]).numpy()
    regression = np.abs(codes[0][[0, 3]] - encoded).sum() / 2
    assert float(losses["bbox_regression"]) == pytest.approx(regression / 2)


def test_matching_on_a_hand_made_case():
    model = small_model()
    anchors = autograd.tensor(
        [
            [0.0, 0.0, 10.0, 10.0],
            [0.0, 0.0, 10.0, 20.0],
            [0.0, 0.0, 10.0, 13.0],
            [50.0, 50.0, 60.0, 60.0],
            [20, 20, 24, 24],
        ]
    )
    boxes = autograd.tensor([[0.0, 0.0, 10.0, 10.0], [19.0, 19.0, 29.0, 29.0]])
    # IoUs with box 0: 1, 0.5, 10/13 ≈ 0.77, 0, 0; box 1's best (16/100 with anchor 4) is a low-quality match
    seen = {}

    class Recorder(nn.Module):
        def compute_loss(self, targets, head_outputs, anchors, matched_idxs):
            seen["matched"] = [m.numpy().tolist() for m in matched_idxs]
            return {}

    model.head = Recorder()
    targets = [
        {"boxes": boxes, "labels": autograd.tensor([1, 2])},
        {"boxes": autograd.zeros(0, 4), "labels": autograd.zeros(0, dtype=autograd.int64)},
    ]
    model.compute_loss(targets, {}, [anchors, anchors])
    assert seen["matched"] == [[0, 0, 0, -1, 1], [-1] * 5]
    iou = box_iou(boxes, anchors).numpy()
    assert iou[0, 1] == pytest.approx(0.5) and iou[1, 4] == pytest.approx(0.16)
    model.proposal_matcher = detection.Matcher(0.8, 0.45)  # no low-quality matches; 0.5 is between
    model.compute_loss(targets[:1], {}, [anchors])
    assert seen["matched"] == [[0, -2, -2, -1, -1]]


def test_loss_gradients_match_central_differences(rng, check_grad):
    anchors = [
        autograd.tensor(
            [[0.0, 0.0, 8.0, 8.0], [4.0, 0.0, 12.0, 8.0], [0.0, 4.0, 8.0, 12.0]], dtype=autograd.float64
        )
    ]
    targets = [
        {
            "boxes": autograd.tensor([[1.0, 0.5, 9.0, 8.0]], dtype=autograd.float64),
            "labels": autograd.tensor([1]),
        }
    ]
    matched = [autograd.tensor([0, -1, 0])]
    # "ciou" holds its alpha constant (torchvision's no_grad), so its gradient is not the derivative: left out
    for kind in ("smooth_l1", "giou", "diou"):
        head = RetinaNetHead(4, 1, 2).to(dtype=autograd.float64)
        head.regression_head._loss_type = kind

        def losses(logits, codes, head=head):
            out = head.compute_loss(
                targets, {"cls_logits": logits, "bbox_regression": codes}, anchors, matched
            )
            return autograd.stack([out["classification"], out["bbox_regression"]])

        logits = autograd.tensor(rng.normal(size=(1, 3, 2)), requires_grad=True)
        codes = autograd.tensor(rng.normal(scale=0.2, size=(1, 3, 4)), requires_grad=True)
        assert float(losses(logits, codes)[1]) > 0
        check_grad(losses, logits, codes)


def test_level_candidates_threshold_topk_and_labels():
    scores = np.array(
        [[0.1, 0.9, 0.3], [0.5, 0.05, 0.9], [0.2, 0.6, 0.01], [0.0, 0.0, 0.7]], dtype=np.float32
    )
    rows, labels, best = level_candidates(scores, 0.15, 5)
    assert rows.tolist() == [0, 1, 3, 2, 1] and labels.tolist() == [1, 2, 2, 1, 0]
    np.testing.assert_array_equal(best, np.float32([0.9, 0.9, 0.7, 0.6, 0.5]))
    rows, labels, best = level_candidates(scores, 0.3, 10)  # strictly above the threshold
    assert best.tolist() == pytest.approx([0.9, 0.9, 0.7, 0.6, 0.5])
    assert level_candidates(scores, 0.95, 10)[0].size == 0


def test_detections_are_scaled_back_to_the_original_images():
    class Corners(RetinaNet):
        def postprocess_detections(self, head_outputs, anchors, image_shapes):
            self.seen = list(image_shapes)
            return [
                {"boxes": autograd.tensor([[0.0, 0.0, float(w), float(h)]]), "scores": autograd.ones(1),
                 "labels": autograd.tensor([1])}
                for h, w in image_shapes
            ]  # fmt: skip

    anchors = AnchorGenerator(((16, 24), (32, 48)), ((0.5, 1.0, 2.0),) * 2)
    model = Corners(StandIn(), 3, min_size=64, max_size=128, anchor_generator=anchors).eval()
    results = model([autograd.rand(3, 40, 70), autograd.rand(3, 30, 20)])
    assert model.seen == [(64, 112), (96, 64)]  # short side to 64
    np.testing.assert_allclose(results[0]["boxes"].numpy(), [[0, 0, 70, 40]], rtol=1e-5)
    np.testing.assert_allclose(results[1]["boxes"].numpy(), [[0, 0, 20, 30]], rtol=1e-5)


def test_postprocess_selects_per_level_clips_and_suppresses_per_class():
    model = small_model(score_thresh=0.3, nms_thresh=0.5, topk_candidates=2, detections_per_img=3)
    probability = lambda p: math.log(p / (1 - p))  # noqa: E731
    # level 0: three anchors, two classes; level 1: one anchor
    logits0 = np.full((1, 3, 2), -10.0)
    logits0[0, 0, 0], logits0[0, 1, 0], logits0[0, 2, 1] = (
        probability(0.9),
        probability(0.8),
        probability(0.7),
    )
    logits1 = np.array([[[probability(0.95), probability(0.2)]]])
    anchors0 = autograd.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 0.0, 11.0, 10.0], [0.0, 0.0, 10.0, 10.0]])
    anchors1 = autograd.tensor([[-5.0, 30.0, 20.0, 50.0]])
    outputs = {
        "cls_logits": [
            autograd.tensor(logits0, dtype=autograd.float32),
            autograd.tensor(logits1, dtype=autograd.float32),
        ],
        "bbox_regression": [autograd.zeros(1, 3, 4), autograd.zeros(1, 1, 4)],
    }
    (result,) = model.postprocess_detections(outputs, [[anchors0, anchors1]], [(40, 30)])
    # level 0 keeps its top 2 (0.9 and 0.8, same class, IoU 9/11: 0.8 suppressed); the 0.7 of class 1 is
    # cut by topk; level 1's box is clipped to the 40 x 30 image
    assert result["labels"].numpy().tolist() == [0, 0]
    assert result["scores"].numpy().tolist() == pytest.approx([0.95, 0.9])
    np.testing.assert_allclose(result["boxes"].numpy(), [[0, 30, 20, 40], [0, 0, 10, 10]])
    assert result["labels"].dtype == autograd.int64


def test_eval_and_train_on_small_images():
    model = small_model(score_thresh=0.0, detections_per_img=7)
    images = [autograd.rand(3, 64, 80), autograd.rand(3, 50, 64)]
    with autograd.no_grad():
        detections = model.eval()(images)
    assert len(detections) == 2
    for result, (h, w) in zip(detections, [(64, 80), (50, 64)]):
        assert sorted(result) == ["boxes", "labels", "scores"] and len(result["boxes"]) == 7
        boxes = result["boxes"].numpy()
        assert boxes.min() >= 0 and boxes[:, 2].max() <= w and boxes[:, 3].max() <= h
        assert np.all(np.diff(result["scores"].numpy()) <= 0) and result["labels"].numpy().max() < 5
    targets = [
        {
            "boxes": autograd.tensor([[5.0, 6.0, 40.0, 50.0], [30.0, 10.0, 70.0, 40.0]]),
            "labels": autograd.tensor([1, 3]),
        },
        {"boxes": autograd.zeros(0, 4), "labels": autograd.zeros(0, dtype=autograd.int64)},
    ]
    losses = model.train()(images, targets)
    assert sorted(losses) == ["bbox_regression", "classification"]
    (losses["classification"] + losses["bbox_regression"]).backward()
    assert np.abs(model.backbone.stem.weight.grad.numpy()).max() > 0
    assert np.abs(model.head.regression_head.bbox_reg.weight.grad.numpy()).max() > 0
    single = RetinaNet(
        StandIn(tensor_only=True),
        2,
        min_size=64,
        max_size=64,
        anchor_generator=AnchorGenerator(((16,),), ((1.0,),)),
    )
    assert len(single.eval()([autograd.rand(3, 64, 64)])[0]["boxes"]) <= 300


def test_defaults_and_errors():
    model = RetinaNet(StandIn(), 3)
    assert model.anchor_generator.sizes == (
        (32, 40, 50), (64, 80, 101), (128, 161, 203), (256, 322, 406), (512, 645, 812)
    )  # fmt: skip
    assert model.anchor_generator.num_anchors_per_location() == [9] * 5
    assert default_anchor_generator().aspect_ratios[0] == (0.5, 1.0, 2.0)
    assert (model.score_thresh, model.nms_thresh, model.detections_per_img, model.topk_candidates) == (
        0.05,
        0.5,
        300,
        1000,
    )
    matcher = model.proposal_matcher
    assert (matcher.high_threshold, matcher.low_threshold, matcher.allow_low_quality_matches) == (
        0.5,
        0.4,
        True,
    )
    assert model.transform.min_size == (800,) and model.transform.max_size == 1333
    assert model.transform.image_mean == [0.485, 0.456, 0.406] and model.transform.image_std == [
        0.229,
        0.224,
        0.225,
    ]
    assert model.head.classification_head.num_anchors == 9 and model.box_coder.weights == (1.0, 1.0, 1.0, 1.0)
    assert RetinaNet(StandIn(), 3, image_mean=[0.5] * 3, image_std=[0.1] * 3).transform.image_std == [0.1] * 3
    with pytest.raises(ValueError, match="backbone should have an attribute out_channels"):
        RetinaNet(nn.ReLU(), 3)
    with pytest.raises(TypeError, match="anchor_generator should be an AnchorGenerator or None, got tuple"):
        RetinaNet(StandIn(), 3, anchor_generator=((32,),))
    with pytest.raises(TypeError, match="unexpected keyword"):
        RetinaNet(StandIn(), 3, min_sise=3)
    model = small_model().train()
    image = [autograd.rand(3, 64, 64)]
    with pytest.raises(ValueError, match="RetinaNet: targets should not be None in training mode"):
        model(image)
    with pytest.raises(ValueError, match=r"shape \[N, 4\], got \(4,\)"):
        model(image, [{"boxes": autograd.zeros(4), "labels": autograd.zeros(1, dtype=autograd.int64)}])
    with pytest.raises(TypeError, match=r"RetinaNet: expected target boxes to be of type Tensor, got list"):
        model(image, [{"boxes": [[0, 0, 1, 1]], "labels": autograd.zeros(1, dtype=autograd.int64)}])
    bad = {
        "boxes": autograd.tensor([[0.0, 0.0, 5.0, 5.0], [3.0, 3.0, 3.0, 9.0]]),
        "labels": autograd.tensor([1, 1]),
    }
    with pytest.raises(ValueError, match=r"invalid box \[3.0, 3.0, 3.0, 9.0\] for target at index 0"):
        model(image, [bad])
    with pytest.raises(ValueError, match=r"images must be \(C, H, W\) tensors, got shape \(5,\)"):
        model.eval()([autograd.rand(5)])
    with pytest.raises(ValueError, match=r"images must be \(C, H, W\) tensors, got shape \(64, 64\)"):
        model.eval()([autograd.rand(64, 64)])


# torchvision 0.29 with weights=None, weights_backbone=None (BatchNorm2d, not FrozenBatchNorm2d), 91 classes:
# sum(p.numel() for p in model.parameters()) and len(model.state_dict()), printed in /tmp/tvcmp.
BUILDERS = {"retinanet_resnet50_fpn": (34_068_119, 354), "retinanet_resnet50_fpn_v2": (38_198_935, 362)}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_builders_counts_keys_and_refusals(name):
    builder = getattr(detection, name)
    model = builder()
    count, keys = BUILDERS[name]
    assert sum(p.numel() for p in model.parameters()) == count
    state = model.state_dict()
    assert len(state) == keys
    assert {
        "backbone.fpn.extra_blocks.p6.weight",
        "backbone.body.layer4.2.bn3.running_var",
        "head.classification_head.cls_logits.bias",
    } <= set(state)
    assert tuple(state["head.classification_head.cls_logits.weight"].shape) == (9 * 91, 256, 3, 3)
    assert tuple(state["backbone.fpn.extra_blocks.p6.weight"].shape)[1] == (
        256 if name.endswith("fpn") else 2048
    )
    v2 = name.endswith("v2")
    assert ("head.regression_head.conv.0.1.weight" in state) == v2
    assert model.head.regression_head._loss_type == ("giou" if v2 else "l1")
    assert "backbone.body.fc.weight" not in state and "backbone.body.layer1.0.conv1.weight" in state
    assert all(p.requires_grad for p in model.parameters())  # no pretrained weights: every stage trains
    with pytest.warns(UserWarning, match="trainable_backbone_layers has no effect"):
        frozen_asked = builder(trainable_backbone_layers=1)
    assert all(p.requires_grad for p in frozen_asked.parameters())
    assert name in list_models()
    assert builder(num_classes=3, score_thresh=0.3).head.classification_head.num_classes == 3
    with pytest.raises(ValueError, match=f"{name}: pretrained weights .* are not available"):
        builder(weights="DEFAULT")
    with pytest.raises(ValueError, match="resnet50: pretrained weights"):
        builder(weights_backbone="IMAGENET1K_V1")
    with pytest.raises(ValueError, match="resnet50: pretrained weights"):
        with pytest.warns(UserWarning, match="'pretrained_backbone' is deprecated"):
            builder(pretrained_backbone=True)
