"""``GeneralizedRCNN``: the two-stage detectors' skeleton, as torchvision's ``generalized_rcnn``.

A forward pass:

1. checks the targets in training mode (each ``"boxes"`` a ``(G, 4)`` tensor) and records every
   image's original ``(H, W)``;
2. ``transform`` normalises, resizes and batches the images (and scales the target boxes); a
   resized box with ``x2 <= x1`` or ``y2 <= y1`` is refused (torchvision's degenerate-box check);
3. ``backbone`` maps the padded batch to feature maps (a dict; a single tensor becomes ``{"0": x}``);
4. ``rpn`` proposes boxes (and its losses in training), ``roi_heads`` turns proposals into
   detections (and its losses);
5. ``transform.postprocess`` scales the detections back to the original sizes (eval mode).

It returns the losses (a dict) in training mode and the detections (a list of dicts) in eval
mode: :meth:`eager_outputs`. Cost: the backbone's, the RPN's and the heads'; the checks are
``O(G)`` per image. Loops over images only.
"""

from __future__ import annotations

from collections import OrderedDict

import tt_nn as nn
from tt_autograd import Tensor

from .inputs import check_degenerate_boxes, check_training_targets, original_image_sizes

__all__ = ["GeneralizedRCNN"]


class GeneralizedRCNN(nn.Module):
    """Transform, backbone, region proposal network and RoI heads run in turn.

    Args:
        backbone: images ``(N, C, H, W)`` -> a dict of feature maps (or one tensor).
        rpn: ``rpn(images, features, targets)`` -> (proposals per image, losses dict).
        roi_heads: ``roi_heads(features, proposals, image_sizes, targets)`` -> (detections, losses).
        transform: a :class:`GeneralizedRCNNTransform` (or a module with its ``forward`` and
            ``postprocess``).

    Shape:
        ``forward(images, targets=None)``: ``images`` a list of ``(C, H_i, W_i)`` float tensors,
        ``targets`` a list of ``{"boxes": (G_i, 4) 'xyxy', "labels": (G_i,)}`` (required in training)
        -> training: ``{loss name: scalar}`` (the heads' losses, then the RPN's); eval: a list of
        ``{"boxes": (D_i, 4), "labels": (D_i,), "scores": (D_i,)}`` in the original images' pixels.

    Raises:
        ValueError: training mode without targets; target boxes not a ``(G, 4)`` tensor; an image
            of fewer than 2 dimensions; a box of zero or negative width or height (torchvision
            raises ``AssertionError`` for these: ``torch._assert``).
    """

    def __init__(
        self, backbone: nn.Module, rpn: nn.Module, roi_heads: nn.Module, transform: nn.Module
    ) -> None:
        super().__init__()
        self.transform = transform
        self.backbone = backbone
        self.rpn = rpn
        self.roi_heads = roi_heads

    def eager_outputs(self, losses: dict, detections: list[dict]):
        """The losses in training mode, the detections in eval mode."""
        return losses if self.training else detections

    def forward(self, images: list[Tensor], targets: list[dict] | None = None):
        name = type(self).__name__
        if self.training:
            check_training_targets(name, targets)
        original_sizes = original_image_sizes(name, images)
        images, targets = self.transform(images, targets)
        check_degenerate_boxes(name, targets)
        features = self.backbone(images.tensors)
        if isinstance(features, Tensor):
            features = OrderedDict([("0", features)])
        proposals, proposal_losses = self.rpn(images, features, targets)
        detections, detector_losses = self.roi_heads(features, proposals, images.image_sizes, targets)
        detections = self.transform.postprocess(detections, images.image_sizes, original_sizes)
        losses = {}
        losses.update(detector_losses)
        losses.update(proposal_losses)
        return self.eager_outputs(losses, detections)
