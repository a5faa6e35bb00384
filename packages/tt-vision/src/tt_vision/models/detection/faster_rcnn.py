"""Faster R-CNN (Ren et al., 2015), as torchvision's ``models.detection.faster_rcnn``.

:class:`FasterRCNN` is a :class:`GeneralizedRCNN` whose parts are built from arguments:

* transform: :class:`GeneralizedRCNNTransform` (``min_size``, ``max_size``; ImageNet's mean and std);
* RPN: an :class:`AnchorGenerator` (default sizes 32..512, one per level for five levels, ratios
  0.5, 1, 2), an :class:`RPNHead` on ``backbone.out_channels`` and a :class:`RegionProposalNetwork`
  with the ``rpn_*`` settings;
* RoI heads: :class:`~tt_vision.ops.MultiScaleRoIAlign` on levels ``'0'..'3'`` (7×7, sampling ratio 2),
  :class:`TwoMLPHead` (two 1024-wide layers) and :class:`FastRCNNPredictor` (``num_classes`` scores and
  ``4 · num_classes`` box codes), inside :class:`RoIHeads` with the ``box_*`` settings.

The builders assemble torchvision's four configurations:

==========================================  ===========================================================
``fasterrcnn_resnet50_fpn``                 ResNet-50 + FPN (levels '0'..'3', 'pool'), 41,808,406 params
``fasterrcnn_resnet50_fpn_v2``              + batch-normed FPN, a 2-conv RPN head, a 4-conv 1-fc box
                                            head (Li et al., 2021), 43,712,278 params
``fasterrcnn_mobilenet_v3_large_fpn``       MobileNetV3-Large + FPN on its last two stages, 15 anchors a
                                            position (sizes 32..512 × 3 ratios), 19,410,754 params
``fasterrcnn_mobilenet_v3_large_320_fpn``   the same at 320 px (``min_size=320``, ``max_size=640``),
                                            150 proposals before and after NMS at test time
==========================================  ===========================================================

The counts are those of the builders here (91 classes), whose backbones, built without pretrained
weights, use ``BatchNorm2d`` as torchvision's do then; torchvision publishes the counts of its
pretrained models, whose ``FrozenBatchNorm2d`` has no parameters (41,755,286 and 19,386,354).

(parameter counts with 91 classes: torchvision's published ``num_params``). Only ``weights=None`` and
``weights_backbone=None`` are possible (TinyTorch reads no pickled checkpoint and downloads nothing),
so the builders' ``weights_backbone`` defaults to None where torchvision's is ImageNet's; without
pretrained weights torchvision trains every backbone layer and uses ``BatchNorm2d`` (not frozen):
the builders do the same, and a ``trainable_backbone_layers`` given warns and is ignored.

Cost: the backbone's forward dominates (ResNet-50 at 800 px: ~134 GFLOPs; MobileNetV3 at 320 px:
~0.7, torchvision's figures); the RoI heads run ``box_batch_size_per_image`` (training) or the RPN's
proposals (eval) through RoIAlign and two 1024-wide layers.
"""

from __future__ import annotations

import tt_nn as nn

from ...layers import BatchNorm2d
from ...ops.poolers import MultiScaleRoIAlign
from ..builders import refuse_backbone_weights, register_model
from ..mobilenetv3 import mobilenet_v3_large
from ..resnet import resnet50
from .anchor_utils import AnchorGenerator
from .backbone_utils import mobilenet_extractor, resnet_fpn_extractor, validate_trainable_layers
from .box_heads import FastRCNNConvFCHead, FastRCNNPredictor, TwoMLPHead
from .generalized_rcnn import GeneralizedRCNN
from .inputs import IMAGENET_MEAN, IMAGENET_STD
from .roi_heads import RoIHeads
from .rpn import RegionProposalNetwork, RPNHead
from .transform import GeneralizedRCNNTransform

__all__ = [
    "FastRCNNConvFCHead",
    "FastRCNNPredictor",
    "FasterRCNN",
    "TwoMLPHead",
    "fasterrcnn_mobilenet_v3_large_320_fpn",
    "fasterrcnn_mobilenet_v3_large_fpn",
    "fasterrcnn_resnet50_fpn",
    "fasterrcnn_resnet50_fpn_v2",
]


def default_anchor_generator() -> AnchorGenerator:
    """Five levels, one size each (32, 64, 128, 256, 512), ratios 0.5, 1, 2: three anchors a position."""
    sizes = ((32,), (64,), (128,), (256,), (512,))
    return AnchorGenerator(sizes, ((0.5, 1.0, 2.0),) * len(sizes))


class FasterRCNN(GeneralizedRCNN):
    """Faster R-CNN on a given backbone; the other parts built from the arguments (torchvision's).

    Args:
        backbone: images -> a dict of feature maps (or one tensor, named ``'0'``), with an attribute
            ``out_channels`` (every level's channels).
        num_classes: classes including the background; None exactly when ``box_predictor`` is given.
        min_size, max_size, image_mean, image_std, **kwargs: the transform's (mean and std default
            to ImageNet's; ``kwargs``: ``size_divisible``, ``fixed_size``).
        rpn_anchor_generator: an :class:`AnchorGenerator` (default: five levels, sizes 32..512).
        rpn_head: default ``RPNHead(out_channels, anchors per position)``.
        rpn_pre_nms_top_n_train/test, rpn_post_nms_top_n_train/test: proposals kept per level before
            NMS and per image after (2000/1000, 2000/1000).
        rpn_nms_thresh, rpn_fg_iou_thresh, rpn_bg_iou_thresh, rpn_batch_size_per_image,
            rpn_positive_fraction, rpn_score_thresh: the RPN's (0.7, 0.7, 0.3, 256, 0.5, 0.0).
        box_roi_pool: a :class:`~tt_vision.ops.MultiScaleRoIAlign` (default levels '0'..'3', 7×7, ratio 2).
        box_head: default ``TwoMLPHead(out_channels · 7 · 7, 1024)``.
        box_predictor: default ``FastRCNNPredictor(1024, num_classes)``.
        box_score_thresh, box_nms_thresh, box_detections_per_img: eval's filtering (0.05, 0.5, 100).
        box_fg_iou_thresh, box_bg_iou_thresh, box_batch_size_per_image, box_positive_fraction:
            training's proposal matching and sampling (0.5, 0.5, 512, 0.25).
        bbox_reg_weights: the box coder's weights (None: ``(10, 10, 5, 5)``).

    Shape:
        as :class:`GeneralizedRCNN`: a list of ``(3, H_i, W_i)`` images in ``[0, 1]`` (and targets with
        ``"boxes"`` ``(G_i, 4)`` and ``"labels"`` ``(G_i,)`` int64) -> losses ``loss_classifier``,
        ``loss_box_reg``, ``loss_objectness``, ``loss_rpn_box_reg`` in training; in eval, per image
        ``{"boxes": (D, 4), "labels": (D,), "scores": (D,)}`` in the image's pixels.

    Raises:
        ValueError: a backbone without ``out_channels``; ``num_classes`` and ``box_predictor`` both
            given or both None.
        TypeError: ``rpn_anchor_generator`` not an :class:`AnchorGenerator`, ``box_roi_pool`` not a
            ``MultiScaleRoIAlign``.
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int | None = None,
        min_size=800,
        max_size: int = 1333,
        image_mean: list[float] | None = None,
        image_std: list[float] | None = None,
        rpn_anchor_generator: AnchorGenerator | None = None,
        rpn_head: nn.Module | None = None,
        rpn_pre_nms_top_n_train: int = 2000,
        rpn_pre_nms_top_n_test: int = 1000,
        rpn_post_nms_top_n_train: int = 2000,
        rpn_post_nms_top_n_test: int = 1000,
        rpn_nms_thresh: float = 0.7,
        rpn_fg_iou_thresh: float = 0.7,
        rpn_bg_iou_thresh: float = 0.3,
        rpn_batch_size_per_image: int = 256,
        rpn_positive_fraction: float = 0.5,
        rpn_score_thresh: float = 0.0,
        box_roi_pool: MultiScaleRoIAlign | None = None,
        box_head: nn.Module | None = None,
        box_predictor: nn.Module | None = None,
        box_score_thresh: float = 0.05,
        box_nms_thresh: float = 0.5,
        box_detections_per_img: int = 100,
        box_fg_iou_thresh: float = 0.5,
        box_bg_iou_thresh: float = 0.5,
        box_batch_size_per_image: int = 512,
        box_positive_fraction: float = 0.25,
        bbox_reg_weights: tuple[float, float, float, float] | None = None,
        **kwargs,
    ) -> None:
        if not hasattr(backbone, "out_channels"):
            raise ValueError(
                "FasterRCNN: backbone should contain an attribute out_channels specifying the number of "
                "output channels (assumed to be the same for all the levels)"
            )
        if not isinstance(rpn_anchor_generator, (AnchorGenerator, type(None))):
            raise TypeError(
                "FasterRCNN: rpn_anchor_generator should be of type AnchorGenerator or None instead of "
                f"{type(rpn_anchor_generator)}"
            )
        if not isinstance(box_roi_pool, (MultiScaleRoIAlign, type(None))):
            raise TypeError(
                "FasterRCNN: box_roi_pool should be of type MultiScaleRoIAlign or None instead of "
                f"{type(box_roi_pool)}"
            )
        if num_classes is not None and box_predictor is not None:
            raise ValueError("FasterRCNN: num_classes should be None when box_predictor is specified")
        if num_classes is None and box_predictor is None:
            raise ValueError("FasterRCNN: num_classes should not be None when box_predictor is not specified")
        out_channels = backbone.out_channels
        if rpn_anchor_generator is None:
            rpn_anchor_generator = default_anchor_generator()
        if rpn_head is None:
            rpn_head = RPNHead(out_channels, rpn_anchor_generator.num_anchors_per_location()[0])
        rpn = RegionProposalNetwork(
            rpn_anchor_generator,
            rpn_head,
            rpn_fg_iou_thresh,
            rpn_bg_iou_thresh,
            rpn_batch_size_per_image,
            rpn_positive_fraction,
            {"training": rpn_pre_nms_top_n_train, "testing": rpn_pre_nms_top_n_test},
            {"training": rpn_post_nms_top_n_train, "testing": rpn_post_nms_top_n_test},
            rpn_nms_thresh,
            score_thresh=rpn_score_thresh,
        )
        if box_roi_pool is None:
            box_roi_pool = MultiScaleRoIAlign(
                featmap_names=["0", "1", "2", "3"], output_size=7, sampling_ratio=2
            )
        representation_size = 1024
        if box_head is None:
            box_head = TwoMLPHead(out_channels * box_roi_pool.output_size[0] ** 2, representation_size)
        if box_predictor is None:
            box_predictor = FastRCNNPredictor(representation_size, num_classes)
        roi_heads = RoIHeads(
            box_roi_pool,
            box_head,
            box_predictor,
            box_fg_iou_thresh,
            box_bg_iou_thresh,
            box_batch_size_per_image,
            box_positive_fraction,
            bbox_reg_weights,
            box_score_thresh,
            box_nms_thresh,
            box_detections_per_img,
        )
        image_mean = list(IMAGENET_MEAN) if image_mean is None else image_mean
        image_std = list(IMAGENET_STD) if image_std is None else image_std
        transform = GeneralizedRCNNTransform(min_size, max_size, image_mean, image_std, **kwargs)
        super().__init__(backbone, rpn, roi_heads, transform)


def prepare_builder(
    name: str, backbone: str, weights, weights_backbone, num_classes, layers, max_layers, kwargs
):
    """The builders' common start: refuse weights; ``(num_classes or 91, trainable layers)``."""
    refuse_backbone_weights(name, backbone, weights, weights_backbone, kwargs)
    num_classes = 91 if num_classes is None else num_classes
    return num_classes, validate_trainable_layers(False, layers, max_layers, 3)


@register_model()
def fasterrcnn_resnet50_fpn(
    *,
    weights=None,
    progress: bool = True,
    num_classes: int | None = None,
    weights_backbone=None,
    trainable_backbone_layers: int | None = None,
    **kwargs,
) -> FasterRCNN:
    """Faster R-CNN with a ResNet-50 FPN backbone (41,808,406 parameters with 91 classes).

    Args:
        weights, weights_backbone: must be None (torchvision's ``weights_backbone`` default, ImageNet
            weights, is not available offline: the default here is None).
        progress: accepted for torchvision's signature; nothing is downloaded.
        num_classes: including the background (default 91, COCO's).
        trainable_backbone_layers: 0..5; without pretrained weights every layer trains (a value given
            warns, as torchvision's).
        **kwargs: :class:`FasterRCNN`'s arguments.
    """
    num_classes, layers = prepare_builder(
        "fasterrcnn_resnet50_fpn",
        "resnet50",
        weights,
        weights_backbone,
        num_classes,
        trainable_backbone_layers,
        5,
        kwargs,
    )
    backbone = resnet_fpn_extractor(resnet50(norm_layer=BatchNorm2d), layers)
    return FasterRCNN(backbone, num_classes=num_classes, **kwargs)


@register_model()
def fasterrcnn_resnet50_fpn_v2(
    *,
    weights=None,
    progress: bool = True,
    num_classes: int | None = None,
    weights_backbone=None,
    trainable_backbone_layers: int | None = None,
    **kwargs,
) -> FasterRCNN:
    """Faster R-CNN v2 (Li et al., 2021, "Benchmarking detection transfer learning with ViTs"), 43,712,278
    parameters: ResNet-50 FPN with batch norm in the pyramid, an RPN head of two 3×3 convolutions and a
    box head of four 3×3 conv + batch norm layers and one 1024-wide linear layer. Arguments as
    :func:`fasterrcnn_resnet50_fpn`.
    """
    num_classes, layers = prepare_builder(
        "fasterrcnn_resnet50_fpn_v2",
        "resnet50",
        weights,
        weights_backbone,
        num_classes,
        trainable_backbone_layers,
        5,
        kwargs,
    )
    backbone = resnet_fpn_extractor(resnet50(), layers, norm_layer=BatchNorm2d)
    anchors = default_anchor_generator()
    rpn_head = RPNHead(backbone.out_channels, anchors.num_anchors_per_location()[0], conv_depth=2)
    box_head = FastRCNNConvFCHead((backbone.out_channels, 7, 7), [256] * 4, [1024], norm_layer=BatchNorm2d)
    return FasterRCNN(
        backbone,
        num_classes=num_classes,
        rpn_anchor_generator=anchors,
        rpn_head=rpn_head,
        box_head=box_head,
        **kwargs,
    )


def build_mobilenet_v3_large_fpn(name, weights, weights_backbone, num_classes, layers, kwargs) -> FasterRCNN:
    """MobileNetV3-Large (batch norm, not frozen), FPN on the last two stages, 15 anchors a position."""
    num_classes, layers = prepare_builder(
        name, "mobilenet_v3_large", weights, weights_backbone, num_classes, layers, 6, kwargs
    )
    backbone = mobilenet_extractor(mobilenet_v3_large(norm_layer=BatchNorm2d), True, layers)
    sizes = ((32, 64, 128, 256, 512),) * 3
    anchors = AnchorGenerator(sizes, ((0.5, 1.0, 2.0),) * len(sizes))
    return FasterRCNN(backbone, num_classes, rpn_anchor_generator=anchors, **kwargs)


@register_model()
def fasterrcnn_mobilenet_v3_large_fpn(
    *,
    weights=None,
    progress: bool = True,
    num_classes: int | None = None,
    weights_backbone=None,
    trainable_backbone_layers: int | None = None,
    **kwargs,
) -> FasterRCNN:
    """Faster R-CNN with a MobileNetV3-Large FPN backbone (19,410,754 parameters), ``rpn_score_thresh``
    0.05 by default. ``trainable_backbone_layers`` 0..6; other arguments as :func:`fasterrcnn_resnet50_fpn`.
    """
    kwargs = {"rpn_score_thresh": 0.05, **kwargs}
    return build_mobilenet_v3_large_fpn(
        "fasterrcnn_mobilenet_v3_large_fpn",
        weights,
        weights_backbone,
        num_classes,
        trainable_backbone_layers,
        kwargs,
    )


@register_model()
def fasterrcnn_mobilenet_v3_large_320_fpn(
    *,
    weights=None,
    progress: bool = True,
    num_classes: int | None = None,
    weights_backbone=None,
    trainable_backbone_layers: int | None = None,
    **kwargs,
) -> FasterRCNN:
    """:func:`fasterrcnn_mobilenet_v3_large_fpn` for low resolution (19,410,754 parameters): defaults
    ``min_size=320``, ``max_size=640``, ``rpn_pre_nms_top_n_test=150``, ``rpn_post_nms_top_n_test=150``,
    ``rpn_score_thresh=0.05``.
    """
    defaults = {
        "min_size": 320,
        "max_size": 640,
        "rpn_pre_nms_top_n_test": 150,
        "rpn_post_nms_top_n_test": 150,
        "rpn_score_thresh": 0.05,
    }
    return build_mobilenet_v3_large_fpn(
        "fasterrcnn_mobilenet_v3_large_320_fpn",
        weights,
        weights_backbone,
        num_classes,
        trainable_backbone_layers,
        {**defaults, **kwargs},
    )
