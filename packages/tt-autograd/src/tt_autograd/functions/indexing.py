"""Indexing: the gradient of a selection flows back to the selected positions.

Basic indexing (ints, slices, None, ...) and boolean masks select each input
element at most once, so backward writes the gradient into a zero array.
Integer-array indexing may select an element several times (``x[[0, 0]]``);
then the contributions must add up, which ``np.add.at`` (scatter-add) does.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import indexing

from ..forward_ad import result_of
from ..function import Function, _tensor_class, unbroadcast
from ..higher_order import sum_to
from ..view_writes import ViewOutput
from .arithmetic import negated


def _has_integer_array(key: object) -> bool:
    parts = key if type(key) is tuple else (key,)
    return any(isinstance(k, np.ndarray) and k.dtype.kind in "iu" for k in parts)


def index(x: object, key: object) -> object:
    """``x[key]`` with PyTorch's order of dims: ``GetItemFunction`` with NumPy's rules, then the broadcast
    dims of the index arrays moved where PyTorch puts them (:func:`tt_tensor.indexing.torch_axes`), by a
    recorded ``permute`` (a view), so backward moves the gradient back before the scatter."""
    key = indexing.key_of(key)
    out = GetItemFunction.apply(x, key=key)
    axes = indexing.torch_axes(key, x.ndim)
    return out if axes is None else out.permute(axes)


def written_value(value: object, key: object, ndim: int) -> object:
    """The value of PyTorch's ``t[key] = value`` (``key`` from ``key_of``, ``t`` of ``ndim`` dims) in
    NumPy's order of dims for ``PutFunction`` (:func:`tt_tensor.indexing.value_axes`); a tensor is
    moved by recorded ``reshape`` and ``permute``, so its gradient comes back in its own order."""
    if not hasattr(value, "permute"):
        return indexing.setitem_value(value, key, ndim)
    moved = indexing.value_axes(value.shape, key, ndim)
    return value if moved is None else value.reshape(moved[0]).permute(moved[1])


def along(index: np.ndarray, dim: int) -> tuple:
    """The integer-array key that picks ``index`` along ``dim`` (gather's positions): ``a[key]`` is
    ``gather(a, dim, index)``, and ``PlaceAtKeyFunction`` with it is gather's scatter-add backward."""
    where = list(np.indices(index.shape, sparse=True))
    where[dim] = index
    return tuple(where)


class GetItemFunction(ViewOutput, Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, key):
        # BEGIN SOLUTION 02
        # TODO: a[key] (module 01's getitem); remember a's shape, dtype and the key.
        ctx.shape, ctx.dtype, ctx.key = a.shape, a.dtype, key
        return indexing.getitem(a, key)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: zeros of a's shape with grad placed at key (§ How it is
        #   built, "Scatter-add for repeated indices").
        # HINT: with an integer-array key an index may repeat:
        #   np.add.at adds, plain assignment would overwrite.
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if _has_integer_array(ctx.key):
            np.add.at(out, ctx.key, grad)
        else:
            out[ctx.key] = grad
        return (out,)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        return (PlaceAtKeyFunction.apply(grad, shape=ctx.shape, key=ctx.key),)

    @staticmethod
    def jvp(ctx, tangent):
        return indexing.getitem(tangent, ctx.key)

    @staticmethod
    def graph_jvp(ctx, tangent):  # (a linear op: itself on the tangent, recorded)
        return GetItemFunction.apply(tangent, key=ctx.key)


class PlaceAtKeyFunction(Function):
    """``GetItemFunction``'s backward as an operation of its own: ``grad`` placed at ``key`` in zeros.

    The recorded backward of indexing (:mod:`tt_autograd.higher_order`); its own gradient is indexing.
    """

    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, grad, shape, key):
        ctx.shape, ctx.key = shape, key
        return GetItemFunction.backward(ctx, grad)[0]

    @staticmethod
    def backward(ctx, grad):
        return (indexing.getitem(grad, ctx.key),)

    @staticmethod
    def graph_backward(ctx, grad):
        return (GetItemFunction.apply(grad, key=ctx.key),)

    @staticmethod
    def jvp(ctx, tangent):  # (a linear op: itself on the tangent)
        return GetItemFunction.backward(ctx, tangent)[0]

    @staticmethod
    def graph_jvp(ctx, tangent):
        return PlaceAtKeyFunction.apply(tangent, shape=ctx.shape, key=ctx.key)


class GatherFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, index, dim):
        # BEGIN SOLUTION 02
        # TODO: gather along dim; save the index and remember a's shape and the (non-negative) dim.
        ctx.shape, ctx.dim = a.shape, dim % max(a.ndim, 1)
        ctx.save_for_backward(index)
        return indexing.gather(a, dim, index)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: zeros of a's shape with grad scatter-added at index along dim
        #   (np.put_along_axis would overwrite repeats: add them).
        (index,) = ctx.saved_tensors
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        where = list(np.indices(index.shape, sparse=True))
        where[ctx.dim] = index
        np.add.at(out, tuple(where), grad)
        return (out, None)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):  # a scatter-add recorded as PlaceAtKey, whose own gradient is gather
        (index,) = ctx.saved_tensors
        return (PlaceAtKeyFunction.apply(grad, shape=ctx.shape, key=along(index, ctx.dim)), None)

    @staticmethod
    def jvp(ctx, tangent, *_):
        return indexing.gather(tangent, ctx.dim, ctx.saved_tensors[0])


class IndexSelectFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, index, dim):
        # BEGIN SOLUTION 02
        # TODO: index_select along dim; save the index and remember a's shape and the (non-negative) dim.
        ctx.shape, ctx.dim = a.shape, dim % max(a.ndim, 1)
        ctx.save_for_backward(index)
        return indexing.index_select(a, dim, index)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: zeros of a's shape; np.add.at the grad's slices back at index along dim (indices may repeat).
        (index,) = ctx.saved_tensors
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(out, (slice(None),) * ctx.dim + (index,), grad)
        return (out, None)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):  # index_add, recorded as PlaceAtKey, whose own gradient is index_select
        (index,) = ctx.saved_tensors
        key = (slice(None),) * ctx.dim + (index,)
        return (PlaceAtKeyFunction.apply(grad, shape=ctx.shape, key=key), None)


class MaskedFillFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, mask, value):
        # BEGIN SOLUTION 02
        # TODO: masked_fill(a, mask, value); save the mask and a's shape.
        ctx.save_for_backward(mask)
        ctx.shape = a.shape
        return indexing.masked_fill(a, mask, value)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad with zeros where the mask is true (those elements were overwritten), in a's shape.
        # HINT: a mask with more dimensions than a broadcast a over them: sum those back (unbroadcast).
        (mask,) = ctx.saved_tensors
        return (unbroadcast(np.where(mask, grad.dtype.type(0), grad), ctx.shape), None, None)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return (sum_to(grad.where(negated(mask), 0.0), ctx.shape), None, None)

    @staticmethod
    def jvp(ctx, tangent, *_):  # zeros where value was written (value gets no gradient, nor a tangent)
        (mask,) = ctx.saved_tensors
        if tangent is None:
            return np.zeros(result_of(ctx).shape)
        return np.broadcast_to(np.where(mask, 0.0, tangent), result_of(ctx).shape)

    @staticmethod
    def graph_jvp(ctx, tangent, *_):
        (mask,) = ctx.saved_tensors
        if tangent is None:
            return _tensor_class().from_array(np.zeros(result_of(ctx).shape))
        return tangent.where(negated(mask), 0.0).expand(*result_of(ctx).shape)


class TriangleFunction(Function):
    """``tril``/``triu``: the gradient keeps the same triangle."""

    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, op, diagonal):
        # BEGIN SOLUTION 02
        # TODO: tril or triu of a (module 01's triangle); remember op and diagonal.
        ctx.op, ctx.diagonal = op, diagonal
        return indexing.triangle(op, a, diagonal)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: the same triangle of grad: the zeroed part gets no gradient.
        return (indexing.triangle(ctx.op, grad, ctx.diagonal),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        return (TriangleFunction.apply(grad, op=ctx.op, diagonal=ctx.diagonal),)
