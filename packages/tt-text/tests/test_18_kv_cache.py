"""Module 18 — the KV cache: GPT fed one position at a time gives its own logits and tokens."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn
import tt_tensor
from tt_text import GPT, GPTConfig, KVCache
from tt_text.decode import DecodePlan, fast_decode_supported

TOL = {"rtol": 1e-4, "atol": 1e-5}


def small_gpt(positional="learned", block_size=12, seed=0):
    config = GPTConfig(
        vocab_size=23, block_size=block_size, n_layer=2, n_head=2, n_embd=16, positional=positional
    )
    model = GPT(config)
    model.reset_parameters(tt_tensor.Generator(seed))
    with autograd.no_grad():
        for p in model.parameters():  # larger weights than GPT-2's init: logits far from ties
            p.mul_(4)
    return model.eval()


def ids(seed, batch, length):
    return np.random.default_rng(seed).integers(0, 23, (batch, length))


def test_update_fills_left_to_right_and_returns_views():
    cache = KVCache(n_layer=2, batch_size=2, n_head=3, head_dim=4, max_length=5)
    first = np.arange(2 * 3 * 2 * 4, dtype=np.float32).reshape(2, 3, 2, 4)
    keys, values = cache.update(first, -first, layer_idx=1)
    np.testing.assert_array_equal(keys, first)
    np.testing.assert_array_equal(values, -first)
    second = np.ones((2, 3, 1, 4), dtype=np.float32)
    keys, values = cache.update(second, 2 * second, layer_idx=1)
    assert keys.shape == values.shape == (2, 3, 3, 4)
    assert (cache.get_seq_length(1), cache.get_seq_length(0)) == (3, 0), "each layer has its own length"
    np.testing.assert_array_equal(keys[:, :, :2], first)
    np.testing.assert_array_equal(keys[:, :, 2:], second)
    np.testing.assert_array_equal(values[:, :, 2:], 2 * second)
    assert np.shares_memory(keys, cache.keys[1]), "a view of the preallocated buffer, not a copy"
    assert cache.nbytes == 2 * 2 * (2 * 3 * 5 * 4) * 4
    cache.reset()
    assert cache.get_seq_length(1) == 0
    keys, _ = cache.update(second, second, layer_idx=1)
    np.testing.assert_array_equal(keys, second)  # after reset, the old positions are gone


def test_cache_errors_name_the_problem():
    with pytest.raises(ValueError, match="positive"):
        KVCache(0, 1, 1, 1, 1)
    cache = KVCache(1, batch_size=1, n_head=2, head_dim=4, max_length=3)
    keys, _ = cache.update(np.ones((1, 2, 3, 4)), np.ones((1, 2, 3, 4)), 0)
    assert keys.shape == (1, 2, 3, 4)
    with pytest.raises(ValueError, match="holds 3 of 3 positions"):
        cache.update(np.zeros((1, 2, 1, 4)), np.zeros((1, 2, 1, 4)), 0)
    with pytest.raises(ValueError, match=r"\(B, H, D\) = \(1, 2, 4\)"):  # a batch of 2 in a cache for 1
        cache.update(np.zeros((2, 2, 1, 4)), np.zeros((2, 2, 1, 4)), 0)
    with pytest.raises(IndexError, match="layer_idx 1"):
        cache.update(np.zeros((1, 2, 1, 4)), np.zeros((1, 2, 1, 4)), 1)


def test_a_cache_for_a_model_holds_its_keys_in_its_layout():
    """After a prefill, layer 0 holds exactly the keys and values of the model's own projection."""
    model = small_gpt()
    cache = KVCache.from_config(model.config, batch_size=3)
    assert cache.shape == (3, 2, 12, 8) and cache.n_layer == 2
    prompt = ids(0, 3, 5)
    with autograd.no_grad():
        model(prompt, past_key_values=cache)
        block = model.transformer.h[0]
        x = model.transformer.wte(prompt) + model.position_embeddings(0, 5)
        qkv = block.attn.c_attn(block.ln_1(x)).numpy().reshape(3, 5, 3, 2, 8)
    assert cache.get_seq_length(0) == cache.get_seq_length(1) == 5
    np.testing.assert_allclose(cache.keys[0][:, :, :5], qkv[:, :, 1].transpose(0, 2, 1, 3), **TOL)
    np.testing.assert_allclose(cache.values[0][:, :, :5], qkv[:, :, 2].transpose(0, 2, 1, 3), **TOL)


@pytest.mark.parametrize("positional", ["learned", "sinusoidal"])
def test_cached_logits_match_the_models_at_every_step(positional):
    """Prefill 4 positions, then one at a time: each step's logits are those of the whole prefix."""
    model = small_gpt(positional)
    sequence = ids(1, 3, 11)
    cache = KVCache.from_config(model.config, 3)
    with autograd.no_grad():
        full = model(sequence).numpy()  # (B, T, V): the uncached logits of every prefix
        np.testing.assert_allclose(model(sequence[:, :4], past_key_values=cache).numpy(), full[:, :4], **TOL)
        for t in range(4, 11):
            step = model(sequence[:, t : t + 1], past_key_values=cache)
            assert step.shape == (3, 1, 23) and step.grad_fn is None, "no graph under no_grad"
            np.testing.assert_allclose(step.numpy()[:, 0], full[:, t], err_msg=f"position {t}", **TOL)
    assert cache.get_seq_length(0) == cache.get_seq_length(1) == 11


@pytest.mark.parametrize("cached, new", [(0, 2), (5, 2), (5, 4), (3, 9)])
def test_several_new_positions_after_a_cached_prefix_are_masked_causally(cached, new):
    """New positions at once after cached ones: new position i sees the prefix and new 0 … i only."""
    model = small_gpt()
    sequence = ids(2, 2, cached + new)
    cache = KVCache.from_config(model.config, 2)
    with autograd.no_grad():
        full = model(sequence).numpy()
        if cached:
            model(sequence[:, :cached], past_key_values=cache)
        got = model(sequence[:, cached:], past_key_values=cache).numpy()
    np.testing.assert_allclose(got, full[:, cached:], **TOL)


def test_a_padding_mask_works_with_the_cache_as_without():
    """``attn_mask`` (True = take part) over all cached and new keys narrows the causal mask the same way."""
    model = small_gpt()
    sequence = ids(6, 2, 8)
    keep = np.ones((2, 1, 1, 8), dtype=bool)
    keep[0, ..., 2:4] = False  # the first sequence ignores positions 2 and 3
    cache = KVCache.from_config(model.config, 2)
    with autograd.no_grad():
        full = model(sequence, attn_mask=keep).numpy()
        assert not np.allclose(full, model(sequence).numpy(), **TOL)  # the mask matters
        got = [model(sequence[:, :5], attn_mask=keep[..., :5], past_key_values=cache).numpy()]
        for t in range(5, 8):
            got.append(
                model(sequence[:, t : t + 1], attn_mask=keep[..., : t + 1], past_key_values=cache).numpy()
            )
    np.testing.assert_allclose(np.concatenate(got, axis=1), full, **TOL)


def test_a_reset_cache_keeps_nothing_of_the_previous_sequence():
    """Stale keys of a longer earlier sequence must not leak into a new one in the same buffers."""
    model = small_gpt()
    first, second = ids(3, 2, 12), ids(4, 2, 7)
    cache = KVCache.from_config(model.config, 2)
    with autograd.no_grad():
        model(first, past_key_values=cache)
        cache.reset()
        expected = model(second).numpy()
        model(second[:, :3], past_key_values=cache)
        for t in range(3, 7):
            step = model(second[:, t : t + 1], past_key_values=cache).numpy()[:, 0]
            np.testing.assert_allclose(step, expected[:, t], err_msg=f"position {t}", **TOL)


@pytest.mark.parametrize("positional", ["learned", "sinusoidal"])
@pytest.mark.parametrize(
    "prompt_length, new_tokens",
    [(1, 8), (5, 7), (5, 20), (15, 6)],  # block_size 12: within, up to, across and beyond the window
)
def test_greedy_generation_with_the_cache_gives_the_same_tokens(positional, prompt_length, new_tokens):
    model = small_gpt(positional).train()
    prompt = ids(prompt_length, 3, prompt_length)
    expected = model.generate(prompt, new_tokens, temperature=0, use_cache=False).numpy()
    got = model.generate(prompt, new_tokens, temperature=0, use_cache=True)
    assert got.shape == (3, prompt_length + new_tokens)
    np.testing.assert_array_equal(got.numpy(), expected)
    assert model.training, "generate puts the model back in its previous mode"


def test_sampling_with_the_cache_draws_the_same_tokens_from_the_same_generator():
    model = small_gpt()
    prompt = np.array([[3, 1, 4], [1, 5, 9]])
    options = {"temperature": 0.9, "top_k": 10, "top_p": 0.95}
    expected = model.generate(prompt, 25, generator=tt_tensor.Generator(7), **options).numpy()
    got = model.generate(prompt, 25, generator=tt_tensor.Generator(7), use_cache=True, **options).numpy()
    np.testing.assert_array_equal(got, expected)


def test_bad_cache_arguments_are_clear_errors():
    model = small_gpt()
    cache = KVCache.from_config(model.config, 2)
    with autograd.no_grad():
        model(ids(5, 2, 10), past_key_values=cache)
        assert cache.get_seq_length() == 10
        with pytest.raises(ValueError, match="10 cached . 3 new positions exceed block_size=12"):
            model(ids(5, 2, 3), past_key_values=cache)
        with pytest.raises(ValueError, match=r"batch_size=3"):  # a cache built for another batch
            model(ids(5, 3, 1), past_key_values=cache)
        with pytest.raises(ValueError, match="does not fit"):  # a cache built for another model
            model(ids(5, 2, 1), past_key_values=KVCache(1, 2, 2, 8, 12))
    with pytest.raises(RuntimeError, match="no_grad"):  # the cache path records no graph
        model(ids(5, 2, 1), past_key_values=cache)
    assert cache.get_seq_length() == 10, "refused calls leave the cache as it was"


def test_cached_tokens_equal_uncached_ones_for_every_prompt_length_up_to_the_context():
    model = small_gpt(block_size=12)
    for prompt_length in range(1, 13):  # each prompt runs to the end of the window and 2 tokens past it
        prompt = ids(100 + prompt_length, 2, prompt_length)
        new_tokens = 12 - prompt_length + 2
        expected = model.generate(prompt, new_tokens, temperature=0).numpy()
        got = model.generate(prompt, new_tokens, temperature=0, use_cache=True).numpy()
        np.testing.assert_array_equal(got, expected, err_msg=f"prompt length {prompt_length}")


def halving_reference(model, prompt, new_tokens):
    """Greedy tokens of the ``"halve"`` approximation, written without a cache: the context it sees."""
    block = model.config.block_size
    out = np.array(prompt)
    start = max(0, out.shape[1] - block)
    with autograd.no_grad():
        for _ in range(new_tokens):
            if out.shape[1] - start > block:  # the cache would overflow: restart from the last half window
                start = out.shape[1] - max(block // 2, 1)
            chosen = model.next_token_logits(out[:, start:]).argmax(-1)
            out = np.concatenate([out, chosen[:, None]], axis=1)
    return out


@pytest.mark.parametrize("prompt_length, new_tokens", [(3, 9), (3, 40), (12, 20), (15, 25)])
def test_the_halving_window_is_the_approximation_it_names_and_exact_within_it(prompt_length, new_tokens):
    model = small_gpt(block_size=12)
    prompt = ids(prompt_length, 2, prompt_length)
    got = model.generate(prompt, new_tokens, temperature=0, use_cache=True, cache_window="halve").numpy()
    np.testing.assert_array_equal(got, halving_reference(model, prompt, new_tokens))
    if prompt_length + new_tokens <= 12:  # within the window it is the exact cache
        np.testing.assert_array_equal(got, model.generate(prompt, new_tokens, temperature=0).numpy())


def test_the_halving_window_changes_the_tokens_past_the_context():
    model = small_gpt(block_size=12)
    prompt = ids(1, 8, 4)
    exact = model.generate(prompt, 60, temperature=0, use_cache=True).numpy()
    approximate = model.generate(prompt, 60, temperature=0, use_cache=True, cache_window="halve").numpy()
    np.testing.assert_array_equal(approximate[:, :13], exact[:, :13])  # the first 12 positions and one more
    assert (approximate != exact).any(), "an approximation that never differs would not need its own name"


def test_cache_window_errors_are_clear():
    model = small_gpt()
    with pytest.raises(ValueError, match="cache_window must be 'exact' or 'halve'"):
        model.generate(ids(0, 1, 3), 2, use_cache=True, cache_window="sliding")
    with pytest.raises(ValueError, match="pass use_cache=True"):
        model.generate(ids(0, 1, 3), 2, cache_window="halve")


def fast_and_module_steps(model, sequence, prefill, **tol):
    """Prefill both caches, then step through ``sequence`` with the modules and with a DecodePlan."""
    plan = DecodePlan(model)
    slow, fast = (KVCache.from_config(model.config, len(sequence)) for _ in range(2))
    with autograd.no_grad():
        model.next_token_logits(sequence[:, :prefill], slow)
        model.next_token_logits(sequence[:, :prefill], fast)
        for t in range(prefill, sequence.shape[1]):
            expected = model.next_token_logits(sequence[:, t : t + 1], slow)
            got = plan.step(sequence[:, t], fast)
            assert np.isfinite(got).all(), f"position {t}"
            np.testing.assert_allclose(got, expected, err_msg=f"position {t}", **tol)
    return slow, fast


@pytest.mark.parametrize("positional, approximate", [("learned", "tanh"), ("sinusoidal", "none")])
def test_the_decoding_fast_path_gives_the_modules_logits_at_every_position(positional, approximate):
    config = GPTConfig(vocab_size=23, block_size=12, n_layer=2, n_head=2, n_embd=16, positional=positional,
                       gelu_approximate=approximate)  # fmt: skip
    model = GPT(config).eval()
    model.reset_parameters(tt_tensor.Generator(3))
    assert fast_decode_supported(model)
    slow, fast = fast_and_module_steps(model, ids(9, 3, 12), prefill=2, **TOL)
    for layer in range(2):
        np.testing.assert_allclose(fast.keys[layer], slow.keys[layer], **TOL)
        np.testing.assert_allclose(fast.values[layer], slow.values[layer], **TOL)


def test_hooks_swapped_layers_and_training_send_cached_generation_through_the_modules():
    model = small_gpt()
    assert fast_decode_supported(model)
    assert not fast_decode_supported(small_gpt().train())
    calls = []
    handle = model.transformer.h[1].mlp.c_fc.register_forward_hook(lambda *args: calls.append(1))
    assert not fast_decode_supported(model)
    prompt = ids(4, 2, 3)
    got = model.generate(prompt, 6, temperature=0, use_cache=True).numpy()
    assert len(calls) == 6, "a hooked model runs its modules at every step (1 prefill + 5 steps)"
    handle.remove()
    np.testing.assert_array_equal(got, model.generate(prompt, 6, temperature=0).numpy())

    class Doubled(tt_nn.Linear):  # a layer swapped in (as quantization or pruning do)
        def forward(self, x):
            return super().forward(x) * 2

    swapped = small_gpt()
    old = swapped.transformer.h[0].attn.c_proj
    swapped.transformer.h[0].attn.c_proj = Doubled(16, 16)
    swapped.transformer.h[0].attn.c_proj.load_state_dict(old.state_dict())
    assert not fast_decode_supported(swapped)
    np.testing.assert_array_equal(
        swapped.generate(prompt, 8, temperature=0, use_cache=True).numpy(),
        swapped.generate(prompt, 8, temperature=0).numpy(),
    )


def test_a_window_of_one_position_halves_to_one_and_stays_exact():
    model = small_gpt(block_size=1)
    prompt = ids(7, 2, 3)
    got = model.generate(prompt, 5, temperature=0, use_cache=True, cache_window="halve").numpy()
    np.testing.assert_array_equal(got, model.generate(prompt, 5, temperature=0).numpy())
    np.testing.assert_array_equal(got, halving_reference(model, prompt, 5))


def test_the_fast_path_stays_finite_and_exact_when_attention_scores_are_large():
    """Scores far beyond exp's float32 range (~88): the softmax must shift by the row maximum."""
    model = small_gpt()
    with autograd.no_grad():
        for block in model.transformer.h:  # queries and keys 40x larger: scores in the hundreds
            block.attn.c_attn.weight.array[: 2 * 16] *= 40
    fast_and_module_steps(model, ids(11, 2, 8), prefill=1, rtol=1e-3, atol=1e-3)
