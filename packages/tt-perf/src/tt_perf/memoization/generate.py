"""``generate_cached``: ``GPT.generate`` with a KV cache — one new position per token, not the whole prefix.

``tt_text.GPT.generate`` runs the full context through the model for every
new token. Here the prompt runs once (*prefill*: every position, keys and
values stored in a :class:`KVCache`), and then each new token is a single
position through every block (*decode*): its query attends over the cached
keys and values, and its own key and value are appended. Everything else —
embeddings, LayerNorms, projections, the MLP, sampling — is the model's own
modules and ``tt_text.sample_next``, so the tokens are the model's.

**The context limit.** A GPT with *learned* positions has seen positions
``0 … block_size − 1`` only; ``GPT.generate`` keeps the last ``block_size``
tokens, so once the sequence is longer, every token sits at a new position
and no cached key is valid any more. Two policies (``window``):

* ``"exact"`` (default): past ``block_size``, re-prefill the last
  ``block_size`` tokens at every step — the same tokens as
  ``GPT.generate``, and, from then on, the same cost;
* ``"halve"``: when the cache is full, re-prefill only the last
  ``block_size // 2`` tokens and decode on from there, so a prefill comes
  once every ``block_size // 2`` tokens. The model then sees between half
  and all of its context window: faster, and slightly different samples.

Cost per decoded token: for each layer, one position through the
projections and MLP (``O(C²)``) and attention over ``t`` cached positions
(``O(t·C)``), instead of ``O(t·C² + t²·C)`` for the whole prefix.
"""

from __future__ import annotations

import math

import numpy as np
import tt_tensor
from tt_autograd import Tensor, no_grad
from tt_text import GPT
from tt_text.attention_kernels import attention_forward
from tt_text.generation import check_sampling, sample_next

from .kv_cache import KVCache

WINDOWS = ("exact", "halve")


def new_cache(model: GPT, batch: int) -> KVCache:
    """An empty cache shaped for ``model`` and ``batch`` sequences, ``block_size`` positions long."""
    config = model.config
    return KVCache(config.n_layer, batch, config.n_head, config.n_embd // config.n_head, config.block_size)


def forward_cached(model: GPT, ids: np.ndarray, cache: KVCache) -> np.ndarray:
    """Logits ``(B, V)`` for the last of ``ids`` ``(B, t)``, the positions after those already cached.

    The new positions' keys and values are appended to ``cache``. With an
    empty cache this is the prefill; with ``t = 1`` one decoding step.
    Call it in eval mode under ``no_grad`` (``generate_cached`` does).
    """
    config = model.config
    trunk = model.transformer
    batch, length = ids.shape
    start = cache.layer_length(0)
    if start + length > config.block_size:
        raise ValueError(
            f"forward_cached: {start} cached + {length} new positions exceed block_size={config.block_size}"
        )
    n_head, width = config.n_head, config.n_embd
    head_dim = width // n_head
    # BEGIN SOLUTION 18
    positions = np.arange(start, start + length)
    x = trunk.wte(ids)
    if config.positional == "learned":
        x = x + trunk.wpe(positions)
    else:
        x = x + trunk.wpe.pe._array[positions].astype(x._array.dtype, copy=False)
    bias = None
    if length > 1:  # new position i (absolute start + i) sees cached keys 0 … start + i
        allowed = np.tri(length, start + length, k=start, dtype=bool)
        bias = np.where(allowed, 0, -np.inf).astype(x._array.dtype)
    for layer, block in enumerate(trunk.h):
        qkv = block.attn.c_attn(block.ln_1(x).reshape(batch * length, width))._array
        heads = qkv.reshape(batch, length, 3, n_head, head_dim)
        q, k, v = (heads[:, :, i].transpose(0, 2, 1, 3) for i in range(3))  # (B, H, t, D)
        keys, values = cache.append(layer, k, v)
        out, _, _ = attention_forward(q, keys, values, bias, 1.0 / math.sqrt(head_dim))
        attended = Tensor._from_array(np.ascontiguousarray(out.transpose(0, 2, 1, 3)).reshape(-1, width))
        x = x + block.attn.c_proj(attended).reshape(batch, length, width)
        flat = x.reshape(batch * length, width)
        x = (flat + block.mlp(block.ln_2(flat))).reshape(batch, length, width)
    last = trunk.ln_f(x[:, -1, :])
    return model.lm_head(last)._array
    # END SOLUTION


def generate_cached(
    model: GPT,
    idx: object,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: tt_tensor.Generator | None = None,
    window: str = "exact",
) -> Tensor:
    """Extend ``idx`` ``(B, T)`` by ``max_new_tokens`` tokens, like ``model.generate``, with a KV cache.

    Args:
        model: a ``tt_text.GPT``.
        idx, max_new_tokens, temperature, top_k, top_p, generator: as ``GPT.generate``.
        window: ``"exact"`` or ``"halve"``: what to do past ``block_size`` (see the module docstring).

    Returns:
        ids ``(B, T + max_new_tokens)``; with ``window="exact"`` the same as ``model.generate``
        with the same arguments (and a generator in the same state).

    Example:
        >>> from tt_text import GPT, GPTConfig
        >>> model = GPT(GPTConfig(vocab_size=20, block_size=16, n_layer=1, n_head=2, n_embd=16))
        >>> prompt = np.array([[1, 2, 3]])
        >>> fast = generate_cached(model, prompt, 5, temperature=0)
        >>> bool((fast.numpy() == model.generate(prompt, 5, temperature=0).numpy()).all())
        True
    """
    check_sampling(temperature, top_k, top_p)
    if window not in WINDOWS:
        raise ValueError(f"generate_cached: window must be one of {WINDOWS}, got {window!r}")
    ids = np.asarray(getattr(idx, "_array", idx), dtype=np.int64)
    if ids.ndim != 2 or ids.shape[1] == 0:
        raise ValueError(f"generate_cached: expected a non-empty (B, T) batch of ids, got shape {ids.shape}")
    block = model.config.block_size
    keep = block if window == "exact" else max(1, block // 2)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            # BEGIN SOLUTION 18
            cache = new_cache(model, len(ids))
            logits = forward_cached(model, ids[:, -block:], cache)
            for step in range(max_new_tokens):
                chosen = sample_next(logits, temperature, top_k, top_p, generator)
                ids = np.concatenate([ids, chosen[:, None]], axis=1)
                if step == max_new_tokens - 1:
                    break
                if cache.layer_length(0) < block:  # room for one more position: decode
                    logits = forward_cached(model, chosen[:, None], cache)
                else:  # full: start again from the last `keep` tokens at positions 0 …
                    cache.reset()
                    logits = forward_cached(model, ids[:, -keep:], cache)
            # END SOLUTION
    finally:
        model.train(was_training)
    return Tensor._from_array(ids)
