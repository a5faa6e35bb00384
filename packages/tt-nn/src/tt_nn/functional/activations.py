"""Activation functions (module 03): the functional forms and the fused ``Function``\\ s behind them.

``relu``, ``sigmoid`` and ``tanh`` are tt-autograd's own primitives. The rest
are fused: one ``Function`` each, whose forward computes the result in a few
NumPy passes and saves exactly what its backward needs, instead of a chain
of primitives that would each record a node and keep its own inputs:

* ``softmax``: ``y = exp(x - max) / sum``; backward ``y * (g - sum(g * y))``,
  from ``y`` alone (composed, it would be 5 nodes keeping 4 arrays).
* ``log_softmax``: ``x - max - log(sum(exp(x - max)))``; backward
  ``g - exp(y) * sum(g)``. Subtracting the max makes both exact for any
  finite logits: the largest exponent is ``exp(0) = 1``, so nothing overflows,
  and ``log_softmax`` never takes the log of an underflowed 0.
* ``gelu``: ``x * Phi(x)`` with the normal CDF from :mod:`.erf`, or the tanh
  approximation; ``silu``: ``x * sigmoid(x)``; ``leaky_relu``.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
from tt_autograd import Function
from tt_autograd.forward_ad import symmetric_jvp
from tt_autograd.higher_order import backward_slopes, zero_slope
from tt_tensor import pointwise
from tt_tensor.checks import check_number, number_args
from tt_tensor.dtypes import dtype_argument

from ._checks import float_arg, softmax_dim, tensor_arg
from .erf import normal_cdf
from .half_precision import in_float32, is_half
from .in_place import write_in_place
from .row_passes import blockwise

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_CUBIC = 0.044715


def piecewise_linear_graph_backward(ctx: Function, grad: object) -> tuple:
    """``graph_backward`` of a one-input Function whose ``backward`` is ``grad`` times constant slopes.

    A piecewise-linear op (leaky_relu, hardtanh, the shrinks, ...) has a derivative that is constant
    wherever it exists, so its gradient is ``grad`` times backward's slopes, read by running
    backward on ones: linear in ``grad``, with second derivative 0 in the input. The slopes are a
    step function of the input, recorded as one (``zero_slope``), as PyTorch records them: a second
    ``grad()`` then gives zeros.
    """
    return (grad * zero_slope(ctx, 0, backward_slopes(ctx, grad)),)


class LeakyReLUFunction(Function):
    """``x`` where ``x > 0``, else ``negative_slope * x``."""

    @staticmethod
    def forward(ctx, x, negative_slope):
        # BEGIN SOLUTION 03
        # TODO: x where x > 0, else negative_slope * x (x: a NumPy array, any shape).
        # APPROACH: build the per-element slope (1 or negative_slope) once, in x's dtype;
        #   multiply, and save the slope: it is all backward needs (§ How it is built).
        # HINT: at exactly 0 PyTorch takes the negative side: the test checks the gradient there.
        slope = np.where(x > 0, x.dtype.type(1), x.dtype.type(negative_slope))
        ctx.save_for_backward(slope)
        return x * slope
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 03
        # TODO: the gradient with respect to x, one tuple entry per input of forward that needs one.
        (slope,) = ctx.saved_tensors
        return (grad * slope,)
        # END SOLUTION

    graph_backward = staticmethod(piecewise_linear_graph_backward)

    jvp = staticmethod(symmetric_jvp)  # element-wise: a diagonal Jacobian


class GELUFunction(Function):
    """``x * Phi(x)``; with ``approximate="tanh"``, ``x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""

    @staticmethod
    def forward(ctx, x, approximate):
        # BEGIN SOLUTION 03
        # TODO: GELU, exact (x * normal_cdf(x)) or approximate="tanh" (the formula in the docstring).
        # APPROACH: save what backward reuses: x and Phi(x), or x and Phi's tanh approximation
        #   (1 + tanh(...)) / 2; the output is x times either.
        # HINT: normal_cdf is this module's own (functional/erf.py): NumPy has no erf.
        ctx.approximate = approximate
        if approximate == "tanh":

            def tanh_form(x, cdf, out):  # cdf = (1 + tanh(sqrt(2/pi) x (1 + 0.044715 x^2))) / 2, out = x cdf
                np.multiply(x, x, out=cdf)
                cdf *= _SQRT_2_OVER_PI * _GELU_CUBIC
                cdf += _SQRT_2_OVER_PI
                cdf *= x
                np.tanh(cdf, out=cdf)
                cdf *= 0.5
                cdf += 0.5
                np.multiply(x, cdf, out=out)

            cdf, out = blockwise(tanh_form, x, into=2)  # on blocks that stay in cache (row_passes.py)
            ctx.save_for_backward(x, cdf)
            return out
        cdf = blockwise(normal_cdf, x)  # ~60 passes: on blocks that stay in cache
        ctx.save_for_backward(x, cdf)
        return x * cdf
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 03
        # TODO: the derivative Phi(x) + x * phi(x) (exact, phi the normal density) or, for "tanh" with
        #   P = (1 + t) / 2 saved, P + x P (1 - P) 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2); times grad
        #   (§ How it is built).
        # HINT: reuse what forward saved; phi(x) = exp(-x^2 / 2) / sqrt(2 pi); 1 - t^2 = 4 P (1 - P).
        x, saved = ctx.saved_tensors
        # Each derivative is an in-place chain on one block of (x, saved, grad) at a time.
        if ctx.approximate == "tanh":

            def derivative(x, cdf, grad, dx):  # cdf + x cdf (1 - cdf) 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2)
                np.multiply(x, x, out=dx)
                dx *= 6.0 * _SQRT_2_OVER_PI * _GELU_CUBIC
                dx += 2.0 * _SQRT_2_OVER_PI
                dx *= x
                dx *= cdf
                dx -= dx * cdf
                dx += cdf
                dx *= grad

            return (blockwise(derivative, x, saved, grad, into=1),)

        def exact_derivative(x, cdf, grad):  # Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
            dx = np.multiply(x, x)
            dx *= -0.5
            np.exp(dx, out=dx)
            dx *= x
            dx *= _INV_SQRT_2PI
            dx += cdf
            dx *= grad
            return dx

        return (blockwise(exact_derivative, x, saved, grad),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):  # backward's derivative, on x as a tensor (tt_autograd.higher_order)
        x = ctx.input_tensor(0, ctx.saved_tensors[0])
        if ctx.approximate == "tanh":
            cdf = ((x * x * (_SQRT_2_OVER_PI * _GELU_CUBIC) + _SQRT_2_OVER_PI) * x).tanh() * 0.5 + 0.5
            slope = x * x * (6.0 * _SQRT_2_OVER_PI * _GELU_CUBIC) + 2.0 * _SQRT_2_OVER_PI
            return (grad * (cdf + slope * x * cdf * (1.0 - cdf)),)
        from ..special.error_functions import NdtrFunction  # (tt_nn.special imports this package)

        density = (x * x * -0.5).exp() * _INV_SQRT_2PI
        return (grad * (NdtrFunction.apply(x) + x * density),)

    jvp = staticmethod(symmetric_jvp)  # element-wise: a diagonal Jacobian


class SiLUFunction(Function):
    """``x * sigmoid(x)`` (also called swish)."""

    @staticmethod
    def forward(ctx, x):
        # BEGIN SOLUTION 03
        # TODO: x * sigmoid(x); save x and the sigmoid for backward.
        # HINT: tt_tensor's pointwise.sigmoid is module 01's stable one.
        s = pointwise.sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 03
        # TODO: grad * (s + x s (1 - s)) with s = sigmoid(x), from what forward saved.
        x, s = ctx.saved_tensors
        return (grad * s * (1.0 + x * (1.0 - s)),)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        x = ctx.input_tensor(0, ctx.saved_tensors[0])
        s = x.sigmoid()
        return (grad * s * (1.0 + x * (1.0 - s)),)

    jvp = staticmethod(symmetric_jvp)  # element-wise: a diagonal Jacobian


class SoftmaxFunction(Function):
    """``exp(x) / sum(exp(x))`` along ``dim``, computed as ``exp(x - max)`` so nothing overflows."""

    @staticmethod
    def forward(ctx, x, dim):
        # BEGIN SOLUTION 03
        # TODO: exp(x) / sum(exp(x)) along dim.
        # APPROACH: subtract the maximum along dim first: exp(1000.0) overflows, exp(0) does not,
        #   and the ratio is unchanged (§ How it is built).
        # HINT: keepdims=True keeps the reduced axis, so the division broadcasts.
        y = x - x.max(axis=dim, keepdims=True)
        np.exp(y, out=y)
        y /= y.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 03
        # TODO: the gradient of softmax, from its saved output y.
        # APPROACH: the Jacobian is diag(y) - y yᵀ; applied to grad it is y * (grad - sum(grad * y)),
        #   the sum along dim: never build the matrix.
        (y,) = ctx.saved_tensors
        dx = grad * y
        total = dx.sum(axis=ctx.dim, keepdims=True)
        np.subtract(grad, total, out=dx)  # the same array again: no second temporary
        dx *= y
        return (dx,)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        y = ctx.output_tensor(ctx.saved_tensors[0])
        return (y * (grad - (grad * y).sum(dim=ctx.dim, keepdim=True)),)

    jvp = staticmethod(symmetric_jvp)  # its Jacobian diag(y) - y yᵀ is symmetric


class LogSoftmaxFunction(Function):
    """``x - logsumexp(x)`` along ``dim``, exact for any finite logits."""

    @staticmethod
    def forward(ctx, x, dim):
        # BEGIN SOLUTION 03
        # TODO: x - max - log(sum(exp(x - max))) along dim, never log(softmax(x)) (§ How it is built,
        #   "Stable by construction"); save the output for backward.
        y = x - x.max(axis=dim, keepdims=True)
        y -= np.log(np.exp(y).sum(axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 03
        # TODO: grad - softmax * sum(grad) along dim, with softmax = exp(y) from the saved output y.
        (y,) = ctx.saved_tensors
        dx = np.exp(y)
        dx *= -grad.sum(axis=ctx.dim, keepdims=True)
        dx += grad
        return (dx,)
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        y = ctx.output_tensor(ctx.saved_tensors[0])
        return (grad - y.exp() * grad.sum(dim=ctx.dim, keepdim=True),)

    @staticmethod
    def jvp(ctx, tangent):  # Jacobian I - 1 softmaxᵀ (backward's transpose): t - sum(softmax * t)
        (y,) = ctx.saved_tensors
        return tangent - (np.exp(y) * tangent).sum(axis=ctx.dim, keepdims=True)

    @staticmethod
    def graph_jvp(ctx, tangent):  # the same, recorded: softmax from the output joined to its graph
        y = ctx.output_tensor(ctx.saved_tensors[0])
        return tangent - (y.exp() * tangent).sum(dim=ctx.dim, keepdim=True)


def _normalised(function: type[Function], op: str, input, dim: int | None, dtype: object):
    """Run softmax/log_softmax over ``dim`` (a 0-d input is treated as one element)."""
    x = float_arg(op, input if dtype is None else tensor_arg(op, input).to(dtype_argument(op, dtype)))
    axis = softmax_dim(op, dim, x.ndim)
    if x.numel() == 0:  # nothing to normalise: an empty result of the same shape, as in PyTorch
        return x.clone()
    if x.array.dtype == np.float16:  # float32 sums and logs, float16 result (as PyTorch on the CPU)
        return _normalised(function, op, x.float(), axis, None).half()
    if x.ndim == 0:
        return function.apply(x.reshape(1), dim=0).reshape(())
    return function.apply(x, dim=axis)


# ----------------------------------------------------------------- the functional forms
def relu(input, inplace: bool = False):  # noqa: A002  (PyTorch's argument names)
    """``max(input, 0)`` element-wise.

    ``inplace=True`` writes the result into ``input`` and returns it (PyTorch's
    in-place form, ``in_place.py``).

    Shape:
        any; the output has the input's shape.

    Example:
        >>> relu(tt_autograd.tensor([-1.0, 2.0]))  # doctest: +SKIP
        tensor([0., 2.])
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("relu(inplace=True)", input, relu)
    # BEGIN SOLUTION 03
    # TODO: max(input, 0): tt-autograd's relu primitive
    #   (Tensor.relu) after checking the argument (tensor_arg).
    return tensor_arg("relu", input).relu()
    # END SOLUTION


@number_args("leaky_relu", "negative_slope")  # junk: a clear TypeError before the exercise's float()
def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):  # noqa: A002
    """``input`` where positive, ``negative_slope * input`` elsewhere.

    Args:
        input: a float tensor of any shape.
        negative_slope: the slope for negative inputs (PyTorch's default 0.01).
        inplace: write the result into ``input`` and return it (PyTorch's in-place form).
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("leaky_relu(inplace=True)", input, lambda x: leaky_relu(x, negative_slope))
    # BEGIN SOLUTION 03
    # TODO: LeakyReLUFunction.apply on the checked float input (float_arg), negative_slope as a float.
    return LeakyReLUFunction.apply(float_arg("leaky_relu", input), negative_slope=float(negative_slope))
    # END SOLUTION


def gelu(input, approximate: str = "none"):  # noqa: A002
    """Gaussian error linear unit ``x * Phi(x)``, ``Phi`` the standard normal CDF.

    Args:
        input: a float tensor of any shape.
        approximate: ``"none"`` (exact, through erf) or ``"tanh"``
            (``x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``, cheaper).

    Example:
        >>> gelu(tt_autograd.tensor([0.0, 1.0]))  # doctest: +SKIP
        tensor([0.0000, 0.8413])
    """
    if is_half(input):  # float32 inside (Cody's erf overflows float16), a float16 result: as PyTorch's
        return in_float32(partial(gelu, approximate=approximate), input)
    # BEGIN SOLUTION 03
    # TODO: refuse an approximate other than "none" or "tanh" (a ValueError naming it), then GELUFunction.
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELUFunction.apply(float_arg("gelu", input), approximate=approximate)
    # END SOLUTION


def silu(input, inplace: bool = False):  # noqa: A002
    """``x * sigmoid(x)`` element-wise (swish). ``inplace=True``: written into ``input``."""
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("silu(inplace=True)", input, silu)
    if is_half(input):  # float32 inside, a float16 result (as PyTorch's CPU kernel)
        return in_float32(silu, input)
    # BEGIN SOLUTION 03
    # TODO: SiLUFunction.apply on the checked float input (float_arg).
    return SiLUFunction.apply(float_arg("silu", input))
    # END SOLUTION


def sigmoid(input):  # noqa: A002
    """``1 / (1 + exp(-x))`` element-wise, stable for any input."""
    # BEGIN SOLUTION 03
    # TODO: the sigmoid primitive of tt-autograd (Tensor.sigmoid) after checking the argument (tensor_arg).
    return tensor_arg("sigmoid", input).sigmoid()
    # END SOLUTION


def tanh(input):  # noqa: A002
    """Hyperbolic tangent element-wise."""
    # BEGIN SOLUTION 03
    # TODO: the tanh primitive of tt-autograd (Tensor.tanh) after checking the argument (tensor_arg).
    return tensor_arg("tanh", input).tanh()
    # END SOLUTION


def softmax(input, dim: int | None = None, _stacklevel: int = 3, dtype: object = None):  # noqa: A002
    """``exp(x) / sum(exp(x))`` along ``dim``: each slice becomes a probability distribution.

    Args:
        input: a float tensor.
        dim: the dimension to normalise (PyTorch's legacy choice, with a
            warning, if omitted).
        dtype: convert ``input`` to this dtype first.

    Shape:
        the output has the input's shape; it sums to 1 along ``dim``.

    Example:
        >>> softmax(tt_autograd.tensor([[1e4, 0.0]]), dim=1)  # doctest: +SKIP
        tensor([[1., 0.]])
    """
    # BEGIN SOLUTION 03
    # TODO: SoftmaxFunction along dim through _normalised, which picks PyTorch's legacy dim when dim is
    #   None (with a warning) and applies dtype (§ How it is built, "PyTorch's rules").
    return _normalised(SoftmaxFunction, "softmax", input, dim, dtype)
    # END SOLUTION


def log_softmax(input, dim: int | None = None, _stacklevel: int = 3, dtype: object = None):  # noqa: A002
    """``log(softmax(x))`` along ``dim``, computed as ``x - logsumexp(x)`` (exact for huge logits).

    Args:
        input: a float tensor.
        dim: the dimension to normalise.
        dtype: convert ``input`` to this dtype first.

    Example:
        >>> log_softmax(tt_autograd.tensor([1e4, -1e4]), dim=0)  # doctest: +SKIP
        tensor([ 0.e+00, -2.e+04])
    """
    # BEGIN SOLUTION 03
    # TODO: LogSoftmaxFunction along dim through _normalised, as softmax does.
    return _normalised(LogSoftmaxFunction, "log_softmax", input, dim, dtype)
    # END SOLUTION


class SoftplusFunction(Function):
    """``log(1 + exp(beta * x)) / beta``, linear above ``threshold`` (``beta * x > threshold``)."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        z = x * x.dtype.type(beta)
        ctx.save_for_backward(z)
        ctx.threshold, ctx.beta = threshold, beta
        return np.where(z > threshold, x, np.logaddexp(0, z) / x.dtype.type(beta)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        return (np.where(z > ctx.threshold, grad, grad * pointwise.sigmoid(z)),)

    @staticmethod
    def graph_backward(ctx, grad):
        # sigmoid(beta x) below the threshold; backward's slopes, constants, from it up (PyTorch: 1 above,
        # sigmoid(threshold) with a zero second derivative at it)
        (z,) = ctx.saved_tensors
        slope = backward_slopes(ctx, grad)
        x = ctx.input_tensor(0, z / ctx.beta)
        return (grad * (x * ctx.beta).sigmoid().where(z < ctx.threshold, slope),)


def softplus(input, beta: float = 1.0, threshold: float = 20.0):  # noqa: A002
    """``log(1 + exp(beta * x)) / beta`` element-wise, a smooth ReLU (exact ``x`` above ``threshold``).

    Stable for any input (``logaddexp``). Shape: input ``(*)``, output ``(*)``.
    """
    beta, threshold = check_number("softplus", "beta", beta), check_number("softplus", "threshold", threshold)
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero")
    return SoftplusFunction.apply(float_arg("softplus", input), beta=beta, threshold=threshold)
