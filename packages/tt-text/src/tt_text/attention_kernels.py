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
    total = scores.sum(axis=-1, keepdims=True)
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


# Tuning, not part of the chapter: attention's GEMMs are many small batched products, which a
# second BLAS thread does not speed up and a busy machine can stall; both passes run on one
# thread (``tt_tensor.threads``), whatever the process-wide count.
attention_forward = one_blas_thread()(attention_forward)
attention_backward = one_blas_thread()(attention_backward)
