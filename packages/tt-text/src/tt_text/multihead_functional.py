"""``F.multi_head_attention_forward``: the functional form of ``MultiheadAttention``, as PyTorch's.

Every weight is an argument (``in_proj_weight`` or ``q/k/v_proj_weight``, ``in_proj_bias``,
``bias_k``/``bias_v``, ``out_proj_weight``/``bias``); inputs are sequence first, ``(L, B, E)``, or
unbatched ``(L, E)``. :class:`~tt_text.multihead.MultiheadAttention` runs its general path (``kdim``/
``vdim``, ``add_bias_kv``, ``add_zero_attn``) through this function; its common path (one packed
projection) and this one share the attention kernels (:mod:`tt_text.sdpa`, :func:`attention_probabilities`)
and the mask rules (:func:`merge_masks`: PyTorch's masks, **True = masked out**, turned into
``scaled_dot_product_attention``'s, True = takes part).

With ``need_weights`` the probabilities are formed (``(B, H, L, S)``, recorded when ``q`` or ``k``
needs a gradient), dropped out in training and multiplied by ``v``, so the weights returned are
those that made the output, as PyTorch's; without, the fused attention Function runs.

Cost: the projections (``O(B L E²)`` and ``O(B S E (E_k + E_v))``) and the attention, ``O(B L S E)``.
"""

from __future__ import annotations

import math

import numpy as np
from tt_autograd import Tensor, cat, from_numpy, is_grad_enabled
from tt_nn.functional import dropout, linear

from .attention_kernels import attention_forward, mask_to_bias
from .sdpa import scaled_dot_product_attention

OP = "multi_head_attention_forward"


def _as_array(mask: object) -> np.ndarray | None:
    return None if mask is None else np.asarray(getattr(mask, "array", mask))


def _allowed(mask: np.ndarray | None, dtype: np.dtype) -> np.ndarray | None:
    """PyTorch-MHA mask (bool True = blocked, or float bias) in SDPA form (bool True = allowed, or bias)."""
    if mask is None:
        return None
    return ~mask if mask.dtype == np.bool_ else mask.astype(dtype, copy=False)


def merge_masks(
    attn_mask, key_padding_mask, batch: int, heads: int, length: int, source: int, dtype
) -> object:
    """One SDPA-style mask broadcastable to ``(B, H, L, S)`` from MHA's two masks (either may be None)."""
    attn = _allowed(_as_array(attn_mask), dtype)
    padding = _allowed(_as_array(key_padding_mask), dtype)
    if attn is not None:
        if attn.ndim == 3:  # (B * H, L, S)
            attn = attn.reshape(batch, heads, length, source)
        elif attn.shape != (length, source):
            raise ValueError(
                f"MultiheadAttention: attn_mask must be ({length}, {source}) or ({batch * heads}, {length}, "
                f"{source}), got {attn.shape}"
            )
    if padding is not None:
        if padding.shape != (batch, source):
            raise ValueError(
                f"MultiheadAttention: key_padding_mask must be ({batch}, {source}), got {padding.shape}"
            )
        padding = padding[:, None, None, :]
    if attn is None or padding is None:
        return attn if padding is None else padding
    if attn.dtype == np.bool_ and padding.dtype == np.bool_:
        return attn & padding
    return mask_to_bias(attn, np.dtype(dtype)) + mask_to_bias(padding, np.dtype(dtype))


def pad_column(mask: np.ndarray | None) -> np.ndarray | None:
    """``mask`` with one more last column that blocks nothing (False, or 0 added to the scores)."""
    return None if mask is None else np.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, 1)])


def attention_probabilities(qh: Tensor, kh: Tensor, bias: np.ndarray | None, scale: float) -> Tensor:
    """``softmax((q · scale) kᵀ + bias)`` over heads ``qh`` ``(B, H, L, D)``, ``kh`` ``(B, H, S, D)``.

    Recorded when a gradient can flow through ``q`` or ``k`` (PyTorch's weights are differentiable:
    a loss may use them); otherwise one pass of the attention kernel over their arrays, no graph.
    """
    if is_grad_enabled() and (qh.requires_grad or kh.requires_grad):
        scores = qh @ kh.transpose(-2, -1) * scale
        return (scores if bias is None else scores + from_numpy(np.asarray(bias))).softmax(-1)
    q, k = qh.array, kh.array
    _, probs, _ = attention_forward(q, k, k[..., :1], bias, scale)
    return Tensor.from_array(probs)


def _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads: int) -> bool:
    """PyTorch's ``_mha_shape_check``: whether the inputs are batched, or a ValueError."""
    if query.ndim not in (2, 3):
        raise ValueError(
            f"{OP}: query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query "
            "tensor"
        )
    batched = query.ndim == 3
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(
            f"{OP}: for {'batched (3-D)' if batched else 'unbatched (2-D)'} `query`, expected `key` and "
            f"`value` to be {query.ndim}-D but found {key.ndim}-D and {value.ndim}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise ValueError(
            f"{OP}: for {'batched (3-D)' if batched else 'unbatched (2-D)'} `query`, expected "
            f"`key_padding_mask` to be `None` or {query.ndim - 1}-D but found {key_padding_mask.ndim}-D "
            "tensor"
        )
    if attn_mask is not None:
        if attn_mask.ndim not in (2, 3):
            raise ValueError(f"{OP}: attn_mask's dimension {attn_mask.ndim} is not supported")
        expected = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
            raise ValueError(
                f"{OP}: expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}"
            )
    return batched


def _project(
    query, key, value, in_proj_weight, in_proj_bias, separate, q_proj_weight, k_proj_weight, v_proj_weight
):
    """The input projections ``q``, ``k``, ``v`` (one GEMM when ``query is key is value``)."""
    if not separate:
        if in_proj_weight is None:
            raise ValueError(f"{OP}: use_separate_proj_weight is False but in_proj_weight is None")
        if query is key and key is value:
            return linear(query, in_proj_weight, in_proj_bias).chunk(3, dim=-1)
        weights = in_proj_weight.chunk(3)
    else:
        for name, weight in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if weight is None:
                raise ValueError(f"{OP}: use_separate_proj_weight is True but {name}_proj_weight is None")
        weights = (q_proj_weight, k_proj_weight, v_proj_weight)
    biases = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
    return [linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases)]


def _heads(x: Tensor, static: Tensor | None, name: str, batch: int, heads: int, head_dim: int) -> Tensor:
    """``(S, B, E)`` as ``(B, H, S, D)``, or the precomputed ``static_k``/``static_v`` ``(B·H, S, D)``."""
    if static is None:
        return x.reshape(x.shape[0], batch, heads, head_dim).permute(1, 2, 0, 3)
    for dim, expected in ((0, batch * heads), (2, head_dim)):
        if static.ndim != 3 or static.shape[dim] != expected:
            raise ValueError(
                f"{OP}: expecting {name}.size({dim}) of {expected}, but got {tuple(static.shape)} for {name}"
            )
    return static.reshape(batch, heads, static.shape[1], head_dim)


def multi_head_attention_forward(
    query,
    key,
    value,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight,
    in_proj_bias,
    bias_k,
    bias_v,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight,
    out_proj_bias,
    training: bool = True,
    key_padding_mask=None,
    need_weights: bool = True,
    attn_mask=None,
    use_separate_proj_weight: bool = False,
    q_proj_weight=None,
    k_proj_weight=None,
    v_proj_weight=None,
    static_k=None,
    static_v=None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
):
    """``torch.nn.functional.multi_head_attention_forward``: ``(output, weights or None)``.

    Args:
        query: ``(L, B, E)`` or unbatched ``(L, E)``; key ``(S, B, E_k)``, value ``(S, B, E_v)``.
        embed_dim_to_check: ``E``, checked against ``query``; num_heads: ``H``, dividing ``E``.
        in_proj_weight, in_proj_bias: ``(3E, E)`` and ``(3E,)`` (``q | k | v``), or None.
        bias_k, bias_v: ``(1, 1, E)`` each or both None: appended to the keys and values.
        add_zero_attn: append a zero key and value (after ``bias_k``/``bias_v``).
        dropout_p, training: dropout on the attention weights, in training only.
        out_proj_weight, out_proj_bias: ``(E, E)`` and ``(E,)`` or None.
        key_padding_mask: ``(B, S)`` (``(S,)`` unbatched); attn_mask: ``(L, S)`` or ``(B·H, L, S)``.
            Boolean True masks a position out; a float mask is added to the scores.
        need_weights, average_attn_weights: also return the weights, ``(B, L, S)`` averaged over
            heads or ``(B, H, L, S)``.
        use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight: separate input
            projections ``(E, E)``, ``(E, E_k)``, ``(E, E_v)`` in place of ``in_proj_weight``.
        static_k, static_v: ``(B·H, S, E / H)`` keys and values to use as they are (already projected).
        is_causal: a hint that ``attn_mask`` (which must be given) is the causal mask; used as
            the fused kernel's causal flag when no padding mask and no weights are asked.

    Shape: output ``(L, B, E)`` (``(L, E)`` unbatched). Differentiable in every tensor argument.
    """
    batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    attn, padding = _as_array(attn_mask), _as_array(key_padding_mask)
    if not batched:  # a batch of one in the middle; one tensor for all three stays one
        unbatched = {id(t): t.unsqueeze(1) for t in (query, key, value)}
        query, key, value = unbatched[id(query)], unbatched[id(key)], unbatched[id(value)]
        padding = None if padding is None else padding[None]
    length, batch, width = query.shape
    source = key.shape[0]
    if is_causal and attn is None:
        raise RuntimeError(
            f"{OP}: Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
            "method `generate_square_subsequent_mask` to create this mask."
        )
    causal = is_causal and padding is None and not need_weights
    if causal:
        attn = None
    if width != embed_dim_to_check:
        raise ValueError(f"{OP}: was expecting embedding dimension of {embed_dim_to_check}, but got {width}")
    head_dim = width // num_heads
    if head_dim * num_heads != width:
        raise ValueError(f"{OP}: embed_dim {width} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight and key.shape[:2] != value.shape[:2]:
        raise ValueError(
            f"{OP}: key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
            f"{tuple(value.shape[:2])}"
        )
    if not use_separate_proj_weight and key.shape != value.shape:
        raise ValueError(
            f"{OP}: key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}"
        )
    q, k, v = _project(query, key, value, in_proj_weight, in_proj_bias, use_separate_proj_weight,
                       q_proj_weight, k_proj_weight, v_proj_weight)  # fmt: skip
    if attn is not None:
        expected = (length, source) if attn.ndim == 2 else (batch * num_heads, length, source)
        if attn.shape != expected:
            raise ValueError(
                f"{OP}: The shape of the {attn.ndim}D attn_mask is {attn.shape}, but should be {expected}."
            )
    if (bias_k is None) != (bias_v is None):
        raise ValueError(f"{OP}: bias_k and bias_v must be given together (one is None)")
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            raise ValueError(f"{OP}: bias cannot be added to static key or value.")
        k, v = cat([k, bias_k.expand(1, batch, width)]), cat([v, bias_v.expand(1, batch, width)])
        attn, padding = pad_column(attn), pad_column(padding)
    qh = _heads(q, None, "q", batch, num_heads, head_dim)
    kh = _heads(k, static_k, "static_k", batch, num_heads, head_dim)
    vh = _heads(v, static_v, "static_v", batch, num_heads, head_dim)
    if add_zero_attn:
        zeros = from_numpy(np.zeros((batch, num_heads, 1, head_dim), query.array.dtype))
        kh, vh = cat([kh, zeros], 2), cat([vh, zeros], 2)
        attn, padding = pad_column(attn), pad_column(padding)
    mask = merge_masks(attn, padding, batch, num_heads, length, kh.shape[2], query.array.dtype)
    p = float(dropout_p) if training else 0.0
    weights = None
    if need_weights:
        bias = None if mask is None else mask_to_bias(np.asarray(mask), query.array.dtype)
        probs = attention_probabilities(qh, kh, bias, 1.0 / math.sqrt(head_dim))
        probs = dropout(probs, p) if p > 0 else probs  # PyTorch returns the weights it used
        attended = probs @ vh
        weights = probs.mean(1) if average_attn_weights else probs
    else:
        attended = scaled_dot_product_attention(qh, kh, vh, attn_mask=mask, dropout_p=p, is_causal=causal)
    out = linear(attended.permute(2, 0, 1, 3).reshape(length, batch, width), out_proj_weight, out_proj_bias)
    if not batched:
        return out.squeeze(1), None if weights is None else weights.squeeze(0)
    return out, weights
