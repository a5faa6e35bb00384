"""Mask R-CNN (He et al., 2017), as torchvision's ``models.detection.mask_rcnn``.

:class:`MaskRCNN` is a :class:`~.faster_rcnn.FasterRCNN` whose RoI heads get a mask branch: the
detections (evaluation) or the positive sampled proposals (training) are pooled again, finer
(:class:`~tt_vision.ops.MultiScaleRoIAlign` on levels ``'0'..'3'``, 14×14, sampling ratio 2), run
through :class:`MaskRCNNHeads` (four 3×3 convolutions of 256 channels with ReLU) and
:class:`MaskRCNNPredictor` (a 2×2 stride-2 transposed convolution to 28×28, ReLU, and a 1×1
convolution to one logit map per class). :class:`~.roi_heads.RoIHeads` turns those logits into
``loss_mask`` (training) or each detection's ``(1, 28, 28)`` mask probabilities for its class,
which :meth:`GeneralizedRCNNTransform.postprocess` pastes into the original image
(:func:`~.paste_masks.paste_masks_in_image`): ``"masks"`` ``(D, 1, H, W)`` in ``[0, 1]``.

Builders (91 classes):

==============================  =================================================================
``maskrcnn_resnet50_fpn``       ResNet-50 + FPN, Faster R-CNN's box head: 44,454,513 parameters
                                (torchvision publishes 44,401,393: its pretrained backbone's
                                ``FrozenBatchNorm2d`` has no parameters)
``maskrcnn_resnet50_fpn_v2``    Faster R-CNN v2's parts (batch-normed FPN, 2-conv RPN head, 4-conv
                                1-fc box head) and batch norm in the mask head: 46,359,409
==============================  =================================================================

Only ``weights=None`` and ``weights_backbone=None`` are possible (TinyTorch reads no pickled
checkpoint and downloads nothing), so ``weights_backbone`` defaults to None where torchvision's
v1 builder defaults to ImageNet's; without pretrained weights every backbone layer trains with
``BatchNorm2d``, as torchvision's does then.

Cost: Faster R-CNN's, plus per mask RoI a 14×14 RoI Align, four 256-channel 3×3 convolutions at
14×14 (~0.47 GFLOPs together) and the predictor at 28×28; the pasting ``O(D · H · W · 30)``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import tt_nn as nn
from tt_nn import init

from ...layers import BatchNorm2d, Conv2d, ConvTranspose2d
from ...ops.misc import Conv2dNormActivation
from ...ops.poolers import MultiScaleRoIAlign
from ..builders import register_model
from ..resnet import resnet50
from .anchor_utils import AnchorGenerator
from .backbone_utils import resnet_fpn_extractor
from .box_heads import FastRCNNConvFCHead, init_convolutions
from .faster_rcnn import FasterRCNN, default_anchor_generator, prepare_builder
from .rpn import RPNHead

__all__ = [
    "MaskRCNN",
    "MaskRCNNHeads",
    "MaskRCNNPredictor",
    "maskrcnn_resnet50_fpn",
    "maskrcnn_resnet50_fpn_v2",
]


def renamed_version_1_keys(module, state_dict, prefix, local_metadata, *rest) -> None:
    """A state dict saved before the blocks were ``Conv2dNormActivation`` (no version, or 1):
    ``mask_fcn{i+1}.weight`` / ``.bias`` renamed to ``{i}.0.weight`` / ``.bias`` (torchvision's rule)."""
    version = local_metadata.get("version")
    if version is not None and version >= 2:
        return
    for i in range(len(module)):
        for kind in ("weight", "bias"):
            old = f"{prefix}mask_fcn{i + 1}.{kind}"
            if old in state_dict:
                state_dict[f"{prefix}{i}.0.{kind}"] = state_dict.pop(old)


class MaskRCNNHeads(nn.Sequential):
    """The mask head: ``3×3`` convolutions (``Conv2dNormActivation``, ReLU), one per entry of ``layers``.

    Args:
        in_channels: the pooled features' channels.
        layers: each convolution's output channels (``(256,) * 4`` in Mask R-CNN).
        dilation: every convolution's dilation, with padding equal to it (sizes are kept).
        norm_layer: the normalisation after each convolution (``None``: none, and a bias instead;
            ``BatchNorm2d`` in the v2 model).

    Weights start Kaiming-normal (``fan_out``, ReLU), biases zero (torchvision's). State-dict keys
    ``{i}.0.weight`` (``{i}.0.bias`` without a norm, ``{i}.1.*`` with one); a state dict of the
    old layout (``mask_fcn{i+1}.*``, version 1) is renamed on loading, as torchvision does.

    Shape: ``(R, in_channels, h, w)`` -> ``(R, layers[-1], h, w)``.
    """

    _version = 2

    def __init__(
        self,
        in_channels: int,
        layers: list[int],
        dilation: int,
        norm_layer: Callable[..., nn.Module] | None = None,
    ) -> None:
        blocks = []
        channels = in_channels
        for out_channels in layers:
            blocks.append(
                Conv2dNormActivation(
                    channels, out_channels, 3, 1, dilation, norm_layer=norm_layer, dilation=dilation
                )
            )
            channels = out_channels
        super().__init__(*blocks)
        init_convolutions(self)
        self.register_load_state_dict_pre_hook(renamed_version_1_keys)


class MaskRCNNPredictor(nn.Sequential):
    """Mask logits from the mask head's features: upsample ×2, ReLU, one ``1×1`` map per class.

    Args:
        in_channels: the mask head's output channels.
        dim_reduced: the transposed convolution's output channels.
        num_classes: classes including the background.

    Layers ``conv5_mask`` (``ConvTranspose2d``, kernel 2, stride 2), ``relu``, ``mask_fcn_logits``
    (``Conv2d``, kernel 1); weights Kaiming-normal (``fan_out``, ReLU), biases PyTorch's defaults.

    Shape: ``(R, in_channels, m, m)`` -> ``(R, num_classes, 2m, 2m)``.
    """

    def __init__(self, in_channels: int, dim_reduced: int, num_classes: int) -> None:
        super().__init__(
            OrderedDict(
                [
                    ("conv5_mask", ConvTranspose2d(in_channels, dim_reduced, 2, 2, 0)),
                    ("relu", nn.ReLU(inplace=True)),
                    ("mask_fcn_logits", Conv2d(dim_reduced, num_classes, 1, 1, 0)),
                ]
            )
        )
        for name, param in self.named_parameters():
            if "weight" in name:
                init.kaiming_normal_(param, mode="fan_out", nonlinearity="relu")


class MaskRCNN(FasterRCNN):
    """Faster R-CNN with a mask branch (module doc); the parts not given are built as torchvision's.

    Args:
        backbone, num_classes, and every Faster R-CNN argument: as :class:`FasterRCNN`.
        mask_roi_pool: a ``MultiScaleRoIAlign`` (default levels ``'0'..'3'``, 14×14, sampling ratio 2).
        mask_head: default ``MaskRCNNHeads(backbone.out_channels, (256,) * 4, 1)``.
        mask_predictor: default ``MaskRCNNPredictor(256, 256, num_classes)`` (so the default needs a
            head with 256 output channels, as torchvision's).

    Shape:
        training: images and targets with ``"boxes"`` ``(G_i, 4)``, ``"labels"`` ``(G_i,)`` int64 and
        ``"masks"`` ``(G_i, H_i, W_i)`` (0/1, e.g. uint8) -> Faster R-CNN's four losses and
        ``loss_mask``; eval: per image ``{"boxes", "labels", "scores", "masks": (D, 1, H_i, W_i)}``,
        the masks probabilities in the original image (threshold them, e.g. at 0.5).

    Raises:
        TypeError: ``mask_roi_pool`` not a ``MultiScaleRoIAlign``.
        ValueError: ``num_classes`` given with ``mask_predictor``, or neither given (torchvision's
            ``Conv2d`` fails on ``None`` there); and :class:`FasterRCNN`'s.
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
        mask_roi_pool: MultiScaleRoIAlign | None = None,
        mask_head: nn.Module | None = None,
        mask_predictor: nn.Module | None = None,
        **kwargs,
    ) -> None:
        if not isinstance(mask_roi_pool, (MultiScaleRoIAlign, type(None))):
            raise TypeError(
                "MaskRCNN: mask_roi_pool should be of type MultiScaleRoIAlign or None instead of "
                f"{type(mask_roi_pool)}"
            )
        if num_classes is not None and mask_predictor is not None:
            raise ValueError("MaskRCNN: num_classes should be None when mask_predictor is specified")
        if num_classes is None and mask_predictor is None:
            raise ValueError(
                "MaskRCNN: num_classes should not be None when mask_predictor is not specified; pass "
                "num_classes (including the background) or a mask_predictor"
            )
        out_channels = getattr(backbone, "out_channels", None)
        if mask_roi_pool is None:
            mask_roi_pool = MultiScaleRoIAlign(
                featmap_names=["0", "1", "2", "3"], output_size=14, sampling_ratio=2
            )
        if mask_head is None and out_channels is not None:  # FasterRCNN refuses a backbone without it
            mask_head = MaskRCNNHeads(out_channels, (256, 256, 256, 256), 1)
        if mask_predictor is None:
            mask_predictor = MaskRCNNPredictor(256, 256, num_classes)
        super().__init__(
            backbone, num_classes, min_size, max_size, image_mean, image_std,
            rpn_anchor_generator, rpn_head, rpn_pre_nms_top_n_train, rpn_pre_nms_top_n_test,
            rpn_post_nms_top_n_train, rpn_post_nms_top_n_test, rpn_nms_thresh, rpn_fg_iou_thresh,
            rpn_bg_iou_thresh, rpn_batch_size_per_image, rpn_positive_fraction, rpn_score_thresh,
            box_roi_pool, box_head, box_predictor, box_score_thresh, box_nms_thresh,
            box_detections_per_img, box_fg_iou_thresh, box_bg_iou_thresh, box_batch_size_per_image,
            box_positive_fraction, bbox_reg_weights, **kwargs,
        )  # fmt: skip
        self.roi_heads.mask_roi_pool = mask_roi_pool
        self.roi_heads.mask_head = mask_head
        self.roi_heads.mask_predictor = mask_predictor


@register_model()
def maskrcnn_resnet50_fpn(
    *,
    weights=None,
    progress: bool = True,
    num_classes: int | None = None,
    weights_backbone=None,
    trainable_backbone_layers: int | None = None,
    **kwargs,
) -> MaskRCNN:
    """Mask R-CNN with a ResNet-50 FPN backbone (44,454,513 parameters with 91 classes).

    Args:
        weights, weights_backbone: must be None (torchvision's ``weights_backbone`` default, ImageNet
            weights, is not available offline: the default here is None).
        progress: accepted for torchvision's signature; nothing is downloaded.
        num_classes: including the background (default 91, COCO's).
        trainable_backbone_layers: 0..5; without pretrained weights every layer trains (a value given
            warns, as torchvision's).
        **kwargs: :class:`MaskRCNN`'s arguments.
    """
    num_classes, layers = prepare_builder(
        "maskrcnn_resnet50_fpn", "resnet50", weights, weights_backbone, num_classes,
        trainable_backbone_layers, 5, kwargs,
    )  # fmt: skip
    backbone = resnet_fpn_extractor(resnet50(norm_layer=BatchNorm2d), layers)
    return MaskRCNN(backbone, num_classes=num_classes, **kwargs)


@register_model()
def maskrcnn_resnet50_fpn_v2(
    *,
    weights=None,
    progress: bool = True,
    num_classes: int | None = None,
    weights_backbone=None,
    trainable_backbone_layers: int | None = None,
    **kwargs,
) -> MaskRCNN:
    """Mask R-CNN v2 (Li et al., 2021), 46,359,409 parameters: Faster R-CNN v2's backbone, RPN head
    and box head, and a mask head with batch norm after each convolution. Arguments as
    :func:`maskrcnn_resnet50_fpn`.
    """
    num_classes, layers = prepare_builder(
        "maskrcnn_resnet50_fpn_v2", "resnet50", weights, weights_backbone, num_classes,
        trainable_backbone_layers, 5, kwargs,
    )  # fmt: skip
    backbone = resnet_fpn_extractor(resnet50(), layers, norm_layer=BatchNorm2d)
    anchors = default_anchor_generator()
    rpn_head = RPNHead(backbone.out_channels, anchors.num_anchors_per_location()[0], conv_depth=2)
    box_head = FastRCNNConvFCHead((backbone.out_channels, 7, 7), [256] * 4, [1024], norm_layer=BatchNorm2d)
    mask_head = MaskRCNNHeads(backbone.out_channels, [256] * 4, 1, norm_layer=BatchNorm2d)
    return MaskRCNN(
        backbone,
        num_classes=num_classes,
        rpn_anchor_generator=anchors,
        rpn_head=rpn_head,
        box_head=box_head,
        mask_head=mask_head,
        **kwargs,
    )
