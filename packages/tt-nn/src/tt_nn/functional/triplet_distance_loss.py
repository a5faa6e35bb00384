"""``F.triplet_margin_with_distance_loss``: the triplet hinge with any distance function, like PyTorch's.

Not course material. :func:`triplet_margin_loss` fixes the distance to a
p-norm; this one takes any callable ``distance_function(x1, x2)`` that returns
one non-negative distance per sample (``1 - cosine_similarity``, a learned
metric, ...). It is composed from recorded tt-autograd primitives, so the
gradient flows through the distance function's own operations.
"""

from __future__ import annotations

from ._checks import reduction_arg, tensor_arg
from .distance import pairwise_distance
from .losses import _reduced
from .margin_losses import _same_ndim


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean"):  # fmt: skip
    """Triplet hinge ``max(0, margin + d(anchor, positive) - d(anchor, negative))`` for a distance ``d``.

    With ``swap=True`` the negative distance is the smaller of ``d(anchor,
    negative)`` and ``d(positive, negative)`` (Balntas et al., 2016).

    Args:
        anchor, positive, negative: embeddings ``(N, D)`` or ``(D,)``, same number of dims.
        distance_function: ``d(x1, x2)`` returning ``(N,)`` distances; None is
            :func:`pairwise_distance` (the 2-norm of ``x1 - x2 + 1e-6``).
        margin: ``> 0``.
        swap: use the distance swap.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Shape:
        a scalar, or ``(N,)`` with ``reduction="none"``. Cost: 2 distances (3 with ``swap``) and ~3 passes.

    Example:
        >>> cosine = lambda x1, x2: 1 - F.cosine_similarity(x1, x2)  # doctest: +SKIP
        >>> loss = F.triplet_margin_with_distance_loss(a, p, n, distance_function=cosine)  # doctest: +SKIP
    """
    op = "triplet_margin_with_distance_loss"
    reduction = reduction_arg(op, reduction)
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    a, pos = tensor_arg(op, anchor, "anchor"), tensor_arg(op, positive, "positive")
    neg = tensor_arg(op, negative, "negative")
    _same_ndim(op, anchor=a, positive=pos, negative=neg)
    distance = pairwise_distance if distance_function is None else distance_function
    positive_distance = distance(a, pos)
    negative_distance = distance(a, neg)
    if swap:
        negative_distance = negative_distance.minimum(distance(pos, neg))
    return _reduced((positive_distance - negative_distance + margin).clamp(min=0), reduction)
