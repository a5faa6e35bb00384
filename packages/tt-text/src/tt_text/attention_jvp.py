"""Attention's forward-mode rules (``tt_autograd.forward_ad``): its tangent in one pass.

With ``P = softmax(S)``, ``S = (q · scale) @ kᵀ + bias`` and ``out = dropout(P) @ v``, tangents
``tq, tk, tv`` (and ``tb`` of a float mask) give::

    dS   = (tq · scale) @ kᵀ + (q · scale) @ tkᵀ + tb
    dP   = P ⊙ (dS − rowsum(P ⊙ dS))           softmax's Jacobian, symmetric
    dout = dropout(dP) @ v + dropout(P) @ tv

A masked position has ``P = 0``, so its ``dP`` is 0 whatever ``dS`` is there: the array rule
(:func:`attention_tangent`) reads the saved ``P`` and never needs the bias. Cost: three batched
GEMMs of forward's size and one ``(…, L, S)`` element-wise pass, where the double vjp (the generic
rule) ran the recorded attention forward and its backward twice.

When the tangent must itself be differentiable (forward over reverse: a Hessian-vector product of a
transformer's loss) :func:`attention_tangent_graph` writes the same formula in recorded operations,
``P`` recomputed from the inputs joined to their graph (one recorded attention forward, as
:mod:`tt_text.attention_graph` does for ``graph_backward``).
"""

from __future__ import annotations

import numpy as np

from .attention_graph import merged_heads, packed_bias, packed_heads, probabilities_from_ops


def attention_tangent(q, k, v, probs, keep, scale, tq, tk, tv, t_scores=None) -> np.ndarray:
    """``dout`` on arrays from forward's saved ``probs`` (None for an input without tangent)."""
    d_scores = _total(
        None if tq is None else np.matmul(tq * scale, np.swapaxes(k, -1, -2)),
        None if tk is None else np.matmul(q * scale, np.swapaxes(tk, -1, -2)),
        t_scores,
    )
    d_probs = None
    if d_scores is not None:
        d_probs = probs * (d_scores - np.einsum("...j,...j->...", probs, d_scores)[..., None])
        d_probs = np.matmul(d_probs if keep is None else d_probs * keep, v)
    weights = probs if keep is None else probs * keep
    return _total(d_probs, None if tv is None else np.matmul(weights, tv))


def attention_tangent_graph(q, k, v, bias, keep, scale, tq, tk, tv, t_bias=None):
    """:func:`attention_tangent` in recorded operations (tensors), ``P`` recomputed from ``q``, ``k``
    and ``bias``: differentiable in the primals and the tangents."""
    probs = probabilities_from_ops(q, k, bias, scale)
    d_scores = _total(
        None if tq is None else (tq * scale) @ k.transpose(-1, -2),
        None if tk is None else (q * scale) @ tk.transpose(-1, -2),
        t_bias,
    )
    d_probs = None
    if d_scores is not None:
        d_probs = probs * (d_scores - (probs * d_scores).sum(dim=-1, keepdim=True))
        d_probs = (d_probs if keep is None else d_probs * keep) @ v
    weights = probs if keep is None else probs * keep
    return _total(d_probs, None if tv is None else weights @ tv)


def _total(*terms):
    """The sum of the terms that are not None (None if all are)."""
    present = [term for term in terms if term is not None]
    return sum(present[1:], present[0]) if present else None


def sdpa_jvp(ctx, tq, tk, tv, t_mask, *_):
    """``ScaledDotProductAttentionFunction.jvp``: a float mask's tangent adds to the scores'."""
    q, k, v, _, probs, keep = ctx.saved_tensors
    return attention_tangent(q, k, v, probs, keep, ctx.scale, tq, tk, tv, t_mask)


def sdpa_graph_jvp(ctx, tq, tk, tv, t_mask, *_):
    """``ScaledDotProductAttentionFunction.graph_jvp``: q, k, v and a float mask joined to their graphs."""
    q, k, v, _, _, keep = ctx.saved_tensors
    primals = (ctx.input_tensor(i, a) for i, a in enumerate((q, k, v)))
    bias = None if ctx.bias is None else ctx.input_tensor(3, ctx.bias)
    return attention_tangent_graph(*primals, bias, keep, ctx.scale, tq, tk, tv, t_mask)


def packed_jvp(ctx, tangent, *_):
    """``PackedSelfAttentionFunction.jvp``: the packed tangent split into heads as forward split ``qkv``."""
    qkv, _, probs, keep = ctx.saved_tensors
    batch, length, width3 = qkv.shape
    n_head = ctx.n_head

    def heads(x):
        split = x.reshape(batch, length, 3, n_head, width3 // 3 // n_head)
        return (np.swapaxes(split[:, :, i], 1, 2) for i in range(3))

    out = attention_tangent(*heads(qkv), probs, keep, ctx.scale, *heads(tangent))
    return np.swapaxes(out, 1, 2).reshape(batch, length, width3 // 3)


def packed_graph_jvp(ctx, tangent, *_):
    """``PackedSelfAttentionFunction.graph_jvp``: recorded, the bias rebuilt as forward built it."""
    qkv, _, _, keep = ctx.saved_tensors
    q, k, v = packed_heads(ctx, ctx.input_tensor(0, qkv))
    out = attention_tangent_graph(
        q, k, v, packed_bias(ctx, qkv), keep, ctx.scale, *packed_heads(ctx, tangent)
    )
    return merged_heads(out)
