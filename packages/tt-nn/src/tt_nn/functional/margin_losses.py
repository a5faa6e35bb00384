"""Margin losses beyond module 05: PyTorch's ranking, embedding and multi-class hinge losses.

Not course material. Each is a hinge ``max(0, margin - score)`` on some
score - a difference of two inputs, a cosine, a distance gap, a class
margin - composed from recorded tt-autograd primitives (``clamp``,
``where``, ``gather``), so the gradients come from theirs. At a hinge's kink
the gradient is the clamp's (the bound counts as inside, as in PyTorch).
Index bookkeeping (which class is the target, which labels a sample has)
is done once in NumPy and enters the graph as constant masks.

PyTorch's deprecated ``size_average``/``reduce`` arguments are accepted and
turned into ``reduction`` with a warning, as in module 05's losses.
"""

from __future__ import annotations

import numpy as np
from tt_tensor.checks import bool_args

from ._checks import float_arg, number_args, reduction_arg, tensor_arg
from .distance import pairwise_distance
from .losses import _reduced
from .losses_extra import _broadcast_shape


def _same_ndim(op: str, **tensors) -> None:
    """PyTorch's check that paired inputs have the same number of dimensions (they may still broadcast)."""
    if len({t.ndim for t in tensors.values()}) > 1:
        listed = ", ".join(f"{name} {tuple(t.shape)}" for name, t in tensors.items())
        raise ValueError(f"{op}: all inputs must have the same number of dimensions, got {listed}")
    _broadcast_shape(op, **tensors)


def _float_target(op: str, x, target):
    t = tensor_arg(op, target, "target")
    return t if t.is_floating_point() else t.to(x.dtype)


# ----------------------------------------------------------------- pairs and embeddings


def margin_ranking_loss(input1, input2, target, margin: float = 0, size_average=None, reduce=None,
                        reduction: str = "mean"):  # fmt: skip
    """Ranking hinge ``max(0, -target * (input1 - input2) + margin)``: ``target=1`` wants ``input1`` higher.

    Args:
        input1, input2: scores, same number of dims, broadcastable.
        target: ``1`` or ``-1``, same number of dims, broadcastable.
        margin: how far apart the pair must be before the loss is 0.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Shape:
        a scalar, or the broadcast shape with ``reduction="none"``. Cost: ~4 passes.
    """
    op = "margin_ranking_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x1, x2 = float_arg(op, input1, "input1"), float_arg(op, input2, "input2")
    t = _float_target(op, x1, target)
    _same_ndim(op, input1=x1, input2=x2, target=t)
    return _reduced((-t * (x1 - x2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,  # noqa: A002
                         reduction: str = "mean"):  # fmt: skip
    """Hinge for distances: ``input`` where ``target == 1``, ``max(0, margin - input)`` where ``-1``.

    PyTorch's convention for other labels is kept: a target neither 1 nor -1
    (e.g. 0) gets both terms, ``input + max(0, margin - input)``.

    Args:
        input: distances (or any scores), any shape.
        target: ``1`` or ``-1`` labels, broadcastable with ``input``.
        margin: the distance beyond which dissimilar pairs cost nothing.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Shape:
        a scalar, or the broadcast shape with ``reduction="none"``. Cost: ~4 passes.
    """
    op = "hinge_embedding_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x = float_arg(op, input)
    t = _float_target(op, x, target)
    _broadcast_shape(op, input=x, target=t)
    pushed_apart = (margin - x).clamp(min=0).where(t != 1, 0.0)
    pulled_together = x.where(t != -1, 0.0)
    return _reduced(pushed_apart + pulled_together, reduction)


def cosine_embedding_loss(input1, input2, target, margin: float = 0, size_average=None, reduce=None,
                          reduction: str = "mean"):  # fmt: skip
    """Cosine hinge: ``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where ``-1``.

    The cosine is over the last dim, ``sum(x1 * x2) / sqrt((|x1|^2 + 1e-12) * (|x2|^2 + 1e-12))``
    (PyTorch's small constant keeps zero vectors finite); other target values give 0.

    Args:
        input1, input2: ``(N, D)`` with a target ``(N,)``, or ``(D,)`` with a target ``()``.
        target: ``1`` or ``-1``.
        margin: in ``[-1, 1]``; ``0`` to ``0.5`` is usual.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Shape:
        a scalar, or the target's shape with ``reduction="none"``. Cost: ~8 passes over the inputs.
    """
    op = "cosine_embedding_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x1, x2 = float_arg(op, input1, "input1"), float_arg(op, input2, "input2")
    t = _float_target(op, x1, target)
    if t.ndim > 1 or x1.ndim != t.ndim + 1 or x2.ndim != t.ndim + 1:
        raise ValueError(
            f"{op}: expected inputs (N, D) with a target (N,), or (D,) with a 0-d target; got input1 "
            f"{tuple(x1.shape)}, input2 {tuple(x2.shape)}, target {tuple(t.shape)}"
        )
    if x1.shape != x2.shape or x1.shape[:-1] != t.shape:
        raise ValueError(
            f"{op}: input1 {tuple(x1.shape)} and input2 {tuple(x2.shape)} must have the same shape, with one "
            f"row per target entry (target {tuple(t.shape)})"
        )
    squared_norms = ((x1 * x1).sum(-1) + 1e-12) * ((x2 * x2).sum(-1) + 1e-12)
    cosine = (x1 * x2).sum(-1) / squared_norms.sqrt()
    similar = (1 - cosine).where(t == 1, 0.0)
    dissimilar = (cosine - margin).clamp(min=0).where(t == -1, 0.0)
    return _reduced(similar + dissimilar, reduction)


@number_args("triplet_margin_loss", "margin", "p", "eps")
@bool_args("triplet_margin_loss", "swap")
def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean"):  # fmt: skip
    """Triplet hinge ``max(0, margin + d(anchor, positive) - d(anchor, negative))``.

    ``d(a, b) = ||a - b + eps||_p`` over the last dim (:func:`pairwise_distance`).
    With ``swap=True`` the negative distance is the smaller of ``d(anchor,
    negative)`` and ``d(positive, negative)`` (Balntas et al., 2016).

    Args:
        anchor, positive, negative: embeddings ``(N, D)`` or ``(D,)``, same number of dims, broadcastable.
        margin: ``> 0``.
        p: the norm's degree.
        eps: added to the differences, so the norm's gradient stays finite.
        swap: use the distance swap.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Shape:
        a scalar, or ``(N,)`` with ``reduction="none"``. Cost: ~3 passes per distance.

    Example:
        >>> triplet_margin_loss(embed(a), embed(p), embed(n), margin=0.2).backward()  # doctest: +SKIP
    """
    op = "triplet_margin_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    a, pos = float_arg(op, anchor, "anchor"), float_arg(op, positive, "positive")
    neg = float_arg(op, negative, "negative")
    _same_ndim(op, anchor=a, positive=pos, negative=neg)
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    positive_distance = pairwise_distance(a, pos, p, eps)
    negative_distance = pairwise_distance(a, neg, p, eps)
    if swap:
        negative_distance = negative_distance.minimum(pairwise_distance(pos, neg, p, eps))
    return _reduced((positive_distance - negative_distance + margin).clamp(min=0), reduction)


# ----------------------------------------------------------------- multi-class hinges


def _class_rows(op: str, input, target):  # noqa: A002
    """Input ``(N, C)`` or ``(C,)`` as ``(N, C)`` rows, and the integer target as a NumPy array."""
    x = float_arg(op, input)
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ValueError(f"{op}: expected a non-empty input (N, C) or (C,), got shape {tuple(x.shape)}")
    t = tensor_arg(op, target, "target")
    if t.dtype.numpy.kind not in "iu":
        raise TypeError(f"{op}: target must be an integer tensor (e.g. int64), got {t.dtype.name}")
    return (x if x.ndim == 2 else x.reshape(1, -1)), t


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None,  # noqa: A002
                      size_average=None, reduce=None, reduction: str = "mean"):  # fmt: skip
    """Multi-class hinge: per sample of class ``y``, ``sum_{i != y} w[y] max(0, margin - x[y] + x[i])^p / C``.

    Args:
        input: scores ``(N, C)`` or ``(C,)``.
        target: class indices ``(N,)`` (``()`` or ``(1,)`` for an unbatched input) in ``[0, C)``.
        p: 1 or 2.
        margin: the score gap the target class must win by.
        weight: ``(C,)`` per-class weights (the target class's weight scales its sample), or None.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Shape:
        a scalar, or the target's shape with ``reduction="none"``. Cost: ~6 passes over ``(N, C)``.
    """
    op = "multi_margin_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 are supported, got p={p}")
    x, target = _class_rows(op, input, target)
    n, classes = x.shape
    y = target.array.reshape(-1)
    if target.ndim > 1 or y.shape != (n,):
        raise ValueError(
            f"{op}: target must be 1-D with one class index per sample, shape ({n},), got "
            f"{tuple(target.shape)} for input {tuple(input.shape)}"
        )
    if np.any((y < 0) | (y >= classes)):
        raise IndexError(f"{op}: target {y[(y < 0) | (y >= classes)][0]} is out of range [0, {classes - 1}]")
    if weight is not None and tensor_arg(op, weight, "weight").shape != (classes,):
        raise ValueError(
            f"{op}: weight must have one entry per class, shape ({classes},), got {weight.shape}"
        )
    rows = np.arange(n)
    others = np.ones((n, classes), dtype=x.dtype.numpy)
    others[rows, y] = 0  # the target class is not compared with itself
    if weight is not None:
        others *= weight.array.astype(x.dtype.numpy)[y][:, None]
    target_score = x.gather(1, y[:, None])
    hinge = (x - target_score + margin).clamp(min=0)
    if p == 2:
        hinge = hinge * hinge
    loss = (hinge * others).sum(1) / classes
    return _reduced(loss.reshape(target.shape) if input.ndim == 1 else loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):  # noqa: A002
    """Multi-label hinge: each label ``j`` of a sample must outscore each non-label ``i`` by 1.

    Per sample, ``sum_{j in labels, i not in labels} max(0, 1 - (x[j] - x[i])) / C``.
    The labels are the target's entries before its first ``-1`` (PyTorch's
    padding: ``[3, 0, -1, 1]`` means labels {3, 0}); a label listed twice counts twice, as in PyTorch.

    Args:
        input: scores ``(N, C)`` or ``(C,)``.
        target: integer labels of the input's shape, each in ``[-1, C)``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Shape:
        a scalar, or ``(N,)`` with ``reduction="none"``. Cost: ~5 passes over an ``(N, C, C)`` array
        of label/non-label pairs (fine for tens of classes; thousands need a lot of memory).
    """
    op = "multilabel_margin_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    x, target = _class_rows(op, input, target)
    n, classes = x.shape
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"{op}: target of shape {tuple(target.shape)} must have the input's shape {input.shape}"
        )
    labels = target.array.reshape(n, classes)
    if np.any((labels < -1) | (labels >= classes)):
        raise IndexError(f"{op}: target values must be in [-1, {classes - 1}] (-1 ends a sample's labels)")
    listed = np.cumprod(labels >= 0, axis=1).astype(bool)  # the entries before the first -1
    counts = np.zeros((n, classes), dtype=x.dtype.numpy)
    np.add.at(counts, (np.nonzero(listed)[0], labels[listed]), 1)
    pair_weight = counts[:, :, None] * (counts == 0)[:, None, :]  # [n, label j, non-label i]
    hinge = (1 - x.unsqueeze(2) + x.unsqueeze(1)).clamp(min=0)
    loss = (hinge * pair_weight).sum((1, 2)) / classes
    return _reduced(loss.reshape(()) if input.ndim == 1 else loss, reduction)
