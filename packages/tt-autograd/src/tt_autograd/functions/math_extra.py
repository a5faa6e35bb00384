"""Recorded element-wise functions beyond the exercises: ``log1p``, ``atan2``, ``xlogy``, ``fmod``, ...

Not course material. Forward calls tt-tensor's kernels
(:mod:`tt_tensor.pointwise_extra`, where the dtype rules live); backward is
the textbook derivative, with PyTorch's choices at the edges:

* ``xlogy(x, y)``: d/dx is ``log(y)``, but 0 where ``x == 0`` and ``y <= 0`` (so
  ``xlogy(0, 0)`` has a zero gradient in ``x`` while ``xlogy(0, 2)`` has ``log 2``);
  d/dy is ``x / y`` (NaN at ``x = y = 0``).
* ``fmod(a, b) = a - trunc(a / b) * b``: 1 for ``a``, ``-trunc(a / b)`` for ``b``.
* ``copysign(a, b)``: ``sign`` ratio ``out / a`` for ``a`` (0 where ``a == 0``),
  nothing for ``b`` (a step function of ``b``: gradient 0).

One-tensor functions share :class:`UnaryMathFunction`: a subclass names its
kernel and gives its derivative from the input and the output, in operations
that serve arrays (backward) and tensors (``graph_backward``, recorded) alike.
"""

from __future__ import annotations

import math

import numpy as np
from tt_tensor import pointwise_extra

from ..forward_ad import symmetric_jvp
from ..function import Function, unbroadcast
from ..higher_order import sum_to
from .arithmetic import _shape, negated
from .rounding import zero_gradients

LN2, LN10 = math.log(2.0), math.log(10.0)  # Python floats: they keep float32 gradients float32


class UnaryMathFunction(Function):
    """``kernel(a)`` with gradient ``grad * derivative(a, out)``; subclasses set both."""

    kernel = ""  # a name of pointwise_extra.UNARY_FLOAT

    @staticmethod
    def derivative(a: np.ndarray, out: np.ndarray) -> np.ndarray:
        """d(out)/d(a), element-wise, from the input and the output (float arrays of one dtype, or the
        tensors of both for ``graph_backward``)."""
        raise NotImplementedError

    @staticmethod
    def forward(ctx, a):
        a = np.asarray(a)
        out = pointwise_extra.unary_float(ctx.kernel, a)
        ctx.save_for_backward(a.astype(out.dtype, copy=False), out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return (grad * ctx.derivative(a, out),)

    @staticmethod
    def graph_backward(ctx, grad):
        a, out = ctx.saved_tensors
        return (grad * ctx.derivative(ctx.input_tensor(0, a), ctx.output_tensor(out)),)

    jvp = staticmethod(symmetric_jvp)  # element-wise: a diagonal Jacobian


def _call(name: str, value: object) -> object:
    """NumPy's ``name`` of an array, or the tensor method ``name`` (recorded) of a tensor."""
    return getattr(value, name)() if hasattr(value, "grad_fn") else getattr(np, name)(value)


class Log1pFunction(UnaryMathFunction):
    kernel = "log1p"
    derivative = staticmethod(lambda a, out: 1 / (1 + a))


class Expm1Function(UnaryMathFunction):
    kernel = "expm1"
    derivative = staticmethod(lambda a, out: out + 1)


class Log2Function(UnaryMathFunction):
    kernel = "log2"
    derivative = staticmethod(lambda a, out: 1 / (a * LN2))


class Log10Function(UnaryMathFunction):
    kernel = "log10"
    derivative = staticmethod(lambda a, out: 1 / (a * LN10))


class Exp2Function(UnaryMathFunction):
    kernel = "exp2"
    derivative = staticmethod(lambda a, out: out * LN2)


class SinhFunction(UnaryMathFunction):
    kernel = "sinh"
    derivative = staticmethod(lambda a, out: _call("cosh", a))


class CoshFunction(UnaryMathFunction):
    kernel = "cosh"
    derivative = staticmethod(lambda a, out: _call("sinh", a))


class TanFunction(UnaryMathFunction):
    kernel = "tan"
    derivative = staticmethod(lambda a, out: 1 + out * out)


class AsinFunction(UnaryMathFunction):
    kernel = "asin"
    derivative = staticmethod(lambda a, out: 1 / _call("sqrt", 1 - a * a))


class AcosFunction(UnaryMathFunction):
    kernel = "acos"
    derivative = staticmethod(lambda a, out: -1 / _call("sqrt", 1 - a * a))


class AtanFunction(UnaryMathFunction):
    kernel = "atan"
    derivative = staticmethod(lambda a, out: 1 / (1 + a * a))


class AsinhFunction(UnaryMathFunction):
    kernel = "asinh"
    derivative = staticmethod(lambda a, out: 1 / _call("sqrt", a * a + 1))


class AcoshFunction(UnaryMathFunction):
    kernel = "acosh"
    derivative = staticmethod(lambda a, out: 1 / _call("sqrt", a * a - 1))


class AtanhFunction(UnaryMathFunction):
    kernel = "atanh"
    derivative = staticmethod(lambda a, out: 1 / (1 - a * a))


def _grads(ctx, grad_a, grad_b, reduce=unbroadcast) -> tuple:
    """The two gradients, each reduced to its input's shape, ``None`` where not needed; ``reduce`` is
    ``sum_to`` for the tensors of a ``graph_backward``."""
    need_a, need_b = ctx.needs_input_grad
    return (
        reduce(grad_a(), ctx.shapes[0]) if need_a else None,
        reduce(grad_b(), ctx.shapes[1]) if need_b else None,
    )


def _inputs(ctx, *arrays) -> tuple:
    """The saved operands ``arrays`` (inputs 0, 1) joined to their graphs, for a ``graph_backward``."""
    return tuple(ctx.input_tensor(i, array) for i, array in enumerate(arrays))


class Atan2Function(Function):
    """``atan2(a, b)``: d/da = ``b / (a² + b²)``, d/db = ``-a / (a² + b²)``; 0 at the origin (as PyTorch's,
    where the formula is 0/0)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        ctx.save_for_backward(a, b)
        return pointwise_extra.atan2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        squares = np.square(a) + np.square(b)
        scaled = grad / np.where(squares == 0, np.inf, squares)  # (the origin: 0, not 0 * inf)
        return _grads(ctx, lambda: scaled * b, lambda: -scaled * a)

    @staticmethod
    def graph_backward(ctx, grad):
        a, b = _inputs(ctx, *ctx.saved_tensors)
        squares = a * a + b * b
        scaled = grad / squares.masked_fill(np.asarray(squares.array == 0), np.inf)
        return _grads(ctx, lambda: scaled * b, lambda: -scaled * a, sum_to)


class HypotFunction(Function):
    """``hypot(a, b)``: d/da = ``a / out``, d/db = ``b / out``."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        out = pointwise_extra.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        scaled = grad / out
        return _grads(ctx, lambda: scaled * a, lambda: scaled * b)

    @staticmethod
    def graph_backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        a, b = _inputs(ctx, a, b)
        scaled = grad / ctx.output_tensor(out)
        return _grads(ctx, lambda: scaled * a, lambda: scaled * b, sum_to)


class LogaddexpFunction(Function):
    """``logaddexp(a, b)``: d/da = ``exp(a - out)``, d/db = ``exp(b - out)`` (softmax weights)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        out = pointwise_extra.logaddexp(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        return _grads(ctx, lambda: grad * np.exp(a - out), lambda: grad * np.exp(b - out))

    @staticmethod
    def graph_backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        a, b = _inputs(ctx, a, b)
        out = ctx.output_tensor(out)
        return _grads(ctx, lambda: grad * (a - out).exp(), lambda: grad * (b - out).exp(), sum_to)


class XlogyFunction(Function):
    """``xlogy(x, y)``: d/dx = ``log(y)`` (0 where ``x == 0`` and ``y <= 0``), d/dy = ``x / y``."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.shapes = (_shape(x), _shape(y))
        ctx.save_for_backward(x, y)
        return pointwise_extra.xlogy(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors

        def grad_x():
            dropped = np.logical_and(np.equal(x, 0), np.less_equal(y, 0))
            return np.where(dropped, grad.dtype.type(0), pointwise_extra.xlogy(grad, y))

        with np.errstate(divide="ignore", invalid="ignore"):
            return _grads(ctx, grad_x, lambda: grad * x / y)

    @staticmethod
    def graph_backward(ctx, grad):
        x, y = ctx.saved_tensors
        dropped = np.logical_and(np.equal(x, 0), np.less_equal(y, 0))
        x, y = _inputs(ctx, x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _grads(
                ctx, lambda: grad.xlogy(y).where(negated(dropped), 0.0), lambda: grad * x / y, sum_to
            )


class FmodFunction(Function):
    """``fmod(a, b)``: d/da = 1, d/db = ``-trunc(a / b)``."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        ctx.save_for_backward(a, b)
        return pointwise_extra.fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _grads(ctx, lambda: grad, lambda: -grad * np.trunc(np.divide(a, b)))

    @staticmethod
    def graph_backward(ctx, grad):  # the quotient trunc(a / b) is a step function of both: a constant
        a, b = ctx.saved_tensors
        return _grads(ctx, lambda: grad, lambda: -grad * np.trunc(np.divide(a, b)), sum_to)


class CopysignFunction(Function):
    """``copysign(a, b)``: d/da = ``out / a`` (0 where ``a == 0``); ``b`` gets a zero gradient."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        out = pointwise_extra.copysign(a, b)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        ratio = _sign_ratio(*ctx.saved_tensors)
        return _grads(ctx, lambda: grad * ratio, lambda: np.zeros_like(grad))

    @staticmethod
    def graph_backward(ctx, grad):  # the ratio is piecewise constant; b's zero gradient has no graph
        ratio = _sign_ratio(*ctx.saved_tensors)
        grad_a = sum_to(grad * ratio, ctx.shapes[0]) if ctx.needs_input_grad[0] else None
        return grad_a, zero_gradients(ctx, grad)[1]


def _sign_ratio(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``copysign(a, b) / a``: +-1, and 0 where ``a == 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.equal(a, 0), 0.0, out / a)
