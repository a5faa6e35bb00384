"""Module 21: gradient buckets and the process group's contract, in one process (world size 1).

What two ranks do is tested under ``mpiexec`` in test_21_ddp.py; here the
pieces that need no partner: how parameters are packed into buckets, the
order buckets start in, what DDP refuses, and the process group's errors.
"""

from __future__ import annotations

import datetime
import sys

import numpy as np
import pytest
import tt_autograd as autograd
import tt_dist as dist
import tt_nn as nn
from tt_dist import ProcessGroup, Reducer, assign_buckets
from tt_dist.process_group import DEFAULT_TIMEOUT, default_group


def tensors(*sizes, dtype=autograd.float32):
    return [autograd.zeros(size, dtype=dtype, requires_grad=True) for size in sizes]


def self_group() -> ProcessGroup:
    from mpi4py import MPI

    return ProcessGroup(MPI.COMM_SELF, 0, 1)


def test_buckets_take_parameters_last_first_up_to_the_cap():
    params = tensors(10, 20, 5, 30, 1)  # float32: 40, 80, 20, 120, 4 bytes
    assert assign_buckets(params, 100) == [[4], [3], [2, 1], [0]]
    assert assign_buckets(params, 124) == [[4, 3], [2, 1], [0]]
    assert assign_buckets(params, 10_000) == [[4, 3, 2, 1, 0]]
    # A parameter bigger than the cap gets a bucket of its own.
    assert assign_buckets(params, 1) == [[4], [3], [2], [1], [0]]


def test_buckets_never_mix_dtypes():
    params = [*tensors(2, 2), *tensors(2, dtype=autograd.float64), *tensors(2)]
    assert assign_buckets(params, 10_000) == [[3], [2], [1, 0]]


def test_reducer_buffers_hold_each_bucket_contiguously():
    params = tensors((2, 3), 4, (5,))
    reducer = Reducer(params, self_group(), bucket_cap_mb=36 / 2**20)  # 36 bytes: [2, 1], [0]
    assert [b.indices for b in reducer.buckets] == [[2, 1], [0]]
    assert [b.slices for b in reducer.buckets] == [[(0, 5), (5, 9)], [(0, 6)]]
    assert [b.buffer.size for b in reducer.buckets] == [9, 6]
    assert all(b.buffer.dtype == np.float32 for b in reducer.buckets)


def test_buckets_start_in_order_as_gradients_finish():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    ddp = dist.DistributedDataParallel(model, process_group=self_group(), bucket_cap_mb=40 / 2**20)
    buckets = ddp.reducer.buckets
    assert [b.indices for b in buckets] == [[3], [2], [1], [0]]  # 16, 64, 32, 96 bytes
    x = autograd.randn(5, 3, dtype=autograd.float64)
    ddp(x).sum().backward()
    # Bucket k starts when the last layer's gradients are done, long before the first layer's.
    assert ddp.reducer.launches == [2, 2, 0, 0]
    assert not ddp.reducer.active
    expected = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    expected.load_state_dict(model.state_dict())
    expected(x).sum().backward()
    for got, want in zip(model.parameters(), expected.parameters()):
        np.testing.assert_allclose(got.grad.numpy(), want.grad.numpy(), rtol=0, atol=1e-15)


def test_a_parameter_without_a_gradient_counts_as_zeros_and_gets_one():
    # Backward can finish a leaf that received no gradient (its last consumer got none): the
    # reducer sends zeros for it and gives it the averaged gradient; existing .grads are kept.
    with_grad, without = tensors(3, 2)
    with_grad.grad = autograd.tensor([1.0, -2.0, 4.0])
    kept, version = with_grad.grad, with_grad.grad._version
    reducer = Reducer([with_grad, without], self_group())
    reducer.prepare()
    reducer.mark_ready(without)
    assert reducer.active and reducer.launches == []  # one bucket: it waits for both
    reducer.mark_ready(with_grad)
    assert not reducer.active and reducer.launches == [0]
    assert with_grad.grad is kept and kept.numpy().tolist() == [1.0, -2.0, 4.0] and kept._version > version
    assert without.grad is not None and without.grad.numpy().tolist() == [0.0, 0.0]
    reducer.mark_ready(with_grad)  # outside an expected backward: ignored
    assert reducer.launches == [0]
    # Again, after a round that left other values in the bucket's buffer.
    without.grad = autograd.tensor([5.0, 6.0])
    reducer.prepare()
    reducer.mark_ready(without)
    reducer.mark_ready(with_grad)
    assert without.grad.numpy().tolist() == [5.0, 6.0]
    without.grad = None
    reducer.prepare()
    reducer.mark_ready(with_grad)
    reducer.mark_ready(without)
    assert without.grad.numpy().tolist() == [0.0, 0.0]


def test_wrapping_writes_rank_zeros_values_in_place():
    model = nn.Linear(3, 2)
    weight, versions = model.weight.array, [p._version for p in model.parameters()]
    dist.DistributedDataParallel(model, process_group=self_group())
    assert model.weight.array is weight  # the same memory, overwritten in place
    assert all(p._version > v for p, v in zip(model.parameters(), versions))


def test_a_parameter_the_loss_never_reaches_is_named_at_the_next_forward():
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.unused = nn.Linear(3, 2), nn.Linear(3, 2)

        def forward(self, x):
            return self.used(x)

    ddp = dist.DistributedDataParallel(TwoHeads(), process_group=self_group())
    ddp(autograd.randn(4, 3)).sum().backward()
    with pytest.raises(RuntimeError, match=r"unused\.weight, unused\.bias.*requires_grad=False"):
        ddp(autograd.randn(4, 3))


def test_find_unused_parameters_counts_the_unreached_ready_during_forward():
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.unused = nn.Linear(3, 2), nn.Linear(3, 2)

        def forward(self, x):
            return {"out": [self.used(x)]}  # the graph is found inside nested outputs

    ddp = dist.DistributedDataParallel(TwoHeads(), process_group=self_group(), find_unused_parameters=True,
                                       bucket_cap_mb=1e-6)  # one bucket per parameter  # fmt: skip
    out = ddp(autograd.randn(4, 3))["out"][0]
    assert ddp.reducer.launches == [2, 2]  # the unused layer's two buckets (first: last layer first) started
    with pytest.raises(RuntimeError, match="started all-reducing.*no backward finished them"):
        ddp(autograd.randn(4, 3))
    ddp.reducer.active = False  # (the refused forward left the reducer as it was)
    out = ddp(autograd.randn(4, 3))["out"][0]
    out.sum().backward()
    assert ddp.module.used.weight.grad is not None and ddp.module.unused.weight.grad is None
    assert not ddp.reducer.active
    ddp.module.unused.weight.grad = autograd.ones(2, 3)  # a gradient it holds is averaged as it is
    ddp(autograd.randn(4, 3))["out"][0].sum().backward()
    assert ddp.module.unused.weight.grad.numpy().tolist() == [[1.0] * 3] * 2


def test_forward_without_backward_then_forward_is_fine():
    ddp = dist.DistributedDataParallel(nn.Linear(3, 2), process_group=self_group())
    ddp(autograd.randn(4, 3))
    ddp(autograd.randn(4, 3)).sum().backward()
    assert not ddp.reducer.active


def test_no_sync_leaves_the_reducer_idle():
    ddp = dist.DistributedDataParallel(nn.Linear(3, 2), process_group=self_group())
    with ddp.no_sync():
        assert ddp.require_backward_grad_sync is False
        ddp(autograd.randn(4, 3)).sum().backward()
        assert ddp.reducer.launches == [] and not ddp.reducer.active
    assert ddp.require_backward_grad_sync is True


def test_ddp_refuses_what_it_cannot_do():
    with pytest.raises(TypeError, match="expected a tt.nn.Module"):
        dist.DistributedDataParallel(lambda x: x, process_group=self_group())
    with pytest.raises(ValueError, match="bucket_cap_mb must be positive"):
        dist.DistributedDataParallel(nn.Linear(2, 2), process_group=self_group(), bucket_cap_mb=0)
    with pytest.raises(RuntimeError, match="init_process_group"):
        dist.DistributedDataParallel(nn.Linear(2, 2))


def test_state_dict_keys_carry_the_module_prefix():
    ddp = dist.DistributedDataParallel(nn.Linear(2, 2), process_group=self_group())
    assert sorted(ddp.state_dict()) == ["module.bias", "module.weight"]


def test_the_process_group_lifecycle_and_its_errors():
    assert not dist.is_initialized() and dist.is_available()
    with pytest.raises(RuntimeError, match="has not been initialized.*init_process_group"):
        dist.get_rank()
    with pytest.raises(ValueError, match="backend 'nccl' is not available.*mpi"):
        dist.init_process_group("nccl")
    with pytest.raises(ValueError, match="timeout must be positive"):
        dist.init_process_group(timeout=0)
    with pytest.raises(TypeError, match="timedelta or seconds"):
        dist.init_process_group(timeout="5 minutes")
    hook = sys.excepthook
    dist.init_process_group("mpi", timeout=None)  # collectives wait as long as it takes
    try:
        assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, "mpi")
        assert default_group().timeout is None
        assert sys.excepthook is not hook  # an uncaught error will abort every rank
        with pytest.raises(ValueError, match="twice"):
            dist.init_process_group()
        t = autograd.tensor([1.0, 2.0])
        version = t._version
        dist.all_reduce(t, op=dist.ReduceOp.AVG)
        assert t.numpy().tolist() == [1.0, 2.0] and t._version > version
        with pytest.raises(ValueError, match="src=3 is not a rank"):
            dist.broadcast(t, src=3)
        with pytest.raises(ValueError, match="not contiguous"):
            dist.all_reduce(autograd.ones(3, 4).t())
        with pytest.raises(TypeError, match="ReduceOp"):
            dist.all_reduce(t, op="sum")
    finally:
        dist.destroy_process_group()
    assert not dist.is_initialized() and sys.excepthook is hook
    dist.init_process_group(timeout=datetime.timedelta(minutes=2))
    assert default_group().timeout == 120.0 and DEFAULT_TIMEOUT == 1800.0  # PyTorch's 30 minutes
    dist.destroy_process_group()
    with pytest.raises(RuntimeError, match="destroy_process_group"):
        dist.destroy_process_group()
