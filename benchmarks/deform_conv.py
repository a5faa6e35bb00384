"""``deform_conv2d`` benchmark: forward and backward beside ``conv2d`` on the same shapes.

``python benchmarks/deform_conv.py`` prints, measured in this one run, float32 times of
``tt_vision.ops.deform_conv2d`` on an ``8×64×32×32`` input, a ``64×64×3×3`` weight, padding 1,
offsets drawn from N(0, 1) (every sample off the pixel lattice, some outside the image) and a
uniform mask (v2), and of ``conv2d`` with the same input and weight (the zero-offset case's
plain counterpart). ``forward`` is one call with every input requiring grad (the graph
recorded); ``backward`` one ``autograd.grad`` w.r.t. every input (``retain_graph=True``, the same
graph walked again). Each figure is the median over ``--rounds`` of the fastest of ``--repeats``
calls after a warm-up, in the process's CPU time (``--wall``: wall-clock time).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from vision import time_it  # benchmarks/vision.py

SHAPE, C_OUT, KERNEL = (8, 64, 32, 32), 64, 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="calls per round (the fastest counts)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (the median counts)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 call, 1 round")
    parser.add_argument("--wall", action="store_true", help="wall-clock time, not the process's CPU time")
    args = parser.parse_args(argv)
    repeats, rounds = (1, 1) if args.quick else (args.repeats, args.rounds)
    clock = time.perf_counter if args.wall else time.process_time

    import tt_autograd as autograd
    from tt_autograd.gradients import grad
    from tt_vision import functional as F
    from tt_vision.ops import deform_conv2d

    rng = np.random.default_rng(0)
    n, c, h, w = SHAPE
    taps = KERNEL * KERNEL

    def leaf(a: np.ndarray):
        return autograd.tensor(a.astype(np.float32), requires_grad=True)

    x = leaf(rng.standard_normal(SHAPE))
    weight = leaf(rng.standard_normal((C_OUT, c, KERNEL, KERNEL)) * 0.05)
    bias = leaf(rng.standard_normal(C_OUT))
    offset = leaf(rng.standard_normal((n, 2 * taps, h, w)))
    mask = leaf(rng.uniform(size=(n, taps, h, w)))
    seed = autograd.tensor(rng.standard_normal((n, C_OUT, h, w)).astype(np.float32))
    cases = {
        "deform_conv2d (v2, mask)": (
            lambda: deform_conv2d(x, offset, weight, bias, padding=1, mask=mask),
            (x, offset, weight, bias, mask),
        ),
        "deform_conv2d (v1)": (
            lambda: deform_conv2d(x, offset, weight, bias, padding=1),
            (x, offset, weight, bias),
        ),
        "conv2d": (lambda: F.conv2d(x, weight, bias, padding=1), (x, weight, bias)),
    }
    kind = "wall" if args.wall else "CPU"
    print(
        f"deform_conv2d, float32, input {SHAPE}, weight ({C_OUT}, {c}, {KERNEL}, {KERNEL}), padding 1: "
        f"{kind} ms per call, median of {rounds} round(s) of the fastest of {repeats}; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"  {'case':26s} {'forward':>9s} {'backward':>9s}")
    for name, (forward, inputs) in cases.items():
        out = forward()
        seconds_forward = time_it(forward, repeats, rounds, clock)
        seconds_backward = time_it(
            lambda out=out, inputs=inputs: grad(out, inputs, seed, retain_graph=True), repeats, rounds, clock
        )
        print(f"  {name:26s} {seconds_forward * 1e3:9.1f} {seconds_backward * 1e3:9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
