"""DDP's buffer sync as PyTorch 2.13 has it (tools/parity/sweep_signatures.py found
``forward_sync_buffers`` missing): ``broadcast_buffers=False`` (deprecated, a FutureWarning) syncs the
buffers neither at construction (tt-dist synced them there anyway) nor in forward;
``forward_sync_buffers=False`` still syncs them at construction; by default both; given both,
``forward_sync_buffers`` wins. One ``mpiexec -n 2`` run of ``workers/ddp_buffer_sync_checks.py``."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def ranks(mpirun, tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp_buffers") / "out"
    done = mpirun("ddp_buffer_sync_checks.py", str(out))
    assert done.returncode == 0, (
        f"mpiexec -n 2 ddp_buffer_sync_checks.py failed:\n{done.stdout}\n{done.stderr}"
    )
    return [json.loads((out.parent / f"out.{rank}.json").read_text()) for rank in range(2)]


def test_by_default_buffers_follow_rank_zero_at_construction_and_in_forward(ranks):
    for record in ranks:
        assert record["default"] == {
            "init": [1.0, 1.0],
            "forward": [10.0, 10.0],
            "flag": True,
            "warnings": [],
        }


def test_broadcast_buffers_false_keeps_each_ranks_buffers_and_warns(ranks):
    for rank, record in enumerate(ranks):
        case = record["broadcast_buffers=False"]
        assert case["init"] == [rank + 1.0] * 2 and case["forward"] == [rank + 10.0] * 2
        assert case["flag"] is False and case["warnings"] == ["FutureWarning"]


def test_forward_sync_buffers_false_syncs_at_construction_only(ranks):
    for rank, record in enumerate(ranks):
        case = record["forward_sync_buffers=False"]
        assert case["init"] == [1.0, 1.0] and case["forward"] == [rank + 10.0] * 2
        assert case["flag"] is False and case["warnings"] == []


def test_forward_sync_buffers_wins_over_broadcast_buffers(ranks):
    for record in ranks:
        case = record["both"]
        assert case["init"] == [1.0, 1.0] and case["forward"] == [10.0, 10.0]
        assert case["flag"] is True and case["warnings"] == ["FutureWarning"]
