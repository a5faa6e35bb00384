"""Module 12 — scaled dot-product attention: PyTorch's semantics, masks, stability, gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
import tt_tensor
from tt_text.functional import packed_self_attention, scaled_dot_product_attention

RNG = np.random.default_rng(0)


def reference(q, k, v, attn_mask=None, is_causal=False, scale=None):
    """PyTorch's documented reference implementation, in float64 NumPy (fully masked rows give 0)."""
    length, source = q.shape[-2], k.shape[-2]
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    bias = np.zeros((length, source))
    if is_causal:
        bias[~np.tril(np.ones((length, source), dtype=bool))] = -np.inf
    if attn_mask is not None:
        bias = np.where(attn_mask, 0.0, -np.inf) if attn_mask.dtype == bool else bias + attn_mask
    scores = q @ np.swapaxes(k, -1, -2) * scale + bias
    top = scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores - np.where(np.isfinite(top), top, 0))
    total = weights.sum(axis=-1, keepdims=True)
    return (weights / np.where(total == 0, 1, total)) @ v


def tensors(*shapes, grad=True):
    return [autograd.tensor(RNG.standard_normal(s), requires_grad=grad) for s in shapes]


def test_matches_the_reference_without_a_mask():
    q, k, v = tensors((2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 6), grad=False)
    out = scaled_dot_product_attention(q, k, v)
    assert out.shape == (2, 3, 5, 6)
    assert np.allclose(out.numpy(), reference(q.numpy(), k.numpy(), v.numpy()))


@pytest.mark.parametrize("length,source", [(6, 6), (4, 6), (6, 4)])
def test_causal_is_top_left_aligned_like_pytorch(length, source):
    q, k, v = tensors((2, length, 3), (2, source, 3), (2, source, 3), grad=False)
    out = scaled_dot_product_attention(q, k, v, is_causal=True)
    assert np.allclose(out.numpy(), reference(q.numpy(), k.numpy(), v.numpy(), is_causal=True))


def test_boolean_mask_true_means_take_part_and_float_mask_is_added():
    q, k, v = tensors((1, 2, 4, 3), (1, 2, 5, 3), (1, 2, 5, 3), grad=False)
    keep = RNG.random((4, 5)) > 0.3
    keep[:, 0] = True
    out = scaled_dot_product_attention(q, k, v, attn_mask=autograd.tensor(keep))
    assert np.allclose(out.numpy(), reference(q.numpy(), k.numpy(), v.numpy(), attn_mask=keep))
    bias = RNG.standard_normal((2, 4, 5))
    out = scaled_dot_product_attention(q, k, v, attn_mask=autograd.tensor(bias), scale=0.5)
    assert np.allclose(out.numpy(), reference(q.numpy(), k.numpy(), v.numpy(), attn_mask=bias, scale=0.5))


def test_fully_masked_rows_give_zeros_not_nan_and_zero_gradients():
    q, k, v = tensors((1, 3, 4), (1, 3, 4), (1, 3, 4))
    keep = np.array([[True, False, True], [False, False, False], [True, True, True]])
    out = scaled_dot_product_attention(q, k, v, attn_mask=autograd.tensor(keep))
    assert not np.isnan(out.detach().numpy()).any()
    assert not out.detach().numpy()[0, 1].any()
    out.sum().backward()
    assert not np.isnan(q.grad.numpy()).any() and not q.grad.numpy()[0, 1].any()
    bias = np.zeros((3, 3))
    bias[2] = -np.inf
    out = scaled_dot_product_attention(q, k, v, attn_mask=autograd.tensor(bias))
    assert not out.detach().numpy()[0, 2].any() and not np.isnan(out.detach().numpy()).any()


def test_large_scores_do_not_overflow():
    q = autograd.tensor(np.full((1, 2, 4), 300.0, dtype=np.float32))
    k = autograd.tensor(np.array([[[10.0] * 4, [9.0] * 4]], dtype=np.float32))
    v = autograd.tensor(np.array([[[1.0, 0, 0, 0], [0, 1.0, 0, 0]]], dtype=np.float32))
    out = scaled_dot_product_attention(q, k, v).numpy()
    assert np.isfinite(out).all() and np.allclose(out[0, :, 0], 1.0)


def test_gradcheck_plain_and_causal():
    q, k, v = tensors((2, 2, 4, 3), (2, 2, 4, 3), (2, 2, 4, 2))
    assert autograd.gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v), [q, k, v])
    assert autograd.gradcheck(
        lambda q, k, v: scaled_dot_product_attention(q, k, v, is_causal=True), [q, k, v]
    )


def test_gradcheck_with_a_padding_mask():
    q, k, v = tensors((2, 4, 3), (2, 5, 3), (2, 5, 3))
    padding = autograd.tensor(
        np.array([[True] * 5, [True, True, True, False, False]])[:, None, :]
    )  # (B, 1, S)
    assert autograd.gradcheck(
        lambda q, k, v: scaled_dot_product_attention(q, k, v, attn_mask=padding), [q, k, v]
    )


def test_gradcheck_through_a_float_mask():
    q, k, v = tensors((2, 3, 3), (2, 4, 3), (2, 4, 2))
    (bias,) = tensors((3, 4))
    assert autograd.gradcheck(
        lambda q, k, v, b: scaled_dot_product_attention(q, k, v, attn_mask=b), [q, k, v, bias]
    )


def test_broadcast_batch_dimensions_get_summed_gradients():
    q, k, v = tensors((2, 3, 4, 3), (1, 3, 4, 3), (4, 3))
    assert autograd.gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v), [q, k, v])


def test_causal_mask_stops_positions_from_seeing_later_ones():
    q, k, v = (t.numpy() for t in tensors((1, 2, 8, 4), (1, 2, 8, 4), (1, 2, 8, 4), grad=False))
    before = scaled_dot_product_attention(*map(autograd.tensor, (q, k, v)), is_causal=True).numpy()
    k2, v2 = k.copy(), v.copy()
    k2[..., 5, :] += 10.0
    v2[..., 5, :] -= 7.0
    after = scaled_dot_product_attention(*map(autograd.tensor, (q, k2, v2)), is_causal=True).numpy()
    assert np.array_equal(before[..., :5, :], after[..., :5, :]), "positions 0-4 must not see position 5"
    assert not np.allclose(before[..., 5:, :], after[..., 5:, :])


def test_dropout_is_seeded_keeps_the_mean_and_has_a_correct_gradient():
    q, k, v = tensors((2, 4, 3), (2, 4, 3), (2, 4, 3))
    a = (
        scaled_dot_product_attention(q, k, v, dropout_p=0.5, generator=tt_tensor.Generator(1))
        .detach()
        .numpy()
    )
    b = (
        scaled_dot_product_attention(q, k, v, dropout_p=0.5, generator=tt_tensor.Generator(1))
        .detach()
        .numpy()
    )
    assert np.array_equal(a, b) and not np.allclose(a, scaled_dot_product_attention(q, k, v).detach().numpy())

    def seeded(q, k, v):
        return scaled_dot_product_attention(q, k, v, dropout_p=0.3, generator=tt_tensor.Generator(4))

    assert autograd.gradcheck(seeded, [q, k, v])
    ones = autograd.ones(1, 1, 64, 64)
    mean = scaled_dot_product_attention(
        ones, ones, ones, dropout_p=0.25, generator=tt_tensor.Generator(0)
    ).numpy()
    assert abs(mean.mean() - 1.0) < 0.05


def test_packed_self_attention_equals_attention_over_split_heads():
    batch, length, heads, head_dim = 2, 5, 3, 4
    (qkv,) = tensors((batch, length, 3 * heads * head_dim))
    out = packed_self_attention(qkv, heads, is_causal=True)
    split = qkv.detach().numpy().reshape(batch, length, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
    expected = reference(*split, is_causal=True).transpose(0, 2, 1, 3).reshape(batch, length, -1)
    assert np.allclose(out.detach().numpy(), expected)
    assert autograd.gradcheck(lambda x: packed_self_attention(x, heads, is_causal=True), [qkv])
    padding = np.array([[True] * 5, [True, True, True, False, False]])[:, None, None, :]
    assert autograd.gradcheck(
        lambda x: packed_self_attention(x, heads, is_causal=False, attn_mask=padding), [qkv]
    )


def test_bad_arguments_are_clear_errors():
    q, k, v = tensors((2, 4, 3), (2, 5, 3), (2, 5, 3), grad=False)
    with pytest.raises(ValueError, match=r"query \(2, 4, 3\), key \(2, 5, 2\)"):
        scaled_dot_product_attention(q, k[..., :2], v)
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        scaled_dot_product_attention(
            q, k, v, attn_mask=autograd.ones(4, 5, dtype=tt_tensor.bool_), is_causal=True
        )
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 5\) does not broadcast"):
        scaled_dot_product_attention(q, k, v, attn_mask=autograd.ones(3, 5))


def test_a_mask_with_more_batch_dimensions_than_the_queries_broadcasts_the_output():
    q, k, v = tensors((2, 4, 3), (2, 5, 3), (2, 5, 3), grad=False)
    bias = RNG.standard_normal((3, 2, 4, 5))  # one float mask per leading index the queries do not have
    out = scaled_dot_product_attention(q, k, v, attn_mask=autograd.tensor(bias))
    assert out.shape == (3, 2, 4, 3)
    assert np.allclose(out.numpy(), reference(q.numpy(), k.numpy(), v.numpy(), attn_mask=bias))


def test_gradient_of_one_input_alone_is_right():
    """Only the key, or only the value, needs a gradient (a frozen encoder's memory, say)."""
    q, k, v = tensors((2, 4, 3), (2, 5, 3), (2, 5, 2), grad=False)
    keep = RNG.random((4, 5)) > 0.3
    keep[:, 0] = True
    for i in (1, 2):
        args = [q, k, v]
        args[i] = autograd.tensor(args[i].numpy(), requires_grad=True)

        def attend(x, i=i, args=args):
            return scaled_dot_product_attention(*args[:i], x, *args[i + 1 :], attn_mask=keep)

        assert autograd.gradcheck(attend, [args[i]])
        attend(args[i]).sum().backward()
        assert args[i].grad is not None and args[i].grad.shape == args[i].shape


def test_batch_dimensions_broadcast_between_query_key_and_a_per_head_mask():
    q, k, v = tensors((2, 1, 4, 3), (2, 3, 5, 3), (2, 3, 5, 2), grad=False)
    keep = RNG.random((3, 4, 5)) > 0.4  # one mask per head: broadcasts against the (2, 3) batch
    keep[..., 0] = True
    out = scaled_dot_product_attention(q, k, v, attn_mask=autograd.tensor(keep))
    assert out.shape == (2, 3, 4, 2)
    assert np.allclose(out.numpy(), reference(q.numpy(), k.numpy(), v.numpy(), attn_mask=keep))
    q4, k3, v3 = tensors((2, 3, 4, 3), (3, 5, 3), (3, 5, 2), grad=False)  # queries with more batch dims
    out = scaled_dot_product_attention(q4, k3, v3, attn_mask=keep[0])
    assert out.shape == (2, 3, 4, 2)
    assert np.allclose(out.numpy(), reference(q4.numpy(), k3.numpy(), v3.numpy(), attn_mask=keep[0]))


def test_a_mask_may_be_a_numpy_array_or_a_nested_list():
    q, k, v = tensors((2, 4, 3), (2, 5, 3), (2, 5, 3), grad=False)
    keep = RNG.random((4, 5)) > 0.3
    keep[:, 0] = True
    expected = reference(q.numpy(), k.numpy(), v.numpy(), attn_mask=keep)
    for mask in (keep, keep.tolist()):
        assert np.allclose(scaled_dot_product_attention(q, k, v, attn_mask=mask).numpy(), expected)


def test_inputs_and_dropout_out_of_range_are_refused():
    q, k, v = tensors((2, 4, 3), (2, 5, 3), (2, 5, 3), grad=False)
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: query must be a tensor of shape"):
        scaled_dot_product_attention(autograd.randn(3), k, v)
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: key must be a tensor of shape"):
        scaled_dot_product_attention(q, k.numpy(), v)
    for p in (1.0, 1.5, -0.1):
        with pytest.raises(ValueError, match=rf"dropout_p must be in \[0, 1\), got {p}"):
            scaled_dot_product_attention(q, k, v, dropout_p=p)
