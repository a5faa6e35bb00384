"""What DataLoader worker processes cost and buy: samples per second against ``num_workers``.

    taskset -c 0,1 python benchmarks/dataloader_workers.py            # 3 rounds
    python benchmarks/dataloader_workers.py --rounds 5 --workers 0 1 2

Three loaders over 4,096 CIFAR-shaped samples (3x32x32 float32, batch 128), each read for one
pass with every ``--workers`` count, the counts alternating within each round:

* ``tensor``: a ``TensorDataset`` (one gather per batch in ``get_batch``): the cheapest fetch,
  so with workers the pickling and the pipe are most of the cost;
* ``augment``: sample by sample with a random crop and flip in NumPy (``__getitem__`` work);
* ``io-wait``: sample by sample, each sample sleeping 0.2 ms (a stand-in for reading a file):
  workers overlap the waits.

and the first-batch latency of a fresh pass (workers started each pass) against a pass of a
``persistent_workers=True`` loader. Prints medians over the rounds; nothing is written.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import tt_autograd as autograd
from tt_optim.data import DataLoader, TensorDataset

N, BATCH = 4096, 128


class Augmented(TensorDataset):
    """Each sample padded by 4, cropped back to 32x32 at a random place and flipped half the time."""

    get_batch = None

    def __getitem__(self, index):
        image = np.pad(self.tensors[0].array[index], ((0, 0), (4, 4), (4, 4)))
        top, left = np.random.randint(0, 9, size=2)
        image = image[:, top : top + 32, left : left + 32]
        if np.random.rand() < 0.5:
            image = image[:, :, ::-1]
        return autograd.Tensor.from_array(np.ascontiguousarray(image)), self.tensors[1][index]


class Waiting(TensorDataset):
    """Each sample waits 0.2 ms first, as a read from disk would."""

    get_batch = None

    def __getitem__(self, index):
        time.sleep(0.0002)
        return super().__getitem__(index)


def one_pass(loader: DataLoader) -> tuple[float, float]:
    """Seconds to the first batch and for the whole pass."""
    start = time.perf_counter()
    batches = iter(loader)
    next(batches)
    first = time.perf_counter() - start
    for _ in batches:
        pass
    return first, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    images = autograd.Tensor.from_array(np.random.default_rng(0).random((N, 3, 32, 32), dtype=np.float32))
    labels = autograd.Tensor.from_array(np.arange(N) % 10)
    kinds = {"tensor": TensorDataset, "augment": Augmented, "io-wait": Waiting}
    rates: dict[tuple[str, int], list[float]] = {}
    firsts: dict[str, list[float]] = {"fresh": [], "persistent": []}
    workers = max(args.workers)
    augmented = Augmented(images, labels)
    kept = DataLoader(augmented, batch_size=BATCH, num_workers=workers, persistent_workers=True)
    one_pass(kept)  # start the kept workers
    for _ in range(args.rounds):
        for kind, dataset_class in kinds.items():
            dataset = dataset_class(images, labels)
            for count in args.workers:
                _, seconds = one_pass(DataLoader(dataset, batch_size=BATCH, num_workers=count))
                rates.setdefault((kind, count), []).append(N / seconds)
        fresh = DataLoader(augmented, batch_size=BATCH, num_workers=workers)
        firsts["fresh"].append(one_pass(fresh)[0])
        firsts["persistent"].append(one_pass(kept)[0])
    print(f"{N} samples of 3x32x32 float32, batch {BATCH}, median of {args.rounds} rounds")
    print(f"{'dataset':<10}" + "".join(f"{f'num_workers={count}':>18}" for count in args.workers))
    for kind in kinds:
        row = "".join(f"{statistics.median(rates[kind, count]):>12,.0f} smp/s" for count in args.workers)
        print(f"{kind:<10}{row}")
    for name, values in firsts.items():
        print(f"first batch, {name} workers ({workers}): {statistics.median(values) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
