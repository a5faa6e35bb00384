"""Axis-aligned boxes: formats, areas, clipping, and the IoU family, as ``torchvision.ops``.

A box is four numbers in its last dimension. ``'xyxy'`` (the format every other
function here expects) holds its top-left ``(x1, y1)`` and bottom-right
``(x2, y2)`` corners; ``'xywh'`` the top-left corner and the width and height;
``'cxcywh'`` the centre and the width and height.

The pairwise measures compare every box of ``boxes1`` (``N`` of them) with every
box of ``boxes2`` (``M``) by broadcasting an ``(N, 1, 4)`` view against a
``(1, M, 4)`` one, so they cost ``O(N·M)`` element-wise work and memory and are
written in tt-autograd's tensor operations: differentiable w.r.t. both sets, as
torchvision's are. Leading batch dimensions broadcast (``(..., N, 4)``).

* IoU: intersection over union, ``|A ∩ B| / |A ∪ B|``.
* Generalized IoU subtracts the part of the smallest enclosing box ``C`` covered by
  neither: ``IoU - (|C| - |A ∪ B|) / |C|``; it keeps a gradient for disjoint boxes.
* Distance IoU subtracts the squared distance of the centres over the squared
  diagonal of ``C`` (plus ``eps``); complete IoU also subtracts ``α·v``, where ``v``
  measures how the aspect ratios differ, ``v = 4/π² (atan(w1/h1) - atan(w2/h2))²``,
  and ``α = v / (1 - IoU + v + eps)`` is held constant in the gradient (as torchvision).

Integer boxes are widened as torchvision does (int8/int16/uint8 → int32; float16 →
float32); IoUs of integer boxes are float32, from true division. The rotated
formats of torchvision 0.28 (``'xywhr'``, ``'cxcywhr'``, ``'xyxyxyxy'``) are not
implemented: they are refused with an error saying so.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import tt_autograd as autograd
from tt_autograd import Tensor

from ..functional import _as_tensor

FORMATS = ("xyxy", "xywh", "cxcywh")
ROTATED_FORMATS = ("xywhr", "cxcywhr", "xyxyxyxy")


def as_boxes(op: str, boxes: object, name: str = "boxes") -> Tensor:
    """``boxes`` as a tensor whose last dimension holds 4 coordinates, else an error naming ``op``."""
    boxes = _as_tensor(op, boxes, name)
    if boxes.ndim < 1 or boxes.shape[-1] != 4:
        raise ValueError(
            f"{op}: {name} must have 4 coordinates in its last dimension, (..., 4), "
            f"got shape {tuple(boxes.shape)}"
        )
    return boxes


def widened(boxes: Tensor) -> Tensor:
    """``boxes`` in a type whose products do not overflow: torchvision's ``_upcast``."""
    if boxes.dtype.is_floating_point:
        return boxes if boxes.dtype in (autograd.float32, autograd.float64) else boxes.float()
    return boxes if boxes.dtype in (autograd.int32, autograd.int64) else boxes.int()


def check_format(op: str, fmt: str, name: str = "fmt") -> None:
    """Refuse a format this module does not know, or a rotated one, with a message naming ``op``."""
    if fmt in ROTATED_FORMATS:
        raise NotImplementedError(
            f"{op}: the rotated box format {fmt!r} is not implemented in TinyTorch; "
            f"use one of the axis-aligned formats {FORMATS}"
        )
    if fmt not in FORMATS:
        raise ValueError(f"{op}: {name} must be one of {FORMATS}, got {fmt!r}")


def quiet(measure):
    """``measure`` without NumPy's 0/0 warnings: degenerate boxes give NaN silently, as in torchvision."""

    @functools.wraps(measure)
    def run(*args, **kwargs):
        with np.errstate(divide="ignore", invalid="ignore"):
            return measure(*args, **kwargs)

    return run


def box_convert(boxes: Tensor, in_fmt: str, out_fmt: str) -> Tensor:
    """Boxes from format ``in_fmt`` to ``out_fmt`` (``'xyxy'``, ``'xywh'`` or ``'cxcywh'``).

    Args:
        boxes: ``(..., 4)`` boxes in ``in_fmt``.
        in_fmt, out_fmt: the formats (see the module's docstring); the same format twice gives a copy.

    Shape: output as ``boxes``. Differentiable. Cost: a few element-wise operations.

    Example:
        >>> box_convert(autograd.tensor([[1.0, 2.0, 4.0, 6.0]]), "xyxy", "cxcywh").numpy().tolist()
        [[2.5, 4.0, 3.0, 4.0]]
    """
    op = "box_convert"
    boxes = as_boxes(op, boxes)
    check_format(op, in_fmt, "in_fmt")
    check_format(op, out_fmt, "out_fmt")
    if in_fmt == out_fmt:
        return boxes.clone()
    a, b, c, d = boxes.unbind(-1)
    if in_fmt == "xywh":  # to corners first
        a, b, c, d = a, b, a + c, b + d
    elif in_fmt == "cxcywh":
        a, b, c, d = a - 0.5 * c, b - 0.5 * d, a + 0.5 * c, b + 0.5 * d
    if out_fmt == "xywh":
        a, b, c, d = a, b, c - a, d - b
    elif out_fmt == "cxcywh":
        a, b, c, d = (a + c) / 2, (b + d) / 2, c - a, d - b
    return autograd.stack([a, b, c, d], dim=-1)


def box_area(boxes: Tensor, fmt: str = "xyxy") -> Tensor:
    """The area of each box: width times height.

    Args:
        boxes: ``(..., 4)`` boxes in ``fmt``.
        fmt: ``'xyxy'`` (default), ``'xywh'`` or ``'cxcywh'``.

    Shape: output ``(...)``. A box with ``x2 < x1`` has a negative area, as in torchvision.

    Example:
        >>> box_area(autograd.tensor([[0.0, 0.0, 2.0, 3.0]])).numpy().tolist()
        [6.0]
    """
    op = "box_area"
    check_format(op, fmt)
    boxes = widened(as_boxes(op, boxes))
    if fmt == "xyxy":
        return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    return boxes[..., 2] * boxes[..., 3]


def pairs(op: str, boxes1: object, boxes2: object) -> tuple[Tensor, Tensor]:
    """Both sets checked as ``(..., N, 4)`` and ``(..., M, 4)``, and widened."""
    boxes1, boxes2 = as_boxes(op, boxes1, "boxes1"), as_boxes(op, boxes2, "boxes2")
    if boxes1.ndim < 2 or boxes2.ndim < 2:
        raise ValueError(
            f"{op}: boxes1 and boxes2 must be (..., N, 4) and (..., M, 4), "
            f"got shapes {tuple(boxes1.shape)} and {tuple(boxes2.shape)}"
        )
    return widened(boxes1), widened(boxes2)


def corners_of_pairs(boxes1: Tensor, boxes2: Tensor, fmt: str) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Top-left and bottom-right corners of each set, as ``(..., N, 1, 2)`` and ``(..., 1, M, 2)`` views."""
    first, second = boxes1[..., None, :], boxes2[..., None, :, :]
    if fmt == "xyxy":
        return first[..., :2], first[..., 2:], second[..., :2], second[..., 2:]
    if fmt == "xywh":
        return (
            first[..., :2],
            first[..., :2] + first[..., 2:],
            second[..., :2],
            second[..., :2] + second[..., 2:],
        )
    half1, half2 = first[..., 2:] / 2, second[..., 2:] / 2  # cxcywh
    return first[..., :2] - half1, first[..., :2] + half1, second[..., :2] - half2, second[..., :2] + half2


def side_product(low: Tensor, high: Tensor) -> Tensor:
    """Area of the boxes from ``low`` to ``high`` corners, 0 where they do not overlap."""
    sides = widened(high - low).clamp(min=0)
    return sides[..., 0] * sides[..., 1]


def intersection_and_union(boxes1: Tensor, boxes2: Tensor, fmt: str = "xyxy") -> tuple[Tensor, Tensor]:
    """``|A ∩ B|`` and ``|A ∪ B|`` of every pair, each ``(..., N, M)``."""
    low1, high1, low2, high2 = corners_of_pairs(boxes1, boxes2, fmt)
    inter = side_product(autograd.maximum(low1, low2), autograd.minimum(high1, high2))
    union = box_area(boxes1, fmt)[..., None] + box_area(boxes2, fmt)[..., None, :] - inter
    return inter, union


def enclosing_sides(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Width and height of the smallest box enclosing each pair, ``(..., N, M, 2)``."""
    low = autograd.minimum(boxes1[..., None, :2], boxes2[..., None, :, :2])
    high = autograd.maximum(boxes1[..., None, 2:], boxes2[..., None, :, 2:])
    return widened(high - low).clamp(min=0)


@quiet
def box_iou(boxes1: Tensor, boxes2: Tensor, fmt: str = "xyxy") -> Tensor:
    """Intersection over union of every box of ``boxes1`` with every box of ``boxes2``.

    Args:
        boxes1: ``(..., N, 4)``.
        boxes2: ``(..., M, 4)``.
        fmt: the boxes' format, ``'xyxy'`` (default), ``'xywh'`` or ``'cxcywh'``.

    Shape: output ``(..., N, M)``; two empty boxes give NaN (0/0), as in torchvision.

    Example:
        >>> a = autograd.tensor([[0.0, 0.0, 2.0, 2.0]])
        >>> b = autograd.tensor([[1.0, 0.0, 3.0, 2.0], [5.0, 5.0, 6.0, 6.0]])
        >>> box_iou(a, b).numpy().astype(float).round(4).tolist()
        [[0.3333, 0.0]]
    """
    op = "box_iou"
    check_format(op, fmt)
    inter, union = intersection_and_union(*pairs(op, boxes1, boxes2), fmt)
    return inter / union


@quiet
def generalized_box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Generalized IoU of every pair: ``IoU - (|C| - |A ∪ B|) / |C|``, ``C`` the enclosing box.

    Args:
        boxes1: ``(..., N, 4)`` in ``'xyxy'``.
        boxes2: ``(..., M, 4)`` in ``'xyxy'``.

    Shape: output ``(..., N, M)``, in ``[-1, 1]``.

    Example:
        >>> a = autograd.tensor([[0.0, 0.0, 1.0, 1.0]])
        >>> b = autograd.tensor([[2.0, 0.0, 3.0, 1.0]])
        >>> generalized_box_iou(a, b).numpy().astype(float).round(4).tolist()
        [[-0.3333]]
    """
    boxes1, boxes2 = pairs("generalized_box_iou", boxes1, boxes2)
    inter, union = intersection_and_union(boxes1, boxes2)
    enclosing = enclosing_sides(boxes1, boxes2)
    area = enclosing[..., 0] * enclosing[..., 1]
    return inter / union - (area - union) / area


def distance_and_iou(boxes1: Tensor, boxes2: Tensor, eps: float) -> tuple[Tensor, Tensor]:
    """Distance IoU and plain IoU of every pair, each ``(..., N, M)``."""
    inter, union = intersection_and_union(boxes1, boxes2)
    iou = inter / union
    enclosing = enclosing_sides(boxes1, boxes2)
    diagonal = enclosing[..., 0] ** 2 + enclosing[..., 1] ** 2 + eps
    centre1 = (boxes1[..., :2] + boxes1[..., 2:]) / 2
    centre2 = (boxes2[..., :2] + boxes2[..., 2:]) / 2
    gap = widened(centre1[..., None, :] - centre2[..., None, :, :])
    return iou - (gap[..., 0] ** 2 + gap[..., 1] ** 2) / diagonal, iou


@quiet
def distance_box_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> Tensor:
    """Distance IoU of every pair: IoU minus the squared centre distance over ``C``'s squared diagonal.

    Args:
        boxes1: ``(..., N, 4)`` in ``'xyxy'``.
        boxes2: ``(..., M, 4)`` in ``'xyxy'``.
        eps: added to the squared diagonal, so two points do not divide by zero.

    Shape: output ``(..., N, M)``.

    Example:
        >>> a = autograd.tensor([[0.0, 0.0, 1.0, 1.0]])
        >>> b = autograd.tensor([[1.0, 0.0, 2.0, 1.0]])
        >>> distance_box_iou(a, b).numpy().astype(float).round(4).tolist()
        [[-0.2]]
    """
    return distance_and_iou(*pairs("distance_box_iou", boxes1, boxes2), eps)[0]


@quiet
def complete_box_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> Tensor:
    """Complete IoU of every pair: distance IoU minus ``α·v``, the aspect-ratio term.

    Args:
        boxes1: ``(..., N, 4)`` in ``'xyxy'``.
        boxes2: ``(..., M, 4)`` in ``'xyxy'``.
        eps: as in :func:`distance_box_iou`, and in ``α``'s denominator.

    Shape: output ``(..., N, M)``. ``α`` is a constant for the gradient, as in torchvision.

    Example:
        >>> a = autograd.tensor([[0.0, 0.0, 2.0, 1.0]])
        >>> b = autograd.tensor([[0.0, 0.0, 1.0, 2.0]])
        >>> complete_box_iou(a, b).numpy().astype(float).round(4).tolist()
        [[0.2371]]
    """
    boxes1, boxes2 = pairs("complete_box_iou", boxes1, boxes2)
    diou, iou = distance_and_iou(boxes1, boxes2, eps)
    return diou - aspect_penalty(
        aspect_ratio(boxes1)[..., None], aspect_ratio(boxes2)[..., None, :], iou, eps
    )


def aspect_ratio(boxes: Tensor) -> Tensor:
    """Width over height of each ``'xyxy'`` box."""
    return (boxes[..., 2] - boxes[..., 0]) / (boxes[..., 3] - boxes[..., 1])


def aspect_penalty(ratio1: Tensor, ratio2: Tensor, iou: Tensor, eps: float) -> Tensor:
    """Complete IoU's ``α·v``: ``v = 4/π² (atan r1 - atan r2)²``, ``α = v / (1 - IoU + v + eps)`` held."""
    v = (4 / math.pi**2) * (autograd.atan(ratio1) - autograd.atan(ratio2)) ** 2
    return (v / (1 - iou + v + eps)).detach() * v


def clip_boxes_to_image(boxes: Tensor, size: tuple[int, int]) -> Tensor:
    """Boxes clamped inside an image of ``size = (height, width)``: x to ``[0, width]``, y to ``[0, height]``.

    Args:
        boxes: ``(..., 4)`` in ``'xyxy'``.
        size: ``(height, width)``.

    Shape: output as ``boxes``. Differentiable (zero where clamped).

    Example:
        >>> clip_boxes_to_image(autograd.tensor([[-3.0, 2.0, 9.0, 7.0]]), (5, 8)).numpy().tolist()
        [[0.0, 2.0, 8.0, 5.0]]
    """
    boxes = as_boxes("clip_boxes_to_image", boxes)
    height, width = size
    x = boxes[..., 0::2].clamp(min=0, max=width)
    y = boxes[..., 1::2].clamp(min=0, max=height)
    return autograd.stack([x, y], dim=-1).reshape(tuple(boxes.shape))


def remove_small_boxes(boxes: Tensor, min_size: float) -> Tensor:
    """Indices of the boxes whose width and height are both at least ``min_size``.

    Args:
        boxes: ``(N, 4)`` in ``'xyxy'``.
        min_size: the smallest side kept.

    Shape: output ``(K,)`` int64, increasing.

    Example:
        >>> remove_small_boxes(autograd.tensor([[0.0, 0, 1, 5], [0, 0, 3, 3]]), 2.0).numpy().tolist()
        [1]
    """
    boxes = as_boxes("remove_small_boxes", boxes).detach().numpy()
    wide = (boxes[..., 2] - boxes[..., 0] >= min_size) & (boxes[..., 3] - boxes[..., 1] >= min_size)
    return autograd.tensor(np.nonzero(wide)[0].astype(np.int64))


def masks_to_boxes(masks: Tensor) -> Tensor:
    """The ``'xyxy'`` box around the nonzero pixels of each mask (pixel indices, inclusive).

    Args:
        masks: ``(N, H, W)``; nonzero is inside.

    Shape: output ``(N, 4)`` float32; an empty mask gives ``[0, 0, 0, 0]``, as in torchvision.
    Cost: two ``any`` reductions over the masks.

    Example:
        >>> mask = np.zeros((1, 4, 5)); mask[0, 1:3, 2:5] = 1
        >>> masks_to_boxes(autograd.tensor(mask)).numpy().tolist()
        [[2.0, 1.0, 4.0, 2.0]]
    """
    op = "masks_to_boxes"
    masks = _as_tensor(op, masks, "masks").detach().numpy()
    if masks.size == 0:
        return autograd.zeros(0, 4)
    if masks.ndim != 3:
        raise ValueError(f"{op}: masks must be (N, H, W), got shape {masks.shape}")
    rows, cols = masks.astype(bool).any(axis=2), masks.astype(bool).any(axis=1)  # (N, H), (N, W)
    first_row, first_col = rows.argmax(axis=1), cols.argmax(axis=1)
    last_row = rows.shape[1] - 1 - rows[:, ::-1].argmax(axis=1)
    last_col = cols.shape[1] - 1 - cols[:, ::-1].argmax(axis=1)
    boxes = np.stack([first_col, first_row, last_col, last_row], axis=1).astype(np.float32)
    boxes[~rows.any(axis=1)] = 0
    return autograd.tensor(boxes)
