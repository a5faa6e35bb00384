"""Indexing: the gradient of a selection flows back to the selected positions.

Basic indexing (ints, slices, None, ...) and boolean masks select each input
element at most once, so backward writes the gradient into a zero array.
Integer-array indexing may select an element several times (``x[[0, 0]]``);
then the contributions must add up, which ``np.add.at`` (scatter-add) does.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import indexing

from ..function import Function


def _has_integer_array(key: object) -> bool:
    parts = key if type(key) is tuple else (key,)
    return any(isinstance(k, np.ndarray) and k.dtype.kind in "iu" for k in parts)


class GetItemFunction(Function):
    @staticmethod
    def forward(ctx, a, key):
        # BEGIN SOLUTION 02
        ctx.shape, ctx.dtype, ctx.key = a.shape, a.dtype, key
        return indexing.getitem(a, key)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if _has_integer_array(ctx.key):
            np.add.at(out, ctx.key, grad)
        else:
            out[ctx.key] = grad
        return (out,)
        # END SOLUTION


class GatherFunction(Function):
    @staticmethod
    def forward(ctx, a, index, dim):
        # BEGIN SOLUTION 02
        ctx.shape, ctx.dim = a.shape, dim % max(a.ndim, 1)
        ctx.save_for_backward(index)
        return indexing.gather(a, dim, index)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        (index,) = ctx.saved_tensors
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        where = list(np.indices(index.shape, sparse=True))
        where[ctx.dim] = index
        np.add.at(out, tuple(where), grad)
        return (out, None)
        # END SOLUTION


class IndexSelectFunction(Function):
    @staticmethod
    def forward(ctx, a, index, dim):
        # BEGIN SOLUTION 02
        ctx.shape, ctx.dim = a.shape, dim % max(a.ndim, 1)
        ctx.save_for_backward(index)
        return indexing.index_select(a, dim, index)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        (index,) = ctx.saved_tensors
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(out, (slice(None),) * ctx.dim + (index,), grad)
        return (out, None)
        # END SOLUTION


class MaskedFillFunction(Function):
    @staticmethod
    def forward(ctx, a, mask, value):
        # BEGIN SOLUTION 02
        ctx.save_for_backward(mask)
        ctx.shape = a.shape
        return indexing.masked_fill(a, mask, value)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        (mask,) = ctx.saved_tensors
        out = np.where(mask, grad.dtype.type(0), grad)
        return (np.broadcast_to(out, ctx.shape) if out.shape != ctx.shape else out, None, None)
        # END SOLUTION


class TriangleFunction(Function):
    """``tril``/``triu``: the gradient keeps the same triangle."""

    @staticmethod
    def forward(ctx, a, op, diagonal):
        # BEGIN SOLUTION 02
        ctx.op, ctx.diagonal = op, diagonal
        return indexing.triangle(op, a, diagonal)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        return (indexing.triangle(ctx.op, grad, ctx.diagonal),)
        # END SOLUTION
