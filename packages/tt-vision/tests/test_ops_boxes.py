"""Box formats, areas, clipping and the IoU family (tt_vision.ops.boxes), as torchvision.ops.

Values are computed by hand in the comments (unit squares, 2×2 squares, a 2×1 and a
1×2 box); a few are the figures torchvision 0.29.1 printed for the same boxes
(said where). Gradients of every pairwise measure against float64 central
differences, on boxes whose corners are apart (away from the max/min kinks).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_vision import ops


def t(values, dtype=autograd.float64):
    return autograd.tensor(np.asarray(values, dtype=np.float64), dtype=dtype)


SQUARE = [0.0, 0.0, 2.0, 2.0]
SHIFTED = [1.0, 0.0, 3.0, 2.0]  # overlaps SQUARE in a 1 × 2 strip: IoU 2 / 6
FAR = [5.0, 5.0, 6.0, 7.0]


@pytest.mark.parametrize(
    ("fmt", "box"),
    [("xyxy", [1.0, 2.0, 4.0, 6.0]), ("xywh", [1.0, 2.0, 3.0, 4.0]), ("cxcywh", [2.5, 4.0, 3.0, 4.0])],
)
def test_box_convert_between_every_pair_of_formats(fmt, box):
    forms = {"xyxy": [1.0, 2.0, 4.0, 6.0], "xywh": [1.0, 2.0, 3.0, 4.0], "cxcywh": [2.5, 4.0, 3.0, 4.0]}
    for out_fmt, expected in forms.items():
        converted = ops.box_convert(t([box, box]), fmt, out_fmt)
        np.testing.assert_allclose(converted.numpy(), [expected, expected])


def test_box_convert_same_format_is_a_copy_and_leading_dims_broadcast():
    boxes = t(np.arange(24.0).reshape(2, 3, 4))
    same = ops.box_convert(boxes, "xywh", "xywh")
    assert same is not boxes and same.numpy().tolist() == boxes.numpy().tolist()
    assert tuple(ops.box_convert(boxes, "xywh", "cxcywh").shape) == (2, 3, 4)


def test_box_convert_refuses_unknown_and_rotated_formats():
    with pytest.raises(ValueError, match=r"box_convert: in_fmt must be one of"):
        ops.box_convert(t([SQUARE]), "xyz", "xyxy")
    with pytest.raises(NotImplementedError, match=r"box_convert: the rotated box format 'cxcywhr'"):
        ops.box_convert(t([SQUARE]), "xyxy", "cxcywhr")
    with pytest.raises(ValueError, match=r"box_convert: boxes must have 4 coordinates"):
        ops.box_convert(t([[0.0, 1.0, 2.0]]), "xyxy", "xywh")


def test_box_area_in_each_format_and_integer_widening():
    assert ops.box_area(t([[0, 0, 2, 3], [1, 1, 0, 4]])).numpy().tolist() == [6.0, -3.0]  # x2 < x1: negative
    assert ops.box_area(t([[9, 9, 2, 3]]), fmt="xywh").numpy().tolist() == [6.0]
    assert ops.box_area(t([[9, 9, 2, 3]]), fmt="cxcywh").numpy().tolist() == [6.0]
    small = autograd.tensor(np.array([[0, 0, 300, 300]], np.int16))
    area = ops.box_area(small)
    assert area.dtype == autograd.int32 and area.numpy().tolist() == [90000]  # int16 would overflow
    half = autograd.tensor(np.array([[0, 0, 2, 3]], np.float16))
    assert ops.box_area(half).dtype == autograd.float32
    with pytest.raises(ValueError, match=r"box_area: fmt must be one of"):
        ops.box_area(t([SQUARE]), fmt="yxyx")


def test_box_iou_by_hand_in_every_format():
    iou = ops.box_iou(t([SQUARE]), t([SHIFTED, FAR, SQUARE])).numpy()
    np.testing.assert_allclose(iou, [[2 / 6, 0.0, 1.0]])
    as_xywh = ops.box_iou(t([[0, 0, 2, 2]]), t([[1, 0, 2, 2]]), fmt="xywh").numpy()
    as_cxcywh = ops.box_iou(t([[1, 1, 2, 2]]), t([[2, 1, 2, 2]]), fmt="cxcywh").numpy()
    np.testing.assert_allclose(as_xywh, [[2 / 6]])
    np.testing.assert_allclose(as_cxcywh, [[2 / 6]])


def test_box_iou_of_integer_boxes_is_float_and_empty_boxes_give_nan():
    ints = autograd.tensor(np.array([[0, 0, 2, 2]], np.int64))
    iou = ops.box_iou(ints, autograd.tensor(np.array([[1, 0, 3, 2]], np.int64)))
    assert iou.dtype.is_floating_point and iou.numpy().item() == pytest.approx(1 / 3)
    point = t([[1.0, 1.0, 1.0, 1.0]])
    assert math.isnan(ops.box_iou(point, point).numpy().item())  # 0 / 0, as torchvision
    assert tuple(ops.box_iou(t(np.zeros((0, 4))), t([SQUARE, FAR])).shape) == (0, 2)


def test_batched_boxes_pair_within_each_batch():
    boxes1 = t([[SQUARE], [SHIFTED]])  # (2, 1, 4)
    boxes2 = t([[SHIFTED, FAR], [SHIFTED, SQUARE]])  # (2, 2, 4)
    np.testing.assert_allclose(ops.box_iou(boxes1, boxes2).numpy(), [[[1 / 3, 0.0]], [[1.0, 1 / 3]]])


def test_generalized_distance_and_complete_iou_by_hand():
    unit, right_gap = [0.0, 0.0, 1.0, 1.0], [2.0, 0.0, 3.0, 1.0]
    # disjoint unit squares 1 apart: IoU 0, enclosing box 3 × 1, union 2: GIoU = 0 - (3 - 2) / 3
    assert ops.generalized_box_iou(t([unit]), t([right_gap])).numpy().item() == pytest.approx(-1 / 3)
    # GIoU of the overlapping 2×2 squares: enclosing 3 × 2 = 6 = union, so GIoU = IoU = 1/3
    assert ops.generalized_box_iou(t([SQUARE]), t([SHIFTED])).numpy().item() == pytest.approx(1 / 3)
    # touching unit squares: IoU 0, centres 1 apart, enclosing diagonal² 2² + 1² = 5: DIoU = -1/5
    touching = ops.distance_box_iou(t([unit]), t([[1.0, 0.0, 2.0, 1.0]]), eps=0.0).numpy().item()
    assert touching == pytest.approx(-0.2)
    assert ops.distance_box_iou(t([unit]), t([[1.0, 0.0, 2.0, 1.0]])).numpy().item() == pytest.approx(
        -1 / (5 + 1e-7)
    )
    # a 2×1 and a 1×2 box from the origin: IoU 1/3, centres (1, .5), (.5, 1): d² = .5, c² = 8;
    # v = 4/π² (atan 2 - atan .5)², α = v / (1 - 1/3 + v); CIoU = 1/3 - .5/8 - α v (torchvision: 0.2371)
    wide, tall = [0.0, 0.0, 2.0, 1.0], [0.0, 0.0, 1.0, 2.0]
    v = 4 / math.pi**2 * (math.atan(2) - math.atan(0.5)) ** 2
    alpha = v / (1 - 1 / 3 + v)
    ciou = ops.complete_box_iou(t([wide]), t([tall]), eps=0.0).numpy().item()
    assert ciou == pytest.approx(1 / 3 - 0.5 / 8 - alpha * v)
    assert ops.complete_box_iou(t([wide]), t([tall])).numpy().item() == pytest.approx(0.2371, abs=1e-4)


@pytest.mark.parametrize("measure", [ops.box_iou, ops.generalized_box_iou, ops.distance_box_iou])
def test_pairwise_gradients_match_central_differences(check_grad, measure):
    boxes1 = t([[0.1, 0.2, 2.3, 1.9], [1.05, 0.55, 3.15, 4.25]])
    boxes2 = t([[0.5, 0.45, 2.6, 1.3], [4.0, 3.5, 6.2, 5.8], [0.7, 1.1, 3.3, 3.9]])
    boxes1.requires_grad_(True)
    boxes2.requires_grad_(True)
    check_grad(measure, boxes1, boxes2)


def test_complete_iou_holds_alpha_constant_in_the_gradient():
    wide, tall = t([[0.0, 0.0, 2.0, 1.0]]), t([[0.0, 0.0, 1.0, 2.0]])
    wide.requires_grad_(True)
    ops.complete_box_iou(wide, tall, eps=0.0).sum().backward()

    # the same with α as a number: the gradient differs unless α is detached
    def v_fn(b):
        return (
            4 / math.pi**2 * (autograd.atan((b[:, 2] - b[:, 0]) / (b[:, 3] - b[:, 1])) - math.atan(0.5)) ** 2
        )

    v = 4 / math.pi**2 * (math.atan(2) - math.atan(0.5)) ** 2
    alpha = v / (1 - 1 / 3 + v)
    other = t([[0.0, 0.0, 2.0, 1.0]])
    other.requires_grad_(True)
    (ops.distance_box_iou(other, tall, eps=0.0).sum() - alpha * v_fn(other).sum()).backward()
    np.testing.assert_allclose(wide.grad.numpy(), other.grad.numpy(), atol=1e-12)


def test_pairwise_measures_want_two_sets_of_boxes():
    with pytest.raises(ValueError, match=r"generalized_box_iou: boxes1 and boxes2 must be \(\.\.\., N, 4\)"):
        ops.generalized_box_iou(t(SQUARE), t([SQUARE]))
    with pytest.raises(ValueError, match=r"box_iou: boxes2 must have 4 coordinates"):
        ops.box_iou(t([SQUARE]), t([[0.0, 1.0]]))


def test_clip_boxes_to_image_clamps_x_to_width_and_y_to_height():
    boxes = t([[[-3.0, 2.0, 9.0, 7.0], [1.0, -1.0, 4.0, 4.0]]])
    clipped = ops.clip_boxes_to_image(boxes, (5, 8))
    np.testing.assert_array_equal(clipped.numpy(), [[[0.0, 2.0, 8.0, 5.0], [1.0, 0.0, 4.0, 4.0]]])
    boxes.requires_grad_(True)
    ops.clip_boxes_to_image(boxes, (5, 8)).sum().backward()
    np.testing.assert_array_equal(boxes.grad.numpy(), [[[0, 1, 0, 0], [1, 0, 1, 1]]])


def test_remove_small_boxes_keeps_both_sides_at_least_min_size():
    boxes = t([[0, 0, 1, 5], [0, 0, 3, 3], [0, 0, 2, 2], [0, 0, 5, 1.99], [2, 2, 4, 9]])
    assert ops.remove_small_boxes(boxes, 2.0).numpy().tolist() == [1, 2, 4]
    assert ops.remove_small_boxes(boxes, 2.0).dtype == autograd.int64


def test_masks_to_boxes_inclusive_pixel_bounds_and_empty_masks():
    masks = np.zeros((3, 4, 5))
    masks[0, 1:3, 2:5] = 1
    masks[2, 3, 0] = 7  # one pixel; mask 1 is empty
    boxes = ops.masks_to_boxes(autograd.tensor(masks))
    assert boxes.dtype == autograd.float32
    assert boxes.numpy().tolist() == [[2.0, 1.0, 4.0, 2.0], [0.0, 0.0, 0.0, 0.0], [0.0, 3.0, 0.0, 3.0]]
    assert tuple(ops.masks_to_boxes(autograd.tensor(np.zeros((0, 4, 5)))).shape) == (0, 4)
    with pytest.raises(ValueError, match=r"masks_to_boxes: masks must be \(N, H, W\)"):
        ops.masks_to_boxes(autograd.tensor(np.ones((4, 5))))


@pytest.mark.parametrize("fmt", ["xyxy", "xywh", "cxcywh"])
def test_box_iou_of_unequal_off_origin_boxes_in_each_format(fmt):
    # 1.5 × 0.5 at (0.25, 0.5) and 0.5 × 1.25 at (1.0, 0.75), as corners: overlap 0.5 × 0.25 = 0.125;
    # areas 0.75 and 0.625: IoU 0.125 / 1.25 = 0.1
    corners = np.array([[0.25, 0.5, 1.75, 1.0], [1.0, 0.75, 1.5, 2.0]])
    boxes = ops.box_convert(t(corners), "xyxy", fmt)
    assert ops.box_iou(boxes[:1], boxes[1:], fmt=fmt).numpy().item() == pytest.approx(0.1)


def test_generalized_and_distance_iou_of_small_off_origin_boxes():
    # A = (1.2, 2.1)-(1.6, 2.3), B = (1.5, 2.2)-(1.8, 2.8): overlap 0.1 × 0.1 = 0.01; areas 0.08 and 0.18;
    # union 0.25; enclosing (1.2, 2.1)-(1.8, 2.8): 0.6 × 0.7 = 0.42; centres (1.4, 2.2), (1.65, 2.5)
    a, b = t([[1.2, 2.1, 1.6, 2.3]]), t([[1.5, 2.2, 1.8, 2.8]])
    iou = 0.01 / 0.25
    assert ops.generalized_box_iou(a, b).numpy().item() == pytest.approx(iou - (0.42 - 0.25) / 0.42)
    gap2, diagonal2 = 0.25**2 + 0.3**2, 0.6**2 + 0.7**2
    assert ops.distance_box_iou(a, b, eps=0.0).numpy().item() == pytest.approx(iou - gap2 / diagonal2)
    assert ops.distance_box_iou(a, b, eps=1.0).numpy().item() == pytest.approx(iou - gap2 / (diagonal2 + 1))


def test_inputs_other_than_tensors_and_bad_shapes():
    assert ops.box_area(np.array([[1.0, 1.0, 3.0, 4.0]])).numpy().tolist() == [6.0]
    np.testing.assert_array_equal(
        ops.clip_boxes_to_image([[-1.0, 1.0, 9.0, 2.0]], (5, 5)).numpy(), [[0, 1, 5, 2]]
    )
    with pytest.raises(ValueError, match=r"box_area: boxes must have 4 coordinates"):
        ops.box_area(t(3.0))
    with pytest.raises(ValueError, match=r"box_iou: fmt must be one of"):
        ops.box_iou(t([SQUARE]), t([SQUARE]), fmt="xxyy")
    with pytest.raises(ValueError, match=r"complete_box_iou: boxes1 and boxes2 must be"):
        ops.complete_box_iou(t(SQUARE), t([SQUARE]))


def test_remove_small_boxes_off_the_origin_and_a_one_pixel_mask():
    # sides 3×3, 1.5×4, 4×1.5, 2.5×2.5, 4×1
    boxes = t([[3, 5, 6, 8], [3, 5, 4.5, 9], [10, 1, 14, 2.5], [7, 7, 9.5, 9.5], [0, 5, 4, 6]])
    assert ops.remove_small_boxes(boxes, 2.0).numpy().tolist() == [0, 3]
    assert ops.masks_to_boxes(autograd.tensor(np.ones((1, 1, 1)))).numpy().tolist() == [[0.0, 0.0, 0.0, 0.0]]
    one = np.zeros((1, 3, 4))
    one[0, 2, 3] = 1
    assert ops.masks_to_boxes(autograd.tensor(one)).numpy().tolist() == [[3.0, 2.0, 3.0, 2.0]]
