"""``affine_grid`` and ``grid_sample``: the spatial transformer's pair, as in ``torch.nn.functional``.

``affine_grid(theta, size)`` maps every output pixel's normalised position
``(x, y, 1)`` (−1 at the left/top edge, +1 at the right/bottom one) through the
``(2, 3)`` matrix of its image: one batched matrix product, composed of
tt-autograd's ``matmul``, so its gradient w.r.t. ``theta`` comes free.

``grid_sample(input, grid)`` reads ``input`` at those positions. A position is
first turned into pixel units (``align_corners`` says whether ±1 are the centres
of the corner pixels or their outer edges), then brought back inside the image
by ``padding_mode``: ``'zeros'`` leaves it (what falls outside reads 0),
``'border'`` clamps it to the edge pixels, ``'reflection'`` mirrors it at the
edges (at the corner pixel centres with ``align_corners=True``, at the image's
outer edges otherwise) until it falls inside. ``'bilinear'`` blends the four
pixels around the position; ``'nearest'`` reads the closest one (halves round
to even, as PyTorch's ``nearbyint``).

All sampled points are gathered at once from the channels-last input viewed
as ``(N·H·W, C)`` rows. Backward scatters the output gradient, times each
corner's weight, onto those rows with one ``np.bincount`` over flat indices (not
``np.add.at``, which is many times slower); the gradient w.r.t. the grid is the
slope of the bilinear blend between neighbouring pixels, times the slope of the
normalisation and padding steps (zero where ``'border'`` clamps). Nearest
sampling is piecewise constant, so its grid gradient is zero, as in PyTorch.

With ``create_graph=True`` the gradient is taken from the same sampling written
in recorded tensor operations (:func:`sample_in_tensor_ops`), so it can be
differentiated again, as in PyTorch.

Cost: forward gathers 4·N·Ho·Wo rows of C values; backward scatters as many.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
from tt_autograd import Function, Tensor
from tt_autograd.higher_order import composite_gradients

from ._layout import to_nhwc
from .functional import _as_tensor, _same_dtype  # imported at functional.py's end

MODES = ("bilinear", "nearest")
PADDING_MODES = ("zeros", "border", "reflection")


def base_coordinates(steps: int, align_corners: bool) -> np.ndarray:
    """The ``steps`` normalised pixel positions of one axis: centres, or ±1 at the corner centres."""
    if steps == 1:
        return np.zeros(1)  # PyTorch puts a single pixel at 0 whatever align_corners
    positions = np.linspace(-1.0, 1.0, steps)
    return positions if align_corners else positions * (steps - 1) / steps


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The ``(N, H, W, 2)`` sampling grid of the affine maps ``theta`` for an output of ``size``.

    Args:
        theta: ``(N, 2, 3)`` float; row 0 gives ``x`` (width), row 1 ``y`` (height) from ``(x, y, 1)``.
        size: the output's ``(N, C, H, W)``.
        align_corners: ±1 are the corner pixels' centres (True) or their outer edges (False,
            the default; PyTorch's ``None`` also means False, without its warning).

    Shape: output ``(N, H, W, 2)``, the ``(x, y)`` of each output pixel in ``[-1, 1]`` coordinates.

    Example:
        >>> identity = autograd.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> affine_grid(identity, (1, 1, 2, 2), align_corners=True).numpy()[0].tolist()
        [[[-1.0, -1.0], [1.0, -1.0]], [[-1.0, 1.0], [1.0, 1.0]]]
    """
    op = "affine_grid"
    theta = _as_tensor(theta)
    size = tuple(size)
    if len(size) == 5:
        raise ValueError(
            f"{op}: volumetric (5-d) grids are not supported in TinyTorch, got size {size}; "
            f"only 4-d (N, C, H, W) sizes with (N, 2, 3) theta"
        )
    if len(size) != 4:
        raise ValueError(f"{op}: size must be a 4-d (N, C, H, W) output shape, got {size}")
    if min(size) < 1:
        raise ValueError(f"{op}: every size must be positive, got {size}")
    if not theta.dtype.is_floating_point or theta.ndim != 3 or tuple(theta.shape) != (size[0], 2, 3):
        raise ValueError(
            f"{op}: theta must be a float (N, 2, 3) = ({size[0]}, 2, 3) batch of affine matrices for size "
            f"{size}, got shape {tuple(theta.shape)} ({theta.dtype})"
        )
    n, _, h, w = size
    ys, xs = np.meshgrid(
        base_coordinates(h, bool(align_corners)), base_coordinates(w, bool(align_corners)), indexing="ij"
    )
    base = np.stack([xs.ravel(), ys.ravel(), np.ones(h * w)], axis=1)  # (H·W, 3): (x, y, 1) per pixel
    base = autograd.tensor(base.astype(theta.dtype.numpy))
    return (base @ theta.transpose(1, 2)).reshape(n, h, w, 2)  # (N, H·W, 3) @ (N, 3, 2)


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


def source_position(
    coordinate: np.ndarray, size: int, padding_mode: str, align_corners: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Normalised ``coordinate`` → position in pixels along an axis of ``size``, and its derivative."""
    if align_corners:
        position, slope = (coordinate + 1) * ((size - 1) / 2), np.full_like(coordinate, (size - 1) / 2)
    else:
        position, slope = ((coordinate + 1) * size - 1) / 2, np.full_like(coordinate, size / 2)
    if padding_mode == "reflection":
        low, high = (0.0, size - 1.0) if align_corners else (-0.5, size - 0.5)
        position, mirror = reflect(position, low, high)
        slope = slope * mirror
    if padding_mode in ("border", "reflection"):
        inside = (position > 0) & (position < size - 1)
        position, slope = np.clip(position, 0, size - 1), slope * inside
    return position, slope


def corner_pixels(px: np.ndarray, py: np.ndarray, mode: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``(column, row)`` of the pixels each point reads: the nearest, or the NW, NE, SW, SE corners."""
    if mode == "nearest":
        return [(np.rint(px), np.rint(py))]
    x0, y0 = np.floor(px), np.floor(py)
    return [(x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1)]


def bilinear_weights(tx, ty) -> list:
    """The NW, NE, SW, SE corners' weights for the fractions ``tx``, ``ty`` past NW (arrays or tensors)."""
    return [(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty]


def corner_rows(cx: np.ndarray, cy: np.ndarray, shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Each corner's row in the ``(N·H·W, C)`` channels-last rows, and whether it lies in the image.

    A corner outside the image points at its image's first row (it is read as 0).
    """
    n, _, h, w = shape
    inside = (cx >= 0) & (cx <= w - 1) & (cy >= 0) & (cy <= h - 1)
    image = np.arange(n)[:, None, None] * (h * w)
    rows = image + np.where(inside, cy, 0).astype(np.int64) * w + np.where(inside, cx, 0).astype(np.int64)
    return rows, inside


class GridSampleFunction(Function):
    """``grid_sample`` on NumPy arrays: input (N, C, H, W) and grid (N, Ho, Wo, 2) → (N, C, Ho, Wo)."""

    @staticmethod
    def forward(ctx, x, grid, mode, padding_mode, align_corners):
        rows = to_nhwc(x).reshape(-1, x.shape[1])  # (N·H·W, C)
        n, c, h, w = x.shape
        ho, wo = grid.shape[1:3]
        px, slope_x = source_position(grid[..., 0].astype(np.float64), w, padding_mode, align_corners)
        py, slope_y = source_position(grid[..., 1].astype(np.float64), h, padding_mode, align_corners)
        pixels = corner_pixels(px, py, mode)
        if mode == "nearest":
            weights = [np.ones_like(px)]
        else:
            tx, ty = px - pixels[0][0], py - pixels[0][1]
            weights = bilinear_weights(tx, ty)
            ctx.fractions, ctx.slopes = (tx, ty), (slope_x, slope_y)
        targets, kept, values = [], [], []
        out = np.zeros((n, ho, wo, c), dtype=x.dtype)
        for (cx, cy), weight in zip(pixels, weights):  # 4 corners (1 when nearest), each one gather
            target, inside = corner_rows(cx, cy, x.shape)
            weight = np.where(inside, weight, 0.0)
            value = np.where(inside[..., None], rows[target], 0)  # (N, Ho, Wo, C), 0 outside the image
            out += (weight[..., None] * value).astype(x.dtype, copy=False)
            targets.append(target)
            kept.append(weight)
            values.append(value)
        ctx.mode, ctx.shape, ctx.options = mode, x.shape, (padding_mode, align_corners)
        ctx.targets, ctx.weights, ctx.values = targets, kept, values
        ctx.save_for_backward(x, grid)  # for graph_backward (PyTorch keeps both too)
        return out.transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        n, c, h, w = ctx.shape
        dy = grad.transpose(0, 2, 3, 1)  # (N, Ho, Wo, C)
        d_input = d_grid = None
        needs = ctx.needs_input_grad  # set by apply whenever a graph (hence a backward) exists
        if needs[0]:
            flat = np.concatenate([(t[..., None] * c + np.arange(c)).ravel() for t in ctx.targets])
            shares = np.concatenate([(dy * wt[..., None]).ravel() for wt in ctx.weights])
            d_rows = np.bincount(flat, weights=shares, minlength=n * h * w * c).astype(grad.dtype, copy=False)
            d_input = d_rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)
        if needs[1]:
            d_grid = np.zeros((*dy.shape[:3], 2), dtype=grad.dtype)
            if ctx.mode == "bilinear":
                (tx, ty), (slope_x, slope_y) = ctx.fractions, ctx.slopes
                nw, ne, sw, se = ((dy * v).sum(axis=-1) for v in ctx.values)  # g · value, per corner
                d_grid[..., 0] = ((ne - nw) * (1 - ty) + (se - sw) * ty) * slope_x
                d_grid[..., 1] = ((sw - nw) * (1 - tx) + (se - ne) * tx) * slope_y
        return d_input, d_grid

    @staticmethod
    def graph_backward(ctx, grad):
        """Recorded (``create_graph=True``): the gradients of :func:`sample_in_tensor_ops`."""
        x, grid = ctx.saved_tensors
        return composite_gradients(
            ctx,
            grad,
            lambda x_t, grid_t: sample_in_tensor_ops(x_t, grid_t, grid, ctx.mode, *ctx.options),
            (x, grid),
        )


def sample_in_tensor_ops(
    x: Tensor, grid_t: Tensor, grid: np.ndarray, mode: str, padding_mode: str, align_corners: bool
):
    """``grid_sample`` in recorded tensor operations, for higher-order gradients.

    Which pixels each point reads is fixed by ``grid``'s values (a step function of
    it, with derivative 0). Each pixel position is piecewise linear in the grid
    (normalisation, clamping, mirroring), so it enters as its value plus its slope
    times ``grid_t`` minus ``grid``: exact to first order, and its second derivative
    is 0 there too. The bilinear weights are products of the fractions, so the grid's
    own second derivatives (``∂²/∂x∂y``) and the input–grid cross terms come out of
    the recorded products. Cost: the forward's gathers, as tensor ops.
    """
    n, c, h, w = x.shape
    rows = x.permute(0, 2, 3, 1).reshape(n * h * w, c)
    (px, slope_x), (py, slope_y) = (
        source_position(grid[..., axis].astype(np.float64), size, padding_mode, align_corners)
        for axis, size in ((0, w), (1, h))
    )
    pixels = corner_pixels(px, py, mode)
    weights = [None]
    if mode == "bilinear":
        dtype = grid.dtype
        fractions = [
            grid_t[..., axis] * slope.astype(dtype) + (p - start - slope * grid[..., axis]).astype(dtype)
            for axis, p, slope, start in ((0, px, slope_x, pixels[0][0]), (1, py, slope_y, pixels[0][1]))
        ]
        weights = bilinear_weights(*fractions)
    out = None
    for (cx, cy), weight in zip(pixels, weights):
        target, inside = corner_rows(cx, cy, x.shape)
        if weight is None:  # nearest: the pixel itself, 0 outside the image
            term = rows[target] * autograd.tensor(inside[..., None].astype(x.dtype.numpy))
        else:
            term = rows[target] * (weight * inside.astype(grid.dtype)).unsqueeze(-1)
        out = term if out is None else out + term
    return out.permute(0, 3, 1, 2)


def grid_sample(
    input: Tensor,  # noqa: A002
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample ``input`` at the normalised ``(x, y)`` positions of ``grid``, like PyTorch's ``grid_sample``.

    Args:
        input: ``(N, C, H, W)`` float.
        grid: ``(N, Ho, Wo, 2)``, the ``(x, y)`` to read for each output pixel; ``(-1, -1)`` is the
            top-left of the image, ``(1, 1)`` its bottom-right (see ``align_corners``).
        mode: ``'bilinear'`` (blend of the 4 neighbours) or ``'nearest'``; ``'bicubic'`` is not supported.
        padding_mode: what is read outside the image: ``'zeros'``, ``'border'`` (the edge pixel) or
            ``'reflection'`` (mirrored at the edges).
        align_corners: ±1 are the corner pixels' centres (True) or their outer edges (False, the
            default; PyTorch's ``None`` also means False, without its warning).

    Shape: output ``(N, C, Ho, Wo)``. Differentiable w.r.t. ``input`` and ``grid`` (``'nearest'``:
    the grid's gradient is zero).

    Example:
        >>> image = autograd.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
        >>> middle = autograd.tensor([[[[0.0, 0.0]]]])
        >>> grid_sample(image, middle, align_corners=True).numpy().tolist()
        [[[[1.5]]]]
    """
    op = "grid_sample"
    x, grid = _as_tensor(input), _as_tensor(grid)
    if mode not in MODES:
        hint = " ('bicubic' is not supported in TinyTorch)" if mode == "bicubic" else ""
        raise ValueError(f"{op}: mode must be 'bilinear' or 'nearest', got {mode!r}{hint}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(
            f"{op}: padding_mode must be 'zeros', 'border' or 'reflection', got {padding_mode!r}"
        )
    if x.ndim == 5:
        raise ValueError(
            f"{op}: volumetric (5-d) inputs are not supported in TinyTorch, got shape {tuple(x.shape)}; "
            f"only 4-d (N, C, H, W) inputs"
        )
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-d (N, C, H, W) input, got shape {tuple(x.shape)}")
    if grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != x.shape[0]:
        raise ValueError(
            f"{op}: grid must be (N, Ho, Wo, 2) with the input's N = {x.shape[0]} and (x, y) in its last "
            f"dimension, got shape {tuple(grid.shape)}"
        )
    if not x.dtype.is_floating_point:
        raise TypeError(f"{op}: input must be a float tensor, got {x.dtype}")
    _same_dtype(op, x, grid)
    return GridSampleFunction.apply(
        x, grid, mode=mode, padding_mode=padding_mode, align_corners=bool(align_corners)
    )
