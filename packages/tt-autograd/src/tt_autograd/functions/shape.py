"""Shape operations: their gradients move the gradient back into the input's layout.

Anything that keeps the elements in order (reshape, view, flatten, squeeze,
unsqueeze) is one ``ViewFunction`` whose backward is a reshape. Permutations undo
themselves with the inverse permutation; ``expand`` sums over the copies;
``cat`` and ``stack`` hand each input its slice of the gradient.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import shaping

from ..forward_ad import result_of
from ..function import Function, unbroadcast
from ..higher_order import sum_to
from ..view_writes import ViewOutput


class ViewFunction(ViewOutput, Function):
    """Any reshape-like op, given as the tt-tensor kernel that computes it."""

    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, kernel, args):
        # BEGIN SOLUTION 02
        # TODO: apply the shape kernel (reshape, view, flatten, squeeze, ...); remember a's shape.
        ctx.shape = a.shape
        return kernel(a, *args)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad reshaped back to a's shape.
        return (grad.reshape(ctx.shape),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        return (grad.reshape(ctx.shape),)

    @staticmethod
    def jvp(ctx, tangent):  # the elements keep their order: the tangent takes the output's shape
        return tangent.reshape(result_of(ctx).shape)

    @staticmethod
    def graph_jvp(ctx, tangent):  # (a linear op: itself on the tangent, recorded)
        return tangent.reshape(*result_of(ctx).shape)


class PermuteFunction(ViewOutput, Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, axes):
        # BEGIN SOLUTION 02
        # TODO: a with its axes permuted; remember the permutation.
        ctx.axes = axes
        return a.transpose(axes)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad permuted back with the inverse permutation (np.argsort of the axes).
        return (grad.transpose(np.argsort(ctx.axes)),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        return (grad.permute(*(int(axis) for axis in np.argsort(ctx.axes))),)

    @staticmethod
    def jvp(ctx, tangent):
        return tangent.transpose(ctx.axes)

    @staticmethod
    def graph_jvp(ctx, tangent):
        return tangent.permute(*(int(axis) for axis in ctx.axes))


class ExpandFunction(ViewOutput, Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, sizes):
        # BEGIN SOLUTION 02
        # TODO: a broadcast to sizes (module 01's expand); remember a's shape.
        ctx.shape = a.shape
        return shaping.expand(a, sizes)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: unbroadcast grad to a's shape.
        return (unbroadcast(grad, ctx.shape),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        return (sum_to(grad, ctx.shape),)

    @staticmethod
    def jvp(ctx, tangent):
        return np.broadcast_to(tangent, result_of(ctx).shape)

    @staticmethod
    def graph_jvp(ctx, tangent):
        return tangent.expand(*result_of(ctx).shape)


class RepeatFunction(Function):
    """Tiling: the gradient of each input element sums over its copies."""

    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, sizes):
        # BEGIN SOLUTION 02
        # TODO: a tiled by sizes (a tuple or separate ints); remember a's shape and the sizes.
        ctx.shape = a.shape
        ctx.sizes = (
            tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)
        )
        return shaping.repeat(a, ctx.sizes)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: sum the copies: reshape grad to interleaved (repeat, size) pairs and sum over the repeat axes.
        # EXAMPLE: a (2, 3) repeated (2, 2): grad (4, 6) -> reshape (2, 2, 2, 3) -> sum axes 0 and 2 -> (2,
        #   3).
        padded = (1,) * (len(ctx.sizes) - len(ctx.shape)) + ctx.shape
        split = [n for pair in zip(ctx.sizes, padded) for n in pair]
        summed = grad.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return (summed.reshape(ctx.shape),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        padded = (1,) * (len(ctx.sizes) - len(ctx.shape)) + ctx.shape
        split = [n for pair in zip(ctx.sizes, padded) for n in pair]
        return (grad.reshape(*split).sum(dim=tuple(range(0, len(split), 2))).reshape(*ctx.shape),)

    @staticmethod
    def jvp(ctx, tangent):
        return shaping.repeat(tangent, ctx.sizes)


class FlipFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, axes):
        # BEGIN SOLUTION 02
        # TODO: a reversed along axes; remember them.
        ctx.axes = axes
        return np.flip(a, axes)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad reversed along the same axes.
        return (np.flip(grad, ctx.axes),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        return (grad.flip(ctx.axes),)

    @staticmethod
    def jvp(ctx, tangent):
        return np.flip(tangent, ctx.axes)


class CatFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        # BEGIN SOLUTION 02
        # TODO: concatenate along dim; remember the (non-negative) axis and each input's size along it.
        out = shaping.cat(list(arrays), dim)
        ctx.axis = dim % out.ndim
        ctx.sizes = [a.shape[ctx.axis] for a in arrays]
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad split at the cumulative sizes along the axis: one piece per input.
        return tuple(np.split(grad, np.cumsum(ctx.sizes)[:-1], axis=ctx.axis))
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        ends = np.cumsum([0, *ctx.sizes]).tolist()
        lead = (slice(None),) * ctx.axis
        return tuple(
            grad[lead + (slice(start, stop),)] if need else None
            for start, stop, need in zip(ends[:-1], ends[1:], ctx.needs_input_grad)
        )

    @staticmethod
    def jvp(ctx, *tangents):  # an input without tangent contributes zeros of its size
        return shaping.cat(_filled(tangents, ctx.axis, ctx.sizes), ctx.axis)

    @staticmethod
    def graph_jvp(ctx, *tangents):  # (a linear op: itself on the tangents, recorded)
        return CatFunction.apply(*_filled(tangents, ctx.axis, ctx.sizes), dim=ctx.axis)


class StackFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        # BEGIN SOLUTION 02
        # TODO: stack along a new dim; remember the (non-negative) axis.
        out = shaping.stack(list(arrays), dim)
        ctx.axis = dim % out.ndim
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: one slice of grad along the stacking axis per input (np.moveaxis to the front, then unpack).
        return tuple(np.moveaxis(grad, ctx.axis, 0))
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        lead = (slice(None),) * ctx.axis
        return tuple(grad[lead + (i,)] if need else None for i, need in enumerate(ctx.needs_input_grad))

    @staticmethod
    def jvp(ctx, *tangents):
        return shaping.stack(_filled(tangents), ctx.axis)

    @staticmethod
    def graph_jvp(ctx, *tangents):
        return StackFunction.apply(*_filled(tangents), dim=ctx.axis)


def _filled(tangents: tuple, axis: int = 0, sizes: list | None = None) -> list:
    """``tangents`` with zeros for the None ones (at least one is not None): of that one's shape, or of
    ``sizes[i]`` along ``axis`` (cat's inputs differ only there). Arrays, or a ``graph_jvp``'s tensors
    (the zeros stay arrays: constants to ``apply``)."""
    known = next(t for t in tangents if t is not None)
    filled = []
    for i, tangent in enumerate(tangents):
        if tangent is None:
            shape = list(known.shape)
            if sizes is not None:
                shape[axis] = sizes[i]
            tangent = np.zeros(shape, getattr(known, "array", known).dtype)
        filled.append(tangent)
    return filled
