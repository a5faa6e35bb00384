"""Tensor methods that rearrange elements: ``reshape``, ``view``, ``transpose``, ``permute``, ``split``, ...

Most return views sharing the tensor's storage (see ``shaping``); ``repeat``
and ``flip`` copy. Sizes may be given as ``t.reshape(2, 3)`` or
``t.reshape((2, 3))``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import shaping
from ._base import TensorBase
from .checks import check_optional, check_tensor, dims_arg, normalize_dim, normalize_dims
from .dtype_view import view_dtype
from .dtypes import dtype_argument, is_dtype_like

if TYPE_CHECKING:
    from .tensor import Tensor


class ShapeMixin(TensorBase):
    """Shape operations of :class:`Tensor`."""

    def reshape(self, *shape: int) -> Tensor:
        """Same elements, new shape (one size may be -1); a view when the layout allows, else a copy."""
        return self.from_array(shaping.reshape(self.array, shape))

    def view(self, *shape: int, dtype: object = None) -> Tensor:
        """Same elements, new shape, always sharing storage; refuses layouts that need a copy.

        ``view(dtype)`` (or ``dtype=``) reads the same bytes as another dtype instead (:mod:`.dtype_view`).
        """
        if dtype is None and len(shape) == 1 and is_dtype_like(shape[0]):
            dtype, shape = shape[0], ()
        if dtype is not None:
            if shape:
                raise TypeError(f"view: give a shape or a dtype, not both (got {shape} and {dtype})")
            return self.from_array(view_dtype(self.array, dtype_argument("view", dtype)))
        return self.from_array(shaping.view(self.array, shape))

    def view_as(self, other: Tensor) -> Tensor:
        """View with ``other``'s shape."""
        check_tensor("view_as", other, "other")
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        """Reshape to ``other``'s shape."""
        check_tensor("reshape_as", other, "other")
        return self.reshape(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dimensions ``start_dim..end_dim`` into one."""
        return self.from_array(shaping.flatten(self.array, start_dim, end_dim))

    def squeeze(self, *dim: int | tuple[int, ...]) -> Tensor:
        """Drop size-1 dimensions: all, or the given ones (an int, a tuple, or ints one by one as in
        ``squeeze(0, 1)``, as PyTorch's method; ``dim=None`` is refused, as PyTorch)."""
        dim = check_optional(
            "squeeze", "dim", dims_arg("squeeze", dim, required=False), "an int or a tuple of ints"
        )
        return self.from_array(shaping.squeeze(self.array, dim))

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a size-1 dimension at ``dim``."""
        return self.from_array(shaping.unsqueeze(self.array, dim))

    # ----------------------------------------------------------------- reordering dimensions
    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions (a view)."""
        return self.from_array(shaping.transpose(self.array, dim0, dim1))

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        """:meth:`transpose` by NumPy's names, ``axis0``/``axis1``, which PyTorch's ``swapaxes`` takes
        (``swapdims`` takes ``dim0``/``dim1``, as ``transpose``)."""
        return self.transpose(axis0, axis1)

    def t(self) -> Tensor:
        """Transpose a 2-D tensor (1-D and 0-D are returned as they are)."""
        if self.ndim > 2:
            raise RuntimeError(
                f"t: expects a tensor with <= 2 dimensions, got shape {self.shape}; use transpose"
            )
        return self.transpose(0, -1) if self.ndim == 2 else self

    @property
    def T(self) -> Tensor:  # noqa: N802  (PyTorch's name)
        """All dimensions reversed."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:  # noqa: N802
        """The last two dimensions swapped (batched matrix transpose)."""
        return self.transpose(-2, -1)

    def permute(self, *dims: int) -> Tensor:
        """Reorder the dimensions (a view)."""
        return self.from_array(shaping.permute(self.array, dims))

    def flip(self, *dims: int | tuple[int, ...]) -> Tensor:
        """Reverse the order of elements along ``dims`` (a tuple, or the dims one by one: ``flip(0, 1)``)."""
        axes = normalize_dims("flip", dims_arg("flip", dims), self.ndim, "dims")
        return self.from_array(np.flip(self.array, axes))

    # ----------------------------------------------------------------- broadcasting and tiling
    def expand(self, *sizes: int) -> Tensor:
        """Broadcast size-1 dimensions to ``sizes`` without copying (-1 keeps a size); read-only."""
        return self.from_array(shaping.expand(self.array, sizes))

    def expand_as(self, other: Tensor) -> Tensor:
        """Expand to ``other``'s shape."""
        check_tensor("expand_as", other, "other")
        return self.expand(*other.shape)

    def repeat(self, *sizes: int) -> Tensor:
        """Tile the tensor ``sizes[i]`` times along each dimension (copies)."""
        return self.from_array(shaping.repeat(self.array, sizes))

    # ----------------------------------------------------------------- pieces
    def split(self, split_size: int | list[int], dim: int = 0) -> tuple[Tensor, ...]:
        """Consecutive pieces along ``dim``: of a given size, or of the listed sizes (``split_size``,
        PyTorch's method's name; ``torch.split`` calls it ``split_size_or_sections``)."""
        return tuple(self.from_array(p) for p in shaping.split(self.array, split_size, dim))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """``chunks`` nearly equal pieces along ``dim``."""
        return tuple(self.from_array(p) for p in shaping.chunk(self.array, chunks, dim))

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """All slices along ``dim``, with that dimension removed."""
        return tuple(p.squeeze(dim) for p in self.split(1, dim))

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """``self[..., start:start + length, ...]`` along ``dim``: a view, by indexing (so it is recorded)."""
        axis = normalize_dim("narrow", dim, self.ndim)
        size = self.shape[axis]
        start = start + size if start < 0 else start
        if not (0 <= start <= size and 0 <= length <= size - start):
            raise IndexError(
                f"narrow: start ({start}) + length ({length}) exceeds dimension {axis} of size {size}"
            )
        return self[(slice(None),) * axis + (slice(start, start + length),)]
