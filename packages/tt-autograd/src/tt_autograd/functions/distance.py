"""Recorded distances beyond the exercises: ``dist`` (one p-norm of a difference) and ``cdist`` (all pairs).

Not course material. Forward is tt-tensor's kernel (:mod:`tt_tensor.distance`).
With ``u`` a difference and ``d`` its ``p``-norm, d(d)/d(u) is
``sign(u) |u|^(p-1) / d^(p-1)`` (``u / d`` for ``p = 2``, ``sign(u)`` for 1, 0 for 0,
``sign(u)`` at the largest ``|u|`` for inf), and 0 where ``d = 0``, as PyTorch, so a
point's distance to itself passes no NaN back. ``x1`` gets the gradient, ``x2``
its negative, summed over the other side's points.

* ``dist``'s inf-norm shares the gradient between tied largest components
  (like ``amax``); ``cdist``'s gives each of them the full gradient (PyTorch's
  two rules).
* ``cdist`` with ``p = 2`` needs no ``(B, P, R, M)`` array in backward:
  ``grad_x1 = rowsum(w) x1 - w @ x2`` with ``w = grad / d`` (0 where ``d = 0``).
"""

from __future__ import annotations

import numpy as np
from tt_tensor import distance
from tt_tensor.pointwise import as_float

from ..function import Function, unbroadcast


class DistFunction(Function):
    @staticmethod
    def forward(ctx, a, b, p):
        u = as_float(np.asarray(a)) - as_float(np.asarray(b))
        out = np.asarray(distance.pnorm(u, p))
        ctx.p, ctx.shapes = p, (np.shape(a), np.shape(b))
        ctx.save_for_backward(u, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        u, out = ctx.saved_tensors
        g = grad * distance.pnorm_grad(u, out, ctx.p, split_ties=True)
        return (unbroadcast(g, ctx.shapes[0]), unbroadcast(-g, ctx.shapes[1]))


class CdistFunction(Function):
    @staticmethod
    def forward(ctx, x1, x2, p, compute_mode):
        p = distance.check_p("cdist", p)
        out = distance.cdist(x1, x2, p, compute_mode)
        ctx.p, ctx.shapes = p, (x1.shape, x2.shape)
        ctx.save_for_backward(x1, x2, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x1, x2, out = ctx.saved_tensors
        x1, x2 = distance.cdist_operands(x1, x2)
        if ctx.p == 2:
            w = np.where(out > 0, grad / np.where(out > 0, out, 1), 0)
            grad_x1 = w.sum(-1)[..., None] * x1 - w @ x2
            grad_x2 = np.swapaxes(w, -1, -2).sum(-1)[..., None] * x2 - np.swapaxes(w, -1, -2) @ x1
        else:
            u = x1[..., :, None, :] - x2[..., None, :, :]  # (*B, P, R, M)
            g = grad[..., None] * distance.pnorm_grad(u, out[..., None], ctx.p, split_ties=False)
            grad_x1, grad_x2 = g.sum(-2), -g.sum(-3)
        return (
            unbroadcast(grad_x1.astype(grad.dtype, copy=False), ctx.shapes[0]),
            unbroadcast(grad_x2.astype(grad.dtype, copy=False), ctx.shapes[1]),
        )
