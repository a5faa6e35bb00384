"""``Resize`` and ``CenterCrop``: torchvision's geometry transforms, on a whole batch at once.

Beyond module 08's exercises (its chapter lists them); exported by :mod:`tt_vision.transforms`.
Both take images ``(B, C, H, W)`` or one image ``(C, H, W)``, as a tensor or a NumPy array, and
return the same kind; every image of a batch gets the same output size.

* :class:`Resize` is ``F.interpolate`` (tt-nn) with torchvision's size rules: one int matches the
  shorter edge and keeps the aspect ratio (the longer edge ``int(size · long / short)``, capped by
  ``max_size``), ``(h, w)`` is exact; bilinear and bicubic are antialiased by default, as
  torchvision 0.17+ (PIL's resampling: a shrink by ``s`` filters over about ``s`` times the taps).
  Integer images are resized in float32, then rounded and clamped back into their dtype.
  Cost: two separable passes, ``O(B · C · H · W · taps)``.
* :class:`CenterCrop` cuts the centred ``(h, w)`` window (its top-left corner at
  ``round((H − h) / 2)``, Python's rounding, as torchvision), padding with zeros first where the
  image is smaller. It only moves pixels (``pixel_exact``), so datasets run it on raw ``uint8``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tt_nn.functional as F
from tt_autograd import Tensor, no_grad

from .transforms import _unwrap, _wrap

#: torchvision's interpolation modes a resize takes (``InterpolationMode``'s values).
RESIZE_MODES = ("nearest", "nearest-exact", "bilinear", "bicubic")


def round_into(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Float results back into an integer image ``dtype``: rounded (halves to even) and clamped."""
    if np.dtype(dtype).kind not in "iu":
        return values
    info = np.iinfo(dtype)
    return np.clip(np.round(values), info.min, info.max).astype(dtype)


def _pair(op: str, size: object) -> tuple[int, int]:
    values = (size, size) if isinstance(size, int) else tuple(size)
    if len(values) != 2 or any(isinstance(v, bool) or not isinstance(v, int) or v <= 0 for v in values):
        raise ValueError(f"{op}: size must be a positive int or (height, width), got {size!r}")
    return values


class Resize:
    """Resize images to ``size`` (torchvision's ``transforms.Resize``).

    Args:
        size: ``(h, w)``, or one int: the shorter edge becomes ``size`` and the longer
            ``int(size · long / short)``.
        interpolation: ``"bilinear"`` (default), ``"bicubic"``, ``"nearest"`` or
            ``"nearest-exact"`` (or an enum whose ``.value`` is one of them).
        max_size: with one int ``size``: the longer edge's cap (both edges scaled down to it).
        antialias: filter when shrinking (bilinear and bicubic; default True, as torchvision).
    """

    def __init__(self, size, interpolation="bilinear", max_size: int | None = None, antialias: bool = True):
        self.interpolation = getattr(interpolation, "value", interpolation)
        if self.interpolation not in RESIZE_MODES:
            raise ValueError(f"Resize: interpolation must be one of {RESIZE_MODES}, got {interpolation!r}")
        if isinstance(size, Sequence) and len(size) == 1:
            size = size[0]
        if isinstance(size, int):
            _pair("Resize", size)
        else:
            _pair("Resize", size)
            if max_size is not None:
                raise ValueError("Resize: max_size applies only when size is one int (the shorter edge)")
        self.size, self.max_size, self.antialias = size, max_size, antialias

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """The ``(h, w)`` an image of ``height`` x ``width`` is resized to."""
        if not isinstance(self.size, int):
            return tuple(self.size)
        short, long = min(height, width), max(height, width)
        new_short, new_long = self.size, int(self.size * long / short)
        if self.max_size is not None:
            if self.max_size <= self.size:
                raise ValueError(f"Resize: max_size ({self.max_size}) must be larger than size ({self.size})")
            if new_long > self.max_size:
                new_short, new_long = int(self.max_size * new_short / new_long), self.max_size
        return (new_short, new_long) if height <= width else (new_long, new_short)

    def __call__(self, images: object) -> object:
        array, is_tensor, single = _unwrap(images)  # (B, C, H, W)
        if array.dtype.kind == "b":
            raise TypeError("Resize: bool images are not supported; convert them to float first")
        size = self.output_size(*array.shape[2:])
        if size == array.shape[2:]:
            return images
        values = array if array.dtype.kind == "f" else array.astype(np.float32)
        antialias = self.antialias and self.interpolation in ("bilinear", "bicubic")
        with no_grad():
            out = F.interpolate(
                Tensor.from_array(values), size=size, mode=self.interpolation, antialias=antialias
            )
        return _wrap(round_into(out.array, array.dtype), is_tensor, single)

    def __repr__(self) -> str:
        return (
            f"Resize(size={self.size}, interpolation={self.interpolation}, max_size={self.max_size}, "
            f"antialias={self.antialias})"
        )


class CenterCrop:
    """Cut the centred ``size`` window of each image (torchvision's ``transforms.CenterCrop``).

    Args:
        size: ``(h, w)`` or one int; an image smaller than it is padded with zeros first
            (torchvision's split of the padding: the extra pixel of an odd total goes last).
    """

    pixel_exact = True  # see :func:`tt_vision.transforms.split_pixel_steps`

    def __init__(self, size) -> None:
        if isinstance(size, Sequence) and len(size) == 1:
            size = size[0]
        self.size = _pair("CenterCrop", size)

    def __call__(self, images: object) -> object:
        array, is_tensor, single = _unwrap(images)
        (crop_h, crop_w), (height, width) = self.size, array.shape[2:]  # (B, C, H, W)
        if crop_h > height or crop_w > width:
            top, left = max(crop_h - height, 0) // 2, max(crop_w - width, 0) // 2
            bottom, right = max(crop_h - height, 0) - top, max(crop_w - width, 0) - left
            array = np.pad(array, ((0, 0), (0, 0), (top, bottom), (left, right)))
            height, width = array.shape[2:]
        top, left = int(round((height - crop_h) / 2.0)), int(round((width - crop_w) / 2.0))
        out = np.ascontiguousarray(array[..., top : top + crop_h, left : left + crop_w])
        return _wrap(out, is_tensor, single)

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"
