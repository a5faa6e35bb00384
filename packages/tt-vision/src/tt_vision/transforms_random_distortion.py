"""``RandomPerspective`` and ``ElasticTransform``: torchvision's distortions, drawn per image of a batch.

Beyond module 08's exercises; exported by :mod:`tt_vision.transforms`. Both take images
``(B, C, H, W)`` or one image ``(C, H, W)`` (a tensor or a NumPy array, float or ``uint8``) and
return the same kind. torchvision draws once per call, and a call there is one image; here each
image of the batch draws its own parameters, with torchvision's distributions (not its random
stream), from ``generator`` (default: the global one, seeded by ``tt.manual_seed``):

* :class:`RandomPerspective`: with probability ``p`` per image, the four corners move inwards by
  whole pixels, each uniform in its corner's box (``distortion_scale`` of half the image); the
  images drawn are warped together: one ``(B, 8)`` solve of the coefficients, one sampling grid,
  one ``grid_sample`` (:mod:`.transforms_warp`).
* :class:`ElasticTransform`: a displacement field per image, uniform noise in ``[-1, 1]``
  smoothed by a Gaussian of ``sigma`` (kernel ``8σ + 1``, made odd) and scaled by ``alpha`` over
  the image size; the batch's fields are blurred by one call of ``gaussian_blur`` and read by one
  ``grid_sample``. Cost: ``O(B · H · W · (H + W + C · taps))``: the blur's kernel (``k`` taps) is
  wider than a 24th of the image's sides (CIFAR's 32 pixels with σ = 3: 25 taps), so the blur is
  a matrix product per axis (else ``O(B · H · W · (k + C · taps))``).

As in torchvision, both always blend a ``fill`` (default 0) where a sample falls outside, so the
``'bilinear'`` edge pixels differ from the functional forms called with ``fill=None``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
from tt_tensor import Generator, numpy_generator

from .transforms import _unwrap, _wrap
from .transforms_blur_erase import gaussian_blur
from .transforms_random_apply import apply_by_group
from .transforms_warp import elastic_transform, perspective_coefficients, perspective_grid, warp, warp_mode


def _fill_values(op: str, fill) -> list[float]:
    """torchvision's ``fill``: a number, or one number per channel; None means 0."""
    if fill is None:
        return [0.0]
    if isinstance(fill, numbers.Number) and not isinstance(fill, bool):
        return [float(fill)]
    if isinstance(fill, (list, tuple)) and all(isinstance(f, numbers.Number) for f in fill):
        return [float(f) for f in fill]
    raise TypeError(f"{op}: fill must be a number or a sequence of numbers (one per channel), got {fill!r}")


class RandomPerspective:
    """Warp each image, with probability ``p``, so its corners move inwards at random (torchvision's).

    Args:
        distortion_scale: in ``[0, 1]``: how far a corner may move, as a fraction of half the
            image's width and height (default 0.5).
        p: the probability that an image is warped (default 0.5).
        interpolation: ``"bilinear"`` (default) or ``"nearest"`` (or an ``InterpolationMode``).
        fill: the value (or one per channel) outside the warped image (default 0).
        generator: the random source (default: the global one).

    Shape: ``(B, C, H, W)`` or ``(C, H, W)`` → the same.

    Example:
        >>> RandomPerspective(0.3, p=1.0)(np.zeros((4, 3, 32, 32), np.float32)).shape
        (4, 3, 32, 32)
    """

    def __init__(
        self,
        distortion_scale: float = 0.5,
        p: float = 0.5,
        interpolation="bilinear",
        fill=0,
        generator: Generator | None = None,
    ) -> None:
        op = "RandomPerspective"
        if not 0 <= distortion_scale <= 1:
            raise ValueError(f"{op}: distortion_scale must be in [0, 1], got {distortion_scale}")
        if not 0 <= p <= 1:
            raise ValueError(f"{op}: p must be in [0, 1], got {p}")
        self.distortion_scale, self.p = distortion_scale, p
        self.interpolation = warp_mode(op, interpolation)
        self.fill, self._fills, self.generator = fill, _fill_values(op, fill), generator

    def endpoints(self, batch: int, height: int, width: int) -> np.ndarray:
        """``(B, 4, 2)`` corners ``[x, y]`` (top-left, top-right, bottom-right, bottom-left), whole pixels.

        torchvision's ``get_params``: each coordinate uniform over the integers of its corner's
        band, ``distortion_scale`` of half the width (height) wide, at the image's edge.
        """
        rng = numpy_generator(self.generator)
        dx, dy = int(self.distortion_scale * (width // 2)), int(self.distortion_scale * (height // 2))
        left, right = (0, dx + 1), (width - dx - 1, width)  # [low, high) of the x of a left / right corner
        top, bottom = (0, dy + 1), (height - dy - 1, height)
        bands = [(left, top), (right, top), (right, bottom), (left, bottom)]
        low = np.array([[x[0], y[0]] for x, y in bands])
        high = np.array([[x[1], y[1]] for x, y in bands])
        return rng.integers(low, high, size=(batch, 4, 2))

    def __call__(self, images: object) -> object:
        array, is_tensor, single = _unwrap(images)
        batch, _, height, width = array.shape
        dtype = np.float64 if array.dtype == np.float64 else np.float32

        def distort(part: np.ndarray, members: np.ndarray) -> np.ndarray:
            grid = perspective_grid(coefficients[members], height, width, dtype)
            return warp(part, grid, self.interpolation, self._fills, "RandomPerspective")

        skip = numpy_generator(self.generator).random(batch) >= self.p
        corners = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        coefficients = perspective_coefficients(corners, self.endpoints(batch, height, width))
        distort(array[:0], np.zeros(0, np.intp))  # the checks (dtype, fill's length), whatever the coins say
        return _wrap(apply_by_group(array, skip.astype(np.int64), [distort]), is_tensor, single)

    def __repr__(self) -> str:
        return f"RandomPerspective(p={self.p})"


def _two(op: str, name: str, value) -> list[float]:
    """torchvision's ``alpha`` / ``sigma``: a float, or a sequence of one or two floats → ``[x, y]``."""
    if isinstance(value, float):
        return [value, value]
    if isinstance(value, Sequence) and not isinstance(value, str):
        if not all(isinstance(v, float) for v in value):
            raise TypeError(f"{op}: {name} must be a sequence of floats, got {value!r} (write 5.0, not 5)")
        if len(value) == 1:
            return [value[0], value[0]]
        if len(value) == 2:
            return list(value)
        raise ValueError(f"{op}: {name} as a sequence must hold 1 or 2 floats, got {len(value)}")
    raise TypeError(f"{op}: {name} must be a float or a sequence of floats, got {value!r} (write 5.0, not 5)")


def _odd_kernel(sigma: float) -> int:
    """torchvision's kernel for ``sigma``: ``int(8σ + 1)``, plus one if even."""
    size = int(8 * sigma + 1)
    return size + 1 if size % 2 == 0 else size


class ElasticTransform:
    """Displace each image's pixels by its own smooth random field (torchvision's).

    Args:
        alpha: the displacements' strength, a float or ``[αx, αy]`` (default 50.0).
        sigma: their smoothness, the Gaussian's σ, a float or ``[σx, σy]`` (default 5.0).
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill: the value (or one per channel) where a pixel is fetched from outside (default 0).
        generator: the random source (default: the global one).

    Shape: ``(B, C, H, W)`` or ``(C, H, W)`` → the same; the images must be larger than half the
    Gaussian's kernel (``4σ``), which reflect padding needs.

    Example:
        >>> ElasticTransform(alpha=20.0, sigma=3.0)(np.zeros((4, 1, 28, 28), np.float32)).shape
        (4, 1, 28, 28)
    """

    def __init__(
        self, alpha=50.0, sigma=5.0, interpolation="bilinear", fill=0, generator: Generator | None = None
    ) -> None:
        op = "ElasticTransform"
        self.alpha, self.sigma = _two(op, "alpha", alpha), _two(op, "sigma", sigma)
        self.interpolation = warp_mode(op, interpolation)
        self.fill, self.generator = _fill_values(op, fill), generator

    def displacements(self, batch: int, height: int, width: int) -> np.ndarray:
        """``(B, H, W, 2)`` float32 fields, in the grid's normalised units (torchvision's ``get_params``).

        Per image and axis: uniform noise in ``[-1, 1]``, blurred (for σ > 0) with a kernel of
        :func:`_odd_kernel` taps and torchvision's ``(σx, σy)`` pair, times ``α`` over the axis's size.
        """
        rng = numpy_generator(self.generator)
        fields = []
        for axis, size in enumerate((width, height)):  # dx (its alpha over the width), then dy
            noise = rng.random((batch, 1, height, width), dtype=np.float32) * np.float32(2) - np.float32(1)
            if self.sigma[axis] > 0:
                kernel = _odd_kernel(self.sigma[axis])
                noise = gaussian_blur(noise, [kernel, kernel], self.sigma)
            fields.append(noise[:, 0] * np.float32(self.alpha[axis]) / np.float32(size))
        return np.stack(fields, axis=-1)

    def __call__(self, images: object) -> object:
        array, _, _ = _unwrap(images)
        field = self.displacements(len(array), *array.shape[2:])
        return elastic_transform(images, field, self.interpolation, self.fill)

    def __repr__(self) -> str:
        return (
            f"ElasticTransform(alpha={self.alpha}, sigma={self.sigma}, "
            f"interpolation={self.interpolation}, fill={self.fill})"
        )


__all__ = ["ElasticTransform", "RandomPerspective"]
