"""Faster R-CNN's second stage, as torchvision's ``models.detection.roi_heads`` (box and mask paths).

:class:`RoIHeads` pools each proposal's features (``box_roi_pool``, e.g. ``MultiScaleRoIAlign``),
runs the box head and the predictor (:mod:`.box_heads`), then:

* in training mode (targets given): the ground-truth boxes join each image's proposals; every
  proposal is matched to a ground truth by IoU (:class:`Matcher`, ``fg_iou_thresh``,
  ``bg_iou_thresh``, no low-quality matches) and labelled with its class, 0 (background, below
  ``bg_iou_thresh``) or -1 (ignored, between the thresholds); ``batch_size_per_image`` of them are
  sampled (:class:`BalancedPositiveNegativeSampler`) and the matched boxes encoded against them
  (:class:`BoxCoder`, weights ``(10, 10, 5, 5)`` by default). Only the sampled RoIs go through the
  heads, and :func:`fastrcnn_loss` gives ``{"loss_classifier", "loss_box_reg"}``;
* in evaluation mode: each RoI's codes are decoded once per class, the logits soft-maxed, the
  boxes clipped to the image; the background column is dropped and every (RoI, class) pair becomes
  a candidate; candidates with score ``<= score_thresh`` or a side below ``1e-2`` go, NMS runs
  within each class (``nms_thresh``) and the ``detections_per_img`` best stay: a list of
  ``{"boxes": (D, 4), "labels": (D,) int64, "scores": (D,)}``.

With a mask branch (``mask_roi_pool``, ``mask_head``, ``mask_predictor``: Mask R-CNN), the
positive sampled RoIs (training) or the detections (evaluation) are pooled again and give
``(R, K, M, M)`` mask logits: in training :func:`maskrcnn_loss` (``"loss_mask"``: binary
cross-entropy with logits of each RoI's mask for its class against its ground truth's mask
cropped to the RoI, :func:`project_masks_on_boxes`), in evaluation :func:`maskrcnn_inference`
(each detection's ``"masks"``: ``(D, 1, M, M)`` probabilities for its class). The keypoint branch
(``keypoint_roi_pool``, ``keypoint_head``, ``keypoint_predictor``: Keypoint R-CNN) pools the same RoIs
to ``(R, K, S, S)`` heatmap logits: :func:`~.roi_keypoints.keypointrcnn_loss` in training
(``"loss_keypoint"``), :func:`~.roi_keypoints.keypointrcnn_inference` in evaluation (``"keypoints"``
``(D, K, 3)`` and ``"keypoints_scores"`` ``(D, K)``); those functions live in :mod:`.roi_keypoints`.

Cost: the pooling and the heads dominate; matching ``O(G · P)`` for ``G`` ground truths and ``P``
proposals; postprocessing one softmax over ``(R, K)`` and NMS over at most ``R · (K - 1)``
candidates; the mask targets one ``M × M`` RoI Align of a ground-truth mask per positive RoI.
Loops over images only.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_nn.functional as F
from tt_autograd import Tensor

from ...ops import batched_nms, box_iou, clip_boxes_to_image, remove_small_boxes, roi_align
from . import det_utils
from .paste_masks import expand_boxes, expand_masks, paste_masks_in_image  # noqa: F401  (torchvision's path)
from .roi_keypoints import (  # all four also reachable under torchvision's path, roi_heads
    heatmaps_to_keypoints,  # noqa: F401
    keypointrcnn_inference,
    keypointrcnn_loss,
    keypoints_to_heatmap,  # noqa: F401
)


def fastrcnn_loss(
    class_logits: Tensor, box_regression: Tensor, labels: list[Tensor], regression_targets: list[Tensor]
) -> tuple[Tensor, Tensor]:
    """Fast R-CNN's two losses over the sampled RoIs of every image.

    Args:
        class_logits: ``(R, K)``, ``K`` classes with the background at 0.
        box_regression: ``(R, 4K)``, the codes of every class.
        labels: per image ``(R_i,)`` int64, ``sum R_i = R``.
        regression_targets: per image ``(R_i, 4)``, the encoded matched ground truths.

    Returns ``(classification_loss, box_loss)``: the mean cross-entropy over all ``R`` RoIs, and the
    smooth-L1 (``beta = 1/9``) between the positives' codes *for their own class* and their targets,
    summed and divided by ``R`` (not by the positives). Both are differentiable w.r.t. the first two.

    Example (two classes with equal logits: the cross-entropy is ``log 2``; no positive, no box loss):
        >>> labels, targets = [autograd.tensor([0])], [autograd.zeros(1, 4)]
        >>> loss = fastrcnn_loss(autograd.zeros(1, 2), autograd.zeros(1, 8), labels, targets)
        >>> round(float(loss[0]), 4), float(loss[1])
        (0.6931, 0.0)
    """
    labels = autograd.cat(list(labels))
    regression_targets = autograd.cat(list(regression_targets))
    rois, num_classes = class_logits.shape
    if tuple(box_regression.shape) != (rois, 4 * num_classes) or labels.shape[0] != rois:
        raise ValueError(
            f"fastrcnn_loss: class_logits {tuple(class_logits.shape)} need box_regression (R, 4K) = "
            f"{(rois, 4 * num_classes)} and {rois} labels, "
            f"got {tuple(box_regression.shape)} and {labels.shape[0]}"
        )
    classification_loss = F.cross_entropy(class_logits, labels)
    label_values = labels.numpy()
    positive = np.flatnonzero(label_values > 0)
    rows = autograd.tensor(positive * num_classes + label_values[positive])  # (RoI, its class) rows
    box_loss = F.smooth_l1_loss(
        box_regression.reshape(rois * num_classes, 4)[rows],
        regression_targets[autograd.tensor(positive)],
        beta=1 / 9,
        reduction="sum",
    )
    return classification_loss, box_loss / rois


def project_masks_on_boxes(gt_masks: Tensor, boxes: Tensor, matched_idxs: Tensor, M: int) -> Tensor:  # noqa: N803
    """Each box's crop of its matched ground-truth mask, resampled to ``M × M`` (the mask targets).

    ``gt_masks`` ``(G, H, W)`` (0/1, any dtype), ``boxes`` ``(P, 4)`` in image coordinates,
    ``matched_idxs`` ``(P,)`` -> ``(P, M, M)`` in ``boxes``' dtype: ``roi_align`` of mask
    ``matched_idxs[i]`` over box ``i`` (scale 1, adaptive sampling, not aligned: torchvision's).
    """
    rois = autograd.cat([matched_idxs.to(dtype=boxes.dtype).reshape(-1, 1), boxes], dim=1)
    return roi_align(gt_masks.to(dtype=boxes.dtype).unsqueeze(1), rois, (M, M), 1.0)[:, 0]


def maskrcnn_loss(
    mask_logits: Tensor,
    proposals: list[Tensor],
    gt_masks: list[Tensor],
    gt_labels: list[Tensor],
    mask_matched_idxs: list[Tensor],
) -> Tensor:
    """Mask R-CNN's mask loss: binary cross-entropy with logits of each positive RoI's mask for its class.

    Args:
        mask_logits: ``(P, K, M, M)``, one ``M × M`` mask per class for each positive RoI.
        proposals: per image, the positive RoIs ``(P_i, 4)`` (``sum P_i = P``).
        gt_masks: per image, the ground-truth masks ``(G_i, H, W)``.
        gt_labels: per image, the ground truths' classes ``(G_i,)``.
        mask_matched_idxs: per image, each positive RoI's ground truth ``(P_i,)``.

    The target of a RoI is its ground truth's mask cropped to the RoI (:func:`project_masks_on_boxes`);
    the loss is the mean over ``P · M · M`` pixels, ``0 · sum(mask_logits)`` with no positive RoI
    (so that it stays in the graph). Differentiable w.r.t. ``mask_logits``.
    """
    size = mask_logits.shape[-1]
    labels = np.concatenate(
        [lab.numpy()[idxs.numpy()] for lab, idxs in zip(gt_labels, mask_matched_idxs)]
    ).astype(np.int64)
    targets = autograd.cat(
        [project_masks_on_boxes(m, p, i, size) for m, p, i in zip(gt_masks, proposals, mask_matched_idxs)]
    )
    if targets.numel() == 0:
        return mask_logits.sum() * 0
    rois, classes = mask_logits.shape[:2]
    chosen = mask_logits.reshape(rois * classes, size, size)[
        autograd.tensor(np.arange(rois) * classes + labels)
    ]
    return F.binary_cross_entropy_with_logits(chosen, targets)


def maskrcnn_inference(x: Tensor, labels: list[Tensor]) -> list[Tensor]:
    """Per image, each detection's mask probabilities for its own class: ``(D_i, 1, M, M)``.

    ``x`` ``(D, K, M, M)`` mask logits of every detection (``D = sum D_i``), ``labels`` per image ``(D_i,)``.
    """
    rois, classes = x.shape[:2]
    counts = [int(lab.shape[0]) for lab in labels]
    chosen = np.arange(rois) * classes + np.concatenate([lab.numpy() for lab in labels]).astype(np.int64)
    probabilities = autograd.sigmoid(x).reshape(rois * classes, 1, *x.shape[2:])[autograd.tensor(chosen)]
    return list(probabilities.split(counts, 0))


class RoIHeads(nn.Module):
    """Pooling, box head and predictor on the proposals; Fast R-CNN's losses or its detections.

    Args:
        box_roi_pool: pools ``(features, proposals, image_shapes)`` to ``(R, C, h, w)``
            (``MultiScaleRoIAlign``).
        box_head: ``(R, C, h, w)`` -> ``(R, D)`` (:class:`TwoMLPHead`, :class:`FastRCNNConvFCHead`).
        box_predictor: ``(R, D)`` -> (``(R, K)`` logits, ``(R, 4K)`` codes) (:class:`FastRCNNPredictor`).
        fg_iou_thresh: a proposal with IoU ``>=`` this with some ground truth is positive.
        bg_iou_thresh: below this with every ground truth, background; in between, ignored.
        batch_size_per_image, positive_fraction: the sampler's (RoIs per image in the loss,
            largest share of positives).
        bbox_reg_weights: the box coder's ``(wx, wy, ww, wh)``; ``None``: ``(10, 10, 5, 5)``.
        score_thresh: detections scoring at most this are dropped.
        nms_thresh: NMS's IoU threshold (within each class).
        detections_per_img: the most detections returned per image.
        mask_roi_pool, mask_head, mask_predictor: the mask branch, on when all three are given:
            the pool (e.g. ``MultiScaleRoIAlign`` 14×14), ``(R, C, m, m)`` -> features, features ->
            ``(R, K, M, M)`` logits.
        keypoint_roi_pool, keypoint_head, keypoint_predictor: the keypoint branch, on when all three
            are given: the pool (e.g. ``MultiScaleRoIAlign`` 14×14), features, ``(R, K, S, S)`` logits.

    Shape:
        ``forward(features, proposals, image_shapes, targets=None)``: ``features`` a dict of
        ``(N, C, H_i, W_i)``, ``proposals`` ``N`` tensors ``(P_i, 4)``, ``image_shapes`` ``N``
        ``(height, width)``, ``targets`` ``N`` dicts ``{"boxes": (G_i, 4) float, "labels": (G_i,) int64}``
        (and ``"masks": (G_i, H, W)`` with a mask branch, ``"keypoints": (G_i, K, 3)`` float32 with a
        keypoint branch) -> (detections, losses): in training mode
        ``([], {"loss_classifier", "loss_box_reg"})`` (and ``"loss_mask"``, ``"loss_keypoint"``), else
        (``N`` dicts of boxes/labels/scores (and masks, keypoints/keypoints_scores), ``{}``).

    Example:
        >>> from tt_vision.models.detection import FastRCNNPredictor, TwoMLPHead
        >>> from tt_vision.ops import MultiScaleRoIAlign
        >>> pool, head = MultiScaleRoIAlign(["0"], 7, 2), TwoMLPHead(4 * 49, 16)
        >>> heads = RoIHeads(pool, head, FastRCNNPredictor(16, 3), 0.5, 0.5, 64, 0.25, None, 0.05, 0.5, 10)
        >>> features = {"0": autograd.randn(1, 4, 8, 8)}
        >>> proposals = [autograd.tensor([[0.0, 0.0, 16.0, 16.0]])]
        >>> target = {"boxes": autograd.tensor([[2.0, 2.0, 20.0, 24.0]]), "labels": autograd.tensor([1])}
        >>> sorted(heads(features, proposals, [(32, 32)], [target])[1])
        ['loss_box_reg', 'loss_classifier']
        >>> detections, losses = heads.eval()(features, proposals, [(32, 32)])
        >>> sorted(detections[0]), detections[0]["labels"].dtype, losses
        (['boxes', 'labels', 'scores'], tt.int64, {})
    """

    def __init__(
        self,
        box_roi_pool: nn.Module,
        box_head: nn.Module,
        box_predictor: nn.Module,
        fg_iou_thresh: float,
        bg_iou_thresh: float,
        batch_size_per_image: int,
        positive_fraction: float,
        bbox_reg_weights: tuple[float, float, float, float] | None,
        score_thresh: float,
        nms_thresh: float,
        detections_per_img: int,
        mask_roi_pool: nn.Module | None = None,
        mask_head: nn.Module | None = None,
        mask_predictor: nn.Module | None = None,
        keypoint_roi_pool: nn.Module | None = None,
        keypoint_head: nn.Module | None = None,
        keypoint_predictor: nn.Module | None = None,
    ) -> None:
        super().__init__()
        self.box_similarity = box_iou
        self.proposal_matcher = det_utils.Matcher(
            fg_iou_thresh, bg_iou_thresh, allow_low_quality_matches=False
        )
        self.fg_bg_sampler = det_utils.BalancedPositiveNegativeSampler(
            batch_size_per_image, positive_fraction
        )
        if bbox_reg_weights is None:
            bbox_reg_weights = (10.0, 10.0, 5.0, 5.0)
        self.box_coder = det_utils.BoxCoder(bbox_reg_weights)
        self.box_roi_pool = box_roi_pool
        self.box_head = box_head
        self.box_predictor = box_predictor
        self.score_thresh = score_thresh
        self.nms_thresh = nms_thresh
        self.detections_per_img = detections_per_img
        self.mask_roi_pool = mask_roi_pool
        self.mask_head = mask_head
        self.mask_predictor = mask_predictor
        self.keypoint_roi_pool = keypoint_roi_pool
        self.keypoint_head = keypoint_head
        self.keypoint_predictor = keypoint_predictor

    def has_mask(self) -> bool:
        """Whether the mask branch's pool, head and predictor are all given."""
        return None not in (self.mask_roi_pool, self.mask_head, self.mask_predictor)

    def has_keypoint(self) -> bool:
        """Whether the keypoint branch's pool, head and predictor are all given."""
        return None not in (self.keypoint_roi_pool, self.keypoint_head, self.keypoint_predictor)

    def assign_targets_to_proposals(
        self, proposals: list[Tensor], gt_boxes: list[Tensor], gt_labels: list[Tensor]
    ) -> tuple[list[Tensor], list[Tensor]]:
        """Per image: each proposal's ground-truth index (0 when unmatched) and label (class, 0, or -1)."""
        matched_idxs, labels = [], []
        for proposals_in_image, gt_boxes_in_image, gt_labels_in_image in zip(proposals, gt_boxes, gt_labels):
            count = proposals_in_image.shape[0]
            if gt_boxes_in_image.numel() == 0:  # a background image: every proposal is background
                matched = np.zeros(count, dtype=np.int64)
                label = np.zeros(count, dtype=np.int64)
            else:
                match = self.proposal_matcher(box_iou(gt_boxes_in_image, proposals_in_image)).numpy()
                matched = np.maximum(match, 0)
                label = gt_labels_in_image.numpy().astype(np.int64)[matched]
                label[match == self.proposal_matcher.BELOW_LOW_THRESHOLD] = 0
                label[match == self.proposal_matcher.BETWEEN_THRESHOLDS] = -1  # the sampler skips -1
            matched_idxs.append(autograd.tensor(matched))
            labels.append(autograd.tensor(label))
        return matched_idxs, labels

    def subsample(self, labels: list[Tensor]) -> list[Tensor]:
        """Per image, the increasing indices of the sampled proposals (positives and negatives)."""
        sampled_pos, sampled_neg = self.fg_bg_sampler(labels)
        return [
            autograd.tensor(np.flatnonzero(pos.numpy() | neg.numpy()).astype(np.int64))
            for pos, neg in zip(sampled_pos, sampled_neg)
        ]

    def add_gt_proposals(self, proposals: list[Tensor], gt_boxes: list[Tensor]) -> list[Tensor]:
        """Each image's proposals followed by its ground-truth boxes."""
        return [autograd.cat([proposal, gt_box]) for proposal, gt_box in zip(proposals, gt_boxes)]

    def check_targets(self, targets: list[dict] | None) -> None:
        """Refuse missing targets or targets without ``boxes``/``labels`` (``ValueError``, as torchvision),
        or, in training with a mask branch, without ``masks``."""
        if targets is None:
            raise ValueError(
                "RoIHeads: targets should not be None in training mode; pass them or call .eval()"
            )
        training_keys = ("masks",) if self.has_mask() and self.training else ()  # eval needs no masks
        for key in ("boxes", "labels") + training_keys:
            if not all(key in t for t in targets):
                raise ValueError(f"RoIHeads: every element of targets should have a {key} key")
        if self.has_keypoint() and self.training and not all("keypoints" in t for t in targets):
            raise KeyError(  # torchvision's error here is a bare KeyError: 'keypoints'
                "keypoints: RoIHeads with a keypoint branch needs (G_i, K, 3) 'keypoints' in every target "
                "in training mode"
            )

    def select_training_samples(self, proposals: list[Tensor], targets: list[dict] | None):
        """The sampled proposals, their matched indices, labels and regression targets, per image."""
        self.check_targets(targets)
        dtype = proposals[0].dtype
        gt_boxes = [t["boxes"].to(dtype=dtype) for t in targets]
        gt_labels = [t["labels"] for t in targets]
        proposals = self.add_gt_proposals(proposals, gt_boxes)
        matched_idxs, labels = self.assign_targets_to_proposals(proposals, gt_boxes, gt_labels)
        sampled_inds = self.subsample(labels)
        matched_gt_boxes = []
        for img_id, inds in enumerate(sampled_inds):
            proposals[img_id] = proposals[img_id][inds]
            labels[img_id] = labels[img_id][inds]
            matched_idxs[img_id] = matched_idxs[img_id][inds]
            boxes = gt_boxes[img_id]
            if boxes.numel() == 0:  # encode against a dummy box: these RoIs are all background
                boxes = autograd.zeros(1, 4, dtype=dtype)
            matched_gt_boxes.append(boxes[matched_idxs[img_id]])
        with np.errstate(divide="ignore"):  # a background image's dummy box has log(0) codes, never used
            regression_targets = self.box_coder.encode(matched_gt_boxes, proposals)
        return proposals, matched_idxs, labels, regression_targets

    def postprocess_detections(
        self,
        class_logits: Tensor,
        box_regression: Tensor,
        proposals: list[Tensor],
        image_shapes: list[tuple[int, int]],
    ) -> tuple[list[Tensor], list[Tensor], list[Tensor]]:
        """Per image, the kept boxes ``(D, 4)``, scores ``(D,)`` and labels ``(D,)`` (module doc)."""
        num_classes = class_logits.shape[-1]
        boxes_per_image = [int(p.shape[0]) for p in proposals]
        pred_boxes = self.box_coder.decode(box_regression, proposals).reshape(-1, num_classes, 4)
        pred_scores = F.softmax(class_logits, -1)
        all_boxes, all_scores, all_labels = [], [], []
        for boxes, scores, image_shape in zip(
            pred_boxes.split(boxes_per_image, 0), pred_scores.split(boxes_per_image, 0), image_shapes
        ):
            labels = np.tile(np.arange(1, num_classes, dtype=np.int64), boxes.shape[0])  # row-major pairs
            boxes = clip_boxes_to_image(boxes, image_shape)[:, 1:].reshape(-1, 4)  # background dropped
            scores = scores[:, 1:].reshape(-1)
            keep = np.flatnonzero(scores.detach().numpy() > self.score_thresh)
            boxes, scores, labels = boxes[autograd.tensor(keep)], scores[autograd.tensor(keep)], labels[keep]
            keep = remove_small_boxes(boxes, min_size=1e-2)
            boxes, scores, labels = boxes[keep], scores[keep], labels[keep.numpy()]
            keep = batched_nms(boxes, scores, autograd.tensor(labels), self.nms_thresh)[
                : self.detections_per_img
            ]
            all_boxes.append(boxes[keep])
            all_scores.append(scores[keep])
            all_labels.append(autograd.tensor(labels[keep.numpy()]))
        return all_boxes, all_scores, all_labels

    def check_target_types(self, targets: list[dict]) -> None:
        """``TypeError`` unless every target's boxes are floating point and its labels int64."""
        for t in targets:
            if not t["boxes"].dtype.is_floating_point:
                raise TypeError(
                    f"RoIHeads: target boxes must be of float type, instead got {t['boxes'].dtype}; "
                    "convert them with .float()"
                )
            if t["labels"].dtype != autograd.int64:
                raise TypeError(
                    f"RoIHeads: target labels must be of int64 type, instead got {t['labels'].dtype}; "
                    "convert them with .long()"
                )
            if self.has_keypoint() and "keypoints" in t and t["keypoints"].dtype != autograd.float32:
                raise TypeError(
                    f"RoIHeads: target keypoints must be of float type, instead got {t['keypoints'].dtype}; "
                    "convert them with .float()"
                )

    def forward(
        self,
        features: dict[str, Tensor],
        proposals: list[Tensor],
        image_shapes: list[tuple[int, int]],
        targets: list[dict] | None = None,
    ) -> tuple[list[dict[str, Tensor]], dict[str, Tensor]]:
        if targets is not None:  # torchvision reads the keys before checking them: a KeyError there
            self.check_targets(targets)
            self.check_target_types(targets)
        if self.training:
            proposals, matched_idxs, labels, regression_targets = self.select_training_samples(
                proposals, targets
            )
        box_features = self.box_roi_pool(features, proposals, image_shapes)
        box_features = self.box_head(box_features)
        class_logits, box_regression = self.box_predictor(box_features)
        if self.training:
            loss_classifier, loss_box_reg = fastrcnn_loss(
                class_logits, box_regression, labels, regression_targets
            )
            result, losses = [], {"loss_classifier": loss_classifier, "loss_box_reg": loss_box_reg}
        else:
            boxes, scores, labels = self.postprocess_detections(
                class_logits, box_regression, proposals, image_shapes
            )
            result = [{"boxes": b, "labels": lab, "scores": s} for b, lab, s in zip(boxes, labels, scores)]
            losses = {}
        if self.has_mask():
            if self.training:  # the positive samples, with their ground truths' masks
                positives = [autograd.tensor(np.flatnonzero(lab.numpy() > 0)) for lab in labels]
                mask_proposals = [p[pos] for p, pos in zip(proposals, positives)]
            else:  # the detections, with their predicted classes
                mask_proposals = [r["boxes"] for r in result]
            mask_logits = self.mask_predictor(
                self.mask_head(self.mask_roi_pool(features, mask_proposals, image_shapes))
            )
            if self.training:
                losses["loss_mask"] = maskrcnn_loss(
                    mask_logits,
                    mask_proposals,
                    [t["masks"] for t in targets],
                    [t["labels"] for t in targets],
                    [m[pos] for m, pos in zip(matched_idxs, positives)],
                )
            else:
                for probabilities, r in zip(
                    maskrcnn_inference(mask_logits, [r["labels"] for r in result]), result
                ):
                    r["masks"] = probabilities
        if self.has_keypoint():
            matched = (matched_idxs, labels) if self.training else None
            self.keypoint_branch(features, proposals, image_shapes, targets, result, losses, matched)
        return result, losses

    def keypoint_branch(self, features, proposals, image_shapes, targets, result, losses, matched) -> None:
        """Keypoint heatmaps of the positive samples (training, ``matched`` = the samples' matched
        indices and labels: ``losses["loss_keypoint"]``) or of the detections (evaluation: each result's
        ``"keypoints"`` ``(D, K, 3)`` and ``"keypoints_scores"`` ``(D, K)``)."""
        if self.training:
            matched_idxs, labels = matched
            positives = [autograd.tensor(np.flatnonzero(lab.numpy() > 0)) for lab in labels]
            keypoint_proposals = [p[pos] for p, pos in zip(proposals, positives)]
        else:
            keypoint_proposals = [r["boxes"] for r in result]
        keypoint_logits = self.keypoint_predictor(
            self.keypoint_head(self.keypoint_roi_pool(features, keypoint_proposals, image_shapes))
        )
        if self.training:
            losses["loss_keypoint"] = keypointrcnn_loss(
                keypoint_logits,
                keypoint_proposals,
                [t["keypoints"] for t in targets],
                [m[pos] for m, pos in zip(matched_idxs, positives)],
            )
            return
        keypoints, scores = keypointrcnn_inference(keypoint_logits, keypoint_proposals)
        for points, point_scores, r in zip(keypoints, scores, result):
            r["keypoints"] = points
            r["keypoints_scores"] = point_scores
