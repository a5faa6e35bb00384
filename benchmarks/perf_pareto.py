"""Module 19 on MNIST MLPs: ``python benchmarks/perf_pareto.py [--quick] [--png PATH]``.

Five versions of a 784-H-10 ReLU MLP (H = 256, 64, 16; the two larger also
with module 15's dynamic INT8 quantization), each trained for one epoch on
MNIST (``$TINYTORCH_DATA/mnist.npz``; ``--quick``: 10,000 images), then

1. the **Pareto view**: test accuracy, SingleStream p90 latency (one image
   per query) and size in bytes, the versions no other beats on all three
   marked, and the PNG (:func:`tt_perf.benchmarking.plot_pareto`);
2. an **interleaved A/B** of the H=256 float32 model against its INT8 twin
   (:func:`run_ab`, 20 rounds of 10 queries, the order flipping each round);
3. **MultiStream** (8 images per query, p99 per query) for both;
4. the **Server QPS search**: the highest Poisson arrival rate whose p99
   latency stays within 10 ms, for both.

Every figure in chapter 19's worked example is printed by this script.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_optim
from tt_perf.benchmarking import (
    MultiStream,
    ParetoPoint,
    Server,
    SingleStream,
    find_max_qps,
    pareto_front,
    plot_pareto,
    run_ab,
    run_benchmark,
)
from tt_perf.quantization import model_size_bytes, quantize_dynamic

ROOT = Path(__file__).resolve().parents[1]


def load_mnist(limit: int | None):
    path = Path(os.environ.get("TINYTORCH_DATA", ROOT / "data")) / "mnist.npz"
    if not path.is_file():
        sys.exit(f"perf_pareto: {path} not found; set TINYTORCH_DATA to the folder holding mnist.npz")
    data = np.load(path)

    def prep(x):
        return ((x.reshape(len(x), -1) / 255.0 - 0.1307) / 0.3081).astype(np.float32)

    x_train, y_train = prep(data["x_train"][:limit]), data["y_train"][:limit].astype(np.int64)
    return x_train, y_train, prep(data["x_test"]), data["y_test"].astype(np.int64)


def train(hidden: int, x: np.ndarray, y: np.ndarray, seed: int = 0) -> nn.Module:
    """One epoch of Adam (lr 1e-3, batch 128) on a 784-hidden-10 MLP."""
    autograd.manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    optimizer = tt_optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    order = np.random.default_rng(seed).permutation(len(x))
    for start in range(0, len(x), 128):
        batch = order[start : start + 128]
        optimizer.zero_grad()
        loss_fn(model(autograd.from_numpy(x[batch])), autograd.from_numpy(y[batch])).backward()
        optimizer.step()
    return model.eval()


def predictor(model: nn.Module):
    def run(batch: np.ndarray) -> np.ndarray:
        with autograd.no_grad():
            return model(autograd.from_numpy(batch)).numpy()

    return run


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(predictor(model)(x).argmax(1) == y))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 training images, fewer queries")
    parser.add_argument("--png", type=Path, default=ROOT / "build" / "perf" / "pareto.png")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} CPUs, 1-minute load average {os.getloadavg()[0]:.2f}")
    x_train, y_train, x_test, y_test = load_mnist(10_000 if args.quick else None)
    queries = 100 if args.quick else 300
    models = {}
    for hidden in (256, 64, 16):
        models[f"fp32 H={hidden}"] = train(hidden, x_train, y_train)
        if hidden >= 64:
            models[f"int8 H={hidden}"] = quantize_dynamic(models[f"fp32 H={hidden}"])
    points = []
    print(f"\n{'version':12s} {'accuracy':>9s} {'p90 ms':>8s} {'bytes':>10s}")
    for name, model in models.items():
        result = run_benchmark(predictor(model), x_test, SingleStream(queries, 10, min_duration_ms=500.0))
        point = ParetoPoint(
            name, accuracy(model, x_test, y_test), result.summary["p90"], model_size_bytes(model)
        )
        points.append(point)
        print(f"{name:12s} {100 * point.accuracy:8.2f}% {point.latency_ms:8.3f} {point.size_bytes:10,}")
    print(
        "Pareto front (no other version at least as good on all three):",
        [p.name for p in pareto_front(points)],
    )
    try:
        args.png.parent.mkdir(parents=True, exist_ok=True)
        print(f"plot: {plot_pareto(points, args.png, 'MNIST MLPs: accuracy vs p90 latency vs size')}")
    except ImportError as error:
        print(f"no PNG: {error}")

    base, int8 = predictor(models["fp32 H=256"]), predictor(models["int8 H=256"])
    ab = run_ab(base, int8, x_test, rounds=20, queries=10 if not args.quick else 5)
    print(f"\nA/B, fp32 H=256 vs int8 H=256, interleaved: {ab.describe()}")
    for name, run in (("fp32 H=256", base), ("int8 H=256", int8)):
        multi = run_benchmark(run, x_test, MultiStream(8, queries, 10, min_duration_ms=500.0))
        print(
            f"{name}: MultiStream (8 images/query) p50 {multi.summary['p50']:.3f} ms, "
            f"p99 {multi.summary['p99']:.3f} ms over "
            f"{len(multi.latencies_ms)} queries"
        )
        try:
            search = find_max_qps(run, x_test, Server(latency_bound_ms=10.0, queries=queries * 2, seed=1))
            print(f"{name}: Server, p99 within 10 ms: {search.describe()}")
        except ValueError as error:  # stragglers alone (a loaded machine) can break the bound
            print(f"{name}: Server: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
