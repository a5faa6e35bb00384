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


def test_top_p_works_row_by_row_on_unnormalised_logits():
    # two rows, neither normalised nor sorted, far from 0: filtering must not depend on the shift
    probs = np.array([[0.05, 0.5, 0.15, 0.3], [0.6, 0.1, 0.25, 0.05]])
    logits = np.log(probs) + np.array([[400.0], [-30.0]])  # exp(2 * 400) would overflow
    kept = np.isfinite(filter_logits(logits, top_p=0.7))
    assert kept.tolist() == [[False, True, False, True], [True, False, True, False]]
    out = filter_logits(logits, top_p=0.7)
    assert np.all(out[~kept] == -np.inf) and np.allclose(out[kept], logits[kept])
    assert np.array_equal(filter_logits(logits, top_p=1.0), logits), "top_p=1 keeps everything"
    assert np.array_equal(filter_logits(logits, top_k=4), logits), "top_k=V keeps everything"
    wide = np.array([[0.0, -1000.0]])  # the second probability underflows to 0.0 in float64
    assert np.array_equal(filter_logits(wide, top_p=1.0), wide), "top_p=1 filters nothing"
    # a boundary: with mass 0.5 ranked above the second token, top_p=0.5 stops before it
    half = np.log(np.array([[0.5, 0.25, 0.25]]))
    assert np.isfinite(filter_logits(half, top_p=0.5)).tolist() == [[True, False, False]]


def test_sampling_a_single_row_and_large_logits():
    logits = np.array([[0.0, 1000.0, 990.0]])  # softmax must subtract the maximum, not add it
    draws = np.concatenate([sample_next(logits, generator=tt_tensor.Generator(s)) for s in range(20)])
    assert set(draws.tolist()) == {1}
    last = np.array([[-50.0, -50.0, 5.0]])  # one row: the last index must be reachable
    assert sample_next(last, generator=tt_tensor.Generator(0)).tolist() == [2]


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
    with pytest.raises(ValueError, match=r"top_p must be in \(0, 1\]"):
        model.generate(np.array([[1]]), 1, top_p=0.0)
    model.generate(np.array([[1]]), 1, top_k=1, top_p=1.0)  # the edges of both ranges are valid
