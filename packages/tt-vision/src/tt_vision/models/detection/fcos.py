"""FCOS, torchvision's one-stage anchor-free detector (``models.detection.fcos``).

Each feature-map position is a point: the :class:`AnchorGenerator` gives one square "anchor" per
position, its side the level's stride (8 … 128), and only its centre and size are used.
:class:`FCOSHead` runs two towers of ``num_convs`` 3×3 convolutions + ``GroupNorm(32)`` + ReLU and
predicts per point ``num_classes`` logits (:class:`FCOSClassificationHead`), four distances
``relu(·)`` from the point to the box's sides in units of the stride (:class:`FCOSRegressionHead`,
decoded by :class:`BoxLinearCoder`) and a centerness logit.

Matching (training), per image, a point goes to a ground-truth box when all of: its centre is
within ``center_sampling_radius · stride`` of the box's centre on both axes (Chebyshev), it lies
strictly inside the box, and the largest of its four distances to the box's sides is in
``(4 · stride, 8 · stride)`` (the first level has no lower bound, the last no upper bound).
Among the boxes it could take, the smallest in area wins (the score ``1e8 - area`` in float32,
as torchvision, so areas closer than its resolution tie and the first box wins); otherwise -1.

Losses, each divided by the number of foreground points of the batch (at least 1):
``classification`` the focal loss over every point and class; ``bbox_regression`` the GIoU loss
of the decoded boxes of the foreground points; ``bbox_ctrness`` the binary cross-entropy of the
centerness logit against ``sqrt(min(l, r) / max(l, r) · min(t, b) / max(t, b))`` of the
matched box's distances.

Evaluation: scores ``sqrt(sigmoid(class logit) · sigmoid(centerness logit))``, then as RetinaNet
(per level above ``score_thresh`` and the ``topk_candidates`` best, decode, clip, NMS per class,
``detections_per_img``).

Cost: the towers (``2 · num_convs · 9 · C²`` multiply-adds per point) dominate; matching
``O(G · points)`` for ``G`` boxes; loops over images and levels only.
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_nn.functional as F
from tt_autograd import Tensor
from tt_nn import init

from ...layers import BatchNorm2d, Conv2d
from ...ops import generalized_box_iou_loss, sigmoid_focal_loss
from ..builders import register_model
from . import det_utils
from .anchor_utils import AnchorGenerator
from .one_stage import OneStageDetector, checked_weights, resnet50_fpn_p3_p7
from .retinanet import predictor, rows_per_anchor


def group_norm_32(channels: int) -> nn.GroupNorm:
    """The FCOS towers' default normalisation, ``GroupNorm(32, channels)``."""
    return nn.GroupNorm(32, channels)


def tower(in_channels: int, num_convs: int, norm_layer) -> nn.Sequential:
    """``num_convs`` × (3×3 convolution, ``norm_layer``, ReLU) keyed ``conv.{3i}.*``, ``conv.{3i+1}.*``."""
    layers = []
    for _ in range(num_convs):
        conv = Conv2d(in_channels, in_channels, kernel_size=3, stride=1, padding=1)
        init.normal_(conv.weight, std=0.01)
        init.constant_(conv.bias, 0)
        layers += [conv, (norm_layer or group_norm_32)(in_channels), nn.ReLU()]
    return nn.Sequential(*layers)


class FCOSClassificationHead(nn.Module):
    """``num_classes`` logits per point: a :func:`tower`, then a 3×3 convolution (bias ``-log((1 - p) / p)``).

    Shape: ``forward(x)``, ``x`` a list of ``(N, C, H_i, W_i)`` -> ``(N, sum_i H_i · W_i · A, K)``.
    """

    def __init__(
        self, in_channels, num_anchors, num_classes, num_convs=4, prior_probability=0.01, norm_layer=None
    ):
        super().__init__()
        self.num_classes = num_classes
        self.num_anchors = num_anchors
        self.conv = tower(in_channels, num_convs, norm_layer)
        bias = -math.log((1 - prior_probability) / prior_probability)
        self.cls_logits = predictor(in_channels, num_anchors * num_classes, bias)

    def forward(self, x: list[Tensor]) -> Tensor:
        return autograd.cat(
            [rows_per_anchor(self.cls_logits(self.conv(f)), self.num_classes) for f in x], dim=1
        )


class FCOSRegressionHead(nn.Module):
    """Per point four non-negative side distances (``relu``) and a centerness logit, from one :func:`tower`.

    Shape: ``forward(x)`` -> (``(N, R, 4)``, ``(N, R, 1)``), ``R = sum_i H_i · W_i · A``.
    Keys ``conv.*``, ``bbox_reg.*``, ``bbox_ctrness.*``.
    """

    def __init__(self, in_channels, num_anchors, num_convs=4, norm_layer=None):
        super().__init__()
        self.conv = tower(in_channels, num_convs, norm_layer)
        self.bbox_reg = predictor(in_channels, num_anchors * 4, 0.0)
        self.bbox_ctrness = predictor(in_channels, num_anchors, 0.0)

    def forward(self, x: list[Tensor]) -> tuple[Tensor, Tensor]:
        regression, centerness = [], []
        for feature in x:
            tower_output = self.conv(feature)
            regression.append(rows_per_anchor(F.relu(self.bbox_reg(tower_output)), 4))
            centerness.append(rows_per_anchor(self.bbox_ctrness(tower_output), 1))
        return autograd.cat(regression, dim=1), autograd.cat(centerness, dim=1)


def centerness_targets(distances: np.ndarray) -> np.ndarray:
    """``sqrt(min(l, r) / max(l, r) · min(t, b) / max(t, b))`` of ``(..., 4)`` distances ``(l, t, r, b)``."""
    left_right, top_bottom = distances[..., [0, 2]], distances[..., [1, 3]]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (left_right.min(-1) / left_right.max(-1)) * (top_bottom.min(-1) / top_bottom.max(-1))
        return np.sqrt(ratio)


class FCOSHead(nn.Module):
    """:class:`FCOSClassificationHead` and :class:`FCOSRegressionHead`, and FCOS's three losses.

    Shape: ``forward(x)`` -> ``{"cls_logits": (N, R, K), "bbox_regression": (N, R, 4),
    "bbox_ctrness": (N, R, 1)}``.
    """

    def __init__(self, in_channels, num_anchors, num_classes, num_convs=4):
        super().__init__()
        self.box_coder = det_utils.BoxLinearCoder(normalize_by_size=True)
        self.classification_head = FCOSClassificationHead(in_channels, num_anchors, num_classes, num_convs)
        self.regression_head = FCOSRegressionHead(in_channels, num_anchors, num_convs)

    def compute_loss(self, targets, head_outputs, anchors, matched_idxs) -> dict[str, Tensor]:
        """The three losses over the batch (module doc), from each point's matched box index (-1: none)."""
        cls_logits = head_outputs["cls_logits"]
        dtype = np.dtype(cls_logits.dtype.numpy)
        matched = np.stack([m.numpy() for m in matched_idxs])  # (N, R)
        gt_boxes = np.zeros(matched.shape + (4,), dtype=dtype)
        gt_classes = np.full(matched.shape, -1, dtype=np.int64)
        for image, (target, image_matched) in enumerate(zip(targets, matched)):
            if len(target["labels"]) > 0:
                index = image_matched.clip(min=0)
                gt_boxes[image] = target["boxes"].numpy()[index]
                gt_classes[image] = target["labels"].numpy()[index]
        gt_classes[matched < 0] = -1
        foreground = gt_classes >= 0
        num_foreground = max(1, int(foreground.sum()))
        classes = np.zeros(tuple(cls_logits.shape), dtype=dtype)
        classes[foreground, gt_classes[foreground]] = 1
        loss_cls = sigmoid_focal_loss(cls_logits, autograd.tensor(classes), reduction="sum")
        anchors = autograd.stack(list(anchors))
        fg = autograd.tensor(foreground)
        pred_boxes = self.box_coder.decode(head_outputs["bbox_regression"], anchors)
        loss_box = generalized_box_iou_loss(
            pred_boxes[fg], autograd.tensor(gt_boxes[foreground]), reduction="sum"
        )
        distances = self.box_coder.encode(anchors, autograd.tensor(gt_boxes)).numpy()
        centerness = autograd.tensor(centerness_targets(distances)[foreground].astype(dtype))
        predicted = head_outputs["bbox_ctrness"][..., 0][fg]
        loss_ctr = F.binary_cross_entropy_with_logits(predicted, centerness, reduction="sum")
        return {
            "classification": loss_cls / num_foreground,
            "bbox_regression": loss_box / num_foreground,
            "bbox_ctrness": loss_ctr / num_foreground,
        }

    def forward(self, x: list[Tensor]) -> dict[str, Tensor]:
        regression, centerness = self.regression_head(x)
        return {
            "cls_logits": self.classification_head(x),
            "bbox_regression": regression,
            "bbox_ctrness": centerness,
        }


def match_points(
    gt_boxes: np.ndarray, anchors: np.ndarray, num_anchors_per_level: list[int], radius: float
) -> np.ndarray:
    """Each point's ground-truth box index or -1 (module doc). ``(G, 4)``, ``(R, 4)`` -> ``(R,)``."""
    centres = (gt_boxes[:, :2] + gt_boxes[:, 2:]) / 2
    points = (anchors[:, :2] + anchors[:, 2:]) / 2
    strides = anchors[:, 2] - anchors[:, 0]
    match = np.abs(points[:, None, :] - centres[None, :, :]).max(axis=2) < radius * strides[:, None]
    x, y = points[:, 0:1], points[:, 1:2]
    distances = np.stack(
        [x - gt_boxes[:, 0], y - gt_boxes[:, 1], gt_boxes[:, 2] - x, gt_boxes[:, 3] - y], axis=2
    )
    match &= distances.min(axis=2) > 0
    lower, upper = strides * 4, strides * 8
    lower[: num_anchors_per_level[0]] = 0
    upper[-num_anchors_per_level[-1] :] = np.inf
    largest = distances.max(axis=2)
    match &= (largest > lower[:, None]) & (largest < upper[:, None])
    areas = ((gt_boxes[:, 2] - gt_boxes[:, 0]) * (gt_boxes[:, 3] - gt_boxes[:, 1])).astype(np.float32)
    quality = match.astype(np.float32) * (np.float32(1e8) - areas)[None, :]
    matched = quality.argmax(axis=1).astype(np.int64)
    matched[quality.max(axis=1) < 1e-5] = -1
    return matched


class FCOS(OneStageDetector):
    """FCOS (Tian et al., 2019): a backbone, one point per position, an :class:`FCOSHead`.

    Args:
        backbone: a module with ``out_channels`` returning a tensor or a dict of feature maps.
        num_classes: classes, background included.
        min_size, max_size, image_mean, image_std, ``**kwargs``: :class:`GeneralizedRCNNTransform`'s.
        anchor_generator: one anchor per position (refused otherwise); default sizes 8, 16, 32,
            64, 128 (the strides of P3-P7), ratio 1.
        head: default ``FCOSHead(backbone.out_channels, 1, num_classes)``.
        center_sampling_radius: the matching's radius, in strides (1.5).
        score_thresh, nms_thresh, detections_per_img, topk_candidates: evaluation (module doc).

    Shape: as :class:`RetinaNet`; training returns ``{"classification", "bbox_regression", "bbox_ctrness"}``.
    """

    def __init__(
        self,
        backbone,
        num_classes,
        min_size=800,
        max_size=1333,
        image_mean=None,
        image_std=None,
        anchor_generator=None,
        head=None,
        center_sampling_radius=1.5,
        score_thresh=0.2,
        nms_thresh=0.6,
        detections_per_img=100,
        topk_candidates=1000,
        **kwargs,
    ):
        if anchor_generator is None:
            anchor_generator = AnchorGenerator(((8,), (16,), (32,), (64,), (128,)), ((1.0,),) * 5)
        super().__init__(
            backbone, anchor_generator, min_size, max_size, image_mean, image_std, score_thresh, nms_thresh,
            detections_per_img, topk_candidates, kwargs,
        )  # fmt: skip
        per_position = anchor_generator.num_anchors_per_location()[0]
        if per_position != 1:
            raise ValueError(
                f"FCOS: anchor_generator.num_anchors_per_location()[0] should be 1 (one point per position), "
                f"got {per_position}; give one size and the ratio 1.0 per level"
            )
        self.head = FCOSHead(backbone.out_channels, 1, num_classes) if head is None else head
        self.box_coder = det_utils.BoxLinearCoder(normalize_by_size=True)
        self.center_sampling_radius = center_sampling_radius

    def compute_loss(self, targets, head_outputs, anchors, num_anchors_per_level) -> dict[str, Tensor]:
        """Match every image's points (:func:`match_points`; all -1 without boxes), then the head's losses."""
        matched_idxs = []
        for anchors_per_image, target in zip(anchors, targets):
            if target["boxes"].numel() == 0:
                matched = np.full(anchors_per_image.shape[0], -1, dtype=np.int64)
            else:
                boxes, points = target["boxes"].detach().numpy(), anchors_per_image.numpy()
                matched = match_points(boxes, points, num_anchors_per_level, self.center_sampling_radius)
            matched_idxs.append(autograd.tensor(matched))
        return self.head.compute_loss(targets, head_outputs, anchors, matched_idxs)

    def training_losses(self, targets, head_outputs, anchors, positions_per_level) -> dict[str, Tensor]:
        return self.compute_loss(targets, head_outputs, anchors, positions_per_level)

    def level_scores(self, head_outputs, level: int, image: int) -> np.ndarray:
        """``sqrt(sigmoid(class logit) · sigmoid(centerness logit))``, ``(R_i, K)``."""
        classes = autograd.sigmoid(head_outputs["cls_logits"][level][image].detach())
        return autograd.sqrt(
            classes * autograd.sigmoid(head_outputs["bbox_ctrness"][level][image].detach())
        ).numpy()

    def decode_boxes(self, codes: Tensor, anchors: Tensor) -> Tensor:
        return self.box_coder.decode(codes, anchors)


@register_model()
def fcos_resnet50_fpn(
    *, weights=None, progress: bool = True, num_classes: int | None = None, weights_backbone=None,
    trainable_backbone_layers: int | None = None, **kwargs,
) -> FCOS:  # fmt: skip
    """FCOS on a ResNet-50 + FPN (P3-P7, ``LastLevelP6P7(256, 256)``): 32,322,720 parameters, 91 classes.

    (torchvision publishes 32,269,600, with ``FrozenBatchNorm2d``; see ``retinanet_resnet50_fpn``.)

    Arguments as :func:`~tt_vision.models.detection.retinanet.retinanet_resnet50_fpn`'s (``weights`` and
    ``weights_backbone`` must be None; ``**kwargs`` are :class:`FCOS`'s).
    """
    checked_weights("fcos_resnet50_fpn", weights, weights_backbone, kwargs)
    backbone = resnet50_fpn_p3_p7(trainable_backbone_layers, 256, BatchNorm2d)
    return FCOS(backbone, 91 if num_classes is None else num_classes, **kwargs)
