"""The rest of ``torch.nn.functional``'s smooth activations, beyond module 03's exercises.

Not course material: no ``# BEGIN SOLUTION`` region here. The piecewise-linear
ones (``hardtanh``, ``relu6``, ``hardsigmoid``, ``hardswish``, ``threshold``, the
shrinks, ``prelu``, ``rrelu``) are in :mod:`.activations_piecewise`.

Fused, one ``Function`` each, where the op is element-wise and sits on a hot path:

* ``ELUFunction`` runs ``elu``, ``celu`` and ``selu``, which are one formula
  ``scale * (x if x > 0 else alpha * (exp(input_scale * x) - 1))`` with three
  settings (as in PyTorch, whose three show ``EluBackward``). It saves the input
  and the output: on the negative side the derivative is
  ``input_scale * (y + scale * alpha)``, so backward takes no second ``exp``.
* ``MishFunction``: ``x * tanh(softplus(x))``, softplus as ``logaddexp(0, x)``,
  finite for any input.
* ``LogSigmoidFunction``: ``min(x, 0) - log1p(exp(-|x|))``; the exponent is never
  positive, so ``logsigmoid(-1000)`` is ``-1000``, not ``-inf``.

Composed from tt-autograd's primitives, where that is simplest (their gradients
come free): ``softsign = x / (1 + |x|)``, ``tanhshrink = x - tanh(x)``,
``softmin = softmax(-x)``, ``glu = a * sigmoid(b)`` for the two halves ``a, b``.

At a kink (``x = 0`` for ELU) the gradient is PyTorch's: the negative side's.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from tt_autograd import Function
from tt_autograd.higher_order import backward_slopes
from tt_tensor import pointwise
from tt_tensor.checks import normalize_dim
from tt_tensor.dtypes import dtype_argument

from ._checks import float_arg, tensor_arg
from .activations import SoftmaxFunction, SoftplusFunction, _normalised
from .half_precision import through_float32
from .in_place import write_in_place

#: SELU's constants (Klambauer et al., 2017): the fixed point of mean 0 and variance 1.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def scalar_arg(op: str, name: str, value: object) -> float:
    """``value`` as a Python float, or a ``TypeError`` naming ``op`` and the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__} {value!r:.40}")
    return float(value)


class ELUFunction(Function):
    """``scale * x`` where ``x > 0``, else ``scale * alpha * (exp(input_scale * x) - 1)``."""

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        negative = np.minimum(x, 0)  # exp of it never overflows, and is exact where it is kept
        negative *= input_scale
        np.expm1(negative, out=negative)  # expm1: exact near 0, where exp(x) - 1 would cancel
        negative *= alpha
        y = np.where(x > 0, x, negative)
        y *= scale
        ctx.save_for_backward(x, y)
        ctx.scale, ctx.scaled_alpha, ctx.input_scale = scale, scale * alpha, input_scale
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        slope = y + ctx.scaled_alpha  # on the negative side scale * alpha * exp(input_scale * x)
        slope *= ctx.input_scale
        return (grad * np.where(x > 0, x.dtype.type(ctx.scale), slope),)

    @staticmethod
    def graph_backward(ctx, grad):
        # backward's slopes, with the exponential's derivative where x < 0 (PyTorch's: at the kink x = 0,
        # the negative side's slope and a zero second derivative); exp of min(x, 0) never overflows
        x = ctx.saved_tensors[0]
        slope = backward_slopes(ctx, grad)
        x_t = ctx.input_tensor(0, x)
        negative = (x_t.clamp(max=0.0) * ctx.input_scale).exp() * (ctx.scaled_alpha * ctx.input_scale)
        return (grad * negative.where(x < 0, slope),)


class MishFunction(Function):
    """``x * tanh(softplus(x))``."""

    @staticmethod
    def forward(ctx, x):
        t = np.logaddexp(0, x)  # softplus, finite for any x (and in x's dtype: 0 is a weak Python int)
        np.tanh(t, out=t)
        ctx.save_for_backward(x, t)
        return x * t

    @staticmethod
    def backward(ctx, grad):
        # d/dx x tanh(sp(x)) = t + x * sigmoid(x) * (1 - t^2), since sp'(x) = sigmoid(x)
        x, t = ctx.saved_tensors
        dx = t * t
        np.subtract(1, dx, out=dx)
        dx *= pointwise.sigmoid(x)
        dx *= x
        dx += t
        dx *= grad
        return (dx,)

    @staticmethod
    def graph_backward(ctx, grad):
        x = ctx.input_tensor(0, ctx.saved_tensors[0])
        t = SoftplusFunction.apply(x, beta=1.0, threshold=math.inf).tanh()  # forward's exact softplus
        return (grad * (t + x * x.sigmoid() * (1.0 - t * t)),)


class LogSigmoidFunction(Function):
    """``log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))``."""

    @staticmethod
    def forward(ctx, x):
        e = np.abs(x, out=np.empty_like(x))  # an array even for 0-d x (np.abs gives a scalar)
        np.negative(e, out=e)
        np.exp(e, out=e)  # exp(-|x|) <= 1: no overflow, for any x
        y = np.minimum(x, 0)
        y -= np.log1p(e)
        ctx.save_for_backward(x, e)
        return y

    @staticmethod
    def backward(ctx, grad):
        # the derivative is sigmoid(-x): e / (1 + e) for x > 0, 1 / (1 + e) otherwise (e = exp(-|x|))
        x, e = ctx.saved_tensors
        dx = np.where(x > 0, e, x.dtype.type(1))
        dx /= 1 + e
        dx *= grad
        return (dx,)

    @staticmethod
    def graph_backward(ctx, grad):  # sigmoid(-x)
        return (grad * (-ctx.input_tensor(0, ctx.saved_tensors[0])).sigmoid(),)


# ----------------------------------------------------------------- the functional forms
def elu(input, alpha: float = 1.0, inplace: bool = False):  # noqa: A002  (PyTorch's argument names)
    """Exponential linear unit: ``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Args:
        input: a float tensor of any shape.
        alpha: the value the negative side tends to is ``-alpha`` (default 1).
        inplace: write the result into ``input`` and return it (PyTorch's in-place form).

    Shape:
        input ``(*)``, output ``(*)``. Cost: one fused node, ~5 passes forward, 3 backward.

    Example:
        >>> elu(tt_autograd.tensor([-1.0, 2.0]))  # doctest: +SKIP
        tensor([-0.6321,  2.0000])
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("elu(inplace=True)", input, lambda x: elu(x, alpha))
    alpha = scalar_arg("elu", "alpha", alpha)
    return ELUFunction.apply(float_arg("elu", input), alpha=alpha, scale=1.0, input_scale=1.0)


def celu(input, alpha: float = 1.0, inplace: bool = False):  # noqa: A002
    """Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Args:
        input: a float tensor of any shape.
        alpha: non-zero; the negative side tends to ``-alpha`` with slope 1 at 0.
        inplace: write the result into ``input`` and return it (PyTorch's in-place form).

    Example:
        >>> celu(tt_autograd.tensor([-1.0, 2.0]), alpha=2.0)  # doctest: +SKIP
        tensor([-0.7869,  2.0000])
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("celu(inplace=True)", input, lambda x: celu(x, alpha))
    alpha = scalar_arg("celu", "alpha", alpha)
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0 (the formula divides by it); use a non-zero alpha")
    return ELUFunction.apply(float_arg("celu", input), alpha=alpha, scale=1.0, input_scale=1.0 / alpha)


def selu(input, inplace: bool = False):  # noqa: A002
    """Scaled ELU: ``scale * elu(x, alpha)`` with ``alpha ~ 1.6733``, ``scale ~ 1.0507`` (self-normalising).

    ``inplace=True`` writes the result into ``input`` and returns it (PyTorch's in-place form).

    Example:
        >>> selu(tt_autograd.tensor([-1.0, 2.0]))  # doctest: +SKIP
        tensor([-1.1113,  2.1014])
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("selu(inplace=True)", input, selu)

    def scaled_elu(x):
        return ELUFunction.apply(x, alpha=SELU_ALPHA, scale=SELU_SCALE, input_scale=1.0)

    return through_float32(scaled_elu, float_arg("selu", input))


def mish(input, inplace: bool = False):  # noqa: A002
    """``x * tanh(softplus(x))`` element-wise (Misra, 2019); finite for any input.

    ``inplace=True`` writes the result into ``input`` and returns it (PyTorch's in-place form).

    Example:
        >>> mish(tt_autograd.tensor([-1.0, 0.0, 100.0]))  # doctest: +SKIP
        tensor([ -0.3034,   0.0000, 100.0000])
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("mish(inplace=True)", input, mish)
    return through_float32(MishFunction.apply, float_arg("mish", input))


def logsigmoid(input):  # noqa: A002
    """``log(1 / (1 + exp(-x)))`` element-wise, as ``min(x, 0) - log1p(exp(-|x|))``: exact for any input.

    Example:
        >>> logsigmoid(tt_autograd.tensor([-1000.0, 0.0]))  # doctest: +SKIP
        tensor([-1000.0000,    -0.6931])
    """
    return LogSigmoidFunction.apply(float_arg("logsigmoid", input))


def softsign(input):  # noqa: A002
    """``x / (1 + |x|)`` element-wise, composed (gradient ``1 / (1 + |x|)^2``); integers give floats.

    Example:
        >>> softsign(tt_autograd.tensor([-3.0, 1.0]))  # doctest: +SKIP
        tensor([-0.7500,  0.5000])
    """
    x = tensor_arg("softsign", input)
    return x / (1 + x.abs())


def tanhshrink(input):  # noqa: A002
    """``x - tanh(x)`` element-wise, composed from tt-autograd's primitives.

    Example:
        >>> tanhshrink(tt_autograd.tensor([1.0]))  # doctest: +SKIP
        tensor([0.2384])
    """
    return through_float32(lambda x: x - x.tanh(), tensor_arg("tanhshrink", input))


def softmin(input, dim: int | None = None, _stacklevel: int = 3, dtype: object = None):  # noqa: A002
    """``softmax(-x)`` along ``dim``: each slice becomes a distribution favouring the smallest values.

    Args:
        input: a float tensor.
        dim: the dimension to normalise (PyTorch's legacy choice, with a warning, if omitted).
        dtype: convert ``input`` to this dtype first.

    Example:
        >>> softmin(tt_autograd.tensor([[0.0, 1.0]]), dim=1)  # doctest: +SKIP
        tensor([[0.7311, 0.2689]])
    """
    x = tensor_arg("softmin", input)
    return _normalised(
        SoftmaxFunction,
        "softmin",
        -(x if dtype is None else x.to(dtype_argument("softmin", dtype))),
        dim,
        None,
    )


def glu(input, dim: int = -1):  # noqa: A002
    """Gated linear unit: split ``input`` in halves ``a, b`` along ``dim``; ``a * sigmoid(b)``.

    Args:
        input: a float tensor whose size along ``dim`` is even.
        dim: the dimension to halve (default the last).

    Shape:
        input ``(*, 2M, *)``, output ``(*, M, *)``.

    Example:
        >>> glu(tt_autograd.tensor([[1.0, 2.0, 0.0, 100.0]]))  # doctest: +SKIP
        tensor([[0.5000, 2.0000]])
    """
    x = float_arg("glu", input)
    if x.ndim == 0:
        raise RuntimeError("glu: does not support 0-d inputs (a scalar has no dimension to halve)")
    axis = normalize_dim("glu", dim, x.ndim)
    size = x.shape[axis]
    if size % 2:
        raise RuntimeError(
            f"glu: halving dimension must be even, but dimension {axis} of input {tuple(x.shape)} is "
            f"size {size}; pass the dim of even size to halve"
        )
    a, b = x.split(size // 2, dim=axis)
    return a * b.sigmoid()
