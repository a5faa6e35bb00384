"""What torchvision's segmentation models share: :class:`_SimpleSegmentationModel` and the builders' checks.

A segmentation model here is a backbone returning a dict of feature maps (an
:class:`~tt_vision.models._utils.IntermediateLayerGetter`), a head on its ``"out"`` map and an
optional auxiliary head on its ``"aux"`` map; each head's per-class map is resized bilinearly
(``align_corners=False``) to the input's height and width. FCN and DeepLabV3 are this class
(torchvision's ``_SimpleSegmentationModel``) with their own heads.
"""

from __future__ import annotations

from collections import OrderedDict

import tt_nn as nn
from tt_nn.functional import interpolate

from ..builders import refuse_backbone_weights

__all__ = ["_SimpleSegmentationModel"]


class _SimpleSegmentationModel(nn.Module):
    """Backbone, classifier on its ``"out"`` map, optional auxiliary classifier on its ``"aux"`` map.

    Args:
        backbone: a module returning a dict with ``"out"`` (and ``"aux"`` when ``aux_classifier``
            is given).
        classifier: maps ``features["out"]`` to per-class scores ``(N, num_classes, h, w)``.
        aux_classifier: maps ``features["aux"]`` likewise, for an auxiliary loss in training (or None).

    Shape:
        input ``(N, 3, H, W)``; output an ``OrderedDict`` ``{"out": (N, num_classes, H, W)}``, plus
        ``"aux"`` of the same shape when there is an auxiliary classifier. The resize costs
        ``O(N · num_classes · H · W)``, small beside the backbone.
    """

    def __init__(
        self, backbone: nn.Module, classifier: nn.Module, aux_classifier: nn.Module | None = None
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.classifier = classifier
        self.aux_classifier = aux_classifier

    def forward(self, x):
        size = tuple(x.shape[-2:])
        features = self.backbone(x)
        result = OrderedDict()
        result["out"] = interpolate(
            self.classifier(features["out"]), size=size, mode="bilinear", align_corners=False
        )
        if self.aux_classifier is not None:
            aux = self.aux_classifier(features["aux"])
            result["aux"] = interpolate(aux, size=size, mode="bilinear", align_corners=False)
        return result


def check_builder_arguments(name: str, backbone: str, weights, weights_backbone, kwargs: dict) -> None:
    """A segmentation builder's checks: ``weights`` and ``weights_backbone`` must be None (and the legacy
    ``pretrained`` / ``pretrained_backbone`` False), and no other keyword is taken.

    torchvision accepts and ignores unknown keywords in these builders; here they are a ``TypeError``,
    so a misspelt ``num_clases`` does not silently build a 21-class model.
    """
    refuse_backbone_weights(name, backbone, weights, weights_backbone, kwargs)
    if kwargs:
        raise TypeError(
            f"{name}() got unexpected keyword arguments {sorted(kwargs)}; the segmentation builders take "
            "weights, progress, num_classes, aux_loss (not LR-ASPP) and weights_backbone"
        )
