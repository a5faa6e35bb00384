"""SSD (Liu et al., 2016), as torchvision's ``models.detection.ssd``: one shot, no proposals.

A backbone gives feature maps of falling resolution; on each, :class:`SSDHead` predicts, for
every default box (:class:`~.anchor_utils.DefaultBoxGenerator`), ``num_classes`` logits
(background is class 0) and 4 box codes (:class:`~.det_utils.BoxCoder`, weights
``(10, 10, 5, 5)``). Images are normalised and resized to the fixed ``size`` first
(:class:`~.transform.GeneralizedRCNNTransform`, ``size_divisible=1``).

Training (``targets`` given): each default box is matched to a ground truth by IoU
(:class:`~.det_utils.SSDMatcher`: ``>= iou_thresh``, and every ground truth keeps its best box).
``bbox_regression`` is the smooth-L1 (``beta = 1``) of the matched boxes' codes; ``classification``
the cross-entropy of the matched boxes plus that of the hardest negatives, the ``3 ×`` (from
``positive_fraction = 0.25``: ``(1 - f) / f``) as many per image as it has positives, ranked by
their own loss. Both are sums divided by the number of positives (at least 1).

Evaluation: softmax over the classes; per image and class, the boxes scoring ``> score_thresh``,
the ``topk_candidates`` best of them; NMS within each class (``nms_thresh``); the
``detections_per_img`` best; boxes scaled back to the input image's size.

Cost: the backbone and the heads' 3×3 convolutions; matching ``O(G · A)`` for ``G`` ground truths
and ``A`` default boxes; the negatives' ranking one ``O(A log A)`` sort per image; postprocessing
one ``O(A log A)`` sort per class column and NMS on at most ``(C - 1) · topk_candidates`` boxes.
The losses are differentiable w.r.t. the heads' outputs (and so the backbone); loops run over
images, feature maps and classes, never boxes.
"""

from __future__ import annotations

import warnings

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_nn.functional as F
from tt_autograd import Tensor
from tt_nn import init

from ...layers import Conv2d, MaxPool2d
from ...ops import batched_nms, box_iou, clip_boxes_to_image
from ..builders import refuse_backbone_weights, register_model
from ..vgg import vgg16
from . import det_utils
from .anchor_utils import DefaultBoxGenerator
from .backbone_utils import freeze_before, validate_trainable_layers
from .inputs import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    check_degenerate_boxes,
    check_training_targets,
    original_image_sizes,
)
from .transform import GeneralizedRCNNTransform

__all__ = [
    "SSD",
    "SSDClassificationHead",
    "SSDFeatureExtractorVGG",
    "SSDHead",
    "SSDRegressionHead",
    "SSDScoringHead",
    "ssd300_vgg16",
]


def _xavier_init(module: nn.Module) -> None:
    """Every ``Conv2d`` of ``module``: Xavier-uniform weights, zero bias (torchvision's SSD init)."""
    for layer in module.modules():
        if isinstance(layer, Conv2d):
            init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                init.constant_(layer.bias, 0.0)


class SSDScoringHead(nn.Module):
    """One module per feature map; each output ``(N, A_k · K, H_k, W_k)`` becomes ``(N, H_k · W_k · A_k, K)``.

    Args:
        module_list: a ``ModuleList`` with one module per feature map.
        num_columns: ``K``, the values per default box (classes, or 4 codes).

    Shape: ``forward(x)``, ``x`` a list of ``(N, C_k, H_k, W_k)`` -> ``(N, sum_k H_k · W_k · A_k, K)``,
    rows in the default boxes' order (position-major, then box).
    """

    def __init__(self, module_list: nn.ModuleList, num_columns: int) -> None:
        super().__init__()
        self.module_list = module_list
        self.num_columns = num_columns

    def forward(self, x: list[Tensor]) -> Tensor:
        if len(x) != len(self.module_list):
            raise ValueError(
                f"{type(self).__name__}: {len(x)} feature maps but {len(self.module_list)} prediction "
                "layers; give in_channels one entry per feature map"
            )
        results = []
        for features, module in zip(x, self.module_list):
            out = module(features)
            n, _, height, width = out.shape
            out = out.reshape(n, -1, self.num_columns, height, width).permute(0, 3, 4, 1, 2)
            results.append(out.reshape(n, -1, self.num_columns))
        return autograd.cat(results, dim=1)


class SSDClassificationHead(SSDScoringHead):
    """``num_classes`` logits per default box: a 3×3 convolution (padding 1) per feature map, Xavier init.

    Args: ``in_channels`` and ``num_anchors`` per feature map, ``num_classes`` (background included).
    """

    def __init__(self, in_channels: list[int], num_anchors: list[int], num_classes: int) -> None:
        layers = nn.ModuleList(
            [Conv2d(c, num_classes * a, kernel_size=3, padding=1) for c, a in zip(in_channels, num_anchors)]
        )
        _xavier_init(layers)
        super().__init__(layers, num_classes)


class SSDRegressionHead(SSDScoringHead):
    """4 box codes per default box: a 3×3 convolution (padding 1) per feature map, Xavier init."""

    def __init__(self, in_channels: list[int], num_anchors: list[int]) -> None:
        layers = nn.ModuleList(
            [Conv2d(c, 4 * a, kernel_size=3, padding=1) for c, a in zip(in_channels, num_anchors)]
        )
        _xavier_init(layers)
        super().__init__(layers, 4)


class SSDHead(nn.Module):
    """SSD's two heads; ``forward(x)`` -> ``{"bbox_regression": (N, A, 4), "cls_logits": (N, A, C)}``."""

    def __init__(self, in_channels: list[int], num_anchors: list[int], num_classes: int) -> None:
        super().__init__()
        self.classification_head = SSDClassificationHead(in_channels, num_anchors, num_classes)
        self.regression_head = SSDRegressionHead(in_channels, num_anchors)

    def forward(self, x: list[Tensor]) -> dict[str, Tensor]:
        return {"bbox_regression": self.regression_head(x), "cls_logits": self.classification_head(x)}


class SSD(nn.Module):
    """A single-shot detector: backbone, default boxes, heads; losses in training, detections in eval.

    Args:
        backbone: images ``(N, 3, H, W)`` -> a tensor or a dict of feature maps; its ``out_channels``
            (one per map) builds the default head, else they are measured on a zero image.
        anchor_generator: a :class:`DefaultBoxGenerator`, one aspect-ratio list per feature map.
        size: ``(width, height)`` every image is resized to.
        num_classes: with the background.
        image_mean, image_std: the normalisation (default ImageNet's).
        head: default ``SSDHead(out_channels, anchors per position, num_classes)``.
        score_thresh, nms_thresh, detections_per_img, topk_candidates: postprocessing (module doc).
        iou_thresh: a default box with IoU ``>=`` this with a ground truth is positive.
        positive_fraction: sets the negatives per positive, ``(1 - f) / f``.
        **kwargs: :class:`GeneralizedRCNNTransform`'s.

    Shape:
        ``forward(images, targets=None)``: ``images`` a list of ``(3, H_i, W_i)`` in ``[0, 1]``;
        ``targets`` a list of ``{"boxes": (G_i, 4) 'xyxy', "labels": (G_i,) int64}``. Training:
        ``{"bbox_regression", "classification"}``; eval: a list of ``{"boxes", "scores", "labels"}``.
    """

    def __init__(
        self,
        backbone: nn.Module,
        anchor_generator: DefaultBoxGenerator,
        size: tuple[int, int],
        num_classes: int,
        image_mean: list[float] | None = None,
        image_std: list[float] | None = None,
        head: nn.Module | None = None,
        score_thresh: float = 0.01,
        nms_thresh: float = 0.45,
        detections_per_img: int = 200,
        iou_thresh: float = 0.5,
        topk_candidates: int = 400,
        positive_fraction: float = 0.25,
        **kwargs,
    ) -> None:
        super().__init__()
        if not 0 < positive_fraction <= 1:
            raise ValueError(f"SSD: positive_fraction must be in (0, 1], got {positive_fraction}")
        self.backbone = backbone
        self.anchor_generator = anchor_generator
        self.box_coder = det_utils.BoxCoder(weights=(10.0, 10.0, 5.0, 5.0))
        if head is None:
            if hasattr(backbone, "out_channels"):
                out_channels = backbone.out_channels
            else:
                out_channels = det_utils.retrieve_out_channels(backbone, size)
            if len(out_channels) != len(anchor_generator.aspect_ratios):
                raise ValueError(
                    f"The length of the output channels from the backbone ({len(out_channels)}) do not "
                    "match the length of the anchor generator aspect ratios "
                    f"({len(anchor_generator.aspect_ratios)})"
                )
            head = SSDHead(out_channels, anchor_generator.num_anchors_per_location(), num_classes)
        self.head = head
        self.proposal_matcher = det_utils.SSDMatcher(iou_thresh)
        image_mean = list(IMAGENET_MEAN) if image_mean is None else image_mean
        image_std = list(IMAGENET_STD) if image_std is None else image_std
        self.transform = GeneralizedRCNNTransform(
            min(size), max(size), image_mean, image_std, size_divisible=1, fixed_size=size, **kwargs
        )
        self.score_thresh = score_thresh
        self.nms_thresh = nms_thresh
        self.detections_per_img = detections_per_img
        self.topk_candidates = topk_candidates
        self.neg_to_pos_ratio = (1.0 - positive_fraction) / positive_fraction

    def match(self, anchors: list[Tensor], targets: list[dict]) -> list[np.ndarray]:
        """Per image, each default box's ground-truth index, or -1 (no ground truth: all -1)."""
        matched = []
        for anchors_per_image, target in zip(anchors, targets):
            if target["boxes"].numel() == 0:
                matched.append(np.full(anchors_per_image.shape[0], -1, dtype=np.int64))
            else:
                quality = box_iou(target["boxes"], anchors_per_image)
                matched.append(self.proposal_matcher(quality).numpy())
        return matched

    def compute_loss(self, targets, head_outputs, anchors, matched_idxs) -> dict[str, Tensor]:
        """``{"bbox_regression", "classification"}`` (module doc); ``matched_idxs`` per image ``(A,)``."""
        bbox_regression = head_outputs["bbox_regression"]
        cls_logits = head_outputs["cls_logits"]
        num_images, num_anchors, num_classes = cls_logits.shape
        rows, codes = [], []
        cls_targets = np.zeros((num_images, num_anchors), dtype=np.int64)
        for i, (target, anchors_per_image, matched) in enumerate(zip(targets, anchors, matched_idxs)):
            matched = np.asarray(matched.numpy() if isinstance(matched, Tensor) else matched)
            foreground = np.flatnonzero(matched >= 0)
            gt_index = autograd.tensor(matched[foreground])
            codes.append(
                self.box_coder.encode_single(
                    target["boxes"][gt_index].detach(), anchors_per_image[autograd.tensor(foreground)]
                )
            )
            rows.append(i * num_anchors + foreground)
            cls_targets[i, foreground] = target["labels"].numpy()[matched[foreground]]
        rows = np.concatenate(rows)
        predicted = bbox_regression.reshape(-1, 4)[autograd.tensor(rows)]
        target_codes = autograd.cat(codes).to(dtype=predicted.dtype)
        box_loss = F.smooth_l1_loss(predicted, target_codes, reduction="sum")
        cls_loss = F.cross_entropy(
            cls_logits.reshape(-1, num_classes), autograd.tensor(cls_targets.reshape(-1)), reduction="none"
        )
        positive = cls_targets > 0
        negative = self.hard_negatives(cls_loss.detach().numpy().reshape(num_images, num_anchors), positive)
        chosen = autograd.tensor(np.concatenate([np.flatnonzero(positive), np.flatnonzero(negative)]))
        count = max(1, rows.size)
        return {"bbox_regression": box_loss / count, "classification": cls_loss[chosen].sum() / count}

    def hard_negatives(self, loss: np.ndarray, positive: np.ndarray) -> np.ndarray:
        """``(N, A)`` mask: per image, the ``neg_to_pos_ratio · positives`` boxes of highest ``loss``
        among the others (positives rank last: with too few negatives, they would be chosen too, as
        torchvision's)."""
        ranked = np.where(positive, -np.inf, loss)
        order = np.argsort(-ranked, axis=1, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(loss.shape[1])[None, :], axis=1)
        return rank < self.neg_to_pos_ratio * positive.sum(axis=1, keepdims=True)

    def postprocess_detections(self, head_outputs, image_anchors, image_shapes) -> list[dict]:
        """Per image ``{"boxes": (D, 4), "scores": (D,), "labels": (D,) int64}`` (module doc), no gradient."""
        regression = head_outputs["bbox_regression"].detach()
        probabilities = F.softmax(head_outputs["cls_logits"].detach(), dim=-1).numpy()
        detections = []
        for codes, scores, anchors, image_shape in zip(
            regression, probabilities, image_anchors, image_shapes
        ):
            boxes = clip_boxes_to_image(self.box_coder.decode_single(codes, anchors), image_shape).numpy()
            scores = scores[:, 1:]  # (A, C - 1): the background column is not a detection
            order = np.argsort(-scores, axis=0, kind="stable")
            ranked = np.take_along_axis(scores, order, axis=0)
            keep = (ranked > self.score_thresh) & (np.arange(len(scores))[:, None] < self.topk_candidates)
            keep, order, ranked = keep.T, order.T, ranked.T  # class-major, as torchvision's concatenation
            labels = np.broadcast_to(np.arange(1, scores.shape[1] + 1)[:, None], keep.shape)[keep]
            image_boxes = autograd.tensor(boxes[order[keep]])
            image_scores = autograd.tensor(ranked[keep])
            image_labels = autograd.tensor(labels.astype(np.int64))
            kept = batched_nms(image_boxes, image_scores, image_labels, self.nms_thresh)[
                : self.detections_per_img
            ]
            detections.append(
                {"boxes": image_boxes[kept], "scores": image_scores[kept], "labels": image_labels[kept]}
            )
        return detections

    def forward(self, images: list[Tensor], targets: list[dict] | None = None):
        if self.training:
            check_training_targets("SSD", targets)
        original_sizes = original_image_sizes("SSD", images)
        images, targets = self.transform(images, targets)
        check_degenerate_boxes("SSD", targets)
        features = self.backbone(images.tensors)
        features = list(features.values()) if isinstance(features, dict) else [features]
        head_outputs = self.head(features)
        anchors = self.anchor_generator(images, features)
        if self.training:
            return self.compute_loss(targets, head_outputs, anchors, self.match(anchors, targets))
        detections = self.postprocess_detections(head_outputs, anchors, images.image_sizes)
        return self.transform.postprocess(detections, images.image_sizes, original_sizes)


class SSDFeatureExtractorVGG(nn.Module):
    """SSD300's six feature maps from a VGG's ``features`` (torchvision's layout and keys).

    ``features``: VGG up to conv4_3 (+ ReLU), the third max pool with ``ceil_mode=True`` (38×38 at
    300 px); its output is L2-normalised over channels and scaled by ``scale_weight`` (512 values,
    initialised to 20). ``extra[0]``: the rest of VGG up to conv5_3 (its last max pool dropped), a
    3×3 max pool (stride 1), the dilated fc6 (3×3, dilation 6, 1024 channels) and fc7 (1×1);
    ``extra[1..4]``: 1×1 then 3×3 convolutions (stride 2, 2, then unpadded) to 512, 256, 256,
    256 channels (``highres`` adds a fifth, SSD512's 4×4). New convolutions: Xavier init.

    Shape: ``(N, 3, 300, 300)`` -> ``{"0": (N, 512, 38, 38), "1": (N, 1024, 19, 19), "2": (N, 512, 10, 10),
    "3": (N, 256, 5, 5), "4": (N, 256, 3, 3), "5": (N, 256, 1, 1)}``.
    """

    def __init__(self, backbone: nn.Module, highres: bool) -> None:
        super().__init__()
        pools = [i for i, layer in enumerate(backbone) if isinstance(layer, MaxPool2d)]
        if len(pools) != 5:
            raise ValueError(
                "SSDFeatureExtractorVGG: the backbone must be a VGG's features (5 max pools), "
                f"got {len(pools)} max pools"
            )
        backbone[pools[2]].ceil_mode = True
        self.scale_weight = nn.Parameter(autograd.ones(512) * 20)
        self.features = nn.Sequential(*backbone[: pools[3]])

        def pair(c_in, c_mid, c_out, **conv):
            return nn.Sequential(
                Conv2d(c_in, c_mid, kernel_size=1),
                nn.ReLU(inplace=True),
                Conv2d(c_mid, c_out, **conv),
                nn.ReLU(inplace=True),
            )

        extra = [
            pair(1024, 256, 512, kernel_size=3, padding=1, stride=2),
            pair(512, 128, 256, kernel_size=3, padding=1, stride=2),
            pair(256, 128, 256, kernel_size=3),
            pair(256, 128, 256, kernel_size=3),
        ]
        if highres:
            extra.append(pair(256, 128, 256, kernel_size=4))
        extra = nn.ModuleList(extra)
        _xavier_init(extra)
        fc = nn.Sequential(
            MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=False),
            Conv2d(512, 1024, kernel_size=3, padding=6, dilation=6),
            nn.ReLU(inplace=True),
            Conv2d(1024, 1024, kernel_size=1),
            nn.ReLU(inplace=True),
        )
        _xavier_init(fc)
        extra.insert(0, nn.Sequential(*backbone[pools[3] : -1], fc))
        self.extra = extra

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        x = self.features(x)
        output = [self.scale_weight.reshape(1, -1, 1, 1) * F.normalize(x)]
        for block in self.extra:
            x = block(x)
            output.append(x)
        return {str(i): value for i, value in enumerate(output)}


def _vgg_extractor(backbone, highres: bool, trainable_layers: int) -> SSDFeatureExtractorVGG:
    """A VGG's extractor, the layers before the last ``trainable_layers`` of its 5 stages frozen."""
    features = backbone.features
    stage_indices = [0] + [i for i, layer in enumerate(features) if isinstance(layer, MaxPool2d)][:-1]
    freeze_before(features, stage_indices, trainable_layers)
    return SSDFeatureExtractorVGG(features, highres)


def refuse_detection_weights(name: str, backbone: str, weights, weights_backbone, kwargs: dict) -> None:
    """:func:`~tt_vision.models.builders.refuse_backbone_weights`, and a ``size`` in ``kwargs`` warned
    about and dropped (an SSD builder fixes its input size)."""
    refuse_backbone_weights(name, backbone, weights, weights_backbone, kwargs)
    if "size" in kwargs:
        warnings.warn("The size of the model is already fixed; ignoring the parameter.", stacklevel=3)
        kwargs.pop("size")


@register_model()
def ssd300_vgg16(
    *, weights=None, progress: bool = True, num_classes: int | None = None, weights_backbone=None,
    trainable_backbone_layers: int | None = None, **kwargs,
) -> SSD:  # fmt: skip
    """SSD300 on VGG-16 (35,641,826 parameters with 91 classes), as torchvision's.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: ignored (nothing is downloaded).
        num_classes: with the background (default 91, COCO's).
        weights_backbone: must be None: torchvision's default, VGG-16's ImageNet features, is not
            available offline, so the default here is None (a randomly initialised backbone).
        trainable_backbone_layers: without pretrained weights every layer trains (torchvision's rule).
        **kwargs: :class:`SSD`'s (``size`` is fixed: warned about and ignored).

    The default boxes: ratios ``[[2], [2, 3], [2, 3], [2, 3], [2], [2]]``, scales
    ``0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05``, steps ``8, 16, 32, 64, 100, 300``; the input
    normalised by mean ``(0.48235, 0.45882, 0.40784)`` and std ``1/255`` (VGG's original scale).
    """
    refuse_detection_weights("ssd300_vgg16", "vgg16", weights, weights_backbone, kwargs)
    num_classes = 91 if num_classes is None else num_classes
    trainable_backbone_layers = validate_trainable_layers(False, trainable_backbone_layers, 5, 4)
    backbone = _vgg_extractor(vgg16(), False, trainable_backbone_layers)
    anchor_generator = DefaultBoxGenerator(
        [[2], [2, 3], [2, 3], [2, 3], [2], [2]],
        scales=[0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05],
        steps=[8, 16, 32, 64, 100, 300],
    )
    defaults = {"image_mean": [0.48235, 0.45882, 0.40784], "image_std": [1.0 / 255.0] * 3}
    return SSD(backbone, anchor_generator, (300, 300), num_classes, **{**defaults, **kwargs})
