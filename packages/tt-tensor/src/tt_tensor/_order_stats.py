"""Tensor methods for order statistics: ``median``, ``kthvalue``, ``mode``, ``cummax``, ``quantile``, ...

Not course material (beyond module 01's exercises). The kernels of
``order_stats.py`` find *which* element is selected; the values are read
with ``gather`` (and ``sort``, ``lerp`` for ``quantile``), so a subclass that
records those (tt-autograd) sends each value's gradient to the element it
came from, as PyTorch does. The one exception is ``median()``/``nanmedian()``
over all elements, whose gradient PyTorch spreads evenly over the elements
equal to the median: tt-autograd overrides those with a Function.

Methods with a ``dim`` return ``(values, indices)`` as a :class:`ValuesIndices`
named tuple (``max(dim)``'s type), indices int64; the values keep the input's
dtype (integers included, except for ``quantile``, which PyTorch limits to floats).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from . import order_stats
from ._base import TensorBase, operand
from ._reductions import ValuesIndices
from .checks import NOT_GIVEN, bool_args, check_bool, check_count, normalize_dim, optional_dim
from .dtypes import check_kernel_dtype

if TYPE_CHECKING:
    from .tensor import Tensor


class OrderStatsMixin(TensorBase):
    """Medians, k-th values, modes, running extremes and quantiles of :class:`Tensor`."""

    # ------------------------------------------------------------ one element per row
    def median(self, dim: object = NOT_GIVEN, keepdim: bool = False) -> Tensor | ValuesIndices:
        """The median (the *lower* middle value for an even count, not the mean of the two).

        Without ``dim``: over all elements, a 0-d tensor (NaN if there is a NaN, or
        no element; ``dim=None`` is refused, as PyTorch). With ``dim``: ``(values, indices)``;
        a row with a NaN gives its first NaN. Cost: a stable sort per row, O(n log n). An empty
        integer tensor is refused, where PyTorch returns NaN cast to the dtype (-2**63 for int64, 0
        for int8: undefined behaviour in C++, not a median); bool tensors too, as PyTorch.

        Example:
            >>> import tt_tensor as tt
            >>> tt.tensor([4.0, 1.0, 3.0, 2.0]).median()
            tensor(2.)
        """
        return self._median("median", dim, keepdim, ignore_nan=False)

    def nanmedian(self, dim: object = NOT_GIVEN, keepdim: bool = False) -> Tensor | ValuesIndices:
        """``median`` ignoring NaNs (a row of NaNs gives NaN, index 0)."""
        return self._median("nanmedian", dim, keepdim, ignore_nan=True)

    def _median(self, op: str, dim: object, keepdim: bool, ignore_nan: bool):
        check_kernel_dtype(op, self.array.dtype, "b")  # (PyTorch has no bool median)
        dim = optional_dim(op, dim, keepdim)
        if dim is None:
            flat = self.reshape(-1)
            if flat.numel() == 0:
                if self.array.dtype.kind != "f":  # PyTorch returns NaN cast to the integer dtype: -2**63
                    # for int64, 0 for int8 (C++ undefined behaviour, no value): refused here instead
                    raise RuntimeError(f"{op}(): cannot take the median of an empty integer tensor")
                return self.from_array(np.array(np.nan, dtype=self.array.dtype))
            index = order_stats.median_index(flat.array, 0, ignore_nan)
            return flat.gather(0, self.from_array(index)).reshape(())
        return self._pick(op, dim, keepdim, lambda a, axis: order_stats.median_index(a, axis, ignore_nan))

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
        """``(values, indices)`` of the ``k``-th smallest element along ``dim`` (``k`` counts from 1).

        NaN counts as the largest value. Among equal values the index is the one a
        stable sort puts at position ``k - 1``; PyTorch's (a partial sort) may pick
        another of the equal elements.
        """
        k = check_count("kthvalue", "k", k, minimum=None)
        check_kernel_dtype("kthvalue", self.array.dtype, "bc")  # (PyTorch has no such kernels)
        size = self.shape[normalize_dim("kthvalue", dim, self.ndim)] if self.ndim else 1
        if not 1 <= k <= size:
            raise RuntimeError(
                f"kthvalue(): selected number k out of range for dimension {dim}: k={k}, but the "
                f"dimension has {size} elements (k must be between 1 and {size})"
            )
        return self._pick("kthvalue", dim, keepdim, lambda a, axis: order_stats.kthvalue_index(a, k, axis))

    def mode(self, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
        """``(values, indices)`` of the most frequent value along ``dim`` (the smallest of a tie).

        The index is the value's last occurrence (PyTorch's on rows of up to 16
        elements; for longer rows PyTorch returns some occurrence). NaNs count
        as distinct values. PyTorch's CPU kernel sorts with ``<``, which NaN breaks, so its result with
        NaNs is an artefact of the sort: on rows of up to 16 elements it is what an insertion sort
        leaves (NaNs stay in place and split the runs; ``mode([nan, 1, nan, 1, 2])`` is NaN at 0),
        on longer ones no rule; measured on 300 random rows of 40 with NaNs, NaN-as-one-largest-value
        gives torch's value on 33%, this rule on 7% of them (both 100% without NaNs). Complex tensors
        are refused, as PyTorch.
        """
        check_kernel_dtype("mode", self.array.dtype, "c")  # (PyTorch's sorts complex numbers nowhere)
        return self._pick("mode", dim, keepdim, order_stats.mode_index)

    def _pick(
        self, op: str, dim: int, keepdim: bool, find_index: Callable[[np.ndarray, int], np.ndarray]
    ) -> ValuesIndices:
        """``(values, indices)`` of the element ``find_index`` picks in each row along ``dim``."""
        axis, keepdim = normalize_dim(op, dim, self.ndim), check_bool(op, "keepdim", keepdim)
        source = self if self.ndim else self.reshape(1)
        if source.shape[axis] == 0:
            raise IndexError(
                f"{op}(): Expected reduction dim {axis} to have non-zero size (input shape {self.shape})"
            )
        index = find_index(source.array, axis)
        values = source.gather(axis, self.from_array(index))
        if not keepdim or self.ndim == 0:
            values, index = values.squeeze(axis), index.squeeze(axis)
        return ValuesIndices(values, self.from_array(index))

    # ------------------------------------------------------------ sorted and running
    def msort(self) -> Tensor:
        """Sorted along dim 0 (``sort(dim=0).values``)."""
        return self.sort(dim=0).values

    def cummax(self, dim: int) -> ValuesIndices:
        """``(values, indices)`` of the running maximum along ``dim``: ties take the later index.

        A NaN propagates (the values stay NaN after it; each later NaN moves the index).
        Cost: a few passes (``np.maximum.accumulate``), no loop over positions.
        """
        return self._running("cummax", dim, largest=True)

    def cummin(self, dim: int) -> ValuesIndices:
        """``(values, indices)`` of the running minimum along ``dim`` (as ``cummax``)."""
        return self._running("cummin", dim, largest=False)

    def _running(self, op: str, dim: int, largest: bool) -> ValuesIndices:
        axis = normalize_dim(op, dim, self.ndim)
        check_kernel_dtype(op, self.array.dtype, "c")  # (complex numbers have no order)
        source = self if self.ndim else self.reshape(1)
        index = order_stats.cumulative_extreme_index(source.array, axis, largest)
        values = source.gather(axis, self.from_array(index))
        if self.ndim == 0:
            values, index = values.reshape(()), index.reshape(())
        return ValuesIndices(values, self.from_array(index))

    # ------------------------------------------------------------ quantiles
    @bool_args("quantile", "keepdim")
    def quantile(
        self, q: object, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
    ) -> Tensor:
        """The ``q``-th quantiles along ``dim`` (all elements, flattened, when None).

        ``q`` is a number or a 1-D tensor of numbers in ``[0, 1]`` (then the result
        has a leading dim of ``len(q)``). With ``n`` values sorted, the rank is
        ``q * (n - 1)``; ``interpolation`` says what a rank between two values gives:
        ``"linear"`` (``lerp`` by the fraction), ``"lower"``, ``"higher"``,
        ``"midpoint"`` (their mean) or ``"nearest"`` (rank rounded half to even). A
        NaN in a row gives NaN. Floats only, as PyTorch. Cost: a sort per row.

        Example:
            >>> import tt_tensor as tt
            >>> tt.tensor([1.0, 2.0, 3.0, 4.0]).quantile(0.5)
            tensor(2.5000)
        """
        return self._quantile("quantile", q, dim, keepdim, interpolation, ignore_nan=False)

    @bool_args("nanquantile", "keepdim")
    def nanquantile(
        self, q: object, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
    ) -> Tensor:
        """``quantile`` ignoring NaNs (of the ``m`` non-NaN values, rank ``q * (m - 1)``; no value: NaN)."""
        return self._quantile("nanquantile", q, dim, keepdim, interpolation, ignore_nan=True)

    def _quantile(
        self, op: str, q: object, dim: int | None, keepdim: bool, interpolation: str, ignore_nan: bool
    ) -> Tensor:
        levels = np.asarray(operand(q, op, "q"))
        if isinstance(q, TensorBase) and levels.dtype != self.array.dtype:
            raise RuntimeError(
                f"{op}() q tensor must be same dtype as the input tensor, got {levels.dtype} and "
                f"{self.array.dtype}; convert q with .to(input.dtype)"
            )
        order_stats.check_quantile_args(op, self.array, levels, interpolation)
        if dim is None:
            rows = self.reshape(-1)
        else:
            axis = normalize_dim(op, dim, self.ndim)
            rows = self.movedim(axis, -1) if self.ndim else self.reshape(1)
        ordered = rows.sort(-1).values
        below, above, weight = order_stats.quantile_positions(
            ordered.array, levels.reshape(-1), ignore_nan, interpolation
        )
        out = ordered.gather(-1, self.from_array(below))
        if interpolation in ("linear", "midpoint"):
            with np.errstate(invalid="ignore"):  # inf - inf between infinite values: NaN, as PyTorch
                out = out.lerp(ordered.gather(-1, self.from_array(above)), self.from_array(weight))
        out = out.movedim(-1, 0)  # (Q, ...rest)
        if keepdim and self.ndim:
            out = out.reshape(-1, *([1] * self.ndim)) if dim is None else out.unsqueeze(axis + 1)
        return out.squeeze(0) if levels.ndim == 0 else out
