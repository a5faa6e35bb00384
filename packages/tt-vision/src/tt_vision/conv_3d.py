"""``conv3d`` and ``conv_transpose3d``: 3-d convolutions as sums of 2-d ones, one per kernel depth offset.

For a kernel ``(C_out, C_in / groups, kd, kh, kw)``, output depth ``z`` reads
input depths ``z·s + a·d`` for ``a = 0 … kd − 1``. So for each depth offset
``a`` the input slab of depths ``a·d, a·d + s, …`` (one per output depth) is
a batch of ``N · D_out`` images, and :func:`~tt_vision.functional.conv2d` with
the kernel's slice ``[:, :, a]`` convolves them all at once; the ``kd``
results add up to the 3-d convolution. The loop runs over the kernel's depth
offsets only (3 for a 3×3×3 kernel), never over positions, and the gradients
are conv2d's own (its im2col, GEMMs and backward), carried back through the
slicing and the sum.

Cost: ``kd`` conv2d calls on ``N · D_out`` images, i.e. the FLOPs of the 3-d
convolution (``2 · N · D_out·H_out·W_out · C_out · C_in/groups · kd·kh·kw``),
plus one copy of each slab into image-batch order.

``conv_transpose3d`` is the same idea turned around: for each depth offset
``a``, :func:`~tt_vision.conv_transpose.conv_transpose2d` spreads every input
depth's image with the kernel's slice ``[:, :, a]``, and the ``N · D`` results
land at output depths ``i·s + a·d``; the ``kd`` placed volumes add up, and the
padding is trimmed from both ends of the depth, as from the planes.
"""

from __future__ import annotations

from tt_autograd import Tensor, stack, zeros
from tt_nn.functional import pad as pad_tensor

from ._layout import ints
from .conv_transpose import _check_output_padding, conv_transpose2d, transposed_size
from .functional import _as_tensor, conv2d  # imported at functional.py's end

Triple = int | tuple[int, int, int]


def triple(op: str, name: str, value, minimum: int = 1) -> tuple[int, int, int]:
    """``3`` → ``(3, 3, 3)``; ``(1, 2, 3)`` stays; checked to be ints ``>= minimum``."""
    return ints(op, name, value, 3, minimum)  # type: ignore[return-value]


def volumes(op: str, x: object) -> tuple[Tensor, bool]:
    """``x`` as a 5-d batch ``(N, C, D, H, W)``, and whether it came without the batch axis (4-d)."""
    x = _as_tensor(op, x)
    if x.ndim not in (4, 5):
        raise ValueError(
            f"{op}: expected a 4-d (C, D, H, W) or 5-d (N, C, D, H, W) input, got shape {tuple(x.shape)}"
        )
    return (x, False) if x.ndim == 5 else (x.unsqueeze(0), True)


def _kernel(op: str, weight: object, layout: str) -> Tensor:
    weight = _as_tensor(op, weight, "weight")
    if weight.ndim != 5:
        raise ValueError(f"{op}: weight must be 5-d ({layout}, kd, kh, kw), got shape {tuple(weight.shape)}")
    return weight


def conv3d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Triple = 1,
    padding: Triple | str = 0,
    dilation: Triple = 1,
    groups: int = 1,
) -> Tensor:
    """3-d convolution (cross-correlation) of volumes, like ``torch.nn.functional.conv3d``.

    Args:
        input: ``(N, C_in, D, H, W)`` (or ``(C_in, D, H, W)``).
        weight: ``(C_out, C_in / groups, kd, kh, kw)``.
        bias: ``(C_out,)`` or None.
        stride, dilation: an int or a triple.
        padding: an int, a triple, ``'valid'`` or ``'same'`` (stride 1; an odd total puts the extra
            zero at the end of the axis, as in PyTorch).
        groups: split the channels into this many independent convolutions.

    Shape:
        output ``(N, C_out, D_out, H_out, W_out)``, each ``(size + 2·padding − dilation·(k − 1) − 1)
        // stride + 1``.

    Example:
        >>> import tt_autograd as autograd
        >>> tuple(conv3d(autograd.randn(2, 4, 6, 8, 8), autograd.randn(5, 4, 3, 3, 3), padding=1).shape)
        (2, 5, 6, 8, 8)
    """
    op = "conv3d"
    weight = _kernel(op, weight, "C_out, C_in/groups")
    batched, unbatched = volumes(op, input)
    stride_, dilation_ = triple(op, "stride", stride), triple(op, "dilation", dilation)
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"{op}: padding must be an int, a triple, 'valid' or 'same', got {padding!r}")
        if padding == "same" and stride_ != (1, 1, 1):
            raise ValueError(
                f"{op}: padding='same' is not supported for strided convolutions (stride={stride_})"
            )
        total = dilation_[0] * (kernel[0] - 1) if padding == "same" else 0
        depth_pad, plane_pad = (total // 2, total - total // 2), padding  # conv2d pads the planes its way
    else:
        pad_ = triple(op, "padding", padding, minimum=0)
        depth_pad, plane_pad = (pad_[0], pad_[0]), pad_[1:]
    if batched.shape[1] != weight.shape[1] * groups:
        raise ValueError(
            f"{op}: input has {batched.shape[1]} channels, but weight {tuple(weight.shape)} with "
            f"groups={groups} expects {weight.shape[1] * groups}"
        )
    if any(depth_pad):
        batched = pad_tensor(batched, (0, 0, 0, 0, *depth_pad))
    n, _, depth = batched.shape[:3]
    span = dilation_[0] * (kernel[0] - 1) + 1
    if depth < span:
        raise ValueError(
            f"{op}: the kernel's depth {kernel[0]} (dilation {dilation_[0]}) spans {span} > the padded "
            f"input's depth {depth}"
        )
    out_depth = (depth - span) // stride_[0] + 1
    total = None
    for a in range(kernel[0]):  # the kernel's depth offsets; each is one conv2d over every output depth
        start = a * dilation_[0]
        slab = batched[
            :, :, start : start + stride_[0] * (out_depth - 1) + 1 : stride_[0]
        ]  # (N, C, D_out, H, W)
        images = slab.permute(0, 2, 1, 3, 4).reshape(n * out_depth, *slab.shape[1:2], *slab.shape[3:])
        part = conv2d(images, weight[:, :, a], None, stride_[1:], plane_pad, dilation_[1:], groups)
        total = part if total is None else total + part
    out = total.reshape(n, out_depth, *total.shape[1:]).permute(
        0, 2, 1, 3, 4
    )  # (N, C_out, D_out, H_out, W_out)
    if bias is not None:
        out = out + _as_tensor(op, bias, "bias").reshape(1, -1, 1, 1, 1)
    return out[0] if unbatched else out


def conv_transpose3d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Triple = 1,
    padding: Triple = 0,
    output_padding: Triple = 0,
    groups: int = 1,
    dilation: Triple = 1,
) -> Tensor:
    """3-d transposed convolution (the adjoint of :func:`conv3d`), like PyTorch's ``F.conv_transpose3d``.

    Args:
        input: ``(N, C_in, D, H, W)`` (or ``(C_in, D, H, W)``).
        weight: ``(C_in, C_out / groups, kd, kh, kw)`` (PyTorch's order: input channels first).
        bias: ``(C_out,)`` or None.
        stride, padding, output_padding, dilation: an int or a triple, as ``conv_transpose2d``'s.
        groups: split the channels into this many independent transposed convolutions.

    Shape:
        output ``(N, C_out, D_out, H_out, W_out)``, each ``(size − 1)·stride − 2·padding +
        dilation·(k − 1) + output_padding + 1``.

    Example:
        >>> import tt_autograd as autograd
        >>> x, w = autograd.randn(1, 4, 3, 5, 5), autograd.randn(4, 2, 3, 3, 3)
        >>> tuple(conv_transpose3d(x, w, stride=2, padding=1, output_padding=1).shape)
        (1, 2, 6, 10, 10)
    """
    op = "conv_transpose3d"
    weight = _kernel(op, weight, "C_in, C_out/groups")
    batched, unbatched = volumes(op, input)
    stride_, dilation_ = triple(op, "stride", stride), triple(op, "dilation", dilation)
    padding_, extra = (
        triple(op, "padding", padding, minimum=0),
        triple(op, "output_padding", output_padding, 0),
    )
    _check_output_padding(op, extra, stride_, dilation_)
    if batched.shape[1] != weight.shape[0]:
        raise ValueError(
            f"{op}: input has {batched.shape[1]} channels, but weight {tuple(weight.shape)} expects "
            f"{weight.shape[0]}"
        )
    n, _, depth, h, w = batched.shape
    kd = weight.shape[2]
    out_depth = transposed_size(depth, kd, stride_[0], padding_[0], extra[0], dilation_[0])
    if out_depth < 1:
        raise ValueError(f"{op}: the output depth would be {out_depth}: padding {padding_} is too large")
    full = (depth - 1) * stride_[0] + dilation_[0] * (kd - 1) + 1 + extra[0]  # before the padding is trimmed
    images = batched.permute(0, 2, 1, 3, 4).reshape(n * depth, batched.shape[1], h, w)
    total = None
    for a in range(kd):  # the kernel's depth offsets: each spreads every input depth at once
        part = conv_transpose2d(images, weight[:, :, a], None, stride_[1:], padding_[1:], extra[1:], groups,
                                dilation_[1:])  # fmt: skip
        part = part.reshape(n, depth, *part.shape[1:]).permute(0, 2, 1, 3, 4)  # (N, C_out, D, H_out, W_out)
        if stride_[0] > 1:  # input depth i lands at i·s: s − 1 zero depths between consecutive ones
            blank = zeros(*part.shape, dtype=part.dtype)  # not part · 0: an inf in part would make NaN gaps
            gaps = [part] + [blank] * (stride_[0] - 1)
            part = stack(gaps, dim=3).reshape(*part.shape[:2], depth * stride_[0], *part.shape[3:])
            part = part[:, :, : (depth - 1) * stride_[0] + 1]
        start = a * dilation_[0]
        part = pad_tensor(part, (0, 0, 0, 0, start, full - start - part.shape[2]))
        total = part if total is None else total + part
    out = total[:, :, padding_[0] : padding_[0] + out_depth]
    if bias is not None:
        out = out + _as_tensor(op, bias, "bias").reshape(1, -1, 1, 1, 1)
    return out[0] if unbatched else out
