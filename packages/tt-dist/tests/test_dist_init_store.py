"""``init_process_group(store=..., world_size=..., rank=...)``: PyTorch's arguments, checked against MPI's.

Run in this process, a job of one rank (mpi4py's singleton): the store is kept
under the prefix ``default_pg`` as PyTorch keeps it, and arguments PyTorch refuses
or that disagree with what ``mpiexec`` started are refused by name.
"""

from __future__ import annotations

import gc

import pytest
import tt_dist as dist
from tt_dist import HashStore, PrefixStore
from tt_dist.process_group import _get_default_store


@pytest.fixture
def destroyed():
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


def test_the_store_is_kept_under_default_pg(destroyed, tmp_path):
    store = dist.FileStore(tmp_path / "store", 1)
    dist.init_process_group("mpi", store=store, world_size=1, rank=0)
    kept = _get_default_store()
    assert isinstance(kept, PrefixStore) and kept.underlying_store is store
    kept.set("k", "v")
    assert store.get("default_pg/k") == b"v"
    dist.destroy_process_group()
    with pytest.raises(
        ValueError, match=r"^Default process group has not been initialized, please make sure"
    ):
        _get_default_store()
    del kept, store
    gc.collect()
    assert not (tmp_path / "store").exists()  # destroyed, the group let its FileStore go: the file is removed
    dist.init_process_group()  # no store: nothing kept, and the error names the fix
    with pytest.raises(
        RuntimeError, match=r"^_get_default_store: init_process_group was called without store="
    ):
        _get_default_store()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"store": {}, "world_size": 1, "rank": 0}, TypeError,
         r"^init_process_group: store is a Store \(FileStore, HashStore, PrefixStore\), got dict"),
        ({"store": HashStore(), "init_method": "env://", "world_size": 1, "rank": 0}, ValueError,
         r"^init_process_group: cannot specify both init_method \('env://'\) and store; give one"),
        ({"store": HashStore(), "rank": 0}, ValueError,
         r"^init_process_group: with store=, give world_size= and rank= too, as PyTorch requires "
         r"\(got world_size=-1, rank=0\)"),
        ({"store": HashStore(), "world_size": 1}, ValueError, r"\(got world_size=1, rank=-1\)"),
        ({"store": HashStore(), "world_size": 1, "rank": None}, ValueError, r"world_size=1, rank=None\)"),
        ({"store": HashStore(), "world_size": None, "rank": 0}, ValueError, r"world_size=None, rank=0\)"),
        ({"store": HashStore(), "world_size": 2, "rank": 0}, ValueError,
         r"^init_process_group: world_size=2 but mpiexec started 1 processes"),
        ({"store": HashStore(), "world_size": 1, "rank": 1}, ValueError,
         r"^init_process_group: rank=1 but MPI gave this process rank 0"),
    ],
)  # fmt: skip
def test_store_arguments_are_refused_by_name(destroyed, kwargs, error, message):
    with pytest.raises(error, match=message):
        dist.init_process_group("mpi", **kwargs)
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="has not been initialized"):
        _get_default_store()
