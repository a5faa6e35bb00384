"""``tt_vision.models.segmentation``: torchvision's semantic-segmentation models (``tinytorch.vision.…``).

FCN (``fcn_resnet50``, ``fcn_resnet101``), DeepLabV3 (``deeplabv3_resnet50``, ``deeplabv3_resnet101``,
``deeplabv3_mobilenet_v3_large``) and Lite R-ASPP (``lraspp_mobilenet_v3_large``), with torchvision's
module names (``fcn``, ``deeplabv3``, ``lraspp``), classes, state-dict keys and initialisation. Each
returns an ``OrderedDict`` ``{"out": (N, num_classes, H, W)}`` at the input's size, plus ``"aux"``
for FCN and DeepLabV3 built with ``aux_loss=True``. No pretrained weights (``weights`` and
``weights_backbone`` must be None).

Example:
    >>> import tt_autograd
    >>> from tt_vision.models import segmentation
    >>> model = segmentation.fcn_resnet50(num_classes=5, aux_loss=True).eval()
    >>> out = model(tt_autograd.randn(1, 3, 40, 40))
    >>> list(out), tuple(out["aux"].shape)
    (['out', 'aux'], (1, 5, 40, 40))
"""

from __future__ import annotations

from .deeplabv3 import DeepLabV3, deeplabv3_mobilenet_v3_large, deeplabv3_resnet50, deeplabv3_resnet101
from .fcn import FCN, fcn_resnet50, fcn_resnet101
from .lraspp import LRASPP, lraspp_mobilenet_v3_large

__all__ = [
    "DeepLabV3",
    "FCN",
    "LRASPP",
    "deeplabv3_mobilenet_v3_large",
    "deeplabv3_resnet50",
    "deeplabv3_resnet101",
    "fcn_resnet50",
    "fcn_resnet101",
    "lraspp_mobilenet_v3_large",
]
