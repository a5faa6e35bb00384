"""Milestone 04's CNN step as an MPI rank runs it: the fused BatchNorm kernels and Winograd, on and off.

    python benchmarks/cnn_rank_step.py            # 64 images on one thread (a rank's half of 128)
    python benchmarks/cnn_rank_step.py --threads  # 128 images in nn.DataParallel over the workers

One process, the sides alternating round after round (median of each side's
per-round medians, so a change of load hits every side alike):

* ``plain``: BatchNorm2d and ReLU as two nodes, every convolution by im2col;
* ``fused``: each BatchNorm2d + ReLU one node (``fuse_batch_norm_relu(model, max_pool=False)``);
* ``fused + pool``: each BatchNorm2d + ReLU + MaxPool2d(2) one node
  (``tt_vision.fuse_batch_norm_relu``'s default, what milestone 04 trains);
* ``fused + pool + Winograd``: also the 3×3 layers of ≥ 16 channels by Winograd's
  F(2×2, 3×3) (``tt_vision.winograd``), in a rank and in ``nn.DataParallel``'s
  worker threads alike;
* ``… + channels-first 1st layer``: also the first convolution (3 channels in)
  with its columns laid out channels-first (``tt_vision.thin_conv``): all of the
  library's choices, so this is a rank's actual step.

and, for the default one-thread case, the forward + backward milliseconds of
the two wide convolutions (32→64 at 16×16, 64→128 at 8×8), of the first one
(3→32 at 32×32) and of the three blocks' batch norm, ReLU and max-pool
(whichever nodes compute them) on each side.
Figures quoted in docs/modules/09-convolutions.md come from this script.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time

import tt_nn as nn
import tt_tensor
from function_timers import function_timers  # benchmarks/function_timers.py
from tt_tensor import threads
from tt_vision import thin_conv, winograd
from vision import make_step, small_cnn  # benchmarks/vision.py: the milestone-04 net and its SGD step

#: What is timed apart: the Functions of each group (forward + backward), by class name.
GROUPS = {
    "wide convs": ("Conv2dFunction",),  # ≥ 16 input channels; the others count as "first conv" (group_of)
    "first conv": (),
    "batch norm, ReLU, pool": ("BatchNormFunction", "ReLUFunction", "MaxPool2dFunction",
                               "BatchNormReLUFunction", "BatchNormReLUMaxPoolFunction"),
}  # fmt: skip


def group_of(cls: type, args: tuple) -> str | None:
    """A Function call's group in :data:`GROUPS`; a convolution of < 16 input channels is "first conv"."""
    group = next((g for g, names in GROUPS.items() if cls.__name__ in names), None)
    if group == "wide convs" and args[1].shape[1] < 16:  # args: the input, the weight, ...
        return "first conv"
    return group


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", action="store_true", help="128 images in nn.DataParallel instead")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 rounds of 2 steps")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.steps = 2, 2
    if not args.threads:
        os.environ["TINYTORCH_NUM_THREADS"] = "1"  # as tt_dist.setup(blas_threads=1) does in a rank
        threads.set_num_threads(1)
    min_pixels = thin_conv.MIN_PIXELS
    rows = slice(None) if args.threads else slice(0, 64)
    sides = {}
    variants = (("plain", False, False), ("fused", True, False), ("fused + pool", True, True),
                ("fused + pool + Winograd", True, True),
                ("… + channels-first 1st layer", True, True))  # fmt: skip
    for name, fuse, max_pool in variants:
        tt_tensor.manual_seed(0)
        model = small_cnn(batch_norm=True, fuse=fuse, max_pool=max_pool)
        sides[name] = make_step(nn.DataParallel(model) if args.threads else model, rows=rows)
    batch = "128 images in nn.DataParallel" if args.threads else "64 images, one thread"
    print(f"milestone 04's CNN step, {batch}; {args.rounds} alternating rounds of {args.steps} steps; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    times: dict[str, list[float]] = collections.defaultdict(list)
    groups: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    with function_timers(group_of) as spent:
        try:
            for r in range(args.rounds):
                for name in list(sides)[:: 1 if r % 2 == 0 else -1]:
                    wide = "Winograd" in name or "1st layer" in name
                    winograd.MIN_CHANNELS = 16 if wide else 10**9
                    thin_conv.MIN_PIXELS = min_pixels if "1st layer" in name else 10**12
                    sides[name]()
                    spent.clear()
                    measured = []
                    for _ in range(args.steps):
                        start = time.perf_counter()
                        sides[name]()
                        measured.append(time.perf_counter() - start)
                    times[name].append(statistics.median(measured))
                    for group in GROUPS:
                        groups[name, group].append(spent[group] / args.steps)
        finally:
            winograd.MIN_CHANNELS, thin_conv.MIN_PIXELS = 16, min_pixels
    base = statistics.median(times["plain"])
    for name in sides:
        step = statistics.median(times[name])
        line = f"  {name:30s} {step * 1e3:7.1f} ms per step ({step / base:.2f}x plain)"
        if not args.threads:  # (in threads, the slices' times add up to more than the step)
            wide, first, norm = (statistics.median(groups[name, group]) * 1e3 for group in GROUPS)
            line += f"; forward + backward of the two wide convolutions {wide:.1f} ms, of the first "
            line += f"{first:.1f} ms, of batch norm, ReLU and pooling {norm:.1f} ms"
        print(line)
    print(f"  load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
