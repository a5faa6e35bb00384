"""Module 11 — token embeddings (gather forward, scatter-add backward) and positional encodings."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_text import (
    Embedding,
    LearnedPositionalEmbedding,
    SinusoidalPositionalEncoding,
    embedding,
    sinusoidal_table,
)

embedding_module = importlib.import_module("tt_text.embedding")  # the module, not the function of that name


def reference_weight_grad(ids: np.ndarray, grad: np.ndarray, rows: int) -> np.ndarray:
    out = np.zeros((rows, grad.shape[-1]))
    for i, g in zip(ids.reshape(-1), grad.reshape(-1, grad.shape[-1])):
        out[i] += g
    return out


def test_forward_looks_up_rows():
    emb = Embedding(10, 4)
    ids = np.array([[1, 2, 2], [9, 0, 1]])
    out = emb(autograd.tensor(ids))
    assert out.shape == (2, 3, 4)
    assert np.array_equal(out.detach().numpy(), emb.weight.detach().numpy()[ids])


@pytest.mark.parametrize("limit", [1 << 30, 0], ids=["one-hot GEMM", "sort + reduceat"])
def test_repeated_ids_accumulate_their_gradients(limit, monkeypatch):
    monkeypatch.setattr(embedding_module, "ONE_HOT_LIMIT", limit)
    rng = np.random.default_rng(0)
    rows = 50
    ids = rng.integers(0, 7, size=(4, 60))  # many repeats, and rows that get no gradient
    weight = autograd.tensor(rng.standard_normal((rows, 3)), requires_grad=True)
    grad = rng.standard_normal((4, 60, 3))
    embedding(autograd.tensor(ids), weight).backward(autograd.tensor(grad))
    assert np.allclose(weight.grad.numpy(), reference_weight_grad(ids, grad, rows))


def test_gradcheck():
    ids = autograd.tensor([[0, 3, 3], [2, 0, 4]])
    weight = autograd.tensor(np.random.default_rng(1).standard_normal((5, 3)), requires_grad=True)
    assert autograd.gradcheck(lambda w: embedding(ids, w), [weight])


def test_padding_row_starts_at_zero_and_gets_no_gradient():
    emb = Embedding(6, 3, padding_idx=-1)
    assert emb.padding_idx == 5 and not emb.weight.detach().numpy()[5].any()
    out = emb(autograd.tensor([[5, 1, 5]]))
    out.sum().backward()
    grad = emb.weight.grad.numpy()
    assert not grad[5].any() and np.allclose(grad[1], 1)


def test_out_of_range_ids_are_a_clear_error():
    emb = Embedding(4, 2)
    with pytest.raises(IndexError, match="index 4 is out of range for an embedding of 4 rows"):
        emb(autograd.tensor([1, 4]))
    with pytest.raises(IndexError, match="index 5 is out of range"):  # 0 and 3 are the valid ends
        emb(autograd.tensor([[0, 3], [5, 1]]))
    with pytest.raises(IndexError, match="index -1 is out of range"):
        emb(autograd.tensor([2, -1]))
    with pytest.raises(TypeError, match="indices must be integers"):
        embedding(np.array([0.0, 1.0]), emb.weight)


def test_padding_idx_range_counts_from_both_ends():
    assert Embedding(6, 3, padding_idx=-6).padding_idx == 0
    assert Embedding(6, 3, padding_idx=5).padding_idx == 5
    for bad in (6, -7):
        with pytest.raises(ValueError, match=r"padding_idx=.* must be in \[-6, 6\)"):
            Embedding(6, 3, padding_idx=bad)


def test_initial_weights_are_seeded_standard_normal():
    autograd.manual_seed(0)
    first = Embedding(400, 16).weight.detach().numpy().copy()
    autograd.manual_seed(0)
    again = Embedding(400, 16).weight.detach().numpy()
    assert np.array_equal(first, again), "the same seed gives the same table"
    assert abs(first.mean()) < 0.03 and abs(first.std() - 1) < 0.03, "N(0, 1), as torch.nn.Embedding"


def test_parameters_and_state_dict():
    emb = Embedding(11, 5)
    assert [name for name, _ in emb.named_parameters()] == ["weight"]
    assert emb.state_dict()["weight"].shape == (11, 5)
    assert "11, 5" in repr(emb)


def test_sinusoidal_table_matches_the_formula():
    table = sinusoidal_table(50, 8)
    for t in (0, 1, 17, 49):
        for i in range(4):
            angle = t / 10000 ** (2 * i / 8)
            assert math.isclose(table[t, 2 * i], math.sin(angle), abs_tol=1e-6)
            assert math.isclose(table[t, 2 * i + 1], math.cos(angle), abs_tol=1e-6)
    assert sinusoidal_table(4, 5).shape == (4, 5)


def test_sinusoidal_encoding_adds_the_table_and_is_not_saved():
    pe = SinusoidalPositionalEncoding(16, 6)
    x = autograd.tensor(np.zeros((2, 10, 6), dtype=np.float32), requires_grad=True)
    out = pe(x)
    assert np.allclose(out.detach().numpy()[1], sinusoidal_table(16, 6)[:10])
    out.sum().backward()
    assert np.allclose(x.grad.numpy(), 1)
    assert len(list(pe.parameters())) == 0 and "pe" not in pe.state_dict()


def test_learned_positions_get_gradients_summed_over_the_batch():
    pos = LearnedPositionalEmbedding(8, 4)
    x = autograd.tensor(np.ones((3, 5, 4)), requires_grad=True)
    pos.double()
    out = pos(x)
    assert np.allclose(out.detach().numpy(), 1 + pos.weight.detach().numpy()[:5])
    out.sum().backward()
    grad = pos.weight.grad.numpy()
    assert np.allclose(grad[:5], 3) and not grad[5:].any()
    assert autograd.gradcheck(
        lambda x, w: x + w[:5], [autograd.tensor(np.ones((2, 5, 4)), requires_grad=True), pos.weight]
    )


def test_sequences_longer_than_max_len_are_refused():
    with pytest.raises(ValueError, match="sequence length 9 exceeds max_len=8"):
        LearnedPositionalEmbedding(8, 4)(autograd.zeros(1, 9, 4))
    with pytest.raises(ValueError, match="sequence length 9 exceeds max_len=8"):
        SinusoidalPositionalEncoding(8, 4)(autograd.zeros(1, 9, 4))
