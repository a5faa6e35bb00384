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

A bilinear sample's weight on a pixel is a row weight times a column weight, so a
bin's mean is separable: region r's ``PH × PW`` output is ``Ay[r] · X · Ax[r]ᵀ`` per
channel, ``Ay[r]`` ``(PH, h)`` the summed row weights of each bin's samples over ``h``
rows of the map (``Ax[r]`` likewise over columns), ``X`` those rows and columns. The
regions of one image and one band of rows and columns (:func:`bands`) are one group:
``Ay`` stacked ``(k·PH, h)`` times the block ``(h, C·w)`` is one matrix product, then
a batched product with each ``Ax[r]ᵀ``; backward is the transposed products, the
group's sum over its regions being the same one product, added onto the block. A
Python loop over the groups: regions of similar size and place share one, but
scattered proposals of many sizes can make nearly one group per region (each still
a few products, not a loop over bins or samples). There is no gradient w.r.t. the
boxes, as in torchvision.

Positions and weights are computed in the input's dtype with torchvision's
formulas, so float32 samples land where its kernel's do; the weights are summed per
pixel (in float64) before the products, so float32 results differ from
torchvision's sums of products by rounding. A band holds pixels that no sample
reads (weight 0): an inf or NaN there must not reach the bins (``0 · inf`` is NaN),
so a group whose block (or output gradient) is not all finite runs on its finite
values, and the bins (pixels) that read an inf or a NaN with a positive weight are
set by indicator products (:func:`weighted_sum`); torchvision, which reads only the
samples' neighbours, gives the same, except for a neighbour of weight exactly 0,
which it multiplies (NaN) and this skips.

Cost: per group, ``k·PH·h·C·w + k·PH·C·w·PW`` multiply-adds (both ways), ``h`` and
``w`` at most 4 times the region's span of pixels; memory ``k·PH·C·w``, bounded by
running a group in chunks of regions whose products fit :data:`GROUP_BYTES` (32 MiB;
300 proposals covering a 256-channel 200×272 map were one group of 585 MB). Backward costs
as much as forward (the gathered taps this replaced scattered ``4·gh·gw`` rows of ``C``
values per bin, 10 times slower).
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function, Tensor
from tt_nn import Module

from .roi_boxes import feature_map, groups_by_key, output_size_pair, regions

#: Bytes a group's products may hold at once (``m·PH·C·w`` values): a larger group runs in chunks of regions.
GROUP_BYTES = 32 << 20


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


def axis_shares(rois, bins: int, axis: int, size: int, scale, aligned: bool, sampling_ratio: int):
    """One axis of every region's bilinear samples as pixel shares: ``(pixels, shares, first, span)``.

    ``pixels`` and ``shares`` ``(K, bins, g, 2)``: each sample's low and high neighbour and its weight
    over the region's points per bin along the axis (0 for a point past its grid or a pixel
    outside); ``first`` ``(K,)`` the lowest pixel a region reads, ``span`` ``(K,)`` how many it spans
    (1 for a region that reads none).
    """
    positions, used, grid = sample_grid(rois, bins, axis, scale, aligned, sampling_ratio)
    low, high, fraction, inside = corners(positions, size)
    keep = inside & used
    share = np.where(keep, 1 / np.maximum(grid, 1).astype(positions.dtype)[:, None, None], 0)
    pixels = np.stack([low, high], axis=-1)
    shares = np.stack([share * (1 - fraction), share * fraction], axis=-1)
    first = np.where(keep, low, size).min(axis=(1, 2), initial=size)
    last = np.where(keep, high, -1).max(axis=(1, 2), initial=-1)
    span = np.maximum(last - first + 1, 1)
    return pixels, shares, np.minimum(first, size - 1), span


def bands(first: np.ndarray, span: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Each region's band of the map along one axis: ``(start, stop)`` ``(K,)`` each, holding its span.

    A band is ``2b`` pixels from a multiple of ``b``, ``b`` the span rounded up to a power of 2
    (the whole axis once ``2b >= size``): regions of similar size and place share a band, and a
    band is at most 4 times the span. Few distinct bands; each holds every pixel its regions read.
    """
    b = 2 ** np.ceil(np.log2(span)).astype(np.int64)
    start = np.where(2 * b >= size, 0, first // b * b)
    return start, np.minimum(start + 2 * b, size)


def interpolation(pixels: np.ndarray, shares: np.ndarray, start: int, width: int, dtype) -> np.ndarray:
    """``(k, bins, width)``: entry ``[r, i, p]`` sums the shares of region r's bin i on pixel ``start + p``.

    One ``np.bincount`` over every sample's two neighbours (accumulated in float64).
    """
    k, bins = pixels.shape[:2]
    column = np.clip(pixels - start, 0, width - 1)  # a share of 0 may fall anywhere
    flat = (np.arange(k * bins).reshape(k, bins, 1, 1) * width + column).ravel()
    summed = np.bincount(flat, weights=shares.ravel(), minlength=k * bins * width)
    return summed.reshape(k, bins, width).astype(dtype)


def band_groups(rois, ys, xs, height: int, width: int, bytes_per_column: int):
    """The regions grouped by image and band: ``(members, image, (y0, y1), (x0, x1))`` per group.

    A group of ``m`` regions whose products would hold more than :data:`GROUP_BYTES`
    (``m · bytes_per_column · w``, ``bytes_per_column`` the bytes of ``PH · C`` values) comes
    as consecutive chunks of as many regions as fit (at least one). Each group or chunk is
    narrowed from its band to the rows and columns its regions read (a region alone: its span).
    """
    y_band, x_band = bands(ys[2], ys[3], height), bands(xs[2], xs[3], width)
    images = rois[:, 0].astype(np.int64)
    for members in groups_by_key(images, *y_band, *x_band):
        width_read = int(x_band[1][members[0]] - x_band[0][members[0]])
        step = max(GROUP_BYTES // max(bytes_per_column * width_read, 1), 1)  # (0 bytes: no channels)
        for start in range(0, len(members), step):
            part = members[start : start + step]
            yield part, images[part[0]], read_span(ys, part), read_span(xs, part)


def read_span(axis_shares_of: tuple, members: np.ndarray) -> tuple[int, int]:
    """``(start, stop)``: the pixels along one axis that ``members`` read (:func:`axis_shares`' spans)."""
    first, span = axis_shares_of[2][members], axis_shares_of[3][members]
    return int(first.min()), int((first + span).max())


def weighted_sum(product, weights: tuple, values: np.ndarray) -> np.ndarray:
    """``product(weights, values)``, a sum of weights times values, with torchvision's non-finite values.

    A value that no positive weight reads must not reach the result (``0 · inf`` would be NaN): the
    products run on the finite values, and indicator products on ``weights > 0`` say which results
    read a ``+inf``, a ``-inf`` or a NaN, set to ``inf``, ``-inf`` or NaN (both infinities: NaN).
    Cost: one ``np.isfinite`` pass; three more products only when a value is not finite.
    """
    finite = np.isfinite(values)
    if finite.all():
        return product(*weights, values)
    out = product(*weights, np.where(finite, values, 0))
    reach = tuple((w > 0).astype(w.dtype) for w in weights)
    hit = [product(*reach, mask.astype(values.dtype)) > 0 for mask in (values == np.inf, values == -np.inf)]
    out[hit[0]], out[hit[1]] = np.inf, -np.inf
    out[(product(*reach, np.isnan(values).astype(values.dtype)) > 0) | (hit[0] & hit[1])] = np.nan
    return out


def bins_of_block(ay: np.ndarray, ax: np.ndarray, block: np.ndarray) -> np.ndarray:
    """Forward of one group: ``(m, C, PH, PW)`` from ``ay`` ``(m, PH, h)``, ``ax`` ``(m, PW, w)``, ``block``
    ``(h, C, w)``: ``Ay · X · Axᵀ`` per region and channel."""
    (m, ph, h), pw, (c, w) = ay.shape, ax.shape[1], block.shape[1:]
    by_rows = (ay.reshape(m * ph, h) @ block.reshape(h, c * w)).reshape(m, ph * c, w)
    bins = np.matmul(by_rows, np.ascontiguousarray(ax.transpose(0, 2, 1)))  # (m, PH·C, PW)
    return bins.reshape(m, ph, c, pw).transpose(0, 2, 1, 3)


def block_of_bins(ay: np.ndarray, ax: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Backward of one group: ``(h, C, w)`` from ``grad`` ``(m, C, PH, PW)``: ``Σ_r Ayᵀ · g · Ax``."""
    (m, ph, h), (pw, w), c = ay.shape, ax.shape[1:], grad.shape[1]
    per_bin = grad.transpose(0, 2, 1, 3).reshape(m, ph * c, pw)
    by_columns = np.matmul(per_bin, ax).reshape(m * ph, c * w)
    return (ay.reshape(m * ph, h).T @ by_columns).reshape(h, c, w)


class RoIAlignFunction(Function):
    """``roi_align`` on arrays: input ``(N, C, H, W)`` → ``(K, C, PH, PW)``; regions are a constant.

    Separable products per group of regions of one image and band (the module's docstring):
    forward ``Ay · X · Axᵀ``, backward ``Ayᵀ · g · Ax`` summed over the group's regions.
    """

    @staticmethod
    def forward(ctx, x, rois, output_size, spatial_scale, sampling_ratio, aligned):
        scale = x.dtype.type(spatial_scale)
        (k, (ph, pw)), (c, height, width) = (len(rois), output_size), x.shape[1:]
        ys = axis_shares(rois, ph, 1, height, scale, aligned, sampling_ratio)
        xs = axis_shares(rois, pw, 0, width, scale, aligned, sampling_ratio)
        rows_first = np.ascontiguousarray(x.transpose(0, 2, 1, 3))  # (N, H, C, W)
        out = np.zeros((k, c, ph, pw), dtype=x.dtype)
        ctx.groups = []  # per group: members, image, bands, Ay (k, PH, h), Ax (k, PW, w)
        column = ph * c * x.dtype.itemsize  # the bytes of one region's products per column of its band
        for members, image, (y0, y1), (x0, x1) in band_groups(rois, ys, xs, height, width, column):
            ay = interpolation(ys[0][members], ys[1][members], y0, y1 - y0, x.dtype)
            ax = interpolation(xs[0][members], xs[1][members], x0, x1 - x0, x.dtype)
            out[members] = weighted_sum(bins_of_block, (ay, ax), rows_first[image, y0:y1, :, x0:x1])
            ctx.groups.append((members, image, (y0, y1), (x0, x1), ay, ax))
        ctx.shape = x.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        n, c, h, w = ctx.shape
        d_rows_first = np.zeros((n, h, c, w), dtype=grad.dtype)
        for members, image, (y0, y1), (x0, x1), ay, ax in ctx.groups:
            d_rows_first[image, y0:y1, :, x0:x1] += weighted_sum(block_of_bins, (ay, ax), grad[members])
        return np.ascontiguousarray(d_rows_first.transpose(0, 2, 1, 3)), None


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
