"""tt-text: TinyTorch's language stack (modules 10–13, and the KV cache of module 18).

* module 10 — tokenization: :class:`CharTokenizer`, byte-level :class:`BPETokenizer`,
  :class:`TokenWindows` (next-token windows) and :func:`load_tiny_shakespeare`;
* module 11 — embeddings: :class:`Embedding`, :class:`LearnedPositionalEmbedding`,
  :class:`SinusoidalPositionalEncoding`;
* module 12 — attention: :func:`functional.scaled_dot_product_attention`,
  :class:`MultiheadAttention`, :class:`CausalSelfAttention`;
* module 13 — transformers: :class:`TransformerBlock`, :class:`GPT` with
  :class:`GPTConfig`, and sampling with temperature, top-k and top-p;
* module 18 — memoization: :class:`KVCache`, the keys and values of earlier
  positions, threaded through the attention (``past_key_values``) for
  incremental decoding, ``GPT.generate(..., use_cache=True)`` (exact; its
  one-position steps through :mod:`tt_text.decode`'s NumPy fast path for a
  plain GPT; ``cache_window="halve"`` is a named approximation past the window).

Example:
    >>> import tt_text
    >>> tok = tt_text.CharTokenizer().train("to be or not to be")
    >>> model = tt_text.GPT(tt_text.GPTConfig(vocab_size=tok.vocab_size, block_size=16,
    ...                                       n_layer=1, n_head=2, n_embd=16))
    >>> out = model.generate([tok.encode("to")], max_new_tokens=5)
    >>> len(tok.decode(out[0].tolist()))
    7
"""

from __future__ import annotations

from . import functional
from .bpe import DEFAULT_PATTERN, BPETokenizer
from .cells import GRUCell, LSTMCell, RNNCell, RNNCellBase
from .char_tokenizer import CharTokenizer
from .datasets import TokenWindows, data_roots, load_tiny_shakespeare, split_tokens
from .embedding import Embedding
from .embedding_bag import EmbeddingBag
from .encoder_decoder import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from .functional import embedding, embedding_bag, scaled_dot_product_attention
from .generation import filter_logits, sample_next
from .gpt import GPT, GPTConfig
from .kv_cache import KVCache
from .multihead import CausalSelfAttention, MultiheadAttention
from .positional import LearnedPositionalEmbedding, SinusoidalPositionalEncoding, sinusoidal_table
from .recurrent import GRU, LSTM, RNN, RNNBase
from .tokenizer import Tokenizer
from .transformer import MLP, TransformerBlock

__version__ = "0.1.0"

__all__ = [
    "BPETokenizer",
    "CausalSelfAttention",
    "CharTokenizer",
    "DEFAULT_PATTERN",
    "Embedding",
    "EmbeddingBag",
    "GPT",
    "GPTConfig",
    "GRU",
    "GRUCell",
    "KVCache",
    "LSTM",
    "LSTMCell",
    "LearnedPositionalEmbedding",
    "MLP",
    "MultiheadAttention",
    "RNN",
    "RNNBase",
    "RNNCell",
    "RNNCellBase",
    "SinusoidalPositionalEncoding",
    "TokenWindows",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "Tokenizer",
    "TransformerBlock",
    "data_roots",
    "embedding",
    "embedding_bag",
    "filter_logits",
    "functional",
    "load_tiny_shakespeare",
    "sample_next",
    "scaled_dot_product_attention",
    "sinusoidal_table",
    "split_tokens",
]
