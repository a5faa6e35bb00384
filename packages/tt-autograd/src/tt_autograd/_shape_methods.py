"""Recorded shape methods of :class:`~tt_autograd.Tensor`: ``reshape``, ``view``, ``permute``, ``split``, ...

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py`` to keep that
file one sitting long). Views go through ``ViewFunction`` with tt-tensor's shape
kernel; ``permute``/``transpose``, ``expand``, ``repeat`` and ``flip`` have their
own Functions; ``split``/``chunk`` are basic-indexing views of the input.
"""

from __future__ import annotations

import tt_tensor
from tt_tensor import shaping
from tt_tensor.checks import check_count, check_optional, dims_arg, normalize_dim, normalize_dims

from . import view_writes
from .functions.shape import ExpandFunction, FlipFunction, PermuteFunction, RepeatFunction, ViewFunction


class ShapeGradMixin(tt_tensor.Tensor):
    """The differentiable view, permutation, expansion and splitting methods."""

    def _view(self, kernel, *args: object) -> tt_tensor.Tensor:
        return ViewFunction.apply(self, kernel=kernel, args=args)

    def reshape(self, *shape: int) -> tt_tensor.Tensor:
        return self._view(shaping.reshape, shape)

    def view(self, *shape: int, dtype: object = None) -> tt_tensor.Tensor:
        if dtype is not None or (len(shape) == 1 and tt_tensor.dtypes.is_dtype_like(shape[0])):
            return super().view(*shape, dtype=dtype)  # the bytes as another dtype: no gradient (PyTorch's)
        return self._view(shaping.view, shape)

    def squeeze(self, *dim) -> tt_tensor.Tensor:
        dim = dims_arg("squeeze", dim, required=False)  # (ints one by one too: squeeze(0, 1), as PyTorch)
        return self._view(shaping.squeeze, check_optional("squeeze", "dim", dim, "an int or a tuple of ints"))

    def unsqueeze(self, dim: int) -> tt_tensor.Tensor:
        return self._view(shaping.unsqueeze, dim)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> tt_tensor.Tensor:
        return self._view(shaping.flatten, start_dim, end_dim)

    def transpose(self, dim0: int, dim1: int) -> tt_tensor.Tensor:
        if self.ndim < 2:
            return self._view(shaping.transpose, dim0, dim1)
        axes = list(range(self.ndim))
        d0, d1 = normalize_dim("transpose", dim0, self.ndim), normalize_dim("transpose", dim1, self.ndim)
        axes[d0], axes[d1] = axes[d1], axes[d0]
        return PermuteFunction.apply(self, axes=tuple(axes))

    def permute(self, *dims: int) -> tt_tensor.Tensor:
        shaping.permute(self.array, dims)  # validates dims with a clear error
        dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        return PermuteFunction.apply(self, axes=tuple(normalize_dim("permute", d, self.ndim) for d in dims))

    def expand(self, *sizes: int) -> tt_tensor.Tensor:
        return ExpandFunction.apply(self, sizes=sizes)

    def repeat(self, *sizes: int) -> tt_tensor.Tensor:
        return RepeatFunction.apply(self, sizes=sizes)

    def flip(self, *dims) -> tt_tensor.Tensor:
        axes = normalize_dims("flip", dims_arg("flip", dims), self.ndim, "dims")
        return FlipFunction.apply(self, axes=axes)

    def split(self, split_size, dim: int = 0) -> tuple[tt_tensor.Tensor, ...]:
        for size in split_size if isinstance(split_size, (list, tuple)) else [split_size]:
            check_count("split", "split_size", size, minimum=None)
        axis = normalize_dim("split", dim, self.ndim)
        points = [0, *shaping.split_points(self.shape[axis], split_size), self.shape[axis]]
        pieces = tuple(self[(slice(None),) * axis + (slice(a, b),)] for a, b in zip(points, points[1:]))
        return view_writes.mark_multi_output(pieces, "split")

    def chunk(self, chunks: int, dim: int = 0) -> tuple[tt_tensor.Tensor, ...]:
        if check_count("chunk", "chunks", chunks, minimum=None) <= 0:
            raise ValueError(f"chunk: number of chunks must be positive, got {chunks}")
        size = self.shape[normalize_dim("chunk", dim, self.ndim)]
        pieces = self.split([0] * chunks if size == 0 else -(-size // chunks), dim)  # (empty: chunks pieces)
        return view_writes.mark_multi_output(pieces, "chunk")
