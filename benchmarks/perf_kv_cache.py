"""The KV cache (module 18): GPT.generate without and with use_cache: `python benchmarks/perf_kv_cache.py`.

Milestone 05's GPT shape (4 blocks, width 128, 4 heads, tanh GELU; random
weights — speed does not depend on them), batch 1, greedy, a 16-token
prompt. Every way alternates in rounds (drift in the machine's load hits all
alike); medians are reported.

1. **Within the context window** — the headline: context 256, 240 new tokens
   (the sequence never outgrows ``block_size``, so every step after the
   prompt runs one position through the model), and context 128, 112 new
   tokens. The exact cache must give the tokens of ``GPT.generate()``
   (checked). ``--torch`` adds PyTorch's own speed-up for the same model and
   weights in the same rounds (``benchmarks/torch_gpt_kv.py``: nanoGPT's
   uncached loop against a hand-written preallocated cache), the yardstick of
   issue #15: ours should be at least PyTorch's.
2. **Past the window** (context 128, 256 new tokens): the model sees the last
   ``block_size`` tokens at positions ``0 …``, every position shifts at every
   step, so the exact cache must recompute the whole window from then on.
   The approximate ``cache_window="halve"`` (restart the cache from the last
   half window when it is full) is timed beside it — an approximation, never
   the default and never a headline.
3. **What the approximation costs**: sampled text (temperature 1) generated
   past the window with the exact cache and with ``"halve"`` from the same
   seeds, each scored by the model seeing the whole window
   (:func:`tt_perf.memoization.generated_perplexity`). Meaningful with trained
   weights only: ``--weights`` (milestone 05's ``gpt_char.npz``, its
   ``gpt_char.config.json`` beside it); with random weights the row says so.
4. One decoding step (through the modules, and through the fast path
   ``tt_text.decode.DecodePlan``) against one whole forward pass at a full context.

``--threads`` (default 1) sets the BLAS threads of NumPy (and the size of
tt-tensor's worker pool) and, with
``--torch``, PyTorch's intra-op threads: on the shared 2-core machine two
spinning BLAS threads under load made the uncached loop 40× slower in one run
(a thread that loses its core stalls its partner at every product), which
would inflate the speed-up. ``--quick`` is a smoke run (one round, short
generations, no quality row).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tt_optim
import tt_tensor
from tt_autograd import no_grad
from tt_perf.memoization import KVCache, cache_steps, generated_perplexity
from tt_text import GPT, GPTConfig
from tt_text.decode import DecodePlan

import tinytorch as tt

PROMPT = 16
DEFAULT_WEIGHTS = Path("~/.cache/tinytorch/milestones/05/gpt_char.npz").expanduser()


def gpt(context: int) -> GPT:
    return GPT(GPTConfig(65, context, n_layer=4, n_head=4, n_embd=128, gelu_approximate="tanh"))


def alternate(ways: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median milliseconds of each way, timed in ``rounds`` rounds that run every way once, in turn."""
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, run in ways.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1e3 for name, values in times.items()}


def within_window(context: int, rounds: int, use_torch: bool, new_tokens: int | None = None) -> dict:
    """Row 1: no cache against the exact cache (and PyTorch's two loops) within the context window."""
    model = gpt(context)
    prompt = np.random.default_rng(context).integers(0, 65, (1, PROMPT))
    tokens = new_tokens or context - PROMPT
    ours = {
        "no cache": lambda: model.generate(prompt, tokens, temperature=0).numpy(),
        "exact cache": lambda: model.generate(prompt, tokens, temperature=0, use_cache=True).numpy(),
    }
    if use_torch:
        from torch_gpt_kv import torch_generate, torch_gpt  # opt-in yardstick (imports torch)

        reference = torch_gpt(model)
        ours["torch no cache"] = lambda: torch_generate(reference, prompt, tokens, use_cache=False)
        ours["torch cache"] = lambda: torch_generate(reference, prompt, tokens, use_cache=True)
    outputs = {name: run() for name, run in ours.items()}  # an untimed warm-up; its tokens are compared
    ms = alternate(ours, rounds)
    row = {
        "context": context,
        "new tokens": tokens,
        "ms": ms,
        "speedup": ms["no cache"] / ms["exact cache"],
        "same tokens": bool(np.array_equal(outputs["no cache"], outputs["exact cache"])),
    }
    if use_torch:
        row["torch speedup"] = ms["torch no cache"] / ms["torch cache"]
        row["torch same tokens"] = bool(np.array_equal(outputs["torch no cache"], outputs["torch cache"]))
        row["torch agrees with ours"] = bool(np.array_equal(outputs["torch cache"], outputs["exact cache"]))
    return row


def past_window(context: int, tokens: int, rounds: int) -> dict:
    """Row 2: past the window, the exact cache and the approximate ``"halve"`` one."""
    model = gpt(context)
    prompt = np.random.default_rng(1).integers(0, 65, (1, PROMPT))
    ways = {
        "no cache": lambda: model.generate(prompt, tokens, temperature=0).numpy(),
        "exact cache": lambda: model.generate(prompt, tokens, temperature=0, use_cache=True).numpy(),
        "halve (approximate)": lambda: model.generate(
            prompt, tokens, temperature=0, use_cache=True, cache_window="halve"
        ).numpy(),
    }
    outputs = {name: run() for name, run in ways.items()}
    ms = alternate(ways, rounds)
    return {
        "context": context,
        "new tokens": tokens,
        "ms": ms,
        "steps": cache_steps(PROMPT, tokens, context),
        "exact same tokens": bool(np.array_equal(outputs["no cache"], outputs["exact cache"])),
        "halve same tokens": bool(np.array_equal(outputs["no cache"], outputs["halve (approximate)"])),
    }


def load_trained(path: Path) -> GPT | None:
    config_path = path.with_name(path.name.removesuffix(".npz") + ".config.json")
    if not (path.is_file() and config_path.is_file()):
        return None
    model = GPT(GPTConfig.from_dict(json.loads(config_path.read_text())))
    model.load_state_dict(tt_optim.load(path))
    return model


def halving_cost(model: GPT, trained: bool, seeds: int, tokens: int) -> dict:
    """Row 3: perplexity (whole-window scoring) of sampled text from the exact and the halving cache."""
    prompt = np.random.default_rng(2).integers(0, model.config.vocab_size, (1, PROMPT))
    scores: dict[str, list[float]] = {"exact": [], "halve": []}
    for seed in range(seeds):
        for window in scores:
            ids = model.generate(
                prompt, tokens, temperature=1.0, generator=tt.Generator().manual_seed(seed),
                use_cache=True, cache_window=window,
            )  # fmt: skip
            scores[window].append(generated_perplexity(model, ids, PROMPT))
    exact, halve = (float(np.mean(scores[w])) for w in ("exact", "halve"))
    return {"trained": trained, "seeds": seeds, "tokens": tokens, "exact": exact, "halve": halve,
            "cost": halve / exact - 1}  # fmt: skip


def bench_step(model: GPT, repeats: int) -> str:
    """Row 4: one token at a full context: a whole forward pass against one cached decoding step."""
    context = model.config.block_size
    ids = np.random.default_rng(0).integers(0, 65, (1, context))
    model.eval()
    plan = DecodePlan(model)
    with no_grad():
        whole, step, fast = [], [], []
        cache = KVCache.from_config(model.config, 1)
        for _ in range(repeats):
            start = time.perf_counter()
            model.next_token_logits(ids)
            whole.append(time.perf_counter() - start)
            for way, times in ((lambda: model.next_token_logits(ids[:, -1:], cache), step),
                               (lambda: plan.step(ids[:, -1], cache), fast)):  # fmt: skip
                cache.reset()
                model.next_token_logits(ids[:, :-1], cache)
                start = time.perf_counter()
                way()
                times.append(time.perf_counter() - start)
    full, one, quick = (statistics.median(t) * 1e3 for t in (whole, step, fast))
    return (
        f"  one token at full context {context}: whole forward {full:.2f} ms, one cached step through the "
        f"modules {one:.2f} ms ({full / one:.1f}x), through DecodePlan {quick:.2f} ms ({full / quick:.1f}x); "
        f"cache {cache.nbytes / 1024:.0f} KiB"
    )


def print_within(row: dict) -> None:
    ms = row["ms"]
    line = (
        f"  context {row['context']}, {PROMPT} + {row['new tokens']} tokens: "
        f"no cache {ms['no cache']:.0f} ms, exact cache {ms['exact cache']:.0f} ms ({row['speedup']:.2f}x), "
        f"same tokens: {row['same tokens']}"
    )
    if "torch speedup" in row:
        line += (
            f"\n    PyTorch, same weights, same rounds: no cache {ms['torch no cache']:.0f} ms, "
            f"cache {ms['torch cache']:.0f} ms ({row['torch speedup']:.2f}x), same tokens: "
            f"{row['torch same tokens']}, PyTorch's tokens = ours: {row['torch agrees with ours']}; "
            f"ours/PyTorch's speed-up {row['speedup'] / row['torch speedup']:.2f}"
        )
    print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round, short generations (a smoke run)")
    parser.add_argument("--rounds", type=int, default=3, help="alternated rounds (default 3)")
    parser.add_argument("--torch", action="store_true", help="PyTorch's speed-up beside ours (imports torch)")
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="milestone 05's gpt_char.npz")
    parser.add_argument("--seeds", type=int, default=3, help="sampled generations per way, quality row")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for both (default 1)")
    args = parser.parse_args(argv)
    threads, pool = tt_tensor.get_num_threads(), os.environ.get("TINYTORCH_NUM_THREADS")
    tt_tensor.set_num_threads(args.threads)
    os.environ["TINYTORCH_NUM_THREADS"] = str(args.threads)  # tt-tensor's worker pool, started lazily
    try:  # benchmarks/run.py calls main() in its own process: leave the threads as they were
        return run(args)
    finally:
        tt_tensor.set_num_threads(threads)
        if pool is None:
            os.environ.pop("TINYTORCH_NUM_THREADS", None)
        else:
            os.environ["TINYTORCH_NUM_THREADS"] = pool


def run(args: argparse.Namespace) -> int:
    if args.torch:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import torch  # opt-in yardstick only

        torch.set_num_threads(args.threads)
    rounds = 1 if args.quick else args.rounds
    print(
        f"GPT.generate, greedy, batch 1, {PROMPT}-token prompt, {args.threads} BLAS thread(s); "
        f"medians of {rounds} alternated rounds"
    )
    print("1. within the context window (the exact cache; the headline):")
    rows = [within_window(128, rounds, args.torch, 40 if args.quick else None)]
    if not args.quick:
        rows.insert(0, within_window(256, rounds, args.torch))
    for row in rows:
        print_within(row)
    past = past_window(64 if args.quick else 128, 96 if args.quick else 256, rounds)
    ms, steps = past["ms"], past["steps"]
    print(
        f"2. past the window, context {past['context']}, {PROMPT} + {past['new tokens']} tokens "
        f"({steps['recomputed']} of {past['new tokens'] - 1} steps recompute the window): no cache "
        f"{ms['no cache']:.0f} ms, exact cache {ms['exact cache']:.0f} ms "
        f"({ms['no cache'] / ms['exact cache']:.2f}x, same tokens: {past['exact same tokens']}); "
        f"approximate 'halve' {ms['halve (approximate)']:.0f} ms "
        f"({ms['no cache'] / ms['halve (approximate)']:.2f}x, same tokens: {past['halve same tokens']})"
    )
    if not args.quick:
        trained = load_trained(args.weights)
        model = trained or gpt(128)
        cost = halving_cost(model, trained is not None, args.seeds, 3 * model.config.block_size)
        weights = f"trained weights {args.weights}" if cost["trained"] else "RANDOM weights: not meaningful"
        print(
            f"3. cost of 'halve' ({weights}): {cost['seeds']} sampled generations of {cost['tokens']} tokens "
            f"each way (temperature 1), perplexity scored with the whole window: exact cache "
            f"{cost['exact']:.3f}, halve {cost['halve']:.3f} ({cost['cost']:+.1%})"
        )
    print("4. one step:")
    for context in (128,) if args.quick else (128, 256):
        print(bench_step(gpt(context), 5 if args.quick else 20))
    exact = all(row["same tokens"] for row in rows) and past["exact same tokens"]
    if not exact:
        print("ERROR: the exact cache changed the tokens")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
