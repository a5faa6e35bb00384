"""Module 14's profile of milestone 04's CNN: ``python benchmarks/perf_profile.py [--quick]``.

1. One training step of milestone 04's CNN (three conv–BN–ReLU–pool blocks,
   linear) at batch 128 — forward, cross-entropy, backward — under
   :func:`tt_perf.profiling.profile`: milliseconds per layer and per
   operation, self (exclusive) and inclusive, averaged over ``--steps``
   profiled steps, and the same steps' time without the profiler.
2. The same folded per layer type: forward (the layer's inclusive time:
   itself and its operations) and backward (its operations' backward).
3. :func:`count_flops` of the reference small CNN (``benchmarks/vision.py``'s
   ``small_cnn``, the network PERF-NOTES counts at 20.7 MFLOP per image in its
   matmuls) and of milestone 04's CNN, per image.

Random weights (seeded): only the shapes matter for time and FLOPs. Prints
the load average, since the timings are only as quiet as the machine.
Chapter 14's per-layer table and BENCHMARKS.md's profile figures are this
script's output.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections import defaultdict

import tt_autograd as autograd
import tt_nn as nn
from run import milestone  # benchmarks/run.py: a milestones/ script as a module
from tt_perf.profiling import count_flops, count_parameters, profile
from vision import small_cnn  # benchmarks/vision.py: the reference CNN

#: Layer types of the table, and what the rest (the loss, Flatten's view) is filed under.
ORDER = ("Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Linear")
OTHER = "other (loss, flatten)"


def per_kind(report) -> dict[str, tuple[float, float, float]]:
    """Layer type → (forward self ms of its layers, forward inclusive ms, backward ms), per step.

    ``by_kind()`` joins a layer type with its operations (``Conv2d`` + ``Conv2dFunction``):
    layer self + operations' forward (together: the layers' inclusive time) + their backward.
    The last row is everything else: the loss, ``Flatten``'s view, anything unjoined.
    """
    self_ms: dict[str, float] = defaultdict(float)
    inclusive: dict[str, float] = defaultdict(float)
    for row in report.forward:
        self_ms[row.kind] += row.ms
        inclusive[row.kind] += row.inclusive_ms
    joined = report.by_kind()
    rows = {
        kind: (self_ms[kind], inclusive[kind], joined[kind] - inclusive[kind])
        for kind in ORDER
        if kind in joined
    }
    forward_all = sum(row.ms for row in (*report.forward, *report.ops))
    backward_all = sum(row.ms for row in report.backward)
    rows[OTHER] = (
        sum(ms for kind, ms in self_ms.items() if kind not in ORDER),
        forward_all - sum(r[1] for r in rows.values()),
        backward_all - sum(r[2] for r in rows.values()),
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="batch 32 and 2 steps (a smoke run)")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=5, help="profiled steps to average")
    args = parser.parse_args(argv)
    batch, steps = (32, 2) if args.quick else (args.batch, args.steps)
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} cores (above 1: a loaded machine, timings depressed)")

    autograd.manual_seed(0)
    model = milestone("04_cnn_cifar10").build_cnn(3, 32)
    x, y = autograd.randn(batch, 3, 32, 32), autograd.randint(0, 10, (batch,))
    model(x)  # one warm-up forward outside the profile (first-call allocations)
    report = profile(model, x, lambda out: nn.functional.cross_entropy(out, y), steps=steps)
    print(f"\n## milestone 04's CNN ({count_parameters(model):,} parameters), batch {batch}, {steps} steps")
    print(report.table())
    print(
        f"\nself times add up to {report.self_ms:.1f} ms of the {report.step_ms:.1f} ms profiled step "
        f"({100 * report.self_ms / report.step_ms:.1f}%); {report.unprofiled_step_ms:.1f} ms without "
        "the profiler"
    )
    print(f"\n{'per layer type':28s} {'fwd self ms':>11s} {'fwd incl. ms':>12s} {'bwd ms':>8s}")
    kinds = per_kind(report)
    for kind in (*ORDER, OTHER):
        if kind in kinds:
            forward_self, forward_all, backward = kinds[kind]
            print(f"{kind:28s} {forward_self:11.2f} {forward_all:12.2f} {backward:8.2f}")

    print("\n## count_flops, per image")
    for name, network in (
        ("reference small CNN (vision.small_cnn)", small_cnn()),
        ("milestone 04's CNN", model),
    ):
        flops = count_flops(network, autograd.zeros(1, 3, 32, 32))
        modules = dict(network.named_modules())
        matmuls = 0  # the multiply-adds of Conv2d and Linear, without their bias adds
        for row in flops.rows:
            if row.kind in ("Conv2d", "Linear"):
                has_bias = getattr(modules[row.name], "bias", None) is not None
                matmuls += row.flops - (math.prod(row.output_shape) if has_bias else 0)
        print(
            f"{name:40s} {flops.total_flops / 1e6:6.2f} MFLOP in all, {matmuls / 1e6:6.2f} in the matmuls "
            f"of Conv2d and Linear; not counted: {flops.not_counted or 'nothing'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
