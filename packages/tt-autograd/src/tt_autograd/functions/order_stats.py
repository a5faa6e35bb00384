"""Recorded order statistics beyond the exercises: the median over all elements.

Not course material. Every other order statistic (``median``/``kthvalue``/``mode``
with a ``dim``, ``cummax``, ``cummin``, ``quantile``, ...) reads its values with
``gather``, ``sort`` and ``lerp`` (tt-tensor's ``_order_stats.py``), so its
gradient goes to the selected elements through those recorded methods.

``median()`` and ``nanmedian()`` without a ``dim`` differ in PyTorch: their
gradient is spread evenly over every element equal to the median (the NaNs,
when the median is NaN), not sent to one of them. With distinct values both
rules agree.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import order_stats

from ..function import Function


class MedianFunction(Function):
    """The median of all elements (``ignore_nan``: of the non-NaN ones); gradient shared by the ties."""

    @staticmethod
    def forward(ctx, a, ignore_nan):
        flat = a.reshape(-1)
        value = flat[order_stats.median_index(flat, 0, ignore_nan)].reshape(())
        ctx.save_for_backward(a, value)
        return value

    @staticmethod
    def backward(ctx, grad):
        a, value = ctx.saved_tensors
        chosen = np.isnan(a) if np.isnan(value) else a == value
        share = grad / np.count_nonzero(chosen)
        return (np.where(chosen, share, 0).astype(grad.dtype, copy=False),)

    @staticmethod
    def graph_backward(ctx, grad):  # the shares are constants: the median is piecewise linear
        (share,) = MedianFunction.backward(ctx, np.ones((), grad.array.dtype))
        return (grad * share,)
