"""Binary cross-entropy (module 05): on probabilities and, stable for any logit, on logits.

Two fused ``Function``\\ s with PyTorch's weighting and reductions (the shared
``_reduce`` / ``_scale`` of :mod:`.losses`). Per element, with target ``t`` and
weight ``w``::

    binary_cross_entropy:              -w (t log p + (1 - t) log(1 - p))     each log clamped at -100
    binary_cross_entropy_with_logits:   w ((1 - t) x + (1 + (pos_weight - 1) t) softplus(-x))

The second never forms ``sigmoid(x)`` in forward, so logits of ``±1e4`` give a
finite loss and gradient.
"""

from __future__ import annotations

import math

import numpy as np
import tt_tensor
from tt_autograd import Function
from tt_tensor import pointwise

from ._checks import float_arg, reduction_arg, tensor_arg
from .activations import SoftplusFunction
from .losses import _reduce, _scale, _scale_tensor


def _binary_operands(ctx, grad) -> tuple:
    """For a binary loss's ``graph_backward``: the reduced and weighted gradient, the input and the target."""
    x, target, weight = ctx.saved_tensors[:3]
    r = _scale_tensor(ctx, grad) * (1.0 if weight is None else weight)
    return r, ctx.input_tensor(0, x), ctx.input_tensor(1, target)


def _clamped_log(x, logs: np.ndarray):
    """``log(x)`` of a tensor, and the constant -100 where forward clamped it (``logs``, its values)."""
    low = logs <= -100.0
    if not low.any():
        return x.log()
    return x.where(~low, 1.0).log().where(~low, -100.0)


class BinaryCrossEntropyFunction(Function):
    """``-w (t log p + (1 - t) log(1 - p))`` with each log clamped at -100, as in PyTorch."""

    @staticmethod
    def forward(ctx, p, target, weight, reduction):
        # BEGIN SOLUTION 05
        # TODO: -(t log p + (1 - t) log(1 - p)) element-wise, times weight, then the reduction.
        # HINT: PyTorch clamps each log at -100, so p = 0 or 1 gives a
        #   finite loss: np.maximum(np.log(p), -100).
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100.0)
            log_1mp = np.maximum(np.log1p(-p), -100.0)
        losses = -(target * log_p + (1 - target) * log_1mp)
        if weight is not None:
            losses = losses * weight
        ctx.save_for_backward(p, target, weight, log_p, log_1mp)
        return _reduce(ctx, losses, reduction)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 05
        # TODO: grad_p = r * (p - t) / (p (1 - p)) and grad_t = r * (log(1 - p) - log p), each only if needed.
        # HINT: keep the denominator away from 0 (np.maximum(p * (1 - p), 1e-12)).
        p, target, weight, log_p, log_1mp = ctx.saved_tensors
        r = _scale(ctx, grad) * (1.0 if weight is None else weight)
        grad_p = r * (p - target) / np.maximum(p * (1 - p), 1e-12) if ctx.needs_input_grad[0] else None
        grad_t = r * (log_1mp - log_p) if ctx.needs_input_grad[1] else None
        return grad_p, grad_t, None
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        r, p_t, t_t = _binary_operands(ctx, grad)
        log_p, log_1mp = ctx.saved_tensors[3:]
        grad_p = grad_t = None
        if ctx.needs_input_grad[0]:
            grad_p = r * (p_t - t_t) / (p_t * (1 - p_t)).clamp(min=1e-12)
        if ctx.needs_input_grad[1]:
            grad_t = r * (_clamped_log(1 - p_t, log_1mp) - _clamped_log(p_t, log_p))
        return grad_p, grad_t, None


class BinaryCrossEntropyWithLogitsFunction(Function):
    """``w ((1 - t) x + (1 + (pos_weight - 1) t) softplus(-x))``, stable for any logit ``x``."""

    @staticmethod
    def forward(ctx, x, target, weight, pos_weight, reduction):
        # BEGIN SOLUTION 05
        # TODO: the loss on logits, (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x), times weight, reduced
        #   (§ How it is built: finite for logits of +-1e4).
        # HINT: softplus(-x) = max(-x, 0) + log1p(exp(-|x|)) never overflows.
        softplus_neg = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))  # log(1 + exp(-x)), never overflows
        log_weight = 1.0 if pos_weight is None else 1.0 + (pos_weight - 1.0) * target
        losses = (1 - target) * x + log_weight * softplus_neg
        if weight is not None:
            losses = losses * weight
        ctx.save_for_backward(x, target, weight, pos_weight, softplus_neg)
        return _reduce(ctx, losses, reduction)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 05
        # TODO: grad_x = r * (sigmoid(x) - t) without pos_weight (the general form is in § How it is built);
        #   grad_t = r * -x without pos_weight; each only if needed.
        x, target, weight, pos_weight, softplus_neg = ctx.saved_tensors
        r = _scale(ctx, grad) * (1.0 if weight is None else weight)
        grad_x = grad_t = None
        if ctx.needs_input_grad[0]:
            sigmoid = pointwise.sigmoid(x)
            if pos_weight is None:
                grad_x = r * (sigmoid - target)
            else:
                grad_x = r * ((1 - target) - (1.0 + (pos_weight - 1.0) * target) * (1 - sigmoid))
        if ctx.needs_input_grad[1]:
            grad_t = r * (-x if pos_weight is None else (pos_weight - 1.0) * softplus_neg - x)
        return grad_x, grad_t, None, None
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        r, x_t, t_t = _binary_operands(ctx, grad)
        pos_weight = ctx.saved_tensors[3]
        grad_x = grad_t = None
        if ctx.needs_input_grad[0]:
            if pos_weight is None:
                grad_x = r * (x_t.sigmoid() - t_t)
            else:
                grad_x = r * ((1 - t_t) - (t_t * (pos_weight - 1.0) + 1.0) * (1 - x_t.sigmoid()))
        if ctx.needs_input_grad[1]:
            if pos_weight is None:
                grad_t = r * -x_t
            else:  # softplus(-x), exact (no linear tail) as forward's
                softplus_neg = SoftplusFunction.apply(-x_t, beta=1.0, threshold=math.inf)
                grad_t = r * (softplus_neg * (pos_weight - 1.0) - x_t)
        return grad_x, grad_t, None, None


def _same_shape(op: str, input, target) -> tuple[tt_tensor.Tensor, tt_tensor.Tensor]:  # noqa: A002
    x = float_arg(op, input)
    t = float_arg(op, target, "target")
    if x.shape != t.shape:
        raise ValueError(f"{op}: target of shape {t.shape} must have the input's shape {x.shape}")
    return x, t


def _broadcast_param(op: str, name: str, value: object, shape: tuple[int, ...]) -> None:
    if value is None:
        return
    tensor_arg(op, value, name)
    try:
        fits = np.broadcast_shapes(value.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{op}: {name} of shape {value.shape} does not broadcast to the input's shape {shape}"
        )


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                         reduction: str = "mean"):  # fmt: skip
    """Binary cross-entropy between probabilities ``input`` in ``[0, 1]`` and targets of the same shape.

    Args:
        input: probabilities (e.g. ``sigmoid`` output), any shape.
        target: values in ``[0, 1]``, the input's shape.
        weight: per-element weights broadcastable to the input, or None.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Shape:
        a scalar, or the input's shape with ``reduction="none"``.
    """
    # BEGIN SOLUTION 05
    # TODO: check the shapes and that every input lies in [0, 1] (else a ValueError pointing at
    #   binary_cross_entropy_with_logits), then BinaryCrossEntropyFunction.apply.
    op = "binary_cross_entropy"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x, t = _same_shape(op, input, target)
    if np.any((x.array < 0) | (x.array > 1)):
        raise ValueError(
            f"{op}: all elements of input should be between 0 and 1 (apply sigmoid first, or use "
            "binary_cross_entropy_with_logits)"
        )
    _broadcast_param(op, "weight", weight, x.shape)
    return BinaryCrossEntropyFunction.apply(x, t, weight, reduction=reduction)
    # END SOLUTION


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                                     reduction: str = "mean", pos_weight=None):  # fmt: skip
    """``sigmoid`` and binary cross-entropy in one stable step, on logits.

    Args:
        input: logits, any shape (finite; ``±1e4`` is fine).
        target: values in ``[0, 1]``, the input's shape.
        weight: per-element weights broadcastable to the input, or None.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        pos_weight: weight of the positive term, broadcast along the last
            dimension (one per class), or None.

    Shape:
        a scalar, or the input's shape with ``reduction="none"``.
    """
    # BEGIN SOLUTION 05
    # TODO: check the shapes and that weight and pos_weight broadcast, then the Function.
    op = "binary_cross_entropy_with_logits"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x, t = _same_shape(op, input, target)
    _broadcast_param(op, "weight", weight, x.shape)
    _broadcast_param(op, "pos_weight", pos_weight, x.shape)
    return BinaryCrossEntropyWithLogitsFunction.apply(x, t, weight, pos_weight, reduction=reduction)
    # END SOLUTION
