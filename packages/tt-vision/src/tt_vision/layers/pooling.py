"""Pooling layers: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d`` (no parameters, no state)."""

from __future__ import annotations

from collections.abc import Callable

from tt_nn.module import Module

from .. import functional as F
from .._layout import pair


class MaxPoolLayer(Module):
    """PyTorch's ``_MaxPoolNd``: the settings of ``MaxPool1d``, ``MaxPool2d`` and ``MaxPool3d``.

    A subclass names its functional form (``pool``) and the check of a size argument for its
    number of dimensions (``check(op, name, value)``, run when the layer is built, not at its
    first forward).
    """

    pool: Callable
    check: Callable

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        dilation=1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.check(name, "kernel_size", kernel_size)
        if stride is not None:
            self.check(name, "stride", stride)
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):  # noqa: A002
        return self.pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool2d(MaxPoolLayer):
    """Maximum over ``kernel_size`` windows, like ``torch.nn.MaxPool2d``.

    Args:
        kernel_size: window size, an int or a pair.
        stride: step between windows (default: ``kernel_size``).
        padding: implicit −∞ padding on both sides (at most half the kernel).
        dilation: spacing between window elements.
        ceil_mode: round the output size up instead of down.
        return_indices: the forward returns ``(values, int64 flat positions h·W + w)``, what
            ``MaxUnpool2d`` takes.

    Shape:
        input ``(N, C, H, W)``; output ``(N, C, H_out, W_out)`` with
        ``H_out = (H + 2·padding − dilation·(k − 1) − 1) // stride + 1`` (ceil in ceil mode).

    Example:
        >>> import tt_autograd
        >>> tuple(MaxPool2d(2)(tt_autograd.randn(1, 3, 8, 8)).shape)
        (1, 3, 4, 4)
    """

    pool = staticmethod(F.max_pool2d)
    check = staticmethod(pair)


class AvgPoolLayer(Module):
    """PyTorch's ``_AvgPoolNd`` for ``AvgPool2d`` and ``AvgPool3d``: settings, forward and repr.

    A subclass names its functional form (``pool``) and the check of ``kernel_size`` for its
    number of dimensions (``check(op, name, value)``, run when the layer is built).
    """

    pool: Callable
    check: Callable

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.check(type(self).__name__, "kernel_size", kernel_size)
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):  # noqa: A002
        return self.pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(AvgPoolLayer):
    """Mean over ``kernel_size`` windows, like ``torch.nn.AvgPool2d``.

    Args:
        kernel_size, stride, padding, ceil_mode: as for :class:`MaxPool2d` (zero padding).
        count_include_pad: count the zero padding in each window's mean (default True).
        divisor_override: divide every window's sum by this instead.

    Example:
        >>> import tt_autograd
        >>> tuple(AvgPool2d(2)(tt_autograd.randn(1, 3, 8, 8)).shape)
        (1, 3, 4, 4)
    """

    pool = staticmethod(F.avg_pool2d)
    check = staticmethod(pair)


class AdaptiveAvgPool2d(Module):
    """Mean-pool to a fixed ``output_size`` (an int, a pair, ``None`` keeps an axis), like PyTorch's.

    ``AdaptiveAvgPool2d(1)`` is global average pooling.

    Example:
        >>> import tt_autograd
        >>> tuple(AdaptiveAvgPool2d((2, 1))(tt_autograd.randn(1, 3, 7, 5)).shape)
        (1, 3, 2, 1)
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input):  # noqa: A002
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
