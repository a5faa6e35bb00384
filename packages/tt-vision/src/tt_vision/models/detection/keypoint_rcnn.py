"""Keypoint R-CNN (He et al., 2017, Mask R-CNN's keypoint variant), as torchvision's ``keypoint_rcnn``.

:class:`KeypointRCNN` is a :class:`FasterRCNN` whose RoI heads carry a keypoint branch: the RoIs (the
positive samples in training, the detections in evaluation) are pooled again at 14×14
(``MultiScaleRoIAlign`` on levels '0'..'3', sampling ratio 2), go through :class:`KeypointRCNNHeads`
(eight 3×3 convolutions of 512 channels with ReLU) and :class:`KeypointRCNNPredictor` (a stride-2
4×4 transposed convolution to ``num_keypoints`` channels, then a 2× bilinear upsampling): one
56×56 heatmap per keypoint. Training adds ``loss_keypoint``; evaluation adds ``keypoints``
``(D, K, 3)`` and ``keypoints_scores`` ``(D, K)`` (:mod:`.roi_keypoints`). The images' short side
defaults to 640..800 (drawn per image in training, 800 in evaluation).

:func:`keypointrcnn_resnet50_fpn` builds torchvision's ResNet-50 FPN configuration (2 classes,
person and background, 17 COCO keypoints): 59,190,378 parameters here and in torchvision built
without weights (``BatchNorm2d`` backbone); torchvision publishes 59,137,258 for its COCO model,
whose ``FrozenBatchNorm2d`` has no parameters. Only ``weights=None`` and ``weights_backbone=None``
(the default here, unlike torchvision's ImageNet default: nothing is downloaded or unpickled).

Cost: the backbone as Faster R-CNN's; the keypoint head ``(256 + 7 · 512) · 512 · 9 · 14²`` ≈ 3.5
GMACs per RoI, the predictor ``O(K · 56²)`` after its transposed convolution, decoding ``O(K · h · w)``
per detection of ``h × w`` pixels.
"""

from __future__ import annotations

import tt_nn as nn
import tt_nn.functional as F
from tt_autograd import Tensor
from tt_nn import init

from ...layers import BatchNorm2d, Conv2d, ConvTranspose2d
from ...ops.poolers import MultiScaleRoIAlign
from ..builders import register_model
from ..resnet import resnet50
from .backbone_utils import resnet_fpn_extractor
from .faster_rcnn import FasterRCNN, prepare_builder

__all__ = ["KeypointRCNN", "KeypointRCNNHeads", "KeypointRCNNPredictor", "keypointrcnn_resnet50_fpn"]


class KeypointRCNNHeads(nn.Sequential):
    """3×3 convolutions (padding 1) each followed by ReLU, as torchvision's keypoint head.

    Args:
        in_channels: the pooled features' channels.
        layers: each convolution's output channels (Keypoint R-CNN: eight times 512).

    Weights ``kaiming_normal_`` (fan out, ReLU), biases 0. Shape ``(R, C, h, w)`` ->
    ``(R, layers[-1], h, w)``; cost ``O(R · h·w · 9 · sum C_in · C_out)``.

    Example:
        >>> import tt_autograd
        >>> tuple(KeypointRCNNHeads(4, (8, 8))(tt_autograd.randn(2, 4, 14, 14)).shape)
        (2, 8, 14, 14)
    """

    def __init__(self, in_channels: int, layers) -> None:
        modules = []
        channels = in_channels
        for out_channels in layers:
            conv = Conv2d(channels, out_channels, 3, stride=1, padding=1)
            init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
            init.constant_(conv.bias, 0)
            modules += [conv, nn.ReLU(inplace=True)]
            channels = out_channels
        super().__init__(*modules)


class KeypointRCNNPredictor(nn.Module):
    """Heatmap logits: a 4×4 stride-2 transposed convolution (``kps_score_lowres``), then 2× bilinear.

    Args:
        in_channels: the head's channels.
        num_keypoints: the heatmaps (one per keypoint).

    Shape ``(R, C, h, w)`` -> ``(R, K, 4h, 4w)`` (14 -> 56 in Keypoint R-CNN); the upsampling is
    ``interpolate(scale_factor=2.0, mode="bilinear", align_corners=False, recompute_scale_factor=False)``.

    Example:
        >>> import tt_autograd
        >>> tuple(KeypointRCNNPredictor(8, 3)(tt_autograd.randn(2, 8, 14, 14)).shape)
        (2, 3, 56, 56)
    """

    def __init__(self, in_channels: int, num_keypoints: int) -> None:
        super().__init__()
        kernel = 4
        self.kps_score_lowres = ConvTranspose2d(
            in_channels, num_keypoints, kernel, stride=2, padding=kernel // 2 - 1
        )
        init.kaiming_normal_(self.kps_score_lowres.weight, mode="fan_out", nonlinearity="relu")
        init.constant_(self.kps_score_lowres.bias, 0)
        self.up_scale = 2
        self.out_channels = num_keypoints

    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(
            self.kps_score_lowres(x),
            scale_factor=float(self.up_scale),
            mode="bilinear",
            align_corners=False,
            recompute_scale_factor=False,
        )


class KeypointRCNN(FasterRCNN):
    """Faster R-CNN with a keypoint branch in its RoI heads (torchvision's).

    Args:
        backbone, num_classes, max_size, image_mean, image_std, rpn_*, box_*, bbox_reg_weights,
            **kwargs: as :class:`FasterRCNN`.
        min_size: default ``(640, 672, 704, 736, 768, 800)`` (one drawn per image in training).
        keypoint_roi_pool: a ``MultiScaleRoIAlign`` (default levels '0'..'3', 14×14, ratio 2).
        keypoint_head: default ``KeypointRCNNHeads(out_channels, (512,) * 8)``.
        keypoint_predictor: default ``KeypointRCNNPredictor(512, num_keypoints)``.
        num_keypoints: default 17 (COCO's); None exactly when ``keypoint_predictor`` is given.

    Shape:
        as :class:`FasterRCNN`, with ``"keypoints"`` ``(G_i, K, 3)`` float32 ``(x, y, visibility)`` in
        every training target; losses add ``loss_keypoint``; each eval result adds ``"keypoints"``
        ``(D, K, 3)`` (``(x, y, 1)`` in the image's pixels) and ``"keypoints_scores"`` ``(D, K)``.

    Raises:
        TypeError: ``keypoint_roi_pool`` not a ``MultiScaleRoIAlign``.
        ValueError: ``num_keypoints`` given with a ``keypoint_predictor``; :class:`FasterRCNN`'s checks.
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int | None = None,
        min_size=None,
        max_size: int = 1333,
        image_mean: list[float] | None = None,
        image_std: list[float] | None = None,
        rpn_anchor_generator=None,
        rpn_head: nn.Module | None = None,
        rpn_pre_nms_top_n_train: int = 2000,
        rpn_pre_nms_top_n_test: int = 1000,
        rpn_post_nms_top_n_train: int = 2000,
        rpn_post_nms_top_n_test: int = 1000,
        rpn_nms_thresh: float = 0.7,
        rpn_fg_iou_thresh: float = 0.7,
        rpn_bg_iou_thresh: float = 0.3,
        rpn_batch_size_per_image: int = 256,
        rpn_positive_fraction: float = 0.5,
        rpn_score_thresh: float = 0.0,
        box_roi_pool: MultiScaleRoIAlign | None = None,
        box_head: nn.Module | None = None,
        box_predictor: nn.Module | None = None,
        box_score_thresh: float = 0.05,
        box_nms_thresh: float = 0.5,
        box_detections_per_img: int = 100,
        box_fg_iou_thresh: float = 0.5,
        box_bg_iou_thresh: float = 0.5,
        box_batch_size_per_image: int = 512,
        box_positive_fraction: float = 0.25,
        bbox_reg_weights: tuple[float, float, float, float] | None = None,
        keypoint_roi_pool: MultiScaleRoIAlign | None = None,
        keypoint_head: nn.Module | None = None,
        keypoint_predictor: nn.Module | None = None,
        num_keypoints: int | None = None,
        **kwargs,
    ) -> None:
        if not isinstance(keypoint_roi_pool, (MultiScaleRoIAlign, type(None))):
            raise TypeError(
                "KeypointRCNN: keypoint_roi_pool should be of type MultiScaleRoIAlign or None instead of "
                f"{type(keypoint_roi_pool)}"
            )
        if min_size is None:
            min_size = (640, 672, 704, 736, 768, 800)
        if num_keypoints is not None and keypoint_predictor is not None:
            raise ValueError(
                "KeypointRCNN: num_keypoints should be None when keypoint_predictor is specified"
            )
        num_keypoints = 17 if num_keypoints is None else num_keypoints
        super().__init__(
            backbone,
            num_classes,
            min_size,
            max_size,
            image_mean,
            image_std,
            rpn_anchor_generator,
            rpn_head,
            rpn_pre_nms_top_n_train,
            rpn_pre_nms_top_n_test,
            rpn_post_nms_top_n_train,
            rpn_post_nms_top_n_test,
            rpn_nms_thresh,
            rpn_fg_iou_thresh,
            rpn_bg_iou_thresh,
            rpn_batch_size_per_image,
            rpn_positive_fraction,
            rpn_score_thresh,
            box_roi_pool,
            box_head,
            box_predictor,
            box_score_thresh,
            box_nms_thresh,
            box_detections_per_img,
            box_fg_iou_thresh,
            box_bg_iou_thresh,
            box_batch_size_per_image,
            box_positive_fraction,
            bbox_reg_weights,
            **kwargs,
        )
        if keypoint_roi_pool is None:
            keypoint_roi_pool = MultiScaleRoIAlign(
                featmap_names=["0", "1", "2", "3"], output_size=14, sampling_ratio=2
            )
        if keypoint_head is None:
            keypoint_head = KeypointRCNNHeads(backbone.out_channels, (512,) * 8)
        if keypoint_predictor is None:
            keypoint_predictor = KeypointRCNNPredictor(512, num_keypoints)
        self.roi_heads.keypoint_roi_pool = keypoint_roi_pool
        self.roi_heads.keypoint_head = keypoint_head
        self.roi_heads.keypoint_predictor = keypoint_predictor


@register_model()
def keypointrcnn_resnet50_fpn(
    *,
    weights=None,
    progress: bool = True,
    num_classes: int | None = None,
    num_keypoints: int | None = None,
    weights_backbone=None,
    trainable_backbone_layers: int | None = None,
    **kwargs,
) -> KeypointRCNN:
    """Keypoint R-CNN with a ResNet-50 FPN backbone (59,190,378 parameters with 2 classes, 17 keypoints).

    Args:
        weights, weights_backbone: must be None (torchvision's ``weights_backbone`` default, ImageNet
            weights, is not available offline: the default here is None).
        progress: accepted for torchvision's signature; nothing is downloaded.
        num_classes: including the background (default 2: person and background).
        num_keypoints: default 17 (COCO's person keypoints).
        trainable_backbone_layers: 0..5; without pretrained weights every layer trains (a value given
            warns, as torchvision's).
        **kwargs: :class:`KeypointRCNN`'s arguments.
    """
    num_classes, layers = prepare_builder(
        "keypointrcnn_resnet50_fpn",
        "resnet50",
        weights,
        weights_backbone,
        2 if num_classes is None else num_classes,
        trainable_backbone_layers,
        5,
        kwargs,
    )
    backbone = resnet_fpn_extractor(resnet50(norm_layer=BatchNorm2d), layers)
    num_keypoints = 17 if num_keypoints is None else num_keypoints
    return KeypointRCNN(backbone, num_classes, num_keypoints=num_keypoints, **kwargs)
