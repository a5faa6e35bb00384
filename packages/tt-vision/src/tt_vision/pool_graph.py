"""The pools' recorded backward, for higher-order gradients (``create_graph=True``).

Pooling's gradient is linear in the incoming gradient, with coefficients that do
not vary with the input where a derivative exists: an average spreads each
output's gradient over its window, a max-pool sends it to the window's first
maximum. So the recorded backward is the plain backward as a linear map
(:func:`tt_autograd.higher_order.linear_map`), given with its adjoint: for the
averages, the forward pass itself on the same geometry; for the max-pools, each
window reading its chosen element (from the 2×2 kernel's masks, or by finding
the first maximum again at each kernel offset, as backward does). The second
derivative through a pool is 0; what it carries is the gradient of whatever
comes after it.

Cost: the plain backward, plus one forward-sized pass for each differentiation
of the recorded one.
"""

from __future__ import annotations

import numpy as np
from tt_autograd.higher_order import linear_map

from ._im2col import pad_nhwc
from ._layout import from_nhwc, to_nhwc
from ._pool import adaptive_avg_pool_forward, avg_pool_forward, infinite_windows_in_padding


def avg_pool2d_graph_backward(ctx, grad):
    """``AvgPool2dFunction.graph_backward``: spreading, whose adjoint is the average itself."""
    offsets, pads, _, divisor, _ = ctx.geometry

    def average(u):
        return from_nhwc(avg_pool_forward(pad_nhwc(to_nhwc(u), pads, 0.0), offsets, divisor))

    return (linear_map(grad, lambda g: type(ctx).backward(ctx, g)[0], average),)


def adaptive_avg_pool2d_graph_backward(ctx, grad):
    """``AdaptiveAvgPool2dFunction.graph_backward``: the adjoint is ``Ph · X · Pwᵀ`` again."""

    def average(u):
        return from_nhwc(adaptive_avg_pool_forward(to_nhwc(u), *ctx.bins))

    return (linear_map(grad, lambda g: type(ctx).backward(ctx, g)[0], average),)


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

    return (linear_map(grad, lambda g: type(ctx).backward(ctx, g)[0], chosen),)
