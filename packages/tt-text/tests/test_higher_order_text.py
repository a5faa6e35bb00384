"""Higher-order gradients through tt-text's fused Functions: embedding and attention, twice; a GPT's HVP."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import gradcheck, gradgradcheck
from tt_autograd.gradients import grad
from tt_nn.functional import cross_entropy
from tt_text import GPT, GPTConfig, embedding
from tt_text.sdpa import packed_self_attention
from tt_text.sdpa import scaled_dot_product_attention as sdpa


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_twice_with_repeated_ids(padding_idx):
    rng = np.random.default_rng(0)
    weight = autograd.tensor(rng.standard_normal((5, 4)), dtype=autograd.float64, requires_grad=True)
    ids = np.array([[0, 2, 2], [4, 0, 1]])  # repeated ids: their gradients add up

    def fn(weight):  # a smooth function of the rows picked, so second derivatives are not 0
        return embedding(ids, weight, padding_idx=padding_idx).sin()

    if padding_idx is None:
        assert gradgradcheck(fn, [weight])
    else:  # the padding row's gradient is 0 by definition (PyTorch's), not fn's derivative: check the rest
        seed = autograd.tensor(rng.standard_normal((2, 3, 4)), dtype=autograd.float64)
        assert gradcheck(lambda weight: grad(fn(weight), weight, seed, create_graph=True)[0], [weight])
    v = autograd.tensor(rng.standard_normal((2, 3, 4)), dtype=autograd.float64, requires_grad=True)
    (plain,) = grad(fn(weight), weight, v.detach())
    (recorded,) = grad(fn(weight), weight, v, create_graph=True)
    np.testing.assert_allclose(recorded.detach().numpy(), plain.numpy(), rtol=1e-12)

    def through_the_seed(v):  # the rule is linear in the incoming gradient
        with autograd.enable_grad():
            return grad(fn(weight), weight, v, create_graph=True)[0]

    assert gradcheck(through_the_seed, [v])


def _leaf(rng, *shape):
    return autograd.tensor(rng.standard_normal(shape), dtype=autograd.float64, requires_grad=True)


@pytest.mark.parametrize("case", ["plain", "causal", "float mask", "bool mask", "broadcast batch"])
def test_scaled_dot_product_attention_twice(case):
    rng = np.random.default_rng(1)
    q, k, v = _leaf(rng, 2, 2, 4, 3), _leaf(rng, 2, 2, 5, 3), _leaf(rng, 2, 2, 5, 3)
    if case == "plain":
        assert gradgradcheck(lambda q, k, v: sdpa(q, k, v, scale=0.7), [q, k, v])
    elif case == "causal":
        k, v = _leaf(rng, 2, 2, 4, 3), _leaf(rng, 2, 2, 4, 3)
        assert gradgradcheck(lambda q, k, v: sdpa(q, k, v, is_causal=True), [q, k, v])
    elif case == "float mask":  # the mask is differentiated too
        assert gradgradcheck(lambda q, k, v, m: sdpa(q, k, v, attn_mask=m), [q, k, v, _leaf(rng, 4, 5)])
    elif case == "bool mask":
        allowed = rng.random((4, 5)) > 0.4
        allowed[:, 0] = True  # no fully masked row (those give 0 in the fused kernels, NaN recomputed)
        assert gradgradcheck(lambda q, k, v: sdpa(q, k, v, attn_mask=allowed), [q, k, v])
    else:
        assert gradgradcheck(lambda q, k, v: sdpa(q, k, v), [_leaf(rng, 2, 1, 4, 3), k, v])


@pytest.mark.parametrize(
    "length, mask", [(6, False), (40, False), (6, True)]
)  # 40: the blocked causal kernel
def test_packed_self_attention_twice(length, mask):
    rng = np.random.default_rng(2)
    qkv = _leaf(rng, 2, length, 12)
    allowed = rng.random((length, length)) > 0.3 if mask else None
    if mask:
        allowed[:, 0] = True
    assert gradgradcheck(lambda x: packed_self_attention(x, 2, attn_mask=allowed), [qkv])


def test_attention_with_dropout_records_the_same_first_derivative():
    rng = np.random.default_rng(3)
    q, k, v = _leaf(rng, 2, 4, 3), _leaf(rng, 2, 4, 3), _leaf(rng, 2, 4, 3)
    out = sdpa(q, k, v, dropout_p=0.5, generator=None)
    seed = autograd.tensor(rng.standard_normal(out.shape), dtype=autograd.float64)
    recorded = grad(out, [q, k, v], seed, create_graph=True)
    plain = grad(out, [q, k, v], seed)
    for r, p in zip(recorded, plain):
        np.testing.assert_allclose(r.detach().numpy(), p.numpy(), rtol=1e-12, atol=1e-15)


def test_hessian_vector_product_of_a_small_gpt():
    # through embedding, LayerNorm, packed attention, GELU, Linear and cross-entropy: H v for one weight

    autograd.manual_seed(0)
    config = GPTConfig(vocab_size=7, block_size=6, n_layer=1, n_head=2, n_embd=8, gelu_approximate="tanh")
    model = GPT(config).double()
    ids = np.random.default_rng(4).integers(0, 7, (2, 7))
    weight = model.transformer.h[0].attn.c_attn.weight

    def gradient(w):
        with autograd.enable_grad():
            logits = model(ids[:, :-1])
            loss = cross_entropy(logits.reshape(-1, 7), autograd.tensor(ids[:, 1:].reshape(-1)))
            return grad(loss, w, create_graph=True)[0]

    direction = autograd.tensor(
        np.random.default_rng(5).standard_normal(weight.shape), dtype=autograd.float64
    )
    assert gradcheck(lambda w: (gradient(w) * direction).sum(), [weight], atol=1e-5)
