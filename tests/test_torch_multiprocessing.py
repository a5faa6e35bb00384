"""``tt.multiprocessing``: the ``torch.multiprocessing`` names a DataLoader user touches (the stdlib's)."""

from __future__ import annotations

import multiprocessing

import pytest

import tinytorch as tt


def test_the_names_are_the_standard_librarys():
    for name in ("get_context", "set_start_method", "get_start_method", "Process", "Queue", "Pipe"):
        assert getattr(tt.multiprocessing, name) is getattr(multiprocessing, name)


def test_a_context_from_it_drives_dataloader_workers():
    context = tt.multiprocessing.get_context("fork")
    dataset = tt.utils.data.TensorDataset(tt.arange(6))
    loader = tt.utils.data.DataLoader(dataset, batch_size=4, num_workers=2, multiprocessing_context=context)
    assert [batch.tolist() for (batch,) in loader] == [[0, 1, 2, 3], [4, 5]]
    assert tt.multiprocessing.active_children() == []


def test_sharing_strategies_are_recorded_and_checked():
    assert tt.multiprocessing.get_all_sharing_strategies() == {"file_descriptor", "file_system"}
    assert tt.multiprocessing.get_sharing_strategy() == "file_descriptor"
    tt.multiprocessing.set_sharing_strategy("file_system")
    try:
        assert tt.multiprocessing.get_sharing_strategy() == "file_system"
    finally:
        tt.multiprocessing.set_sharing_strategy("file_descriptor")
    with pytest.raises(ValueError, match="set_sharing_strategy: 'shm' is not a sharing strategy; use one of"):
        tt.multiprocessing.set_sharing_strategy("shm")
