"""Recorded cumulative functions beyond the exercises: ``cumprod`` and ``logcumsumexp``.

Not course material. Forward is tt-tensor's kernel (:mod:`tt_tensor.cumulative`).

* ``cumprod``: with ``P_k = x_0 ... x_k``, d(loss)/d(x_k) is
  ``sum_{j >= k} g_j P_j / x_k`` - a reversed cumulative sum divided by ``x``.
  That division fails where ``x`` has a zero, so then backward takes the
  exact route: ``(prod_{i < k} x_i) * sum_{j >= k} g_j prod_{k < i <= j} x_i``,
  with the inner products of all ``(k, j)`` pairs from one cumprod of an
  ``(n, n)`` table (``n`` the length of ``dim``; O(n²) memory for that case only).
* ``logcumsumexp``: d(loss)/d(x_k) is ``sum_{j >= k} g_j exp(x_k - out_j)``,
  summed in log space (positive and negative ``g`` apart) so nothing overflows.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import cumulative

from ..function import Function


def _reversed_cumsum(values: np.ndarray, axis: int) -> np.ndarray:
    """``out_k = sum_{j >= k} values_j`` along ``axis``."""
    return np.flip(np.cumsum(np.flip(values, axis), axis), axis)


class CumprodFunction(Function):
    @staticmethod
    def forward(ctx, a, dim):
        out = cumulative.cumprod(a, dim)
        ctx.dim = dim
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        if a.ndim == 0:
            return (grad,)
        if np.all(a != 0):
            return (_reversed_cumsum(grad * out, ctx.dim) / a,)
        return (
            np.moveaxis(
                _cumprod_grad_with_zeros(np.moveaxis(a, ctx.dim, -1), np.moveaxis(grad, ctx.dim, -1)),
                -1,
                ctx.dim,
            ),
        )


def _cumprod_grad_with_zeros(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The cumprod gradient along the last axis, exact when ``x`` holds zeros (O(n²) memory)."""
    n = x.shape[-1]
    later = np.arange(n)[None, :] > np.arange(n)[:, None]  # [k, i]: i > k
    table = np.where(later, x[..., None, :], 1)  # [..., k, i]: x_i for i > k, else 1
    partial = np.cumprod(table, axis=-1)  # [..., k, j]: prod_{k < i <= j} x_i (for j >= k)
    weighted = np.where(later | np.eye(n, dtype=bool), g[..., None, :] * partial, 0).sum(-1)
    before = np.concatenate([np.ones_like(x[..., :1]), np.cumprod(x, axis=-1)[..., :-1]], axis=-1)
    return before * weighted


class LogcumsumexpFunction(Function):
    @staticmethod
    def forward(ctx, a, dim):
        out = cumulative.logcumsumexp(a, dim)
        ctx.dim = dim
        ctx.save_for_backward(out.dtype.type(0) + a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return (grad,)
        dim = ctx.dim
        with np.errstate(divide="ignore", invalid="ignore"):
            parts = []
            for sign in (1, -1):
                log_weights = np.log(np.maximum(sign * grad, 0)) - out
                reversed_sum = np.flip(np.logaddexp.accumulate(np.flip(log_weights, dim), axis=dim), dim)
                parts.append(np.exp(x + reversed_sum))
        return (parts[0] - parts[1],)
