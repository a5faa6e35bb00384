"""Max-unpooling layers, as in ``torch.nn``: ``MaxUnpool1d``, ``MaxUnpool2d``, ``MaxUnpool3d`` (stateless).

Each is :func:`tt_vision.max_unpool.max_unpool1d` / ``2d`` / ``3d`` with the
pool's ``kernel_size``, ``stride`` and ``padding`` kept (as tuples, as PyTorch
keeps them); the forward takes the values, the indices and an optional
``output_size``.
"""

from __future__ import annotations

from tt_nn.module import Module

from .._layout import ints, pair
from ..conv_transpose import single
from ..max_unpool import max_unpool1d, max_unpool2d, max_unpool3d


class MaxUnpool2d(Module):
    """Put max-pooled values back where ``MaxPool2d(..., return_indices=True)`` found them, zeros elsewhere.

    Args: ``kernel_size``, ``stride=None`` (the kernel size), ``padding=0``: the pool's, an int or a pair.

    Shape: input and indices ``(N, C, H, W)``; output ``(N, C, (H − 1)·stride − 2·padding + kernel, ...)``,
    or ``output_size`` given to the forward.

    Example:
        >>> import tt_autograd
        >>> from tt_vision import MaxPool2d
        >>> values, indices = MaxPool2d(2, return_indices=True)(tt_autograd.randn(1, 3, 5, 5))
        >>> tuple(MaxUnpool2d(2)(values, indices, output_size=(5, 5)).shape)
        (1, 3, 5, 5)
    """

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        self.kernel_size = pair("MaxUnpool2d", "kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else pair("MaxUnpool2d", "stride", stride)
        self.padding = pair("MaxUnpool2d", "padding", padding, minimum=0)

    def forward(self, input, indices, output_size=None):  # noqa: A002
        return max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(Module):
    """Put max-pooled values back where ``MaxPool1d(..., return_indices=True)`` found them, zeros elsewhere.

    Args: ``kernel_size``, ``stride=None`` (the kernel size), ``padding=0``: the pool's, each an int.

    Example:
        >>> import tt_autograd
        >>> from tt_vision import MaxPool1d
        >>> values, indices = MaxPool1d(2, return_indices=True)(tt_autograd.randn(1, 3, 8))
        >>> tuple(MaxUnpool1d(2)(values, indices).shape)
        (1, 3, 8)
    """

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        self.kernel_size = (single("MaxUnpool1d", "kernel_size", kernel_size),)
        self.stride = self.kernel_size if stride is None else (single("MaxUnpool1d", "stride", stride),)
        self.padding = (single("MaxUnpool1d", "padding", padding, minimum=0),)

    def forward(self, input, indices, output_size=None):  # noqa: A002
        return max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool3d(Module):
    """Put max-pooled values back where ``MaxPool3d(..., return_indices=True)`` found them, zeros elsewhere.

    Args: ``kernel_size``, ``stride=None`` (the kernel size), ``padding=0``: the pool's, an int or a triple.

    Example:
        >>> import tt_autograd
        >>> from tt_vision import MaxPool3d
        >>> values, indices = MaxPool3d(2, return_indices=True)(tt_autograd.randn(1, 3, 4, 5, 5))
        >>> tuple(MaxUnpool3d(2)(values, indices, output_size=(4, 5, 5)).shape)
        (1, 3, 4, 5, 5)
    """

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        self.kernel_size = ints("MaxUnpool3d", "kernel_size", kernel_size, 3)
        self.stride = self.kernel_size if stride is None else ints("MaxUnpool3d", "stride", stride, 3)
        self.padding = ints("MaxUnpool3d", "padding", padding, 3, minimum=0)

    def forward(self, input, indices, output_size=None):  # noqa: A002
        return max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
