"""INT8 quantization of milestones 03, 04 and 05's models, and PyTorch's own flows beside them (module 15).

Run: ``python benchmarks/perf_quantization.py`` (2–3 minutes of CPU time; 15 minutes of wall time
with PyTorch on a machine loaded to 13–16), ``--quick`` (a smoke run, under a minute of CPU),
``--torch`` (PyTorch's flows in the same run: ``nox -s bench-torch-quant`` installs it),
``--gemm-only`` (part 3 alone, without weights or data).

1. **The table.** Each model — milestone 03's MLP on MNIST (if
   ``build/milestones/03_mlp_mnist.npz`` is missing, trained here for two
   epochs once and kept in ``build/milestones/perf_quantization_mlp.npz``),
   milestone 04's CNN on CIFAR-10 (``build/milestones/04_cnn_cifar10.npz``,
   batch norms folded first) and milestone 05's character GPT
   (``build/milestones/gpt_char.npz`` and its config) — as float32, then
   quantized four ways: **dynamic** (``quantize_dynamic``: ``Linear``; the CNN's
   convolutions too), **static** (``prepare`` → 1,000 calibration images or 32
   text windows → ``convert``), **QAT** (``prepare_qat`` → a short fine-tune
   through fake quantization → ``convert``; beside it, the same steps
   without fake quantization, so the fine-tuning's own effect shows).
   Accuracy on the MNIST test set and on the first 5,000 CIFAR-10 test images
   (the GPT: validation loss in nats per character over 64 windows spread
   over the held-out text), ``model_size_bytes``, and the
   forward time of one batch (128 images; one 128-token window) in alternating
   rounds, medians. With ``--torch`` the same weights go through PyTorch's
   ``quantize_dynamic``, its static eager flow and its QAT (``quant_torch.py``),
   timed in the same rounds. One BLAS thread (and one PyTorch thread) by
   default, ``--threads`` to change: on a shared machine more threads than
   free cores make the timings thrash.
2. **The CNN in detail.** A histogram (percentile) observer against min–max,
   INT8 weights with float arithmetic (``quantize_weights``), and each layer
   alone, float against static INT8.
3. **The integer GEMM.** A conv-shaped product (``(128·16·16) × 288 × 64``)
   as float32 BLAS, as ``int_matmul`` (exact int32 accumulation on float32
   BLAS, in chunks of K ≤ 514), as float64 BLAS and as NumPy's own int32
   matmul, in GFLOP/s: NumPy has no integer BLAS, so an exact integer product
   either rides on float BLAS or runs NumPy's plain loop.

Needs ``$TINYTORCH_DATA`` (MNIST, CIFAR-10, tiny-shakespeare).
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tt_optim
from timing import median_time  # benchmarks/timing.py: warm-up, then the median of repeated calls
from tt_autograd import from_numpy, no_grad
from tt_nn import Linear
from tt_nn.functional import cross_entropy
from tt_perf.quantization import (
    HistogramObserver,
    convert,
    fuse_conv_bn,
    int_matmul,
    model_size_bytes,
    prepare,
    prepare_qat,
    quantize_dynamic,
    quantize_weights,
)
from tt_tensor import threads
from tt_text import GPT, CharTokenizer, GPTConfig, TokenWindows, load_tiny_shakespeare
from tt_vision import Conv2d
from tt_vision import transforms as T
from tt_vision.datasets import CIFAR10, MNIST

import tinytorch as tt

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "build" / "milestones"


def milestone(name: str):
    """A milestone script (``milestones/<name>.py``) as a module, for its model builders."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "milestones" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "milestones"))
    spec.loader.exec_module(module)
    return module


@dataclass
class Case:
    """One model of the table and everything its flows need, as NumPy arrays."""

    name: str
    kind: str  # "mlp", "cnn" or "gpt": how PyTorch's static flow wraps it
    model: object  # float32, eval mode
    metric: str
    evaluate: Callable[[Callable[[np.ndarray], np.ndarray]], float]  # predict -> metric
    calibration: list[np.ndarray]
    batches: Callable[[int], tuple[np.ndarray, np.ndarray]]  # step -> a fine-tuning batch
    latency_input: np.ndarray
    qat_steps: int
    lr: float
    adam: bool = False
    dynamic_types: set = field(default_factory=lambda: {Linear})


def predictor(model) -> Callable[[np.ndarray], np.ndarray]:
    def predict(x: np.ndarray) -> np.ndarray:
        with no_grad():
            return model(from_numpy(x)).numpy()

    return predict


def accuracy_on(data, count: int, batch: int = 500):
    def evaluate(predict) -> float:
        correct = 0
        for first in range(0, count, batch):
            x, y = data.get_batch(np.arange(first, min(first + batch, count)))
            correct += int((predict(x.numpy()).argmax(axis=1) == y.numpy()).sum())
        return correct / count

    return evaluate


def image_batches(data, size: int, seed: int = 1):
    def batch(step: int) -> tuple[np.ndarray, np.ndarray]:
        indices = np.random.default_rng([seed, step]).integers(0, len(data), size)
        x, y = data.get_batch(indices)
        return x.numpy(), y.numpy()

    return batch


def calibration_images(data, count: int) -> list[np.ndarray]:
    indices = np.random.default_rng(0).permutation(len(data))[:count]
    return [data.get_batch(indices[first : first + 200])[0].numpy() for first in range(0, count, 200)]


def mlp_case(args) -> Case:
    m03 = milestone("03_mlp_mnist")
    train, test = MNIST(train=True, download=False), MNIST(train=False, download=False)
    train.transform = test.transform = T.Normalize(0.1307, 0.3081)
    tt.manual_seed(0)
    model = m03.build_mlp(28 * 28)
    path, cache = WEIGHTS / "03_mlp_mnist.npz", WEIGHTS / "perf_quantization_mlp.npz"
    if path.exists() or cache.exists():
        model.load_state_dict(tt_optim.load(path if path.exists() else cache))
        print(f"  MLP: weights from {(path if path.exists() else cache).relative_to(ROOT)}")
    else:  # two epochs of plain SGD: ~98%, seconds on one thread
        start, batch = time.perf_counter(), image_batches(train, 128, seed=7)
        optimizer = tt_optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        for step in range(2 * len(train) // 128):
            x, y = batch(step)
            loss = cross_entropy(model(from_numpy(x)), from_numpy(y))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"  MLP: no saved weights, trained here for 2 epochs in {time.perf_counter() - start:.0f} s")
        cache.parent.mkdir(parents=True, exist_ok=True)
        tt_optim.save(model.state_dict(), cache)
    count = 1000 if args.quick else len(test)
    return Case("MLP 784-512-256-10, MNIST", "mlp", model.eval(), f"accuracy ({count:,} test images)",
                accuracy_on(test, count), calibration_images(train, 1000), image_batches(train, 128),
                test.get_batch(np.arange(128))[0].numpy(), 30 if args.quick else 300, 0.01)  # fmt: skip


def cnn_case(args) -> Case:
    m04 = milestone("04_cnn_cifar10")
    tt.manual_seed(0)
    model = m04.build_cnn(3, 32)
    model.load_state_dict(tt_optim.load(WEIGHTS / "04_cnn_cifar10.npz"))
    train, test = CIFAR10(train=True, download=False), CIFAR10(train=False, download=False)
    train.transform = test.transform = T.Normalize(m04.MEAN, m04.STD)
    count = 1000 if args.quick else 5000  # the first half of the test set: each INT8 pass costs seconds
    folded = fuse_conv_bn(model.eval())  # every flow starts from the folded model
    return Case("CNN (3 conv blocks), CIFAR-10, BN folded", "cnn", folded, f"accuracy ({count:,} images)",
                accuracy_on(test, count), calibration_images(train, 200 if args.quick else 1000),
                image_batches(train, 64), test.get_batch(np.arange(128))[0].numpy(),
                20 if args.quick else 100, 2e-4, dynamic_types={Linear, Conv2d})  # fmt: skip


def gpt_case(args) -> Case:
    config = GPTConfig.from_dict(json.loads((WEIGHTS / "gpt_char.config.json").read_text()))
    model = GPT(config)
    model.load_state_dict(tt_optim.load(WEIGHTS / "gpt_char.npz"))
    text = load_tiny_shakespeare()
    tokenizer = CharTokenizer().train(text)  # milestone 05's: the characters of the whole file
    cut = round(len(text) * 0.9)
    train = TokenWindows(np.array(tokenizer.encode(text[:cut])), config.block_size)
    val = TokenWindows(np.array(tokenizer.encode(text[cut:])), config.block_size)
    windows = np.linspace(0, len(val) - 1, 16 if args.quick else 64).astype(np.int64)

    def evaluate(predict) -> float:  # nats per token = per character (one character per id)
        nats = 0.0
        for first in range(0, len(windows), 16):
            x, y = (a.numpy() for a in val.__getitems__(windows[first : first + 16]))
            logits = predict(x).reshape(-1, config.vocab_size)
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_z = np.log(np.exp(shifted).sum(axis=1))
            nats += float((log_z - shifted[np.arange(len(shifted)), y.reshape(-1)]).sum())
        return nats / (len(windows) * config.block_size)

    def batch(step: int) -> tuple[np.ndarray, np.ndarray]:
        indices = np.random.default_rng([1, step]).integers(0, len(train), 16)
        return tuple(a.numpy() for a in train.__getitems__(indices))

    calibration = [batch(10_000 + i)[0] for i in range(2)]
    return Case(f"GPT ({config.n_layer}×{config.n_embd}, char), tiny-shakespeare", "gpt", model.eval(),
                f"val loss, nats/char ({len(windows)} windows)", evaluate, calibration, batch,
                val.__getitems__(windows[:1])[0].numpy(), 10 if args.quick else 50, 1e-4,
                adam=True)  # fmt: skip


def fine_tune(model, case: Case) -> float:
    """``case.qat_steps`` steps of SGD (momentum 0.9) or AdamW on ``model``; seconds per step."""
    optimizer = (tt_optim.AdamW(model.parameters(), lr=case.lr, weight_decay=0.0) if case.adam
                 else tt_optim.SGD(model.parameters(), lr=case.lr, momentum=0.9))  # fmt: skip
    start = time.perf_counter()
    for step in range(case.qat_steps):
        x, y = case.batches(step)
        logits = model(from_numpy(x))
        loss = cross_entropy(logits.reshape(-1, logits.shape[-1]), from_numpy(y).reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return (time.perf_counter() - start) / max(case.qat_steps, 1)


def tinytorch_flows(case: Case) -> dict[str, object]:
    """float32, dynamic, static and QAT versions of ``case.model`` (TinyTorch's flows)."""
    models = {"float32": case.model, "dynamic": quantize_dynamic(case.model, case.dynamic_types)}
    prepared = prepare(case.model)
    with no_grad():
        for x in case.calibration:
            prepared(from_numpy(x))
    models["static"] = convert(prepared)
    qat = prepare_qat(copy.deepcopy(case.model).train())
    per_step = fine_tune(qat, case)
    models["QAT"] = convert(qat.eval())
    control = copy.deepcopy(case.model).train()  # the same fine-tuning without fake quantization
    float_step = fine_tune(control, case)
    after = case.evaluate(predictor(control.eval()))
    print(f"  TinyTorch QAT: {case.qat_steps} steps, {per_step * 1e3:.0f} ms per step (the same steps in "
          f"float32 alone: {float_step * 1e3:.0f} ms per step, then {case.metric} {after:.4f})")  # fmt: skip
    return models


def torch_flows(case: Case) -> dict[str, object]:
    """The same four through PyTorch's eager-mode quantization (``quant_torch.py``), same weights."""
    import quant_torch  # benchmarks/quant_torch.py: imports torch

    base = quant_torch.gpt_twin(case.model) if case.kind == "gpt" else quant_torch.twin(case.model)
    with no_grad():
        ours = case.model(from_numpy(case.latency_input)).numpy()
    theirs = quant_torch.predictor(base)(case.latency_input)
    assert np.allclose(ours, theirs, atol=1e-3 * np.abs(ours).max()), "the PyTorch twin differs"
    models = {"float32": base, "dynamic": quant_torch.dynamic(base)}
    models["static"] = quant_torch.static(base, case.kind, case.calibration)
    start = time.perf_counter()
    models["QAT"] = quant_torch.qat(base, case.kind, case.batches, case.qat_steps, case.lr, case.adam)
    per_step = (time.perf_counter() - start) / max(case.qat_steps, 1)
    print(f"  PyTorch QAT: {case.qat_steps} steps, {per_step * 1e3:.0f} ms per step (convert included)")
    return models


def table(case: Case, use_torch: bool, rounds: int, repeats: int) -> list[dict]:
    """Metric, bytes and forward time of every flow of ``case``; prints the table and returns its rows."""
    print(f"\n{case.name}")
    rows = [{"library": "TinyTorch", "flow": n, "model": m} for n, m in tinytorch_flows(case).items()]
    if use_torch:
        import quant_torch

        rows += [{"library": "PyTorch", "flow": n, "model": m} for n, m in torch_flows(case).items()]
    for row in rows:
        mine = row["library"] == "TinyTorch"
        predict = predictor(row["model"]) if mine else quant_torch.predictor(row["model"])
        row["metric"] = case.evaluate(predict)
        row["bytes"] = model_size_bytes(row["model"]) if mine else quant_torch.size_bytes(row["model"])
        row["predict"] = predict
    x = case.latency_input
    times = alternating({i: (lambda p=row["predict"]: p(x)) for i, row in enumerate(rows)}, rounds, repeats)
    base = {row["library"]: row for row in rows if row["flow"] == "float32"}
    for i, row in enumerate(rows):
        row["ms"] = times[i] * 1e3
    print(f"  {'':9s} {'flow':8s} {case.metric:>34s} {'size':>10s} {'':>8s} {'forward':>10s}")
    for row in rows:
        ref = base[row["library"]]
        value = f"{row['metric']:.2%}" if "accuracy" in case.metric else f"{row['metric']:.4f}"
        print(
            f"  {row['library']:9s} {row['flow']:8s} {value:>34s} {row['bytes'] / 1024:8.1f} KiB "
            f"{ref['bytes'] / row['bytes']:5.2f}×  {row['ms']:8.2f} ms  {ref['ms'] / row['ms']:5.2f}× speed"
        )
    return rows


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


def cnn_details(case: Case, static, rounds: int, repeats: int) -> None:
    """Histogram vs min–max calibration, weight-only INT8, and each layer alone (float → static INT8)."""
    print(f"\n2. The CNN in detail ({case.metric})")
    prepared = prepare(case.model, observer=HistogramObserver)
    with no_grad():
        for x in case.calibration:
            prepared(from_numpy(x))
    for name, model in (("static, histogram 99.99% observer", convert(prepared)),
                        ("weight-only INT8 (float arithmetic)", quantize_weights(case.model))):  # fmt: skip
        print(
            f"  {name:38s} {case.evaluate(predictor(model)):7.2%}  {model_size_bytes(model) / 1024:6.1f} KiB"
        )
    print("  per layer, on its real input (float32 folded → static INT8, min–max):")
    with no_grad():
        for name, index, x in layer_inputs(case.model, from_numpy(case.latency_input)):
            float_layer, int8_layer = case.model[index], static[index]
            pair = alternating(
                {"float": lambda f=float_layer, x=x: f(x), "int8": lambda q=int8_layer, x=x: q(x)},
                rounds,
                repeats,
            )
            print(
                f"    {name:12s} {pair['float'] * 1e3:7.2f} ms → {pair['int8'] * 1e3:7.2f} ms "
                f"({pair['int8'] / pair['float']:4.2f}×)"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 test images, few steps and rounds")
    parser.add_argument("--torch", action="store_true", help="PyTorch's flows too (torch must be installed)")
    parser.add_argument("--models", default="mlp,cnn,gpt", help="which of mlp, cnn, gpt (comma-separated)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS (and PyTorch) threads, default 1")
    parser.add_argument("--gemm-only", action="store_true", help="only part 3 (needs no weights or data)")
    args = parser.parse_args(argv)
    rounds, repeats = (3, 3) if args.quick else (5, 5)
    before = threads.get_num_threads()
    threads.set_num_threads(args.threads)  # on a shared machine, more threads than free cores thrash
    try:
        return _run(args, rounds, repeats)
    finally:
        threads.set_num_threads(before)  # run.py runs the next Part IV script in this process


def _run(args, rounds: int, repeats: int) -> int:
    if args.torch:
        import torch  # opt-in yardstick only

        torch.set_num_threads(args.threads)
    print(f"{args.threads} thread(s) for BLAS and PyTorch; load average {os.getloadavg()[0]:.1f}")
    if args.gemm_only:
        bench_gemm(rounds)
        return 0
    print("1. float32 / dynamic / static / QAT: metric, size (state dict), forward time of one batch")
    print("   (alternating rounds, medians; '×' against the same library's float32)")
    builders = {"mlp": mlp_case, "cnn": cnn_case, "gpt": gpt_case}
    rows = {}
    for name in args.models.split(","):
        case = builders[name](args)
        rows[name] = table(case, args.torch, rounds, repeats)
        if name == "cnn":
            cnn_details(case, rows[name][2]["model"], rounds, repeats)
    bench_gemm(rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
