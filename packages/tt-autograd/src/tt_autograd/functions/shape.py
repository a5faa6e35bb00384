"""Shape operations: their gradients move the gradient back into the input's layout.

Anything that keeps the elements in order (reshape, view, flatten, squeeze,
unsqueeze) is one ``ViewFunction`` whose backward is a reshape. Permutations undo
themselves with the inverse permutation; ``expand`` sums over the copies;
``cat`` and ``stack`` hand each input its slice of the gradient.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import shaping

from ..function import Function, unbroadcast


class ViewFunction(Function):
    """Any reshape-like op, given as the tt-tensor kernel that computes it."""

    @staticmethod
    def forward(ctx, a, kernel, args):
        # BEGIN SOLUTION 02
        ctx.shape = a.shape
        return kernel(a, *args)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        return (grad.reshape(ctx.shape),)
        # END SOLUTION


class PermuteFunction(Function):
    @staticmethod
    def forward(ctx, a, axes):
        # BEGIN SOLUTION 02
        ctx.axes = axes
        return a.transpose(axes)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        return (grad.transpose(np.argsort(ctx.axes)),)
        # END SOLUTION


class ExpandFunction(Function):
    @staticmethod
    def forward(ctx, a, sizes):
        # BEGIN SOLUTION 02
        ctx.shape = a.shape
        return shaping.expand(a, sizes)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        return (unbroadcast(grad, ctx.shape),)
        # END SOLUTION


class RepeatFunction(Function):
    """Tiling: the gradient of each input element sums over its copies."""

    @staticmethod
    def forward(ctx, a, sizes):
        # BEGIN SOLUTION 02
        ctx.shape = a.shape
        ctx.sizes = (
            tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)
        )
        return shaping.repeat(a, ctx.sizes)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        padded = (1,) * (len(ctx.sizes) - len(ctx.shape)) + ctx.shape
        split = [n for pair in zip(ctx.sizes, padded) for n in pair]
        summed = grad.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return (summed.reshape(ctx.shape),)
        # END SOLUTION


class FlipFunction(Function):
    @staticmethod
    def forward(ctx, a, axes):
        # BEGIN SOLUTION 02
        ctx.axes = axes
        return np.flip(a, axes)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        return (np.flip(grad, ctx.axes),)
        # END SOLUTION


class CatFunction(Function):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        # BEGIN SOLUTION 02
        out = shaping.cat(list(arrays), dim)
        ctx.axis = dim % out.ndim
        ctx.sizes = [a.shape[ctx.axis] for a in arrays]
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        return tuple(np.split(grad, np.cumsum(ctx.sizes)[:-1], axis=ctx.axis))
        # END SOLUTION


class StackFunction(Function):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        # BEGIN SOLUTION 02
        out = shaping.stack(list(arrays), dim)
        ctx.axis = dim % out.ndim
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        return tuple(np.moveaxis(grad, ctx.axis, 0))
        # END SOLUTION
