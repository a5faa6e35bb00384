"""``deform_conv2d`` benchmark: forward and backward beside ``conv2d``, memory, and torchvision's on request.

``python benchmarks/deform_conv.py`` prints, measured in this one run, float32 times of
``tt_vision.ops.deform_conv2d`` on a typical DCNv2 layer: a ``2×64×64×64`` input, a ``64×64×3×3``
weight, padding 1, one offset group, offsets drawn from N(0, 1) (every sample off the pixel lattice,
some outside the image) and a uniform mask (v2); also without the mask (v1), and ``conv2d`` with the
same input and weight (the zero-offset case's plain counterpart). ``forward`` is one call with every
input requiring grad (the graph recorded); ``backward`` one ``autograd.grad`` w.r.t. every input
(``retain_graph=True``, the same graph walked again). Each figure is the median over ``--rounds`` of
the fastest of ``--repeats`` calls after a warm-up, in the process's CPU time (``--wall``: wall-clock).

``--memory`` also prints, per case, by ``tracemalloc`` (which sees NumPy's buffers): the peak of
the forward call above what existed before it, what the recorded graph keeps once it returns (the
output included), and the peak of the backward call; in MiB, beside the size of the sampled columns
(``N·Ho·Wo·kh·kw·C`` values), the least a forward of this kind must build.

``--torchvision PYTHON`` also times ``torchvision.ops.deform_conv2d`` on the same arrays in a child
process run by ``PYTHON`` (opt-in: the framework never imports torch; that Python needs torchvision's
compiled ops and NumPy; ``nox -s bench-torch-deform-conv`` installs them and passes its own), and prints
TinyTorch / torchvision. Both sides run on ``--threads`` threads
(ours: BLAS's; default 1, as the gathers and scatters; more, and both are timed by the wall clock: on
a shared machine idle BLAS threads spinning count as CPU time).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from vision import comparison_lines, forward_backward_times  # benchmarks/vision.py

SHAPE, C_OUT, KERNEL = (2, 64, 64, 64), 64, 3
CASES = ("deform_conv2d (v2, mask)", "deform_conv2d (v1)")


def arrays() -> dict:
    """The float32 arrays every case reads, fixed: input, weight, bias, offset, mask, output gradient."""
    rng = np.random.default_rng(0)
    n, c, h, w = SHAPE
    taps = KERNEL * KERNEL
    drawn = {
        "x": rng.standard_normal(SHAPE),
        "weight": rng.standard_normal((C_OUT, c, KERNEL, KERNEL)) * 0.05,
        "bias": rng.standard_normal(C_OUT),
        "offset": rng.standard_normal((n, 2 * taps, h, w)),
        "mask": rng.uniform(size=(n, taps, h, w)),
        "seed": rng.standard_normal((n, C_OUT, h, w)),
    }
    return {k: v.astype(np.float32) for k, v in drawn.items()}


def cases(tensor, deform_conv2d, conv2d=None) -> dict:
    """name: (forward, its inputs, the output gradient), for one library's ``tensor`` and functions."""
    a = {k: tensor(v) for k, v in arrays().items()}
    for name in ("x", "weight", "bias", "offset", "mask"):
        a[name].requires_grad_(True)
    x, weight, bias, offset, mask = (a[k] for k in ("x", "weight", "bias", "offset", "mask"))
    found = {
        CASES[0]: (
            lambda: deform_conv2d(x, offset, weight, bias, padding=(1, 1), mask=mask),
            (x, offset, weight, bias, mask),
        ),
        CASES[1]: (lambda: deform_conv2d(x, offset, weight, bias, padding=(1, 1)), (x, offset, weight, bias)),
    }
    if conv2d is not None:
        found["conv2d"] = (lambda: conv2d(x, weight, bias, padding=1), (x, weight, bias))
    return {name: (forward, inputs, a["seed"]) for name, (forward, inputs) in found.items()}


def memory(found: dict, grad) -> dict:
    """name: (forward peak, kept by the graph, backward peak) in bytes, by ``tracemalloc``."""
    result = {}
    for name, (forward, inputs, seed) in found.items():
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = forward()
        kept, peak_forward = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        grads = grad(out, inputs, seed)
        peak_backward = tracemalloc.get_traced_memory()[1] - kept
        tracemalloc.stop()
        del out, grads
        result[name] = (peak_forward - before, kept - before, peak_backward)
    return result


def torchvision_worker(repeats: int, rounds: int, threads: int, clock, out: str) -> None:
    """torchvision's figures on ``threads`` threads, written to ``out`` as JSON (in a child process)."""
    import torch  # opt-in yardstick only, in this child process
    import torchvision.ops

    torch.set_num_threads(threads)
    found = cases(torch.from_numpy, torchvision.ops.deform_conv2d)
    Path(out).write_text(
        json.dumps(forward_backward_times(found, torch.autograd.grad, repeats, rounds, clock))
    )


def torchvision_times(python: str, repeats: int, rounds: int, threads: int, wall: bool) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "torchvision.json"
        command = [python, __file__, "--torchvision-worker", str(out), "--threads", str(threads)]
        command += ["--wall"] if wall else []
        subprocess.run([*command, "--repeats", str(repeats), "--rounds", str(rounds)], check=True)
        return {name: tuple(v) for name, v in json.loads(out.read_text()).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="calls per round (the fastest counts)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (the median counts)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 call, 1 round")
    parser.add_argument("--wall", action="store_true", help="wall-clock time, not the process's CPU time")
    parser.add_argument("--memory", action="store_true", help="also the forward's and backward's memory")
    parser.add_argument("--torchvision", metavar="PYTHON", help="also time torchvision's, run by PYTHON")
    parser.add_argument("--threads", type=int, default=1, help="BLAS's threads, and torchvision's")
    parser.add_argument("--torchvision-worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repeats, rounds = (1, 1) if args.quick else (args.repeats, args.rounds)
    wall = args.wall or args.threads > 1  # CPU time would add up torch's threads
    clock = time.perf_counter if wall else time.process_time
    if args.torchvision_worker:
        torchvision_worker(repeats, rounds, args.threads, clock, args.torchvision_worker)
        return 0

    from tt_autograd import tensor
    from tt_tensor import threads

    threads.set_num_threads(args.threads)
    from tt_autograd.gradients import grad
    from tt_vision import functional as F
    from tt_vision.ops import deform_conv2d

    n, c, h, w = SHAPE
    kind = "wall" if wall else "CPU"
    print(
        f"deform_conv2d, float32, input {SHAPE}, weight ({C_OUT}, {c}, {KERNEL}, {KERNEL}), padding 1, "
        f"1 offset group: {kind} ms per call, median of {rounds} round(s) of the fastest of {repeats}; "
        f"{args.threads} thread(s); {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    ours = forward_backward_times(cases(tensor, deform_conv2d, F.conv2d), grad, repeats, rounds, clock)
    theirs = {}
    if args.torchvision:
        theirs = torchvision_times(args.torchvision, repeats, rounds, args.threads, wall)
    print("\n".join(comparison_lines(ours, theirs, "tv", 26, 1)))
    if args.memory:
        mib = 2.0**20
        columns = n * h * w * KERNEL * KERNEL * c * 4 / mib
        print(f"  memory, MiB (tracemalloc; the sampled columns alone: {columns:.1f})")
        print(f"  {'case':26s} {'fwd peak':>9s} {'kept':>9s} {'bwd peak':>9s}")
        for name, figures in memory(cases(tensor, deform_conv2d, F.conv2d), grad).items():
            print(f"  {name:26s} " + " ".join(f"{v / mib:9.1f}" for v in figures))
    print(f"  load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
