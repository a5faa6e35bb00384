"""Piecewise-constant functions (floor, ceil, round, sign, ``//``) and the remainder ``%``.

A step function is flat between its jumps, so its derivative is 0 wherever
it exists; PyTorch records these operations and passes back a zero gradient
rather than ending the graph, so code like ``y = x - x.floor()`` (the
fractional part) still differentiates to 1. The remainder ``a % b = a - b ·
floor(a / b)`` has derivative 1 in ``a`` and ``-floor(a / b)`` in ``b``.
At the jumps themselves the derivative does not exist; like PyTorch, these
rules use the one-sided value.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import pointwise

from ..function import Function, _tensor_class, unbroadcast
from ..higher_order import sum_to
from .arithmetic import _shape

STEPS = {"floor": np.floor, "ceil": np.ceil, "round": np.round, "sign": pointwise.sign, "trunc": np.trunc}


class StepFunction(Function):
    """``floor``, ``ceil``, ``round``, ``sign`` or ``trunc``: the gradient is zero."""

    @staticmethod
    def forward(ctx, a, kind):
        # BEGIN SOLUTION 02
        # TODO: floor, ceil, round, trunc or sign (STEPS[kind]); remember a's shape and dtype.
        ctx.shape, ctx.dtype = a.shape, a.dtype
        return STEPS[kind](a)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: zeros (§ PyTorch's rules, kept, "Step functions have a zero gradient").
        return (np.zeros(ctx.shape, dtype=grad.dtype),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        return zero_gradients(ctx, grad)


class FloorDivideFunction(Function):
    """``a // b``: piecewise constant in both operands, so both gradients are zero."""

    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        # TODO: a // b (module 01's floor_divide); remember both shapes.
        ctx.shapes = (_shape(a), _shape(b))
        return pointwise.floor_divide(a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: zero gradients of each input's shape, only where needed (a step function).
        return tuple(
            np.zeros(shape, dtype=grad.dtype) if need else None
            for shape, need in zip(ctx.shapes, ctx.needs_input_grad)
        )
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        return zero_gradients(ctx, grad)


class RemainderFunction(Function):
    """``a % b`` (Python's sign convention: the result takes ``b``'s sign, as ``torch.remainder``)."""

    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        # TODO: a mod b (Python's sign rule); save both and their shapes.
        ctx.save_for_backward(a, b)
        ctx.shapes = (_shape(a), _shape(b))
        return pointwise.remainder(a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: d/da = grad, d/db = -grad * floor(a / b), each unbroadcast, only where needed.
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad, ctx.shapes[0]) if need_a else None,
            unbroadcast(-grad * np.floor_divide(a, b), ctx.shapes[1]) if need_b else None,
        )
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):  # the quotient floor(a / b) is a step function of both: a constant
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (
            sum_to(grad, ctx.shapes[0]) if need_a else None,
            sum_to(-grad * np.floor_divide(a, b), ctx.shapes[1]) if need_b else None,
        )


def zero_gradients(ctx: Function, grad: object) -> tuple:
    """``graph_backward`` of a step function: its backward's zeros as constants. As in PyTorch, a zero
    gradient has no graph (nothing downstream of it depends on the input through it)."""
    return tuple(
        None if g is None else _tensor_class().from_array(g) for g in type(ctx).backward(ctx, grad.array)
    )
