"""FCN (Long, Shelhamer and Darrell, 2015) on a dilated ResNet: torchvision's ``fcn_resnet50/101``.

The backbone is a ResNet whose last two stages dilate instead of striding
(``replace_stride_with_dilation=[False, True, True]``), so ``layer4``'s map is 1/8 of the input
(2048 channels) and not 1/32. :class:`FCNHead` turns it into per-class scores (3×3 conv to a
quarter of the channels, batch norm, ReLU, dropout 0.1, 1×1 conv), which are resized bilinearly
to the input. With ``aux_loss=True`` a second :class:`FCNHead` reads ``layer3`` (1024 channels,
also 1/8) for an auxiliary loss. Parameters: 35,322,218 (``fcn_resnet50``, 21 classes, with the
auxiliary head), 54,314,346 (``fcn_resnet101``), torchvision's published counts.

Example:
    >>> import tt_autograd
    >>> model = fcn_resnet50(num_classes=3).eval()
    >>> tuple(model(tt_autograd.randn(1, 3, 33, 47))["out"].shape)
    (1, 3, 33, 47)
"""

from __future__ import annotations

import tt_nn as nn

from ...layers import BatchNorm2d, Conv2d
from .._utils import IntermediateLayerGetter
from ..builders import register_model
from ..resnet import resnet50, resnet101
from ._utils import _SimpleSegmentationModel, check_builder_arguments

__all__ = ["FCN", "fcn_resnet50", "fcn_resnet101"]


class FCN(_SimpleSegmentationModel):
    """A fully convolutional network: backbone, :class:`FCNHead`, optional auxiliary head.

    Args:
        backbone: returns a dict with ``"out"`` (and ``"aux"`` for the auxiliary head).
        classifier: the head on ``"out"``.
        aux_classifier: the head on ``"aux"``, used for an auxiliary loss in training (or None).

    Shape:
        input ``(N, 3, H, W)``; output ``{"out": (N, num_classes, H, W)[, "aux": same]}``.
    """


class FCNHead(nn.Sequential):
    """3×3 conv (no bias) to ``in_channels // 4``, batch norm, ReLU, ``Dropout(0.1)``, 1×1 conv (with bias)
    to ``channels``.

    Shape:
        ``(N, in_channels, h, w)`` to ``(N, channels, h, w)``; the 3×3 conv costs
        ``9 · in_channels² / 4`` multiply-adds per pixel.
    """

    def __init__(self, in_channels: int, channels: int) -> None:
        inter_channels = in_channels // 4
        super().__init__(
            Conv2d(in_channels, inter_channels, 3, padding=1, bias=False),
            BatchNorm2d(inter_channels),
            nn.ReLU(),
            nn.Dropout(0.1),
            Conv2d(inter_channels, channels, 1),
        )


def build_on_resnet(
    model_class, head_class, name, resnet, weights, num_classes, aux_loss, weights_backbone, kwargs
):
    """FCN's and DeepLabV3's ResNet builders (torchvision's ``_fcn_resnet``, ``_deeplabv3_resnet``):
    ``resnet`` with its last two stages dilated, ``head_class(2048, classes)`` on ``layer4``, an
    :class:`FCNHead` on ``layer3`` if ``aux_loss``."""
    check_builder_arguments(name, resnet.__name__, weights, weights_backbone, kwargs)
    num_classes = 21 if num_classes is None else num_classes
    return_layers = {"layer4": "out"}
    if aux_loss:
        return_layers["layer3"] = "aux"
    body = IntermediateLayerGetter(resnet(replace_stride_with_dilation=[False, True, True]), return_layers)
    aux_classifier = FCNHead(1024, num_classes) if aux_loss else None
    return model_class(body, head_class(2048, num_classes), aux_classifier)


@register_model()
def fcn_resnet50(
    *, weights=None, progress: bool = True, num_classes: int | None = None, aux_loss: bool | None = None,
    weights_backbone=None, **kwargs,
) -> FCN:  # fmt: skip
    """FCN with a dilated ResNet-50 backbone (35,322,218 parameters with 21 classes and ``aux_loss``).

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        num_classes: output classes, background included (default 21, Pascal VOC's).
        aux_loss: add the auxiliary :class:`FCNHead` on ``layer3``.
        weights_backbone: must be None. torchvision's default is ImageNet weights for the
            backbone; TinyTorch has none, so the default here is None (a random backbone).
        **kwargs: none is taken (torchvision ignores them; here they are an error).
    """
    return build_on_resnet(
        FCN, FCNHead, "fcn_resnet50", resnet50, weights, num_classes, aux_loss, weights_backbone, kwargs
    )


@register_model()
def fcn_resnet101(
    *, weights=None, progress: bool = True, num_classes: int | None = None, aux_loss: bool | None = None,
    weights_backbone=None, **kwargs,
) -> FCN:  # fmt: skip
    """FCN with a dilated ResNet-101 backbone (54,314,346 parameters); arguments as :func:`fcn_resnet50`."""
    return build_on_resnet(
        FCN, FCNHead, "fcn_resnet101", resnet101, weights, num_classes, aux_loss, weights_backbone, kwargs
    )
