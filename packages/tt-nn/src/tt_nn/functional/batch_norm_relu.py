"""``batch_norm_relu``: ``relu(batch_norm(x))`` as one node, with fewer passes over memory.

Not a course topic: module 04 teaches batch norm (``normalization.py``) and
module 02 the ReLU; this file is why the pair, which follows every
convolution of a small CNN, costs less than the two nodes in a row. It is
the fusion PyTorch offers as ``torch.ao.nn.intrinsic.BNReLU2d``; tt-vision's
``BatchNormReLU2d`` and ``fuse_batch_norm_relu`` put it in a model.

Separately, batch norm then ReLU read or write the activation 15 times
(forward: sum, centre into ``xc``, affine, ReLU; backward: ReLU's mask and
product, two passes of batch norm over ``g`` and ``xc``). Fused, in training::

    forward   Σx;  Σ(x − mean)² (in cache, no ``xc`` kept);  y = max(x·scale + shift, 0), mask = y > 0
    backward  g = dy·mask (into dx), Σg, Σg·(x − mean);  dx = g·scale + (x − mean)·k + shift'

which saves the input and a 1-byte mask instead of ``xc`` and the ReLU's
output: about 10 passes (in units of the activation) instead of 15.
``benchmarks/kernels.py`` times it beside the two kernels (batch 128 on the
worker threads: 0.75× their time at 32 channels × 32², about even at 64 and
128 channels), ``benchmarks/cnn_rank_step.py`` the step it belongs to (one
thread, 64 images: 95.9 → 90.3 ms). The formulas are those of ``BatchNormFunction`` with
``dy`` replaced by ``g = dy · [y > 0]``, the ReLU's gradient (0 at 0, as in
PyTorch).
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function, Tensor, float32, float64

from .activations import relu
from .normalization import batch_norm, batch_norm_gradients
from .row_passes import (
    BLOCK_BYTES,
    channel_sum,
    channel_tiles,
    from_blocks,
    pixel_rows,
    row_pass,
    rows_dot,
    rows_sum,
    to_blocks,
)


class BatchNormReLUFunction(Function):
    """``max(batch_norm(x), 0)`` per channel (axis 1): training or evaluation statistics, one node.

    Every pass is a ``row_pass`` over blocks of the ``(A, C, B)`` view, and
    each block is seen through ``pixel_rows`` (long inner loops); the centred
    ``x − mean`` is a temporary of one block, never a whole array.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        blocks, channels_last = to_blocks(x)  # (A, C, B) in x's own layout: no copy
        dtype = blocks.dtype
        mean, inv, scale, shift = batch_coefficients(blocks, weight, bias, running_mean, running_var,
                                                     training, momentum, eps)  # fmt: skip
        out = np.empty_like(blocks)
        recording = getattr(ctx, "needs_input_grad", None) is not None  # set by apply when a graph is built
        mask = np.empty(blocks.shape, bool) if recording else None

        zeros = np.zeros(max(BLOCK_BYTES // blocks.itemsize, blocks[:1].size), dtype)

        tiles = channel_tiles(scale, shift)

        def affine_relu(b, o, *k):
            rows, scale_rows, shift_rows = pixel_rows(b, *tiles)
            o = o.reshape(rows.shape)
            np.multiply(rows, scale_rows, out=o)
            o += shift_rows
            np.maximum(o, zeros[: o.size].reshape(o.shape), out=o)  # 2.5x faster than max(o, 0)
            if k:
                np.greater(o, 0, out=k[0].reshape(rows.shape))

        row_pass(affine_relu, blocks, out, *(() if mask is None else (mask,)))
        if recording:
            ctx.save_for_backward(blocks, mask, mean, inv, scale)
        ctx.training, ctx.shape, ctx.channels_last = training, x.shape, channels_last
        return from_blocks(out, x.shape, channels_last)

    @staticmethod
    def backward(ctx, grad):
        dy, _ = to_blocks(grad, ctx.channels_last)
        x, mask, mean, inv, scale = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        c = dy.shape[1]
        m = dy.size // c
        g = np.empty_like(dy)  # the ReLU's gradient dy·mask, later overwritten by dx

        (mean_tiles,) = channel_tiles(mean)

        def relu_grad_sums(d, k, b, out):
            rows, mean_rows = pixel_rows(b, mean_tiles)
            out = out.reshape(rows.shape)
            np.multiply(d.reshape(rows.shape), k.reshape(rows.shape), out=out)
            return rows_sum(out, c), rows_dot(out, rows - mean_rows, c)

        sum_g, sum_g_xc = row_pass(relu_grad_sums, dy, mask, x, g)
        grad_w = sum_g_xc * inv if need_w else None
        grad_b = sum_g if need_b else None
        if not need_x:
            return None, grad_w, grad_b
        k, shift = input_grad_coefficients(sum_g, sum_g_xc, mean, inv, scale, m, ctx.training)

        tiles = channel_tiles(scale, *(() if k is None else (k, shift)))

        def input_grad(out, b):
            rows, scale_rows, *more = pixel_rows(b, *tiles)
            out = out.reshape(rows.shape)
            out *= scale_rows
            if more:
                out += rows * more[0]
                out += more[1]

        row_pass(input_grad, g, x)
        return from_blocks(g, ctx.shape, ctx.channels_last), grad_w, grad_b

    @staticmethod
    def graph_backward(ctx, grad):  # batch norm's composite, times the ReLU's mask (a constant)
        x, mask, mean, inv, scale = ctx.saved_tensors
        x, mask = (from_blocks(a, ctx.shape, ctx.channels_last) for a in (x, mask))
        return batch_norm_gradients(ctx, grad, x, mean, inv, scale / inv, mask)


def batch_coefficients(blocks, weight, bias, running_mean, running_var, training, momentum, eps):
    """Batch norm of (A, C, B) ``blocks`` as ``x·scale + shift`` per channel: ``(mean, inv, scale, shift)``.

    ``inv`` is ``1/sqrt(var + eps)``. In training the statistics are the
    batch's (two passes over ``blocks``: Σx, then Σ(x − mean)² on one block at a
    time, no centred copy kept) and ``running_mean`` / ``running_var`` (NumPy
    arrays or None) are updated in place as module 04's ``BatchNormFunction``
    does (unbiased variance); otherwise they are the running ones. Shared by
    every fused batch-norm kernel (tt-vision's batch norm + ReLU + max-pool too).
    """
    c = blocks.shape[1]
    m = blocks.size // c
    dtype = blocks.dtype
    gamma = np.ones(c, dtype=dtype) if weight is None else weight
    beta = np.zeros(c, dtype=dtype) if bias is None else bias
    if training:
        (total,) = row_pass(lambda b: (channel_sum(b),), blocks)
        mean = (total / m).astype(dtype)

        (mean_tiles,) = channel_tiles(mean)

        def centred_squares(b):
            rows, mean_rows = pixel_rows(b, mean_tiles)
            centred = rows - mean_rows
            return (rows_dot(centred, centred, c),)

        (squares,) = row_pass(centred_squares, blocks)
        var = squares / m
        for running, batch in ((running_mean, mean), (running_var, var * (m / (m - 1)))):  # unbiased var
            if running is not None:
                running *= 1.0 - momentum
                running += momentum * batch
    else:
        mean, var = running_mean.astype(dtype), running_var
    inv = (1.0 / np.sqrt(var + eps)).astype(dtype)
    scale = (gamma * inv).astype(dtype)
    return mean, inv, scale, (beta - mean * scale).astype(dtype)


def input_grad_coefficients(sum_g, sum_g_xc, mean, inv, scale, m: int, training: bool):
    """``(k, shift)`` with ``dx = g·scale + x·k + shift`` per channel, from ``Σg`` and ``Σg·(x − mean)``.

    The sums run over the ``m`` values of each channel.

    ``g`` is the gradient reaching batch norm's output. In training,
    ``dx = scale·(g − Σg/m − (x − mean)·Σg(x − mean)·inv²/m)``; with fixed
    statistics ``dx = g·scale`` and both are None.
    """
    if not training:
        return None, None
    dtype = scale.dtype
    k = (-(sum_g_xc * inv * inv / m) * scale).astype(dtype)
    return k, (-scale * sum_g / m - k * mean).astype(dtype)


def fusable(input, running_mean, running_var, weight, bias, training: bool) -> bool:  # noqa: A002
    """Whether the fused kernel applies: float32/64 tensors of the shapes batch norm accepts."""
    tensors = (input, running_mean, running_var, weight, bias)
    if not isinstance(input, Tensor) or input.ndim < 2 or input.shape[1] == 0:
        return False
    if not all(t is None or (isinstance(t, Tensor) and t.dtype in (float32, float64)) for t in tensors):
        return False
    if any(t is not None and tuple(t.shape) != (input.shape[1],) for t in tensors[1:]):
        return False
    if training:
        return input.numel() // input.shape[1] > 1
    return running_mean is not None and running_var is not None


def batch_norm_relu(input, running_mean, running_var, weight=None, bias=None, training: bool = False,  # noqa: A002
                    momentum: float = 0.1, eps: float = 1e-5):  # fmt: skip
    """``relu(batch_norm(input, ...))`` computed as one node (same arguments and result as the pair).

    Anything the fused kernel does not take (float16, or arguments batch norm
    refuses) goes through the two functions in a row, so the errors are
    :func:`~tt_nn.functional.batch_norm`'s.

    Shape:
        input ``(N, C)`` or ``(N, C, *)``; output the same.
    """
    if not fusable(input, running_mean, running_var, weight, bias, training):
        return relu(batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps))
    return BatchNormReLUFunction.apply(
        input, weight, bias,
        running_mean=None if running_mean is None else running_mean.array,
        running_var=None if running_var is None else running_var.array,
        training=bool(training), momentum=float(momentum), eps=float(eps),
    )  # fmt: skip
