"""``conv1d``: a 1-d convolution is a 2-d one over an ``(N, C, 1, L)`` view of the input.

The kernel is ``(C_out, C_in / groups, 1, k)`` and every argument's height part
is neutral (stride 1, padding 0, dilation 1), so :func:`~tt_vision.functional.conv2d`
runs it — im2col, one GEMM, and its backward — with no code of its own.
"""

from __future__ import annotations

from tt_autograd import Tensor

from .conv_transpose import _as_1d, single
from .functional import _as_tensor, conv2d  # imported at functional.py's end


def conv1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
    groups: int = 1,
) -> Tensor:
    """1-d convolution (cross-correlation) of ``input`` with ``weight``, like ``torch.nn.functional.conv1d``.

    Args:
        input: ``(N, C_in, L)`` (or ``(C_in, L)``).
        weight: ``(C_out, C_in / groups, k)``.
        bias: ``(C_out,)`` or None.
        stride, dilation: an int (or a 1-tuple).
        padding: an int, a 1-tuple, ``'valid'`` or ``'same'`` (stride 1; an odd total puts the extra
            zero on the right, as in PyTorch).
        groups: split the channels into this many independent convolutions.

    Shape:
        output ``(N, C_out, (L + 2·padding − dilation·(k − 1) − 1) // stride + 1)``.

    Cost: as :func:`conv2d` on a height-1 image: N·L_out·k·C_in copied, one GEMM.

    Example:
        >>> import tt_autograd as autograd
        >>> tuple(conv1d(autograd.randn(2, 4, 10), autograd.randn(6, 4, 3), padding="same").shape)
        (2, 6, 10)
    """
    op = "conv1d"
    weight = _as_tensor(op, weight, "weight")
    if weight.ndim != 3:
        raise ValueError(f"{op}: weight must be 3-d (C_out, C_in/groups, k), got shape {tuple(weight.shape)}")
    if isinstance(padding, str):
        pad = padding  # 'same' / 'valid': conv2d reads them, and pads nothing along the height of 1
    else:
        pad = (0, single(op, "padding", padding, minimum=0))
    stride_, dilation_ = (1, single(op, "stride", stride)), (1, single(op, "dilation", dilation))
    weight_2d = weight.unsqueeze(2)
    return _as_1d(op, input, lambda x: conv2d(x, weight_2d, bias, stride_, pad, dilation_, groups))
