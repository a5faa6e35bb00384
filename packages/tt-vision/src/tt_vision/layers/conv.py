"""``Conv2d``: a learnable 2-d convolution layer around :func:`tt_vision.functional.conv2d`."""

from __future__ import annotations

import tt_autograd  # noqa: F401  (the docstring's example)
from tt_nn.module import Module

from .. import functional as F
from .._layout import pair
from ._conv_common import (
    check_channels,
    check_padding,
    conv_repr,
    convolve,
    make_parameters,
    reset_parameters,
    reversed_padding,
)


class Conv2d(Module):
    """2-d convolution over an ``(N, C_in, H, W)`` input, like ``torch.nn.Conv2d``.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output (number of filters).
        kernel_size: an int or a pair ``(kh, kw)``.
        stride, dilation: an int or a pair (default 1).
        padding: an int, a pair, ``'valid'`` or ``'same'`` (default 0).
        groups: split channels into this many independent convolutions; both
            channel counts must be divisible by it.
        bias: learn a per-channel bias (default True).
        padding_mode: ``'zeros'`` (default), ``'reflect'``, ``'replicate'`` or ``'circular'``: the
            input is padded by ``F.pad`` in that mode, then convolved without padding (as PyTorch).

    Attributes:
        weight: ``(out_channels, in_channels / groups, kh, kw)``, drawn from
            ``U(−1/√fan_in, 1/√fan_in)`` with ``fan_in = in_channels / groups · kh · kw``
            (PyTorch's ``kaiming_uniform_(a=√5)``).
        bias: ``(out_channels,)``, from the same distribution.

    Shape:
        input ``(N, C_in, H, W)``; output ``(N, C_out, H_out, W_out)`` with
        ``H_out = (H + 2·padding − dilation·(kh − 1) − 1) // stride + 1``.

    Example:
        >>> conv = Conv2d(3, 16, 3, padding=1)
        >>> tuple(conv(tt_autograd.randn(2, 3, 32, 32)).shape)
        (2, 16, 32, 32)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        self.in_channels, self.out_channels, self.groups = check_channels(
            "Conv2d", in_channels, out_channels, groups, device
        )
        self.kernel_size = pair("Conv2d", "kernel_size", kernel_size)
        self.stride = pair("Conv2d", "stride", stride)
        self.padding = padding if isinstance(padding, str) else pair("Conv2d", "padding", padding, minimum=0)
        check_padding("Conv2d", self.padding, self.stride, padding_mode)
        self.dilation = pair("Conv2d", "dilation", dilation)
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = reversed_padding(self)
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        make_parameters(self, shape, bias, self.out_channels, dtype)

    def reset_parameters(self) -> None:
        """Redraw weight and bias with PyTorch's default initialisation."""
        reset_parameters(self)

    def forward(self, input):  # noqa: A002
        return convolve(self, F.conv2d, input)

    def extra_repr(self) -> str:
        return conv_repr(self)
