"""Pixel masks of the shapes torchvision's drawing functions ask Pillow for, by Pillow's rules.

torchvision draws boxes, discs and lines with Pillow's ``ImageDraw``; to give
the same pixels, each shape here is a boolean ``(H, W)`` mask built with
array operations, following Pillow's (13) rasterising rules, checked against
it pixel for pixel in scratch comparisons (the session report has the counts):

* :func:`rectangle_outline`: ``rectangle(width=w)``, rows and columns drawn inward;
* :func:`disc`: a filled circle ``ellipse([x-r, y-r, x+r, y+r])``;
* :func:`thin_line`: ``line(width=1)``, Bresenham with both ends;
* :func:`wide_line`: ``line(width=w > 1)``, a quadrilateral filled by scan lines.

Cost: ``O(H · W)`` per shape (the scan-line fill: ``O(rows · W)``), a fixed
number of NumPy steps; no Python loop over pixels or rows.
"""

from __future__ import annotations

import math

import numpy as np

HALF = np.float32(0.5)


def rectangle_outline(x0: int, y0: int, x1: int, y1: int, width: int, shape: tuple[int, int]) -> np.ndarray:
    """Pillow's ``rectangle`` outline of ``width`` pixels.

    For ``i < width``: rows ``y0 + i`` and ``y1 - i`` across ``x0 … x1``, and columns
    ``x0 + i`` and ``x1 - i`` from row ``y0 + width`` towards row ``y1 - width + 1``,
    that end excluded (Pillow's line). A box thinner than ``2 · width`` is solid,
    and its lines reach past its corners, as Pillow's do.
    """
    height, image_width = shape
    mask = np.zeros(shape, dtype=bool)
    steps = np.arange(width)
    rows = np.concatenate([y0 + steps, y1 - steps])
    rows = rows[(rows >= 0) & (rows < height)]
    mask[rows, max(x0, 0) : max(x1 + 1, 0)] = True
    cols = np.concatenate([x1 - steps, x0 + steps])
    cols = cols[(cols >= 0) & (cols < image_width)]
    start, stop = y0 + width, y1 - width + 1
    first, last = (start, stop - 1) if stop > start else (stop + 1, start)  # an empty span when equal
    mask[max(first, 0) : max(last + 1, 0), cols] = True
    return mask


def disc(x: int, y: int, radius: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Pillow's filled circle of ``radius`` about ``(x, y)``: ``dx² + dy² < radius · (radius + 1)``.

    Exact for radii 0-5 and all but 8 edge pixels of some radii up to 15 (measured).
    """
    return (cols - x) ** 2 + (rows - y) ** 2 < radius * (radius + 1)


def thin_line(start: tuple[int, int], end: tuple[int, int], shape: tuple[int, int]) -> np.ndarray:
    """Pillow's one-pixel line from ``start`` to ``end`` (``(x, y)``), both ends included.

    One pixel per step along the longer axis; the other coordinate is ``t · d_minor / n``
    rounded half up, which is what Bresenham's error term gives.
    """
    (x0, y0), (x1, y1) = start, end
    dx, dy = x1 - x0, y1 - y0
    t = np.arange(max(abs(dx), abs(dy)) + 1)
    steps = max(len(t) - 1, 1)
    if abs(dx) > abs(dy):
        xs, ys = x0 + np.sign(dx) * t, y0 + np.sign(dy) * ((2 * abs(dy) * t + steps) // (2 * steps))
    else:
        xs, ys = x0 + np.sign(dx) * ((2 * abs(dx) * t + steps) // (2 * steps)), y0 + np.sign(dy) * t
    mask = np.zeros(shape, dtype=bool)
    keep = (xs >= 0) & (xs < shape[1]) & (ys >= 0) & (ys < shape[0])
    mask[ys[keep], xs[keep]] = True
    return mask


def _round_up(value: np.ndarray) -> np.ndarray:
    """Pillow's ROUND_UP, half away from zero, in the value's own precision (float32 for the scan lines)."""
    value = np.asarray(value)
    return (np.sign(value) * np.floor(np.abs(value) + value.dtype.type(0.5))).astype(np.int64)


def _round_down(value: np.ndarray) -> np.ndarray:
    """Pillow's ROUND_DOWN, half towards zero."""
    value = np.asarray(value)
    return (np.sign(value) * np.ceil(np.abs(value) - value.dtype.type(0.5))).astype(np.int64)


def wide_line(start: tuple[int, int], end: tuple[int, int], width: int, shape: tuple[int, int]) -> np.ndarray:
    """Pillow's line of ``width > 1`` pixels: a quadrilateral about the segment, filled by scan lines.

    The corners are the ends moved across the segment by ``round_down`` and
    ``round_up`` of ``(width - 1) / 2`` (Pillow's half-width rounding, per side).
    Every image row the shape covers is filled at once: each sloped edge's
    crossing ``x`` (float32, as Pillow computes it; an edge's lower end counted
    twice below the last row), sorted, paired into spans
    ``[round_up(left), round_down(right)]``, and horizontal edges added where
    Pillow's fill reaches them.
    """
    (x0, y0), (x1, y1) = start, end
    height, image_width = shape
    mask = np.zeros(shape, dtype=bool)
    dx, dy = x1 - x0, y1 - y0
    if dx == 0 and dy == 0:
        if 0 <= x0 < image_width and 0 <= y0 < height:
            mask[y0, x0] = True
        return mask
    length, half = math.hypot(dx, dy), (width - 1) / 2
    far, near = int(_round_up(half)) / length, int(_round_down(half)) / length
    across = [
        int(_round_down(near * dy)),
        int(_round_down(far * dy)),
        int(_round_down(near * dx)),
        int(_round_down(far * dx)),
    ]
    corners = [
        (x0 - across[0], y0 + across[3]),
        (x1 - across[0], y1 + across[3]),
        (x1 + across[1], y1 - across[2]),
        (x0 + across[1], y0 - across[2]),
    ]
    edges = [(corners[i], corners[(i + 1) % 4]) for i in range(4)]
    first = max(min(min(ay, by) for (_, ay), (_, by) in edges), 0)
    first = min(first, max(height - 1, 0))
    last = min(max(max(max(a[1], b[1]) for a, b in edges), 0), height)
    rows = np.arange(first, last + 1)
    crossings = []
    for (ax, ay), (bx, by) in edges:
        if ay == by:
            continue
        low, high = min(ay, by), max(ay, by)
        slope = np.float32(bx - ax) / np.float32(by - ay)
        x = (rows - ay).astype(np.float32) * slope + np.float32(ax)
        crossings.append(np.where((rows >= low) & (rows <= high), x, np.inf))
        crossings.append(np.where((rows == high) & (rows < last), x, np.inf))
    values = np.sort(np.array(crossings, dtype=np.float32), axis=0)
    flat = [(min(ax, bx), max(ax, bx), ay) for (ax, ay), (bx, by) in edges if ay == by]
    cols = np.arange(image_width)
    position = np.zeros(len(rows), dtype=np.int64)

    def paint(on: np.ndarray, left: np.ndarray, right: np.ndarray) -> None:
        inside = on & (rows < height)
        span = (cols >= left[:, None]) & (cols <= right[:, None])
        mask[rows[inside]] |= span[inside]

    def horizontal_edges(position: np.ndarray, active: np.ndarray) -> np.ndarray:
        for low, high, row in flat:
            left = np.maximum(low, position)
            on = active & (rows == row) & (position >= low) & (high >= left)
            paint(on, left, np.full(len(rows), high))
            position = np.where(on, high + 1, position)
        return position

    for pair in range(0, len(values) - 1, 2):
        present = np.isfinite(values[pair + 1])
        right = _round_down(np.where(present, values[pair + 1], 0))
        active = present & (right >= position)
        position = horizontal_edges(position, active)
        left = np.maximum(_round_up(np.where(present, values[pair], 0)), position)
        active &= (right >= position) & (right >= left)
        paint(active, left, right)
        position = np.where(active, right + 1, position)
    horizontal_edges(position, np.ones(len(rows), dtype=bool))
    return mask
