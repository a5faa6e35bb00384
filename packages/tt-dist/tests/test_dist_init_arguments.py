"""PyTorch's device and backend-option arguments of tt-dist (tools/parity/sweep_signatures.py, group
``distributed``): ``init_process_group``'s group_name, pg_options and device_id were taken by a
``**unused`` and ignored (as was any misspelt keyword); ``new_group``'s pg_options/device_id, the
object functions' device and DDP's device_ids/output_device were taken and never read; ``barrier`` had
no ``timeout`` and ``Work.wait(timeout)`` ignored it. In this process (a world of one)."""

from __future__ import annotations

import datetime
import time

import numpy as np
import pytest
import tt_autograd as autograd
import tt_dist as dist
import tt_nn as nn


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


def _self_group():
    from mpi4py import MPI
    from tt_dist import ProcessGroup

    return ProcessGroup(MPI.COMM_SELF, 0, 1)


@pytest.mark.parametrize(
    "options", [{"device_ids": [0]}, {"output_device": 1}, {"device_ids": [0], "output_device": 0}]
)
def test_ddp_refuses_gpu_device_ids_as_pytorch_does_for_a_cpu_module(options):
    # PyTorch 2.13 (gloo, a CPU module): device_ids=[0] and output_device=1 raise ValueError;
    # [], 0 and None do not
    with pytest.raises(ValueError, match="device_ids and output_device are for GPU modules"):
        dist.DistributedDataParallel(nn.Linear(2, 2), process_group=_self_group(), **options)


@pytest.mark.parametrize("options", [{}, {"device_ids": []}, {"output_device": 0}, {"device_ids": None}])
def test_ddp_takes_empty_device_arguments(options):
    ddp = dist.DistributedDataParallel(nn.Linear(2, 2), process_group=_self_group(), **options)
    assert isinstance(ddp.module, nn.Linear)


def test_new_group_and_the_object_functions_refuse_gpu_devices_and_pg_options():
    dist.init_process_group("mpi")
    try:
        with pytest.raises(ValueError, match="new_group: pg_options configures a NCCL or Gloo process group"):
            dist.new_group(pg_options=object())
        with pytest.raises(RuntimeError, match="new_group: device 'cuda:0' is not available"):
            dist.new_group(device_id="cuda:0")
        assert dist.new_group([0], device_id="cpu", group_desc="mine").size == 1
        with pytest.raises(RuntimeError, match="broadcast_object_list: device 'cuda' is not available"):
            dist.broadcast_object_list([1], device="cuda")
        with pytest.raises(RuntimeError, match="send_object_list: device 'cuda' is not available"):
            dist.send_object_list([1], dst=0, device="cuda")
        with pytest.raises(RuntimeError, match="recv_object_list: device 'cuda' is not available"):
            dist.recv_object_list([None], src=0, device="cuda")
        values = [7]
        dist.broadcast_object_list(values, src=0, device="cpu")
        assert values == [7]
    finally:
        dist.destroy_process_group()


def test_barrier_takes_pytorchs_timeout():
    dist.init_process_group("mpi", timeout=60)
    try:
        assert dist.barrier(timeout=datetime.timedelta(seconds=5)) is None
        work = dist.barrier(async_op=True, timeout=5)
        assert work.wait() is True
        with pytest.raises(ValueError, match="barrier: timeout must be positive, got 0 seconds"):
            dist.barrier(timeout=0)
        with pytest.raises(TypeError, match="barrier: timeout must be a datetime.timedelta or seconds"):
            dist.barrier(timeout="5 s")
    finally:
        dist.destroy_process_group()


def test_work_wait_timeout_replaces_the_groups():
    from mpi4py import MPI
    from tt_dist import ProcessGroup
    from tt_dist.process_group import Work

    group = ProcessGroup(MPI.COMM_SELF, 0, 1, 60.0)
    request = MPI.COMM_SELF.Irecv(np.zeros(1), source=0, tag=9_871)  # no one sends: never completes
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError, match=r"recv: rank 0 waited more than 0.05 s"):
            Work(group, request, "recv").wait(timeout=datetime.timedelta(seconds=0.05))
        assert time.monotonic() - started < 10  # not the group's 60 s
        with pytest.raises(TimeoutError, match="more than 0.05 s"):
            Work(group, request, "recv", limit=0.05).wait()
    finally:
        request.Cancel()
        request.Wait()


def test_ddp_warns_broadcast_buffers_deprecated_at_the_callers_line():
    with pytest.warns(
        FutureWarning, match=r"unlike broadcast_buffers=False, forward_sync_buffers=False"
    ) as caught:
        dist.DistributedDataParallel(nn.Linear(2, 2), process_group=_self_group(), broadcast_buffers=False)
    assert caught[0].filename == __file__
    with pytest.warns(FutureWarning, match=r"use `forward_sync_buffers`, which is given: its value is used"):
        ddp = dist.DistributedDataParallel(
            nn.Linear(2, 2), process_group=_self_group(), broadcast_buffers=False, forward_sync_buffers=True
        )
    assert ddp.forward_sync_buffers is True and ddp.broadcast_buffers is True


def test_ddp_refuses_per_bucket_caps_and_takes_batched_grad_copy():
    with pytest.raises(
        NotImplementedError, match=r"bucket_cap_mb_list is not supported in TinyTorch .* got \[1, 2\]"
    ):
        dist.DistributedDataParallel(nn.Linear(2, 2), process_group=_self_group(), bucket_cap_mb_list=[1, 2])
    ddp = dist.DistributedDataParallel(nn.Linear(2, 2), process_group=_self_group(), batched_grad_copy=True)
    assert ddp.forward_sync_buffers is True
