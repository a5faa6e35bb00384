"""``Conv1d``: a learnable 1-d convolution layer around :func:`tt_vision.functional.conv1d`."""

from __future__ import annotations

from tt_nn.module import Module

from ..conv_1d import conv1d
from ..conv_transpose import single
from ._conv_common import check_channels, check_padding, conv_repr, make_parameters, reset_parameters


class Conv1d(Module):
    """1-d convolution over ``(N, C_in, L)`` (sequences, audio), like ``torch.nn.Conv1d``.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, dilation: an int (stored as a 1-tuple, as in PyTorch).
        padding: an int, ``'valid'`` or ``'same'`` (stride 1) (default 0).
        groups: split channels into this many independent convolutions.
        bias: learn a per-channel bias (default True).
        padding_mode: only ``'zeros'``.

    Attributes:
        weight: ``(out_channels, in_channels / groups, k)``, ``U(−1/√fan_in, 1/√fan_in)`` with
            ``fan_in = in_channels / groups · k`` (PyTorch's ``kaiming_uniform_(a=√5)``).
        bias: ``(out_channels,)``, same bound.

    Shape:
        input ``(N, C_in, L)``; output ``(N, C_out, (L + 2·padding − dilation·(k − 1) − 1) // stride + 1)``.

    Example:
        >>> import tt_autograd
        >>> tuple(Conv1d(4, 8, 3, padding=1)(tt_autograd.randn(2, 4, 16)).shape)
        (2, 8, 16)
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
        name = type(self).__name__
        self.in_channels, self.out_channels, self.groups = check_channels(
            name, in_channels, out_channels, groups, padding_mode, device
        )
        self.kernel_size = (single(name, "kernel_size", kernel_size),)
        self.stride = (single(name, "stride", stride),)
        self.padding = padding if isinstance(padding, str) else (single(name, "padding", padding, minimum=0),)
        check_padding(name, self.padding, self.stride)
        self.dilation = (single(name, "dilation", dilation),)
        self.padding_mode = padding_mode
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        make_parameters(self, shape, bias, self.out_channels, dtype)

    def reset_parameters(self) -> None:
        """Redraw weight and bias with PyTorch's default initialisation."""
        reset_parameters(self)

    def forward(self, input):  # noqa: A002
        return conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        return conv_repr(self)
