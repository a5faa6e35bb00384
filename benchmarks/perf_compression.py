"""Compression of milestone 04's trained CNN (module 16): ``python benchmarks/perf_compression.py``.

Four parts, each on the CIFAR-10 test set (10,000 images; ``--quick``: 1,000):

* ``static`` — what each method costs straight away, without retraining:
  global magnitude pruning (masks) at 50/70/90% of the conv and linear
  weights; structured channel removal (``shrink_channels``) at 25/50% with
  the p90 latency of one image and the throughput at batch 128; low rank of
  the final linear layer (2048 → 10) at a few ranks;
* ``finetune`` — global magnitude pruning at 50/70/90%, then a **short**
  fine-tune with the masks kept (SGD, Nesterov momentum, weight decay, a
  cosine learning rate from 0.01 to 0; the optimizer updates ``weight_orig``
  and the forward sees ``weight_orig · mask``, so pruned weights stay zero):
  accuracy before and after;
* ``sparse`` — the fine-tuned pruned models stored in CSR form
  (``to_sparse``): the bytes of the saved file (the checkpoint format,
  ``tt_optim.save``) against the dense file, and the forward time of the
  sparse layers against the dense ones at batch 128 (alternating rounds);
* ``distill`` — a student CNN of half the width (about a quarter of the
  parameters), trained from scratch for the same short budget with plain
  cross-entropy and with ``distillation_step`` (teacher: the trained CNN).

The budgets are short on purpose (minutes, not the hour a real fine-tune
takes): ``--train-images`` of the training set (default 10,000, augmented as
milestone 04 augments) for ``--epochs`` (fine-tune: default 2; distillation:
``--distill-epochs``, default 4). Needs ``build/milestones/04_cnn_cifar10.npz``
(run milestone 04) and CIFAR-10 ($TINYTORCH_DATA).
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import tt_nn as nn
import tt_optim
from run import milestone  # benchmarks/run.py: a milestones/ script as a module
from tt_autograd import Generator, manual_seed, no_grad
from tt_optim import DataLoader
from tt_perf.capstone import latency_ms, model_bytes
from tt_perf.compression import (
    L1Unstructured,
    distillation_step,
    global_unstructured,
    low_rank_linear,
    remove,
    shrink_channels,
    sparsity,
    to_sparse,
)
from tt_vision import BatchNorm2d, Conv2d, MaxPool2d
from tt_vision import transforms as T
from tt_vision.datasets import CIFAR10

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("static", "finetune", "sparse", "distill")
AMOUNTS = (0.5, 0.7, 0.9)


def prunable(model) -> list:
    return [(m, "weight") for m in model.modules() if isinstance(m, (Conv2d, nn.Linear))]


def throughput(model, batch, rounds: int = 5) -> float:
    """Images per second of ``model(batch)`` (eval mode, no graph), median of ``rounds``."""
    model.eval()
    times = []
    with no_grad():
        for _ in range(rounds):
            start = time.perf_counter()
            model(batch)
            times.append(time.perf_counter() - start)
    return len(batch) / statistics.median(times)


def train_for(model, data, epochs: int, step, schedule, seed: int = 0) -> float:
    """``epochs`` over ``data`` at batch 128, ``step(x, y)`` per batch; ``schedule(fraction)`` before each."""
    manual_seed(seed)
    loader = DataLoader(data, batch_size=128, shuffle=True, generator=Generator(seed))
    total, done, start = epochs * len(loader), 0, time.perf_counter()
    model.train()
    for _ in range(epochs):
        for x, y in loader:
            schedule(done / total)
            step(x, y)
            done += 1
    return time.perf_counter() - start


def sgd_step(model, optimizer, loss_fn):
    def step(x, y) -> None:
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def file_bytes(state: dict, directory: Path, name: str) -> int:
    path = directory / name
    tt_optim.save(state, path)
    return path.stat().st_size


def part_static(m04, model, test, example, batch) -> None:
    print("\n## static: no retraining")

    def measure(name: str, m) -> None:
        accuracy = m04.evaluate(m, test)
        print(
            f"{name:34s} accuracy {accuracy:6.2%}  {model_bytes(m) / 1024:7.1f} KiB  "
            f"p90 {latency_ms(m, example, 100):.3f} ms/image  {throughput(m, batch):6.0f} images/s at 128"
        )

    measure("float32 (start)", model)
    for amount in AMOUNTS:
        pruned = copy.deepcopy(model)
        global_unstructured(prunable(pruned), L1Unstructured, amount=amount)
        measure(f"global magnitude {amount:.0%} (sparsity {sparsity(pruned)['global']:.0%})", pruned)
    for amount in (0.25, 0.5):
        measure(f"channels removed {amount:.0%}", shrink_channels(model, amount))
    for rank in (10, 5, 3):
        factored = copy.deepcopy(model)
        factored[13] = low_rank_linear(factored[13], rank)
        measure(f"final linear at rank {rank}", factored)


def part_finetune(m04, model, train, test, epochs: int) -> dict:
    print(
        f"\n## finetune: global magnitude pruning, then {epochs} epoch(s) of {len(train):,} training images "
        "with the masks kept"
    )
    tuned = {}
    for amount in AMOUNTS:
        pruned = copy.deepcopy(model)
        global_unstructured(prunable(pruned), L1Unstructured, amount=amount)
        before = m04.evaluate(pruned, test)
        optimizer = tt_optim.SGD(pruned.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)

        def cosine(fraction: float, optimizer=optimizer) -> None:
            for group in optimizer.param_groups:
                group["lr"] = 0.01 * (1 + math.cos(math.pi * fraction)) / 2

        loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
        seconds = train_for(pruned, train, epochs, sgd_step(pruned, optimizer, loss_fn), cosine)
        after = m04.evaluate(pruned, test)
        zeros = sparsity(pruned)["global"]
        print(
            f"pruned {amount:.0%} (model sparsity {zeros:.1%}): accuracy {before:6.2%} before, "
            f"{after:6.2%} after the fine-tune ({seconds:.0f} s)"
        )
        tuned[amount] = pruned
    return tuned


def part_sparse(model, tuned: dict, batch) -> None:
    print("\n## sparse: CSR storage (to_sparse) of the pruned models, saved with tt_optim.save")
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        start = file_bytes(model.state_dict(), folder, "float32.npz")
        print(f"float32 start: {start / 1024:.1f} KiB on disk")
        for amount, pruned in tuned.items():
            masked = file_bytes(pruned.state_dict(), folder, "masked.npz")
            dense = copy.deepcopy(pruned)
            for module, name in prunable(dense):
                remove(module, name)
            sparse = to_sparse(pruned).eval()
            stored = file_bytes(sparse.state_dict(), folder, "sparse.npz")
            arrays = sum(m.weight_csr().nbytes for m in sparse.modules() if hasattr(m, "weight_csr"))
            dense.eval()
            with no_grad():
                difference = float(np.abs(dense(batch).numpy() - sparse(batch).numpy()).max())
            dense_s, sparse_s = [], []
            for _ in range(3):  # alternating rounds: both sides see the same machine load
                dense_s.append(len(batch) / throughput(dense, batch, rounds=1))
                sparse_s.append(len(batch) / throughput(sparse, batch, rounds=1))
            d, s = statistics.median(dense_s), statistics.median(sparse_s)
            verdict = "slower" if s > d else "faster"
            print(
                f"pruned {amount:.0%}: file {stored / 1024:6.1f} KiB sparse "
                f"(CSR arrays {arrays / 1024:.1f} KiB) "
                f"vs {masked / 1024:.1f} KiB masked (orig + mask) vs {start / 1024:.1f} KiB dense; "
                f"forward at {len(batch)}: dense {d * 1e3:.0f} ms, sparse {s * 1e3:.0f} ms "
                f"({s / d:.1f}x {verdict}); max |logit difference| {difference:.1e}"
            )


def build_student(m04, widths=(16, 32, 64)):
    """Milestone 04's CNN at half the width: three conv-BN-ReLU-pool blocks, then a linear layer."""
    layers, channels = [], 3
    for width in widths:
        layers += [
            Conv2d(channels, width, 3, padding=1, bias=False),
            BatchNorm2d(width),
            nn.ReLU(),
            MaxPool2d(2),
        ]
        channels = width
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels * 4 * 4, 10))


def part_distill(m04, teacher, train, test, epochs: int, batch) -> None:
    teacher_accuracy = m04.evaluate(teacher, test)
    print(
        f"\n## distill: a half-width student trained from scratch, {epochs} epoch(s) of "
        f"{len(train):,} images; "
        f"teacher (milestone 04) {teacher_accuracy:.2%}, {sum(p.numel() for p in teacher.parameters()):,} "
        "parameters"
    )
    for label, distil in (("cross-entropy only", False), ("distillation (T=4, alpha=0.9)", True)):
        manual_seed(0)
        student = build_student(m04)
        optimizer = tt_optim.SGD(
            student.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4
        )

        def one_cycle(fraction: float, optimizer=optimizer) -> None:
            lr, momentum = m04.one_cycle(fraction, max_lr=0.05)
            for group in optimizer.param_groups:
                group["lr"], group["momentum"] = lr, momentum

        if distil:

            def step(x, y, student=student, optimizer=optimizer) -> None:
                distillation_step(student, teacher, x, y, optimizer, temperature=4.0, alpha=0.9)

        else:
            step = sgd_step(student, optimizer, nn.CrossEntropyLoss())
        seconds = train_for(student, train, epochs, step, one_cycle)
        accuracy = m04.evaluate(student, test)
        parameters = sum(p.numel() for p in student.parameters())
        print(
            f"student, {label:30s}: accuracy {accuracy:6.2%}  ({parameters:,} "
            f"parameters, {throughput(student, batch):.0f} images/s at 128 vs the teacher's "
            f"{throughput(teacher, batch):.0f}; trained in {seconds:.0f} s)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 test and 2,000 training images, 1 epoch")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated subset of {PARTS}")
    parser.add_argument("--train-images", type=int, default=10_000, help="training images for the fine-tunes")
    parser.add_argument("--epochs", type=int, default=2, help="fine-tune epochs after pruning")
    parser.add_argument("--distill-epochs", type=int, default=4, help="epochs of each student run")
    args = parser.parse_args(argv)
    parts = args.parts.split(",")
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown parts {sorted(unknown)}; choose from {PARTS}")
    m04 = milestone("04_cnn_cifar10")
    model = m04.build_cnn(3, 32)
    model.load_state_dict(tt_optim.load(ROOT / "build" / "milestones" / "04_cnn_cifar10.npz"))
    model.eval()
    test = CIFAR10(train=False, download=False)
    test.transform = T.Normalize(m04.MEAN, m04.STD)
    train = CIFAR10(train=True, download=False)
    train.transform = T.Compose(
        [
            T.RandomCrop(32, padding=4, padding_mode="reflect"),
            T.RandomHorizontalFlip(),
            T.Normalize(m04.MEAN, m04.STD),
        ]
    )
    images, epochs, distill_epochs = args.train_images, args.epochs, args.distill_epochs
    if args.quick:
        test.data, test.targets = test.data[:1000], test.targets[:1000]
        images, epochs, distill_epochs = 2000, 1, 1
    train.data, train.targets = train.data[:images], train.targets[:images]
    example, batch = test.get_batch(np.arange(1))[0], test.get_batch(np.arange(128))[0]
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"milestone 04's CNN, {len(test):,} CIFAR-10 test images; load average {load} on "
        f"{os.cpu_count()} cores (timings are loaded-machine figures when it exceeds 1)"
    )
    started = time.perf_counter()
    if "static" in parts:
        part_static(m04, model, test, example, batch)
    tuned = part_finetune(m04, model, train, test, epochs) if {"finetune", "sparse"} & set(parts) else {}
    if "sparse" in parts:
        part_sparse(model, tuned, batch)
    if "distill" in parts:
        part_distill(m04, model, train, test, distill_epochs, batch)
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"\n{time.perf_counter() - started:.0f} s in all; load average at the end {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
