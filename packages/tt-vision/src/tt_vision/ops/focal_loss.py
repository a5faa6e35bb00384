"""``sigmoid_focal_loss``: binary cross-entropy that down-weights the easy examples (RetinaNet's loss).

With ``p = sigmoid(x)`` and ``p_t = p`` for a positive target, ``1 - p`` for a
negative one, the loss is ``α_t · (1 - p_t)^γ · BCE(x, t)``: ``γ`` shrinks the
loss of well-classified examples, ``α_t = α·t + (1 - α)(1 - t)`` balances positives
against negatives (``α = -1`` turns it off). Soft targets in ``[0, 1]`` follow the
same formulas. Written in tt-autograd's tensor operations and tt-nn's
``binary_cross_entropy_with_logits`` (stable for large logits), so it is
differentiable w.r.t. the logits (and the targets). Cost: ``O(N)`` element-wise.
"""

from __future__ import annotations

import tt_autograd as autograd
from tt_autograd import Tensor
from tt_nn.functional import binary_cross_entropy_with_logits

from ..functional import _as_tensor


def sigmoid_focal_loss(
    inputs: Tensor, targets: Tensor, alpha: float = 0.25, gamma: float = 2, reduction: str = "none"
) -> Tensor:
    """The focal loss of logits ``inputs`` against binary ``targets`` (Lin et al., 2017).

    Args:
        inputs: logits, any shape.
        targets: same shape, 0 (negative) or 1 (positive), or soft labels in between.
        alpha: weight of the positives in ``[0, 1]`` (negatives get ``1 - alpha``), or ``-1`` for none.
        gamma: focusing exponent; 0 gives the (alpha-weighted) binary cross-entropy.
        reduction: ``'none'`` (per element), ``'mean'`` or ``'sum'``.

    Shape: output as ``inputs``, or a scalar when reduced (the mean of no elements is NaN, as in torchvision).

    Example:
        >>> x, t = autograd.tensor([0.0, 3.0]), autograd.tensor([1.0, 0.0])
        >>> sigmoid_focal_loss(x, t).numpy().astype(float).round(4).tolist()
        [0.0433, 2.0747]
    """
    op = "sigmoid_focal_loss"
    if not (0 <= alpha <= 1) and alpha != -1:
        raise ValueError(f"{op}: alpha must be in [0, 1], or -1 to turn the weighting off, got {alpha}")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{op}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    inputs, targets = _as_tensor(op, inputs, "inputs"), _as_tensor(op, targets, "targets")
    p = autograd.sigmoid(inputs)
    cross_entropy = binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = cross_entropy * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss
