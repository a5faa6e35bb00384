"""Datasets and the DataLoader: sizes, drop_last, seeded shuffling, vectorised batches (module 07)."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest
import tt_autograd as autograd
from tt_optim.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split


def numbered(n=10, features=3):
    """A TensorDataset whose sample i is (row of i's, i)."""
    x = autograd.tensor(np.repeat(np.arange(n, dtype=np.float32)[:, None], features, axis=1))
    return TensorDataset(x, autograd.arange(n))


def labels_of(loader):
    return [batch[1].numpy().tolist() for batch in loader]


@pytest.mark.parametrize(
    "n, batch_size, drop_last, sizes",
    [
        (10, 3, False, [3, 3, 3, 1]),
        (10, 3, True, [3, 3, 3]),
        (10, 5, True, [5, 5]),
        (4, 10, False, [4]),
        (4, 10, True, []),
    ],
)
def test_batch_sizes_and_len(n, batch_size, drop_last, sizes):
    loader = DataLoader(numbered(n), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert [len(b[1]) for b in batches] == sizes
    assert len(loader) == len(sizes)
    if batches:
        x, y = batches[0]
        assert x.shape == (sizes[0], 3) and x.dtype == autograd.float32 and y.dtype == autograd.int64
        assert isinstance(x, autograd.Tensor)


def test_without_shuffle_the_order_is_the_datasets():
    assert labels_of(DataLoader(numbered(7), batch_size=3)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_shuffle_covers_every_sample_once_per_epoch_in_a_new_order():
    loader = DataLoader(numbered(20), batch_size=6, shuffle=True, generator=autograd.Generator(1))
    first, second = sum(labels_of(loader), []), sum(labels_of(loader), [])
    assert sorted(first) == sorted(second) == list(range(20))
    assert first != second and first != list(range(20))


class EveryOther:
    """A sampler: the even indices, then the odd ones, newly listed at each pass."""

    def __init__(self, n):
        self.n, self.passes = n, 0

    def __iter__(self):
        self.passes += 1
        return iter([*range(0, self.n, 2), *range(1, self.n, 2)])

    def __len__(self):
        return self.n


def test_a_sampler_gives_the_order_and_the_length():
    sampler = EveryOther(7)
    loader = DataLoader(numbered(10), batch_size=3, sampler=sampler)
    assert labels_of(loader) == [[0, 2, 4], [6, 1, 3], [5]]
    assert len(loader) == 3 and sampler.passes == 1
    dropped = DataLoader(numbered(10), batch_size=3, sampler=sampler, drop_last=True)
    assert labels_of(dropped) == [[0, 2, 4], [6, 1, 3]] and len(dropped) == 2
    assert labels_of(DataLoader(numbered(10), batch_size=4, sampler=[9, 9, 1])) == [[9, 9, 1]]


def test_a_sampler_excludes_shuffle():
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(numbered(4), batch_size=2, shuffle=True, sampler=[0, 1])


def test_a_seeded_generator_makes_shuffling_reproducible():
    orders = [
        labels_of(DataLoader(numbered(30), batch_size=8, shuffle=True, generator=autograd.Generator(5)))
        for _ in range(2)
    ]
    assert orders[0] == orders[1]
    other = labels_of(DataLoader(numbered(30), batch_size=8, shuffle=True, generator=autograd.Generator(6)))
    assert other != orders[0]


def test_without_a_generator_shuffling_follows_manual_seed():
    loader = DataLoader(numbered(30), batch_size=8, shuffle=True)
    autograd.manual_seed(11)
    first = labels_of(loader)
    autograd.manual_seed(11)
    assert labels_of(loader) == first


def test_the_order_is_drawn_when_iteration_starts():
    generator = autograd.Generator(3)
    loader = DataLoader(numbered(12), batch_size=4, shuffle=True, generator=generator)
    state = generator.get_state()
    iterator = iter(loader)
    assert not np.array_equal(generator.get_state().numpy(), state.numpy()), (
        "iter() must draw the permutation"
    )
    generator.set_state(state)
    assert labels_of(loader) == [b[1].numpy().tolist() for b in iterator]


class NoPerSampleAccess(TensorDataset):
    def __getitem__(self, index):
        raise AssertionError("the loader must fetch batches with get_batch, not sample by sample")


def test_tensor_datasets_are_batched_by_vectorised_indexing():
    x = autograd.randn(50, 4)
    dataset = NoPerSampleAccess(x, autograd.arange(50))
    loader = DataLoader(dataset, batch_size=16, shuffle=True, generator=autograd.Generator(0))
    order = autograd.Generator(0).numpy.permutation(50)
    for number, (inputs, labels) in enumerate(loader):
        expected = order[number * 16 : (number + 1) * 16]
        np.testing.assert_array_equal(labels.numpy(), expected)
        np.testing.assert_array_equal(inputs.numpy(), x.numpy()[expected])


class Squares(Dataset):
    """Per-sample data: (array of i, i squared as a float, a label string)."""

    def __len__(self):
        return 5

    def __getitem__(self, index):
        return np.full(2, index, dtype=np.float32), float(index**2), f"item{index}"


def test_per_sample_datasets_go_through_default_collate():
    x, squares, names = next(iter(DataLoader(Squares(), batch_size=3)))
    assert isinstance(x, autograd.Tensor) and x.shape == (3, 2) and x.dtype == autograd.float32
    assert squares.dtype == autograd.float64 and squares.numpy().tolist() == [0.0, 1.0, 4.0]
    assert names == ("item0", "item1", "item2")  # a field of strings stays a tuple, as PyTorch's
    assert default_collate(["a", "b"]) == ["a", "b"]  # a batch of strings: the list it came as
    assert default_collate([np.str_("a"), np.str_("b")]) == ["a", "b"]  # NumPy's strings too, as PyTorch's
    assert default_collate([np.bytes_(b"a"), np.bytes_(b"b")]) == [b"a", b"b"]


def test_default_collate_handles_tensors_ints_dicts_and_namedtuples():
    Pair = namedtuple("Pair", "a b")
    batch = default_collate(
        [
            {"x": autograd.ones(2), "n": 1, "p": Pair(1.0, True)},
            {"x": autograd.zeros(2), "n": 2, "p": Pair(2.0, False)},
        ]
    )
    assert (
        batch["x"].shape == (2, 2)
        and batch["n"].dtype == autograd.int64
        and batch["n"].numpy().tolist() == [1, 2]
    )
    assert isinstance(batch["p"], Pair) and batch["p"].b.dtype == autograd.bool
    with pytest.raises(RuntimeError, match="different shapes"):
        default_collate([autograd.ones(2), autograd.ones(3)])
    with pytest.raises(TypeError, match="don't know how to batch"):
        default_collate([object(), object()])


def test_default_collate_edge_cases():
    single = default_collate([(autograd.tensor([1.0, 2.0]), 3)])  # a batch of one sample
    assert single[0].shape == (1, 2) and single[1].numpy().tolist() == [3]
    with pytest.raises(ValueError, match="empty batch"):
        default_collate([])
    with pytest.raises(RuntimeError, match="same number of fields"):
        default_collate([(1, 2.0), (3,)])


def test_a_custom_collate_fn_receives_the_samples():
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return [s[1] for s in samples]

    batches = list(DataLoader(numbered(5), batch_size=2, collate_fn=collate))
    assert seen == [2, 2, 1] and len(batches[0]) == 2 and int(batches[2][0]) == 4


def test_subset_and_random_split():
    dataset = numbered(10)
    subset = Subset(dataset, [7, 2, 5])
    assert len(subset) == 3 and int(subset[0][1]) == 7
    assert next(iter(DataLoader(subset, batch_size=3)))[1].numpy().tolist() == [7, 2, 5]
    parts = random_split(dataset, [0.7, 0.3], generator=autograd.Generator(0))
    assert [len(p) for p in parts] == [7, 3]
    assert sorted(np.concatenate([p.indices for p in parts]).tolist()) == list(range(10))
    assert [len(p) for p in random_split(dataset, [0.5, 0.25, 0.25])] == [6, 2, 2]  # remainder goes first
    with pytest.raises(ValueError, match="add up"):
        random_split(dataset, [3, 3])


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_a_bad_batch_size_is_refused(batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        DataLoader(numbered(4), batch_size=batch_size)


def test_bad_datasets_are_refused_clearly():
    with pytest.raises(ValueError, match=r"first dimensions differ: \[3, 4\]"):
        TensorDataset(autograd.ones(3, 2), autograd.ones(4))
    with pytest.raises(TypeError, match="needs __len__ and __getitem__"):
        DataLoader(iter(range(3)))
    with pytest.raises(TypeError, match="tt.Generator"):
        DataLoader(numbered(3), shuffle=True, generator=np.random.default_rng(0))


def test_a_dataset_with_getitems_is_fetched_one_call_per_batch():
    """PyTorch's batched-fetch protocol: ``__getitems__`` gets the batch's indices as a list of ints."""

    class Squares(Dataset):
        def __init__(self) -> None:
            self.calls: list[list[int]] = []

        def __len__(self) -> int:
            return 10

        def __getitem__(self, index: int):
            raise AssertionError("fetched one by one although __getitems__ exists")

        def __getitems__(self, indices: list[int]):
            assert all(type(i) is int for i in indices)
            self.calls.append(indices)
            return [autograd.tensor([float(i * i)]) for i in indices]

    data = Squares()
    batches = list(DataLoader(data, batch_size=4))
    assert data.calls == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    np.testing.assert_array_equal(batches[1].numpy(), [[16.0], [25.0], [36.0], [49.0]])
