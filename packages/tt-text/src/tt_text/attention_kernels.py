"""Scaled dot-product attention on NumPy arrays: one forward and one backward for every caller.

For queries ``q (…, L, E)``, keys ``k (…, S, E)`` and values ``v (…, S, Ev)``::

    scores = (q * scale) @ kᵀ + bias          (…, L, S)
    probs  = softmax(scores)                  each row sums to 1
    out    = dropout(probs) @ v               (…, L, Ev)

Every leading dimension (batch, heads) is a batch of the same GEMMs, so one
``np.matmul`` call covers all of them. The softmax runs in place on the
score array (max, subtract, exp, sum, scale: no temporaries of size L×S
beyond the scores themselves).

Backward, with ``g = dL/dout``, is four more batched GEMMs and one fused
softmax step::

    dv     = dropout(probs)ᵀ @ g
    dprobs = (g @ vᵀ) ⊙ dropout mask
    dscore = probs ⊙ (dprobs − rowsum(dprobs ⊙ probs))
    dq     = (dscore @ k) · scale,   dk = dscoreᵀ @ (q · scale)

The row sum ``rowsum(dprobs ⊙ probs)`` equals ``rowsum(g ⊙ out)`` (because
``out = dropout(probs) @ v``), an (L, Ev) product instead of an (L, S) one —
the trick FlashAttention uses.

Masks become an additive ``bias``: 0 where a position takes part, −inf where
it does not. A row with every position masked would be 0/0; as in PyTorch,
such rows give output 0 and gradient 0 instead of NaN.
"""

from __future__ import annotations

import weakref
from functools import lru_cache

import numpy as np
from tt_tensor.threads import one_blas_thread


@lru_cache(maxsize=32)
def causal_bias(length: int, source_length: int, dtype: str) -> np.ndarray:
    """``(L, S)`` bias: 0 on and below the diagonal (top-left aligned, as PyTorch), −inf above."""
    allowed = np.tri(length, source_length, dtype=bool)
    bias = np.where(allowed, 0, -np.inf).astype(dtype)
    bias.flags.writeable = False
    return bias


def mask_to_bias(mask: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A boolean mask (True = take part) as an additive bias; a float mask is returned as it is."""
    if mask.dtype == np.bool_:
        return np.where(mask, dtype.type(0), dtype.type(-np.inf))
    return mask.astype(dtype, copy=False)


def softmax_rows_(scores: np.ndarray, masked: bool) -> np.ndarray:
    """Softmax over the last axis, in place. With ``masked``, rows of all −inf become 0."""
    # BEGIN SOLUTION 12
    # TODO: softmax over the last axis in place; with masked, a row of all -inf becomes 0, not NaN
    #   (§ How it is built, "Fully masked rows").
    # HINT: the row max of such a row is -inf: shift it by 0 instead, and divide its zero sum by 1.
    top = scores.max(axis=-1, keepdims=True)
    if masked:
        top[np.isneginf(top)] = 0  # a fully masked row: exp(-inf - 0) = 0 everywhere
    scores -= top
    np.exp(scores, out=scores)
    total = np.einsum("...j->...", scores)[..., None]  # the row sums (~3x faster than .sum on short rows)
    if masked:
        total[total == 0] = 1
    np.reciprocal(total, out=total)
    scores *= total
    return scores
    # END SOLUTION


def attention_forward(q, k, v, bias, scale, dropout_p=0.0, rng=None, out=None):
    """Forward pass; returns ``(out, probs, keep)`` (``keep``: the scaled dropout mask or None).

    ``out`` may be a preallocated array (any strides) to write the result into.
    """
    # BEGIN SOLUTION 12
    # TODO: out = softmax(q k^T * scale + bias) v, with dropout on the probabilities (§ How it is built,
    #   "One fused Function"); return (out, probs, keep) for backward.
    # HINT: scale q before the matmul (a (T, D) multiply, not (T,
    #   T)); add the bias in place when it broadcasts.
    scores = np.matmul(q * q.dtype.type(scale), np.swapaxes(k, -1, -2))
    if bias is not None:
        if np.broadcast_shapes(bias.shape, scores.shape) == scores.shape:
            scores += bias
        else:
            scores = scores + bias
    probs = softmax_rows_(scores, masked=bias is not None)
    keep = None
    weights = probs
    if dropout_p > 0.0:
        keep = (rng.random(probs.shape, dtype=np.float32) >= dropout_p).astype(probs.dtype)
        keep *= probs.dtype.type(1.0 / (1.0 - dropout_p))
        weights = probs * keep
    out = np.matmul(weights, v, out=out)
    return out, probs, keep
    # END SOLUTION


def attention_backward(grad, q, k, v, out, probs, keep, scale, needs, grad_out=(None, None, None)):
    """Gradients ``(dq, dk, dv, dscores)`` for the inputs flagged in ``needs`` (4 bools).

    ``dscores`` (the gradient of the pre-softmax scores, i.e. of an additive
    float mask) is returned unreduced. ``grad_out`` may hold preallocated
    arrays for dq, dk and dv.
    """
    # BEGIN SOLUTION 12
    # TODO: dv = P^T g, dP = g v^T, dS = P * (dP - rowsum(dP * P)), dq = dS k * scale, dk = dS^T q * scale
    #   (§ How it is built, "One fused Function"); only the ones flagged in needs.
    # HINT: rowsum(dP * P) equals rowsum(g * out): cheaper (T x D, not T x T); with dropout, dP *= keep.
    need_q, need_k, need_v, need_scores = needs
    scale = q.dtype.type(scale)
    dq = dk = dv = None
    if need_v:
        weights = probs if keep is None else probs * keep
        dv = np.matmul(np.swapaxes(weights, -1, -2), grad, out=grad_out[2])
    if not (need_q or need_k or need_scores):
        return dq, dk, dv, None
    dscores = np.matmul(grad, np.swapaxes(v, -1, -2))
    if keep is not None:
        dscores *= keep
    dscores -= np.einsum("...i,...i->...", grad, out)[..., None]
    dscores *= probs
    if need_q:
        dq = np.matmul(dscores, k, out=grad_out[0])
        dq *= scale
    if need_k:
        dk = np.matmul(np.swapaxes(dscores, -1, -2), q, out=grad_out[1])
        dk *= scale
    return dq, dk, dv, dscores if need_scores else None
    # END SOLUTION


# --- Tuning, not part of the chapter ---------------------------------------------------------------
#
# Causal attention in blocks of query rows. Row i of a causal score matrix uses keys 0 … i only,
# so the rows of block [s, e) need keys [0, e) alone: with two blocks the GEMMs, the softmax and
# the backward pass cover 3/4 of the L × L scores, with four 5/8 (what the mask discards is never
# computed). Forward still returns the whole (…, L, L) ``probs``, zeros above the diagonal, so
# every caller sees the chapter's result (each block's probabilities are copied into it: one
# write of the kept 5/8); it remembers which arrays it computed this way and in which blocks,
# and backward splits only those (the parts it skips are exact zeros). Backward runs the chapter
# on each block of query rows for dq and the block's dscores, then takes dk and dv by blocks of
# keys: keys [a, b) are seen by query rows a … L−1 only, so each key block is one GEMM over those
# rows, written straight into its slice of dk or dv.
#
# Two layout choices make the GEMMs run at full speed. NumPy hands ``x @ yᵀ`` for a transposed
# view ``yᵀ`` to BLAS as a transposed operand, and for these small matrices (32 × 32 by 32 × 128
# per head) OpenBLAS runs that at half the speed of a plain product (measured on this machine:
# ~50 vs ~105 GFLOP/s). So forward's ``q kᵀ`` takes a contiguous copy of kᵀ, and the chapter's
# ``g vᵀ`` (backward) gets values as a transposed view of a contiguous copy of vᵀ: inside the
# chapter, transposing it back gives the contiguous array, and the product is a plain one. Both
# passes run on one BLAS thread (``tt_tensor.threads``): attention's GEMMs are many small batched
# products, which a second thread does not speed up and a busy machine can stall.

#: Query rows per block of causal attention; a sequence of at most this many is one block.
CAUSAL_BLOCK_ROWS = 32

#: Score bytes per chunk of the batch: the blocks of ~8 of milestone 05's sequences (4 heads, T = 128,
#: float32) at a time, so what one block's passes write is still in cache for the next.
CHUNK_BYTES = 2 << 20

#: id(probs) → (a weak reference to probs, its row blocks), for the probs forward computed in blocks.
_blocked: dict[int, tuple[weakref.ref, list[tuple[int, int]]]] = {}


def _row_blocks(q, k, v, bias, dropout_p) -> list[tuple[int, int]] | None:
    """The query-row blocks ``[(s, e), …]`` of a plain causal self-attention, else None (one block).

    Plain: the cached causal bias of a square L × L attention, one dtype, no broadcast
    leading axes, no dropout.
    """
    length = q.shape[-2]
    if dropout_p > 0.0 or bias is None or length <= CAUSAL_BLOCK_ROWS or q.ndim < 3:
        return None
    if not (k.shape[-2] == v.shape[-2] == length and q.shape[:-2] == k.shape[:-2] == v.shape[:-2]):
        return None
    if not q.dtype == k.dtype == v.dtype == bias.dtype:
        return None
    if bias is not causal_bias(length, length, q.dtype.str):
        return None
    return [(s, min(length, s + CAUSAL_BLOCK_ROWS)) for s in range(0, length, CAUSAL_BLOCK_ROWS)]


def _transposed_copy(x: np.ndarray) -> np.ndarray:
    """``x`` (…, S, E) as a view of a contiguous copy of xᵀ (same values; its ``swapaxes`` is contiguous)."""
    return np.swapaxes(np.ascontiguousarray(np.swapaxes(x, -1, -2)), -1, -2)


def _chunks(batch: int, per_item: int) -> list[slice]:
    """Slices of the first axis (``batch`` items of ``per_item`` score bytes) of about :data:`CHUNK_BYTES`."""
    size = max(1, CHUNK_BYTES // max(1, per_item))
    return [slice(i, min(batch, i + size)) for i in range(0, batch, size)]


#: How far below a block's largest score a row's first score may lie for :func:`_causal_softmax_` to
#: shift the whole block by that one maximum (see there).
SHIFT_MARGIN = 40.0


def _causal_softmax_(scores: np.ndarray) -> np.ndarray:
    """The chapter's :func:`softmax_rows_` of a block of causal score rows, in place, shifted once per block.

    Softmax is the same whatever is subtracted from a row first; the chapter subtracts each row's
    maximum, and NumPy's maximum along short rows costs ~80 ns a row (1,024 rows of 32 scores: 84 µs,
    where their sum takes 5). Here every row is shifted by the block's largest score ``M`` (one
    reduction over the block) when that is as exact: each causal row's maximum is at least its
    first score (key 0 is open to every row), so when every first score is within
    :data:`SHIFT_MARGIN` of ``M``, each row's largest term ``exp(max - M)`` is at least e^-40, a
    normal number, and the only terms that flush to zero lie below e^-47 of their row's largest,
    far under the sum's rounding. Otherwise (rows far apart, or a NaN or infinity in the block) it
    is the chapter's per-row shift.
    """
    top = scores.max()
    if not (np.isfinite(top) and (scores[..., 0] >= top - SHIFT_MARGIN).all()):
        return softmax_rows_(scores, masked=True)
    scores -= top
    np.exp(scores, out=scores)
    total = np.einsum("...j->...", scores)[..., None]
    np.reciprocal(total, out=total)
    scores *= total
    return scores


def _forward_in_blocks(q, k, v, bias, scale, dropout_p=0.0, rng=None, out=None):
    """:func:`attention_forward`, causal attention computed block by block (same arguments and results)."""
    blocks = _row_blocks(q, k, v, bias, dropout_p)
    if blocks is None:
        return chapter_forward(q, k, v, bias, scale, dropout_p, rng, out)
    length = q.shape[-2]
    if out is None:
        out = np.empty(q.shape[:-1] + v.shape[-1:], q.dtype)
    probs = np.empty(q.shape[:-1] + (length,), q.dtype)
    for c in _chunks(len(q), probs[0].nbytes):
        keys_t = np.ascontiguousarray(np.swapaxes(k[c], -1, -2))  # q kᵀ as a plain product
        scaled = q[c] * q.dtype.type(scale)
        for s, e in blocks:
            scores = np.matmul(scaled[..., s:e, :], keys_t[..., :e])
            scores[..., s:e] += bias[s:e, s:e]  # the keys before s are open to every row of the block
            _causal_softmax_(scores)
            np.matmul(scores, v[c, ..., :e, :], out=out[c, ..., s:e, :])
            probs[c, ..., s:e, :e] = scores
            probs[c, ..., s:e, e:] = 0
    key = id(probs)
    _blocked[key] = (weakref.ref(probs, lambda _: _blocked.pop(key, None)), blocks)
    return out, probs, None


def _backward_in_blocks(grad, q, k, v, out, probs, keep, scale, needs, grad_out=(None, None, None)):
    """:func:`attention_backward`, block by block for the probs :func:`_forward_in_blocks` made so."""
    known, blocks = _blocked.get(id(probs), (None, None))
    if known is None or known() is not probs or needs[3]:
        return chapter_backward(grad, q, k, v, out, probs, keep, scale, needs, grad_out)
    need_q, need_k, need_v, _ = needs
    dq, dk, dv = (np.empty(q.shape, q.dtype) if need and target is None else target if need else None
                  for target, need in zip(grad_out, (need_q, need_k, need_v)))  # fmt: skip
    for c in _chunks(len(q), probs[0].nbytes):
        targets = (None if target is None else target[c] for target in (dq, dk, dv))
        _causal_backward(grad[c], q[c], k[c], v[c], out[c], probs[c], scale, blocks, *targets)
    return dq, dk, dv, None


def _causal_backward(grad, q, k, v, out, probs, scale, blocks, dq, dk, dv) -> None:
    """One chunk of :func:`_backward_in_blocks`: writes the gradients asked for (not None) in place."""
    dscores = np.empty_like(probs) if dk is not None else None  # written and read in the causal blocks only
    if dq is not None or dk is not None:
        values = _transposed_copy(v)  # the chapter's g vᵀ becomes a plain product
        for s, e in blocks:
            _, _, _, part = chapter_backward(
                grad[..., s:e, :], q[..., s:e, :], k[..., :e, :], values[..., :e, :], out[..., s:e, :],
                probs[..., s:e, :e], None, scale, (dq is not None, False, False, True),
                grad_out=(None if dq is None else dq[..., s:e, :], None, None),
            )  # fmt: skip
            if dk is not None:
                dscores[..., s:e, :e] = part
    scaled_q = q * q.dtype.type(scale) if dk is not None else None
    for a, b in blocks:  # dv = probsᵀ g and dk = dscoresᵀ (q · scale), over the rows that see keys [a, b)
        if dv is not None:
            np.matmul(np.swapaxes(probs[..., a:, a:b], -1, -2), grad[..., a:, :], out=dv[..., a:b, :])
        if dk is not None:
            np.matmul(np.swapaxes(dscores[..., a:, a:b], -1, -2), scaled_q[..., a:, :], out=dk[..., a:b, :])


#: The chapter's kernels as written (whole L × S, any caller's BLAS threads), before the tuning wraps them.
chapter_forward, chapter_backward = attention_forward, attention_backward
attention_forward = one_blas_thread()(_forward_in_blocks)
attention_backward = one_blas_thread()(_backward_in_blocks)
