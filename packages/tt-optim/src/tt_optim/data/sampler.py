"""Samplers: the order in which a ``DataLoader`` visits a dataset, like ``torch.utils.data``'s.

A sampler is an iterable of indices with a length. ``DataLoader(dataset,
sampler=...)`` cuts what it yields into batches instead of drawing its own
permutation. ``RandomSampler(..., replacement=True, num_samples=10**10)``
(minGPT's "endless" loader) draws its indices lazily, a block at a time, so
the huge ``num_samples`` costs nothing up front.
"""

from __future__ import annotations

from collections.abc import Iterator, Sized

from tt_tensor import Generator, numpy_generator

_BLOCK = 1024  # indices drawn per call to the generator when sampling with replacement


class Sampler:
    """Base class: an iterable of dataset indices with a ``__len__``."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``, in order."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

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


__all__ = ["RandomSampler", "Sampler", "SequentialSampler"]
