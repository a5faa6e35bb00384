"""``Conv3d``: a learnable 3-d convolution layer around :func:`tt_vision.functional.conv3d`."""

from __future__ import annotations

from ..conv_3d import conv3d, triple
from ._conv_common import ConvLayer


class Conv3d(ConvLayer):
    """3-d convolution over volumes ``(N, C_in, D, H, W)`` (video, scans), like ``torch.nn.Conv3d``.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, dilation: an int or a triple (stored as a triple, as in PyTorch).
        padding: an int, a triple, ``'valid'`` or ``'same'`` (stride 1) (default 0).
        groups: split channels into this many independent convolutions.
        bias: learn a per-channel bias (default True).
        padding_mode: ``'zeros'`` (default), ``'reflect'``, ``'replicate'`` or ``'circular'``: the
            input is padded by ``F.pad`` in that mode, then convolved without padding (as PyTorch).

    Attributes:
        weight: ``(out_channels, in_channels / groups, kd, kh, kw)``, ``U(−1/√fan_in, 1/√fan_in)`` with
            ``fan_in = in_channels / groups · kd·kh·kw`` (PyTorch's ``kaiming_uniform_(a=√5)``).
        bias: ``(out_channels,)``, same bound.

    Shape:
        input ``(N, C_in, D, H, W)``; output ``(N, C_out, D_out, H_out, W_out)`` (see
        :func:`~tt_vision.functional.conv3d`).

    Example:
        >>> import tt_autograd
        >>> tuple(Conv3d(2, 4, 3, padding=1)(tt_autograd.randn(1, 2, 5, 8, 8)).shape)
        (1, 4, 5, 8, 8)
    """

    convolution = staticmethod(conv3d)
    as_tuple = staticmethod(triple)
