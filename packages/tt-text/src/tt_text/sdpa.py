"""``scaled_dot_product_attention``: PyTorch's functional attention, as fused autograd Functions.

Two Functions share the kernels of :mod:`tt_text.attention_kernels`:

* :class:`ScaledDotProductAttentionFunction` takes separate ``query``, ``key``,
  ``value`` tensors of shape ``(…, L, E)`` — the public functional form.
* :class:`PackedSelfAttentionFunction` takes the output of one fused QKV projection,
  ``(B, T, 3C)``, splits it into heads *as views* (no copy), and writes the
  result straight into ``(B, T, C)`` layout, ready for the output
  projection. Its backward writes dq, dk and dv into one ``(B, T, 3C)``
  gradient. Slicing q, k and v out of the projection with ordinary indexing
  would instead cost a zero-filled ``(B, T, 3C)`` array per slice and two
  additions in backward, and merging heads would cost a transpose copy.

Being one node each, they record one graph entry for the whole attention
(not the ~10 of a composed version), and save only q, k, v, the output and
the attention probabilities for backward.
"""

from __future__ import annotations

import math

import numpy as np
import tt_tensor
from tt_autograd import Function, Tensor, unbroadcast
from tt_tensor.checks import bool_args

from .attention_jvp import packed_graph_jvp, packed_jvp, sdpa_graph_jvp, sdpa_jvp
from .attention_kernels import attention_backward, attention_forward, causal_bias, mask_to_bias


class ScaledDotProductAttentionFunction(Function):
    """Attention over separate q, k, v (and an optional float mask, which gets a gradient too)."""

    @staticmethod
    def forward(ctx, q, k, v, mask, is_causal, scale, dropout_p, rng):
        bias = None
        if is_causal:
            bias = causal_bias(q.shape[-2], k.shape[-2], q.dtype.str)
        elif mask is not None:
            bias = mask_to_bias(mask, q.dtype)
        out, probs, keep = attention_forward(q, k, v, bias, scale, dropout_p, rng)
        ctx.save_for_backward(q, k, v, out, probs, keep)
        ctx.scale, ctx.bias = scale, bias
        ctx.mask_shape = None if mask is None else mask.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        q, k, v, out, probs, keep = ctx.saved_tensors
        need_q, need_k, need_v, need_mask = ctx.needs_input_grad[:4]
        dq, dk, dv, dscores = attention_backward(
            grad, q, k, v, out, probs, keep, ctx.scale, (need_q, need_k, need_v, need_mask)
        )
        return (
            unbroadcast(dq, q.shape) if need_q else None,
            unbroadcast(dk, k.shape) if need_k else None,
            unbroadcast(dv, v.shape) if need_v else None,
            unbroadcast(dscores, ctx.mask_shape) if need_mask else None,
        ) + (None,) * 4

    @staticmethod
    def graph_backward(ctx, grad):  # for higher-order gradients: recomputed from recorded ops
        from .attention_graph import sdpa_graph_backward

        return sdpa_graph_backward(ctx, grad)

    jvp = staticmethod(sdpa_jvp)  # forward-mode AD in one pass (attention_jvp.py)
    graph_jvp = staticmethod(sdpa_graph_jvp)  # the same, recorded: a tangent that keeps its graph


class PackedSelfAttentionFunction(Function):
    """Multi-head self-attention on a fused QKV projection ``(B, T, 3C)`` → ``(B, T, C)``.

    The last axis of the input is laid out ``[q | k | v]``, each split into
    ``n_head`` heads of ``C / n_head`` features: the layout of nanoGPT's
    ``c_attn`` and of PyTorch's ``in_proj_weight``.
    """

    @staticmethod
    def forward(ctx, qkv, n_head, is_causal, dropout_p, rng, mask=None):
        # BEGIN SOLUTION 12
        # TODO: attention straight from the packed (B, T, 3C) projection: q, k and v are strided views of it,
        #   no copies (§ How it is built, "Packed self-attention: no copies").
        # APPROACH: reshape to (B, T, 3, H, D) and transpose each to (B, H, T, D); causal bias and mask;
        #   attention_forward writes into an out laid out (B, T, H, D), so merging the heads is free.
        batch, length, width3 = qkv.shape
        width = width3 // 3
        head_dim = width // n_head
        heads = qkv.reshape(batch, length, 3, n_head, head_dim)
        q, k, v = (heads[:, :, i].transpose(0, 2, 1, 3) for i in range(3))  # (B, H, T, D) views
        scale = 1.0 / math.sqrt(head_dim)
        bias = causal_bias(length, length, qkv.dtype.str) if is_causal else None
        if mask is not None:
            bias = mask_to_bias(mask, qkv.dtype) if bias is None else bias + mask_to_bias(mask, qkv.dtype)
        out = np.empty((batch, length, n_head, head_dim), dtype=qkv.dtype)
        _, probs, keep = attention_forward(
            q, k, v, bias, scale, dropout_p, rng, out=out.transpose(0, 2, 1, 3)
        )
        ctx.save_for_backward(qkv, out, probs, keep)
        ctx.n_head, ctx.scale = n_head, scale
        return out.reshape(batch, length, width)
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION 12
        # TODO: the gradient of the packed qkv: attention_backward writes dq, dk, dv straight into views of
        #   one (B, T, 3C) array, the layout forward read them from.
        qkv, out, probs, keep = ctx.saved_tensors
        batch, length, width3 = qkv.shape
        n_head = ctx.n_head
        head_dim = width3 // 3 // n_head
        heads = qkv.reshape(batch, length, 3, n_head, head_dim)
        q, k, v = (heads[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
        grad_heads = grad.reshape(batch, length, n_head, head_dim).transpose(0, 2, 1, 3)
        d_qkv = np.empty_like(qkv)
        d_heads = d_qkv.reshape(batch, length, 3, n_head, head_dim)
        targets = tuple(d_heads[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
        attention_backward(
            grad_heads, q, k, v, out.transpose(0, 2, 1, 3), probs, keep, ctx.scale,
            (True, True, True, False), grad_out=targets,
        )  # fmt: skip
        return (d_qkv,) + (None,) * 5
        # END SOLUTION

    @staticmethod
    def graph_backward(ctx, grad):  # for higher-order gradients: recomputed from recorded ops
        from .attention_graph import packed_graph_backward

        return packed_graph_backward(ctx, grad)

    jvp = staticmethod(packed_jvp)  # forward-mode AD in one pass (attention_jvp.py)
    graph_jvp = staticmethod(packed_graph_jvp)  # the same, recorded: a tangent that keeps its graph


def _numpy_rng(dropout_p: float, generator: tt_tensor.Generator | None):
    return tt_tensor.numpy_generator(generator) if dropout_p > 0 else None


def _grouped_query_heads(query, key, value) -> tuple:
    """``key`` and ``value`` with their heads (dim -3) repeated to ``query``'s count (``enable_gqa``)."""
    shapes = f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}"
    if min(query.ndim, key.ndim, value.ndim) < 3:
        raise ValueError(
            f"scaled_dot_product_attention: enable_gqa=True needs a heads dim (-3) in query (..., Hq, L, E), "
            f"key (..., Hk, S, E) and value (..., Hv, S, Ev); got {shapes}"
        )
    heads = query.shape[-3]
    if heads % key.shape[-3] or heads % value.shape[-3]:
        raise ValueError(
            f"scaled_dot_product_attention: with enable_gqa=True the number of heads (dim -3) of key and "
            f"value must divide query's {heads}; got {shapes}"
        )
    return tuple(t.repeat_interleave(heads // t.shape[-3], dim=-3) for t in (key, value))


@bool_args("scaled_dot_product_attention", "is_causal")
def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
    *,
    generator: tt_tensor.Generator | None = None,
) -> Tensor:
    """Attention of ``query`` over ``key`` and ``value``, like PyTorch's ``F.scaled_dot_product_attention``.

    Args:
        query: ``(…, L, E)``.
        key: ``(…, S, E)``.
        value: ``(…, S, Ev)``.
        attn_mask: broadcastable to ``(…, L, S)``; boolean (True: the
            position takes part) or float (added to the scores).
        dropout_p: probability of dropping an attention weight (apply only in training).
        is_causal: position ``i`` attends to positions ``<= i`` only (cannot
            be combined with ``attn_mask``).
        scale: multiplies the scores; default ``1 / sqrt(E)``.
        enable_gqa: grouped-query attention: ``key`` and ``value`` may have fewer heads (dim -3) than
            ``query``, each count a divisor of query's; each head serves ``Hq / Hk`` consecutive query
            heads (``repeat_interleave`` on dim -3, as PyTorch's reference; it costs that copy).

    Returns:
        ``(…, L, Ev)``. A query whose every key is masked gets zeros.

    Example:
        >>> q = k = v = tt.randn(2, 4, 8, 16)   # batch, heads, T, head dim  # doctest: +SKIP
        >>> scaled_dot_product_attention(q, k, v, is_causal=True).shape  # doctest: +SKIP
        (2, 4, 8, 16)
    """
    if enable_gqa:
        key, value = _grouped_query_heads(query, key, value)
    # BEGIN SOLUTION 12
    # TODO: check the arguments as PyTorch does (shapes, is_causal with a mask, dropout_p), build the bias
    #   from is_causal / attn_mask (bool masks: False is -inf), then the fused Function (§ How it is built,
    #   "PyTorch's semantics, checked against PyTorch").
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, tt_tensor.Tensor) or t.ndim < 2:
            raise ValueError(f"scaled_dot_product_attention: {name} must be a tensor of shape (..., L, E)")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: query {tuple(query.shape)}, key {tuple(key.shape)} and value "
            f"{tuple(value.shape)} do not fit: need query (..., L, E), key (..., S, E), value (..., S, Ev)"
        )
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: pass either attn_mask or is_causal=True, not both")
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"scaled_dot_product_attention: dropout_p must be in [0, 1), got {dropout_p}")
    if attn_mask is not None and not isinstance(attn_mask, tt_tensor.Tensor):
        attn_mask = np.asarray(attn_mask)
    if attn_mask is not None:
        scores_shape = (
            *np.broadcast_shapes(query.shape[:-2], key.shape[:-2]),
            query.shape[-2],
            key.shape[-2],
        )
        try:
            np.broadcast_shapes(tuple(attn_mask.shape), scores_shape)
        except ValueError:
            raise ValueError(
                f"scaled_dot_product_attention: attn_mask of shape {tuple(attn_mask.shape)} does not "
                f"broadcast to the attention scores' shape {scores_shape}"
            ) from None
    # END SOLUTION
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    return ScaledDotProductAttentionFunction.apply(
        query, key, value, attn_mask, is_causal, scale, dropout_p, _numpy_rng(dropout_p, generator)
    )


def packed_self_attention(
    qkv: Tensor,
    n_head: int,
    is_causal: bool = True,
    dropout_p: float = 0.0,
    attn_mask: object = None,
    generator: tt_tensor.Generator | None = None,
) -> Tensor:
    """Multi-head self-attention on a fused ``(B, T, 3C)`` projection, returning ``(B, T, C)``.

    ``attn_mask`` (boolean, True = take part, or float) broadcasts to
    ``(B, n_head, T, T)`` and may be combined with ``is_causal``.
    """
    if qkv.ndim != 3 or qkv.shape[-1] % (3 * n_head):
        raise ValueError(
            f"packed_self_attention: expected (B, T, 3C) with C divisible by n_head={n_head}, "
            f"got {tuple(qkv.shape)}"
        )
    mask = None if attn_mask is None else np.asarray(getattr(attn_mask, "array", attn_mask))
    out = PackedSelfAttentionFunction.apply(
        qkv, n_head, is_causal, dropout_p, _numpy_rng(dropout_p, generator), mask
    )
    if out.grad_fn is not None:  # what the recorded backward rebuilds the bias from (attention_graph.py)
        out.grad_fn.bias_inputs = (is_causal, mask)
    return out
