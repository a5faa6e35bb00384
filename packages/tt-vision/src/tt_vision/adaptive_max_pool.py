"""``adaptive_max_pool2d``: the maximum over each of ``output_size`` bins, one gather and one argmax.

Bin ``i`` of an axis of length ``H`` split into ``oh`` bins spans
``[⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉)``, as in PyTorch: bins may differ in length by one
and overlap when ``oh`` does not divide ``H``. Every bin is given the length
``K`` of the longest one by repeating its last index, so all windows are
gathered at once as an ``(N, oh, ow, Kh·Kw, C)`` array (fancy indexing,
channels-last) and reduced by one ``argmax``. The repeated entries copy an
element that comes earlier in the same window, so the first maximum in scan
order is a real one: the one PyTorch's gradient (and ``return_indices``) picks.
A bin holding NaN has NaN as its maximum and points at its last NaN, as
PyTorch's CPU kernel (a repeated entry is then that same last element).

Backward adds each output's gradient onto its maximum's input position with
one ``np.bincount`` (overlapping bins may send two gradients to one element).

Cost: one gather of N·oh·ow·Kh·Kw·C values; backward one bincount over N·oh·ow·C.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tt_autograd as autograd  # noqa: F401  (the docstring example uses it)
from tt_autograd import Function, Tensor

from ._layout import from_nhwc, pair, to_nhwc
from .functional import _batched  # imported at functional.py's end
from .max_pool_indices import window_argmax


def bin_indices(size: int, out: int) -> np.ndarray:
    """(out, K) input indices of each bin of one axis, short bins padded with their last index."""
    bins = np.arange(out)
    starts = (bins * size) // out
    ends = -(-((bins + 1) * size) // out)
    longest = int((ends - starts).max())
    return np.minimum(starts[:, None] + np.arange(longest), ends[:, None] - 1)


class AdaptiveMaxPool2dFunction(Function):
    """``adaptive_max_pool2d`` on NumPy arrays: values forward; ``ctx.positions`` holds the argmax indices."""

    @staticmethod
    def forward(ctx, x, output_size, indices=None):
        """``indices``, if a list, receives the (N, C, oh, ow) int64 argmax positions ``h·W + w``."""
        xh = to_nhwc(x)  # (N, H, W, C)
        n, h, w, c = xh.shape
        rows, cols = bin_indices(h, output_size[0]), bin_indices(w, output_size[1])  # (oh, Kh), (ow, Kw)
        windows = xh[:, rows][:, :, :, cols]  # (N, oh, Kh, ow, Kw, C)
        windows = windows.transpose(0, 1, 3, 2, 4, 5).reshape(n, len(rows), len(cols), -1, c)
        best = window_argmax(windows)  # (N, oh, ow, C): first maximum, or a NaN bin's last NaN
        out = np.take_along_axis(windows, best[:, :, :, None], axis=3)[:, :, :, 0]
        flat = rows[:, None, :, None] * w + cols[None, :, None, :]  # (oh, ow, Kh, Kw): h·W + w
        flat = flat.reshape(len(rows), len(cols), -1)
        ctx.positions = np.take_along_axis(flat[None, :, :, :, None], best[:, :, :, None], axis=3)[:, :, :, 0]
        ctx.shape = xh.shape
        if indices is not None:
            indices.append(from_nhwc(ctx.positions).astype(np.int64))
        return from_nhwc(out)

    @staticmethod
    def backward(ctx, grad):
        n, h, w, c = ctx.shape
        dy = to_nhwc(grad)  # (N, oh, ow, C)
        images = np.arange(n)[:, None, None, None]
        channels = np.arange(c)
        target = ((images * (h * w) + ctx.positions) * c + channels).ravel()
        dx = np.bincount(target, weights=dy.ravel(), minlength=n * h * w * c)
        return (from_nhwc(dx.astype(dy.dtype, copy=False).reshape(n, h, w, c)),)

    @staticmethod
    def graph_backward(ctx, grad):  # for higher-order gradients: pool_graph.py
        from .pool_graph import indexed_max_pool_graph_backward

        return indexed_max_pool_graph_backward(ctx, grad)


def adaptive_output_size(op: str, output_size, spatial: tuple[int, int]) -> tuple[int, int]:
    """``output_size`` as ``(oh, ow)``: an int for both axes, ``None`` keeps that axis's size."""
    sizes = list(output_size) if isinstance(output_size, (tuple, list)) else [output_size] * 2
    if len(sizes) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair (ints or None), got {output_size!r}")
    return pair(op, "output_size", [length if size is None else size for size, length in zip(sizes, spatial)])


def adaptive_max_pool2d(
    input: Tensor,  # noqa: A002
    output_size: int | Sequence[int | None],
    return_indices: bool = False,
):
    """Max-pool to a fixed ``output_size`` whatever the input size, like PyTorch's ``adaptive_max_pool2d``.

    Args:
        input: ``(N, C, H, W)`` (or ``(C, H, W)``).
        output_size: an int or a pair ``(oh, ow)``; ``None`` keeps that axis's size.
        return_indices: also return the position ``h·W + w`` of each maximum (int64, the output's shape).

    Shape:
        output ``(N, C, oh, ow)``; bin ``i`` spans ``[⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉)``.

    Example:
        >>> x = autograd.tensor([[[[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]]]])
        >>> adaptive_max_pool2d(x, (1, 2)).numpy().tolist()
        [[[[5.0, 6.0]]]]
    """
    op = "adaptive_max_pool2d"
    kept = [] if return_indices else None

    def run(x: Tensor) -> Tensor:
        sizes = adaptive_output_size(op, output_size, tuple(x.shape[2:]))
        if min(x.shape[2:]) < 1:
            raise ValueError(f"{op}: input of shape {tuple(x.shape)} has an empty spatial axis")
        return AdaptiveMaxPool2dFunction.apply(x, output_size=sizes, indices=kept)

    out = _batched(op, input, run)
    if not return_indices:
        return out
    indices = out.from_array(kept[0])  # (inside vmap: batched like out, by the pooling's rule)
    return out, indices if out.ndim == 4 else indices[0]
