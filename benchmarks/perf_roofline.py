"""Module 14's roofline on this machine: ``python benchmarks/perf_roofline.py [--quick] [--png PATH]``.

1. Measures the machine's roofs with :func:`tt_perf.profiling.measure_peaks`:
   peak float32 GFLOP/s from a 1024³ sgemm, memory bandwidth from a 256 MiB
   array copy (best of 10 each; ``--quick``: 512³ and 64 MiB).
2. Places every layer of two models under them (:func:`roofline`): milestone
   04's CIFAR CNN on a batch of 32 images and a small GPT (2 layers, width
   128) on 8 sequences of 64 tokens — random weights, since only shapes and
   times matter here.
3. Times each layer's forward (:func:`profile`, inclusive time minus its
   timed child layers) and prints the GFLOP/s it reaches beside its roof.
4. Writes the roofline plot (matplotlib, the ``plot`` extra) and a Chrome
   trace of one CNN training step (open it in https://ui.perfetto.dev).

Every figure of chapter 14's roofline section is printed by this script.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
from run import milestone  # benchmarks/run.py: a milestones/ script as a module
from tt_perf.profiling import MachinePeaks, RooflineRow, measure_peaks, profile, roofline
from tt_text import GPT, GPTConfig

ROOT = Path(__file__).resolve().parents[1]


def layer_ms(model, inputs, steps: int) -> dict[str, float]:
    """Forward milliseconds per layer: inclusive time minus that of its timed child layers."""
    report = profile(model, inputs, steps=steps)
    inclusive = {row.name: row.inclusive_ms for row in report.forward}
    own = {}
    for name, ms in inclusive.items():
        children = [n for n in inclusive if n.startswith(name + ".") and "." not in n[len(name) + 1 :]]
        own[name] = ms - sum(inclusive[c] for c in children)
    return own


def show(title: str, rows: list[RooflineRow], ms: dict[str, float], peaks: MachinePeaks) -> list[tuple]:
    print(f"\n{title}")
    head = f"{'layer':24s} {'type':18s} {'MFLOP':>9s} {'KiB':>9s} {'FLOP/B':>7s} {'bound':>8s}"
    print(f"{head} {'roof GF/s':>10s} {'got GF/s':>9s} {'of roof':>8s}")
    points = []
    for row in rows:
        achieved = row.flops / (ms[row.name] * 1e-3) / 1e9 if ms.get(row.name, 0) > 0 else float("nan")
        print(
            f"{row.name[:24]:24s} {row.kind[:18]:18s} {row.flops / 1e6:9.2f} {row.bytes / 1024:9.1f} "
            f"{row.intensity:7.2f} {row.bound:>8s} {row.attainable_gflops:10.1f} {achieved:9.2f} "
            f"{100 * achieved / row.attainable_gflops:7.1f}%"
        )
        points.append((row.intensity, achieved, row.kind))
    compute = sum(r.flops for r in rows if r.bound == "compute") / max(1, sum(r.flops for r in rows))
    print(f"compute-bound layers hold {100 * compute:.1f}% of the FLOPs (ridge {peaks.ridge:.1f} FLOP/B)")
    return points


def plot(points: dict[str, list[tuple]], peaks: MachinePeaks, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing (pip install 'tinytorch[plot]'): no PNG written")
        return
    intensity = np.logspace(-2, 3, 200)
    figure, axes = plt.subplots(figsize=(7, 4.5))
    axes.loglog(intensity, np.minimum(peaks.gflops, intensity * peaks.gbytes_per_s), "k-", label="roof")
    axes.axvline(peaks.ridge, color="gray", linestyle=":", linewidth=1)
    for (title, rows), marker in zip(points.items(), "os"):
        good = [(i, g) for i, g, _ in rows if np.isfinite(g) and g > 0]
        axes.scatter(*zip(*good), marker=marker, alpha=0.7, label=title)
    axes.set_xlabel("arithmetic intensity (FLOP / byte)")
    axes.set_ylabel("GFLOP/s")
    axes.set_title(f"roofline: {peaks.gflops:.0f} GFLOP/s, {peaks.gbytes_per_s:.1f} GB/s")
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    print(f"roofline plot: {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller peak measurements and fewer steps")
    parser.add_argument("--png", type=Path, default=ROOT / "build" / "perf" / "roofline.png")
    parser.add_argument("--trace", type=Path, default=ROOT / "build" / "perf" / "cnn_step_trace.json")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} CPUs, 1-minute load average {os.getloadavg()[0]:.2f}")
    peaks = measure_peaks(512, 64) if args.quick else measure_peaks()
    print(f"peak: {peaks.gflops:.1f} GFLOP/s (sgemm), {peaks.gbytes_per_s:.2f} GB/s (copy); ")
    print(f"ridge: {peaks.ridge:.1f} FLOP/byte")
    steps = 2 if args.quick else 5
    autograd.manual_seed(0)
    cnn = milestone("04_cnn_cifar10").build_cnn(3, 32).eval()
    images = autograd.randn(32, 3, 32, 32)
    gpt = GPT(GPTConfig(vocab_size=256, block_size=64, n_layer=2, n_head=4, n_embd=128)).eval()
    tokens = autograd.randint(0, 256, (8, 64))
    points = {}
    with autograd.no_grad():
        for title, model, x in (
            ("CIFAR CNN, batch 32", cnn, images),
            ("GPT 2x128, 8x64 tokens", gpt, tokens),
        ):
            rows = roofline(model, x, peaks=peaks)
            points[title] = show(title, rows, layer_ms(model, x, steps), peaks)
    plot(points, peaks, args.png)
    cnn.train()
    labels = autograd.randint(0, 10, (32,))
    loss = nn.CrossEntropyLoss()
    report = profile(cnn, images, lambda out: loss(out, labels), steps=1)
    args.trace.parent.mkdir(parents=True, exist_ok=True)
    report.export_chrome_trace(args.trace)
    bare = report.unprofiled_step_ms
    print(f"\none CNN training step: {report.step_ms:.1f} ms profiled ({bare:.1f} ms without)")
    share = 100 * report.self_ms / report.step_ms
    print(f"self times add up to {report.self_ms:.1f} ms = {share:.1f}% of the step (untracked: the rest)")
    print(f"trace: {args.trace} ({len(report.events)} events)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
