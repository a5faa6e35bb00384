"""``F.linear_cross_entropy``: ``cross_entropy(linear(input, weight, bias), target)``, as PyTorch 2.13's.

The last layer of a language model maps ``(N, D)`` hidden states to ``(N, V)`` logits over a
vocabulary ``V`` much wider than ``D``; the logits (and their gradient) are then the largest
arrays of training. With ``options`` (:class:`LinearCrossEntropyOptions`) the loss and its
gradient are computed ``batch_chunk_size`` rows at a time: each chunk's ``(n, V)`` logits are
formed, reduced to the rows' losses, and dropped, so the whole ``(N, V)`` never exists. Backward
forms each chunk's logits again and turns them into ``softmax - onehot`` in place, adding the
chunk's share to ``d input``, ``d weight`` and ``d bias``. Without ``options`` (PyTorch's default)
it is the reference composition, ``linear`` then ``cross_entropy``.

Cost of the chunked path: peak memory ``O(n V)`` for a chunk instead of ``O(N V)`` (plus the
``(V, D)`` weight gradient); four ``N x D x V`` products instead of the reference's three (backward
forms the logits again). The chunked path takes what PyTorch's does (class-index int64 targets,
``label_smoothing=0``, a ``(C,)`` bias, no K-dimensional weight); anything else falls back to the
reference with PyTorch's warning. Unlike PyTorch's chunked op, its gradient is differentiable again
(``create_graph=True`` recomputes it through the reference composition).
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
from tt_autograd import Function
from tt_autograd.higher_order import composite_gradients
from tt_tensor.checks import check_number

from ._checks import float_arg, reduction_arg, tensor_arg
from .linear import linear
from .losses import _class_target, _class_weight, _reduce, _scale, cross_entropy

OP = "linear_cross_entropy"


@dataclasses.dataclass(frozen=True)
class LinearCrossEntropyOptions:
    """``torch.nn.LinearCrossEntropyOptions``: how :func:`linear_cross_entropy` chunks its batch.

    Args:
        allow_retain_graph: accepted for PyTorch's scripts; backward here recomputes each chunk,
            so ``retain_graph=True`` always works.
        batch_chunk_size: rows per chunk (a positive int), or None for one chunk (or the method's).
        chunking_method: ``"auto"`` (PyTorch's CPU default, ``"aspect_ratio:2"``), ``"aspect_ratio"``
            or ``"aspect_ratio:N"``: chunks of ``next_pow2(ceil(N / ceil(V / D))) / N`` rows, whose
            logits take about the input's memory (``/ N``: N times less); None: ``batch_chunk_size``.
        acc_policy: ``"auto"``, ``"accurate"``, ``"balanced"`` or ``"compact"``; accepted and checked,
            with no effect (NumPy computes in the input's dtype).
        acc_dtype: None, or a float dtype to accumulate in; accepted, no effect (as ``acc_policy``).
    """

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: object = None

    def __post_init__(self) -> None:
        if self.acc_policy not in {"auto", "accurate", "balanced", "compact"}:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        if self.chunking_method is not None and self.chunking_method != "auto":
            name, sep, factor = str(self.chunking_method).partition(":")
            factor = factor if sep else "1"
            if not (name == "aspect_ratio" and factor.isdigit() and int(factor) > 0):
                raise ValueError(f"invalid chunking_method: {self.chunking_method!r}")
        size = self.batch_chunk_size
        if not (size is None or (isinstance(size, int) and not isinstance(size, bool) and size > 0)):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {size!r}")

    def chunk_rows(self, rows: int, in_features: int, num_classes: int) -> int:
        """The rows per chunk for an ``(rows, in_features)`` input and ``num_classes`` classes (PyTorch's
        ``_adjust``): an explicit ``batch_chunk_size`` turns ``"auto"`` off; a method and a size that
        disagree are an error."""
        method = self.chunking_method
        if method == "auto":
            method = None if self.batch_chunk_size is not None else "aspect_ratio:2"
        size = rows if self.batch_chunk_size is None else min(self.batch_chunk_size, rows)
        if method is not None:
            factor = int(method.split(":", 1)[1]) if ":" in method else 1
            target = -(-rows // -(-num_classes // max(in_features, 1)))
            size = min((1 << (target - 1).bit_length()) // factor, rows)
            if self.batch_chunk_size is not None and self.batch_chunk_size != size:
                raise ValueError(
                    f"batch_chunk_size (={self.batch_chunk_size}) and chunking_method ('{method}') give "
                    f"different chunk sizes ({self.batch_chunk_size} vs {size}); pass only one."
                )
        return max(size, 1)


def _chunk_logits(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, rows: slice) -> np.ndarray:
    z = x[rows] @ w.T
    if b is not None:
        z += b
    return z


class LinearCrossEntropyFunction(Function):
    """``cross_entropy(x Wᵀ + b, target)`` for ``x`` ``(N, D)``, ``W`` ``(V, D)``, ``b`` ``(V,)`` or None,
    a chunk of ``chunk`` rows at a time; ``target`` ``(N,)`` int, ``class_weight`` ``(V,)`` or None."""

    @staticmethod
    def forward(ctx, x, w, b, target, class_weight, ignore_index, reduction, chunk):
        keep = target != ignore_index
        t = np.where(keep, target, 0)
        row_weight = keep.astype(x.dtype) if class_weight is None else keep * class_weight[t].astype(x.dtype)
        losses = np.empty(len(t), x.dtype)
        for start in range(0, len(t), chunk):
            rows = slice(start, start + chunk)
            z = _chunk_logits(x, w, b, rows)
            top = z.max(axis=1)
            lse = np.log(np.exp(z - top[:, None]).sum(axis=1)) + top
            losses[rows] = row_weight[rows] * (lse - z[np.arange(len(z)), t[rows]])
        ctx.save_for_backward(x, w, b, t, row_weight)
        ctx.chunk, ctx.options = chunk, (target, class_weight, ignore_index)
        return _reduce(ctx, losses, reduction, row_weight.sum())

    @staticmethod
    def backward(ctx, grad):
        x, w, b, t, row_weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad  # x, w, b: the rest are keyword arguments
        scale = _scale(ctx, grad)
        per_row = row_weight * scale  # d loss / d (row's cross-entropy), every row
        dx = np.empty_like(x) if need_x else None
        dw = np.zeros_like(w) if need_w else None
        db = np.zeros(w.shape[0], x.dtype) if need_b else None
        for start in range(0, len(t), ctx.chunk):
            rows = slice(start, start + ctx.chunk)
            z = _chunk_logits(x, w, b, rows)
            z -= z.max(axis=1, keepdims=True)
            np.exp(z, out=z)
            z *= (per_row[rows] / z.sum(axis=1))[:, None]  # softmax, times the row's weight
            z[np.arange(len(z)), t[rows]] -= per_row[rows]  # minus the one-hot target
            if need_x:
                dx[rows] = z @ w
            if need_w:
                dw += z.T @ x[rows]
            if need_b:
                db += z.sum(axis=0)
        return dx, dw, db

    @staticmethod
    def graph_backward(ctx, grad):
        x, w, b, _, _ = ctx.saved_tensors
        target, class_weight, ignore_index = ctx.options

        def composite(x, w, b):
            logits = linear(x, w, b)
            weight = None if class_weight is None else type(x).from_array(class_weight)
            return cross_entropy(
                logits, type(x).from_array(target), weight, ignore_index=ignore_index, reduction=ctx.reduction
            )

        return composite_gradients(ctx, grad, composite, (x, w, b))


def _chunked_fits(options, out_features, reduction, label_smoothing, target) -> bool:
    """Whether the chunked path takes the call; else PyTorch's warning (when ``options`` was given)."""
    if options is None:
        return False
    integer = target.dtype.numpy.kind in "iu"
    if not out_features and reduction in {"mean", "sum", "none"} and label_smoothing == 0.0 and integer:
        return True
    warnings.warn(
        "linear_cross_entropy: ``options`` ignored; chunked path needs reduction in {'mean','sum','none'}, "
        f"label_smoothing == 0, integer target, out_features == (). Got reduction={reduction!r}, "
        f"label_smoothing={label_smoothing}, target.dtype={target.dtype}, "
        f"out_features={tuple(out_features)}.",
        stacklevel=3,
    )
    return False


def linear_cross_entropy(
    input,
    linear_weight,
    target,
    *,
    linear_bias=None,
    weight=None,  # noqa: A002
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    options: LinearCrossEntropyOptions | None = None,
):
    """``torch.nn.functional.linear_cross_entropy``: ``cross_entropy(linear(input, linear_weight,
    linear_bias), target, ...)``, in chunks with ``options`` (the ``(N, C)`` logits never whole).

    Args:
        input: ``(in_features,)`` or ``(N, in_features)``.
        linear_weight: ``(C, in_features)``, or ``(C, d_1, ..., d_K, in_features)`` for a
            K-dimensional loss (batched input only).
        target: class indices ``()``/``(N,)``/``(N, d_1, ...)``, or class probabilities of the
            logits' shape.
        linear_bias: None or ``(C, d_1, ..., d_K)``, as the weight.
        weight, reduction, label_smoothing: as :func:`cross_entropy`.
        ignore_index: None (``-100`` for class indices) or a class index to ignore; must be None
            for probability targets.
        options: None (the reference composition) or :class:`LinearCrossEntropyOptions` (chunks).

    Shape: a scalar, or the target's shape with ``reduction="none"``.

    Example:
        >>> import tt_autograd as autograd
        >>> x, w = autograd.randn(8, 4), autograd.randn(100, 4, requires_grad=True)
        >>> chunked = LinearCrossEntropyOptions(batch_chunk_size=2)
        >>> linear_cross_entropy(x, w, autograd.randint(0, 100, (8,)), options=chunked).backward()
    """
    x = float_arg(OP, input)
    w = float_arg(OP, linear_weight, "linear_weight")
    target = tensor_arg(OP, target, "target")
    if not 1 <= x.ndim <= 2:
        raise ValueError(f"{OP}: expected input with dimensionality 1 or 2, got {x.ndim}")
    if w.ndim < 2:
        raise ValueError(f"{OP}: expected linear_weight with dimensionality at least 2, got {w.ndim}")
    batch, in_features = tuple(x.shape[:-1]), x.shape[-1]
    if in_features != w.shape[-1]:
        raise ValueError(
            f"{OP}: expected equal input and linear_weight last dimensions (in_features), got {in_features} "
            f"and {w.shape[-1]}, respectively"
        )
    num_classes, out_features = w.shape[0], tuple(w.shape[1:-1])
    if linear_bias is not None and tuple(tensor_arg(OP, linear_bias, "linear_bias").shape) != (
        num_classes,
        *out_features,
    ):
        raise ValueError(
            f"{OP}: expected linear_bias shape {(num_classes, *out_features)}, got {tuple(linear_bias.shape)}"
        )
    if out_features and not batch:
        raise ValueError(
            f"{OP}: K-dimensional loss defined by linear_weight shape {tuple(w.shape)} requires batched "
            f"input, (N, {in_features}), got unbatched input with shape {tuple(x.shape)}"
        )
    logits_shape = (*batch, num_classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise ValueError(f"{OP}: ignore_index cannot be specified when target contains probabilities")
    ignore_index = -100 if ignore_index is None else ignore_index
    reduction = reduction_arg(OP, reduction, None, None)
    label_smoothing = check_number(OP, "label_smoothing", label_smoothing)
    if options is not None and not isinstance(options, LinearCrossEntropyOptions):
        raise TypeError(
            f"{OP}: options must be None or a LinearCrossEntropyOptions, got {type(options).__name__}"
        )
    if _chunked_fits(options, out_features, reduction, label_smoothing, target):
        rows_x, rows_t = (x, target) if batch else (x.unsqueeze(0), target.unsqueeze(0))
        shape_only = np.broadcast_to(np.zeros((), x.array.dtype), (rows_x.shape[0], num_classes))  # no memory
        target = _class_target(OP, type(x).from_array(shape_only), rows_t, ignore_index)
        class_weight = _class_weight(OP, weight, num_classes)
        chunk = options.chunk_rows(rows_x.shape[0], in_features, num_classes)
        loss = LinearCrossEntropyFunction.apply(
            rows_x,
            w,
            linear_bias,
            target=target.array,
            class_weight=None if class_weight is None else class_weight.array,
            ignore_index=ignore_index,
            reduction=reduction,
            chunk=chunk,
        )
        return loss if batch or reduction != "none" else loss.squeeze(0)
    flat = w.reshape(math.prod(out_features, start=num_classes), in_features) if out_features else w
    bias = linear_bias.reshape(-1) if out_features and linear_bias is not None else linear_bias
    logits = linear(x, flat, bias).reshape(*logits_shape)
    return cross_entropy(
        logits,
        target,
        weight,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )
