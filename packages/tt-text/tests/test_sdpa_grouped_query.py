"""``F.scaled_dot_product_attention(..., enable_gqa=True)``: grouped-query attention, PyTorch 2.13's
argument (found missing by tools/parity/sweep_signatures.py). Expected values are PyTorch 2.13's."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad
from tt_text import scaled_dot_product_attention

Q = [
    [
        [[0.5, -1.0], [1.0, 0.25]],
        [[-0.5, 2.0], [0.0, 1.0]],
        [[1.5, 0.5], [-1.0, -1.0]],
        [[0.2, 0.3], [0.4, -0.6]],
    ]
]
K = [[[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[-1.0, 0.5], [0.5, 0.5], [2.0, -1.0]]]]
V = [[[[1.0], [2.0], [-3.0]]]]
#: PyTorch 2.13, is_causal=True: the output and the gradients of sum(output * arange)
OUT = [1.0, 1.37043990403, 1.0, 1.669761549327, 1.0, 1.257183315227, 1.0, 1.604503152469]
GRAD_Q = [0.0, 0.0, -0.16490732923, 0.16490732923, 0.0, 0.0, -0.469195789635, 0.469195789635]
GRAD_Q += [0.0, 0.0, 1.013142901532, 0.0, 0.0, 0.0, 1.775071689024, 0.0]
GRAD_K = [-0.16490732923, -0.510422621943, 0.16490732923, 0.510422621943, 0.0, 0.0]
GRAD_K += [0.202076150615, 1.385457276631, -0.202076150615, -1.385457276631, 0.0, 0.0]
GRAD_V = [20.102836804573, 7.897163195427, 0.0]


def _leaf(values):
    return autograd.tensor(values, dtype=autograd.float64, requires_grad=True)


def test_four_query_heads_over_two_key_heads_and_one_value_head_match_pytorch():
    q, k, v = _leaf(Q), _leaf(K), _leaf(V)
    out = scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    assert tuple(out.shape) == (1, 4, 2, 1)
    np.testing.assert_allclose(out.detach().numpy().ravel(), OUT, atol=1e-11)
    weights = autograd.tensor(np.arange(8.0).reshape(1, 4, 2, 1))
    gq, gk, gv = grad((out * weights).sum(), [q, k, v])
    for got, want in ((gq, GRAD_Q), (gk, GRAD_K), (gv, GRAD_V)):
        np.testing.assert_allclose(got.numpy().ravel(), want, atol=1e-11)


def test_each_key_head_serves_consecutive_query_heads():
    rng = np.random.default_rng(3)
    q, k, v = (autograd.tensor(rng.standard_normal(s)) for s in ((2, 6, 3, 4), (2, 2, 5, 4), (2, 3, 5, 2)))
    out = scaled_dot_product_attention(q, k, v, enable_gqa=True)
    by_hand = scaled_dot_product_attention(q, k.repeat_interleave(3, dim=-3), v.repeat_interleave(2, dim=-3))
    np.testing.assert_allclose(out.numpy(), by_hand.numpy(), rtol=1e-12)
    tiled = scaled_dot_product_attention(q, k.repeat(1, 3, 1, 1), v.repeat(1, 2, 1, 1))
    assert not np.allclose(out.numpy(), tiled.numpy())


def test_unbatched_three_dimensional_inputs_group_their_first_dim():
    rng = np.random.default_rng(4)
    q, k, v = (autograd.tensor(rng.standard_normal(s)) for s in ((4, 3, 5), (2, 6, 5), (2, 6, 5)))
    out = scaled_dot_product_attention(q, k, v, enable_gqa=True)
    by_hand = scaled_dot_product_attention(q, k.repeat_interleave(2, dim=0), v.repeat_interleave(2, dim=0))
    np.testing.assert_allclose(out.numpy(), by_hand.numpy(), rtol=1e-12)


def test_gradcheck_grouped_heads_with_a_broadcast_mask():
    rng = np.random.default_rng(5)
    q, k, v = (_leaf(rng.standard_normal(s)) for s in ((2, 4, 3, 2), (2, 2, 4, 2), (2, 1, 4, 3)))
    mask = autograd.tensor(rng.standard_normal((3, 4)))

    def attend(a, b, c):
        return scaled_dot_product_attention(a, b, c, attn_mask=mask, enable_gqa=True)

    assert autograd.gradcheck(attend, [q, k, v])


def test_without_enable_gqa_unequal_heads_still_fail():
    q, k, v = (autograd.ones(1, h, 2, 2) for h in (4, 2, 2))
    with pytest.raises(ValueError):
        scaled_dot_product_attention(q, k, v)


def test_heads_that_do_not_divide_are_refused_with_the_shapes():
    q, k, v = autograd.ones(1, 3, 2, 2), autograd.ones(1, 2, 2, 2), autograd.ones(1, 2, 2, 2)
    with pytest.raises(ValueError, match=r"key and value must divide query's 3; got query \(1, 3, 2, 2\)"):
        scaled_dot_product_attention(q, k, v, enable_gqa=True)
    with pytest.raises(ValueError, match="must divide query's 4"):
        scaled_dot_product_attention(
            autograd.ones(1, 4, 2, 2), autograd.ones(1, 2, 2, 2), autograd.ones(1, 3, 2, 2), enable_gqa=True
        )


def test_two_dimensional_inputs_have_no_heads_to_group():
    q = autograd.ones(3, 2)
    with pytest.raises(ValueError, match=r"enable_gqa=True needs a heads dim \(-3\).*got query \(3, 2\)"):
        scaled_dot_product_attention(q, q, q, enable_gqa=True)
