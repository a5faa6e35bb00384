"""``roi_align`` and ``RoIAlign``: a fixed-size feature of each region, bilinear samples averaged per bin.

Mask R-CNN's pooling (He et al., 2017). Each region (a box on image ``n``, see
:mod:`.roi_boxes`) is scaled by ``spatial_scale`` into the feature map's pixels
(shifted by half a pixel when ``aligned``, so a pixel's centre is at ``+0.5``),
and split into ``PH × PW`` bins. Each bin averages ``gh × gw`` points on a regular
grid inside it (``sampling_ratio`` per axis, or, for ``-1``, ``ceil(region side
/ bins)``, so large regions take more points), each read by bilinear
interpolation of its 4 neighbouring pixels. torchvision's rules for the edges:
a point more than one pixel outside the map reads 0; one within that pixel is
clamped onto the edge. Without ``aligned`` a region is at least 1×1 pixel.

All boxes × bins × points are gathered at once per group of regions with the same
sample grid (:func:`grid_groups`: with the adaptive rule regions differ in their
number of points; within a group none is padded). The result is, per bin, a weighted sum of
``4·gh·gw`` input rows (channels last), one batched matrix product. Backward
scatters the output gradient times the same weights into the feature map: the
taps sorted by pixel and summed per pixel by one ``np.add.reduceat``
(:func:`.roi_boxes.summed_rows`). There is no gradient w.r.t. the boxes, as in
torchvision. A tap of weight 0 is skipped, so a NaN or inf pixel that a sample
weighs 0 does not reach the gradient (torchvision multiplies it by 0: NaN).

Positions and weights are computed in the input's dtype with torchvision's
formulas, so float32 samples land where its kernel's do.

Cost: ``Σ PH·PW·4·gh·gw`` gathered rows of ``C`` values over the regions (memory too, per
group), each region's own grid ``gh, gw``.
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
    summed_rows,
)


def region_axis(rois: np.ndarray, bins: int, axis: int, scale, aligned: bool, sampling_ratio: int):
    """One axis (``axis`` 0: x, 1: y) of every region: ``(start, bin_size, grid)``, in feature-map pixels.

    ``grid`` ``(K,)`` is the region's points per bin along the axis: ``sampling_ratio``, or for
    ``<= 0`` torchvision's adaptive ``ceil(length / bins)``.
    """
    dtype = rois.dtype
    offset = dtype.type(0.5 if aligned else 0.0)
    start = rois[:, 1 + axis] * scale - offset
    length = rois[:, 3 + axis] * scale - offset - start
    if not aligned:
        length = np.maximum(length, dtype.type(1))
    if sampling_ratio > 0:
        grid = np.full(len(rois), sampling_ratio, dtype=np.int64)
    else:
        grid = np.ceil(length / dtype.type(bins)).astype(np.int64)
    return start, length / dtype.type(bins), grid


def grid_groups(rois: np.ndarray, output_size, scale, aligned: bool, sampling_ratio: int) -> list[np.ndarray]:
    """The regions grouped by their sample grid ``(gh, gw)``: index arrays, one per grid that occurs.

    Gathering a group pads each of its regions to the group's own grid only, so a large
    region's many points are not paid for by every small one (one group with a fixed
    ``sampling_ratio``). A loop over the distinct grids, not over the regions.
    """
    ph, pw = output_size
    _, _, grid_y = region_axis(rois, ph, 1, scale, aligned, sampling_ratio)
    _, _, grid_x = region_axis(rois, pw, 0, scale, aligned, sampling_ratio)
    return groups_by_key(grid_y, grid_x)


def sample_grid(rois: np.ndarray, bins: int, axis: int, scale, aligned: bool, sampling_ratio: int):
    """One axis (``axis`` 0: x, 1: y) of every region's sample points, in feature-map pixels.

    Returns ``(positions, used, grid)``: ``positions`` ``(K, bins, g)`` (``g`` the largest
    grid), ``used`` ``(K, 1, g)``, False for the points past a region's own grid, and
    ``grid`` ``(K,)`` (:func:`region_axis`).
    """
    dtype = rois.dtype
    start, bin_size, grid = region_axis(rois, bins, axis, scale, aligned, sampling_ratio)
    points = max(int(grid.max(initial=0)), 1)  # at least one (masked) point: an empty region's bins divide
    step = np.arange(points, dtype=dtype) + dtype.type(0.5)  # (iy + .5), as torchvision's float
    divisor = np.maximum(grid, 1).astype(dtype)
    positions = (
        start[:, None, None]
        + np.arange(bins, dtype=dtype)[None, :, None] * bin_size[:, None, None]
        + step[None, None, :] * bin_size[:, None, None] / divisor[:, None, None]
    )
    return positions, (np.arange(points)[None, None, :] < grid[:, None, None]), grid


def corners(positions: np.ndarray, size: int):
    """Low and high neighbouring pixels of each position, and the weight of the high one.

    torchvision's edge rules: more than a pixel outside reads nothing (``inside`` False),
    below 0 clamps to 0, at or past the last pixel both neighbours are the last one.
    """
    dtype = positions.dtype
    inside = (positions >= -1) & (positions <= size)
    clamped = np.maximum(positions, dtype.type(0))
    low = np.floor(clamped).astype(np.int64)
    at_edge = low >= size - 1
    low = np.where(at_edge, size - 1, low)
    high = np.where(at_edge, size - 1, low + 1)
    fraction = np.where(at_edge, dtype.type(0), clamped - low.astype(dtype))
    return low, high, fraction, inside


def sample_taps(rois, shape, output_size, scale, sampling_ratio, aligned, fewest_points=1):
    """Every bin's taps: rows ``(K·PH·PW, T)`` into the channels-last map and their weights, T = 4·gh·gw.

    A bin's samples are averaged over ``max(gh·gw, fewest_points)``: roi_align divides an empty
    region's 0 by 1; ps_roi_align (``fewest_points=0``) by ``gh·gw`` as it is, as torchvision's: 0
    gives NaN, and a region inverted on one axis (a negative grid) gives 0.
    """
    n, c, height, width = shape
    ph, pw = output_size
    ys, used_y, grid_y = sample_grid(rois, ph, 1, scale, aligned, sampling_ratio)  # (K, PH, gh)
    xs, used_x, grid_x = sample_grid(rois, pw, 0, scale, aligned, sampling_ratio)  # (K, PW, gw)
    y_low, y_high, ly, inside_y = corners(ys, height)
    x_low, x_high, lx, inside_x = corners(xs, width)
    dtype = rois.dtype
    one = dtype.type(1)
    count = grid_y * grid_x  # torchvision's divisor, per region: at least 1 for roi_align; ps_roi_align
    count = (np.maximum(count, fewest_points) if fewest_points else count).astype(dtype)  # keeps its sign
    # axes: (K, PH, gh, PW, gw); the point counts when its y and x are inside and used
    keep = (inside_y & used_y)[:, :, :, None, None] & (inside_x & used_x)[:, None, None, :, :]
    base = (rois[:, 0].astype(np.int64) * height * width)[:, None, None, None, None]
    rows, weights = [], []
    for yi, wy in ((y_low, one - ly), (y_high, ly)):
        for xi, wx in ((x_low, one - lx), (x_high, lx)):
            rows.append(base + (yi * width)[:, :, :, None, None] + xi[:, None, None, :, :])
            weights.append(np.where(keep, wy[:, :, :, None, None] * wx[:, None, None, :, :], 0))
    k, taps = len(rois), 4 * ys.shape[2] * xs.shape[2]
    rows = np.stack(rows, axis=-1).transpose(0, 1, 3, 2, 4, 5).reshape(k * ph * pw, taps)
    weights = np.stack(weights, axis=-1).transpose(0, 1, 3, 2, 4, 5).reshape(k, ph * pw, taps)
    with np.errstate(divide="ignore", invalid="ignore"):
        return rows, (weights / count[:, None, None]).reshape(k * ph * pw, taps)


class RoIAlignFunction(Function):
    """``roi_align`` on arrays: input ``(N, C, H, W)`` → ``(K, C, PH, PW)``; regions are a constant."""

    @staticmethod
    def forward(ctx, x, rois, output_size, spatial_scale, sampling_ratio, aligned):
        scale = x.dtype.type(spatial_scale)
        k, (ph, pw), c = len(rois), output_size, x.shape[1]
        source = channels_last_rows(x)
        out = np.zeros((k, ph * pw, c), dtype=x.dtype)
        ctx.taps = []  # per group of regions: each tap's row, its bin (over all regions), its weight
        for members in grid_groups(rois, output_size, scale, aligned, sampling_ratio):
            rows, weights = sample_taps(rois[members], x.shape, output_size, scale, sampling_ratio, aligned)
            gathered = np.take(source, rows, axis=0)  # (k·PH·PW, T, C)
            out[members] = np.matmul(weights[:, None, :], gathered)[:, 0].reshape(len(members), ph * pw, c)
            bins = (members[:, None] * (ph * pw) + np.arange(ph * pw)).reshape(-1, 1)
            ctx.taps.append((rows, np.broadcast_to(bins, rows.shape), weights))
        ctx.shape = x.shape
        return np.ascontiguousarray(out.reshape(k, ph, pw, c).transpose(0, 3, 1, 2))

    @staticmethod
    def backward(ctx, grad):
        n, c, h, w = ctx.shape
        per_bin = grad.transpose(0, 2, 3, 1).reshape(-1, c)  # (K·PH·PW, C)
        if not ctx.taps:  # no regions
            return np.zeros(ctx.shape, dtype=grad.dtype), None
        rows, bins, weights = (np.concatenate([part[i].ravel() for part in ctx.taps]) for i in range(3))
        d_rows = summed_rows(rows, per_bin, bins, weights, n * h * w)
        return as_feature_map(d_rows, ctx.shape, grad.dtype), None


def roi_align(
    input: Tensor,  # noqa: A002
    boxes,
    output_size,
    spatial_scale: float = 1.0,
    sampling_ratio: int = -1,
    aligned: bool = False,
) -> Tensor:
    """RoI Align: a ``PH × PW`` feature per region, each bin the mean of bilinear samples.

    Args:
        input: ``(N, C, H, W)`` float feature map.
        boxes: ``(K, 5)`` rows ``(batch index, x1, y1, x2, y2)``, or a list of ``(L, 4)`` boxes per
            image; the input's dtype.
        output_size: ``PH`` (square) or ``(PH, PW)``.
        spatial_scale: the feature map's size over the image's (``1/16`` for a stride-16 map).
        sampling_ratio: points per bin along each axis; ``<= 0`` chooses ``ceil(region side / bins)``
            per region (torchvision's adaptive default ``-1``).
        aligned: shift the boxes by -0.5 pixel so sampling matches pixel centres (Detectron2's
            fix); without it a region is at least 1×1.

    Shape: output ``(K, C, PH, PW)``. Differentiable w.r.t. ``input`` (not the boxes).

    Example:
        >>> import tt_autograd as autograd
        >>> x = autograd.tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4))
        >>> box = autograd.tensor([[0.0, 0.5, 0.5, 2.5, 2.5]])
        >>> roi_align(x, box, 1, aligned=True).numpy().ravel().tolist()
        [5.0]
    """
    op = "roi_align"
    x = feature_map(op, input)
    rois = regions(op, boxes, x)
    size = output_size_pair(op, output_size)
    return RoIAlignFunction.apply(
        x,
        rois,
        output_size=size,
        spatial_scale=float(spatial_scale),
        sampling_ratio=int(sampling_ratio),
        aligned=bool(aligned),
    )


class RoIAlign(Module):
    """Layer form of :func:`roi_align`, with its settings fixed at construction.

    Shape: ``forward(input (N, C, H, W), rois)`` → ``(K, C, PH, PW)``.

    Example:
        >>> import tt_autograd as autograd
        >>> layer = RoIAlign(2, spatial_scale=0.5, sampling_ratio=2)
        >>> tuple(layer(autograd.zeros(1, 3, 8, 8), [autograd.tensor([[0.0, 0, 8, 8]])]).shape)
        (1, 3, 2, 2)
    """

    def __init__(self, output_size, spatial_scale: float, sampling_ratio: int, aligned: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio
        self.aligned = aligned

    def forward(self, input: Tensor, rois) -> Tensor:  # noqa: A002
        """``roi_align`` with this layer's settings."""
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned)

    def extra_repr(self) -> str:
        """torchvision's text: ``output_size=..., spatial_scale=..., sampling_ratio=..., aligned=...``."""
        return (
            f"output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
            f"sampling_ratio={self.sampling_ratio}, aligned={self.aligned}"
        )
