"""Tensor methods that select elements: ``t[key]``, ``t[key] = value``, ``gather``, masks and triangles.

Keys follow PyTorch's rules (:mod:`tt_tensor.indexing`): ints, slices, ``None`` and ``...``
give views; integer tensors/lists/arrays and bool masks give copies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import indexing, versions
from ._base import TensorBase, operand
from .checks import check_sparse_grad

if TYPE_CHECKING:
    from .tensor import Tensor


class IndexingMixin(TensorBase):
    """Indexing and selection of :class:`Tensor`."""

    def __getitem__(self, key: object) -> Tensor:
        return self.from_array(indexing.index(self.array, indexing.key_of(key)))

    def __setitem__(self, key: object, value: object) -> None:
        key = indexing.key_of(key)
        indexing.check_value(self.array.dtype, key, value)
        indexing.setitem(self.array, key, indexing.setitem_value(operand(value), key, self.ndim))
        versions.bump(self.array)

    def gather(self, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
        """``out[i][j] = self[i][index[i][j]]`` along ``dim`` (``sparse_grad=True``, a sparse gradient, is
        refused: tt-autograd's gradients are dense)."""
        check_sparse_grad("gather", sparse_grad)
        return self.from_array(indexing.gather(self.array, dim, operand(index)))

    def index_select(self, dim: int, index: Tensor) -> Tensor:
        """Slices along ``dim`` picked by a 1-D integer index."""
        return self.from_array(indexing.index_select(self.array, dim, operand(index)))

    def masked_fill(self, mask: Tensor, value: float) -> Tensor:
        """A copy with ``value`` where ``mask`` is true."""
        return self.from_array(indexing.masked_fill(self.array, operand(mask), operand(value)))

    def tril(self, diagonal: int = 0) -> Tensor:
        """Lower triangle of the last two dims; the rest zeroed."""
        return self.from_array(indexing.triangle("tril", self.array, diagonal))

    def triu(self, diagonal: int = 0) -> Tensor:
        """Upper triangle of the last two dims; the rest zeroed."""
        return self.from_array(indexing.triangle("triu", self.array, diagonal))
