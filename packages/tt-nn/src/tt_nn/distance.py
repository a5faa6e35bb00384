"""``nn.PairwiseDistance`` and ``nn.TripletMarginWithDistanceLoss``, like PyTorch's.

Not course material. Each module holds its settings and calls its functional
form (:func:`~tt_nn.functional.pairwise_distance`,
:func:`~tt_nn.functional.triplet_margin_with_distance_loss`).
``nn.CosineSimilarity``, the other distance module, is in :mod:`tt_nn.activations`.
"""

from __future__ import annotations

from . import functional as F
from .losses import _Loss
from .module import Module


class PairwiseDistance(Module):
    """The p-norm distance ``||x1 - x2 + eps||_p`` over the last dim, per pair of rows.

    Args:
        p: the norm's degree (default 2).
        eps: added to the differences, so the gradient stays finite when ``x1 == x2``.
        keepdim: keep the reduced dim, of size 1.

    Shape:
        x1 ``(N, D)`` or ``(D,)``, x2 broadcastable with it; output ``(N,)`` (``(N, 1)`` with keepdim).

    Example:
        >>> x1, x2 = tt_autograd.tensor([[0.0, 3.0]]), tt_autograd.tensor([[4.0, 0.0]])  # doctest: +SKIP
        >>> PairwiseDistance(p=1)(x1, x2)  # doctest: +SKIP
        tensor([7.0000])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p  # PyTorch's attribute name
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet hinge ``max(0, margin + d(anchor, positive) - d(anchor, negative))`` for any distance ``d``.

    Args:
        distance_function: ``d(x1, x2)`` returning one distance per sample; None
            (default) is a :class:`PairwiseDistance` child module, as in PyTorch.
        margin: ``> 0`` (default 1).
        swap: use the distance swap (the smaller of ``d(anchor, negative)`` and ``d(positive, negative)``).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        anchor, positive, negative ``(N, D)`` or ``(D,)``; output a scalar, or ``(N,)`` with ``"none"``.

    Example:
        >>> cosine = lambda x, y: 1 - F.cosine_similarity(x, y)  # doctest: +SKIP
        >>> loss = TripletMarginWithDistanceLoss(distance_function=cosine)  # doctest: +SKIP
        >>> loss(embed(a), embed(p), embed(n)).backward()  # doctest: +SKIP
    """

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:  # fmt: skip
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: margin must be greater than 0, got {margin}")
        self.distance_function = distance_function if distance_function is not None else PairwiseDistance()
        self.margin = margin
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function, margin=self.margin,
            swap=self.swap, reduction=self.reduction,
        )  # fmt: skip
