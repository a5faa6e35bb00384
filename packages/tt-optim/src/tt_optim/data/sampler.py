"""Samplers: the order in which a ``DataLoader`` visits a dataset, like ``torch.utils.data``'s.

A sampler is an iterable of indices with a length. ``DataLoader(dataset,
sampler=...)`` cuts what it yields into batches instead of drawing its own
permutation. ``RandomSampler(..., replacement=True, num_samples=10**10)``
(minGPT's "endless" loader) draws its indices lazily, a block at a time, so
the huge ``num_samples`` costs nothing up front.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence, Sized

import numpy as np
from tt_tensor import Generator, numpy_generator

_BLOCK = 1024  # indices drawn per call to the generator when sampling with replacement


def sized(op: str, value: object, name: str = "data_source") -> Sized:
    """``value`` if it has a length (a dataset, a sequence of indices); else a ``TypeError`` naming ``op``."""
    if not hasattr(value, "__len__") or isinstance(value, (str, bytes)):
        raise TypeError(
            f"{op}: {name} must be a dataset or a sequence with a length, got {type(value).__name__}"
        )
    return value


class Sampler:
    """Base class: an iterable of dataset indices with a ``__len__``."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``, in order."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = sized("SequentialSampler", data_source)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in random order: a permutation per pass, or draws with replacement.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw each index independently (with replacement).
        num_samples: how many indices one pass yields (default ``len(data_source)``);
            without replacement, more than that many repeats fresh permutations.
        generator: a ``tt.Generator`` (default: the global one, seeded by ``tt.manual_seed``).
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Generator | None = None,
    ) -> None:
        if num_samples is not None and (isinstance(num_samples, bool) or int(num_samples) <= 0):
            raise ValueError(f"RandomSampler: num_samples should be a positive integer, got {num_samples!r}")
        data_source = sized("RandomSampler", data_source)
        self.data_source, self.replacement, self.generator = data_source, bool(replacement), generator
        self._num_samples = None if num_samples is None else int(num_samples)

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, total = len(self.data_source), self.num_samples
        if n == 0:
            raise ValueError("RandomSampler: the dataset is empty")
        rng = numpy_generator(self.generator)
        produced = 0
        while produced < total:
            count = min(_BLOCK if self.replacement else n, total - produced)
            block = rng.integers(0, n, size=count) if self.replacement else rng.permutation(n)[:count]
            yield from block.tolist()
            produced += count

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a new random order at each pass (a validation split of one dataset).

    Example:
        >>> train = DataLoader(dataset, batch_size=64,
        ...                    sampler=SubsetRandomSampler(range(50_000)))  # doctest: +SKIP
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices, self.generator = sized("SubsetRandomSampler", indices, "indices"), generator

    def __iter__(self) -> Iterator[int]:
        for position in numpy_generator(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[position]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (rebalancing classes).

    Args:
        weights: one non-negative weight per dataset index (not necessarily summing to 1).
        num_samples: indices per pass.
        replacement: draw independently (default); without, each index at most once,
            so ``num_samples`` may not exceed the number of non-zero weights.
        generator: a ``tt.Generator`` (default: the global one).

    Cost: one ``Generator.choice`` over ``len(weights)`` per pass.
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: Generator | None = None,
    ) -> None:
        if (
            isinstance(num_samples, bool)
            or not isinstance(num_samples, (int, np.integer))
            or num_samples <= 0
        ):
            raise ValueError(
                f"WeightedRandomSampler: num_samples must be a positive integer, got {num_samples!r}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement must be a bool, got {replacement!r}")
        array = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, dtype=np.float64)
        if array.ndim != 1 or array.size == 0:
            raise ValueError(
                f"WeightedRandomSampler: weights must be a non-empty 1-d sequence, got shape {array.shape}"
            )
        if not np.all(np.isfinite(array)) or np.any(array < 0) or array.sum() == 0:
            raise ValueError("WeightedRandomSampler: weights must be finite, non-negative and not all zero")
        if not replacement and num_samples > np.count_nonzero(array):
            raise ValueError(
                f"WeightedRandomSampler: cannot draw {num_samples} indices without replacement from "
                f"{np.count_nonzero(array)} non-zero weights; lower num_samples or set replacement=True"
            )
        self.weights, self.num_samples, self.replacement, self.generator = (
            array,
            int(num_samples),
            replacement,
            generator,
        )

    def __iter__(self) -> Iterator[int]:
        rng = numpy_generator(self.generator)
        drawn = rng.choice(len(self.weights), size=self.num_samples, replace=self.replacement,
                           p=self.weights / self.weights.sum())  # fmt: skip
        yield from drawn.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group another sampler's indices into lists of ``batch_size`` (``DataLoader(batch_sampler=...)``).

    Example:
        >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Sampler | Sequence[int], batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size must be a positive integer, got {batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last must be a bool, got {drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self) -> Iterator[list[int]]:
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]
