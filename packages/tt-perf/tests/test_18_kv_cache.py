"""Module 18: the KV cache and cached generation — the same tokens as GPT.generate, computed once."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as ag
import tt_tensor
from tt_perf.memoization import KVCache, forward_cached, generate_cached, new_cache
from tt_text import GPT, GPTConfig


def small_gpt(positional="learned", block_size=12, seed=0):
    ag.manual_seed(seed)
    config = GPTConfig(
        vocab_size=23, block_size=block_size, n_layer=2, n_head=2, n_embd=16, positional=positional
    )
    model = GPT(config)
    model.reset_parameters(tt_tensor.Generator(seed))
    for p in model.parameters():  # larger weights than GPT-2's init: logits far from ties
        p._array *= 4
    return model


def test_append_fills_left_to_right_and_returns_views():
    cache = KVCache(n_layer=1, batch=2, n_head=3, head_dim=4, max_length=5)
    first = np.arange(2 * 3 * 2 * 4, dtype=np.float32).reshape(2, 3, 2, 4)
    keys, values = cache.append(0, first, -first)
    np.testing.assert_array_equal(keys, first)
    second = np.ones((2, 3, 1, 4), dtype=np.float32)
    keys, values = cache.append(0, second, 2 * second)
    assert keys.shape == (2, 3, 3, 4) and cache.layer_length(0) == 3
    np.testing.assert_array_equal(keys[:, :, :2], first)
    np.testing.assert_array_equal(values[:, :, 2:], 2 * second)
    assert np.shares_memory(keys, cache.keys[0])
    assert cache.nbytes == 2 * 2 * 3 * 5 * 4 * 4
    cache.reset()
    assert cache.layer_length(0) == 0


def test_cache_errors_name_the_problem():
    with pytest.raises(ValueError, match="positive"):
        KVCache(0, 1, 1, 1, 1)
    cache = KVCache(1, 1, 2, 4, max_length=3)
    with pytest.raises(ValueError, match=r"\(B, H, D\) = \(1, 2, 4\)"):
        cache.append(0, np.zeros((1, 3, 1, 4)), np.zeros((1, 3, 1, 4)))
    cache.append(0, np.zeros((1, 2, 3, 4)), np.zeros((1, 2, 3, 4)))
    with pytest.raises(ValueError, match="holds 3 of 3 positions"):
        cache.append(0, np.zeros((1, 2, 1, 4)), np.zeros((1, 2, 1, 4)))


@pytest.mark.parametrize("positional", ["learned", "sinusoidal"])
def test_prefill_then_decode_gives_the_models_logits_at_every_position(positional):
    model = small_gpt(positional).eval()
    ids = np.random.default_rng(1).integers(0, 23, (3, 10))
    with ag.no_grad():
        full = model(ids).numpy()  # (B, T, V): the uncached logits for every prefix
        cache = new_cache(model, 3)
        np.testing.assert_allclose(forward_cached(model, ids[:, :4], cache), full[:, 3], rtol=1e-4, atol=1e-5)
        for t in range(4, 10):
            step = forward_cached(model, ids[:, t : t + 1], cache)
            np.testing.assert_allclose(step, full[:, t], rtol=1e-4, atol=1e-5)
        assert cache.layer_length(1) == 10


def test_a_prefill_after_cached_positions_masks_causally():
    """Several new positions at once after a cached prefix: each sees the prefix and its own past."""
    model = small_gpt().eval()
    ids = np.random.default_rng(2).integers(0, 23, (2, 9))
    with ag.no_grad():
        full = model(ids).numpy()
        cache = new_cache(model, 2)
        forward_cached(model, ids[:, :5], cache)
        np.testing.assert_allclose(
            forward_cached(model, ids[:, 5:], cache), full[:, -1], rtol=1e-4, atol=1e-5
        )


@pytest.mark.parametrize("prompt_length, new_tokens", [(1, 8), (5, 20), (15, 6)])
def test_greedy_generation_matches_gpt_generate_token_for_token(prompt_length, new_tokens):
    """Short and long prompts, within and across block_size (12), prompts longer than block_size."""
    model = small_gpt()
    prompt = np.random.default_rng(prompt_length).integers(0, 23, (2, prompt_length))
    expected = model.generate(prompt, new_tokens, temperature=0).numpy()
    got = generate_cached(model, prompt, new_tokens, temperature=0)
    assert got.shape == (2, prompt_length + new_tokens)
    np.testing.assert_array_equal(got.numpy(), expected)


def test_sampling_matches_with_the_same_seeded_generator():
    model = small_gpt()
    prompt = np.array([[3, 1, 4], [1, 5, 9]])
    options = {"temperature": 0.9, "top_k": 10, "top_p": 0.95}
    expected = model.generate(prompt, 25, generator=tt_tensor.Generator(7), **options).numpy()
    got = generate_cached(model, prompt, 25, generator=tt_tensor.Generator(7), **options).numpy()
    np.testing.assert_array_equal(got, expected)


def test_halving_the_window_keeps_generating_from_the_last_half():
    model = small_gpt()
    prompt = np.array([[1, 2, 3]])
    exact = generate_cached(model, prompt, 30, temperature=0).numpy()
    halved = generate_cached(model, prompt, 30, temperature=0, window="halve").numpy()
    assert halved.shape == exact.shape
    np.testing.assert_array_equal(halved[:, :13], exact[:, :13])  # identical while the cache has room
    # the cache filled at 12 positions; token 13 comes from the last 6 tokens at positions 0 … 5
    model.eval()
    with ag.no_grad():
        after_slide = model(halved[:, 7:13]).numpy()[:, -1].argmax(-1)
    assert after_slide[0] == halved[0, 13]


def test_the_models_mode_is_restored_and_bad_arguments_are_refused():
    model = small_gpt().train()
    generate_cached(model, np.array([[1]]), 2)
    assert model.training
    with pytest.raises(ValueError, match="window"):
        generate_cached(model, np.array([[1]]), 2, window="slide")
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        generate_cached(model, np.array([1, 2]), 2)
    with pytest.raises(ValueError, match="temperature"):
        generate_cached(model, np.array([[1]]), 2, temperature=-1)
