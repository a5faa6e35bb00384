"""``tt_vision.ops``: torchvision.ops for detection and regularisation (``tinytorch.vision.ops``).

* Boxes (:mod:`.boxes`, :mod:`.non_max_suppression`): ``box_convert``, ``box_area``, ``box_iou``,
  ``generalized_box_iou``, ``distance_box_iou``, ``complete_box_iou``,
  ``clip_boxes_to_image``, ``remove_small_boxes``, ``masks_to_boxes``, ``nms``, ``batched_nms``.
* Losses: ``sigmoid_focal_loss`` (:mod:`.focal_loss`), ``generalized_box_iou_loss``,
  ``distance_box_iou_loss``, ``complete_box_iou_loss`` (:mod:`.box_losses`).
* Region pooling with gradients: ``roi_align``/``RoIAlign`` (:mod:`.roi_align`),
  ``roi_pool``/``RoIPool`` (:mod:`.roi_pool`), and the position-sensitive ``ps_roi_align``/``PSRoIAlign``,
  ``ps_roi_pool``/``PSRoIPool`` (:mod:`.ps_roi`).
* Regularisers: ``stochastic_depth``/``StochasticDepth`` (:mod:`.stochastic_depth`),
  ``drop_block2d``/``drop_block3d``/``DropBlock2d``/``DropBlock3d`` (:mod:`.drop_block`).
* Deformable convolution: ``deform_conv2d``/``DeformConv2d`` (:mod:`.deform_conv`).
* Detection necks: ``FeaturePyramidNetwork`` with ``LastLevelMaxPool``/``LastLevelP6P7``
  (:mod:`.feature_pyramid_network`), ``MultiScaleRoIAlign`` (:mod:`.poolers`).
* The models' building blocks (:mod:`.misc`): ``Conv2dNormActivation``, ``Conv3dNormActivation``,
  ``SqueezeExcitation``, ``MLP``, ``Permute``, ``FrozenBatchNorm2d``.

Example:
    >>> import tt_autograd as autograd
    >>> boxes = autograd.tensor([[0.0, 0.0, 2.0, 2.0], [1.0, 0.0, 3.0, 2.0]])
    >>> box_iou(boxes, boxes).numpy().astype(float).round(3).tolist()
    [[1.0, 0.333], [0.333, 1.0]]
    >>> len(Conv2dNormActivation(3, 8))  # the models' blocks (:mod:`.misc`)
    3
"""

from __future__ import annotations

from .box_losses import complete_box_iou_loss, distance_box_iou_loss, generalized_box_iou_loss
from .boxes import (
    box_area,
    box_convert,
    box_iou,
    clip_boxes_to_image,
    complete_box_iou,
    distance_box_iou,
    generalized_box_iou,
    masks_to_boxes,
    remove_small_boxes,
)
from .deform_conv import DeformConv2d, deform_conv2d
from .drop_block import DropBlock2d, DropBlock3d, drop_block2d, drop_block3d
from .feature_pyramid_network import FeaturePyramidNetwork
from .focal_loss import sigmoid_focal_loss
from .misc import (
    MLP,
    Conv2dNormActivation,
    Conv3dNormActivation,
    FrozenBatchNorm2d,
    Permute,
    SqueezeExcitation,
)
from .non_max_suppression import batched_nms, nms
from .poolers import MultiScaleRoIAlign
from .ps_roi import PSRoIAlign, PSRoIPool, ps_roi_align, ps_roi_pool
from .roi_align import RoIAlign, roi_align
from .roi_pool import RoIPool, roi_pool
from .stochastic_depth import StochasticDepth, stochastic_depth

__all__ = [
    "DeformConv2d",
    "deform_conv2d",
    "FeaturePyramidNetwork",
    "MultiScaleRoIAlign",
    "DropBlock2d",
    "DropBlock3d",
    "PSRoIAlign",
    "PSRoIPool",
    "RoIAlign",
    "RoIPool",
    "StochasticDepth",
    "batched_nms",
    "box_area",
    "box_convert",
    "box_iou",
    "clip_boxes_to_image",
    "complete_box_iou",
    "complete_box_iou_loss",
    "distance_box_iou",
    "distance_box_iou_loss",
    "drop_block2d",
    "drop_block3d",
    "generalized_box_iou",
    "generalized_box_iou_loss",
    "masks_to_boxes",
    "nms",
    "ps_roi_align",
    "ps_roi_pool",
    "remove_small_boxes",
    "roi_align",
    "roi_pool",
    "sigmoid_focal_loss",
    "stochastic_depth",
    "Conv2dNormActivation",
    "Conv3dNormActivation",
    "FrozenBatchNorm2d",
    "MLP",
    "Permute",
    "SqueezeExcitation",
]
