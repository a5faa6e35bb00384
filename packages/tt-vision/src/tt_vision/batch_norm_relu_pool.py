"""Batch norm, ReLU and a 2×2 max-pool as one node: the full-size activation is never written.

Not a course topic: module 09 teaches ``BatchNorm2d``, ``ReLU`` and
``MaxPool2d`` (``_pool.py``) as three nodes; this file is why the triple that
ends every block of a small CNN costs less. In three nodes the activation
``relu(bn(x))`` is written, read back by the pool, and its gradient is written
full size by the pool's backward, read by the ReLU's, and so on. Fused, in
training, counted in passes over the full-size input ``x``::

    forward   Σx;  Σ(x − mean)²;  per chunk of images in cache: y = max(x·scale + shift, 0),
              pool y 2×2 (out, and where each window's maximum was), x at that maximum
    backward  dq = dy·[out > 0], Σdq, Σdq·(x_max − mean)   (quarter size: no pass over x)
              per chunk: dq sent to each window's maximum, dx = g·scale + x·k + shift'

three passes forward and two backward, where the three nodes take about
fifteen. When every channel's scale (``weight / √(var + eps)``) is positive — as
after any ordinary training start, weights beginning at 1 — forward pools ``x``
itself first and normalizes only the quarter that survives
(:func:`pool_then_normalize`): ``max(x·scale + shift, 0)`` rises with ``x``, so
the window's maximum is in the same place and the pooled value the same. The
backward sums shrink to quarter size because the gradient reaching batch
norm's output is zero everywhere but at each window's chosen element, where
it is ``dy`` times the ReLU's mask there, ``[out > 0]`` (the chosen ``y`` *is*
the output). So forward keeps, besides ``x``: ``x`` at each window's maximum
(a quarter of ``x``), and three 1-byte masks — whether the lower row won in
each column of a window (half size), whether the right
column won, and ``out > 0`` (quarter size each).

Each window is pooled rows first — its two rows are whole image rows apart,
so that step runs over long contiguous runs — then across its two columns
(runs of ``C`` values, on a quarter of the data). PyTorch chooses the first
maximum in scan order (row by row); rows first alone would choose column by
column, so where the two columns tie, the right one wins exactly when its
maximum is in the upper row and the left one's is not. A window of zeros
after the ReLU routes nothing (``out = 0``). The gradients therefore equal
the three nodes' up to float rounding of batch norm's sums. One difference,
as in ``_pool2x2.py``: where a window holds a NaN, which element gets its
gradient may differ from the chapter's kernel (in training a NaN makes the
whole channel's statistics, and so its every gradient, NaN anyway).

Measured by ``benchmarks/cnn_rank_step.py`` (milestone 04's step, 64 images on one
thread, alternating rounds; 2026-12-03 17:40, a slow phase of the machine): forward +
backward of the three blocks' batch norm, ReLU and pool 39.0 ms as five nodes, 34.3 ms with
batch norm + ReLU fused, 30.9 ms with the pool fused too; the step 120.1 → 115.7 → 109.2 ms.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function
from tt_nn.functional import batch_norm_relu
from tt_nn.functional.batch_norm_relu import batch_coefficients, fusable, input_grad_coefficients
from tt_nn.functional.row_passes import channel_tiles, pixel_rows, rows_dot, rows_sum

from ._layout import from_nhwc, to_nhwc
from ._tuning import CHUNK_BYTES, chunks, in_chunks
from .functional import max_pool2d

#: Bytes of input per chunk of images: the chunk's activation and half-size maxima stay in cache.
INPUT_BYTES = 1 << 20


def _chunk_share(x: np.ndarray) -> int:
    """Bytes per image to tell ``in_chunks``, so that each of its chunks holds INPUT_BYTES of ``x``."""
    return max(1, x[:1].nbytes) * CHUNK_BYTES // INPUT_BYTES


def _rows(array: np.ndarray, *tiles: np.ndarray) -> tuple[np.ndarray, ...]:
    """A channels-last array as ``pixel_rows`` (long inner loops), with per-channel ``tiles`` to match."""
    return pixel_rows(array.reshape(-1, array.shape[-1], 1), *tiles)


def pooled_forward(x, tiles, zeros, out, scratch, masks=None, x_max=None) -> None:
    """``out`` (k, H/2, W/2, C) = max-pool 2×2 of ``max(x·scale + shift, 0)`` for a chunk ``x`` (k, H, W, C).

    ``tiles`` are ``channel_tiles(scale, shift)``, ``zeros`` at least as many zeros as ``x`` has values
    (the ReLU takes ``max`` against an array: NumPy's path for the scalar 0 is ~3× slower). With
    ``masks = (lower, right, positive)`` also records where each window's maximum was (whether the
    lower row won in each column: (k, H/2, W, C); whether the right column won: (k, H/2, W/2, C)),
    whether the output is > 0, and ``x`` at the maximum into ``x_max`` (k, H/2, W/2, C).

    Rows first: the two rows of a window are whole image rows apart, so that step runs
    over long contiguous runs; only the quarter-size step across columns has runs of ``C``.
    """
    k, h, w, c = x.shape
    y = scratch.get("y", x.shape, x.dtype)
    rows, scale_rows, shift_rows = _rows(x, *tiles)
    y_rows = y.reshape(rows.shape)
    np.multiply(rows, scale_rows, out=y_rows)
    y_rows += shift_rows
    np.maximum(y_rows, zeros[: y_rows.size].reshape(y_rows.shape), out=y_rows)
    upper, below = _row_pair(y)
    column_max = scratch.get("column max", (k, h // 2, w, c), x.dtype)
    np.maximum(upper, below, out=column_max)
    left, right_max = _column_pair(column_max)
    np.maximum(left, right_max, out=out)
    if masks is None:
        return
    window_masks(upper, below, left, right_max, out, masks, scratch)
    lower, right, _ = masks
    x_column = scratch.get("x column", (k, h // 2, w, c), x.dtype)  # x at each column's maximum
    _select(*_row_pair(x), lower, x_column, scratch)
    _select(*_column_pair(x_column), right, x_max, scratch)


def pool_then_normalize(x, tiles, zeros, out, scratch, masks=None, x_max=None) -> None:
    """:func:`pooled_forward` when every channel's scale is > 0: pool ``x`` first, then the rest on a quarter.

    With ``scale > 0``, ``max(x·scale + shift, 0)`` never falls as ``x`` rises, so each
    window's output is ``max(max(x)·scale + shift, 0)`` — exactly, float rounding being
    monotone too — and its maximum sits where ``x``'s does. So the masks compare ``x``
    itself, ``x`` at the maximum is the pooled ``x``, and batch norm and the ReLU run on a
    quarter of the values: no full-size ``y``, nothing selected. (Where two *different*
    values of ``x`` in a window round to the same ``y``, the three nodes' first-in-scan-order
    rule may route the gradient to the smaller one; this path routes it to the larger.)
    """
    upper, below = _row_pair(x)
    column_max = scratch.get("column max", (x.shape[0], x.shape[1] // 2, *x.shape[2:]), x.dtype)
    np.maximum(upper, below, out=column_max)
    left, right_max = _column_pair(column_max)
    pooled = scratch.get("pooled", out.shape, x.dtype) if x_max is None else x_max
    np.maximum(left, right_max, out=pooled)
    rows, scale_rows, shift_rows = _rows(pooled, *tiles)
    out_rows = out.reshape(rows.shape)
    np.multiply(rows, scale_rows, out=out_rows)
    out_rows += shift_rows
    np.maximum(out_rows, zeros[: out_rows.size].reshape(out_rows.shape), out=out_rows)
    if masks is not None:
        window_masks(upper, below, left, right_max, out, masks, scratch)


def window_masks(upper, below, left, right_max, out, masks, scratch) -> None:
    """``masks = (lower, right, positive)`` of each window, from its rows and its column maxima.

    ``upper``, ``below``: the two rows of every window (k, H/2, W, C); ``left``,
    ``right_max``: the maxima of its two columns (k, H/2, W/2, C); ``out`` the pooled output.
    """
    lower, right, positive = masks
    np.greater(below, upper, out=lower)
    np.greater(right_max, left, out=right)
    # A tie between the columns goes to the first maximum in scan order: the right column's
    # if its maximum is in the upper row and the left column's is not (as PyTorch chooses).
    tie = scratch.get("tie", out.shape, bool)
    np.equal(right_max, left, out=tie)
    lower_left, lower_right = _column_pair(lower)
    first_in_right = scratch.get("first in right", out.shape, bool)
    np.greater(lower_left, lower_right, out=first_in_right)  # left's maximum below, right's above
    tie &= first_in_right
    right |= tie
    np.greater(out, 0, out=positive)


def _row_pair(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The upper and lower rows of every 2×2 window of ``a`` (k, H, W, C): two (k, H/2, W, C) views."""
    k, h, w, c = a.shape
    pairs = a.reshape(k, h // 2, 2, w, c)
    return pairs[:, :, 0], pairs[:, :, 1]


def _column_pair(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The left and right columns of every 2×2 window of ``a`` (k, H, W, C): two (k, H, W/2, C) views."""
    k, h, w, c = a.shape
    pairs = a.reshape(k, h, w // 2, 2, c)
    return pairs[:, :, :, 0], pairs[:, :, :, 1]


def _select(first, second, take_second, out, scratch) -> None:
    """``out = second if take_second else first``, element-wise, as two products by the masks.

    Exact (one product is the value, the other 0); ~5× faster than ``np.copyto(..., where=)``.
    """
    other = scratch.get("select", out.shape, out.dtype)
    flags = scratch.get("select flags", out.shape, bool)
    np.logical_not(take_second, out=flags)
    np.multiply(second, take_second, out=out)
    np.multiply(first, flags, out=other)
    out += other


def routed_gradient(dq, lower, right, dx, scratch) -> None:
    """``dx`` (k, H, W, C): each window's gradient ``dq`` (k, H/2, W/2, C) at its maximum, zero elsewhere."""
    k, ho, wo, c = dq.shape
    column = scratch.get("column gradient", (k, ho, 2 * wo, c), dq.dtype)
    left, right_part = _column_pair(column)
    np.multiply(dq, right, out=right_part)
    np.subtract(dq, right_part, out=left)  # dq·(1 − right), exactly
    upper, below = _row_pair(dx)
    np.multiply(column, lower, out=below)
    np.subtract(column, below, out=upper)


class BatchNormReLUMaxPoolFunction(Function):
    """``max_pool2d(relu(batch_norm(x)), 2)`` for (N, C, H, W) ``x`` with even H and W: one node."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        xh = to_nhwc(x)  # channels-last, no copy when x comes from a convolution
        n, h, w, c = xh.shape
        mean, inv, scale, shift = batch_coefficients(xh.reshape(-1, c, 1), weight, bias, running_mean,
                                                     running_var, training, momentum, eps)  # fmt: skip
        out = np.empty((n, h // 2, w // 2, c), xh.dtype)
        recording = getattr(ctx, "needs_input_grad", None) is not None  # set by apply when a graph is built
        if recording:
            lower, right, positive = (np.empty((n, h // 2, w, c), bool), np.empty(out.shape, bool),
                                      np.empty(out.shape, bool))  # fmt: skip
            x_max = np.empty_like(out)
        tiles = channel_tiles(scale, shift)
        per_image = _chunk_share(xh)
        first, last = chunks(n, per_image)[0]
        zeros = np.zeros(xh[first:last].size, xh.dtype)

        kernel = pool_then_normalize if bool((scale > 0).all()) else pooled_forward

        def chunk(a: int, b: int, scratch) -> None:
            masks = (lower[a:b], right[a:b], positive[a:b]) if recording else None
            kernel(xh[a:b], tiles, zeros, out[a:b], scratch, masks, x_max[a:b] if recording else None)

        in_chunks(n, per_image, chunk)
        if recording:
            ctx.save_for_backward(xh, x_max, lower, right, positive, mean, inv, scale)
        ctx.training = training
        return from_nhwc(out)

    @staticmethod
    def backward(ctx, grad):
        dy = to_nhwc(grad)
        x, x_max, lower, right, positive, mean, inv, scale = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        n, h, w, c = x.shape
        dq = np.multiply(dy, positive)  # the gradient at each window's maximum, after the ReLU's mask
        (mean_tiles,) = channel_tiles(mean)
        q_rows, mean_rows = _rows(dq, mean_tiles)
        sum_g = rows_sum(q_rows, c)
        sum_g_xc = rows_dot(q_rows, _rows(x_max)[0] - mean_rows, c)
        grad_w = sum_g_xc * inv if need_w else None
        grad_b = sum_g if need_b else None
        if not need_x:
            return None, grad_w, grad_b
        k, shift = input_grad_coefficients(sum_g, sum_g_xc, mean, inv, scale, n * h * w, ctx.training)
        tiles = channel_tiles(scale, *(() if k is None else (k, shift)))
        dx = np.empty_like(x)

        def chunk(a: int, b: int, scratch) -> None:
            routed_gradient(dq[a:b], lower[a:b], right[a:b], dx[a:b], scratch)
            rows, scale_rows, *more = _rows(dx[a:b], *tiles)
            rows *= scale_rows
            if more:
                x_rows = _rows(x[a:b])[0]
                product = scratch.get("x·k", x_rows.shape, x.dtype)
                np.multiply(x_rows, more[0], out=product)
                rows += product
                rows += more[1]

        in_chunks(n, _chunk_share(x), chunk)
        return from_nhwc(dx), grad_w, grad_b

    @staticmethod
    def graph_backward(ctx, grad):  # for higher-order gradients: pool_graph.py
        from .pool_graph import batch_norm_relu_max_pool_graph_backward

        return batch_norm_relu_max_pool_graph_backward(ctx, grad)


def batch_norm_relu_max_pool2d(input, running_mean, running_var, weight=None, bias=None,  # noqa: A002
                               training: bool = False, momentum: float = 0.1, eps: float = 1e-5):  # fmt: skip
    """``max_pool2d(relu(batch_norm(input, ...)), 2)`` as one node (same arguments as ``batch_norm``).

    An input the fused kernel does not take (odd height or width, an empty
    batch, float16, arguments batch norm refuses) goes through the three functions in a row, so
    results and errors are theirs.

    Shape:
        input ``(N, C, H, W)``; output ``(N, C, H/2, W/2)`` (floor, as ``max_pool2d``).
    """
    args = (running_mean, running_var, weight, bias, training, momentum, eps)
    shape = tuple(input.shape)
    takes = len(shape) == 4 and min(shape) > 0 and shape[2] % 2 == 0 and shape[3] % 2 == 0  # even, not empty
    if not (takes and fusable(input, running_mean, running_var, weight, bias, training)):
        return max_pool2d(batch_norm_relu(input, *args), 2)
    return BatchNormReLUMaxPoolFunction.apply(
        input, weight, bias,
        running_mean=None if running_mean is None else running_mean.array,
        running_var=None if running_var is None else running_var.array,
        training=bool(training), momentum=float(momentum), eps=float(eps),
    )  # fmt: skip
