"""``Conv2d``: a learnable 2-d convolution layer around :func:`tt_vision.functional.conv2d`."""

from __future__ import annotations

import math

import tt_autograd
from tt_nn import init
from tt_nn.module import Module
from tt_nn.parameter import Parameter
from tt_tensor.checks import check_count

from .. import functional as F
from .._layout import pair


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
        padding_mode: only ``'zeros'``.

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
        if device is not None and str(device) != "cpu":
            raise RuntimeError(f"Conv2d: device {device!r} is not available; TinyTorch runs on the CPU only")
        in_channels = check_count("Conv2d", "in_channels", in_channels, 1)
        out_channels = check_count("Conv2d", "out_channels", out_channels, 1)
        groups = check_count("Conv2d", "groups", groups, 1)
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"Conv2d: in_channels ({in_channels}) and out_channels ({out_channels}) must both "
                f"be divisible by groups ({groups})"
            )
        if padding_mode != "zeros":
            raise NotImplementedError(f"Conv2d: padding_mode={padding_mode!r} is not supported; only 'zeros'")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"Conv2d: padding must be an int, a pair, 'same' or 'valid', got {padding!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = pair("Conv2d", "kernel_size", kernel_size)
        self.stride = pair("Conv2d", "stride", stride)
        self.padding = padding if isinstance(padding, str) else pair("Conv2d", "padding", padding, minimum=0)
        self.dilation = pair("Conv2d", "dilation", dilation)
        if padding == "same" and self.stride != (1, 1):
            raise ValueError("Conv2d: padding='same' is not supported for strided convolutions")
        self.padding_mode = padding_mode
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(tt_autograd.empty(*shape, dtype=dtype))
        if bias:
            self.bias = Parameter(tt_autograd.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw weight and bias with PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * self.kernel_size[0] * self.kernel_size[1]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):  # noqa: A002
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        )
        if self.padding != (0, 0):
            text += (
                f", padding={self.padding!r}"
                if isinstance(self.padding, str)
                else f", padding={self.padding}"
            )
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text
