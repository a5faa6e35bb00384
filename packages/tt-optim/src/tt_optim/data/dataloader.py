"""``DataLoader``: batches from a dataset, optionally shuffled, like ``torch.utils.data.DataLoader``.

Each pass (``for batch in loader``) draws one permutation of the sample
indices — from the loader's ``generator`` if it has one, else from the
default generator that ``tt.manual_seed`` seeds — and cuts it into batches.
A batch is fetched in one of two ways:

* with no ``collate_fn`` and a dataset that has ``get_batch`` (a
  ``TensorDataset``): one call with the whole index array, so a batch costs
  one NumPy fancy-indexing operation per tensor and no per-sample Python;
* a dataset with PyTorch's ``__getitems__(indices)`` (a list of ints in, a
  list of samples out) fetches the batch in one call, then ``collate_fn``;
* otherwise sample by sample, ``collate_fn([dataset[i] for i in batch])``,
  with :func:`default_collate` (stack) as the default.

With ``num_workers=0`` everything runs in the calling process; ``num_workers > 0`` starts
worker processes that fetch and collate the batches (:mod:`tt_optim.data.worker`: order, seeds,
what a batch costs to cross). ``pin_memory`` and ``pin_memory_device`` are accepted and ignored
(there is no GPU).
:func:`default_convert` turns NumPy values into tensors without batching them.
"""

from __future__ import annotations

import collections.abc
import copy
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import tt_tensor
from tt_autograd import Tensor
from tt_tensor import Generator, numpy_generator

from .dataset import Dataset, IterableDataset
from .worker import check_worker_options, draw_base_seed, index_batches, worker_batches


def default_collate(batch: list[Any]) -> Any:
    """Merge a list of samples into a batch, as PyTorch's ``default_collate`` does.

    Tensors and NumPy arrays are stacked along a new first dimension; Python
    floats become a float64 tensor and ints an int64 tensor; strings stay as
    they came (a list of samples, a tuple for a field of them); tuples and
    lists of fields are collated field by field (into a list), dicts key by key.
    """
    # BEGIN SOLUTION 07
    # TODO: merge samples into a batch as PyTorch does: tensors stacked along a new dim 0, numbers into a
    #   tensor, tuples/lists collated position by position, dicts key by key (§ How it is built).
    # HINT: tensors of different shapes cannot be stacked: say so and suggest a collate_fn.
    if not batch:
        raise ValueError("default_collate: got an empty batch")
    first = batch[0]
    if isinstance(first, tt_tensor.Tensor):
        shapes = {tuple(sample.shape) for sample in batch}
        if len(shapes) != 1:
            raise RuntimeError(
                f"default_collate: samples have different shapes {sorted(shapes)}; they cannot be "
                "stacked — pass a collate_fn that pads them"
            )
        return type(first).from_array(np.stack([sample.array for sample in batch]))
    if isinstance(first, (np.ndarray, np.generic)) and not isinstance(first, (str, bytes)):  # (np.str_)
        return Tensor.from_array(np.stack([np.asarray(sample) for sample in batch]))
    if isinstance(first, bool):
        return Tensor.from_array(np.array(batch, dtype=np.bool_))
    if isinstance(first, int):
        return Tensor.from_array(np.array(batch, dtype=np.int64))
    if isinstance(first, float):
        return Tensor.from_array(np.array(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return batch  # as given: a field of tuples stays a tuple, as PyTorch's
    if isinstance(first, collections.abc.Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple keeps its type
        return type(first)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        if len({len(sample) for sample in batch}) != 1:
            raise RuntimeError(
                "default_collate: each sample in the batch must have the same number of fields"
            )
        return [default_collate(field) for field in zip(*batch)]
    raise TypeError(
        f"default_collate: don't know how to batch samples of type {type(first).__name__}; pass a collate_fn"
    )
    # END SOLUTION


def default_convert(data: Any) -> Any:
    """NumPy arrays and scalars to tensors, inside mappings and sequences; the rest as it is (PyTorch's).

    What PyTorch's ``DataLoader(batch_size=None)`` applies to each sample: no stacking, only
    conversion. String and object arrays stay arrays; a tuple becomes a list (PyTorch's
    backwards-compatible choice), a namedtuple keeps its type, and other mappings and sequences
    are copied with their type where they allow it.
    """
    kind = type(data)
    if isinstance(data, Tensor):
        return data
    if kind.__module__ == "numpy" and kind.__name__ not in ("str_", "bytes_"):
        if isinstance(data, np.ndarray) and data.dtype.kind in "SaUO":
            return data
        return Tensor.from_array(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update(converted)
                return clone
            return kind(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return kind(*(default_convert(item) for item in data))
    if isinstance(data, tuple):
        return [default_convert(item) for item in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        converted_items = [default_convert(item) for item in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for number, item in enumerate(converted_items):
                    clone[number] = item
                return clone
            return kind(converted_items)
        except TypeError:
            return converted_items
    return data


def _endless(dataset: Any) -> bool:
    """An IterableDataset that does not define ``__len__`` (a stream of unknown length)."""
    return isinstance(dataset, IterableDataset) and type(dataset).__len__ is Dataset.__len__


class DataLoader:
    """Iterate over a dataset in batches.

    Args:
        dataset: a map-style dataset (``__len__`` and ``__getitem__``).
        batch_size: samples per batch (a positive integer, default 1).
        shuffle: draw a new random order at the start of every pass (None, the default, is False).
        sampler: the indices to read, in order, drawn anew at each pass (e.g. a
            ``DistributedSampler``: each rank its share); excludes ``shuffle``.
        batch_sampler: yields whole batches (lists of indices), e.g. a ``BatchSampler``;
            excludes ``batch_size``, ``shuffle``, ``sampler`` and ``drop_last``.
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        collate_fn: merges a list of samples into a batch (default: :func:`default_collate`).
        generator: the :class:`tt.Generator` to shuffle with (default: the
            global one). Its state is what a checkpoint saves to make a
            resumed run shuffle exactly as an uninterrupted one.
        num_workers: worker processes loading batches (0: all in the calling process).
        timeout: seconds to wait for a batch from the workers before a RuntimeError (0: forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker, after seeding.
        multiprocessing_context: a start method name (``"fork"``, ``"spawn"``, ``"forkserver"``) or
            a multiprocessing context; default ``"fork"`` where there is one (spawn and
            forkserver pickle the dataset and ``collate_fn`` to each worker).
        prefetch_factor: batches in flight per worker (default 2 with workers).
        persistent_workers: keep the workers from one pass to the next.
        in_order: yield batches in the sampler's order (False: as the workers finish them).

    The arguments come in PyTorch's order (``dataset, batch_size, shuffle, sampler, batch_sampler,
    num_workers, collate_fn, pin_memory, drop_last, timeout, worker_init_fn, multiprocessing_context,
    generator``, then keyword-only ``prefetch_factor``, ``persistent_workers``, ``pin_memory_device``,
    ``in_order``), so a call that passes them by position binds them as PyTorch does.

    Example:
        >>> loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True,
        ...                     generator=tt.Generator(0))  # doctest: +SKIP
        >>> for inputs, targets in loader:  # doctest: +SKIP
        ...     ...
    """

    _indices_only = False  # True on index_batches' copy, whose _fetch returns the indices it is given

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool | None = None,
        sampler: Iterable[int] | None = None,
        batch_sampler: Iterable[list[int]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise ValueError(
                "DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, sampler "
                "and drop_last; give the batch sampler its own (BatchSampler(sampler, batch_size, drop_last))"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        streamed = isinstance(dataset, IterableDataset)
        if not streamed and (not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader: the dataset ({type(dataset).__name__}) needs __len__ and __getitem__ "
                "(a map-style dataset), or must be an IterableDataset"
            )
        if streamed and (shuffle or sampler is not None or batch_sampler is not None):
            raise ValueError(
                "DataLoader: an IterableDataset is read in its own order: no shuffle, sampler or "
                "batch_sampler (shuffle inside its __iter__)"
            )
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"DataLoader: generator must be a tt.Generator, got {type(generator).__name__}")
        if sampler is not None and shuffle:
            raise ValueError(
                "DataLoader: sampler option is mutually exclusive with shuffle; shuffle in the sampler "
                "(DistributedSampler(dataset, shuffle=True)) and leave shuffle=False"
            )
        self.dataset = dataset
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.batch_size = None if batch_sampler is not None else int(batch_size)  # PyTorch's None
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = generator
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be a non-negative integer, got {num_workers!r}")
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.multiprocessing_context, self.prefetch_factor = check_worker_options(
            num_workers, timeout, worker_init_fn, multiprocessing_context, prefetch_factor, persistent_workers
        )
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.persistent_workers = bool(persistent_workers)
        self.in_order = bool(in_order)

    def __len__(self) -> int:
        """The number of batches in one pass (an IterableDataset without ``__len__`` has none: TypeError)."""
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        if _endless(self.dataset):
            raise TypeError(f"DataLoader: {type(self.dataset).__name__} is a stream without __len__")
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        """The pass's batches. Its order is drawn now, then a seed for workers (PyTorch's ``base_seed``).

        The seed is drawn whatever ``num_workers`` is, as PyTorch does, so with a fixed ``generator``
        every pass shuffles alike with and without workers; with ``num_workers=0`` it is unused. The
        order comes from the code below, run on a copy of the loader whose ``_fetch`` returns the indices.
        """
        if self.num_workers > 0:
            return worker_batches(self)
        if not self._indices_only:
            indices = index_batches(self)  # a lazy sampler has drawn its order (the first batch's indices)
            draw_base_seed(self.generator)
            return (
                self._streamed_batches()
                if isinstance(self.dataset, IterableDataset)
                else map(self._fetch, indices)
            )
        if isinstance(self.dataset, IterableDataset):
            return self._streamed_batches()
        if self.batch_sampler is not None:
            return (self._fetch(np.asarray(batch, dtype=np.int64)) for batch in self.batch_sampler)
        if self.sampler is not None:
            return self._sampled_batches()
        # BEGIN SOLUTION 07
        # TODO: the batches of one pass: the order drawn now (a permutation from the loader's generator when
        #   shuffling), cut into batch_size pieces, the last one dropped if short and drop_last
        #   (§ How it is built, "Shuffling you can reproduce").
        # HINT: draw the order before returning the generator expression, not at the first batch.
        n = len(self.dataset)
        # The order is drawn now, when the pass starts, not at the first batch.
        order = numpy_generator(self.generator).permutation(n) if self.shuffle else np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        return (
            self._fetch(order[start : start + self.batch_size]) for start in range(0, stop, self.batch_size)
        )
        # END SOLUTION

    def _sampled_batches(self) -> Iterator[Any]:
        """Batches in the order ``sampler`` yields, read lazily (a sampler may be endless in practice)."""
        indices = iter(self.sampler)
        while True:
            chunk = list(itertools.islice(indices, self.batch_size))
            if not chunk or (self.drop_last and len(chunk) < self.batch_size):
                return
            yield self._fetch(np.asarray(chunk, dtype=np.int64))

    def _streamed_batches(self) -> Iterator[Any]:
        """Batches of what an IterableDataset yields, in order, collated (``collate_fn`` or the default)."""
        samples = iter(self.dataset)
        collate = self.collate_fn or default_collate
        while batch := list(itertools.islice(samples, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield collate(batch)

    def _fetch(self, indices: np.ndarray) -> Any:
        """One batch: ``get_batch`` (no ``collate_fn``), else ``__getitems__``, else sample by sample."""
        # BEGIN SOLUTION 07
        # TODO: one batch: the dataset's get_batch(indices) when there is no collate_fn (one fancy index per
        #   tensor: § How it is built, "Datasets and batches without per-sample Python"), else __getitems__,
        #   else sample by sample; then collate.
        get_batch = getattr(self.dataset, "get_batch", None)
        if self.collate_fn is None and callable(get_batch):
            return get_batch(indices)
        collate = self.collate_fn or default_collate
        get_items = getattr(self.dataset, "__getitems__", None)
        if callable(get_items):
            return collate(get_items(indices.tolist()))
        return collate([self.dataset[int(i)] for i in indices])
        # END SOLUTION

    def __repr__(self) -> str:
        size = "a stream" if _endless(self.dataset) else f"{len(self.dataset)}"
        return (
            f"DataLoader({type(self.dataset).__name__} of {size}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )
