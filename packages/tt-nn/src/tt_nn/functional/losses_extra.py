"""Regression and likelihood losses beyond module 05: smooth L1, Huber, KL, Gaussian and Poisson NLL.

Not course material: these sit beside module 05's ``mse_loss``/``l1_loss`` and
reuse their checks (``_difference``) and reduction (``_reduced``). Every loss
here is composed from recorded tt-autograd primitives, so its gradient comes
from theirs; the two that meet ``log(1 + exp(z))`` (``soft_margin_loss``,
``multilabel_soft_margin_loss``) go through the stable ``softplus``, which
stays finite where PyTorch's ``log1p(exp(z))`` overflows to ``inf``.

PyTorch's deprecated ``size_average``/``reduce`` arguments are accepted where
PyTorch's signature has them and turned into ``reduction`` with a warning,
as in module 05's losses.
"""

from __future__ import annotations

import math

import numpy as np
from tt_tensor.checks import bool_args

from ._checks import REDUCTIONS, float_arg, reduction_arg, tensor_arg
from .activations import softplus
from .losses import _difference, _reduced


def _broadcast_shape(op: str, **tensors) -> tuple[int, ...]:
    """The shape the named tensors broadcast to, or a ``ValueError`` naming each of their shapes."""
    shapes = {name: tuple(t.shape) for name, t in tensors.items()}
    try:
        return tuple(np.broadcast_shapes(*shapes.values()))
    except ValueError:
        listed = ", ".join(f"{name} of shape {shape}" for name, shape in shapes.items())
        raise ValueError(f"{op}: {listed} do not broadcast together") from None


# ----------------------------------------------------------------- robust regression


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",  # noqa: A002
                   beta: float = 1.0):  # fmt: skip
    """Smooth L1: quadratic for small errors, linear for large ones.

    Per element, with ``d = |input - target|``::

        0.5 * d**2 / beta   if d < beta
        d - 0.5 * beta      otherwise (so ``d == beta`` takes this branch; both give ``beta / 2``)

    ``beta=0`` is exactly :func:`l1_loss`. ``huber_loss(delta)`` equals ``beta * smooth_l1_loss(beta)``.

    Args:
        input, target: tensors of the same shape (broadcasting shapes warn, as in PyTorch).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        beta: the width of the quadratic zone, ``>= 0``.

    Shape:
        a scalar, or the broadcast shape with ``reduction="none"``. Cost: ~6 passes.

    Example:
        >>> smooth_l1_loss(tt_autograd.tensor([0.5, 3.0]), tt_autograd.tensor([0.0, 0.0]))  # doctest: +SKIP
        tensor(1.3125)
    """
    op = "smooth_l1_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    float_arg(op, input)
    if beta < 0:
        raise ValueError(f"{op}: beta must be >= 0 (beta=0 is l1_loss), got {beta}")
    gap = _difference(op, input, target).abs()
    if beta == 0:
        return _reduced(gap, reduction)
    quadratic = gap * gap * (0.5 / beta)
    return _reduced(quadratic.where(gap < beta, gap - 0.5 * beta), reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None):  # noqa: A002
    """Huber loss: quadratic for small errors, linear with slope ``delta`` for large ones.

    Per element, with ``d = |input - target|``::

        0.5 * d**2                  if d < delta
        delta * (d - 0.5 * delta)   otherwise

    Args:
        input, target: tensors of the same shape (broadcasting shapes warn, as in PyTorch).
        reduction: ``"mean"`` (of the weighted losses, divided by their count), ``"sum"`` or ``"none"``.
        delta: where the loss turns linear, ``> 0``.
        weight: per-element weights of the input's shape, or None.

    Shape:
        a scalar, or the broadcast shape with ``reduction="none"``. Cost: ~6 passes.
    """
    op = "huber_loss"
    reduction = reduction_arg(op, reduction)
    x = float_arg(op, input)
    if delta <= 0:
        raise ValueError(f"{op}: delta must be > 0, got {delta}")
    if weight is not None and tensor_arg(op, weight, "weight").shape != x.shape:
        raise ValueError(f"{op}: weight of shape {weight.shape} must have the input's shape {x.shape}")
    gap = _difference(op, x, target).abs()
    loss = (gap * gap * 0.5).where(gap < delta, (gap - 0.5 * delta) * delta)
    return _reduced(loss if weight is None else loss * weight, reduction)


# ----------------------------------------------------------------- divergence and likelihoods


def _kl_reduction(reduction: str, size_average, reduce) -> str:
    """``reduction_arg`` plus ``"batchmean"``, which only ``kl_div`` knows."""
    if size_average is not None or reduce is not None or reduction in REDUCTIONS:
        return reduction_arg("kl_div", reduction, size_average, reduce)
    if reduction != "batchmean":
        raise ValueError(
            f"kl_div: {reduction!r} is not a valid value for reduction; "
            "use 'batchmean', 'mean', 'sum' or 'none'"
        )
    return reduction


def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean",  # noqa: A002
           log_target: bool = False):  # fmt: skip
    """Kullback-Leibler divergence ``KL(target || exp(input))``; ``input`` holds log-probabilities.

    Per element::

        target * (log(target) - input)           (log_target=False; 0 where target == 0)
        exp(target) * (target - input)           (log_target=True: target holds log-probabilities too)

    ``reduction="batchmean"`` (the sum divided by ``input.shape[0]``) is the
    mathematically right KL divergence per sample; ``"mean"`` divides by the
    number of elements, as PyTorch's default does (PyTorch warns about it; we
    do not). Both ``input`` and ``target`` receive gradients. Where
    ``target == 0`` the loss is 0 and the target's gradient is ``-input``
    (PyTorch's is NaN there); a negative target gives NaN, as in PyTorch.

    Args:
        input: log-probabilities, any shape.
        target: probabilities (or log-probabilities), broadcastable with ``input``.
        reduction: ``"mean"``, ``"batchmean"``, ``"sum"`` or ``"none"``.
        log_target: whether ``target`` is given as log-probabilities.

    Shape:
        a scalar, or the broadcast shape with ``reduction="none"``. Cost: ~5 passes.

    Example:
        >>> kl_div(F.log_softmax(logits, dim=1), probs, reduction="batchmean")  # doctest: +SKIP
    """
    op = "kl_div"
    reduction = _kl_reduction(reduction, size_average, reduce)
    x, t = float_arg(op, input), float_arg(op, target, "target")
    _broadcast_shape(op, input=x, target=t)
    if log_target:
        loss = t.exp() * (t - x)
    else:
        log_t = t.where(t != 0, 1.0).log()  # log(1) = 0 where target == 0, so 0 * (0 - x) = 0 there
        loss = t * (log_t - x)
    if reduction == "batchmean":
        return loss.sum() / (x.shape[0] if x.ndim else 1)
    return _reduced(loss, reduction)


def _gaussian_variance(op: str, var, input_shape: tuple[int, ...]):
    """Check ``var`` (a tensor or a number, never negative); give it a shape that broadcasts as PyTorch's.

    Accepted: the input's shape; the input's shape without its last dim (one
    variance per row: a trailing 1 is added); or the input's shape with one
    dim of size 1 (shared along it).
    """
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries ({var}); variances must be >= 0")
        return float(var)
    var = float_arg(op, var, "var")
    if np.any(var.array < 0):
        raise ValueError(
            f"{op}: var has negative entry/entries (min {var.array.min()}); variances must be >= 0"
        )
    shape = tuple(var.shape)
    if shape == input_shape:
        return var
    if shape == input_shape[:-1]:
        return var.unsqueeze(-1)
    mismatched = [size for size, full in zip(shape, input_shape) if size != full]
    if len(shape) == len(input_shape) and mismatched == [1]:
        return var
    raise ValueError(
        f"{op}: var of shape {shape} is of incorrect size for input of shape {input_shape}; give the "
        f"input's shape, the input's shape without its last dim {input_shape[:-1]}, or the input's shape "
        "with one dim of size 1"
    )


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,  # noqa: A002
                      reduction: str = "mean"):  # fmt: skip
    """Negative log-likelihood of ``target`` under a Gaussian with mean ``input`` and variance ``var``.

    Per element, with ``v = max(var, eps)``::

        0.5 * (log(v) + (input - target)**2 / v)   (+ 0.5 * log(2 * pi) if full)

    As in PyTorch the clamp to ``eps`` happens outside autograd: ``var``'s
    gradient is taken at ``v`` but passes the clamp as if it were not there.

    Args:
        input: predicted means, any shape.
        target: observations, broadcastable with ``input``.
        var: predicted variances ``>= 0``: a number, a tensor of the input's
            shape, of the input's shape without its last dim, or with one dim of size 1.
        full: add the constant ``0.5 * log(2 * pi)``.
        eps: the smallest variance used.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Shape:
        a scalar, or the broadcast shape with ``reduction="none"``. Cost: ~7 passes.

    Example:
        >>> mean, var = model(x).chunk(2, dim=1)  # doctest: +SKIP
        >>> gaussian_nll_loss(mean, y, F.softplus(var)).backward()  # doctest: +SKIP
    """
    op = "gaussian_nll_loss"
    x, t = float_arg(op, input), float_arg(op, target, "target")
    var = _gaussian_variance(op, var, tuple(x.shape))
    reduction = reduction_arg(op, reduction)
    _broadcast_shape(op, input=x, target=t)
    if isinstance(var, float):
        v = max(var, eps)
        loss = (math.log(v) + (x - t) ** 2 / v) * 0.5
    else:
        _broadcast_shape(op, input=x, target=t, var=var)
        v = var + (np.maximum(var.array, eps) - var.array)  # the clamp, invisible to the gradient
        loss = (v.log() + (x - t) ** 2 / v) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduced(loss, reduction)


@bool_args("poisson_nll_loss", "log_input", "full")
def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False, size_average=None,  # noqa: A002
                     eps: float = 1e-8, reduce=None, reduction: str = "mean"):  # fmt: skip
    """Negative log-likelihood of counts ``target`` under a Poisson distribution of rate ``input``.

    Per element, dropping the constant ``log(target!)``::

        exp(input) - target * input              (log_input=True: input is the log-rate)
        input - target * log(input + eps)        (log_input=False: input is the rate)

    ``full=True`` adds Stirling's approximation of ``log(target!)``,
    ``target * log(target) - target + 0.5 * log(2 * pi * target)``, where ``target > 1`` (0 elsewhere).

    Args:
        input: log-rates (or rates), any shape.
        target: counts, broadcastable with ``input``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Shape:
        a scalar, or the broadcast shape with ``reduction="none"``. Cost: ~4 passes (~10 with ``full``).
    """
    op = "poisson_nll_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x, t = float_arg(op, input), float_arg(op, target, "target")
    _broadcast_shape(op, input=x, target=t)
    loss = x.exp() - t * x if log_input else x - t * (x + eps).log()
    if full:
        counted = t > 1
        big = t.where(counted, 1.0)  # keeps log() finite where the term is masked out
        stirling = big * big.log() - big + (big * (2 * math.pi)).log() * 0.5
        loss = loss + stirling.where(counted, 0.0)
    return _reduced(loss, reduction)


# ----------------------------------------------------------------- logistic margins


def _matching_target(op: str, x, target):
    """A float target broadcastable with ``x`` (integer ``±1`` labels are cast to ``x``'s dtype)."""
    t = tensor_arg(op, target, "target")
    t = t if t.is_floating_point() else t.to(x.dtype)
    _broadcast_shape(op, input=x, target=t)
    return t


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):  # noqa: A002
    """Two-class logistic loss ``log(1 + exp(-target * input))`` with labels ``target`` in ``{1, -1}``.

    Computed as ``softplus(-target * input)``: finite for any finite input
    (PyTorch's float32 gives ``inf`` once ``-target * input`` passes ~88).

    Args:
        input: scores, any shape.
        target: ``1`` or ``-1`` labels, broadcastable with ``input``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Shape:
        a scalar, or the broadcast shape with ``reduction="none"``. Cost: ~3 passes.
    """
    op = "soft_margin_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x = float_arg(op, input)
    t = _matching_target(op, x, target)
    return _reduced(softplus(-(t * x), threshold=math.inf), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                                reduction: str = "mean"):  # fmt: skip
    """One-vs-all logistic loss over ``C`` labels, averaged over the labels of each sample.

    Per sample (the classes are the last dim)::

        -mean_c  w[c] * (y[c] * log(sigmoid(x[c])) + (1 - y[c]) * log(sigmoid(-x[c])))

    with ``-log(sigmoid(z)) = softplus(-z)``, stable for any ``z``.

    Args:
        input: scores ``(N, C)`` or ``(C,)`` (or ``(*, C)``).
        target: ``0``/``1`` labels of the input's shape.
        weight: per-class weights broadcastable to the input (e.g. ``(C,)``), or None.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Shape:
        a scalar, or the input's shape without its last dim with ``reduction="none"``. Cost: ~8 passes.
    """
    op = "multilabel_soft_margin_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x = float_arg(op, input)
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a 0-d tensor")
    t = _matching_target(op, x, target)
    loss = t * softplus(-x, threshold=math.inf) + (1 - t) * softplus(x, threshold=math.inf)
    if weight is not None:
        _broadcast_shape(op, input=x, weight=tensor_arg(op, weight, "weight"))
        loss = loss * weight
    return _reduced(loss.mean(-1), reduction)
