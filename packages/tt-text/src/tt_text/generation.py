"""Sampling the next token from a language model's logits: temperature, top-k, top-p.

A model gives a score (logit) per vocabulary entry; sampling turns them into
one choice:

* **temperature** divides the logits: below 1 sharpens the distribution
  (more predictable text), above 1 flattens it; 0 means always the most
  likely token (greedy).
* **top-k** keeps only the ``k`` highest-scoring tokens.
* **top-p** (nucleus) keeps the smallest set of top tokens whose
  probabilities add up to at least ``p``.

Then one token is drawn from the softmax of what is left. Draws come from a
:class:`tt_tensor.Generator` (or the default one behind ``manual_seed``), so
a seeded generation is reproducible.
"""

from __future__ import annotations

import numpy as np
import tt_tensor


def check_sampling(temperature: float, top_k: int | None, top_p: float | None) -> None:
    """Clear errors for sampling settings outside their ranges."""
    # BEGIN SOLUTION 13
    # TODO: clear ValueErrors for temperature < 0, top_k < 1 and top_p outside (0, 1], each naming the value
    #   (§ How it is built, "Generation").
    if temperature < 0:
        raise ValueError(f"generate: temperature must be >= 0 (0 means greedy), got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"generate: top_k must be a positive int or None, got {top_k}")
    if top_p is not None and not 0.0 < top_p <= 1.0:
        raise ValueError(f"generate: top_p must be in (0, 1] or None, got {top_p}")
    # END SOLUTION


def filter_logits(logits: np.ndarray, top_k: int | None = None, top_p: float | None = None) -> np.ndarray:
    """``(B, V)`` logits with every token outside the top-k / top-p set at −inf (a new array)."""
    # BEGIN SOLUTION 13
    # TODO: (B, V) logits with every token outside the top-k and the top-p (nucleus) set at -inf, as a new
    #   array (§ How it is built, "Generation").
    # APPROACH: top-k: np.partition finds each row's k-th largest, drop what is below it; top-p: sort
    #   descending, softmax, drop a token when the mass ranked above it already reaches top_p.
    # HINT: the most likely token always stays; put the filtered values back in the original order.
    logits = np.array(logits, dtype=np.float64)
    vocab = logits.shape[-1]
    if top_k is not None and top_k < vocab:
        kth = np.partition(logits, vocab - top_k, axis=-1)[:, vocab - top_k, None]
        logits[logits < kth] = -np.inf
    if top_p is not None and top_p < 1.0:
        order = np.argsort(-logits, axis=-1, kind="stable")
        ranked = np.take_along_axis(logits, order, axis=-1)
        probs = np.exp(ranked - ranked[:, :1])
        probs /= probs.sum(axis=-1, keepdims=True)
        before = np.cumsum(probs, axis=-1) - probs  # probability mass ranked above each token
        drop = before >= top_p  # the first token always stays (its mass above is 0)
        ranked[drop] = -np.inf
        np.put_along_axis(logits, order, ranked, axis=-1)
    return logits
    # END SOLUTION


def sample_next(
    logits: np.ndarray,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: tt_tensor.Generator | None = None,
) -> np.ndarray:
    """One token id per row of ``(B, V)`` logits, as an int64 array ``(B,)``."""
    check_sampling(temperature, top_k, top_p)
    # BEGIN SOLUTION 13
    # TODO: one id per row of (B, V) logits: argmax at temperature 0, else sample softmax(logits / T) after
    #   filter_logits, from the given generator (§ How it is built, "Generation").
    # HINT: inverse CDF without a loop: draw u * total per row, count the cumulative masses <= it.
    if temperature == 0:
        return np.argmax(logits, axis=-1).astype(np.int64)
    scaled = filter_logits(np.asarray(logits, dtype=np.float64) / temperature, top_k, top_p)
    probs = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    cumulative = np.cumsum(probs, axis=-1)
    draws = tt_tensor.numpy_generator(generator).random((len(probs), 1)) * cumulative[:, -1:]
    choice = (cumulative <= draws).sum(axis=-1)  # first index whose cumulative mass exceeds the draw
    return np.minimum(choice, probs.shape[-1] - 1).astype(np.int64)
    # END SOLUTION
