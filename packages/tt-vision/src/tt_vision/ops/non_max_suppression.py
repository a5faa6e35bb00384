"""Non-maximum suppression: keep the best-scoring box of each cluster of overlapping boxes.

``nms`` is torchvision's greedy algorithm. The boxes are ordered by decreasing
score (a stable sort: equal scores keep their input order, as torchvision's CPU
kernel); the first is kept, and every later box whose IoU with it is greater than
``iou_threshold`` is dropped; then the next box still standing is kept, and so
on. The loop over kept boxes *is* the algorithm (each choice depends on the
previous ones); the IoUs of a kept box with all boxes still standing are one
vectorised step, computed in the boxes' own dtype with torchvision's formula
``inter / (area_i + area_j - inter)``, and compared with the threshold in float64
(as C++ promotes the float to the threshold's double), so the same boxes go.

``batched_nms`` runs NMS within each category only, by torchvision's rule: up
to 4,000 coordinates, the *coordinate trick* (shift each category's boxes by
``category · (max coordinate + 1)`` so boxes of different categories never
overlap, then one NMS); above, one NMS per category.

Cost: ``O(N log N)`` for the sort plus ``O(N·K)`` for ``K`` kept boxes; no
gradient (indices are integers).
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
from tt_autograd import Tensor

from ..functional import _as_tensor

#: Above this many coordinates (boxes × 4), ``batched_nms`` runs one NMS per category
#: (torchvision's rule on the CPU).
COORDINATE_TRICK_LIMIT = 4000


def checked(op: str, boxes: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
    """``boxes`` ``(N, 4)`` and ``scores`` ``(N,)`` as float arrays, else an error naming ``op``."""
    boxes, scores = _as_tensor(op, boxes, "boxes"), _as_tensor(op, scores, "scores")
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"{op}: boxes must be (N, 4) in 'xyxy' format, got shape {tuple(boxes.shape)}")
    if scores.ndim != 1 or scores.shape[0] != boxes.shape[0]:
        raise ValueError(
            f"{op}: scores must be (N,) with one score per box, got shape {tuple(scores.shape)} "
            f"for boxes {tuple(boxes.shape)}"
        )
    if not boxes.dtype.is_floating_point:
        raise TypeError(
            f"{op}: boxes must be a float tensor (as in torchvision), got {boxes.dtype}; use boxes.float()"
        )
    return boxes.detach().numpy(), scores.detach().numpy()  # (a network's outputs may require grad)


def by_score(scores: np.ndarray) -> np.ndarray:
    """Indices by decreasing score, ties in index order; NaN first, as torch's descending sort puts it."""
    return np.argsort(np.where(np.isnan(scores), -np.inf, -scores), kind="stable")


def kept_indices(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy NMS on arrays: the kept indices, by decreasing score."""
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1) * (y2 - y1)
    standing = by_score(scores)
    kept = []
    while standing.size:
        best, rest = standing[0], standing[1:]
        kept.append(best)
        width = np.maximum(np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]), 0)
        height = np.maximum(np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]), 0)
        inter = width * height
        iou = inter / (areas[best] + areas[rest] - inter)
        standing = rest[~(iou.astype(np.float64) > iou_threshold)]  # NaN (0/0) is not above: the box stays
    return np.array(kept, dtype=np.int64)


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Indices of the boxes kept by greedy non-maximum suppression, by decreasing score.

    Args:
        boxes: ``(N, 4)`` float, ``'xyxy'``.
        scores: ``(N,)``.
        iou_threshold: a box goes when its IoU with a kept, better box is greater than this.

    Shape: output ``(K,)`` int64.

    Example:
        >>> boxes = autograd.tensor([[0.0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]])
        >>> nms(boxes, autograd.tensor([0.9, 0.8, 0.7]), 0.5).numpy().tolist()
        [0, 2]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return autograd.tensor(kept_indices(*checked("nms", boxes, scores), float(iou_threshold)))


def batched_nms(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """Non-maximum suppression within each category ``idxs``: boxes of different categories never compete.

    Args:
        boxes: ``(N, 4)`` float, ``'xyxy'``.
        scores: ``(N,)``.
        idxs: ``(N,)`` integer category of each box.
        iou_threshold: as in :func:`nms`.

    Shape: output ``(K,)`` int64, by decreasing score.

    Example:
        >>> boxes = autograd.tensor([[0.0, 0, 10, 10], [1, 1, 10, 10]])
        >>> batched_nms(boxes, autograd.tensor([0.9, 0.8]), autograd.tensor([0, 1]), 0.5).numpy().tolist()
        [0, 1]
    """
    op = "batched_nms"
    boxes, scores = checked(op, boxes, scores)
    idxs = _as_tensor(op, idxs, "idxs").detach().numpy()
    if idxs.shape != scores.shape:
        raise ValueError(
            f"{op}: idxs must be (N,), one category per box, got shape {idxs.shape} for N = {len(scores)}"
        )
    threshold = float(iou_threshold)
    with np.errstate(divide="ignore", invalid="ignore"):
        if boxes.size == 0:
            return autograd.tensor(np.zeros(0, dtype=np.int64))
        if boxes.size <= COORDINATE_TRICK_LIMIT:
            shift = idxs.astype(boxes.dtype) * (boxes.max() + boxes.dtype.type(1))
            return autograd.tensor(kept_indices(boxes + shift[:, None], scores, threshold))
        keep = np.zeros(len(scores), dtype=bool)
        for category in np.unique(idxs):  # one NMS per category
            members = np.flatnonzero(idxs == category)
            keep[members[kept_indices(boxes[members], scores[members], threshold)]] = True
        kept = np.flatnonzero(keep)
        return autograd.tensor(kept[by_score(scores[kept])])
