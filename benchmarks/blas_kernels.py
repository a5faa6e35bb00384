"""OpenBLAS's own kernel choice against another set (``tt_tensor.blas_kernels``), in one process.

    python benchmarks/blas_kernels.py                      # against Haswell (AVX2), 3 alternating rounds
    python benchmarks/blas_kernels.py --kernels Sandybridge
    python benchmarks/blas_kernels.py --quick              # 1 round, fewer repeats (a smoke run)

On one BLAS thread and without TinyTorch's worker pool (as one MPI rank runs),
it prints, for the kernel set OpenBLAS picks from the CPU and for ``--kernels``
(where the two are the same, it says so and stops):

* the float32 GEMMs of one rank's GPT step (milestone 05: 2,048 tokens, width
  128, MLP 512): forward, input-gradient and weight-gradient products of the
  four Linear shapes, and 1024³: GFLOP/s of the best of the repeats;
* the training step of milestone 05's GPT on 16 windows (one of two ranks'
  share, ``benchmarks/text.py``'s step) and of milestone 04's CNN on 64 images
  (``benchmarks/vision.py``'s): median ms.

The kernel sets alternate round after round (switched at run time with
``blas_kernels.use_kernels``), so a change of load hits both alike; each figure
is the median over the rounds.
"""

from __future__ import annotations

import os

os.environ.setdefault("TINYTORCH_NUM_THREADS", "1")  # no worker pool: use_kernels needs one thread

import argparse
import statistics
import timeit
from collections.abc import Callable

import numpy as np
from tt_tensor import blas_kernels
from tt_tensor.threads import set_num_threads

TOKENS, WIDTH, HIDDEN = 2048, 128, 512
LINEARS = [(WIDTH, 3 * WIDTH), (WIDTH, WIDTH), (WIDTH, HIDDEN), (HIDDEN, WIDTH)]  # (in, out)


def gemm_shapes() -> list[tuple[int, int, int]]:
    """(m, k, n) of forward, input gradient and weight gradient of each Linear, then 1024³."""
    shapes = []
    for fan_in, fan_out in LINEARS:
        shapes += [(TOKENS, fan_in, fan_out), (TOKENS, fan_out, fan_in), (fan_out, TOKENS, fan_in)]
    return [*shapes, (1024, 1024, 1024)]


def seconds_of(function: Callable[[], object], repeats: int) -> list[float]:
    """The times of ``repeats`` calls of ``function``, after one warm-up call (``timeit.repeat``)."""
    function()
    return timeit.repeat(function, number=1, repeat=repeats)


def gemm_rates(repeats: int) -> dict[str, float]:
    """GFLOP/s of each shape's product, best of ``repeats``."""
    rng = np.random.default_rng(0)
    rates = {}
    for m, k, n in gemm_shapes():
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        rates[f"{m}x{k}x{n}"] = 2 * m * k * n / min(seconds_of(lambda a=a, b=b: a @ b, repeats)) / 1e9
    return rates


def steps() -> dict[str, Callable[[], object]]:
    """One rank's share of milestone 05's GPT step and of milestone 04's CNN step."""
    import dist  # benchmarks/dist.py: the same models and batches

    return {
        "GPT step, 16 windows": dist.step_of("gpt", dist.build("gpt"), slice(0, 16)),
        "CNN step, 64 images": dist.step_of("cnn", dist.build("cnn"), slice(0, 64)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kernels", default="Haswell", help="the kernel set to compare (default Haswell)")
    parser.add_argument("--quick", action="store_true", help="1 round, fewer repeats")
    args = parser.parse_args(argv)
    rounds, repeats = (1, 3) if args.quick else (args.rounds, 10)
    set_num_threads(1)
    if blas_kernels.kernel_name() is None:
        print("NumPy's BLAS is not an OpenBLAS that picks its kernels at run time: nothing to compare")
        return 0
    chosen = blas_kernels.use_kernels(args.kernels)
    original = blas_kernels.use_kernels(None)  # OpenBLAS picks from the CPU, as when it loads
    print(f"OpenBLAS's choice from the CPU: {original}; compared with: {chosen}; one BLAS thread, "
          f"{rounds} alternating round(s); load average {os.getloadavg()[0]:.1f} at the start")  # fmt: skip
    if original == chosen:
        print("the same kernels: nothing to compare on this CPU")
        return 0
    kernels = [original, chosen]
    step_functions = steps()
    rates: dict[str, dict[str, list[float]]] = {k: {} for k in kernels}
    for _ in range(rounds):
        for name in kernels:
            blas_kernels.use_kernels(name)
            for shape, rate in gemm_rates(repeats).items():
                rates[name].setdefault(shape, []).append(rate)
            for label, step in step_functions.items():
                milliseconds = statistics.median(seconds_of(step, max(3, repeats // 2))) * 1e3
                rates[name].setdefault(label, []).append(milliseconds)
    blas_kernels.use_kernels(None)
    print(f"  {'':24s} {original:>14s} {chosen:>14s}  ratio")
    for key in rates[chosen]:
        unit = "ms" if "step" in key else "GFLOP/s"
        a, b = (statistics.median(rates[k][key]) for k in kernels)
        ratio = a / b if unit == "ms" else b / a  # above 1: the compared set is faster
        print(f"  {key:24s} {a:10.1f} {unit:>3s} {b:10.1f} {unit:>3s}  {ratio:.3f}x")
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} (ratio above 1: {chosen} faster)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
