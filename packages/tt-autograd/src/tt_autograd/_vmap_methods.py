"""vmap: the methods a :class:`~tt_autograd.batched.BatchedTensor` answers itself.

tt-autograd's differentiable methods reach ``Function.apply``, where the batching
rules take over (:mod:`tt_autograd._vmap_rules`); tt-tensor's own methods work on
the array directly, so here each gets a batched form: element-wise ones
(comparisons, logic) align their operands, dim-taking ones (argmax, max(dim))
shift the dim, products (dot, mv, mm, bmm) check the logical ranks then matmul,
and every other tt-tensor method loops over the samples with a warning.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import tt_tensor
from tt_tensor.checks import normalize_dim
from tt_tensor.tensor import operand

from .batched import STATE, BatchedTensor, aligned, logical_ndim, per_sample, physical, union, wrap
from .tensor import Tensor


def _dim_method(name: str) -> Callable:
    """A method of tt-tensor taking ``dim`` (argmax, ...): the dim shifted past the batch dims."""
    original = getattr(Tensor, name)

    def method(self, dim: Any = None, *args: Any, **kwargs: Any) -> Any:
        if STATE.physical:
            return original(self, dim, *args, **kwargs)
        lead, ndim = len(self._levels), self.ndim
        with physical():
            if dim is None:
                source = self.reshape(*self.array.shape[:lead], -1) if ndim else self.unsqueeze(-1)
                out = original(source, lead, *args, **kwargs)
            else:
                out = original(self, normalize_dim(name, dim, max(ndim, 1)) + lead, *args, **kwargs)
        if isinstance(out, tuple):
            return type(out)(*(wrap(o, self._levels) for o in out))
        return wrap(out, self._levels)

    return method


def _elementwise_method(name: str) -> Callable:
    """A tt-tensor element-wise method (comparisons, logic): operands aligned, then run physically."""
    original = getattr(Tensor, name)

    def method(self, *others: Any) -> Any:
        if STATE.physical:
            return original(self, *others)
        values = (self, *others)
        levels, sizes = union(values)
        ndim = max(logical_ndim(v) for v in values if isinstance(v, tt_tensor.Tensor))
        lined = [aligned(v, levels, sizes, ndim) if type(v) is BatchedTensor else v for v in values]
        with physical():
            out = original(*lined)
        return wrap(out, levels)

    return method


def _looping_method(name: str) -> Callable:
    original = getattr(Tensor, name)

    def method(self, *args: Any, **kwargs: Any) -> Any:
        if STATE.physical:
            return original(self, *args, **kwargs)
        return per_sample(f"Tensor.{name}", lambda *a, **k: original(*a, **k), (self, *args), kwargs)

    return method


def _getitem(self, key: Any) -> Any:
    if STATE.physical or not any(
        type(k) is BatchedTensor for k in (key if isinstance(key, tuple) else (key,))
    ):
        return Tensor.__getitem__(self, key)
    return per_sample("indexing with a batched index", Tensor.__getitem__, (self, key), {})


def _gather(self, dim: int, index: Any) -> Any:
    levels, sizes = union((self, index))
    ndim = self.ndim
    axis = normalize_dim("gather", dim, max(ndim, 1)) + len(levels)
    source = aligned(self, levels, sizes, ndim, expand=True)
    where = aligned(index, levels, sizes, ndim, expand=True) if type(index) is BatchedTensor else None
    with physical():
        if where is None:
            full = tuple(sizes[level] for level in levels) + tuple(index.shape)
            where = Tensor.from_array(np.ascontiguousarray(np.broadcast_to(np.asarray(operand(index)), full)))
        out = Tensor.gather(source, axis, where)
    return wrap(out, levels)


def _product(name: str, ranks: tuple) -> Callable:
    """dot, mv, mm, bmm: the ranks checked on the logical shapes, then matmul (which has a rule)."""

    def method(self, other: Any) -> Any:
        if STATE.physical:
            return getattr(Tensor, name)(self, other)
        other_rank = other.ndim if isinstance(other, tt_tensor.Tensor) else np.ndim(operand(other))
        if (self.ndim, other_rank) != ranks:
            other_shape = tuple(other.shape) if isinstance(other, tt_tensor.Tensor) else np.shape(other)
            raise RuntimeError(
                f"{name}: expected {ranks[0]}-D and {ranks[1]}-D tensors, got shapes {tuple(self.shape)} and "
                f"{other_shape}"
            )
        return self.matmul(other)

    return method


def _masked_fill(self, mask: Any, value: Any) -> Any:
    return tt_tensor.where(
        mask, value if isinstance(value, tt_tensor.Tensor) else self.new_full((), value), self
    )


ELEMENTWISE_METHODS = (
    "eq ne lt le gt ge __eq__ __ne__ __lt__ __le__ __gt__ __ge__ logical_and logical_or logical_xor "
    "logical_not __and__ __or__ __xor__ __invert__ isnan isinf isfinite isposinf isneginf signbit"
).split()
DIM_METHODS = "argmax argmin".split()
#: tt-tensor methods that read only metadata or build from batched values correctly.
SAFE = set(
    """is_floating_point is_complex is_signed element_size requires_grad_ type to _convert detach new_full
    new_zeros new_ones new_empty new_tensor __repr__ __str__ __format__ __init__ __setattr__ __hash__
    __getattribute__ __reduce__ __reduce_ex__ __sizeof__ __dir__ __init_subclass__ __subclasshook__ __new__
    __iter__ __contains__ __deepcopy__ __copy__ clone contiguous is_contiguous cpu cuda float double half
    int long bool bfloat16 byte short char __array_ufunc__ __class_getitem__ view_as reshape_as
    expand_as""".split()
)


def install() -> None:
    """Give :class:`BatchedTensor` its methods (once, on import of the vmap transform)."""
    own = BatchedTensor.__dict__
    for name in ELEMENTWISE_METHODS:
        if hasattr(Tensor, name):
            setattr(BatchedTensor, name, _elementwise_method(name))
    for name in DIM_METHODS:
        setattr(BatchedTensor, name, _dim_method(name))
    BatchedTensor.__getitem__ = _getitem
    BatchedTensor.gather = _gather
    BatchedTensor.take_along_dim = _looping_method("take_along_dim")
    BatchedTensor.masked_fill = _masked_fill
    for name, ranks in (("dot", (1, 1)), ("mv", (2, 1)), ("mm", (2, 2)), ("bmm", (3, 3))):
        setattr(BatchedTensor, name, _product(name, ranks))
    BatchedTensor.max = _extreme("max")
    BatchedTensor.min = _extreme("min")
    for name in dir(Tensor):
        attr = inspect.getattr_static(Tensor, name)
        if name in own or name in SAFE or name in BatchedTensor.__dict__ or not inspect.isfunction(attr):
            continue
        if attr.__module__.startswith("tt_tensor") and (
            not name.startswith("__") or name in ("__setitem__",)
        ):
            setattr(BatchedTensor, name, _looping_method(name))


def _extreme(op: str) -> Callable:
    original = getattr(Tensor, op)
    by_dim = _dim_method(op)

    def method(self, dim: Any = None, keepdim: bool = False) -> Any:
        if STATE.physical:
            return original(self, dim, keepdim) if dim is not None else original(self)
        if isinstance(dim, tt_tensor.Tensor):
            return self.maximum(dim) if op == "max" else self.minimum(dim)
        if dim is None:
            return getattr(self, "amax" if op == "max" else "amin")()
        return by_dim(self, dim, keepdim)

    return method
