"""Box regression losses: ``1 -`` generalized, distance or complete IoU of matched box pairs.

Unlike :mod:`.boxes`' pairwise measures, a loss compares ``boxes1[i]`` with
``boxes2[i]`` only (element-wise over the leading dimensions), and adds ``eps``
to the denominators so that degenerate boxes give finite values:

* ``generalized_box_iou_loss = 1 - IoU + (|C| - |A ∪ B|) / (|C| + eps)``,
* ``distance_box_iou_loss = 1 - IoU + d² / (c² + eps)``, ``d`` the distance of
  the centres, ``c`` the diagonal of the enclosing box ``C``,
* ``complete_box_iou_loss = distance_box_iou_loss + α·v`` with ``v`` and ``α`` as
  in :func:`.boxes.complete_box_iou` (``α`` held constant in the gradient).

``IoU = inter / (union + eps)``, and the intersection is 0 unless the boxes overlap
with a positive width and height. All are written in tt-autograd's tensor
operations, so they are differentiable w.r.t. both sets. Non-float boxes are
converted to float32 first, as torchvision does. Cost: ``O(N)`` element-wise.
"""

from __future__ import annotations

import tt_autograd as autograd
from tt_autograd import Tensor

from .boxes import as_boxes, aspect_penalty, aspect_ratio

REDUCTIONS = ("none", "mean", "sum")


def reduced(op: str, loss: Tensor, reduction: str) -> Tensor:
    """``loss`` per pair, or its mean (0 for no pairs, as torchvision) or sum."""
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean() if loss.numel() > 0 else 0.0 * loss.sum()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def matched(op: str, boxes1: object, boxes2: object) -> tuple[Tensor, Tensor]:
    """Both sets as float ``(..., 4)`` tensors (non-float ones as float32) that broadcast together."""
    boxes1, boxes2 = as_boxes(op, boxes1, "boxes1"), as_boxes(op, boxes2, "boxes2")
    try:
        autograd.broadcast_shapes(tuple(boxes1.shape), tuple(boxes2.shape))
    except (ValueError, RuntimeError):
        raise ValueError(
            f"{op}: boxes1 {tuple(boxes1.shape)} and boxes2 {tuple(boxes2.shape)} must hold matched pairs "
            "(the same shape, or shapes that broadcast)"
        ) from None
    floats = (autograd.float32, autograd.float64)
    return tuple(b if b.dtype in floats else b.float() for b in (boxes1, boxes2))


def intersection_and_union(boxes1: Tensor, boxes2: Tensor) -> tuple[Tensor, Tensor]:
    """``|A ∩ B|`` (0 unless both overlaps are positive) and ``|A ∪ B|`` of each matched pair."""
    x1, y1, x2, y2 = boxes1.unbind(-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(-1)
    width = autograd.minimum(x2, x2g) - autograd.maximum(x1, x1g)
    height = autograd.minimum(y2, y2g) - autograd.maximum(y1, y1g)
    inter = autograd.where((width > 0) & (height > 0), width * height, 0.0)
    return inter, (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter


def enclosing_corners(boxes1: Tensor, boxes2: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Corners ``x1, y1, x2, y2`` of the smallest box enclosing each pair."""
    low = autograd.minimum(boxes1[..., :2], boxes2[..., :2])
    high = autograd.maximum(boxes1[..., 2:], boxes2[..., 2:])
    return low[..., 0], low[..., 1], high[..., 0], high[..., 1]


def distance_loss_and_iou(boxes1: Tensor, boxes2: Tensor, eps: float) -> tuple[Tensor, Tensor]:
    """``1 - IoU + d² / (c² + eps)`` and the IoU of each pair."""
    inter, union = intersection_and_union(boxes1, boxes2)
    iou = inter / (union + eps)
    cx1, cy1, cx2, cy2 = enclosing_corners(boxes1, boxes2)
    diagonal = (cx2 - cx1) ** 2 + (cy2 - cy1) ** 2 + eps
    gap = (boxes1[..., :2] + boxes1[..., 2:]) / 2 - (boxes2[..., :2] + boxes2[..., 2:]) / 2
    return 1 - iou + (gap[..., 0] ** 2 + gap[..., 1] ** 2) / diagonal, iou


def generalized_box_iou_loss(
    boxes1: Tensor, boxes2: Tensor, reduction: str = "none", eps: float = 1e-7
) -> Tensor:
    """``1 -`` generalized IoU of each matched pair of ``'xyxy'`` boxes (Rezatofighi et al., 2019).

    Args:
        boxes1: ``(..., 4)`` predicted boxes.
        boxes2: ``(..., 4)`` target boxes, matched to ``boxes1`` element by element.
        reduction: ``'none'`` (per pair), ``'mean'`` or ``'sum'``.
        eps: keeps the divisions finite for degenerate boxes.

    Shape: output ``(...)``, or a scalar when reduced; in ``[0, 2]``.

    Example:
        >>> a = autograd.tensor([[0.0, 0.0, 1.0, 1.0]])
        >>> b = autograd.tensor([[2.0, 0.0, 3.0, 1.0]])
        >>> generalized_box_iou_loss(a, b).numpy().astype(float).round(4).tolist()
        [1.3333]
    """
    op = "generalized_box_iou_loss"
    boxes1, boxes2 = matched(op, boxes1, boxes2)
    inter, union = intersection_and_union(boxes1, boxes2)
    cx1, cy1, cx2, cy2 = enclosing_corners(boxes1, boxes2)
    enclosing = (cx2 - cx1) * (cy2 - cy1)
    loss = 1 - (inter / (union + eps) - (enclosing - union) / (enclosing + eps))
    return reduced(op, loss, reduction)


def distance_box_iou_loss(
    boxes1: Tensor, boxes2: Tensor, reduction: str = "none", eps: float = 1e-7
) -> Tensor:
    """``1 -`` distance IoU of each matched pair of ``'xyxy'`` boxes (Zheng et al., 2020).

    Args: as :func:`generalized_box_iou_loss` (``eps`` is added to the squared diagonal and the union).

    Shape: output ``(...)``, or a scalar when reduced.

    Example:
        >>> a = autograd.tensor([[0.0, 0.0, 1.0, 1.0]])
        >>> b = autograd.tensor([[1.0, 0.0, 2.0, 1.0]])
        >>> distance_box_iou_loss(a, b).numpy().astype(float).round(4).tolist()
        [1.2]
    """
    op = "distance_box_iou_loss"
    return reduced(op, distance_loss_and_iou(*matched(op, boxes1, boxes2), eps)[0], reduction)


def complete_box_iou_loss(
    boxes1: Tensor, boxes2: Tensor, reduction: str = "none", eps: float = 1e-7
) -> Tensor:
    """``1 -`` complete IoU of each matched pair of ``'xyxy'`` boxes: the distance loss plus ``α·v``.

    Args: as :func:`generalized_box_iou_loss`, but ``eps`` is only in ``α``'s denominator: the
    distance part uses its default ``1e-7`` whatever ``eps`` is, as torchvision 0.28 does (it does
    not pass ``eps`` on).

    Shape: output ``(...)``, or a scalar when reduced.

    Example:
        >>> a = autograd.tensor([[0.0, 0.0, 2.0, 1.0]])
        >>> b = autograd.tensor([[0.0, 0.0, 1.0, 2.0]])
        >>> complete_box_iou_loss(a, b).numpy().astype(float).round(4).tolist()
        [0.7629]
    """
    op = "complete_box_iou_loss"
    boxes1, boxes2 = matched(op, boxes1, boxes2)
    loss, iou = distance_loss_and_iou(boxes1, boxes2, 1e-7)
    return reduced(op, loss + aspect_penalty(aspect_ratio(boxes1), aspect_ratio(boxes2), iou, eps), reduction)
