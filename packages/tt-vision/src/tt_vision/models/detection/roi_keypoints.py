"""Keypoint R-CNN's heatmap coding and loss, as torchvision's ``models.detection.roi_heads`` functions.

A keypoint of an instance is learnt as one cell of an ``S × S`` heatmap over the instance's RoI
(``S`` = 56 in Keypoint R-CNN): :func:`keypoints_to_heatmap` gives each ground-truth keypoint its
cell index (``y · S + x``, the cell its position falls in, a keypoint on the box's right or bottom
edge in the last cell) and whether it is usable (visible and inside the RoI);
:func:`keypointrcnn_loss` is the cross-entropy of the ``S²`` logits of each usable keypoint against
its cell. At inference :func:`heatmaps_to_keypoints` resizes each RoI's ``S × S`` logits bicubically
to the RoI's size in pixels (``ceil`` of its width and height, at least 1), takes each keypoint's
best pixel and maps the pixel's centre back to image coordinates (``c = d + 0.5``, Heckbert's
convention); the score is the resized logit there.

torchvision resizes one RoI at a time with ``F.interpolate(mode="bicubic", align_corners=False)``;
here the RoIs are resized together (in chunks of at most :data:`CHUNK_ELEMENTS` resized values,
RoIs of similar size together), with that kernel's float32 steps (the source coordinate
``scale · (d + ½) − ½``, Keys' weights with ``A = −0.75``, 4 taps along the width, then 4 along the
height, accumulated tap by tap). PyTorch's compiled kernel rounds some weights differently (a few
ulps): values agree to ~1e-6, and an argmax can differ only between pixels that near-tie.

Cost: encoding ``O(N · K)``; the loss one ``S²``-way softmax per usable keypoint; decoding
``O(R · K · h · w)`` for RoIs of ``h × w`` pixels (16 taps per pixel), the memory of one chunk.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
import tt_nn.functional as F
from tt_autograd import Tensor

#: The largest number of resized heatmap values (RoIs · keypoints · height · width) held at once.
CHUNK_ELEMENTS = 1 << 24

_CUBIC_A = np.float32(-0.75)


def keypoints_to_heatmap(keypoints: Tensor, rois: Tensor, heatmap_size: int) -> tuple[Tensor, Tensor]:
    """Each keypoint's cell in its RoI's ``heatmap_size²`` grid and whether it is usable.

    Args:
        keypoints: ``(N, K, 3)`` ``(x, y, visibility)`` in image coordinates.
        rois: ``(N, 4)`` ``'xyxy'`` boxes, one per instance.
        heatmap_size: ``S``, the grid's side.

    Returns ``(heatmaps, valid)``, both ``(N, K)`` int64: the cell index ``y · S + x`` with
    ``x = floor((kx − x1) · S / (x2 − x1))`` (``S − 1`` for a keypoint exactly on ``x2``; ``y`` alike),
    0 where not usable; ``valid`` 1 where the keypoint is visible (``visibility > 0``) and its cell
    inside the grid, else 0. The arithmetic is in the RoIs' dtype, as torchvision's.

    Example (a 4-cell grid over a 40-px box: x = 25 is in column 2, y = 5 in row 0):
        >>> points = autograd.tensor([[[25.0, 5.0, 1.0], [25.0, 50.0, 1.0]]])
        >>> heatmaps, valid = keypoints_to_heatmap(points, autograd.tensor([[0.0, 0.0, 40.0, 40.0]]), 4)
        >>> heatmaps.tolist(), valid.tolist()
        ([[2, 0]], [[1, 0]])
    """
    kp = keypoints.detach().numpy()
    boxes = rois.detach().numpy()
    if kp.ndim != 3 or kp.shape[-1] != 3 or boxes.shape != (kp.shape[0], 4):
        raise ValueError(
            f"keypoints_to_heatmap: keypoints must be (N, K, 3) and rois (N, 4), got {kp.shape} and "
            f"{boxes.shape}"
        )
    kp = kp.astype(boxes.dtype, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):  # an empty RoI: inf scale, never usable
        columns = _cells(kp[..., 0], boxes[:, 0], boxes[:, 2], heatmap_size)
        rows = _cells(kp[..., 1], boxes[:, 1], boxes[:, 3], heatmap_size)
    inside = (columns >= 0) & (rows >= 0) & (columns < heatmap_size) & (rows < heatmap_size)
    valid = (inside & (kp[..., 2] > 0)).astype(np.int64)
    return autograd.tensor((rows * heatmap_size + columns) * valid), autograd.tensor(valid)


def _cells(coordinate: np.ndarray, low: np.ndarray, high: np.ndarray, size: int) -> np.ndarray:
    """``floor((c − low) · size / (high − low))`` as int64, ``size − 1`` where ``c == high``."""
    scale = np.reciprocal(high - low) * high.dtype.type(size)  # (torchvision's size / t rounds twice, so)
    cell = np.floor((coordinate - low[:, None]) * scale[:, None])
    cell = np.where(np.isfinite(cell), cell, -1).astype(np.int64)
    return np.where(coordinate == high[:, None], size - 1, cell)


def keypointrcnn_loss(
    keypoint_logits: Tensor,
    proposals: list[Tensor],
    gt_keypoints: list[Tensor],
    keypoint_matched_idxs: list[Tensor],
) -> Tensor:
    """Keypoint R-CNN's loss: cross-entropy of each usable keypoint's heatmap logits against its cell.

    Args:
        keypoint_logits: ``(P, K, S, S)``, one heatmap per keypoint of each positive RoI.
        proposals: per image, the positive RoIs ``(P_i, 4)`` (``sum P_i = P``).
        gt_keypoints: per image, the ground truths' keypoints ``(G_i, K, 3)``.
        keypoint_matched_idxs: per image, each positive RoI's ground truth ``(P_i,)``.

    The targets are :func:`keypoints_to_heatmap` of each RoI's matched keypoints; the loss is the mean
    over the usable (RoI, keypoint) pairs of ``cross_entropy`` over the ``S²`` cells; with none usable,
    ``0 · sum(keypoint_logits)`` (so that it stays in the graph). Differentiable w.r.t. the logits.

    Raises:
        ValueError: the heatmaps are not square.
    """
    rois, num_keypoints, height, width = keypoint_logits.shape
    if height != width:
        raise ValueError(
            "keypointrcnn_loss: keypoint_logits height and width (last two elements of shape) should be "
            f"equal, got H = {height} and W = {width}"
        )
    targets, valid = [], []
    for boxes, keypoints, matched in zip(proposals, gt_keypoints, keypoint_matched_idxs):
        cells, usable = keypoints_to_heatmap(keypoints[matched], boxes, height)
        targets.append(cells.numpy().reshape(-1))
        valid.append(usable.numpy().reshape(-1))
    targets = np.concatenate(targets) if targets else np.zeros(0, np.int64)
    rows = np.flatnonzero(np.concatenate(valid)) if valid else np.zeros(0, np.int64)
    if rows.size == 0:
        return keypoint_logits.sum() * 0
    logits = keypoint_logits.reshape(rois * num_keypoints, height * width)[autograd.tensor(rows)]
    return F.cross_entropy(logits, autograd.tensor(targets[rows]))


def heatmaps_to_keypoints(maps: Tensor, rois: Tensor) -> tuple[Tensor, Tensor]:
    """Each RoI's keypoints from its heatmaps: the best pixel of each heatmap resized to the RoI.

    Args:
        maps: ``(R, K, S, S)`` float32 heatmap logits.
        rois: ``(R, 4)`` ``'xyxy'`` boxes in image coordinates.

    Returns ``(xy_preds, scores)``: ``(R, K, 3)`` float32 ``(x, y, 1)`` and ``(R, K)`` float32. A RoI of
    width ``w`` and height ``h`` (each at least 1) is resized bicubically to ``ceil(h) × ceil(w)``
    pixels; the best pixel ``(row, col)`` (the first in row-major order on ties) gives
    ``x = x1 + (col + ½) · w / ceil(w)``, ``y`` alike, and the score is the resized logit there.
    Not differentiable (torchvision's is not either).

    Example (one 8×8 RoI, a one-hot 2×2 heatmap: the peak stays in the top-left quarter):
        >>> maps = autograd.tensor([[[[5.0, 0.0], [0.0, 0.0]]]])
        >>> xy, scores = heatmaps_to_keypoints(maps, autograd.tensor([[10.0, 20.0, 18.0, 28.0]]))
        >>> xy.tolist()
        [[[10.5, 20.5, 1.0]]]
    """
    heat = np.asarray(maps.detach().numpy(), dtype=np.float32)
    boxes = np.asarray(rois.detach().numpy(), dtype=np.float32)
    if heat.ndim != 4 or boxes.shape != (heat.shape[0], 4):
        raise ValueError(
            f"heatmaps_to_keypoints: maps must be (R, K, H, W) and rois (R, 4), got {heat.shape} and "
            f"{boxes.shape}"
        )
    count, num_keypoints = heat.shape[:2]
    widths = np.maximum(boxes[:, 2] - boxes[:, 0], np.float32(1))
    heights = np.maximum(boxes[:, 3] - boxes[:, 1], np.float32(1))
    out_w = np.ceil(widths).astype(np.int64)
    out_h = np.ceil(heights).astype(np.int64)
    rows = np.zeros((count, num_keypoints), np.int64)
    cols = np.zeros((count, num_keypoints), np.int64)
    scores = np.zeros((count, num_keypoints), np.float32)
    order = np.argsort(np.maximum(out_w, out_h), kind="stable")  # similar sizes share a chunk
    for chunk in _chunks(out_h[order], out_w[order], num_keypoints):
        index = order[chunk]
        rows[index], cols[index], scores[index] = _best_pixels(heat[index], out_h[index], out_w[index])
    x = (cols.astype(np.float32) + np.float32(0.5)) * (widths / out_w.astype(np.float32))[:, None]
    y = (rows.astype(np.float32) + np.float32(0.5)) * (heights / out_h.astype(np.float32))[:, None]
    xy = np.stack([x + boxes[:, :1], y + boxes[:, 1:2], np.ones_like(x)], axis=-1)
    return autograd.tensor(xy.astype(np.float32)), autograd.tensor(scores)


def _chunks(out_h: np.ndarray, out_w: np.ndarray, num_keypoints: int) -> list[slice]:
    """Consecutive slices of RoIs (sorted by their longer side) whose padded resized heatmaps hold at
    most :data:`CHUNK_ELEMENTS` values (one RoI at least)."""
    side = np.maximum(out_h, out_w)
    chunks, start = [], 0
    while start < side.size:  # a loop over chunks: one when everything fits
        cost = np.arange(1, side.size - start + 1) * num_keypoints * side[start:] ** 2
        stop = start + max(1, int(np.searchsorted(cost, CHUNK_ELEMENTS, side="right")))
        chunks.append(slice(start, stop))
        start = stop
    return chunks


def _best_pixels(heat: np.ndarray, out_h: np.ndarray, out_w: np.ndarray):
    """Bicubic resizing of ``heat`` ``(r, K, H, W)`` RoI ``i`` to ``out_h[i] × out_w[i]`` (padded to the
    largest), then each heatmap's best pixel: ``(rows, cols, values)``, each ``(r, K)``."""
    count, num_keypoints, height, width = heat.shape
    tall, wide = int(out_h.max()), int(out_w.max())
    col_taps, col_weights = _cubic_taps(width, out_w, wide)  # (r, wide, 4)
    row_taps, row_weights = _cubic_taps(height, out_h, tall)  # (r, tall, 4)
    along_width = _accumulate(heat, col_taps[:, None, None], col_weights[:, None, None], axis=3)
    resized = _accumulate(along_width, row_taps[:, None, :, None], row_weights[:, None, :, None], axis=2)
    inside = (np.arange(tall)[None, :, None] < out_h[:, None, None]) & (
        np.arange(wide)[None, None, :] < out_w[:, None, None]
    )
    resized = np.where(inside[:, None], resized, -np.inf).reshape(count, num_keypoints, tall * wide)
    best = resized.argmax(axis=2)
    values = np.take_along_axis(resized, best[..., None], axis=2)[..., 0]
    return best // wide, best % wide, values


def _accumulate(values: np.ndarray, taps: np.ndarray, weights: np.ndarray, axis: int) -> np.ndarray:
    """``sum_j weights[..., j] · values[taps[..., j]]`` along ``axis``, accumulated in float32 tap by tap
    (each product exact, one rounding a step)."""
    total = None
    for j in range(taps.shape[-1]):  # the 4 taps
        term = np.take_along_axis(values, taps[..., j], axis=axis).astype(np.float64) * weights[..., j]
        total = term.astype(np.float32) if total is None else (term + total).astype(np.float32)
    return total


def _cubic_taps(size_in: int, sizes_out: np.ndarray, padded: int) -> tuple[np.ndarray, np.ndarray]:
    """The 4 source positions (clamped to the input) and float32 Keys weights (``A = −0.75``) of each
    output position ``d < padded`` of RoI ``i``; ``(r, padded, 4)`` each (positions past
    ``sizes_out[i]`` are computed too: :func:`_best_pixels` masks them)."""
    scale = np.float32(size_in) / sizes_out.astype(np.float32)  # (r,)
    position = np.arange(padded, dtype=np.float32)
    source = scale[:, None] * (position + np.float32(0.5)) - np.float32(0.5)  # (r, padded), float32
    low = np.minimum(np.floor(source).astype(np.int64), size_in - 1)
    t = np.clip(source - low.astype(np.float32), np.float32(0), np.float32(1))
    one = np.float32(1)
    weights = np.stack(
        [_keys_far(t + one), _keys_near(t), _keys_near(one - t), _keys_far((one - t) + one)], -1
    )
    taps = np.clip(low[..., None] + np.arange(-1, 3), 0, size_in - 1)
    return taps, weights.astype(np.float32)


def _keys_near(x: np.ndarray) -> np.ndarray:
    """Keys' kernel for ``|x| <= 1``, in float32: ``((A + 2) x − (A + 3)) x² + 1``."""
    return ((_CUBIC_A + np.float32(2)) * x - (_CUBIC_A + np.float32(3))) * x * x + np.float32(1)


def _keys_far(x: np.ndarray) -> np.ndarray:
    """Keys' kernel for ``1 < |x| < 2``, in float32: ``((A x − 5A) x + 8A) x − 4A``."""
    return ((_CUBIC_A * x - np.float32(5) * _CUBIC_A) * x + np.float32(8) * _CUBIC_A) * x - np.float32(
        4
    ) * _CUBIC_A


def keypointrcnn_inference(x: Tensor, boxes: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
    """Per image, its detections' keypoints ``(D_i, K, 3)`` and scores ``(D_i, K)``.

    ``x`` ``(D, K, S, S)`` heatmap logits of every detection (``D = sum D_i``), ``boxes`` per image
    ``(D_i, 4)``: :func:`heatmaps_to_keypoints` once over all of them, split by image.
    """
    counts = [int(b.shape[0]) for b in boxes]
    rois = autograd.cat(list(boxes)) if boxes else autograd.zeros(0, 4)
    xy, scores = heatmaps_to_keypoints(x, rois)
    return list(xy.split(counts, 0)), list(scores.split(counts, 0))
