"""torchvision's photometric transforms, batched: a random choice per image, no loop over images.

Beyond module 08's exercises (its chapter lists them); exported by :mod:`tt_vision.transforms`.
Each takes images ``(B, C, H, W)`` or one ``(C, H, W)``, a tensor or a NumPy array, float (values
in [0, 1]) or ``uint8``, and returns the same kind. Where torchvision draws one choice per call
(one coin, one set of factors, for a whole batch tensor), these draw one per image, as vectors,
from ``generator`` (default: the global generator ``tt.manual_seed`` seeds), and apply them to
the whole batch at once with the per-image forms of :mod:`tt_vision.transforms_color_functional`.
Given the same choices, every image gets torchvision's pixels.

* ``Random*(p)``: a coin per image; the chosen images are gathered, transformed, scattered back.
* :class:`ColorJitter`: four factors per image and a random order of the four per image; images
  are grouped by their order (at most 24 groups, fewer when some adjustments are off) and each
  group gets its four adjustments as four vectorised calls.
* :class:`RandomErasing`: torchvision's ten tries of (area, log-aspect) per image, drawn as a
  ``(B, 10)`` block; the first try that fits is kept; one mask fills every rectangle.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
from tt_tensor import Generator, numpy_generator

from . import transforms_color_functional as F
from .transforms import _unwrap, _wrap
from .transforms_blur_erase import rectangles
from .transforms_random_apply import apply_with_probability

__all__ = [
    "ColorJitter",
    "GaussianBlur",
    "Grayscale",
    "RandomAdjustSharpness",
    "RandomAutocontrast",
    "RandomEqualize",
    "RandomErasing",
    "RandomGrayscale",
    "RandomInvert",
    "RandomPosterize",
    "RandomSolarize",
]


def _check_p(op: str, p: float) -> float:
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: p must be a probability in [0, 1], got {p}")
    return p


class _RandomApply:
    """A torchvision ``Random*`` transform: ``function`` on each image with probability ``p``."""

    def __init__(self, p: float = 0.5, generator: Generator | None = None) -> None:
        self.p, self.generator = _check_p(type(self).__name__, p), generator

    def __call__(self, images: object) -> object:  # subclasses define apply(array) -> array
        return apply_with_probability(images, self.p, self.generator, self.apply)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomInvert(_RandomApply):
    """Invert each image (``max − x``) with probability ``p``."""

    def apply(self, array: np.ndarray) -> np.ndarray:
        return F.invert(array)


class RandomAutocontrast(_RandomApply):
    """Stretch each channel of an image to the full range with probability ``p``."""

    def apply(self, array: np.ndarray) -> np.ndarray:
        return F.autocontrast(array)


class RandomEqualize(_RandomApply):
    """Equalise the histogram of each channel of a ``uint8`` image with probability ``p``."""

    def apply(self, array: np.ndarray) -> np.ndarray:
        return F.equalize(array)


class RandomPosterize(_RandomApply):
    """Keep the top ``bits`` bits of a ``uint8`` image's pixels with probability ``p``."""

    def __init__(self, bits: int, p: float = 0.5, generator: Generator | None = None) -> None:
        if not 0 <= bits <= 8:
            raise ValueError(f"RandomPosterize: bits must be between 0 and 8, got {bits}")
        super().__init__(p, generator)
        self.bits = bits

    def apply(self, array: np.ndarray) -> np.ndarray:
        return F.posterize(array, self.bits)

    def __repr__(self) -> str:
        return f"RandomPosterize(bits={self.bits},p={self.p})"


class RandomSolarize(_RandomApply):
    """Invert the pixels at or above ``threshold`` of an image with probability ``p``."""

    def __init__(self, threshold: float, p: float = 0.5, generator: Generator | None = None) -> None:
        super().__init__(p, generator)
        self.threshold = threshold

    def apply(self, array: np.ndarray) -> np.ndarray:
        return F.solarize(array, self.threshold)

    def __repr__(self) -> str:
        return f"RandomSolarize(threshold={self.threshold},p={self.p})"


class RandomAdjustSharpness(_RandomApply):
    """Adjust the sharpness of an image by ``sharpness_factor`` with probability ``p``."""

    def __init__(self, sharpness_factor: float, p: float = 0.5, generator: Generator | None = None) -> None:
        if sharpness_factor < 0:
            raise ValueError(
                f"RandomAdjustSharpness: sharpness_factor ({sharpness_factor}) must be non-negative"
            )
        super().__init__(p, generator)
        self.sharpness_factor = sharpness_factor

    def apply(self, array: np.ndarray) -> np.ndarray:
        return F.adjust_sharpness(array, self.sharpness_factor)

    def __repr__(self) -> str:
        return f"RandomAdjustSharpness(sharpness_factor={self.sharpness_factor},p={self.p})"


class Grayscale:
    """Convert to gray (``0.2989 R + 0.587 G + 0.114 B``) with 1 or 3 output channels."""

    def __init__(self, num_output_channels: int = 1) -> None:
        if num_output_channels not in (1, 3):
            raise ValueError(f"Grayscale: num_output_channels must be 1 or 3, got {num_output_channels}")
        self.num_output_channels = num_output_channels

    def __call__(self, images: object) -> object:
        return F.rgb_to_grayscale(images, self.num_output_channels)

    def __repr__(self) -> str:
        return f"Grayscale(num_output_channels={self.num_output_channels})"


class RandomGrayscale(_RandomApply):
    """Convert an image to gray with probability ``p`` (default 0.1), keeping its channel count."""

    def __init__(self, p: float = 0.1, generator: Generator | None = None) -> None:
        super().__init__(p, generator)

    def apply(self, array: np.ndarray) -> np.ndarray:
        return F.rgb_to_grayscale(array, array.shape[1])


def _jitter_range(
    name: str, value: object, center: float = 1, bound: tuple = (0, math.inf), clip: bool = True
):
    """torchvision's ``ColorJitter._check_input``: ``v`` → ``[center − v, center + v]``; ``None``: a no-op."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"ColorJitter: {name} as one number must be non-negative, got {value}")
        low, high = center - float(value), center + float(value)
        if clip:
            low = max(low, 0.0)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        low, high = float(value[0]), float(value[1])
    else:
        raise TypeError(f"ColorJitter: {name} must be one number or a (min, max) pair, got {value!r}")
    if not bound[0] <= low <= high <= bound[1]:
        raise ValueError(
            f"ColorJitter: {name} range ({low}, {high}) must be (min, max) with min <= max within {bound}"
        )
    return None if low == high == center else (low, high)


class ColorJitter:
    """Randomly change brightness, contrast, saturation and hue, in a random order, per image.

    Args:
        brightness, contrast, saturation: ``v`` (the factor is drawn uniformly from
            ``[max(0, 1 − v), 1 + v]``) or ``(min, max)``; 0 leaves it out.
        hue: ``v`` in [0, 0.5] (drawn from ``[−v, v]``) or ``(min, max)`` within [−0.5, 0.5].
        generator: a ``tt.Generator`` (default: the global one).

    Each image gets its own four factors and its own order of the four adjustments, as a
    torchvision call on that one image would; see the module's note for how it is vectorised.
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0, generator: Generator | None = None):
        self.brightness = _jitter_range("brightness", brightness)
        self.contrast = _jitter_range("contrast", contrast)
        self.saturation = _jitter_range("saturation", saturation)
        self.hue = _jitter_range("hue", hue, center=0, bound=(-0.5, 0.5), clip=False)
        self.generator = generator

    def get_params(self, batch: int) -> tuple[np.ndarray, list[np.ndarray | None]]:
        """Per image: an order of the four adjustments ``(B, 4)`` and the four factors (``None``: off)."""
        rng = numpy_generator(self.generator)
        order = rng.random((batch, 4)).argsort(axis=1)  # a uniform random permutation per image
        ranges = (self.brightness, self.contrast, self.saturation, self.hue)
        factors = [None if r is None else rng.uniform(r[0], r[1], size=batch) for r in ranges]
        return order, factors

    def __call__(self, images: object) -> object:
        array, is_tensor, single = _unwrap(images)
        order, factors = self.get_params(len(array))
        adjust = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        active = [k for k in range(4) if factors[k] is not None]
        if not active:
            return images
        # Each image's order restricted to the active adjustments, as a (B, len(active)) code.
        steps = order[np.isin(order, active)].reshape(len(array), len(active))
        groups, group_of = np.unique(steps, axis=0, return_inverse=True)
        out = np.empty_like(array)
        for g, sequence in enumerate(groups):
            members = np.flatnonzero(group_of.reshape(-1) == g)
            part = array[members]
            for k in sequence:
                part = adjust[k](part, factors[k][members])
            out[members] = part
        return _wrap(out, is_tensor, single)

    def __repr__(self) -> str:
        return (
            f"ColorJitter(brightness={self.brightness}, contrast={self.contrast}, "
            f"saturation={self.saturation}, hue={self.hue})"
        )


class GaussianBlur:
    """Blur each image with a Gaussian of ``kernel_size`` and a σ drawn uniformly from ``sigma``, per image.

    Args:
        kernel_size: one odd int or ``(kx, ky)``.
        sigma: ``(min, max)`` of the uniform draw (default ``(0.1, 2.0)``), or one fixed positive σ.
    """

    def __init__(self, kernel_size, sigma=(0.1, 2.0), generator: Generator | None = None) -> None:
        sizes = (
            (int(kernel_size), int(kernel_size)) if isinstance(kernel_size, numbers.Number) else kernel_size
        )
        sizes = tuple(sizes) * 2 if len(sizes) == 1 else tuple(sizes)
        if len(sizes) != 2 or any(k <= 0 or k % 2 == 0 for k in sizes):
            raise ValueError(
                f"GaussianBlur: kernel_size must be odd and positive (kx, ky), got {kernel_size!r}"
            )
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError(f"GaussianBlur: sigma as one number must be positive, got {sigma}")
            sigma = (sigma, sigma)
        elif isinstance(sigma, Sequence) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise ValueError(f"GaussianBlur: sigma must be (min, max) with 0 < min <= max, got {sigma}")
        else:
            raise ValueError(f"GaussianBlur: sigma must be one number or a (min, max) pair, got {sigma!r}")
        self.kernel_size, self.sigma, self.generator = sizes, sigma, generator

    def __call__(self, images: object) -> object:
        array, is_tensor, single = _unwrap(images)
        sigma = numpy_generator(self.generator).uniform(self.sigma[0], self.sigma[1], size=len(array))
        out = F.gaussian_blur(array, list(self.kernel_size), np.stack([sigma, sigma], axis=1))
        return _wrap(out, is_tensor, single)

    def __repr__(self) -> str:
        return f"GaussianBlur(kernel_size={self.kernel_size}, sigma={self.sigma})"


class RandomErasing:
    """Erase a random rectangle of each image with probability ``p`` (Zhong et al., 2017), per image.

    Args:
        p: probability per image.
        scale: ``(min, max)`` of the erased area, a fraction of the image's.
        ratio: ``(min, max)`` of its aspect ratio h / w, drawn log-uniformly.
        value: the fill: a number, one per channel, or ``'random'`` (standard normal noise per
            pixel; float images only).
        inplace: overwrite the input.

    Per image, up to ten tries of (area, aspect) as torchvision; the rectangle is
    ``h = round(√(area · aspect))``, ``w = round(√(area / aspect))`` and must be smaller than the
    image; its corner is uniform over the places it fits. An image with no try that fits is kept.
    """

    def __init__(
        self,
        p: float = 0.5,
        scale=(0.02, 0.33),
        ratio=(0.3, 3.3),
        value=0,
        inplace: bool = False,
        generator: Generator | None = None,
    ) -> None:
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError(f"RandomErasing: value must be a number, a sequence or 'random', got {value!r}")
        if isinstance(value, str) and value != "random":
            raise ValueError(f"RandomErasing: a string value must be 'random', got {value!r}")
        if not isinstance(scale, Sequence) or not isinstance(ratio, Sequence):
            raise TypeError(
                f"RandomErasing: scale and ratio must be (min, max) sequences, got {scale}, {ratio}"
            )
        if len(scale) != 2 or len(ratio) != 2:
            raise ValueError(f"RandomErasing: scale {scale} and ratio {ratio} must be (min, max) pairs")
        if ratio[0] <= 0:
            raise ValueError(f"RandomErasing: ratio {ratio} must be positive (aspect ratios, drawn as logs)")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError(f"RandomErasing: scale {scale} and ratio {ratio} must be (min, max)")
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError(f"RandomErasing: scale {scale} must lie in [0, 1]")
        self.p = _check_p("RandomErasing", p)
        self.scale, self.ratio, self.value = scale, ratio, value
        self.inplace, self.generator = inplace, generator

    def get_params(self, batch: int, height: int, width: int, tries: int = 10):
        """Per image: ``(i, j, h, w)`` vectors and whether a try fitted (``False``: keep the image)."""
        rng = numpy_generator(self.generator)
        area = height * width * rng.uniform(self.scale[0], self.scale[1], size=(batch, tries))
        aspect = np.exp(rng.uniform(math.log(self.ratio[0]), math.log(self.ratio[1]), size=(batch, tries)))
        h = np.rint(np.sqrt(area * aspect)).astype(np.int64)
        w = np.rint(np.sqrt(area / aspect)).astype(np.int64)
        fits = (h < height) & (w < width)
        first = fits.argmax(axis=1)  # the first try that fits (0 when none does: masked below)
        found = fits.any(axis=1)
        rows = np.arange(batch)
        h, w = np.where(found, h[rows, first], 0), np.where(found, w[rows, first], 0)
        i = rng.integers(0, height - h + 1)
        j = rng.integers(0, width - w + 1)
        return i, j, h, w, found

    def __call__(self, images: object) -> object:
        array, is_tensor, single = _unwrap(images)
        b, c, height, width = array.shape
        value = self.value
        if isinstance(value, str) and array.dtype.kind != "f":
            raise TypeError(
                f"RandomErasing: value='random' is normal noise, for float images; got {array.dtype} images "
                "(convert them to float first, or give a number)"
            )
        if isinstance(value, (tuple, list)) and len(value) not in (1, c):
            raise ValueError(
                f"RandomErasing: value has {len(value)} entries for images with {c} channels; give 1 or {c}"
            )
        chosen = numpy_generator(self.generator).random(b) < self.p
        i, j, h, w, found = self.get_params(b, height, width)
        h = np.where(chosen & found, h, 0)  # an empty rectangle: the image is kept
        if isinstance(value, str):
            out = array if self.inplace else array.copy()
            mask = np.broadcast_to(rectangles(out.shape, i, j, h, w), out.shape)
            noise = numpy_generator(self.generator).standard_normal(int(mask.sum()), dtype=np.float32)
            out[mask] = noise.astype(out.dtype, copy=False)
        else:
            fill = np.asarray(value, dtype=np.float64).reshape(-1)
            out = F.erase(array, i, j, h, w, fill, inplace=self.inplace)
        if self.inplace:
            return images
        return _wrap(out, is_tensor, single)

    def __repr__(self) -> str:
        return (
            f"RandomErasing(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value}, "
            f"inplace={self.inplace})"
        )
