"""The pools' recorded backward, for higher-order gradients (``create_graph=True``).

Pooling's gradient is linear in the incoming gradient, with coefficients that do
not vary with the input where a derivative exists: an average spreads each
output's gradient over its window, a max-pool sends it to the window's first
maximum. So the recorded backward is the plain backward as a linear map
(:func:`tt_autograd.higher_order.linear_map`), given with its adjoint: for the
averages, the forward pass itself on the same geometry; for the max-pools, each
window reading its chosen element (from the 2×2 kernel's masks, or by finding
the first maximum again at each kernel offset, as backward does). The pools that
save each maximum's position (``return_indices``, adaptive, fractional) read it
there, as PyTorch's ``max_pool_double_backward`` gathers; ``max_unpool``'s
backward is that gather, and its adjoint adds back at the indices; the 3-d
pools' pick along the depth is a 0/1 mask, its own adjoint. The second
derivative through a pool is 0; what it carries is the gradient of whatever
comes after it. The fused batch norm + ReLU + 2×2 pool is batch norm's
recorded composite (tt-nn's) followed by the pick, as a linear map too.

Cost: the plain backward, plus one forward-sized pass for each differentiation
of the recorded one.
"""

from __future__ import annotations

import numpy as np
from tt_autograd.higher_order import linear_map
from tt_nn.functional.normalization import batch_norm_gradients

from ._im2col import pad_nhwc
from ._layout import from_nhwc, to_nhwc
from ._pool import adaptive_avg_pool_forward, avg_pool_forward, infinite_windows_in_padding
from ._tuning import Scratch


def routing(ctx, grad, adjoint) -> tuple:
    """What a one-input pool's ``graph_backward`` returns: its plain backward recorded as a linear map."""
    return (linear_map(grad, lambda g: type(ctx).backward(ctx, g)[0], adjoint),)


def avg_pool2d_graph_backward(ctx, grad):
    """``AvgPool2dFunction.graph_backward``: spreading, whose adjoint is the average itself."""
    offsets, pads, _, divisor, _ = ctx.geometry

    def average(u):
        return from_nhwc(avg_pool_forward(pad_nhwc(to_nhwc(u), pads, 0.0), offsets, divisor))

    return routing(ctx, grad, average)


def adaptive_avg_pool2d_graph_backward(ctx, grad):
    """``AdaptiveAvgPool2dFunction.graph_backward``: the adjoint is ``Ph · X · Pwᵀ`` again."""

    def average(u):
        return from_nhwc(adaptive_avg_pool_forward(to_nhwc(u), *ctx.bins))

    return routing(ctx, grad, average)


def max_pool2d_graph_backward(ctx, grad):
    """``MaxPool2dFunction.graph_backward``: routing to each window's maximum; the adjoint reads it."""
    if ctx.geometry is None:  # the 2×2 kernel (windows tile the input): masks say which row and column won
        right, lower = ctx.saved_tensors

        def chosen(u):
            uh = to_nhwc(u)
            n, h, w, c = uh.shape
            pairs = uh.reshape(n, h, w // 2, 2, c)
            rows = np.where(right, pairs[:, :, :, 1], pairs[:, :, :, 0])  # (n, H, W/2, C): each row's pick
            rows = rows.reshape(n, h // 2, 2, w // 2, c)
            return from_nhwc(np.where(lower, rows[:, :, 1], rows[:, :, 0]))

    else:
        xp, out = ctx.saved_tensors
        offsets, pads, _ = ctx.geometry
        lost = infinite_windows_in_padding(out, *ctx.window, pads, xp.shape[1:3])

        def chosen(u):
            up = pad_nhwc(to_nhwc(u), pads, 0.0)
            picked, taken = np.zeros(out.shape, up.dtype), np.zeros(out.shape, bool)
            for rows, cols in offsets:  # the first maximum in scan order, as backward routes to it
                hit = (xp[:, rows, cols] == out) & ~taken
                np.copyto(picked, up[:, rows, cols], where=hit)
                taken |= hit
            if lost is not None:  # windows of −∞ only that start in the padding: their first real element
                n, i, j, c = np.nonzero(lost[0])
                picked[lost[0]] = up[n, lost[1][i], lost[2][j], c]
            return from_nhwc(picked)

    return routing(ctx, grad, chosen)


def gather_rows(u: np.ndarray, positions: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``u`` as ``len(positions)`` rows (its planes), read at ``positions`` (rows, K), as ``shape``."""
    return np.take_along_axis(u.reshape(len(positions), -1), positions, axis=1).reshape(shape)


def scatter_add_rows(v: np.ndarray, positions: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The adjoint of :func:`gather_rows`: ``v`` added at ``positions`` of zeroed rows of ``shape``."""
    rows = len(positions)
    plane = int(np.prod(shape)) // rows
    cells = (np.arange(rows)[:, None] * plane + positions).ravel()
    total = np.bincount(cells, weights=v.reshape(rows, -1).ravel(), minlength=rows * plane)
    return total.astype(v.dtype, copy=False).reshape(shape)


def indexed_max_pool_graph_backward(ctx, grad):
    """``graph_backward`` of ``max_pool2d(..., return_indices=True)`` and ``adaptive_max_pool2d``.

    Backward adds each output's gradient at its maximum's saved position (``ctx.positions``,
    (N, Ho, Wo, C) flat ``h·W + w``); the adjoint reads each output's position, as PyTorch's
    ``max_pool_double_backward`` gathers there.
    """
    positions = from_nhwc(ctx.positions).reshape(grad.shape[0] * grad.shape[1], -1)  # one row per plane
    return routing(ctx, grad, lambda u: gather_rows(u, positions, grad.shape))


def fractional_max_pool_graph_backward(ctx, grad):
    """``FractionalMaxPoolFunction.graph_backward`` (2-d and 3-d): the adjoint reads the saved positions."""
    positions = ctx.positions.reshape(len(ctx.positions), -1)
    return routing(ctx, grad, lambda u: gather_rows(u, positions, grad.shape))


def max_unpool_graph_backward(ctx, grad):
    """``MaxUnpoolFunction.graph_backward``: backward gathers at the indices; its adjoint adds back there.

    An index given twice (overlapping windows) adds both values, as PyTorch's (a gather's
    adjoint), where forward keeps one of them.
    """
    return routing(ctx, grad, lambda v: scatter_add_rows(v, ctx.positions, grad.shape))


def pick_along_depth_graph_backward(ctx, grad):
    """``PickAlongDepthFunction.graph_backward``: each offset's gradient is ``grad`` where it was picked.

    A 0/1 mask on the diagonal, so each map is its own adjoint; the plain backward gives it.
    """

    def picked(a: int):
        return lambda g: type(ctx).backward(ctx, g)[a]

    return tuple(linear_map(grad, picked(a), picked(a)) if need else None
                 for a, need in enumerate(ctx.needs_input_grad))  # fmt: skip


def batch_norm_relu_max_pool_graph_backward(ctx, grad):
    """``BatchNormReLUMaxPoolFunction.graph_backward``: batch norm's composite, then the window's pick.

    The fused node is ``positive · pick(batch_norm(x))``: the ReLU's mask at each window's
    chosen element (a constant) times the element the saved masks chose, a linear map whose
    adjoint routes a quarter-size gradient back to it (the plain backward's ``routed_gradient``).
    """
    from .batch_norm_relu_pool import _column_pair, _row_pair, _select, routed_gradient

    x, _, lower, right, positive, mean, inv, scale = ctx.saved_tensors

    def chosen(y):  # (N, C, H, W) → (N, C, H/2, W/2): rows first, then columns, as forward picked
        scratch, yh = Scratch(), to_nhwc(y)
        column = np.empty(lower.shape, yh.dtype)
        _select(*_row_pair(yh), lower, column, scratch)
        picked = np.empty(right.shape, yh.dtype)
        _select(*_column_pair(column), right, picked, scratch)
        return from_nhwc(picked)

    def routed(g):
        dy = np.empty(x.shape, g.dtype)
        routed_gradient(to_nhwc(g), lower, right, dy, Scratch())
        return from_nhwc(dy)

    def pooled(y):
        return linear_map(y, chosen, routed) * from_nhwc(positive)

    return batch_norm_gradients(ctx, grad, from_nhwc(x), mean, inv, scale / inv, then=pooled)
