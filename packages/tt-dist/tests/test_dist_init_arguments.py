"""``init_process_group``'s PyTorch arguments group_name, pg_options and device_id: they were taken by a
``**unused`` and ignored (as was any misspelt keyword); found by a scratch run of
tools/parity/sweep_signatures.py over ``torch.distributed``. In this process (a world of one)."""

from __future__ import annotations

import pytest
import tt_autograd as autograd
import tt_dist as dist


def test_group_name_and_a_cpu_device_id_are_taken():
    dist.init_process_group("mpi", group_name="trainers", device_id=autograd.device("cpu"))
    try:
        assert dist.is_initialized() and dist.get_world_size() == 1
    finally:
        dist.destroy_process_group()


@pytest.mark.parametrize("device_id", ["cuda:0", 0])
def test_another_device_id_is_refused_before_anything_starts(device_id):
    with pytest.raises(RuntimeError, match=rf"init_process_group: device '{device_id}' is not available"):
        dist.init_process_group(device_id=device_id)
    assert not dist.is_initialized()


def test_pg_options_are_refused():
    with pytest.raises(
        ValueError, match="init_process_group: pg_options configures a NCCL or Gloo process group"
    ):
        dist.init_process_group(pg_options=object())
    assert not dist.is_initialized()


def test_a_misspelt_keyword_is_an_error_not_ignored():
    with pytest.raises(TypeError, match="unexpected keyword argument 'timout'"):
        dist.init_process_group(timout=5)
    assert not dist.is_initialized()
