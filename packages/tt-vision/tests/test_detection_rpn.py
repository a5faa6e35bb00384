"""RPNHead and RegionProposalNetwork (tt_vision.models.detection.rpn), as torchvision's.

Proposal filtering on hand-made proposals (top-n per level, clipping, small boxes, the score
threshold, NMS within levels, post-NMS top-n); anchor labels from hand-computed IoUs; the
losses against their formulas with every anchor sampled; the head's outputs in anchor order;
the losses' gradients w.r.t. the head's outputs against float64 central differences.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision.models.detection import AnchorGenerator, ImageList, RegionProposalNetwork, RPNHead
from tt_vision.models.detection.rpn import concat_box_prediction_layers, permute_and_flatten


def rpn(
    head=None,
    anchors=None,
    pre=(50, 40),
    post=(20, 10),
    nms=0.7,
    score=0.0,
    fg=0.7,
    bg=0.3,
    batch=256,
    share=0.5,
):
    anchors = anchors or AnchorGenerator(sizes=((8,),), aspect_ratios=((0.5, 1.0, 2.0),))
    return RegionProposalNetwork(
        anchors,
        head if head is not None else RPNHead(4, 3),
        fg,
        bg,
        batch,
        share,
        {"training": pre[0], "testing": pre[1]},
        {"training": post[0], "testing": post[1]},
        nms,
        score,
    )


def test_head_shapes_keys_and_initialisation():
    head = RPNHead(16, 3, conv_depth=2)
    logits, codes = head([autograd.randn(2, 16, 5, 6), autograd.randn(2, 16, 3, 3)])
    assert [tuple(t.shape) for t in logits] == [(2, 3, 5, 6), (2, 3, 3, 3)]
    assert [tuple(t.shape) for t in codes] == [(2, 12, 5, 6), (2, 12, 3, 3)]
    assert sorted(head.state_dict()) == sorted(
        [f"conv.{i}.0.{k}" for i in (0, 1) for k in ("weight", "bias")]
        + [f"{m}.{k}" for m in ("cls_logits", "bbox_pred") for k in ("weight", "bias")]
    )
    weights = np.concatenate(
        [p.detach().numpy().ravel() for n, p in head.named_parameters() if "weight" in n]
    )
    assert abs(weights.std() - 0.01) < 0.001 and abs(weights.mean()) < 0.001
    assert all(np.all(p.detach().numpy() == 0) for n, p in head.named_parameters() if "bias" in n)
    assert isinstance(head.conv[0][1], type(head.conv[1][1])) and type(head.conv[0][1]).__name__ == "ReLU"


def test_head_reads_a_version_1_state_dict():
    old = RPNHead(4, 2)
    state = {
        ("conv." + k.rsplit(".", 1)[1] if k.startswith("conv.") else k): v * 3
        for k, v in old.state_dict().items()
    }
    assert "conv.weight" in state
    new = RPNHead(4, 2)
    new.load_state_dict(state)
    np.testing.assert_array_equal(
        new.conv[0][0].weight.detach().numpy(), 3 * old.conv[0][0].weight.detach().numpy()
    )
    current = RPNHead(4, 2)
    current.load_state_dict(new.state_dict())  # version 2: keys as they are
    stale = new.state_dict()
    stale["conv.weight"] = stale.pop("conv.0.0.weight")  # a version-2 dict is not renamed
    assert "conv.weight" in RPNHead(4, 2).load_state_dict(stale, strict=False).unexpected_keys
    np.testing.assert_array_equal(
        current.conv[0][0].bias.detach().numpy(), new.conv[0][0].bias.detach().numpy()
    )


def test_flattening_puts_rows_in_anchor_order(rng):
    n, a, h, w = 2, 3, 2, 4
    logits = [autograd.tensor(rng.normal(size=(n, a, h, w))), autograd.tensor(rng.normal(size=(n, a, 1, 2)))]
    codes = [
        autograd.tensor(rng.normal(size=(n, 4 * a, h, w))),
        autograd.tensor(rng.normal(size=(n, 4 * a, 1, 2))),
    ]
    flat_logits, flat_codes = concat_box_prediction_layers(logits, codes)
    per_image = a * h * w + a * 2
    assert tuple(flat_logits.shape) == (n * per_image, 1) and tuple(flat_codes.shape) == (n * per_image, 4)
    for image in range(n):
        for y in range(h):
            for x in range(w):
                for k in range(a):
                    row = image * per_image + (y * w + x) * a + k
                    assert flat_logits.numpy()[row, 0] == logits[0].numpy()[image, k, y, x]
                    assert (
                        flat_codes.numpy()[row].tolist()
                        == codes[0].numpy()[image, 4 * k : 4 * k + 4, y, x].tolist()
                    )
    last = (n - 1) * per_image + a * h * w + (0 * 2 + 1) * a + 2  # image 1, level 1, x = 1, anchor 2
    assert flat_logits.numpy()[last, 0] == logits[1].numpy()[1, 2, 0, 1]
    assert tuple(permute_and_flatten(codes[0], n, a, 4, h, w).shape) == (n, h * w * a, 4)
    single_logits, single_codes = concat_box_prediction_layers([logits[0][:, :1]], [codes[0][:, :4]])
    assert tuple(single_logits.shape) == (n * h * w, 1) and tuple(single_codes.shape) == (n * h * w, 4)
    for logit_channels, code_channels in ((3, 10), (4, 10), (3, 8), (1, 0)):
        with pytest.raises(ValueError, match="4 channels per anchor"):
            concat_box_prediction_layers(
                [autograd.zeros(1, logit_channels, 2, 2)], [autograd.zeros(1, code_channels, 2, 2)]
            )


def filtered(network, boxes, logits, levels, size=(20, 20)):
    proposals = autograd.tensor(np.array([boxes], dtype=np.float32))
    objectness = autograd.tensor(np.array(logits, dtype=np.float32)[:, None])
    return network.filter_proposals(proposals, objectness, [size], levels)


def test_filter_keeps_top_n_per_level_clips_and_suppresses_within_levels():
    boxes = [
        [0, 0, 10, 10],  # level 0, logit 2
        [1, 1, 11, 11],  # level 0, logit 1: IoU 81/119 with the first: suppressed
        [-5, 0, 5, 10],  # level 0, logit 0.5: not in level 0's top 2
        [0, 0, 10, 10],  # level 1, logit 0: the first box again, but another level: kept
        [12, 12, 30, 25],  # level 1, logit 3: clipped to the 20 x 20 image
    ]
    network = rpn(pre=(9, 2), post=(9, 9), nms=0.5).eval()
    (kept,), (scores,) = filtered(network, boxes, [2.0, 1.0, 0.5, 0.0, 3.0], [3, 2])
    assert kept.numpy().tolist() == [[12, 12, 20, 20], [0, 0, 10, 10], [0, 0, 10, 10]]
    sigmoid = [1 / (1 + math.exp(-v)) for v in (3.0, 2.0, 0.0)]
    np.testing.assert_allclose(scores.numpy(), sigmoid, rtol=1e-6)
    network = rpn(pre=(9, 2), post=(9, 2), nms=0.5).eval()
    assert filtered(network, boxes, [2.0, 1.0, 0.5, 0.0, 3.0], [3, 2])[0][0].numpy().tolist() == [
        [12, 12, 20, 20],
        [0, 0, 10, 10],
    ]
    # the training counts apply in training mode: pre 3 per level keeps the third box of level 0
    network = rpn(pre=(3, 2), post=(9, 9), nms=0.5).train()
    assert len(filtered(network, boxes, [2.0, 1.0, 0.5, 0.0, 3.0], [3, 2])[0][0]) == 4


def test_filter_drops_small_boxes_and_scores_below_the_threshold():
    boxes = [[5, 5, 5.0005, 9], [0, 0, 4, 4], [0, 0, 3, 3], [10, 10, 15, 15], [-9, -9, -1, -1]]
    network = rpn(pre=(9, 9), post=(9, 9), score=0.5).eval()
    # probabilities 0.73 (too thin), 0.12 and 0.27 (below 0.5), 0.5 (== the threshold: kept), 0.88 (outside:
    # clipped to zero size, dropped)
    (kept,), (scores,) = filtered(network, boxes, [1.0, -2.0, -1.0, 0.0, 2.0], [5])
    assert kept.numpy().tolist() == [[10, 10, 15, 15]] and scores.numpy().tolist() == [0.5]
    low = rpn(pre=(9, 9), post=(9, 9), score=0.2).eval()
    assert filtered(low, boxes, [1.0, -2.0, -1.0, 0.0, 2.0], [5])[0][0].numpy().tolist() == [
        [10, 10, 15, 15],
        [0, 0, 3, 3],
    ]


def test_filter_keeps_sides_from_one_thousandth():
    boxes = [[0, 0, 0.0015, 9], [0, 0, 9, 0.0009]]
    (kept,), _ = filtered(rpn(pre=(9, 9), post=(9, 9)).eval(), boxes, [1.0, 1.0], [2])
    np.testing.assert_allclose(kept.numpy(), [[0, 0, 0.0015, 9]])


def test_a_batch_gives_each_image_its_own_proposals(rng):
    anchors = AnchorGenerator(((4,), (8,)), ((0.5, 1.0, 2.0),) * 2)
    network = rpn(
        head=RPNHead(3, 3).to(dtype=autograd.float64), anchors=anchors, pre=(9, 5), post=(30, 30)
    ).eval()
    levels = [rng.normal(size=(2, 3, 4, 4)), rng.normal(size=(2, 3, 2, 2))]
    images = ImageList(autograd.zeros(2, 3, 16, 16, dtype=autograd.float64), [(16, 16), (12, 14)])
    both, _ = network(images, {str(i): autograd.tensor(level) for i, level in enumerate(levels)})
    for image in range(2):
        alone = ImageList(images.tensors[image : image + 1], [images.image_sizes[image]])
        features = {str(i): autograd.tensor(level[image : image + 1]) for i, level in enumerate(levels)}
        (own,), _ = network(alone, features)
        np.testing.assert_array_equal(both[image].numpy(), own.numpy())
    assert len(both[0]) > 5  # the best 5 of each level, not of all levels


def test_anchor_labels_and_matched_boxes():
    anchors = autograd.tensor(
        [[0, 0, 10, 10], [0, 0, 10, 5], [20, 20, 30, 30], [50, 50, 60, 60], [100, 100, 110, 110.0]]
    )
    gt = autograd.tensor([[0, 0, 10, 10], [21, 21, 30, 30], [50, 50, 58, 70.0]])
    network = rpn()
    (labels,), (matched,) = network.assign_targets_to_anchors([anchors], [{"boxes": gt}])
    # IoUs: 1 (gt 0); 0.5 (between); 0.81 (gt 1); 80/180 = 0.44, gt 2's best: a low-quality match; 0
    assert labels.numpy().tolist() == [1.0, -1.0, 1.0, 1.0, 0.0] and labels.dtype == autograd.float32
    assert matched.numpy().tolist() == [gt.numpy()[i].tolist() for i in (0, 0, 1, 2, 0)]
    (labels,), (matched,) = network.assign_targets_to_anchors([anchors], [{"boxes": autograd.zeros(0, 4)}])
    assert labels.numpy().tolist() == [0.0] * 5 and matched.numpy().tolist() == [[0.0] * 4] * 5


def smooth_l1(d, beta):
    d = np.abs(d)
    return np.where(d < beta, 0.5 * d**2 / beta, d - 0.5 * beta)


def test_losses_follow_their_formulas(rng):
    labels = [autograd.tensor([1.0, 0.0, -1.0, 0.0, 1.0]), autograd.tensor([0.0, 0.0, 1.0])]
    targets = [autograd.tensor(rng.normal(size=(5, 4))), autograd.tensor(rng.normal(size=(3, 4)))]
    logits = rng.normal(size=(8, 1))
    codes = rng.normal(scale=0.2, size=(8, 4))
    network = rpn(batch=100, share=1.0)  # every labelled anchor is sampled
    objectness_loss, box_loss = network.compute_loss(
        autograd.tensor(logits), autograd.tensor(codes), labels, targets
    )
    label = np.array([1, 0, -1, 0, 1, 0, 0, 1.0])
    sampled = label >= 0
    x, y = logits[sampled, 0], label[sampled]
    bce = np.mean(np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x))))
    target = np.concatenate([t.numpy() for t in targets])
    box = smooth_l1(codes[label == 1] - target[label == 1], 1 / 9).sum() / sampled.sum()
    assert float(objectness_loss) == pytest.approx(bce, rel=1e-12)
    assert float(box_loss) == pytest.approx(box, rel=1e-12)
    # a batch of 2 per image, at most 1 positive: image 0 takes one of anchors {0, 4} and one of {1, 3},
    # image 1 anchor 7 and one of {5, 6}; the box loss divides by the 4 sampled
    per_anchor = smooth_l1(codes - target, 1 / 9).sum(axis=1)
    bces = np.maximum(logits[:, 0], 0) - logits[:, 0] * label + np.log1p(np.exp(-np.abs(logits[:, 0])))
    possible = [
        (np.mean(bces[[p, n, 7, m]]), (per_anchor[p] + per_anchor[7]) / 4)
        for p, n, m in itertools.product((0, 4), (1, 3), (5, 6))
    ]
    seen = set()
    for seed in range(12):
        autograd.manual_seed(seed)
        got = rpn(batch=2, share=0.5).compute_loss(
            autograd.tensor(logits), autograd.tensor(codes), labels, targets
        )
        match = [
            k
            for k, (o, b) in enumerate(possible)
            if np.isclose(float(got[0]), o) and np.isclose(float(got[1]), b)
        ]
        assert len(match) == 1
        seen.add(match[0])
    assert len(seen) > 2  # the draws differ


class FixedHead:
    """A head whose outputs are given tensors: the RPN's losses as a function of them."""

    def __init__(self, logits, codes):
        self.outputs = ([logits], [codes])

    def __call__(self, features):
        return self.outputs


def scene():
    images = ImageList(autograd.zeros(1, 3, 16, 16, dtype=autograd.float64), [(16, 16)])
    features = {"0": autograd.zeros(1, 2, 2, 2, dtype=autograd.float64)}
    targets = [{"boxes": autograd.tensor([[1.0, 2.0, 9.0, 13.0]], dtype=autograd.float64)}]
    return images, features, targets


def test_proposals_follow_the_anchor_with_the_best_logit():
    images, features, _ = scene()
    logits = np.zeros((1, 3, 2, 2))
    logits[0, 1, 1, 0] = 5.0  # anchor (y = 1, x = 0, ratio 1): row (1 * 2 + 0) * 3 + 1 = 7
    codes = np.zeros((1, 12, 2, 2))
    # the anchor [-4, 4, 4, 12]: centre (0, 8), 8 x 8; dx 0.5, dy -0.25: centre (4, 6); sides x 0.5, x 1.5
    codes[0, 4:8, 1, 0] = [0.5, -0.25, math.log(0.5), math.log(1.5)]
    network = rpn(
        head=FixedHead(autograd.tensor(logits), autograd.tensor(codes)), pre=(99, 99), nms=1.0
    ).eval()
    (boxes,), losses = network(images, features)
    anchor = network.anchor_generator(images, list(features.values()))[0].numpy()[7]
    assert anchor.tolist() == [-4.0, 4.0, 4.0, 12.0] and losses == {}  # size 8 at (x, y) = (0, 8)
    np.testing.assert_allclose(boxes.numpy()[0], [2.0, 0.0, 6.0, 12.0], atol=1e-12)
    assert len(boxes) <= 10 and np.all(boxes.numpy() >= 0) and np.all(boxes.numpy() <= 16)


def test_forward_in_both_modes_with_a_real_head():
    images, _, targets = scene()
    head = RPNHead(2, 6).to(dtype=autograd.float64)
    network = rpn(head=head, anchors=AnchorGenerator(((4, 8),), ((0.5, 1.0, 2.0),)), post=(5, 4))
    features = {"0": autograd.randn(1, 2, 4, 4, dtype=autograd.float64)}
    boxes, losses = network.train()(images, features, targets)
    assert sorted(losses) == ["loss_objectness", "loss_rpn_box_reg"] and len(boxes[0]) <= 5
    (losses["loss_objectness"] + losses["loss_rpn_box_reg"]).backward()
    assert np.abs(network.head.cls_logits.weight.grad.numpy()).sum() > 0
    assert np.abs(network.head.bbox_pred.weight.grad.numpy()).sum() > 0
    boxes, losses = network.eval()(images, features)
    assert (
        losses == {}
        and len(boxes[0]) <= 4
        and network.pre_nms_top_n() == 40
        and network.post_nms_top_n() == 4
    )


def test_loss_gradients_match_central_differences(rng, check_grad):
    images, features, targets = scene()

    def losses(logits, codes):
        head = FixedHead(logits, codes)
        network = rpn(head=head, fg=0.4, bg=0.2, batch=1000, share=1.0).train()
        _, out = network(images, features, targets)
        return autograd.stack([out["loss_objectness"], out["loss_rpn_box_reg"]])

    logits = autograd.tensor(rng.normal(size=(1, 3, 2, 2)), requires_grad=True)
    codes = autograd.tensor(rng.normal(scale=0.3, size=(1, 12, 2, 2)), requires_grad=True)
    values = losses(logits, codes).detach().numpy()
    assert values[1] > 0  # some anchor is positive, so both losses depend on the outputs
    check_grad(losses, logits, codes)


def test_errors_say_what_to_pass():
    images, features, targets = scene()
    network = rpn(head=RPNHead(2, 3).to(dtype=autograd.float64))
    with pytest.raises(ValueError, match="targets should not be None in training mode"):
        network.train()(images, features)
    with pytest.raises(TypeError, match="features must be a dict.*wrap a single map"):
        network.eval()(images, [features["0"]])
    with pytest.raises(ValueError, match="pre_nms_top_n must be a dict with keys 'training' and 'testing'"):
        RegionProposalNetwork(AnchorGenerator(), RPNHead(2, 3), 0.7, 0.3, 256, 0.5, {"testing": 5}, {}, 0.7)
    with pytest.raises(ValueError, match="post_nms_top_n must be a dict"):
        RegionProposalNetwork(
            AnchorGenerator(), RPNHead(2, 3), 0.7, 0.3, 256, 0.5, {"training": 5, "testing": 5}, 5, 0.7
        )
