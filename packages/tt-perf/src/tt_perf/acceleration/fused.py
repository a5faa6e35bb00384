"""A fused kernel: ``gelu(x @ W.T + b)`` (the tanh form) as one autograd node with a hand-written backward.

Composed, a transformer's first MLP layer is two nodes — ``Linear`` then
``GELU`` — with the pre-activation ``h`` written out by the first and read
back by the second, and GELU's backward recomputing its tanh. Fused, forward
computes ``h`` in place of the GEMM's output, keeps ``t = tanh(…)`` (what
backward needs) and writes the activation once; backward forms ``dh = grad ·
gelu'(h)`` from ``h`` and ``t`` and does the same two GEMMs as ``Linear``.
Saving in forward what backward needs, and nothing else, is the whole trick.

    gelu(h)  = h/2 · (1 + t),  t = tanh(c · (h + 0.044715 h³)),  c = sqrt(2/π)
    gelu'(h) = (1 + t)/2 + h/2 · (1 − t²) · c · (1 + 3 · 0.044715 h²)

Example:
    >>> import tt_autograd as ag
    >>> x, w = ag.randn(4, 8), ag.randn(16, 8)
    >>> fused_linear_gelu(x, w).shape
    (4, 16)
"""

from __future__ import annotations

import math

import numpy as np
from tt_autograd import Function

C = math.sqrt(2.0 / math.pi)
A = 0.044715


class LinearGelu(Function):
    """``gelu_tanh(x @ W.T + b)``; ``x`` ``(*, in)``, ``W`` ``(out, in)``, ``b`` ``(out,)``."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        # BEGIN SOLUTION 17
        x2 = x.reshape(-1, x.shape[-1])
        h = x2 @ weight.T
        if bias is not None:
            h += bias
        t = np.tanh(C * (h + A * h * h * h))
        out = 0.5 * h * (1.0 + t)
        ctx.save_for_backward(x2, weight, h, t)
        ctx.x_shape = x.shape
        return out.reshape(*x.shape[:-1], weight.shape[0])
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 17
        x2, weight, h, t = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        slope = 0.5 * (1.0 + t) + 0.5 * h * (1.0 - t * t) * C * (1.0 + 3.0 * A * h * h)
        dh = grad.reshape(h.shape) * slope
        dx = (dh @ weight).reshape(ctx.x_shape) if need_x else None
        dw = dh.T @ x2 if need_w else None
        db = dh.sum(axis=0) if need_b else None
        return dx, dw, db
        # END SOLUTION


def fused_linear_gelu(x, weight, bias=None):
    """``gelu(linear(x, weight, bias), approximate="tanh")`` as one fused node (see the module docstring)."""
    if weight.ndim != 2 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"fused_linear_gelu: input {tuple(x.shape)} does not fit weight {tuple(weight.shape)}"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"fused_linear_gelu: bias must be ({weight.shape[0]},), got {tuple(bias.shape)}")
    return LinearGelu.apply(x, weight, bias)
