"""RoIHeads' mask branch (Mask R-CNN) and its functions in tt_vision.models.detection.roi_heads.

Mask targets from hand-computed RoI Align samples, the mask loss against its formula and its
gradient against float64 central differences, the inference's class selection, and RoIHeads
with a mask branch in both modes (which RoIs reach the mask pool, the loss, the masks returned).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision.layers import Conv2d
from tt_vision.models.detection.roi_heads import (
    RoIHeads,
    maskrcnn_inference,
    maskrcnn_loss,
    project_masks_on_boxes,
)
from tt_vision.ops import MultiScaleRoIAlign

F64 = autograd.float64


def t(rows, dtype=F64):
    return autograd.tensor(np.array(rows, dtype=np.float64), dtype=dtype)


def ints(*values):
    return autograd.tensor(np.array(values, dtype=np.int64))


def test_mask_targets_are_the_matched_masks_cropped_and_resampled():
    masks = np.zeros((2, 8, 8), np.uint8)
    masks[1, :, :4] = 1  # the left half of mask 1
    got = project_masks_on_boxes(autograd.tensor(masks), t([[0, 0, 8, 8], [0, 0, 4, 8]]), ints(1, 0), 2)
    # box 0, mask 1: 4 x 4 samples per bin at x = 0.5 .. 3.5; the one at 3.5 is half in: 3.5 / 4
    np.testing.assert_allclose(got.numpy(), [[[0.875, 0], [0.875, 0]], np.zeros((2, 2))], atol=1e-12)
    assert got.dtype == F64


def bce(logits, targets):
    return np.mean(np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits))))


def scene(rng):
    """Two images: constant ground-truth masks (ones, zeros), so every target is 0 or 1 exactly."""
    masks = [
        autograd.tensor(np.stack([np.ones((16, 16)), np.zeros((16, 16))])),
        autograd.tensor(np.ones((1, 16, 16))),
    ]
    labels = [ints(2, 1), ints(3)]
    proposals = [t([[1, 1, 9, 9], [2, 0, 14, 6], [0, 0, 5, 5]]), t([[3, 3, 12, 15]])]
    matched = [ints(0, 1, 1), ints(0)]
    return masks, labels, proposals, matched


def test_mask_loss_follows_its_formula(rng):
    masks, labels, proposals, matched = scene(rng)
    logits = rng.normal(size=(4, 4, 3, 3))
    got = float(maskrcnn_loss(t(logits), proposals, masks, labels, matched))
    classes = [2, 1, 1, 3]  # each RoI's ground truth's class
    targets = np.array([1.0, 0.0, 0.0, 1.0])[:, None, None] * np.ones((4, 3, 3))
    np.testing.assert_allclose(got, bce(logits[np.arange(4), classes], targets), rtol=1e-12)


def test_mask_loss_gradient_and_the_case_without_positives(rng, check_grad):
    masks, labels, proposals, matched = scene(rng)
    logits = autograd.tensor(rng.normal(size=(4, 4, 3, 3)), requires_grad=True)
    check_grad(lambda x: maskrcnn_loss(x, proposals, masks, labels, matched), logits)
    empty = autograd.tensor(rng.normal(size=(0, 4, 3, 3)), requires_grad=True)
    none = [t(np.zeros((0, 4))), t(np.zeros((0, 4)))]
    loss = maskrcnn_loss(empty, none, masks, labels, [ints(), ints()])
    assert float(loss) == 0.0
    loss.backward()  # still in the graph
    assert tuple(empty.grad.shape) == (0, 4, 3, 3)


def test_inference_picks_each_detections_class_and_splits_per_image(rng):
    logits = rng.normal(size=(3, 4, 2, 2))
    got = maskrcnn_inference(t(logits), [ints(3, 1), ints(2)])
    assert [tuple(g.shape) for g in got] == [(2, 1, 2, 2), (1, 1, 2, 2)]
    expected = 1 / (1 + np.exp(-logits[[0, 1, 2], [3, 1, 2]]))
    np.testing.assert_allclose(np.concatenate([g.numpy() for g in got])[:, 0], expected, rtol=1e-12)
    assert [tuple(g.shape) for g in maskrcnn_inference(t(np.zeros((0, 4, 2, 2))), [ints()])] == [(0, 1, 2, 2)]


class Recorder(MultiScaleRoIAlign):
    def forward(self, x, boxes, image_shapes):
        self.seen = [b.detach().numpy().copy() for b in boxes]
        return super().forward(x, boxes, image_shapes)


class Identity:
    def __call__(self, x):
        return x


def mask_heads(classes=4):
    from tt_vision.models.detection import FastRCNNPredictor, TwoMLPHead

    module = RoIHeads(
        MultiScaleRoIAlign(["0"], 3, 2),
        TwoMLPHead(2 * 9, 8),
        FastRCNNPredictor(8, classes),
        0.5,
        0.5,
        100,
        1.0,
        None,
        0.0,
        0.5,
        4,
        mask_roi_pool=Recorder(["0"], 6, 2),
        mask_head=Identity(),
        mask_predictor=Conv2d(2, classes, 1),
    )
    return module


def test_roi_heads_with_a_mask_branch_in_both_modes():
    module = mask_heads()
    features = {"0": autograd.randn(1, 2, 8, 8)}
    proposals = [autograd.tensor([[0.0, 0, 16, 16], [20, 20, 30, 30], [1, 1, 15, 17]])]
    masks = np.zeros((1, 32, 32), np.float32)
    masks[0, 2:18, 0:16] = 1
    target = {
        "boxes": autograd.tensor([[0.0, 2, 16, 18]]),
        "labels": ints(1),
        "masks": autograd.tensor(masks),
    }
    result, losses = module.train()(features, proposals, [(32, 32)], [target])
    assert result == [] and sorted(losses) == ["loss_box_reg", "loss_classifier", "loss_mask"]
    # positives: proposals 0 (IoU 224/288) and 2 (IoU 224/254), then the ground truth; 1 is background
    seen = module.mask_roi_pool.seen[0]
    assert seen.tolist() == [[0, 0, 16, 16], [1, 1, 15, 17], [0, 2, 16, 18]]
    losses["loss_mask"].backward()
    assert np.abs(module.mask_predictor.weight.grad.numpy()).sum() > 0
    assert float(losses["loss_mask"]) > 0
    result, losses = module.eval()(features, proposals, [(32, 32)])
    masks = result[0]["masks"]
    assert losses == {} and tuple(masks.shape) == (len(result[0]["boxes"]), 1, 6, 6) and len(masks) == 4
    np.testing.assert_allclose(module.mask_roi_pool.seen[0], result[0]["boxes"].detach().numpy())
    values = masks.detach().numpy()
    assert np.all((values > 0) & (values < 1))


def test_mask_targets_are_required_in_training():
    module = mask_heads().train()
    target = {"boxes": autograd.tensor([[0.0, 2, 16, 18]]), "labels": ints(3)}
    with pytest.raises(ValueError, match="should have a masks key"):
        module({"0": autograd.randn(1, 2, 8, 8)}, [autograd.tensor([[0.0, 0, 16, 16]])], [(32, 32)], [target])
    # evaluation with box-only targets (as GeneralizedRCNN passes them on) needs no masks, as torchvision
    result, losses = module.eval()({"0": autograd.randn(1, 2, 8, 8)}, [autograd.tensor([[0.0, 0, 16, 16]])],
                                   [(32, 32)], [target])  # fmt: skip
    assert losses == {} and "masks" in result[0]
