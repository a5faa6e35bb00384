"""Module 13 — sampling: temperature, top-k, top-p, seeded generation."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor
from tt_text import GPT, GPTConfig, filter_logits, sample_next

SMALL = {"vocab_size": 13, "block_size": 6, "n_layer": 1, "n_head": 2, "n_embd": 8}


def small() -> GPTConfig:
    """Built inside each test, so the file collects with module 13 stubbed."""
    return GPTConfig(**SMALL)


def test_top_k_keeps_the_k_largest():
    logits = np.array([[1.0, 5.0, 3.0, 4.0, 2.0]])
    kept = np.isfinite(filter_logits(logits, top_k=2))
    assert kept.tolist() == [[False, True, False, True, False]]


def test_top_p_keeps_the_smallest_set_reaching_p():
    probs = np.array([[0.5, 0.3, 0.15, 0.05]])
    logits = np.log(probs)
    assert np.isfinite(filter_logits(logits, top_p=0.7)).tolist() == [[True, True, False, False]]
    assert np.isfinite(filter_logits(logits, top_p=0.79)).tolist() == [[True, True, False, False]]
    assert np.isfinite(filter_logits(logits, top_p=0.81)).tolist() == [[True, True, True, False]]
    assert np.isfinite(filter_logits(logits, top_p=0.1)).tolist() == [[True, False, False, False]]


def test_sampling_follows_the_distribution_and_respects_filters():
    probs = np.array([0.1, 0.6, 0.3])
    logits = np.tile(np.log(probs), (20_000, 1))
    draws = sample_next(logits, generator=tt_tensor.Generator(0))
    assert np.allclose(np.bincount(draws, minlength=3) / len(draws), probs, atol=0.015)
    assert set(sample_next(logits, top_k=2, generator=tt_tensor.Generator(0)).tolist()) == {1, 2}
    assert set(sample_next(logits, temperature=0).tolist()) == {1}
    cold = sample_next(logits, temperature=0.25, generator=tt_tensor.Generator(0))
    assert (cold == 1).mean() > 0.9


def test_generate_extends_the_context_reproducibly():
    model = GPT(small())
    start = np.array([[1, 2, 3], [4, 5, 6]])
    out = model.generate(start, max_new_tokens=10, top_k=5, generator=tt_tensor.Generator(7))
    assert out.shape == (2, 13) and out.numpy()[:, :3].tolist() == start.tolist()
    again = model.generate(start, max_new_tokens=10, top_k=5, generator=tt_tensor.Generator(7))
    assert np.array_equal(out.numpy(), again.numpy())
    assert model.training, "generate puts the model back in training mode"
    assert out.numpy().max() < SMALL["vocab_size"]


def test_greedy_generation_picks_the_most_likely_token():
    model = GPT(small())
    model.eval()
    ids = np.array([[3, 1, 4, 1, 5, 9]])
    out = model.generate(ids, max_new_tokens=1, temperature=0)
    expected = model(ids).detach().numpy()[0, -1].argmax()
    assert out.numpy()[0, -1] == expected


def test_bad_sampling_settings_are_clear_errors():
    model = GPT(small())
    with pytest.raises(ValueError, match="temperature must be >= 0"):
        model.generate(np.array([[1]]), 1, temperature=-1)
    with pytest.raises(ValueError, match="top_k must be a positive int"):
        model.generate(np.array([[1]]), 1, top_k=0)
    with pytest.raises(ValueError, match=r"top_p must be in \(0, 1\]"):
        model.generate(np.array([[1]]), 1, top_p=1.5)
