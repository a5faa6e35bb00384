"""Timing generation with and without the KV cache, and counting what the cache can save.

``GPT.generate(use_cache=True)`` gives the tokens of ``GPT.generate()``;
what it saves depends on where the sequence is relative to the context
window (``block_size``):

* **within the window** every step after the prefill runs one position
  through the model (``O(C²)`` per layer plus attention over ``t`` cached
  positions) instead of all ``t`` positions;
* **past the window** the model sees the last ``block_size`` tokens at
  positions ``0 …``, every position shifts at every step, and an exact cache
  must recompute the whole window: the same work as without a cache.

:func:`cache_steps` counts the two kinds of steps for a run, so a figure can
say which it measures; :func:`time_generation` measures both ways on the same
model and prompt.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from tt_text import GPT


def cache_steps(prompt_length: int, max_new_tokens: int, block_size: int) -> dict[str, int]:
    """The forward passes of ``GPT.generate(use_cache=True)``, by kind.

    Returns:
        ``{"prefill": 1, "decoded": d, "recomputed": r}``: one prefill of the
        (cropped) prompt, ``d`` steps of one position each, and ``r`` steps
        that recompute the whole ``block_size`` window because the sequence
        is longer than it (``d + r = max_new_tokens − 1``: the last token
        needs no forward pass). No passes at all for ``max_new_tokens = 0``.
    """
    if min(prompt_length, block_size) < 1 or max_new_tokens < 0:
        raise ValueError(
            f"cache_steps: need prompt_length >= 1, block_size >= 1 and max_new_tokens >= 0, got "
            f"{prompt_length}, {block_size} and {max_new_tokens}"
        )
    if max_new_tokens == 0:
        return {"prefill": 0, "decoded": 0, "recomputed": 0}
    steps = max_new_tokens - 1
    decoded = min(steps, block_size - min(prompt_length, block_size))
    return {"prefill": 1, "decoded": decoded, "recomputed": steps - decoded}


@dataclass
class GenerationTiming:
    """Medians of ``GPT.generate`` without and with the KV cache on the same model and prompt."""

    tokens: int
    block_size: int
    prompt_length: int
    ms_no_cache: float
    ms_cache: float
    same_tokens: bool
    rounds: int

    @property
    def speedup(self) -> float:
        return self.ms_no_cache / self.ms_cache

    @property
    def steps(self) -> dict[str, int]:
        return cache_steps(self.prompt_length, self.tokens, self.block_size)

    def describe(self) -> str:
        steps = self.steps
        where = "within the context window" if steps["recomputed"] == 0 else (
            f"past the context window: {steps['recomputed']} of {self.tokens - 1} steps recompute it"
        )  # fmt: skip
        return (
            f"{self.tokens} tokens at context {self.block_size} ({where}): "
            f"no cache {self.ms_no_cache:.0f} ms, cache {self.ms_cache:.0f} ms ({self.speedup:.2f}x), "
            f"same tokens: {self.same_tokens}"
        )


def time_generation(
    model: GPT,
    prompt: object,
    max_new_tokens: int,
    rounds: int = 3,
    timer: Callable[[], float] = time.perf_counter,
) -> GenerationTiming:
    """Time greedy ``model.generate`` without and with ``use_cache``, in alternated rounds.

    One untimed warm-up of each way, whose tokens are compared; then each
    round runs both ways once (so drift in the machine's load hits both
    alike); the medians are reported.

    Args:
        model: a ``tt_text.GPT``.
        prompt: ids ``(B, T)``.
        max_new_tokens: tokens to generate per run.
        rounds: alternated rounds (at least 1).
        timer: seconds, monotonic.

    Cost: ``2 · (rounds + 1)`` generations.
    """
    if rounds < 1:
        raise ValueError(f"time_generation: rounds must be >= 1, got {rounds}")
    prompt = np.asarray(getattr(prompt, "numpy", lambda: prompt)())
    outputs = {  # an untimed warm-up of each way, whose tokens are compared
        use_cache: model.generate(prompt, max_new_tokens, temperature=0, use_cache=use_cache).numpy()
        for use_cache in (False, True)
    }
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(rounds):
        for use_cache in (False, True):
            start = timer()
            model.generate(prompt, max_new_tokens, temperature=0, use_cache=use_cache)
            times[use_cache].append(timer() - start)
    return GenerationTiming(
        tokens=max_new_tokens,
        block_size=model.config.block_size,
        prompt_length=prompt.shape[1],
        ms_no_cache=statistics.median(times[False]) * 1e3,
        ms_cache=statistics.median(times[True]) * 1e3,
        same_tokens=bool(np.array_equal(outputs[False], outputs[True])),
        rounds=rounds,
    )
