"""Module 18 — memoization: a KV cache for transformer generation.

A causal transformer's keys and values for positions it has already seen
never change, so generation can keep them (:class:`KVCache`) and run only the
new position through the model for each token (:func:`generate_cached`, a
drop-in for ``tt_text.GPT.generate``): linear instead of quadratic work per
token in the length of the context.
"""

from __future__ import annotations

from .generate import forward_cached, generate_cached, new_cache
from .kv_cache import KVCache

__all__ = ["KVCache", "forward_cached", "generate_cached", "new_cache"]
