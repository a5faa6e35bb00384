"""Broadcasting arithmetic: forward with tt-tensor's kernels, backward reduced by ``unbroadcast``.

Each gradient is computed only for the inputs that need it
(``ctx.needs_input_grad``), so ``x @ W`` with a data ``x`` costs one GEMM in
backward, not two.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import pointwise

from ..function import Function, unbroadcast


def _shape(value: object) -> tuple[int, ...]:
    """The shape of an operand: an array's, or () for a Python scalar."""
    return value.shape if isinstance(value, np.ndarray) else ()


class AddFunction(Function):
    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        ctx.shapes = (_shape(a), _shape(b))
        return pointwise.binary("add", np.add, a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad, ctx.shapes[0]) if need_a else None,
            unbroadcast(grad, ctx.shapes[1]) if need_b else None,
        )
        # END SOLUTION


class SubFunction(Function):
    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        ctx.shapes = (_shape(a), _shape(b))
        return pointwise.binary("sub", np.subtract, a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad, ctx.shapes[0]) if need_a else None,
            unbroadcast(-grad, ctx.shapes[1]) if need_b else None,
        )
        # END SOLUTION


class MulFunction(Function):
    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        ctx.save_for_backward(a, b)
        return pointwise.binary("mul", np.multiply, a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad * b, _shape(a)) if need_a else None,
            unbroadcast(grad * a, _shape(b)) if need_b else None,
        )
        # END SOLUTION


class DivFunction(Function):
    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        out = pointwise.true_divide(a, b) if isinstance(a, np.ndarray) else pointwise.rtrue_divide(b, a)
        ctx.save_for_backward(b, out)
        ctx.shapes = (_shape(a), _shape(b))
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad / b
        return (
            unbroadcast(grad_a, ctx.shapes[0]) if need_a else None,
            unbroadcast(-grad_a * out, ctx.shapes[1]) if need_b else None,
        )
        # END SOLUTION


class NegFunction(Function):
    @staticmethod
    def forward(ctx, a):
        # BEGIN SOLUTION 02
        return np.negative(a)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        return (-grad,)
        # END SOLUTION


class PowFunction(Function):
    """``a ** b`` where either side may be a tensor or a scalar."""

    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        out = pointwise.power(a, b) if isinstance(a, np.ndarray) else pointwise.binary("pow", np.power, a, b)
        ctx.save_for_backward(a, b, out)
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if need_a:
            # b * a**(b-1) is 0 where b == 0, even at a == 0 (where it would be 0 * inf), as in PyTorch
            with np.errstate(divide="ignore", invalid="ignore"):
                local = b * np.power(a, b - 1)
            if np.any(np.equal(b, 0)):
                local = np.where(np.equal(b, 0), 0, local)
            grad_a = unbroadcast(grad * local, _shape(a))
        if need_b:
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.where(a > 0, np.log(np.where(a > 0, a, 1)), np.where(a == 0, 0.0, np.nan))
            grad_b = unbroadcast(grad * out * log_a, _shape(b))
        return grad_a, grad_b
        # END SOLUTION


class MaximumFunction(Function):
    """Element-wise max; where both are equal the gradient is split evenly, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        ctx.save_for_backward(a, b)
        return pointwise.binary(ctx.op, ctx.ufunc, a, b)
        # END SOLUTION

    op, ufunc = "maximum", np.maximum

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        a, b = ctx.saved_tensors
        wins = (a > b) if ctx.op == "maximum" else (a < b)
        share = np.where(wins, 1.0, np.where(a == b, 0.5, 0.0)).astype(grad.dtype)
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad * share, _shape(a)) if need_a else None,
            unbroadcast(grad * (1 - share), _shape(b)) if need_b else None,
        )
        # END SOLUTION


class MinimumFunction(MaximumFunction):
    op, ufunc = "minimum", np.minimum


class WhereFunction(Function):
    @staticmethod
    def forward(ctx, condition, x, y):
        # BEGIN SOLUTION 02
        ctx.save_for_backward(condition)
        ctx.shapes = (_shape(x), _shape(y))
        return pointwise.where(condition, x, y)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        (condition,) = ctx.saved_tensors
        _, need_x, need_y = ctx.needs_input_grad
        zero = grad.dtype.type(0)
        return (
            None,
            unbroadcast(np.where(condition, grad, zero), ctx.shapes[0]) if need_x else None,
            unbroadcast(np.where(condition, zero, grad), ctx.shapes[1]) if need_y else None,
        )
        # END SOLUTION


class ClampFunction(Function):
    """Clamp to scalar bounds; the gradient passes where ``min <= a <= max``, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, min=None, max=None):  # noqa: A002
        # BEGIN SOLUTION 02
        ctx.save_for_backward(a)
        ctx.bounds = (min, max)
        return pointwise.clamp(a, min, max)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        (a,) = ctx.saved_tensors
        low, high = ctx.bounds
        inside = np.ones(a.shape, dtype=bool)
        if low is not None:
            inside &= a >= low
        if high is not None:
            inside &= a <= high
        return (np.where(inside, grad, grad.dtype.type(0)),)
        # END SOLUTION
