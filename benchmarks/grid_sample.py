"""``grid_sample`` benchmark: forward and backward per mode, 4-d and 5-d, against PyTorch's on request.

``python benchmarks/grid_sample.py`` prints, measured in this one run, the time of
``tt_vision.grid_sample`` on float32 inputs:

* 4-d: an ``8×16×64×64`` input read at a random ``8×64×64×2`` grid (uniform in
  ``[-1.1, 1.1]``, so some points fall outside), ``'bilinear'``, ``'nearest'``
  and ``'bicubic'`` with ``padding_mode='zeros'``, and ``'bilinear'`` / ``'bicubic'``
  with ``'reflection'`` and ``align_corners=True`` (the costliest padding);
* 5-d: a ``2×8×16×32×32`` volume at a ``2×16×32×32×3`` grid, ``'bilinear'``
  (trilinear) and ``'nearest'``;

``forward`` is one call with both inputs requiring grad (the graph recorded),
``backward`` one ``autograd.grad`` of the output, seeded with a fixed random
gradient, w.r.t. the input and the grid (``retain_graph=True``, so the same
graph is walked again). Each figure is the median over ``--rounds`` of the
fastest of ``--repeats`` calls, after a warm-up, in the process's CPU time
(``--wall``: wall-clock time): on a machine shared with other work, a call of
tens of ms is preempted whatever the number of tries, and its wall time counts
the waits.

``--torch`` also times ``torch.nn.functional.grid_sample`` on the same arrays
in a child process (opt-in: the framework never imports torch;
``nox -s bench-torch-grid-sample`` installs it), and prints TinyTorch / PyTorch.
PyTorch runs on one thread unless ``--torch-threads`` says otherwise (then both
sides are timed by the wall clock): TinyTorch's gathers and scatters run on one,
and on a shared 2-core machine PyTorch's two threads wait on each other whenever
another process holds a core.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from vision import comparison_lines, forward_backward_times  # benchmarks/vision.py

CASES = {  # name: (input shape, grid's spatial shape, mode, padding_mode, align_corners)
    "4-d bilinear": ((8, 16, 64, 64), (64, 64), "bilinear", "zeros", False),
    "4-d nearest": ((8, 16, 64, 64), (64, 64), "nearest", "zeros", False),
    "4-d bicubic": ((8, 16, 64, 64), (64, 64), "bicubic", "zeros", False),
    "4-d bilinear reflection ac": ((8, 16, 64, 64), (64, 64), "bilinear", "reflection", True),
    "4-d bicubic reflection ac": ((8, 16, 64, 64), (64, 64), "bicubic", "reflection", True),
    "5-d trilinear": ((2, 8, 16, 32, 32), (16, 32, 32), "bilinear", "zeros", False),
    "5-d nearest": ((2, 8, 16, 32, 32), (16, 32, 32), "nearest", "zeros", False),
}


def arrays(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The case's input, grid and output-gradient seed (float32, fixed per case)."""
    shape, spatial, *_ = CASES[name]
    rng = np.random.default_rng(sorted(CASES).index(name))
    x = rng.standard_normal(shape).astype(np.float32)
    grid = rng.uniform(-1.1, 1.1, (shape[0], *spatial, len(spatial))).astype(np.float32)
    seed = rng.standard_normal((shape[0], shape[1], *spatial)).astype(np.float32)
    return x, grid, seed


def measure(tensor: Callable, sample: Callable, grad: Callable, repeats: int, rounds: int, clock) -> dict:
    """Forward and backward seconds of every case, for one library's ``tensor``/``grid_sample``/``grad``."""
    cases = {}
    for name, (_, _, mode, padding_mode, align_corners) in CASES.items():
        x, grid, seed = (tensor(a) for a in arrays(name))
        x.requires_grad_(True)
        grid.requires_grad_(True)

        def forward(x=x, grid=grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners):
            return sample(x, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)

        cases[name] = (forward, (x, grid), seed)  # 'nearest': the grid's gradient is zeros in both
    return forward_backward_times(cases, grad, repeats, rounds, clock)


def tinytorch_times(repeats: int, rounds: int, clock) -> dict:
    import tt_autograd
    from tt_autograd.gradients import grad
    from tt_vision import grid_sample

    return measure(tt_autograd.tensor, grid_sample, grad, repeats, rounds, clock)


def torch_worker(repeats: int, rounds: int, threads: int, clock, out: str) -> None:
    """PyTorch's figures on ``threads`` threads, written to ``out`` as JSON (in a child process)."""
    import torch  # opt-in yardstick only, in this child process

    torch.set_num_threads(threads)
    times = measure(
        torch.from_numpy, torch.nn.functional.grid_sample, torch.autograd.grad, repeats, rounds, clock
    )
    Path(out).write_text(json.dumps(times))


def torch_times(repeats: int, rounds: int, threads: int, wall: bool) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "torch.json"
        command = [sys.executable, __file__, "--torch-worker", str(out), "--torch-threads", str(threads)]
        command += ["--wall"] if wall else []
        subprocess.run([*command, "--repeats", str(repeats), "--rounds", str(rounds)], check=True)
        return {name: tuple(v) for name, v in json.loads(out.read_text()).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="calls per round (the fastest counts)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (the median counts)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 call, 1 round")
    parser.add_argument("--torch", action="store_true", help="also time PyTorch's (in a child process)")
    parser.add_argument("--torch-threads", type=int, default=1, help="PyTorch's threads (TinyTorch's: 1)")
    parser.add_argument("--wall", action="store_true", help="wall-clock time, not the process's CPU time")
    parser.add_argument("--torch-worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repeats, rounds = (1, 1) if args.quick else (args.repeats, args.rounds)
    wall = args.wall or args.torch_threads > 1  # CPU time would add up PyTorch's threads
    clock = time.perf_counter if wall else time.process_time
    if args.torch_worker:
        torch_worker(repeats, rounds, args.torch_threads, clock, args.torch_worker)
        return 0
    kind = "wall" if wall else "CPU"
    print(f"grid_sample, float32: {kind} ms per call, median of {rounds} round(s) of the fastest of "
          f"{repeats}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    ours = tinytorch_times(repeats, rounds, clock)
    theirs = torch_times(repeats, rounds, args.torch_threads, wall) if args.torch else {}
    print("\n".join(comparison_lines(ours, theirs, "torch", 28, 2)))
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} (figures: BENCHMARKS.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
