"""Module 21: DistributedDataParallel on two MPI ranks against one process on the full batch.

One ``mpiexec -n 2`` run of ``workers/ddp_checks.py`` (a few seconds) measures
everything below and rank 0 writes it to a JSON file; each test judges one
property. Float64 models, so "the same" is held to 1e-12 (PyTorch's DDP
promise is the same up to floating-point reassociation of the sums).
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
import tt_optim

TOLERANCE = 1e-12


@pytest.fixture(scope="module")
def measured(mpirun, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ddp")
    out, checkpoint = folder / "result.json", folder / "run.npz"
    done = mpirun("ddp_checks.py", str(out), str(checkpoint))
    assert done.returncode == 0, f"mpiexec -n 2 ddp_checks.py failed:\n{done.stdout}\n{done.stderr}"
    result = json.loads(out.read_text())
    result["checkpoint"], result["stdout"] = checkpoint, done.stdout
    return result


def test_two_ranks_ran(measured):
    assert measured["world"] == 2


def test_every_rank_starts_from_rank_zeros_parameters(measured):
    # Rank 1 built its replica from another seed; construction broadcast rank 0's.
    assert measured["init_diff"] == 0.0


def test_a_non_contiguous_parameter_is_broadcast_too(measured):
    assert measured["view_flags"] is False and measured["view_diff"] == 0.0


def test_gradients_equal_one_process_on_the_full_batch(measured):
    assert measured["grad_scale"] > 0.05  # the check compares real gradients
    assert measured["grad_diff"] <= TOLERANCE


def test_buckets_start_while_backward_is_running(measured):
    # ~600-byte buckets over 4 Linear/LayerNorm layers: several buckets, the first ones started
    # while some parameters still had no gradient, the last one once all were ready.
    launches = measured["launches"]
    assert measured["buckets"] >= 3 and len(launches) == measured["buckets"]
    assert launches[0] > 0 and launches[-1] == 0
    assert launches == sorted(launches, reverse=True)


def test_parameters_after_steps_equal_one_process_and_agree_across_ranks(measured):
    assert measured["moved"] > 0.05  # the optimizer really moved them
    assert measured["step_diff"] <= TOLERANCE
    assert measured["rank_spread"] == 0.0  # bit for bit the same on both ranks


def test_no_sync_accumulates_locally_then_averages_the_sum(measured):
    assert measured["no_sync_spread"] > 1e-3  # inside no_sync the ranks' gradients differ
    assert measured["no_sync_diff"] <= TOLERANCE  # after the synced micro-batch: 2 x full-batch mean


def test_find_unused_parameters_averages_each_ranks_branch_and_leaves_the_unused_without_grad(measured):
    unused = measured["unused"]
    assert unused["buckets"] >= 4  # small buckets: the unused layer's own start during forward
    assert unused["grad_diff"] < TOLERANCE and unused["step_diff"] < TOLERANCE
    assert unused["branch_grads_nonzero"]  # each branch: one rank's gradient, averaged with the other's zeros
    assert unused["never_grads"] == [True, True]


def test_buffers_follow_rank_zero(measured):
    assert measured["buffer_spread_before"] > 1e-4  # each rank's BatchNorm statistics were its own
    assert measured["buffer_diff"] == 0.0


def test_collectives(measured):
    got = measured["collectives"]
    assert got["sum"] == [3.0, -2.0]
    assert got["max"] == [2.0, 0.0]
    assert got["avg"] == [1.5, 3.0]
    assert got["bcast"] == [20.0, 20.0, 20.0]
    assert got["async_done"] is True


def test_sampler_takes_rank_and_world_from_the_group_and_partitions(measured):
    sampler = measured["sampler"]
    assert (sampler["rank"], sampler["replicas"]) == (0, 2)
    first, second = sampler["shares"]
    assert len(first) == len(second) == 6
    assert sorted(first + second) == list(range(12))
    assert first != sorted(first)  # shuffled


def test_rank_zero_prints_and_runs_alone(measured):
    assert measured["stdout"].count("printed once, by rank 0") == 1
    assert measured["rank_zero_only"] == ["ran on rank 0", None]
    assert measured["main_process"] is True  # rank 0 wrote the file


def test_checkpoint_from_two_ranks_resumes_in_one_process(measured):
    model = nn.Sequential(nn.Linear(6, 16), nn.GELU(), nn.LayerNorm(16), nn.Linear(16, 16), nn.Tanh(),
                          nn.Linear(16, 3)).double()  # fmt: skip
    optimizer = tt_optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    checkpoint = tt_optim.load_checkpoint(measured["checkpoint"], model=model, optimizer=optimizer)
    assert checkpoint["epoch"] == 3
    loaded = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
    np.testing.assert_array_equal(loaded, np.array(measured["params"]))
    assert all(not key.startswith("module.") for key in checkpoint["model"])
    assert optimizer.state_dict()["state"], "the momentum buffers came back"
    assert isinstance(model(autograd.randn(2, 6, dtype=autograd.float64)), autograd.Tensor)


def test_an_error_on_one_rank_ends_the_whole_job(mpirun):
    done = mpirun("abort_on_error.py", timeout=60)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "[rank 1]" in output and "ValueError: deliberate failure on rank 1" in output


def test_a_collective_that_waits_too_long_raises_and_ends_the_job(mpirun):
    started = time.monotonic()
    done = mpirun("collective_timeout.py", timeout=60)
    assert done.returncode != 0
    assert "[rank 0]" in done.stderr and "TimeoutError: barrier: rank 0 waited more than 1 s" in done.stderr
    assert time.monotonic() - started < 25  # the sleeping rank was ended too, long before its 30 s
