"""Tensor methods that reduce over dimensions: ``sum``, ``mean``, ``var``, ``max``, ``logsumexp``, ...

``dim`` is an int, a tuple of ints, or None for every dimension; ``keepdim``
keeps the reduced dimensions with size 1 so the result broadcasts against the
input. ``max``/``min`` over one ``dim`` return ``(values, indices)``.
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from . import complex_reductions, reduce
from ._base import TensorBase
from .checks import (
    NOT_GIVEN,
    check_bool,
    dim_or_other,
    empty_extreme,
    logsumexp_dims,
    normalize_dim,
    normalize_dims,
    optional_dim,
    reduction_dims,
    variance_args,
)
from .dtypes import cumsum_dtype, dtype_argument, mean_dtype, require_float_input

if TYPE_CHECKING:
    from .tensor import Tensor

#: What ``max(dim=...)`` and ``min(dim=...)`` return, like ``torch.return_types.max``.
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


class ReductionMixin(TensorBase):
    """Reductions of :class:`Tensor`."""

    def sum(self, dim=None, keepdim: bool = False, *, dtype: object = None) -> Tensor:
        """Sum over ``dim`` (an int, a tuple, or None for all); integers and bools sum in int64."""
        keepdim, dim = check_bool("sum", "keepdim", keepdim), reduction_dims(dim)
        numpy_dtype = None if dtype is None else dtype_argument("sum", dtype).numpy
        return self.from_array(reduce.sum(self.array, dim, keepdim, numpy_dtype))

    def mean(self, dim=None, keepdim: bool = False, *, dtype: object = None) -> Tensor:
        """Mean over ``dim`` (of ``self`` cast to ``dtype`` first, when given: a float or complex one).

        Integer and bool tensors need that ``dtype`` (or a cast first): PyTorch refuses to pick one.
        """
        keepdim, dim = check_bool("mean", "keepdim", keepdim), reduction_dims(dim)
        if dtype is None:
            require_float_input("mean", self.array.dtype)
        source = self if dtype is None else self.to(mean_dtype(dtype))
        if source.array.dtype.kind == "c":  # (reduce.mean computes in a real float dtype)
            return source.sum(dim, keepdim) / reduce.count(source.shape, dim)
        return self.from_array(reduce.mean(source.array, dim, keepdim))

    def var(self, dim=None, unbiased=NOT_GIVEN, keepdim: bool = False, *, correction=None) -> Tensor:
        """Variance over ``dim``, unbiased (``correction=1``) by default as in PyTorch.

        PyTorch's older forms work too: ``x.var(dim, unbiased, keepdim)``, and ``x.var(False)``
        (one bool: ``unbiased``, over every element; see :func:`~tt_tensor.checks.variance_args`).
        Float and complex tensors only, as PyTorch (convert integers first).
        """
        keepdim = check_bool("var", "keepdim", keepdim)
        dim, correction = variance_args("var", dim, unbiased, correction)
        dim = reduction_dims(dim)
        require_float_input("var", self.array.dtype)
        if complex_reductions.is_complex(self.array):  # (module 01's kernel is for real numbers)
            axis = normalize_dims("var", dim, self.ndim)
            return self.from_array(complex_reductions.var(self.array, axis, correction, keepdim))
        return self.from_array(reduce.var(self.array, dim, correction, keepdim))

    def std(self, dim=None, unbiased=NOT_GIVEN, keepdim: bool = False, *, correction=None) -> Tensor:
        """Standard deviation over ``dim``: ``sqrt(var)`` (the same forms as :meth:`var`)."""
        keepdim = check_bool("std", "keepdim", keepdim)
        dim, correction = variance_args("std", dim, unbiased, correction)
        require_float_input("std", self.array.dtype)
        return self.var(dim, correction=correction, keepdim=keepdim).sqrt()

    def prod(self, dim=NOT_GIVEN, keepdim: bool = False, *, dtype: object = None) -> Tensor:
        """Product over ``dim`` (one int; left out: every element, but None is refused, as PyTorch), of
        ``self`` cast to ``dtype`` first when given."""
        if dtype is not None:  # (an integer product is int64 unless dtype says otherwise)
            dtype = dtype_argument("prod", dtype)
            return self.to(dtype).prod(dim, keepdim).to(dtype)
        return self.from_array(reduce.prod(self.array, optional_dim("prod", dim, keepdim), keepdim))

    def norm(self, p: object = "fro", dim=None, keepdim: bool = False) -> Tensor:
        """Vector p-norm over ``dim`` (all elements by default); ``p=None`` is the 2-norm and ``-inf`` the
        smallest ``|x|``, as PyTorch."""
        keepdim, dim = check_bool("norm", "keepdim", keepdim), reduction_dims(dim)
        if complex_reductions.is_complex(self.array):  # every p-norm of z is that of |z|
            return self.abs().norm(p, dim, keepdim)
        if p == -np.inf:  # the one order the course's kernel leaves out: (sum |x|^-inf)^-0 would be 1
            return self.abs().amin(dim, keepdim)
        return self.from_array(reduce.norm(self.array, 2 if p is None else p, dim, keepdim))

    def logsumexp(self, dim, keepdim: bool = False) -> Tensor:
        """``log(sum(exp(self), dim))`` without overflow; ``dim`` is required (None refused), as PyTorch."""
        keepdim = check_bool("logsumexp", "keepdim", keepdim)
        axis = logsumexp_dims(dim, self.ndim)
        if any(self.shape[d] == 0 for d in axis):  # log(sum of nothing) = log(0): an empty sum (0) - inf
            return self.sum(axis, keepdim) - np.inf
        if complex_reductions.is_complex(self.array):  # (module 01's kernel is for real numbers)
            return self.from_array(complex_reductions.logsumexp(self.array, axis, keepdim))
        return self.from_array(reduce.logsumexp(self.array, dim, keepdim))

    # ----------------------------------------------------------------- extremes
    def max(
        self, dim: object = NOT_GIVEN, keepdim: bool = False, *, other: object = NOT_GIVEN
    ) -> Tensor | ValuesIndices:
        """The largest element; with ``dim``, ``(values, indices)``; with a tensor (``other=``), maximum."""
        dim = dim_or_other("max", dim, other)
        if isinstance(dim, TensorBase):
            return self.maximum(dim)
        if optional_dim("max", dim, keepdim) is None:
            empty_extreme("max", self.shape, None)  # (an empty tensor: PyTorch's error, naming max)
            return self.amax()
        if empty_extreme("max", self.shape, normalize_dim("max", dim, self.ndim)):
            return self._empty_extreme(dim, keepdim)
        values, indices = reduce.extreme("max", self.array, dim, keepdim)
        return ValuesIndices(self.from_array(values), self.from_array(indices))

    def min(
        self, dim: object = NOT_GIVEN, keepdim: bool = False, *, other: object = NOT_GIVEN
    ) -> Tensor | ValuesIndices:
        """The smallest element; with ``dim``, ``(values, indices)``; with a tensor (``other=``), minimum."""
        dim = dim_or_other("min", dim, other)
        if isinstance(dim, TensorBase):
            return self.minimum(dim)
        if optional_dim("min", dim, keepdim) is None:
            empty_extreme("min", self.shape, None)  # (an empty tensor: PyTorch's error, naming min)
            return self.amin()
        if empty_extreme("min", self.shape, normalize_dim("min", dim, self.ndim)):
            return self._empty_extreme(dim, keepdim)
        values, indices = reduce.extreme("min", self.array, dim, keepdim)
        return ValuesIndices(self.from_array(values), self.from_array(indices))

    def amax(self, dim=None, keepdim: bool = False) -> Tensor:
        """Largest values over ``dim`` (no indices)."""
        keepdim, dim = check_bool("amax", "keepdim", keepdim), reduction_dims(dim)
        if empty_extreme("amax", self.shape, dim):
            return self._empty_extreme(dim, keepdim).values
        return self.from_array(reduce.amax(self.array, dim, keepdim))

    def amin(self, dim=None, keepdim: bool = False) -> Tensor:
        """Smallest values over ``dim`` (no indices)."""
        keepdim, dim = check_bool("amin", "keepdim", keepdim), reduction_dims(dim)
        if empty_extreme("amin", self.shape, dim):
            return self._empty_extreme(dim, keepdim).values
        return self.from_array(reduce.amin(self.array, dim, keepdim))

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the largest element (over the flattened tensor if ``dim`` is None); ties: the first."""
        return self._arg_extreme("argmax", dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the smallest element."""
        return self._arg_extreme("argmin", dim, keepdim)

    def _arg_extreme(self, op: str, dim: object, keepdim: object) -> Tensor:
        """``argmax``/``argmin``: bool tensors refused and empty ones as PyTorch 2.13
        (:func:`~tt_tensor.checks.empty_extreme`)."""
        keepdim = check_bool(op, "keepdim", keepdim)
        if self.array.dtype == np.bool_:
            raise RuntimeError(
                f"{op}(): does not support bool input; convert it first: t.to(tt.uint8).{op}()"
            )
        if empty_extreme(
            op, self.shape, dim if dim is None else normalize_dim(op, dim, self.ndim), IndexError
        ):
            return self._empty_extreme(dim, keepdim).indices
        return self.from_array(reduce.argextreme(op, self.array, dim, keepdim))

    def _empty_extreme(self, dim: object, keepdim: bool) -> ValuesIndices:
        """``max(dim)`` of an empty tensor over non-empty dims (:func:`~tt_tensor.checks.empty_extreme`):
        empty values (in this tensor's dtype; a sum has their shape, and a graph under tt-autograd)
        and empty int64 indices."""
        values = self.sum(dim, keepdim).to(self.dtype)
        return ValuesIndices(values, self.from_array(np.zeros(values.shape, np.int64)))

    # ----------------------------------------------------------------- logic and running sums
    def all(self, dim=None, keepdim: bool = False) -> Tensor:
        """True where every element over ``dim`` is true."""
        keepdim = check_bool("all", "keepdim", keepdim)
        return self._truth(np.all(self.array, axis=normalize_dims("all", dim, self.ndim), keepdims=keepdim))

    def any(self, dim=None, keepdim: bool = False) -> Tensor:
        """True where some element over ``dim`` is true."""
        keepdim = check_bool("any", "keepdim", keepdim)
        return self._truth(np.any(self.array, axis=normalize_dims("any", dim, self.ndim), keepdims=keepdim))

    def _truth(self, result: np.ndarray) -> Tensor:
        """``all``/``any``'s bools; a uint8 tensor's stay uint8 (0 or 1), PyTorch's old mask dtype."""
        return self.from_array(
            result.astype(np.uint8) if self.array.dtype == np.uint8 else np.asarray(result)
        )

    def cumsum(self, dim: int, *, dtype: object = None) -> Tensor:
        """Running sum along ``dim`` (integers and bools in int64; in ``dtype`` when given)."""
        if dtype is not None:  # summed in int64 (integers) and cast, as PyTorch's wrapping sums in dtype
            dtype = cumsum_dtype(dtype)
            return self.to(dtype).cumsum(dim).to(dtype)
        dtype = np.int64 if self.array.dtype.kind in "iub" else None
        return self.from_array(
            np.cumsum(self.array, axis=normalize_dim("cumsum", dim, self.ndim), dtype=dtype)
        )
