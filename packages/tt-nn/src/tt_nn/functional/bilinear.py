"""``bilinear``: ``y_o = x1ᵀ A_o x2 + b_o``, one fused ``Function`` (not course material).

Forward contracts ``x1`` with the weight first (one GEMM, ``(R, in1) @
(in1, out·in2)``) and then with ``x2``; backward reuses the same two-step
order for each gradient, so no ``(R, out, in1, in2)`` temporary is ever made.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import Function
from tt_autograd.higher_order import composite_gradients

from ._checks import float_arg, tensor_arg


class BilinearFunction(Function):
    """``x1`` ``(R, in1)``, ``x2`` ``(R, in2)``, ``weight`` ``(out, in1, in2)``, ``bias`` ``(out,)`` or None.

    ``y[r, o] = Σ_ij x1[r, i] · weight[o, i, j] · x2[r, j] + bias[o]``. Cost: forward
    and each input's gradient are one GEMM and one row-wise contraction
    (``R · out · in1 · in2`` multiply-adds each).
    """

    @staticmethod
    def forward(ctx, x1, x2, weight, bias):
        ctx.save_for_backward(x1, x2, weight)
        out = contract(x1, weight, x2)
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x1, x2, weight = ctx.saved_tensors
        need_x1, need_x2, need_weight, need_bias = ctx.needs_input_grad
        grad_x1 = grad_x2 = grad_weight = grad_bias = None
        if need_x1 or need_weight:
            grad_x2_side = np.einsum("ro,rj->roj", grad, x2)  # (R, out, in2): g ⊗ x2
            if need_x1:
                grad_x1 = np.einsum("roj,oij->ri", grad_x2_side, weight, optimize=True)
            if need_weight:
                grad_weight = np.einsum("ri,roj->oij", x1, grad_x2_side, optimize=True)
        if need_x2:
            grad_x1_side = np.einsum("ro,ri->roi", grad, x1)  # (R, out, in1): g ⊗ x1
            grad_x2 = np.einsum("roi,oij->rj", grad_x1_side, weight, optimize=True)
        if need_bias:
            grad_bias = grad.sum(axis=0)
        return grad_x1, grad_x2, grad_weight, grad_bias

    @staticmethod
    def graph_backward(ctx, grad):  # through the composite formula (tt_autograd.higher_order)
        x1, x2, weight = ctx.saved_tensors
        bias = np.zeros(weight.shape[0], weight.dtype) if ctx.needs_input_grad[3] else None  # (value moot)

        def composite(x1, x2, weight, bias):
            out = recorded_contract(x1, weight, x2)
            return out if bias is None else out + bias

        return composite_gradients(ctx, grad, composite, (x1, x2, weight, bias))

    @staticmethod
    def jvp(ctx, tangent_x1, tangent_x2, tangent_weight, tangent_bias, *_):
        """Linear in each of ``x1``, ``weight``, ``x2``, so the sum of one term per tangent:
        ``B(t1, W, x2) + B(x1, W, t2) + B(x1, tW, x2) + tb``. Cost: one :func:`contract` per tangent."""
        x1, x2, weight = ctx.saved_tensors
        out = np.zeros((x1.shape[0], weight.shape[0]), np.result_type(x1, x2, weight))
        if tangent_x1 is not None:
            out += contract(tangent_x1, weight, x2)
        if tangent_x2 is not None:
            out += contract(x1, weight, tangent_x2)
        if tangent_weight is not None:
            out += contract(x1, tangent_weight, x2)
        if tangent_bias is not None:
            out += tangent_bias
        return out

    @staticmethod
    def graph_jvp(ctx, tangent_x1, tangent_x2, tangent_weight, tangent_bias, *_):
        """``jvp``'s sum in recorded operations, the primals joined to their graphs."""
        x1, x2, weight = ctx.saved_tensors
        x1_t, x2_t, weight_t = (ctx.input_tensor(i, value) for i, value in enumerate((x1, x2, weight)))
        terms = []
        if tangent_x1 is not None:
            terms.append(recorded_contract(tangent_x1, weight_t, x2_t))
        if tangent_x2 is not None:
            terms.append(recorded_contract(x1_t, weight_t, tangent_x2))
        if tangent_weight is not None:
            terms.append(recorded_contract(x1_t, tangent_weight, x2_t))
        if tangent_bias is not None:
            terms.append(tangent_bias)
        return sum(terms).expand(x1.shape[0], weight.shape[0])


def contract(x1: np.ndarray, weight: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """``Σ_ij x1[r, i] · weight[o, i, j] · x2[r, j]``, ``(R, out)``: one GEMM, then a row-wise contraction."""
    x1_weight = np.einsum("ri,oij->roj", x1, weight, optimize=True)  # (R, out, in2)
    return np.einsum("roj,rj->ro", x1_weight, x2)


def recorded_contract(x1, weight, x2):
    """:func:`contract` in recorded tensor operations (for the recorded rules): ``(R, out)``."""
    return ((x1 @ weight) * x2).sum(dim=-1).transpose(0, 1)  # (out, R, in2), summed over in2


def bilinear(input1, input2, weight, bias=None):
    """``y = input1ᵀ · weight · input2 + bias`` per output feature.

    Args:
        input1: ``(*, in1_features)``.
        input2: ``(*, in2_features)``, the same leading dims as ``input1``.
        weight: ``(out_features, in1_features, in2_features)``.
        bias: ``(out_features,)`` or None.

    Shape:
        output ``(*, out_features)``.

    Example:
        >>> bilinear(tt_autograd.ones(5, 2), tt_autograd.ones(5, 3), tt_autograd.ones(4, 2, 3)).shape
        ... # doctest: +SKIP
        (5, 4)
    """
    x1 = float_arg("bilinear", input1, "input1")
    x2 = float_arg("bilinear", input2, "input2")
    w = tensor_arg("bilinear", weight, "weight")
    if w.ndim != 3:
        raise RuntimeError(
            f"bilinear: weight must be 3-D (out_features, in1_features, in2_features), got shape {w.shape}"
        )
    out_features, in1, in2 = w.shape
    if x1.ndim == 0 or x2.ndim == 0 or x1.shape[:-1] != x2.shape[:-1]:
        raise RuntimeError(
            f"bilinear: input1 {x1.shape} and input2 {x2.shape} must have the same "
            "leading dims (*, in_features)"
        )
    if x1.shape[-1] != in1 or x2.shape[-1] != in2:
        raise RuntimeError(
            f"bilinear: inputs of shapes {x1.shape} and {x2.shape} do not fit weight {w.shape}: their last "
            f"dims must be in1_features={in1} and in2_features={in2}"
        )
    if bias is not None and tensor_arg("bilinear", bias, "bias").shape != (out_features,):
        raise RuntimeError(
            f"bilinear: bias must have shape ({out_features},) to match weight, got {bias.shape}"
        )
    leading = x1.shape[:-1]
    out = BilinearFunction.apply(x1.reshape(-1, in1), x2.reshape(-1, in2), w, bias)
    return out.reshape(*leading, out_features)
