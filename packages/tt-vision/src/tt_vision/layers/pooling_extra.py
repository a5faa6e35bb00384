"""1-d pooling layers and adaptive max pooling, as in ``torch.nn`` (no parameters, no state).

``MaxPool1d``, ``AvgPool1d``, ``AdaptiveAvgPool1d``, ``AdaptiveMaxPool1d`` run the 2-d
kernels on an ``(N, C, 1, L)`` view (:mod:`tt_vision.pooling_1d`);
``AdaptiveMaxPool2d`` is :func:`tt_vision.adaptive_max_pool.adaptive_max_pool2d`.
"""

from __future__ import annotations

from tt_nn.module import Module

from ..adaptive_max_pool import adaptive_max_pool2d
from ..conv_transpose import single
from ..pooling_1d import adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d, max_pool1d
from .pooling import MaxPoolLayer


class MaxPool1d(MaxPoolLayer):
    """Maximum over ``kernel_size`` windows of ``(N, C, L)``, like ``torch.nn.MaxPool1d``.

    Args: ``kernel_size``, ``stride=None`` (the kernel size), ``padding=0``, ``dilation=1``,
    ``return_indices=False`` (True: the forward returns ``(values, int64 positions in L)``, what
    ``MaxUnpool1d`` takes), ``ceil_mode=False``; see :func:`max_pool1d`.

    Example:
        >>> import tt_autograd
        >>> tuple(MaxPool1d(2)(tt_autograd.randn(4, 3, 10)).shape)
        (4, 3, 5)
    """

    pool = staticmethod(max_pool1d)
    check = staticmethod(single)


class AvgPool1d(Module):
    """Mean over ``kernel_size`` windows of ``(N, C, L)``, like ``torch.nn.AvgPool1d``.

    Args: ``kernel_size``, ``stride=None`` (the kernel size), ``padding=0``, ``ceil_mode=False``,
    ``count_include_pad=True``; see :func:`avg_pool1d`. They are kept as 1-tuples, as in PyTorch.

    Example:
        >>> import tt_autograd
        >>> tuple(AvgPool1d(3, stride=1, padding=1)(tt_autograd.randn(4, 3, 10)).shape)
        (4, 3, 10)
    """

    def __init__(
        self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True
    ) -> None:
        super().__init__()
        self.kernel_size = (single("AvgPool1d", "kernel_size", kernel_size),)
        self.stride = self.kernel_size if stride is None else (single("AvgPool1d", "stride", stride),)
        self.padding = (single("AvgPool1d", "padding", padding, minimum=0),)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):  # noqa: A002
        return avg_pool1d(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(Module):
    """Mean-pool ``(N, C, L)`` to ``(N, C, output_size)``, like ``torch.nn.AdaptiveAvgPool1d``.

    Example:
        >>> import tt_autograd
        >>> tuple(AdaptiveAvgPool1d(4)(tt_autograd.randn(2, 3, 10)).shape)
        (2, 3, 4)
    """

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input):  # noqa: A002
        return adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(Module):
    """Max-pool ``(N, C, L)`` to ``(N, C, output_size)``, like ``torch.nn.AdaptiveMaxPool1d``.

    With ``return_indices=True`` the forward returns ``(values, int64 positions in L)``.

    Example:
        >>> import tt_autograd
        >>> tuple(AdaptiveMaxPool1d(4)(tt_autograd.randn(2, 3, 10)).shape)
        (2, 3, 4)
    """

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):  # noqa: A002
        return adaptive_max_pool1d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max-pool ``(N, C, H, W)`` to a fixed ``output_size`` (an int, a pair, ``None`` keeps an axis).

    Like ``torch.nn.AdaptiveMaxPool2d``; with ``return_indices=True`` the forward returns
    ``(values, int64 positions h·W + w)``.

    Example:
        >>> import tt_autograd
        >>> tuple(AdaptiveMaxPool2d((2, None))(tt_autograd.randn(1, 3, 7, 5)).shape)
        (1, 3, 2, 5)
    """

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):  # noqa: A002
        return adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
