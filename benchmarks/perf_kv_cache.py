"""KV-cached generation against ``GPT.generate`` (module 18): ``python benchmarks/perf_kv_cache.py``.

Milestone 05's GPT (4 blocks, width 128, 4 heads, tanh GELU; random weights —
speed does not depend on them), batch 1, a one-token prompt, 256 new tokens,
greedy, at context (block_size) 64 and 128 — the workload PyTorch's figures in
``../shared/PERF-NOTES.md`` describe (context 64: 558 → 201 ms; 128: 712 →
212 ms). Three ways, alternated in rounds, medians reported:

* ``GPT.generate``: the whole context through the model for every token;
* ``generate_cached(window="exact")``: the same tokens; a re-prefill per
  token once the sequence is longer than the context;
* ``generate_cached(window="halve")``: a re-prefill of half the context
  when the cache is full.

Also: one decoding step against one full forward at a full context.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
from tt_autograd import no_grad
from tt_perf.memoization import forward_cached, generate_cached, new_cache
from tt_text import GPT, GPTConfig


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def bench_context(context: int, tokens: int, rounds: int) -> None:
    """Time the three ways at one context length, and one decoding step against a whole forward."""
    config = GPTConfig(65, context, n_layer=4, n_head=4, n_embd=128, gelu_approximate="tanh")
    model = GPT(config)
    prompt = np.array([[1]])
    ways = {
        "GPT.generate": lambda: model.generate(prompt, tokens, temperature=0),
        "cached, exact": lambda: generate_cached(model, prompt, tokens, temperature=0),
        "cached, halve": lambda: generate_cached(model, prompt, tokens, temperature=0, window="halve"),
    }
    same = (ways["GPT.generate"]().numpy() == ways["cached, exact"]().numpy()).all()
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, way in ways.items():
            times[name].append(timed(way))
    base = statistics.median(times["GPT.generate"])
    cells = [f"{name} {statistics.median(t) * 1e3:.0f} ms" for name, t in times.items()]
    speedups = [f"{base / statistics.median(times[n]):.2f}x" for n in ("cached, exact", "cached, halve")]
    print(f"context {context}: " + ", ".join(cells))
    print(f"  speedup exact / halve: {' / '.join(speedups)}; exact gives the same tokens: {bool(same)}")
    ids = np.random.default_rng(0).integers(0, 65, (1, context))
    model.eval()
    with no_grad():
        full = statistics.median(timed(lambda: model(ids)) for _ in range(10))
        cache = new_cache(model, 1)
        forward_cached(model, ids[:, :-1], cache)
        steps = []
        for _ in range(10):
            steps.append(timed(lambda: forward_cached(model, ids[:, -1:], cache)))
            cache.lengths = [length - 1 for length in cache.lengths]  # decode the same position again
    step = statistics.median(steps)
    print(
        f"  one token at full context: whole forward {full * 1e3:.2f} ms, one cached step "
        f"{step * 1e3:.2f} ms ({full / step:.1f}x); cache {cache.nbytes / 1024:.0f} KiB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and tokens (a smoke run)")
    args = parser.parse_args(argv)
    rounds, tokens = (1, 64) if args.quick else (3, 256)
    print(f"generation of {tokens} tokens, batch 1, greedy; medians of {rounds} rounds\n")
    for context in (64, 128):
        bench_context(context, tokens, rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
