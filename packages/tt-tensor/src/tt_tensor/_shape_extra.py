"""Tensor methods for more reshaping and picking: ``movedim``, ``tile``, ``rot90``, ``diagflat``, ...

Not course material (beyond module 01's exercises). Every method is a
composition of other methods (``permute``, ``expand``, ``repeat``, ``flip``,
``transpose``, ``index_select``, ``gather``, indexing), so a subclass that
records those (tt-autograd) differentiates these for free.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING

import numpy as np

from . import storage
from ._base import TensorBase, operand
from .checks import NOT_GIVEN, check_count, dims_arg, normalize_dim, split_argument

if TYPE_CHECKING:
    from .tensor import Tensor


def _dims(op: str, value: object) -> list[int]:
    """An int or a sequence of ints as a list (anything else refused by name)."""
    values = value if isinstance(value, (list, tuple)) else [value]
    return [check_count(op, "dims", v, minimum=None) for v in values]


def _repeat_counts(repeats: object) -> np.ndarray:
    """``repeat_interleave``'s counts, flat; non-negative integers, else a ``RuntimeError`` naming it."""
    counts = np.asarray(repeats).reshape(-1)
    if counts.dtype.kind not in "iu" or np.any(counts < 0):
        raise RuntimeError(f"repeat_interleave: repeats must be non-negative integers, got {counts.tolist()}")
    return counts


class ShapeExtraMixin(TensorBase):
    """More reshaping and picking methods of :class:`Tensor`."""

    def movedim(self, source: int | tuple[int, ...], destination: int | tuple[int, ...]) -> Tensor:
        """Move dims ``source`` to positions ``destination``; the others keep their order."""
        sources = [normalize_dim("movedim", d, self.ndim) for d in _dims("movedim", source)]
        targets = [normalize_dim("movedim", d, self.ndim) for d in _dims("movedim", destination)]
        if len(sources) != len(targets):
            raise RuntimeError(
                f"movedim: source and destination need as many dims, got {len(sources)} and {len(targets)}"
            )
        if len(set(sources)) != len(sources) or len(set(targets)) != len(targets):
            raise RuntimeError(f"movedim: repeated dim in source {source} or destination {destination}")
        rest = iter(d for d in range(self.ndim) if d not in sources)
        placed = dict(zip(targets, sources))
        order = [placed[i] if i in placed else next(rest) for i in range(self.ndim)]
        return self.permute(*order) if self.ndim else self

    moveaxis = movedim

    def as_strided(self, size, stride, storage_offset: int | None = None) -> Tensor:
        """A view of this tensor's storage with ``size`` and ``stride`` (in elements): ``torch.as_strided``.

        ``storage_offset`` defaults to this tensor's own (``storage.py`` says what the storage is).
        Elements may repeat (overlapping strides); writes to the view reach the storage.
        """
        size, stride = _int_tuple("as_strided", "size", size), _int_tuple("as_strided", "stride", stride)
        offset = None if storage_offset is None else int(storage_offset)
        return self.from_array(storage.as_strided_view(self.array, size, stride, offset))

    def storage_offset(self) -> int:
        """How many elements into its storage this tensor's first element sits (0 unless a view)."""
        return storage.storage_of(self.array)[1]

    def data_ptr(self) -> int:
        """The memory address of the first element (equal for tensors that share it)."""
        return self.array.__array_interface__["data"][0]

    def broadcast_to(self, *size: int | tuple[int, ...]) -> Tensor:
        """``self`` stretched to ``size`` by broadcasting (``expand``; -1 keeps a size): a tuple, or the
        sizes one by one (``broadcast_to(2, 3)``, as PyTorch's method)."""
        if not size:
            raise TypeError("broadcast_to() missing 1 required positional argument: 'size'")
        return self.expand(*size)

    def tile(self, *dims: int | tuple[int, ...]) -> Tensor:
        """Repeat ``self`` ``dims[i]`` times along each dim; missing leading counts are 1 (``np.tile``).

        ``dims`` is a tuple, or the counts one by one (``tile(2, 2)``), as PyTorch.
        """
        counts = _dims("tile", dims_arg("tile", dims))
        counts = [1] * (self.ndim - len(counts)) + counts
        return self.repeat(*counts)

    def repeat_interleave(
        self, repeats: object = None, dim: int | None = None, *, output_size=None
    ) -> Tensor:
        """Repeat each element ``repeats`` times (an int, or one count per element) along ``dim``.

        ``dim=None`` works on the flattened tensor. With no ``repeats``, ``self``
        holds the counts and the result is the repeated indices
        (``repeat_interleave(tensor([1, 2])) == tensor([0, 1, 1])``).
        """
        if repeats is None:
            counts = _repeat_counts(self.array)
            return self.from_array(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
        source = self.reshape(-1) if dim is None else self
        axis = 0 if dim is None else normalize_dim("repeat_interleave", dim, self.ndim)
        length = source.shape[axis] if source.ndim else 1
        counts = _repeat_counts(operand(repeats))
        if counts.size not in (1, length):
            raise RuntimeError(
                f"repeat_interleave: repeats must have one count or one per element ({length}), "
                f"got {counts.size}"
            )
        index = np.repeat(np.arange(length), counts)
        if output_size is not None and index.size != output_size:
            raise RuntimeError(
                f"repeat_interleave: output_size {output_size} but the result has {index.size}"
            )
        return source.index_select(axis, self.from_array(index))

    def rot90(self, k: int = 1, dims: tuple[int, int] = (0, 1)) -> Tensor:
        """Rotate by 90 degrees ``k`` times in the plane ``dims``, from the first dim toward the second."""
        k = check_count("rot90", "k", k, minimum=None)
        if len(dims) != 2:
            raise RuntimeError(f"rot90: expected two dims, got {dims}")
        first, second = (normalize_dim("rot90", d, self.ndim) for d in dims)
        if first == second:
            raise RuntimeError(f"rot90: the two dims must differ, got {dims}")
        turns = k % 4
        if turns == 0:
            return self.clone()
        if turns == 2:
            return self.flip((first, second))
        flipped = self.flip(second if turns == 1 else first)
        return flipped.transpose(first, second)

    def flipud(self) -> Tensor:
        """Reverse dim 0 (``flip(0)``): rows upside down."""
        if self.ndim < 1:
            raise RuntimeError("flipud: Input must be >= 1-d, got a 0-d tensor")
        return self.flip(0)

    def fliplr(self) -> Tensor:
        """Reverse dim 1 (``flip(1)``): columns left to right."""
        if self.ndim < 2:
            raise RuntimeError(f"fliplr: Input must be >= 2-d, got shape {self.shape}")
        return self.flip(1)

    def diagflat(self, offset: int = 0) -> Tensor:
        """A square matrix with the flattened ``self`` on its ``offset`` diagonal."""
        return self.reshape(-1).diag(check_count("diagflat", "offset", offset, minimum=None))

    def tensor_split(
        self,
        indices_or_sections: object = NOT_GIVEN,
        /,
        dim: int = 0,
        *,
        sections: object = NOT_GIVEN,
        indices: object = NOT_GIVEN,
        tensor_indices_or_sections: object = NOT_GIVEN,
    ) -> tuple[Tensor, ...]:
        """Split into ``n`` near-equal parts (an int: the first ``size % n`` one longer) or at indices.

        The split by position, or by PyTorch's keywords (:func:`~tt_tensor.checks.split_argument`).
        """
        axis = normalize_dim("tensor_split", dim, self.ndim)
        size = self.shape[axis]
        spec = split_argument(
            "tensor_split",
            indices_or_sections,
            sections=sections,
            indices=indices,
            tensor_indices_or_sections=tensor_indices_or_sections,
        )
        if isinstance(spec, int):
            if spec <= 0:
                raise RuntimeError(f"tensor_split: number of sections must be positive, got {spec}")
            lengths = [size // spec + (i < size % spec) for i in range(spec)]
            points = np.cumsum([0, *lengths]).tolist()
        else:
            points = [0, *spec, size]
        lead = (slice(None),) * axis
        bounds = [min(max(p if p >= 0 else p + size, 0), size) for p in points]
        return tuple(
            self[lead + (slice(start, max(start, stop)),)] for start, stop in zip(bounds, bounds[1:])
        )

    def take(self, index: Tensor) -> Tensor:
        """Elements of the flattened ``self`` at ``index``; the result has ``index``'s shape."""
        positions = np.asarray(operand(index))
        if positions.dtype.kind not in "iu":
            raise TypeError(f"take: index must be an integer tensor, got dtype {positions.dtype}")
        if positions.size and (positions.max() >= self.numel() or positions.min() < -self.numel()):
            raise IndexError(f"take: index out of range for a tensor of {self.numel()} elements")
        return self.reshape(-1)[positions]

    def take_along_dim(self, indices: Tensor, dim: int | None = None) -> Tensor:
        """``gather`` along ``dim`` with ``self`` and ``indices`` broadcast over the other dims.

        ``dim=None`` flattens both first.
        """
        # Tensor operations on a tensor of indices (under a vmap of tt-autograd's, a batched one), whose
        # shape is its own; other indices become a tensor of this class (``type(self)``'s plain form).
        picks = (
            indices
            if isinstance(indices, TensorBase)
            else type(self).from_array(np.asarray(operand(indices)))
        )
        if dim is None:
            return self.reshape(-1).gather(0, picks.reshape(-1))
        axis = normalize_dim("take_along_dim", dim, self.ndim)
        if picks.ndim != self.ndim:
            raise RuntimeError(
                f"take_along_dim: input and indices need as many dims, got {self.ndim} and {picks.ndim}"
            )
        mine, theirs = list(self.shape), list(picks.shape)
        mine[axis] = theirs[axis] = 1
        common = np.broadcast_shapes(tuple(mine), tuple(theirs))
        source_shape = [*common[:axis], self.shape[axis], *common[axis + 1 :]]
        index_shape = [*common[:axis], picks.shape[axis], *common[axis + 1 :]]
        source = self if list(self.shape) == source_shape else self.expand(*source_shape)
        index = picks if list(picks.shape) == index_shape else picks.expand(*index_shape)
        return source.gather(axis, index)


def _int_tuple(op: str, name: str, values: object) -> tuple[int, ...]:
    if isinstance(values, int):
        values = (values,)
    try:
        return tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(f"{op}: {name} must be a sequence of ints, got {values!r}") from None
