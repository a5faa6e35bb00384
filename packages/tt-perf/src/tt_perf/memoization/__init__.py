"""Module 18 — memoization: measuring the KV cache of ``tt_text``.

The cache itself lives where the attention lives: :class:`tt_text.KVCache`,
threaded through ``CausalSelfAttention``, ``TransformerBlock`` and ``GPT``
as ``past_key_values``, and ``GPT.generate(..., use_cache=True)``. This
package keeps what is about measuring it:

* :func:`time_generation` — ``GPT.generate`` with and without the cache,
  alternated rounds, medians, and a check that the tokens are the same;
* :func:`cache_steps` — how many steps of a cached generation decode one
  position and how many must recompute the whole window (past ``block_size``);
* :func:`generated_perplexity` — what the approximate ``cache_window="halve"``
  costs: the perplexity of generated tokens, scored with the whole window.

:class:`KVCache` is re-exported for convenience.
"""

from __future__ import annotations

from tt_text import KVCache

from .measure import GenerationTiming, cache_steps, time_generation
from .quality import generated_perplexity

__all__ = ["GenerationTiming", "KVCache", "cache_steps", "generated_perplexity", "time_generation"]
