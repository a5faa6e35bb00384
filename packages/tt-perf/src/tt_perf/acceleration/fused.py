"""Fused kernels: several operations as one autograd node that saves only what its backward needs.

Composed from tt-nn's pieces, every operation is its own node: it writes a
fresh output array, keeps its inputs for backward, and the next operation
reads that output back from memory. In NumPy a "kernel" cannot fuse loops
the way a compiler does, but it can do the next-best things, and each one
is measured in ``benchmarks/perf_acceleration.py``:

1. **write in place** — ``np.multiply(a, b, out=a)`` instead of ``a * b``:
   no new array, no page faults for fresh memory;
2. **save less** — compute in forward the one array backward needs (here a
   derivative) instead of keeping the inputs of every step;
3. **stay in cache** — run the chain of element-wise passes over row tiles
   that fit in the L2 cache (the matmul ladder's blocking idea applied to
   element-wise code), so only the first read and the last write touch memory.

Two kernels, each a ``tt_autograd.Function``:

* :func:`fused_linear_gelu` — ``gelu(x @ W.T + b)``, tanh form: GPT's MLP
  input layer. Composed (``Linear`` then ``GELU``) it keeps the input, the
  pre-activation ``h`` and ``tanh(…)``; fused it keeps ``gelu'(h)`` only.
* :func:`fused_bias_dropout_residual` — ``residual + dropout(x + bias)``:
  a transformer sub-layer's exit. Composed it is three nodes and keeps a
  float mask (4 bytes per element); fused it keeps a boolean mask (1 byte)
  and draws 16-bit random integers instead of floats (half the random bits).

Softmax cross-entropy is already one fused node in tt-nn
(``tt_nn.functional.cross_entropy``), as are ``linear``, ``layer_norm`` and
attention (``tt_text.sdpa``): nothing here repeats them.

Example:
    >>> import tt_autograd as autograd
    >>> x, w = autograd.randn(4, 8, requires_grad=True), autograd.randn(16, 8)
    >>> fused_linear_gelu(x, w).shape
    tt.Size([4, 16])
"""

from __future__ import annotations

import math

import numpy as np
import tt_tensor
from tt_autograd import Function, unbroadcast
from tt_autograd.higher_order import composite_gradients, sum_to
from tt_nn.functional import gelu, linear
from tt_tensor.dtypes import promote_operands

from .allocation import Workspace

C = math.sqrt(2.0 / math.pi)
A = 0.044715
#: Elements per scratch tile: 64 Ki float32 = 256 KiB, so the four tiles in play fit a 1 MiB L2 cache.
TILE_ELEMENTS = 1 << 16
#: Random draws are 16-bit: an element is kept where its draw is >= round(p · 2^16).
DRAW_LEVELS = 1 << 16

_scratch = Workspace()  # the tiles of every fused_linear_gelu call: allocated once per shape


# ------------------------------------------------------------------------ Linear + GELU


def _gelu_tile(h: np.ndarray, a: np.ndarray, t: np.ndarray, slope: np.ndarray | None) -> None:
    """Overwrite the tile ``h`` with ``gelu(h)``; fill ``slope`` with ``gelu'(h)`` unless None.

    ``a`` and ``t`` are scratch tiles of ``h``'s shape. With ``t = tanh(c·(h + A·h³))``::

        gelu(h)  = h · (1 + t) / 2
        gelu'(h) = (1 + t)/2 + h/2 · (1 − t²) · c · (1 + 3A·h²)
                 = (1 + t)/2 · (1 + c·h·(1 + 3A·h²)·(1 − t))

    Every step writes into an existing tile: 9 passes, 18 with the slope, all in cache.
    """
    # BEGIN SOLUTION 17
    # TODO: overwrite the tile h with gelu_tanh(h) and fill slope with gelu'(h) (unless None), using only
    #   the two scratch tiles a and t (§ How it is built, "Fused kernels").
    # HINT: every step in place (np.multiply(..., out=), +=, np.tanh(t, out=t)): no temporaries.
    np.multiply(h, h, out=a)  # h²
    np.multiply(a, A, out=t)
    t += 1
    t *= h
    t *= C
    np.tanh(t, out=t)  # t = tanh(c·h·(1 + A·h²))
    if slope is not None:
        a *= 3 * A
        a += 1
        a *= C
        a *= h  # c·h·(1 + 3A·h²)
        np.subtract(1, t, out=slope)
        a *= slope
        a += 1  # 1 + c·h·(1 + 3A·h²)·(1 − t)
    t += 1  # 1 + t
    if slope is not None:
        np.multiply(a, t, out=slope)
        slope *= 0.5
    h *= t
    h *= 0.5
    # END SOLUTION


class LinearGELUFunction(Function):
    """``gelu_tanh(x @ W.T + b)``; ``x`` ``(*, in)``, ``W`` ``(out, in)``, ``b`` ``(out,)`` or None.

    Saves ``x``, ``W`` and ``gelu'(h)`` — one array of the output's size, where
    ``Linear`` + ``GELU`` keep two (``h`` and ``tanh``). When no graph is being
    recorded (inference, ``no_grad``) the derivative is not computed at all.
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        if x.dtype != weight.dtype:
            x, weight = promote_operands(x, weight)
        # Function.apply sets needs_input_grad only when it records this node for backward.
        recording = getattr(ctx, "needs_input_grad", None) is not None
        ctx.bias = bias  # for graph_backward only (its composite recomputes h)
        # BEGIN SOLUTION 17
        # TODO: gelu(x @ W^T + b) in one node: the GEMM's output becomes the result, GELU applied tile by tile
        #   in place, the slope saved for backward (§ How it is built, "Fused kernels").
        # APPROACH: tiles of about TILE_ELEMENTS stay in cache; borrow two scratch tiles; _gelu_tile each.
        h = x.reshape(-1, x.shape[-1]) @ weight.T  # (rows, out): the GEMM's output becomes the result
        if bias is not None:
            h += bias
        slope = np.empty_like(h) if recording else None
        rows, width = h.shape
        tile_rows = max(1, TILE_ELEMENTS // max(width, 1))  # one tile shape per width: the pool stays small
        with (
            _scratch.borrow((tile_rows, width), h.dtype) as a,
            _scratch.borrow((tile_rows, width), h.dtype) as t,
        ):
            for start in range(0, rows, tile_rows):
                stop = min(rows, start + tile_rows)
                n = stop - start
                _gelu_tile(h[start:stop], a[:n], t[:n], None if slope is None else slope[start:stop])
        if recording:
            ctx.save_for_backward(x, weight, slope)
        return h.reshape(*x.shape[:-1], width)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        x, weight, slope = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        # BEGIN SOLUTION 17
        # TODO: dh = grad * slope (the one element-wise pass), then dx = dh W, dW = dh^T x, db = sum dh.
        dh = grad.reshape(slope.shape) * slope  # the only element-wise pass of backward
        dx = (dh @ weight).reshape(x.shape) if need_x else None
        dw = dh.T @ x.reshape(-1, x.shape[-1]) if need_weight else None
        db = dh.sum(axis=0) if need_bias else None
        return dx, dw, db
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        """Recorded (``create_graph=True``): the unfused ``gelu(linear(x, W, b), "tanh")``'s gradients."""
        x, weight, _ = ctx.saved_tensors

        def composite(x, weight, bias):
            return gelu(linear(x, weight, bias), approximate="tanh")

        return composite_gradients(ctx, grad, composite, (x, weight, ctx.bias))


def fused_linear_gelu(x, weight, bias=None):
    """``gelu(linear(x, weight, bias), approximate="tanh")`` as one fused node.

    Args:
        x: ``(*, in_features)`` tensor.
        weight: ``(out_features, in_features)``.
        bias: ``(out_features,)`` or None.

    Shape:
        output ``(*, out_features)``.

    Cost: the GEMM of ``linear``; the GELU as 9 in-cache passes over
    256 KiB tiles (18 when recording for backward); backward one pass and
    ``linear``'s GEMMs. Saves one output-sized array for backward.

    Example:
        >>> import tt_nn as nn
        >>> layer = nn.Linear(8, 32)
        >>> fused_linear_gelu(autograd.randn(2, 5, 8), layer.weight, layer.bias).shape  # doctest: +SKIP
        (2, 5, 32)
    """
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"fused_linear_gelu: input {tuple(x.shape)} does not fit weight {tuple(weight.shape)}: "
            "the input's last dimension must be the weight's second (in_features)"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(
            f"fused_linear_gelu: bias must have shape ({weight.shape[0]},) to match weight "
            f"{tuple(weight.shape)}, got {tuple(bias.shape)}"
        )
    return LinearGELUFunction.apply(x, weight, bias)


# ------------------------------------------------------------------------ bias + dropout + residual


class BiasDropoutResidualFunction(Function):
    """``residual + dropout(x + bias, p)``; ``bias`` and ``residual`` broadcast to ``x``'s shape."""

    @staticmethod
    def forward(ctx, x, bias, residual, p, generator):
        ctx.shapes = (x.shape, None if bias is None else bias.shape, residual.shape)
        dtype = np.result_type(x, residual, *(() if bias is None else (bias,)))
        # BEGIN SOLUTION 17
        # TODO: residual + dropout(x + bias) in one pass, the dropout mask as one byte per element
        #   (§ How it is built, "Fused kernels").
        # HINT: draw uint16 levels and keep those >= p * 2^16: the scale is 2^16 / (2^16 - threshold).
        out = np.add(x, bias, dtype=dtype) if bias is not None else x.astype(dtype, copy=True)
        keep, scale = None, 1.0
        if p > 0:
            threshold = round(p * DRAW_LEVELS)  # P(keep) = (2^16 − threshold) / 2^16
            draws = tt_tensor.numpy_generator(generator).integers(
                0, DRAW_LEVELS, size=x.shape, dtype=np.uint16
            )
            keep = draws >= threshold  # bool: 1 byte per element
            scale = 0.0 if threshold == DRAW_LEVELS else DRAW_LEVELS / (DRAW_LEVELS - threshold)
            out *= keep
            out *= dtype.type(scale)
        out += residual
        ctx.save_for_backward(keep)
        ctx.scale = scale
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        (keep,) = ctx.saved_tensors
        x_shape, bias_shape, residual_shape = ctx.shapes
        need_x, need_bias, need_residual = ctx.needs_input_grad
        # BEGIN SOLUTION 17
        # TODO: dx = grad * keep * scale, dbias = dx unbroadcast to the bias's shape, dresidual = grad.
        # HINT: never return the same array twice: copy dbias if it would alias dx.
        g = grad
        if keep is not None and (need_x or need_bias):
            g = grad * keep
            g *= g.dtype.type(ctx.scale)
        dbias = unbroadcast(g, bias_shape) if need_bias else None
        if dbias is g and g is not grad:  # x's gradient owns g: the bias must not share it
            dbias = g.copy()
        dresidual = unbroadcast(grad, residual_shape) if need_residual else None
        return (g if need_x else None), dbias, dresidual
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):  # linear in grad: the kept mask and the scale are constants
        x_shape, bias_shape, residual_shape = ctx.shapes
        need_x, need_bias, need_residual = ctx.needs_input_grad
        (keep,) = ctx.saved_tensors
        g = grad if keep is None else grad * (keep * grad.array.dtype.type(ctx.scale))
        return (
            g if need_x else None,
            sum_to(g, bias_shape) if need_bias else None,
            sum_to(grad, residual_shape) if need_residual else None,
        )


def fused_bias_dropout_residual(x, bias, residual, p: float = 0.1, training: bool = True, generator=None):
    """``residual + dropout(x + bias, p, training)`` as one fused node (a transformer sub-layer's exit).

    Args:
        x: the sub-layer's output, any shape; the result has this shape.
        bias: broadcastable to ``x`` (typically ``(C,)``: a Linear's bias left out of its GEMM), or None.
        residual: broadcastable to ``x``: the block's input.
        p: drop probability in ``[0, 1]``, used as ``round(p · 65536) / 65536``
            (within 8e-6 of ``p``); kept values are scaled so the expectation is exactly ``x + bias``.
        training: apply dropout; when False the result is ``residual + x + bias``.
        generator: a ``tt_tensor.Generator`` for the mask, or None for the default one
            (``manual_seed``). PyTorch's dropout has no such argument; here it makes a
            fused run reproducible on its own.

    The mask draws 16-bit integers rather than ``F.dropout``'s floats, so the
    same seed drops different elements than ``residual + F.dropout(x + bias, p)``
    does — the distribution is the same.

    Cost: forward, six element-wise passes — ``x + bias`` into the one output
    array, the 16-bit draw (2 bytes per element), the comparison into the
    1-byte mask, the masking and the scaling in place, ``+= residual`` in
    place; backward, two passes (mask and scale, into one new array) when
    ``x`` or ``bias`` needs a gradient, plus the reductions of broadcast
    inputs. Saves the 1-byte mask (the composed form keeps a 4-byte float mask).

    Example:
        >>> x, r = autograd.randn(2, 4, 8), autograd.randn(2, 4, 8)  # doctest: +SKIP
        >>> fused_bias_dropout_residual(x, None, r, p=0.1).shape  # doctest: +SKIP
        (2, 4, 8)
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"fused_bias_dropout_residual: p must be in [0, 1], got {p}")
    if residual is None:
        raise ValueError("fused_bias_dropout_residual: residual is required (without one, use F.dropout)")
    for name, other in (("bias", bias), ("residual", residual)):
        if other is None:
            continue
        try:
            fits = np.broadcast_shapes(tuple(other.shape), tuple(x.shape)) == tuple(x.shape)
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"fused_bias_dropout_residual: {name} of shape {tuple(other.shape)} does not broadcast to "
                f"the input's shape {tuple(x.shape)}"
            )
    return BiasDropoutResidualFunction.apply(
        x, bias, residual, p=float(p) if training else 0.0, generator=generator
    )
