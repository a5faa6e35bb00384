"""PyTorch's index and scatter methods beyond the exercises: ``index_add``, ``unfold``, ...

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py`` to keep that file one sitting
long). ``__all__`` lists the ``torch.<name>`` function forms defined here (the top level picks
them up through ``tt_autograd``).

Writes at positions (``index_add``, ``index_put``, ``put``, ``masked_scatter``, the ``*_scatter``
methods) are one Function, ``PutFunction``, with each method's NumPy key; ``scatter_reduce`` and
``index_reduce`` are ``ScatterReduceFunction`` (``functions/index_extra.py``). The reshaping
methods (``unflatten``, ``unfold``, ``hsplit``, ``renorm``, ...) are composed from recorded ones.
The in-place forms compute the out-of-place result and write it into the tensor (a version bump),
which then takes the result's ``grad_fn``; a leaf that requires grad refuses, as in PyTorch.
Differences: ``unfold`` returns a copy (PyTorch: a view; the values and gradient are the same), and
``scatter_reduce`` also differentiates a ``src`` larger than ``index`` (PyTorch's backward refuses it).
"""

from __future__ import annotations

import numpy as np
import tt_tensor
from tt_tensor.checks import (
    NOT_GIVEN,
    check_count,
    check_number,
    check_same_dtype,
    check_tensor,
    normalize_dim,
    split_argument,
)
from tt_tensor.tensor import operand

from .functions.index_extra import PutFunction, ScatterReduceFunction
from .functions.strided import AsStridedFunction, UnfoldFunction
from .higher_order import sum_to
from .view_writes import mark_multi_output

__all__: list[str] = [
    "as_strided",
    "index_add",
    "index_copy",
    "index_fill",
    "index_put",
    "index_put_",
    "index_reduce",
    "scatter_reduce",
    "masked_scatter",
    "put",
    "select",
    "select_scatter",
    "slice_scatter",
    "diagonal_scatter",
    "unflatten",
    "split_with_sizes",
    "hsplit",
    "vsplit",
    "dsplit",
    "renorm",
    "unsafe_chunk",
    "unsafe_split",
    "unsafe_split_with_sizes",
]

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _values(value: object) -> object:
    """A tensor passes through (to be recorded); the rest becomes NumPy."""
    return value if isinstance(value, tt_tensor.Tensor) else operand(value)


def _shape(value: object) -> tuple:
    """A tensor's own shape (inside vmap a batched tensor's array has the batch dims too), else NumPy's."""
    return tuple(value.shape) if isinstance(value, tt_tensor.Tensor) else np.shape(operand(value))


def _looped(name: str, index: object, self: object, *args: object) -> object:
    """``self.<name>(*args)`` while a vmap runs with ``index`` batched (vmap's rule); else None."""
    return BATCHED_WRITE[0](name, index, self, *args) if BATCHED_WRITE else None


def _index(op: str, index: object, kinds: str = "iu") -> np.ndarray:
    array = np.asarray(operand(index))
    if array.dtype.kind not in kinds:
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {array.dtype}")
    return array


class IndexExtraGradMixin(tt_tensor.Tensor):
    """See the module docstring."""

    # ----------------------------------------------------------------- helpers
    def _write(self, op: str, result: tt_tensor.Tensor) -> tt_tensor.Tensor:
        """Write ``result`` into this tensor (in place) through the one in-place path (``_adopt``)."""
        if not self.array.flags.writeable:
            raise RuntimeError(f"{op}: the tensor is read-only (an expanded view); clone() it first")
        return self._adopt(op, result)

    def _same_dtype(self, op: str, name: str, value: object) -> None:
        """``value`` must be a tensor (as PyTorch's ``source``/``src``/``values``) of this tensor's dtype."""
        check_same_dtype(op, self, check_tensor(op, value, name), name)

    def _along(self, op: str, dim: int, index: object, source: object, lowest: int = 0) -> tuple:
        """The key of ``index`` (1-D) along ``dim``, with ``source``'s shape checked against it; an index
        below 0 counts from the end when ``lowest`` is ``-size`` (``index_fill``'s rule)."""
        positions = _index(op, index)
        if positions.ndim > 1:
            raise IndexError(f"{op}: index must be 0-D or 1-D, got shape {positions.shape}")
        positions = positions.reshape(-1)
        axis = normalize_dim(op, dim, self.ndim)
        size = self.shape[axis]
        if positions.size and (positions.min() < lowest or positions.max() >= size):
            raise IndexError(f"{op}: index out of range for dim {axis} of size {size}: {positions.tolist()}")
        positions = positions % max(size, 1)
        if source is not None:
            expected = self.shape[:axis] + (positions.size,) + self.shape[axis + 1 :]
            shape = _shape(source)
            if shape != tuple(expected):
                raise RuntimeError(
                    f"{op}: source of shape {shape} does not match {expected} "
                    f"(self's shape with dim {axis} the index's length)"
                )
        return (slice(None),) * axis + (positions,)

    def _scalar(self, op: str, *args, **kwargs) -> tt_tensor.Tensor:
        """``method`` on this 0-d tensor as 1-D (PyTorch treats a scalar as one element along dim 0)."""
        return getattr(self.reshape(1), op)(*args, **kwargs).reshape(())

    # ----------------------------------------------------------------- as_strided
    def as_strided(self, size, stride, storage_offset: int | None = None):
        """A view of the storage with ``size`` and ``stride`` (tt-tensor's), recorded: the gradient scatters
        back to the storage positions (``functions/strided.py``)."""
        size = tuple(int(n) for n in ((size,) if isinstance(size, int) else size))
        stride = tuple(int(n) for n in ((stride,) if isinstance(stride, int) else stride))
        offset = None if storage_offset is None else int(storage_offset)
        return AsStridedFunction.apply(self, size, stride, offset)

    # ----------------------------------------------------------------- index_*
    def index_add(self, dim: int, index, source, *, alpha: float = 1):
        """A copy with ``alpha * source`` added at ``index`` along ``dim`` (repeated indices add up)."""
        if BATCHED_INDEX_ADD:  # while a vmap runs, the index may be batched (tt_autograd._vmap_methods)
            return BATCHED_INDEX_ADD[0](self, dim, index, source, alpha)
        return self._index_add(dim, index, source, alpha)

    def _index_add(self, dim: int, index, source, alpha: float):
        if self.ndim == 0:
            return self._scalar("index_add", 0, _flat(index), _flat(source), alpha=alpha)
        self._same_dtype("index_add", "source", source)
        key = self._along("index_add", dim, index, source)
        values = source
        if alpha != 1:  # an integer tensor takes alpha's integer part, as PyTorch's kernel does
            values = values * (alpha if self.dtype.is_floating_point else int(alpha))
        return PutFunction.apply(self, values, key=key, accumulate=True)

    def index_copy(self, dim: int, index, source):
        """A copy with ``source``'s slices written at ``index`` along ``dim``."""
        if (looped := _looped("index_copy", index, self, dim, index, source)) is not None:
            return looped
        if self.ndim == 0:
            return self._scalar("index_copy", 0, _flat(index), _flat(source))
        self._same_dtype("index_copy", "source", source)
        key = self._along("index_copy", dim, index, source)
        return PutFunction.apply(self, source, key=key, accumulate=False)

    def index_fill(self, dim: int, index, value):
        """A copy with the slices at ``index`` along ``dim`` set to ``value``."""
        if (looped := _looped("index_fill", index, self, dim, index, value)) is not None:
            return looped
        if self.ndim == 0:
            return self._scalar("index_fill", 0, _flat(index), value)
        if _shape(value) != ():
            raise RuntimeError(
                f"index_fill: value must be a number or a 0-d tensor, got shape {_shape(value)}"
            )
        if np.asarray(operand(index)).dtype != np.int64:
            raise IndexError(
                f"index_fill: index must be an int64 tensor, got {np.asarray(operand(index)).dtype}"
            )
        size = self.shape[normalize_dim("index_fill", dim, self.ndim)]
        key = self._along("index_fill", dim, index, None, lowest=-size)
        key = key[:-1] + (np.unique(key[-1]),)  # a position filled twice is one position (value's gradient)
        return PutFunction.apply(self, _values(value), key=key, accumulate=False)

    def index_put(self, indices, values, accumulate: bool = False):
        if (looped := _looped("index_put", indices, self, indices, values, accumulate)) is not None:
            return looped
        if not isinstance(indices, (tuple, list)):
            raise TypeError("index_put: indices must be a tuple of tensors")
        key = tuple(_index("index_put", i, "iub") for i in indices)
        spanned = sum(k.ndim if k.dtype.kind == "b" else 1 for k in key)  # a mask spans its own dims
        if spanned > self.ndim:
            raise IndexError(f"index_put: too many indices ({spanned} dims) for a tensor of {self.ndim} dims")
        self._same_dtype("index_put", "values", values)
        target = np.empty(self.shape, dtype=np.bool_)[key].shape  # (logical shapes: inside vmap too)
        try:
            np.broadcast_to(np.empty(_shape(values), dtype=bool), target)
        except ValueError:
            raise RuntimeError(
                f"index_put: values of shape {_shape(values)} do not broadcast to the indexed shape {target}"
            ) from None
        return PutFunction.apply(self, values, key=key, accumulate=bool(accumulate))

    def put(self, index, source, accumulate: bool = False):
        positions = _index("put", index).reshape(-1)
        if np.size(operand(source)) != positions.size:
            raise RuntimeError(
                f"put: source and index must have the same number of elements, got "
                f"{np.size(operand(source))} and {positions.size}"
            )
        self._same_dtype("put", "source", source)
        n = self.numel()
        if positions.size and (positions.min() < -n or positions.max() >= n):
            raise IndexError(f"put: index out of range for a tensor of {n} elements")
        values = _flat(source)
        out = PutFunction.apply(self.reshape(-1), values, key=(positions % max(n, 1),), accumulate=accumulate)
        return out.reshape(*self.shape)

    def masked_scatter(self, mask, source):
        mask_array = np.asarray(operand(mask))
        if mask_array.dtype != np.bool_:
            raise TypeError(f"masked_scatter: mask must be a bool tensor, got dtype {mask_array.dtype}")
        self._same_dtype("masked_scatter", "source", source)
        try:
            shape = np.broadcast_shapes(self.shape, mask_array.shape)
        except ValueError:
            raise RuntimeError(
                f"masked_scatter: mask of shape {mask_array.shape} does not broadcast with {self.shape}"
            ) from None
        base = self if tuple(self.shape) == shape else self.expand(*shape)
        mask_array = np.broadcast_to(mask_array, shape)
        count = int(mask_array.sum())
        if np.size(operand(source)) < count:
            raise RuntimeError(
                f"masked_scatter: source has {np.size(operand(source))} elements, fewer than the {count} "
                "true elements of the mask"
            )
        values = _flat(source)[:count]
        return PutFunction.apply(base, values, key=(mask_array,), accumulate=False)

    # ----------------------------------------------------------------- reductions at positions
    def scatter_reduce(self, dim: int, index, src, reduce: str, *, include_self: bool = True):
        """A copy with ``src`` reduced into it at ``index`` along ``dim`` (sum, prod, mean, amax, amin)."""
        if reduce not in _REDUCTIONS:
            raise RuntimeError(f"scatter_reduce: reduce must be one of {_REDUCTIONS}, got {reduce!r}")
        if not isinstance(src, tt_tensor.Tensor):
            raise TypeError(f"scatter_reduce: src must be a tensor, got {type(src).__name__}")
        self._same_dtype("scatter_reduce", "src", src)
        if reduce == "mean" and self.dtype == tt_tensor.bool:
            raise RuntimeError("scatter_reduce: reduce='mean' is not implemented for bool tensors")
        index_array = _index("scatter_reduce", index)
        axis = normalize_dim("scatter_reduce", dim, max(self.ndim, 1))
        if self.ndim == 0:
            return (
                self.reshape(1)
                .scatter_reduce(
                    0, index_array.reshape(-1), src.reshape(-1), reduce, include_self=include_self
                )
                .reshape(())
            )
        return ScatterReduceFunction.apply(
            self, index_array, src, dim=axis, reduce=reduce, include_self=bool(include_self)
        )

    def index_reduce(self, dim: int, index, source, reduce: str, *, include_self: bool = True):
        """A copy with ``source`` reduced into it at ``index`` along ``dim`` (prod, mean, amax, amin)."""
        if reduce not in _REDUCTIONS[1:]:
            raise RuntimeError(f"index_reduce: reduce must be one of {_REDUCTIONS[1:]}, got {reduce!r}")
        if not isinstance(source, tt_tensor.Tensor):
            raise TypeError(f"index_reduce: source must be a tensor, got {type(source).__name__}")
        if self.ndim == 0:
            return self._scalar(
                "index_reduce", 0, _flat(index), _flat(source), reduce, include_self=include_self
            )
        key = self._along("index_reduce", dim, index, source)
        axis = len(key) - 1
        shape = [1] * self.ndim
        shape[axis] = -1
        spread = np.broadcast_to(key[axis].reshape(shape), tuple(source.shape))
        return self.scatter_reduce(axis, spread, source, reduce, include_self=include_self)

    # ----------------------------------------------------------------- select and *_scatter
    def select(self, dim: int, index: int):
        """The slice at ``index`` along ``dim``, that dimension dropped (a view)."""
        return self[self._select_key("select", dim, index)]

    def _select_key(self, op: str, dim: int, index: int) -> tuple:
        if self.ndim == 0:
            raise IndexError(f"{op}: cannot be applied to a 0-dim tensor")
        axis = normalize_dim(op, dim, self.ndim)
        size = self.shape[axis]
        if not -size <= int(index) < size:
            raise IndexError(f"{op}: index {index} out of range for dim {axis} of size {size}")
        return (slice(None),) * axis + (int(index) % size,)

    def _scatter_into(self, op: str, key: tuple, src) -> tt_tensor.Tensor:
        """``src`` written at ``key`` of a copy, in this dtype (the write casts it, as PyTorch's
        ``slice_scatter``, ``select_scatter``, ``diagonal_scatter``; a float into an integer truncates)."""
        check_tensor(op, src, "src")
        target = np.shape(self.array[key])
        if tuple(src.shape) != target:
            raise RuntimeError(f"{op}: src of shape {tuple(src.shape)} must have the slice's shape {target}")
        return PutFunction.apply(self, src, key=key, accumulate=False)

    def select_scatter(self, src, dim: int, index: int):
        """A copy with ``src`` written into the slice at ``index`` along ``dim``."""
        return self._scatter_into("select_scatter", self._select_key("select_scatter", dim, index), src)

    def slice_scatter(self, src, dim: int = 0, start=None, end=None, step: int = 1):
        """A copy with ``src`` written into ``[start:end:step]`` along ``dim``."""
        if step <= 0:
            raise RuntimeError(f"slice_scatter: step must be positive, got {step}")
        axis = normalize_dim("slice_scatter", dim, self.ndim)
        key = (slice(None),) * axis + (slice(start, end, step),)
        return self._scatter_into("slice_scatter", key, src)

    def diagonal_scatter(self, src, offset: int = 0, dim1: int = 0, dim2: int = 1):
        d1, d2 = (normalize_dim("diagonal_scatter", d, self.ndim) for d in (dim1, dim2))
        if d1 == d2:
            raise RuntimeError(f"diagonal_scatter: dim1 and dim2 must differ, got {dim1} and {dim2}")
        rows, cols = self.shape[d1], self.shape[d2]
        length = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
        steps = np.arange(length)
        others = [d for d in range(self.ndim) if d not in (d1, d2)]
        last = len(others) + 1  # the key's arrays broadcast to (other dims..., diagonal)
        key = [None] * self.ndim
        for place, d in enumerate(others):
            key[d] = np.arange(self.shape[d]).reshape([-1 if i == place else 1 for i in range(last)])
        key[d1] = (steps + max(-offset, 0)).reshape([1] * (last - 1) + [-1])
        key[d2] = (steps + max(offset, 0)).reshape([1] * (last - 1) + [-1])
        return self._scatter_into("diagonal_scatter", tuple(key), src)

    # ----------------------------------------------------------------- shapes
    def unflatten(self, dim: int, sizes):
        axis = normalize_dim("unflatten", dim, self.ndim)
        sizes = [int(s) for s in sizes]
        if not sizes:
            raise RuntimeError("unflatten: sizes must be non-empty")
        known = int(np.prod([s for s in sizes if s != -1]))
        if sizes.count(-1) > 1:
            raise RuntimeError("unflatten: only one dimension can be inferred (-1)")
        if -1 in sizes:
            if known == 0 or self.shape[axis] % known:
                raise RuntimeError(
                    f"unflatten: cannot infer -1 in {sizes} for a dim of size {self.shape[axis]}"
                )
        elif known != self.shape[axis]:
            raise RuntimeError(
                f"unflatten: sizes {sizes} do not multiply to the size {self.shape[axis]} of dim {axis}"
            )
        return self.reshape(*self.shape[:axis], *sizes, *self.shape[axis + 1 :])

    def unfold(self, dimension: int, size: int, step: int):
        if step <= 0:
            raise RuntimeError(f"unfold: step must be positive, got {step}")
        if self.ndim == 0:
            if size > 1:
                raise RuntimeError(f"unfold: size ({size}) must be at most 1 for a 0-dim tensor")
            return self.reshape(1)
        axis = normalize_dim("unfold", dimension, self.ndim)
        length = self.shape[axis]
        if not 0 <= size <= length:
            raise RuntimeError(f"unfold: size ({size}) must be in [0, {length}] (the size of dim {axis})")
        return UnfoldFunction.apply(self, dim=axis, size=size, step=step)  # a view (functions/strided.py)

    def split_with_sizes(self, split_sizes, dim: int = 0):
        """Views of consecutive pieces along ``dim``, of the given sizes (they must add up to its size)."""
        if not isinstance(split_sizes, (tuple, list)):
            raise TypeError(
                f"split_with_sizes: split_sizes must be a list of ints, got {type(split_sizes).__name__}"
            )
        sizes = [check_count("split_with_sizes", "split_sizes", s) for s in split_sizes]
        return mark_multi_output(self.split(sizes, dim), "split_with_sizes")

    def unbind(self, dim: int = 0):
        return mark_multi_output(super().unbind(dim), "unbind")  # (views PyTorch refuses to write into)

    def unsafe_split(self, split_size, dim: int = 0):
        """``split`` whose pieces may be written in place (PyTorch's ``unsafe_split``). They are views
        here (PyTorch's are not): a recorded write into one rewrites the base's history."""
        return _writable(self.split(split_size, dim))

    def unsafe_chunk(self, chunks: int, dim: int = 0):
        """``chunk`` whose pieces may be written in place, as :meth:`unsafe_split`."""
        return _writable(self.chunk(chunks, dim))

    def unsafe_split_with_sizes(self, split_sizes, dim: int = 0):
        """``split_with_sizes`` whose pieces may be written in place, as :meth:`unsafe_split`."""
        return _writable(self.split_with_sizes(split_sizes, dim))

    def _split_by(self, op: str, minimum: int, dim: int, value, sections, indices):
        if self.ndim < minimum:
            raise RuntimeError(f"{op}: needs a tensor with at least {minimum} dim(s), got {self.ndim}")
        spec = split_argument(op, value, sections=sections, indices=indices)
        if isinstance(spec, int):
            size = self.shape[dim]
            if spec <= 0 or size % spec:
                raise RuntimeError(f"{op}: dim {dim} of size {size} does not split into {spec} equal parts")
        return self.tensor_split(spec, dim)

    def hsplit(self, indices_or_sections=NOT_GIVEN, /, *, sections=NOT_GIVEN, indices=NOT_GIVEN):
        """Split along dim 1 (dim 0 of a 1-d tensor): ``sections`` equal parts, or at ``indices``."""
        return self._split_by("hsplit", 1, 0 if self.ndim == 1 else 1, indices_or_sections, sections, indices)

    def vsplit(self, indices_or_sections=NOT_GIVEN, /, *, sections=NOT_GIVEN, indices=NOT_GIVEN):
        """Split along dim 0: ``sections`` equal parts, or at ``indices``."""
        return self._split_by("vsplit", 2, 0, indices_or_sections, sections, indices)

    def dsplit(self, indices_or_sections=NOT_GIVEN, /, *, sections=NOT_GIVEN, indices=NOT_GIVEN):
        """Split along dim 2: ``sections`` equal parts, or at ``indices``."""
        return self._split_by("dsplit", 3, 2, indices_or_sections, sections, indices)

    def narrow_copy(self, dim: int, start: int, length: int):
        """``narrow(dim, start, length)`` as a new tensor (not a view)."""
        return self.narrow(dim, start, length).clone()

    def sum_to_size(self, *size):
        """Summed over the dimensions broadcasting would have added or stretched, down to ``size``."""
        if not size:
            raise TypeError("sum_to_size: missing the size (ints, or one tuple of ints)")
        size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        size = tuple(check_count("sum_to_size", "size", s) for s in size)
        try:
            fits = len(size) <= self.ndim and np.broadcast_shapes(size, self.shape) == tuple(self.shape)
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(
                f"sum_to_size: size {list(size)} is not expandable to the tensor's {self.shape}"
            )
        return sum_to(self, size)

    # ----------------------------------------------------------------- renorm, fill_diagonal_
    def renorm(self, p: float, dim: int, maxnorm: float):
        """A copy whose slices along ``dim`` have ``p``-norm at most ``maxnorm`` (larger ones scaled down)."""
        if not self.dtype.is_floating_point:
            raise RuntimeError(f"renorm: needs a floating-point tensor, got {self.dtype}")
        if self.ndim < 2:
            raise RuntimeError(f"renorm: needs a tensor with at least 2 dims, got {self.ndim}")
        if p <= 0 or maxnorm < 0:
            raise RuntimeError(f"renorm: p must be positive and maxnorm non-negative, got {p} and {maxnorm}")
        axis = normalize_dim("renorm", dim, self.ndim)
        norms = self.norm(p, tuple(d for d in range(self.ndim) if d != axis), keepdim=True)
        factor = (maxnorm / (norms + 1e-7)).where(norms > maxnorm, 1.0)  # (a tensor mask: vmap batches it)
        return self * factor.to(self.dtype)

    def fill_diagonal_(self, fill_value, wrap: bool = False):
        check_number("fill_diagonal_", "fill_value", fill_value)
        if self.ndim < 2 or (self.ndim > 2 and len(set(self.shape)) != 1):
            raise RuntimeError(f"fill_diagonal_: needs 2 dims, or all dims of equal length, got {self.shape}")
        if self.ndim == 2:
            step, end = self.shape[1] + 1, None if wrap else self.shape[1] * self.shape[1]
        else:
            step, end = 1 + int(np.cumprod(self.shape[:-1]).sum()), None
        flat = np.arange(0, self.numel() if end is None else min(end, self.numel()), step)
        key = np.unravel_index(flat, self.shape)
        return self._write(
            "fill_diagonal_",
            PutFunction.apply(self, _values(fill_value), key=key, accumulate=False),
        )

    # ----------------------------------------------------------------- in-place forms
    def index_add_(self, dim: int, index, source, *, alpha: float = 1):
        """In-place :meth:`index_add`."""
        return self._write("index_add_", self.index_add(dim, index, source, alpha=alpha))

    def index_copy_(self, dim: int, index, source):
        """In-place :meth:`index_copy`."""
        return self._write("index_copy_", self.index_copy(dim, index, source))

    def index_fill_(self, dim: int, index, value):
        """In-place :meth:`index_fill`."""
        return self._write("index_fill_", self.index_fill(dim, index, value))

    def index_put_(self, indices, values, accumulate: bool = False):
        return self._write("index_put_", self.index_put(indices, values, accumulate))

    def put_(self, index, source, accumulate: bool = False):
        return self._write("put_", self.put(index, source, accumulate))

    def masked_scatter_(self, mask, source):
        return self._write("masked_scatter_", self.masked_scatter(mask, source))

    def scatter_reduce_(self, dim: int, index, src, reduce: str, *, include_self: bool = True):
        """In-place :meth:`scatter_reduce`."""
        result = self.scatter_reduce(dim, index, src, reduce, include_self=include_self)
        return self._write("scatter_reduce_", result)

    def index_reduce_(self, dim: int, index, source, reduce: str, *, include_self: bool = True):
        """In-place :meth:`index_reduce`."""
        result = self.index_reduce(dim, index, source, reduce, include_self=include_self)
        return self._write("index_reduce_", result)

    def renorm_(self, p: float, dim: int, maxnorm: float):
        """In-place :meth:`renorm`."""
        return self._write("renorm_", self.renorm(p, dim, maxnorm))


#: ``[indexed_write]`` while a vmap runs: index_copy/index_fill/index_put with a batched index
#: (tt_autograd._vmap_index_writes); empty otherwise.
BATCHED_WRITE: list = []
#: ``[index_add]`` while a vmap runs (a batched index goes through scatter_add); empty otherwise.
BATCHED_INDEX_ADD: list = []


def _flat(value: object) -> object:
    """``value`` flattened to 1-D (a tensor by its recorded reshape)."""
    if isinstance(value, tt_tensor.Tensor):
        return value.reshape(-1)
    return np.asarray(operand(value)).reshape(-1)


def _function_form(name: str):
    """``torch.<name>(input, ...)``: the method ``input.<name>(...)``, with a TypeError for a non-tensor."""

    def form(input, *args, **kwargs):  # noqa: A002
        return getattr(check_tensor(name, input), name)(*args, **kwargs)

    form.__name__ = form.__qualname__ = name
    form.__doc__ = f"``torch.{name}``: ``input.{name}(...)`` (see the Tensor method)."
    return form


as_strided = _function_form("as_strided")
index_add = _function_form("index_add")
index_copy = _function_form("index_copy")
index_fill = _function_form("index_fill")
index_put = _function_form("index_put")
index_put_ = _function_form("index_put_")
index_reduce = _function_form("index_reduce")
scatter_reduce = _function_form("scatter_reduce")
masked_scatter = _function_form("masked_scatter")
put = _function_form("put")
select = _function_form("select")
select_scatter = _function_form("select_scatter")
slice_scatter = _function_form("slice_scatter")
diagonal_scatter = _function_form("diagonal_scatter")
unflatten = _function_form("unflatten")
split_with_sizes = _function_form("split_with_sizes")
hsplit = _function_form("hsplit")
vsplit = _function_form("vsplit")
dsplit = _function_form("dsplit")
renorm = _function_form("renorm")
unsafe_chunk = _function_form("unsafe_chunk")
unsafe_split = _function_form("unsafe_split")
unsafe_split_with_sizes = _function_form("unsafe_split_with_sizes")


def _writable(pieces: tuple) -> tuple:
    """``pieces`` no longer marked as the outputs of a function returning several views."""
    for piece in pieces:
        del piece._multi_output
    return pieces
