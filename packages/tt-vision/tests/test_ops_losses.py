"""sigmoid_focal_loss and the GIoU / DIoU / CIoU box losses (tt_vision.ops), as torchvision.ops.

Values by hand in the comments (unit squares; a 2×1 and a 1×2 box; logits 0 and 3,
where sigmoid and softplus are written out); the CIoU and focal figures were also
printed by torchvision 0.29.1 for the same inputs (0.7629; 0.0433 and 2.0747).
Gradients against float64 central differences.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad as gradient_of
from tt_vision import ops

EPS = 1e-7
UNIT = [0.0, 0.0, 1.0, 1.0]
WIDE, TALL = [0.0, 0.0, 2.0, 1.0], [0.0, 0.0, 1.0, 2.0]


def t(values, dtype=autograd.float64):
    return autograd.tensor(np.asarray(values, dtype=np.float64), dtype=dtype)


def softplus(x):
    return math.log1p(math.exp(x))


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_generalized_box_iou_loss_by_hand():
    pairs1 = t([UNIT, UNIT, UNIT, [0.0, 0.0, 2.0, 2.0]])
    pairs2 = t([[2.0, 0.0, 3.0, 1.0], [2.0, 2.0, 3.0, 3.0], UNIT, [1.0, 0.0, 3.0, 2.0]])
    loss = ops.generalized_box_iou_loss(pairs1, pairs2).numpy()
    expected = [
        1 + (3 - 2) / (3 + EPS),  # 1 apart: enclosing 3 × 1, union 2
        1 + (9 - 2) / (9 + EPS),  # diagonal neighbours: no intersection although both overlaps are negative
        1 - 1 / (1 + EPS),  # identical
        1 - 2 / (6 + EPS) + 0.0,  # overlapping 2×2 squares: enclosing = union = 6
    ]
    np.testing.assert_allclose(loss, expected, rtol=1e-12)


def test_distance_box_iou_loss_by_hand():
    loss = ops.distance_box_iou_loss(t([UNIT, UNIT]), t([[1.0, 0.0, 2.0, 1.0], [2.0, 2.0, 3.0, 3.0]]))
    # touching: centres 1 apart, enclosing 2 × 1; diagonal neighbours: centres √8 apart, enclosing 3 × 3
    np.testing.assert_allclose(loss.numpy(), [1 + 1 / (5 + EPS), 1 + 8 / (18 + EPS)], rtol=1e-12)


def test_complete_box_iou_loss_by_hand_and_its_eps_only_in_alpha():
    # IoU 1/3 (plus eps), centres (1, .5) and (.5, 1): d² = .5, enclosing 2 × 2: c² = 8
    iou = 1 / (3 + EPS)
    v = 4 / math.pi**2 * (math.atan(0.5) - math.atan(2)) ** 2
    for eps in (EPS, 0.5):
        alpha = v / (1 - iou + v + eps)
        expected = 1 - iou + 0.5 / (8 + EPS) + alpha * v  # the distance part keeps 1e-7 (torchvision 0.28)
        loss = ops.complete_box_iou_loss(t([WIDE]), t([TALL]), eps=eps).numpy().item()
        assert loss == pytest.approx(expected, rel=1e-12)
    assert ops.complete_box_iou_loss(t([WIDE]), t([TALL])).numpy().item() == pytest.approx(0.7629, abs=1e-4)


@pytest.mark.parametrize(
    "loss", [ops.generalized_box_iou_loss, ops.distance_box_iou_loss, ops.complete_box_iou_loss]
)
def test_reductions_and_the_mean_of_no_pairs(loss):
    boxes1, boxes2 = t([UNIT, WIDE, [0.5, 0.5, 2.0, 3.0]]), t([TALL, UNIT, WIDE])
    each = loss(boxes1, boxes2).numpy()
    assert each.shape == (3,)
    assert loss(boxes1, boxes2, reduction="sum").numpy().item() == pytest.approx(each.sum())
    assert loss(boxes1, boxes2, reduction="mean").numpy().item() == pytest.approx(each.mean())
    none = t(np.zeros((0, 4)))
    none.requires_grad_(True)
    mean = loss(none, t(np.zeros((0, 4))), reduction="mean")
    assert mean.detach().numpy().item() == 0.0
    mean.backward()  # 0 · sum keeps the graph, as torchvision
    assert none.grad.numpy().shape == (0, 4)
    with pytest.raises(ValueError, match=rf"{loss.__name__}: reduction must be one of"):
        loss(boxes1, boxes2, reduction="max")


def test_integer_boxes_are_converted_to_float32_and_shapes_must_match():
    ints = autograd.tensor(np.array([[0, 0, 2, 2]]))
    out = ops.generalized_box_iou_loss(ints, autograd.tensor(np.array([[1, 0, 3, 2]])))
    assert out.dtype == autograd.float32 and out.numpy().item() == pytest.approx(1 - 2 / 6, rel=1e-6)
    with pytest.raises(ValueError, match=r"distance_box_iou_loss: boxes1 \(2, 4\) and boxes2 \(3, 4\)"):
        ops.distance_box_iou_loss(t([UNIT, UNIT]), t([UNIT, UNIT, UNIT]))


@pytest.mark.parametrize("loss", [ops.generalized_box_iou_loss, ops.distance_box_iou_loss])
def test_box_loss_gradients_match_central_differences(check_grad, loss):
    boxes1 = t([[0.1, 0.2, 2.3, 1.9], [1.05, 0.55, 3.15, 4.25], [0.0, 0.0, 1.0, 1.0]])
    boxes2 = t([[0.5, 0.45, 2.6, 1.3], [4.0, 3.5, 6.2, 5.8], [2.1, 2.2, 3.0, 3.4]])
    boxes1.requires_grad_(True)
    boxes2.requires_grad_(True)
    check_grad(lambda a, b: loss(a, b, reduction="sum"), boxes1, boxes2)


def test_complete_loss_gradient_holds_alpha_constant(check_grad):
    # with α fixed at its value, CIoU loss = DIoU loss + α·v: that sum's gradient, checked numerically
    boxes1, boxes2 = t([WIDE, [0.3, 0.1, 1.9, 2.6]]), t([TALL, [0.0, 0.5, 1.5, 1.7]])
    boxes1.requires_grad_(True)
    grad = gradient_of(ops.complete_box_iou_loss(boxes1, boxes2, reduction="sum"), boxes1)[0].numpy()
    b1, b2 = boxes1.detach().numpy(), boxes2.numpy()
    ratio = lambda b: (b[..., 2] - b[..., 0]) / (b[..., 3] - b[..., 1])  # noqa: E731
    v = 4 / math.pi**2 * (np.arctan(ratio(b2)) - np.arctan(ratio(b1))) ** 2
    iou = np.diag(ops.box_iou(t(b1), t(b2)).numpy())
    alpha = t(v / (1 - iou + v + EPS))

    def fixed(b):
        w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
        aspect = 4 / math.pi**2 * (autograd.atan(t(ratio(b2))) - autograd.atan(w / h)) ** 2
        return ops.distance_box_iou_loss(b, boxes2, reduction="sum") + (alpha * aspect).sum()

    check_grad(fixed, boxes1)
    np.testing.assert_allclose(grad, gradient_of(fixed(boxes1), boxes1)[0].numpy(), atol=1e-10)


def test_sigmoid_focal_loss_by_hand():
    x, targets = t([0.0, 3.0, -2.0]), t([1.0, 0.0, 1.0])
    # p_t: .5, 1 - σ(3), σ(-2); BCE: ln 2, softplus(3), softplus(2); α_t: .25, .75, .25
    bce = [math.log(2), softplus(3), softplus(2)]
    one_minus_pt = [0.5, sigmoid(3), 1 - sigmoid(-2)]
    alpha_t = [0.25, 0.75, 0.25]
    expected = [a * m**2 * b for a, m, b in zip(alpha_t, one_minus_pt, bce)]
    np.testing.assert_allclose(ops.sigmoid_focal_loss(x, targets).numpy(), expected, rtol=1e-12)
    unweighted = ops.sigmoid_focal_loss(x, targets, alpha=-1, gamma=1).numpy()
    np.testing.assert_allclose(unweighted, [m * b for m, b in zip(one_minus_pt, bce)], rtol=1e-12)
    plain = ops.sigmoid_focal_loss(x, targets, alpha=0.6, gamma=0, reduction="sum").numpy().item()
    assert plain == pytest.approx(0.6 * bce[0] + 0.4 * bce[1] + 0.6 * bce[2], rel=1e-12)
    mean = ops.sigmoid_focal_loss(x, targets, reduction="mean").numpy().item()
    assert mean == pytest.approx(sum(expected) / 3, rel=1e-12)
    f32 = ops.sigmoid_focal_loss(t([0.0, 3.0], autograd.float32), t([1.0, 0.0], autograd.float32))
    np.testing.assert_allclose(f32.numpy(), [0.0433, 2.0747], atol=1e-4)  # torchvision 0.29.1's figures


def test_sigmoid_focal_loss_gradient_matches_central_differences(check_grad, leaf, rng):
    logits = leaf(3, 4, low=-4.0, high=4.0)
    soft = t(rng.uniform(0, 1, (3, 4)))
    soft.requires_grad_(True)
    check_grad(lambda x, y: ops.sigmoid_focal_loss(x, y, 0.3, 1.5), logits, soft)


def test_sigmoid_focal_loss_refuses_bad_alpha_and_reduction():
    with pytest.raises(ValueError, match=r"sigmoid_focal_loss: alpha must be in \[0, 1\], or -1"):
        ops.sigmoid_focal_loss(t([0.0]), t([1.0]), alpha=1.5)
    with pytest.raises(ValueError, match=r"sigmoid_focal_loss: reduction must be"):
        ops.sigmoid_focal_loss(t([0.0]), t([1.0]), reduction="avg")


# boxes touching another along x (first pair) and along y (second pair), off the origin
TOUCHING1 = [[0.5, 1.0, 1.5, 2.0], [0.5, 1.0, 1.5, 2.0]]
TOUCHING2 = [[1.5, 1.2, 2.5, 2.5], [0.7, 2.0, 1.9, 3.0]]
# their gradients w.r.t. TOUCHING1 (reduction 'sum'), printed by torchvision 0.29.1: a touching side has no
# intersection gradient (its mask needs both overlaps positive)
TOUCHING_GRADS = {
    "generalized_box_iou_loss": [
        [-0.05000000222222195, -0.17777777703703684, -0.3333333222222226, -0.3333333222222226],
        [-0.20408163083090375, -0.03571428826530593, -0.3571428443877556, -0.3571428443877556],
    ],
    "distance_box_iou_loss": [
        [-0.045056001118207956, 0.03020799813734404, -0.15999999744000004, -0.055999999104000026],
        [0.035583980664831955, -0.0450430173840346, -0.05033556962524209, -0.1677852320841404],
    ],
    "complete_box_iou_loss": [
        [-0.045411972341297825, 0.030563969360433912, -0.15964402621691018, -0.056355970327089895],
        [0.03570596995039144, -0.04516500666959409, -0.05045755891080158, -0.1676632427985809],
    ],
}
LOSSES = [ops.generalized_box_iou_loss, ops.distance_box_iou_loss, ops.complete_box_iou_loss]


@pytest.mark.parametrize("loss", LOSSES)
def test_gradients_of_touching_off_origin_boxes_match_torchvision(loss):
    boxes1 = t(TOUCHING1)
    boxes1.requires_grad_(True)
    loss(boxes1, t(TOUCHING2), reduction="sum").backward()
    np.testing.assert_allclose(boxes1.grad.numpy(), TOUCHING_GRADS[loss.__name__], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("loss", LOSSES)
def test_leading_dimensions_lists_and_the_mean_of_one_pair(loss):
    boxes1 = np.array([[[0.5, 1.0, 1.5, 2.0], [0.2, 0.1, 2.0, 0.9], [3.0, 2.5, 4.0, 4.5]]] * 2) + [
        [[0]],
        [[0.3]],
    ]
    boxes2 = np.array([[[0.7, 1.1, 1.9, 2.6], [1.0, 0.5, 1.5, 3.0], [0.0, 0.0, 1.0, 1.0]]] * 2)
    batched = loss(t(boxes1), t(boxes2)).numpy()
    assert batched.shape == (2, 3)
    flat = loss(boxes1.reshape(6, 4).tolist(), boxes2.reshape(6, 4).tolist()).numpy()  # lists are accepted
    np.testing.assert_allclose(batched.ravel(), flat, rtol=1e-6)
    single = loss(t(boxes1[0, :1]), t(boxes2[0, :1]), reduction="mean").numpy().item()
    assert single == pytest.approx(batched[0, 0])
    with pytest.raises(ValueError, match=rf"{loss.__name__}: boxes1 \(2, 4\) and boxes2 \(3, 4\)"):
        loss(t([UNIT, UNIT]), t([UNIT, UNIT, UNIT]))
    with pytest.raises(ValueError, match=rf"{loss.__name__}: boxes2 must have 4 coordinates"):
        loss(t([UNIT]), t([[0.0, 1.0, 2.0]]))


def test_boxes_apart_along_one_axis_do_not_intersect():
    # 2 apart along x, overlapping along y: intersection 0 (not -2 · 1), union 3, enclosing 4 × 2
    loss = ops.generalized_box_iou_loss(t([UNIT]), t([[3.0, 0.0, 4.0, 2.0]]), eps=0.0).numpy().item()
    assert loss == pytest.approx(1 + (8 - 3) / 8)


def test_sigmoid_focal_loss_alpha_at_the_ends_of_its_range_and_plain_sequences():
    x, targets = [0.0, 3.0], [1.0, 0.0]  # lists are accepted
    bce, one_minus_pt = [math.log(2), softplus(3)], [0.5, sigmoid(3)]
    only_negatives = ops.sigmoid_focal_loss(x, targets, alpha=0.0).numpy()  # α_t = 1 - t
    np.testing.assert_allclose(only_negatives, [0.0, one_minus_pt[1] ** 2 * bce[1]], rtol=1e-6)
    only_positives = ops.sigmoid_focal_loss(x, targets, alpha=1.0).numpy()
    np.testing.assert_allclose(only_positives, [one_minus_pt[0] ** 2 * bce[0], 0.0], rtol=1e-6)
