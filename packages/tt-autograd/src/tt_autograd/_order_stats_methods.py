"""Recorded forms of tt-tensor's order statistics beyond the exercises: ``median()``, ``nanmedian()``.

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py``). Only the
median over all elements needs a Function (``functions/order_stats.py``: its
gradient is shared by the tied elements, as PyTorch's); the other methods of
tt-tensor's ``OrderStatsMixin`` (``median(dim)``, ``kthvalue``, ``mode``,
``cummax``, ``cummin``, ``msort``, ``quantile``, ``nanquantile``) read their
values with recorded ``gather``/``sort``/``lerp`` and are inherited as they are.
"""

from __future__ import annotations

import tt_tensor
from tt_tensor.checks import NOT_GIVEN
from tt_tensor.dtypes import check_kernel_dtype

from .functions.order_stats import MedianFunction


class OrderStatsGradMixin(tt_tensor.Tensor):
    """The differentiable median over all elements."""

    def median(self, dim: object = NOT_GIVEN, keepdim: bool = False):
        if dim is NOT_GIVEN and keepdim is False and self.numel():
            check_kernel_dtype("median", self.array.dtype, "b")  # (PyTorch has no bool median)
            return MedianFunction.apply(self, ignore_nan=False)
        return super().median(dim, keepdim)

    def nanmedian(self, dim: object = NOT_GIVEN, keepdim: bool = False):
        if dim is NOT_GIVEN and keepdim is False and self.numel():
            check_kernel_dtype("nanmedian", self.array.dtype, "b")
            return MedianFunction.apply(self, ignore_nan=True)
        return super().nanmedian(dim, keepdim)
