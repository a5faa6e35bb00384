"""Attention's recorded backward, for higher-order gradients (``create_graph=True``).

The fused attention Functions (:mod:`tt_text.sdpa`) compute their gradients on
NumPy arrays. For a gradient that must be differentiated again (a Hessian-vector
product of a transformer's loss, a gradient penalty through attention), the
attention is recomputed from recorded operations — ``(q · scale) @ kᵀ``, the bias,
``softmax``, the saved dropout mask, ``@ v`` — and differentiated through
``composite_gradients`` (:mod:`tt_autograd.higher_order`). The packed form first
splits its ``(B, T, 3C)`` projection into heads by indexing and reshapes, as
forward's views do, and merges the heads back.

Cost: one recorded attention forward (its ``(…, L, S)`` scores and probabilities
kept) and one recorded backward through it, paid only with ``create_graph=True``.
A row whose every position is masked gives NaN here, where the fused kernels
give 0: keep such rows out of a second derivative.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import forward_ad as fwAD
from tt_autograd.higher_order import composite_gradients
from tt_nn.functional import softmax

from .attention_kernels import causal_bias, mask_to_bias


def attention_from_ops(q, k, v, bias, scale, keep):
    """``dropout(softmax((q · scale) @ kᵀ + bias)) @ v`` from recorded operations (tensors or arrays)."""
    weights = probabilities_from_ops(q, k, bias, scale)
    if keep is not None:
        weights = weights * keep
    return weights @ v


def probabilities_from_ops(q, k, bias, scale):
    """``softmax((q · scale) @ kᵀ + bias)`` from recorded operations: the attention weights before dropout."""
    scores = (q * scale) @ k.transpose(-1, -2)
    if bias is not None:
        scores = scores + bias
    return softmax(scores, dim=-1)


def sdpa_graph_backward(ctx, grad):
    """``ScaledDotProductAttentionFunction.graph_backward``: q, k, v and a float mask, recorded."""
    q, k, v, _, _, keep = ctx.saved_tensors
    bias = ctx.bias

    def composite(q, k, v, mask, *_):
        return attention_from_ops(q, k, v, bias if mask is None else mask, ctx.scale, keep)

    mask_value = bias if ctx.needs_input_grad[3] else None  # a float mask is its own bias
    return composite_gradients(ctx, grad, composite, (q, k, v, mask_value) + (None,) * 4)


def packed_graph_backward(ctx, grad):
    """``PackedSelfAttentionFunction.graph_backward``: the packed ``(B, T, 3C)`` projection, recorded.

    The bias is rebuilt as forward built it, from the ``(is_causal, mask)`` that
    :func:`~tt_text.sdpa.packed_self_attention` notes on the node.
    """
    qkv, _, _, keep = ctx.saved_tensors
    bias = packed_bias(ctx, qkv)

    def composite(qkv, *_):
        q, k, v = packed_heads(ctx, qkv)
        return merged_heads(attention_from_ops(q, k, v, bias, ctx.scale, keep))

    return composite_gradients(ctx, grad, composite, (qkv,) + (None,) * (len(ctx.needs_input_grad) - 1))


def packed_bias(ctx, qkv: np.ndarray) -> np.ndarray | None:
    """The packed attention's additive bias, rebuilt as forward built it from ``(is_causal, mask)``:
    noted on the node by :func:`~tt_text.sdpa.packed_self_attention` after ``apply``, or, while a
    forward-AD rule runs inside ``apply`` (before that), read from the call's inputs and noted."""
    if getattr(ctx, "bias_inputs", None) is None:  # (kept: a vmap's loop over samples never notes them)
        inputs = fwAD.inputs_of(ctx)  # (qkv, n_head, is_causal, dropout_p, rng, mask)
        ctx.bias_inputs = inputs[2], inputs[5]
    is_causal, mask = ctx.bias_inputs
    length = qkv.shape[1]
    bias = causal_bias(length, length, qkv.dtype.str) if is_causal else None
    if mask is not None:
        bias = mask_to_bias(mask, qkv.dtype) if bias is None else bias + mask_to_bias(mask, qkv.dtype)
    return bias


def packed_heads(ctx, qkv) -> tuple:
    """``(q, k, v)``, each ``(B, H, T, D)``, from a packed ``(B, T, 3C)`` tensor (recorded indexing)."""
    batch, length, width3 = qkv.shape
    heads = qkv.reshape(batch, length, 3, ctx.n_head, width3 // 3 // ctx.n_head)
    return tuple(heads[:, :, i].permute(0, 2, 1, 3) for i in range(3))


def merged_heads(out):
    """``(B, H, T, D)`` heads merged back into ``(B, T, H·D)`` (recorded)."""
    batch, n_head, length, head_dim = out.shape
    return out.permute(0, 2, 1, 3).reshape(batch, length, n_head * head_dim)
