"""``roi_pool`` and ``RoIPool``: the maximum of each bin of each region (Fast R-CNN's pooling).

Each region (see :mod:`.roi_boxes`) is scaled by ``spatial_scale`` and its corners
rounded to whole pixels (halves away from zero, as C's ``round``), inclusive: a
region from pixel ``x1`` to ``x2`` spans ``x2 - x1 + 1`` pixels (at least 1). Bin
``i`` of ``P`` along an axis covers pixels ``floor(i·s)`` to ``ceil((i+1)·s)``
(exclusive) from the region's start, ``s = span / P``, clipped to the map; bins
overlap by a pixel where ``s`` is not whole. An empty bin gives 0. Ties go to the
first pixel in row-major order, and NaN is never the maximum, as in torchvision.

All boxes × bins of a group of regions with the same largest bin (:func:`window_groups`)
are gathered at once in windows of that size (the pixels past a bin's own size are
masked), and reduced by one ``argmax``; backward sends each bin's gradient to its
argmax pixel with one ``np.bincount``.

Cost: ``Σ PH·PW·bh·bw`` gathered rows of ``C`` values over the regions, ``bh × bw`` each
region's largest bin.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function, Tensor
from tt_nn import Module

from .roi_boxes import (
    as_feature_map,
    channels_last_rows,
    feature_map,
    groups_by_key,
    output_size_pair,
    regions,
    scattered_rows,
)

#: C's ``-FLT_MAX``: torchvision's running maximum starts there, so only larger values are picked.
LOWEST = -np.finfo(np.float32).max


def rounded(values: np.ndarray) -> np.ndarray:
    """Nearest integers, halves away from zero (C's ``round``, not NumPy's half-to-even)."""
    return (np.sign(values) * np.floor(np.abs(values) + values.dtype.type(0.5))).astype(np.int64)


def bin_bounds(
    rois: np.ndarray, bins: int, axis: int, scale, size: int, inclusive: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """First and past-the-last pixel of each region's bins along ``axis`` (0: x, 1: y), each ``(K, bins)``.

    ``inclusive``: the region's end pixel counts (roi_pool), or not (ps_roi_pool); at least one pixel.
    """
    dtype = rois.dtype
    start = rounded(rois[:, 1 + axis] * scale)
    span = np.maximum(rounded(rois[:, 3 + axis] * scale) - start + int(inclusive), 1)
    bin_size = span.astype(dtype) / dtype.type(bins)
    steps = np.arange(bins + 1, dtype=dtype)
    low = np.floor(steps[None, :-1] * bin_size[:, None]).astype(np.int64) + start[:, None]
    high = np.ceil(steps[None, 1:] * bin_size[:, None]).astype(np.int64) + start[:, None]
    return np.clip(low, 0, size), np.clip(high, 0, size)


def window(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixels ``(K, bins, b)`` of every bin in windows of the largest bin ``b``, and which are in the bin."""
    width = max(int((high - low).max(initial=0)), 1)
    pixels = low[..., None] + np.arange(width)
    return np.minimum(pixels, np.maximum(high[..., None] - 1, 0)), pixels < high[..., None]


def window_groups(y_bounds, x_bounds) -> list[np.ndarray]:
    """The regions grouped by their largest bin ``(bh, bw)``: index arrays, one per size that occurs.

    A group's windows are its own largest bin, so one large region does not widen every small
    one's windows. A loop over the distinct sizes, not over the regions.
    """
    return groups_by_key(*((high - low).max(axis=1, initial=0) for low, high in (y_bounds, x_bounds)))


def pool_regions(source: np.ndarray, images: np.ndarray, y_bounds, x_bounds, height: int, width: int):
    """Each bin's maximum and its pixel row for a group of regions: ``(k·PH·PW, C)`` twice (-1: none).

    ``source`` is the map as channels-last rows ``(N·H·W, C)``; ``images`` the regions' image indices.
    """
    ys, in_y = window(*y_bounds)  # (k, PH, bh)
    xs, in_x = window(*x_bounds)  # (k, PW, bw)
    k, ph, pw = len(images), ys.shape[1], xs.shape[1]
    base = (images.astype(np.int64) * height * width)[:, None, None, None, None]
    rows = base + (ys * width)[:, :, None, :, None] + xs[:, None, :, None, :]  # (k, PH, PW, bh, bw)
    inside = in_y[:, :, None, :, None] & in_x[:, None, :, None, :]
    rows = rows.reshape(k * ph * pw, ys.shape[2] * xs.shape[2])
    values = np.take(source, rows, axis=0)  # (k·PH·PW, bh·bw, C)
    inside = inside.reshape(rows.shape)
    candidates = inside[..., None] & (values > LOWEST)  # NaN and -inf never win
    values = np.where(candidates, values, -np.inf)
    best = values.argmax(axis=1)  # (k·PH·PW, C): the first maximum
    found = candidates.any(axis=1)
    out = np.take_along_axis(values, best[:, None, :], axis=1)[:, 0]
    empty = ~inside.any(axis=1)
    out = np.where(found, out, np.where(empty[:, None], 0, LOWEST)).astype(source.dtype)
    return out, np.where(found, np.take_along_axis(rows, best, axis=1), -1)


class RoIPoolFunction(Function):
    """``roi_pool`` on arrays: input ``(N, C, H, W)`` → ``(K, C, PH, PW)``; regions are a constant."""

    @staticmethod
    def forward(ctx, x, rois, output_size, spatial_scale):
        n, c, height, width = x.shape
        (ph, pw), k = output_size, len(rois)
        scale = x.dtype.type(spatial_scale)
        y_bounds = bin_bounds(rois, ph, 1, scale, height)  # (K, PH) each
        x_bounds = bin_bounds(rois, pw, 0, scale, width)  # (K, PW) each
        source = channels_last_rows(x)
        out = np.zeros((k, ph * pw, c), dtype=x.dtype)
        picked = np.full((k, ph * pw, c), -1, dtype=np.int64)  # each bin's maximum's row, -1: none
        for members in window_groups(y_bounds, x_bounds):
            part, rows = pool_regions(
                source, rois[members, 0], [b[members] for b in y_bounds], [b[members] for b in x_bounds],
                height, width,
            )  # fmt: skip
            out[members], picked[members] = (
                part.reshape(len(members), ph * pw, c),
                rows.reshape(-1, ph * pw, c),
            )
        ctx.rows, ctx.shape = picked.reshape(k * ph * pw, c), x.shape
        return np.ascontiguousarray(out.reshape(k, ph, pw, c).transpose(0, 3, 1, 2))

    @staticmethod
    def backward(ctx, grad):
        n, c, h, w = ctx.shape
        per_bin = grad.transpose(0, 2, 3, 1).reshape(-1, c)
        picked = ctx.rows >= 0
        rows = np.where(picked, ctx.rows, 0)  # bins without a maximum send nothing (a 0 to row 0)
        d_rows = scattered_rows(rows, np.where(picked, per_bin, 0), n * h * w)
        return as_feature_map(d_rows, ctx.shape, grad.dtype), None


def roi_pool(input: Tensor, boxes, output_size, spatial_scale: float = 1.0) -> Tensor:  # noqa: A002
    """RoI Pool: a ``PH × PW`` feature per region, each bin the maximum of its pixels.

    Args:
        input: ``(N, C, H, W)`` float feature map.
        boxes: ``(K, 5)`` rows ``(batch index, x1, y1, x2, y2)``, or a list of ``(L, 4)`` boxes per
            image; the input's dtype.
        output_size: ``PH`` (square) or ``(PH, PW)``.
        spatial_scale: the feature map's size over the image's.

    Shape: output ``(K, C, PH, PW)``. Differentiable w.r.t. ``input``: each bin's gradient goes to
    its maximum.

    Example:
        >>> import tt_autograd as autograd
        >>> x = autograd.tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4))
        >>> roi_pool(x, autograd.tensor([[0.0, 0, 0, 3, 3]]), 2).numpy().ravel().tolist()
        [5.0, 7.0, 13.0, 15.0]
    """
    op = "roi_pool"
    x = feature_map(op, input)
    rois = regions(op, boxes, x)
    return RoIPoolFunction.apply(
        x, rois, output_size=output_size_pair(op, output_size), spatial_scale=float(spatial_scale)
    )


class RoIPool(Module):
    """Layer form of :func:`roi_pool`: ``RoIPool(output_size, spatial_scale)``.

    Shape: ``forward(input (N, C, H, W), rois)`` → ``(K, C, PH, PW)``.

    Example:
        >>> import tt_autograd as autograd
        >>> layer = RoIPool(2, spatial_scale=0.5)
        >>> tuple(layer(autograd.zeros(1, 3, 8, 8), [autograd.tensor([[0.0, 0, 8, 8]])]).shape)
        (1, 3, 2, 2)
    """

    def __init__(self, output_size, spatial_scale: float) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale

    def forward(self, input: Tensor, rois) -> Tensor:  # noqa: A002
        """``roi_pool`` with this layer's settings."""
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def extra_repr(self) -> str:
        """torchvision's text: ``output_size=..., spatial_scale=...``."""
        return f"output_size={self.output_size}, spatial_scale={self.spatial_scale}"
