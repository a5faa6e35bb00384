"""``Unfold`` and ``Fold``: the functions of :mod:`tt_vision.folding` as modules."""

from __future__ import annotations

from tt_nn.module import Module

from ..folding import fold, unfold


class Unfold(Module):
    """Every sliding block of an ``(N, C, H, W)`` input as a column of ``(N, C·kh·kw, L)``, as ``nn.Unfold``.

    Args: ``kernel_size``, ``dilation=1``, ``padding=0``, ``stride=1`` (ints or pairs), as :func:`unfold`.

    Example:
        >>> import tt_autograd
        >>> tuple(Unfold(2, stride=2)(tt_autograd.randn(1, 3, 4, 4)).shape)
        (1, 12, 4)
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input):  # noqa: A002
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
            f"stride={self.stride}"
        )


class Fold(Module):
    """Sum columns ``(N, C·kh·kw, L)`` back into an ``(N, C, H, W)`` image, like ``torch.nn.Fold``.

    Args: ``output_size``, ``kernel_size``, ``dilation=1``, ``padding=0``, ``stride=1``, as :func:`fold`.

    Example:
        >>> import tt_autograd
        >>> tuple(Fold((4, 4), 2, stride=2)(tt_autograd.randn(1, 12, 4)).shape)
        (1, 3, 4, 4)
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input):  # noqa: A002
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )
