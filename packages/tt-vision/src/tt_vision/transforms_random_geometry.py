"""torchvision's random geometric transforms, each drawing its parameters per image of a batch.

Beyond module 08's exercises; exported by :mod:`tt_vision.transforms`. Every transform takes
images ``(B, C, H, W)`` or one image ``(C, H, W)`` (a tensor or a NumPy array, float or
``uint8``) and returns the same kind. The random ones draw one vector of parameters per call,
an entry per image, from ``generator`` (default: the global one, seeded by ``tt.manual_seed``),
with torchvision's distributions (not its random stream), then move all pixels at once:

* :class:`RandomVerticalFlip`, :class:`Pad`, :class:`FiveCrop`, :class:`TenCrop`.
* :class:`RandomResizedCrop`: a crop box per image (torchvision's ``get_params``: area fraction
  uniform in ``scale``, log aspect ratio uniform in ``log(ratio)``, up to 10 tries, then the
  central box of the ratio nearest the image's), every box resized to one ``size``. The
  resampling differs per image, so each axis is a per-image matrix: ``(B, out_h, H)`` rows
  holding ``F.interpolate``'s taps for that box's height at its offset, and ``(B, out_w, W)``;
  the batch is then ``rows @ images @ columnsᵀ``, two batched matmuls. The matrices are built
  from one tap table per distinct box size (a loop of B small copies);
  cost ``O(B · C · out_h · W · (H + out_w))`` multiply-adds.
* :class:`RandomRotation`, :class:`RandomAffine`: an inverse affine matrix per image
  (:mod:`.transforms_warp`), one sampling grid ``(B, H, W, 2)``, one ``grid_sample``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tt_nn.functional.resample import resize_weights
from tt_tensor import Generator, numpy_generator

from .transforms import _unwrap, _wrap
from .transforms_functional import PADDING_MODES, five_crop, pad, padding_sides, ten_crop
from .transforms_geometry import RESIZE_MODES, _pair, round_into
from .transforms_random_apply import apply_with_probability
from .transforms_warp import affine_images, degrees_range, rotate, warp_mode


class RandomVerticalFlip:
    """Mirror each image top–bottom with probability ``p``, independently per image."""

    pixel_exact = True  # see :func:`tt_vision.transforms.split_pixel_steps`

    def __init__(self, p: float = 0.5, generator: Generator | None = None) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"RandomVerticalFlip: p must be in [0, 1], got {p}")
        self.p, self.generator = p, generator

    def __call__(self, images: object) -> object:
        return apply_with_probability(images, self.p, self.generator, lambda array: array[..., ::-1, :])

    def __repr__(self) -> str:
        return f"RandomVerticalFlip(p={self.p})"


class Pad:
    """Pad every image's borders (torchvision's ``Pad``; the arguments of :func:`functional.pad`)."""

    def __init__(self, padding, fill: float = 0, padding_mode: str = "constant") -> None:
        padding_sides("Pad", padding)
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"Pad: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    @property
    def pixel_exact(self) -> bool:
        """Only copies pixels (or pads with zeros): see :func:`tt_vision.transforms.split_pixel_steps`."""
        return self.padding_mode != "constant" or self.fill == 0

    def __call__(self, images: object) -> object:
        return pad(images, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return f"Pad(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class FiveCrop:
    """The four corner crops and the centre crop of ``size``: a tuple of 5 batches."""

    def __init__(self, size) -> None:
        self.size = _pair("FiveCrop", size[0] if isinstance(size, Sequence) and len(size) == 1 else size)

    def __call__(self, images: object) -> tuple:
        return five_crop(images, self.size)

    def __repr__(self) -> str:
        return f"FiveCrop(size={self.size})"


class TenCrop(FiveCrop):
    """:class:`FiveCrop` of the images and of their mirror images: a tuple of 10 batches."""

    def __init__(self, size, vertical_flip: bool = False) -> None:
        super().__init__(size)
        self.vertical_flip = vertical_flip

    def __call__(self, images: object) -> tuple:
        return ten_crop(images, self.size, self.vertical_flip)

    def __repr__(self) -> str:
        return f"TenCrop(size={self.size}, vertical_flip={self.vertical_flip})"


def _range(op: str, name: str, value) -> tuple[float, float]:
    if not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"{op}: {name} must be a (min, max) pair, got {value!r}")
    low, high = float(value[0]), float(value[1])
    if low > high or low <= 0:
        raise ValueError(f"{op}: {name} must be (min, max) with 0 < min <= max, got {value!r}")
    return low, high


class RandomResizedCrop:
    """Crop a random box of each image, of random area and aspect ratio, and resize it to ``size``.

    Args:
        size: output ``(h, w)``, or one int for a square.
        scale: ``(min, max)`` of the box's area as a fraction of the image's.
        ratio: ``(min, max)`` of the box's aspect ratio, width / height (drawn log-uniform).
        interpolation: ``"bilinear"`` (default), ``"bicubic"``, ``"nearest"``, ``"nearest-exact"``.
        antialias: filter when shrinking (bilinear, bicubic), as torchvision's default.
        generator: a ``tt.Generator`` (default: the global one).
    """

    def __init__(
        self,
        size,
        scale=(0.08, 1.0),
        ratio=(3 / 4, 4 / 3),
        interpolation="bilinear",
        antialias: bool = True,
        generator: Generator | None = None,
    ) -> None:
        self.size = _pair(
            "RandomResizedCrop", size[0] if isinstance(size, Sequence) and len(size) == 1 else size
        )
        self.scale = _range("RandomResizedCrop", "scale", scale)
        self.ratio = _range("RandomResizedCrop", "ratio", ratio)
        self.interpolation = getattr(interpolation, "value", interpolation)
        if self.interpolation not in RESIZE_MODES:
            raise ValueError(
                f"RandomResizedCrop: interpolation must be one of {RESIZE_MODES}, got {interpolation!r}"
            )
        self.antialias, self.generator = antialias, generator

    def boxes(self, batch: int, height: int, width: int) -> np.ndarray:
        """``(batch, 4)`` boxes ``(top, left, h, w)``, drawn as torchvision's ``get_params`` draws one."""
        rng = numpy_generator(self.generator)
        area = rng.uniform(*self.scale, size=(batch, 10)) * (height * width)
        aspect = np.exp(rng.uniform(*np.log(self.ratio), size=(batch, 10)))
        w = np.rint(np.sqrt(area * aspect)).astype(np.int64)  # Python's round: halves to even
        h = np.rint(np.sqrt(area / aspect)).astype(np.int64)
        fits = (w > 0) & (w <= width) & (h > 0) & (h <= height)
        first = fits.argmax(axis=1)  # the first try that fits
        found = fits[np.arange(batch), first]
        h, w = h[np.arange(batch), first], w[np.arange(batch), first]
        in_ratio = width / height  # the fallback: the central box of the nearest allowed ratio
        if in_ratio < self.ratio[0]:
            fallback = (int(round(width / self.ratio[0])), width)
        elif in_ratio > self.ratio[1]:
            fallback = (height, int(round(height * self.ratio[1])))
        else:
            fallback = (height, width)
        h, w = np.where(found, h, fallback[0]), np.where(found, w, fallback[1])
        top = np.where(found, rng.integers(0, height - h + 1), (height - h) // 2)
        left = np.where(found, rng.integers(0, width - w + 1), (width - w) // 2)
        return np.stack([top, left, h, w], axis=1)

    def crop_resize(self, images: object, boxes: np.ndarray) -> object:
        """Cut each image's box ``(top, left, h, w)`` (rows of ``boxes``) and resize it to ``size``."""
        array, is_tensor, single = _unwrap(images)
        if array.dtype.kind not in "fiu":
            raise TypeError(f"RandomResizedCrop: images must be float or integer, got {array.dtype}")
        dtype = array.dtype if array.dtype.kind == "f" else np.dtype(np.float32)
        rows = self._axis_weights(boxes[:, 0], boxes[:, 2], array.shape[2], self.size[0], dtype)
        cols = self._axis_weights(boxes[:, 1], boxes[:, 3], array.shape[3], self.size[1], dtype)
        out = (rows[:, None] @ array.astype(dtype, copy=False)) @ cols[:, None].transpose(0, 1, 3, 2)
        return _wrap(round_into(out, array.dtype), is_tensor, single)

    def _axis_weights(self, starts, lengths, size_in: int, size_out: int, dtype) -> np.ndarray:
        """``(B, size_out, size_in)``: each image's resize matrix of its span, zero outside it."""
        antialias = self.antialias and self.interpolation in ("bilinear", "bicubic")
        tables = {n: resize_weights(n, size_out, self.interpolation, antialias) for n in np.unique(lengths)}
        out = np.zeros((len(starts), size_out, size_in), dtype)
        for image, (start, length) in enumerate(zip(starts.tolist(), lengths.tolist())):
            out[image, :, start : start + length] = tables[length]
        return out

    def __call__(self, images: object) -> object:
        array, _, _ = _unwrap(images)
        return self.crop_resize(images, self.boxes(*array.shape[:1], *array.shape[2:]))

    def __repr__(self) -> str:
        return (
            f"RandomResizedCrop(size={self.size}, scale={self.scale}, "
            f"ratio={tuple(round(r, 4) for r in self.ratio)}, "
            f"interpolation={self.interpolation}, antialias={self.antialias})"
        )


def _fill(op: str, fill):
    if fill is None:
        return 0.0
    if not isinstance(fill, (Sequence, int, float)) or isinstance(fill, (str, bool)):
        raise TypeError(f"{op}: fill must be a number or one per channel, got {fill!r}")
    return fill


class RandomRotation:
    """Rotate each image by its own angle, uniform in ``degrees`` (counter-clockwise).

    Args:
        degrees: ``x`` for ``[-x, x]``, or ``(min, max)``.
        interpolation: ``"nearest"`` (default) or ``"bilinear"``.
        expand: refused for batches of more than one image (each angle would need its own
            output size); rotate one image at a time, or use :func:`functional.rotate`.
        center: ``(x, y)`` pixels from the top-left (default: the image centre).
        fill: the value (or one per channel) outside the rotated image. As in torchvision, the
            transform always blends a fill (default 0), so with ``"bilinear"`` its edge pixels
            differ from ``functional.rotate(..., fill=None)``, which leaves the zero padding alone.
    """

    def __init__(
        self,
        degrees,
        interpolation="nearest",
        expand: bool = False,
        center=None,
        fill=0,
        generator: Generator | None = None,
    ) -> None:
        self.degrees = degrees_range("RandomRotation", "degrees", degrees)
        self.interpolation = warp_mode("RandomRotation", interpolation)
        self.expand, self.center, self.fill = expand, center, _fill("RandomRotation", fill)
        self.generator = generator

    def __call__(self, images: object) -> object:
        array, _, single = _unwrap(images)
        angles = numpy_generator(self.generator).uniform(*self.degrees, size=len(array))
        if self.expand:
            if len(array) > 1:
                raise ValueError(
                    "RandomRotation: expand=True gives each angle its own output size, so a batch of "
                    f"{len(array)} images cannot share one; rotate one image at a time or use expand=False"
                )
            return rotate(images, float(angles[0]), self.interpolation, True, self.center, self.fill)
        no_shift = (0.0, 0.0)  # broadcast against the angles: one matrix per image
        return affine_images(
            images,
            -angles,
            no_shift,
            1.0,
            no_shift,
            self.interpolation,
            self.fill,
            self.center,
            "RandomRotation",
        )

    def __repr__(self) -> str:
        return (
            f"RandomRotation(degrees={self.degrees}, interpolation={self.interpolation}, "
            f"expand={self.expand}, "
            f"fill={self.fill})"
        )


class RandomAffine:
    """Rotate, translate, scale and shear each image by its own random parameters (torchvision's).

    Args:
        degrees: rotation (clockwise) range: ``x`` for ``[-x, x]``, or ``(min, max)``.
        translate: ``(a, b)``: horizontal shift uniform in ``±a · W``, vertical in ``±b · H``,
            rounded to whole pixels.
        scale: ``(min, max)`` of a uniform scale factor.
        shear: ``x`` for an x-shear in ``[-x, x]``, ``(min, max)`` along x, or ``(xmin, xmax, ymin, ymax)``.
        interpolation: ``"nearest"`` (default) or ``"bilinear"``. fill, center: as :class:`RandomRotation`.
    """

    def __init__(
        self,
        degrees,
        translate=None,
        scale=None,
        shear=None,
        interpolation="nearest",
        fill=0,
        center=None,
        generator: Generator | None = None,
    ) -> None:
        op = "RandomAffine"
        self.degrees = degrees_range(op, "degrees", degrees)
        if translate is not None:
            if (
                not isinstance(translate, Sequence)
                or len(translate) != 2
                or not all(0 <= t <= 1 for t in translate)
            ):
                raise ValueError(f"{op}: translate must be two fractions (a, b) in [0, 1], got {translate!r}")
        if scale is not None:
            _range(op, "scale", scale)
        self.translate, self.scale = translate, scale
        self.shear = None if shear is None else degrees_range(op, "shear", shear, sizes=(2, 4))
        self.interpolation = warp_mode(op, interpolation)
        self.fill, self.center, self.generator = _fill(op, fill), center, generator

    def parameters(self, batch: int, height: int, width: int) -> tuple:
        """``(angle (B,), translate (B, 2), scale (B,), shear (B, 2))``, per image."""
        rng = numpy_generator(self.generator)
        angle = rng.uniform(*self.degrees, size=batch)
        translate = np.zeros((batch, 2))
        if self.translate is not None:
            limits = np.array([self.translate[0] * width, self.translate[1] * height])
            translate = np.rint(rng.uniform(-limits, limits, size=(batch, 2)))
        scale = np.ones(batch) if self.scale is None else rng.uniform(*self.scale, size=batch)
        shear = np.zeros((batch, 2))
        if self.shear is not None:
            shear[:, 0] = rng.uniform(*self.shear[:2], size=batch)
            if len(self.shear) == 4:
                shear[:, 1] = rng.uniform(*self.shear[2:], size=batch)
        return angle, translate, scale, shear

    def __call__(self, images: object) -> object:
        array, _, _ = _unwrap(images)
        params = self.parameters(len(array), *array.shape[2:])
        return affine_images(images, *params, self.interpolation, self.fill, self.center, "RandomAffine")

    def __repr__(self) -> str:
        return (
            f"RandomAffine(degrees={self.degrees}, translate={self.translate}, scale={self.scale}, "
            f"shear={self.shear}, interpolation={self.interpolation}, fill={self.fill})"
        )


__all__ = [
    "FiveCrop",
    "Pad",
    "RandomAffine",
    "RandomResizedCrop",
    "RandomRotation",
    "RandomVerticalFlip",
    "TenCrop",
]
