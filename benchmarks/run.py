"""TinyTorch's benchmarks: ``nox -s bench`` (or ``python benchmarks/run.py``).

Every figure is a ratio measured in one run against a baseline timed in the
same process, so machine noise affects both sides alike. Each benchmark
alternates the two sides and reports the median of many repeats.

Benchmarks so far (issue #2):

* ``mlp``: forward + backward of a 784-256-128-10 ReLU MLP with softmax
  cross-entropy at batch 256, float32, through tt-autograd versus the same
  computation hand-written in NumPy with a manual backward. Goal <= 1.2x.
* ``overhead``: forward + backward of a chain of 10,000 multiplications on a
  one-element tensor, in microseconds per op. Goal <= 15 us.

Then, each from its own script: the GPT step (``text.py``), the CNN steps (``vision.py``), a
rank's CNN step with its fusion and Winograd on and off (``cnn_rank_step.py``), the
element-wise kernels against the memory bandwidth (``kernels.py``), causal attention's
kernels (``attention.py``),
data loading (``vision_data.py``), KV-cached generation (``perf_kv_cache.py``), two MPI
ranks (``dist.py``), the memory runtime (``memory.py``), activation checkpointing
(``checkpoint.py``), higher-order gradients (``higher_order.py``) and, without ``--quick``, every Part IV
script (:data:`PART_FOUR`).

``--torch`` adds PyTorch as a yardstick where it is installed (opt-in; the
framework never imports it).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
from timing import median_time, paired_median  # benchmarks/timing.py

import tinytorch as tt


def milestone(name: str):
    """A milestone script (``milestones/<name>.py``) loaded as a module, for its ``build_*`` functions."""
    folder = Path(__file__).resolve().parents[1] / "milestones"
    sys.path.insert(0, str(folder))  # for the milestone's own imports (``_record``)
    try:
        spec = importlib.util.spec_from_file_location(f"milestone_{name[:2]}", folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    return module


# ---------------------------------------------------------------------------- MLP
SIZES = (784, 256, 128, 10)


def mlp_weights(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        weights.append((rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)).astype(np.float32))
        weights.append(np.zeros(fan_out, dtype=np.float32))
    return weights


def numpy_mlp_step(x: np.ndarray, y: np.ndarray, params: list[np.ndarray]) -> list[np.ndarray]:
    """Forward and manual backward of the MLP in plain NumPy: the baseline."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.maximum(x @ w1 + b1, 0)
    h2 = np.maximum(h1 @ w2 + b2, 0)
    logits = h2 @ w3 + b3
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    probs = exp / exp.sum(axis=1, keepdims=True)
    n = len(y)
    d_logits = probs
    d_logits[np.arange(n), y] -= 1
    d_logits /= n
    d_w3, d_b3 = h2.T @ d_logits, d_logits.sum(axis=0)
    d_h2 = (d_logits @ w3.T) * (h2 > 0)
    d_w2, d_b2 = h1.T @ d_h2, d_h2.sum(axis=0)
    d_h1 = (d_h2 @ w2.T) * (h1 > 0)
    d_w1, d_b1 = x.T @ d_h1, d_h1.sum(axis=0)
    return [d_w1, d_b1, d_w2, d_b2, d_w3, d_b3]


def tinytorch_mlp_step(x: tt.Tensor, y: tt.Tensor, params: list[tt.Tensor]) -> list[tt.Tensor]:
    """The same step through tt-autograd: forward, cross-entropy, backward."""
    w1, b1, w2, b2, w3, b3 = params
    logits = ((x @ w1 + b1).relu() @ w2 + b2).relu() @ w3 + b3
    loss = (logits.logsumexp(dim=1) - logits[tt.arange(len(y)), y]).mean()
    for p in params:
        p.grad = None
    loss.backward()
    return [p.grad for p in params]


def bench_mlp(batch: int, rounds: int, repeats: int, use_torch: bool) -> dict[str, float]:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], batch)
    weights = mlp_weights()
    params = [tt.tensor(w, requires_grad=True) for w in weights]
    tx, ty = tt.tensor(x), tt.tensor(y)
    ours = [g.numpy() for g in tinytorch_mlp_step(tx, ty, params)]
    reference = numpy_mlp_step(x, y, weights)
    worst = max(float(np.abs(a - b).max()) for a, b in zip(ours, reference))
    assert worst < 1e-4, f"tt-autograd's MLP gradients differ from the NumPy baseline by {worst}"
    t_tt, t_np = paired_median(
        lambda: tinytorch_mlp_step(tx, ty, params), lambda: numpy_mlp_step(x, y, weights), rounds, repeats
    )
    result = {"numpy_ms": t_np * 1e3, "tinytorch_ms": t_tt * 1e3, "ratio": t_tt / t_np}
    if use_torch:
        result.update(torch_mlp(x, y, weights, rounds, repeats))
    return result


def torch_mlp(x, y, weights, rounds: int, repeats: int) -> dict[str, float]:
    import torch  # opt-in yardstick only

    torch.set_num_threads(2)
    params = [torch.tensor(w, requires_grad=True) for w in weights]
    tx, ty = torch.tensor(x), torch.tensor(y)

    def step() -> None:
        w1, b1, w2, b2, w3, b3 = params
        logits = torch.relu(torch.relu(tx @ w1 + b1) @ w2 + b2) @ w3 + b3
        loss = torch.nn.functional.cross_entropy(logits, ty)
        for p in params:
            p.grad = None
        loss.backward()

    return {"torch_ms": statistics.median(median_time(step, repeats) for _ in range(rounds)) * 1e3}


# ---------------------------------------------------------------------------- overhead
def chain(length: int) -> None:
    x = tt.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(length):
        y = y * 1.0001
    y.backward()


def bench_overhead(length: int, rounds: int) -> dict[str, float]:
    seconds = statistics.median(median_time(lambda: chain(length), 3) for _ in range(rounds))
    return {"us_per_op": seconds / length * 1e6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--torch", action="store_true", help="also time PyTorch, if installed")
    args = parser.parse_args(argv)
    rounds, repeats = (2, 5) if args.quick else (5, 20)
    print(f"TinyTorch benchmarks (NumPy {np.__version__}); ratios are measured in this one run\n")
    for batch in (64, 256):
        r = bench_mlp(batch, rounds, repeats, args.torch)
        line = (
            f"mlp 784-256-128-10 batch {batch:3d}: numpy {r['numpy_ms']:.2f} ms, "
            f"tinytorch {r['tinytorch_ms']:.2f} ms, ratio {r['ratio']:.2f}x"
        )
        if "torch_ms" in r:
            line += f", torch {r['torch_ms']:.2f} ms"
        goal = "  (goal <= 1.2x)" if batch == 256 else ""
        print(line + goal)
    r = bench_overhead(10_000, rounds)
    print(
        f"per-op overhead, 10,000-op chain fwd+bwd on 1 element: {r['us_per_op']:.1f} us/op  (goal <= 15 us)"
    )
    import text  # benchmarks/text.py: the GPT training step and BPE training (issue #8)

    print()
    text.main([*(["--quick"] if args.quick else []), *(["--torch"] if args.torch else [])])
    import vision  # benchmarks/vision.py: CNN training steps, their profile, conv GFLOP/s (issue #4)

    print()
    vision.main([*(["--quick"] if args.quick else []), *(["--torch"] if args.torch else [])])
    print()  # a rank's CNN step, fusion and Winograd on and off: its own one-thread process, as a rank's
    rank_step = Path(__file__).with_name("cnn_rank_step.py")
    subprocess.run([sys.executable, str(rank_step), *(["--quick"] if args.quick else [])], check=True)
    import kernels  # benchmarks/kernels.py: element-wise kernels against the memory bandwidth (issue #19)

    print()
    kernels.main(["--quick"] if args.quick else [])
    import attention  # benchmarks/attention.py: causal attention, the chapter's kernels vs the tuned ones

    print()
    attention.main(["--quick"] if args.quick else [])
    import vision_data  # benchmarks/vision_data.py: CIFAR-10 loading and an epoch of augmentation (issue #4)

    print()
    vision_data.main(["--quick"] if args.quick else [])
    import perf_kv_cache  # benchmarks/perf_kv_cache.py: KV-cached generation against GPT.generate (module 18)

    print()
    perf_kv_cache.main(["--quick"] if args.quick else [])
    import dist  # benchmarks/dist.py: the GPT and CNN steps on 1 process vs 2 MPI ranks (issue #18)

    print()
    dist.main([*(["--quick"] if args.quick else []), *(["--torch"] if args.torch else [])])
    import memory  # benchmarks/memory.py: steps with freed memory kept vs glibc's defaults (tt_tensor.memory)

    print()
    memory.main(["--quick"] if args.quick else [])
    import checkpoint  # benchmarks/checkpoint.py: activation checkpointing, memory against time

    print()
    checkpoint.main(["--quick"] if args.quick else [])
    import higher_order  # benchmarks/higher_order.py: what create_graph=True costs (WGAN-GP, HVP)

    print()
    higher_order.main([*(["--steps", "3"] if args.quick else []), *(["--torch"] if args.torch else [])])
    part_four(args.quick)
    return 0


#: Part IV's benchmark scripts (modules 14-19), in course order; each prints its own figures.
PART_FOUR = ("perf_profile", "perf_roofline", "perf_quantization", "perf_compression", "perf_acceleration",
             "perf_inference_plan",
             "perf_harness", "perf_pareto")  # fmt: skip


def part_four(quick: bool) -> None:
    """Run every Part IV script (``--quick`` passed on), or name them in a quick run of this file."""
    if quick:
        print(f"\nPart IV's scripts ({', '.join(PART_FOUR)}): not in a --quick run; run this file without it")
        return
    for name in PART_FOUR:
        print(f"\n--- benchmarks/{name}.py")
        importlib.import_module(name).main([])


if __name__ == "__main__":
    sys.exit(main())
