"""Kernel taps that read only padding: trimmed off a convolution before it runs.

A dilated convolution on a small map can have taps that, for every output position, land
in the zero padding: DeepLabV3's ASPP runs 3×3 convolutions dilated 12, 24 and 36 on a map
of 8×8 (a 128×128 image at output stride 16), where all eight off-centre taps read zeros
and the convolution is exactly the 1×1 convolution of the centre tap. :func:`live_taps`
finds, per spatial axis, the range of taps that can read the input; :func:`trim_dead_taps`
slices the weight to that range and shifts the padding so every output is the same sum
without its zero terms. The gradient of a trimmed-off tap is then 0, as it is exactly
for the full kernel (it multiplied only zeros). The one difference: a NaN or infinite weight
on a dead tap no longer makes the output NaN (``0 · inf``), as it does in PyTorch.

Cost: nothing when no tap is dead; otherwise the convolution's work shrinks by the ratio
of live to all taps (for ASPP's branches on the 8×8 map, 9×).
"""

from __future__ import annotations

__all__ = ["live_taps", "trim_dead_taps"]


def live_taps(length: int, kernel: int, stride: int, pad: tuple[int, int], dilation: int):
    """The taps of one axis that can read the input: ``(first, last, new_pad)``, or None when all can.

    Output ``o`` reads input coordinate ``o·stride + t·dilation − pad[0]`` with tap ``t``; a tap
    is dead when that lies outside ``[0, length)`` for every ``o`` of the interval
    ``[0, (out − 1)·stride]`` (a superset of the positions read, so a dead tap is surely dead).
    ``new_pad`` keeps every output reading the same input with taps ``first .. last`` only; when
    that would need negative padding (cropping), None is returned and nothing is trimmed.
    """
    out = (length + pad[0] + pad[1] - dilation * (kernel - 1) - 1) // stride + 1
    span = (out - 1) * stride
    live = [t for t in range(kernel) if t * dilation - pad[0] < length and span + t * dilation - pad[0] >= 0]
    if not live or len(live) == kernel:
        return None
    first, last = live[0], live[-1]
    low = pad[0] - first * dilation
    high = span + (last - first) * dilation + 1 - length - low
    if low < 0 or high < 0:
        return None
    return first, last, (low, high)


def trim_dead_taps(weight, size: tuple[int, int], stride, padding, dilation):
    """``(weight, padding)`` for a 2-d convolution of an input of spatial ``size``, the weight sliced to the
    taps that can read the input (a differentiable slice) and ``padding`` ``(top, bottom, left, right)``
    shifted to match; the arguments unchanged when no tap is dead."""
    kh, kw = weight.shape[2:]
    rows = live_taps(size[0], kh, stride[0], padding[:2], dilation[0])
    cols = live_taps(size[1], kw, stride[1], padding[2:], dilation[1])
    if rows is None and cols is None:
        return weight, padding
    top, bottom = padding[:2] if rows is None else rows[2]
    left, right = padding[2:] if cols is None else cols[2]
    row_slice = slice(0, kh) if rows is None else slice(rows[0], rows[1] + 1)
    col_slice = slice(0, kw) if cols is None else slice(cols[0], cols[1] + 1)
    return weight[:, :, row_slice, col_slice], (top, bottom, left, right)
