"""nms and batched_nms (tt_vision.ops), as torchvision.ops.

Cases built by hand: which box survives follows from the greedy rule (best score
first, drop IoU strictly above the threshold), ties in score keep the input order
(torchvision's stable sort), degenerate boxes (IoU 0/0) are never suppressed,
and batched_nms keeps categories apart by both of torchvision's routes.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import ops
from tt_vision.ops import non_max_suppression as nms_module


def t(values, dtype=autograd.float32):
    return autograd.tensor(np.asarray(values, dtype=np.float64), dtype=dtype)


def test_greedy_keeps_the_best_and_drops_what_overlaps_it_more_than_the_threshold():
    boxes = t([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30], [0, 0, 10, 5], [21, 21, 30, 30]])
    scores = t([0.9, 0.8, 0.7, 0.95, 0.6])
    # by score: 3 (0.95), 0 (IoU with 3 = 50/100 = 0.5, kept at 0.5: not above), 1 (IoU 81/100 with 0), 2, 4
    keep = ops.nms(boxes, scores, 0.5)
    assert keep.dtype == autograd.int64 and keep.numpy().tolist() == [3, 0, 2]
    # at 0.49, 0 goes (0.5 > 0.49), so 1 (IoU with 3: 36/95) is no longer suppressed by 0
    assert ops.nms(boxes, scores, 0.49).numpy().tolist() == [3, 1, 2]
    assert ops.nms(boxes, scores, 1.0).numpy().tolist() == [3, 0, 1, 2, 4]


def test_a_suppressed_box_does_not_suppress_others():
    # A (best) suppresses B; B would suppress C, but B is gone, so C stays
    boxes = t([[0, 0, 4, 4], [2, 0, 6, 4], [4, 0, 8, 4]])
    assert ops.nms(boxes, t([0.9, 0.8, 0.7]), 0.3).numpy().tolist() == [0, 2]


def test_ties_in_score_keep_the_input_order():
    boxes = t([[0, 0, 4, 4], [0, 0, 4, 4], [10, 10, 12, 12], [0, 0, 4, 4]])
    assert ops.nms(boxes, t([0.5, 0.5, 0.5, 0.5]), 0.5).numpy().tolist() == [0, 2]
    assert ops.nms(boxes, t([0.4, 0.5, 0.5, 0.5]), 0.5).numpy().tolist() == [1, 2]


def test_degenerate_boxes_are_never_suppressed_and_no_boxes_give_no_indices():
    points = t([[1, 1, 1, 1], [1, 1, 1, 1]])  # IoU 0 / 0: NaN is not above the threshold
    assert ops.nms(points, t([0.9, 0.8]), 0.0).numpy().tolist() == [0, 1]
    empty = ops.nms(t(np.zeros((0, 4))), t(np.zeros(0)), 0.5)
    assert empty.dtype == autograd.int64 and tuple(empty.shape) == (0,)


def test_the_threshold_is_compared_in_float64_as_torchvision():
    # IoU float32(0.1) = 0.10000000149...: above the double 0.1, so suppressed (torchvision 0.29.1 printed [0]
    # for these boxes); a float32 comparison would find it equal and keep it
    boxes = np.array([[0, 0, 1, 1], [0, 0, 1, 0.1]], np.float32)
    assert np.float32(0.1) / (np.float32(1) + np.float32(0.1) - np.float32(0.1)) == np.float32(0.1)
    assert ops.nms(autograd.tensor(boxes), t([0.9, 0.8]), 0.1).numpy().tolist() == [0]


def test_float64_boxes_are_computed_in_float64():
    boxes = t([[0, 0, 1, 1], [0, 0, 1, 0.1]], dtype=autograd.float64)  # IoU float64(0.1): not above 0.1
    assert ops.nms(boxes, t([0.9, 0.8]), 0.1).numpy().tolist() == [0, 1]


@pytest.mark.parametrize("many", [False, True])
def test_batched_nms_never_lets_categories_compete(many, monkeypatch):
    if many:  # force the per-category route that torchvision takes above 4,000 coordinates
        monkeypatch.setattr(nms_module, "COORDINATE_TRICK_LIMIT", 0)
    boxes = t([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 10, 10], [50, 50, 60, 60], [1, 1, 10, 10]])
    scores = t([0.9, 0.8, 0.85, 0.3, 0.95])
    idxs = autograd.tensor(np.array([0, 0, 1, 0, 1]))
    keep = ops.batched_nms(boxes, scores, idxs, 0.5)
    # category 0: 0 beats 1, 3 alone; category 1: 4 beats 2; by decreasing score: 4, 0, 3
    assert keep.dtype == autograd.int64 and keep.numpy().tolist() == [4, 0, 3]
    none = autograd.tensor(np.zeros(0, np.int64))
    assert ops.batched_nms(t(np.zeros((0, 4))), t(np.zeros(0)), none, 0.5).numpy().tolist() == []


def test_batched_nms_routes_at_torchvisions_size(monkeypatch):
    calls = []
    original, per_category = nms_module.kept_indices, nms_module.kept_by_category

    def spy(boxes, scores, threshold):
        calls.append(len(boxes))
        return original(boxes, scores, threshold)

    def spy_categories(boxes, scores, idxs, threshold):
        calls.append(("per category", len(boxes)))
        return per_category(boxes, scores, idxs, threshold)

    monkeypatch.setattr(nms_module, "kept_indices", spy)
    monkeypatch.setattr(nms_module, "kept_by_category", spy_categories)
    boxes = np.tile([[0.0, 0, 1, 1]], (1000, 1))  # 4,000 coordinates: one NMS of the shifted boxes
    ops.batched_nms(t(boxes), t(np.linspace(0, 1, 1000)), autograd.tensor(np.arange(1000) % 2), 0.5)
    assert calls == [1000]
    calls.clear()
    boxes = np.tile([[0.0, 0, 1, 1]], (1001, 1))  # one more box: one NMS per category
    keep = ops.batched_nms(t(boxes), t(np.linspace(0, 1, 1001)), autograd.tensor(np.arange(1001) % 2), 0.5)
    assert calls == [("per category", 1001)]
    assert keep.numpy().tolist() == [1000, 999]  # identical boxes: each category keeps its best


def greedy_one_at_a_time(boxes, scores, threshold):
    """The definition, box by box in Python (float64 IoUs of float64 boxes)."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])  # Python's sort is stable
    kept = []
    for j in order:
        x1, y1, x2, y2 = boxes[j]
        for i in kept:
            a1, b1, a2, b2 = boxes[i]
            inter = max(min(a2, x2) - max(a1, x1), 0) * max(min(b2, y2) - max(b1, y1), 0)
            if inter / ((a2 - a1) * (b2 - b1) + (x2 - x1) * (y2 - y1) - inter) > threshold:
                break
        else:
            kept.append(j)
    return kept


@pytest.mark.parametrize("seed", range(4))
def test_blocks_and_categories_decide_as_one_box_at_a_time(seed, monkeypatch):
    # hundreds of boxes on a coarse grid (many overlaps, tied scores): several blocks of 64, and categories
    # of sizes in different power-of-two bands (padded rows); compared with the definition written out
    rng = np.random.default_rng(seed)
    n = 700
    corner = rng.integers(0, 60, (n, 2)).astype(np.float64)
    boxes = np.concatenate([corner, corner + rng.integers(2, 25, (n, 2))], 1)
    scores = rng.integers(0, 50, n) / 50
    keep = ops.nms(t(boxes, autograd.float64), t(scores, autograd.float64), 0.4).numpy().tolist()
    assert keep == greedy_one_at_a_time(boxes, scores, 0.4)
    idxs = np.minimum(rng.geometric(0.15, n), 12)  # category sizes from about 100 down to a few
    if seed % 2:  # the per-category route (above 4,000 coordinates), else the coordinate trick
        monkeypatch.setattr(nms_module, "COORDINATE_TRICK_LIMIT", 0)
    keep = ops.batched_nms(
        t(boxes, autograd.float64), t(scores, autograd.float64), autograd.tensor(idxs), 0.4
    ).numpy()
    expected = [
        i
        for category in np.unique(idxs)
        for i in np.flatnonzero(idxs == category)[
            greedy_one_at_a_time(boxes[idxs == category], scores[idxs == category], 0.4)
        ]
    ]
    assert sorted(keep.tolist()) == sorted(expected)
    assert (np.diff(scores[keep]) <= 0).all()


def test_a_chain_of_overlaps_across_blocks_keeps_every_other_box():
    # box i is [i, 0, i + 2, 1]: IoU 1/3 with its neighbours, 0 beyond. By decreasing score along the chain:
    # 0 kept, 1 dropped, 2 kept (its only better neighbour is gone), ...: each decision hangs on the
    # previous one, through 200 boxes (four blocks)
    x = np.arange(200, dtype=np.float64)
    boxes = np.stack([x, 0 * x, x + 2, 0 * x + 1], 1)
    keep = ops.nms(t(boxes), t(1 - x / 200), 0.3).numpy()
    assert keep.tolist() == list(range(0, 200, 2))
    assert ops.nms(t(boxes), t(1 - x / 200), 0.34).numpy().tolist() == list(range(200))


def test_bad_arguments_are_refused_with_the_operation_named():
    with pytest.raises(ValueError, match=r"nms: boxes must be \(N, 4\)"):
        ops.nms(t([[0, 0, 1]]), t([1.0]), 0.5)
    with pytest.raises(ValueError, match=r"nms: scores must be \(N,\)"):
        ops.nms(t([[0, 0, 1, 1]]), t([1.0, 2.0]), 0.5)
    with pytest.raises(TypeError, match=r"nms: boxes must be a float tensor"):
        ops.nms(autograd.tensor(np.array([[0, 0, 1, 1]])), t([1.0]), 0.5)
    with pytest.raises(ValueError, match=r"batched_nms: idxs must be \(N,\)"):
        ops.batched_nms(t([[0, 0, 1, 1]]), t([1.0]), autograd.tensor(np.array([0, 1])), 0.5)


def test_side_by_side_boxes_do_not_overlap_and_plain_arrays_are_accepted():
    # apart along x, level along y: intersection 0 (not a 1-wide strip)
    keep = ops.nms(np.array([[0, 0, 1, 10], [5, 0, 6, 10.0]], np.float32), [0.9, 0.8], 0.5)
    assert keep.numpy().tolist() == [0, 1]  # torchvision 0.29.1: [0, 1]


def test_boxes_apart_have_intersection_zero_not_a_product_of_gaps():
    # apart along x (gap 4) or y, or both: intersection 0, so IoU 0, which is above a negative threshold
    # (the later box goes) and not above 0 (it stays); the gaps' product (-4·10, or 1·1) would decide
    # otherwise
    for pair in ([[0, 0, 1, 10], [5, 0, 6, 10]], [[0, 0, 10, 1], [0, 5, 10, 6]]):
        assert ops.nms(t(pair), t([0.9, 0.8]), -0.5).numpy().tolist() == [0]
    assert ops.nms(t([[0, 0, 10, 10], [11, 11, 21, 21]]), t([0.9, 0.8]), 0.0).numpy().tolist() == [0, 1]
    # torchvision 0.29.1 printed [0] and [0, 1] for the first and the last


def test_coordinate_trick_shifts_by_the_largest_coordinate_plus_one():
    # threshold 0: any overlap suppresses. Box 1 (category 1) reaches -0.5, so a shift of only max (10) would
    # make it overlap box 0; shifted down instead, box 1 would land on box 2. torchvision 0.29.1: [0, 1, 2]
    boxes = t([[0, 0, 10, 10], [-0.5, -0.5, 10, 10], [-5, -5, -2, -2], [8, 8, 10, 10]])
    idxs = autograd.tensor(np.array([0, 1, 0, 1]))
    assert ops.batched_nms(boxes, t([0.9, 0.8, 0.7, 0.6]), idxs, 0.0).numpy().tolist() == [0, 1, 2]
