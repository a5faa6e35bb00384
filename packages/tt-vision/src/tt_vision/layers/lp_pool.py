"""Power-average pooling layers, as in ``torch.nn``: ``LPPool1d`` and ``LPPool2d`` (no parameters, no state).

Each is :func:`tt_vision.lp_pool.lp_pool1d` / ``lp_pool2d`` with its arguments
kept as given (PyTorch's repr shows them so, ``stride=None`` included).
"""

from __future__ import annotations

from tt_nn.module import Module

from .._layout import pair
from ..conv_transpose import single
from ..lp_pool import check_norm, lp_pool1d, lp_pool2d


class LPPool2d(Module):
    """The ``norm_type``-norm ``(Σ xᵖ)^(1/p)`` of each window of ``(N, C, H, W)``, like ``torch.nn.LPPool2d``.

    Args: ``norm_type`` (p), ``kernel_size`` (an int or a pair), ``stride=None`` (the kernel size),
    ``ceil_mode=False``; see :func:`lp_pool2d`.

    Example:
        >>> import tt_autograd
        >>> tuple(LPPool2d(2, 3, stride=2)(tt_autograd.randn(1, 3, 7, 7)).shape)
        (1, 3, 3, 3)
    """

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> None:
        super().__init__()
        check_norm("LPPool2d", norm_type)
        pair("LPPool2d", "kernel_size", kernel_size)  # checked now, not at the first forward
        if stride is not None:
            pair("LPPool2d", "stride", stride)
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = (
            norm_type,
            kernel_size,
            stride,
            ceil_mode,
        )

    def forward(self, input):  # noqa: A002
        return lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(Module):
    """The ``norm_type``-norm ``(Σ xᵖ)^(1/p)`` of each window of ``(N, C, L)``, like ``torch.nn.LPPool1d``.

    Args: ``norm_type`` (p), ``kernel_size``, ``stride=None`` (the kernel size), ``ceil_mode=False``;
    see :func:`lp_pool1d`.

    Example:
        >>> import tt_autograd
        >>> tuple(LPPool1d(2, 3)(tt_autograd.randn(2, 4, 9)).shape)
        (2, 4, 3)
    """

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> None:
        super().__init__()
        check_norm("LPPool1d", norm_type)
        single("LPPool1d", "kernel_size", kernel_size)
        if stride is not None:
            single("LPPool1d", "stride", stride)
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = (
            norm_type,
            kernel_size,
            stride,
            ceil_mode,
        )

    def forward(self, input):  # noqa: A002
        return lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )
