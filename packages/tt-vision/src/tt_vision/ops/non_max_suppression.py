"""Non-maximum suppression: keep the best-scoring box of each cluster of overlapping boxes.

``nms`` is torchvision's greedy algorithm. The boxes are ordered by decreasing
score (a stable sort: equal scores keep their input order, as torchvision's CPU
kernel); the first is kept, and every later box whose IoU with it is greater than
``iou_threshold`` is dropped; then the next box still standing is kept, and so
on. Each choice depends on the previous ones, but not box by box in Python: the
boxes are decided in blocks of 64 (:func:`kept_rows`), a block's survivors of the
boxes kept before it in one vectorised step, then greedy within the block as a
fixed point (a few steps). IoUs are computed in the boxes' own dtype with
torchvision's formula ``inter / (area_i + area_j - inter)`` and compared as with
the threshold in float64 (as C++ promotes the float to the threshold's double),
so the same boxes go.

``batched_nms`` runs NMS within each category only, by torchvision's rule: up
to 4,000 coordinates, the *coordinate trick* (shift each category's boxes by
``category · (max coordinate + 1)`` so boxes of different categories never
overlap, then one NMS); above, one NMS per category, the categories solved
together as padded rows of one problem (:func:`kept_by_category`). On SSDlite's
26,721 candidates in 90 categories this took 40 ms where one category at a time
with one kept box per step took 220 ms (torchvision's C++: 42 ms).

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


#: Boxes decided together: each block's survivors are found from its IoUs with the boxes kept before it
#: and with each other (64 measured fastest on SSDlite's 26,721 candidates in 90 categories: 32 and 128
#: were 10% and 20% slower, 256 twice as slow).
BLOCK = 64


def threshold_below(dtype: np.dtype, iou_threshold: float) -> np.generic:
    """The largest ``dtype`` value ``t <= iou_threshold``: for IoUs ``x`` in ``dtype``, ``x > t`` exactly
    when ``float64(x) > iou_threshold`` (no larger ``dtype`` value lies at or below the threshold), so the
    IoUs are compared in their own dtype without a float64 copy."""
    t = dtype.type(iou_threshold)
    if np.float64(t) > np.float64(iou_threshold):
        t = np.nextafter(t, dtype.type(-np.inf))
    return t


def overlapping(better: list[np.ndarray], worse: list[np.ndarray], t: np.generic) -> np.ndarray:
    """``(C, K, B)`` bool: IoU of ``better[:, k]`` with ``worse[:, b]`` above ``t``, row by row.

    ``better``/``worse``: ``[x1, y1, x2, y2, area]``, each ``(C, K)`` / ``(C, B)``. torchvision's formula
    and order, ``inter / (area_k + area_b - inter)``; NaN (``0 / 0``, or a NaN padding box) is not above.
    """
    bx1, by1, bx2, by2, b_area = (v[:, :, None] for v in better)
    wx1, wy1, wx2, wy2, w_area = (v[:, None, :] for v in worse)
    inter = np.minimum(bx2, wx2)
    inter -= np.maximum(bx1, wx1)
    np.maximum(inter, 0, out=inter)
    height = np.minimum(by2, wy2)
    height -= np.maximum(by1, wy1)
    np.maximum(height, 0, out=height)
    inter *= height
    union = b_area + w_area
    union -= inter
    inter /= union
    return inter > t


def kept_rows(boxes: np.ndarray, valid: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy NMS on each row of ``boxes`` ``(C, N, 4)``, sorted by decreasing score; ``(C, N)`` kept mask.

    ``valid`` ``(C, N)`` marks real boxes (rows are padded to one length, with NaN boxes). The rows
    are independent NMS problems (categories) solved together: the loop runs over blocks of
    :data:`BLOCK` columns, not over kept boxes. In a block, a box survives the boxes kept before
    the block if its IoU with each is not above the threshold (one vectorised ``(C, K, B)`` step);
    among the survivors, greedy NMS within the block is the fixed point of "kept = survivor and not
    overlapped by a kept, better box of the block": box ``j``'s equation involves only boxes before
    ``j``, so the fixed point is unique and is greedy's answer, and iterating it from "all
    survivors" settles box ``j`` by step ``j + 1`` (in practice in a few steps: a chain of boxes
    each overlapping the next is rare). Same decisions as one box at a time, same IoU arithmetic.

    Cost: ``O(C·N·K)`` IoUs for ``K`` kept per row (as torchvision's C++), ``O(C·N·BLOCK)`` within
    blocks; ``N / BLOCK`` Python steps (more for long chains), memory ``O(C·N·BLOCK)``.
    """
    rows, n = valid.shape
    t = threshold_below(boxes.dtype, iou_threshold)
    x1, y1, x2, y2 = np.moveaxis(boxes, -1, 0)
    columns = [x1, y1, x2, y2, (x2 - x1) * (y2 - y1)]
    keep = np.zeros((rows, n), dtype=bool)
    kept = [np.full((rows, n), np.nan, dtype=boxes.dtype) for _ in columns]  # each row's kept boxes, packed
    count = np.zeros(rows, dtype=np.int64)
    later = np.triu(np.ones((BLOCK, BLOCK), dtype=bool), 1)  # [i, j]: box i is better than box j
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        block = [column[:, start:stop] for column in columns]
        survivors = valid[:, start:stop].copy()
        most = int(count.max())
        if most:
            survivors &= ~overlapping([column[:, :most] for column in kept], block, t).any(axis=1)
        inner = overlapping(block, block, t) & later[: stop - start, : stop - start]
        chosen = survivors
        while True:
            settled = survivors & ~np.matmul(chosen[:, None, :], inner)[:, 0, :]
            if np.array_equal(settled, chosen):
                break
            chosen = settled
        keep[:, start:stop] = chosen
        row, column = np.nonzero(chosen)
        slot = count[row] + np.cumsum(chosen, axis=1)[row, column] - 1
        for packed, values in zip(kept, block):
            packed[row, slot] = values[row, column]
        count += chosen.sum(axis=1)
    return keep


def kept_indices(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy NMS on arrays: the kept indices, by decreasing score."""
    order = by_score(scores)
    return order[kept_rows(boxes[order][None], np.ones((1, len(order)), dtype=bool), iou_threshold)[0]]


def kept_by_category(
    boxes: np.ndarray, scores: np.ndarray, idxs: np.ndarray, iou_threshold: float
) -> np.ndarray:
    """``(N,)`` mask of the boxes kept by one greedy NMS per category of ``idxs``, all by :func:`kept_rows`.

    Categories are sorted by size into power-of-two bands (``2^(b-1) < size <= 2^b``) and each band
    is one padded ``(categories, largest, 4)`` problem, so padding at most doubles the work.
    """
    order = by_score(scores)
    order = order[np.argsort(idxs[order], kind="stable")]  # by category, each by decreasing score
    _, starts, sizes = np.unique(idxs[order], return_index=True, return_counts=True)
    keep = np.zeros(len(scores), dtype=bool)
    bands = np.ceil(np.log2(sizes)).astype(np.int64)
    for band in np.unique(bands):
        chosen = np.flatnonzero(bands == band)
        position = np.arange(sizes[chosen].max())
        valid = position[None, :] < sizes[chosen][:, None]
        members = order[np.where(valid, starts[chosen][:, None] + position, 0)]
        padded = np.where(valid[..., None], boxes[members], np.nan).astype(boxes.dtype, copy=False)
        keep[members[kept_rows(padded, valid, iou_threshold)]] = True
    return keep


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
        kept = np.flatnonzero(kept_by_category(boxes, scores, idxs, threshold))  # one NMS per category
        return autograd.tensor(kept[by_score(scores[kept])])
