"""PyTorch's time for milestone 04's ``--long`` recipe: the same network, schedule and data, in PyTorch.

Opt-in yardstick (``nox -s milestone-04-long-torch`` installs ``torch==2.13.0``);
the milestone itself never imports PyTorch. One process, ``--threads`` intra-op
threads (2: the whole machine), PyTorch's default NCHW layout, eager mode::

    python benchmarks/torch_cifar_long.py --record build/milestones/04-long.json

What is the same as ``milestones/_cifar_long.py``: the data pipeline itself
(TinyTorch's CIFAR-10 loader, random crop + flip and the DataLoader, so both
spend the same on data), the frozen 2×2 patch-whitening layer fitted by the same
function, the three conv blocks and scaled linear head, SGD with Nesterov
momentum at global batch 512, label smoothing 0.2, weight decay 5e-4, the
one-cycle shape (``one_cycle`` of milestone 04), the weight average and its
batch-norm recalibration, the mirrored final test. What differs: the schedule
runs over a number of epochs (``--epochs``, or the epochs the TinyTorch run in
``--record`` completed) rather than over a time budget, so the two runs do the
same work and the wall times compare; the weights start from PyTorch's own
random draw.

Prints one line per epoch and the final accuracy and time; with ``--record``,
adds them to that record as ``metrics["PyTorch, same recipe"]`` (atomic write).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
import warnings
from pathlib import Path

import numpy as np
from run import milestone  # benchmarks/run.py: a milestone script as a module
from tt_optim import DataLoader

import tinytorch as tt


def build_torch(torch, whitening: np.ndarray, widths, size: int):
    """The ``--long`` network in PyTorch: frozen whitening conv, three blocks, global max-pool, linear ÷ 9."""
    nn = torch.nn
    whiten = nn.Conv2d(whitening.shape[1], whitening.shape[0], 2, padding="same", bias=False)
    whiten.weight.data.copy_(torch.from_numpy(whitening))
    whiten.weight.requires_grad_(False)
    layers, c_in = [whiten], whitening.shape[0]
    for width in widths:
        conv_in, conv = (
            nn.Conv2d(c_in, width, 3, padding=1, bias=False),
            nn.Conv2d(width, width, 3, padding=1, bias=False),
        )
        layers += [
            conv_in,
            nn.MaxPool2d(2),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            conv,
            nn.BatchNorm2d(width),
            nn.ReLU(),
        ]
        c_in = width
    head = nn.Linear(c_in, 10, bias=False)
    head.weight.data.mul_(1 / 9)
    return nn.Sequential(*layers, nn.MaxPool2d(max(1, size // 8)), nn.Flatten(), head)


def batches(loader, torch):
    """The TinyTorch DataLoader's (x, y) batches as PyTorch tensors (no copy)."""
    for x, y in loader:
        yield torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy().astype(np.int64))


def test_set_accuracy(model, test_set, torch, mirror: bool = False) -> float:
    """Accuracy over the whole test set; ``mirror``: mean logits of each image and its mirror image."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(test_set), 500):
            x, y = test_set.get_batch(np.arange(start, min(start + 500, len(test_set))))
            images = torch.from_numpy(x.numpy())
            logits = model(images)
            if mirror:
                logits = logits + model(torch.flip(images, dims=[3]))
            correct += int((logits.argmax(dim=1).numpy() == y.numpy()).sum())
    model.train()
    return correct / len(test_set)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=None, help="epochs to train (default: the record's)")
    parser.add_argument(
        "--record", type=Path, default=None, help="a 04-long.json: its epochs, then add to it"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--root", type=Path, default=None, help="a folder holding CIFAR-10")
    args = parser.parse_args()
    record = json.loads(args.record.read_text()) if args.record else None
    epochs = args.epochs if args.epochs is not None else (record["metrics"]["epochs"] if record else None)
    if not epochs or epochs <= 0:
        raise SystemExit("torch_cifar_long: pass --epochs N, or --record PATH (a 04-long.json: its epochs)")

    import torch  # opt-in yardstick only

    warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")  # the 2×2 whitening
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    m04, recipe = milestone("04_cnn_cifar10"), milestone("_cifar_long")
    start = time.perf_counter()
    args.quick = False
    train_set, test_set, name = m04.load_data(args)
    sample = train_set.get_batch(np.arange(2000))[0].numpy()
    model = build_torch(torch, recipe.whitening_weights(sample), recipe.WIDTHS, sample.shape[2])
    loader = DataLoader(train_set, batch_size=recipe.BATCH, shuffle=True, generator=tt.Generator(args.seed))
    total_steps = math.ceil(epochs * len(loader))
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(trainable, lr=recipe.MAX_LR, momentum=0.9, nesterov=True,
                                weight_decay=recipe.WEIGHT_DECAY)  # fmt: skip
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=recipe.SMOOTHING)
    average = [p.detach().clone() for p in trainable]
    print(f"PyTorch {torch.__version__}, {args.threads} thread(s): the --long recipe on {name} "
          f"for {epochs:.2f} epochs ({total_steps} steps of {recipe.BATCH})", flush=True)  # fmt: skip
    step, averaged, epoch, per_epoch = 0, 0, 0, []
    while step < total_steps:
        epoch += 1
        for x, y in batches(loader, torch):
            if step >= total_steps:
                break
            lr, momentum = m04.one_cycle(step / total_steps, recipe.MAX_LR)
            for group in optimizer.param_groups:
                group["lr"], group["momentum"] = lr, momentum
            loss = loss_fn(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            averaged = averaged + 1 if step / total_steps >= 0.25 else 0
            decay = min(recipe.EMA_DECAY, averaged / (averaged + 10))
            with torch.no_grad():
                for a, p in zip(average, trainable):
                    a.mul_(decay).add_(p, alpha=1 - decay)
            step += 1
        accuracy = test_set_accuracy(model, test_set, torch)
        per_epoch.append((round((time.perf_counter() - start) / 60, 2), accuracy))
        print(f"epoch {epoch:2d}  test acc {accuracy:6.2%}  elapsed {per_epoch[-1][0]:4.1f} min", flush=True)
    with torch.no_grad():
        for a, p in zip(average, trainable):
            p.copy_(a)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for m in norms:  # torch.optim.swa_utils.update_bn's rule: plain means over 40 batches
        m.reset_running_stats()
        m.momentum = None
    with torch.no_grad():
        for i, (x, _) in enumerate(batches(loader, torch)):
            if i == 40:
                break
            model(x)
    final = test_set_accuracy(model, test_set, torch, mirror=True)
    minutes = (time.perf_counter() - start) / 60
    print(f"averaged weights, each test image with its mirror: test accuracy {final:.2%}; "
          f"{minutes:.1f} min in all (data loading included)")  # fmt: skip
    if record is not None:
        record["metrics"]["PyTorch, same recipe"] = {
            "torch": torch.__version__, "threads": args.threads, "epochs": round(epochs, 2),
            "minutes": round(minutes, 2), "test accuracy": final,
            "test accuracy by epoch (minutes, live weights)": per_epoch,
        }  # fmt: skip
        temporary = args.record.with_name(f".{args.record.name}.part")
        temporary.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(temporary, args.record)
        print(f"added to {args.record}")


if __name__ == "__main__":
    main()
