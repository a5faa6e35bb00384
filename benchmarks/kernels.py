"""Element-wise kernels at memory speed? Each fused kernel's time against the measured memory bandwidth (#19).

    python benchmarks/kernels.py                    # this tree's kernels
    python benchmarks/kernels.py --against main     # and another commit's, in alternating rounds
    python benchmarks/kernels.py --quick            # fewer repeats (a smoke run)

For every kernel of milestone 05's GPT step (batch 32 × context 128, width 128,
MLP 512, 4 heads, vocabulary 65) and milestone 04's CNN step (batch 128,
3×32×32 images, BatchNorm widths 32/64/128 at 32²/16²/8², 2×2 max-pools,
10 classes), forward and backward timed separately by calling the
``Function``'s own ``forward`` and ``backward`` on NumPy arrays (no autograd
engine around them), it prints:

* the median time;
* the bytes it must move *at least*: each input read once and each output
  written once (backward: the incoming gradient, the one input it needs —
  ``x`` or ``y`` — and the gradient it writes; a max-pool's backward reads
  ``x``, ``dy`` and writes ``dx``);
* the effective GB/s (those bytes over the time) and that as a share of the
  memory bandwidth measured at the start of the same run: the better of a
  large ``np.add(a, b, out=c)`` and ``np.copyto`` (64 MiB arrays, bytes read
  plus bytes written, the best of several calls), one thread, as NumPy's
  element-wise passes run.

Arrays of a few MB still partly fit in this CPU's 32 MB L3 cache, so a kernel
can exceed 100%; ones far below are doing more passes than they must. Kernels
on tt-tensor's worker threads (batch norm, max-pool) can use both cores.

``--against REV``: each kernel's module file is also taken from commit REV
(``git show``) and loaded beside this tree's (same package, so its relative
imports resolve to this tree's helpers); rounds alternate the two sides, and
the table gives both medians and their ratio. On a machine shared with other
jobs only the ratios mean anything.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from timing import median_time  # benchmarks/timing.py

ROOT = Path(__file__).resolve().parents[1]
MiB = 1 << 20


def bandwidth(repeats: int) -> float:
    """Bytes/s of the better of ``np.add(a, b, out=c)`` and ``np.copyto`` on 64 MiB float32 arrays.

    The best of ``3 * repeats`` calls each: what the machine can do, not what the load left it.
    """
    n = 64 * MiB // 4
    a, b, c = (np.ones(n, np.float32) for _ in range(3))
    best = 0.0
    for _ in range(3 * repeats):
        start = time.perf_counter()
        np.add(a, b, out=c)
        middle = time.perf_counter()
        np.copyto(c, a)
        end = time.perf_counter()
        best = max(best, 3 * a.nbytes / (middle - start), 2 * a.nbytes / (end - middle))
    return best


@dataclass
class Kernel:
    """One kernel at one shape: which Function, how to build its inputs, what it must move."""

    label: str
    shape: tuple[int, ...]
    module: str  # importable module holding the Function
    name: str  # the Function's class name
    make: Callable[[np.random.Generator], tuple[tuple, dict, list[bool]]]  # -> (arrays, params, needs_grad)
    forward_bytes: int
    backward_bytes: int


def _channels_last(rng: np.random.Generator, n: int, c: int, h: int, w: int) -> np.ndarray:
    """An (N, C, H, W) float32 array stored channels-last, as every vision layer's output is."""
    return rng.standard_normal((n, h, w, c), dtype=np.float32).transpose(0, 3, 1, 2)


def kernels() -> list[Kernel]:
    f4 = 4
    found: list[Kernel] = []

    def add(label, shape, module, name, make, fwd_elems, bwd_elems):
        found.append(Kernel(label, shape, module, name, make, fwd_elems * f4, bwd_elems * f4))

    # --- milestone 05's GPT step
    gelu_shape = (32, 128, 512)
    n = int(np.prod(gelu_shape))
    for approximate in ("tanh", "none"):
        add(f"GELU {approximate}", gelu_shape, "tt_nn.functional.activations", "GELUFunction",
            lambda rng, a=approximate: ((rng.standard_normal(gelu_shape, dtype=np.float32),),
                                        {"approximate": a}, [True]),
            2 * n, 3 * n)  # fmt: skip
    ln_shape = (32, 128, 128)
    n = int(np.prod(ln_shape))
    add("LayerNorm", ln_shape, "tt_nn.functional.normalization", "LayerNormFunction",
        lambda rng: ((rng.standard_normal(ln_shape, dtype=np.float32), np.ones(128, np.float32),
                      np.zeros(128, np.float32)), {"ndim": 1, "eps": 1e-5}, [True, True, True]),
        2 * n, 3 * n)  # fmt: skip
    sm_shape = (32, 4, 128, 128)
    n = int(np.prod(sm_shape))
    add("softmax (attention rows)", sm_shape, "tt_nn.functional.activations", "SoftmaxFunction",
        lambda rng: ((rng.standard_normal(sm_shape, dtype=np.float32),), {"dim": 3}, [True]),
        2 * n, 3 * n)  # fmt: skip
    qkv_shape = (32, 128, 3 * 128)
    n, scores = int(np.prod(qkv_shape)), 32 * 4 * 128 * 128
    # (its kernels live in tt_text.attention_kernels: ``--against`` swaps only sdpa.py, so no ratio here)
    add(
        "causal attention (packed, 4 heads)",
        qkv_shape,
        "tt_text.sdpa",
        "PackedSelfAttentionFunction",
        lambda rng: (
            (rng.standard_normal(qkv_shape, dtype=np.float32),),
            {"n_head": 4, "is_causal": True, "dropout_p": 0.0, "rng": None},
            [True],
        ),
        n + n // 3 + scores,
        n // 3 + n + scores + n,
    )  # element counts: (qkv, out, probs; grad, qkv, probs, d_qkv)
    logits = (32 * 128, 65)
    n = int(np.prod(logits))
    add("log_softmax (GPT logits)", logits, "tt_nn.functional.activations", "LogSoftmaxFunction",
        lambda rng: ((rng.standard_normal(logits, dtype=np.float32),), {"dim": 1}, [True]),
        2 * n, 3 * n)  # fmt: skip
    add("cross_entropy (GPT logits)", logits, "tt_nn.functional.losses", "CrossEntropyFunction",
        lambda rng: ((rng.standard_normal(logits, dtype=np.float32), rng.integers(0, 65, logits[0]),
                      None), {"ignore_index": -100, "reduction": "mean", "label_smoothing": 0.0},
                     [True, False, False]),
        n, n)  # fmt: skip
    # --- milestone 04's CNN step
    for c, hw in ((32, 32), (64, 16), (128, 8)):
        shape = (128, c, hw, hw)
        n = int(np.prod(shape))
        for label, module, name in (
            ("BatchNorm2d", "normalization", "BatchNormFunction"),
            ("BatchNorm2d+ReLU fused", "batch_norm_relu", "BatchNormReLUFunction"),
        ):
            add(f"{label} {c}", shape, f"tt_nn.functional.{module}", name,
                lambda rng, c=c, hw=hw: ((_channels_last(rng, 128, c, hw, hw), np.ones(c, np.float32),
                                          np.zeros(c, np.float32)),
                                         {"running_mean": np.zeros(c, np.float32),
                                          "running_var": np.ones(c, np.float32), "training": True,
                                          "momentum": 0.1, "eps": 1e-5}, [True, True, True]),
                2 * n, 3 * n)  # fmt: skip
        add(f"ReLU {c}", shape, "tt_autograd.functions.unary", "ReLUFunction",
            lambda rng, c=c, hw=hw: ((_channels_last(rng, 128, c, hw, hw),), {}, [True]),
            2 * n, 3 * n)  # fmt: skip
        add(
            f"BatchNorm2d+ReLU+max-pool fused {c}",
            shape,
            "tt_vision.batch_norm_relu_pool",
            "BatchNormReLUMaxPoolFunction",
            lambda rng, c=c, hw=hw: (
                (
                    _channels_last(rng, 128, c, hw, hw),
                    np.ones(c, np.float32),
                    np.zeros(c, np.float32),
                    np.zeros(c, np.float32),
                    np.ones(c, np.float32),
                ),
                {"training": True, "momentum": 0.1, "eps": 1e-5},
                [True, True, True],
            ),
            n + n // 4,
            n // 4 + n + n,
        )  # element counts: (x, out; dy, x, dx)
        add(f"max-pool 2x2 {c}", shape, "tt_vision._pool", "MaxPool2dFunction",
            lambda rng, c=c, hw=hw: ((_channels_last(rng, 128, c, hw, hw),),
                                     {"kernel": (2, 2), "stride": (2, 2), "padding": (0, 0),
                                      "dilation": (1, 1), "ceil_mode": False}, [True]),
            n + n // 4, n + n // 4 + n)  # fmt: skip
    ce_shape = (128, 10)
    n = int(np.prod(ce_shape))
    add("cross_entropy (CNN)", ce_shape, "tt_nn.functional.losses", "CrossEntropyFunction",
        lambda rng: ((rng.standard_normal(ce_shape, dtype=np.float32), rng.integers(0, 10, 128), None),
                     {"ignore_index": -100, "reduction": "mean", "label_smoothing": 0.1},
                     [True, False, False]),
        n, n)  # fmt: skip
    return found


def _file_of(module: str) -> Path:
    """The module's source file in this repository (whether the packages are installed editable or not)."""
    relative = Path(*module.split(".")).with_suffix(".py")
    (found,) = (path for path in (ROOT / "packages").glob(f"*/src/{relative.as_posix()}"))
    return found


def load_from_commit(module: str, rev: str) -> object:
    """``module`` as its file was at commit ``rev``, loaded as a sibling module of this tree's package."""
    path = _file_of(module).relative_to(ROOT)
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{path.as_posix()}"],
                            check=True, capture_output=True, text=True).stdout  # fmt: skip
    package, _, stem = module.rpartition(".")
    name = f"{package}.{stem}_at_{rev.replace('-', '_').replace('/', '_')}"
    spec = importlib.util.spec_from_loader(name, loader=None)
    loaded = importlib.util.module_from_spec(spec)
    loaded.__package__ = package
    loaded.__file__ = f"<{rev}:{path}>"
    sys.modules[name] = loaded
    exec(compile(source, loaded.__file__, "exec"), loaded.__dict__)  # noqa: S102  (our own repository's file)
    return loaded


def time_kernel(cls: type, kernel: Kernel, repeats: int) -> tuple[float, float]:
    """Median seconds of ``cls.forward`` and of ``cls.backward`` on the kernel's inputs."""
    arrays, params, needs = kernel.make(np.random.default_rng(0))

    def forward():
        ctx = cls()
        ctx.needs_input_grad = needs
        return ctx, cls.forward(ctx, *arrays, **params)

    ctx, out = forward()
    grad = np.random.default_rng(1).standard_normal(np.shape(out)).astype(np.float32)
    if grad.ndim == 4 and arrays[0].ndim == 4:  # vision gradients come channels-last, as layers make them
        grad = np.ascontiguousarray(grad.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    return median_time(forward, repeats), median_time(lambda: cls.backward(ctx, grad), repeats)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--against", metavar="REV", help="also time the kernels of this git commit")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (default 3, quick 1)")
    parser.add_argument("--only", default="", help="only kernels whose label contains this text")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 9
    rounds = args.rounds or (1 if args.quick else 3)
    chosen = [k for k in kernels() if args.only.lower() in k.label.lower()]
    bw = bandwidth(repeats)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"element-wise kernels (issue #19): memory bandwidth {bw / 1e9:.1f} GB/s "
          f"(64 MiB np.add/np.copyto, one thread); load average {load:.1f}")  # fmt: skip
    sides = {"this tree": {k.module: importlib.import_module(k.module) for k in chosen}}
    if args.against:  # a kernel whose file is new since REV has no "before" side
        sides[args.against] = {m: load_from_commit(m, args.against) for m in sides["this tree"]
                               if _exists_at(m, args.against)}  # fmt: skip
    times: dict[tuple[str, str, int], list[float]] = {}
    for r in range(rounds):  # per kernel, the sides alternate, first one then the other first
        for i, kernel in enumerate(chosen):
            for side in [s for s in sides if kernel.module in sides[s]][:: 1 if r % 2 == 0 else -1]:
                fwd, bwd = time_kernel(getattr(sides[side][kernel.module], kernel.name), kernel, repeats)
                times.setdefault((side, "forward", i), []).append(fwd)
                times.setdefault((side, "backward", i), []).append(bwd)
    head = f"{'kernel':36s} {'shape':18s} {'pass':8s} {'MB':>6s} {'ms':>7s} {'GB/s':>6s} {'of bw':>6s}"
    if args.against:
        head += f" {args.against + ' ms':>12s} {'ratio':>6s}"
    print(head)
    for i, kernel in enumerate(chosen):
        for direction, nbytes in (("forward", kernel.forward_bytes), ("backward", kernel.backward_bytes)):
            t = statistics.median(times[("this tree", direction, i)])
            shape = "x".join(map(str, kernel.shape))
            line = (f"{kernel.label:36s} {shape:18s} {direction:8s} {nbytes / 1e6:6.1f} {t * 1e3:7.2f} "
                    f"{nbytes / t / 1e9:6.1f} {nbytes / t / bw:6.0%}")  # fmt: skip
            if args.against and (args.against, direction, i) in times:
                before = statistics.median(times[(args.against, direction, i)])
                line += f" {before * 1e3:12.2f} {t / before:6.2f}"
            elif args.against:
                line += f" {'(new)':>12s}"
            print(line)
    medians = {(k.label, d): statistics.median(times[("this tree", d, i)])
               for i, k in enumerate(chosen) for d in ("forward", "backward")}  # fmt: skip
    for c in (32, 64, 128):  # the fused pair against its two kernels, both of this tree
        pair = [(f"{name} {c}", d) for name in ("BatchNorm2d", "ReLU") for d in ("forward", "backward")]
        fused = [(f"BatchNorm2d+ReLU fused {c}", d) for d in ("forward", "backward")]
        if all(key in medians for key in pair + fused):
            apart, together = sum(medians[k] for k in pair), sum(medians[k] for k in fused)
            print(
                f"BatchNorm2d {c} + ReLU, forward + backward: {apart * 1e3:.2f} ms as two nodes, "
                f"{together * 1e3:.2f} ms fused ({together / apart:.2f}x)"
            )
    return 0


def _exists_at(module: str, rev: str) -> bool:
    path = _file_of(module).relative_to(ROOT).as_posix()
    found = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{rev}:{path}"], capture_output=True)
    return found.returncode == 0


if __name__ == "__main__":
    sys.exit(main())
