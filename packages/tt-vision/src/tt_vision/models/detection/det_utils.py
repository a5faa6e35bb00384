"""The detection heads' bookkeeping, as torchvision's ``models.detection._utils``: coding, matching, sampling.

* :class:`BoxCoder` writes a box relative to a reference box (an anchor, a proposal) as the four
  regression targets of Faster R-CNN: ``dx = wx · (cx - cx_ref) / w_ref``,
  ``dy = wy · (cy - cy_ref) / h_ref``, ``dw = ww · log(w / w_ref)``, ``dh = wh · log(h / h_ref)``;
  decoding inverts it, with ``dw`` and ``dh`` clamped to ``bbox_xform_clip`` (``log(1000/16)``)
  before ``exp``. Written in tensor operations, so decoding is differentiable w.r.t. the codes.
* :class:`Matcher` gives each prediction (column of an ``M × N`` quality matrix, e.g. IoUs of
  ``M`` ground-truth boxes with ``N`` anchors) the index of its best ground truth, or
  ``BELOW_LOW_THRESHOLD`` (-1) / ``BETWEEN_THRESHOLDS`` (-2); with ``allow_low_quality_matches``,
  each ground truth's best predictions (all ties) keep their match whatever its quality.
* :class:`SSDMatcher` (SSD's): one threshold, and every ground truth keeps its best prediction.
* :class:`BalancedPositiveNegativeSampler` draws at most ``batch_size_per_image ·
  positive_fraction`` positives per image and fills the batch with negatives, uniformly at random
  from TinyTorch's default generator (``tt.manual_seed``; torch's random stream is not reproduced).

Cost: coding ``O(N)``; matching ``O(M · N)`` (two arg-maxes and one comparison of the matrix);
sampling one permutation per image. Only the images are looped over.

The module is named ``det_utils`` (torchvision imports its ``_utils`` under that name): a public
name, since the later heads of other modules use it.
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd as autograd
from tt_autograd import Tensor


def columns(boxes: Tensor) -> list[Tensor]:
    """The four ``(N, 1)`` coordinate columns of ``(N, 4)`` boxes."""
    return [boxes[:, i : i + 1] for i in range(4)]


def encode_boxes(reference_boxes: Tensor, proposals: Tensor, weights: Tensor) -> Tensor:
    """The codes of ``reference_boxes`` relative to ``proposals`` (each ``(N, 4)``, ``'xyxy'``), weighted.

    ``weights`` is ``(4,)`` for ``(x, y, w, h)``. Output ``(N, 4)``: ``(dx, dy, dw, dh)`` (module doc).
    """
    wx, wy, ww, wh = (weights[i] for i in range(4))
    ex_x1, ex_y1, ex_x2, ex_y2 = columns(proposals)
    ex_widths, ex_heights = ex_x2 - ex_x1, ex_y2 - ex_y1
    ex_ctr_x = ex_x1 + 0.5 * ex_widths
    ex_ctr_y = ex_y1 + 0.5 * ex_heights
    gt_x1, gt_y1, gt_x2, gt_y2 = columns(reference_boxes)
    gt_widths, gt_heights = gt_x2 - gt_x1, gt_y2 - gt_y1
    gt_ctr_x = gt_x1 + 0.5 * gt_widths
    gt_ctr_y = gt_y1 + 0.5 * gt_heights
    targets_dx = wx * (gt_ctr_x - ex_ctr_x) / ex_widths
    targets_dy = wy * (gt_ctr_y - ex_ctr_y) / ex_heights
    targets_dw = ww * autograd.log(gt_widths / ex_widths)
    targets_dh = wh * autograd.log(gt_heights / ex_heights)
    return autograd.cat([targets_dx, targets_dy, targets_dw, targets_dh], dim=1)


class BoxCoder:
    """Boxes to regression codes relative to reference boxes, and back (Faster R-CNN's parametrisation).

    Args:
        weights: ``(wx, wy, ww, wh)``, multipliers of the four codes (the RPN's ``(1, 1, 1, 1)``).
        bbox_xform_clip: the largest ``dw``/``dh`` decoded (so ``exp`` stays finite); ``log(1000 / 16)``.

    Example:
        >>> coder = BoxCoder((1.0, 1.0, 1.0, 1.0))
        >>> anchor = autograd.tensor([[0.0, 0.0, 10.0, 10.0]])
        >>> codes = coder.encode_single(autograd.tensor([[5.0, 0.0, 15.0, 10.0]]), anchor)
        >>> codes.numpy().tolist(), coder.decode_single(codes, anchor).numpy().tolist()
        ([[0.5, 0.0, 0.0, 0.0]], [[5.0, 0.0, 15.0, 10.0]])
    """

    def __init__(
        self, weights: tuple[float, float, float, float], bbox_xform_clip: float = math.log(1000.0 / 16)
    ):
        if len(weights) != 4:
            raise ValueError(f"BoxCoder: weights must be 4 numbers (wx, wy, ww, wh), got {weights!r}")
        self.weights = weights
        self.bbox_xform_clip = bbox_xform_clip

    def encode(self, reference_boxes: list[Tensor], proposals: list[Tensor]) -> tuple[Tensor, ...]:
        """Per image, the codes of ``reference_boxes[i]`` relative to ``proposals[i]`` (``(N_i, 4)`` each)."""
        boxes_per_image = [len(boxes) for boxes in reference_boxes]
        targets = self.encode_single(autograd.cat(list(reference_boxes)), autograd.cat(list(proposals)))
        return targets.split(boxes_per_image, 0)

    def encode_single(self, reference_boxes: Tensor, proposals: Tensor) -> Tensor:
        """The ``(N, 4)`` codes of ``reference_boxes`` relative to ``proposals`` (both ``(N, 4)``)."""
        if tuple(reference_boxes.shape) != tuple(proposals.shape) or reference_boxes.ndim != 2:
            raise ValueError(
                f"BoxCoder.encode_single: reference_boxes {tuple(reference_boxes.shape)} and proposals "
                f"{tuple(proposals.shape)} must both be (N, 4), one reference box per proposal"
            )
        weights = autograd.tensor(self.weights, dtype=reference_boxes.dtype)
        return encode_boxes(reference_boxes, proposals, weights)

    def decode(self, rel_codes: Tensor, boxes: list[Tensor]) -> Tensor:
        """Codes ``(sum N_i, K · 4)`` applied to the concatenated reference boxes: ``(sum N_i, K, 4)``."""
        if not isinstance(boxes, (list, tuple)):
            raise TypeError(
                "BoxCoder.decode: boxes must be a list of (N_i, 4) tensors, one per image, "
                f"got {type(boxes).__name__}"
            )
        box_sum = sum(int(b.shape[0]) for b in boxes)
        concat_boxes = autograd.cat(list(boxes))
        if box_sum > 0:
            rel_codes = rel_codes.reshape(box_sum, -1)
        pred_boxes = self.decode_single(rel_codes, concat_boxes)
        return pred_boxes.reshape(box_sum, -1, 4) if box_sum > 0 else pred_boxes

    def decode_single(self, rel_codes: Tensor, boxes: Tensor) -> Tensor:
        """Boxes ``(N, K · 4)`` from codes ``(N, K · 4)`` (``K`` per reference) and references ``(N, 4)``."""
        if rel_codes.ndim != 2 or rel_codes.shape[1] % 4 or rel_codes.shape[0] != boxes.shape[0]:
            raise ValueError(
                f"BoxCoder.decode_single: rel_codes must be (N, K * 4) with N = {boxes.shape[0]} reference "
                f"boxes, got {tuple(rel_codes.shape)}"
            )
        x1, y1, x2, y2 = columns(boxes.to(dtype=rel_codes.dtype))
        widths, heights = x2 - x1, y2 - y1
        ctr_x = x1 + 0.5 * widths
        ctr_y = y1 + 0.5 * heights
        wx, wy, ww, wh = self.weights
        dx = rel_codes[:, 0::4] / wx
        dy = rel_codes[:, 1::4] / wy
        dw = (rel_codes[:, 2::4] / ww).clamp(max=self.bbox_xform_clip)
        dh = (rel_codes[:, 3::4] / wh).clamp(max=self.bbox_xform_clip)
        pred_ctr_x = dx * widths + ctr_x
        pred_ctr_y = dy * heights + ctr_y
        half_w = 0.5 * (autograd.exp(dw) * widths)
        half_h = 0.5 * (autograd.exp(dh) * heights)
        corners = [pred_ctr_x - half_w, pred_ctr_y - half_h, pred_ctr_x + half_w, pred_ctr_y + half_h]
        return autograd.stack(corners, dim=2).flatten(1)


def best_of_some_ground_truth(quality: np.ndarray) -> np.ndarray:
    """``(N,)`` mask of the predictions whose quality is the highest of some ground truth's row (ties too)."""
    return (quality == quality.max(axis=1, keepdims=True)).any(axis=0)


class Matcher:
    """Each prediction's best ground truth, or a negative code when the best is not good enough.

    Args:
        high_threshold: a quality ``>= high_threshold`` is a match.
        low_threshold: ``[low, high)`` gives ``BETWEEN_THRESHOLDS`` (-2), below ``low``
            ``BELOW_LOW_THRESHOLD`` (-1).
        allow_low_quality_matches: also match, whatever their quality, the predictions with the
            highest quality for some ground truth (ties included), to their own best ground truth.

    Shape: ``match_quality_matrix`` ``(M, N)`` (ground truths × predictions) -> ``(N,)`` int64.
    Ties between ground truths go to the lowest index.

    Example:
        >>> iou = autograd.tensor([[0.9, 0.5, 0.1], [0.2, 0.6, 0.2]])
        >>> Matcher(0.7, 0.3)(iou).numpy().tolist(), Matcher(0.7, 0.3, True)(iou).numpy().tolist()
        ([0, -2, -1], [0, 1, -1])
    """

    BELOW_LOW_THRESHOLD = -1
    BETWEEN_THRESHOLDS = -2

    def __init__(self, high_threshold: float, low_threshold: float, allow_low_quality_matches: bool = False):
        if not low_threshold <= high_threshold:
            raise ValueError(
                f"Matcher: low_threshold ({low_threshold}) must be <= high_threshold ({high_threshold})"
            )
        self.high_threshold = high_threshold
        self.low_threshold = low_threshold
        self.allow_low_quality_matches = allow_low_quality_matches

    def __call__(self, match_quality_matrix: Tensor) -> Tensor:
        quality = np.asarray(match_quality_matrix.detach().numpy())
        if quality.ndim != 2:
            raise ValueError(
                f"Matcher: match_quality_matrix must be (M ground truths, N predictions), got {quality.shape}"
            )
        if quality.size == 0:
            if quality.shape[0] == 0:
                raise ValueError("No ground-truth boxes available for one of the images during training")
            raise ValueError("No proposal boxes available for one of the images during training")
        all_matches = quality.argmax(axis=0)
        matched_vals = quality[all_matches, np.arange(quality.shape[1])]
        matches = all_matches.astype(np.int64)
        matches[matched_vals < self.low_threshold] = self.BELOW_LOW_THRESHOLD
        between = (matched_vals >= self.low_threshold) & (matched_vals < self.high_threshold)
        matches[between] = self.BETWEEN_THRESHOLDS
        if self.allow_low_quality_matches:
            best = best_of_some_ground_truth(quality)
            matches[best] = all_matches[best]
        return autograd.tensor(matches)

    def set_low_quality_matches_(
        self, matches: Tensor, all_matches: Tensor, match_quality_matrix: Tensor
    ) -> None:
        """In place on ``matches``: each ground truth's best predictions (ties too) take ``all_matches``."""
        index = autograd.tensor(
            np.flatnonzero(best_of_some_ground_truth(match_quality_matrix.detach().numpy()))
        )
        matches[index] = all_matches[index]


class SSDMatcher(Matcher):
    """SSD's matching: a prediction with quality ``>= threshold`` goes to its best ground truth, any
    other is ``BELOW_LOW_THRESHOLD`` (-1); then every ground truth takes its own best prediction
    (the first of ties), whatever its quality (a later ground truth wins a prediction two share).

    Example:
        >>> SSDMatcher(0.5)(autograd.tensor([[0.6, 0.2, 0.1], [0.1, 0.3, 0.2]])).numpy().tolist()
        [0, 1, -1]
    """

    def __init__(self, threshold: float) -> None:
        super().__init__(threshold, threshold, allow_low_quality_matches=False)

    def __call__(self, match_quality_matrix: Tensor) -> Tensor:
        matches = super().__call__(match_quality_matrix).numpy().copy()
        best_prediction = match_quality_matrix.detach().numpy().argmax(axis=1)
        matches[best_prediction] = np.arange(best_prediction.size)
        return autograd.tensor(matches)


class BalancedPositiveNegativeSampler:
    """Per image, a random batch of positives (label ``>= 1``) and negatives (label 0); -1 is ignored.

    Args:
        batch_size_per_image: the batch size, positives and negatives together.
        positive_fraction: at most ``int(batch_size_per_image · positive_fraction)`` positives; the
            negatives fill the rest, as far as there are enough.

    Returns (``__call__(matched_idxs)``): two lists of ``uint8`` masks, one per image, the shape
    of that image's labels: the chosen positives, the chosen negatives.

    Example:
        >>> sampler = BalancedPositiveNegativeSampler(4, 0.25)
        >>> pos, neg = sampler([autograd.tensor([1, 1, 0, 0, 0, -1, 0])])
        >>> int(pos[0].sum()), int(neg[0].sum()), int(neg[0][5])
        (1, 3, 0)
    """

    def __init__(self, batch_size_per_image: int, positive_fraction: float) -> None:
        self.batch_size_per_image = batch_size_per_image
        self.positive_fraction = positive_fraction

    def __call__(self, matched_idxs: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
        pos_idx, neg_idx = [], []
        for labels in matched_idxs:
            labels = labels.detach().numpy()
            positive = np.flatnonzero(labels >= 1)
            negative = np.flatnonzero(labels == 0)
            num_pos = min(positive.size, int(self.batch_size_per_image * self.positive_fraction))
            num_neg = min(negative.size, self.batch_size_per_image - num_pos)
            pos_idx.append(self.mask(labels.shape, positive, num_pos))
            neg_idx.append(self.mask(labels.shape, negative, num_neg))
        return pos_idx, neg_idx

    @staticmethod
    def mask(shape: tuple[int, ...], candidates: np.ndarray, count: int) -> Tensor:
        """A ``uint8`` mask of ``count`` of ``candidates`` drawn uniformly without replacement."""
        chosen = candidates[autograd.randperm(candidates.size).numpy()[:count]]
        mask = np.zeros(shape, dtype=np.uint8)
        mask[chosen] = 1
        return autograd.tensor(mask)


class BoxLinearCoder:
    """FCOS's box codes: the distances from a reference box's centre to a box's four sides.

    ``encode(reference_boxes, proposals)`` gives ``(l, t, r, b) = (cx - x1, cy - y1, x2 - cx, y2 - cy)``,
    ``(cx, cy)`` the reference's centre and ``x1 … y2`` the proposal's corners, divided by the
    reference's ``(w, h, w, h)`` when ``normalize_by_size``; ``decode`` inverts it. Both take
    ``(..., 4)`` ``'xyxy'`` tensors of the same leading shape, cost ``O(N)``, and are written in
    tensor operations (differentiable w.r.t. the codes).

    Example:
        >>> coder = BoxLinearCoder(normalize_by_size=True)
        >>> anchor = autograd.tensor([[0.0, 0.0, 8.0, 8.0]])
        >>> codes = coder.encode(anchor, autograd.tensor([[2.0, 0.0, 12.0, 6.0]]))
        >>> codes.numpy().tolist(), coder.decode(codes, anchor).numpy().tolist()
        ([[0.25, 0.5, 1.0, 0.25]], [[2.0, 0.0, 12.0, 6.0]])
    """

    def __init__(self, normalize_by_size: bool = True) -> None:
        self.normalize_by_size = normalize_by_size

    def reference_frame(self, boxes: Tensor) -> tuple[Tensor, Tensor, Tensor | None]:
        """The ``(..., 1)`` centre x and y of ``boxes`` and their ``(..., 4)`` sizes ``(w, h, w, h)``."""
        ctr_x = 0.5 * (boxes[..., 0:1] + boxes[..., 2:3])
        ctr_y = 0.5 * (boxes[..., 1:2] + boxes[..., 3:4])
        if not self.normalize_by_size:
            return ctr_x, ctr_y, None
        w, h = boxes[..., 2:3] - boxes[..., 0:1], boxes[..., 3:4] - boxes[..., 1:2]
        return ctr_x, ctr_y, autograd.cat([w, h, w, h], dim=-1)

    def encode(self, reference_boxes: Tensor, proposals: Tensor) -> Tensor:
        """The ``(..., 4)`` codes ``(l, t, r, b)`` of ``proposals`` from ``reference_boxes``' centres."""
        ctr_x, ctr_y, size = self.reference_frame(reference_boxes)
        sides = [ctr_x - proposals[..., 0:1], ctr_y - proposals[..., 1:2]]
        sides += [proposals[..., 2:3] - ctr_x, proposals[..., 3:4] - ctr_y]
        targets = autograd.cat(sides, dim=-1)
        return targets if size is None else targets / size

    def decode(self, rel_codes: Tensor, boxes: Tensor) -> Tensor:
        """The ``(..., 4)`` boxes whose sides are ``rel_codes`` away from ``boxes``' centres."""
        ctr_x, ctr_y, size = self.reference_frame(boxes.to(dtype=rel_codes.dtype))
        if size is not None:
            rel_codes = rel_codes * size
        corners = [ctr_x - rel_codes[..., 0:1], ctr_y - rel_codes[..., 1:2]]
        corners += [ctr_x + rel_codes[..., 2:3], ctr_y + rel_codes[..., 3:4]]
        return autograd.cat(corners, dim=-1)


def retrieve_out_channels(model, size: tuple[int, int]) -> list[int]:
    """The channels of each output of ``model`` (a tensor or a dict of them), from one zero image of
    ``size = (width, height)`` run in eval mode without gradients; the mode is restored after.

    Cost: one forward pass of ``model`` on a ``(1, 3, height, width)`` image.
    """
    was_training = model.training
    model.eval()
    try:
        with autograd.no_grad():
            features = model(autograd.zeros(1, 3, size[1], size[0]))
    finally:
        model.train(was_training)
    if isinstance(features, Tensor):
        features = {"0": features}
    return [int(feature.shape[1]) for feature in features.values()]
