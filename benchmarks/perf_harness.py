"""Milestone 04's CNN through the MLPerf-style harness (module 19): ``python benchmarks/perf_harness.py``.

Three models — the float32 network, batch norm folded, folded + INT8 weights
(module 15) — under SingleStream (one image at a time: p50/p90/p99) and
Offline (batches of 128: images per second), then each compared with the
float32 one: speed-up of median latency with a 95% bootstrap interval, and
MLPerf's rule that accuracy stays ≥ 99% of the baseline's. Uses the trained
weights of ``build/milestones/04_cnn_cifar10.npz`` and the CIFAR-10 test set
when both are there, else random weights and random images (timing only).
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import numpy as np
import tt_optim
from run import milestone  # benchmarks/run.py: a milestones/ script as a module
from tt_autograd import from_numpy, no_grad
from tt_perf.benchmarking import Offline, SingleStream, compare, run_benchmark
from tt_perf.quantization import fuse_conv_bn, quantize_weights
from tt_vision.datasets import CIFAR10, DatasetNotFoundError

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "build" / "milestones" / "04_cnn_cifar10.npz"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer queries (a smoke run)")
    args = parser.parse_args(argv)
    m04 = milestone("04_cnn_cifar10")
    model = m04.build_cnn(3, 32)
    try:
        test = CIFAR10(train=False, download=False)
        images, labels = test.get_batch(np.arange(len(test)))
        mean, std = np.array(m04.MEAN).reshape(1, 3, 1, 1), np.array(m04.STD).reshape(1, 3, 1, 1)
        images, labels = ((images.numpy() - mean) / std).astype(np.float32), labels.numpy()
    except DatasetNotFoundError:
        images, labels = np.random.default_rng(0).standard_normal((1000, 3, 32, 32)).astype(np.float32), None
    if WEIGHTS.is_file() and labels is not None:
        model.load_state_dict(tt_optim.load(WEIGHTS))
        print(f"trained weights: {WEIGHTS}; {len(images):,} CIFAR-10 test images")
    else:
        print("random weights / images: timings only, no accuracy")
    model.eval()
    folded = fuse_conv_bn(copy.deepcopy(model))
    models = {"float32": model, "BN folded": folded, "BN folded + INT8 weights": quantize_weights(folded)}
    queries = 50 if args.quick else 300

    def runner(m):
        def run(batch: np.ndarray) -> np.ndarray:
            with no_grad():
                return m(from_numpy(batch)).numpy()

        return run

    def accuracy(m):
        if labels is None:
            return None
        run = runner(m)

        def score() -> float:
            predicted = [run(images[i : i + 500]).argmax(1) for i in range(0, len(images), 500)]
            return float(np.mean(np.concatenate(predicted) == labels))

        return score

    results = {}
    for name, m in models.items():
        single = run_benchmark(runner(m), images, SingleStream(queries, 10), accuracy(m))
        offline = run_benchmark(runner(m), images[: 128 * (4 if args.quick else 20)], Offline(128, 2))
        results[name] = (single, offline)
        print(f"{name:26s} {single.describe()}")
        print(f"{'':26s} {offline.describe()}")
    base_single, base_offline = results["float32"]
    for name in list(models)[1:]:
        single, offline = results[name]
        print(f"{name} vs float32: single stream {compare(base_single, single).describe()}; "
              f"offline {offline.throughput / base_offline.throughput:.2f}x the throughput")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
