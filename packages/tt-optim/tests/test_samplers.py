"""``sampler=`` in ``DataLoader``, ``RandomSampler``, ``SequentialSampler`` (torch API: minGPT's loader).

Not course material (the code sits outside the solution regions), so no module number:
``nox -s tests`` runs it.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_optim.data import DataLoader, RandomSampler, SequentialSampler, TensorDataset


def _dataset(n=10):
    return TensorDataset(autograd.arange(n), autograd.arange(n) * 10)


def test_sequential_sampler_keeps_the_order_and_drop_last():
    loader = DataLoader(_dataset(), batch_size=4, sampler=SequentialSampler(_dataset()), drop_last=True)
    assert len(loader) == 2
    assert [x.tolist() for x, _ in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_random_sampler_without_replacement_is_a_seeded_permutation_per_pass():
    sampler = RandomSampler(_dataset(), generator=autograd.Generator().manual_seed(3))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == list(range(10)) and sorted(second) == list(range(10)) and first != second
    again = list(RandomSampler(_dataset(), generator=autograd.Generator().manual_seed(3)))
    assert again == first
    longer = list(RandomSampler(_dataset(), num_samples=25))
    assert len(longer) == 25 and sorted(longer[:10]) == list(range(10))  # whole permutations first


def test_an_endless_sampler_is_drawn_lazily():
    sampler = RandomSampler(_dataset(), replacement=True, num_samples=int(1e10))
    loader = DataLoader(_dataset(), batch_size=3, sampler=sampler)
    assert len(loader) == -(-int(1e10) // 3)
    batches = iter(loader)
    x, y = next(batches)
    next(batches)
    assert x.shape == (3,) and np.array_equal(y.numpy(), x.numpy() * 10)
    draws = np.array(list(RandomSampler(_dataset(), replacement=True, num_samples=4000)))
    assert 0 <= draws.min() and draws.max() <= 9 and len(set(draws.tolist())) == 10


def test_sampler_errors():
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(_dataset(), sampler=SequentialSampler(_dataset()), shuffle=True)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(_dataset(), num_samples=0)
