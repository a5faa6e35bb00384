"""The Region Proposal Network of Faster R-CNN, as torchvision's ``models.detection.rpn``.

:class:`RPNHead` runs, on each feature level, a 3×3 convolution + ReLU (``conv_depth`` of them)
and two 1×1 convolutions: ``A`` objectness logits and ``4A`` box codes per position.
:class:`RegionProposalNetwork` turns them into proposals:

1. flatten every level to anchor order (position-major, then anchor: the :class:`AnchorGenerator`'s
   order) and concatenate the levels (:func:`concat_box_prediction_layers`);
2. decode the (detached) codes against the anchors (:class:`BoxCoder`, weights ``(1, 1, 1, 1)``);
3. per image: keep the ``pre_nms_top_n`` best-scoring anchors of each level, clip the boxes to
   the image, drop those with a side below ``1e-3`` and those whose probability
   ``sigmoid(logit)`` is below ``score_thresh``, run NMS within each level (``batched_nms``,
   ``nms_thresh``) and keep the ``post_nms_top_n`` best.

In training mode (``targets`` given) it also returns the two losses: anchors are matched to the
ground-truth boxes by IoU (:class:`Matcher` with ``fg_iou_thresh``, ``bg_iou_thresh`` and the
low-quality matches), ``batch_size_per_image`` of them sampled (:class:`BalancedPositiveNegativeSampler`),
``loss_objectness`` is the mean binary cross-entropy with logits over the sampled anchors, and
``loss_rpn_box_reg`` the smooth-L1 (``beta = 1/9``) of the positives' codes against the
encoded ground truths, summed and divided by the number sampled. The losses are differentiable
w.r.t. the head's outputs; the proposals are not (as torchvision: Faster R-CNN does not
back-propagate through them).

Cost: the head's convolutions; top-k per level ``O(L log L)`` for ``L`` anchors of a level;
NMS on at most ``levels · pre_nms_top_n`` boxes; matching ``O(G · anchors)`` for ``G`` boxes.
Loops over images and levels only.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_nn.functional as F
from tt_autograd import Tensor
from tt_nn import init

from ...layers import Conv2d
from ...ops import batched_nms, box_iou, clip_boxes_to_image, remove_small_boxes
from ...ops.misc import Conv2dNormActivation
from . import det_utils
from .anchor_utils import AnchorGenerator
from .image_list import ImageList


def renamed_version_1_keys(module, state_dict, prefix, local_metadata, *rest) -> None:
    """Load pre-hook: a version-1 ``RPNHead``'s single ``conv.weight``/``conv.bias`` as ``conv.0.0.*``."""
    version = local_metadata.get("version", None)
    if version is None or version < 2:
        for kind in ("weight", "bias"):
            if f"{prefix}conv.{kind}" in state_dict:
                state_dict[f"{prefix}conv.0.0.{kind}"] = state_dict.pop(f"{prefix}conv.{kind}")


class RPNHead(nn.Module):
    """Objectness logits and box codes for ``num_anchors`` anchors at every position of every level.

    Args:
        in_channels: the feature maps' channels.
        num_anchors: anchors per position (``AnchorGenerator.num_anchors_per_location()[0]``).
        conv_depth: how many 3×3 convolution + ReLU blocks come first (default 1).

    Every convolution starts from weights ``N(0, 0.01²)`` and zero bias (torchvision's).
    State-dict keys: ``conv.{i}.0.weight``, ``cls_logits.weight``, ``bbox_pred.weight`` (and biases);
    a version-1 state dict's ``conv.weight`` is read as ``conv.0.0.weight``.

    Shape:
        ``forward(x)`` with ``x`` a list of ``(N, in_channels, H_i, W_i)`` -> (logits: a list of
        ``(N, A, H_i, W_i)``, codes: a list of ``(N, 4A, H_i, W_i)``).
    """

    _version = 2

    def __init__(self, in_channels: int, num_anchors: int, conv_depth: int = 1) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            *(
                Conv2dNormActivation(in_channels, in_channels, kernel_size=3, norm_layer=None)
                for _ in range(conv_depth)
            )
        )
        self.cls_logits = Conv2d(in_channels, num_anchors, kernel_size=1, stride=1)
        self.bbox_pred = Conv2d(in_channels, num_anchors * 4, kernel_size=1, stride=1)
        for layer in self.modules():
            if isinstance(layer, Conv2d):
                init.normal_(layer.weight, std=0.01)
                if layer.bias is not None:
                    init.constant_(layer.bias, 0)
        self.register_load_state_dict_pre_hook(renamed_version_1_keys)

    def forward(self, x: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
        logits, bbox_reg = [], []
        for feature in x:
            t = self.conv(feature)
            logits.append(self.cls_logits(t))
            bbox_reg.append(self.bbox_pred(t))
        return logits, bbox_reg


def permute_and_flatten(layer: Tensor, N: int, A: int, C: int, H: int, W: int) -> Tensor:  # noqa: N803
    """``(N, A·C, H, W)`` -> ``(N, H·W·A, C)``: one row per anchor, in the anchors' order."""
    return layer.reshape(N, -1, C, H, W).permute(0, 3, 4, 1, 2).reshape(N, -1, C)


def concat_box_prediction_layers(
    box_cls: list[Tensor], box_regression: list[Tensor]
) -> tuple[Tensor, Tensor]:
    """Every level's logits and codes as rows: ``(N · anchors, C)`` and ``(N · anchors, 4)``, image-major."""
    flat_cls, flat_regression = [], []
    for cls, regression in zip(box_cls, box_regression):
        n, axc, h, w = cls.shape
        a = regression.shape[1] // 4
        if regression.shape[1] != 4 * a or a == 0 or axc % a:
            raise ValueError(
                f"concat_box_prediction_layers: box codes {tuple(regression.shape)} must have 4 channels per "
                f"anchor and logits {tuple(cls.shape)} a multiple of the anchors"
            )
        flat_cls.append(permute_and_flatten(cls, n, a, axc // a, h, w))
        flat_regression.append(permute_and_flatten(regression, n, a, 4, h, w))
    box_cls = autograd.cat(flat_cls, dim=1).flatten(0, -2)
    box_regression = autograd.cat(flat_regression, dim=1).reshape(-1, 4)
    return box_cls, box_regression


class RegionProposalNetwork(nn.Module):
    """Proposals from anchors and an :class:`RPNHead`; in training mode, also the RPN's two losses.

    Args:
        anchor_generator: an :class:`AnchorGenerator`.
        head: an :class:`RPNHead` (any module with its ``forward``).
        fg_iou_thresh: an anchor with IoU ``>=`` this with a ground-truth box is positive.
        bg_iou_thresh: below this with every ground truth, negative; between the two, ignored.
        batch_size_per_image, positive_fraction: the sampler's (anchors per image in the loss,
            largest share of positives).
        pre_nms_top_n, post_nms_top_n: ``{"training": k, "testing": k}``: anchors kept per level
            before NMS, proposals kept per image after.
        nms_thresh: NMS's IoU threshold.
        score_thresh: proposals with probability below it are dropped (default 0).

    Shape:
        ``forward(images, features, targets=None)``: ``images`` an :class:`ImageList`,
        ``features`` a dict of ``(N, C, H_i, W_i)`` levels, ``targets`` a list of ``{"boxes": (G_i, 4)}``
        -> (a list of ``N`` proposal tensors ``(P_i, 4)``, ``{"loss_objectness", "loss_rpn_box_reg"}``
        in training mode, else ``{}``).
    """

    def __init__(
        self,
        anchor_generator: AnchorGenerator,
        head: nn.Module,
        fg_iou_thresh: float,
        bg_iou_thresh: float,
        batch_size_per_image: int,
        positive_fraction: float,
        pre_nms_top_n: dict[str, int],
        post_nms_top_n: dict[str, int],
        nms_thresh: float,
        score_thresh: float = 0.0,
    ) -> None:
        super().__init__()
        for name, top_n in (("pre_nms_top_n", pre_nms_top_n), ("post_nms_top_n", post_nms_top_n)):
            if not isinstance(top_n, Mapping) or not {"training", "testing"} <= set(top_n):
                raise ValueError(
                    f"RegionProposalNetwork: {name} must be a dict with keys 'training' and 'testing', "
                    f"got {top_n!r}"
                )
        self.anchor_generator = anchor_generator
        self.head = head
        self.box_coder = det_utils.BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
        self.box_similarity = box_iou
        self.proposal_matcher = det_utils.Matcher(fg_iou_thresh, bg_iou_thresh, True)  # low-quality matches
        self.fg_bg_sampler = det_utils.BalancedPositiveNegativeSampler(
            batch_size_per_image, positive_fraction
        )
        self._pre_nms_top_n = pre_nms_top_n
        self._post_nms_top_n = post_nms_top_n
        self.nms_thresh = nms_thresh
        self.score_thresh = score_thresh
        self.min_size = 1e-3

    def pre_nms_top_n(self) -> int:
        return self._pre_nms_top_n["training" if self.training else "testing"]

    def post_nms_top_n(self) -> int:
        return self._post_nms_top_n["training" if self.training else "testing"]

    def assign_targets_to_anchors(self, anchors: list[Tensor], targets: list[dict]) -> tuple[list, list]:
        """Per image: labels ``(A,)`` (1 positive, 0 negative, -1 ignored), matched boxes ``(A, 4)``."""
        labels, matched_gt_boxes = [], []
        for anchors_per_image, target in zip(anchors, targets):
            gt_boxes = target["boxes"]
            count = anchors_per_image.shape[0]
            if gt_boxes.numel() == 0:  # a background image: every anchor negative
                matched_gt_boxes.append(autograd.zeros(count, 4))
                labels.append(autograd.zeros(count))
                continue
            matched_idxs = self.proposal_matcher(self.box_similarity(gt_boxes, anchors_per_image)).numpy()
            matched_gt_boxes.append(gt_boxes[autograd.tensor(np.maximum(matched_idxs, 0))])
            label = (matched_idxs >= 0).astype(np.float32)
            label[matched_idxs == self.proposal_matcher.BETWEEN_THRESHOLDS] = -1.0
            labels.append(autograd.tensor(label))
        return labels, matched_gt_boxes

    def _get_top_n_idx(self, objectness: np.ndarray, num_anchors_per_level: list[int]) -> np.ndarray:
        """``(N, sum_i k_i)``: indices of each level's ``k_i = min(pre_nms_top_n, L_i)`` best."""
        chosen, offset = [], 0
        for count in num_anchors_per_level:
            level = objectness[:, offset : offset + count]
            order = np.argsort(-level, axis=1, kind="stable")[:, : min(self.pre_nms_top_n(), count)]
            chosen.append(order + offset)
            offset += count
        return np.concatenate(chosen, axis=1)

    def filter_proposals(self, proposals: Tensor, objectness: Tensor, image_shapes, num_anchors_per_level):
        """Per image, the proposals kept ``(P_i, 4)`` and their probabilities ``(P_i,)`` (step 3)."""
        num_images = proposals.shape[0]
        scores_all = objectness.detach().numpy().reshape(num_images, -1)
        levels = np.repeat(np.arange(len(num_anchors_per_level)), num_anchors_per_level)
        top_n_idx = self._get_top_n_idx(scores_all, num_anchors_per_level)
        rows = np.arange(num_images)[:, None]
        probabilities = autograd.sigmoid(autograd.tensor(scores_all[rows, top_n_idx]))
        boxes_all = proposals.detach().numpy()[rows, top_n_idx]
        final_boxes, final_scores = [], []
        for boxes, scores, level, image_shape in zip(
            boxes_all, probabilities, levels[top_n_idx], image_shapes
        ):
            boxes = clip_boxes_to_image(autograd.tensor(boxes), image_shape)
            keep = remove_small_boxes(boxes, self.min_size)
            boxes, scores, level = boxes[keep], scores[keep], level[keep.numpy()]
            keep = autograd.tensor(np.flatnonzero(scores.numpy() >= self.score_thresh))
            boxes, scores, level = boxes[keep], scores[keep], level[keep.numpy()]
            keep = batched_nms(boxes, scores, autograd.tensor(level), self.nms_thresh)[
                : self.post_nms_top_n()
            ]
            final_boxes.append(boxes[keep])
            final_scores.append(scores[keep])
        return final_boxes, final_scores

    def compute_loss(
        self, objectness: Tensor, pred_bbox_deltas: Tensor, labels: list, regression_targets: list
    ):
        """``(loss_objectness, loss_rpn_box_reg)`` over the sampled anchors of every image."""
        sampled_pos, sampled_neg = self.fg_bg_sampler(labels)
        positive = np.flatnonzero(np.concatenate([mask.numpy() for mask in sampled_pos]))
        negative = np.flatnonzero(np.concatenate([mask.numpy() for mask in sampled_neg]))
        sampled = np.concatenate([positive, negative])
        labels = autograd.cat(list(labels)).to(dtype=objectness.dtype)
        regression_targets = autograd.cat(list(regression_targets)).to(dtype=pred_bbox_deltas.dtype)
        box_loss = (
            F.smooth_l1_loss(
                pred_bbox_deltas[positive], regression_targets[positive], beta=1 / 9, reduction="sum"
            )
            / sampled.size
        )
        objectness_loss = F.binary_cross_entropy_with_logits(objectness.flatten()[sampled], labels[sampled])
        return objectness_loss, box_loss

    def forward(self, images: ImageList, features: dict[str, Tensor], targets: list[dict] | None = None):
        if not isinstance(features, Mapping):
            raise TypeError(
                "RegionProposalNetwork: features must be a dict of feature maps (name -> (N, C, H, W)), "
                f"got {type(features).__name__}; wrap a single map as {{'0': x}}"
            )
        if self.training and targets is None:
            raise ValueError(
                "RegionProposalNetwork: targets should not be None in training mode; "
                "pass them or call .eval()"
            )
        features = list(features.values())
        objectness, pred_bbox_deltas = self.head(features)
        anchors = self.anchor_generator(images, features)
        num_images = len(anchors)
        num_anchors_per_level = [int(np.prod(o.shape[1:])) for o in objectness]
        objectness, pred_bbox_deltas = concat_box_prediction_layers(objectness, pred_bbox_deltas)
        proposals = self.box_coder.decode(pred_bbox_deltas.detach(), anchors).reshape(num_images, -1, 4)
        boxes, _ = self.filter_proposals(proposals, objectness, images.image_sizes, num_anchors_per_level)
        losses = {}
        if self.training:
            labels, matched_gt_boxes = self.assign_targets_to_anchors(anchors, targets)
            regression_targets = self.box_coder.encode(matched_gt_boxes, anchors)
            loss_objectness, loss_rpn_box_reg = self.compute_loss(
                objectness, pred_bbox_deltas, labels, regression_targets
            )
            losses = {"loss_objectness": loss_objectness, "loss_rpn_box_reg": loss_rpn_box_reg}
        return boxes, losses
