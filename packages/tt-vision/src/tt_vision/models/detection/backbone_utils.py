"""Detection backbones: a classification network cut into feature maps, with a feature pyramid on top.

As torchvision's ``models.detection.backbone_utils``:

* :class:`BackboneWithFPN` runs an :class:`~tt_vision.models._utils.IntermediateLayerGetter` (the
  network's children up to the last map asked for) and a
  :class:`~tt_vision.ops.FeaturePyramidNetwork` on the maps it returns; every output level has
  ``out_channels`` channels (and a ``'pool'`` level from :class:`LastLevelMaxPool` by default).
* :func:`resnet_fpn_extractor` takes ResNet's ``layer1..layer4`` (strides 4, 8, 16, 32; channels
  ``inplanes / 8 · 2^(k-1)``: 256..2048 for a bottleneck ResNet, 64..512 for a basic one) under the
  names ``'0'``, ``'1'``, …, and freezes all but the last ``trainable_layers`` of
  ``conv1, layer1, …, layer4`` (5 also trains ``bn1``).
* :func:`mobilenet_extractor` splits a MobileNet's ``features`` into stages at its strided blocks
  (``_is_cn``), freezes the blocks before the last ``trainable_layers`` stages, and returns the
  last two stages' outputs through an FPN (or, with ``fpn=False``, the features and a 1×1
  convolution to 256 channels as one map).
* :func:`resnet_fpn_backbone` and :func:`mobilenet_backbone` build the network by name first.

Freezing sets ``requires_grad_(False)`` on the parameters (the frozen batch norms' statistics are
buffers: :class:`~tt_vision.ops.FrozenBatchNorm2d` never updates them). torchvision's private
``_resnet_fpn_extractor``, ``_mobilenet_extractor`` and ``_validate_trainable_layers`` are public
here without the underscore (the builders of Faster R-CNN, RetinaNet, FCOS and SSDlite use them).

Cost: the network's forward up to the last returned map plus the FPN's (its 3×3 convolutions,
``9 · H_i · W_i · out_channels²`` multiply-adds per level); building is the networks'.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import tt_nn as nn
from tt_autograd import Tensor

from ...layers import Conv2d
from ...ops.feature_pyramid_network import ExtraFPNBlock, FeaturePyramidNetwork, LastLevelMaxPool
from ...ops.misc import FrozenBatchNorm2d
from .. import mobilenetv2, mobilenetv3, resnet
from .._utils import IntermediateLayerGetter
from ..builders import _caller_level

__all__ = [
    "BackboneWithFPN",
    "freeze_before",
    "mobilenet_backbone",
    "mobilenet_extractor",
    "resnet_fpn_backbone",
    "resnet_fpn_extractor",
    "validate_trainable_layers",
]

RESNET_NAMES = tuple(name for name in resnet.__all__ if name.islower())  # the builders
MOBILENET_BUILDERS = {
    "mobilenet_v2": mobilenetv2.mobilenet_v2,
    "mobilenet_v3_large": mobilenetv3.mobilenet_v3_large,
    "mobilenet_v3_small": mobilenetv3.mobilenet_v3_small,
}


class BackboneWithFPN(nn.Module):
    """A network's intermediate maps (``body``) through a feature pyramid (``fpn``).

    Args:
        backbone: the network; only its direct children are cut (as ``IntermediateLayerGetter``).
        return_layers: ``{child name: output name}``.
        in_channels_list: the channels of each returned map, in the children's order.
        out_channels: the pyramid's width (the attribute ``out_channels`` the heads read).
        extra_blocks: appended levels (default :class:`LastLevelMaxPool`, a ``'pool'`` level).
        norm_layer: the pyramid's norm layer (default None: plain convolutions with bias).

    Shape:
        ``(N, C, H, W)`` -> an ``OrderedDict`` of ``(N, out_channels, H_i, W_i)``, one per returned
        layer (under its output name) and per extra level.
    """

    def __init__(
        self,
        backbone: nn.Module,
        return_layers: dict[str, str],
        in_channels_list: list[int],
        out_channels: int,
        extra_blocks: ExtraFPNBlock | None = None,
        norm_layer: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__()
        if extra_blocks is None:
            extra_blocks = LastLevelMaxPool()
        self.body = IntermediateLayerGetter(backbone, return_layers=return_layers)
        self.fpn = FeaturePyramidNetwork(
            in_channels_list=in_channels_list,
            out_channels=out_channels,
            extra_blocks=extra_blocks,
            norm_layer=norm_layer,
        )
        self.out_channels = out_channels

    def forward(self, x: Tensor):
        return self.fpn(self.body(x))


def check_range(caller: str, what: str, value: int, high: int) -> None:
    """``value`` must lie in ``[0, high]``: torchvision's message otherwise."""
    if value < 0 or value > high:
        raise ValueError(f"{caller}: {what} should be in the range [0,{high}], got {value}")


def resnet_fpn_extractor(
    backbone: resnet.ResNet,
    trainable_layers: int,
    returned_layers: list[int] | None = None,
    extra_blocks: ExtraFPNBlock | None = None,
    norm_layer: Callable[..., nn.Module] | None = None,
) -> BackboneWithFPN:
    """A ResNet's ``layer{k}`` maps (``k`` in ``returned_layers``, default 1..4) through a 256-wide FPN.

    Args:
        backbone: a :class:`~tt_vision.models.ResNet`; its parameters outside the last
            ``trainable_layers`` (0..5) of ``conv1, layer1, layer2, layer3, layer4`` are frozen
            (``5`` trains everything, ``bn1`` included).
        returned_layers: which of ``layer1..layer4`` are returned, named ``'0'``, ``'1'``, … in order.
        extra_blocks, norm_layer: the pyramid's (see :class:`BackboneWithFPN`).

    Raises:
        ValueError: ``trainable_layers`` outside ``[0, 5]``; a returned layer outside ``[1, 4]``.
    """
    check_range("resnet_fpn_extractor", "Trainable layers", trainable_layers, 5)
    layers_to_train = ["layer4", "layer3", "layer2", "layer1", "conv1"][:trainable_layers]
    if trainable_layers == 5:
        layers_to_train.append("bn1")
    for name, parameter in backbone.named_parameters():
        if not name.startswith(tuple(layers_to_train)):
            parameter.requires_grad_(False)
    if returned_layers is None:
        returned_layers = [1, 2, 3, 4]
    if min(returned_layers) <= 0 or max(returned_layers) >= 5:
        raise ValueError(
            f"resnet_fpn_extractor: each returned layer should be in the range [1,4], got {returned_layers}"
        )
    return_layers = {f"layer{k}": str(v) for v, k in enumerate(returned_layers)}
    in_channels_stage2 = backbone.inplanes // 8  # layer1's output width
    in_channels_list = [in_channels_stage2 * 2 ** (k - 1) for k in returned_layers]
    return BackboneWithFPN(
        backbone, return_layers, in_channels_list, 256, extra_blocks=extra_blocks, norm_layer=norm_layer
    )


_resnet_fpn_extractor = resnet_fpn_extractor  # torchvision's private name, for code that imports it


def resnet_fpn_backbone(
    *,
    backbone_name: str,
    weights,
    norm_layer: Callable[..., nn.Module] = FrozenBatchNorm2d,
    trainable_layers: int = 3,
    returned_layers: list[int] | None = None,
    extra_blocks: ExtraFPNBlock | None = None,
) -> BackboneWithFPN:
    """The ResNet ``backbone_name`` (built with ``norm_layer``) cut by :func:`resnet_fpn_extractor`.

    ``weights`` must be None (no pretrained weights offline; the ResNet builder says how to load
    converted ones). ``norm_layer`` is not passed to the pyramid, as torchvision.

    Example:
        >>> import tt_autograd
        >>> body = resnet_fpn_backbone(backbone_name="resnet18", weights=None)
        >>> [(k, v.shape[-1]) for k, v in body(tt_autograd.rand(1, 3, 64, 64)).items()]
        [('0', 16), ('1', 8), ('2', 4), ('3', 2), ('pool', 1)]
    """
    if backbone_name not in RESNET_NAMES:
        raise ValueError(
            f"resnet_fpn_backbone: unknown backbone_name {backbone_name!r}; "
            f"choose one of {list(RESNET_NAMES)}"
        )
    backbone = getattr(resnet, backbone_name)(weights=weights, norm_layer=norm_layer)
    return resnet_fpn_extractor(backbone, trainable_layers, returned_layers, extra_blocks)


def validate_trainable_layers(
    is_trained: bool, trainable_backbone_layers: int | None, max_value: int, default_value: int
) -> int:
    """How many backbone stages a detection builder trains.

    Without pretrained weights (``is_trained`` False) every stage trains (``max_value``; a value
    given warns that it is ignored); else the value given, or ``default_value`` when None.

    Raises:
        ValueError: the result lies outside ``[0, max_value]``.
    """
    if not is_trained:
        if trainable_backbone_layers is not None:
            warnings.warn(
                "Changing trainable_backbone_layers has no effect if neither pretrained nor "
                "pretrained_backbone have been set to True, falling back to "
                f"trainable_backbone_layers={max_value} so that all layers are trainable",
                UserWarning,
                stacklevel=_caller_level(),
            )
        trainable_backbone_layers = max_value
    if trainable_backbone_layers is None:
        trainable_backbone_layers = default_value
    check_range(
        "validate_trainable_layers", "Trainable backbone layers", trainable_backbone_layers, max_value
    )
    return trainable_backbone_layers


def freeze_before(layers: nn.Module, stage_indices: list[int], trainable_layers: int) -> None:
    """``requires_grad_(False)`` on the layers of a sequential ``layers`` before its last
    ``trainable_layers`` stages (stage ``k`` starts at ``layers[stage_indices[k]]``; 0 freezes all).

    Raises:
        ValueError: ``trainable_layers`` outside ``[0, len(stage_indices)]``.
    """
    stages = len(stage_indices)
    check_range("freeze_before", "Trainable layers", trainable_layers, stages)
    end = len(layers) if trainable_layers == 0 else stage_indices[stages - trainable_layers]
    for layer in list(layers)[:end]:
        for parameter in layer.parameters():
            parameter.requires_grad_(False)


def mobilenet_extractor(
    backbone: nn.Module,
    fpn: bool,
    trainable_layers: int,
    returned_layers: list[int] | None = None,
    extra_blocks: ExtraFPNBlock | None = None,
    norm_layer: Callable[..., nn.Module] | None = None,
) -> nn.Module:
    """A MobileNet's ``features`` cut into stages, the first ones frozen, with an FPN or a 1×1 convolution.

    The stages start at block 0, at every strided block (``_is_cn``) and at the last block. The
    blocks before the first of the last ``trainable_layers`` stages are frozen (all of them for 0).

    Args:
        backbone: a :class:`~tt_vision.models.MobileNetV2` or ``MobileNetV3`` (its ``features`` are used).
        fpn: True: :class:`BackboneWithFPN` over the stages in ``returned_layers`` (default the
            last two, named ``'0'``, ``'1'``); False: ``Sequential(features, Conv2d(C, 256, 1))``
            with ``out_channels = 256``.
        trainable_layers: 0 .. the number of stages.

    Raises:
        ValueError: ``trainable_layers`` out of range; a returned stage outside ``[0, stages - 1]``.
    """
    features = backbone.features
    stage_indices = [0] + [i for i, b in enumerate(features) if getattr(b, "_is_cn", False)]
    stage_indices.append(len(features) - 1)
    num_stages = len(stage_indices)
    check_range("mobilenet_extractor", "Trainable layers", trainable_layers, num_stages)
    freeze_before(features, stage_indices, trainable_layers)
    out_channels = 256
    if not fpn:
        model = nn.Sequential(features, Conv2d(features[-1].out_channels, out_channels, 1))
        model.out_channels = out_channels
        return model
    if returned_layers is None:
        returned_layers = [num_stages - 2, num_stages - 1]
    if min(returned_layers) < 0 or max(returned_layers) >= num_stages:
        raise ValueError(
            f"mobilenet_extractor: each returned layer should be in the range [0,{num_stages - 1}], "
            f"got {returned_layers}"
        )
    return_layers = {f"{stage_indices[k]}": str(v) for v, k in enumerate(returned_layers)}
    in_channels_list = [features[stage_indices[k]].out_channels for k in returned_layers]
    return BackboneWithFPN(
        features,
        return_layers,
        in_channels_list,
        out_channels,
        extra_blocks=extra_blocks,
        norm_layer=norm_layer,
    )


_mobilenet_extractor = mobilenet_extractor  # torchvision's private name


def mobilenet_backbone(
    *,
    backbone_name: str,
    weights,
    fpn: bool,
    norm_layer: Callable[..., nn.Module] = FrozenBatchNorm2d,
    trainable_layers: int = 2,
    returned_layers: list[int] | None = None,
    extra_blocks: ExtraFPNBlock | None = None,
) -> nn.Module:
    """The MobileNet ``backbone_name`` (built with ``norm_layer``) cut by :func:`mobilenet_extractor`.

    ``weights`` must be None (no pretrained weights offline).
    """
    if backbone_name not in MOBILENET_BUILDERS:
        raise ValueError(
            f"mobilenet_backbone: unknown backbone_name {backbone_name!r}; "
            f"choose one of {list(MOBILENET_BUILDERS)}"
        )
    backbone = MOBILENET_BUILDERS[backbone_name](weights=weights, norm_layer=norm_layer)
    return mobilenet_extractor(backbone, fpn, trainable_layers, returned_layers, extra_blocks)
