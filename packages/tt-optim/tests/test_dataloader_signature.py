"""``DataLoader``'s arguments in PyTorch's order (tools/parity/sweep_signatures.py found everything after
``batch_sampler`` keyword-only, and ``shuffle`` defaulting to False where PyTorch's is None)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import tt_autograd as autograd
from tt_optim.data import DataLoader, IterableDataset, TensorDataset

PYTORCH_ORDER = [
    "dataset", "batch_size", "shuffle", "sampler", "batch_sampler", "num_workers", "collate_fn",
    "pin_memory", "drop_last", "timeout", "worker_init_fn", "multiprocessing_context", "generator",
]  # fmt: skip
KEYWORD_ONLY = ["prefetch_factor", "persistent_workers", "pin_memory_device", "in_order"]


def test_the_parameters_come_in_pytorchs_order_and_kinds():
    parameters = inspect.signature(DataLoader).parameters
    assert list(parameters) == PYTORCH_ORDER + KEYWORD_ONLY
    kinds = {name: p.kind for name, p in parameters.items()}
    assert all(kinds[name] is inspect.Parameter.POSITIONAL_OR_KEYWORD for name in PYTORCH_ORDER)
    assert all(kinds[name] is inspect.Parameter.KEYWORD_ONLY for name in KEYWORD_ONLY)
    assert parameters["shuffle"].default is None


def test_a_positional_call_binds_as_pytorch():
    dataset = TensorDataset(autograd.tensor(np.arange(5.0)))
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return [s[0].item() for s in samples]

    # (dataset, batch_size, shuffle, sampler, batch_sampler, num_workers, collate_fn, pin_memory, drop_last)
    loader = DataLoader(dataset, 2, None, None, None, 0, collate, False, True)
    assert list(loader) == [[0.0, 1.0], [2.0, 3.0]] and seen == [2, 2]
    assert (loader.num_workers, loader.collate_fn, loader.drop_last, loader.shuffle) == (
        0,
        collate,
        True,
        False,
    )


def test_shuffle_none_reads_in_order():
    dataset = TensorDataset(autograd.tensor(np.arange(4.0)))
    batches = [batch[0].numpy().tolist() for batch in DataLoader(dataset, batch_size=3, shuffle=None)]
    assert batches == [[0.0, 1.0, 2.0], [3.0]]


class _Stream(IterableDataset):
    def __iter__(self):
        return iter(range(3))


def test_an_iterable_dataset_takes_shuffle_none_and_refuses_shuffle_true():
    assert [b.tolist() for b in DataLoader(_Stream(), batch_size=2, shuffle=None)] == [[0, 1], [2]]
    with pytest.raises(ValueError, match="an IterableDataset is read in its own order"):
        DataLoader(_Stream(), shuffle=True)
