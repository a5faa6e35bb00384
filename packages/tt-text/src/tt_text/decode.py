"""The decoding fast path (module 18): one new position through a GPT, in NumPy on its weights.

With a :class:`~tt_text.kv_cache.KVCache` a decoding step is tiny — for
milestone 05's GPT, a ``(1, 128) @ (128, 384)`` product and a few more per
layer — so what it costs is no longer arithmetic but the framework around
it: every ``Module.__call__``, every ``Function.apply`` that wraps its result
in a ``Tensor``, every shape check. Profiled (batch 1, context 256), the
module path spends most of its ~1 ms step there; PyTorch's own step is
~0.6 ms for the same reason. :meth:`DecodePlan.step` computes the same function
on the parameter arrays directly — about thirty NumPy calls per layer — as
PyTorch's ``TransformerEncoderLayer`` takes a "fast path" in inference when
nothing needs its modules.

It applies only where it computes what the modules would
(:func:`fast_decode_supported`): evaluation mode, every module of the
exact class the GPT builds (no quantized or pruned layer swapped in, no
subclass), no forward hooks (a profiler, a debugging hook: those must see the
modules run), float32 weights. Otherwise ``GPT.generate`` runs the modules.

Per step: the embeddings, then per layer LayerNorm, the ``(B, C) @ (C, 3C)``
projection, a copy of one key and value into the cache, attention of one
query over ``s + 1`` keys per head, ``(B, C) @ (C, C)``, LayerNorm,
``(B, C) @ (C, 4C)``, GELU, ``(B, 4C) @ (4C, C)``; then the final LayerNorm
and ``(B, C) @ (C, V)``. Same formulas as the modules (float32 throughout);
the results agree to float rounding (the products have other shapes).
"""

from __future__ import annotations

import math

import numpy as np
import tt_nn
from tt_autograd import from_numpy
from tt_nn.functional import gelu

from .kv_cache import KVCache

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _plain_types() -> frozenset[type]:
    from .embedding import Embedding
    from .gpt import GPT, _Trunk
    from .multihead import CausalSelfAttention
    from .positional import SinusoidalPositionalEncoding
    from .transformer import MLP, TransformerBlock

    return frozenset({
        GPT, _Trunk, Embedding, SinusoidalPositionalEncoding, TransformerBlock, CausalSelfAttention, MLP,
        tt_nn.Linear, tt_nn.LayerNorm, tt_nn.GELU, tt_nn.Dropout, tt_nn.ModuleList,
    })  # fmt: skip


def fast_decode_supported(model) -> bool:
    """Whether :class:`DecodePlan` computes exactly what ``model``'s modules would, for a cached step."""
    if model.training:
        return False
    plain = _plain_types()
    for module in model.modules():
        if type(module) not in plain or module._forward_hooks or module._forward_pre_hooks:
            return False
    return all(p.array.dtype == np.float32 for p in model.parameters())


def _layer_norm(x: np.ndarray, weight, bias, eps: float) -> np.ndarray:
    """LayerNorm over the last axis of ``x`` ``(B, C)`` (the formulas of ``tt_nn.LayerNorm``)."""
    inv_width = x.dtype.type(1.0 / x.shape[-1])
    centred = x - np.add.reduce(x, axis=-1, keepdims=True) * inv_width
    variance = np.add.reduce(centred * centred, axis=-1, keepdims=True) * inv_width
    centred *= 1.0 / np.sqrt(variance + eps)
    if weight is not None:
        centred *= weight
    if bias is not None:
        centred += bias
    return centred


def _gelu(x: np.ndarray, approximate: str) -> np.ndarray:
    if approximate == "tanh":
        inner = x * x
        inner *= 0.044715
        inner += 1.0
        inner *= x
        inner *= _SQRT_2_OVER_PI
        np.tanh(inner, out=inner)
        inner += 1.0
        inner *= x
        inner *= 0.5
        return inner
    return gelu(from_numpy(x)).numpy()  # the exact GELU needs erf: tt-nn's own


def _array(param) -> np.ndarray | None:
    return None if param is None else param.array


def _norm(norm) -> tuple:
    return _array(norm.weight), _array(norm.bias), norm.eps


def _linear(layer) -> tuple:
    """``(weight.T, bias)``: the transposed weight as a C-contiguous copy (a one-row product on a
    transposed view took 11 µs, on the copy 6.6 µs, for ``(1, 128) @ (128, 384)`` here)."""
    return np.ascontiguousarray(layer.weight.array.T), _array(layer.bias)


def _apply(x: np.ndarray, layer: tuple) -> np.ndarray:
    out = x @ layer[0]
    if layer[1] is not None:
        out += layer[1]
    return out


class DecodePlan:
    """``model``'s arrays gathered once for a generation: no module lookups during the steps.

    Cost to build: one copy of every Linear weight (transposed), about the
    model's size; :meth:`step` then reads only these arrays (and the
    embedding tables, which are not copied).
    """

    def __init__(self, model) -> None:
        config, trunk = model.config, model.transformer
        self.heads, self.width = config.n_head, config.n_embd
        self.head_dim = config.n_embd // config.n_head
        self.wte = trunk.wte.weight.array
        self.wpe = trunk.wpe.weight.array if config.positional == "learned" else trunk.wpe.pe.array
        self.layers = [
            (_norm(b.ln_1), _linear(b.attn.c_attn), _linear(b.attn.c_proj), _norm(b.ln_2),
             _linear(b.mlp.c_fc), b.mlp.gelu.approximate, _linear(b.mlp.c_proj))
            for b in trunk.h
        ]  # fmt: skip
        self.ln_f = _norm(trunk.ln_f)
        self.lm_head = _linear(model.lm_head)

    def step(self, token_ids: np.ndarray, cache: KVCache) -> np.ndarray:
        """Logits ``(B, vocab_size)`` after one new token per row ``token_ids`` ``(B,)``; fills ``cache``.

        The new token sits at position ``s = cache.get_seq_length()``; the
        caller checks that ``s < block_size``. Equals
        ``model.next_token_logits(token_ids[:, None], cache)`` up to float rounding.
        """
        # BEGIN SOLUTION 18
        # TODO: one token through every block on plain arrays, exactly as the modules compute it
        #   (§ Where it lives, and why): embeddings; per layer LayerNorm, attention over the cache,
        #   residual, LayerNorm, MLP, residual; then the final LayerNorm and the logits.
        # HINT: cache.update appends this step's keys and values and returns all of them.
        batch, heads, head_dim = len(token_ids), self.heads, self.head_dim
        x = self.wte[token_ids] + self.wpe[cache.get_seq_length()]  # (B, C)
        scale = np.float32(1.0 / math.sqrt(head_dim))
        for layer, (ln_1, c_attn, c_proj, ln_2, c_fc, approximate, mlp_proj) in enumerate(self.layers):
            qkv = _apply(_layer_norm(x, *ln_1), c_attn).reshape(batch, 3, heads, 1, head_dim)
            keys, values = cache.update(qkv[:, 1], qkv[:, 2], layer)  # (B, H, s + 1, D)
            scores = np.matmul(qkv[:, 0] * scale, keys.swapaxes(-1, -2))  # (B, H, 1, s + 1)
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores *= 1.0 / np.add.reduce(scores, axis=-1, keepdims=True)
            attended = np.matmul(scores, values)  # (B, H, 1, D)
            x = x + _apply(attended.reshape(batch, self.width), c_proj)
            x += _apply(_gelu(_apply(_layer_norm(x, *ln_2), c_fc), approximate), mlp_proj)
        return _apply(_layer_norm(x, *self.ln_f), self.lm_head)
        # END SOLUTION
