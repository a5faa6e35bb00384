"""``affine_grid`` and ``grid_sample``: the spatial transformer's pair, as in ``torch.nn.functional``.

``affine_grid(theta, size)`` maps every output pixel's normalised position
``(x, y, 1)`` (−1 at the left/top edge, +1 at the right/bottom one) through the
``(2, 3)`` matrix of its image, or every voxel's ``(x, y, z, 1)`` through a
``(3, 4)`` one for a volume: one batched matrix product, composed of
tt-autograd's ``matmul``, so its gradient w.r.t. ``theta`` comes free.

``grid_sample(input, grid)`` reads ``input`` (an image, or a volume) at those
positions: ``'nearest'`` the closest pixel, ``'bilinear'`` a blend of the 2 per
axis around the position (4 pixels, or 8 voxels: trilinear), ``'bicubic'`` (4-d
only, as in PyTorch) the cubic convolution of the 4×4 around it. Where a point
falls outside is decided by ``padding_mode`` and ``align_corners``; the geometry
(positions, padding, taps and their weights) is in :mod:`.grid_sample_taps`.

Each point's taps (its pixel indices and weights, taps leading so every
element-wise step runs along the points) come from :func:`.grid_sample_taps.locate`.
Forward gathers, per tap, the rows of C values of all points at once from the
channels-last input viewed as ``(N·(H·W + 1), C)`` rows, each image followed by a
zero row that taps outside it read, and adds them up times the tap's weight.
Backward scatters the output gradient, times each tap's weight, into the
``(N, C)`` planes with one 1-d ``np.add.at`` per tap (a slot past each plane's
pixels takes the taps outside); the gradient w.r.t. the grid is, per axis, the
blend with that axis's weights replaced by their derivatives, times the slope of
the normalisation and padding steps (zero where ``'border'`` clamps). Nearest
sampling is piecewise constant, so its grid gradient is zero, as in PyTorch.

A grid point that is NaN or infinite gets PyTorch 2.13's CPU values, which differ
between its 2-d kernel (images) and its 3-d one (volumes). In an image, a NaN
fraction makes the weights NaN, so ``'zeros'`` (and ``'bicubic'`` always) gives NaN,
while ``'border'`` and ``'reflection'`` clamp NaN to pixel 0; ``'nearest'`` reads 0,
or pixel 0. In a volume, weights outside are 0 whatever their value, so ``'zeros'``
gives 0, and padding clamps NaN to the last pixel, while the backward, as PyTorch's,
gives such a point no gradient at all. (PyTorch's 2-d backward crashes for
``'bilinear'`` with ``'border'`` and NaN, or ``'reflection'`` and NaN or ±inf: here
its gradient is the forward's, finite.)

With ``create_graph=True`` the gradient is taken from the same sampling written
in recorded tensor operations (:func:`sample_in_tensor_ops`), so it can be
differentiated again, as in PyTorch.

Cost: forward gathers taps·N·points rows of C values (taps: 1 nearest, 4
bilinear, 8 trilinear, 16 bicubic); backward scatters as many values, and
gathers them again for the grid's gradient; positions, pixel indices (integers) and
weights are computed per point and tap, not per channel. ``benchmarks/grid_sample.py`` times it.
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd as autograd
from tt_autograd import Function, Tensor
from tt_autograd.higher_order import composite_gradients
from tt_tensor.checks import check_bool

from .functional import _as_tensor, _same_dtype  # imported at functional.py's end
from .grid_sample_taps import MODES, PADDING_MODES, axis_weight_slopes, axis_weights, locate, tap_product


def base_coordinates(steps: int, align_corners: bool) -> np.ndarray:
    """The ``steps`` normalised pixel positions of one axis: centres, or ±1 at the corner centres."""
    if steps == 1:
        return np.zeros(1)  # PyTorch puts a single pixel at 0 whatever align_corners
    positions = np.linspace(-1.0, 1.0, steps)
    return positions if align_corners else positions * (steps - 1) / steps


def _corners(op: str, align_corners: object) -> bool:
    """``align_corners``: None (its default, False) or a Python bool, as PyTorch (not a NumPy bool)."""
    return False if align_corners is None else check_bool(op, "align_corners", align_corners)


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of the affine maps ``theta`` for an output of ``size``: 2-d, or volumetric.

    Args:
        theta: ``(N, 2, 3)`` float for an image: row 0 gives ``x`` (width), row 1 ``y`` (height)
            from ``(x, y, 1)``; ``(N, 3, 4)`` for a volume, rows ``x``, ``y``, ``z`` (depth) from
            ``(x, y, z, 1)``.
        size: the output's ``(N, C, H, W)``, or ``(N, C, D, H, W)``.
        align_corners: ±1 are the corner pixels' centres (True) or their outer edges (False,
            the default; PyTorch's ``None`` also means False, without its warning).

    Shape: output ``(N, H, W, 2)``, the ``(x, y)`` of each output pixel in ``[-1, 1]`` coordinates;
    ``(N, D, H, W, 3)``, the ``(x, y, z)`` of each voxel, for a volume.

    Example:
        >>> identity = autograd.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> affine_grid(identity, (1, 1, 2, 2), align_corners=True).numpy()[0].tolist()
        [[[-1.0, -1.0], [1.0, -1.0]], [[-1.0, 1.0], [1.0, 1.0]]]
    """
    op = "affine_grid"
    theta = _as_tensor(op, theta, "theta")
    size = tuple(size)
    if len(size) not in (4, 5):
        raise ValueError(
            f"{op}: size must be a 4-d (N, C, H, W) or 5-d (N, C, D, H, W) output shape, got {size}"
        )
    if min(size) < 1:
        raise ValueError(f"{op}: every size must be positive, got {size}")
    k = len(size) - 2  # spatial axes
    if not theta.dtype.is_floating_point or tuple(theta.shape) != (size[0], k, k + 1):
        raise ValueError(
            f"{op}: theta must be a float (N, {k}, {k + 1}) = ({size[0]}, {k}, {k + 1}) batch of affine "
            f"matrices for size {size}, got shape {tuple(theta.shape)} ({theta.dtype})"
        )
    spatial = size[2:]
    axes = np.meshgrid(
        *(base_coordinates(s, _corners("affine_grid", align_corners)) for s in spatial), indexing="ij"
    )
    count = int(np.prod(spatial))
    base = np.stack([a.ravel() for a in axes[::-1]] + [np.ones(count)], axis=1)  # (x, y[, z], 1) per pixel
    base = autograd.tensor(base.astype(theta.dtype.numpy))
    return (base @ theta.transpose(1, 2)).reshape(size[0], *spatial, k)  # (N, P, k+1) @ (N, k+1, k)


def padded_rows(x: np.ndarray) -> np.ndarray:
    """``x`` (N, C, *S) as each image's channels-last rows and a zero row after them: ``(N, prod(S) + 1, C)``.

    The zero row is what a tap outside the image reads (:func:`.grid_sample_taps.locate`).
    """
    n, c, pixels = *x.shape[:2], math.prod(x.shape[2:])
    rows = np.zeros((n, pixels + 1, c), dtype=x.dtype)
    rows[:, :-1] = np.moveaxis(x.reshape(n, c, pixels), 1, -1)
    return rows


def image_rows(pixels: np.ndarray, size: int) -> np.ndarray:
    """Each tap's row among all images' ``size`` rows, from its ``pixels`` (taps, N, *So) in its own image."""
    return pixels + (np.arange(pixels.shape[1]) * size).reshape(-1, *[1] * (pixels.ndim - 2))


def stacked(parts: list):
    """One axis's tap weights (a list of arrays, or of tensors) as one ``(taps, ...)`` array or tensor."""
    return np.stack(parts) if isinstance(parts[0], np.ndarray) else autograd.stack(parts)


class GridSampleFunction(Function):
    """``grid_sample`` on NumPy arrays: input (N, C, *S) and grid (N, *So, k) → (N, C, *So), k = len(S)."""

    @staticmethod
    def forward(ctx, x, grid, mode, padding_mode, align_corners):
        rows = padded_rows(x)  # (N, S + 1, C)
        taps = locate(grid, x.shape, mode, padding_mode, align_corners)
        flat, rows = (
            image_rows(taps.pixels, rows.shape[1]),
            rows.reshape(math.prod(rows.shape[:2]), x.shape[1]),
        )
        volume = x.ndim == 5
        if mode == "nearest":
            weights, out = None, np.take(rows, flat[0], axis=0)
        else:  # per axis in float64, cast before the taps' products
            per_axis = [stacked(axis_weights(t, mode)) for t in taps.fractions]
            if volume:  # 0 outside, NaN too; an image's outside taps read 0, so NaN weights give NaN
                per_axis = [np.where(i, w, 0) for w, i in zip(per_axis, taps.inside)]
            weights = tap_product([w.astype(x.dtype) for w in per_axis])
            out = sum(  # gathered 4 taps at a time (C values per point and tap), blended by einsum
                np.einsum("k...,k...c->...c", weights[k : k + 4], np.take(rows, flat[k : k + 4], axis=0))
                for k in range(0, len(flat), 4)
            )
        ctx.mode, ctx.shape, ctx.options = mode, x.shape, (padding_mode, align_corners)
        ctx.inside, ctx.lost = taps.inside if volume else None, taps.lost
        ctx.rows, ctx.flat, ctx.weights, ctx.fractions, ctx.slopes = (
            rows,
            flat,
            weights,
            taps.fractions,
            taps.slopes,
        )
        ctx.save_for_backward(x, grid)  # for graph_backward (PyTorch keeps both too)
        return np.moveaxis(out, -1, 1)

    @staticmethod
    def backward(ctx, grad):
        n, c, size = *ctx.shape[:2], math.prod(ctx.shape[2:]) + 1  # size: pixels per image, and the zero row
        points = math.prod(grad.shape[2:])
        d_input = d_grid = None
        needs = ctx.needs_input_grad  # set by apply whenever a graph (hence a backward) exists
        if ctx.lost is not None:  # PyTorch's 3-d backward: no taps where padding met NaN
            grad = np.where(np.expand_dims(ctx.lost, 1), 0, grad)
        if needs[0]:  # into (N, C) planes of ``size``: the taps outside add up in the slot past the pixels
            dy = grad.reshape(n, c, points)
            planes = np.zeros(n * c * size, dtype=grad.dtype)
            offsets = (np.arange(n).reshape(n, 1, 1) * (c - 1) + np.arange(c).reshape(1, c, 1)) * size
            for k, rows in enumerate(ctx.flat):  # one scatter per tap; row n·size + p → plane n·c + c's p
                shares = dy if ctx.weights is None else dy * ctx.weights[k].reshape(n, 1, points)
                np.add.at(planes, (rows.reshape(n, 1, points) + offsets).ravel(), shares.ravel())
            d_input = planes.reshape(n, c, size)[..., :-1].reshape(ctx.shape)
        if needs[1]:
            d_grid = np.zeros((*ctx.flat.shape[1:], len(ctx.shape) - 2), dtype=grad.dtype)
            if ctx.mode != "nearest":  # nearest is piecewise constant in the grid: gradient 0
                dy = np.ascontiguousarray(np.moveaxis(grad, 1, -1))
                reads = np.stack(  # g · value, per tap (0 outside): the forward's gathers again
                    [np.einsum("...c,...c->...", np.take(ctx.rows, tap, axis=0), dy) for tap in ctx.flat]
                )
                per_axis = [stacked(axis_weights(t, ctx.mode)) for t in ctx.fractions]
                slopes = [stacked(axis_weight_slopes(t, ctx.mode)) for t in ctx.fractions]
                if ctx.inside is not None:  # a volume's outside taps count 0, whatever their weights
                    per_axis, slopes = (
                        [np.where(i, w, 0) for w, i in zip(ws, ctx.inside)] for ws in (per_axis, slopes)
                    )
                for axis, slope in enumerate(ctx.slopes):
                    varied = per_axis[:axis] + [slopes[axis]] + per_axis[axis + 1 :]
                    d_grid[..., axis] = np.einsum("k...,k...->...", reads, tap_product(varied)) * slope
        return d_input, d_grid

    @staticmethod
    def graph_backward(ctx, grad):
        """Recorded (``create_graph=True``): the gradients of :func:`sample_in_tensor_ops`.

        Along a NaN or infinite coordinate the grid's gradient is backward's, 0 or
        NaN (the recorded form holds such a fraction constant, so it would give 0).
        """
        x, grid = ctx.saved_tensors
        seed = grad
        if ctx.lost is not None:  # as backward: no gradient through a volume's points where padding met NaN
            seed = grad * autograd.tensor(np.expand_dims(~ctx.lost, 1).astype(grad.dtype.numpy))
        d_input, d_grid = composite_gradients(
            ctx,
            seed,
            lambda x_t, grid_t: sample_in_tensor_ops(x_t, grid_t, grid, ctx.mode, *ctx.options),
            (x, grid),
        )
        nonfinite = ~np.isfinite(grid)
        if d_grid is not None and nonfinite.any():
            plain = GridSampleFunction.backward(ctx, grad.detach().numpy())[1]
            d_grid = autograd.where(nonfinite, autograd.tensor(plain), d_grid)
        return d_input, d_grid


def sample_in_tensor_ops(
    x: Tensor, grid_t: Tensor, grid: np.ndarray, mode: str, padding_mode: str, align_corners: bool
):
    """``grid_sample`` in recorded tensor operations, for higher-order gradients.

    Which pixels each point reads is fixed by ``grid``'s values (a step function of
    it, with derivative 0). Each pixel position is piecewise linear in the grid
    (normalisation, clamping, mirroring), so it enters as its value plus its slope
    times ``grid_t`` minus ``grid``: exact to first order, and its second derivative
    is 0 there too. The tap weights are products of polynomials in the fractions,
    so the grid's own second derivatives (``∂²/∂x²`` for bicubic, ``∂²/∂x∂y``) and
    the input–grid cross terms come out of the recorded products. Cost: the
    forward's gather, as tensor ops.
    """
    n, c, size = *x.shape[:2], math.prod(x.shape[2:])
    rows = x.permute(0, *range(2, x.ndim), 1).reshape(n, size, c)  # channels-last rows, and the zero row
    rows = autograd.cat([rows, autograd.zeros(n, 1, c, dtype=x.dtype)], dim=1).reshape(n * (size + 1), c)
    taps = locate(grid, tuple(x.shape), mode, padding_mode, align_corners)
    gathered = rows[image_rows(taps.pixels, size + 1)]  # (taps, N, *So, C); 0 outside the image
    if mode == "nearest":
        out = gathered[0]
    else:
        dtype, fractions = grid.dtype, []
        for axis, (t, slope) in enumerate(zip(taps.fractions, taps.slopes)):
            finite = np.isfinite(grid[..., axis])  # elsewhere the fraction is a constant (NaN, or at an edge)
            step = grid_t[..., axis] - np.where(finite, grid[..., axis], 0)  # 0, exactly; its derivative 1
            if not finite.all():
                step = autograd.where(finite, step, 0.0)
            fractions.append(step * slope.astype(dtype) + t.astype(dtype))
        per_axis = [stacked(axis_weights(t, mode)) for t in fractions]
        if x.ndim == 5:  # as forward: a volume's outside taps weigh 0, NaN too
            per_axis = [autograd.where(i, w, 0.0) for w, i in zip(per_axis, taps.inside)]
        out = (gathered * tap_product(per_axis).unsqueeze(-1)).sum(0)
    return out.permute(0, out.ndim - 1, *range(1, out.ndim - 1))


def grid_sample(
    input: Tensor,  # noqa: A002
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample ``input`` at the normalised positions of ``grid``, like PyTorch's ``grid_sample``.

    Args:
        input: ``(N, C, H, W)`` float, or a volume ``(N, C, D, H, W)``.
        grid: ``(N, Ho, Wo, 2)``, the ``(x, y)`` to read for each output pixel; ``(-1, -1)`` is the
            top-left of the image, ``(1, 1)`` its bottom-right (see ``align_corners``). For a volume
            ``(N, Do, Ho, Wo, 3)``, the ``(x, y, z)`` of each output voxel.
        mode: ``'bilinear'`` (the 2 neighbours per axis: 4 pixels, or 8 voxels), ``'nearest'``, or
            ``'bicubic'`` (4-d only: cubic convolution, ``A = -0.75``, of the 4×4 neighbours).
        padding_mode: what is read outside the image: ``'zeros'``, ``'border'`` (the edge pixel) or
            ``'reflection'`` (mirrored at the edges). ``'bicubic'`` pads each of its 16 taps, as PyTorch.
        align_corners: ±1 are the corner pixels' centres (True) or their outer edges (False, the
            default; PyTorch's ``None`` also means False, without its warning).

    Shape: output ``(N, C, Ho, Wo)`` (``(N, C, Do, Ho, Wo)``). Differentiable w.r.t. ``input`` and
    ``grid``, twice and more with ``create_graph=True`` (``'nearest'``: the grid's gradient is zero).

    Example:
        >>> image = autograd.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
        >>> middle = autograd.tensor([[[[0.0, 0.0]]]])
        >>> grid_sample(image, middle, align_corners=True).numpy().tolist()
        [[[[1.5]]]]
    """
    op = "grid_sample"
    x, grid = _as_tensor(op, input), _as_tensor(op, grid, "grid")
    if mode not in MODES:
        raise ValueError(f"{op}: mode must be 'bilinear', 'nearest' or 'bicubic', got {mode!r}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(
            f"{op}: padding_mode must be 'zeros', 'border' or 'reflection', got {padding_mode!r}"
        )
    if x.ndim not in (4, 5):
        raise ValueError(
            f"{op}: expected a 4-d (N, C, H, W) or 5-d (N, C, D, H, W) input, got shape {tuple(x.shape)}"
        )
    if mode == "bicubic" and x.ndim == 5:
        raise ValueError(
            f"{op}: mode 'bicubic' needs a 4-d (N, C, H, W) input (as in PyTorch), got the volume "
            f"{tuple(x.shape)}; use 'bilinear' (trilinear) or 'nearest' for 5-d inputs"
        )
    k = x.ndim - 2
    if grid.ndim != x.ndim or grid.shape[-1] != k or grid.shape[0] != x.shape[0]:
        layout = "(N, Ho, Wo, 2)" if k == 2 else "(N, Do, Ho, Wo, 3)"
        raise ValueError(
            f"{op}: grid must be {layout} for a {x.ndim}-d input, with the input's N = {x.shape[0]} and "
            f"the {k} coordinates (x, y{', z' if k == 3 else ''}) in its last dimension, got shape "
            f"{tuple(grid.shape)}"
        )
    if not x.dtype.is_floating_point:
        raise TypeError(f"{op}: input must be a float tensor, got {x.dtype}")
    _same_dtype(op, x, grid)
    return GridSampleFunction.apply(
        x, grid, mode=mode, padding_mode=padding_mode, align_corners=_corners("grid_sample", align_corners)
    )
