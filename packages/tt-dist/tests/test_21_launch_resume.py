"""Module 21: a job's life — launched by ``mpiexec``, checkpointed, resumed on another world size.

Launch: ``launched_world_size`` reads the launcher's environment (no MPI
needed); one ``mpiexec -n 2`` run of ``workers/launch_checks.py`` checks
``setup`` (one BLAS thread, no worker pool) and that ``from_rank_zero`` hands
every rank rank 0's values while ``sum_over_ranks`` adds everyone's.

Resume: each test trains 4 global steps (an epoch and a third) under
``mpiexec -n A``, rank 0 checkpoints the model, AdamW's state and the
sampler's place in its epoch, then ``mpiexec -n B`` loads it and trains 4
more. The parameters must equal one process's uninterrupted 8 steps with the
same global batch (float64: equal up to the reassociation of the batch means,
held to 1e-10).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from tt_dist import DistributedSampler, launch, launched_world_size

sys.path.insert(0, str(Path(__file__).resolve().parent / "workers"))
import resume_checks as worker  # noqa: E402  (the workers' module, run here in one process)

FIRST, SECOND = 4, 4
TOLERANCE = 1e-10


def uninterrupted(steps: int) -> list[np.ndarray]:
    """One process, no MPI: the global batch read straight from a one-rank sampler."""
    model = worker.make_model(seed=10)
    optimizer = worker.make_optimizer(model)
    sampler = DistributedSampler(worker.dataset(), num_replicas=1, rank=0, shuffle=True, seed=worker.SEED)
    worker.run(model, optimizer, sampler, steps, world=1, fresh=True)
    return [p.detach().numpy() for p in model.parameters()]


@pytest.fixture(scope="module")
def reference():
    return uninterrupted(FIRST + SECOND)


@pytest.mark.parametrize("before, after", [(2, 1), (1, 2)])
def test_resume_with_another_world_size_equals_the_uninterrupted_run(mpirun, tmp_path, reference,
                                                                     before, after):  # fmt: skip
    checkpoint, out = tmp_path / "run.npz", tmp_path / "params.npz"
    done = mpirun("resume_checks.py", "train", str(FIRST), str(checkpoint), n=before)
    assert done.returncode == 0, f"mpiexec -n {before} train failed:\n{done.stdout}\n{done.stderr}"
    done = mpirun("resume_checks.py", "resume", str(SECOND), str(checkpoint), str(out), n=after)
    assert done.returncode == 0, f"mpiexec -n {after} resume failed:\n{done.stdout}\n{done.stderr}"
    with np.load(out) as saved:
        resumed = [saved[f"arr_{i}"] for i in range(len(saved.files))]
    halfway = uninterrupted(FIRST)
    assert max(np.abs(a - b).max() for a, b in zip(halfway, reference)) > 1e-2  # the 2nd half moved them
    assert len(resumed) == len(reference)
    assert max(np.abs(a - b).max() for a, b in zip(resumed, reference)) <= TOLERANCE


def test_the_sampler_state_counts_every_ranks_samples_and_skips_them_on_any_world_size():
    data = range(24)
    two = [DistributedSampler(data, num_replicas=2, rank=r, seed=5) for r in range(2)]
    for sampler in two:
        sampler.set_epoch(1)
        taken = iter(sampler)
        [next(taken) for _ in range(3)]  # 3 each: 6 of the epoch's order read
    state = two[0].state_dict()
    assert state == {"epoch": 1, "seed": 5, "samples_seen": 6}
    one = DistributedSampler(data, num_replicas=1, rank=0, seed=5)
    one.load_state_dict(state)
    full = DistributedSampler(data, num_replicas=1, rank=0, seed=5)
    full.set_epoch(1)
    assert list(one) == full.indices().tolist()[6:]  # the rest of the same epoch's order
    assert len(list(one)) == 24  # the skip applies to one pass only


def test_the_sampler_refuses_a_state_it_cannot_continue():
    sampler = DistributedSampler(range(24), num_replicas=4, rank=0, seed=5)
    with pytest.raises(ValueError, match="samples_seen=6 cannot be split over 4 ranks"):
        sampler.load_state_dict({"epoch": 0, "seed": 5, "samples_seen": 6})
    with pytest.raises(ValueError, match="seed=6"):
        sampler.load_state_dict({"epoch": 0, "seed": 6, "samples_seen": 8})
    with pytest.raises(ValueError, match="lacks"):
        sampler.load_state_dict({"epoch": 0})


# ---------------------------------------------------------------- launch
@pytest.fixture(scope="module")
def measured(mpirun, tmp_path_factory):
    out = tmp_path_factory.mktemp("launch") / "result.json"
    done = mpirun("launch_checks.py", str(out))
    assert done.returncode == 0, f"mpiexec -n 2 launch_checks.py failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(out.read_text())


def test_the_world_size_is_read_from_the_launcher(measured):
    assert measured["launched"] == measured["world"] == 2


def test_setup_leaves_one_blas_thread_and_no_worker_pool_per_rank(measured):
    for rank in measured["ranks"]:
        assert rank["pool"] == "1"
        assert rank["threads"] == 1 or not measured["blas"]


def test_every_rank_gets_rank_zeros_values(measured):
    for rank in measured["ranks"]:
        assert rank["agreed"] == 100.0
        assert (rank["decision"], rank["count"]) == (1.0, 7.0)


def test_sum_over_ranks_adds_everyones_values(measured):
    assert all(rank["totals"] == [2.0, 2.0] for rank in measured["ranks"])


@pytest.mark.parametrize("name", launch.SIZE_VARIABLES)
def test_each_launchers_variable_is_understood(monkeypatch, name):
    for other in launch.SIZE_VARIABLES:
        monkeypatch.delenv(other, raising=False)
    assert launched_world_size() == 1  # a plain `python script.py`
    monkeypatch.setenv(name, "4")
    assert launched_world_size() == 4


def test_a_broken_variable_is_refused_by_name(monkeypatch):
    for other in launch.SIZE_VARIABLES:
        monkeypatch.delenv(other, raising=False)
    monkeypatch.setenv("PMI_SIZE", "two")
    with pytest.raises(ValueError, match=r"\$PMI_SIZE='two' is not a positive number"):
        launched_world_size()
