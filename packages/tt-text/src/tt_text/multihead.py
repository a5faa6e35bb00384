"""Multi-head attention layers: PyTorch's ``MultiheadAttention`` and GPT's causal self-attention.

Both project the input to queries, keys and values with **one** GEMM (a
``(C, 3C)`` weight, ``[q | k | v]`` along its output), split the width into
``num_heads`` heads of ``C / num_heads`` features, attend in every head at
once (:func:`~tt_text.sdpa.packed_self_attention`: heads are views, the
output is written straight back in ``(B, T, C)`` layout) and mix the heads
with an output projection.

* :class:`MultiheadAttention` follows ``torch.nn.MultiheadAttention``: its
  parameter names (``in_proj_weight``, ``in_proj_bias``, ``out_proj``),
  ``batch_first`` (default False: ``(T, B, C)``) and its mask convention —
  **True means "masked out"** in ``attn_mask`` and ``key_padding_mask``, the
  opposite of ``scaled_dot_product_attention``'s. Cross-attention (``key``
  is not ``query``) projects the three inputs separately; so do PyTorch's
  ``kdim``/``vdim`` (keys and values of other widths), with ``add_bias_kv`` and
  ``add_zero_attn`` (one more key and value each).
* :class:`CausalSelfAttention` is the layer of a GPT block, with nanoGPT's
  names (``c_attn``, ``c_proj``) so its weights can be exchanged with nanoGPT.
  Given a :class:`~tt_text.kv_cache.KVCache` it attends from new positions
  only, over the cached keys and values (module 18: incremental decoding).
"""

from __future__ import annotations

import math

import numpy as np
import tt_nn
from tt_autograd import Tensor, from_numpy, is_grad_enabled
from tt_nn import Module, Parameter, init
from tt_nn.functional import dropout, linear
from tt_nn.linear import NonDynamicallyQuantizableLinear
from tt_tensor import numpy_generator
from tt_tensor.checks import check_count, check_number
from tt_tensor.devices import check_cpu

from .attention_kernels import attention_forward, causal_bias, mask_to_bias
from .kv_cache import KVCache
from .multihead_functional import (
    _as_array,
    attention_probabilities,
    merge_masks,
    multi_head_attention_forward,
)
from .sdpa import packed_self_attention, scaled_dot_product_attention


def _empty_parameter(shape: tuple[int, ...]) -> Parameter:
    return Parameter(Tensor.from_array(np.empty(shape, np.float32)))


class MultiheadAttention(Module):
    """Multi-head attention, like ``torch.nn.MultiheadAttention`` (same parameters and masks).

    Args:
        embed_dim: model width ``C``.
        num_heads: number of heads; must divide ``embed_dim``.
        dropout: dropout on the attention weights (training only).
        bias: add biases to the input and output projections.
        add_bias_kv: learn ``bias_k``/``bias_v`` ``(1, 1, C)``, appended to every sequence of keys and values.
        add_zero_attn: append a zero key and value (after ``bias_k``/``bias_v``).
        kdim, vdim: widths of ``key`` and ``value`` (default ``C``); if either is not ``C`` the input
            projection is ``q_proj_weight`` ``(C, C)``, ``k_proj_weight`` ``(C, kdim)`` and
            ``v_proj_weight`` ``(C, vdim)``, and ``in_proj_weight`` is None.
        batch_first: inputs are ``(B, T, C)`` if True, ``(T, B, C)`` if False (PyTorch's default).
        device: ``None`` or the CPU; any other device is refused.
        dtype: the parameters' dtype, if given.

    Shape:
        query ``(B, L, C)``, key ``(B, S, kdim)``, value ``(B, S, vdim)`` (batch first); output
        ``(B, L, C)`` and, if ``need_weights``, the attention weights
        ``(B, L, S)`` averaged over heads (or ``(B, H, L, S)``), differentiable as PyTorch's;
        ``S`` counts the appended key of ``add_bias_kv`` and of ``add_zero_attn``. Unbatched, as
        PyTorch: query ``(L, C)``, key ``(S, kdim)``, value ``(S, vdim)`` give ``(L, C)`` and ``(L, S)``.

    Example:
        >>> import tt_autograd as autograd
        >>> mha = MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True, batch_first=True)
        >>> out, weights = mha(autograd.randn(2, 4, 8), autograd.randn(2, 6, 3), autograd.randn(2, 6, 5))
        >>> tuple(out.shape), tuple(weights.shape)
        ((2, 4, 8), (2, 4, 7))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: object = None,
                 dtype: object = None) -> None:  # fmt: skip
        super().__init__()
        check_cpu("MultiheadAttention", device)
        embed_dim = check_count("MultiheadAttention", "embed_dim", embed_dim, 1)
        num_heads = check_count("MultiheadAttention", "num_heads", num_heads, 1)
        check_number("MultiheadAttention", "dropout", dropout)
        self._declare_options(embed_dim, add_bias_kv, add_zero_attn, kdim, vdim)
        # BEGIN SOLUTION 12
        # TODO: PyTorch's parameters: in_proj_weight (3E, E), in_proj_bias (3E,) or None, out_proj Linear(E,
        #   E), of PyTorch's subclass NonDynamicallyQuantizableLinear (§ How it is built, "Layers"); embed_dim
        #   must divide by num_heads.
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim={embed_dim} must be divisible by num_heads={num_heads}"
            )
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.dropout, self.batch_first = float(dropout), batch_first
        self.in_proj_weight = Parameter(Tensor.from_array(np.empty((3 * embed_dim, embed_dim), np.float32)))
        if bias:
            self.in_proj_bias = Parameter(Tensor.from_array(np.zeros(3 * embed_dim, np.float32)))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias)  # (a Linear)
        self._reset_parameters()
        # END SOLUTION
        if not self._qkv_same_embed_dim:  # separate q, k, v weights: PyTorch has no in_proj_weight then
            self.in_proj_weight = None
        if dtype is not None:  # (drawn in float32, then cast: PyTorch draws in dtype)
            self.to(dtype)

    def _declare_options(self, embed_dim: int, add_bias_kv: bool, add_zero_attn: bool, kdim, vdim) -> None:
        """PyTorch's ``kdim``/``vdim`` weights and ``bias_k``/``bias_v``, in its parameter order.

        Declared before the layer's own parameters so the state dict's keys come in PyTorch's order
        (``in_proj_weight`` or ``q/k/v_proj_weight``, ``in_proj_bias``, ``bias_k``, ``bias_v``,
        ``out_proj.*``); :meth:`_reset_parameters` draws them after ``out_proj``, as PyTorch does.
        """
        self.kdim = embed_dim if kdim is None else check_count("MultiheadAttention", "kdim", kdim, 1)
        self.vdim = embed_dim if vdim is None else check_count("MultiheadAttention", "vdim", vdim, 1)
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.add_zero_attn = bool(add_zero_attn)
        self.register_parameter("in_proj_weight", None)
        widths = {"q_proj_weight": embed_dim, "k_proj_weight": self.kdim, "v_proj_weight": self.vdim}
        for name, width in widths.items():
            separate = not self._qkv_same_embed_dim
            self.register_parameter(name, _empty_parameter((embed_dim, width)) if separate else None)
        self.register_parameter("in_proj_bias", None)
        for name in ("bias_k", "bias_v"):
            self.register_parameter(name, _empty_parameter((1, 1, embed_dim)) if add_bias_kv else None)

    def _reset_parameters(self) -> None:
        """Xavier-uniform input projections, zero biases, Xavier-normal ``bias_k``/``bias_v``, as PyTorch."""
        fan_in, fan_out = self.embed_dim, 3 * self.embed_dim
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        if self._qkv_same_embed_dim:
            shape = self.in_proj_weight.shape
            self.in_proj_weight.array[...] = numpy_generator(None).uniform(-limit, limit, shape)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            self.in_proj_bias.array[...] = 0
        if self.out_proj.bias is not None:
            self.out_proj.bias.array[...] = 0
        for bias in (self.bias_k, self.bias_v):
            if bias is not None:
                init.xavier_normal_(bias)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: object = None,
                need_weights: bool = True, attn_mask: object = None, average_attn_weights: bool = True,
                is_causal: bool = False):  # fmt: skip
        """Attend from ``query`` to ``key``/``value``; returns ``(output, weights or None)``.

        Masks follow ``torch.nn.MultiheadAttention``: a boolean ``True``
        blocks a position, a float mask is added to the scores.
        ``is_causal=True`` with no ``attn_mask`` applies the causal mask.
        An unbatched ``query`` ``(L, E)`` (with ``key``/``value`` ``(S, ·)``) gives ``(L, E)``.
        """
        if query.ndim == 2:
            return self._forward_unbatched(
                query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights, is_causal
            )
        if not self._qkv_same_embed_dim or self.bias_k is not None or self.add_zero_attn:
            return self._forward_options(
                query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights, is_causal
            )
        # BEGIN SOLUTION 12
        # TODO: project q, k, v (one GEMM when query is key is value), split the heads,
        #   attend with the merged masks, merge the heads, out_proj; weights averaged
        #   over heads if asked (§ How it is built, "Layers").
        # HINT: batch_first=False means (T, B, E): transpose in and out.
        self_attention = query is key and key is value
        if not self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        batch, length, width = query.shape
        source = key.shape[1]
        if width != self.embed_dim:
            raise ValueError(
                f"MultiheadAttention: expected inputs of width {self.embed_dim}, got {tuple(query.shape)}"
            )
        heads, head_dim = self.num_heads, self.head_dim
        mask = merge_masks(attn_mask, key_padding_mask, batch, heads, length, source, query.array.dtype)
        causal = is_causal and attn_mask is None
        p = self.dropout if self.training else 0.0
        w, b = self.in_proj_weight, self.in_proj_bias
        if self_attention:
            qkv = linear(query, w, b)
            out = packed_self_attention(qkv, heads, is_causal=causal, dropout_p=p, attn_mask=mask)
        else:
            pieces = [(w[i * width : (i + 1) * width], None if b is None else b[i * width : (i + 1) * width])
                      for i in range(3)]  # fmt: skip
            q, k, v = (linear(x, *piece) for x, piece in zip((query, key, value), pieces))
            split = [t.reshape(batch, -1, heads, head_dim).transpose(1, 2) for t in (q, k, v)]
            if causal:
                bias = causal_bias(length, source, query.array.dtype.str)
                mask = bias if mask is None else bias + mask_to_bias(np.asarray(mask), bias.dtype)
            attended = scaled_dot_product_attention(*split, attn_mask=mask, dropout_p=p)
            out = attended.transpose(1, 2).reshape(batch, length, width)
        out = self.out_proj(out)
        weights = None
        if need_weights:
            if self_attention:
                q, k = qkv[..., :width], qkv[..., width : 2 * width]
            weights = self._weights(q, k, mask, causal and self_attention, average_attn_weights)
        if not self.batch_first:
            out = out.transpose(0, 1)
        return out, weights
        # END SOLUTION

    def _forward_unbatched(self, query, key, value, key_padding_mask, need_weights, attn_mask, average,
                           is_causal):  # fmt: skip
        """:meth:`forward` of one sequence: PyTorch's unbatched shapes, run as a batch of one.

        ``query`` ``(L, E)``, ``key`` ``(S, kdim)``, ``value`` ``(S, vdim)``, ``key_padding_mask``
        ``(S,)``, ``attn_mask`` ``(L, S)`` or ``(num_heads, L, S)``; returns ``(L, E)`` and weights
        ``(L, S)`` (or ``(num_heads, L, S)`` unaveraged). Self-attention (one tensor for all three)
        stays one tensor, so it keeps the one-GEMM path.
        """
        if key.ndim != 2 or value.ndim != 2:
            raise ValueError(
                f"MultiheadAttention: an unbatched query {tuple(query.shape)} needs 2-D key and value, "
                f"got key {tuple(key.shape)} and value {tuple(value.shape)}"
            )
        padding = _as_array(key_padding_mask)
        if padding is not None and padding.ndim != 1:
            raise ValueError(
                f"MultiheadAttention: with an unbatched query key_padding_mask must be 1-D (S,), "
                f"got {padding.shape}"
            )
        batch_dim = 0 if self.batch_first else 1
        batched = {id(t): t.unsqueeze(batch_dim) for t in (query, key, value)}  # one tensor stays one
        out, weights = self.forward(
            batched[id(query)], batched[id(key)], batched[id(value)],
            key_padding_mask=None if padding is None else padding[None], need_weights=need_weights,
            attn_mask=attn_mask, average_attn_weights=average, is_causal=is_causal,
        )  # fmt: skip
        return out.squeeze(batch_dim), None if weights is None else weights.squeeze(0)

    def _forward_options(self, query, key, value, key_padding_mask, need_weights, attn_mask, average,
                         is_causal):  # fmt: skip
        """:meth:`forward` with ``kdim``/``vdim``, ``add_bias_kv`` or ``add_zero_attn``: PyTorch's path,
        :func:`~tt_text.multihead_functional.multi_head_attention_forward` with this layer's parameters.

        Separate ``q/k/v_proj_weight`` when ``kdim`` or ``vdim`` is not ``embed_dim`` (else slices of
        ``in_proj_weight``); ``bias_k``/``bias_v`` then a zero key/value (``add_zero_attn``) are appended
        to the projected keys and values, and each mask gets one more allowed column for each.
        """
        if not self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        batch, length, _ = query.shape
        source = key.shape[1]
        expected = {"query": (batch, length, self.embed_dim), "key": (batch, source, self.kdim),
                    "value": (batch, source, self.vdim)}  # fmt: skip
        for (name, shape), x in zip(expected.items(), (query, key, value)):
            if tuple(x.shape) != shape:
                raise ValueError(
                    f"MultiheadAttention: {name} must be {shape} (embed_dim={self.embed_dim}, "
                    f"kdim={self.kdim}, vdim={self.vdim}, batch first), got query {tuple(query.shape)}, "
                    f"key {tuple(key.shape)}, value {tuple(value.shape)}"
                )
        attn, dtype = _as_array(attn_mask), query.array.dtype
        merge_masks(attn, key_padding_mask, batch, self.num_heads, length, source, dtype)  # the shapes
        if is_causal and attn is None:
            attn = ~np.tri(length, source, dtype=bool)
        separate = not self._qkv_same_embed_dim
        out, weights = multi_head_attention_forward(
            query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1), self.embed_dim,
            self.num_heads, self.in_proj_weight, self.in_proj_bias, self.bias_k, self.bias_v,
            self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn, use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average, is_causal=is_causal,
        )  # fmt: skip
        return (out.transpose(0, 1) if self.batch_first else out), weights

    def _weights(self, q: Tensor, k: Tensor, mask: object, causal: bool, average: bool) -> Tensor:
        """The attention probabilities from the projected ``q`` ``(B, L, E)`` and ``k`` ``(B, S, E)``:
        :func:`~tt_text.multihead_functional.attention_probabilities` over the heads.

        Cost: one more ``QK^T`` and softmax, ``O(B H L S)``. With dropout in training, PyTorch
        returns the weights after its dropout; these are before it.
        """
        batch, length, _ = q.shape
        heads, head_dim = self.num_heads, self.head_dim
        bias = causal_bias(length, k.shape[1], q.array.dtype.str) if causal else None
        if mask is not None:
            extra = mask_to_bias(np.asarray(mask), q.array.dtype)
            bias = extra if bias is None else bias + extra
        qh, kh = (t.reshape(batch, -1, heads, head_dim).transpose(1, 2) for t in (q, k))
        probs = attention_probabilities(qh, kh, bias, 1.0 / math.sqrt(head_dim))
        return probs.mean(1) if average else probs


class CausalSelfAttention(Module):
    """GPT's attention: each position attends to itself and earlier positions only.

    Args:
        n_embd: width ``C``.
        n_head: number of heads (divides ``n_embd``).
        dropout: on the attention weights and on the output (training only).
        bias: biases in the two projections.

    Shape:
        input ``(B, T, C)``; output ``(B, T, C)``.
    """

    def __init__(self, n_embd: int, n_head: int, dropout: float = 0.0, bias: bool = True) -> None:
        super().__init__()
        # BEGIN SOLUTION 12
        # TODO: nanoGPT's layout: c_attn Linear(n_embd, 3 n_embd) and c_proj
        #   Linear(n_embd, n_embd); n_embd must divide by n_head.
        if n_embd % n_head:
            raise ValueError(f"CausalSelfAttention: n_embd={n_embd} must be divisible by n_head={n_head}")
        self.n_embd, self.n_head, self.dropout = n_embd, n_head, float(dropout)
        self.c_attn = tt_nn.Linear(n_embd, 3 * n_embd, bias=bias)
        self.c_proj = tt_nn.Linear(n_embd, n_embd, bias=bias)
        # END SOLUTION

    def forward(
        self, x: Tensor, attn_mask: object = None, past_key_values: KVCache | None = None, layer_idx: int = 0
    ) -> Tensor:
        """Causal self-attention of ``x`` ``(B, T, C)``.

        ``attn_mask`` (optional, SDPA convention: True = take part) is combined
        with the causal mask. With ``past_key_values`` (a :class:`KVCache`,
        module 18) the step goes through :meth:`forward_cached` instead.
        """
        if past_key_values is not None:
            return self.forward_cached(x, past_key_values, layer_idx, attn_mask)
        # BEGIN SOLUTION 12
        # TODO: x (B, T, C): c_attn as one 2-D GEMM, packed_self_attention (causal), c_proj, dropout
        #   (§ How it is built, "Packed self-attention: no copies").
        if x.ndim != 3 or x.shape[-1] != self.n_embd:
            raise ValueError(
                f"CausalSelfAttention: expected input (B, T, {self.n_embd}), got {tuple(x.shape)}"
            )
        batch, length, width = x.shape
        p = self.dropout if self.training else 0.0
        qkv = self.c_attn(x.reshape(batch * length, width)).reshape(batch, length, 3 * width)  # one 2-D GEMM
        y = packed_self_attention(qkv, self.n_head, is_causal=True, dropout_p=p, attn_mask=attn_mask)
        out = self.c_proj(y.reshape(batch * length, width)).reshape(batch, length, width)
        return dropout(out, p, self.training)
        # END SOLUTION

    def forward_cached(
        self, x: Tensor, past_key_values: KVCache, layer_idx: int = 0, attn_mask: object = None
    ) -> Tensor:
        """Attention of ``t`` new positions ``x`` ``(B, t, C)`` over every cached position and themselves.

        The new positions sit at ``s, …, s + t − 1``, ``s`` the positions
        already in layer ``layer_idx`` of ``past_key_values``; their keys and
        values are appended there, and new position ``i`` attends to cached
        and new keys ``0 … s + i`` (a causal mask aligned to the bottom right;
        one new position needs no mask). ``attn_mask`` (optional, True = take
        part) broadcasts to ``(B, H, t, s + t)``. The output equals rows
        ``s … s + t − 1`` of :meth:`forward` on all ``s + t`` positions.

        Inference only: it records no graph, so call it under ``no_grad()``
        (``GPT.generate`` does); no dropout.

        Cost: the ``(B·t, C) @ (C, 3C)`` and ``(B·t, C) @ (C, C)``
        projections, ``B·H`` products ``(t, D) @ (D, s + t)`` and
        ``(t, s + t) @ (s + t, D)``, and a copy of ``t`` keys and values.
        """
        if is_grad_enabled() and (x.requires_grad or self.c_attn.weight.requires_grad):
            raise RuntimeError(
                "CausalSelfAttention: a KV cache is for inference and records no graph; "
                "call the model under tt.no_grad() (GPT.generate does)"
            )
        if x.ndim != 3 or x.shape[-1] != self.n_embd:
            raise ValueError(
                f"CausalSelfAttention: expected input (B, T, {self.n_embd}), got {tuple(x.shape)}"
            )
        # BEGIN SOLUTION 18
        # TODO: attention of t new positions over the cached ones and themselves: project the new positions
        #   only, append their k and v to the cache (update), attend with q of the new positions (§ The idea).
        # HINT: with t > 1 (the prefill) new position i may see keys up
        #   to s + i only: a causal bias offset by s.
        batch, length, width = x.shape
        head_dim = width // self.n_head
        start = past_key_values.get_seq_length(layer_idx)
        qkv = self.c_attn(x.reshape(batch * length, width)).numpy()  # one GEMM for the new positions
        heads = qkv.reshape(batch, length, 3, self.n_head, head_dim)
        q, k, v = (heads[:, :, i].transpose(0, 2, 1, 3) for i in range(3))  # (B, H, t, D) views
        keys, values = past_key_values.update(k, v, layer_idx)  # (B, H, s + t, D)
        bias = None
        if length > 1:  # new position i (absolute s + i) sees keys 0 … s + i
            allowed = np.tri(length, start + length, k=start, dtype=bool)
            bias = np.where(allowed, 0, -np.inf).astype(qkv.dtype)
        if attn_mask is not None:
            extra = mask_to_bias(_as_array(attn_mask), qkv.dtype)
            bias = extra if bias is None else bias + extra
        out = np.empty((batch, length, self.n_head, head_dim), dtype=qkv.dtype)
        attention_forward(q, keys, values, bias, 1.0 / math.sqrt(head_dim), out=out.transpose(0, 2, 1, 3))
        merged = from_numpy(out.reshape(batch * length, width))
        return self.c_proj(merged).reshape(batch, length, width)
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"n_embd={self.n_embd}, n_head={self.n_head}, dropout={self.dropout}"
