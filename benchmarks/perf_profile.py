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
4. The same training step under ``torch.profiler``'s API (``tt_perf.profiling.profiler``,
   what ``tinytorch.profiler`` is): ``schedule(wait=1, warmup=1, active=steps)``, plain and with
   ``record_shapes`` and ``profile_memory``: the mean step time of the active steps against
   the same steps unprofiled, the events per step, and PyTorch's table of the top rows; and what
   recording adds to one tiny operation (plain, with shapes and memory, with stacks).

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
import time
from collections import defaultdict

import tt_autograd as autograd
import tt_nn as nn
from run import milestone  # benchmarks/run.py: a milestones/ script as a module
from tt_perf.profiling import count_flops, count_parameters, profile
from tt_perf.profiling import profiler as torch_profiler
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
    torch_profiler_figures(model, x, y, steps)
    return 0


def torch_profiler_figures(model, x, y, steps: int) -> None:
    """Part 4: ``torch.profiler.profile`` with a schedule around the same training step."""

    def train_step() -> None:
        model.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()

    start = time.perf_counter()
    for _ in range(steps):
        train_step()
    plain = (time.perf_counter() - start) / steps
    print(f"\n## torch.profiler's API, the same step: {1e3 * plain:.1f} ms without a profiler")
    for options in ({}, {"record_shapes": True, "profile_memory": True}):
        cycles = []
        plan = torch_profiler.schedule(wait=1, warmup=1, active=steps, repeat=1)
        with torch_profiler.profile(schedule=plan, on_trace_ready=cycles.append, **options) as prof:
            for _ in range(steps + 2):
                with torch_profiler.record_function("train_step"):
                    train_step()
                prof.step()
        rows = {row.key: row for row in prof.key_averages()}
        step_ms = rows["train_step"].cpu_time / 1e3
        events = len(prof.events()) / steps
        label = ", ".join(options) or "defaults"
        print(
            f"profile({label}): {step_ms:.1f} ms per active step ({step_ms / (1e3 * plain):.2f}x), "
            f"{events:.0f} events per step, {len(cycles)} cycle handed over"
        )
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=8))
    print(f"\nits own cost per operation (best of 5 runs of {TINY_OPS} additions of one-element tensors):")
    for label, seconds in per_op_cost().items():
        print(f"  {label:44s} {1e6 * seconds:6.2f} us per operation")


TINY_OPS = 2000


def per_op_cost() -> dict[str, float]:
    """Seconds per ``a + a`` (one element) unprofiled, and what a recording profiler adds to each."""
    a = autograd.ones(1)

    def run() -> float:
        start = time.perf_counter()
        for _ in range(TINY_OPS):
            a + a
        return (time.perf_counter() - start) / TINY_OPS

    settings = {"unprofiled": None, "profile()": {}, "profile(record_shapes, profile_memory)": None}
    settings["profile(record_shapes, profile_memory)"] = {"record_shapes": True, "profile_memory": True}
    settings["profile(with_stack)"] = {"with_stack": True}  # export_stacks' stacks: a walk up the frames
    best = {label: math.inf for label in settings}
    for _ in range(5):  # interleaved, so that a load change hits every setting alike
        for label, options in settings.items():
            if options is None:
                best[label] = min(best[label], run())
                continue
            with torch_profiler.profile(**options):
                best[label] = min(best[label], run())
    base = best.pop("unprofiled")
    return {"unprofiled": base, **{f"{label}: added": value - base for label, value in best.items()}}


if __name__ == "__main__":
    sys.exit(main())
