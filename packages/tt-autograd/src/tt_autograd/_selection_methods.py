"""Recorded forms of tt-tensor's ordering and scattering methods: ``sort``, ``topk``, ``einsum``, ...

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py`` to keep that
file one sitting long). The values of ``sort``/``topk`` go through
``TakeAlongDimFunction``; ``outer`` and ``masked_select`` are composed from recorded primitives.
"""

from __future__ import annotations

import warnings

import numpy as np
import tt_tensor
from tt_tensor import selection
from tt_tensor.caller import user_stacklevel
from tt_tensor.checks import check_bool, check_count, normalize_dim
from tt_tensor.tensor import SortResult, operand

from .functions.reductions import TakeAlongDimFunction
from .functions.selection import DiagFunction, EinsumFunction, RollFunction, ScatterFunction


class SelectionGradMixin(tt_tensor.Tensor):
    """The differentiable ordering, rolling, scattering and einsum methods."""

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> SortResult:
        check_bool("sort", "stable", stable)  # (every sort here is stable)
        descending = check_bool("sort", "descending", descending)
        indices = selection.argsort(self.array, dim, descending)
        return SortResult(self._take(indices, dim), self.from_array(indices).detach())

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> SortResult:  # noqa: A002
        k = check_count("topk", "k", k, minimum=None)
        indices = selection.topk(self.array, k, dim, largest, sorted)[1]
        return SortResult(self._take(indices, dim), self.from_array(indices).detach())

    def _take(self, indices: np.ndarray, dim: int):
        axis = normalize_dim("sort", dim, self.ndim)
        return TakeAlongDimFunction.apply(self, indices=indices, dim=axis, keepdim=True)

    def roll(self, shifts, dims=None):
        for shift in shifts if isinstance(shifts, (list, tuple)) else [shifts]:
            check_count("roll", "shifts", shift, minimum=None)
        return RollFunction.apply(self, shifts=shifts, dims=dims)

    def diag(self, diagonal: int = 0):
        return DiagFunction.apply(self, diagonal=check_count("diag", "diagonal", diagonal, minimum=None))

    def outer(self, vec2):
        shape = tuple(vec2.shape) if isinstance(vec2, tt_tensor.Tensor) else np.shape(operand(vec2))
        if self.ndim != 1 or len(shape) != 1:  # (a tensor's own shape: one sample's inside vmap)
            raise RuntimeError(f"outer: expected two 1-D tensors, got shapes {self.shape} and {shape}")
        return self.unsqueeze(1) * (
            vec2.unsqueeze(0) if isinstance(vec2, tt_tensor.Tensor) else operand(vec2)
        )

    def masked_select(self, mask):
        mask_array = np.asarray(operand(mask))
        selection.masked_select(self.array, mask_array)  # checks dtype and shapes with a clear message
        shape = np.broadcast_shapes(self.shape, mask_array.shape)
        source = self if self.shape == shape else self.expand(*shape)
        return source[np.broadcast_to(mask_array, shape)]

    def scatter(
        self, dim: int, index, src: object = None, *, value: object = None, reduce: str | None = None
    ):
        if (src is None) == (value is None):
            raise TypeError("scatter: give exactly one of src (a tensor or number) and value= (a number)")
        source = src if isinstance(src, tt_tensor.Tensor) else operand(src if value is None else value)
        if isinstance(source, tt_tensor.Tensor):  # (a number is cast; a tensor must match, as PyTorch)
            self._same_dtype("scatter", "src", source)
        if reduce is not None:
            return self._scatter_reduced(dim, index, source, reduce)
        return ScatterFunction.apply(self, _index(index), source, dim=dim, add=False)

    def _scatter_reduced(self, dim: int, index, source: object, reduce: str):
        """PyTorch's deprecated ``scatter(..., reduce=)``: ``scatter_reduce`` with ``"sum"``/``"prod"``,
        including ``self``. PyTorch warns for a tensor ``src`` and has no gradient; this one has
        ``scatter_reduce``'s (a superset: the same values)."""
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"scatter: reduce argument must be either add or multiply, got {reduce!r}")
        if isinstance(source, tt_tensor.Tensor):
            warnings.warn(
                "scatter: the reduce argument with a tensor src is deprecated (PyTorch's too); use "
                "scatter_reduce(dim, index, src, 'sum' or 'prod') instead",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        else:
            index_shape = np.shape(_index(index))
            source = type(self).from_array(np.full(index_shape, source, dtype=self.array.dtype))
        return self.scatter_reduce(dim, index, source, {"add": "sum", "multiply": "prod"}[reduce])

    def scatter_add(self, dim: int, index, src):
        self._same_dtype("scatter_add", "src", src)
        return ScatterFunction.apply(self, _index(index), src, dim=dim, add=True)

    @classmethod
    def _einsum(cls, equation: str, operands: list):
        arrays = [t if isinstance(t, tt_tensor.Tensor) else np.asarray(operand(t)) for t in operands]
        return EinsumFunction.apply(*arrays, equation=equation)


def _index(index: object) -> object:
    """An index operand: a tensor as it is (inside vmap it may be batched), anything else as NumPy's."""
    return index if isinstance(index, tt_tensor.Tensor) else operand(index)
