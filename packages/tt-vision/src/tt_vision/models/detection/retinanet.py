"""RetinaNet, torchvision's one-stage anchor detector (``models.detection.retinanet``).

A backbone with ``out_channels`` (a ResNet-50 + FPN with levels P3-P7 in the builders) gives
feature maps; :class:`RetinaNetHead` runs two towers of four 3×3 convolutions (+ ReLU; + a
normalisation with ``norm_layer``) on every level and predicts, per anchor, ``num_classes``
logits (:class:`RetinaNetClassificationHead`) and four box codes (:class:`RetinaNetRegressionHead`,
:class:`BoxCoder` with weights ``(1, 1, 1, 1)``). Rows are in the :class:`AnchorGenerator`'s order
(level, position, anchor).

Training: each anchor is matched to the ground-truth box of highest IoU (:class:`Matcher`: IoU
``>= fg_iou_thresh`` foreground, ``< bg_iou_thresh`` background, between ignored; each box's
best anchors kept whatever their IoU). ``classification`` is the sigmoid focal loss (alpha 0.25,
gamma 2) summed over the anchors not ignored and every class, the target 1 only at a foreground
anchor's class; ``bbox_regression`` the box loss of the foreground anchors (:func:`box_loss`,
``"l1"`` on the codes by default, ``"giou"`` in v2). Each is divided by the image's number of
foreground anchors (at least 1) and averaged over the images.

Evaluation: per image and level, the probabilities ``sigmoid(logit)`` above ``score_thresh``,
the ``topk_candidates`` best of them (one candidate per anchor and class), their boxes decoded
and clipped to the image; then NMS per class over all levels (``batched_nms``) and the
``detections_per_img`` best.

Cost: the towers dominate: ``2 · 4 · 9 · C²`` multiply-adds per position of every level, plus
``9 · C · A · (K + 4)`` for the predictors (``A`` anchors, ``K`` classes). Matching ``O(G · anchors)``;
top-k ``O(L log L)`` per level; NMS on at most ``levels · topk_candidates`` boxes. Loops run over
images and levels only.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_nn.functional as F
from tt_autograd import Tensor
from tt_nn import init

from ...layers import BatchNorm2d, Conv2d
from ...ops import (
    box_iou,
    complete_box_iou_loss,
    distance_box_iou_loss,
    generalized_box_iou_loss,
    sigmoid_focal_loss,
)
from ...ops.misc import Conv2dNormActivation
from ..builders import register_model
from . import det_utils
from .anchor_utils import AnchorGenerator
from .one_stage import OneStageDetector, checked_weights, resnet50_fpn_p3_p7
from .rpn import permute_and_flatten

BOX_LOSSES = ("l1", "smooth_l1", "ciou", "diou", "giou")


def box_loss(kind, box_coder, anchors, matched_gt_boxes, bbox_regression, cnf=None) -> Tensor:
    """The summed loss of ``(F, 4)`` codes against ``(F, 4)`` matched boxes (torchvision's ``_box_loss``).

    ``"l1"`` and ``"smooth_l1"`` (``beta = cnf["beta"]``, default 1) compare the codes with the
    boxes encoded against ``anchors``; ``"giou"``, ``"diou"``, ``"ciou"`` decode the codes and take
    the IoU loss (``eps = cnf["eps"]``, default ``1e-7``).
    """
    if kind not in BOX_LOSSES:
        raise ValueError(f"box_loss: unsupported loss {kind!r}; choose one of {BOX_LOSSES}")
    cnf = cnf or {}
    if kind in ("l1", "smooth_l1"):
        target = box_coder.encode_single(matched_gt_boxes, anchors)
        if kind == "l1":
            return F.l1_loss(bbox_regression, target, reduction="sum")
        return F.smooth_l1_loss(bbox_regression, target, reduction="sum", beta=cnf.get("beta", 1.0))
    boxes = box_coder.decode_single(bbox_regression, anchors)
    iou_loss = {
        "giou": generalized_box_iou_loss,
        "diou": distance_box_iou_loss,
        "ciou": complete_box_iou_loss,
    }
    return iou_loss[kind](boxes, matched_gt_boxes, reduction="sum", eps=cnf.get("eps", 1e-7))


def renamed_version_1_keys(module, state_dict, prefix, local_metadata, *rest) -> None:
    """Load pre-hook: a version-1 head's ``conv.{2i}.*`` (convolutions between ReLUs) as ``conv.{i}.0.*``."""
    version = local_metadata.get("version", None)
    if version is None or version < 2:
        for i in range(4):
            for kind in ("weight", "bias"):
                if f"{prefix}conv.{2 * i}.{kind}" in state_dict:
                    state_dict[f"{prefix}conv.{i}.0.{kind}"] = state_dict.pop(f"{prefix}conv.{2 * i}.{kind}")


def tower(in_channels: int, norm_layer) -> nn.Sequential:
    """Four 3×3 ``Conv2dNormActivation`` (ReLU; ``norm_layer`` if given), weights ``N(0, 0.01²)``, bias 0."""
    conv = nn.Sequential(
        *(Conv2dNormActivation(in_channels, in_channels, norm_layer=norm_layer) for _ in range(4))
    )
    for layer in conv.modules():
        if isinstance(layer, Conv2d):
            init.normal_(layer.weight, std=0.01)
            if layer.bias is not None:
                init.constant_(layer.bias, 0)
    return conv


def predictor(in_channels: int, out_channels: int, bias: float) -> Conv2d:
    """A 3×3 convolution with weights ``N(0, 0.01²)`` and every bias ``bias``."""
    conv = Conv2d(in_channels, out_channels, kernel_size=3, stride=1, padding=1)
    init.normal_(conv.weight, std=0.01)
    init.constant_(conv.bias, bias)
    return conv


def rows_per_anchor(output: Tensor, columns: int) -> Tensor:
    """A level's ``(N, A · columns, H, W)`` prediction as ``(N, H · W · A, columns)``, in anchor order."""
    n, channels, h, w = output.shape
    return permute_and_flatten(output, n, channels // columns, columns, h, w)


class RetinaNetClassificationHead(nn.Module):
    """``num_classes`` logits per anchor: a :func:`tower`, then a 3×3 convolution to ``A · K`` channels.

    Args:
        in_channels, num_anchors, num_classes: ``C``, ``A``, ``K``.
        prior_probability: the logits' bias is ``-log((1 - p) / p)``, so every anchor starts at
            probability ``p`` (0.01) for every class.
        norm_layer: a normalisation after each tower convolution (v2: ``GroupNorm(32, C)``), or None.

    Shape: ``forward(x)``, ``x`` a list of ``(N, C, H_i, W_i)`` -> ``(N, sum_i H_i · W_i · A, K)``.
    State-dict keys ``conv.{i}.0.weight`` (``conv.{i}.1.*`` the norm), ``cls_logits.*``; version 1's
    ``conv.{2i}.*`` are read as ``conv.{i}.0.*``.
    """

    _version = 2

    def __init__(self, in_channels, num_anchors, num_classes, prior_probability=0.01, norm_layer=None):
        super().__init__()
        self.conv = tower(in_channels, norm_layer)
        bias = -math.log((1 - prior_probability) / prior_probability)
        self.cls_logits = predictor(in_channels, num_anchors * num_classes, bias)
        self.num_classes = num_classes
        self.num_anchors = num_anchors
        self.BETWEEN_THRESHOLDS = det_utils.Matcher.BETWEEN_THRESHOLDS
        self.register_load_state_dict_pre_hook(renamed_version_1_keys)

    def compute_loss(self, targets, head_outputs, matched_idxs) -> Tensor:
        """The focal loss per image over the anchors not ignored, over its foreground count; averaged."""
        losses = []
        for target, logits, matched in zip(targets, head_outputs["cls_logits"], matched_idxs):
            matched = matched.numpy()
            foreground = np.flatnonzero(matched >= 0)
            labels = target["labels"].numpy()
            classes = np.zeros(tuple(logits.shape), dtype=np.dtype(logits.dtype.numpy))
            classes[foreground, labels[matched[foreground]]] = 1
            valid = np.flatnonzero(matched != self.BETWEEN_THRESHOLDS)
            loss = sigmoid_focal_loss(logits[valid], autograd.tensor(classes[valid]), reduction="sum")
            losses.append(loss / max(1, foreground.size))
        return sum(losses[1:], losses[0]) / len(targets)

    def forward(self, x: list[Tensor]) -> Tensor:
        return autograd.cat(
            [rows_per_anchor(self.cls_logits(self.conv(f)), self.num_classes) for f in x], dim=1
        )


class RetinaNetRegressionHead(nn.Module):
    """Four box codes per anchor: a :func:`tower`, then a 3×3 convolution to ``4A`` channels (bias 0).

    Args:
        in_channels, num_anchors: ``C``, ``A``.
        norm_layer: as :class:`RetinaNetClassificationHead`'s.

    The loss kind is ``_loss_type`` (``"l1"``; v2 sets ``"giou"``; any of :data:`BOX_LOSSES`).

    Shape: ``forward(x)`` -> ``(N, sum_i H_i · W_i · A, 4)``. Keys ``conv.*``, ``bbox_reg.*``.
    """

    _version = 2

    def __init__(self, in_channels, num_anchors, norm_layer=None):
        super().__init__()
        self.conv = tower(in_channels, norm_layer)
        self.bbox_reg = predictor(in_channels, num_anchors * 4, 0.0)
        self.box_coder = det_utils.BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
        self._loss_type = "l1"
        self.register_load_state_dict_pre_hook(renamed_version_1_keys)

    def compute_loss(self, targets, head_outputs, anchors, matched_idxs) -> Tensor:
        """The box loss per image over its foreground anchors, divided by their count, averaged."""
        losses = []
        for target, regression, anchors_per_image, matched in zip(
            targets, head_outputs["bbox_regression"], anchors, matched_idxs
        ):
            matched = matched.numpy()
            foreground = np.flatnonzero(matched >= 0)
            gt_boxes = target["boxes"][autograd.tensor(matched[foreground])]
            loss = box_loss(
                self._loss_type,
                self.box_coder,
                anchors_per_image[foreground],
                gt_boxes,
                regression[foreground],
            )
            losses.append(loss / max(1, foreground.size))
        return sum(losses[1:], losses[0]) / max(1, len(targets))

    def forward(self, x: list[Tensor]) -> Tensor:
        return autograd.cat([rows_per_anchor(self.bbox_reg(self.conv(f)), 4) for f in x], dim=1)


class RetinaNetHead(nn.Module):
    """The classification and regression heads side by side.

    Shape: ``forward(x)`` -> ``{"cls_logits": (N, R, K), "bbox_regression": (N, R, 4)}``, ``R`` anchors.
    """

    def __init__(self, in_channels, num_anchors, num_classes, norm_layer=None):
        super().__init__()
        self.classification_head = RetinaNetClassificationHead(
            in_channels, num_anchors, num_classes, norm_layer=norm_layer
        )
        self.regression_head = RetinaNetRegressionHead(in_channels, num_anchors, norm_layer=norm_layer)

    def compute_loss(self, targets, head_outputs, anchors, matched_idxs) -> dict[str, Tensor]:
        return {
            "classification": self.classification_head.compute_loss(targets, head_outputs, matched_idxs),
            "bbox_regression": self.regression_head.compute_loss(
                targets, head_outputs, anchors, matched_idxs
            ),
        }

    def forward(self, x: list[Tensor]) -> dict[str, Tensor]:
        return {"cls_logits": self.classification_head(x), "bbox_regression": self.regression_head(x)}


def default_anchor_generator() -> AnchorGenerator:
    """Five levels of sizes ``(s, ⌊s · 2^(1/3)⌋, ⌊s · 2^(2/3)⌋)``, ``s`` = 32 … 512, ratios 0.5, 1, 2."""
    sizes = tuple((s, int(s * 2 ** (1.0 / 3)), int(s * 2 ** (2.0 / 3))) for s in (32, 64, 128, 256, 512))
    return AnchorGenerator(sizes, ((0.5, 1.0, 2.0),) * len(sizes))


class RetinaNet(OneStageDetector):
    """RetinaNet (Lin et al., 2017): a backbone, anchors, a :class:`RetinaNetHead`, focal loss.

    Args:
        backbone: a module with ``out_channels`` returning a tensor or a dict of feature maps.
        num_classes: classes, background included (sigmoid per class: index 0 is scored like any other).
        min_size, max_size, image_mean, image_std: :class:`GeneralizedRCNNTransform`'s (ImageNet's
            mean and std by default); ``**kwargs`` go to it too.
        anchor_generator: default five levels × 9 anchors (:func:`default_anchor_generator`).
        head: default ``RetinaNetHead(backbone.out_channels, anchors per position, num_classes)``.
        proposal_matcher: default ``Matcher(fg_iou_thresh, bg_iou_thresh, allow_low_quality_matches=True)``.
        score_thresh, nms_thresh, detections_per_img, topk_candidates: evaluation (module doc).

    Shape: ``forward(images, targets=None)``, ``images`` a list of ``(3, H_i, W_i)`` in ``[0, 1]``;
    training (targets ``{"boxes": (G_i, 4), "labels": (G_i,)}``) -> ``{"classification",
    "bbox_regression"}``; evaluation -> per image ``{"boxes": (D, 4), "scores": (D,), "labels": (D,)}``
    in the original image's pixels.
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
        proposal_matcher=None,
        score_thresh=0.05,
        nms_thresh=0.5,
        detections_per_img=300,
        fg_iou_thresh=0.5,
        bg_iou_thresh=0.4,
        topk_candidates=1000,
        **kwargs,
    ):
        anchor_generator = default_anchor_generator() if anchor_generator is None else anchor_generator
        super().__init__(
            backbone, anchor_generator, min_size, max_size, image_mean, image_std, score_thresh, nms_thresh,
            detections_per_img, topk_candidates, kwargs,
        )  # fmt: skip
        if head is None:
            anchors_per_position = anchor_generator.num_anchors_per_location()[0]
            head = RetinaNetHead(backbone.out_channels, anchors_per_position, num_classes)
        self.head = head
        if proposal_matcher is None:
            proposal_matcher = det_utils.Matcher(fg_iou_thresh, bg_iou_thresh, allow_low_quality_matches=True)
        self.proposal_matcher = proposal_matcher
        self.box_coder = det_utils.BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))

    def compute_loss(self, targets, head_outputs, anchors) -> dict[str, Tensor]:
        """Match every image's anchors (all -1 for an image without boxes), then the head's losses."""
        matched_idxs = []
        for anchors_per_image, target in zip(anchors, targets):
            if target["boxes"].numel() == 0:
                matched_idxs.append(autograd.tensor(np.full(anchors_per_image.shape[0], -1, dtype=np.int64)))
            else:
                matched_idxs.append(self.proposal_matcher(box_iou(target["boxes"], anchors_per_image)))
        return self.head.compute_loss(targets, head_outputs, anchors, matched_idxs)

    def training_losses(self, targets, head_outputs, anchors, positions_per_level) -> dict[str, Tensor]:
        return self.compute_loss(targets, head_outputs, anchors)

    def level_scores(self, head_outputs, level: int, image: int) -> np.ndarray:
        """``sigmoid`` of the level's ``(R_i, K)`` logits."""
        return autograd.sigmoid(head_outputs["cls_logits"][level][image].detach()).numpy()

    def decode_boxes(self, codes: Tensor, anchors: Tensor) -> Tensor:
        return self.box_coder.decode_single(codes, anchors)


@register_model()
def retinanet_resnet50_fpn(
    *, weights=None, progress: bool = True, num_classes: int | None = None, weights_backbone=None,
    trainable_backbone_layers: int | None = None, **kwargs,
) -> RetinaNet:  # fmt: skip
    """RetinaNet on ResNet-50 + FPN (P3-P7, ``LastLevelP6P7(256, 256)``): 34,068,119 parameters, 91 classes.

    (torchvision's published 34,014,999 is with its pretrained weights' ``FrozenBatchNorm2d``, which
    has no parameters; without weights both build ``BatchNorm2d``, 53,120 parameters more.)

    Args:
        weights, weights_backbone: must be None (:func:`checked_weights`; the backbone is random,
            with ``BatchNorm2d``, as torchvision's without pretrained weights).
        progress: accepted for torchvision's signature; nothing is downloaded.
        num_classes: default 91 (COCO's).
        trainable_backbone_layers: without pretrained weights every stage trains (5; a value warns).
        **kwargs: :class:`RetinaNet`'s.
    """
    checked_weights("retinanet_resnet50_fpn", weights, weights_backbone, kwargs)
    backbone = resnet50_fpn_p3_p7(trainable_backbone_layers, 256, BatchNorm2d)
    return RetinaNet(backbone, 91 if num_classes is None else num_classes, **kwargs)


@register_model()
def retinanet_resnet50_fpn_v2(
    *, weights=None, progress: bool = True, num_classes: int | None = None, weights_backbone=None,
    trainable_backbone_layers: int | None = None, **kwargs,
) -> RetinaNet:  # fmt: skip
    """RetinaNet v2: P6 from C5 (``LastLevelP6P7(2048, 256)``), ``GroupNorm(32)`` heads, GIoU box loss.

    38,198,935 parameters with 91 classes (``BatchNorm2d`` either way); arguments as
    :func:`retinanet_resnet50_fpn`.
    """
    checked_weights("retinanet_resnet50_fpn_v2", weights, weights_backbone, kwargs)
    backbone = resnet50_fpn_p3_p7(trainable_backbone_layers, 2048)
    anchor_generator = default_anchor_generator()
    num_classes = 91 if num_classes is None else num_classes
    head = RetinaNetHead(
        backbone.out_channels,
        anchor_generator.num_anchors_per_location()[0],
        num_classes,
        norm_layer=partial(nn.GroupNorm, 32),
    )
    head.regression_head._loss_type = "giou"
    return RetinaNet(backbone, num_classes, anchor_generator=anchor_generator, head=head, **kwargs)
