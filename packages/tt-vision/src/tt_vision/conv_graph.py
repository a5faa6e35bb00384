"""``conv2d``'s and ``conv_transpose2d``'s recorded backward, for higher-order gradients.

The fast kernels of :mod:`tt_vision._conv` compute the gradients on NumPy
arrays. For a gradient that must be differentiated again (a gradient penalty
on a convolutional critic, a Hessian-vector product of a CNN's loss), the
convolution is rebuilt from recorded operations, each with its own recorded
backward::

    columns = unfold(x)                          (N, C·kh·kw, L)   UnfoldFunction
    out     = W (G, C_out/G, C/G·kh·kw) @ columns (N, G, …, L)     MatMulFunction
              reshaped to (N, C_out, H_out, W_out)

and its gradient with respect to the input and the weight is taken from that
graph by ``composite_gradients`` (:mod:`tt_autograd.higher_order`), the bias
added on top. ``conv_transpose2d`` is rebuilt the other way round:
the weight's transpose times the input gives the columns, and ``fold`` adds
them onto the output (rows that only ``output_padding`` adds are placed as
zeros). ``unfold`` and ``fold`` are each other's backward, so the pair stays
closed under differentiation (:mod:`tt_vision.folding`).

Cost: one im2col and one GEMM to rebuild the output, then the recorded
backward of both (a col2im and two GEMMs): about a forward and a backward of
the plain kernels, without their Winograd and thin-layer shortcuts.
"""

from __future__ import annotations

import numpy as np
from tt_autograd.functions.indexing import PlaceAtKeyFunction
from tt_autograd.higher_order import composite_gradients

from ._layout import from_nhwc
from .conv_transpose import transposed_size
from .folding import FoldFunction, UnfoldFunction, block_counts


def conv2d_from_columns(x, weight, geometry):
    """``conv2d(x, weight)`` (no bias) from recorded ops: ``unfold``, a grouped matmul, reshapes."""
    kernel, stride, pads, dilation, groups = geometry
    n, c = x.shape[:2]
    c_out = weight.shape[0]
    columns = UnfoldFunction.apply(x, geometry=(kernel, stride, pads, dilation, 1))  # (N, C·kh·kw, L)
    per_group = columns.reshape(n, groups, columns.shape[1] // groups, columns.shape[2])
    out = weight.reshape(groups, c_out // groups, -1) @ per_group  # (N, G, C_out/G, L)
    return out.reshape(n, c_out, *block_counts(tuple(x.shape[2:]), geometry))


def conv_transpose2d_from_columns(x, weight, geometry, size):
    """``conv_transpose2d(x, weight)`` (no bias) of output ``size`` from recorded ops: matmul, ``fold``."""
    kernel, stride, pads, dilation, groups = geometry
    n, c_in, h, w = x.shape
    c_out = weight.shape[1] * groups
    rows = x.reshape(n, groups, c_in // groups, h * w)
    patches = weight.reshape(groups, c_in // groups, -1).transpose(-1, -2)  # (G, C_out/G·kh·kw, C_in/G)
    per_group = patches @ rows  # (N, G, C_out/G·kh·kw, L)
    columns = per_group.reshape(n, c_out * kernel[0] * kernel[1], h * w)
    # output_padding's extra rows and columns (bottom, right) come out of the padding trimmed there; what
    # lies beyond the padding no patch reaches, and is placed as zeros
    padding = pads[::2]  # conv_transpose2d pads both sides of an axis alike
    extra = [
        size[a] - transposed_size((h, w)[a], kernel[a], stride[a], padding[a], 0, dilation[a]) for a in (0, 1)
    ]
    after = [max(0, padding[a] - extra[a]) for a in (0, 1)]
    reached = tuple(size[a] - max(0, extra[a] - padding[a]) for a in (0, 1))
    fold_pads = (pads[0], after[0], pads[2], after[1])
    out = FoldFunction.apply(
        columns, size=reached, blocks=(h, w), geometry=(kernel, stride, fold_pads, dilation, 1)
    )
    if reached == tuple(size):
        return out
    key = (slice(None), slice(None), slice(0, reached[0]), slice(0, reached[1]))
    return PlaceAtKeyFunction.apply(out, shape=(n, c_out, *size), key=key)


def conv2d_graph_backward(ctx, grad):
    """``Conv2dFunction.graph_backward``: the gradients of x, weight and bias, recorded."""
    return _through(ctx, grad, lambda x, w: conv2d_from_columns(x, w, ctx.geometry))


def conv_transpose2d_graph_backward(ctx, grad):
    """``ConvTranspose2dFunction.graph_backward``: the gradients of x, weight and bias, recorded."""
    return _through(ctx, grad, lambda x, w: conv_transpose2d_from_columns(x, w, ctx.geometry, grad.shape[2:]))


def _through(ctx, grad, rebuild) -> tuple:
    """``composite_gradients`` of ``rebuild(x, w) + bias`` (the bias' value is moot: it only adds)."""
    xh, weight = ctx.saved_tensors
    bias = np.zeros(grad.shape[1], weight.dtype) if ctx.needs_input_grad[2] else None

    def composite(x, w, b, *_):
        out = rebuild(x, w)
        return out if b is None else out + b.reshape(1, -1, 1, 1)

    values = (from_nhwc(xh), weight, bias) + (None,) * (len(ctx.needs_input_grad) - 3)
    return composite_gradients(ctx, grad, composite, values)
