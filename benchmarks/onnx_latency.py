"""Inference latency of the milestone models: ONNX Runtime on the exported graph against TinyTorch itself.

Milestone 03's MLP (784-512-256-10), 04's CNN (3 conv-BN-ReLU-pool blocks,
32×32 inputs) and 05's GPT (4 layers, width 128, context 128) are exported
with ``tt.onnx.export`` (dynamic batch) and timed on the same inputs:

* single stream: batch 1, one request after the other (latency);
* batch 128: one large batch (throughput), 128 windows of 128 tokens for the GPT.

Each row alternates the two sides and reports the median of ``--repeats``
rounds, after a warm-up; ONNX Runtime gets the same number of threads as
TinyTorch's BLAS (``--threads``, default 2), without spin-waiting between runs. The weights are random: the
time does not depend on them. Outputs are checked to agree (≤ 1e-4
relative) before anything is timed. Run: ``python benchmarks/onnx_latency.py``
(needs ``tinytorch[onnx]``; about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime
import tt_nn as nn
from run import milestone  # benchmarks/run.py: a milestones/ script as a module
from tt_tensor.threads import set_num_threads
from tt_text import GPT, GPTConfig

import tinytorch as tt


def models() -> dict[str, tuple[nn.Module, Callable[[int], np.ndarray]]]:
    """Each milestone model, as its script builds it, and a function giving a batch of ``n`` inputs."""
    rng = np.random.default_rng(0)
    return {
        "MLP (03)": (
            milestone("03_mlp_mnist").build_mlp(784),
            lambda n: rng.standard_normal((n, 1, 28, 28)).astype(np.float32),
        ),
        "CNN (04)": (
            milestone("04_cnn_cifar10").build_cnn(3, 32),
            lambda n: rng.standard_normal((n, 3, 32, 32)).astype(np.float32),
        ),
        "GPT (05)": (GPT(GPTConfig(gelu_approximate="tanh")), lambda n: rng.integers(0, 65, (n, 128))),
    }


def alternating_ms(first, second, repeats: int) -> tuple[float, float]:
    """Median milliseconds of ``first`` and of ``second``, timed in alternating rounds after a warm-up."""
    first(), second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for function, kept in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            function()
            kept.append(time.perf_counter() - start)
    return statistics.median(times[0]) * 1e3, statistics.median(times[1]) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds per row (median reported)")
    parser.add_argument("--threads", type=int, default=2, help="threads for both sides")
    args = parser.parse_args(argv)
    set_num_threads(args.threads)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = args.threads, 1
    # ONNX Runtime's workers spin after each run by default, which would steal the cores TinyTorch's
    # BLAS threads need in the alternating rounds: they sleep instead.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    threads = f"{args.threads} thread{'s' if args.threads > 1 else ''} each"
    print(f"ONNX Runtime {onnxruntime.__version__} vs TinyTorch, {threads}, medians of {args.repeats} (ms)\n")
    print("| model | batch | TinyTorch | ONNX Runtime | TinyTorch / ORT |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name, (model, make) in models().items():
            path = Path(folder) / "model.onnx"
            batch_axis = {"input": {0: "batch"}, "output": {0: "batch"}}
            tt.onnx.export(model, tt.tensor(make(2)), path, dynamic_axes=batch_axis)
            session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            model.eval()
            for batch in (1, 128):
                x = make(batch)

                def ours(x=x, model=model):
                    with tt.no_grad():
                        return model(tt.tensor(x)).numpy()

                def theirs(x=x, session=session):
                    return session.run(None, {"input": x})[0]

                want, got = ours(), theirs()
                error = np.max(np.abs(got - want)) / np.max(np.abs(want))
                if error > 1e-4:
                    raise SystemExit(
                        f"{name}: ONNX Runtime disagrees with TinyTorch (relative error {error:.0e})"
                    )
                repeats = args.repeats if batch == 1 or name != "GPT (05)" else max(3, args.repeats // 2)
                a, b = alternating_ms(ours, theirs, repeats)
                label = "1 (single stream)" if batch == 1 else str(batch)
                print(f"| {name} | {label} | {a:.2f} | {b:.2f} | {a / b:.1f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
