"""``tt_vision.transforms.functional``: torchvision's ``transforms.functional``, on batches.

Beyond module 08's exercises. Each function takes images ``(B, C, H, W)`` or one image
``(C, H, W)``, as a tensor or a NumPy array, float or integer (``uint8``), and returns the same
kind, dtype and rank; the parameters are torchvision's and apply to every image of the batch
(the ``Random*`` transforms draw them per image). Both spellings work::

    from tt_vision.transforms import functional as F
    import tt_vision.transforms.functional

``tt_vision.transforms`` is a module, not a package, so this module (``tt_vision.transforms_functional``)
is also entered in ``sys.modules`` under the dotted name at import: the same module object, no copy.

Photometric ones (``adjust_brightness``, ..., ``gaussian_blur``, ``erase``, ``convert_image_dtype``)
come from :mod:`.transforms_color_functional`.
Geometry: :func:`hflip`, :func:`vflip`, :func:`crop`, :func:`center_crop`, :func:`pad`,
:func:`resize`, :func:`resized_crop`, :func:`five_crop`, :func:`ten_crop`, and the warps
:func:`rotate`, :func:`affine`, :func:`perspective`, :func:`elastic_transform` (:mod:`.transforms_warp`); also
:func:`normalize`, :func:`to_tensor`, :func:`get_dimensions`, :func:`get_image_size`,
:func:`get_image_num_channels`. Where a NumPy array has no tensor's ``[..., H, W]`` leading
dims, ranks other than 3 and 4 are refused.
"""

from __future__ import annotations

import enum
import operator
import sys
from collections.abc import Sequence

import numpy as np
import tt_tensor

from .transforms import Normalize, ToTensor, _unwrap, _wrap, pad_images
from .transforms_geometry import CenterCrop, Resize, _pair
from .transforms_warp import affine, elastic_transform, perspective, rotate

PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


class InterpolationMode(enum.Enum):
    """torchvision's interpolation names; anything here also takes the plain strings."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _shape(op: str, img) -> tuple[int, ...]:
    shape = tuple(img.shape) if isinstance(img, tt_tensor.Tensor) else np.shape(img)
    if len(shape) not in (3, 4):
        raise ValueError(f"{op}: expected images (B, C, H, W) or one image (C, H, W), got shape {shape}")
    return shape


def get_dimensions(img) -> list[int]:
    """``[channels, height, width]`` of an image or of each image of a batch."""
    return list(_shape("get_dimensions", img)[-3:])


def get_image_size(img) -> list[int]:
    """``[width, height]`` (torchvision's order)."""
    channels, height, width = get_dimensions(img)
    return [width, height]


def get_image_num_channels(img) -> int:
    """The number of channels ``C``."""
    return get_dimensions(img)[0]


def to_tensor(pic):
    """``uint8`` ``(H, W, C)`` / ``(B, H, W, C)`` (or ``(H, W)``) -> float ``(C, H, W)`` in [0, 1].

    :class:`.ToTensor`'s rule: float input passes through unchanged (as a tensor), since
    TinyTorch's datasets already give float ``(B, C, H, W)``; torchvision would transpose it.
    """
    array = pic.array if isinstance(pic, tt_tensor.Tensor) else np.asarray(pic)
    return ToTensor()(array[..., None] if array.ndim == 2 else array)


def normalize(tensor, mean, std, inplace: bool = False):
    """Per channel ``(x − mean[c]) / std[c]`` (:class:`.Normalize`)."""
    return Normalize(mean, std, inplace)(tensor)


def hflip(img):
    """Mirror left–right. Shape: unchanged."""
    array, is_tensor, single = _unwrap(img)
    return _wrap(np.ascontiguousarray(array[..., ::-1]), is_tensor, single)


def vflip(img):
    """Mirror top–bottom. Shape: unchanged."""
    array, is_tensor, single = _unwrap(img)
    return _wrap(np.ascontiguousarray(array[..., ::-1, :]), is_tensor, single)


def crop(img, top: int, left: int, height: int, width: int):
    """The ``height`` x ``width`` window at ``(top, left)``; zeros outside the image (as torchvision).

    Shape: ``(.., H, W)`` -> ``(.., height, width)``.
    """
    try:
        top, left, height, width = (operator.index(v) for v in (top, left, height, width))
    except TypeError:
        raise TypeError(
            f"crop: top, left, height and width must be ints, got {(top, left, height, width)}"
        ) from None
    _pair("crop", (height, width))
    array, is_tensor, single = _unwrap(img)
    h, w = array.shape[2:]
    out = np.zeros((*array.shape[:2], height, width), array.dtype)
    first_row, first_col = max(top, 0), max(left, 0)  # the part inside the image (possibly empty)
    last_row, last_col = max(min(top + height, h), first_row), max(min(left + width, w), first_col)
    out[..., first_row - top : last_row - top, first_col - left : last_col - left] = array[
        ..., first_row:last_row, first_col:last_col
    ]
    return _wrap(out, is_tensor, single)


def center_crop(img, output_size):
    """The centred ``output_size`` window (:class:`.CenterCrop`; zeros around a smaller image)."""
    return CenterCrop(output_size)(img)


def padding_sides(op: str, padding) -> tuple[int, int, int, int]:
    """torchvision's ``padding`` as ``(top, bottom, left, right)``.

    It is an int, ``[all]``, ``[left/right, top/bottom]`` or ``[left, top, right, bottom]``.
    """
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        padding = [int(padding)]
    if not isinstance(padding, Sequence) or len(padding) not in (1, 2, 4):
        raise ValueError(
            f"{op}: padding must be an int or a 1, 2 or 4 element sequence (all; left/right, top/bottom; "
            f"left, top, right, bottom), got {padding!r}"
        )
    if any(isinstance(p, bool) or not isinstance(p, (int, np.integer)) for p in padding):
        raise TypeError(f"{op}: padding must be ints, got {padding!r}")
    if len(padding) == 1:
        left = top = right = bottom = padding[0]
    elif len(padding) == 2:
        (left, top), (right, bottom) = padding, padding
    else:
        left, top, right, bottom = padding
    return int(top), int(bottom), int(left), int(right)


def pad(img, padding, fill: float = 0, padding_mode: str = "constant"):
    """Pad every border (torchvision's ``functional.pad``); a negative padding crops that side.

    Args:
        padding: an int (all sides), ``[left/right, top/bottom]`` or ``[left, top, right, bottom]``.
        fill: the value of ``'constant'`` padding (one number, as torchvision's tensor backend).
        padding_mode: ``'constant'``, ``'edge'`` (repeat the edge pixel), ``'reflect'`` (mirror
            without repeating it; each pad smaller than that side) or ``'symmetric'`` (with it).

    Shape: ``(.., H, W)`` -> ``(.., H + top + bottom, W + left + right)``.
    """
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"pad: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    if not isinstance(fill, (int, float, np.number)) or isinstance(fill, bool):
        raise TypeError(f"pad: fill must be one number (per-channel fills are not supported), got {fill!r}")
    top, bottom, left, right = padding_sides("pad", padding)
    array, is_tensor, single = _unwrap(img)
    h, w = array.shape[2:]
    array = array[
        ..., max(-top, 0) : h - max(-bottom, 0), max(-left, 0) : w - max(-right, 0)
    ]  # negatives crop
    sides = (max(top, 0), max(bottom, 0), max(left, 0), max(right, 0))
    h, w = array.shape[2:]
    if padding_mode != "constant" and (h <= 0 or w <= 0) and any(sides):
        raise ValueError(
            f"pad: the negative padding crops the image to nothing ({max(h, 0)}x{max(w, 0)}), which "
            f"{padding_mode!r} padding has no pixels to repeat from; crop less or use padding_mode='constant'"
        )
    if padding_mode == "reflect" and (max(sides[:2]) >= h or max(sides[2:]) >= w):
        raise ValueError(
            f"pad: reflect padding (top, bottom, left, right) = {sides} must be smaller than the image "
            f"{h}x{w} on each side; use padding_mode='symmetric' or 'edge', or pad less"
        )
    if padding_mode == "symmetric" and (max(sides[:2]) > h or max(sides[2:]) > w):
        raise ValueError(f"pad: symmetric padding {sides} must be at most the image {h}x{w} on each side")
    return _wrap(pad_images(array, sides, padding_mode, fill), is_tensor, single)


def resize(img, size, interpolation="bilinear", max_size: int | None = None, antialias: bool = True):
    """Resize to ``size`` (:class:`.Resize`: one int is the shorter edge)."""
    return Resize(size, interpolation, max_size, antialias)(img)


def resized_crop(
    img, top: int, left: int, height: int, width: int, size, interpolation="bilinear", antialias=True
):
    """:func:`crop`, then :func:`resize` to ``size``."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def five_crop(img, size) -> tuple:
    """The four corner crops and the centre crop, each ``size``: ``(tl, tr, bl, br, centre)``."""
    if isinstance(size, Sequence) and len(size) == 1:
        size = size[0]
    crop_h, crop_w = _pair("five_crop", size)
    _, h, w = get_dimensions(img)
    if crop_h > h or crop_w > w:
        raise ValueError(f"five_crop: crop size {(crop_h, crop_w)} is larger than the image {(h, w)}")
    corners = [(0, 0), (0, w - crop_w), (h - crop_h, 0), (h - crop_h, w - crop_w)]
    return (*(crop(img, t, s, crop_h, crop_w) for t, s in corners), center_crop(img, (crop_h, crop_w)))


def ten_crop(img, size, vertical_flip: bool = False) -> tuple:
    """:func:`five_crop` of the image, then of its mirror (left–right; top–bottom with ``vertical_flip``)."""
    return five_crop(img, size) + five_crop(vflip(img) if vertical_flip else hflip(img), size)


__all__ = [
    "InterpolationMode",
    "affine",
    "center_crop",
    "crop",
    "elastic_transform",
    "five_crop",
    "get_dimensions",
    "get_image_num_channels",
    "get_image_size",
    "hflip",
    "normalize",
    "pad",
    "perspective",
    "resize",
    "resized_crop",
    "rotate",
    "ten_crop",
    "to_tensor",
    "vflip",
]

# The photometric functions (adjust_brightness, ..., gaussian_blur, erase, convert_image_dtype) join
# this namespace from their own files.
from . import transforms_color_functional  # noqa: E402
from .transforms_color_functional import *  # noqa: E402, F403

__all__ += transforms_color_functional.__all__

sys.modules.setdefault("tt_vision.transforms.functional", sys.modules[__name__])
