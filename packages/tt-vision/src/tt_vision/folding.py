"""``unfold`` and ``fold``: im2col and col2im with PyTorch's ``(N, C·kh·kw, L)`` layout.

``unfold`` extracts every ``kh × kw`` sliding block of an ``(N, C, H, W)``
input as one column: row ``c·kh·kw + i·kw + j`` of column ``l`` holds channel
``c`` at kernel offset ``(i, j)`` of block ``l`` (blocks in row-major order).
``fold`` is its adjoint: it sums each column back onto the block it came from
(overlaps add), so ``fold(unfold(x))`` multiplies each pixel by the number of
blocks covering it. They are the chapter's :func:`~tt_vision._im2col.im2col`
and :func:`~tt_vision._im2col.col2im`, with the layout changed around them:
each is the other's backward.

Cost: one copy of N·L·C·kh·kw values each way (col2im as kh·kw slice-adds).
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function, Tensor

from ._im2col import col2im, im2col
from ._layout import from_nhwc, output_size, pair, to_nhwc
from .functional import IntPair, _as_tensor  # imported at functional.py's end


def _blocks_to_columns(cols: np.ndarray) -> np.ndarray:
    """im2col's (N, Ho, Wo, 1, kh, kw, C) → PyTorch's (N, C·kh·kw, Ho·Wo)."""
    n, ho, wo, _, kh, kw, c = cols.shape
    return cols[:, :, :, 0].transpose(0, 5, 3, 4, 1, 2).reshape(n, c * kh * kw, ho * wo)


def _columns_to_blocks(columns: np.ndarray, c: int, kernel, ho: int, wo: int) -> np.ndarray:
    """PyTorch's (N, C·kh·kw, Ho·Wo) → col2im's (N, Ho, Wo, 1, kh, kw, C), contiguous."""
    blocks = columns.reshape(len(columns), c, kernel[0], kernel[1], ho, wo).transpose(0, 4, 5, 2, 3, 1)
    return np.ascontiguousarray(blocks[:, :, :, None])


def block_counts(size: tuple[int, int], geometry) -> tuple[int, int]:
    """How many blocks fit along the height and the width of a ``size`` input (the output's H and W)."""
    (kh, kw), stride, pads, dilation, _ = geometry
    return (
        output_size(size[0], kh, stride[0], pads[0], pads[1], dilation[0]),
        output_size(size[1], kw, stride[1], pads[2], pads[3], dilation[1]),
    )


class UnfoldFunction(Function):
    """``unfold`` on NumPy arrays: im2col forward, col2im backward."""

    @staticmethod
    def forward(ctx, x, geometry):
        xh = to_nhwc(x)
        ctx.shape, ctx.geometry = xh.shape, geometry
        return _blocks_to_columns(im2col(xh, geometry))

    @staticmethod
    def backward(ctx, grad):
        c = ctx.shape[3]
        blocks = _columns_to_blocks(grad, c, ctx.geometry[0], *block_counts(ctx.shape[1:3], ctx.geometry))
        return (from_nhwc(col2im(blocks, ctx.shape, ctx.geometry)),)

    @staticmethod
    def graph_backward(ctx, grad):  # recorded (higher-order gradients): fold is unfold's adjoint
        size = ctx.shape[1:3]
        return (
            FoldFunction.apply(
                grad, size=size, blocks=block_counts(size, ctx.geometry), geometry=ctx.geometry
            ),
        )


class FoldFunction(Function):
    """``fold`` on NumPy arrays: col2im forward, im2col backward."""

    @staticmethod
    def forward(ctx, columns, size, blocks, geometry):
        (kh, kw) = geometry[0]
        c = columns.shape[1] // (kh * kw)
        shape = (len(columns), size[0], size[1], c)
        ctx.geometry = geometry
        return from_nhwc(col2im(_columns_to_blocks(columns, c, (kh, kw), *blocks), shape, geometry))

    @staticmethod
    def backward(ctx, grad):
        return (_blocks_to_columns(im2col(to_nhwc(grad), ctx.geometry)),)

    @staticmethod
    def graph_backward(ctx, grad):  # recorded: unfold is fold's adjoint
        return (UnfoldFunction.apply(grad, geometry=ctx.geometry),)


def _geometry(op: str, kernel_size, dilation, padding, stride):
    kernel = pair(op, "kernel_size", kernel_size)
    ph, pw = pair(op, "padding", padding, minimum=0)
    return (kernel, pair(op, "stride", stride), (ph, ph, pw, pw), pair(op, "dilation", dilation), 1)


def _blocks(op: str, size, geometry) -> tuple[int, int]:
    """Number of block positions along H and W of a ``size`` input (PyTorch's L = their product)."""
    (kh, kw), stride, pads, dilation, _ = geometry
    counts = (
        output_size(size[0], kh, stride[0], pads[0], pads[1], dilation[0]),
        output_size(size[1], kw, stride[1], pads[2], pads[3], dilation[1]),
    )
    if min(counts) < 1:
        raise ValueError(
            f"{op}: no {kh}×{kw} block (dilation {dilation}, padding {pads[0::2]}) fits in a "
            f"{size[0]}×{size[1]} image; pad it or use a smaller kernel"
        )
    return counts


def unfold(
    input: Tensor,  # noqa: A002
    kernel_size: IntPair,
    dilation: IntPair = 1,
    padding: IntPair = 0,
    stride: IntPair = 1,
) -> Tensor:
    """Every sliding ``kernel_size`` block of ``input`` as a column, like ``torch.nn.functional.unfold``.

    Args:
        input: ``(N, C, H, W)`` (or ``(C, H, W)``).
        kernel_size, dilation, padding, stride: an int or a pair, as for :func:`conv2d`.

    Shape:
        output ``(N, C·kh·kw, L)`` with ``L = H_out · W_out`` blocks, ``H_out`` as :func:`conv2d`'s.

    Example:
        >>> import tt_autograd as autograd
        >>> tuple(unfold(autograd.randn(2, 3, 5, 5), 3, padding=1).shape)
        (2, 27, 25)
    """
    op = "unfold"
    geometry = _geometry(op, kernel_size, dilation, padding, stride)
    x = _as_tensor(op, input)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{op}: expected a 3-d (C, H, W) or 4-d (N, C, H, W) input, got shape {tuple(x.shape)}"
        )
    batched = x if x.ndim == 4 else x.unsqueeze(0)
    _blocks(op, batched.shape[2:], geometry)
    out = UnfoldFunction.apply(batched, geometry=geometry)
    return out if x.ndim == 4 else out[0]


def fold(
    input: Tensor,  # noqa: A002
    output_size: IntPair,
    kernel_size: IntPair,
    dilation: IntPair = 1,
    padding: IntPair = 0,
    stride: IntPair = 1,
) -> Tensor:
    """Sum columns of blocks back into an image (the adjoint of :func:`unfold`), like PyTorch's ``fold``.

    Args:
        input: ``(N, C·kh·kw, L)`` (or ``(C·kh·kw, L)``), ``L`` the number of blocks of ``output_size``.
        output_size: ``(H, W)`` of the result (an int or a pair).
        kernel_size, dilation, padding, stride: as for :func:`unfold`.

    Shape:
        output ``(N, C, H, W)``; overlapping blocks add up.

    Example:
        >>> import tt_autograd as autograd
        >>> x = autograd.ones(1, 1, 3, 3)
        >>> fold(unfold(x, 2), (3, 3), 2)[0, 0].numpy().tolist()  # how many 2×2 blocks cover each pixel
        [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    op = "fold"
    geometry = _geometry(op, kernel_size, dilation, padding, stride)
    size = pair(op, "output_size", output_size)
    x = _as_tensor(op, input)
    if x.ndim not in (2, 3):
        raise ValueError(
            f"{op}: expected a 2-d (C·kh·kw, L) or 3-d (N, C·kh·kw, L) input, got {tuple(x.shape)}"
        )
    batched = x if x.ndim == 3 else x.unsqueeze(0)
    (kh, kw) = geometry[0]
    if batched.shape[1] % (kh * kw):
        raise ValueError(
            f"{op}: input's dimension 1 ({batched.shape[1]}) must be divisible by the kernel's "
            f"{kh}·{kw} = {kh * kw} taps (it is C·kh·kw); input shape {tuple(x.shape)}"
        )
    blocks = _blocks(op, size, geometry)
    if batched.shape[2] != blocks[0] * blocks[1]:
        raise ValueError(
            f"{op}: output_size {size} with kernel_size {(kh, kw)}, dilation {geometry[3]}, padding "
            f"{geometry[2][0::2]}, stride {geometry[1]} has {blocks[0]}·{blocks[1]} = "
            f"{blocks[0] * blocks[1]} blocks, but the input has L = {batched.shape[2]}"
        )
    out = FoldFunction.apply(batched, size=size, blocks=blocks, geometry=geometry)
    return out if x.ndim == 3 else out[0]
