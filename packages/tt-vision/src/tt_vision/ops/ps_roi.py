"""Position-sensitive RoI ops (R-FCN, Dai et al., 2016): ``ps_roi_align``, ``ps_roi_pool`` and their layers.

The input holds a score map per output channel *and* bin: ``C = C_out · PH · PW``
channels, and bin ``(i, j)`` of output channel ``c`` reads only channel
``(c · PH + i) · PW + j``. So each bin of a region is computed from its own
channel group, as in torchvision:

* ``ps_roi_align``: the bin's mean of bilinear samples, exactly as
  :func:`.roi_align.roi_align` with ``aligned=True`` (half-pixel shift, no
  minimum size), except that an empty region divides by 0 samples: NaN.
* ``ps_roi_pool``: the bin's *average* (not maximum) over whole pixels; corners
  rounded as :func:`.roi_pool.roi_pool`'s, but the end pixel is not included
  (span ``x2 - x1``, at least 1); an empty bin gives 0. torchvision clips the bins'
  bounds to ``H - 1`` and ``W - 1`` (not ``H``, ``W``), so the map's last row and
  column are never read; so do we, to give its values. (Its backward clips to ``H``
  and ``W``, so its gradient is not its forward's derivative there; ours is.)

Both reuse their plain op's geometry (:func:`.roi_align.sample_taps`,
:func:`.roi_pool.bin_bounds`) and its grouping of the regions (by sample grid,
:func:`.roi_align.grid_groups`, or by largest bin, :func:`.roi_pool.window_groups`),
and gather, per bin of a group, its ``C_out`` channels of each tap from the flat
channels-last map at once; backward scatters with one ``np.bincount``.
Differentiable w.r.t. the input, not the boxes.

Cost: ``Σ PH·PW·T·C_out`` gathered values over the regions, ``T`` the region's own taps
(``4·gh·gw``) or its largest bin's pixels (``bh·bw``): ``PH·PW`` times fewer than the plain ops on
the same input.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function, Tensor
from tt_nn import Module

from .roi_align import grid_groups, sample_taps
from .roi_boxes import as_feature_map, channels_last_rows, feature_map, output_size_pair, regions, scattered
from .roi_pool import bin_bounds, window, window_groups


def channel_groups(op: str, channels: int, output_size: tuple[int, int]) -> np.ndarray:
    """``(PH·PW, C_out)``: the input channel each bin of each output channel reads."""
    ph, pw = output_size
    if channels % (ph * pw):
        raise ValueError(
            f"{op}: input channels must be a multiple of pooling height * pooling width = {ph} * {pw}, "
            f"got {channels} channels"
        )
    out_channels = channels // (ph * pw)
    return np.arange(out_channels)[None, :] * (ph * pw) + np.arange(ph * pw)[:, None]


class PSRoIFunction(Function):
    """Shared forward/backward: ``out[b, c] = Σ_t weights[b, t] · x[flat[b, t, c]]`` for bins ``b``.

    ``parts`` holds, per group of regions, ``(members, flat, weights)``: the group's regions and
    its bins' indices ``(k·PH·PW, T, C_out)`` into the flat channels-last map and weights
    ``(k·PH·PW, T)``, ``T`` the group's own.
    """

    @staticmethod
    def forward(ctx, x, parts, regions_count, output_size):
        ph, pw = output_size
        c_out = x.shape[1] // (ph * pw)
        out = np.zeros((regions_count, ph * pw, c_out), dtype=x.dtype)
        source = channels_last_rows(x).ravel()
        for members, flat, weights in parts:
            values = np.take(source, flat)  # (k·PH·PW, T, C_out)
            out[members] = np.matmul(weights[:, None, :], values).reshape(len(members), ph * pw, c_out)
        ctx.parts, ctx.shape = parts, x.shape
        return np.ascontiguousarray(out.reshape(regions_count, ph, pw, c_out).transpose(0, 3, 1, 2))

    @staticmethod
    def backward(ctx, grad):
        n, c, h, w = ctx.shape
        per_bin = grad.transpose(0, 2, 3, 1)  # (K, PH, PW, C_out)
        flat, shares = [np.zeros(0, np.int64)], [np.zeros(0, grad.dtype)]
        for members, part_flat, weights in ctx.parts:
            bins = per_bin[members].reshape(-1, 1, grad.shape[1])  # (k·PH·PW, 1, C_out)
            flat.append(part_flat.ravel())
            shares.append((weights[:, :, None] * bins).ravel())
        d_flat = scattered(np.concatenate(flat), np.concatenate(shares), n * h * w * c)
        return as_feature_map(d_flat.reshape(n * h * w, c), ctx.shape, grad.dtype), None, None, None


def flat_taps(rows: np.ndarray, groups: np.ndarray, channels: int, regions_count: int) -> np.ndarray:
    """Indices ``(k·PH·PW, T, C_out)`` into the flat channels-last map: each bin's rows, its channels."""
    bins = np.tile(groups, (regions_count, 1))  # (k·PH·PW, C_out)
    return rows[:, :, None] * channels + bins[:, None, :]


def ps_roi_align(
    input: Tensor, boxes, output_size, spatial_scale: float = 1.0, sampling_ratio: int = -1
) -> Tensor:  # noqa: A002, E501
    """Position-sensitive RoI Align: bin ``(i, j)`` of channel ``c`` averages bilinear samples of its channel.

    Args:
        input: ``(N, C_out·PH·PW, H, W)`` float.
        boxes: ``(K, 5)`` rows ``(batch index, x1, y1, x2, y2)``, or a list of ``(L, 4)`` per image.
        output_size: ``PH`` or ``(PH, PW)``.
        spatial_scale: the feature map's size over the image's.
        sampling_ratio: points per bin along each axis; ``<= 0``: ``ceil(region side / bins)``.

    Shape: output ``(K, C_out, PH, PW)``. Differentiable w.r.t. ``input``.

    Example:
        >>> import tt_autograd as autograd
        >>> x = autograd.tensor(np.arange(4 * 9, dtype=np.float32).reshape(1, 4, 3, 3))
        >>> box = autograd.tensor([[0.0, 0.5, 0.5, 2.5, 2.5]])
        >>> ps_roi_align(x, box, 2, sampling_ratio=1).numpy().ravel().tolist()
        [2.0, 12.0, 23.0, 33.0]
    """
    op = "ps_roi_align"
    x = feature_map(op, input)
    rois = regions(op, boxes, x)
    size = output_size_pair(op, output_size)
    groups = channel_groups(op, x.shape[1], size)
    scale = x.dtype.numpy.type(spatial_scale)
    parts = []
    for members in grid_groups(rois, size, scale, True, int(sampling_ratio)):
        rows, weights = sample_taps(
            rois[members], tuple(x.shape), size, scale, int(sampling_ratio), True, fewest_points=0
        )
        parts.append((members, flat_taps(rows, groups, x.shape[1], len(members)), weights))
    return PSRoIFunction.apply(x, parts, regions_count=len(rois), output_size=size)


def ps_roi_pool(input: Tensor, boxes, output_size, spatial_scale: float = 1.0) -> Tensor:  # noqa: A002
    """Position-sensitive RoI Pool: bin ``(i, j)`` of channel ``c`` averages the pixels of its channel.

    Args:
        input: ``(N, C_out·PH·PW, H, W)`` float.
        boxes: ``(K, 5)`` rows ``(batch index, x1, y1, x2, y2)``, or a list of ``(L, 4)`` per image.
        output_size: ``PH`` or ``(PH, PW)``.
        spatial_scale: the feature map's size over the image's.

    Shape: output ``(K, C_out, PH, PW)``. Differentiable w.r.t. ``input``.

    Example:
        >>> import tt_autograd as autograd
        >>> x = autograd.tensor(np.arange(4 * 9, dtype=np.float32).reshape(1, 4, 3, 3))
        >>> ps_roi_pool(x, autograd.tensor([[0.0, 0, 0, 2, 2]]), 2).numpy().ravel().tolist()
        [0.0, 10.0, 21.0, 31.0]
    """
    op = "ps_roi_pool"
    x = feature_map(op, input)
    rois = regions(op, boxes, x)
    size = output_size_pair(op, output_size)
    groups = channel_groups(op, x.shape[1], size)
    n, c, height, width = x.shape
    scale = x.dtype.numpy.type(spatial_scale)
    # torchvision clips the bounds to the last pixel's index, not the size: the last row and column go unread
    y_low, y_high = bin_bounds(rois, size[0], 1, scale, height - 1, inclusive=False)
    x_low, x_high = bin_bounds(rois, size[1], 0, scale, width - 1, inclusive=False)
    parts = []
    for members in window_groups((y_low, y_high), (x_low, x_high)):
        bounds = (y_low[members], y_high[members], x_low[members], x_high[members])
        rows, weights = pool_taps(rois[members, 0], *bounds, height, width, x.dtype.numpy)
        parts.append((members, flat_taps(rows, groups, c, len(members)), weights))
    return PSRoIFunction.apply(x, parts, regions_count=len(rois), output_size=size)


def pool_taps(images, y_low, y_high, x_low, x_high, height: int, width: int, dtype):
    """A group of regions' bins' pixel rows ``(k·PH·PW, bh·bw)`` and weights (1 / area, 0 outside)."""
    ys, in_y = window(y_low, y_high)  # (k, PH, bh)
    xs, in_x = window(x_low, x_high)  # (k, PW, bw)
    base = (images.astype(np.int64) * height * width)[:, None, None, None, None]
    rows = base + (ys * width)[:, :, None, :, None] + xs[:, None, :, None, :]  # (k, PH, PW, bh, bw)
    inside = in_y[:, :, None, :, None] & in_x[:, None, :, None, :]
    area = ((y_high - y_low)[:, :, None] * (x_high - x_low)[:, None, :]).astype(dtype)  # (k, PH, PW)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(inside, 1 / area[..., None, None], 0)  # an empty bin has no pixel inside: 0
    bins, pixels = rows.shape[0] * rows.shape[1] * rows.shape[2], ys.shape[2] * xs.shape[2]
    return rows.reshape(bins, pixels), weights.reshape(bins, pixels)


class PSRoIAlign(Module):
    """Layer form of :func:`ps_roi_align`: ``PSRoIAlign(output_size, spatial_scale, sampling_ratio)``.

    Example:
        >>> PSRoIAlign(2, 0.5, 2)
        PSRoIAlign(output_size=2, spatial_scale=0.5, sampling_ratio=2)
    """

    def __init__(self, output_size, spatial_scale: float, sampling_ratio: int) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio

    def forward(self, input: Tensor, rois) -> Tensor:  # noqa: A002
        """``ps_roi_align`` with this layer's settings."""
        return ps_roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio)

    def extra_repr(self) -> str:
        """torchvision's text: ``output_size=..., spatial_scale=..., sampling_ratio=...``."""
        scales = f"spatial_scale={self.spatial_scale}, sampling_ratio={self.sampling_ratio}"
        return f"output_size={self.output_size}, {scales}"


class PSRoIPool(Module):
    """Layer form of :func:`ps_roi_pool`: ``PSRoIPool(output_size, spatial_scale)``.

    Example:
        >>> PSRoIPool(2, 0.5)
        PSRoIPool(output_size=2, spatial_scale=0.5)
    """

    def __init__(self, output_size, spatial_scale: float) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale

    def forward(self, input: Tensor, rois) -> Tensor:  # noqa: A002
        """``ps_roi_pool`` with this layer's settings."""
        return ps_roi_pool(input, rois, self.output_size, self.spatial_scale)

    def extra_repr(self) -> str:
        """torchvision's text: ``output_size=..., spatial_scale=...``."""
        return f"output_size={self.output_size}, spatial_scale={self.spatial_scale}"
