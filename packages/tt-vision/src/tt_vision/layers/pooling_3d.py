"""3-d pooling layers: ``MaxPool3d``, ``AvgPool3d``, ``AdaptiveAvgPool3d``, ``AdaptiveMaxPool3d``."""

from __future__ import annotations

from tt_nn.module import Module

from ..conv_3d import triple
from ..pooling_3d import adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, max_pool3d
from .pooling import AvgPoolLayer, MaxPoolLayer


class MaxPool3d(MaxPoolLayer):
    """Maximum over ``kernel_size`` boxes of volumes, like ``torch.nn.MaxPool3d``.

    Args:
        kernel_size: window size, an int or a triple.
        stride: step between windows (default: ``kernel_size``).
        padding: implicit −∞ padding on both sides (at most half the kernel).
        dilation: spacing between window elements.
        ceil_mode: round the output size up instead of down.
        return_indices: the forward returns ``(values, int64 flat positions d·H·W + h·W + w)``.

    Shape:
        input ``(N, C, D, H, W)``; output ``(N, C, D_out, H_out, W_out)``, each
        ``(size + 2·padding − dilation·(k − 1) − 1) // stride + 1`` (ceil in ceil mode).

    Example:
        >>> import tt_autograd
        >>> tuple(MaxPool3d(2)(tt_autograd.randn(1, 3, 4, 8, 8)).shape)
        (1, 3, 2, 4, 4)
    """

    pool = staticmethod(max_pool3d)
    check = staticmethod(triple)


class AvgPool3d(AvgPoolLayer):
    """Mean over ``kernel_size`` boxes of volumes, like ``torch.nn.AvgPool3d``.

    Args:
        kernel_size, stride, padding, ceil_mode: as :class:`MaxPool3d` (zero padding).
        count_include_pad: count the padding in each window's divisor (default True).
        divisor_override: divide every window's sum by this instead.

    Example:
        >>> import tt_autograd
        >>> tuple(AvgPool3d(3, stride=2, padding=1)(tt_autograd.randn(1, 2, 5, 6, 6)).shape)
        (1, 2, 3, 3, 3)
    """

    pool = staticmethod(avg_pool3d)
    check = staticmethod(triple)


class AdaptiveAvgPool3d(Module):
    """Mean-pool volumes to ``output_size`` whatever their size, like ``torch.nn.AdaptiveAvgPool3d``.

    Example:
        >>> import tt_autograd
        >>> tuple(AdaptiveAvgPool3d((1, 2, 2))(tt_autograd.randn(2, 3, 5, 7, 7)).shape)
        (2, 3, 1, 2, 2)
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input):  # noqa: A002
        return adaptive_avg_pool3d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool3d(Module):
    """Max-pool volumes to ``output_size`` whatever their size, like ``torch.nn.AdaptiveMaxPool3d``.

    ``return_indices=True``: the forward also returns the int64 flat position ``d·H·W + h·W + w``.

    Example:
        >>> import tt_autograd
        >>> tuple(AdaptiveMaxPool3d(2)(tt_autograd.randn(1, 3, 5, 7, 7)).shape)
        (1, 3, 2, 2, 2)
    """

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):  # noqa: A002
        return adaptive_max_pool3d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
