"""SSD and SSDlite (tt_vision.models.detection.ssd, .ssdlite, DefaultBoxGenerator), as torchvision's.

Default boxes worked out by hand on tiny configurations; SSD's matching; the heads' shapes,
row order and initialisation; hard-negative mining's counts; the two losses against their
formulas and their gradients w.r.t. the heads' outputs against float64 central differences;
postprocessing (threshold, top-k per class, NMS within a class); eval and train passes of a
small SSD and SSDlite; the builders' parameter counts and state-dict keys (torchvision's).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision.layers import BatchNorm2d, Conv2d, MaxPool2d
from tt_vision.models.detection import (
    SSD,
    DefaultBoxGenerator,
    ImageList,
    SSDHead,
    SSDLiteHead,
    SSDMatcher,
    ssd300_vgg16,
    ssdlite320_mobilenet_v3_large,
)
from tt_vision.models.detection import ssd as ssd_module
from tt_vision.models.detection.det_utils import retrieve_out_channels
from tt_vision.models.detection.ssdlite import SSDLiteFeatureExtractorMobileNet, _mobilenet_extractor
from tt_vision.models.mobilenetv3 import mobilenet_v3_large


def default_boxes(generator, grids, image=(20, 20)):
    features = [autograd.zeros(1, 1, h, w) for h, w in grids]
    return generator(ImageList(autograd.zeros(2, 3, *image), [image, image]), features)


def test_default_boxes_by_hand():
    generator = DefaultBoxGenerator([[2]], scales=[0.5, 0.8])
    assert generator.num_anchors_per_location() == [4]
    s_prime, root = math.sqrt(0.5 * 0.8), math.sqrt(2)
    pairs = [(0.5, 0.5), (s_prime, s_prime), (0.5 * root, 0.5 / root), (0.5 / root, 0.5 * root)]
    first, second = default_boxes(generator, [(2, 2)])
    assert tuple(first.shape) == (16, 4)
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    expected = []
    for cy in (0.25, 0.75):  # position-major: row y, then column x, then the four boxes
        for cx in (0.25, 0.75):
            for w, h in pairs:
                w, h = min(w, 1.0), min(h, 1.0)
                expected.append([(cx - w / 2) * 20, (cy - h / 2) * 20, (cx + w / 2) * 20, (cy + h / 2) * 20])
    np.testing.assert_allclose(first.numpy(), expected, rtol=1e-6, atol=1e-5)


def test_default_boxes_clip_steps_and_image_shape():
    # 0.9 · sqrt(2) > 1: clipped to the whole image side, unless clip=False
    clipped = default_boxes(DefaultBoxGenerator([[2]], scales=[0.9, 0.9]), [(1, 1)], (10, 30))[0].numpy()
    assert clipped[2].tolist() == pytest.approx([0.0, 5 - 4.5 / math.sqrt(2), 30.0, 5 + 4.5 / math.sqrt(2)])
    free = default_boxes(DefaultBoxGenerator([[2]], scales=[0.9, 0.9], clip=False), [(1, 1)], (10, 30))[0]
    half = 0.9 * math.sqrt(2) / 2
    assert free.numpy()[2].tolist() == pytest.approx(
        [15 - 30 * half, 5 - 4.5 / math.sqrt(2), 15 + 30 * half, 5 + 4.5 / math.sqrt(2)]
    )
    # steps: centres (x + 0.5) · step, independent of the grid's size
    stepped = default_boxes(DefaultBoxGenerator([[]], scales=[0.1, 0.1], steps=[4]), [(2, 3)], (16, 40))[0]
    centres = (stepped.numpy()[::2, :2] + stepped.numpy()[::2, 2:]) / 2
    np.testing.assert_allclose(centres, [[2, 2], [6, 2], [10, 2], [2, 6], [6, 6], [10, 6]], atol=1e-5)
    # without steps the grid spans the image: 3 columns over 40 px, 2 rows over 16
    spread = default_boxes(DefaultBoxGenerator([[]], scales=[0.1, 0.1]), [(2, 3)], (16, 40))[0].numpy()
    np.testing.assert_allclose(
        (spread[::2, 0] + spread[::2, 2]) / 2, np.tile([40 / 6, 20, 40 * 5 / 6], 2), rtol=1e-6
    )
    np.testing.assert_allclose(spread[0, 2] - spread[0, 0], 4.0, rtol=1e-6)  # 0.1 of the 40-px width


def test_default_scales_and_bad_arguments():
    assert DefaultBoxGenerator([[2]] * 3, min_ratio=0.2, max_ratio=0.8).scales == pytest.approx(
        [0.2, 0.5, 0.8, 1.0]
    )
    assert DefaultBoxGenerator([[2]], min_ratio=0.3, max_ratio=0.7).scales == [0.3, 0.7]
    assert DefaultBoxGenerator([[2], [2, 3]]).num_anchors_per_location() == [4, 6]
    with pytest.raises(ValueError, match="same length"):
        DefaultBoxGenerator([[2], [2]], steps=[8])
    with pytest.raises(ValueError, match="need 3 scales"):
        DefaultBoxGenerator([[2], [2]], scales=[0.1, 0.2])
    with pytest.raises(ValueError, match="2 feature maps but aspect ratios for 1"):
        default_boxes(DefaultBoxGenerator([[2]]), [(2, 2), (1, 1)])
    assert "steps=[8]" in repr(DefaultBoxGenerator([[2]], steps=[8]))


def test_ssd_matcher_gives_every_ground_truth_its_best_box():
    iou = autograd.tensor([[0.6, 0.2, 0.1, 0.0], [0.1, 0.3, 0.2, 0.25]])
    assert SSDMatcher(0.5)(iou).numpy().tolist() == [0, 1, -1, -1]  # 1: ground truth 1's best, at 0.3
    # a box that is best for two ground truths goes to the later one
    assert SSDMatcher(0.5)(autograd.tensor([[0.4, 0.1], [0.45, 0.2]])).numpy().tolist() == [1, -1]
    assert SSDMatcher(0.05)(autograd.tensor([[0.4, 0.1], [0.45, 0.2]])).numpy().tolist() == [1, 1]
    # a tie for a ground truth's best: only the first box is forced (no low-quality matches of all ties)
    assert SSDMatcher(0.5)(autograd.tensor([[0.3, 0.3, 0.1]])).numpy().tolist() == [0, -1, -1]


class TinyBackbone(nn.Module):
    """Two feature maps: stride 4 (4 channels) and stride 8 (6 channels)."""

    def __init__(self, out=(4, 6)):
        super().__init__()
        self.first = Conv2d(3, out[0], 3, stride=4, padding=1)
        self.second = Conv2d(out[0], out[1], 3, stride=2, padding=1)

    def forward(self, x):
        a = autograd.relu(self.first(x))
        return {"0": a, "1": self.second(a)}


def tiny_ssd(num_classes=3, head=None, **kwargs):
    generator = DefaultBoxGenerator([[2], [2, 3]], scales=[0.2, 0.4, 0.7], steps=[4, 8])
    return SSD(TinyBackbone(), generator, (32, 32), num_classes, head=head, **kwargs)


def test_heads_shapes_row_order_and_initialisation(rng):
    maps = [
        autograd.tensor(rng.normal(size=(2, 4, 5, 5)).astype(np.float32)),
        autograd.tensor(rng.normal(size=(2, 6, 3, 3)).astype(np.float32)),
    ]
    head = SSDHead([4, 6], [4, 6], 3)
    out = head(maps)
    rows = 25 * 4 + 9 * 6
    assert tuple(out["bbox_regression"].shape) == (2, rows, 4) and tuple(out["cls_logits"].shape) == (
        2,
        rows,
        3,
    )
    conv = head.classification_head.module_list[1](maps[1]).detach().numpy()  # (2, 6 · 3, 3, 3)
    y, x, a = 2, 1, 4  # image 1, level 1, position (2, 1), box 4
    row = 100 + (y * 3 + x) * 6 + a
    np.testing.assert_allclose(
        out["cls_logits"].detach().numpy()[1, row], conv[1, 3 * a : 3 * a + 3, y, x], rtol=1e-6
    )
    weight = head.regression_head.module_list[0].weight.detach().numpy()
    bound = math.sqrt(6 / (4 * 9 + 16 * 9))  # Xavier-uniform: fan_in 4·3·3, fan_out 16·3·3
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.9 * bound
    assert not head.regression_head.module_list[0].bias.detach().numpy().any()
    weight = head.classification_head.module_list[1].weight.detach().numpy()  # fan_in 6·9, fan_out 18·9
    bound = math.sqrt(6 / (6 * 9 + 18 * 9))  # 0.167; Conv2d's own init would stop at 1/sqrt(54) = 0.136
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.9 * bound
    lite = SSDLiteHead([4, 6], [4, 6], 3, BatchNorm2d)
    lite_out = lite(maps)
    assert tuple(lite_out["cls_logits"].shape) == (2, rows, 3)
    assert tuple(lite_out["bbox_regression"].shape) == (2, rows, 4)
    weights = np.concatenate(
        [
            p.detach().numpy().ravel()
            for n, p in lite.named_parameters()
            if n.endswith("weight") and p.ndim == 4
        ]
    )
    assert abs(weights.std() - 0.03) < 0.005
    assert sorted(lite.state_dict())[:3] == [
        "classification_head.module_list.0.0.0.weight",
        "classification_head.module_list.0.0.1.bias",
        "classification_head.module_list.0.0.1.num_batches_tracked",
    ]
    with pytest.raises(ValueError, match="1 feature maps but 2 prediction layers"):
        head.classification_head(maps[:1])


def test_hard_negatives_take_three_per_positive_by_loss():
    model = tiny_ssd()
    loss = np.array([[0.1, 0.9, 0.5, 0.7, 0.2, 0.3, 0.8, 0.05], [0.4, 0.3, 0.2, 0.1, 0.6, 0.5, 0.7, 0.8]])
    positive = np.zeros((2, 8), dtype=bool)
    positive[0, 1] = True  # the highest loss is a positive: not a negative
    positive[1, [0, 2]] = True
    chosen = model.hard_negatives(loss, positive)
    assert np.flatnonzero(chosen[0]).tolist() == [2, 3, 6]  # 0.8, 0.7, 0.5
    assert np.flatnonzero(chosen[1]).tolist() == [1, 3, 4, 5, 6, 7]  # six: every negative
    assert not (chosen & positive).any()
    assert not tiny_ssd(positive_fraction=1.0).hard_negatives(loss, positive).any()  # no negative at all
    model = tiny_ssd(positive_fraction=0.5)  # one negative per positive
    assert np.flatnonzero(model.hard_negatives(loss, positive)[0]).tolist() == [6]
    assert not model.hard_negatives(loss, np.zeros((2, 8), dtype=bool)).any()  # no positive, no negative
    with pytest.raises(ValueError, match="positive_fraction"):
        tiny_ssd(positive_fraction=0.0)


def loss_case(rng):
    anchors = [
        autograd.tensor(
            [[0, 0, 10, 10], [10, 0, 20, 10], [0, 10, 10, 20], [5, 5, 15, 15], [10, 10, 20, 20]],
            dtype=autograd.float64,
        )
    ] * 2
    targets = [
        {
            "boxes": autograd.tensor([[1.0, 1.0, 9.0, 11.0]], dtype=autograd.float64),
            "labels": autograd.tensor([2]),
        },
        {
            "boxes": autograd.tensor([[9.0, 9.0, 21.0, 19.0], [0.0, 0.0, 12.0, 9.0]], dtype=autograd.float64),
            "labels": autograd.tensor([1, 2]),
        },
    ]
    matched = [np.array([0, -1, -1, -1, -1]), np.array([1, -1, -1, -1, 0])]
    regression = rng.normal(size=(2, 5, 4))
    logits = rng.normal(size=(2, 5, 3))
    return anchors, targets, matched, regression, logits


def expected_losses(anchors, targets, matched, regression, logits, ratio=3.0):
    box_sum, cls_sum, count = 0.0, 0.0, 0
    for i in range(2):
        a = anchors[i].numpy()
        labels = np.zeros(5, dtype=int)
        for j in np.flatnonzero(matched[i] >= 0):
            g = targets[i]["boxes"].numpy()[matched[i][j]]
            aw, ah = a[j, 2] - a[j, 0], a[j, 3] - a[j, 1]
            gw, gh = g[2] - g[0], g[3] - g[1]
            codes = [
                10 * ((g[0] + gw / 2) - (a[j, 0] + aw / 2)) / aw,
                10 * ((g[1] + gh / 2) - (a[j, 1] + ah / 2)) / ah,
                5 * math.log(gw / aw),
                5 * math.log(gh / ah),
            ]
            d = np.abs(regression[i, j] - codes)
            box_sum += np.where(d < 1, 0.5 * d**2, d - 0.5).sum()
            labels[j] = targets[i]["labels"].numpy()[matched[i][j]]
            count += 1
        ce = np.log(np.exp(logits[i]).sum(axis=1)) - logits[i][np.arange(5), labels]
        positives = labels > 0
        # negatives by falling loss, then the positives: image 1 wants 6 of 3 negatives, so its two
        # positives count twice (torchvision's ranking; the positives' -inf only puts them last)
        ranked = sorted(np.flatnonzero(~positives), key=lambda k: -ce[k]) + list(np.flatnonzero(positives))
        negatives = ranked[: int(ratio * positives.sum())]
        cls_sum += ce[positives].sum() + ce[negatives].sum()
    return box_sum / count, cls_sum / count


def test_losses_match_their_formulas(rng):
    anchors, targets, matched, regression, logits = loss_case(rng)
    model = tiny_ssd()
    head = {"bbox_regression": autograd.tensor(regression), "cls_logits": autograd.tensor(logits)}
    losses = model.compute_loss(targets, head, anchors, matched)
    box, cls = expected_losses(anchors, targets, matched, regression, logits)
    assert float(losses["bbox_regression"]) == pytest.approx(box, rel=1e-9)
    assert float(losses["classification"]) == pytest.approx(cls, rel=1e-9)
    # no foreground anywhere: divided by 1, the box loss 0, no negative chosen
    none = [np.full(5, -1), np.full(5, -1)]
    empty = model.compute_loss(targets, head, anchors, none)
    assert float(empty["bbox_regression"]) == 0.0 and float(empty["classification"]) == 0.0


def test_loss_gradients_match_central_differences(rng, check_grad):
    anchors, targets, matched, regression, logits = loss_case(rng)
    model = tiny_ssd()

    def total(reg, cls):
        losses = model.compute_loss(targets, {"bbox_regression": reg, "cls_logits": cls}, anchors, matched)
        return losses["bbox_regression"] * 1.5 + losses["classification"]

    reg = autograd.tensor(regression, dtype=autograd.float64, requires_grad=True)
    cls = autograd.tensor(logits, dtype=autograd.float64, requires_grad=True)
    check_grad(total, reg, cls)
    total(reg, cls).backward()
    # negatives not chosen (and anchors of no loss) get no gradient; positives' logits do
    assert not reg.grad.numpy()[0, 1:].any() and reg.grad.numpy()[0, 0].any()


def test_matching_keeps_one_entry_per_image_and_takes_tensors(rng):
    model = tiny_ssd()
    anchors, targets, matched, regression, logits = loss_case(rng)
    empty = {
        "boxes": autograd.zeros(0, 4, dtype=autograd.float64),
        "labels": autograd.zeros(0, dtype=autograd.int64),
    }
    first, second = model.match(anchors, [empty, targets[1]])
    assert first.tolist() == [-1] * 5 and second.tolist() == [1, -1, -1, -1, 0]
    head = {"bbox_regression": autograd.tensor(regression), "cls_logits": autograd.tensor(logits)}
    from_arrays = model.compute_loss(targets, head, anchors, matched)
    from_tensors = model.compute_loss(targets, head, anchors, [autograd.tensor(m) for m in matched])
    assert all(float(from_arrays[k]) == float(from_tensors[k]) for k in from_arrays)


def test_postprocess_thresholds_top_k_per_class_and_nms():
    model = tiny_ssd(num_classes=3, score_thresh=0.2, topk_candidates=2, nms_thresh=0.5).eval()
    anchors = autograd.tensor(
        [[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [0, 20, 10, 30]], dtype=autograd.float32
    )
    probabilities = np.array([[0.1, 0.6, 0.3], [0.1, 0.5, 0.4], [0.3, 0.45, 0.25], [0.75, 0.1, 0.15]])
    head = {
        "bbox_regression": autograd.zeros(1, 4, 4),
        "cls_logits": autograd.tensor(np.log(probabilities)[None].astype(np.float32)),
    }
    (result,) = model.postprocess_detections(head, [anchors], [(25, 40)])
    # class 1: boxes 0 (0.6), 1 (0.5), 2 (0.45): top 2 are 0 and 1, and 1 is suppressed by 0 (IoU 9/11)
    # class 2: boxes 1 (0.4), 0 (0.3), 2 (0.25) pass 0.2: top 2 are 1 and 0; 0 suppressed by 1
    assert result["labels"].numpy().tolist() == [1, 2]
    np.testing.assert_allclose(result["scores"].numpy(), [0.6, 0.4], rtol=1e-5)
    assert result["boxes"].numpy().tolist() == [[0, 0, 10, 10], [1, 0, 11, 10]]
    assert result["labels"].dtype == autograd.int64
    model.detections_per_img = 1
    assert len(model.postprocess_detections(head, [anchors], [(25, 40)])[0]["boxes"]) == 1
    # clipped to the image: box 2 at 45% for class 1 fits only (20, 20, 25, 25) of a 25 x 25 image
    model = tiny_ssd(num_classes=3, score_thresh=0.44, topk_candidates=5, nms_thresh=0.5).eval()
    (result,) = model.postprocess_detections(head, [anchors], [(25, 25)])
    assert [20, 20, 25, 25] in result["boxes"].numpy().tolist()


def test_score_threshold_is_strict():
    head = {"bbox_regression": autograd.zeros(1, 1, 4), "cls_logits": autograd.zeros(1, 1, 4)}  # 0.25 each
    anchors = [autograd.tensor([[0.0, 0.0, 4.0, 4.0]])]
    assert (
        len(
            tiny_ssd(num_classes=4, score_thresh=0.25).postprocess_detections(head, anchors, [(8, 8)])[0][
                "labels"
            ]
        )
        == 0
    )
    kept = tiny_ssd(num_classes=4, score_thresh=0.24).postprocess_detections(head, anchors, [(8, 8)])[0]
    assert sorted(kept["labels"].numpy().tolist()) == [1, 2, 3]


def test_eval_and_train_of_a_small_ssd(rng):
    model = tiny_ssd(num_classes=4, score_thresh=0.0, detections_per_img=7).eval()
    images = [autograd.tensor(rng.uniform(0, 1, (3, 40, 60)).astype(np.float32)), autograd.rand(3, 32, 32)]
    with autograd.no_grad():
        detections = model(images)
    assert len(detections) == 2
    for result, (h, w) in zip(detections, [(40, 60), (32, 32)]):
        assert sorted(result) == ["boxes", "labels", "scores"] and len(result["boxes"]) == 7
        boxes = result["boxes"].numpy()
        assert (boxes[:, 0] >= 0).all() and (boxes[:, 2] <= w).all() and (boxes[:, 3] <= h).all()
        labels = result["labels"].numpy()
        assert ((labels >= 1) & (labels < 4)).all()
        assert (np.diff(result["scores"].numpy()) <= 0).all()
    # the same as the pieces by hand: detections on the 32 x 32 batch, scaled back to each image
    batch, _ = model.transform(images)
    with autograd.no_grad():
        head = model.head(list(model.backbone(batch.tensors).values()))
        anchors = model.anchor_generator(batch, list(model.backbone(batch.tensors).values()))
    by_hand = model.postprocess_detections(head, anchors, batch.image_sizes)
    np.testing.assert_allclose(
        detections[0]["boxes"].numpy(),
        by_hand[0]["boxes"].numpy() * np.float32([60 / 32, 40 / 32] * 2),
        rtol=1e-5,
    )
    model.train()
    targets = [
        {"boxes": autograd.tensor([[5.0, 5.0, 30.0, 25.0]]), "labels": autograd.tensor([2])},
        {"boxes": autograd.zeros(0, 4), "labels": autograd.zeros(0, dtype=autograd.int64)},
    ]
    losses = model(images, targets)
    assert sorted(losses) == ["bbox_regression", "classification"]
    (losses["bbox_regression"] + losses["classification"]).backward()
    assert np.abs(model.backbone.first.weight.grad.numpy()).sum() > 0
    assert all(p.grad is not None for p in model.head.parameters())
    lite = tiny_ssd(head=SSDLiteHead([4, 6], [4, 6], 3, BatchNorm2d)).train()
    lite_losses = lite(images, [targets[0], targets[0]])
    (lite_losses["classification"] + lite_losses["bbox_regression"]).backward()
    assert np.abs(lite.backbone.first.weight.grad.numpy()).sum() > 0


def test_bad_inputs_are_refused():
    model = tiny_ssd().train()
    images = [autograd.rand(3, 32, 32)]
    with pytest.raises(ValueError, match="targets should not be None"):
        model(images)
    with pytest.raises(ValueError, match=r"SSD: images must be \(C, H, W\) tensors, got shape \(5,\)"):
        model.eval()([autograd.zeros(5)])
    model.train()
    with pytest.raises(ValueError, match=r"shape \[N, 4\]"):
        model(images, [{"boxes": autograd.zeros(4), "labels": autograd.zeros(1, dtype=autograd.int64)}])
    with pytest.raises(TypeError, match="of type Tensor"):
        model(images, [{"boxes": [[0, 0, 1, 1]], "labels": autograd.zeros(1, dtype=autograd.int64)}])
    bad = {"boxes": autograd.tensor([[5.0, 5.0, 5.0, 9.0]]), "labels": autograd.tensor([1])}
    with pytest.raises(ValueError, match=r"Found invalid box \[5.0, 5.0, 5.0, 9.0\] for target at index 0"):
        model(images, [bad])
    # the first degenerate row is named, found per box (row 0 is flat in y)
    boxes = autograd.tensor([[5.0, 5.0, 9.0, 5.0], [0.0, 0.0, 4.0, 4.0], [1.0, 1.0, 2.0, 2.0]])
    with pytest.raises(ValueError, match=r"invalid box \[5.0, 5.0, 9.0, 5.0\] for target at index 1"):
        model(
            images * 2,
            [
                {"boxes": boxes[1:], "labels": autograd.tensor([1, 1])},
                {"boxes": boxes, "labels": autograd.tensor([1, 1, 1])},
            ],
        )
    with pytest.raises(ValueError, match=r"SSD: images must be \(C, H, W\) tensors, got shape \(32, 32\)"):
        model.eval()([autograd.zeros(32, 32)])
    model.train()
    with pytest.raises(ValueError, match="do not match the length"):
        SSD(TinyBackbone(), DefaultBoxGenerator([[2]]), (32, 32), 3)
    with pytest.raises(ValueError, match="not available in TinyTorch"):
        ssdlite320_mobilenet_v3_large(weights="DEFAULT")
    with pytest.raises(ValueError, match="mobilenet_v3_large: pretrained weights"):
        ssdlite320_mobilenet_v3_large(weights_backbone="IMAGENET1K_V1")
    with pytest.raises(ValueError, match="vgg16: pretrained weights"):
        with pytest.warns(UserWarning, match="'pretrained_backbone' is deprecated"):
            ssd300_vgg16(pretrained_backbone=True)


def test_out_channels_are_measured_when_the_backbone_does_not_say():
    backbone = TinyBackbone(out=(5, 7)).train()
    assert retrieve_out_channels(backbone, (32, 32)) == [5, 7] and backbone.training
    model = tiny_ssd()
    assert model.head.classification_head.module_list[1].in_channels == 6
    assert model.transform.image_mean == [0.485, 0.456, 0.406] and model.transform.image_std == [
        0.229,
        0.224,
        0.225,
    ]
    declared = TinyBackbone()
    declared.out_channels = [5, 7]  # taken as given, no forward pass
    head = SSD(declared, DefaultBoxGenerator([[2], [2, 3]]), (32, 32), 3).head
    assert [m.in_channels for m in head.regression_head.module_list] == [5, 7]
    seen = []

    class Recorder(nn.Module):
        def forward(self, x):
            seen.append(tuple(x.shape))
            return x

    assert retrieve_out_channels(Recorder(), (40, 24)) == [3] and seen == [(1, 3, 24, 40)]  # size is (w, h)
    single = nn.Sequential(Conv2d(3, 2, 3))
    assert retrieve_out_channels(single.eval(), (8, 8)) == [2] and not single.training


def test_ssdlite_builder_counts_keys_and_feature_maps():
    with pytest.warns(UserWarning, match="falling back to trainable_backbone_layers=6"):
        model = ssdlite320_mobilenet_v3_large(trainable_backbone_layers=3)
    # 3,440,060: torchvision 0.29's SSDLite320_MobileNet_V3_Large_Weights.COCO_V1 meta["num_params"]
    assert sum(p.numel() for p in model.parameters()) == 3_440_060
    assert all(p.requires_grad for p in model.parameters())
    state = model.state_dict()
    assert len(state) == 476  # torchvision's model: 476 entries, the same keys in the same order
    assert list(state)[:2] == ["backbone.features.0.0.0.weight", "backbone.features.0.0.1.weight"]
    assert (
        "backbone.extra.3.2.1.running_var" in state and "head.regression_head.module_list.5.1.bias" in state
    )
    assert model.transform.fixed_size == (320, 320) and model.transform.size_divisible == 1
    assert (model.score_thresh, model.nms_thresh, model.topk_candidates) == (0.001, 0.55, 300)
    assert model.detections_per_img == 300 and model.transform.image_mean == [0.5] * 3
    assert model.transform.image_std == [0.5] * 3 and model.neg_to_pos_ratio == 3.0
    backbone_weights = np.concatenate(
        [p.detach().numpy().ravel() for p in model.backbone.parameters() if p.ndim == 4]
    )
    assert abs(backbone_weights.std() - 0.03) < 0.002  # N(0, 0.03²), not MobileNetV3's own init
    assert model.backbone.extra[0][0][1].momentum == 0.03 and model.backbone.extra[0][0][1].eps == 0.001
    with pytest.warns(UserWarning, match="size of the model is already fixed"):
        small = ssdlite320_mobilenet_v3_large(num_classes=3, size=(100, 100))
    assert small.head.classification_head.module_list[0][1].out_channels == 18
    with autograd.no_grad():
        maps = small.eval().backbone(autograd.zeros(1, 3, 160, 160))
    assert [tuple(m.shape[1:]) for m in maps.values()] == [
        (672, 10, 10),
        (480, 5, 5),
        (512, 3, 3),
        (256, 2, 2),
        (256, 1, 1),
        (128, 1, 1),
    ]  # the extra blocks halve (stride 2, padding 1)
    assert model.anchor_generator.aspect_ratios == [[2, 3]] * 6
    assert model.anchor_generator.scales == pytest.approx([0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 1.0])
    head_layers = [m for m in model.head.modules() if isinstance(m, Conv2d)]
    assert not any(m.bias.detach().numpy().any() for m in head_layers if m.bias is not None)
    head_weights = np.concatenate([m.weight.detach().numpy().ravel() for m in head_layers])
    assert abs(head_weights.mean()) < 0.002  # N(0, 0.03²)
    half = SSDLiteFeatureExtractorMobileNet(mobilenet_v3_large().features, 13, BatchNorm2d, width_mult=0.5)
    assert [block[2][0].out_channels for block in half.extra] == [256, 128, 128, 64]
    backbone = mobilenet_v3_large()
    extractor = _mobilenet_extractor(backbone, 1, BatchNorm2d)  # the last stage (the last layer) trains
    assert not any(p.requires_grad for p in backbone.features[15].parameters())
    assert all(p.requires_grad for p in backbone.features[16].parameters())
    assert all(p.requires_grad for p in extractor.extra.parameters())
    with pytest.raises(ValueError, match="use_res_connect"):
        SSDLiteFeatureExtractorMobileNet(mobilenet_v3_large().features, 12, BatchNorm2d)


def test_vgg_extractor_normalises_and_freezes():
    features = nn.Sequential(
        Conv2d(3, 4, 3, padding=1),
        nn.ReLU(),
        MaxPool2d(2, 2),
        Conv2d(4, 4, 3, padding=1),
        nn.ReLU(),
        MaxPool2d(2, 2),
    )
    ssd_module.freeze_before(features, [0, 2], 1)
    assert [p.requires_grad for p in features.parameters()] == [False, False, True, True]
    ssd_module.freeze_before(features, [0, 2], 0)
    assert not any(p.requires_grad for p in features.parameters())
    with pytest.raises(ValueError, match=r"freeze_before: .*range \[0,2\], got 3"):
        ssd_module.freeze_before(features, [0, 2], 3)
    assert ssd_module.validate_trainable_layers(True, None, 5, 4) == 4
    assert ssd_module.validate_trainable_layers(True, 2, 5, 4) == 2
    assert ssd_module.validate_trainable_layers(True, 0, 5, 4) == 0  # everything frozen is allowed
    with pytest.raises(ValueError, match="range"):
        ssd_module.validate_trainable_layers(True, 6, 5, 4)
    with pytest.raises(ValueError, match="5 max pools"):
        ssd_module.SSDFeatureExtractorVGG(features, False)


def test_vgg_extractor_maps_and_l2_normalisation():
    # VGG's layout with 1x1 convolutions: five max pools, the third rounding up, 512 channels
    features = nn.Sequential(
        Conv2d(3, 512, 1), nn.ReLU(), MaxPool2d(2, 2), MaxPool2d(2, 2), MaxPool2d(2, 2),
        Conv2d(512, 512, 1), nn.ReLU(), MaxPool2d(2, 2), Conv2d(512, 512, 1), nn.ReLU(), MaxPool2d(2, 2),
    )  # fmt: skip
    extractor = ssd_module.SSDFeatureExtractorVGG(features, highres=False)
    assert len(extractor.features) == 7 and len(extractor.extra[0]) == 4  # pool4, conv, ReLU, fc
    with autograd.no_grad():
        maps = extractor(autograd.rand(1, 3, 300, 300))
    assert [tuple(m.shape[1:]) for m in maps.values()] == [
        (512, 38, 38), (1024, 19, 19), (512, 10, 10), (256, 5, 5), (256, 3, 3), (256, 1, 1)
    ]  # fmt: skip
    norms = np.sqrt((maps["0"].numpy() ** 2).sum(axis=1))
    np.testing.assert_allclose(norms, 20.0, rtol=1e-5)  # unit vectors over channels, times 20
    highres = ssd_module.SSDFeatureExtractorVGG(features, highres=True)
    assert len(highres.extra) == 6 and highres.extra[5][2].kernel_size == (4, 4)
    assert (highres.extra[5][0].in_channels, highres.extra[5][0].out_channels) == (256, 128)
    assert highres.extra[5][2].out_channels == 256
    new_layers = [m for block in [extractor.extra[0][-1], *extractor.extra[1:]] for m in block.modules()]
    biases = [m.bias.detach().numpy() for m in new_layers if isinstance(m, Conv2d)]
    assert len(biases) == 10 and not any(b.any() for b in biases)  # Xavier init: zero biases
