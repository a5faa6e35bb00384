"""The rest of ``torch.utils.data``'s pieces: ``ConcatDataset``, ``IterableDataset`` and ``ChainDataset``,
``BatchSampler`` (``batch_sampler=``), ``SubsetRandomSampler`` and ``WeightedRandomSampler``.

Not course material (outside module 07's solution regions), so no module
number: ``nox -s tests`` runs it.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_optim.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)


def numbered(start, count):
    """A TensorDataset of samples (start + i, -(start + i))."""
    values = np.arange(start, start + count)
    return TensorDataset(autograd.tensor(values), autograd.tensor(-values))


class OneByOne(Dataset):
    """A map-style dataset without get_batch: sample i is (1000 + i, -(1000 + i))."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        if not 0 <= i < 4:
            raise IndexError(i)
        return autograd.tensor(1000 + i), autograd.tensor(-(1000 + i))


def test_concat_dataset_indexes_across_the_parts():
    data = ConcatDataset([numbered(0, 3), numbered(10, 2), numbered(20, 4)])
    assert len(data) == 9 and data.cumulative_sizes == [3, 5, 9]
    firsts = [int(data[i][0].item()) for i in range(9)]
    assert firsts == [0, 1, 2, 10, 11, 20, 21, 22, 23]
    assert int(data[-1][0].item()) == 23 and int(data[-9][0].item()) == 0 and int(data[-6][0].item()) == 10
    with pytest.raises(IndexError, match="index 9 is out of range for 9 samples"):
        data[9]
    with pytest.raises(IndexError, match="index -10 is out of range"):
        data[-10]


def test_concat_dataset_batches_equal_the_samples_one_by_one():
    rng = np.random.default_rng(0)
    for parts in (
        [numbered(0, 3), numbered(10, 2), numbered(20, 4)],
        [numbered(0, 3), OneByOne(), numbered(50, 2)],
    ):
        data = ConcatDataset(parts)
        indices = rng.integers(-len(data), len(data), size=12)
        x, y = data.get_batch(indices)
        expected = [data[int(i)] for i in indices]
        np.testing.assert_array_equal(x.numpy(), [int(s[0].item()) for s in expected])
        np.testing.assert_array_equal(y.numpy(), [int(s[1].item()) for s in expected])


def test_dataset_plus_dataset_and_a_shuffled_loader_see_every_sample_once():
    data = numbered(0, 5) + numbered(100, 6)
    assert isinstance(data, ConcatDataset) and len(data) == 11
    assert int(data[4][0].item()) == 4 and int(data[5][0].item()) == 100  # the left operand first
    loader = DataLoader(data, batch_size=4, shuffle=True, generator=autograd.Generator(3))
    seen = np.concatenate([x.numpy() for x, _ in loader])
    assert sorted(seen.tolist()) == [0, 1, 2, 3, 4, 100, 101, 102, 103, 104, 105]


def test_concat_dataset_refuses_what_is_not_a_dataset():
    with pytest.raises(ValueError, match="should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(TypeError, match=r"dataset 1 \(int\) is not a map-style dataset"):
        ConcatDataset([numbered(0, 2), 5])


def test_subset_random_sampler_permutes_its_indices_each_pass():
    indices = [3, 8, 13, 21, 34, 55]
    sampler = SubsetRandomSampler(indices, generator=autograd.Generator(1))
    passes = [list(sampler) for _ in range(4)]
    assert all(sorted(p) == indices for p in passes) and len(sampler) == 6
    assert len({tuple(p) for p in passes}) > 1  # a new order each pass
    again = SubsetRandomSampler(indices, generator=autograd.Generator(1))
    assert [list(again) for _ in range(4)] == passes  # the generator decides
    loader = DataLoader(numbered(0, 60), batch_size=4, sampler=sampler)
    assert sorted(np.concatenate([x.numpy() for x, _ in loader]).tolist()) == indices


def test_weighted_random_sampler_follows_the_weights():
    weights = [0.0, 1.0, 3.0, 0.0, 6.0]
    sampler = WeightedRandomSampler(weights, num_samples=20_000, generator=autograd.Generator(2))
    drawn = np.array(list(sampler))
    assert len(drawn) == len(sampler) == 20_000
    counts = np.bincount(drawn, minlength=5) / len(drawn)
    assert counts[0] == counts[3] == 0  # zero weight: never
    np.testing.assert_allclose(counts[[1, 2, 4]], [0.1, 0.3, 0.6], atol=0.015)


def test_weighted_random_sampler_without_replacement_draws_each_index_once():
    sampler = WeightedRandomSampler(autograd.tensor([1.0, 0.0, 2.0, 5.0]), 3, replacement=False)
    for _ in range(5):
        assert sorted(sampler) == [0, 2, 3]


def test_weighted_random_sampler_refuses_bad_arguments():
    with pytest.raises(ValueError, match="num_samples must be a positive integer, got 0"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement must be a bool, got 1"):
        WeightedRandomSampler([1.0], 1, replacement=1)
    with pytest.raises(ValueError, match=r"non-empty 1-d sequence, got shape \(2, 1\)"):
        WeightedRandomSampler([[1.0], [2.0]], 1)
    for weights in ([1.0, -1.0], [0.0, 0.0], [1.0, float("nan")]):
        with pytest.raises(ValueError, match="finite, non-negative and not all zero"):
            WeightedRandomSampler(weights, 1)
    with pytest.raises(ValueError, match="cannot draw 3 indices without replacement from 2 non-zero weights"):
        WeightedRandomSampler([1.0, 0.0, 1.0], 3, replacement=False)


def test_batch_sampler_groups_indices_and_feeds_a_loader():
    assert list(BatchSampler(range(7), 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, drop_last=False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    batches = [[4, 0], [7, 7, 2], [1]]  # any lists: sizes may differ, indices repeat
    loader = DataLoader(numbered(0, 8), batch_sampler=batches)
    assert len(loader) == 3 and loader.batch_size is None
    assert [x.numpy().tolist() for x, _ in loader] == batches
    grouped = DataLoader(numbered(10, 5), batch_sampler=BatchSampler(SequentialSampler(range(5)), 2, False))
    assert [x.numpy().tolist() for x, _ in grouped] == [[10, 11], [12, 13], [14]]


def test_batch_sampler_refuses_bad_arguments():
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last must be a bool, got 'yes'"):
        BatchSampler(range(3), 2, "yes")
    for clash in (dict(batch_size=4), dict(shuffle=True), dict(sampler=range(3)), dict(drop_last=True)):
        with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
            DataLoader(numbered(0, 3), batch_sampler=[[0]], **clash)


class Counting(IterableDataset):
    """A stream of (i, 2i) for i in [start, stop), as pairs of numbers."""

    def __init__(self, start, stop):
        self.start, self.stop = start, stop

    def __iter__(self):
        return ((i, 2 * i) for i in range(self.start, self.stop))

    def __len__(self):
        return self.stop - self.start


class Endless(IterableDataset):
    def __iter__(self):
        i = 0
        while True:
            yield np.array([i, i], dtype=np.float32)
            i += 1


def test_a_stream_is_batched_in_its_own_order():
    loader = DataLoader(Counting(0, 7), batch_size=3)
    batches = [(x.tolist(), y.tolist()) for x, y in loader]
    assert batches == [([0, 1, 2], [0, 2, 4]), ([3, 4, 5], [6, 8, 10]), ([6], [12])]
    assert len(loader) == 3 and len(DataLoader(Counting(0, 7), batch_size=3, drop_last=True)) == 2
    assert [x.tolist() for x, _ in DataLoader(Counting(0, 7), batch_size=3, drop_last=True)] == [
        [0, 1, 2],
        [3, 4, 5],
    ]
    summed = DataLoader(Counting(0, 4), batch_size=2, collate_fn=lambda batch: sum(a for a, _ in batch))
    assert list(summed) == [1, 5]


def test_an_endless_stream_has_no_length_but_yields_batches():
    loader = DataLoader(Endless(), batch_size=4)
    first = next(iter(loader))
    np.testing.assert_array_equal(first.numpy(), [[0, 0], [1, 1], [2, 2], [3, 3]])
    with pytest.raises(TypeError, match="Endless is a stream without __len__"):
        len(loader)
    assert repr(loader) == "DataLoader(Endless of a stream, batch_size=4, shuffle=False, drop_last=False)"
    assert repr(DataLoader(Counting(0, 7), batch_size=3)).startswith("DataLoader(Counting of 7, batch_size=3")


def test_chained_streams_and_what_a_stream_refuses():
    chained = Counting(0, 2) + Counting(10, 12)
    assert isinstance(chained, ChainDataset) and len(chained) == 4
    assert [a for a, _ in chained] == [0, 1, 10, 11]
    assert [
        x.tolist() for x, _ in DataLoader(ChainDataset([Counting(5, 6), Counting(0, 2)]), batch_size=2)
    ] == [[5, 0], [1]]
    for clash in (dict(shuffle=True), dict(sampler=range(3)), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError, match="an IterableDataset is read in its own order"):
            DataLoader(Counting(0, 3), **clash)
