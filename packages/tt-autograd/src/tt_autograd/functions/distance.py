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
* ``dist`` has a ``graph_backward`` (higher-order gradients); ``cdist`` has none,
  as PyTorch's ``_cdist_backward`` is not differentiable either.
* ``cdist`` with ``p = 2`` needs no ``(B, P, R, M)`` array in backward:
  ``grad_x1 = rowsum(w) x1 - w @ x2`` with ``w = grad / d`` (0 where ``d = 0``).
"""

from __future__ import annotations

import numpy as np
from tt_tensor import distance
from tt_tensor.pointwise import as_float

from ..function import Function, unbroadcast
from ..higher_order import sum_to
from .arithmetic import _masked


class DistFunction(Function):
    @staticmethod
    def forward(ctx, a, b, p):
        u = as_float(np.asarray(a)) - as_float(np.asarray(b))
        out = np.asarray(distance.pnorm(u, p))
        ctx.p, ctx.shapes = p, (np.shape(a), np.shape(b))
        ctx.save_for_backward(u, out, np.asarray(a), np.asarray(b))  # a and b: for graph_backward
        return out

    @staticmethod
    def backward(ctx, grad):
        u, out = ctx.saved_tensors[:2]
        g = grad * distance.pnorm_grad(u, out, ctx.p, split_ties=True)
        return (unbroadcast(g, ctx.shapes[0]), unbroadcast(-g, ctx.shapes[1]))

    @staticmethod
    def graph_backward(ctx, grad):
        u, out, a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        difference = ctx.input_tensor(0, a) - ctx.input_tensor(1, b)
        g = grad * pnorm_grad_recorded(difference, ctx.output_tensor(out), ctx.p, u, out)
        return (sum_to(g, ctx.shapes[0]) if need_a else None, sum_to(-g, ctx.shapes[1]) if need_b else None)


def pnorm_grad_recorded(u: object, norm: object, p: float, u_array: np.ndarray, norm_array: np.ndarray):
    """``pnorm_grad(u, norm, p, split_ties=True)`` in tensor operations on ``u`` and ``norm`` (whose
    arrays give the masks). For p = 0, 1 and inf it is piecewise constant: the NumPy array itself."""
    if p in (0, 1, np.inf):
        return distance.pnorm_grad(u_array, norm_array, p, split_ties=True)
    positive = np.asarray(norm_array > 0)
    norm = _masked(norm, ~positive, 1.0)  # 1 where the norm is 0: finite values, then masked to 0
    if p == 2:
        return u / norm * positive
    kept = positive & (u_array != 0)
    return np.sign(u_array) * _masked(u.abs(), ~kept, 1.0) ** (p - 1) / norm ** (p - 1) * kept


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
