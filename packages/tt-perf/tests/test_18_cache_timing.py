"""Module 18 — measuring the KV cache: what ``time_generation`` and ``cache_steps`` report is what happens.

The cache's own tests (tokens, logits, masks, errors) are tt-text's
``test_18_kv_cache.py``; here the measuring tools are checked against the
real cached generation, never against a clock.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
import tt_text
from tt_perf.memoization import KVCache, cache_steps, generated_perplexity, time_generation
from tt_text import GPT, GPTConfig


def small_gpt(block_size=12):
    model = GPT(GPTConfig(vocab_size=23, block_size=block_size, n_layer=2, n_head=2, n_embd=16))
    model.reset_parameters(tt_tensor.Generator(0))
    with autograd.no_grad():
        for p in model.parameters():  # logits far from ties
            p.mul_(4)
    return model


class CountingGPT(GPT):
    """A GPT that records how many new positions each forward pass of a generation gets, and if cached."""

    def next_token_logits(self, ids, past_key_values=None):
        self.calls.append((ids.shape[1], past_key_values is not None))
        return super().next_token_logits(ids, past_key_values)


@pytest.mark.parametrize("prompt_length, tokens", [(1, 8), (3, 9), (1, 30), (5, 20), (15, 6), (12, 1)])
def test_cache_steps_counts_the_passes_a_cached_generation_makes(prompt_length, tokens):
    model = CountingGPT(small_gpt().config)
    model.calls = []
    model.generate(np.zeros((2, prompt_length), dtype=np.int64), tokens, temperature=0, use_cache=True)
    steps = cache_steps(prompt_length, tokens, 12)
    prefill, *rest = model.calls
    assert prefill == (min(prompt_length, 12), True)
    assert steps["prefill"] == 1
    assert rest.count((1, True)) == steps["decoded"]
    assert rest.count((12, False)) == steps["recomputed"], "past the window: the whole window, uncached"
    assert len(rest) == steps["decoded"] + steps["recomputed"] == tokens - 1


def test_time_generation_runs_both_ways_and_checks_the_tokens():
    model = small_gpt()
    ticks = iter(range(100))
    timing = time_generation(model, np.array([[1, 2]]), 15, rounds=2, timer=lambda: float(next(ticks)))
    assert timing.same_tokens is True
    assert timing.ms_no_cache == timing.ms_cache == 1000.0  # one tick per generation: 4 calls, 8 ticks
    assert next(ticks) == 8
    assert timing.steps == {"prefill": 1, "decoded": 10, "recomputed": 4}
    assert "past the context window: 4 of 14 steps" in timing.describe()
    with pytest.raises(ValueError, match="rounds"):
        time_generation(model, np.array([[1]]), 2, rounds=0)
    assert cache_steps(4, 0, 12) == {"prefill": 0, "decoded": 0, "recomputed": 0}
    with pytest.raises(ValueError, match="prompt_length >= 1"):
        cache_steps(0, 5, 12)
    assert KVCache is tt_text.KVCache, "tt_perf.memoization re-exports tt-text's cache, no copy"


@pytest.mark.parametrize("length, start", [(9, 3), (12, 3), (30, 4), (30, 12), (30, 20)])
def test_generated_perplexity_scores_each_token_given_the_window_before_it(length, start):
    model = small_gpt(block_size=12)
    ids = np.random.default_rng(length + start).integers(0, 23, (2, length))
    nll = []
    with autograd.no_grad():
        for position in range(start, length):  # one token at a time, the up to 12 tokens before it
            logits = model.next_token_logits(ids[:, max(0, position - 12) : position]).astype(np.float64)
            log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
            nll.extend(-log_probs[np.arange(2), ids[:, position]])
    expected = float(np.exp(np.mean(nll)))
    assert generated_perplexity(model, ids, start, chunk=5) == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="1 <= start < L"):
        generated_perplexity(model, ids, length)
