"""SSDlite (MobileNetV2 paper, section 6.2) on MobileNetV3-Large: torchvision's ``detection.ssdlite``.

The :class:`~.ssd.SSD` detector with light parts: each prediction layer is a 3×3 depthwise
convolution + norm + ReLU6 and a 1×1 convolution (:class:`SSDLiteHead`); the backbone's
features are taken at C4's expansion layer (stride 16) and at its end (stride 32), and four
*extra blocks* (1×1 to half the channels, 3×3 depthwise stride 2, 1×1 up; norm + ReLU6 each)
halve the resolution down to 1×1 at 320 px. New convolutions start from ``N(0, 0.03²)``
weights and zero bias (the whole backbone too, when it is not pretrained).

Cost: ``ssdlite320_mobilenet_v3_large``'s eval forward on one 320-px image is measured by
``tools/parity/detection_ssd.py --time`` (docs/torchvision/detection.md); the depthwise
convolutions are the bulk of it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import tt_nn as nn
from tt_autograd import Tensor
from tt_nn import init

from ...layers import BatchNorm2d, Conv2d
from ...ops.misc import Conv2dNormActivation
from ..builders import register_model
from ..mobilenetv3 import mobilenet_v3_large
from . import det_utils
from .anchor_utils import DefaultBoxGenerator
from .backbone_utils import freeze_before, validate_trainable_layers
from .ssd import SSD, SSDScoringHead, refuse_detection_weights

__all__ = [
    "SSDLiteClassificationHead",
    "SSDLiteFeatureExtractorMobileNet",
    "SSDLiteHead",
    "SSDLiteRegressionHead",
    "ssdlite320_mobilenet_v3_large",
]


def _prediction_block(in_channels: int, out_channels: int, kernel_size: int, norm_layer) -> nn.Sequential:
    """3×3 depthwise + norm + ReLU6, then a 1×1 convolution to ``out_channels`` (with bias)."""
    return nn.Sequential(
        Conv2dNormActivation(
            in_channels,
            in_channels,
            kernel_size=kernel_size,
            groups=in_channels,
            norm_layer=norm_layer,
            activation_layer=nn.ReLU6,
        ),
        Conv2d(in_channels, out_channels, 1),
    )


def _extra_block(in_channels: int, out_channels: int, norm_layer) -> nn.Sequential:
    """1×1 to ``out_channels // 2``, 3×3 depthwise stride 2, 1×1 to ``out_channels``; norm + ReLU6 each."""
    middle = out_channels // 2
    return nn.Sequential(
        Conv2dNormActivation(
            in_channels, middle, kernel_size=1, norm_layer=norm_layer, activation_layer=nn.ReLU6
        ),
        Conv2dNormActivation(
            middle,
            middle,
            kernel_size=3,
            stride=2,
            groups=middle,
            norm_layer=norm_layer,
            activation_layer=nn.ReLU6,
        ),
        Conv2dNormActivation(
            middle, out_channels, kernel_size=1, norm_layer=norm_layer, activation_layer=nn.ReLU6
        ),
    )


def _normal_init(module: nn.Module) -> None:
    """Every ``Conv2d`` of ``module``: weights ``N(0, 0.03²)``, zero bias."""
    for layer in module.modules():
        if isinstance(layer, Conv2d):
            init.normal_(layer.weight, mean=0.0, std=0.03)
            if layer.bias is not None:
                init.constant_(layer.bias, 0.0)


class SSDLiteClassificationHead(SSDScoringHead):
    """``num_classes`` logits per default box: one :func:`_prediction_block` per feature map."""

    def __init__(self, in_channels: list[int], num_anchors: list[int], num_classes: int, norm_layer) -> None:
        layers = nn.ModuleList(
            [_prediction_block(c, num_classes * a, 3, norm_layer) for c, a in zip(in_channels, num_anchors)]
        )
        _normal_init(layers)
        super().__init__(layers, num_classes)


class SSDLiteRegressionHead(SSDScoringHead):
    """4 box codes per default box: one :func:`_prediction_block` per feature map."""

    def __init__(self, in_channels: list[int], num_anchors: list[int], norm_layer) -> None:
        layers = nn.ModuleList(
            [_prediction_block(c, 4 * a, 3, norm_layer) for c, a in zip(in_channels, num_anchors)]
        )
        _normal_init(layers)
        super().__init__(layers, 4)


class SSDLiteHead(nn.Module):
    """SSDlite's two heads; ``forward(x)`` -> ``{"bbox_regression": (N, A, 4), "cls_logits": (N, A, C)}``.

    Args: ``in_channels`` and ``num_anchors`` per feature map, ``num_classes``, ``norm_layer``
    (a class or ``partial`` building the norm after each depthwise convolution).
    """

    def __init__(self, in_channels: list[int], num_anchors: list[int], num_classes: int, norm_layer) -> None:
        super().__init__()
        self.classification_head = SSDLiteClassificationHead(
            in_channels, num_anchors, num_classes, norm_layer
        )
        self.regression_head = SSDLiteRegressionHead(in_channels, num_anchors, norm_layer)

    def forward(self, x: list[Tensor]) -> dict[str, Tensor]:
        return {"bbox_regression": self.regression_head(x), "cls_logits": self.classification_head(x)}


class SSDLiteFeatureExtractorMobileNet(nn.Module):
    """Six feature maps from a MobileNet's ``features``: C4's expansion output, the end, four extra blocks.

    Args:
        backbone: the MobileNet's ``features`` (a ``Sequential`` of blocks).
        c4_pos: the index of the C4 block (strided, so without a residual connection).
        norm_layer: for the extra blocks.
        width_mult, min_depth: the extra blocks' channels, ``max(min_depth, int(d · width_mult))``
            for ``d`` in 512, 256, 256, 128.

    Shape (MobileNetV3-Large, reduced tail, 320 px): ``{"0": (N, 672, 20, 20), "1": (N, 480, 10, 10),
    "2": (N, 512, 5, 5), "3": (N, 256, 3, 3), "4": (N, 256, 2, 2), "5": (N, 128, 1, 1)}``.
    """

    def __init__(
        self, backbone: nn.Module, c4_pos: int, norm_layer, width_mult: float = 1.0, min_depth: int = 16
    ) -> None:
        super().__init__()
        if backbone[c4_pos].use_res_connect:
            raise ValueError("backbone[c4_pos].use_res_connect should be False")
        self.features = nn.Sequential(
            nn.Sequential(*backbone[:c4_pos], backbone[c4_pos].block[0]),
            nn.Sequential(backbone[c4_pos].block[1:], *backbone[c4_pos + 1 :]),
        )
        depths = [max(min_depth, int(d * width_mult)) for d in (512, 256, 256, 128)]
        channels = [backbone[-1].out_channels, *depths]
        self.extra = nn.ModuleList(
            [_extra_block(c_in, c_out, norm_layer) for c_in, c_out in zip(channels, depths)]
        )
        _normal_init(self.extra)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        output = []
        for block in [*self.features, *self.extra]:
            x = block(x)
            output.append(x)
        return {str(i): value for i, value in enumerate(output)}


def _mobilenet_extractor(backbone, trainable_layers: int, norm_layer) -> SSDLiteFeatureExtractorMobileNet:
    """The extractor of a MobileNet, its layers before the last ``trainable_layers`` stages frozen
    (stages start at the first layer, each strided block ``_is_cn``, and the last layer)."""
    features = backbone.features
    strided = [i for i, block in enumerate(features) if getattr(block, "_is_cn", False)]
    stage_indices = [0, *strided, len(features) - 1]
    freeze_before(features, stage_indices, trainable_layers)
    return SSDLiteFeatureExtractorMobileNet(features, stage_indices[-2], norm_layer)


@register_model()
def ssdlite320_mobilenet_v3_large(
    *, weights=None, progress: bool = True, num_classes: int | None = None, weights_backbone=None,
    trainable_backbone_layers: int | None = None, norm_layer: Callable[..., nn.Module] | None = None,
    **kwargs,
) -> SSD:  # fmt: skip
    """SSDlite at 320 px on MobileNetV3-Large (3,440,060 parameters with 91 classes), as torchvision's.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: ignored.
        num_classes: with the background (default 91).
        weights_backbone: must be None: torchvision's default (ImageNet weights) is not available
            offline. Without it the backbone has the reduced tail (last stage's channels halved)
            and ``N(0, 0.03²)`` convolutions, as torchvision builds it unpretrained.
        trainable_backbone_layers: without pretrained weights every layer trains.
        norm_layer: default ``BatchNorm2d`` with ``eps=0.001, momentum=0.03``.
        **kwargs: :class:`~.ssd.SSD`'s (``size`` is fixed: warned about and ignored). Defaults:
            ``score_thresh=0.001``, ``nms_thresh=0.55``, ``detections_per_img=300``,
            ``topk_candidates=300``, mean and std 0.5 (inputs to ``[-1, 1]``).
    """
    refuse_detection_weights(
        "ssdlite320_mobilenet_v3_large", "mobilenet_v3_large", weights, weights_backbone, kwargs
    )
    num_classes = 91 if num_classes is None else num_classes
    trainable_backbone_layers = validate_trainable_layers(False, trainable_backbone_layers, 6, 6)
    if norm_layer is None:
        norm_layer = partial(BatchNorm2d, eps=0.001, momentum=0.03)
    backbone = mobilenet_v3_large(norm_layer=norm_layer, reduced_tail=True)
    _normal_init(backbone)
    backbone = _mobilenet_extractor(backbone, trainable_backbone_layers, norm_layer)
    size = (320, 320)
    anchor_generator = DefaultBoxGenerator([[2, 3] for _ in range(6)], min_ratio=0.2, max_ratio=0.95)
    out_channels = det_utils.retrieve_out_channels(backbone, size)
    num_anchors = anchor_generator.num_anchors_per_location()
    defaults = {
        "score_thresh": 0.001,
        "nms_thresh": 0.55,
        "detections_per_img": 300,
        "topk_candidates": 300,
        "image_mean": [0.5, 0.5, 0.5],
        "image_std": [0.5, 0.5, 0.5],
    }
    head = SSDLiteHead(out_channels, num_anchors, num_classes, norm_layer)
    return SSD(backbone, anchor_generator, size, num_classes, head=head, **{**defaults, **kwargs})
