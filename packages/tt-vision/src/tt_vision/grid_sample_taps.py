"""Which pixels a ``grid_sample`` point reads, and with what weights: the geometry behind ``grid_sample``.

A grid coordinate is normalised (−1 at one edge of an axis, +1 at the other);
:func:`unnormalize` turns it into pixels, :func:`pad_position` brings a position
back inside the image by ``padding_mode`` (clamped, or mirrored then clamped), and
:func:`source_position` does both, with the derivative of the whole map.

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
"""

from __future__ import annotations

import itertools
from functools import reduce
from operator import mul

import numpy as np

MODES = ("bilinear", "nearest", "bicubic")
PADDING_MODES = ("zeros", "border", "reflection")
TAP_OFFSETS = {"nearest": (0,), "bilinear": (0, 1), "bicubic": (-1, 0, 1, 2)}  # past the start, per axis
CUBIC_A = -0.75  # PyTorch's (and OpenCV's) cubic convolution constant


def unnormalize(coordinate: np.ndarray, size: int, align_corners: bool) -> tuple[np.ndarray, float]:
    """Normalised ``coordinate`` → position in pixels along an axis of ``size``, and its (constant) slope."""
    if align_corners:
        return (coordinate + 1) * ((size - 1) / 2), (size - 1) / 2
    return ((coordinate + 1) * size - 1) / 2, size / 2


def reflect(coordinate: np.ndarray, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """Mirror ``coordinate`` at ``low`` and ``high`` until it lies between them; also the derivative."""
    span = high - low
    if span <= 0:
        return np.zeros_like(coordinate), np.zeros_like(coordinate)
    distance = coordinate - low
    slope = np.where(distance < 0, -1.0, 1.0)
    distance = np.abs(distance)
    flips = np.floor(distance / span)
    extra = np.fmod(distance, span)
    odd = flips % 2 == 1
    return np.where(odd, high - extra, low + extra), np.where(odd, -slope, slope)


def pad_position(
    position: np.ndarray, size: int, padding_mode: str, align_corners: bool
) -> tuple[np.ndarray, np.ndarray]:
    """A pixel ``position`` brought inside ``[0, size - 1]`` by ``padding_mode``, and the map's derivative.

    ``'zeros'`` leaves it (what falls outside reads 0); ``'border'`` clamps it;
    ``'reflection'`` mirrors it (at the corner pixel centres with ``align_corners``,
    at the outer edges otherwise), then clamps. The derivative is 0 where it clamps,
    an edge itself included (as PyTorch's ``clip_coordinates_set_grad``).
    """
    slope = np.ones_like(position)
    if padding_mode == "reflection":
        low, high = (0.0, size - 1.0) if align_corners else (-0.5, size - 0.5)
        position, slope = reflect(position, low, high)
    if padding_mode in ("border", "reflection"):
        inside = (position > 0) & (position < size - 1)
        position, slope = np.clip(position, 0, size - 1), slope * inside
    return position, slope


def source_position(
    coordinate: np.ndarray, size: int, padding_mode: str, align_corners: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Normalised ``coordinate`` → padded position in pixels along an axis of ``size``, and its derivative."""
    position, scale = unnormalize(coordinate, size, align_corners)
    position, slope = pad_position(position, size, padding_mode, align_corners)
    return position, slope * scale


def corner_pixels(positions: list, mode: str) -> list[tuple[tuple, tuple]]:
    """The taps of points at pixel ``positions`` (one array per axis, x first).

    Each tap is ``(pixel, choice)``: its pixel along every axis, and which of that
    axis's weights (:func:`axis_weights`) it takes. Their order does not matter
    (the taps' contributions are summed).
    """
    offsets = TAP_OFFSETS[mode]
    starts = [np.rint(p) if mode == "nearest" else np.floor(p) for p in positions]
    choices = itertools.product(range(len(offsets)), repeat=len(positions))
    return [(tuple(s + offsets[k] for s, k in zip(starts, choice)), choice) for choice in choices]


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


def corner_weights(per_axis: list, taps: list) -> list:
    """Each tap's weight: the product of its axis weights (``per_axis``: one list per axis)."""
    return [reduce(mul, (weights[k] for weights, k in zip(per_axis, choice))) for _, choice in taps]


def corner_rows(pixel: tuple, shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Each point's row in the input's channels-last rows ``(N·D·H·W, C)``, and whether it lies in it.

    ``pixel`` is the tap's pixel along each axis, x first; ``shape`` the input's
    ``(N, C, [D,] H, W)``. A tap outside the image points at its image's first row
    (it is read as 0).
    """
    sizes = shape[:1:-1]  # W, H[, D]: the grid's axis order
    inside = reduce(np.logical_and, ((p >= 0) & (p <= size - 1) for p, size in zip(pixel, sizes)))
    rows = np.arange(shape[0]).reshape(-1, *[1] * len(sizes)) * np.prod(sizes)
    stride = 1
    for p, size in zip(pixel, sizes):
        rows = rows + np.where(inside, p, 0).astype(np.int64) * stride
        stride *= size
    return rows, inside


def locate(grid: np.ndarray, shape: tuple, mode: str, padding_mode: str, align_corners: bool):
    """Everything sampling needs from the grid's values, for an input of ``shape``.

    Returns the taps (:func:`corner_pixels`), each tap's ``(rows, inside)``
    (:func:`corner_rows`), the fraction past ``floor`` per axis (None for
    ``'nearest'``) and the slope of each axis's position w.r.t. the grid.
    """
    sizes = shape[:1:-1]
    first = "zeros" if mode == "bicubic" else padding_mode  # bicubic pads each tap instead
    located = [
        source_position(grid[..., axis].astype(np.float64), size, first, align_corners)
        for axis, size in enumerate(sizes)
    ]
    positions, slopes = [p for p, _ in located], [s for _, s in located]
    taps = corner_pixels(positions, mode)
    rows = []
    for pixel, _ in taps:
        if mode == "bicubic":
            pixel = tuple(
                pad_position(p, size, padding_mode, align_corners)[0] for p, size in zip(pixel, sizes)
            )
        rows.append(corner_rows(pixel, shape))
    fractions = None if mode == "nearest" else [p - np.floor(p) for p in positions]
    return taps, rows, fractions, slopes
