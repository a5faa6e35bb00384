"""Gradients of writing into a tensor at positions: ``index_add``, ``index_put``, ``scatter_reduce``, ...

Two Functions carry every method of ``_index_extra_methods.py``:

* ``PutFunction``: ``a`` with ``values`` (broadcast to ``a[key]``'s shape) written at a NumPy ``key``,
  or added there (``accumulate``, repeated positions adding up by ``np.add.at``). ``index_add``,
  ``index_copy``, ``index_fill``, ``index_put``, ``put``, ``masked_scatter`` and the ``*_scatter``
  methods are this Function with their own key. Its gradient is linear: ``a``'s is the output
  gradient, zeroed where values were written over (kept where they were added); ``values``' is the
  output gradient read at ``key`` (summed over what broadcasting stretched).
* ``ScatterReduceFunction``: ``scatter_reduce`` (and ``index_reduce``, its index repeated along the
  other dims) by ``np.<ufunc>.at``. Its gradients are PyTorch's (``scatter_reduce_backward``):
  ``mean`` divides by each position's count; ``amax``/``amin`` split the gradient evenly among the
  elements equal to the result (``self`` counted even when ``include_self=False``, as PyTorch does);
  ``prod`` divides the product by the element, with the product of the others where it is 0.
  They are written once, in tensor operations, and run without a graph for ``backward``.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import selection

from ..function import Function, _tensor_class, unbroadcast
from ..grad_mode import _state, no_grad
from ..higher_order import sum_to
from .indexing import GetItemFunction, PlaceAtKeyFunction

#: The ufunc that combines an element into a position, per reduction of ``scatter_reduce``.
_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def put(a: np.ndarray, key: tuple, values: object, accumulate: bool) -> np.ndarray:
    """A copy of ``a`` with ``values`` (broadcast; of ``a``'s dtype when added) written or added at key."""
    out = np.array(a, copy=True)  # (a 0-d gradient may come as a NumPy scalar: still an array)
    if accumulate:
        np.add.at(out, key, values)
    else:
        out[key] = values
    return out


class PutFunction(Function):
    """``a`` with ``values`` written (or, ``accumulate``, added) at ``key``."""

    complex_gradient = "conjugate"  # its rules are linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, values, key, accumulate):
        ctx.key, ctx.accumulate, ctx.values_shape = key, accumulate, np.shape(values)
        return put(a, key, values, accumulate)

    @staticmethod
    def backward(ctx, grad):
        need_a, need_values = ctx.needs_input_grad
        grad_a = grad if ctx.accumulate else put(grad, ctx.key, 0, False)
        grad_values = unbroadcast(np.asarray(grad[ctx.key]), ctx.values_shape) if need_values else None
        return (grad_a if need_a else None, grad_values)

    @staticmethod
    def graph_backward(ctx, grad):
        need_a, need_values = ctx.needs_input_grad
        grad_a = grad if ctx.accumulate else PutFunction.apply(grad, 0.0, key=ctx.key, accumulate=False)
        grad_values = None
        if need_values:
            grad_values = sum_to(GetItemFunction.apply(grad, key=ctx.key), ctx.values_shape)
        return (grad_a if need_a else None, grad_values)


def scatter_reduce(op, a, dim, index, src, reduce, include_self):
    """``a.scatter_reduce(dim, index, src, reduce, include_self=...)`` on arrays (``dim`` non-negative)."""
    where = selection.scatter_positions(op, a.shape, dim, index)
    values = selection.source_block(op, src, index)
    out = a.copy()
    if not include_self:
        out[where] = _identity(reduce, a.dtype)
    _UFUNCS[reduce].at(out, where, values)
    if reduce == "mean":
        counts = _counts(a.shape, where, include_self).astype(a.dtype)
        out = out / counts if a.dtype.kind == "f" else np.floor_divide(out, counts)
    return out


def _identity(reduce: str, dtype: np.dtype) -> object:
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype) if dtype.kind in "iu" else None
    if info is None:  # bool
        return reduce == "amin"
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    return info.min if reduce == "amax" else info.max


def _counts(shape: tuple, where: tuple, include_self: bool) -> np.ndarray:
    """How many elements each position of the result averages (at least 1)."""
    counts = np.full(shape, int(include_self), dtype=np.int64)
    np.add.at(counts, where, 1)
    return np.maximum(counts, 1)


class ScatterReduceFunction(Function):
    """``scatter_reduce`` of ``a`` by ``src`` at ``index`` along ``dim`` (non-negative)."""

    @staticmethod
    def forward(ctx, a, index, src, dim, reduce, include_self):
        ctx.dim, ctx.reduce, ctx.include_self, ctx.index = dim, reduce, include_self, index
        out = scatter_reduce("scatter_reduce", a, dim, index, src, reduce, include_self)
        ctx.save_for_backward(a, src, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, src, out = ctx.saved_tensors
        tensor = _tensor_class().from_array
        with no_grad():
            grads = _reduce_grads(ctx, tensor(grad), tensor(a), tensor(src), tensor(out))
        return tuple(None if g is None else g.array for g in grads)

    @staticmethod
    def graph_backward(ctx, grad):
        a, src, out = ctx.saved_tensors
        inputs = ctx.input_tensor(0, a), ctx.input_tensor(2, src)
        return _reduce_grads(ctx, grad, *inputs, ctx.output_tensor(out))


def _reduce_grads(ctx, grad, a, src, out):
    """PyTorch's ``scatter_reduce_backward`` in tensor operations: the gradients of ``a`` and ``src``."""
    dim, index, reduce = ctx.dim, ctx.index, ctx.reduce
    where = selection.scatter_positions("scatter_reduce", tuple(a.shape), dim, index)
    constant = _tensor_class().from_array
    corner = tuple(slice(0, n) for n in index.shape)
    src_shape = tuple(src.shape)
    if src_shape != index.shape:
        src = GetItemFunction.apply(src, key=corner)
    if reduce == "sum":
        grad_a, grad_src = grad, grad.gather(dim, index)
    elif reduce == "mean":
        counts = constant(_counts(tuple(a.shape), where, ctx.include_self).astype(grad.array.dtype))
        grad_a = grad / counts
        grad_src = grad_a.gather(dim, index)
    elif reduce == "prod":
        grad_a, grad_src = _prod_grads(ctx, grad, a, src, out, where)
    else:  # amax/amin: split evenly among the elements equal to the result
        a_is = (a.array == out.array).astype(grad.array.dtype)
        src_is = (src.array == out.array[where]).astype(grad.array.dtype)
        ties = a_is.copy()
        np.add.at(ties, where, src_is)
        shared = grad / constant(ties)
        grad_a, grad_src = shared * constant(a_is), shared.gather(dim, index) * constant(src_is)
    if not ctx.include_self:
        grad_a = grad_a.scatter(dim, index, value=0.0)
    if src_shape != index.shape:
        grad_src = PlaceAtKeyFunction.apply(grad_src, shape=src_shape, key=corner)
    needs = ctx.needs_input_grad
    return (grad_a if needs[0] else None, None, grad_src if needs[2] else None)


def _prod_grads(ctx, grad, a, src, out, where):
    """``prod``'s gradients: the product of the other elements, also where an element is 0."""
    dim, index, include_self = ctx.dim, ctx.index, ctx.include_self
    a_zero, src_zero = a.array == 0, src.array == 0
    masked_a = a.masked_fill(a_zero, 1.0)
    params = {"dim": dim, "reduce": "prod", "include_self": include_self}
    grad_a = grad * ScatterReduceFunction.apply(masked_a, index, src, **params) / masked_a
    zeros = np.zeros(tuple(a.shape), dtype=np.int64)
    np.add.at(zeros, where, src_zero)
    if _state.enabled and (zeros > 1).any():  # (a recorded backward: create_graph=True)
        raise RuntimeError(
            "scatter_reduce: double backward of reduce='prod' is not supported when a position gets more "
            "than one zero from src (as in PyTorch)"
        )
    single = src_zero & (zeros[where] == 1)  # the only zero of its position: the others' product
    others = ScatterReduceFunction.apply(a, index, src.masked_fill(single, 1.0), **params)
    by_division = (grad * out).gather(dim, index) / src.masked_fill(src_zero, 1.0)
    grad_src = (grad * others).gather(dim, index).where(single, by_division)
    return grad_a, grad_src
