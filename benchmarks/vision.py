"""Vision benchmarks (issue #4): CNN training steps, where their time goes, and conv GFLOP/s against BLAS.

``python benchmarks/vision.py`` (also run by ``benchmarks/run.py``) prints, all measured in this one run:

* ``small CNN``: one SGD training step (forward, cross-entropy, backward,
  update) of the reference net — conv3×3 3→32, ReLU, max-pool 2, 32→64,
  ReLU, pool, 64→128, ReLU, pool, linear 2048→10 — on a batch of 128
  32×32 images. Goal: within 1.5× of PyTorch CPU's step (80–91 ms here).
* ``milestone-04 net``: the same with BatchNorm after each conv (the CIFAR-10
  milestone's network), per batch and per 391-batch epoch, and in
  ``nn.DataParallel`` (the batch cut over the worker threads);
* a profile of that step by layer type (conv, batch norm, pool, ReLU, other
  ops, and the rest: Python, autograd engine, optimizer), timing every
  ``Function``'s forward and backward;
* the conv layers' achieved GFLOP/s against a 1024³ float32 matmul, both timed the
  same way (the fastest of a few runs, median over rounds; the profile's mean beside it).

``--torch`` also times the small CNN in PyTorch (opt-in; ``nox -s bench-torch``
installs it) and prints the ratio tinytorch/torch measured in the same run; and
the milestone-04 net in ``nn.DataParallel`` against PyTorch's (NCHW, 2 threads); and
that net's batch norm, ReLU and max-pool (forward + backward per step, from the
profile) against PyTorch's kernels for them, timed by PyTorch's own profiler.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_optim
from function_timers import function_timers  # benchmarks/function_timers.py
from tt_tensor import threads
from tt_vision import BatchNorm2d, Conv2d, MaxPool2d, fuse_batch_norm_relu

BATCH = 128
STEPS_PER_EPOCH = 391  # CIFAR-10's 50,000 images at batch 128


def small_cnn(batch_norm: bool = False, fuse: bool = True, max_pool: bool = True) -> nn.Module:
    """The reference CNN; with ``batch_norm``, the milestone-04 network.

    As milestone 04 trains it, each BatchNorm2d + ReLU + MaxPool2d(2) is one fused
    node (``tt_vision.fuse_batch_norm_relu``) unless ``fuse`` is False; with
    ``max_pool`` False only BatchNorm2d + ReLU are fused.
    """
    layers: list[nn.Module] = []
    for c_in, c_out in ((3, 32), (32, 64), (64, 128)):
        layers.append(Conv2d(c_in, c_out, 3, padding=1, bias=not batch_norm))
        if batch_norm:
            layers.append(BatchNorm2d(c_out))
        layers += [nn.ReLU(), MaxPool2d(2)]
    model = nn.Sequential(*layers, nn.Flatten(), nn.Linear(128 * 4 * 4, 10))
    if fuse:
        fuse_batch_norm_relu(model, max_pool=max_pool)
    return model


def conv_flops(model: nn.Module, batch: int) -> float:
    """Multiply-adds ×2 of every conv in one forward pass of a batch of 3×32×32 images.

    Each conv's output size is read off a one-image pass in eval mode (a fused node may
    hold the pooling that halves the size, so the layer types alone do not tell).
    """
    total, x = 0.0, autograd.tensor(np.zeros((1, 3, 32, 32), np.float32))
    was_training = model.training
    model.eval()
    with autograd.no_grad():
        for layer in model:
            x = layer(x)
            if isinstance(layer, Conv2d):  # per output pixel, one multiply-add for every weight
                total += 2 * batch * x.shape[2] * x.shape[3] * layer.weight.numel()
    model.train(was_training)
    return total


def make_step(model: nn.Module, seed: int = 0, rows: slice = slice(None)) -> Callable[[], float]:
    """A training step of ``model`` on a fixed random batch (or its ``rows``); SGD, momentum 0.9."""
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((BATCH, 3, 32, 32)).astype(np.float32)
    labels = rng.integers(0, 10, BATCH)
    x, y = autograd.tensor(images[rows]), autograd.tensor(labels[rows])
    optimizer = tt_optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step() -> float:
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return float(loss.detach().numpy())

    return step


def time_it(
    function: Callable[[], object], repeats: int, rounds: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Median over ``rounds`` of the fastest of ``repeats`` calls, ``clock``'s seconds (after a warm-up)."""
    function()
    best = []
    for _ in range(rounds):
        times = []
        for _ in range(repeats):
            start = clock()
            function()
            times.append(clock() - start)
        best.append(min(times))
    return statistics.median(best)


def forward_backward_times(cases: dict, grad: Callable, repeats: int, rounds: int, clock) -> dict:
    """name: (forward seconds, backward seconds) of each case ``(forward, inputs, seed)``, by :func:`time_it`.

    Backward is one ``grad(out, inputs, seed, retain_graph=True)`` of one forward's output (the same
    graph walked again), so any library's ``grad`` with that signature is timed the same way.
    """
    result = {}
    for name, (forward, inputs, seed) in cases.items():
        out = forward()
        result[name] = (
            time_it(forward, repeats, rounds, clock),
            time_it(lambda out=out, inputs=inputs, seed=seed: grad(out, inputs, seed, retain_graph=True),
                    repeats, rounds, clock),
        )  # fmt: skip
    return result


def comparison_lines(ours: dict, theirs: dict, label: str, width: int, digits: int) -> list[str]:
    """A table of :func:`forward_backward_times` figures in ms: ours, and beside them (where ``theirs``
    has the case) the other library's, headed ``label``, and ours over theirs."""
    header = f"  {'case':{width}s} {'forward':>9s} {'backward':>9s}"
    if theirs:
        header += f" {label + ' fwd':>10s} {label + ' bwd':>10s} {'ratio fwd':>10s} {'ratio bwd':>10s}"
    lines = [header]
    for name, (forward, backward) in ours.items():
        line = f"  {name:{width}s} {forward * 1e3:9.{digits}f} {backward * 1e3:9.{digits}f}"
        if name in theirs:
            t_forward, t_backward = theirs[name]
            line += f" {t_forward * 1e3:10.{digits}f} {t_backward * 1e3:10.{digits}f}"
            line += f" {forward / t_forward:9.2f}x {backward / t_backward:9.2f}x"
        lines.append(line)
    return lines


def matmul_gflops(repeats: int = 10) -> float:
    a = np.random.default_rng(0).random((1024, 1024), dtype=np.float32)
    return 2 * 1024**3 / time_it(lambda: a @ a, repeats, 3) / 1e9


CATEGORIES = {
    "Conv2dFunction": "conv",
    "BatchNormFunction": "batch norm",
    "BatchNormReLUFunction": "batch norm + relu (fused)",
    "BatchNormReLUMaxPoolFunction": "bn + relu + pool (fused)",
    "MaxPool2dFunction": "pool",
    "AvgPool2dFunction": "pool",
    "AdaptiveAvgPool2dFunction": "pool",
    "ReLUFunction": "relu",
}


def category(cls: type, args: tuple) -> str:
    """A Function's row in the profile: its layer type (:data:`CATEGORIES`), or "other ops"."""
    return CATEGORIES.get(cls.__name__, "other ops")


def profile(step: Callable[[], object], steps: int) -> dict[str, float]:
    """Seconds per step in each layer type (forward + backward), from timers around every Function.

    Means over ``steps`` steps, so the parts add up to the mean step.
    """
    with function_timers(category) as spent:
        step()
        spent.clear()
        totals = []
        for _ in range(steps):
            start = time.perf_counter()
            step()
            totals.append(time.perf_counter() - start)
    result = {kind: seconds / steps for kind, seconds in spent.items()}
    result["python, engine, optimizer"] = sum(totals) / steps - sum(result.values())
    result["total"] = sum(totals) / steps
    return result


def conv_seconds(step: Callable[[], object], repeats: int, rounds: int) -> float:
    """A step's seconds inside the convolutions (forward + backward), timed as :func:`time_it` times.

    The fastest of ``repeats`` steps, median over ``rounds``: the statistic the 1024³ matmul
    it is compared with gets (:func:`matmul_gflops`), where :func:`profile`'s mean counts every
    slow step too.
    """
    best = []
    with function_timers(lambda cls, args: "conv" if category(cls, args) == "conv" else None) as spent:
        step()
        for _ in range(rounds):
            times = []
            for _ in range(repeats):
                spent.clear()
                step()
                times.append(spent["conv"])
            best.append(min(times))
    return statistics.median(best)


def torch_small_cnn_step(batch_norm: bool = False) -> Callable[[], None]:
    """One training step of the same small CNN in PyTorch (2 threads; ``batch_norm``: milestone 04's)."""
    import torch  # opt-in yardstick only

    torch.set_num_threads(2)
    torch.manual_seed(0)
    layers = []
    for c_in, c_out in ((3, 32), (32, 64), (64, 128)):
        layers.append(torch.nn.Conv2d(c_in, c_out, 3, padding=1, bias=not batch_norm))
        layers += [torch.nn.BatchNorm2d(c_out)] if batch_norm else []
        layers += [torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
    model = torch.nn.Sequential(*layers, torch.nn.Flatten(), torch.nn.Linear(2048, 10))
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((BATCH, 3, 32, 32)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 10, BATCH))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step() -> None:
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


#: PyTorch's kernels for milestone 04's batch norm, ReLU and 2×2 max-pool, forward and backward
#: (the names its profiler gives them; each one's time includes what it calls).
TORCH_BN_RELU_POOL = (
    "aten::native_batch_norm",
    "aten::native_batch_norm_backward",
    "aten::relu",
    "aten::threshold_backward",
    "aten::max_pool2d_with_indices",
    "aten::max_pool2d_with_indices_backward",
)


def torch_layer_times(step: Callable[[], None], steps: int) -> dict[str, float]:
    """Seconds per step in each of PyTorch's kernels of :data:`TORCH_BN_RELU_POOL` (its own profiler)."""
    from torch import profiler  # opt-in yardstick only (its profile, not this file's profile())

    step()
    with profiler.profile(activities=[profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    totals = {event.key: event.cpu_time_total / 1e6 for event in prof.key_averages()}
    return {name: totals.get(name, 0.0) / steps for name in TORCH_BN_RELU_POOL}


def paired(
    a: Callable[[], object], b: Callable[[], object], repeats: int, rounds: int
) -> tuple[float, float]:
    """Median over alternating rounds of each function's fastest call: machine drift hits both alike."""
    a(), b()
    times_a, times_b = [], []
    for _ in range(rounds):
        times_a.append(time_it(a, repeats, 1))
        times_b.append(time_it(b, repeats, 1))
    return statistics.median(times_a), statistics.median(times_b)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--torch", action="store_true", help="also time PyTorch (must be installed)")
    args = parser.parse_args(argv)
    repeats, rounds = (3, 2) if args.quick else (5, 5)
    autograd.manual_seed(0)
    print(f"Vision benchmarks, batch {BATCH} of 3×32×32 (NumPy {np.__version__}); one run, ratios in-run\n")

    peak = matmul_gflops()
    small = small_cnn()
    small_step = make_step(small)
    if args.torch:
        t_small, t_torch = paired(small_step, torch_small_cnn_step(), repeats, 2 * rounds)
    else:
        t_small, t_torch = time_it(small_step, repeats, rounds), None
    peak_after = matmul_gflops()
    line = f"small CNN training step:       {t_small * 1e3:7.1f} ms  (goal: <= 1.5x PyTorch, i.e. <= ~130 ms)"
    print(line)
    if t_torch is not None:
        print(
            f"  PyTorch {t_torch * 1e3:.1f} ms for the same step (alternating rounds); "
            f"ratio tinytorch/torch = {t_small / t_torch:.2f}x  (goal <= 1.5x)"
        )

    milestone = small_cnn(batch_norm=True)
    milestone_step = make_step(milestone)
    t_milestone = time_it(milestone_step, repeats, rounds)
    print(
        f"milestone-04 net (with BN) step: {t_milestone * 1e3:7.1f} ms  = "
        f"{t_milestone * STEPS_PER_EPOCH:.1f} s "
        f"per {STEPS_PER_EPOCH}-batch epoch (compute only)"
    )
    autograd.manual_seed(0)
    parallel_step = make_step(nn.DataParallel(small_cnn(batch_norm=True)))  # the batch over the workers
    if args.torch:
        torch_bn = torch_small_cnn_step(batch_norm=True)
        t_parallel, t_torch_bn = paired(parallel_step, torch_bn, repeats, 2 * rounds)
    else:
        t_parallel, t_torch_bn = time_it(parallel_step, repeats, rounds), None
    print(f"  in nn.DataParallel on {threads.workers()} worker threads: {t_parallel * 1e3:7.1f} ms")
    if t_torch_bn is not None:
        print(
            f"  PyTorch {t_torch_bn * 1e3:.1f} ms for the same step (NCHW, 2 threads, alternating rounds); "
            f"ratio = {t_parallel / t_torch_bn:.2f}x  (issue #19's goal <= 1.0x)"
        )

    shares = profile(milestone_step, max(3, repeats))
    total = shares.pop("total")
    print(f"\nwhere the milestone-04 step goes ({total * 1e3:.1f} ms per step while profiled):")
    for kind, seconds in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"  {kind:28s} {seconds * 1e3:7.1f} ms  {seconds / total:6.1%}")
    if args.torch:
        layers = torch_layer_times(torch_bn, max(3, repeats))
        ours = shares["bn + relu + pool (fused)"]  # the milestone net is fused: a missing row is a bug
        print(
            f"  batch norm + ReLU + max-pool, forward + backward: {ours * 1e3:.1f} ms (fused, as profiled) "
            f"against PyTorch's {sum(layers.values()) * 1e3:.1f} ms (its profiler, 2 threads: "
            + ", ".join(f"{name.removeprefix('aten::')} {t * 1e3:.1f}" for name, t in layers.items())
            + f"); ratio {ours / sum(layers.values()):.2f}x  (issue #19: no slower than PyTorch's)"
        )
    flops = 3 * conv_flops(milestone, BATCH) - 2 * BATCH * 32 * 32 * 32 * 3 * 9  # no input grad for layer 1
    conv = conv_seconds(milestone_step, repeats, rounds)
    achieved = flops / conv / 1e9
    blas = max(peak, peak_after)
    print(
        f"\nconv layers (fwd + bwd): {flops / 1e9:.2f} GFLOP per step counted as direct convolution "
        f"(Winograd's layers do fewer) in {conv * 1e3:.1f} ms (fastest of {repeats} steps, median of "
        f"{rounds} rounds; the profile's mean: {shares['conv'] * 1e3:.1f} ms) = {achieved:.0f} effective "
        f"GFLOP/s; 1024³ float32 matmul in this run, timed the same way: {blas:.0f} GFLOP/s "
        f"({achieved / blas:.0%} of it; the mean's: {flops / shares['conv'] / 1e9 / blas:.0%})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
