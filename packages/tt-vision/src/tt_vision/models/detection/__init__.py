"""``tt_vision.models.detection``: torchvision's detection building blocks (part 1: up to the RPN).

* :class:`ImageList` (:mod:`.image_list`): a padded batch and each image's size.
* :class:`AnchorGenerator` (:mod:`.anchor_utils`): anchors over feature-map levels.
* :class:`BoxCoder`, :class:`Matcher`, :class:`BalancedPositiveNegativeSampler` (:mod:`.det_utils`).
* :class:`GeneralizedRCNNTransform` (:mod:`.transform`): normalise, resize, batch; postprocess.
* :class:`RPNHead`, :class:`RegionProposalNetwork` (:mod:`.rpn`).
* :class:`DefaultBoxGenerator` (:mod:`.anchor_utils`), :class:`SSD` and its heads, ``ssd300_vgg16``
  (:mod:`.ssd`); the SSDlite heads and ``ssdlite320_mobilenet_v3_large`` (:mod:`.ssdlite`).

Example:
    >>> import tt_autograd
    >>> anchors = AnchorGenerator(((16,),), ((1.0,),))
    >>> top_n = {"training": 20, "testing": 20}
    >>> rpn = RegionProposalNetwork(anchors, RPNHead(4, 1), 0.7, 0.3, 256, 0.5, top_n, top_n, 0.7).eval()
    >>> images = ImageList(tt_autograd.zeros(1, 3, 32, 32), [(32, 32)])
    >>> boxes, losses = rpn(images, {"0": tt_autograd.randn(1, 4, 8, 8)})
    >>> boxes[0].shape[1], losses
    (4, {})
"""

from __future__ import annotations

from .anchor_utils import AnchorGenerator, DefaultBoxGenerator
from .det_utils import BalancedPositiveNegativeSampler, BoxCoder, Matcher, SSDMatcher
from .image_list import ImageList
from .rpn import RegionProposalNetwork, RPNHead
from .ssd import SSD, SSDClassificationHead, SSDHead, SSDRegressionHead, ssd300_vgg16
from .ssdlite import (
    SSDLiteClassificationHead,
    SSDLiteHead,
    SSDLiteRegressionHead,
    ssdlite320_mobilenet_v3_large,
)
from .transform import GeneralizedRCNNTransform

__all__ = [
    "AnchorGenerator",
    "BalancedPositiveNegativeSampler",
    "BoxCoder",
    "DefaultBoxGenerator",
    "GeneralizedRCNNTransform",
    "ImageList",
    "Matcher",
    "RPNHead",
    "RegionProposalNetwork",
    "SSD",
    "SSDClassificationHead",
    "SSDHead",
    "SSDLiteClassificationHead",
    "SSDLiteHead",
    "SSDLiteRegressionHead",
    "SSDMatcher",
    "SSDRegressionHead",
    "ssd300_vgg16",
    "ssdlite320_mobilenet_v3_large",
]
