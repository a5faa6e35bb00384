"""Datasets, map-style (``TensorDataset``, ``Subset``, ``ConcatDataset``, ``StackDataset``) and iterable.

A dataset is anything with ``__len__`` and ``__getitem__(i)`` returning one
sample. That is all a :class:`~tt_optim.data.DataLoader` needs, but fetching
a batch of 128 samples one Python call at a time costs 128 calls. So a
dataset may also define ``get_batch(indices)``: given an integer array of
indices it returns the *whole batch at once*, already collated. A
``TensorDataset`` does it with one NumPy fancy-indexing operation per
tensor — the loader then touches Python once per batch, not once per sample.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import tt_tensor
from tt_autograd import Tensor
from tt_tensor import Generator, numpy_generator


class Dataset:
    """Base class of map-style datasets: define ``__getitem__`` and ``__len__``.

    Optionally define ``get_batch(indices)`` returning an already-collated
    batch for an integer array of indices (what the DataLoader uses when it
    has no ``collate_fn``).
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Any) -> ConcatDataset:
        """``a + b``: the samples of ``a``, then those of ``b`` (a :class:`ConcatDataset`)."""
        return ConcatDataset([self, other])


def _take(tensor: tt_tensor.Tensor, index: Any) -> tt_tensor.Tensor:
    """``tensor[index]`` straight from its array: no graph, one NumPy indexing operation."""
    return type(tensor).from_array(tensor.array[index])


class TensorDataset(Dataset):
    """Samples are the rows of one or more tensors of equal length, like ``torch.utils.data.TensorDataset``.

    Args:
        *tensors: tensors (or NumPy arrays) whose first dimension is the sample index.

    Example:
        >>> ds = TensorDataset(tt.randn(100, 3), tt.arange(100))  # doctest: +SKIP
        >>> x, y = ds[0]; len(ds)  # doctest: +SKIP
        100
    """

    def __init__(self, *tensors: tt_tensor.Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        converted = []
        for number, tensor in enumerate(tensors):
            if isinstance(tensor, np.ndarray):
                tensor = Tensor.from_array(tensor)
            if not isinstance(tensor, tt_tensor.Tensor):
                raise TypeError(
                    f"TensorDataset: argument {number} is a {type(tensor).__name__}, not a tensor"
                )
            if tensor.ndim == 0:
                raise ValueError(
                    f"TensorDataset: argument {number} is a 0-d tensor; it has no samples to index"
                )
            converted.append(tensor)
        lengths = [len(t) for t in converted]
        if len(set(lengths)) != 1:
            raise ValueError(
                f"TensorDataset: the tensors' first dimensions differ: {lengths}; they must be equal"
            )
        self.tensors = tuple(converted)

    def __getitem__(self, index: int) -> tuple[tt_tensor.Tensor, ...]:
        return tuple(_take(tensor, index) for tensor in self.tensors)

    def get_batch(self, indices: np.ndarray) -> list[tt_tensor.Tensor]:
        """The samples at ``indices``, each tensor indexed once: ``[x[indices], y[indices], ...]``."""
        # BEGIN SOLUTION 07
        # TODO: [t[indices] for each tensor]: each tensor indexed once for the whole batch (_take).
        return [_take(tensor, indices) for tensor in self.tensors]
        # END SOLUTION

    def __len__(self) -> int:
        return len(self.tensors[0])


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __getitem__(self, idx: int) -> Any:
        return self.dataset[int(self.indices[idx])]

    def get_batch(self, indices: np.ndarray) -> Any:
        """The batch through the underlying dataset's ``get_batch`` when it has one, else sample by sample."""
        from .dataloader import default_collate

        chosen = self.indices[indices]
        if callable(getattr(self.dataset, "get_batch", None)):
            return self.dataset.get_batch(chosen)
        return default_collate([self.dataset[int(i)] for i in chosen])

    def __len__(self) -> int:
        return len(self.indices)


class IterableDataset(Dataset):
    """A stream of samples: define ``__iter__`` (and ``__len__`` if the stream has a known length).

    For data that cannot be indexed: lines of a file too large to load, samples
    generated on the fly. A ``DataLoader`` batches what ``__iter__`` yields, in
    order (no ``shuffle`` or ``sampler``: shuffle in the stream itself).
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: Any) -> ChainDataset:
        """``a + b``: the stream of ``a``, then that of ``b`` (a :class:`ChainDataset`)."""
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Several streams one after another; its length is their lengths' sum (when each has one)."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)

    def __iter__(self) -> Iterator[Any]:
        for dataset in self.datasets:
            yield from dataset

    def __len__(self) -> int:
        return sum(len(dataset) for dataset in self.datasets)


class ConcatDataset(Dataset):
    """Several datasets one after another: index ``i`` falls in the first whose cumulative size exceeds it.

    ``cumulative_sizes`` holds the running totals, as in PyTorch. Negative indices
    count from the end. ``get_batch`` fetches each dataset's share of a batch in one
    call when every dataset has ``get_batch`` and returns a list of tensors.
    """

    def __init__(self, datasets: Sequence[Any]) -> None:
        try:
            self.datasets = list(datasets)
        except TypeError:
            raise TypeError(
                f"ConcatDataset: datasets must be an iterable of datasets, got {type(datasets).__name__}"
            ) from None
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for number, dataset in enumerate(self.datasets):
            if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
                raise TypeError(
                    f"ConcatDataset: dataset {number} ({type(dataset).__name__}) is not a map-style dataset "
                    "(it needs __len__ and __getitem__)"
                )
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def _locate(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(which dataset, index within it) for each of ``indices`` (negative ones from the end)."""
        n = len(self)
        if np.any((indices < -n) | (indices >= n)):
            bad = indices[(indices < -n) | (indices >= n)][0]
            raise IndexError(f"ConcatDataset: index {bad} is out of range for {n} samples")
        indices = np.where(indices < 0, indices + n, indices)
        which = np.searchsorted(self.cumulative_sizes, indices, side="right")
        starts = np.concatenate([[0], self.cumulative_sizes[:-1]])[which]
        return which, indices - starts

    def __getitem__(self, idx: int) -> Any:
        which, inner = self._locate(np.array([int(idx)]))
        return self.datasets[int(which[0])][int(inner[0])]

    def get_batch(self, indices: np.ndarray) -> Any:
        """The batch: each dataset's share in one ``get_batch`` call if all have one, else one by one."""
        from .dataloader import default_collate

        indices = np.asarray(indices, dtype=np.int64)
        if not all(callable(getattr(d, "get_batch", None)) for d in self.datasets):
            return default_collate([self[int(i)] for i in indices])
        which, inner = self._locate(indices)
        order = np.argsort(which, kind="stable")  # each dataset's share, contiguous
        parts = [self.datasets[d].get_batch(inner[which == d]) for d in np.unique(which).tolist()]
        if not all(isinstance(part, (list, tuple)) for part in parts):
            return default_collate([self[int(i)] for i in indices])
        fields = [np.concatenate([part[f].array for part in parts]) for f in range(len(parts[0]))]
        restore = np.empty_like(order)
        restore[order] = np.arange(len(order))  # back to the batch's own order
        return [type(parts[0][f]).from_array(field[restore]) for f, field in enumerate(fields)]


class StackDataset(Dataset):
    """Datasets of equal length side by side: sample ``i`` is the tuple of their samples ``i``.

    As ``torch.utils.data.StackDataset``: positional datasets give tuples
    (``StackDataset(images, labels)[i] == (images[i], labels[i])``), keyword
    datasets dicts (``StackDataset(image=images, label=labels)[i]``); not both.
    ``__getitems__`` (what a DataLoader calls for a batch) uses each dataset's
    own ``__getitems__`` when it has one.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError(
                "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like input/output, "
                "but both types are given."
            )
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        parts = list(args) if args else list(kwargs.values())
        for dataset in parts:
            if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
                raise TypeError(
                    f"StackDataset: {type(dataset).__name__} is not a map-style dataset "
                    "(it needs __len__ and __getitem__)"
                )
        self._length = len(parts[0])
        if any(len(dataset) != self._length for dataset in parts):
            raise ValueError("Size mismatch between datasets")
        self.datasets: tuple[Any, ...] | dict[str, Any] = args if args else kwargs

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {key: dataset[index] for key, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """The samples at ``indices``: each dataset's in one ``__getitems__`` call where it has one."""
        named = isinstance(self.datasets, dict)
        keys = list(self.datasets) if named else range(len(self.datasets))
        columns = []
        for key in keys:
            dataset = self.datasets[key]
            if callable(getattr(dataset, "__getitems__", None)):
                items = dataset.__getitems__(indices)
                if len(items) != len(indices):
                    raise ValueError(
                        f"Nested dataset's output size mismatch. Expected {len(indices)}, got {len(items)}"
                    )
                columns.append(items)
            else:
                columns.append([dataset[index] for index in indices])
        if named:
            return [dict(zip(keys, row)) for row in zip(*columns)] if columns else []
        return [tuple(row) for row in zip(*columns)]

    def __len__(self) -> int:
        return self._length


def random_split(
    dataset: Any, lengths: Sequence[int | float], generator: Generator | None = None
) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping subsets of the given lengths (or fractions).

    Fractions that sum to 1 become lengths ``floor(n · f)``, the remainder going
    one sample each to the first subsets, as in PyTorch.

    Example:
        >>> train, val = random_split(dataset, [0.9, 0.1], generator=tt.Generator(0))  # doctest: +SKIP
    """
    n = len(dataset)
    if lengths and all(0 <= f <= 1 for f in lengths) and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
    else:
        sizes = [int(length) for length in lengths]
    if sum(sizes) != n or any(s < 0 for s in sizes):
        raise ValueError(f"random_split: lengths {list(lengths)} do not add up to the dataset's length {n}")
    order = numpy_generator(generator).permutation(n)
    bounds = np.cumsum([0, *sizes])
    return [Subset(dataset, order[start:stop]) for start, stop in zip(bounds[:-1], bounds[1:])]
