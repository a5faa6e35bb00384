"""Max and average pooling: a loop over the few kernel offsets, each a strided slice of the batch.

With the input channels-last, the window offset ``(i, j)`` of every output
pixel at once is one strided view ``x[:, i::s, j::s, :]`` whose inner runs are
the ``C`` contiguous channels. A 2×2 pool is then three ``np.maximum`` calls
(or three adds for an average) over quarter-size arrays: no Python loop over
pixels, and no copy into windows at all.

Backward of max-pool sends each output's gradient to the *first* maximum of
its window in scan order, as PyTorch does: walking the offsets in order, an
input element receives the gradient if it equals the output and no earlier
offset already claimed that output (``hit > taken`` on booleans is
``hit and not taken``). When the windows tile the input exactly (kernel =
stride, no padding) each offset's gradient is *written* into its slice of the
input gradient; otherwise the slices are added into a zeroed buffer.

Output size, padding and ``ceil_mode`` follow PyTorch: a window may run off
the bottom/right edge in ceil mode only if it starts inside the input or the
left padding; max-pool pads with −∞, average pooling with 0 and divides by
the window's size counted as PyTorch counts it (``count_include_pad``,
``divisor_override``).

The ``*_forward`` / ``*_backward`` functions are the chapter's algorithm, on
channels-last arrays; the ``Function`` classes convert the layout, pad, and
(max-pool, the one in every CNN) run them on slices of the batch on the
worker threads (``_tuning.py``); a 2×2, stride-2 max-pool takes the faster
separable path of ``_pool2x2.py`` (same results).
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function

from ._im2col import pad_nhwc
from ._layout import from_nhwc, to_nhwc
from ._pool2x2 import pool_2x2_backward, pool_2x2_forward
from ._tuning import in_slices


def pool_output_size(op: str, size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool):
    """PyTorch's output length of one pooled axis, and the extra padding ``ceil_mode`` adds at the end."""
    if pad > kernel // 2:
        raise ValueError(
            f"{op}: padding should be at most half of the kernel size, got padding={pad}, "
            f"kernel_size={kernel}"
        )
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1  # the last window would start entirely in the right padding
    if out < 1:  # ceil_mode keeps one window that hangs over the end (SqueezeNet's last pool at 21×21)
        raise ValueError(f"{op}: input of size {size} is smaller than the (dilated, padded) kernel {kernel}")
    extra = max(0, (out - 1) * stride + dilation * (kernel - 1) + 1 - (size + 2 * pad))
    return out, extra


def _geometry(op, shape, kernel, stride, padding, dilation, ceil_mode):
    """Output size and (top, bottom, left, right) padding for an (N, H, W, C) input."""
    h_out, h_extra = pool_output_size(op, shape[1], kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    w_out, w_extra = pool_output_size(op, shape[2], kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    pads = (padding[0], padding[0] + h_extra, padding[1], padding[1] + w_extra)
    return (h_out, w_out), pads


def _offsets(kernel, stride, dilation, out_size):
    """``(i, j, rows, cols)``: each kernel offset's strided slices into the padded input."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_size
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + (ho - 1) * sh + 1, sh)
            cols = slice(j * dw, j * dw + (wo - 1) * sw + 1, sw)
            yield rows, cols


def _tiles(shape, kernel, stride, dilation, pads, out_size) -> bool:
    """True if the windows cover the input exactly once each (kernel = stride, no padding, sizes divide)."""
    return (
        not any(pads)
        and dilation == (1, 1)
        and tuple(kernel) == tuple(stride)
        and out_size[0] * stride[0] == shape[1]
        and out_size[1] * stride[1] == shape[2]
    )


def _crop(padded: np.ndarray, pads) -> np.ndarray:
    top, bottom, left, right = pads
    h, w = padded.shape[1], padded.shape[2]
    return padded[:, top : h - bottom, left : w - right]


def max_pool_forward(xp: np.ndarray, offsets: list, out: np.ndarray) -> np.ndarray:
    """``out`` (n, Ho, Wo, C) = the maximum over the kernel offsets of the padded ``xp`` (n, Hp, Wp, C).

    ``offsets`` holds, per kernel offset, the (rows, cols) slices of ``xp`` that
    offset reads for every output pixel. Cost: kh·kw element-wise passes.
    """
    # BEGIN SOLUTION 09
    # TODO: out = the maximum over the kernel offsets of the padded xp (§ How it is built, "Pooling").
    # HINT: offsets hold (rows, cols) slices: copy the first offset's slice, then np.maximum(..., out=out).
    rows, cols = offsets[0]
    np.copyto(out, xp[:, rows, cols])
    for rows, cols in offsets[1:]:
        np.maximum(out, xp[:, rows, cols], out=out)
    return out
    # END SOLUTION


def max_pool_backward(
    xp: np.ndarray, out: np.ndarray, dy: np.ndarray, offsets: list, tiles: bool, dxp: np.ndarray
) -> np.ndarray:
    """Route ``dy`` (n, Ho, Wo, C) to the first maximum of each window, into ``dxp`` (xp's shape).

    A window holding NaN has NaN as its maximum (the forward propagates it), and its
    gradient goes to its *last* NaN in scan order, as PyTorch's CPU kernel does (it keeps
    the index of any NaN it meets, so the last one stays).

    ``tiles``: the windows cover the input exactly once, so each offset's
    gradient can be written, not added. Cost: about 3·kh·kw element-wise passes.
    """
    # BEGIN SOLUTION 09
    # TODO: route dy to the first maximum of each window (PyTorch's tie
    #   rule), into dxp (§ How it is built, "Pooling").
    # APPROACH: per offset, hit = (xp slice == out) and not taken by an earlier offset; add dy * hit there.
    # HINT: NaN == NaN is False: first find each NaN window's last NaN offset, then count it as a hit.
    # HINT: when windows tile (stride == kernel), assign instead of add.
    if not tiles:
        dxp[...] = 0
    nan = out.dtype.kind == "f" and bool(np.isnan(out).any())  # a NaN is its window's maximum
    if nan:
        last_nan = np.full(out.shape, -1, np.intp)  # per window: the offset of its last NaN
        for k, (rows, cols) in enumerate(offsets):
            np.putmask(last_nan, np.isnan(xp[:, rows, cols]), k)
    taken = None
    for k, (rows, cols) in enumerate(offsets):
        hit = xp[:, rows, cols] == out
        if nan:
            hit |= last_nan == k
        if taken is not None:
            np.greater(hit, taken, out=hit)  # hit and not already taken by an earlier offset
        if k < len(offsets) - 1:
            taken = hit.copy() if taken is None else np.logical_or(taken, hit, out=taken)
        if tiles:
            np.multiply(dy, hit, out=dxp[:, rows, cols])
        else:
            dxp[:, rows, cols] += dy * hit
    return dxp
    # END SOLUTION


def window_positions(out: int, kernel: int, stride: int, dilation: int) -> np.ndarray:
    """(out, kernel) positions, in the padded input, that each window of one axis reads."""
    return np.arange(out)[:, None] * stride + np.arange(kernel) * dilation


def infinite_windows_in_padding(out: np.ndarray, kernel, stride, dilation, pads, padded_hw):
    """Windows of −∞ only that start in the padding, and the first real element of each.

    :func:`max_pool_backward` sends a window's gradient to its first maximum in
    scan order. In a window of −∞ only, that is the window's first cell, which
    may be padding (also −∞): cropping the padding would then drop the gradient.
    PyTorch's CPU kernel starts each window at its first real element and keeps
    it unless a larger value comes, so the gradient goes there. (``ceil_mode``'s
    extra bottom/right padding never holds a window's first cell.)

    Returns ``(lost, rows, cols)``: ``lost`` (n, Ho, Wo, C) marks those windows;
    ``rows`` (Ho,) and ``cols`` (Wo,) give each window's first real row and
    column in the padded input. None when there are none. Cost: one comparison
    pass over ``out`` when there is padding, none otherwise.
    """
    if not any(pads) or out.dtype.kind != "f":
        return None
    lost = out == -np.inf
    if not lost.any():
        return None
    firsts, starts_in_padding, has_input = [], [], []
    for axis in range(2):
        low, size = pads[2 * axis], padded_hw[axis] - pads[2 * axis] - pads[2 * axis + 1]
        cells = window_positions(out.shape[1 + axis], kernel[axis], stride[axis], dilation[axis])
        real = (cells >= low) & (cells < low + size)  # (Ho or Wo, kernel): the window's cells in the input
        firsts.append(cells[np.arange(len(cells)), real.argmax(axis=1)])
        starts_in_padding.append(~real[:, 0])
        has_input.append(real.any(axis=1))
    moved = np.logical_or.outer(*starts_in_padding) & np.logical_and.outer(*has_input)  # (Ho, Wo)
    lost &= moved[None, :, :, None]
    return (lost, *firsts) if lost.any() else None


class MaxPool2dFunction(Function):
    """``max_pool2d``: :func:`max_pool_forward` and :func:`max_pool_backward`, on batch slices in parallel."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode):
        xh = to_nhwc(x)
        out_size, pads = _geometry("max_pool2d", xh.shape, kernel, stride, padding, dilation, ceil_mode)
        fill = -np.inf if xh.dtype.kind == "f" else np.iinfo(xh.dtype).min
        out = np.empty((xh.shape[0], *out_size, xh.shape[3]), dtype=xh.dtype)
        tiles = _tiles(xh.shape, kernel, stride, dilation, pads, out_size)
        recording = getattr(ctx, "needs_input_grad", None) is not None  # set by apply when a graph is built
        if tiles and tuple(kernel) == (2, 2) and recording:  # training's 2×2 pool: separable (_pool2x2.py)
            n, h, w, c = xh.shape
            right, lower = np.empty((n, h, w // 2, c), bool), np.empty(out.shape, bool)
            in_slices(n, lambda a, b: pool_2x2_forward(xh[a:b], out[a:b], right[a:b], lower[a:b]))
            if xh.dtype.kind != "f" or not np.isnan(out).any():  # with a NaN, the chapter's kernel decides
                ctx.save_for_backward(right, lower)
                ctx.geometry = None
                return from_nhwc(out)
        xp = pad_nhwc(xh, pads, fill)
        offsets = list(_offsets(kernel, stride, dilation, out_size))
        in_slices(len(xp), lambda a, b: max_pool_forward(xp[a:b], offsets, out[a:b]))
        ctx.save_for_backward(xp, out)
        ctx.geometry = (offsets, pads, tiles)
        ctx.window = (kernel, stride, dilation)
        return from_nhwc(out)

    @staticmethod
    def backward(ctx, grad):
        dy = to_nhwc(grad)
        if ctx.geometry is None:  # the 2×2 path: its masks route the gradient
            right, lower = ctx.saved_tensors
            n, h, half_w, c = right.shape
            dx = np.empty((n, h, 2 * half_w, c), dy.dtype)
            in_slices(n, lambda a, b: pool_2x2_backward(dy[a:b], right[a:b], lower[a:b], dx[a:b]))
            return (from_nhwc(dx),)
        xp, out = ctx.saved_tensors
        offsets, pads, tiles = ctx.geometry
        dxp = np.empty(xp.shape, dy.dtype)

        def run(a: int, b: int) -> None:
            max_pool_backward(xp[a:b], out[a:b], dy[a:b], offsets, tiles, dxp[a:b])

        in_slices(len(xp), run)
        lost = infinite_windows_in_padding(out, *ctx.window, pads, xp.shape[1:3])
        if lost is not None:  # rare: windows of −∞ only whose first cell is padding
            lost, rows, cols = lost
            n, i, j, c = np.nonzero(lost)
            np.add.at(dxp, (n, rows[i], cols[j], c), dy[lost])
        return (from_nhwc(_crop(dxp, pads)),)

    @staticmethod
    def graph_backward(ctx, grad):  # for higher-order gradients: pool_graph.py
        from .pool_graph import max_pool2d_graph_backward

        return max_pool2d_graph_backward(ctx, grad)


def _divisor(shape, kernel, stride, padding, dilation, pads, out_size, count_include_pad, divisor_override):
    """What each output is divided by: a number, or an (Ho, Wo, 1) array where windows differ."""
    if divisor_override:
        return float(divisor_override)
    full = kernel[0] * kernel[1]
    if not any(pads) or (count_include_pad and pads[1] == pads[0] and pads[3] == pads[2]):
        return float(full)
    # Count, per window, the positions that are input (or padding, if it counts) and not ceil-mode overflow.
    h, w = shape[1], shape[2]
    counted = np.zeros((1, h + pads[0] + pads[1], w + pads[2] + pads[3], 1))
    if count_include_pad:
        counted[:, : h + 2 * padding[0], : w + 2 * padding[1]] = 1
    else:
        counted[:, pads[0] : pads[0] + h, pads[2] : pads[2] + w] = 1
    total = sum(counted[:, rows, cols] for rows, cols in _offsets(kernel, stride, dilation, out_size))
    return total[0]


def _scale(a: np.ndarray, divisor) -> np.ndarray:
    """``a`` times ``1 / divisor`` (a number, or an (Ho, Wo, 1) array), in ``a``'s dtype."""
    return a * ((1.0 / divisor) if np.isscalar(divisor) else (1.0 / divisor).astype(a.dtype))


def avg_pool_forward(xp: np.ndarray, offsets: list, divisor) -> np.ndarray:
    """The (n, Ho, Wo, C) window means of the padded ``xp``: sum over the kernel offsets, divided.

    ``divisor``: a number, or an (Ho, Wo, 1) array where windows count differently. Cost: kh·kw passes.
    """
    # BEGIN SOLUTION 09
    # TODO: the window means of the padded xp: the sum over the kernel offsets, divided by divisor
    #   (a number or an (Ho, Wo) array: _scale).
    rows, cols = offsets[0]
    out = xp[:, rows, cols].copy()
    for rows, cols in offsets[1:]:
        out += xp[:, rows, cols]
    return _scale(out, divisor)
    # END SOLUTION


def avg_pool_backward(dy: np.ndarray, offsets: list, divisor, padded_shape: tuple, tiles: bool) -> np.ndarray:
    """Spread each output's gradient evenly over its window: the gradient of the padded input."""
    # BEGIN SOLUTION 09
    # TODO: spread each output's gradient evenly over its window: share = dy / divisor added at every offset.
    # HINT: when the windows tile (no overlap) each element is written once: assign into np.empty.
    share = _scale(dy, divisor)
    dxp = np.empty(padded_shape, dy.dtype) if tiles else np.zeros(padded_shape, dy.dtype)
    for rows, cols in offsets:
        if tiles:
            dxp[:, rows, cols] = share
        else:
            dxp[:, rows, cols] += share
    return dxp
    # END SOLUTION


class AvgPool2dFunction(Function):
    """``avg_pool2d``: :func:`avg_pool_forward` and :func:`avg_pool_backward` on channels-last arrays."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        xh = to_nhwc(x)
        dilation = (1, 1)
        out_size, pads = _geometry("avg_pool2d", xh.shape, kernel, stride, padding, dilation, ceil_mode)
        xp = pad_nhwc(xh, pads, 0.0)
        offsets = list(_offsets(kernel, stride, dilation, out_size))
        divisor = _divisor(
            xh.shape, kernel, stride, padding, dilation, pads, out_size, count_include_pad, divisor_override
        )
        tiles = _tiles(xh.shape, kernel, stride, dilation, pads, out_size)
        ctx.geometry = (offsets, pads, xp.shape, divisor, tiles)
        return from_nhwc(avg_pool_forward(xp, offsets, divisor))

    @staticmethod
    def backward(ctx, grad):
        offsets, pads, padded_shape, divisor, tiles = ctx.geometry
        dxp = avg_pool_backward(to_nhwc(grad), offsets, divisor, padded_shape, tiles)
        return (from_nhwc(_crop(dxp, pads)),)

    @staticmethod
    def graph_backward(ctx, grad):  # for higher-order gradients: pool_graph.py
        from .pool_graph import avg_pool2d_graph_backward

        return avg_pool2d_graph_backward(ctx, grad)


def adaptive_bins(size: int, out: int, dtype: np.dtype) -> np.ndarray:
    """The (out, size) averaging matrix of one axis: bin ``i`` spans ``[⌊i·size/out⌋, ⌈(i+1)·size/out⌉)``."""
    matrix = np.zeros((out, size), dtype=dtype)
    for i in range(out):  # a loop over output bins builds a small matrix once, not over data
        start, end = (i * size) // out, -(-((i + 1) * size) // out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


def adaptive_avg_pool_forward(xh: np.ndarray, ph: np.ndarray, pw: np.ndarray) -> np.ndarray:
    """(N, H, W, C) → (N, oh, ow, C): ``Ph · X · Pwᵀ`` per channel, with ``ph`` (oh, H) and ``pw`` (ow, W).

    Cost: two small GEMMs, 2·N·C·(oh·H·W + oh·ow·W) flops. Global pooling (oh = ow = 1)
    needs no special case: the GEMMs beat ``xh.mean(axis=(1, 2))`` there too.
    """
    # BEGIN SOLUTION 09
    # TODO: (N, H, W, C) -> (N, oh, ow, C) as Ph X Pw^T per channel: two matmuls with the averaging matrices
    #   ph (oh, H) and pw (ow, W) (§ How it is built, "Pooling").
    n, h, w, c = xh.shape
    oh, ow = len(ph), len(pw)
    rows = np.matmul(ph, xh.reshape(n, h, w * c))  # (N, oh, W·C)
    out = np.matmul(pw, rows.reshape(n * oh, w, c))  # (N·oh, ow, C)
    return out.reshape(n, oh, ow, c)
    # END SOLUTION


def adaptive_avg_pool_backward(dy: np.ndarray, ph: np.ndarray, pw: np.ndarray) -> np.ndarray:
    """The (N, H, W, C) input gradient of :func:`adaptive_avg_pool_forward`: ``Phᵀ · dY · Pw``."""
    # BEGIN SOLUTION 09
    # TODO: the input gradient Ph^T dY Pw: the same two matmuls transposed, in reverse order.
    # HINT: output (1, 1) (global average pooling) is just dy / (H * W) broadcast.
    n, oh, ow, c = dy.shape
    h, w = ph.shape[1], pw.shape[1]
    if (oh, ow) == (1, 1):
        return np.broadcast_to(dy / (h * w), (n, h, w, c)).copy()
    d_rows = np.matmul(pw.T, dy.reshape(n * oh, ow, c))  # (N·oh, W, C)
    dx = np.matmul(ph.T, d_rows.reshape(n, oh, w * c))  # (N, H, W·C)
    return dx.reshape(n, h, w, c)
    # END SOLUTION


class AdaptiveAvgPool2dFunction(Function):
    """``adaptive_avg_pool2d``: averaging is separable, so two small matrix products ``Ph · X · Pwᵀ``."""

    @staticmethod
    def forward(ctx, x, output_size):
        xh = to_nhwc(x)
        (oh, ow), (h, w) = output_size, xh.shape[1:3]
        ctx.bins = (adaptive_bins(h, oh, xh.dtype), adaptive_bins(w, ow, xh.dtype))
        return from_nhwc(adaptive_avg_pool_forward(xh, *ctx.bins))

    @staticmethod
    def backward(ctx, grad):
        return (from_nhwc(adaptive_avg_pool_backward(to_nhwc(grad), *ctx.bins)),)

    @staticmethod
    def graph_backward(ctx, grad):  # for higher-order gradients: pool_graph.py
        from .pool_graph import adaptive_avg_pool2d_graph_backward

        return adaptive_avg_pool2d_graph_backward(ctx, grad)
