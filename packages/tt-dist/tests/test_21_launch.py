"""Module 21: a script launched by ``mpiexec`` finds out, joins, and takes rank 0's decisions.

``launched_world_size`` reads the launcher's environment (no MPI needed);
one ``mpiexec -n 2`` run of ``workers/launch_checks.py`` checks ``setup``
(one BLAS thread, no worker pool) and that ``from_rank_zero`` hands every rank
rank 0's values while ``sum_over_ranks`` adds everyone's.
"""

from __future__ import annotations

import json

import pytest
from tt_dist import launch, launched_world_size


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
