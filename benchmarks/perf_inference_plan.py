"""Where one image's forward pass goes, and what the inference plan removes (module 17, milestone 06).

``python benchmarks/perf_inference_plan.py [--rounds N] [--weights PATH]``, one BLAS thread:

1. milestone 04's CIFAR CNN (its trained weights if ``--weights`` exists, else
   random ones: times do not depend on them), one 32×32 image, each layer
   timed alone on its own input under ``no_grad`` (median of ``--rounds``);
2. the bare GEMMs those convolutions and the Linear need — ``np.matmul`` on
   arrays of the im2col shapes: the arithmetic floor of the forward pass;
3. the steps of :func:`~tt_perf.acceleration.optimize_for_inference`'s plan,
   each timed alone on its preallocated buffers;
4. the whole model, with batch norm folded, as a plan, and as a plan with int8
   weight storage, timed in interleaved rounds: medians and the paired median
   of each one's time over the module's.

Every figure of BENCHMARKS.md's "where the time went" paragraph under
milestone 06 is printed by this script.
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import numpy as np
import tt_autograd as autograd
import tt_optim
import tt_tensor
from run import milestone  # benchmarks/run.py: a milestones/ script as a module
from tt_perf.acceleration import optimize_for_inference
from tt_perf.quantization import fuse_conv_bn
from tt_vision import Conv2d

ROOT = Path(__file__).resolve().parents[1]


def median_us(call, rounds: int) -> float:
    for _ in range(20):
        call()
    times = np.empty(rounds)
    for i in range(rounds):
        start = time.perf_counter()
        call()
        times[i] = time.perf_counter() - start
    return float(np.median(times) * 1e6)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--weights", type=Path, default=ROOT / "build/milestones/04_cnn_cifar10.npz")
    args = parser.parse_args(argv)
    tt_tensor.set_num_threads(1)
    model = milestone("04_cnn_cifar10").build_cnn(3, 32)
    if args.weights.is_file():
        model.load_state_dict(tt_optim.load(args.weights))
    model.eval()
    x = autograd.randn(1, 3, 32, 32)
    print(f"milestone 04's CNN, one 32x32 image, one BLAS thread, medians of {args.rounds} calls (µs)")
    print(
        f"\n1. each layer of the module, alone ({'trained' if args.weights.is_file() else 'random'} weights)"
    )
    total, gemms, h = 0.0, [], x
    with autograd.no_grad():
        for i, layer in enumerate(model):
            inp = h
            us = median_us(lambda layer=layer, inp=inp: layer(inp), args.rounds)
            total += us
            print(f"  {i:2d} {type(layer).__name__:12s} {str(tuple(inp.shape)):18s} {us:8.1f}")
            if isinstance(layer, Conv2d):
                n, c, height, width = inp.shape  # stride 1, 'same' padding: one row per output pixel
                gemms.append(
                    (height * width, c * layer.kernel_size[0] * layer.kernel_size[1], layer.out_channels)
                )
            h = layer(inp)
        print(f"  sum of the layers {total:8.1f}")
        gemms.append((1, model[-1].in_features, model[-1].out_features))
        print("\n2. the bare GEMMs (rows x inner x columns), np.matmul into a preallocated output")
        floor = 0.0
        for rows, inner, cols in gemms:
            a, b = (
                np.random.rand(rows, inner).astype(np.float32),
                np.random.rand(inner, cols).astype(np.float32),
            )
            out = np.empty((rows, cols), np.float32)
            us = median_us(lambda a=a, b=b, out=out: np.matmul(a, b, out=out), args.rounds)
            floor += us
            print(f"  {rows:5d} x {inner:4d} x {cols:4d} {us:8.1f}")
        print(f"  sum of the GEMMs {floor:8.1f}  ({floor / total:.0%} of the layers' sum)")
        folded = fuse_conv_bn(copy.deepcopy(model))
        plan = optimize_for_inference(folded)
        stored = optimize_for_inference(folded, weight_dtype="qint8")
        print("\n3. the plan's steps, alone, on their buffers")
        h, steps_total = x.numpy(), 0.0
        for step, space in zip(plan.steps(), plan.buffers_for(h.shape)):
            inp = h
            us = median_us(lambda step=step, inp=inp, space=space: step.run(inp, space), args.rounds)
            steps_total += us
            print(f"  {type(step).__name__:12s} {str(inp.shape):18s} {us:8.1f}")
            h = step.run(inp, space)
        print(f"  sum of the steps {steps_total:8.1f}")
        print("\n4. whole forward passes, interleaved rounds")
        models = {"module": model, "BN folded": folded, "plan": plan, "plan, int8 storage": stored}
        times = {name: [] for name in models}
        for m in models.values():
            for _ in range(20):
                m(x)
        for _ in range(args.rounds):
            for name, m in models.items():
                start = time.perf_counter()
                m(x)
                times[name].append(time.perf_counter() - start)
        base = np.array(times["module"])
        for name, values in times.items():
            values = np.array(values)
            median, p90 = np.median(values) * 1e6, np.percentile(values, 90) * 1e6
            print(f"  {name:20s} median {median:8.1f}  p90 {p90:8.1f}  paired median speed-up "
                  f"{np.median(base / values):5.2f}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
