"""Causal attention in blocks of query rows (``attention_kernels``' tuning): the chapter's results."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_text.attention_kernels as kernels
from tt_text.sdpa import packed_self_attention


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def _qkv(rng, batch, heads, length, dim, dtype):
    """q, k, v as the strided (B, H, T, D) views of one packed projection, and an output gradient."""
    packed = rng.standard_normal((batch, length, 3, heads, dim)).astype(dtype)
    q, k, v = (packed[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
    return q, k, v, rng.standard_normal((batch, heads, length, dim)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("length", [33, 64, 100])
def test_forward_in_blocks_equals_the_chapter(length, dtype, rng):
    q, k, v, _ = _qkv(rng, 2, 3, length, 8, dtype)
    bias = kernels.causal_bias(length, length, np.dtype(dtype).str)
    out, probs, keep = kernels.attention_forward(q, k, v, bias, 0.35)
    ref_out, ref_probs, _ = kernels.chapter_forward(q, k, v, bias, 0.35)
    assert id(probs) in kernels._blocked and keep is None
    tolerance = 1e-13 if dtype == np.float64 else 1e-6  # sums over fewer (masked) terms: rounding only
    np.testing.assert_allclose(out, ref_out, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(probs, ref_probs, rtol=tolerance, atol=tolerance)
    assert not np.triu(probs, 1).any()  # zeros above the diagonal, as the chapter's softmax gives


NEEDS = [(True, True, True), (False, True, False), (True, False, False), (False, False, True)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("needs", NEEDS)
@pytest.mark.parametrize("targets", [False, True])
def test_backward_in_blocks_equals_the_chapter(needs, targets, dtype, rng):
    length = 100
    q, k, v, grad = _qkv(rng, 2, 3, length, 8, dtype)
    bias = kernels.causal_bias(length, length, np.dtype(dtype).str)
    out, probs, _ = kernels.attention_forward(q, k, v, bias, 0.35)
    grad_out = tuple(np.full(q.shape, np.nan, dtype) if targets and need else None for need in needs)
    got = kernels.attention_backward(grad, q, k, v, out, probs, None, 0.35, (*needs, False), grad_out)
    expected = kernels.chapter_backward(grad, q, k, v, out, probs, None, 0.35, (*needs, False))
    tolerance = 1e-12 if dtype == np.float64 else 2e-5
    for name, need, mine, theirs, target in zip("qkv", needs, got, expected, grad_out):
        if not need:
            assert mine is None, name
            continue
        if target is not None:
            assert mine is target, name  # written into the caller's array
        atol = tolerance * np.abs(theirs).max()
        np.testing.assert_allclose(mine, theirs, rtol=tolerance, atol=atol, err_msg=name)


def test_only_plain_causal_self_attention_goes_in_blocks(rng):
    length = 40
    q, k, v, _ = _qkv(rng, 1, 2, length, 4, np.float64)
    causal = kernels.causal_bias(length, length, "<f8")
    generator = np.random.default_rng(0)
    for args, kwargs in (
        ((q, k, v, causal.copy(), 0.5), {}),  # the same values, but not the cached causal bias
        ((q, k, v, None, 0.5), {}),
        ((q, k, v, causal, 0.5), {"dropout_p": 0.1, "rng": generator}),
        ((q[..., :20, :], k[..., :20, :], v[..., :20, :], kernels.causal_bias(20, 20, "<f8"), 0.5), {}),
        ((q.astype(np.float32), k, v, causal, 0.5), {}),  # mixed dtypes
    ):
        _, probs, _ = kernels.attention_forward(*args, **kwargs)
        assert id(probs) not in kernels._blocked


def test_backward_splits_only_the_probs_forward_computed_in_blocks(rng, monkeypatch):
    length = 70
    q, k, v, grad = _qkv(rng, 1, 2, length, 4, np.float64)
    bias = kernels.causal_bias(length, length, "<f8")
    out, probs, _ = kernels.attention_forward(q, k, v, bias, 0.5)
    calls = []
    chapter = kernels.chapter_backward

    def counted(*args, **kwargs):
        calls.append(args[5].shape)  # probs
        return chapter(*args, **kwargs)

    monkeypatch.setattr(kernels, "chapter_backward", counted)
    kernels.attention_backward(grad, q, k, v, out, probs, None, 0.5, (True, True, True, False))
    assert sorted(shape[-2:] for shape in calls) == [(6, 70), (32, 32), (32, 64)]
    calls.clear()
    kernels.attention_backward(grad, q, k, v, out, probs.copy(), None, 0.5, (True, True, True, False))
    assert [shape[-2:] for shape in calls] == [(70, 70)]


def test_gradients_in_blocks_match_finite_differences(monkeypatch, rng):
    monkeypatch.setattr(kernels, "CAUSAL_BLOCK_ROWS", 2)  # 5 positions: blocks of 2, 2 and 1 rows
    qkv = autograd.tensor(rng.standard_normal((2, 5, 12)), requires_grad=True)
    q, k, v, _ = _qkv(rng, 1, 1, 5, 2, np.float64)
    _, probs, _ = kernels.attention_forward(q, k, v, kernels.causal_bias(5, 5, "<f8"), 1.0)
    assert id(probs) in kernels._blocked  # the blocks of 2 rows do apply to 5 positions
    assert autograd.gradcheck(lambda x: packed_self_attention(x, n_head=2, is_causal=True), [qkv])


def test_packed_attention_trains_the_same_in_blocks_as_in_one(monkeypatch, rng):
    qkv = rng.standard_normal((2, 90, 3 * 16)).astype(np.float32)
    weights = rng.standard_normal((2, 90, 16)).astype(np.float32)
    results = []
    for rows in (32, 10**6):  # three blocks; one block
        monkeypatch.setattr(kernels, "CAUSAL_BLOCK_ROWS", rows)
        x = autograd.tensor(qkv, requires_grad=True)
        out = packed_self_attention(x, n_head=4, is_causal=True)
        (out * autograd.tensor(weights)).sum().backward()
        results.append((out.detach().numpy(), x.grad.numpy()))
    (out_blocks, grad_blocks), (out_one, grad_one) = results
    np.testing.assert_allclose(out_blocks, out_one, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grad_blocks, grad_one, rtol=1e-5, atol=1e-5 * np.abs(grad_one).max())


@pytest.mark.parametrize("chunk_items", [1, 2])
def test_chunks_of_the_batch_give_the_chapter_results(chunk_items, monkeypatch, rng):
    length = 70
    q, k, v, grad = _qkv(rng, 5, 2, length, 4, np.float64)  # 5 sequences: chunks of 1, or 2, 2 and 1
    bias = kernels.causal_bias(length, length, "<f8")
    monkeypatch.setattr(kernels, "CHUNK_BYTES", chunk_items * 2 * length * length * 8)
    assert len(kernels._chunks(5, 2 * length * length * 8)) == (5 if chunk_items == 1 else 3)
    out, probs, _ = kernels.attention_forward(q, k, v, bias, 0.5)
    ref_out, ref_probs, _ = kernels.chapter_forward(q, k, v, bias, 0.5)
    np.testing.assert_allclose(out, ref_out, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(probs, ref_probs, rtol=1e-12, atol=1e-13)
    got = kernels.attention_backward(grad, q, k, v, out, probs, None, 0.5, (True, True, True, False))
    expected = kernels.chapter_backward(grad, q, k, v, out, probs, None, 0.5, (True, True, True, False))
    for name, mine, theirs in zip("qkv", got, expected):
        np.testing.assert_allclose(mine, theirs, rtol=1e-11, atol=1e-12, err_msg=name)


def _causal_scores(rng, rows, dtype=np.float64):
    """``rows`` causal score rows over ``rows`` keys (−inf above the diagonal), for 2 sequences × 3 heads."""
    scores = rng.standard_normal((2, 3, rows, rows)).astype(dtype)
    return scores + kernels.causal_bias(rows, rows, np.dtype(dtype).str)


def test_causal_softmax_shifts_once_per_block_and_equals_the_chapter(rng, monkeypatch):
    scores = _causal_scores(rng, 8)
    scores[1, 2] += 30.0  # rows up to 30 + a few apart: the block's one shift still applies
    expected = kernels.softmax_rows_(scores.copy(), masked=True)
    per_row = []
    monkeypatch.setattr(kernels, "softmax_rows_", lambda s, masked: per_row.append(s) or s)
    got = kernels._causal_softmax_(scores)
    assert got is scores and not per_row  # in place, with no per-row maximum
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-300)
    assert not np.triu(got, 1).any()


@pytest.mark.parametrize("offset", [30.0, 45.0, 1000.0])
def test_causal_softmax_rows_far_below_the_block_max_keep_their_precision(offset, rng, monkeypatch):
    scores = _causal_scores(rng, 8, np.float32)
    scores[0, 0] -= offset  # a sequence whose scores lie far below the rest of the block
    expected = kernels.softmax_rows_(scores.astype(np.float64), masked=True)
    chapter = kernels.softmax_rows_
    per_row = []
    monkeypatch.setattr(kernels, "softmax_rows_", lambda s, masked: per_row.append(1) or chapter(s, masked))
    got = kernels._causal_softmax_(scores)
    assert bool(per_row) == (offset > kernels.SHIFT_MARGIN)  # the chapter's per-row shift when too far
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=0)  # every entry to float32's precision


def test_causal_softmax_at_the_margin_takes_the_block_shift(rng, monkeypatch):
    scores = _causal_scores(rng, 4)
    scores[..., 0] = 0.0
    scores[0, 0, 0, 0] = kernels.SHIFT_MARGIN  # the block's max, exactly the margin above every first score
    per_row = []
    monkeypatch.setattr(kernels, "softmax_rows_", lambda s, masked: per_row.append(1) or s)
    kernels._causal_softmax_(scores)
    assert not per_row


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_nan_or_infinity_stays_in_its_own_rows(bad, rng):
    length = 64  # two blocks of 32 rows
    q, k, v, _ = _qkv(rng, 3, 2, length, 4, np.float32)
    q[1, 0, 40, 2] = bad  # one query of sequence 1, head 0
    bias = kernels.causal_bias(length, length, "<f4")
    with np.errstate(invalid="ignore"):  # inf - inf in that row, in both
        out, probs, _ = kernels.attention_forward(q, k, v, bias, 0.5)
        ref_out, ref_probs, _ = kernels.chapter_forward(q, k, v, bias, 0.5)
    np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-6)  # NaN where the chapter has NaN
    np.testing.assert_allclose(probs, ref_probs, rtol=1e-5, atol=1e-6)
    assert np.isfinite(out[[0, 2]]).all() and np.isfinite(out[1, 1]).all()


def test_a_block_of_only_minus_infinity_gives_the_chapters_zeros():
    scores = np.full((1, 2, 3, 3), -np.inf)
    np.testing.assert_array_equal(kernels._causal_softmax_(scores), np.zeros((1, 2, 3, 3)))


def test_large_scores_are_shifted_before_exp():
    scores = np.zeros((1, 1, 3, 3), np.float32) + kernels.causal_bias(3, 3, "<f4")
    scores[..., 0] = 100.0  # exp(100) overflows float32: the block's shift must come first
    expected = kernels.softmax_rows_(scores.copy(), masked=True)
    np.testing.assert_allclose(kernels._causal_softmax_(scores), expected, rtol=1e-6)


def test_three_dimensional_inputs_go_in_blocks_too(rng):
    length = 70  # (batch, T, D): no heads axis
    q, k, v = (rng.standard_normal((3, length, 5)) for _ in range(3))
    grad = rng.standard_normal((3, length, 5))
    bias = kernels.causal_bias(length, length, "<f8")
    out, probs, _ = kernels.attention_forward(q, k, v, bias, 0.4)
    assert id(probs) in kernels._blocked
    ref_out, ref_probs, _ = kernels.chapter_forward(q, k, v, bias, 0.4)
    np.testing.assert_allclose(out, ref_out, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(probs, ref_probs, rtol=1e-12, atol=1e-13)
    got = kernels.attention_backward(grad, q, k, v, out, probs, None, 0.4, (True, True, True, False))
    expected = kernels.chapter_backward(grad, q, k, v, out, probs, None, 0.4, (True, True, True, False))
    for name, mine, theirs in zip("qkv", got, expected):
        np.testing.assert_allclose(mine, theirs, rtol=1e-11, atol=1e-12, err_msg=name)
