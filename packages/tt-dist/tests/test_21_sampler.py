"""Module 21: ``DistributedSampler``'s index arithmetic (PyTorch's semantics), in one process.

Every rank is played here by passing ``num_replicas`` and ``rank``: the
shares must partition each epoch (every index once, plus PyTorch's padding),
agree on one shuffle, change with ``set_epoch`` and honour ``drop_last``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_dist import DistributedSampler
from tt_optim import DataLoader, TensorDataset


def shares(n, replicas, **options):
    return [DistributedSampler(range(n), num_replicas=replicas, rank=r, **options) for r in range(replicas)]


@pytest.mark.parametrize("n", [1, 5, 12, 13, 31])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
@pytest.mark.parametrize("shuffle", [False, True])
def test_shares_partition_the_epoch_with_pytorchs_padding(n, replicas, shuffle):
    samplers = shares(n, replicas, shuffle=shuffle, seed=7)
    per_rank = [list(s) for s in samplers]
    expected = math.ceil(n / replicas)
    assert all(len(s) == expected == len(p) for s, p in zip(samplers, per_rank))
    union = sorted(sum(per_rank, []))
    assert sorted(set(union)) == list(range(n))  # every index at least once
    counts = np.bincount(union, minlength=n)
    assert counts.sum() == expected * replicas
    assert counts.max() - counts.min() <= 1 + (expected * replicas - n) // n  # padding repeats evenly


@pytest.mark.parametrize("n", [5, 12, 13, 31])
@pytest.mark.parametrize("replicas", [2, 3, 4])
def test_drop_last_cuts_the_tail_and_repeats_nothing(n, replicas):
    samplers = shares(n, replicas, shuffle=True, seed=1, drop_last=True)
    per_rank = [list(s) for s in samplers]
    assert all(len(p) == n // replicas == len(s) for p, s in zip(per_rank, samplers))
    union = sum(per_rank, [])
    assert len(set(union)) == len(union) == replicas * (n // replicas)


def test_exact_indices_without_shuffle_match_pytorch():
    # 10 samples on 3 ranks: [0..9] padded with 0, 1 to 12, then rank r takes r, r+3, ...
    assert [list(s) for s in shares(10, 3, shuffle=False)] == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    # drop_last: 10 on 3 keeps 9 (ceil((10 - 3) / 3) = 3 each).
    dropped = shares(10, 3, shuffle=False, drop_last=True)
    assert [list(s) for s in dropped] == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    # More ranks than samples: the order repeats to fill them.
    assert [list(s) for s in shares(2, 5, shuffle=False)] == [[0], [1], [0], [1], [0]]


def test_one_shuffle_per_epoch_shared_by_all_ranks():
    a, b = shares(20, 2, shuffle=True, seed=5)
    first = [list(a), list(b)]
    assert sorted(first[0] + first[1]) == list(range(20))
    assert first[0] + first[1] != list(range(20))
    assert list(a) == first[0]  # the same epoch gives the same order
    a.set_epoch(1)
    b.set_epoch(1)
    second = [list(a), list(b)]
    assert sorted(second[0] + second[1]) == list(range(20)) and second != first
    other_seed = shares(20, 2, shuffle=True, seed=6)
    assert [list(s) for s in other_seed] != first
    # The order is seed + epoch: what rank 0 reads is the interleaved permutation of that seed.
    order = np.random.default_rng(5 + 1).permutation(20)
    assert second[0] == order[0::2].tolist() and second[1] == order[1::2].tolist()


def test_indices_are_an_int64_array():
    (sampler,) = shares(4, 1, shuffle=False)
    indices = sampler.indices()
    assert isinstance(indices, np.ndarray) and indices.dtype == np.int64 and indices.tolist() == [0, 1, 2, 3]


def test_a_dataloader_reads_the_ranks_share():
    x = autograd.arange(10).float()
    dataset = TensorDataset(x, autograd.arange(10))
    sampler = DistributedSampler(dataset, num_replicas=2, rank=1, shuffle=False)
    loader = DataLoader(dataset, batch_size=2, sampler=sampler)
    assert [batch[1].numpy().tolist() for batch in loader] == [[1, 3], [5, 7], [9]]
    assert len(loader) == 3


def test_bad_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match=r"invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas must be a positive integer"):
        DistributedSampler(range(4), num_replicas=0, rank=0)
    with pytest.raises(RuntimeError, match="init_process_group"):
        DistributedSampler(range(4))  # no process group in this process
