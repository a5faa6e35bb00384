"""Which pixels a ``grid_sample`` point reads, and with what weights: the geometry behind ``grid_sample``.

A grid coordinate is normalised (−1 at one edge of an axis, +1 at the other);
:func:`unnormalize` turns it into pixels, :func:`pad_position` brings a position
back inside the image by ``padding_mode`` (clamped, or mirrored then clamped), with
the derivative of the map.

A point reads the *taps* around its position along every axis (x, y, and z for
volumes), each axis independently: ``'nearest'`` the closest pixel (halves to
even, as PyTorch's ``nearbyint``), ``'bilinear'`` the two around it, ``'bicubic'``
the four (one before, two after ``floor``). A tap's weight is the product of its
axis weights (:func:`axis_weights`): ``1 − t, t`` for linear, the cubic
convolution of Keys with ``A = −0.75`` for cubic, ``t`` being the fraction past
``floor``. The same polynomials serve NumPy arrays (forward, backward) and
tensors (the recorded backward), so their derivatives come from one definition.

Padding for ``'bicubic'`` follows PyTorch: the position is only unnormalised, and
each of the 16 taps is padded on its own (clamped for ``'border'``, mirrored then
clamped for ``'reflection'``), so near an edge a pixel can be read by several taps.
The linear modes pad the position itself, then read its taps (0 outside).

Padding acts along each axis alone, so each axis's taps are found once per point
(:func:`axis_taps`: 2 or 4 pixel indices, in integers) and :func:`tap_product`
combines them into the 4, 8 or 16 taps (pixel offsets added, weights multiplied),
the taps leading every array so each element-wise step runs along the points.
"""

from __future__ import annotations

import math
from functools import reduce
from operator import add, mul
from typing import NamedTuple

import numpy as np

MODES = ("bilinear", "nearest", "bicubic")
PADDING_MODES = ("zeros", "border", "reflection")
TAP_OFFSETS = {"nearest": (0,), "bilinear": (0, 1), "bicubic": (-1, 0, 1, 2)}  # past the start, per axis
CUBIC_A = -0.75  # PyTorch's (and OpenCV's) cubic convolution constant
INT_LIMIT = 2.0**31  # past a C int's range: PyTorch's 3-d kernel counts reflections in one


def unnormalize(coordinate: np.ndarray, size: int, align_corners: bool) -> tuple[np.ndarray, float]:
    """Normalised ``coordinate`` → position in pixels along an axis of ``size``, and its (constant) slope."""
    if align_corners:
        return (coordinate + 1) * ((size - 1) / 2), (size - 1) / 2
    return ((coordinate + 1) * size - 1) / 2, size / 2


def reflect(coordinate: np.ndarray, low: float, high: float, volume: bool) -> tuple[np.ndarray, np.ndarray]:
    """Mirror ``coordinate`` at ``low`` and ``high`` until it lies between them; also the derivative.

    As PyTorch's CPU kernels, whose arithmetic differs only where a coordinate is
    huge (or not finite: NaN then): a ``volume`` takes the remainder by ``fmod``
    and counts the flips in a C ``int`` (a count past its range reads as even);
    an image subtracts whole double spans, which for a huge coordinate leaves a
    remainder outside ``[low, high]`` that the clamp after it brings to an edge.
    (Past about ``2**49`` pixels PyTorch's 2-d result depends on whether its build
    fuses that multiply and subtract, as x86 builds do; this is the unfused one.)
    """
    span = high - low
    if span <= 0:
        return np.zeros_like(coordinate), np.zeros_like(coordinate)
    distance = coordinate - low
    below = distance < 0
    distance = np.abs(distance)
    if volume:
        flips = np.floor(distance / span)
        extra = np.fmod(distance, span)
        odd = (np.fmod(flips, 2) == 1) & (flips < INT_LIMIT)  # flips >= 0: as `% 2`, several times faster
        return np.where(odd, high - extra, low + extra), np.where(odd != below, -1.0, 1.0)
    twice = 2 * span
    extra = distance - np.trunc(distance / twice) * twice
    mirrored = twice - extra
    flip = extra > mirrored
    return low + np.where(flip, mirrored, extra), np.where(flip != below, -1.0, 1.0)


def pad_position(
    position: np.ndarray, size: int, padding_mode: str, align_corners: bool, volume: bool
) -> tuple[np.ndarray, np.ndarray]:
    """A pixel ``position`` brought inside ``[0, size - 1]`` by ``padding_mode``, and the map's derivative.

    ``'zeros'`` leaves it (what falls outside reads 0); ``'border'`` clamps it;
    ``'reflection'`` mirrors it (at the corner pixel centres with ``align_corners``,
    at the outer edges otherwise), then clamps. The derivative is 0 where it clamps,
    an edge itself included (as PyTorch's ``clip_coordinates_set_grad``). NaN (a NaN
    coordinate, or an infinite one mirrored) clamps to 0 in an image, to ``size - 1``
    in a ``volume``, as PyTorch's 2-d and 3-d CPU kernels order their max and min.
    """
    slope = np.ones_like(position)
    if padding_mode == "reflection":
        low, high = (0.0, size - 1.0) if align_corners else (-0.5, size - 0.5)
        position, slope = reflect(position, low, high, volume)
    if padding_mode in ("border", "reflection"):
        inside = (position > 0) & (position < size - 1)
        floor = np.maximum(position, 0) if volume else np.fmax(position, 0)  # fmax: NaN → 0
        position, slope = np.fmin(floor, size - 1), slope * inside
    return position, slope


def cubic_near(s):
    """Keys' cubic convolution kernel for ``0 <= s <= 1``."""
    return ((CUBIC_A + 2) * s - (CUBIC_A + 3)) * s * s + 1


def cubic_far(s):
    """Keys' cubic convolution kernel for ``1 <= s <= 2``."""
    return ((CUBIC_A * s - 5 * CUBIC_A) * s + 8 * CUBIC_A) * s - 4 * CUBIC_A


def axis_weights(t, mode: str) -> list:
    """The weights of one axis's taps for the fraction ``t`` past ``floor`` (arrays or tensors)."""
    if mode == "bilinear":
        return [1 - t, t]
    return [cubic_far(t + 1), cubic_near(t), cubic_near(1 - t), cubic_far(2 - t)]  # distances to the taps


def axis_weight_slopes(t: np.ndarray, mode: str) -> list:
    """The derivatives of :func:`axis_weights` w.r.t. ``t``."""
    if mode == "bilinear":
        return [-np.ones_like(t), np.ones_like(t)]
    a = CUBIC_A

    def near(s):
        return (3 * (a + 2) * s - 2 * (a + 3)) * s

    def far(s):
        return (3 * a * s - 10 * a) * s + 8 * a

    return [far(t + 1), near(t), -near(1 - t), -far(2 - t)]


def tap_product(per_axis: list, combine=mul):
    """Every tap's combination of one ``(n, ...)`` array per axis (x first): ``(n**k, ...)``, x fastest.

    ``combine`` joins two axes' parts (``mul`` for weights, ``add`` for pixel
    offsets); arrays or tensors alike. The taps
    lead, so every element-wise step runs along the points.
    """
    k = len(per_axis)
    parts = [
        a.reshape(*[1] * (k - 1 - i), a.shape[0], *[1] * i, *a.shape[1:]) for i, a in enumerate(per_axis)
    ]
    joined = reduce(combine, parts)
    return joined.reshape(math.prod(joined.shape[:k]), *joined.shape[k:])


def axis_taps(
    coordinate: np.ndarray,
    size: int,
    stride: int,
    outside: int,
    mode: str,
    padding_mode: str,
    align_corners: bool,
    volume: bool,
):
    """One axis of every point: its taps' pixels times ``stride`` (``(n, ...)`` intp; ``outside`` where a tap
    falls outside the axis), whether each is inside, the fraction past ``floor`` (None for ``'nearest'``),
    the position's slope, and where padding met NaN in a ``volume`` (None if nowhere).

    ``coordinate`` is float64. Bicubic pads each tap (the position is only
    unnormalised); the linear modes pad the position, then read its taps.
    """
    first = "zeros" if mode == "bicubic" else padding_mode
    position, scale = unnormalize(coordinate, size, align_corners)
    lost = None
    if volume and first != "zeros":  # NaN, or an infinity mirrored: PyTorch's 3-d backward finds no taps
        lost = np.isnan(position) if first == "border" else ~np.isfinite(position)
    position, slope = pad_position(position, size, first, align_corners, volume)
    start = np.rint(position) if mode == "nearest" else np.floor(position)
    pixels = np.stack([start + offset for offset in TAP_OFFSETS[mode]])
    if mode == "bicubic":
        pixels = pad_position(pixels, size, padding_mode, align_corners, volume)[0]
    pixels, inside = strided_pixels(pixels, size, stride, outside)
    return pixels, inside, None if mode == "nearest" else position - start, slope * scale, lost


def strided_pixels(pixels: np.ndarray, size: int, stride: int, outside: int) -> tuple[np.ndarray, np.ndarray]:
    """Taps' whole-pixel positions along an axis of ``size`` (floats) → ``(pixel · stride, inside)``.

    The first is intp, ``outside`` where the tap lies outside ``[0, size - 1]`` (NaN included);
    the second says where it lies inside.
    """
    inside = (pixels >= 0) & (pixels <= size - 1)  # False for NaN too
    return np.where(inside, pixels * stride, outside).astype(np.intp), inside


def image_pixels(per_axis: list, total: int) -> np.ndarray:
    """Every tap's pixel in its image from each axis's :func:`strided_pixels` (x first): ``(taps, ...)``.

    A tap outside along some axis sums to at least ``total`` (the image's pixel count, each axis's
    ``outside``) and is cut down to it: one index, past the image, for every tap outside.
    """
    return np.minimum(tap_product(per_axis, add), total)


class Taps(NamedTuple):
    """What :func:`locate` finds: the taps lead (``(taps, N, *So)``), one entry per axis (x first) below."""

    pixels: np.ndarray  # the pixel each tap reads, flat in its image; D·H·W (one past the last) outside
    inside: list  # per axis (n, N, *So): whether each of its n taps lies inside the image along it
    fractions: list | None  # per axis (N, *So): the fraction past floor; None for 'nearest'
    slopes: list  # per axis (N, *So): the derivative of the position w.r.t. the grid coordinate
    lost: np.ndarray | None  # (N, *So): a volume's points without gradient (NaN met padding); None: none


def locate(grid: np.ndarray, shape: tuple, mode: str, padding_mode: str, align_corners: bool) -> Taps:
    """Everything sampling needs from the grid's values, for an input of ``shape`` (:class:`Taps`).

    A tap outside the image along some axis reads the index ``D·H·W`` (:func:`image_pixels`).
    """
    sizes, volume = shape[:1:-1], len(shape) == 5  # W, H[, D]: the grid's axis order
    strides, total = np.cumprod((1, *sizes[:-1])), int(np.prod(sizes))
    with np.errstate(invalid="ignore"):  # NaN or infinite points: NaN where PyTorch's is, without a warning
        located = [
            axis_taps(
                grid[..., axis].astype(np.float64),
                size,
                stride,
                total,
                mode,
                padding_mode,
                align_corners,
                volume,
            )
            for axis, (size, stride) in enumerate(zip(sizes, strides))
        ]
    pixels = image_pixels([a[0] for a in located], total)
    fractions = None if mode == "nearest" else [a[2] for a in located]
    lost = None if located[0][4] is None else reduce(np.logical_or, [a[4] for a in located])
    lost = lost if lost is not None and lost.any() else None
    return Taps(pixels, [a[1] for a in located], fractions, [a[3] for a in located], lost)
