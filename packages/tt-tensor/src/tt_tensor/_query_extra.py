"""Tensor methods that ask questions of the values: ``nonzero``, ``isclose``, ``unique``, ``bincount``, ...

Not course material (beyond module 01's exercises). Their results are
indices, counts or booleans, so they carry no gradient, as in PyTorch;
``nansum`` and ``nanmean`` are the exceptions, composed of ``where`` and
``sum`` so a recording subclass (tt-autograd) differentiates them (the
gradient is 0 at the NaNs). Indices and counts are int64, as PyTorch's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._base import TensorBase, operand
from .checks import NOT_GIVEN, bool_args, check_bool, dims_arg, normalize_dim, normalize_dims, reduction_dims
from .dtypes import mean_dtype, require_float_input

if TYPE_CHECKING:
    from .tensor import Tensor


class QueryExtraMixin(TensorBase):
    """Index, count and comparison queries of :class:`Tensor` (no gradients)."""

    # ------------------------------------------------------------ where the values are
    def nonzero(self, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
        """Indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, or one 1-D tensor per dim."""
        array = self.array if self.ndim else self.array.reshape(1)
        if check_bool("nonzero", "as_tuple", as_tuple):
            return tuple(self.from_array(i.astype(np.int64)) for i in np.nonzero(array))
        return self.from_array(np.argwhere(self.array).astype(np.int64))

    def argwhere(self) -> Tensor:
        """``nonzero()``: an ``(n, ndim)`` int64 tensor of the indices of non-zero elements."""
        return self.nonzero()

    def count_nonzero(self, *dim: int | tuple[int, ...] | None) -> Tensor:
        """Number of non-zero elements, over ``dim`` (an int, a tuple, or ints one by one as in
        ``count_nonzero(0, 1)``, as PyTorch's method; all dims when None or left out), as int64."""
        dim = dims_arg("count_nonzero", dim, required=False)
        axes = normalize_dims("count_nonzero", None if dim is NOT_GIVEN else reduction_dims(dim), self.ndim)
        return self.from_array(np.asarray(np.count_nonzero(self.array, axis=axes), dtype=np.int64))

    # ------------------------------------------------------------ element-wise tests
    @bool_args("isclose", "equal_nan")
    def isclose(self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
        """``|self - other| <= atol + rtol * |other|`` element-wise (NaNs equal only with ``equal_nan``)."""
        return self.from_array(
            np.isclose(self.array, operand(other, "isclose"), rtol=rtol, atol=atol, equal_nan=equal_nan)
        )

    def isinf(self) -> Tensor:
        """True at +inf and -inf."""
        return self.from_array(np.isinf(self.array))

    def isposinf(self) -> Tensor:
        """True at +inf."""
        return self.from_array(np.isposinf(self.array))

    def isneginf(self) -> Tensor:
        """True at -inf."""
        return self.from_array(np.isneginf(self.array))

    def isreal(self) -> Tensor:
        """True where the imaginary part is 0 (everywhere for a real tensor)."""
        return self.from_array(np.asarray(np.isreal(self.array)))

    def logical_and(self, other: Tensor) -> Tensor:
        """Element-wise ``and`` of the truth values (non-zero is true); a bool tensor."""
        return self.from_array(np.logical_and(self.array, operand(other, "logical_and")))

    def logical_or(self, other: Tensor) -> Tensor:
        """Element-wise ``or`` of the truth values; a bool tensor."""
        return self.from_array(np.logical_or(self.array, operand(other, "logical_or")))

    def logical_xor(self, other: Tensor) -> Tensor:
        """Element-wise ``xor`` of the truth values; a bool tensor."""
        return self.from_array(np.logical_xor(self.array, operand(other, "logical_xor")))

    # ------------------------------------------------------------ counting and distinct values
    def bincount(self, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
        """Occurrences of each value ``0..max`` of a 1-D non-negative integer tensor (or sums of ``weights``).

        The result has ``max(max + 1, minlength)`` entries: int64 counts, or sums
        in float32 for float32 weights and float64 for any other (PyTorch's rule:
        float16 and integer weights give float64 too).
        """
        if self.ndim != 1 or self.array.dtype.kind not in "iub":
            raise RuntimeError(
                f"bincount: expected a 1-D integer tensor, got shape {self.shape}, {self.dtype}"
            )
        if self.array.size and self.array.min() < 0:
            raise RuntimeError(f"bincount: values must be non-negative, got {int(self.array.min())}")
        if weights is None:
            return self.from_array(np.bincount(self.array, minlength=minlength).astype(np.int64))
        weight_array = np.asarray(operand(weights))
        if weight_array.shape != self.shape:
            raise RuntimeError(
                f"bincount: weights of shape {weight_array.shape} for input of shape {self.shape}"
            )
        dtype = np.float32 if weight_array.dtype == np.float32 else np.float64
        return self.from_array(np.bincount(self.array, weight_array, minlength).astype(dtype))

    def unique(
        self,
        sorted: bool = True,  # noqa: A002  (PyTorch's name)
        return_inverse: bool = False,
        return_counts: bool = False,
        dim: int | None = None,
    ) -> Tensor | tuple[Tensor, ...]:
        """The distinct values (or slices along ``dim``), in ascending order as PyTorch gives on CPU.

        With ``return_inverse``, also where each element (slice) went; with
        ``return_counts``, how often each distinct one occurs.
        """
        flags = {"sorted": sorted, "return_inverse": return_inverse, "return_counts": return_counts}
        for name, flag in flags.items():
            check_bool("unique", name, flag)
        axis = None if dim is None else normalize_dim("unique", dim, self.ndim)
        values, inverse, counts = np.unique(  # each NaN distinct (NaN != NaN), as PyTorch
            self.array, return_inverse=True, return_counts=True, axis=axis, equal_nan=False
        )
        inverse = inverse.reshape(self.shape if axis is None else -1)
        return self._with_extras(values, inverse, counts, return_inverse, return_counts)

    def unique_consecutive(
        self, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
    ) -> Tensor | tuple[Tensor, ...]:
        """Collapse each run of equal consecutive values (or slices along ``dim``) to one."""
        check_bool("unique_consecutive", "return_inverse", return_inverse)
        check_bool("unique_consecutive", "return_counts", return_counts)
        if dim is None:
            flat = self.array.reshape(-1)
            changes = flat[1:] != flat[:-1]
        else:
            axis = normalize_dim("unique_consecutive", dim, self.ndim)
            flat = np.moveaxis(self.array, axis, 0)
            changes = np.any((flat[1:] != flat[:-1]).reshape(max(flat.shape[0] - 1, 0), -1), axis=1)
        starts = np.concatenate([[True], changes]) if flat.shape[0] else np.zeros(0, dtype=bool)
        values = flat[starts] if dim is None else np.moveaxis(flat[starts], 0, axis)
        inverse = np.cumsum(starts) - 1
        counts = np.diff(np.append(np.flatnonzero(starts), flat.shape[0]))
        inverse = inverse.reshape(self.shape) if dim is None else inverse
        return self._with_extras(values, inverse, counts, return_inverse, return_counts)

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
        """Counts of the elements in ``bins`` equal-width bins over ``[min, max]`` (floats only).

        ``min = max = 0`` (the default) takes the data's smallest and largest
        values; equal bounds widen to ``[min - 1, max + 1]``. Elements outside the
        range and NaNs are not counted; ``max`` falls in the last bin. The counts
        have the input's dtype, and no gradient (as PyTorch's).
        """
        if self.array.dtype.kind != "f":
            raise RuntimeError(
                f"histc: expected a floating-point tensor, got {self.dtype}; convert with .float()"
            )
        if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins <= 0:
            raise RuntimeError(f"histc: bins must be a positive int, got {bins!r}")
        values = self.array.reshape(-1)
        low, high = float(min), float(max)
        if low == high == 0 and values.size:
            low, high = float(values.min()), float(values.max())
        if not (np.isfinite(low) and np.isfinite(high)):
            raise RuntimeError(f"histc: range of [{low}, {high}] is not finite; pass min= and max=")
        if low > high:
            raise RuntimeError(f"histc: max must be larger than min, got min={low}, max={high}")
        if low == high:
            low, high = low - 1, high + 1
        edges = np.linspace(low, high, bins + 1).astype(self.array.dtype)
        inside = values[(values >= edges[0]) & (values <= edges[-1])]
        where = np.minimum(np.searchsorted(edges, inside, side="right") - 1, bins - 1)
        return self.from_array(np.bincount(where, minlength=bins).astype(self.array.dtype))

    def _with_extras(self, values, inverse, counts, return_inverse: bool, return_counts: bool):
        """``values``, followed by the inverse and the counts when asked for (PyTorch's tuple)."""
        out = [self.from_array(values)]
        if return_inverse:
            out.append(self.from_array(inverse.astype(np.int64)))
        if return_counts:
            out.append(self.from_array(counts.astype(np.int64)))
        return out[0] if len(out) == 1 else tuple(out)

    # ------------------------------------------------------------ NaN-skipping reductions
    def nansum(
        self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False, *, dtype: object = None
    ) -> Tensor:
        """``sum`` treating NaN as 0 (gradient 0 at the NaNs), in ``dtype`` when given."""
        keepdim = check_bool("nansum", "keepdim", keepdim)
        return self.where(
            self.from_array(~np.isnan(self.array)), 0.0 if self.array.dtype.kind == "f" else 0
        ).sum(dim, keepdim, dtype=dtype)

    def nanmean(
        self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False, *, dtype: object = None
    ) -> Tensor:
        """``mean`` over the non-NaN elements (NaN where all are NaN); floats only, even with ``dtype``
        (then computed in it), as PyTorch."""
        keepdim = check_bool("nanmean", "keepdim", keepdim)
        require_float_input("nanmean", self.array.dtype)
        if dtype is not None:
            return self.to(mean_dtype(dtype, "nanmean")).nanmean(dim, keepdim)
        if self.array.dtype.kind != "f":
            raise RuntimeError(f"nanmean: expected a floating-point tensor, got {self.dtype}")
        present = ~np.isnan(self.array)
        dim = reduction_dims(dim)  # (dim=(): every dim, as PyTorch)
        axes = normalize_dims("nanmean", dim, self.ndim)
        count = np.sum(present, axis=axes, keepdims=keepdim).astype(self.array.dtype)
        return self.nansum(dim, keepdim) / count
