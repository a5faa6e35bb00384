"""Matrix product with batch broadcasting, and its two-GEMM backward.

For ``C = A @ B``: ``dA = dC @ B^T`` and ``dB = A^T @ dC``, each summed over
any batch dimensions that broadcasting added. A 1-D operand is treated as a
row (left) or column (right) vector, as in forward. When ``B`` is a plain
matrix and ``A`` is batched (``(N, T, K) @ (K, M)``, as in every linear layer
over a sequence), ``dB`` is computed as one ``(K, N*T) @ (N*T, M)`` GEMM
instead of a batch of small ones and a sum.
"""

from __future__ import annotations

import numpy as np
from tt_tensor import linalg

from ..function import Function, unbroadcast
from ..higher_order import sum_to


class MatMulFunction(Function):
    complex_gradient = "conjugate"  # its rules are grad * f' or linear (complex_grad.py)

    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION 02
        # TODO: a @ b (module 01's matmul); save both.
        ctx.save_for_backward(a, b)
        return linalg.matmul(a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 02
        # TODO: grad_a = grad @ b^T and grad_b = a^T @ grad, unbroadcast over batch dims, each only if needed.
        # APPROACH: first make 1-D operands 2-D (a as a row, b as a column) and put the dims forward dropped
        #   back into grad; compute; reshape each result to its input's shape.
        # EXAMPLE: a (4, 2, 3) @ b (3, 5): grad_b (3, 5) sums over the
        #   batch: a.reshape(-1, 3).T @ g.reshape(-1, 5).
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g = grad  # put back the dims forward dropped: the column first, so a 0-d grad becomes (1, 1)
        if b.ndim == 1:
            g = np.expand_dims(g, -1)
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        grad_a = grad_b = None
        if need_a:
            grad_a = unbroadcast(np.matmul(g, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if need_b:
            if b2.ndim == 2 and a2.ndim > 2:
                k = a2.shape[-1]
                grad_b = a2.reshape(-1, k).T @ g.reshape(-1, g.shape[-1])
            else:
                grad_b = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), g), b2.shape)
            grad_b = grad_b.reshape(b.shape)
        return grad_a, grad_b
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a_t, b_t = ctx.input_tensor(0, a), ctx.input_tensor(1, b)
        a2 = a_t.unsqueeze(0) if a.ndim == 1 else a_t
        b2 = b_t.unsqueeze(1) if b.ndim == 1 else b_t
        g = grad.unsqueeze(-1) if b.ndim == 1 else grad
        g = g.unsqueeze(-2) if a.ndim == 1 else g
        return (
            sum_to(g @ b2.transpose(-1, -2), tuple(a2.shape)).reshape(a.shape) if need_a else None,
            sum_to(a2.transpose(-1, -2) @ g, tuple(b2.shape)).reshape(b.shape) if need_b else None,
        )

    @staticmethod
    def jvp(ctx, tangent_a, tangent_b):
        a, b = ctx.saved_tensors
        if tangent_b is None:
            return linalg.matmul(tangent_a, b)
        if tangent_a is None:
            return linalg.matmul(a, tangent_b)
        return linalg.matmul(tangent_a, b) + linalg.matmul(a, tangent_b)

    @staticmethod
    def graph_jvp(ctx, tangent_a, tangent_b):  # ta @ b + a @ tb, recorded
        a, b = ctx.saved_tensors
        terms = [
            None if tangent_a is None else tangent_a @ ctx.input_tensor(1, b),
            None if tangent_b is None else ctx.input_tensor(0, a) @ tangent_b,
        ]
        return sum(term for term in terms if term is not None)
