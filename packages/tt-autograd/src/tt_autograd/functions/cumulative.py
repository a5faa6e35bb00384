"""Recorded cumulative functions beyond the exercises: ``cumprod`` and ``logcumsumexp``.

Not course material. Forward is tt-tensor's kernel (:mod:`tt_tensor.cumulative`).

* ``cumprod``: with ``P_k = x_0 ... x_k``, d(loss)/d(x_k) is
  ``sum_{j >= k} g_j P_j / x_k`` - a reversed cumulative sum divided by ``x``.
  That division fails where ``x`` has a zero, so then backward takes the
  exact route: only each row's first zero ``z`` gets a gradient beyond the
  division route's, ``(prod_{i < z} x_i) * sum_{j >= z} g_j prod_{z < i <= j} x_i``,
  and everything after ``z`` gets 0: O(n) per row, as in the zero-free case.
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
    complex_gradient = "conjugate"  # its rules are grad * f' (complex_grad.py)

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

    @staticmethod
    def graph_backward(ctx, grad):
        a, out = ctx.saved_tensors
        if a.ndim == 0:
            return (grad,)
        a_t, dim = ctx.input_tensor(0, a), ctx.dim
        if np.all(a != 0):
            return ((grad * ctx.output_tensor(out)).flip(dim).cumsum(dim).flip(dim) / a_t,)
        # With zeros, PyTorch's O(n^2) form: d/dx_k = sum_{j >= k} g_j prod_{i <= j, i != k} x_i. Row k of
        # ``omitted`` is x with x_k replaced by 1; its cumprod along i holds those products for every j.
        n = a.shape[dim]
        eye = np.eye(n, dtype=bool)
        x = a_t.movedim(dim, -1)
        omitted = x.unsqueeze(-2).expand(*x.shape[:-1], n, n).where(~eye, 1.0).cumprod(-1)
        later = np.triu(np.ones((n, n), a.dtype))  # j >= k
        return ((omitted * grad.movedim(dim, -1).unsqueeze(-2) * later).sum(-1).movedim(-1, dim),)


def _cumprod_grad_with_zeros(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The cumprod gradient along the last axis, exact when ``x`` holds zeros; O(n) per row.

    With ``z`` the first zero of a row: before it, the division route holds
    (``x_k != 0``, and every product from ``z`` on is 0); at ``z`` the gradient is
    ``prod_{i < z} x_i * sum_{j >= z} g_j prod_{z < i <= j} x_i``; after it, 0 (every
    product that holds ``x_k`` also holds ``x_z = 0``).
    """
    n = x.shape[-1]
    is_zero = x == 0
    first = np.where(is_zero.any(-1), is_zero.argmax(-1), n)[..., None]  # (..., 1); n for a zero-free row
    k = np.arange(n)
    before = k < first
    grad = np.where(before, _reversed_cumsum(g * np.cumprod(x, -1), -1) / np.where(before, x, 1), 0)
    from_first = np.cumprod(np.where(k > first, x, 1), -1)  # prod_{z < i <= j} x_i for j >= z
    at_first = np.where(k >= first, g * from_first, 0).sum(-1, keepdims=True)
    prefix = np.where(before, x, 1).prod(-1, keepdims=True)
    return np.where(k == first, prefix * at_first, grad)


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

    @staticmethod
    def graph_backward(ctx, grad):  # PyTorch's formula: the same sums with logcumsumexp, recorded
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return (grad,)
        dim, x_t, out_t = ctx.dim, ctx.input_tensor(0, x), ctx.output_tensor(out)
        lowest = np.finfo(out.dtype).min  # log(0) as a finite number, as PyTorch
        with np.errstate(divide="ignore"):
            log_abs = grad.abs().log()
        parts = []
        for side in (grad.array > 0, grad.array < 0):
            log_weights = log_abs.where(side, lowest) - out_t
            parts.append((log_weights.flip(dim).logcumsumexp(dim).flip(dim) + x_t).exp())
        return (parts[0] - parts[1],)
