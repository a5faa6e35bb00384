"""What DataLoader worker processes cost and buy: samples per second against ``num_workers``.

    taskset -c 0,1 python benchmarks/dataloader_workers.py            # 3 rounds
    python benchmarks/dataloader_workers.py --rounds 5 --workers 0 1 2

Loaders over 4,096 CIFAR-shaped samples (3x32x32 float32, batch 128), each read for one
pass with every ``--workers`` count and, with workers, each of the two ways a batch crosses back
(``pipe``: pickled through the worker's pipe; ``shm``: its arrays through shared memory, see
``tt_optim.data.shared_batches``), all alternating within each round:

* ``tensor``: a ``TensorDataset`` (one gather per batch in ``get_batch``): the cheapest fetch,
  so with workers the pickling and the pipe are most of the cost;
* ``augment``: sample by sample with a random crop and flip in NumPy (``__getitem__`` work);
* ``io-wait``: sample by sample, each sample sleeping 0.2 ms (a stand-in for reading a file):
  workers overlap the waits;
* ``tensor-8``: the ``TensorDataset`` in batches of 8 (96 kB), where a batch's fixed costs weigh most;
* ``tensor-1``: batches of 1 (12 kB: under the threshold, so both rows take the pipe).

and the first-batch latency of a fresh pass (workers started each pass) against a pass of a
``persistent_workers=True`` loader. Prints medians over the rounds; nothing is written.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import tt_autograd as autograd
from tt_optim.data import DataLoader, TensorDataset, shared_batches

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


TRANSPORTS = {"pipe": float("inf"), "shm": shared_batches.SHARED_MEMORY_THRESHOLD}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    images = autograd.Tensor.from_array(np.random.default_rng(0).random((N, 3, 32, 32), dtype=np.float32))
    labels = autograd.Tensor.from_array(np.arange(N) % 10)
    kinds = {
        "tensor": (TensorDataset, BATCH),
        "augment": (Augmented, BATCH),
        "io-wait": (Waiting, BATCH),
        "tensor-8": (TensorDataset, 8),
        "tensor-1": (TensorDataset, 1),
    }
    rates: dict[tuple[str, str, int], list[float]] = {}
    firsts: dict[str, list[float]] = {"fresh": [], "persistent": []}
    workers = max(args.workers)
    augmented = Augmented(images, labels)
    kept = DataLoader(augmented, batch_size=BATCH, num_workers=workers, persistent_workers=True)
    one_pass(kept)  # start the kept workers
    for _ in range(args.rounds):
        for kind, (dataset_class, batch) in kinds.items():
            dataset = dataset_class(images, labels)
            for count in args.workers:
                for transport, threshold in TRANSPORTS.items() if count else [("-", 0)]:
                    shared_batches.SHARED_MEMORY_THRESHOLD = threshold  # read as the pass's workers start
                    _, seconds = one_pass(DataLoader(dataset, batch_size=batch, num_workers=count))
                    rates.setdefault((kind, transport, count), []).append(N / seconds)
        shared_batches.SHARED_MEMORY_THRESHOLD = TRANSPORTS["shm"]
        fresh = DataLoader(augmented, batch_size=BATCH, num_workers=workers)
        firsts["fresh"].append(one_pass(fresh)[0])
        firsts["persistent"].append(one_pass(kept)[0])
    print(f"{N} samples of 3x32x32 float32, median of {args.rounds} rounds, samples per second")
    print(
        f"{'dataset':<10}{'batch':>6}{'cross':>6}"
        + "".join(f"{f'num_workers={count}':>16}" for count in args.workers)
    )
    for kind, (_, batch) in kinds.items():
        for transport in TRANSPORTS:
            cells = []
            for count in args.workers:
                values = rates[kind, transport if count else "-", count]
                cells.append(f"{statistics.median(values):>16,.0f}")
            print(f"{kind:<10}{batch:>6}{transport:>6}" + "".join(cells))
    for name, values in firsts.items():
        print(f"first batch, {name} workers ({workers}, shm): {statistics.median(values) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
