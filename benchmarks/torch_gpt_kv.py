"""A PyTorch yardstick for module 18: milestone 05's GPT in PyTorch, decoding with and without a KV cache.

Opt-in only (``--torch`` of ``benchmarks/perf_kv_cache.py`` and of
``milestones/06_systems.py``; ``nox -s bench-torch-kv`` installs
``torch==2.13.0``): the framework never imports PyTorch, and nothing here is
imported unless asked for.

:func:`torch_gpt` builds the same model in PyTorch (nanoGPT's module names)
and copies a ``tt_text.GPT``'s weights into it from their NumPy arrays, so
both compute the same function. Its ``forward(idx, cache=None)`` takes a
hand-written KV cache the way PyTorch users write one for a small model
(Hugging Face's ``StaticCache`` is the same idea): per layer, one
preallocated key and one value tensor ``(B, H, block_size, D)``, the new
positions copied in with a slice assignment, and ``scaled_dot_product_attention``
over the filled part — one new position needs no mask, several (the prefill)
a causal one aligned to the bottom right.

:func:`torch_generate` is greedy decoding with either loop: uncached
(nanoGPT's ``generate``: the whole sequence through the model for each
token) or cached (prefill the prompt, then one position per token). Within
the context window only, like the comparison it serves.
"""

from __future__ import annotations


def torch_gpt(model):
    """The same GPT in PyTorch, holding ``model``'s (a ``tt_text.GPT``) weights; in eval mode."""
    import torch  # opt-in yardstick only
    from torch import nn
    from torch.nn import functional as F

    c = model.config
    if c.positional != "learned" or not c.tie_weights or not c.bias:
        raise ValueError("torch_gpt: only milestone 05's layout (learned positions, tied weights, biases)")
    head_dim = c.n_embd // c.n_head

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln_1, self.ln_2 = nn.LayerNorm(c.n_embd), nn.LayerNorm(c.n_embd)
            self.attn = nn.Module()
            self.attn.c_attn = nn.Linear(c.n_embd, 3 * c.n_embd)
            self.attn.c_proj = nn.Linear(c.n_embd, c.n_embd)
            self.mlp = nn.Module()
            self.mlp.c_fc = nn.Linear(c.n_embd, 4 * c.n_embd)
            self.mlp.c_proj = nn.Linear(4 * c.n_embd, c.n_embd)

        def forward(self, x, cache=None, layer=0):
            b, t, w = x.shape
            q, k, v = self.attn.c_attn(self.ln_1(x)).split(w, dim=2)
            q, k, v = (z.view(b, t, c.n_head, head_dim).transpose(1, 2) for z in (q, k, v))
            if cache is None:
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            else:
                keys, values, start = cache["k"][layer], cache["v"][layer], cache["length"]
                keys[:, :, start : start + t] = k
                values[:, :, start : start + t] = v
                k, v = keys[:, :, : start + t], values[:, :, : start + t]
                mask = None
                if t > 1:
                    mask = torch.ones(t, start + t, dtype=torch.bool).tril(diagonal=start)
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            x = x + self.attn.c_proj(y.transpose(1, 2).reshape(b, t, w))
            return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x)), approximate=c.gelu_approximate))

    class TorchGPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = nn.Module()
            self.transformer.wte = nn.Embedding(c.vocab_size, c.n_embd)
            self.transformer.wpe = nn.Embedding(c.block_size, c.n_embd)
            self.transformer.h = nn.ModuleList(Block() for _ in range(c.n_layer))
            self.transformer.ln_f = nn.LayerNorm(c.n_embd)
            self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
            self.lm_head.weight = self.transformer.wte.weight

        def new_cache(self, batch: int) -> dict:
            shape = (batch, c.n_head, c.block_size, head_dim)
            return {
                "k": [torch.zeros(shape) for _ in range(c.n_layer)],
                "v": [torch.zeros(shape) for _ in range(c.n_layer)],
                "length": 0,
            }

        def forward(self, idx, cache=None):
            """Logits ``(B, V)`` of the last position; with ``cache``, ``idx`` follows the cached ones."""
            start = 0 if cache is None else cache["length"]
            t = idx.shape[1]
            x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(start, start + t))
            for layer, block in enumerate(self.transformer.h):
                x = block(x, cache, layer)
            if cache is not None:
                cache["length"] = start + t
            return self.lm_head(self.transformer.ln_f(x[:, -1]))

    reference = TorchGPT()
    state = {k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()}
    reference.load_state_dict(state, strict=False)  # the tied lm_head.weight is wte's
    return reference.eval()


def torch_generate(reference, prompt, max_new_tokens: int, use_cache: bool):
    """Greedy ids ``(B, T + max_new_tokens)`` (NumPy) from ``reference`` (:func:`torch_gpt`)."""
    import numpy as np
    import torch

    ids = torch.as_tensor(np.asarray(prompt), dtype=torch.long)
    block = reference.transformer.wpe.num_embeddings
    if ids.shape[1] + max_new_tokens > block:
        raise ValueError(
            f"torch_generate: {ids.shape[1]} + {max_new_tokens} tokens exceed the context {block}"
        )
    with torch.inference_mode():
        if not use_cache:  # nanoGPT's loop: the whole sequence for every token
            for _ in range(max_new_tokens):
                chosen = reference(ids).argmax(-1, keepdim=True)
                ids = torch.cat([ids, chosen], dim=1)
            return ids.numpy()
        cache = reference.new_cache(len(ids))
        out = torch.empty(len(ids), ids.shape[1] + max_new_tokens, dtype=torch.long)
        out[:, : ids.shape[1]] = ids
        logits = reference(ids, cache)  # prefill
        for step in range(max_new_tokens):
            chosen = logits.argmax(-1, keepdim=True)
            out[:, ids.shape[1] + step] = chosen[:, 0]
            if step < max_new_tokens - 1:
                logits = reference(chosen, cache)
        return out.numpy()
