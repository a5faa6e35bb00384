"""Milestone 06 — 2018+, MLPerf: trained models made smaller and faster, under a stated budget.

MLPerf (2018) made "how fast, at what accuracy" a measured, audited number.
This milestone takes the two models of Part II and III and makes them cheaper
to run with the tools of Part IV, each step measured and kept only if the
accuracy holds (module 20's ``optimize``):

**A — the CIFAR-10 CNN of milestone 04** (its trained weights from
``build/milestones/04_cnn_cifar10.npz``; without them it is trained here
first with milestone 04's recipe for ``--train-budget`` seconds). Passes:

1. fold each BatchNorm into the convolution before it (module 15's
   ``fuse_conv_bn``): the same function, one layer fewer per block;
2. INT8 weights, one scale per output channel (module 15's
   ``quantize_weights``): a quarter of the bytes.

Budget: at most **1 point** of test accuracy lost (on all 10,000 test
images), at least **3.5× smaller** (bytes of the state dict) and at least
**1.5× faster** (90th-percentile latency of one image, MLPerf's
single-stream metric).

**B — the GPT of milestone 05** (its config; trained weights from
``~/.cache/tinytorch/milestones/05`` when present, else random ones — speed
and token equality do not depend on them): greedy generation, batch 1,
``GPT.generate`` without and with ``use_cache=True`` (module 18's exact KV
cache), twice: ``block_size − 1`` new tokens (the sequence stays within the
context window, where every step after the prompt is one position) and 256
new tokens (past the window, where every step must recompute the whole
shifted window, so the cache saves only the steps before). Budget: **the
same tokens** with and without the cache in both runs, and at least **2×
faster** with the cache within the window.

The verdict passes only if both budgets are met. The script prints each
stage, saves a PNG of the stages and writes its record for the docs.
``--quick`` is a smoke run (a slice of the data, a short training, a tiny
GPT, budgets for size and sameness only).

Run: ``python milestones/06_systems.py`` (about a minute with milestone 04's
weights), or ``--quick``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

import _record  # milestones/_record.py: plotting and the run's record for the docs
import numpy as np
import tt_optim
from tt_perf.capstone import Budget, optimize
from tt_perf.memoization import time_generation
from tt_perf.quantization import fuse_conv_bn, quantize_weights
from tt_text import GPT, GPTConfig
from tt_vision.datasets import DatasetNotFoundError

import tinytorch as tt

FIGURE = "06_systems.png"
HERE = Path(__file__).resolve().parent
GPT_FOLDER = Path("~/.cache/tinytorch/milestones/05").expanduser()


def milestone_04():
    """Milestone 04's script as a module: its data, network, training and evaluation."""
    spec = importlib.util.spec_from_file_location("milestone_04", HERE / "04_cnn_cifar10.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def vision_model(args, m04):
    """The trained CNN, its test set and a one-image example input."""
    train_args = argparse.Namespace(
        quick=args.quick, seed=args.seed, root=args.root, epochs=None, budget=args.train_budget
    )
    _, test_set, name = m04.load_data(train_args)
    image = test_set.get_batch(np.arange(1))[0]
    model = m04.build_cnn(image.shape[1], image.shape[2] if image.shape[2] >= 8 else 8)
    if args.weights.is_file() and not args.quick:
        model.load_state_dict(tt_optim.load(args.weights))
        print(f"the CNN of milestone 04, trained weights from {args.weights}")
    else:
        print(f"no trained weights at {args.weights}: training with milestone 04's recipe first")
        model = m04.train(train_args, time.perf_counter())["model"]
    return model.eval(), test_set, image, name


def part_a(args, m04) -> dict:
    model, test_set, example, name = vision_model(args, m04)

    def accuracy(m):
        value = m04.evaluate(m, test_set)
        m.eval()  # milestone 04's evaluate leaves the model in training mode
        return value

    passes = [("fold batch norm", fuse_conv_bn), ("INT8 weights", quantize_weights)]
    if args.quick:  # a tiny image and a short training: only what does not depend on timing
        budget = Budget(max_accuracy_drop=0.02, min_size_ratio=3.5)
    else:
        budget = Budget(max_accuracy_drop=0.01, min_size_ratio=3.5, min_speedup=1.5)
    report = optimize(model, passes, accuracy, example, budget, repeats=200, stop_when_met=False)
    print(f"\nA — {name} CNN, {len(test_set):,} test images; budget: {budget.describe()}")
    print(report.table())
    for line in report.violations:
        print(f"  not met: {line}")
    return {"report": report, "data": name}


def gpt_model(args) -> tuple[GPT, str]:
    """Milestone 05's GPT: trained if its files are there, else with random weights."""
    weights = GPT_FOLDER / "gpt_char.npz"
    if weights.is_file() and not args.quick:
        config = GPTConfig.from_dict(json.loads((GPT_FOLDER / "gpt_char.config.json").read_text()))
        model = GPT(config)
        model.load_state_dict(tt_optim.load(weights))
        return model, f"trained weights from {weights}"
    if args.quick:
        config = GPTConfig(65, 32, n_layer=2, n_head=2, n_embd=32, gelu_approximate="tanh")
        return GPT(config), "a tiny random GPT (smoke run)"
    config = GPTConfig(65, 128, n_layer=4, n_head=4, n_embd=128, gelu_approximate="tanh")
    return GPT(config), "random weights (milestone 05's config; speed does not depend on the weights)"


def part_b(args) -> dict:
    model, source = gpt_model(args)
    block = model.config.block_size
    prompt = np.array([[0]])
    rounds = 1 if args.quick else 3  # rounds alternate both ways, so drift hits both alike
    within = time_generation(model, prompt, block - 1, rounds)
    past = time_generation(model, prompt, 48 if args.quick else 256, rounds)
    same = within.same_tokens and past.same_tokens
    goal = None if args.quick else 2.0  # the quick run's tiny GPT: sameness only, no timing
    met = same and (goal is None or within.speedup >= goal)
    print(f"\nB — GPT, context {block}, {source}: greedy tokens, batch 1, no cache vs exact KV cache")
    for timing in (within, past):
        print("  " + timing.describe())
    print(
        f"  the cache gives GPT.generate's tokens: {same}; speedup within the window {within.speedup:.2f}x "
        f"(goal {goal or 'none in a quick run'}), past it {past.speedup:.2f}x"
    )
    ms = {
        f"no cache, {within.tokens}": within.ms_no_cache,
        f"cache, {within.tokens}": within.ms_cache,
        f"no cache, {past.tokens}": past.ms_no_cache,
        f"cache, {past.tokens}": past.ms_cache,
    }
    return {
        "ms": ms,
        "same": same,
        "speedup": within.speedup,
        "speedup past window": past.speedup,
        "goal": goal,
        "met": met,
    }


def plot(a: dict, b: dict, path: Path) -> Path | None:
    plt = _record.pyplot()
    if plt is None:
        return None
    report = a["report"]
    stages = [report.start] + [s.measurement for s in report.stages]
    names = [m.name for m in stages]
    figure, axes = plt.subplots(1, 4, figsize=(16, 3.8))
    panels = (
        ("test accuracy (%)", [100 * m.accuracy for m in stages]),
        ("size (KiB)", [m.size_bytes / 1024 for m in stages]),
        ("p90 latency, 1 image (ms)", [m.latency_ms for m in stages]),
    )
    for axis, (title, values) in zip(axes, panels):
        axis.bar(names, values, color=["#888", "#4a7", "#47a"][: len(values)])
        axis.set_title(title)
        axis.tick_params(axis="x", labelrotation=20)
    low = min(panels[0][1])
    axes[0].set_ylim(max(0, low - 5), 100 if low > 95 else low + 5)
    axes[3].bar(list(b["ms"]), list(b["ms"].values()), color=["#888", "#4a7"] * 2)
    axes[3].set_title("GPT generation, no cache vs KV cache (ms)")
    axes[3].tick_params(axis="x", labelrotation=20)
    figure.suptitle("Milestone 06: the same models, smaller and faster")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: a slice of data, a tiny GPT")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--root", type=Path, default=None, help="a folder holding CIFAR-10 (looked in first)")
    parser.add_argument("--weights", type=Path, default=Path("build/milestones/04_cnn_cifar10.npz"))
    parser.add_argument(
        "--train-budget", type=float, default=300.0, help="seconds, if weights must be trained"
    )
    parser.add_argument("--no-plot", action="store_true", help="do not save a figure")
    _record.output_arguments(parser)
    args = parser.parse_args(argv)
    args.out = _record.output_folder(args)
    start = time.perf_counter()
    tt.manual_seed(args.seed)
    try:
        a = part_a(args, milestone_04())
    except DatasetNotFoundError as error:
        print(error)
        print("VERDICT: FAIL — no CIFAR-10 data (see above for where it was looked for and how to get it)")
        return 1
    b = part_b(args)
    wall = time.perf_counter() - start
    report = a["report"]
    final, first = report.final, report.start
    passed = report.met and b["met"]
    verdict = (
        f"VERDICT: {'PASS' if passed else 'FAIL'} — CNN: {first.accuracy:.2%} → {final.accuracy:.2%}, "
        f"{first.size_bytes / final.size_bytes:.2f}x smaller, "
        f"{first.latency_ms / final.latency_ms:.2f}x faster "
        f"({'met' if report.met else 'not met'}); GPT: same tokens {b['same']}, KV cache "
        f"{b['speedup']:.2f}x faster within the context window, {b['speedup past window']:.2f}x past it "
        f"({'met' if b['met'] else 'not met'}); wall time {wall:.0f} s"
    )
    figures = []
    if not args.no_plot and (saved := plot(a, b, args.out / FIGURE)) is not None:
        print(f"figure saved to {saved}")
        figures.append(FIGURE)
    metrics = {
        "data": a["data"],
        "cnn stages": report.to_dict(),
        "gpt generation ms": {k: round(v, 1) for k, v in b["ms"].items()},
        "gpt same tokens": b["same"],
        "gpt kv-cache speedup": round(b["speedup"], 2),
        "gpt kv-cache speedup past window": round(b["speedup past window"], 2),
        "quick": args.quick,
    }
    _record.write(
        "06",
        verdict=verdict,
        passed=passed,
        metrics=metrics,
        figures=figures,
        out_dir=args.out,
        wall_time_s=wall,
    )
    print(verdict)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
