"""``DistributedSampler``: each rank's share of a dataset, the same shuffle on every rank.

Data-parallel training gives each of N ranks a different 1/N of every epoch.
Every rank draws the *same* permutation (seeded by ``seed + epoch``, so no
communication is needed), pads it to a multiple of N by repeating its start
(or, with ``drop_last``, cuts the tail), and keeps every N-th index starting
at its rank. Over the N ranks each index appears exactly once per epoch,
plus the few repeated ones that pad it — PyTorch's semantics, so a loader
gives every rank the same number of batches and the collectives stay paired.

Example (on each rank):
    >>> sampler = DistributedSampler(dataset, shuffle=True, seed=0)  # doctest: +SKIP
    >>> loader = DataLoader(dataset, batch_size=32, sampler=sampler)  # doctest: +SKIP
    >>> for epoch in range(epochs):  # doctest: +SKIP
    ...     sampler.set_epoch(epoch)  # a new order each epoch, the same on all ranks
    ...     for x, y in loader: ...

Resuming mid-epoch, on any number of ranks: :meth:`DistributedSampler.state_dict`
counts the samples all ranks have read this epoch (what the loader has taken
from the sampler, times the world size); after
:meth:`~DistributedSampler.load_state_dict` the next pass skips them. Because
rank ``r`` reads positions ``r, r + N, r + 2N, …`` of the epoch's order, the
skipped ones are the first ``samples_seen`` of that order whatever N was, so
a run checkpointed on 2 ranks continues on 1 (or 4) with the same global
batches (``samples_seen`` must split evenly over the new ranks).

Cost: one permutation of ``len(dataset)`` integers per epoch, on every rank.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from .process_group import get_rank, get_world_size


class DistributedSampler:
    """The indices of ``dataset`` that rank ``rank`` of ``num_replicas`` reads this epoch.

    Args:
        dataset: anything with ``len()``.
        num_replicas: how many ranks share the data (default: the world size).
        rank: this rank (default: :func:`get_rank`).
        shuffle: a new random order every epoch (call :meth:`set_epoch`), the same on all ranks.
        seed: the shuffle's seed; must be the same on every rank.
        drop_last: cut the tail so every rank gets ``len // num_replicas`` indices, instead of
            padding with repeats to ``ceil(len / num_replicas)``.
    """

    def __init__(
        self,
        dataset: Any,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None:
            num_replicas = get_world_size()
        if rank is None:
            rank = get_rank()
        if not isinstance(num_replicas, (int, np.integer)) or num_replicas < 1:
            raise ValueError(
                f"DistributedSampler: num_replicas must be a positive integer, got {num_replicas!r}"
            )
        if not isinstance(rank, (int, np.integer)) or not 0 <= rank < num_replicas:
            raise ValueError(
                f"DistributedSampler: invalid rank {rank!r}, "
                f"rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        self.start = 0  # indices of this rank to skip in the next pass (set by load_state_dict)
        self.yielded = 0  # indices handed out in the current pass
        # BEGIN SOLUTION 21
        # TODO: the per-rank sample count: ceil(n / replicas), or with drop_last
        #   ceil((n - replicas) / replicas) when n does not divide; total_size =
        #   num_samples * replicas (§ How it is built, "The sampler").
        n = len(dataset)
        if self.drop_last and n % self.num_replicas:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        # END SOLUTION

    def set_epoch(self, epoch: int) -> None:
        """Use the shuffle of ``epoch``; call it at the start of every epoch, on every rank."""
        self.epoch = int(epoch)

    def indices(self) -> np.ndarray:
        """This rank's indices for the current epoch, as an int64 array of length ``len(self)``."""
        # BEGIN SOLUTION 21
        # TODO: rank r's indices this epoch: the order (a permutation seeded by seed + epoch, or arange),
        #   padded by repeating it or cut to total_size, then every replicas-th element from r.
        n = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            order = np.arange(n)
        # np.resize repeats the order from its start up to total_size (padding), or cuts it (drop_last).
        order = np.resize(order, self.total_size)
        return order[self.rank : self.total_size : self.num_replicas].astype(np.int64)
        # END SOLUTION

    def __iter__(self) -> Iterator[int]:
        indices = self.indices().tolist()
        skip, self.start = self.start, 0
        self.yielded = skip
        for index in indices[skip:]:
            self.yielded += 1
            yield index

    def state_dict(self) -> dict[str, int]:
        """``{"epoch", "seed", "samples_seen"}``: where the current pass is, over all ranks.

        ``samples_seen`` is what this rank's loader has taken in the current pass times
        the world size (every rank takes the same number); save rank 0's.
        """
        return {"epoch": self.epoch, "seed": self.seed, "samples_seen": self.yielded * self.num_replicas}

    def load_state_dict(self, state: dict[str, int]) -> None:
        """Continue a pass saved by :meth:`state_dict`, possibly with another number of ranks.

        Sets the epoch and makes the next pass skip this rank's share of the
        ``samples_seen`` already read; do not call ``set_epoch`` with another epoch before it.

        Raises:
            ValueError: a missing key, another seed, or a ``samples_seen`` that does not
                split evenly over this sampler's ranks.
        """
        missing = {"epoch", "seed", "samples_seen"} - set(state)
        if missing:
            raise ValueError(f"DistributedSampler.load_state_dict: the state lacks {sorted(missing)}")
        if int(state["seed"]) != self.seed:
            raise ValueError(
                f"DistributedSampler.load_state_dict: the state was saved with seed={state['seed']}, "
                f"this sampler has seed={self.seed}; build it with the saved seed to continue the same order"
            )
        seen = int(state["samples_seen"])
        if seen % self.num_replicas or not 0 <= seen <= self.total_size:
            raise ValueError(
                f"DistributedSampler.load_state_dict: samples_seen={seen} cannot be split over "
                f"{self.num_replicas} ranks of {self.num_samples} indices each; resume at a step "
                f"whose global count is a multiple of {self.num_replicas}"
            )
        self.epoch = int(state["epoch"])
        self.start = seen // self.num_replicas

    def __len__(self) -> int:
        return self.num_samples

    def __repr__(self) -> str:
        return (
            f"DistributedSampler({len(self.dataset)} samples, rank {self.rank} of {self.num_replicas}, "
            f"shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last})"
        )
