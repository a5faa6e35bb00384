"""Loss modules beyond module 05: PyTorch's other common losses, each calling its functional form.

Not course material. As in :mod:`tt_nn.losses`, a module holds its settings
(checked once, at construction) and its ``forward`` calls the function in
:mod:`tt_nn.functional`; class weights are buffers. Like PyTorch's, these
modules have no ``extra_repr``: ``repr(SmoothL1Loss(beta=0.5))`` is
``SmoothL1Loss()``. PyTorch's deprecated ``size_average``/``reduce``
arguments are accepted where PyTorch's constructor has them.
"""

from __future__ import annotations

from tt_tensor.checks import check_number

from . import functional as F
from .functional.losses_extra import _kl_reduction
from .losses import _Loss, _WeightedLoss
from .module import Module

# ----------------------------------------------------------------- regression and likelihoods


class SmoothL1Loss(_Loss):
    """Smooth L1: ``0.5 * d**2 / beta`` where ``d = |input - target| < beta``, else ``d - 0.5 * beta``.

    Args:
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.
        beta: the width of the quadratic zone, ``>= 0`` (0 is :class:`L1Loss`).

    Shape:
        input ``(*)``, target ``(*)``; output a scalar, or ``(*)`` with ``"none"``.

    Example:
        >>> SmoothL1Loss(beta=0.5)(boxes, target_boxes).backward()  # doctest: +SKIP
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):  # noqa: A002
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber: ``0.5 * d**2`` where ``d = |input - target| < delta``, else ``delta * (d - 0.5 * delta)``.

    Args:
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.
        delta: where the loss turns linear, ``> 0``.

    Shape:
        input ``(*)``, target ``(*)``; output a scalar, or ``(*)`` with ``"none"``.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):  # noqa: A002
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(Module):
    """Kullback-Leibler divergence ``KL(target || exp(input))`` of log-probabilities ``input``.

    Args:
        reduction: ``"mean"`` (default, PyTorch's), ``"batchmean"`` (the
            mathematically right one: the sum divided by the batch size), ``"sum"`` or ``"none"``.
        log_target: whether the target holds log-probabilities.

    Shape:
        input ``(*)``, target ``(*)``; output a scalar, or ``(*)`` with ``"none"``.

    Example:
        >>> KLDivLoss(reduction="batchmean")(F.log_softmax(student, dim=1), teacher_probs)  # doctest: +SKIP
    """

    def __init__(
        self, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False
    ) -> None:
        super().__init__()
        self.reduction = _kl_reduction(reduction, size_average, reduce)
        self.log_target = log_target

    def forward(self, input, target):  # noqa: A002
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood ``0.5 * (log(v) + (input - target)**2 / v)``, ``v = max(var, eps)``.

    Args:
        full: add the constant ``0.5 * log(2 * pi)``.
        eps: the smallest variance used.
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        input ``(N, *)``; target ``(N, *)`` (or broadcastable); var the input's
        shape, the input's shape without its last dim, or with one dim of size 1;
        output a scalar, or ``(N, *)`` with ``"none"``.
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):  # noqa: A002
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood: ``exp(input) - target * input`` for log-rates ``input``.

    Args:
        log_input: ``input`` is the log-rate (default); else the rate, and the
            loss is ``input - target * log(input + eps)``.
        full: add Stirling's approximation of ``log(target!)`` where ``target > 1``.
        eps: keeps ``log`` finite at a zero rate (``log_input=False``).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        input ``(*)``, target ``(*)``; output a scalar, or ``(*)`` with ``"none"``.
    """

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None, eps: float = 1e-8,
                 reduce=None, reduction: str = "mean") -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                  reduction=self.reduction)  # fmt: skip


# ----------------------------------------------------------------- logistic and margin losses


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-target * input))`` for labels ``1``/``-1`` (stable).

    Args:
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        input ``(*)``, target ``(*)``; output a scalar, or ``(*)`` with ``"none"``.
    """

    def forward(self, input, target):  # noqa: A002
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One-vs-all logistic loss over ``C`` labels, averaged over the labels of each sample.

    Args:
        weight: ``(C,)`` per-class weights (a buffer), or None.
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        input ``(N, C)`` or ``(C,)``; target the same, 0/1; output a scalar, or ``(N,)`` with ``"none"``.
    """

    def forward(self, input, target):  # noqa: A002
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """Ranking hinge ``max(0, -target * (input1 - input2) + margin)``.

    Args:
        margin: how far apart a pair must be before its loss is 0 (default 0).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        input1 ``(N)`` or ``()``, input2 and target the same; output a scalar, or ``(N)`` with ``"none"``.
    """

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1``.

    Args:
        margin: default 1.
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        input ``(*)``, target ``(*)``; output a scalar, or ``(*)`` with ``"none"``.
    """

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):  # noqa: A002
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where ``target == -1``.

    Args:
        margin: in ``[-1, 1]`` (default 0).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        input1 ``(N, D)`` or ``(D,)``, input2 the same, target ``(N,)`` or ``()``;
        output a scalar, or the target's shape with ``"none"``.
    """

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """Triplet hinge ``max(0, margin + d(anchor, positive) - d(anchor, negative))``, ``d`` a p-norm distance.

    Args:
        margin: ``> 0`` (default 1).
        p: the norm's degree (default 2).
        eps: added to the differences before the norm.
        swap: use the distance swap (the smaller of the two negative distances).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        anchor, positive, negative ``(N, D)`` or ``(D,)``; output a scalar, or ``(N,)`` with ``"none"``.

    Example:
        >>> TripletMarginLoss(margin=0.2)(embed(a), embed(p), embed(n)).backward()  # doctest: +SKIP
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average=None, reduce=None, reduction: str = "mean") -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        if check_number("TripletMarginLoss", "margin", margin) <= 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got {margin}")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)  # fmt: skip


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge: ``sum_{i != y} w[y] * max(0, margin - x[y] + x[i])**p / C`` per sample.

    Args:
        p: 1 (default) or 2.
        margin: default 1.
        weight: ``(C,)`` per-class weights (a buffer), or None.
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        input ``(N, C)`` or ``(C,)``, target ``(N,)`` or ``()`` of class indices;
        output a scalar, or the target's shape with ``"none"``.
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:  # fmt: skip
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 are supported, got p={p}")
        super().__init__(weight, size_average, reduce, reduction)
        self.p = p
        self.margin = margin

    def forward(self, input, target):  # noqa: A002
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)  # fmt: skip


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge: every label of a sample must outscore every non-label by 1.

    Args:
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        input ``(N, C)`` or ``(C,)``; target the same, integer labels padded
        with ``-1`` (the labels are those before the first ``-1``); output a
        scalar, or ``(N,)`` with ``"none"``.
    """

    def forward(self, input, target):  # noqa: A002
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)
