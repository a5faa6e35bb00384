"""What an approximate KV cache costs in quality: the perplexity of the tokens it generated.

``GPT.generate(..., use_cache=True, cache_window="halve")`` is faster past the
context window than the exact cache, and generates other tokens. How much
worse are they? Score them with the model itself, seeing what the *exact*
generation would have seen at every position (the last ``block_size``
tokens): the perplexity ``exp(mean NLL)`` of the generated part. Text the
model finds less likely scores higher; the exact cache's own tokens are the
baseline.

Cost: one forward pass of at most ``block_size`` positions per scored token,
batched ``chunk`` windows at a time (only the last position goes through the
output projection).
"""

from __future__ import annotations

import numpy as np
from tt_autograd import no_grad
from tt_text import GPT


def generated_perplexity(model: GPT, ids: object, start: int, chunk: int = 64) -> float:
    """Perplexity under ``model`` of tokens ``ids[:, start:]``, each given the up to ``block_size`` before it.

    Args:
        model: a ``tt_text.GPT``.
        ids: ``(B, L)`` token ids (a prompt and what was generated after it).
        start: the first scored position (the prompt's length), ``1 <= start < L``.
        chunk: windows per forward pass.

    Returns:
        ``exp`` of the mean negative log-likelihood over the ``B·(L − start)`` scored tokens.
    """
    ids = np.asarray(getattr(ids, "numpy", lambda: ids)(), dtype=np.int64)
    if ids.ndim != 2 or not 1 <= start < ids.shape[1]:
        raise ValueError(
            f"generated_perplexity: need ids (B, L) and 1 <= start < L, got shape {ids.shape} "
            f"and start {start}"
        )
    block = model.config.block_size
    was_training = model.training
    model.eval()
    nll = []
    try:
        with no_grad():
            # BEGIN SOLUTION 18
            # TODO: the negative log-likelihood of each generated token given what came before it, with
            #   the full window in view (§ Where it lives, and why): the prefix, or the last block_size ids.
            # HINT: later windows all have length block_size, so they can go through the model as one batch.
            for position in range(start, ids.shape[1]):  # grouped by context length below block_size
                if position >= block:
                    break
                logits = model.next_token_logits(ids[:, :position])
                nll.append(negative_log_likelihood(logits, ids[:, position]))
            first = max(start, block)
            if first < ids.shape[1]:  # every later token sees exactly the block_size before it
                windows = np.lib.stride_tricks.sliding_window_view(ids[:, : ids.shape[1] - 1], block, axis=1)
                windows = windows[:, first - block :]  # (B, L − first, block)
                targets = ids[:, first:]
                flat_windows = windows.reshape(-1, block)
                flat_targets = targets.reshape(-1)
                for lo in range(0, len(flat_windows), chunk):
                    logits = model.next_token_logits(np.ascontiguousarray(flat_windows[lo : lo + chunk]))
                    nll.append(negative_log_likelihood(logits, flat_targets[lo : lo + chunk]))
            # END SOLUTION
    finally:
        model.train(was_training)
    return float(np.exp(np.concatenate(nll).mean()))


def negative_log_likelihood(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """``−log softmax(logits)[target]`` per row of ``(N, V)`` logits, in float64."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=-1))
    return log_norm - shifted[np.arange(len(shifted)), targets]
