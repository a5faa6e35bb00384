"""The acceleration module's measurements (module 17): ``python benchmarks/perf_acceleration.py``.

Every comparison alternates its two sides in rounds and reports medians, so
the load of this shared machine hits both alike; ratios are what to read.

1. the matmul ladder in GFLOP/s, each rung at a size it finishes in seconds;
2. fused kernels against their composition from tt-nn, forward + backward:
   ``fused_linear_gelu`` (a GPT MLP input layer: 4,096 positions, 128 → 512)
   and ``fused_bias_dropout_residual`` (a GPT residual, 32 × 128 × 128);
3. layout: 2×2 max-pool, 3×3 im2col and per-channel sums of a ``128×32×32×32``
   batch stored NCHW or NHWC, and tt-vision's ``max_pool2d`` fed either;
4. allocation: a loop with a 64 MB temporary, fresh against a ``Workspace``
   buffer; milestone 04's CNN training step in fresh processes without and
   with ``set_allocator_policy()``: page faults (``ru_minflt``), wall and CPU time per step.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
from numpy.lib.stride_tricks import sliding_window_view
from timing import median_time, paired_median  # benchmarks/timing.py: warm-up, medians, alternated rounds
from tt_perf.acceleration import (
    Workspace,
    fused_bias_dropout_residual,
    fused_linear_gelu,
    gflops,
    matmul_blocked,
    matmul_loops,
    matmul_rows,
    to_channels_last,
)
from tt_vision import functional

F = nn.functional
ROOT = Path(__file__).resolve().parents[1]

STEP = """
import resource, sys, time
sys.path.insert(0, "milestones")
import importlib.util
import tinytorch as tt, tt_nn as nn, tt_optim as optim
from tt_perf.acceleration import set_allocator_policy
if {policy}:
    assert set_allocator_policy()
spec = importlib.util.spec_from_file_location("m04", "milestones/04_cnn_cifar10.py")
m04 = importlib.util.module_from_spec(spec); spec.loader.exec_module(m04)
tt.manual_seed(0)
model = m04.build_cnn(3, 32); opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x, y = tt.randn(128, 3, 32, 32), tt.randint(0, 10, (128,)); loss = nn.CrossEntropyLoss()
def step():
    opt.zero_grad(); loss(model(x), y).backward(); opt.step()
for _ in range(3): step()
before = resource.getrusage(resource.RUSAGE_SELF); start = time.perf_counter()
for _ in range({steps}): step()
seconds = (time.perf_counter() - start) / {steps}
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / {steps}
print((after.ru_minflt - before.ru_minflt) / {steps}, seconds, cpu)
"""


def ratio_line(label: str, base: float, fast: float) -> None:
    print(f"  {label}: composed {base * 1e3:.2f} ms, fused {fast * 1e3:.2f} ms ({base / fast:.2f}x)")


def ladder(quick: bool) -> None:
    sizes = (24, 128, 256, 256) if quick else (48, 512, 1024, 1024)
    rungs = (("Python loops", matmul_loops), ("row by row", matmul_rows), ("blocked tiles", matmul_blocked),
             ("BLAS (np.matmul)", np.matmul))  # fmt: skip
    print("1. matmul ladder, float32, best of 3 (loops: 1):")
    for (name, function), n in zip(rungs, sizes):
        print(f"  {name:18s} n={n:5d}  {gflops(function, n, repeats=1 if n <= 48 else 3):9.3f} GFLOP/s")


def fused(rounds: int, repeats: int) -> None:
    print(f"2. fused kernels against their composition, forward + backward, medians of {rounds} rounds:")
    rng = np.random.default_rng(0)
    x = autograd.tensor(rng.standard_normal((4096, 128)).astype(np.float32), requires_grad=True)
    linear = nn.Linear(128, 512)

    def composed():
        F.gelu(linear(x), approximate="tanh").sum().backward()

    def fast():
        fused_linear_gelu(x, linear.weight, linear.bias).sum().backward()

    ratio_line("Linear 128→512 + tanh GELU, 4,096 rows", *paired_median(composed, fast, rounds, repeats))
    with autograd.no_grad():
        times = paired_median(
            lambda: F.gelu(linear(x), approximate="tanh"),
            lambda: fused_linear_gelu(x, linear.weight, linear.bias),
            rounds,
            repeats,
        )
    ratio_line("  the same, forward only under no_grad", *times)
    graph = F.gelu(linear(x), approximate="tanh").grad_fn
    kept = sum(a.nbytes for node in (graph, graph.parents[0]) for a in node.saved_tensors if a is not None)
    node = fused_linear_gelu(x, linear.weight, linear.bias).grad_fn
    print(f"    saved for backward: composed {kept / 2**20:.1f} MiB, fused "
          f"{sum(a.nbytes for a in node.saved_tensors) / 2**20:.1f} MiB")  # fmt: skip

    shape = (32, 128, 128)
    h = autograd.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    residual = autograd.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    bias = autograd.tensor(rng.standard_normal(128).astype(np.float32), requires_grad=True)

    def composed_exit():
        (residual + F.dropout(h + bias, 0.1)).sum().backward()

    def fused_exit():
        fused_bias_dropout_residual(h, bias, residual, 0.1).sum().backward()

    times = paired_median(composed_exit, fused_exit, rounds, repeats)
    ratio_line("residual + dropout(h + bias), 32×128×128, p=0.1", *times)


def layout(rounds: int, repeats: int) -> None:
    print("3. layout of a 128×32×32×32 float32 batch (16.8 MB), NCHW against NHWC memory:")
    rng = np.random.default_rng(1)
    nchw = rng.standard_normal((128, 32, 32, 32), dtype=np.float32)
    nhwc = np.ascontiguousarray(nchw.transpose(0, 2, 3, 1))

    def im2col(windows: np.ndarray, order: tuple[int, ...]) -> np.ndarray:
        view = windows.transpose(order)
        cols = np.empty(view.shape, np.float32)
        np.copyto(cols, view)
        return cols

    first_windows = sliding_window_view(nchw, (3, 3), axis=(2, 3))  # (N, C, Ho, Wo, 3, 3)
    last_windows = sliding_window_view(nhwc, (3, 3), axis=(1, 2))  # (N, Ho, Wo, C, 3, 3)
    cases = {
        "2x2 max-pool by reshape": (
            lambda: nchw.reshape(128, 32, 16, 2, 16, 2).max(axis=(3, 5)),
            lambda: nhwc.reshape(128, 16, 2, 16, 2, 32).max(axis=(2, 4)),
        ),
        "3x3 im2col, rows (kh, kw, C)": (
            lambda: im2col(first_windows, (0, 2, 3, 4, 5, 1)),
            lambda: im2col(last_windows, (0, 1, 2, 4, 5, 3)),
        ),
        "per-channel sums (BatchNorm)": (
            lambda: nchw.sum(axis=(0, 2, 3)),
            lambda: nhwc.reshape(-1, 32).sum(axis=0),
        ),
    }
    for name, (first, last) in cases.items():
        a, b = paired_median(first, last, rounds, repeats)
        print(f"  {name:30s} NCHW {a * 1e3:6.2f} ms, NHWC {b * 1e3:6.2f} ms  (NCHW/NHWC {a / b:5.2f}x)")
    x = autograd.tensor(nchw)
    last = to_channels_last(x)
    a, b = paired_median(
        lambda: functional.max_pool2d(x, 2), lambda: functional.max_pool2d(last, 2), rounds, repeats
    )
    convert = median_time(lambda: to_channels_last(x), repeats)
    print(f"  tt-vision max_pool2d(x, 2): NCHW input {a * 1e3:.2f} ms, channels-last input {b * 1e3:.2f} ms "
          f"({a / b:.2f}x); to_channels_last itself {convert * 1e3:.2f} ms")  # fmt: skip


def faults() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def allocation(steps: int, processes: int, rounds: int, repeats: int) -> None:
    print("4. allocation:")
    a = np.random.default_rng(2).standard_normal(16 * 2**20, dtype=np.float32)  # 64 MB: always mmap'd
    pool = Workspace()

    def fresh():
        tmp = a * 2.0
        tmp += a
        return float(tmp[-1])

    def pooled():
        with pool.borrow(a.shape) as tmp:
            np.multiply(a, 2.0, out=tmp)
            tmp += a
            return float(tmp[-1])

    counts = {}
    for name, function in (("fresh", fresh), ("Workspace", pooled)):
        function()
        before = faults()
        for _ in range(10):
            function()
        counts[name] = (faults() - before) / 10
    t_fresh, t_pool = paired_median(fresh, pooled, rounds, repeats)
    print(f"  a*2+a on 64 MB, fresh temporary: {counts['fresh']:.0f} page faults, {t_fresh * 1e3:.1f} ms; "
          f"Workspace buffer: {counts['Workspace']:.0f} page faults, {t_pool * 1e3:.1f} ms "
          f"({t_fresh / t_pool:.2f}x)")  # fmt: skip
    results: dict[bool, list[tuple[float, ...]]] = {False: [], True: []}
    for _ in range(processes):  # alternate the two policies in fresh processes
        for policy in (False, True):
            code = STEP.format(policy=policy, steps=steps)
            run = subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
            )
            results[policy].append(tuple(map(float, run.stdout.split())))
    wall, cpu = {}, {}
    for policy, runs in results.items():
        label = "with set_allocator_policy()" if policy else "default glibc malloc      "
        count = statistics.median(r[0] for r in runs)
        wall[policy] = statistics.median(r[1] for r in runs) * 1e3
        cpu[policy] = statistics.median(r[2] for r in runs) * 1e3
        print(f"  milestone 04 CNN step, batch 128, {label}: {count:7.0f} page faults, "
              f"{wall[policy]:6.1f} ms wall, {cpu[policy]:6.1f} ms CPU per step")  # fmt: skip
    print(f"    set_allocator_policy(): {wall[False] / wall[True]:.2f}x wall time, "
          f"{cpu[False] / cpu[True]:.2f}x CPU time "
          f"(medians of {processes} processes x {steps} steps each)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats (a smoke run)")
    args = parser.parse_args(argv)
    rounds, repeats = (2, 3) if args.quick else (5, 7)
    ladder(args.quick)
    fused(rounds, repeats)
    layout(rounds, repeats)
    allocation(3 if args.quick else 10, 1 if args.quick else 3, rounds, repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
