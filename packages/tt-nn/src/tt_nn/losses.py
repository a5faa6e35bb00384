"""Loss modules (module 05): each holds its settings and calls its function in :mod:`tt_nn.functional`.

A class weight (``CrossEntropyLoss(weight=...)``) is a buffer, as in
PyTorch: it follows ``.to()``/``.double()`` and appears in the state dict.
"""

from __future__ import annotations

from . import functional as F
from .functional._checks import reduction_arg
from .module import Module


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction_arg(type(self).__name__, reduction, size_average, reduce)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Mean squared error: ``mean((input - target)^2)`` (or ``sum``/``none``).

    Args:
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        input ``(*)``, target ``(*)`` the same; output a scalar, or ``(*)`` with ``"none"``.

    Example:
        >>> MSELoss()(prediction, target).backward()  # doctest: +SKIP
    """

    def forward(self, input, target):  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: ``mean(|input - target|)``.

    Args:
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.

    Shape:
        input ``(*)``, target ``(*)``; output a scalar, or ``(*)`` with ``"none"``.
    """

    def forward(self, input, target):  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy between logits and class indices (or class probabilities).

    Args:
        weight: ``(C,)`` per-class weights, or None.
        ignore_index: a target value that contributes neither loss nor gradient (default -100).
        reduction: ``"mean"`` (divided by the summed weights of the targets not
            ignored), ``"sum"`` or ``"none"``.
        label_smoothing: ``eps`` in ``[0, 1]``; the target distribution
            becomes ``(1 - eps) * onehot + eps / C``.

    Shape:
        input ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``; target ``(N,)``,
        ``(N, d1, ...)`` or ``()`` of integers in ``[0, C)``; output a scalar,
        or the target's shape with ``"none"``.

    Example:
        >>> loss_fn = CrossEntropyLoss(label_smoothing=0.1)  # doctest: +SKIP
        >>> loss_fn(model(x), y).backward()  # doctest: +SKIP
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:  # fmt: skip
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):  # noqa: A002
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)  # fmt: skip


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices under log-probabilities (``LogSoftmax`` output).

    Args:
        weight: ``(C,)`` per-class weights, or None.
        ignore_index: a target value that contributes nothing (default -100).
        reduction: ``"mean"`` (weighted), ``"sum"`` or ``"none"``.

    Shape:
        as :class:`CrossEntropyLoss`, with log-probabilities as input.
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean") -> None:  # fmt: skip
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):  # noqa: A002
        return F.nll_loss(
            input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class BCELoss(_WeightedLoss):
    """Binary cross-entropy between probabilities in ``[0, 1]`` and targets.

    Args:
        weight: per-element weights broadcastable to the input, or None.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    Shape:
        input ``(*)``, target ``(*)``; output a scalar, or ``(*)`` with ``"none"``.
    """

    def forward(self, input, target):  # noqa: A002
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid and binary cross-entropy in one numerically stable step, on logits.

    Args:
        weight: per-element weights broadcastable to the input, or None.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        pos_weight: weight of positive examples, one per class (broadcast along
            the last dimension), or None.

    Shape:
        input ``(*)``, target ``(*)``; output a scalar, or ``(*)`` with ``"none"``.
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None) -> None:  # fmt: skip
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)  # fmt: skip
