"""Lite R-ASPP (Howard et al., 2019, "Searching for MobileNetV3"): torchvision's lraspp_mobilenet_v3_large.

A light segmentation head on MobileNetV3-Large with its last stage dilated (output stride 16):
the last map (960 channels) goes through a 1×1 conv, batch norm and ReLU to 128 channels, gated
per channel by a sigmoid of its image-wide average (a 1×1 conv of the pooled map, like
squeeze-excitation); the product is resized bilinearly to the stride-8 map of ``features[4]``
(40 channels), and a 1×1 classifier of each is added. The sum is resized to the input.
No auxiliary head. 3,221,538 parameters with 21 classes, torchvision's published count.

Example:
    >>> import tt_autograd
    >>> model = lraspp_mobilenet_v3_large(num_classes=3).eval()
    >>> tuple(model(tt_autograd.randn(1, 3, 37, 64))["out"].shape)
    (1, 3, 37, 64)
"""

from __future__ import annotations

from collections import OrderedDict

import tt_nn as nn
from tt_nn.functional import interpolate

from ...layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d
from .._utils import IntermediateLayerGetter
from ..builders import register_model
from ..mobilenetv3 import MobileNetV3, mobilenet_v3_large
from ._utils import check_builder_arguments
from .deeplabv3 import mobilenet_stages

__all__ = ["LRASPP", "lraspp_mobilenet_v3_large"]


class LRASPP(nn.Module):
    """Lite R-ASPP: a backbone returning ``{"low", "high"}`` maps and an :class:`LRASPPHead`.

    Args:
        backbone: returns a dict with ``"low"`` (fine) and ``"high"`` (coarse, deep) maps.
        low_channels, high_channels: their channels.
        num_classes: output classes.
        inter_channels: the head's width (default 128).

    Shape:
        input ``(N, 3, H, W)``; output ``{"out": (N, num_classes, H, W)}``.
    """

    def __init__(
        self,
        backbone: nn.Module,
        low_channels: int,
        high_channels: int,
        num_classes: int,
        inter_channels: int = 128,
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.classifier = LRASPPHead(low_channels, high_channels, num_classes, inter_channels)

    def forward(self, input):  # noqa: A002
        out = self.classifier(self.backbone(input))
        result = OrderedDict()
        result["out"] = interpolate(out, size=tuple(input.shape[-2:]), mode="bilinear", align_corners=False)
        return result


class LRASPPHead(nn.Module):
    """``low_classifier(low) + high_classifier(resize(cbr(high) · scale(high)))``.

    ``cbr``: 1×1 conv (no bias), batch norm, ReLU to ``inter_channels``; ``scale``: global average,
    1×1 conv (no bias), sigmoid: one gate per image and channel.

    Shape:
        ``{"low": (N, low_channels, h, w), "high": (N, high_channels, h', w')}`` to
        ``(N, num_classes, h, w)``.
    """

    def __init__(self, low_channels: int, high_channels: int, num_classes: int, inter_channels: int) -> None:
        super().__init__()
        self.cbr = nn.Sequential(
            Conv2d(high_channels, inter_channels, 1, bias=False),
            BatchNorm2d(inter_channels),
            nn.ReLU(inplace=True),
        )
        self.scale = nn.Sequential(
            AdaptiveAvgPool2d(1),
            Conv2d(high_channels, inter_channels, 1, bias=False),
            nn.Sigmoid(),
        )
        self.low_classifier = Conv2d(low_channels, num_classes, 1)
        self.high_classifier = Conv2d(inter_channels, num_classes, 1)

    def forward(self, input):  # noqa: A002
        low, high = input["low"], input["high"]
        x = self.cbr(high) * self.scale(high)
        x = interpolate(x, size=tuple(low.shape[-2:]), mode="bilinear", align_corners=False)
        return self.low_classifier(low) + self.high_classifier(x)


def _lraspp_mobilenetv3(backbone: MobileNetV3, num_classes: int) -> LRASPP:
    features = backbone.features
    stages = mobilenet_stages(features)
    low_pos, high_pos = stages[-4], stages[-1]  # C2 (stride 8), the last map (stride 16)
    body = IntermediateLayerGetter(features, return_layers={str(low_pos): "low", str(high_pos): "high"})
    return LRASPP(body, features[low_pos].out_channels, features[high_pos].out_channels, num_classes)


@register_model()
def lraspp_mobilenet_v3_large(
    *, weights=None, progress: bool = True, num_classes: int | None = None, weights_backbone=None, **kwargs
) -> LRASPP:
    """Lite R-ASPP on a dilated MobileNetV3-Large (3,221,538 parameters with 21 classes).

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        num_classes: output classes, background included (default 21, Pascal VOC's).
        weights_backbone: must be None (torchvision's default is ImageNet weights; TinyTorch has none).
        **kwargs: ``aux_loss=True`` raises ``NotImplementedError`` as in torchvision (the model has
            no auxiliary head); any other keyword is an error (torchvision ignores them).
    """
    if kwargs.pop("aux_loss", False):
        raise NotImplementedError("lraspp_mobilenet_v3_large: this model does not use auxiliary loss")
    check_builder_arguments(
        "lraspp_mobilenet_v3_large", "mobilenet_v3_large", weights, weights_backbone, kwargs
    )
    backbone = mobilenet_v3_large(dilated=True)
    return _lraspp_mobilenetv3(backbone, 21 if num_classes is None else num_classes)
