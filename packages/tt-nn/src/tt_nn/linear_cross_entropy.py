"""``nn.LinearCrossEntropyLoss``: a classifier head and its cross-entropy in one module (PyTorch 2.13).

It owns the ``Linear(in_features, num_classes · prod(out_features))`` layer (``self.linear``) and
calls :func:`~tt_nn.functional.linear_cross_entropy` with its weight, so with ``options`` the
``(N, num_classes)`` logits are never formed whole (see that function for the chunking and its cost).
"""

from __future__ import annotations

import math

from tt_tensor.checks import check_count, check_number

from .functional._checks import tensor_arg
from .functional.linear_cross_entropy import LinearCrossEntropyOptions, linear_cross_entropy

__all__ = ["LinearCrossEntropyLoss", "LinearCrossEntropyOptions"]
from .linear import Linear
from .losses import _WeightedLoss


class LinearCrossEntropyLoss(_WeightedLoss):
    """``torch.nn.LinearCrossEntropyLoss``: ``cross_entropy(self.linear(input), target)``.

    Args:
        in_features: width of the input.
        num_classes: ``C``.
        out_features: extra output dims ``(d_1, ..., d_K)`` of a K-dimensional loss (default ``()``).
        bias: give ``self.linear`` a bias (default False, as PyTorch).
        dtype: the linear layer's dtype (device: the CPU only).
        reduction, weight, ignore_index, label_smoothing: as :class:`~tt_nn.CrossEntropyLoss`
            (``ignore_index`` None: ``-100`` for class indices).
        options: None, or :class:`LinearCrossEntropyOptions` for the chunked computation.

    Shape: input ``(in_features,)`` or ``(N, in_features)``; target as ``cross_entropy``'s for
    logits ``(N, C, d_1, ..., d_K)``; output a scalar, or the target's shape with ``"none"``.

    Example:
        >>> import tt_autograd as autograd
        >>> head = LinearCrossEntropyLoss(16, 1000, options=LinearCrossEntropyOptions(batch_chunk_size=8))
        >>> head(autograd.randn(32, 16), autograd.randint(0, 1000, (32,))).backward()
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        *,
        out_features: tuple[int, ...] = (),
        bias: bool = False,
        device=None,
        dtype=None,
        reduction: str = "mean",
        weight=None,
        ignore_index: int | None = None,
        label_smoothing: float = 0.0,
        options: LinearCrossEntropyOptions | None = None,
    ) -> None:
        op = "LinearCrossEntropyLoss"
        num_classes = check_count(op, "num_classes", num_classes, 1)
        out_features = tuple(check_count(op, "out_features", d, 1) for d in out_features)
        if weight is not None and tuple(tensor_arg(op, weight, "weight").shape) != (num_classes,):
            raise ValueError(f"{op}: expected weight shape to be {(num_classes,)}, got {tuple(weight.shape)}")
        label_smoothing = check_number(op, "label_smoothing", label_smoothing)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"{op}: expected label_smoothing to be in range [0, 1], got {label_smoothing}")
        if options is not None and not isinstance(options, LinearCrossEntropyOptions):
            raise TypeError(
                f"{op}: options must be None or a LinearCrossEntropyOptions, got {type(options).__name__}"
            )
        super().__init__(weight=weight, reduction=reduction)
        self.num_classes, self.out_features = num_classes, out_features
        self.ignore_index, self.label_smoothing, self.options = ignore_index, label_smoothing, options
        width = math.prod(out_features, start=num_classes)
        self.linear = Linear(in_features, width, bias=bias, device=device, dtype=dtype)

    def forward(self, input, target):  # noqa: A002
        weight = self.linear.weight.reshape(self.num_classes, *self.out_features, self.linear.in_features)
        bias = (
            None
            if self.linear.bias is None
            else self.linear.bias.reshape(self.num_classes, *self.out_features)
        )
        return linear_cross_entropy(
            input,
            weight,
            target,
            linear_bias=bias,
            weight=self.weight,
            reduction=self.reduction,
            ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing,
            options=self.options,
        )

    def extra_repr(self) -> str:
        return (
            f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
            f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
            f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
            f"label_smoothing={self.label_smoothing}, options={self.options}"
        )
