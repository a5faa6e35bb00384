"""What RetinaNet and FCOS share (torchvision writes it in each): :class:`OneStageDetector`.

A one-stage detector is a transform (:class:`GeneralizedRCNNTransform`), a backbone with
``out_channels``, an :class:`AnchorGenerator` and a head whose outputs are rows per anchor
(``(N, R, ·)``, the anchors' order). :meth:`OneStageDetector.forward`:

1. checks the training targets (present, ``(G, 4)`` boxes), transforms the images and targets,
   refuses a degenerate target box (torchvision's check), runs the backbone (a tensor is level ``"0"``);
2. runs the head and makes the anchors;
3. training: returns the subclass's :meth:`~OneStageDetector.training_losses`;
4. evaluation: cuts the outputs into levels and, per image and level, takes the subclass's
   :meth:`~OneStageDetector.level_scores` ``(R_i, K)``, the entries above ``score_thresh``, the
   ``topk_candidates`` best (:func:`level_candidates`), decodes their boxes
   (:meth:`~OneStageDetector.decode_boxes`) and clips them to the image; then NMS per class over all
   levels (``batched_nms``), the ``detections_per_img`` best, boxes scaled back to the original image.

Also the builders' shared parts: :func:`checked_weights` and :func:`resnet50_fpn_p3_p7`.

Cost: beyond the backbone and head, top-k ``O(L log L)`` per level of ``L`` scores and NMS on at
most ``levels · topk_candidates`` boxes per image; loops over images and levels only.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
from tt_autograd import Tensor

from ...ops import batched_nms, clip_boxes_to_image
from ...ops.feature_pyramid_network import LastLevelP6P7
from ..builders import refuse_backbone_weights
from ..resnet import resnet50
from .anchor_utils import AnchorGenerator
from .backbone_utils import resnet_fpn_extractor, validate_trainable_layers
from .inputs import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    check_degenerate_boxes,
    check_training_targets,
    original_image_sizes,
)
from .transform import GeneralizedRCNNTransform


def level_candidates(scores: np.ndarray, score_thresh: float, topk_candidates: int):
    """Of ``(L, K)`` scores, the entries above ``score_thresh``, the ``topk_candidates`` best, best first.

    Returns ``(anchor indices, labels, scores)``, each ``(k,)``; equal scores keep their flat order.
    """
    flat = scores.reshape(-1)
    above = np.flatnonzero(flat > score_thresh)
    chosen = above[np.argsort(-flat[above], kind="stable")[:topk_candidates]]
    return chosen // scores.shape[1], chosen % scores.shape[1], flat[chosen]


class OneStageDetector(nn.Module):
    """The skeleton of :class:`RetinaNet` and :class:`FCOS` (module doc).

    A subclass sets ``head`` and defines ``training_losses(targets, head_outputs, anchors,
    positions_per_level)`` (the loss dict), ``level_scores(head_outputs, level, image)`` (an
    ``(R_i, K)`` NumPy array) and ``decode_boxes(codes, anchors)`` (``(k, 4)`` boxes).

    Args:
        backbone: a module with ``out_channels`` returning a tensor or a dict of feature maps.
        anchor_generator: an :class:`AnchorGenerator`.
        min_size, max_size, image_mean, image_std, transform_options: the transform's (ImageNet's
            mean and std when None).
        score_thresh, nms_thresh, detections_per_img, topk_candidates: evaluation's.
    """

    def __init__(
        self,
        backbone,
        anchor_generator,
        min_size,
        max_size,
        image_mean,
        image_std,
        score_thresh,
        nms_thresh,
        detections_per_img,
        topk_candidates,
        transform_options: dict,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if not hasattr(backbone, "out_channels"):
            raise ValueError(
                f"{name}: backbone should have an attribute out_channels, the channels of its feature "
                "maps (the same for every level)"
            )
        if not isinstance(anchor_generator, AnchorGenerator):
            raise TypeError(
                f"{name}: anchor_generator should be an AnchorGenerator or None, "
                f"got {type(anchor_generator).__name__}"
            )
        self.backbone = backbone
        self.anchor_generator = anchor_generator
        image_mean = list(IMAGENET_MEAN) if image_mean is None else image_mean
        image_std = list(IMAGENET_STD) if image_std is None else image_std
        self.transform = GeneralizedRCNNTransform(
            min_size, max_size, image_mean, image_std, **transform_options
        )
        self.score_thresh = score_thresh
        self.nms_thresh = nms_thresh
        self.detections_per_img = detections_per_img
        self.topk_candidates = topk_candidates

    def eager_outputs(self, losses, detections):
        """The losses in training mode, the detections in evaluation mode."""
        return losses if self.training else detections

    def postprocess_detections(self, head_outputs, anchors, image_shapes) -> list[dict[str, Tensor]]:
        """Per image ``{"boxes", "scores", "labels"}`` from outputs and anchors cut into levels."""
        detections = []
        for index, image_shape in enumerate(image_shapes):
            boxes, scores, labels = [], [], []
            for level, level_anchors in enumerate(anchors[index]):
                probabilities = self.level_scores(head_outputs, level, index)
                rows, classes, best = level_candidates(probabilities, self.score_thresh, self.topk_candidates)
                codes = head_outputs["bbox_regression"][level][index].detach()[rows]
                boxes.append(clip_boxes_to_image(self.decode_boxes(codes, level_anchors[rows]), image_shape))
                scores.append(best)
                labels.append(classes.astype(np.int64))
            boxes, scores = autograd.cat(boxes), autograd.tensor(np.concatenate(scores))
            labels = autograd.tensor(np.concatenate(labels))
            keep = batched_nms(boxes, scores, labels, self.nms_thresh)[: self.detections_per_img]
            detections.append({"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]})
        return detections

    def forward(self, images: list[Tensor], targets: list[dict] | None = None):
        name = type(self).__name__
        if self.training:
            check_training_targets(name, targets)
        original_sizes = original_image_sizes(name, images)
        images, targets = self.transform(images, targets)
        check_degenerate_boxes(name, targets)
        features = self.backbone(images.tensors)
        if isinstance(features, Tensor):
            features = OrderedDict([("0", features)])
        features = list(features.values())
        head_outputs = self.head(features)
        anchors = self.anchor_generator(images, features)
        positions = [int(f.shape[2] * f.shape[3]) for f in features]
        if self.training:
            return self.eager_outputs(self.training_losses(targets, head_outputs, anchors, positions), [])
        per_position = int(head_outputs["cls_logits"].shape[1]) // sum(positions)
        counts = [p * per_position for p in positions]
        outputs = {key: list(value.split(counts, dim=1)) for key, value in head_outputs.items()}
        level_anchors = [list(a.split(counts)) for a in anchors]
        detections = self.postprocess_detections(outputs, level_anchors, images.image_sizes)
        detections = self.transform.postprocess(detections, images.image_sizes, original_sizes)
        return self.eager_outputs({}, detections)


def checked_weights(name: str, weights, weights_backbone, kwargs: dict) -> None:
    """A detection builder's ``weights``, ``weights_backbone`` (legacy ``pretrained*`` too) must be None.

    torchvision's default ``weights_backbone`` is ImageNet's ResNet-50; TinyTorch cannot download it,
    so the default here is None and anything else is refused with the way to load converted weights
    (:func:`~tt_vision.models.builders.refuse_backbone_weights`).
    """
    refuse_backbone_weights(name, "resnet50", weights, weights_backbone, kwargs)


def resnet50_fpn_p3_p7(trainable_backbone_layers, p6_in_channels: int, norm_layer=None):
    """ResNet-50's ``layer2..4`` through a 256-wide FPN plus ``LastLevelP6P7(p6_in_channels, 256)``: P3-P7.

    Without pretrained weights every stage trains (``trainable_backbone_layers`` warns if given).
    """
    trainable = validate_trainable_layers(False, trainable_backbone_layers, 5, 3)
    backbone = resnet50(weights=None, norm_layer=norm_layer)
    return resnet_fpn_extractor(
        backbone, trainable, returned_layers=[2, 3, 4], extra_blocks=LastLevelP6P7(p6_in_channels, 256)
    )
