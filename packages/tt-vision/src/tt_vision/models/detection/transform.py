"""``GeneralizedRCNNTransform``: the detection models' input step, as torchvision's.

For each image ``(C, H, W)`` (float, values in ``[0, 1]``): normalise per channel,
``(x - mean) / std``; resize bilinearly (``align_corners=False``) by the factor
``min(min_size / min(H, W), max_size / max(H, W))`` (the short side to ``min_size`` unless the
long side would pass ``max_size``), the output size ``floor(H · factor)``, ``floor(W · factor)``,
and the sampling scale recomputed from the sizes (``recompute_scale_factor=True``, as
torchvision); or to ``fixed_size`` when given. In training mode ``min_size`` is drawn from the
tuple given (the default generator). The target boxes are scaled by the ratios of the sizes
(``new / old``, in float32 as torchvision), keypoints too, masks by nearest interpolation.
Then :meth:`batch_images` pads every image with zeros at the bottom and right to the largest
height and width, each rounded up to a multiple of ``size_divisible``, into one ``(N, C, H', W')``
tensor (an :class:`ImageList` with the sizes before padding). :meth:`postprocess` scales
predicted boxes back to the original sizes (in eval mode), keypoints too, and pastes predicted
masks ``(D, 1, M, M)`` into the original images along the scaled boxes (:func:`paste_masks_in_image`).

Cost: normalisation and padding ``O(C·H·W)`` per image; bilinear resizing two taps per output
pixel per axis. Differentiable w.r.t. the images. The loop is over images only.
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_nn.functional as F
from tt_autograd import Tensor

from .image_list import ImageList
from .paste_masks import paste_masks_in_image


def size_ratios(original_size, new_size) -> tuple[float, float]:
    """``(new_h / old_h, new_w / old_w)``, each divided in float32 (torchvision's precision)."""
    return tuple(float(np.float32(new) / np.float32(old)) for new, old in zip(new_size, original_size))


def resize_boxes(boxes: Tensor, original_size, new_size) -> Tensor:
    """``(N, 4)`` ``'xyxy'`` boxes of an image of ``original_size = (h, w)`` scaled to ``new_size``."""
    ratio_h, ratio_w = size_ratios(original_size, new_size)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"resize_boxes: boxes must be (N, 4) in 'xyxy', got {tuple(boxes.shape)}")
    scale = autograd.tensor([ratio_w, ratio_h, ratio_w, ratio_h], dtype=boxes.dtype)
    return boxes * scale


def resize_keypoints(keypoints: Tensor, original_size, new_size) -> Tensor:
    """``(N, K, 3)`` keypoints ``(x, y, visibility)`` scaled to ``new_size``; visibility unchanged."""
    ratio_h, ratio_w = size_ratios(original_size, new_size)
    scale = autograd.tensor([ratio_w, ratio_h, 1.0], dtype=keypoints.dtype)
    return keypoints * scale


class GeneralizedRCNNTransform(nn.Module):
    """Normalise, resize and batch images (and scale their targets) for a detection model.

    Args:
        min_size: the short side after resizing; a tuple draws one per image in training
            (evaluation takes the last).
        max_size: the long side's limit.
        image_mean, image_std: per channel.
        size_divisible: the padded batch's height and width are multiples of this (default 32).
        fixed_size: ``(width, height)`` to resize every image to instead (torchvision's order).

    Shape:
        ``forward(images, targets=None)``: ``images`` a list of ``(C, H_i, W_i)`` float tensors ->
        (``ImageList`` of ``(N, C, H', W')``, the targets with boxes resized).

    Example:
        >>> transform = GeneralizedRCNNTransform(32, 64, [0.5] * 3, [0.25] * 3).eval()
        >>> batch, _ = transform([autograd.ones(3, 20, 30), autograd.ones(3, 10, 10)])
        >>> tuple(batch.tensors.shape), batch.image_sizes
        ((2, 3, 32, 64), [(32, 48), (32, 32)])
    """

    def __init__(
        self,
        min_size,
        max_size: int,
        image_mean: list[float],
        image_std: list[float],
        size_divisible: int = 32,
        fixed_size: tuple[int, int] | None = None,
        **kwargs,
    ) -> None:
        super().__init__()
        if not isinstance(min_size, (list, tuple)):
            min_size = (min_size,)
        self.min_size = min_size
        self.max_size = max_size
        self.image_mean = image_mean
        self.image_std = image_std
        self.size_divisible = size_divisible
        self.fixed_size = fixed_size
        self._skip_resize = kwargs.pop("_skip_resize", False)
        if kwargs:
            raise TypeError(f"GeneralizedRCNNTransform: unexpected keyword arguments {sorted(kwargs)}")

    def forward(self, images: list[Tensor], targets: list[dict] | None = None):
        images = list(images)
        if targets is not None:
            targets = [dict(target) for target in targets]  # the caller's dicts are not changed
            if len(targets) != len(images):
                raise ValueError(
                    f"GeneralizedRCNNTransform: {len(images)} images but {len(targets)} targets; give one "
                    "target dict per image"
                )
        for i, image in enumerate(images):
            if image.ndim != 3:
                raise ValueError(
                    "images is expected to be a list of 3d tensors of shape [C, H, W], "
                    f"got {tuple(image.shape)}"
                )
            image, target = self.resize(self.normalize(image), targets[i] if targets is not None else None)
            images[i] = image
            if targets is not None:
                targets[i] = target
        image_sizes = [(int(image.shape[-2]), int(image.shape[-1])) for image in images]
        return ImageList(self.batch_images(images, self.size_divisible), image_sizes), targets

    def normalize(self, image: Tensor) -> Tensor:
        """``(image - mean) / std`` per channel; a ``(C, H, W)`` float image."""
        if not image.dtype.is_floating_point:
            raise TypeError(
                "Expected input images to be of floating type (in range [0, 1]), "
                f"but found type {image.dtype} instead; convert with image.float() / 255"
            )
        mean = autograd.tensor(self.image_mean, dtype=image.dtype)[:, None, None]
        std = autograd.tensor(self.image_std, dtype=image.dtype)[:, None, None]
        return (image - mean) / std

    def torch_choice(self, k):
        """One element of ``k``, drawn uniformly from TinyTorch's default generator."""
        return k[int(float(autograd.rand(1)[0]) * len(k))]

    def resize(self, image: Tensor, target: dict | None = None):
        """The resized image, and the target with its boxes (keypoints, masks) resized to match."""
        height, width = image.shape[-2:]
        if self.training:
            if self._skip_resize:
                return image, target
            size = self.torch_choice(self.min_size)
        else:
            size = self.min_size[-1]
        if self.fixed_size is not None:
            out_size, factor, recompute = [self.fixed_size[1], self.fixed_size[0]], None, None
        else:
            out_size, recompute = None, True
            factor = min(size / min(height, width), self.max_size / max(height, width))
        image = F.interpolate(
            image[None],
            size=out_size,
            scale_factor=factor,
            mode="bilinear",
            recompute_scale_factor=recompute,
            align_corners=False,
        )[0]
        if target is None:
            return image, target
        new_size = tuple(image.shape[-2:])
        target["boxes"] = resize_boxes(target["boxes"], (height, width), new_size)
        if "keypoints" in target:
            target["keypoints"] = resize_keypoints(target["keypoints"], (height, width), new_size)
        if "masks" in target:
            masks = F.interpolate(
                target["masks"][:, None].float(),
                size=out_size,
                scale_factor=factor,
                recompute_scale_factor=recompute,
            )
            target["masks"] = masks[:, 0].to(dtype=autograd.uint8)
        return image, target

    def max_by_axis(self, the_list: list[list[int]]) -> list[int]:
        """The largest value of each position over lists of equal length (the images' shapes)."""
        return [max(column) for column in zip(*the_list)]

    def batch_images(self, images: list[Tensor], size_divisible: int = 32) -> Tensor:
        """``(N, C, H', W')``: zero-padded at the bottom and right to multiples of ``size_divisible``."""
        channels, height, width = self.max_by_axis([list(image.shape) for image in images])
        stride = float(size_divisible)
        height = int(math.ceil(height / stride) * stride)
        width = int(math.ceil(width / stride) * stride)
        padded = [
            F.pad(
                image, (0, width - image.shape[2], 0, height - image.shape[1], 0, channels - image.shape[0])
            )
            for image in images
        ]
        return autograd.stack(padded)

    def postprocess(self, result: list[dict], image_shapes, original_image_sizes) -> list[dict]:
        """In eval mode, predicted boxes (and keypoints) scaled from ``image_shapes`` to the originals;
        masks ``(D, 1, M, M)`` pasted along the scaled boxes into ``(D, 1, H, W)`` original images."""
        if self.training:
            return result
        for pred, shape, original in zip(result, image_shapes, original_image_sizes):
            pred["boxes"] = resize_boxes(pred["boxes"], shape, original)
            if "masks" in pred:
                pred["masks"] = paste_masks_in_image(pred["masks"], pred["boxes"], original)
            if "keypoints" in pred:
                pred["keypoints"] = resize_keypoints(pred["keypoints"], shape, original)
        return result

    def __repr__(self) -> str:
        indent = "\n    "
        return (
            f"{type(self).__name__}("
            f"{indent}Normalize(mean={self.image_mean}, std={self.image_std})"
            f"{indent}Resize(min_size={self.min_size}, max_size={self.max_size}, mode='bilinear')"
            "\n)"
        )
