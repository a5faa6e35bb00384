"""Compression of milestone 04's trained CNN (module 16): ``python benchmarks/perf_compression.py``.

No fine-tuning: what each method costs in accuracy straight away, on the
10,000 CIFAR-10 test images, and what it buys in size or time:

* global magnitude pruning (masks) at 50/70/90% of the conv and linear weights;
* structured channel removal (``shrink_channels``) at 25/50% of every block's channels,
  with the p90 latency of one image and the throughput at batch 128;
* low rank of the final linear layer (2048 → 10) kept at a few ranks.

Needs ``build/milestones/04_cnn_cifar10.npz`` (run milestone 04) and CIFAR-10.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import tt_optim
from tt_autograd import no_grad
from tt_perf.capstone import latency_ms, model_bytes
from tt_perf.compression import (
    L1Unstructured,
    global_unstructured,
    low_rank_linear,
    shrink_channels,
    sparsity,
)
from tt_vision import Conv2d
from tt_vision import transforms as T
from tt_vision.datasets import CIFAR10

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 test images instead of 10,000")
    args = parser.parse_args(argv)
    spec = importlib.util.spec_from_file_location("milestone_04", ROOT / "milestones" / "04_cnn_cifar10.py")
    m04 = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "milestones"))
    spec.loader.exec_module(m04)
    model = m04.build_cnn(3, 32)
    model.load_state_dict(tt_optim.load(ROOT / "build" / "milestones" / "04_cnn_cifar10.npz"))
    test = CIFAR10(train=False, download=False)
    test.transform = T.Normalize(m04.MEAN, m04.STD)
    if args.quick:
        test.data, test.targets = test.data[:1000], test.targets[:1000]
    example, batch = test.get_batch(np.arange(1))[0], test.get_batch(np.arange(128))[0]

    def measure(name: str, m) -> None:
        accuracy = m04.evaluate(m, test)
        m.eval()
        with no_grad():
            start = time.perf_counter()
            for _ in range(5):
                m(batch)
            per_batch = (time.perf_counter() - start) / 5
        print(
            f"{name:34s} accuracy {accuracy:6.2%}  {model_bytes(m) / 1024:7.1f} KiB  "
            f"p90 {latency_ms(m, example, 100):.3f} ms/image  {128 / per_batch:6.0f} images/s at 128"
        )

    model.eval()
    measure("float32 (start)", model)
    for amount in (0.5, 0.7, 0.9):
        pruned = copy.deepcopy(model)
        weights = [
            (m, "weight") for m in pruned.modules() if isinstance(m, Conv2d) or type(m).__name__ == "Linear"
        ]
        global_unstructured(weights, L1Unstructured, amount=amount)
        measure(f"global magnitude {amount:.0%} (sparsity {sparsity(pruned)['global']:.0%})", pruned)
    for amount in (0.25, 0.5):
        measure(f"channels removed {amount:.0%}", shrink_channels(model, amount))
    for rank in (10, 5, 3):
        factored = copy.deepcopy(model)
        factored[13] = low_rank_linear(factored[13], rank)
        measure(f"final linear at rank {rank}", factored)
    return 0


if __name__ == "__main__":
    sys.exit(main())
