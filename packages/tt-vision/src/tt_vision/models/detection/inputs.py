"""What every detector checks of its inputs, written once (torchvision repeats it in each model).

:class:`~.generalized_rcnn.GeneralizedRCNN` (Faster R-CNN), :class:`~.one_stage.OneStageDetector`
(RetinaNet, FCOS) and :class:`~.ssd.SSD` call these before and after their transform:

* :func:`check_training_targets`: training needs targets, each with ``"boxes"`` a ``(G, 4)`` tensor
  (``G`` may be 0: an image without objects);
* :func:`original_image_sizes`: each image is ``(C, H, W)``; its ``(H, W)`` is kept to map the
  detections back after the transform resized it;
* :func:`check_degenerate_boxes`: after resizing, every box has positive width and height.

``model`` names the detector in the messages. Defaults shared by the detectors' transforms:
:data:`IMAGENET_MEAN` and :data:`IMAGENET_STD` (the statistics their backbones were trained with).
Cost: ``O(G)`` per image, on the host.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Tensor

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "check_degenerate_boxes",
    "check_training_targets",
    "original_image_sizes",
]

#: The per-channel mean and standard deviation a detector's transform normalises with by default.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def check_training_targets(model: str, targets: list[dict] | None) -> None:
    """Refuse training without targets (``ValueError``) or with boxes that are not ``(G, 4)`` tensors
    (``TypeError`` for another type, ``ValueError`` for another shape)."""
    if targets is None:
        raise ValueError(
            f"{model}: targets should not be None in training mode; pass one dict per image with "
            "'boxes' ((G, 4) float) and 'labels' ((G,) int64), or call .eval()"
        )
    for target in targets:
        boxes = target["boxes"]
        if not isinstance(boxes, Tensor):
            raise TypeError(
                f"{model}: expected target boxes to be of type Tensor, got {type(boxes).__name__}"
            )
        if boxes.ndim != 2 or boxes.shape[1] != 4:
            raise ValueError(
                f"{model}: expected target boxes to be a tensor of shape [N, 4], got {tuple(boxes.shape)}"
            )


def original_image_sizes(model: str, images: list[Tensor]) -> list[tuple[int, int]]:
    """Each image's ``(H, W)``; an image that is not ``(C, H, W)`` is refused (``ValueError``)."""
    sizes = []
    for image in images:
        if image.ndim != 3:
            raise ValueError(f"{model}: images must be (C, H, W) tensors, got shape {tuple(image.shape)}")
        sizes.append((int(image.shape[-2]), int(image.shape[-1])))
    return sizes


def check_degenerate_boxes(model: str, targets: list[dict] | None) -> None:
    """Refuse a box with ``x2 <= x1`` or ``y2 <= y1`` (``ValueError`` naming the first and its image)."""
    for index, target in enumerate(targets or []):
        boxes = target["boxes"].detach().numpy()
        degenerate = np.flatnonzero((boxes[:, 2:] <= boxes[:, :2]).any(axis=1))
        if degenerate.size:
            raise ValueError(
                f"{model}: all bounding boxes should have positive height and width. Found invalid box "
                f"{boxes[degenerate[0]].tolist()} for target at index {index}."
            )
