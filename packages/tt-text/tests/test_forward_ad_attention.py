"""Forward-mode AD through the fused attention Functions, and a GPT block's Hessian-vector product.

``scaled_dot_product_attention`` and the packed self-attention have an own ``jvp`` (from forward's
saved probabilities, one pass) and a recorded ``graph_jvp`` (the probabilities recomputed from the
inputs joined to their graph), in ``tt_text.attention_jvp``. Each case: with primals and tangents
requiring grad, the tangent and the gradients of ``⟨tangent, w⟩`` equal the double vjp's (rules
removed) while the double vjp is made to fail; the tangent equals float64 central differences; with
nothing requiring grad the one-pass rule (``graph_backward`` made to fail) gives it too. Causal,
boolean and float masks (a dual float mask too), broadcast batch dimensions and dropout included.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn
import tt_tensor
from tt_autograd import gradients
from tt_autograd.forward_ad_check import check_jvp_rules, forward_over_reverse
from tt_autograd.functions.indexing import GetItemFunction, PlaceAtKeyFunction
from tt_nn import functional as F
from tt_nn.functional.losses import CrossEntropyFunction
from tt_text.sdpa import PackedSelfAttentionFunction, ScaledDotProductAttentionFunction, packed_self_attention
from tt_text.sdpa import scaled_dot_product_attention as sdpa
from tt_text.transformer import TransformerBlock

RNG = np.random.default_rng(2932)
ALLOWED = RNG.random((4, 5)) > 0.4
ALLOWED[:, 0] = True  # no fully masked row (0 in the fused kernels, NaN when recomputed)
PAD = np.array([[True, True, True, False]] * 4)  # a key masked for every query: with is_causal, no row empty
SDPA, PACKED = [ScaledDotProductAttentionFunction], [PackedSelfAttentionFunction]


def _dropped(function, *args, **kwargs):
    tt_tensor.manual_seed(7)  # the same dropout mask at every call
    return function(*args, **kwargs)


CASES = {  # name: (function, input shapes, Functions whose rules must run)
    "sdpa": (lambda q, k, v: sdpa(q, k, v, scale=0.7), [(2, 4, 3), (2, 5, 3), (2, 5, 2)], SDPA),
    "sdpa_causal": (lambda q, k, v: sdpa(q, k, v, is_causal=True), [(2, 4, 3), (2, 4, 3), (2, 4, 3)], SDPA),
    "sdpa_bool_mask": (
        lambda q, k, v: sdpa(q, k, v, attn_mask=ALLOWED),
        [(2, 4, 3), (2, 5, 3), (2, 5, 3)],
        SDPA,
    ),
    "sdpa_dual_float_mask": (
        lambda q, k, v, m: sdpa(q, k, v, attn_mask=m),
        [(2, 4, 3), (2, 5, 3), (2, 5, 3), (4, 5)],
        SDPA,
    ),
    "sdpa_broadcast_batch": (lambda q, k, v: sdpa(q, k, v), [(2, 2, 4, 3), (2, 1, 5, 3), (1, 5, 3)], SDPA),
    "sdpa_value_only": (lambda v: sdpa(autograd.tensor(ALLOWED * 1.0), v, v), [(5, 5)], SDPA),
    "sdpa_dropout": (
        lambda q, k, v: _dropped(sdpa, q, k, v, dropout_p=0.3),
        [(2, 4, 3), (2, 5, 3), (2, 5, 3)],
        SDPA,
    ),
    "packed_causal": (lambda qkv: packed_self_attention(qkv, 2), [(2, 4, 12)], PACKED),
    "packed_causal_blocks": (lambda qkv: packed_self_attention(qkv, 1), [(1, 40, 6)], PACKED),  # > 32 rows
    "packed_full": (lambda qkv: packed_self_attention(qkv, 3, is_causal=False), [(2, 3, 9)], PACKED),
    "packed_causal_mask": (lambda qkv: packed_self_attention(qkv, 2, attn_mask=PAD), [(2, 4, 6)], PACKED),
    "packed_dropout": (
        lambda qkv: _dropped(packed_self_attention, qkv, 2, dropout_p=0.25),
        [(2, 4, 12)],
        PACKED,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_attention_rules_match_the_double_vjp_and_central_differences(name):
    f, shapes, functions = CASES[name]
    check_jvp_rules(f, shapes, functions, seed=len(name))


def test_a_gpt_block_hessian_vector_product_takes_no_double_vjp(monkeypatch):
    """Forward over reverse through LayerNorm, causal packed attention, a GELU MLP, a head and
    cross_entropy: no op takes the double vjp, the product matches central differences of the
    gradient and the double vjp's (the new rules removed: then getitem, its backward PlaceAtKey,
    the attention and cross_entropy take it), with fewer Function calls."""
    block, head = TransformerBlock(8, 2), tt_nn.Linear(8, 11)
    block.to(autograd.float64), head.to(autograd.float64)
    x = autograd.tensor(RNG.uniform(-1, 1, (2, 5, 8)), dtype=autograd.float64)
    v = autograd.tensor(RNG.uniform(-1, 1, (2, 5, 8)), dtype=autograd.float64)
    target = autograd.tensor(RNG.integers(0, 11, (10,)))

    def gradient(point):
        (g,) = gradients.grad(F.cross_entropy(head(block(point)).reshape(10, 11), target), point)
        return g

    found, calls, used = forward_over_reverse(gradient, x, v)
    assert used == []
    h = 1e-6
    up, down = (gradient((x + step * v).requires_grad_()) for step in (h, -h))
    np.testing.assert_allclose(found.numpy(), (up - down).numpy() / (2 * h), rtol=1e-6, atol=1e-8)
    rules = [GetItemFunction, PlaceAtKeyFunction, PackedSelfAttentionFunction, CrossEntropyFunction]
    for cls in rules:
        monkeypatch.setattr(cls, "graph_jvp", None)
    slow, slow_calls, used = forward_over_reverse(gradient, x, v)
    assert set(used) == set(rules)
    np.testing.assert_allclose(found.numpy(), slow.numpy(), rtol=1e-10, atol=1e-12)
    assert calls < slow_calls
    print(
        f"GPT block HVP: {calls} Function calls (graph rules), {slow_calls} (double vjp for {len(used)} ops)"
    )


def test_nested_jacfwd_through_packed_attention():
    """``jacfwd(jacfwd(f))`` (the inner one in reverse mode inside the outer's level, its samples looped
    by vmap, so the caller never notes the causal flag on the node): the packed attention's recorded
    backward reads it from the call its forward-AD rule saw; the second derivatives equal jacrev's."""
    from tt_autograd.transforms import jacfwd, jacrev

    x = autograd.tensor(RNG.uniform(-1, 1, (2, 3)), dtype=autograd.float64)

    def f(x):
        qkv = autograd.cat([x, x * 2.0, x.sin()], 1).reshape(1, 2, 9)
        return (packed_self_attention(qkv, 1) ** 2).sum()

    with pytest.warns(UserWarning, match="no batching rule for PackedSelfAttention"):
        found = jacfwd(jacfwd(f))(x)
    np.testing.assert_allclose(found.numpy(), jacrev(jacrev(f))(x).numpy(), rtol=1e-10, atol=1e-12)
