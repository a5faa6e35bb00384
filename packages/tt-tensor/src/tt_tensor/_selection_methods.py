"""Tensor methods that order, move and scatter elements: ``sort``, ``topk``, ``roll``, ``scatter_add``, ...

The kernels live in ``selection.py``; ``sort``/``topk`` return
``(values, indices)`` named tuples like ``torch.return_types``.
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from . import selection
from ._base import TensorBase, operand
from .checks import check_bool, check_same_dtype

if TYPE_CHECKING:
    from .tensor import Tensor

#: What ``sort`` and ``topk`` return: ``.values`` and ``.indices`` (int64), as ``torch.return_types``.
SortResult = namedtuple("SortResult", ["values", "indices"])


class SelectionMixin(TensorBase):
    """Ordering, rolling and scattering methods of :class:`Tensor`."""

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> SortResult:
        """``(values, indices)`` sorted along ``dim`` (always stable). Cost: O(n log n) per slice."""
        check_bool("sort", "stable", stable)  # (every sort here is stable)
        descending = check_bool("sort", "descending", descending)
        values, indices = selection.sort(self.array, dim, descending)
        return SortResult(self.from_array(values), self.from_array(indices))

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        """The int64 indices that sort along ``dim``."""
        check_bool("argsort", "stable", stable)  # (every sort here is stable)
        descending = check_bool("argsort", "descending", descending)
        return self.from_array(selection.argsort(self.array, dim, descending))

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> SortResult:  # noqa: A002
        """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) along ``dim``."""
        values, indices = selection.topk(self.array, k, dim, largest, sorted)
        return SortResult(self.from_array(values), self.from_array(indices))

    def roll(self, shifts, dims=None) -> Tensor:
        """Shift circularly by ``shifts`` along ``dims`` (all elements, flattened, when None)."""
        return self.from_array(selection.roll(self.array, shifts, dims))

    def diag(self, diagonal: int = 0) -> Tensor:
        """1-D: the square matrix with this on its ``diagonal``; 2-D: that diagonal."""
        return self.from_array(selection.diag(self.array, diagonal))

    def outer(self, vec2: Tensor) -> Tensor:
        """Outer product of two 1-D tensors: ``out[i, j] = self[i] * vec2[j]``."""
        other = np.asarray(operand(vec2))
        if self.ndim != 1 or other.ndim != 1:
            raise RuntimeError(f"outer: expected two 1-D tensors, got shapes {self.shape} and {other.shape}")
        return self.from_array(np.multiply.outer(self.array, other))

    ger = outer

    def masked_select(self, mask: Tensor) -> Tensor:
        """The elements where the bool ``mask`` (broadcast) is true, as a 1-D tensor."""
        return self.from_array(selection.masked_select(self.array, np.asarray(operand(mask))))

    def scatter(
        self, dim: int, index: Tensor, src: object = None, *, value: object = None, reduce=None
    ) -> Tensor:
        """A copy with ``src`` (a tensor, or the scalar ``value``) written at ``index`` along ``dim``; with
        PyTorch's ``reduce`` (``"add"``, ``"multiply"``), added or multiplied in (repeats accumulate)."""
        source = _source("scatter", check_same_dtype("scatter", self, src), value)
        return self.from_array(selection.scatter(self.array, dim, operand(index), source, reduce=reduce))

    def scatter_add(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """A copy with ``src`` added at ``index`` along ``dim`` (repeated indices accumulate)."""
        source = operand(check_same_dtype("scatter_add", self, src))
        return self.from_array(selection.scatter(self.array, dim, operand(index), source, add=True))

    def scatter_(
        self, dim: int, index: Tensor, src: object = None, *, value: object = None, reduce=None
    ) -> Tensor:
        """In-place :meth:`scatter`."""
        return self.copy_(self.scatter(dim, index, src, value=value, reduce=reduce))

    def scatter_add_(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """In-place :meth:`scatter_add`."""
        return self.copy_(self.scatter_add(dim, index, src))

    def multinomial(self, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
        """Draw ``num_samples`` category indices per row, weighted by this tensor (see ``tt.multinomial``)."""
        from .creation import multinomial  # creation imports the Tensor class this mixin is part of

        return self.from_array(multinomial(self, num_samples, replacement, generator=generator).array)

    @classmethod
    def _einsum(cls, equation: str, operands: list) -> Tensor:
        """``einsum`` for this class; a subclass overrides it to record the op."""
        return cls.from_array(selection.einsum(equation, [np.asarray(operand(t)) for t in operands]))


def _source(op: str, src: object, value: object) -> object:
    if (src is None) == (value is None):
        raise TypeError(f"{op}: give exactly one of src (a tensor or number) and value= (a number)")
    return operand(src if value is None else value)
