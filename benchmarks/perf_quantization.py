"""INT8 post-training quantization of milestone 04's CNN (module 15).

Run: ``python benchmarks/perf_quantization.py`` (about a minute), or ``--quick``; ``--gemm-only``
runs part 3 alone, without weights or data.

1. **Accuracy and size.** The trained CNN (``build/milestones/04_cnn_cifar10.npz``)
   with its batch norms folded into the convolutions, then quantized four
   ways: static (``prepare`` → calibration on 1,000 training images →
   ``convert``) with a min–max and with a histogram (percentile) observer,
   dynamic (``quantize_dynamic`` on every conv and linear layer) and
   weight-only (``quantize_weights``). Test accuracy on the 10,000 test
   images and ``model_size_bytes`` of each.
2. **Speed.** Forward time per batch of 128 test images: float32, float32
   folded, static INT8 — in alternating rounds, medians; and each layer alone
   (float vs INT8) to show where the difference comes from.
3. **The integer GEMM.** A conv-shaped product (``(128·16·16) × 288 × 64``,
   the second layer's) as float32 BLAS, as ``int_matmul`` (exact int32
   accumulation on float32 BLAS, in chunks of K ≤ 514), as float64 BLAS and
   as NumPy's own int32 matmul, in GFLOP/s.

Needs milestone 04's weights and CIFAR-10 (``$TINYTORCH_DATA``). ``--quick``
uses 1,000 test images, 200 calibration images and fewer rounds.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import tt_optim
from perf_harness import milestone_04  # milestone 04's script as a module
from run import median_time  # benchmarks/run.py: warm-up, then the median of repeated calls
from tt_autograd import no_grad
from tt_nn import Linear
from tt_perf.quantization import (
    HistogramObserver,
    MinMaxObserver,
    convert,
    fuse_conv_bn,
    int_matmul,
    model_size_bytes,
    prepare,
    quantize_dynamic,
    quantize_weights,
)
from tt_vision import Conv2d
from tt_vision import transforms as T
from tt_vision.datasets import CIFAR10

import tinytorch as tt

ROOT = Path(__file__).resolve().parents[1]


def accuracy(model, data, batch: int = 500) -> float:
    model.eval()
    correct = 0
    with no_grad():
        for start in range(0, len(data), batch):
            x, y = data.get_batch(np.arange(start, min(start + batch, len(data))))
            correct += int((model(x).numpy().argmax(axis=1) == y.numpy()).sum())
    return correct / len(data)


def calibrate(model, data, count: int, seed: int = 0):
    """Static quantization of ``model`` (folded, eval) with each observer: ``{name: int8 model}``."""
    indices = np.random.default_rng(seed).permutation(len(data))[:count]
    models = {}
    for name, observer in (("min-max", MinMaxObserver), ("histogram 99.99%", HistogramObserver)):
        prepared = prepare(model, observer=observer)
        start = time.perf_counter()
        with no_grad():
            for first in range(0, count, 200):
                prepared(data.get_batch(indices[first : first + 200])[0])
        models[f"static INT8, {name}"] = convert(prepared)
        print(f"  calibration with {name} observers: {count} images in {time.perf_counter() - start:.1f} s")
    return models


def alternating(functions: dict, rounds: int, repeats: int) -> dict[str, float]:
    """Median seconds per call of each function, measured in alternating rounds."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(rounds):
        for name, function in functions.items():
            times[name].append(median_time(function, repeats))
    return {name: statistics.median(values) for name, values in times.items()}


def layer_inputs(model, x) -> list[tuple[str, object, object]]:
    """``(name, layer, its input)`` for every conv and linear layer of a Sequential, on input ``x``."""
    found = []
    with no_grad():
        for i, layer in enumerate(model):
            if isinstance(layer, (Conv2d, Linear)):
                found.append((f"{i}: {type(layer).__name__}", i, x))
            x = layer(x)
    return found


def bench_gemm(rounds: int) -> None:
    rng = np.random.default_rng(0)
    m, k, n = 128 * 16 * 16, 288, 64  # the second conv: one row per output pixel of a batch of 128
    a = rng.integers(-128, 128, (m, k)).astype(np.float32)
    b = rng.integers(-128, 128, (k, n)).astype(np.float32)  # qint8
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    small = 2048  # NumPy's integer matmul is a plain loop: time a slice of the rows and scale
    a32, b32 = a[:small].astype(np.int32), b.astype(np.int32)
    assert np.array_equal(int_matmul(a, b), (a.astype(np.int64) @ b.astype(np.int64)))
    times = alternating(
        {
            "float32 BLAS (not exact past 2^24)": lambda: a @ b,
            "int_matmul: float32 BLAS, exact chunks": lambda: int_matmul(a, b, 128, 128, np.int32),
            "int_matmul, K in 2 chunks (K > 514 case)": lambda: _two_chunks(a, b),
            "float64 BLAS (exact to 2^53)": lambda: a64 @ b64,
            "NumPy int32 matmul (no BLAS)": lambda: a32 @ b32,
        },
        rounds,
        5,
    )
    print(f"\n3. The integer GEMM, {m}×{k} @ {k}×{n} ({2 * m * k * n / 1e9:.2f} GFLOP):")
    base = times["float32 BLAS (not exact past 2^24)"]
    for name, seconds in times.items():
        scale = m / small if "int32 matmul" in name else 1
        seconds *= scale
        print(
            f"  {name:44s} {seconds * 1e3:8.2f} ms  {2 * m * k * n / seconds / 1e9:6.1f} GFLOP/s  "
            f"{seconds / base:5.2f}× float32"
        )


def _two_chunks(a, b):
    """The same product cut into two halves of K, as a K > 514 layer is (one int32 add more)."""
    half = a.shape[1] // 2
    acc = (a[:, :half] @ b[:half]).astype(np.int32)
    acc += (a[:, half:] @ b[half:]).astype(np.int32)
    return acc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 test images, 200 calibration images")
    parser.add_argument("--calibration", type=int, default=1000, help="training images for calibration")
    parser.add_argument("--gemm-only", action="store_true", help="only part 3 (needs no weights or data)")
    args = parser.parse_args(argv)
    if args.gemm_only:
        bench_gemm(3 if args.quick else 7)
        return 0
    m04 = milestone_04()
    tt.manual_seed(0)
    model = m04.build_cnn(3, 32)
    model.load_state_dict(tt_optim.load(ROOT / "build" / "milestones" / "04_cnn_cifar10.npz"))
    model.eval()
    test = CIFAR10(train=False, download=False)
    train = CIFAR10(train=True, download=False)
    test.transform = train.transform = T.Normalize(m04.MEAN, m04.STD)
    calibration = 200 if args.quick else args.calibration
    if args.quick:
        test.data, test.targets = test.data[:1000], test.targets[:1000]

    print(f"1. Accuracy on {len(test):,} CIFAR-10 test images, size of the state dict")
    folded = fuse_conv_bn(copy.deepcopy(model))
    models = {"float32": model, "float32, BN folded": folded}
    models.update(calibrate(folded, train, calibration))
    models["dynamic INT8 (conv + linear)"] = quantize_dynamic(folded, {Linear, Conv2d})
    models["weight-only INT8"] = quantize_weights(folded)
    float_size = model_size_bytes(model)
    for name, m in models.items():
        size = model_size_bytes(m)
        print(
            f"  {name:36s} accuracy {accuracy(m, test):7.2%}   {size / 1024:6.1f} KiB "
            f"({float_size / size:4.2f}× smaller than float32)"
        )

    rounds, repeats = (3, 3) if args.quick else (7, 5)
    batch = test.get_batch(np.arange(128))[0]
    static = models["static INT8, min-max"]
    print("\n2. Forward time, batch of 128 (alternating rounds, medians)")
    with no_grad():
        times = alternating(
            {
                "float32": lambda: model(batch),
                "float32, BN folded": lambda: folded(batch),
                "static INT8": lambda: static(batch),
                "dynamic INT8": lambda: models["dynamic INT8 (conv + linear)"](batch),
            },
            rounds,
            repeats,
        )
    base = times["float32, BN folded"]
    for name, seconds in times.items():
        print(f"  {name:22s} {seconds * 1e3:7.2f} ms per batch   {seconds / base:5.2f}× the folded float32")
    print("  per layer, on the layer's real input (float32 folded → static INT8):")
    with no_grad():
        for name, index, x in layer_inputs(folded, batch):
            float_layer, int8_layer = folded[index], static[index]
            pair = alternating(
                {"float": lambda f=float_layer, x=x: f(x), "int8": lambda q=int8_layer, x=x: q(x)},
                rounds,
                repeats,
            )
            print(
                f"    {name:12s} {pair['float'] * 1e3:7.2f} ms → {pair['int8'] * 1e3:7.2f} ms "
                f"({pair['int8'] / pair['float']:4.2f}×)"
            )
    bench_gemm(rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
