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
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np
import tt_nn
import tt_tensor
from tt_autograd import Tensor, no_grad
from tt_nn import Module

from .embedding import Embedding
from .generation import check_sampling, sample_next
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
        rng = tt_tensor.random.numpy_generator(generator)
        residual_std = 0.02 / math.sqrt(2 * self.config.n_layer)
        for name, param in self.named_parameters():
            array = param._array
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

    def hidden_states(self, idx: Tensor, attn_mask: object = None) -> Tensor:
        """The final-LayerNorm output ``(B, T, C)`` (everything but the output projection)."""
        # BEGIN SOLUTION 13
        ids = np.asarray(getattr(idx, "_array", idx))
        if ids.ndim != 2:
            raise ValueError(f"GPT: expected ids of shape (B, T), got {ids.shape}")
        length = ids.shape[1]
        if length > self.config.block_size:
            raise ValueError(f"GPT: sequence length {length} exceeds block_size={self.config.block_size}")
        trunk = self.transformer
        x = trunk.wte(ids)
        if self.config.positional == "learned":
            x = x + trunk.wpe(np.arange(length))
        else:
            x = trunk.wpe(x)
        x = trunk.drop(x)
        for block in trunk.h:
            x = block(x, attn_mask)
        return trunk.ln_f(x)
        # END SOLUTION

    def forward(self, idx: Tensor, attn_mask: object = None) -> Tensor:
        """Next-token logits for every position."""
        hidden = self.hidden_states(idx, attn_mask)
        batch, length, width = hidden.shape
        return self.lm_head(hidden.reshape(batch * length, width)).reshape(batch, length, -1)

    def generate(
        self,
        idx: Tensor,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        generator: tt_tensor.Generator | None = None,
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
        """
        check_sampling(temperature, top_k, top_p)
        # BEGIN SOLUTION 13
        ids = np.asarray(getattr(idx, "_array", idx), dtype=np.int64)
        if ids.ndim != 2 or ids.shape[1] == 0:
            raise ValueError(f"generate: expected a non-empty (B, T) batch of ids, got shape {ids.shape}")
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                for _ in range(max_new_tokens):
                    context = ids[:, -self.config.block_size :]
                    last = self.hidden_states(context)[:, -1, :]
                    logits = self.lm_head(last)._array
                    chosen = sample_next(logits, temperature, top_k, top_p, generator)
                    ids = np.concatenate([ids, chosen[:, None]], axis=1)
        finally:
            self.train(was_training)
        return Tensor._from_array(ids)
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"n_params={self.num_parameters() / 1e6:.2f}M"
