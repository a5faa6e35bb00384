"""``tt_vision.models.detection``: torchvision's detection models and their building blocks.

* :class:`ImageList` (:mod:`.image_list`): a padded batch and each image's size.
* :class:`AnchorGenerator` (:mod:`.anchor_utils`): anchors over feature-map levels.
* :class:`BoxCoder`, :class:`Matcher`, :class:`BalancedPositiveNegativeSampler` (:mod:`.det_utils`).
* :class:`GeneralizedRCNNTransform` (:mod:`.transform`): normalise, resize, batch; postprocess.
* :class:`RPNHead`, :class:`RegionProposalNetwork` (:mod:`.rpn`).
* :class:`RoIHeads` (:mod:`.roi_heads`, with its losses): the second stage, box and mask paths.
* :class:`RetinaNet` and its heads (:mod:`.retinanet`); :class:`FCOS` and its heads (:mod:`.fcos`).
* :class:`GeneralizedRCNN` (:mod:`.generalized_rcnn`): transform, backbone, RPN, RoI heads.
* :class:`BackboneWithFPN`, :func:`resnet_fpn_backbone`, :func:`mobilenet_backbone` (:mod:`.backbone_utils`).
* :class:`TwoMLPHead`, :class:`FastRCNNConvFCHead`, :class:`FastRCNNPredictor` (:mod:`.box_heads`).
* :class:`FasterRCNN` and its builders ``fasterrcnn_resnet50_fpn`` (``_v2``),
  ``fasterrcnn_mobilenet_v3_large_fpn`` (``_320_fpn``) (:mod:`.faster_rcnn`).
* :class:`DefaultBoxGenerator` (:mod:`.anchor_utils`), :class:`SSD` and its heads, ``ssd300_vgg16``
  (:mod:`.ssd`); the SSDlite heads and ``ssdlite320_mobilenet_v3_large`` (:mod:`.ssdlite`).
* :class:`KeypointRCNN`, its heads and ``keypointrcnn_resnet50_fpn`` (:mod:`.keypoint_rcnn`); the
  heatmap coding and loss (:mod:`.roi_keypoints`).
* :class:`MaskRCNN`, :class:`MaskRCNNHeads`, :class:`MaskRCNNPredictor`, ``maskrcnn_resnet50_fpn``
  (``_v2``) (:mod:`.mask_rcnn`); :func:`paste_masks_in_image` (:mod:`.paste_masks`).

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
from .backbone_utils import BackboneWithFPN, mobilenet_backbone, resnet_fpn_backbone
from .box_heads import FastRCNNConvFCHead, FastRCNNPredictor, TwoMLPHead
from .det_utils import BalancedPositiveNegativeSampler, BoxCoder, BoxLinearCoder, Matcher, SSDMatcher
from .faster_rcnn import (
    FasterRCNN,
    fasterrcnn_mobilenet_v3_large_320_fpn,
    fasterrcnn_mobilenet_v3_large_fpn,
    fasterrcnn_resnet50_fpn,
    fasterrcnn_resnet50_fpn_v2,
)
from .fcos import FCOS, FCOSClassificationHead, FCOSHead, FCOSRegressionHead, fcos_resnet50_fpn
from .generalized_rcnn import GeneralizedRCNN
from .image_list import ImageList
from .keypoint_rcnn import KeypointRCNN, KeypointRCNNHeads, KeypointRCNNPredictor, keypointrcnn_resnet50_fpn
from .mask_rcnn import (
    MaskRCNN,
    MaskRCNNHeads,
    MaskRCNNPredictor,
    maskrcnn_resnet50_fpn,
    maskrcnn_resnet50_fpn_v2,
)
from .retinanet import (
    RetinaNet,
    RetinaNetClassificationHead,
    RetinaNetHead,
    RetinaNetRegressionHead,
    retinanet_resnet50_fpn,
    retinanet_resnet50_fpn_v2,
)
from .roi_heads import RoIHeads
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
    "BackboneWithFPN",
    "BalancedPositiveNegativeSampler",
    "BoxCoder",
    "BoxLinearCoder",
    "DefaultBoxGenerator",
    "FCOS",
    "FCOSClassificationHead",
    "FCOSHead",
    "FCOSRegressionHead",
    "FastRCNNConvFCHead",
    "FastRCNNPredictor",
    "FasterRCNN",
    "GeneralizedRCNN",
    "GeneralizedRCNNTransform",
    "ImageList",
    "KeypointRCNN",
    "KeypointRCNNHeads",
    "KeypointRCNNPredictor",
    "MaskRCNN",
    "MaskRCNNHeads",
    "MaskRCNNPredictor",
    "Matcher",
    "RPNHead",
    "RegionProposalNetwork",
    "RetinaNet",
    "RetinaNetClassificationHead",
    "RetinaNetHead",
    "RetinaNetRegressionHead",
    "RoIHeads",
    "SSD",
    "SSDClassificationHead",
    "SSDHead",
    "SSDLiteClassificationHead",
    "SSDLiteHead",
    "SSDLiteRegressionHead",
    "SSDMatcher",
    "SSDRegressionHead",
    "TwoMLPHead",
    "fasterrcnn_mobilenet_v3_large_320_fpn",
    "fasterrcnn_mobilenet_v3_large_fpn",
    "fasterrcnn_resnet50_fpn",
    "fasterrcnn_resnet50_fpn_v2",
    "fcos_resnet50_fpn",
    "keypointrcnn_resnet50_fpn",
    "maskrcnn_resnet50_fpn",
    "maskrcnn_resnet50_fpn_v2",
    "mobilenet_backbone",
    "resnet_fpn_backbone",
    "retinanet_resnet50_fpn",
    "retinanet_resnet50_fpn_v2",
    "ssd300_vgg16",
    "ssdlite320_mobilenet_v3_large",
]
