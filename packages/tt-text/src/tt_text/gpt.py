"""``GPT``: a decoder-only transformer language model, and its configuration.

The model reads ids ``(B, T)`` and returns, for every position, logits over
the vocabulary for the *next* token ``(B, T, vocab_size)``::

    x = wte(ids) + wpe(positions)          token + position embeddings
    x = block_1(x) … block_n(x)            pre-LayerNorm transformer blocks
    logits = lm_head(ln_f(x))              a Linear back to the vocabulary

Module names follow nanoGPT (``transformer.wte``, ``transformer.h.0.attn.c_attn``,
``lm_head``), so state dicts line up with nanoGPT's. With ``tie_weights``
the output projection *is* the token embedding matrix (one Parameter in two
places), which saves ``vocab × C`` parameters and usually helps small models.

Train it with ``cross_entropy(logits.reshape(-1, V), targets.reshape(-1))``
and sample from it with :meth:`GPT.generate`.

Incremental decoding (module 18): ``model(ids, past_key_values=cache)``
with a :class:`~tt_text.kv_cache.KVCache` runs only the new ids, at
positions after the cached ones, and appends their keys and values;
``generate(..., use_cache=True)`` decodes that way, with the same tokens.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np
import tt_nn
import tt_tensor
from tt_autograd import Tensor, no_grad
from tt_nn import Module

from .decode import DecodePlan, fast_decode_supported
from .embedding import Embedding
from .generation import check_sampling, sample_next
from .kv_cache import KVCache
from .positional import SinusoidalPositionalEncoding
from .transformer import TransformerBlock


@dataclass
class GPTConfig:
    """Hyper-parameters of a :class:`GPT`; the defaults are milestone 05's char-level model (0.8M parameters).

    Attributes:
        vocab_size: number of token ids.
        block_size: context length, the longest input.
        n_layer: transformer blocks.
        n_head: attention heads per block.
        n_embd: width ``C``.
        dropout: dropout probability everywhere (training only).
        bias: biases in Linear layers and LayerNorms.
        tie_weights: share the token embedding with the output projection.
        positional: ``"learned"`` (a trained table) or ``"sinusoidal"`` (fixed).
        gelu_approximate: ``"none"`` (exact GELU) or ``"tanh"``.
    """

    vocab_size: int = 65
    block_size: int = 128
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = True
    tie_weights: bool = True
    positional: str = "learned"
    gelu_approximate: str = "none"

    def __post_init__(self) -> None:
        # BEGIN SOLUTION 13
        # TODO: clear errors for a bad configuration: sizes >= 1, n_embd divisible by n_head, dropout in
        #   [0, 1), positional "learned" or "sinusoidal" (§ How it is built, "Modules with nanoGPT's names").
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"GPTConfig: {name} must be a positive int, got {getattr(self, name)}")
        if self.n_embd % self.n_head:
            raise ValueError(f"GPTConfig: n_embd={self.n_embd} must be divisible by n_head={self.n_head}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"GPTConfig: dropout must be in [0, 1), got {self.dropout}")
        if self.positional not in ("learned", "sinusoidal"):
            raise ValueError(
                f"GPTConfig: positional must be 'learned' or 'sinusoidal', got {self.positional!r}"
            )
        # END SOLUTION

    def to_dict(self) -> dict[str, object]:
        """Plain values, for a JSON file beside the weights."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> GPTConfig:
        """The inverse of :meth:`to_dict`; unknown keys are an error."""
        # BEGIN SOLUTION 13
        # TODO: the inverse of to_dict: refuse unknown keys (naming them), then cls(**values).
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"GPTConfig.from_dict: unknown keys {unknown}; known: {sorted(known)}")
        return cls(**values)  # type: ignore[arg-type]
        # END SOLUTION


class _Trunk(Module):
    """The ``transformer`` part of a GPT (nanoGPT's ModuleDict): embeddings, blocks, final LayerNorm."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.wte = Embedding(config.vocab_size, config.n_embd)
        if config.positional == "learned":
            self.wpe = Embedding(config.block_size, config.n_embd)
        else:
            self.wpe = SinusoidalPositionalEncoding(config.block_size, config.n_embd)
        self.drop = tt_nn.Dropout(config.dropout)
        self.h = tt_nn.ModuleList(
            TransformerBlock(
                config.n_embd, config.n_head, config.dropout, config.bias, config.gelu_approximate
            )
            for _ in range(config.n_layer)
        )
        self.ln_f = tt_nn.LayerNorm(config.n_embd, bias=config.bias)


class GPT(Module):
    """A GPT-style language model.

    Args:
        config: a :class:`GPTConfig`.

    Shape:
        input ``(B, T)`` int ids with ``T <= block_size``; output logits ``(B, T, vocab_size)``.

    Example:
        >>> model = GPT(GPTConfig(vocab_size=65, block_size=32, n_layer=2, n_head=2, n_embd=32))
        >>> logits = model(tt.randint(0, 65, (4, 32)))  # doctest: +SKIP
        >>> logits.shape  # doctest: +SKIP
        (4, 32, 65)
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.transformer = _Trunk(config)
        self.lm_head = tt_nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.reset_parameters()
        if config.tie_weights:
            self.lm_head.weight = self.transformer.wte.weight

    def reset_parameters(self, generator: tt_tensor.Generator | None = None) -> None:
        """GPT-2's init: N(0, 0.02) weights, zero biases, residual projections scaled by 1/sqrt(2 n_layer)."""
        rng = tt_tensor.numpy_generator(generator)
        residual_std = 0.02 / math.sqrt(2 * self.config.n_layer)
        for name, param in self.named_parameters():
            array = param.array
            if name.endswith("bias"):
                array[...] = 0
            elif ".ln_" in f".{name}":
                array[...] = 1
            else:
                std = residual_std if name.endswith("c_proj.weight") else 0.02
                array[...] = rng.standard_normal(array.shape, dtype=np.float32) * std

    def num_parameters(self, non_embedding: bool = True) -> int:
        """Parameter count (tied weights once); by default without the position table, as nanoGPT counts."""
        total = sum(p.numel() for p in self.parameters())
        if non_embedding and self.config.positional == "learned":
            total -= self.transformer.wpe.weight.numel()
        return total

    def position_embeddings(self, start: int, length: int) -> Tensor:
        """The position embeddings ``(length, C)`` of positions ``start … start + length − 1``."""
        wpe = self.transformer.wpe
        if self.config.positional == "learned":
            return wpe(np.arange(start, start + length))
        return wpe.pe[start : start + length]  # the fixed sinusoidal table

    def hidden_states(
        self, idx: Tensor, attn_mask: object = None, past_key_values: KVCache | None = None
    ) -> Tensor:
        """The final-LayerNorm output ``(B, T, C)`` (everything but the output projection).

        With ``past_key_values`` (module 18) ``idx`` holds the positions after
        the ``s`` already cached: they are embedded at positions ``s …`` and
        each block's attention sees the cached keys and values too.
        """
        ids = np.asarray(getattr(idx, "array", idx))
        if ids.ndim != 2:
            raise ValueError(f"GPT: expected ids of shape (B, T), got {ids.shape}")
        start = 0 if past_key_values is None else self._cached_positions(ids, past_key_values)
        # BEGIN SOLUTION 13
        # TODO: ids (B, T) -> final LayerNorm output (B, T, C): token + position embeddings (from start),
        #   dropout, each block, ln_f (§ How it is built, "Modules with nanoGPT's names").
        # HINT: start + T beyond block_size is an error naming both;
        #   pass the cache arguments on to each block.
        length = ids.shape[1]
        if start + length > self.config.block_size:
            raise ValueError(
                f"GPT: sequence length {start + length} exceeds block_size={self.config.block_size}"
            )
        trunk = self.transformer
        x = trunk.drop(trunk.wte(ids) + self.position_embeddings(start, length))
        for layer, block in enumerate(trunk.h):
            x = block(x, attn_mask, past_key_values, layer)
        return trunk.ln_f(x)
        # END SOLUTION

    def _cached_positions(self, ids: np.ndarray, cache: KVCache) -> int:
        """How many positions ``cache`` holds, after checking that it fits this model and ``ids``."""
        config = self.config
        expected = (len(ids), config.n_head, config.block_size, config.n_embd // config.n_head)
        if cache.n_layer != config.n_layer or cache.shape != expected:
            raise ValueError(
                f"GPT: past_key_values {cache!r} does not fit {config.n_layer} layers and (B, H, T_max, D) = "
                f"{expected}; build it with KVCache.from_config(model.config, batch_size={len(ids)})"
            )
        start = cache.get_seq_length()
        if start + ids.shape[1] > config.block_size:
            raise ValueError(
                f"GPT: {start} cached + {ids.shape[1]} new positions exceed block_size={config.block_size}; "
                "reset() the cache and run the last block_size tokens"
            )
        return start

    def forward(
        self, idx: Tensor, attn_mask: object = None, past_key_values: KVCache | None = None
    ) -> Tensor:
        """Next-token logits ``(B, T, vocab_size)`` for every position of ``idx``.

        Args:
            idx: ids ``(B, T)``.
            attn_mask: optional, True = take part; narrows the causal mask (e.g. padding).
            past_key_values: a :class:`KVCache` (module 18) holding the keys and
                values of the ``s`` positions before ``idx``; filled in place
                with ``idx``'s. Inference only (under ``no_grad()``).
        """
        hidden = self.hidden_states(idx, attn_mask, past_key_values)
        batch, length, width = hidden.shape
        return self.lm_head(hidden.reshape(batch * length, width)).reshape(batch, length, -1)

    def next_token_logits(self, ids: np.ndarray, past_key_values: KVCache | None = None) -> np.ndarray:
        """Logits ``(B, vocab_size)`` for the token after ``ids`` ``(B, T)``.

        Only the last position goes through the output projection. Call under
        ``no_grad()``; ``past_key_values`` as in :meth:`forward`.
        """
        return self.lm_head(self.hidden_states(ids, past_key_values=past_key_values)[:, -1, :]).numpy()

    def generate(
        self,
        idx: Tensor,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        generator: tt_tensor.Generator | None = None,
        use_cache: bool = False,
        cache_window: str = "exact",
    ) -> Tensor:
        """Extend ``idx`` ``(B, T)`` by ``max_new_tokens`` sampled tokens, giving ``(B, T + max_new_tokens)``.

        The context is cropped to the last ``block_size`` tokens. Runs in
        evaluation mode (no dropout) without recording a graph, and puts the
        model back in its previous mode.

        Args:
            temperature: divides the logits; 0 picks the most likely token.
            top_k: sample only among the ``k`` most likely tokens.
            top_p: sample only among the most likely tokens whose mass reaches ``p``.
            generator: a seeded ``Generator`` for reproducible samples.
            use_cache: keep every layer's keys and values in a :class:`KVCache`
                (module 18) and run only the new token through the model at
                each step. The same tokens as without it (see :meth:`_generate_cached`).
            cache_window: what a cached generation does once the sequence
                outgrows ``block_size``. ``"exact"`` (the default) recomputes
                the cropped window at every step, giving the tokens of
                ``use_cache=False``. ``"halve"`` is an *approximation*, named
                as such: when the cache is full it restarts it from the last
                ``block_size // 2`` tokens and decodes one position at a time
                again, so the model sees between half a window and a whole
                one instead of always a whole one — far fewer recomputations,
                different tokens (``benchmarks/perf_kv_cache.py`` measures the
                perplexity this costs). Within the window both are the same.

        Cost per token at context length ``t`` without the cache: a forward
        pass over ``t`` positions, ``O(t·C²·n_layer + t²·C·n_layer)``.
        """
        check_sampling(temperature, top_k, top_p)
        if cache_window not in ("exact", "halve"):
            raise ValueError(f"generate: cache_window must be 'exact' or 'halve', got {cache_window!r}")
        if cache_window != "exact" and not use_cache:
            raise ValueError(
                f"generate: cache_window={cache_window!r} is a KV-cache option; pass use_cache=True"
            )
        ids = np.asarray(getattr(idx, "array", idx), dtype=np.int64)
        if ids.ndim != 2 or ids.shape[1] == 0:
            raise ValueError(f"generate: expected a non-empty (B, T) batch of ids, got shape {ids.shape}")
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                if use_cache:
                    ids = self._generate_cached(
                        ids, max_new_tokens, temperature, top_k, top_p, generator, cache_window
                    )
                else:
                    ids = self._generate_uncached(ids, max_new_tokens, temperature, top_k, top_p, generator)
        finally:
            self.train(was_training)
        return Tensor.from_array(ids)

    def _generate_uncached(self, ids, max_new_tokens, temperature, top_k, top_p, generator) -> np.ndarray:
        """Module 13's loop: the whole (cropped) context through the model for every new token."""
        # BEGIN SOLUTION 13
        # TODO: max_new_tokens times: crop the context to block_size, next_token_logits, sample_next, append
        #   (§ How it is built, "Generation"); module 18 makes this fast with a KV cache.
        for _ in range(max_new_tokens):
            context = ids[:, -self.config.block_size :]
            logits = self.next_token_logits(context)
            chosen = sample_next(logits, temperature, top_k, top_p, generator)
            ids = np.concatenate([ids, chosen[:, None]], axis=1)
        return ids
        # END SOLUTION

    def _generate_cached(
        self, ids, max_new_tokens, temperature, top_k, top_p, generator, cache_window="exact"
    ) -> np.ndarray:
        """Module 18's loop: prefill the prompt into a :class:`KVCache`, then one position per token.

        Exact: the logits at every step are those of :meth:`_generate_uncached`
        (up to float rounding, as the GEMMs have other shapes), so greedy
        decoding gives the same tokens, and so does sampling with a generator
        in the same state (one draw per token either way).

        Within the context window (sequence ≤ ``block_size``) each token costs
        one position through every block, ``O(C²·n_layer + t·C·n_layer)``,
        through :class:`~tt_text.decode.DecodePlan` (NumPy on the weights,
        without the per-module overhead) when the model is the plain GPT,
        else through the modules.
        Past it, ``GPT.generate`` feeds the last ``block_size`` tokens at
        positions ``0 …``: every token moves to a new position at every step,
        so no cached key or value stays valid, and an exact cache must
        recompute the whole cropped window — at every step from then on, at the
        cost of generation without a cache. ``cache_window="halve"`` trades
        exactness for speed there: a full cache restarts from the last
        ``block_size // 2`` tokens (one prefill every ``block_size // 2``
        steps), which changes the tokens.
        """
        block = self.config.block_size
        if max_new_tokens <= 0:
            return ids
        # BEGIN SOLUTION 18
        # TODO: prefill the prompt into a KVCache in one forward, then feed one new token per step: each step
        #   attends over the cached keys and values instead of recomputing them (§ The idea).
        # HINT: when the cache holds block_size positions there is no room left: recompute from the cropped
        #   context (§ Where it lives, and why, "The context window").
        cache = KVCache.from_config(self.config, len(ids))
        plan = DecodePlan(self) if fast_decode_supported(self) else None  # NumPy fast path (tt_text.decode)
        logits = self.next_token_logits(ids[:, -block:], cache)  # prefill: the whole prompt at once
        for step in range(max_new_tokens):
            chosen = sample_next(logits, temperature, top_k, top_p, generator)
            ids = np.concatenate([ids, chosen[:, None]], axis=1)
            if step == max_new_tokens - 1:
                break
            if cache.get_seq_length() < block and plan is not None:  # room for one more: decode it alone
                logits = plan.step(chosen, cache)
            elif cache.get_seq_length() < block:  # the same through the modules (hooks, swapped layers)
                logits = self.next_token_logits(chosen[:, None], cache)
            elif cache_window == "halve":  # approximate: restart from the last half window
                cache.reset()
                logits = self.next_token_logits(ids[:, -(block // 2 or 1) :], cache)
            else:  # past the window: every position shifted, so recompute the cropped window
                logits = self.next_token_logits(ids[:, -block:])
        return ids
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"n_params={self.num_parameters() / 1e6:.2f}M"
