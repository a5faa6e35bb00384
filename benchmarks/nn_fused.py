"""tt-nn's fused Functions against their composed and plain-NumPy equivalents (modules 03–05).

``python benchmarks/nn_fused.py`` (``--quick`` for a smoke run). Every line
times forward + backward of one op, float32, three ways in alternating
rounds (median of medians, so machine noise hits all sides alike):

* ``numpy``: the same arithmetic hand-written in NumPy, forward and backward;
* ``fused``: tt-nn's one-node ``Function`` (what ``tt_nn.functional`` runs);
* ``composed``: the same formula from tt-autograd primitives, one node per op.

The figures quoted in docs/modules/03-activations.md, 04-layers.md and
05-losses.md come from this script, run on the project's shared 2-core
machine as::

    OPENBLAS_NUM_THREADS=1 MALLOC_MMAP_THRESHOLD_=268435456 \
        MALLOC_TRIM_THRESHOLD_=1073741824 python benchmarks/nn_fused.py

One BLAS thread keeps GEMM timings steady while other jobs load the
machine; the two malloc settings keep freed ~1 MB temporaries in the heap
instead of returning them to the OS, because in this sandbox every fresh
page of an ``mmap``'d array costs a slow page fault, which otherwise adds
0.5–2 ms at random to whichever side happened to get fresh memory.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from collections.abc import Callable

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
from timing import median_time  # benchmarks/timing.py
from tt_nn import functional as F


def compare(sides: dict[str, Callable[[], object]], rounds: int, repeats: int) -> dict[str, float]:
    """Median over ``rounds`` of each side's median time (ms), measured in alternation."""
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, function in sides.items():
            samples[name].append(median_time(function, repeats))
    return {name: statistics.median(times) * 1e3 for name, times in samples.items()}


def report(label: str, times: dict[str, float]) -> None:
    base = times["numpy"]
    parts = ", ".join(f"{name} {ms:.3f} ms ({ms / base:.2f}x)" for name, ms in times.items())
    print(f"{label}: {parts}")


def rng_array(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def bench_linear(rng, rounds, repeats, needs_input_grad: bool) -> None:
    n, fan_in, fan_out = 256, 784, 256
    x_np, g_np = rng_array(rng, n, fan_in), rng_array(rng, n, fan_out)
    layer = nn.Linear(fan_in, fan_out)
    w_np, b_np = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    x, g = autograd.tensor(x_np, requires_grad=needs_input_grad), autograd.tensor(g_np)

    def numpy_step():
        y = x_np @ w_np.T
        y += b_np
        grads = [g_np.T @ x_np, g_np.sum(axis=0)]
        if needs_input_grad:
            grads.append(g_np @ w_np)
        return y, grads

    def run(forward):
        def step():
            layer.zero_grad()
            x.grad = None
            forward().backward(g)

        return step

    times = compare(
        {
            "numpy": numpy_step,
            "fused": run(lambda: layer(x)),
            "composed": run(lambda: x @ layer.weight.T + layer.bias),
        },
        rounds,
        repeats,
    )
    what = "x, W, b" if needs_input_grad else "W, b (x is data)"
    report(f"Linear (256, 784) -> 256, grads of {what}", times)


def bench_cross_entropy(rng, rounds, repeats, classes: int) -> None:
    n = 256
    z_np, y_np = rng_array(rng, n, classes, scale=2.0), rng.integers(0, classes, n)
    z, y = autograd.tensor(z_np, requires_grad=True), autograd.tensor(y_np)
    rows = np.arange(n)

    def numpy_step():
        shifted = z_np - z_np.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1)
        loss = (np.log(total) - shifted[rows, y_np]).mean()
        grad = e * (1.0 / (n * total))[:, None]
        grad[rows, y_np] -= 1.0 / n
        return loss, grad

    def run(forward):
        def step():
            z.grad = None
            forward().backward()

        return step

    times = compare(
        {
            "numpy": numpy_step,
            "fused": run(lambda: F.cross_entropy(z, y)),
            "composed": run(lambda: (z.logsumexp(dim=1) - z[autograd.arange(n), y]).mean()),
            "log_softmax+nll": run(lambda: F.nll_loss(F.log_softmax(z, dim=1), y)),
        },
        rounds,
        repeats,
    )
    report(f"cross_entropy (256, {classes})", times)


def bench_elementwise(rng, rounds, repeats) -> None:
    shape = (256, 1024)
    x_np, g_np = rng_array(rng, *shape), rng_array(rng, *shape)
    x, g = autograd.tensor(x_np, requires_grad=True), autograd.tensor(g_np)

    def run(forward):
        def step():
            x.grad = None
            forward().backward(g)

        return step

    def numpy_softmax():
        y = np.exp(x_np - x_np.max(axis=1, keepdims=True))
        y /= y.sum(axis=1, keepdims=True)
        gy = g_np * y
        return gy - y * gy.sum(axis=1, keepdims=True)

    def composed_softmax():
        e = (x - x.amax(dim=1, keepdim=True)).exp()
        return e / e.sum(dim=1, keepdim=True)

    report(
        "softmax (256, 1024)",
        compare({"numpy": numpy_softmax, "fused": run(lambda: F.softmax(x, dim=1)),
                 "composed": run(composed_softmax)}, rounds, repeats),
    )  # fmt: skip

    def numpy_gelu_tanh():
        t = np.tanh(math.sqrt(2 / math.pi) * (x_np + 0.044715 * x_np * x_np * x_np))
        d = 0.5 * (1 + t) + 0.5 * x_np * (1 - t * t) * math.sqrt(2 / math.pi) * (
            1 + 3 * 0.044715 * x_np * x_np
        )
        return 0.5 * x_np * (1 + t), g_np * d

    def composed_gelu_tanh():
        return 0.5 * x * (1 + (math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)).tanh())

    report(
        "gelu tanh (256, 1024)",
        compare({"numpy": numpy_gelu_tanh, "fused": run(lambda: F.gelu(x, approximate="tanh")),
                 "composed": run(composed_gelu_tanh), "exact (erf)": run(lambda: F.gelu(x)),
                 "relu": run(lambda: F.relu(x))}, rounds, repeats),
    )  # fmt: skip


def bench_norms(rng, rounds, repeats) -> None:
    n, c = 256, 512
    x_np, g_np = rng_array(rng, n, c), rng_array(rng, n, c)
    w_np, b_np = np.ones(c, np.float32), np.zeros(c, np.float32)
    x, g = autograd.tensor(x_np, requires_grad=True), autograd.tensor(g_np)
    w, b = autograd.tensor(w_np, requires_grad=True), autograd.tensor(b_np, requires_grad=True)

    def numpy_norm(axis):
        def step():
            mean = x_np.mean(axis=axis, keepdims=True)
            xc = x_np - mean
            inv = 1 / np.sqrt((xc * xc).mean(axis=axis, keepdims=True) + 1e-5)
            xh = xc * inv
            y = xh * w_np + b_np
            d = g_np * w_np
            dx = inv * (d - d.mean(axis=axis, keepdims=True) - xh * (d * xh).mean(axis=axis, keepdims=True))
            other = 1 - axis
            return y, dx, (g_np * xh).sum(axis=other), g_np.sum(axis=other)

        return step

    def composed(axis):
        def forward():
            mean = x.mean(dim=axis, keepdim=True)
            xc = x - mean
            return xc / ((xc * xc).mean(dim=axis, keepdim=True) + 1e-5).sqrt() * w + b

        return forward

    def run(forward):
        def step():
            x.grad = w.grad = b.grad = None
            forward().backward(g)

        return step

    report(
        "layer_norm (256, 512)",
        compare({"numpy": numpy_norm(1), "fused": run(lambda: F.layer_norm(x, (c,), w, b)),
                 "composed": run(composed(1))}, rounds, repeats),
    )  # fmt: skip
    batch_norm = run(lambda: F.batch_norm(x, None, None, w, b, training=True))
    sides = {"numpy": numpy_norm(0), "fused": batch_norm, "composed": run(composed(0))}
    report("batch_norm train (256, 512)", compare(sides, rounds, repeats))


def bench_mlp(rng, rounds, repeats) -> None:
    """A 784-256-128-10 ReLU MLP step (forward, cross-entropy, backward), batch 256, as in run.py."""
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    x_np, y_np = rng_array(rng, 256, 784), rng.integers(0, 10, 256)
    x, y = autograd.tensor(x_np), autograd.tensor(y_np)
    params = [p.detach().numpy() for p in model.parameters()]
    rows = np.arange(256)

    def numpy_step():
        w1, b1, w2, b2, w3, b3 = params
        h1 = np.maximum(x_np @ w1.T + b1, 0)
        h2 = np.maximum(h1 @ w2.T + b2, 0)
        logits = h2 @ w3.T + b3
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        d = e / e.sum(axis=1, keepdims=True)
        d[rows, y_np] -= 1
        d /= 256
        grads = [d.T @ h2, d.sum(axis=0)]
        d2 = (d @ w3) * (h2 > 0)
        grads += [d2.T @ h1, d2.sum(axis=0)]
        d1 = (d2 @ w2) * (h1 > 0)
        return grads + [d1.T @ x_np, d1.sum(axis=0)]

    def tt_step():
        model.zero_grad()
        F.cross_entropy(model(x), y).backward()

    report(
        "MLP 784-256-128-10 step, batch 256",
        compare({"numpy": numpy_step, "tt-nn": tt_step}, rounds, repeats),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args(argv)
    rounds, repeats = (2, 3) if args.quick else (7, 15)
    rng = np.random.default_rng(0)
    print(f"tt-nn fused vs composed vs NumPy, forward + backward, float32 (NumPy {np.__version__})\n")
    bench_linear(rng, rounds, repeats, needs_input_grad=True)
    bench_linear(rng, rounds, repeats, needs_input_grad=False)
    bench_cross_entropy(rng, rounds, repeats, classes=10)
    bench_cross_entropy(rng, rounds, repeats, classes=1000)
    bench_elementwise(rng, rounds, repeats)
    bench_norms(rng, rounds, repeats)
    bench_mlp(rng, rounds, repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
