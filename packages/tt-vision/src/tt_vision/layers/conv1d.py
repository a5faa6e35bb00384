"""``Conv1d``: a learnable 1-d convolution layer around :func:`tt_vision.functional.conv1d`."""

from __future__ import annotations

from ..conv_1d import conv1d
from ..conv_transpose import single
from ._conv_common import ConvLayer


def _one(op: str, name: str, value, minimum: int = 1) -> tuple[int]:
    """``3`` or ``(3,)`` → ``(3,)``: the 1-tuple PyTorch stores a 1-d layer's arguments as."""
    return (single(op, name, value, minimum),)


class Conv1d(ConvLayer):
    """1-d convolution over ``(N, C_in, L)`` (sequences, audio), like ``torch.nn.Conv1d``.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, dilation: an int (stored as a 1-tuple, as in PyTorch).
        padding: an int, ``'valid'`` or ``'same'`` (stride 1) (default 0).
        groups: split channels into this many independent convolutions.
        bias: learn a per-channel bias (default True).
        padding_mode: ``'zeros'`` (default), ``'reflect'``, ``'replicate'`` or ``'circular'``: the
            input is padded by ``F.pad`` in that mode, then convolved without padding (as PyTorch).

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

    convolution = staticmethod(conv1d)
    as_tuple = staticmethod(_one)
