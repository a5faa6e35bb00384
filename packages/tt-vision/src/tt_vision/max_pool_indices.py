"""``max_pool2d(..., return_indices=True)``: the maxima and where each one was, as PyTorch returns them.

The index of a maximum is its flat position ``h·W + w`` in its ``(H, W)``
plane of the (unpadded) input, PyTorch's convention, which
:func:`~tt_vision.max_unpool.max_unpool2d` takes back. Every window is
gathered at once, channels-last, as an ``(N, Ho, Wo, kh·kw, C)`` array (fancy
indexing into the −∞-padded input) and reduced by one ``argmax``: the first
maximum in scan order wins, as in PyTorch; a NaN is its window's maximum, and
PyTorch's CPU kernel then points at the window's *last* NaN, so this does too.
Output sizes, padding, dilation and ``ceil_mode`` are the plain max-pool's
(``_pool.py``).

Backward adds each output's gradient onto its maximum with one ``np.bincount``
(overlapping windows may pick the same element twice).

Cost: one gather of N·Ho·Wo·kh·kw·C values (kh·kw times the output); the plain
:func:`~tt_vision.functional.max_pool2d` keeps its faster strided kernel when no
indices are asked for.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd  # noqa: F401  (the docstring example uses it)
from tt_autograd import Function, Tensor

from ._im2col import pad_nhwc
from ._layout import from_nhwc, pair, to_nhwc
from ._pool import _geometry, window_positions
from .functional import IntPair, _batched, _pool_args  # imported at functional.py's end


def window_argmax(windows: np.ndarray) -> np.ndarray:
    """PyTorch's CPU pick along axis 3: the first maximum, or in a window holding NaN its last NaN.

    (PyTorch's loop keeps ``val > best or isnan(val)``: a tie never replaces, every NaN does.)
    ``windows``: (N, Ho, Wo, K, C); returns (N, Ho, Wo, C) positions in ``[0, K)``.
    """
    best = windows.argmax(axis=3)
    if windows.dtype.kind == "f":
        has_nan = np.isnan(windows).any(axis=3)
        if has_nan.any():
            last_nan = windows.shape[3] - 1 - np.isnan(windows[:, :, :, ::-1]).argmax(axis=3)
            best = np.where(has_nan, last_nan, best)
    return best


class MaxPool2dWithIndicesFunction(Function):
    """``max_pool2d`` with indices on NumPy arrays; ``indices`` (a list) receives the (N, C, Ho, Wo) int64."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode, indices):
        xh = to_nhwc(x)  # (N, H, W, C)
        n, h, w, c = xh.shape
        (ho, wo), pads = _geometry("max_pool2d", xh.shape, kernel, stride, padding, dilation, ceil_mode)
        fill = -np.inf if xh.dtype.kind == "f" else np.iinfo(xh.dtype).min
        xp = pad_nhwc(xh, pads, fill)
        rows = window_positions(ho, kernel[0], stride[0], dilation[0])  # (Ho, kh)
        cols = window_positions(wo, kernel[1], stride[1], dilation[1])  # (Wo, kw)
        windows = xp[:, rows][:, :, :, cols]  # (N, Ho, kh, Wo, kw, C)
        windows = windows.transpose(0, 1, 3, 2, 4, 5).reshape(n, ho, wo, -1, c)
        best = window_argmax(windows)  # (N, Ho, Wo, C)
        out = np.take_along_axis(windows, best[:, :, :, None], axis=3)[:, :, :, 0]
        top, left = rows[:, None, :, None] - pads[0], cols[None, :, None, :] - pads[2]  # in the input
        flat = (top * w + left).reshape(ho, wo, -1)[None, :, :, :, None]  # (1, Ho, Wo, kh·kw, 1)
        if any(pads):  # a window of −∞ only: PyTorch's pick is its first real position, not the padding
            real = ((top >= 0) & (top < h) & (left >= 0) & (left < w)).reshape(ho, wo, -1)
            picked = np.take_along_axis(real[None, :, :, :, None], best[:, :, :, None], axis=3)[:, :, :, 0]
            best = np.where(picked, best, real.argmax(axis=2)[None, :, :, None])
        ctx.positions = np.take_along_axis(flat, best[:, :, :, None], axis=3)[:, :, :, 0]  # (N, Ho, Wo, C)
        ctx.shape = xh.shape
        indices.append(from_nhwc(ctx.positions).astype(np.int64))
        return from_nhwc(out)

    @staticmethod
    def backward(ctx, grad):
        n, h, w, c = ctx.shape
        dy = to_nhwc(grad)  # (N, Ho, Wo, C)
        images = np.arange(n)[:, None, None, None]
        target = ((images * (h * w) + ctx.positions) * c + np.arange(c)).ravel()
        dx = np.bincount(target, weights=dy.ravel(), minlength=n * h * w * c)
        return (from_nhwc(dx.astype(dy.dtype, copy=False).reshape(n, h, w, c)),)

    @staticmethod
    def graph_backward(ctx, grad):  # for higher-order gradients: pool_graph.py
        from .pool_graph import indexed_max_pool_graph_backward

        return indexed_max_pool_graph_backward(ctx, grad)


def max_pool2d_with_indices(
    input: Tensor,  # noqa: A002
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """``max_pool2d``'s values and the int64 flat position ``h·W + w`` of each maximum in its plane.

    What ``max_pool2d(..., return_indices=True)`` returns; the arguments are :func:`max_pool2d`'s
    (``return_indices`` is ignored: both are returned, as by PyTorch's ``F.max_pool2d_with_indices``).

    Example:
        >>> x = autograd.tensor([[[[1.0, 5.0], [4.0, 3.0]]]])
        >>> values, indices = max_pool2d_with_indices(x, 2)
        >>> values.numpy().tolist(), indices.numpy().tolist()
        ([[[[5.0]]]], [[[[1]]]])
    """
    op = "max_pool2d"
    kernel, stride_, pad = _pool_args(op, kernel_size, stride, padding)
    dilation_ = pair(op, "dilation", dilation)
    kept: list[np.ndarray] = []

    def run(x: Tensor) -> Tensor:
        return MaxPool2dWithIndicesFunction.apply(
            x,
            kernel=kernel,
            stride=stride_,
            padding=pad,
            dilation=dilation_,
            ceil_mode=bool(ceil_mode),
            indices=kept,
        )

    out = _batched(op, input, run)
    indices = out.from_array(kept[0])  # (inside vmap: batched like out, by the pooling's rule)
    return out, indices if out.ndim == 4 else indices[0]
