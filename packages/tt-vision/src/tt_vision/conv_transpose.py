"""Transposed convolution (``conv_transpose2d``): the adjoint of ``conv2d``, built from the same kernels.

A convolution reads windows (``im2col``) and multiplies them by the weight; its
transpose runs that backwards. Each input pixel's ``C_in`` values times the
weight give one ``kh × kw × C_out`` *patch* (one GEMM for the whole batch,
``dcols = X · Wᵀ``), and ``col2im`` adds every patch onto the output at
``stride``-spaced positions, where the patches overlap. That is exactly how
``conv2d``'s backward computes the gradient of its input, so

    ``<conv2d(x, w), y> == <x, conv_transpose2d(y, w)>``

for the same ``stride``, ``padding``, ``dilation`` and ``groups``. Backward is
then ``conv2d``'s forward: the input gradient is ``conv2d(dY, w)`` (im2col +
one GEMM) and the weight gradient ``im2col(dY)ᵀ · X``.

The weight is PyTorch's ``(C_in, C_out / groups, kh, kw)``: read as a ``conv2d``
weight, ``C_in`` is its output side, so :func:`~tt_vision._conv.weight_matrix`
lays it out unchanged. Output size (per axis)::

    H_out = (H − 1)·stride − 2·padding + dilation·(kh − 1) + output_padding + 1

``output_padding`` (< stride or < dilation) only lengthens the bottom/right
edge, which no patch reaches beyond the padding: those rows hold the bias.

Cost: one GEMM of 2·N·H·W·C_in·kh·kw·C_out/g flops and one col2im
(kh·kw vectorised slice-adds) forward; the same twice over backward. The
graph keeps the input and the weight, through ``save_for_backward`` only (so
saved-tensor hooks see all of it); backward lays the weight out as GEMM
operands again (a copy of its elements) rather than keeping forward's.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function, Tensor

from ._conv import weight_grad, weight_matrix
from ._im2col import col2im, im2col
from ._layout import check_input, from_nhwc, pair, to_nhwc
from .functional import IntPair, _as_tensor, _batched, _same_dtype  # imported at functional.py's end


def transposed_size(size: int, kernel: int, stride: int, padding: int, output_padding: int, dilation: int):
    """One axis of ``conv_transpose2d``'s output: ``(size − 1)·s − 2p + d(k − 1) + output_padding + 1``."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


class ConvTranspose2dFunction(Function):
    """``conv_transpose2d`` on NumPy arrays: a GEMM and col2im forward, im2col and GEMMs backward."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, output_padding, dilation, groups):
        c_in, c_out_g, kh, kw = weight.shape
        xh = to_nhwc(x)  # (N, H, W, C_in)
        n, h, w, _ = xh.shape
        ho = transposed_size(h, kh, stride[0], padding[0], output_padding[0], dilation[0])
        wo = transposed_size(w, kw, stride[1], padding[1], output_padding[1], dilation[1])
        pads = (padding[0], padding[0], padding[1], padding[1])
        geometry = ((kh, kw), stride, pads, dilation, groups)
        wmat = weight_matrix(weight, groups)  # (g, kh·kw·C_out/g, C_in/g)
        rows = xh.reshape(-1, groups, c_in // groups).transpose(1, 0, 2)  # (g, N·H·W, C_in/g)
        patches = np.matmul(rows, wmat.transpose(0, 2, 1))  # (g, N·H·W, kh·kw·C_out/g)
        patches = patches.transpose(1, 0, 2).reshape(n, h, w, groups, kh, kw, c_out_g)
        out = col2im(patches, (n, ho, wo, c_out_g * groups), geometry)
        if bias is not None:
            out += bias
        ctx.save_for_backward(xh, weight)  # (wmat, a copy, is laid out again in backward: not kept)
        ctx.geometry = geometry
        return from_nhwc(out)

    @staticmethod
    def backward(ctx, grad):
        xh, weight = ctx.saved_tensors
        geometry = ctx.geometry
        groups = geometry[4]
        n, h, w, c_in = xh.shape
        c_out = weight.shape[1] * groups
        dy = to_nhwc(grad)  # (N, H_out, W_out, C_out)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad_x = grad_w = grad_b = None
        if n == 0:  # an empty batch (a detector's mask/keypoint head given no RoIs): zero gradients
            empty = np.zeros(xh.shape, dy.dtype)
            return (
                (from_nhwc(empty) if need_x else None),
                (np.zeros_like(weight) if need_w else None),
                (np.zeros(c_out, dy.dtype) if need_b else None),
            )
        if need_x or need_w:
            # Windows of dY, one per input pixel; with output_padding there may be one window too many.
            (kh, kw) = geometry[0]
            cols = im2col(dy, geometry)[:, :h, :w]  # (N, H, W, g, kh, kw, C_out/g)
            cols = cols.reshape(n, h, w, groups, -1)
            if need_x:  # conv2d(dY, w): each window times the weight (laid out again, as forward did)
                wmat = weight_matrix(weight, groups)
                per_group = np.matmul(cols.reshape(-1, groups, cols.shape[-1]).transpose(1, 0, 2), wmat)
                dx = per_group.transpose(1, 0, 2).reshape(n, h, w, c_in)
                grad_x = from_nhwc(dx)
            if need_w:  # im2col(dY)ᵀ · X, per group, back to (C_in, C_out/g, kh, kw)
                dw = weight_grad(np.ascontiguousarray(cols), xh, groups)  # (g, kh·kw·C_out/g, C_in/g)
                dw = dw.reshape(groups, kh, kw, c_out // groups, c_in // groups).transpose(0, 4, 3, 1, 2)
                grad_w = np.ascontiguousarray(dw.reshape(weight.shape))
        if need_b:
            grad_b = dy.reshape(-1, c_out).sum(axis=0)
        return grad_x, grad_w, grad_b

    @staticmethod
    def graph_backward(ctx, grad):  # for higher-order gradients: rebuilt from recorded ops (conv_graph.py)
        from .conv_graph import conv_transpose2d_graph_backward

        return conv_transpose2d_graph_backward(ctx, grad)


def single(op: str, name: str, value, minimum: int = 1) -> int:
    """``3`` or ``(3,)`` → ``3`` (the 1-d layers' arguments), checked as :func:`pair` checks."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(values) != 1:
        raise ValueError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
    return pair(op, name, values[0], minimum)[0]


def _check_output_padding(op: str, output_padding, stride, dilation) -> None:
    for extra, s, d in zip(output_padding, stride, dilation):
        if extra >= s and extra >= d:
            raise ValueError(
                f"{op}: output_padding {tuple(output_padding)} must be smaller than either the stride "
                f"{tuple(stride)} or the dilation {tuple(dilation)} (per axis)"
            )


def conv_transpose2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    output_padding: IntPair = 0,
    groups: int = 1,
    dilation: IntPair = 1,
) -> Tensor:
    """2-d transposed convolution (the adjoint of :func:`conv2d`; "deconvolution"), like PyTorch's.

    Args:
        input: ``(N, C_in, H, W)`` (or ``(C_in, H, W)``).
        weight: ``(C_in, C_out / groups, kh, kw)`` (PyTorch's order: input channels first).
        bias: ``(C_out,)`` or None.
        stride, padding, dilation: an int or a pair; ``padding`` trims ``dilation·(k−1) − padding``
            from each edge of the full result, as in PyTorch.
        output_padding: an int or a pair, extra rows/columns at the bottom/right, each smaller than
            the stride or the dilation (it picks one of the input sizes a strided conv2d maps to H).
        groups: split the channels into this many independent transposed convolutions.

    Shape:
        output ``(N, C_out, H_out, W_out)`` with
        ``H_out = (H − 1)·stride − 2·padding + dilation·(kh − 1) + output_padding + 1``.

    Cost: one GEMM (2·N·H·W·C_in·kh·kw·C_out/groups flops) and kh·kw slice-adds.

    Example:
        >>> import tt_autograd as autograd
        >>> x = autograd.randn(2, 8, 5, 5)
        >>> tuple(conv_transpose2d(x, autograd.randn(8, 3, 3, 3), stride=2, output_padding=1).shape)
        (2, 3, 12, 12)
    """
    op = "conv_transpose2d"
    weight = _as_tensor(op, weight, "weight")
    if weight.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-d (C_in, C_out/groups, kh, kw), got {tuple(weight.shape)}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1 or weight.shape[0] % groups:
        raise ValueError(f"{op}: groups={groups!r} must divide the weight's {weight.shape[0]} input channels")
    c_out = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ValueError(f"{op}: bias must have shape ({c_out},), got {tuple(bias.shape)}")
    stride_, dilation_ = pair(op, "stride", stride), pair(op, "dilation", dilation)
    padding_ = pair(op, "padding", padding, minimum=0)
    output_padding_ = pair(op, "output_padding", output_padding, minimum=0)
    _check_output_padding(op, output_padding_, stride_, dilation_)
    kernel = tuple(weight.shape[2:])

    def run(x: Tensor) -> Tensor:
        check_input(op, x, weight.shape[0])
        _same_dtype(op, x, weight, bias)
        sizes = [
            transposed_size(
                x.shape[2 + i], kernel[i], stride_[i], padding_[i], output_padding_[i], dilation_[i]
            )
            for i in range(2)
        ]
        if min(sizes) < 1:
            raise ValueError(
                f"{op}: the output would be {sizes[0]}×{sizes[1]} for input shape {tuple(x.shape)}: "
                f"padding {padding_} is too large for kernel {kernel}, stride {stride_}, dilation {dilation_}"
            )
        return ConvTranspose2dFunction.apply(
            x,
            weight,
            bias,
            stride=stride_,
            padding=padding_,
            output_padding=output_padding_,
            dilation=dilation_,
            groups=groups,
        )

    return _batched(op, input, run)


def _as_1d(op: str, x: Tensor, fn) -> Tensor:
    """Run a 2-d ``fn`` on ``(N, C, L)`` as ``(N, C, 1, L)`` (and ``(C, L)`` as a batch of one)."""
    x = _as_tensor(op, x)
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 2-d (C, L) or 3-d (N, C, L) input, got shape {tuple(x.shape)}")
    batched = x if x.ndim == 3 else x.unsqueeze(0)
    out = fn(batched.unsqueeze(2)).squeeze(2)
    return out if x.ndim == 3 else out[0]


def conv_transpose1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    groups: int = 1,
    dilation: int = 1,
) -> Tensor:
    """1-d transposed convolution: :func:`conv_transpose2d` on an ``(N, C_in, 1, L)`` view.

    Args:
        input: ``(N, C_in, L)`` (or ``(C_in, L)``); weight ``(C_in, C_out / groups, k)``.
        others: as :func:`conv_transpose2d`, each an int (or a 1-tuple).

    Shape: output ``(N, C_out, (L − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1)``.

    Example:
        >>> import tt_autograd as autograd
        >>> tuple(conv_transpose1d(autograd.randn(2, 4, 7), autograd.randn(4, 3, 3), stride=2).shape)
        (2, 3, 15)
    """
    op = "conv_transpose1d"
    weight = _as_tensor(op, weight, "weight")
    if weight.ndim != 3:
        raise ValueError(f"{op}: weight must be 3-d (C_in, C_out/groups, k), got {tuple(weight.shape)}")
    args = {
        "stride": (1, single(op, "stride", stride)),
        "padding": (0, single(op, "padding", padding, minimum=0)),
        "output_padding": (0, single(op, "output_padding", output_padding, minimum=0)),
        "dilation": (1, single(op, "dilation", dilation)),
    }
    weight_2d = weight.unsqueeze(2)
    return _as_1d(op, input, lambda x: conv_transpose2d(x, weight_2d, bias, groups=groups, **args))
