"""``torch.nn.functional``'s piecewise-linear activations, beyond module 03's exercises.

Not course material: no ``# BEGIN SOLUTION`` region here. The smooth ones
(``elu``, ``mish``, ``logsigmoid``, ``glu``, ...) are in :mod:`.activations_extra`.

Each is one fused ``Function`` whose forward saves what backward needs, usually
a boolean mask of where the slope is 1 (one byte per element):

* ``HardtanhFunction``: ``clip(x, min_val, max_val)``, shared by ``hardtanh`` and
  ``relu6`` (``hardtanh(x, 0, 6)``);
* ``HardsigmoidFunction`` ``clip(x / 6 + 1/2, 0, 1)`` and ``HardswishFunction``
  ``x * hardsigmoid(x)``, MobileNetV3's cheap stand-ins for sigmoid and swish;
* ``ThresholdFunction``, ``HardshrinkFunction``, ``SoftshrinkFunction``;
* ``PReLUFunction``: ``x`` where positive, ``weight * x`` elsewhere, with one learnt
  slope per channel (dim 1), whose gradient sums over every other dimension;
* ``RReLUFunction``: leaky ReLU with a slope drawn from ``U(lower, upper)`` per element
  in training (from TinyTorch's default generator, as dropout draws), and the
  fixed slope ``(lower + upper) / 2`` in evaluation.

Gradients at the kinks are PyTorch's, pinned by the tests: 0 at exactly
``min_val``/``max_val`` (hardtanh, relu6 at 0 and 6), at ``±3`` for hardsigmoid,
at ``threshold`` and at ``±lambd``; hardswish's is 0 at -3 and 1 at 3; PReLU
and RReLU take the negative side's slope at 0, as ``leaky_relu`` does.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function, unbroadcast
from tt_autograd.higher_order import backward_slopes, sum_to
from tt_tensor.random import default_generator

from ._checks import float_arg, tensor_arg
from .activations import LeakyReLUFunction, piecewise_linear_graph_backward
from .activations_extra import scalar_arg
from .half_precision import through_float32
from .in_place import write_in_place


class HardtanhFunction(Function):
    """``min_val`` below ``min_val``, ``max_val`` above ``max_val``, ``x`` in between."""

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        inside = x > min_val
        inside &= x < max_val  # the gradient is 1 strictly inside, 0 at the bounds (PyTorch's choice)
        ctx.save_for_backward(inside)
        return np.clip(x, x.dtype.type(min_val), x.dtype.type(max_val))

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        return (grad * inside,)

    graph_backward = staticmethod(piecewise_linear_graph_backward)


class HardsigmoidFunction(Function):
    """``0`` below -3, ``1`` above 3, ``x / 6 + 1/2`` in between."""

    @staticmethod
    def forward(ctx, x):
        y = x / 6
        y += 0.5
        np.clip(y, 0, 1, out=y)
        inside = x > -3
        inside &= x < 3
        ctx.save_for_backward(inside)
        return y

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        dx = grad * inside
        dx /= 6
        return (dx,)

    graph_backward = staticmethod(piecewise_linear_graph_backward)


class HardswishFunction(Function):
    """``x * clip(x + 3, 0, 6) / 6``: 0 below -3, ``x`` above 3."""

    @staticmethod
    def forward(ctx, x):
        y = x + 3
        np.clip(y, 0, 6, out=y)
        y *= x
        y /= 6
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, grad):
        # 0 for x <= -3, x / 3 + 1/2 for -3 < x < 3, 1 for x >= 3 (PyTorch's sides at the kinks)
        (x,) = ctx.saved_tensors
        slope = x / 3
        slope += 0.5
        slope = np.where(x < 3, slope, x.dtype.type(1))
        slope[x <= -3] = 0
        slope *= grad
        return (slope,)

    @staticmethod
    def graph_backward(ctx, grad):  # x / 3 + 1/2 strictly between -3 and 3; constants outside
        (x,) = ctx.saved_tensors
        slope = backward_slopes(ctx, grad)
        inside = (x > -3) & (x < 3)
        return (grad * (ctx.input_tensor(0, x) / 3.0 + 0.5).where(inside, slope),)


class ThresholdFunction(Function):
    """``x`` where ``x > threshold``, else ``value``."""

    @staticmethod
    def forward(ctx, x, threshold, value):
        keep = x > threshold
        ctx.save_for_backward(keep)
        return np.where(keep, x, x.dtype.type(value))

    @staticmethod
    def backward(ctx, grad):
        (keep,) = ctx.saved_tensors
        return (grad * keep,)

    graph_backward = staticmethod(piecewise_linear_graph_backward)


class HardshrinkFunction(Function):
    """``x`` where ``|x| > lambd``, else 0."""

    @staticmethod
    def forward(ctx, x, lambd):
        keep = np.abs(x) <= lambd
        np.logical_not(keep, out=keep)  # "not inside" rather than "|x| > lambd", so NaN stays NaN
        ctx.save_for_backward(keep)
        return np.where(keep, x, x.dtype.type(0))

    @staticmethod
    def backward(ctx, grad):
        (keep,) = ctx.saved_tensors
        return (grad * keep,)

    graph_backward = staticmethod(piecewise_linear_graph_backward)


class SoftshrinkFunction(Function):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0; i.e. ``x - clip(x, ±lambd)``."""

    @staticmethod
    def forward(ctx, x, lambd):
        bound = x.dtype.type(lambd)
        y = np.clip(x, -bound, bound)
        np.subtract(x, y, out=y)
        outside = np.abs(x) > bound
        ctx.save_for_backward(outside)
        return y

    @staticmethod
    def backward(ctx, grad):
        (outside,) = ctx.saved_tensors
        return (grad * outside,)

    graph_backward = staticmethod(piecewise_linear_graph_backward)


class PReLUFunction(Function):
    """``x`` where ``x > 0``, else ``weight * x``; ``weight`` has 1 element or one per channel (dim 1)."""

    @staticmethod
    def forward(ctx, x, weight):
        # one slope is a 0-d array; C slopes are viewed as (C, 1, ..., 1): they broadcast along dim 1 of x
        slope = weight.reshape(() if weight.size == 1 else (-1,) + (1,) * (x.ndim - 2))
        positive = x > 0
        ctx.save_for_backward(x, slope, positive)
        ctx.weight_shape = weight.shape
        return np.where(positive, x, slope * x)

    @staticmethod
    def backward(ctx, grad):
        x, slope, positive = ctx.saved_tensors
        dx = np.where(positive, grad, slope * grad) if ctx.needs_input_grad[0] else None
        dweight = None
        if ctx.needs_input_grad[1]:
            negative_part = np.where(positive, x.dtype.type(0), x * grad)
            dweight = unbroadcast(negative_part, slope.shape).reshape(ctx.weight_shape)
        return dx, dweight

    @staticmethod
    def graph_backward(ctx, grad):
        # backward's values; second derivatives only where x < 0: PyTorch's, which count x = 0 as positive
        x, slope, positive = ctx.saved_tensors
        negative = x < 0
        dx = dweight = None
        if ctx.needs_input_grad[0]:
            weight = ctx.input_tensor(1, slope.reshape(ctx.weight_shape)).reshape(slope.shape)
            dx = grad.where(positive, grad * weight.where(negative, slope))
        if ctx.needs_input_grad[1]:
            negative_part = (ctx.input_tensor(0, x) * grad).where(negative, 0.0)
            dweight = sum_to(negative_part, slope.shape).reshape(ctx.weight_shape)
        return dx, dweight


class RReLUFunction(Function):
    """``x`` where ``x > 0``, else ``a * x`` with ``a ~ U(lower, upper)`` drawn for each element."""

    @staticmethod
    def forward(ctx, x, lower, upper):
        draw_dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
        slope = default_generator.numpy.random(x.shape, dtype=draw_dtype)
        slope *= upper - lower
        slope += lower
        slope[x > 0] = 1
        slope = slope.astype(x.dtype, copy=False)
        ctx.save_for_backward(slope)
        return x * slope

    @staticmethod
    def backward(ctx, grad):
        (slope,) = ctx.saved_tensors
        return (grad * slope,)

    graph_backward = staticmethod(piecewise_linear_graph_backward)


# ----------------------------------------------------------------- the functional forms
def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):  # noqa: A002
    """Clamp to ``[min_val, max_val]``; the gradient is 1 strictly inside, 0 elsewhere (also at the bounds).

    Args:
        input: a tensor of any shape (integer tensors are clamped too, without gradient).
        min_val: the lower bound (default -1).
        max_val: the upper bound (default 1), ``>= min_val``.
        inplace: write the result into ``input`` and return it (PyTorch's in-place form).

    Shape:
        input ``(*)``, output ``(*)``. Cost: 3 passes forward, 1 backward (a boolean mask saved).

    Example:
        >>> hardtanh(tt_autograd.tensor([-2.0, 0.5, 2.0]))  # doctest: +SKIP
        tensor([-1.0000,  0.5000,  1.0000])
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("hardtanh(inplace=True)", input, lambda x: hardtanh(x, min_val, max_val))
    min_val = scalar_arg("hardtanh", "min_val", min_val)
    max_val = scalar_arg("hardtanh", "max_val", max_val)
    if min_val > max_val:
        raise ValueError(
            f"hardtanh: min_val cannot be greater than max_val, got min_val={min_val} > max_val={max_val}; "
            "swap them"
        )
    return HardtanhFunction.apply(tensor_arg("hardtanh", input), min_val=min_val, max_val=max_val)


def relu6(input, inplace: bool = False):  # noqa: A002
    """``min(max(x, 0), 6)``: ``hardtanh(x, 0, 6)`` (gradient 0 at exactly 0 and 6, as in PyTorch).

    ``inplace=True`` writes the result into ``input`` and returns it (PyTorch's in-place form).

    Example:
        >>> relu6(tt_autograd.tensor([-1.0, 3.0, 9.0]))  # doctest: +SKIP
        tensor([0., 3., 6.])
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("relu6(inplace=True)", input, relu6)
    return HardtanhFunction.apply(tensor_arg("relu6", input), min_val=0.0, max_val=6.0)


def hardsigmoid(input, inplace: bool = False):  # noqa: A002
    """``relu6(x + 3) / 6``: 0 below -3, 1 above 3, linear in between (MobileNetV3).

    ``inplace=True`` writes the result into ``input`` and returns it (PyTorch's in-place form).

    Example:
        >>> hardsigmoid(tt_autograd.tensor([-4.0, 0.0, 1.5]))  # doctest: +SKIP
        tensor([0.0000, 0.5000, 0.7500])
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("hardsigmoid(inplace=True)", input, hardsigmoid)
    return HardsigmoidFunction.apply(float_arg("hardsigmoid", input))


def hardswish(input, inplace: bool = False):  # noqa: A002
    """``x * relu6(x + 3) / 6``: 0 below -3, ``x`` above 3 (MobileNetV3's cheap swish).

    ``inplace=True`` writes the result into ``input`` and returns it (PyTorch's in-place form).

    Example:
        >>> hardswish(tt_autograd.tensor([-4.0, 1.0, 4.0]))  # doctest: +SKIP
        tensor([-0.0000,  0.6667,  4.0000])
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("hardswish(inplace=True)", input, hardswish)
    return through_float32(HardswishFunction.apply, float_arg("hardswish", input))


def threshold(input, threshold: float, value: float, inplace: bool = False):  # noqa: A002
    """``x`` where ``x > threshold``, else ``value`` (so ``value`` also at exactly ``threshold``).

    Args:
        input: a tensor of any shape (integer tensors too, without gradient).
        threshold: the bound an element must exceed to be kept.
        value: what replaces the others.
        inplace: write the result into ``input`` and return it (PyTorch's in-place form).

    Example:
        >>> threshold(tt_autograd.tensor([0.5, 1.0, 2.0]), 1.0, -7.0)  # doctest: +SKIP
        tensor([-7., -7.,  2.])
    """
    bound = scalar_arg("threshold", "threshold", threshold)
    value = scalar_arg("threshold", "value", value)

    def apply(x):  # (the argument ``threshold`` hides this function's name)
        return ThresholdFunction.apply(tensor_arg("threshold", x), threshold=bound, value=value)

    return write_in_place("threshold(inplace=True)", input, apply) if inplace else apply(input)


def hardshrink(input, lambd: float = 0.5):  # noqa: A002
    """``x`` where ``|x| > lambd``, else 0 (also 0, with gradient 0, at exactly ``±lambd``).

    Example:
        >>> hardshrink(tt_autograd.tensor([-1.0, 0.3, 0.5, 0.7]))  # doctest: +SKIP
        tensor([-1.0000,  0.0000,  0.0000,  0.7000])
    """
    lambd = scalar_arg("hardshrink", "lambd", lambd)
    return HardshrinkFunction.apply(float_arg("hardshrink", input), lambd=lambd)


def softshrink(input, lambd: float = 0.5):  # noqa: A002
    """Shrink towards 0 by ``lambd``: ``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    Args:
        input: a float tensor of any shape.
        lambd: the shrinkage, ``>= 0`` (default 0.5).

    Example:
        >>> softshrink(tt_autograd.tensor([-1.0, 0.3, 0.7]))  # doctest: +SKIP
        tensor([-0.5000,  0.0000,  0.2000])
    """
    lambd = scalar_arg("softshrink", "lambd", lambd)
    if not lambd >= 0:
        raise ValueError(f"softshrink: lambd must be >= 0, got {lambd}; pass a non-negative lambd")
    return SoftshrinkFunction.apply(float_arg("softshrink", input), lambd=lambd)


def prelu(input, weight):  # noqa: A002
    """``x`` where positive, ``weight * x`` elsewhere, with a learnt slope per channel.

    Args:
        input: a float tensor; dim 1 is the channel dim (a 0-d or 1-d input has one channel).
        weight: a 0-d or 1-d tensor of input's dtype, of 1 element (shared) or one per channel.

    Shape:
        input ``(N, C, *)``, weight ``(C,)`` or ``(1,)``, output ``(N, C, *)``.
        Cost: one fused node; the weight's gradient is one sum over every dim but 1.

    Example:
        >>> prelu(tt_autograd.tensor([[-2.0, 3.0]]), tt_autograd.tensor([0.5, 0.1]))  # doctest: +SKIP
        tensor([[-1.,  3.]])
    """
    x = float_arg("prelu", input)
    weight = tensor_arg("prelu", weight, "weight")
    if weight.ndim > 1:
        raise RuntimeError(
            "prelu: weight must be a 0-d or 1-d tensor (one slope per channel), "
            f"got shape {tuple(weight.shape)}"
        )
    if weight.dtype != x.dtype:
        raise TypeError(
            f"prelu: weight has dtype {weight.dtype.name} but input has {x.dtype.name}; "
            "convert one of them (e.g. module.to(input.dtype))"
        )
    count = weight.numel()
    if count != 1:
        if x.ndim == 0:
            raise RuntimeError(f"prelu: a 0-d input takes a weight of 1 element, got {count}")
        channels = x.shape[1] if x.ndim > 1 else 1
        if count != channels:
            raise RuntimeError(
                f"prelu: weight has {count} elements but input {tuple(x.shape)} has {channels} channels "
                f"(dim 1); use a weight of 1 or {channels} elements (PReLU(num_parameters={channels}))"
            )
    return PReLUFunction.apply(x, weight)


def rrelu(
    input,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
):
    """Randomised leaky ReLU: slope ``a ~ U(lower, upper)`` per element in training, else their mean.

    Args:
        input: a float tensor of any shape.
        lower, upper: the range of the negative slope, ``lower <= upper``.
        training: draw the slopes (PyTorch's functional default is False; ``nn.RReLU`` passes its mode).
        inplace: write the result into ``input`` and return it (PyTorch's in-place form).

    In training the slopes come from ``tt.manual_seed``'s generator (one draw per element),
    so a seeded run repeats; they differ from PyTorch's stream, which draws only where ``x <= 0``.

    Example:
        >>> rrelu(tt_autograd.tensor([-2.0, 1.0]))  # doctest: +SKIP
        tensor([-0.4583,  1.0000])
    """
    if inplace:  # PyTorch's in-place form: the input changes and is returned (in_place.py)
        return write_in_place("rrelu(inplace=True)", input, lambda x: rrelu(x, lower, upper, training))
    lower = scalar_arg("rrelu", "lower", lower)
    upper = scalar_arg("rrelu", "upper", upper)
    for name, bound in (("lower", lower), ("upper", upper)):
        if not np.isfinite(bound):  # NaN slopes otherwise, silently
            raise RuntimeError(f"rrelu: {name} bound must be finite, got {bound}")
    if lower > upper:
        raise ValueError(f"rrelu: lower must be <= upper, got lower={lower} > upper={upper}")
    x = float_arg("rrelu", input)
    if not training:
        return LeakyReLUFunction.apply(x, negative_slope=(lower + upper) / 2)
    return RReLUFunction.apply(x, lower=lower, upper=upper)
