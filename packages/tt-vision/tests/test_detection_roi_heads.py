"""RoIHeads and fastrcnn_loss (tt_vision.models.detection.roi_heads), the box path, as torchvision's.

Proposal labels from hand-computed IoUs; training samples (ground truths appended, sampling,
targets against the box-coding formulas with weights (10, 10, 5, 5)); the losses against their
formulas and their gradients against float64 central differences; detections from hand-made
logits and codes (softmax, class-specific decoding, clipping, background dropped, the score
threshold, small boxes, NMS within classes, the per-image cap); forward in both modes with real
modules; clear errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision.models.detection.box_heads import FastRCNNPredictor, TwoMLPHead
from tt_vision.models.detection.roi_heads import (
    RoIHeads,
    fastrcnn_loss,
)
from tt_vision.ops import MultiScaleRoIAlign, box_iou

F64 = autograd.float64


class ProposalsAsFeatures:
    """A pool whose 'features' are the proposals themselves, ``(R, 4)``; it records what it saw."""

    def __call__(self, features, proposals, image_shapes):
        self.seen = [p.numpy().copy() for p in proposals]
        return autograd.cat(list(proposals))


class Identity:
    def __call__(self, x):
        return x


class FixedPredictor:
    """A predictor whose outputs are given tensors."""

    def __init__(self, logits, codes):
        self.outputs = (logits, codes)

    def __call__(self, x):
        return self.outputs


def heads(predictor=None, fg=0.5, bg=0.3, batch=1000, share=1.0, score=0.25, nms=0.5, top=100, **branches):
    return RoIHeads(
        ProposalsAsFeatures(),
        Identity(),
        predictor if predictor is not None else FixedPredictor(None, None),
        fg,
        bg,
        batch,
        share,
        None,
        score,
        nms,
        top,
        **branches,
    )


def t(rows, dtype=F64):
    return autograd.tensor(np.array(rows, dtype=np.float64), dtype=dtype)


def labels_of(*values):
    return autograd.tensor(np.array(values, dtype=np.int64))


GT = [[0, 0, 10, 10], [20, 20, 30, 30], [40, 0, 50, 10]]
PROPOSALS = [
    [0, 0, 10, 10],  # IoU 1 with gt 0: its class
    [0, 0, 10, 5],  # IoU 0.5 with gt 0: still positive (>= fg)
    [0, 0, 10, 4],  # IoU 0.4: between the thresholds, ignored
    [0, 0, 10, 2],  # IoU 0.2: background
    [20, 20, 30, 30],  # gt 1
    [50, 50, 60, 60],  # overlaps nothing
    [40, 0, 50, 2],  # gt 2's best, IoU 0.2: background all the same (no low-quality matches)
]


def test_labels_and_matches_from_iou():
    matched, labels = heads().assign_targets_to_proposals([t(PROPOSALS)], [t(GT)], [labels_of(3, 1, 2)])
    assert labels[0].numpy().tolist() == [3, 3, -1, 0, 1, 0, 0]
    assert labels[0].dtype == autograd.int64
    assert matched[0].numpy().tolist() == [0, 0, 0, 0, 1, 0, 0]  # unmatched ones clamped to 0
    matched, labels = heads().assign_targets_to_proposals(
        [t(PROPOSALS)], [t(np.zeros((0, 4)))], [labels_of()]
    )
    assert labels[0].numpy().tolist() == [0] * 7 and matched[0].numpy().tolist() == [0] * 7


def encoded(gt, proposals, weights=(10.0, 10.0, 5.0, 5.0)):
    """Faster R-CNN's codes, written out on NumPy arrays."""
    gw, gh = gt[:, 2] - gt[:, 0], gt[:, 3] - gt[:, 1]
    pw, ph = proposals[:, 2] - proposals[:, 0], proposals[:, 3] - proposals[:, 1]
    dx = (gt[:, 0] + gw / 2 - proposals[:, 0] - pw / 2) / pw
    dy = (gt[:, 1] + gh / 2 - proposals[:, 1] - ph / 2) / ph
    return np.stack([dx, dy, np.log(gw / pw), np.log(gh / ph)], 1) * weights


def test_training_samples_append_the_ground_truths_and_encode_their_matches():
    gt = t([[1, 1, 9, 11], [20, 20, 30, 30]])
    proposals = [t([[0, 0, 10, 10], [50, 50, 60, 60], [0, 0, 10, 7], [21, 20, 31, 31]])]
    sampled, matched, labels, targets = heads().select_training_samples(
        proposals, [{"boxes": gt, "labels": labels_of(4, 2)}]
    )
    # IoUs with gt 0: 80/100, 0, 56/94 (between: dropped); with gt 1: proposal 3 = 100/111
    assert (
        sampled[0].numpy().tolist()
        == [[0, 0, 10, 10], [50, 50, 60, 60], [21, 20, 31, 31]] + gt.numpy().tolist()
    )
    assert labels[0].numpy().tolist() == [4, 0, 2, 4, 2] and matched[0].numpy().tolist() == [0, 0, 1, 0, 1]
    expected = encoded(gt.numpy()[[0, 0, 1, 0, 1]], sampled[0].numpy())
    np.testing.assert_allclose(targets[0].numpy(), expected, atol=1e-12)
    assert np.all(targets[0].numpy()[3:] == 0)  # a ground truth against itself


def test_training_samples_respect_the_sampler_and_background_images():
    proposals = [t(PROPOSALS), t(PROPOSALS)]
    targets = [
        {"boxes": t(GT), "labels": labels_of(3, 1, 2)},
        {"boxes": t(np.zeros((0, 4))), "labels": labels_of()},
    ]
    sampled, matched, labels, codes = heads(batch=4, share=0.5).select_training_samples(proposals, targets)
    first = labels[0].numpy()
    assert len(first) == 4 and (first > 0).sum() == 2 and (first == 0).sum() == 2
    assert labels[1].numpy().tolist() == [0] * 4 and len(sampled[1]) == 4
    assert all(np.all(np.diff(np.flatnonzero(np.isin(PROPOSALS, s.numpy()).all(1))) > 0) for s in sampled[:1])
    assert matched[1].numpy().tolist() == [0] * 4 and tuple(codes[1].shape) == (4, 4)


def reference_losses(logits, codes, labels, targets):
    r, k = logits.shape
    shifted = logits - logits.max(1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    classification = -log_p[np.arange(r), labels].mean()
    total = 0.0
    beta = 1 / 9
    for i in np.flatnonzero(labels > 0):
        d = np.abs(codes[i].reshape(k, 4)[labels[i]] - targets[i])
        total += np.where(d < beta, 0.5 * d**2 / beta, d - 0.5 * beta).sum()
    return classification, total / r


def test_fastrcnn_loss_follows_its_formula(rng):
    logits = rng.normal(size=(6, 3))
    codes = rng.normal(scale=0.2, size=(6, 12))
    targets = rng.normal(scale=0.2, size=(6, 4))
    targets[0, 0] = codes[0, 8] + 0.05  # one difference below beta: the quadratic side
    labels = np.array([2, 0, 1, 0, 2, 0])
    got = fastrcnn_loss(
        t(logits),
        t(codes),
        [labels_of(*labels[:4]), labels_of(*labels[4:])],
        [t(targets[:4]), t(targets[4:])],
    )
    want = reference_losses(logits, codes, labels, targets)
    np.testing.assert_allclose([float(got[0]), float(got[1])], want, rtol=1e-12)
    only_background = fastrcnn_loss(t(logits), t(codes), [labels_of(*[0] * 6)], [t(targets)])
    assert float(only_background[1]) == 0.0


def test_fastrcnn_loss_gradients_match_central_differences(rng, check_grad):
    labels = [labels_of(1, 0, 2), labels_of(2, 0)]
    targets = [t(rng.normal(scale=0.3, size=(3, 4))), t(rng.normal(scale=0.3, size=(2, 4)))]

    def losses(logits, codes):
        return autograd.stack(list(fastrcnn_loss(logits, codes, labels, targets)))

    logits = autograd.tensor(rng.normal(size=(5, 3)), requires_grad=True)
    codes = autograd.tensor(rng.normal(scale=0.3, size=(5, 12)), requires_grad=True)
    check_grad(losses, logits, codes)


def test_training_forward_pools_the_samples_and_returns_the_losses(rng, check_grad):
    proposals = [t([[0, 0, 10, 10], [50, 50, 60, 60], [0, 0, 10, 7]]), t([[5, 5, 15, 15]])]
    targets = [
        {"boxes": t([[1, 1, 9, 11]]), "labels": labels_of(2)},
        {"boxes": t([[5, 5, 15, 14]]), "labels": labels_of(1)},
    ]
    # image 0: proposals 0 (positive), 1 (background), its gt; image 1: proposal 0 (IoU 0.9), its gt
    sampled = 5
    labels = np.array([2, 0, 2, 1, 1])

    def losses(logits, codes):
        module = heads(FixedPredictor(logits, codes)).train()
        detections, out = module(None, proposals, [(64, 64), (64, 64)], targets)
        assert detections == [] and sorted(out) == ["loss_box_reg", "loss_classifier"]
        return autograd.stack([out["loss_classifier"], out["loss_box_reg"]])

    logits = autograd.tensor(rng.normal(size=(sampled, 3)), requires_grad=True)
    codes = autograd.tensor(rng.normal(scale=0.3, size=(sampled, 12)), requires_grad=True)
    module = heads(FixedPredictor(logits, codes)).train()
    _, out = module(None, proposals, [(64, 64), (64, 64)], targets)
    pool = module.box_roi_pool
    assert [len(s) for s in pool.seen] == [3, 2] and pool.seen[1].tolist() == [[5, 5, 15, 15], [5, 5, 15, 14]]
    matched = np.array([[1, 1, 9, 11]] * 3 + [[5, 5, 15, 14]] * 2, dtype=np.float64)
    want = reference_losses(
        logits.detach().numpy(), codes.detach().numpy(), labels, encoded(matched, np.concatenate(pool.seen))
    )
    np.testing.assert_allclose([float(out["loss_classifier"]), float(out["loss_box_reg"])], want, rtol=1e-12)
    check_grad(losses, logits, codes)


def log_probs(*rows):
    return np.log(np.array(rows, dtype=np.float64))


def test_detections_from_hand_made_logits_and_codes():
    proposals = [
        t([[2, 2, 10, 10], [3, 3, 11, 11], [20, 5, 40, 15], [5, 5, 5.005, 9]]),
        t([[0, 0, 12, 8]]),
    ]
    logits = log_probs(
        [0.1, 0.6, 0.3], [0.1, 0.5, 0.4], [0.02, 0.03, 0.95], [0.01, 0.19, 0.8], [0.2, 0.2, 0.6]
    )
    codes = np.zeros((5, 12))
    # the last RoI's class-2 codes: centre + 0.25 of the width, width halved (weights 10, 10, 5, 5)
    codes[4, 8:] = [10 * 0.25, 0, 5 * math.log(0.5), 0]
    codes[4, :8] = [3.0, 1.0, -2.0, 2.0, -4.0, 3.0, 1.0, -1.0]  # background and class 1: not used
    module = heads(score=0.25, nms=0.5, top=100).eval()
    boxes, scores, labels = module.postprocess_detections(
        t(logits), t(codes), proposals, [(20, 30), (10, 10)]
    )
    # image 0: scores above 0.25 are (0, 1) .6, (0, 2) .3, (1, 1) .5, (1, 2) .4, (2, 2) .95, (3, 2) .8;
    # RoI 3 is 0.005 wide (dropped); RoIs 0 and 1 overlap with IoU 49/79 (> 0.5): NMS per class
    assert labels[0].numpy().tolist() == [2, 1, 2] and labels[0].dtype == autograd.int64
    np.testing.assert_allclose(scores[0].numpy(), [0.95, 0.6, 0.4], rtol=1e-12)
    np.testing.assert_allclose(
        boxes[0].numpy(), [[20, 5, 30, 15], [2, 2, 10, 10], [3, 3, 11, 11]], atol=1e-12
    )
    # image 1: class 2 decoded to [6, 0, 12, 8], clipped to its own 10 x 10 image
    assert labels[1].numpy().tolist() == [2]
    np.testing.assert_allclose(boxes[1].numpy(), [[6, 0, 10, 8]], atol=1e-12)
    module.detections_per_img = 2
    module.score_thresh = 0.6  # strictly above: the 0.6 goes
    boxes, scores, labels = module.postprocess_detections(
        t(logits), t(codes), proposals, [(20, 30), (10, 10)]
    )
    assert labels[0].numpy().tolist() == [2] and [len(b) for b in boxes] == [1, 0]
    module.score_thresh, module.nms_thresh = 0.0, 0.7  # now RoIs 0 and 1 both stay; the cap keeps 2
    boxes, scores, labels = module.postprocess_detections(
        t(logits), t(codes), proposals, [(20, 30), (10, 10)]
    )
    np.testing.assert_allclose(scores[0].numpy(), [0.95, 0.6], rtol=1e-12)


def test_detections_keep_sides_from_one_hundredth():
    proposals = [t([[0, 0, 0.015, 4], [0, 0, 4, 0.005], [1, 1, 3, 1.012]])]
    logits = t(log_probs([0.1, 0.9], [0.1, 0.9], [0.2, 0.8]))
    boxes, scores, labels = heads(score=0.5).postprocess_detections(
        logits, t(np.zeros((3, 8))), proposals, [(9, 9)]
    )
    np.testing.assert_allclose(scores[0].numpy(), [0.9, 0.8], rtol=1e-12)
    assert heads().box_similarity is box_iou  # torchvision's attribute


def test_eval_forward_returns_a_dict_per_image():
    logits = t(log_probs([0.1, 0.6, 0.3], [0.5, 0.1, 0.4]))
    module = heads(FixedPredictor(logits, t(np.zeros((2, 12)))), score=0.2).eval()
    result, losses = module(None, [t([[1, 1, 5, 5]]), t([[2, 2, 8, 6]])], [(10, 10), (10, 10)])
    assert losses == {} and [sorted(r) for r in result] == [["boxes", "labels", "scores"]] * 2
    assert [r["labels"].numpy().tolist() for r in result] == [[1, 2], [2]]
    np.testing.assert_allclose(result[1]["boxes"].numpy(), [[2, 2, 8, 6]], atol=1e-12)


def test_forward_with_real_modules_in_both_modes():
    pool = MultiScaleRoIAlign(["0"], 3, 2)
    module = RoIHeads(
        pool, TwoMLPHead(4 * 9, 16), FastRCNNPredictor(16, 4), 0.5, 0.5, 64, 0.25, None, 0.0, 0.5, 5
    )
    assert sorted(module.state_dict())[:2] == ["box_head.fc6.bias", "box_head.fc6.weight"]
    assert len(module.state_dict()) == 8 and "box_predictor.bbox_pred.weight" in module.state_dict()
    features = {"0": autograd.randn(2, 4, 8, 8)}
    proposals = [
        autograd.tensor([[0.0, 0, 20, 20], [10, 10, 30, 25], [2, 3, 9, 7]]),
        autograd.tensor([[4.0, 4, 28, 30]]),
    ]
    targets = [{"boxes": autograd.tensor([[1.0, 1, 19, 21]]), "labels": labels_of(3)}] * 2
    _, losses = module.train()(features, proposals, [(32, 32)] * 2, targets)
    (losses["loss_classifier"] + losses["loss_box_reg"]).backward()
    assert float(losses["loss_box_reg"]) > 0
    assert np.abs(module.box_predictor.bbox_pred.weight.grad.numpy()).sum() > 0
    assert np.abs(module.box_head.fc6.weight.grad.numpy()).sum() > 0
    result, losses = module.eval()(features, proposals, [(32, 32)] * 2)
    # image 0: 3 RoIs x 3 classes, hardly overlapping: capped at 5; image 1: 1 RoI x 3 classes
    assert losses == {} and [len(r["boxes"]) for r in result] == [5, 3]
    for r in result:
        boxes = r["boxes"].detach().numpy()
        assert np.all((boxes >= 0) & (boxes <= 32)) and set(r["labels"].numpy().tolist()) <= {1, 2, 3}
        assert np.all(np.diff(r["scores"].detach().numpy()) <= 0)  # best first


def test_errors_say_what_to_pass():
    module = heads().train()
    boxes = [t([[0, 0, 4, 4]])]
    with pytest.raises(ValueError, match="targets should not be None in training mode"):
        module(None, boxes, [(8, 8)])
    with pytest.raises(ValueError, match="should have a boxes key"):
        module(None, boxes, [(8, 8)], [{"labels": labels_of(1)}])
    with pytest.raises(ValueError, match="should have a labels key"):
        module(None, boxes, [(8, 8)], [{"boxes": t([[0, 0, 4, 4]])}])
    with pytest.raises(TypeError, match="target boxes must be of float type.*int64"):
        module(
            None, boxes, [(8, 8)], [{"boxes": labels_of(0, 0, 4, 4).reshape(1, 4), "labels": labels_of(1)}]
        )
    with pytest.raises(TypeError, match="target labels must be of int64 type.*float"):
        module(None, boxes, [(8, 8)], [{"boxes": t([[0, 0, 4, 4]]), "labels": t([1.0])}])
    with pytest.raises(ValueError, match=r"fastrcnn_loss: .* need box_regression \(R, 4K\)"):
        fastrcnn_loss(t(np.zeros((2, 3))), t(np.zeros((2, 8))), [labels_of(0, 1)], [t(np.zeros((2, 4)))])


def test_branches_need_all_three_parts():
    assert not heads().has_mask() and not heads().has_keypoint()
    for branch in ("mask", "keypoint"):
        parts = {f"{branch}_{p}": Identity() for p in ("roi_pool", "head", "predictor")}
        module = heads(**parts)
        assert module.has_mask() == (branch == "mask") and module.has_keypoint() == (branch == "keypoint")
        assert getattr(module, f"{branch}_head") is parts[f"{branch}_head"]
        for missing in parts:  # any one missing: the branch is off
            assert (
                getattr(heads(**{k: v for k, v in parts.items() if k != missing}), f"has_{branch}")() is False
            )


def test_images_without_proposals_or_ground_truths():
    pool = MultiScaleRoIAlign(["0"], 3, 2)
    module = RoIHeads(
        pool, TwoMLPHead(2 * 9, 8), FastRCNNPredictor(8, 3), 0.5, 0.5, 64, 0.25, None, 0.0, 0.5, 5
    )
    features = {"0": autograd.randn(2, 2, 8, 8)}
    empty = autograd.zeros(0, 4)
    result, _ = module.eval()(features, [empty, empty], [(32, 32)] * 2)
    assert [tuple(r["boxes"].shape) for r in result] == [(0, 4)] * 2 and result[0][
        "labels"
    ].dtype == autograd.int64
    result, _ = module(features, [empty, autograd.tensor([[0.0, 0, 16, 16]])], [(32, 32)] * 2)
    assert [len(r["scores"]) for r in result] == [0, 2]  # one RoI, two foreground classes
    background = {"boxes": autograd.zeros(0, 4), "labels": autograd.zeros(0, dtype=autograd.int64)}
    _, losses = module.train()(
        features, [empty, autograd.tensor([[0.0, 0, 16, 16]])], [(32, 32)] * 2, [background] * 2
    )
    assert float(losses["loss_box_reg"]) == 0.0 and float(losses["loss_classifier"]) > 0
