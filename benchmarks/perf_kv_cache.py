"""The KV cache (module 18): GPT.generate without and with use_cache: `python benchmarks/perf_kv_cache.py`.

Milestone 05's GPT (4 blocks, width 128, 4 heads, tanh GELU; random weights —
speed does not depend on them), batch 1, a one-token prompt, greedy. The
cache is exact: the tokens are checked to be the same, and there is no
approximate mode. Both ways alternate in rounds (drift hits both alike);
medians are reported.

Where the sequence stands against the context window (``block_size``)
decides what the cache can save, so every figure says which case it is:

* **within the window** (the sequence never outgrows ``block_size``) every
  step after the prompt runs one position through the model;
* **past the window** the model sees the last ``block_size`` tokens at
  positions ``0 …``: every position shifts at every step, so an exact cache
  must recompute the whole window, as generation without a cache does.

Rows: 256 new tokens at context 64 and 128 (past the window — the workload of
PyTorch's figures in ``../shared/PERF-NOTES.md``: 64: 558 → 201 ms, 128:
712 → 212 ms, whose cache is not exact past the window), ``block_size − 1``
new tokens at context 64 and 128 (within), and 256 new tokens at context 256
(within). Then one decoding step against one whole forward pass at a full context.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
from tt_autograd import no_grad
from tt_perf.memoization import KVCache, time_generation
from tt_text import GPT, GPTConfig


def gpt(context: int) -> GPT:
    return GPT(GPTConfig(65, context, n_layer=4, n_head=4, n_embd=128, gelu_approximate="tanh"))


def bench_step(model: GPT, repeats: int) -> str:
    """One token at a full context: a whole forward pass against one cached decoding step."""
    context = model.config.block_size
    ids = np.random.default_rng(0).integers(0, 65, (1, context))
    model.eval()
    with no_grad():
        whole, step = [], []
        cache = KVCache.from_config(model.config, 1)
        for _ in range(repeats):
            start = time.perf_counter()
            model.next_token_logits(ids)
            whole.append(time.perf_counter() - start)
            cache.reset()
            model.next_token_logits(ids[:, :-1], cache)
            start = time.perf_counter()
            model.next_token_logits(ids[:, -1:], cache)
            step.append(time.perf_counter() - start)
    full, one = statistics.median(whole) * 1e3, statistics.median(step) * 1e3
    return (
        f"  one token at full context {context}: whole forward {full:.2f} ms, one cached step {one:.2f} ms "
        f"({full / one:.1f}x); cache {cache.nbytes / 1024:.0f} KiB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round, fewer tokens (a smoke run)")
    parser.add_argument("--rounds", type=int, default=3, help="alternated rounds (default 3)")
    args = parser.parse_args(argv)
    rounds, tokens = (1, 64) if args.quick else (args.rounds, 256)
    prompt = np.array([[1]])
    print(f"GPT.generate, no cache vs use_cache=True (exact); batch 1, greedy; medians of {rounds} rounds")
    runs = [(64, tokens), (64, 63), (128, tokens), (128, 127)]
    if not args.quick:
        runs.append((256, 256))
    models: dict[int, GPT] = {}
    for context, new_tokens in runs:
        model = models.setdefault(context, gpt(context))
        timing = time_generation(model, prompt, new_tokens, rounds)
        print("  " + timing.describe())
        if not timing.same_tokens:
            print("  ERROR: the cache changed the tokens")
            return 1
    for model in models.values():
        print(bench_step(model, 5 if args.quick else 20))
    return 0


if __name__ == "__main__":
    sys.exit(main())
