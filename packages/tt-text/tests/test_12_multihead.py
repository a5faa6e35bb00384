"""Module 12 — multi-head attention layers: PyTorch's MultiheadAttention and GPT's causal self-attention."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_text import CausalSelfAttention, MultiheadAttention

RNG = np.random.default_rng(0)


def reference_mha(mha: MultiheadAttention, query, key, value, blocked=None):
    """Multi-head attention written out in float64 NumPy from the layer's own parameters."""
    w = mha.in_proj_weight.detach().numpy().astype(np.float64)
    b = mha.in_proj_bias.detach().numpy().astype(np.float64)
    c, heads = mha.embed_dim, mha.num_heads
    q, k, v = (
        x @ w[i * c : (i + 1) * c].T + b[i * c : (i + 1) * c] for i, x in enumerate((query, key, value))
    )

    def split(t):
        return t.reshape(t.shape[0], t.shape[1], heads, c // heads).transpose(0, 2, 1, 3)

    scores = split(q) @ split(k).transpose(0, 1, 3, 2) / math.sqrt(c // heads)
    if blocked is not None:
        scores = np.where(blocked, -np.inf, scores)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    out = (weights @ split(v)).transpose(0, 2, 1, 3).reshape(q.shape)
    return out @ mha.out_proj.weight.detach().numpy().T + mha.out_proj.bias.detach().numpy(), weights


def test_parameters_have_pytorchs_names_and_shapes():
    mha = MultiheadAttention(16, 4)
    shapes = {name: tuple(p.shape) for name, p in mha.named_parameters()}
    assert shapes == {"in_proj_weight": (48, 16), "in_proj_bias": (48,), "out_proj.weight": (16, 16),
                      "out_proj.bias": (16,)}  # fmt: skip
    assert not mha.in_proj_bias.detach().numpy().any()


def test_self_attention_matches_the_reference_batch_first():
    mha = MultiheadAttention(12, 3, batch_first=True)
    x = RNG.standard_normal((2, 5, 12)).astype(np.float32)
    t = autograd.tensor(x)
    out, weights = mha(t, t, t)
    expected, expected_weights = reference_mha(mha, x, x, x)
    assert out.shape == (2, 5, 12) and np.allclose(out.detach().numpy(), expected, atol=1e-5)
    assert weights.shape == (2, 5, 5)
    assert np.allclose(weights.detach().numpy(), expected_weights.mean(1), atol=1e-5)


def test_sequence_first_layout_is_the_default():
    mha = MultiheadAttention(8, 2)
    x = RNG.standard_normal((6, 3, 8)).astype(np.float32)  # (T, B, C)
    out, _ = mha(autograd.tensor(x), autograd.tensor(x), autograd.tensor(x), need_weights=False)
    expected, _ = reference_mha(mha, x.transpose(1, 0, 2), x.transpose(1, 0, 2), x.transpose(1, 0, 2))
    assert out.shape == (6, 3, 8) and np.allclose(
        out.detach().numpy(), expected.transpose(1, 0, 2), atol=1e-5
    )


def test_cross_attention_with_a_key_padding_mask_true_meaning_ignore():
    mha = MultiheadAttention(8, 2, batch_first=True)
    query = RNG.standard_normal((2, 3, 8)).astype(np.float32)
    memory = RNG.standard_normal((2, 4, 8)).astype(np.float32)
    padding = np.array([[False, False, False, True], [False, True, True, True]])
    out, weights = mha(
        autograd.tensor(query),
        autograd.tensor(memory),
        autograd.tensor(memory),
        key_padding_mask=autograd.tensor(padding),
    )
    expected, expected_weights = reference_mha(mha, query, memory, memory, blocked=padding[:, None, None, :])
    assert np.allclose(out.detach().numpy(), expected, atol=1e-5)
    probabilities = weights.detach().numpy()
    assert np.allclose(probabilities[1, :, 1:], 0) and np.allclose(probabilities.sum(-1), 1)


def test_causal_attn_mask_in_pytorchs_convention():
    mha = MultiheadAttention(8, 2, batch_first=True)
    x = RNG.standard_normal((1, 4, 8)).astype(np.float32)
    blocked = np.triu(np.ones((4, 4), dtype=bool), 1)
    out, _ = mha(
        autograd.tensor(x), autograd.tensor(x), autograd.tensor(x), attn_mask=autograd.tensor(blocked)
    )
    expected, _ = reference_mha(mha, x, x, x, blocked=blocked)
    assert np.allclose(out.detach().numpy(), expected, atol=1e-5)
    causal, _ = mha(autograd.tensor(x), autograd.tensor(x), autograd.tensor(x), is_causal=True)
    assert np.allclose(causal.detach().numpy(), expected, atol=1e-5)


def test_gradcheck_self_and_cross_attention():
    mha = MultiheadAttention(6, 2, batch_first=True).double()
    x = autograd.tensor(RNG.standard_normal((2, 3, 6)), requires_grad=True)
    memory = autograd.tensor(RNG.standard_normal((2, 4, 6)), requires_grad=True)
    padding = autograd.tensor(np.array([[False] * 4, [False, False, True, True]]))
    assert autograd.gradcheck(lambda x: mha(x, x, x, need_weights=False)[0], [x])
    assert autograd.gradcheck(
        lambda x, m: mha(x, m, m, key_padding_mask=padding, need_weights=False)[0], [x, memory]
    )
    mha(x, x, x, is_causal=True)[0].sum().backward()
    assert all(p.grad is not None for p in mha.parameters())


def test_causal_self_attention_never_looks_ahead():
    layer = CausalSelfAttention(n_embd=8, n_head=2)
    x = RNG.standard_normal((2, 7, 8)).astype(np.float32)
    before = layer(autograd.tensor(x)).detach().numpy()
    x[:, 4] += 5.0
    after = layer(autograd.tensor(x)).detach().numpy()
    assert np.array_equal(before[:, :4], after[:, :4]), "outputs at positions 0-3 changed when position 4 did"
    assert not np.allclose(before[:, 4:], after[:, 4:])


def test_causal_self_attention_gradcheck_with_padding():
    layer = CausalSelfAttention(n_embd=6, n_head=3).double()
    x = autograd.tensor(RNG.standard_normal((2, 4, 6)), requires_grad=True)
    keep = np.array([[True] * 4, [True, True, True, False]])[:, None, None, :]
    assert autograd.gradcheck(lambda x: layer(x, attn_mask=keep), [x])
    assert autograd.gradcheck(lambda w: layer(x.detach()), [layer.c_attn.weight])


def test_width_not_divisible_by_heads_is_refused():
    with pytest.raises(ValueError, match="divisible by num_heads=3"):
        MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match="divisible by n_head=3"):
        CausalSelfAttention(8, 3)


def randomize_biases(mha: MultiheadAttention) -> None:
    """Non-zero projection biases (PyTorch starts them at 0, which hides a bias used in the wrong place)."""
    mha.in_proj_bias.data = autograd.tensor(RNG.standard_normal(3 * mha.embed_dim).astype(np.float32))
    mha.out_proj.bias.data = autograd.tensor(RNG.standard_normal(mha.embed_dim).astype(np.float32))


def test_input_projection_is_xavier_uniform_and_biases_start_at_zero():
    mha = MultiheadAttention(32, 4)
    w = mha.in_proj_weight.detach().numpy()
    limit = math.sqrt(6.0 / (32 + 3 * 32))  # xavier_uniform_ on the (3E, E) weight, as PyTorch
    assert np.all(np.isfinite(w)) and np.abs(w).max() <= limit
    assert abs(w.std() - limit / math.sqrt(3)) < 0.1 * limit and abs(w.mean()) < 0.05 * limit
    assert not mha.out_proj.bias.detach().numpy().any()


def test_query_is_key_but_value_differs_with_biases_and_cross_causal_masks():
    mha = MultiheadAttention(8, 2, batch_first=True)
    randomize_biases(mha)
    x = RNG.standard_normal((2, 4, 8)).astype(np.float32)
    value = RNG.standard_normal((2, 4, 8)).astype(np.float32)
    t = autograd.tensor(x)
    out, _ = mha(t, t, autograd.tensor(value), need_weights=False)
    assert np.allclose(out.detach().numpy(), reference_mha(mha, x, x, value)[0], atol=1e-5)
    # cross-attention (key is not query), causal, combined with a key padding mask
    memory = RNG.standard_normal((2, 4, 8)).astype(np.float32)
    padding = np.array([[False, False, False, True], [False, False, True, True]])
    out, weights = mha(autograd.tensor(x), autograd.tensor(memory), autograd.tensor(memory),
                       key_padding_mask=autograd.tensor(padding), is_causal=True)  # fmt: skip
    blocked = np.triu(np.ones((4, 4), dtype=bool), 1) | padding[:, None, None, :]
    expected, expected_weights = reference_mha(mha, x, memory, memory, blocked=blocked)
    assert np.allclose(out.detach().numpy(), expected, atol=1e-5)
    assert np.allclose(weights.detach().numpy(), expected_weights.mean(1), atol=1e-5)


def test_without_biases_the_layer_has_none_and_matches_the_reference():
    mha = MultiheadAttention(8, 2, bias=False, batch_first=True)
    assert mha.in_proj_bias is None and mha.out_proj.bias is None
    assert [name for name, _ in mha.named_parameters()] == ["in_proj_weight", "out_proj.weight"]
    query = RNG.standard_normal((2, 3, 8)).astype(np.float32)
    memory = RNG.standard_normal((2, 5, 8)).astype(np.float32)
    w = mha.in_proj_weight.detach().numpy().astype(np.float64)
    for key in (query, memory):  # the packed self-attention path and the separate projections
        q, k, v = (x @ w[i * 8 : (i + 1) * 8].T for i, x in enumerate((query, key, key)))
        split = [t.reshape(2, -1, 2, 4).transpose(0, 2, 1, 3) for t in (q, k, v)]
        scores = split[0] @ split[1].transpose(0, 1, 3, 2) / 2.0
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        merged = (probs @ split[2]).transpose(0, 2, 1, 3).reshape(2, 3, 8)
        expected = merged @ mha.out_proj.weight.detach().numpy().T
        t = autograd.tensor(key)
        out, _ = mha(autograd.tensor(query), t, t) if key is memory else mha(t, t, t)
        assert np.allclose(out.detach().numpy(), expected, atol=1e-5)


def test_attention_dropout_acts_in_training_only():
    x = RNG.standard_normal((2, 5, 8)).astype(np.float32)
    mha = MultiheadAttention(8, 2, dropout=0.5, batch_first=True).eval()
    memory = RNG.standard_normal((2, 6, 8)).astype(np.float32)
    for key in (x, memory):
        t = autograd.tensor(key)
        out, _ = mha(autograd.tensor(x), t, t) if key is memory else mha(t, t, t)
        assert np.allclose(out.detach().numpy(), reference_mha(mha, x, key, key)[0], atol=1e-5)
    layer = CausalSelfAttention(8, 2, dropout=0.5).eval()
    blocked = np.triu(np.ones((5, 5), dtype=bool), 1)
    expected = causal_reference(layer, x, blocked)
    assert np.allclose(layer(autograd.tensor(x)).detach().numpy(), expected, atol=1e-5)
    layer.train()
    assert not np.allclose(layer(autograd.tensor(x)).detach().numpy(), expected, atol=1e-3)


def causal_reference(layer: CausalSelfAttention, x, blocked):
    """``CausalSelfAttention`` in float64 NumPy: c_attn, heads, blocked scores at -inf, c_proj."""
    c, heads = layer.n_embd, layer.n_head
    qkv = x @ layer.c_attn.weight.detach().numpy().T.astype(np.float64) + layer.c_attn.bias.detach().numpy()
    q, k, v = (qkv[..., i * c : (i + 1) * c].reshape(*x.shape[:2], heads, -1).transpose(0, 2, 1, 3)
               for i in range(3))  # fmt: skip
    scores = np.where(blocked, -np.inf, q @ k.transpose(0, 1, 3, 2) / math.sqrt(c // heads))
    probs = np.exp(scores - scores.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    merged = (probs @ v).transpose(0, 2, 1, 3).reshape(x.shape)
    return merged @ layer.c_proj.weight.detach().numpy().T + layer.c_proj.bias.detach().numpy()


def test_causal_self_attention_values_with_a_padding_mask():
    layer = CausalSelfAttention(n_embd=6, n_head=3)
    x = RNG.standard_normal((2, 4, 6)).astype(np.float32)
    keep = np.array([[True] * 4, [True, False, True, True]])[:, None, None, :]
    blocked = np.triu(np.ones((4, 4), dtype=bool), 1) | ~keep
    out = layer(autograd.tensor(x), attn_mask=keep).detach().numpy()
    assert np.allclose(out, causal_reference(layer, x, blocked), atol=1e-5)


def test_inputs_of_the_wrong_shape_are_refused_with_the_expected_shape():
    mha = MultiheadAttention(8, 2, batch_first=True)
    x = autograd.randn(2, 3, 6)
    with pytest.raises(ValueError, match=r"MultiheadAttention: expected inputs of width 8, got \(2, 3, 6\)"):
        mha(x, x, x)
    layer = CausalSelfAttention(8, 2)
    with pytest.raises(ValueError, match=r"CausalSelfAttention: expected input \(B, T, 8\), got \(2, 3, 6\)"):
        layer(x)
    with pytest.raises(ValueError, match=r"CausalSelfAttention: expected input \(B, T, 8\), got \(3, 8\)"):
        layer(autograd.randn(3, 8))
