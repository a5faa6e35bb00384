"""DeepLabV3 (Chen et al., 2017): torchvision's ``deeplabv3_resnet50/101``, ``deeplabv3_mobilenet_v3_large``.

The head, :class:`DeepLabHead`, starts with atrous spatial pyramid pooling (:class:`ASPP`): five
parallel branches over the backbone's last map, a 1×1 conv, three 3×3 convs dilated 12, 24 and 36
(:class:`ASPPConv`: each sees a wider context at the same cost) and the image-wide average
(:class:`ASPPPooling`, a 1×1 map spread back over the map), each to 256 channels with batch norm
and ReLU; they are concatenated (1280 channels), projected to 256 by a 1×1 conv and dropped out
(0.5). A 3×3 conv, batch norm, ReLU and a 1×1 conv give the classes, resized bilinearly to the
input. Backbones: a ResNet whose last two stages dilate (output stride 8, 2048 channels; the
auxiliary :class:`~tt_vision.models.segmentation.fcn.FCNHead` reads ``layer3``), or
MobileNetV3-Large with its last stage dilated (``dilated=True``, output stride 16, 960 channels
from ``features[16]``; the auxiliary head reads ``features[4]``, 40 channels at stride 8).
Parameters with 21 classes and ``aux_loss``: 42,004,074 (ResNet-50), 60,996,202 (ResNet-101),
11,029,328 (MobileNetV3-Large), torchvision's published counts.

In training mode :class:`ASPPPooling`'s batch norm sees one number per channel and image, so a
batch of one image is an error there (as in PyTorch); evaluate with ``model.eval()``.

Example:
    >>> import tt_autograd
    >>> model = deeplabv3_mobilenet_v3_large(num_classes=3).eval()
    >>> tuple(model(tt_autograd.randn(1, 3, 65, 40))["out"].shape)
    (1, 3, 65, 40)
"""

from __future__ import annotations

from collections.abc import Sequence

import tt_autograd
import tt_nn as nn
from tt_nn.functional import interpolate

from ...layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d
from .._utils import IntermediateLayerGetter
from ..builders import register_model
from ..mobilenetv3 import MobileNetV3, mobilenet_v3_large
from ..resnet import resnet50, resnet101
from ._utils import _SimpleSegmentationModel, check_builder_arguments
from .fcn import FCNHead, build_on_resnet

__all__ = ["DeepLabV3", "deeplabv3_mobilenet_v3_large", "deeplabv3_resnet50", "deeplabv3_resnet101"]


class DeepLabV3(_SimpleSegmentationModel):
    """DeepLabV3: a backbone, a :class:`DeepLabHead` as ``classifier``, an optional auxiliary head; the
    arguments, forward and shapes are :class:`~tt_vision.models.segmentation.fcn.FCN`'s (both are
    torchvision's ``_SimpleSegmentationModel``)."""


class DeepLabHead(nn.Sequential):
    """:class:`ASPP` (to 256 channels), 3×3 conv, batch norm, ReLU, 1×1 conv to ``num_classes``.

    Args:
        in_channels: the backbone map's channels.
        num_classes: output channels.
        atrous_rates: the dilations of ASPP's 3×3 branches (default ``(12, 24, 36)``).

    Shape:
        ``(N, in_channels, h, w)`` to ``(N, num_classes, h, w)``.
    """

    def __init__(
        self, in_channels: int, num_classes: int, atrous_rates: Sequence[int] = (12, 24, 36)
    ) -> None:
        super().__init__(
            ASPP(in_channels, atrous_rates),
            Conv2d(256, 256, 3, padding=1, bias=False),
            BatchNorm2d(256),
            nn.ReLU(),
            Conv2d(256, num_classes, 1),
        )


class ASPPConv(nn.Sequential):
    """3×3 conv dilated by ``dilation`` (padded to keep the size, no bias), batch norm, ReLU.

    Shape:
        ``(N, in_channels, h, w)`` to ``(N, out_channels, h, w)``; 9 taps per output whatever the dilation.
    """

    def __init__(self, in_channels: int, out_channels: int, dilation: int) -> None:
        super().__init__(
            Conv2d(in_channels, out_channels, 3, padding=dilation, dilation=dilation, bias=False),
            BatchNorm2d(out_channels),
            nn.ReLU(),
        )


class ASPPPooling(nn.Sequential):
    """Global average (1×1), 1×1 conv (no bias), batch norm, ReLU, resized back to the input's size.

    The bilinear resize of a 1×1 map copies its value to every position.

    Shape:
        ``(N, in_channels, h, w)`` to ``(N, out_channels, h, w)``. In training mode the batch norm
        needs ``N > 1``.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            AdaptiveAvgPool2d(1),
            Conv2d(in_channels, out_channels, 1, bias=False),
            BatchNorm2d(out_channels),
            nn.ReLU(),
        )

    def forward(self, x):
        size = tuple(x.shape[-2:])
        return interpolate(super().forward(x), size=size, mode="bilinear", align_corners=False)


class ASPP(nn.Module):
    """Atrous spatial pyramid pooling: a 1×1 branch, one :class:`ASPPConv` per rate and :class:`ASPPPooling`,
    concatenated and projected (1×1 conv, batch norm, ReLU, ``Dropout(0.5)``).

    Args:
        in_channels: input channels.
        atrous_rates: the dilations of the 3×3 branches.
        out_channels: each branch's and the output's channels (default 256).

    Shape:
        ``(N, in_channels, h, w)`` to ``(N, out_channels, h, w)``. Cost per pixel:
        ``in_channels · out_channels · (1 + 9 · len(atrous_rates))`` multiply-adds for the branches,
        ``(len(atrous_rates) + 2) · out_channels²`` for the projection.
    """

    def __init__(self, in_channels: int, atrous_rates: Sequence[int], out_channels: int = 256) -> None:
        super().__init__()
        branches: list[nn.Module] = [
            nn.Sequential(
                Conv2d(in_channels, out_channels, 1, bias=False), BatchNorm2d(out_channels), nn.ReLU()
            )
        ]
        branches += [ASPPConv(in_channels, out_channels, rate) for rate in tuple(atrous_rates)]
        branches.append(ASPPPooling(in_channels, out_channels))
        self.convs = nn.ModuleList(branches)
        self.project = nn.Sequential(
            Conv2d(len(self.convs) * out_channels, out_channels, 1, bias=False),
            BatchNorm2d(out_channels),
            nn.ReLU(),
            nn.Dropout(0.5),
        )

    def forward(self, x):
        return self.project(tt_autograd.cat([branch(x) for branch in self.convs], dim=1))


def mobilenet_stages(features: nn.Sequential) -> list[int]:
    """The indices of ``features``' stage ends: the stem, each block marked ``_is_cn`` (configured with
    stride 2, dilated or not), the last layer. For MobileNetV3-Large: ``[0, 2, 4, 7, 13, 16]``."""
    strided = [i for i, block in enumerate(features) if getattr(block, "_is_cn", False)]
    return [0, *strided, len(features) - 1]


def _deeplabv3_mobilenetv3(backbone: MobileNetV3, num_classes: int, aux: bool | None) -> DeepLabV3:
    features = backbone.features
    stages = mobilenet_stages(features)
    out_pos, aux_pos = stages[-1], stages[-4]  # the last map (stride 16), C2 (stride 8)
    return_layers = {str(out_pos): "out"}
    if aux:
        return_layers[str(aux_pos)] = "aux"
    body = IntermediateLayerGetter(features, return_layers=return_layers)
    aux_classifier = FCNHead(features[aux_pos].out_channels, num_classes) if aux else None
    return DeepLabV3(body, DeepLabHead(features[out_pos].out_channels, num_classes), aux_classifier)


@register_model()
def deeplabv3_resnet50(
    *, weights=None, progress: bool = True, num_classes: int | None = None, aux_loss: bool | None = None,
    weights_backbone=None, **kwargs,
) -> DeepLabV3:  # fmt: skip
    """DeepLabV3 with a dilated ResNet-50 backbone (42,004,074 parameters with 21 classes and ``aux_loss``);
    arguments as :func:`~tt_vision.models.segmentation.fcn.fcn_resnet50` (``weights_backbone`` must be None:
    torchvision's default, ImageNet weights, is not available)."""
    return build_on_resnet(
        DeepLabV3,
        DeepLabHead,
        "deeplabv3_resnet50",
        resnet50,
        weights,
        num_classes,
        aux_loss,
        weights_backbone,
        kwargs,
    )


@register_model()
def deeplabv3_resnet101(
    *, weights=None, progress: bool = True, num_classes: int | None = None, aux_loss: bool | None = None,
    weights_backbone=None, **kwargs,
) -> DeepLabV3:  # fmt: skip
    """DeepLabV3 with a dilated ResNet-101 backbone (60,996,202 parameters); arguments as
    :func:`~tt_vision.models.segmentation.fcn.fcn_resnet50`."""
    return build_on_resnet(
        DeepLabV3,
        DeepLabHead,
        "deeplabv3_resnet101",
        resnet101,
        weights,
        num_classes,
        aux_loss,
        weights_backbone,
        kwargs,
    )


@register_model()
def deeplabv3_mobilenet_v3_large(
    *, weights=None, progress: bool = True, num_classes: int | None = None, aux_loss: bool | None = None,
    weights_backbone=None, **kwargs,
) -> DeepLabV3:  # fmt: skip
    """DeepLabV3 with a MobileNetV3-Large backbone, last stage dilated (11,029,328 parameters with 21
    classes and ``aux_loss``); arguments as :func:`~tt_vision.models.segmentation.fcn.fcn_resnet50`."""
    check_builder_arguments(
        "deeplabv3_mobilenet_v3_large", "mobilenet_v3_large", weights, weights_backbone, kwargs
    )
    backbone = mobilenet_v3_large(dilated=True)
    return _deeplabv3_mobilenetv3(backbone, 21 if num_classes is None else num_classes, aux_loss)
