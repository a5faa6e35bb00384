"""``nn.CTCLoss``: the connectionist temporal classification loss as a module, like PyTorch's.

Not course material. It holds its settings and calls :func:`tt_nn.functional.ctc_loss`,
where the recursion and its gradient are explained.
"""

from __future__ import annotations

from . import functional as F
from .losses import _Loss


class CTCLoss(_Loss):
    """Connectionist temporal classification: ``-log p(target | log_probs)`` over every alignment.

    Args:
        blank: the blank class (default 0).
        reduction: ``"mean"`` (default: each loss divided by its target length,
            at least 1, then averaged), ``"sum"`` or ``"none"``.
        zero_infinity: give impossible alignments a loss and gradient of 0 instead of ``inf`` and NaN.

    Shape:
        log_probs ``(T, N, C)`` or ``(T, C)``; targets ``(N, S)`` padded or 1-D
        concatenated (``(S,)`` unbatched); input_lengths and target_lengths ``(N,)``;
        output a scalar, or ``(N,)`` with ``"none"``.

    Example:
        >>> ctc = CTCLoss(zero_infinity=True)  # doctest: +SKIP
        >>> ctc(logits.log_softmax(2), targets, input_lengths, target_lengths).backward()  # doctest: +SKIP
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(
            log_probs, targets, input_lengths, target_lengths, blank=self.blank, reduction=self.reduction,
            zero_infinity=self.zero_infinity,
        )  # fmt: skip
