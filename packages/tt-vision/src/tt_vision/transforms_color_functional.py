"""torchvision's photometric functions (``transforms.functional``), on a whole batch at once.

Beyond module 08's exercises (its chapter lists them). Every function takes images
``(B, C, H, W)`` or one image ``(C, H, W)``, as a tensor or a NumPy array, float (values in
[0, 1]) or ``uint8``, and returns the same kind, shape and dtype. The arithmetic is
torchvision's tensor path step for step, in the same precision (float32 for ``uint8`` images,
the image's own dtype for float ones), so results agree with torchvision's to float32 rounding
and ``uint8`` results are equal (casts back to ``uint8`` truncate where torchvision's do and
round where it rounds).

**Per-image factors (an extension).** Where torchvision takes one factor for the whole batch,
these functions also take a vector of ``B`` factors, one per image (``brightness_factor``,
``contrast_factor``, ``saturation_factor``, ``hue_factor``, ``gamma``/``gain``,
``sharpness_factor``): the random transforms (``ColorJitter``, ...) draw one per image and apply
them in one vectorised pass. :func:`gaussian_blur` and :func:`erase` take theirs the same way.

One-channel images pass through ``adjust_saturation`` and ``adjust_hue`` unchanged, as in
torchvision (PIL's behaviour), so ``ColorJitter(saturation=...)`` runs on MNIST; other channel
counts than 1 and 3 are refused. Cost: a few passes over the batch, ``O(B · C · H · W)``
(``gaussian_blur``: times the kernel's height plus width).
"""

from __future__ import annotations

import numpy as np
import tt_tensor

from .transforms import _unwrap, _wrap

__all__ = [
    "adjust_brightness",
    "adjust_contrast",
    "adjust_gamma",
    "adjust_hue",
    "adjust_saturation",
    "adjust_sharpness",
    "autocontrast",
    "equalize",
    "invert",
    "posterize",
    "rgb_to_grayscale",
    "solarize",
    "to_grayscale",
]


def _images(op: str, images: object, channels: tuple[int, ...] = (1, 3)) -> tuple[np.ndarray, bool, bool]:
    """The (B, C, H, W) array behind ``images``, checked: float or uint8, 1 or 3 channels."""
    array, is_tensor, single = _unwrap(images)
    if array.dtype != np.uint8 and array.dtype.kind != "f":
        raise TypeError(f"{op}: images must be float (values in [0, 1]) or uint8, got {array.dtype}")
    if array.shape[1] not in channels:
        raise TypeError(
            f"{op}: images must have {' or '.join(map(str, channels))} channels, got shape "
            f"{array.shape}; convert RGBA or other images to RGB (or grayscale) first"
        )
    return array, is_tensor, single


def _bound(array: np.ndarray) -> float:
    """The largest pixel value: 255 for uint8, 1 for float."""
    return 255.0 if array.dtype == np.uint8 else 1.0


def _compute(array: np.ndarray) -> type:
    """The dtype torchvision computes in: the image's float dtype, float32 for uint8."""
    return array.dtype.type if array.dtype.kind == "f" else np.float32


def _factor(
    op: str, name: str, value: object, batch: int, low: float = 0.0, high: float = np.inf
) -> np.ndarray:
    """``value`` as float64, a scalar or ``(B, 1, 1, 1)`` for one factor per image; checked in [low, high]."""
    factor = np.asarray(value.array if isinstance(value, tt_tensor.Tensor) else value, dtype=np.float64)
    if factor.ndim > 1 or (factor.ndim == 1 and len(factor) != batch):
        raise ValueError(
            f"{op}: {name} must be a number or one per image ({batch},), got shape {factor.shape}"
        )
    if not np.all((factor >= low) & (factor <= high)):
        where = "non-negative" if high == np.inf else f"in [{low}, {high}]"
        raise ValueError(f"{op}: {name} ({value}) is not {where}; pass a value {where}")
    return factor.reshape(-1, 1, 1, 1) if factor.ndim else factor


def _blend(first: np.ndarray, second: np.ndarray | None, ratio: np.ndarray) -> np.ndarray:
    """torchvision's ``_blend``: ``ratio · first + (1 − ratio) · second``, clamped, cast to ``first``'s dtype.

    In float32 for uint8 images, whose cast back truncates as torch's ``.to(torch.uint8)``;
    ``second=None`` is a black image (brightness).
    """
    compute = _compute(first)
    out = ratio.astype(compute) * first.astype(compute, copy=False)
    if second is not None:
        out += (1.0 - ratio).astype(compute) * second.astype(compute, copy=False)
    np.clip(out, 0, _bound(first), out=out)
    return out.astype(first.dtype, copy=False)


def _gray(array: np.ndarray) -> np.ndarray:
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` as (B, 1, H, W), in the image's dtype (uint8: truncated)."""
    compute = _compute(array)
    red, green, blue = (array[:, k].astype(compute, copy=False) for k in range(3))
    gray = compute(0.2989) * red + compute(0.587) * green + compute(0.114) * blue
    return gray.astype(array.dtype, copy=False)[:, None]


def rgb_to_grayscale(img: object, num_output_channels: int = 1) -> object:
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` (torchvision's weights); one-channel images are copied.

    Args:
        num_output_channels: 1, or 3 for the gray channel repeated (as torchvision's ``expand``).
    Shape: ``(B, C, H, W)`` → ``(B, num_output_channels, H, W)``; uint8 results are truncated.
    """
    array, is_tensor, single = _images("rgb_to_grayscale", img)
    if num_output_channels not in (1, 3):
        raise ValueError(f"rgb_to_grayscale: num_output_channels must be 1 or 3, got {num_output_channels}")
    gray = _gray(array) if array.shape[1] == 3 else array.copy()
    if num_output_channels == 3:
        gray = np.repeat(gray, 3, axis=1)
    return _wrap(gray, is_tensor, single)


def to_grayscale(img: object, num_output_channels: int = 1) -> object:
    """:func:`rgb_to_grayscale` (torchvision's v1 takes only PIL images here; v2 takes tensors, as this)."""
    return rgb_to_grayscale(img, num_output_channels)


def adjust_brightness(img: object, brightness_factor: object) -> object:
    """Scale the pixels by ``brightness_factor`` (0: black, 1: unchanged), clamped to the pixel range.

    ``brightness_factor``: a number or one per image, shape ``(B,)``.
    """
    array, is_tensor, single = _images("adjust_brightness", img)
    factor = _factor("adjust_brightness", "brightness_factor", brightness_factor, len(array))
    return _wrap(_blend(array, None, factor), is_tensor, single)


def adjust_contrast(img: object, contrast_factor: object) -> object:
    """Blend with each image's mean gray level (0: flat gray, 1: unchanged, 2: doubled contrast).

    The mean is over the gray image (uint8 images: of the truncated uint8 gray, as torchvision).
    ``contrast_factor``: a number or one per image, shape ``(B,)``.
    """
    array, is_tensor, single = _images("adjust_contrast", img)
    factor = _factor("adjust_contrast", "contrast_factor", contrast_factor, len(array))
    gray = _gray(array) if array.shape[1] == 3 else array
    mean = gray.astype(_compute(array), copy=False).mean(axis=(1, 2, 3), keepdims=True)
    return _wrap(_blend(array, mean, factor), is_tensor, single)


def adjust_saturation(img: object, saturation_factor: object) -> object:
    """Blend with the gray image (0: gray, 1: unchanged, 2: doubled saturation); one channel: unchanged.

    ``saturation_factor``: a number or one per image, shape ``(B,)``.
    """
    array, is_tensor, single = _images("adjust_saturation", img)
    factor = _factor("adjust_saturation", "saturation_factor", saturation_factor, len(array))
    if array.shape[1] == 1:
        return img
    return _wrap(_blend(array, _gray(array), factor), is_tensor, single)


def _rgb_to_hsv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """torchvision's ``_rgb2hsv`` (after Pillow's): float32 (B, 3, H, W) → hue, saturation, value.

    The same float32 operations per pixel as torchvision's, so the same bits; what it spends
    them on differs: gray pixels (max = min) skip the divisions instead of dividing by a
    stand-in 1, each pixel's hue formula is written over a default by mask (``copyto``) instead of
    summing three masked products, and ``fmod(h, 1)`` of ``h`` in ``[5/6, 11/6)`` is ``h - 1``
    where ``h >= 1`` (exact there): several times faster than the literal transcription.
    """
    red, green, blue = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    value, low = rgb.max(axis=1), rgb.min(axis=1)
    colour = value != low  # gray pixels: hue and saturation 0, and no division by zero
    spread = value - low
    saturation = np.divide(spread, value, out=np.zeros_like(value), where=colour)
    red_c, green_c, blue_c = (
        np.divide(value - channel, spread, out=np.zeros_like(value), where=colour)
        for channel in (red, green, blue)
    )
    hue = np.float32(4) + green_c  # blue is the largest ...
    hue -= red_c
    not_red = value != red
    np.copyto(hue, np.float32(2) + red_c - blue_c, where=(value == green) & not_red)  # ... unless green is
    np.copyto(hue, blue_c - green_c, where=~not_red)  # ... or red is
    hue /= np.float32(6)
    hue += np.float32(1)
    return _turns_into_unit(hue), saturation, value


def _turns_into_unit(turns: np.ndarray) -> np.ndarray:
    """``turns mod 1`` in place for turns in ``[-1, 2)``, as ``torch.remainder`` rounds it (a single add)."""
    np.subtract(turns, np.float32(1), out=turns, where=turns >= 1)
    np.add(turns, np.float32(1), out=turns, where=turns < 0)
    return turns


#: For each of torchvision's six hue sectors, which of (v, q, p, t) each of red, green, blue takes.
_SECTOR_PICKS = np.array([[0, 1, 2, 2, 3, 0], [3, 0, 0, 1, 2, 2], [2, 2, 3, 0, 0, 1]], np.intp)


def _hsv_to_rgb(hue: np.ndarray, saturation: np.ndarray, value: np.ndarray) -> np.ndarray:
    """torchvision's ``_hsv2rgb``: the sector ``floor(6 · hue) mod 6`` picks each channel from v, p, q, t.

    The four candidates go in one array and each channel's picks are one ``take`` of flat
    indices (:data:`_SECTOR_PICKS`), the output laid out ``(B, 3, H, W)`` by the index's order.
    """
    one = np.float32(1)
    scaled = hue * np.float32(6)
    sector = np.floor(scaled)
    fraction = scaled - sector
    sector = sector.astype(np.intp)
    sector[sector == 6] = 0  # 6 h rounds up to 6.0 just below h = 1: torchvision's "% 6"
    candidates = np.empty((4, *value.shape), np.float32)
    candidates[0] = value
    np.clip(value * (one - saturation * fraction), 0, 1, out=candidates[1])  # q
    np.clip(value * (one - saturation), 0, 1, out=candidates[2])  # p
    np.clip(value * (one - saturation * (one - fraction)), 0, 1, out=candidates[3])  # t
    index = _SECTOR_PICKS[:, sector]  # (3, B, H, W): which candidate
    index *= value.size
    index += np.arange(value.size).reshape(value.shape)
    return candidates.reshape(-1).take(np.moveaxis(index, 0, 1))  # (B, 3, H, W), C-contiguous


def adjust_hue(img: object, hue_factor: object) -> object:
    """Rotate the hue by ``hue_factor`` turns, in [−0.5, 0.5], through HSV (torchvision's tensor path).

    Always in float32 (uint8 images: ``/ 255`` in, ``· 255.999`` truncated out, as torchvision's
    ``convert_image_dtype``); one-channel images are returned unchanged.
    ``hue_factor``: a number or one per image, shape ``(B,)``.
    """
    array, is_tensor, single = _images("adjust_hue", img)
    factor = _factor("adjust_hue", "hue_factor", hue_factor, len(array), -0.5, 0.5)
    if array.shape[1] == 1:
        return img
    rgb = array / np.float32(255) if array.dtype == np.uint8 else array.astype(np.float32)
    hue, saturation, value = _rgb_to_hsv(rgb)
    shift = factor.astype(np.float32)
    hue = _turns_into_unit(hue + (shift[:, 0] if shift.ndim else shift))
    out = _hsv_to_rgb(hue, saturation, value)
    out = (out * np.float32(255.999)).astype(np.uint8) if array.dtype == np.uint8 else out.astype(array.dtype)
    return _wrap(out, is_tensor, single)


def adjust_gamma(img: object, gamma: object, gain: object = 1) -> object:
    """``gain · x ** gamma`` on pixels scaled to [0, 1], clamped (uint8: back by ``· 255.999``, truncated).

    ``gamma`` (non-negative) and ``gain``: numbers or one per image, shape ``(B,)``.
    """
    array, is_tensor, single = _images("adjust_gamma", img)
    exponent = _factor("adjust_gamma", "gamma", gamma, len(array))
    scale = _factor("adjust_gamma", "gain", gain, len(array), -np.inf)
    compute = _compute(array)
    values = array / compute(255) if array.dtype == np.uint8 else array
    out = np.clip(scale.astype(compute) * values ** exponent.astype(compute), 0, 1)
    out = (out * np.float32(255.999)).astype(np.uint8) if array.dtype == np.uint8 else out
    return _wrap(out, is_tensor, single)


def adjust_sharpness(img: object, sharpness_factor: object) -> object:
    """Blend with a smoothed image (0: smoothed, 1: unchanged, 2: sharpened), as torchvision and PIL.

    The smoothed image is the 3×3 filter ``[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13`` inside a
    one-pixel border kept as it is (uint8: rounded back); images of 2 pixels or less per side pass.
    ``sharpness_factor``: a number or one per image, shape ``(B,)``.
    """
    array, is_tensor, single = _images("adjust_sharpness", img)
    factor = _factor("adjust_sharpness", "sharpness_factor", sharpness_factor, len(array))
    height, width = array.shape[2:]
    if height <= 2 or width <= 2:
        return img
    compute = _compute(array)
    side, centre = compute(1) / compute(13), compute(5) / compute(13)
    values = array.astype(compute, copy=False)
    smooth = centre * values[:, :, 1:-1, 1:-1]
    for row in range(3):
        for column in range(3):
            if (row, column) != (1, 1):
                smooth += side * values[:, :, row : row + height - 2, column : column + width - 2]
    degenerate = array.copy()
    degenerate[:, :, 1:-1, 1:-1] = np.round(smooth) if array.dtype == np.uint8 else smooth
    return _wrap(_blend(array, degenerate, factor), is_tensor, single)


def invert(img: object) -> object:
    """``max − x``: 255 − x for uint8, 1 − x for float."""
    array, is_tensor, single = _images("invert", img)
    return _wrap((_bound(array) - array).astype(array.dtype, copy=False), is_tensor, single)


def posterize(img: object, bits: int) -> object:
    """Keep the top ``bits`` bits (0–8) of each uint8 pixel: ``x & ~(2 ** (8 − bits) − 1)``."""
    if not 0 <= bits <= 8:
        raise ValueError(f"posterize: bits must be between 0 and 8, got {bits}")
    array, is_tensor, single = _images("posterize", img)
    if array.dtype != np.uint8:
        raise TypeError(f"posterize: only uint8 images are supported, got {array.dtype}; convert them first")
    return _wrap(array & np.uint8(-(2 ** (8 - bits)) & 0xFF), is_tensor, single)


def solarize(img: object, threshold: float) -> object:
    """Invert the pixels at or above ``threshold`` (in the pixel range: ≤ 255 for uint8, ≤ 1 for float)."""
    array, is_tensor, single = _images("solarize", img)
    if threshold > _bound(array):
        raise TypeError(
            f"solarize: threshold {threshold} is above the largest {array.dtype} pixel, {_bound(array):g}"
        )
    inverted = (_bound(array) - array).astype(array.dtype, copy=False)
    return _wrap(np.where(array >= threshold, inverted, array), is_tensor, single)


def autocontrast(img: object) -> object:
    """Stretch each channel of each image to the full range: ``(x − min) · max_value / (max − min)``.

    Flat channels (max = min) are left as they are; uint8 results are truncated.
    """
    array, is_tensor, single = _images("autocontrast", img)
    compute, bound = _compute(array), _bound(array)
    low = array.min(axis=(2, 3), keepdims=True).astype(compute)
    high = array.max(axis=(2, 3), keepdims=True).astype(compute)
    flat = high == low
    # bound · (1 / (max − min)), PyTorch's order (its ``bound / t`` is ``t.reciprocal() * bound``): dividing
    # directly gives 254.99998 for 255 / 255 · (255 − 3) / 252 in float32, truncated to 254
    scale = (compute(1) / np.where(flat, compute(1), high - low)) * compute(bound)
    low[flat], scale[flat] = 0, 1
    out = np.clip((array - low) * scale, 0, bound)
    return _wrap(out.astype(array.dtype, copy=False), is_tensor, single)


def equalize(img: object) -> object:
    """Histogram equalisation of each channel of each uint8 image (torchvision's and PIL's look-up table).

    ``step = (pixels − count of the largest value) // 255``; the table maps ``v`` to
    ``(cumsum(hist)[v − 1] + step // 2) // step`` (0 for ``v = 0``), clamped to 255; channels
    with ``step = 0`` pass. One ``bincount`` over all ``B · C`` channels, one gather.
    """
    array, is_tensor, single = _images("equalize", img)
    if array.dtype != np.uint8:
        raise TypeError(f"equalize: only uint8 images are supported, got {array.dtype}; convert them first")
    b, c, h, w = array.shape
    channels = array.reshape(b * c, h * w)
    offsets = np.arange(b * c)[:, None] * 256
    hist = np.bincount((channels + offsets).ravel(), minlength=b * c * 256).reshape(b * c, 256)
    top = hist[np.arange(b * c), channels.max(axis=1)]  # the count of the largest value present
    step = (h * w - top) // 255
    safe = np.maximum(step, 1)[:, None]
    table = (np.cumsum(hist, axis=1) + safe // 2) // safe
    table = np.concatenate([np.zeros((b * c, 1), table.dtype), table[:, :-1]], axis=1)
    table = np.where(step[:, None] == 0, np.arange(256), np.clip(table, 0, 255)).astype(np.uint8)
    out = np.take_along_axis(table, channels.astype(np.intp), axis=1).reshape(b, c, h, w)
    return _wrap(out, is_tensor, single)


from .transforms_blur_erase import erase, gaussian_blur  # noqa: E402  (their own file: filtering, regions)
from .transforms_dtype import convert_image_dtype  # noqa: E402

__all__ += ["convert_image_dtype", "erase", "gaussian_blur"]
