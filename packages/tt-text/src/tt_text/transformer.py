"""The transformer block: attention to mix positions, an MLP to transform each one, residuals around both.

A pre-LayerNorm block (GPT-2's arrangement) normalises *before* each
sub-layer and adds the sub-layer's output back to its input::

    x = x + attn(ln_1(x))        positions exchange information
    x = x + mlp(ln_2(x))         each position is transformed on its own

The residual path ``x`` is never normalised, so gradients reach early layers
undiminished and deep stacks train without warm-up tricks. The MLP widens
to ``4C``, applies GELU and projects back; it holds two thirds of a block's
parameters and most of its GEMM time.

Every piece is a fused operation: one GEMM per projection (``tt_nn.Linear``),
a fused LayerNorm and GELU from tt-nn, and the fused attention of
:mod:`tt_text.sdpa`, so a block records about a dozen graph nodes.
"""

from __future__ import annotations

import tt_nn
from tt_autograd import Tensor
from tt_nn import Module

from .kv_cache import KVCache
from .multihead import CausalSelfAttention


class MLP(Module):
    """Position-wise feed-forward network: ``Linear(C, 4C) → GELU → Linear(4C, C) → Dropout``.

    Shape:
        input ``(*, C)``; output ``(*, C)``.
    """

    def __init__(
        self, n_embd: int, dropout: float = 0.0, bias: bool = True, gelu_approximate: str = "none"
    ) -> None:
        super().__init__()
        # BEGIN SOLUTION 13
        # TODO: GPT-2's MLP: c_fc Linear(n_embd, 4 n_embd),
        #   GELU(approximate), c_proj Linear(4 n_embd, n_embd), Dropout.
        self.c_fc = tt_nn.Linear(n_embd, 4 * n_embd, bias=bias)
        self.gelu = tt_nn.GELU(approximate=gelu_approximate)
        self.c_proj = tt_nn.Linear(4 * n_embd, n_embd, bias=bias)
        self.dropout = tt_nn.Dropout(dropout)
        # END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION 13
        # TODO: dropout(c_proj(gelu(c_fc(x)))).
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))
        # END SOLUTION


class TransformerBlock(Module):
    """Pre-LayerNorm transformer block with causal self-attention (GPT-2's block).

    Args:
        n_embd: width ``C``.
        n_head: attention heads (divides ``n_embd``).
        dropout: on attention weights, and on each sub-layer's output (training only).
        bias: biases in the Linear layers and LayerNorms.
        gelu_approximate: ``"none"`` (exact GELU) or ``"tanh"``.

    Shape:
        input ``(B, T, C)``; output ``(B, T, C)``.

    Example:
        >>> block = TransformerBlock(n_embd=32, n_head=4)
        >>> block(tt.randn(2, 10, 32)).shape  # doctest: +SKIP
        (2, 10, 32)
    """

    def __init__(self, n_embd: int, n_head: int, dropout: float = 0.0, bias: bool = True,
                 gelu_approximate: str = "none") -> None:  # fmt: skip
        super().__init__()
        self.ln_1 = tt_nn.LayerNorm(n_embd, bias=bias)
        self.attn = CausalSelfAttention(n_embd, n_head, dropout, bias)
        self.ln_2 = tt_nn.LayerNorm(n_embd, bias=bias)
        self.mlp = MLP(n_embd, dropout, bias, gelu_approximate)

    def forward(
        self, x: Tensor, attn_mask: object = None, past_key_values: KVCache | None = None, layer_idx: int = 0
    ) -> Tensor:
        """The block on ``x`` ``(B, T, C)``.

        ``attn_mask`` (optional; True = take part) narrows the causal mask
        further, e.g. for padding. ``past_key_values`` and ``layer_idx`` are
        handed to the attention unchanged: with a :class:`KVCache` (module 18),
        ``x`` holds only the new positions and the attention also sees the
        cached ones; the rest of the block works position by position anyway.
        """
        # BEGIN SOLUTION 13
        # TODO: pre-norm residual block: x + attn(ln_1(x)), then x +
        #   mlp(ln_2(x)) (§ How it is built, "Fast paths").
        # HINT: run the MLP on (B*T, C) rows: 2-D GEMMs are faster than batched ones.
        batch, length, width = x.shape
        x = x + self.attn(self.ln_1(x), attn_mask, past_key_values, layer_idx)
        flat = x.reshape(batch * length, width)  # the MLP as (B*T, C) @ (C, 4C) GEMMs
        return (flat + self.mlp(self.ln_2(flat))).reshape(batch, length, width)
        # END SOLUTION
