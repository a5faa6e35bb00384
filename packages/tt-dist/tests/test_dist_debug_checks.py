"""TORCH_DISTRIBUTED_DEBUG=DETAIL: every rank checks before each collective that all run the same one.

Two processes: one ``mpiexec -n 2`` run of ``workers/debug_checks.py`` makes the ranks
disagree on purpose (shapes, dtypes, the collective itself); each disagreement must
raise on both ranks, naming each rank's collective and shape, where PyTorch's DETAIL
level raises ("Detected mismatch between collectives on ranks"); matched collectives
around them must still be right. One process: the fingerprints and their messages,
the INFO logs, and that OFF does no check.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
import tt_autograd as autograd
import tt_dist as dist
import tt_nn as nn
from tt_dist import DebugLevel, collective_check
from tt_dist.collective_check import OPS, SLOTS, describe, fingerprint, mismatch

HEAD = "Detected mismatch between collectives on ranks. "


@pytest.fixture(scope="module")
def ranks(mpirun, tmp_path_factory):
    folder = tmp_path_factory.mktemp("debug")
    done = mpirun("debug_checks.py", str(folder / "store"), str(folder / "out"), n=2)
    assert done.returncode == 0, f"mpiexec -n 2 debug_checks.py failed:\n{done.stdout}\n{done.stderr}"
    return [json.loads((folder / f"out.{rank}.json").read_text()) for rank in (0, 1)]


def test_the_store_given_to_init_process_group_is_shared(ranks):
    assert [r["other"] for r in ranks] == ["1", "0"]


def test_matched_collectives_run_before_and_after_the_mismatches(ranks):
    assert [r["matched"] for r in ranks] == [[3.0, 6.0], [3.0, 6.0]]
    assert [r["after"] for r in ranks] == [[[0.0, 5.0], [1.0, 5.0]]] * 2


def test_other_shapes_raise_on_both_ranks_naming_each(ranks):
    every = "Every rank: rank 0: all_reduce on float32 (20, 10) (#2); "
    every += "rank 1: all_reduce on float32 (10, 10) (#2)."
    assert ranks[0]["shapes"] == (
        HEAD + "Rank 0 is running all_reduce on float32 (20, 10), but "
        "rank 1 is running all_reduce on float32 (10, 10). Collectives differ in: tensor float32 (20, 10) vs "
        f"float32 (10, 10). {every} Each rank must call the same collectives in the same order, on tensors "
        "of the same shape and dtype (checked because TORCH_DISTRIBUTED_DEBUG is DETAIL)"
    )
    assert ranks[1]["shapes"].startswith(
        HEAD + "Rank 1 is running all_reduce on float32 (10, 10), but "
        "rank 0 is running all_reduce on float32 (20, 10)."
    )
    assert every in ranks[1]["shapes"]


def test_other_dtypes_and_other_collectives_raise_on_both_ranks(ranks):
    for record in ranks:
        assert "Collectives differ in: tensor float32 (3,) vs float64 (3,)" in record["dtypes"] or (
            "Collectives differ in: tensor float64 (3,) vs float32 (3,)" in record["dtypes"]
        )
    assert "Collectives differ in: op all_reduce vs broadcast." in ranks[0]["ops"]
    assert "Collectives differ in: op broadcast vs all_reduce." in ranks[1]["ops"]
    assert (
        "rank 0: all_reduce on float32 (4,) (#4); rank 1: broadcast on float32 (4,) (#4)" in ranks[0]["ops"]
    )
    assert (
        "Rank 0 is running barrier, but rank 1 is running all_gather on float32 (2,)" in ranks[0]["barrier"]
    )
    assert "differ in: op barrier vs all_gather, tensor no tensor vs float32 (2,)." in ranks[0]["barrier"]


def table(*rows):
    return np.stack(rows)


def test_fingerprints_hold_the_sequence_op_dtype_and_shape():
    tensor = autograd.zeros(2, 3, dtype=autograd.float64)
    row = fingerprint("reduce", tensor, 7)
    assert row.dtype == np.int64 and row.shape == (SLOTS,)
    assert row.tolist() == [7, OPS.index("reduce"), ord("d"), 2, 6, 2, 3] + [-1] * 9
    assert describe(row) == "reduce on float64 (2, 3)"
    assert describe(fingerprint("barrier", None, 1)) == "barrier"
    assert (
        describe(fingerprint("all_gather", autograd.zeros(5, dtype=autograd.int64), 1))
        == "all_gather on int64 (5,)"
    )
    assert describe(fingerprint("scatter", autograd.tensor(3.0), 1)) == "scatter on float32 ()"
    full = autograd.zeros(*([1] * 10 + [2]))  # as many dimensions as a fingerprint holds
    assert describe(fingerprint("reduce", full, 1)) == "reduce on float32 (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2)"
    many = autograd.zeros(*([1] * 12 + [2]))  # more dimensions than a fingerprint holds
    assert describe(fingerprint("all_reduce", many, 1)) == (
        "all_reduce on float32 (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ...) (13 dimensions, 2 elements)"
    )
    assert fingerprint("all_reduce", many, 1)[-1] == 1 and fingerprint("all_reduce", many, 1)[4] == 2


def test_mismatch_is_none_when_every_rank_agrees_and_names_the_first_other_rank():
    same = fingerprint("all_reduce", autograd.zeros(4), 3)
    assert mismatch(table(same, same, same), [0, 1, 2], 1) is None
    late = fingerprint("all_reduce", autograd.zeros(4), 2)
    message = mismatch(table(same, same, late), [4, 6, 9], 0)  # global ranks of a sub-group
    assert message.startswith(
        HEAD + "Rank 4 is running all_reduce on float32 (4,), but rank 9 "
        "is running all_reduce on float32 (4,). Collectives differ in: sequence number 3 vs 2. Every rank: "
        "rank 4: all_reduce on float32 (4,) (#3); rank 6: all_reduce on float32 (4,) (#3); "
        "rank 9: all_reduce on float32 (4,) (#2)."
    )
    assert mismatch(table(same, same, late), [4, 6, 9], 2).startswith(
        HEAD + "Rank 9 is running all_reduce on float32 (4,), but rank 4"
    )


@pytest.fixture
def one_rank():
    dist.init_process_group("mpi")
    before = dist.get_debug_level()
    yield
    dist.set_debug_level(before)
    dist.destroy_process_group()


def test_every_checked_name_is_a_collective_of_tt_dist_with_that_parameter():
    import inspect

    for name, parameter in collective_check.COMPARED.items():
        function = getattr(dist, name)
        assert parameter is None or parameter in inspect.signature(function).parameters, name


def test_detail_logs_each_collective_with_the_tensor_it_compares(one_rank, caplog):
    dist.set_debug_level(DebugLevel.DETAIL)
    caplog.set_level(logging.INFO, logger="tt_dist")
    dist.all_reduce(autograd.ones(3))
    dist.all_gather_into_tensor(autograd.zeros(1, 2), autograd.ones(2))  # the input, given by position
    dist.reduce_scatter(output=autograd.zeros(5), input_list=[autograd.ones(5)])  # the output, by name
    dist.barrier()
    dist.send_object_list  # noqa: B018  (point-to-point: never checked)
    assert [record.getMessage() for record in caplog.records] == [
        "[Rank 0] Running collective: all_reduce on float32 (3,) (#1)",
        "[Rank 0] Running collective: all_gather_into_tensor on float32 (2,) (#2)",
        "[Rank 0] Running collective: reduce_scatter on float32 (5,) (#3)",
        "[Rank 0] Running collective: barrier (#4)",
    ]
    caplog.clear()
    dist.set_debug_level(DebugLevel.INFO)
    dist.all_reduce(autograd.ones(3))
    dist.set_debug_level(DebugLevel.OFF)
    dist.all_reduce(autograd.ones(3))
    assert caplog.records == []
    dist.set_debug_level(DebugLevel.DETAIL)
    dist.broadcast(autograd.ones(1), 0)
    assert caplog.records[0].getMessage() == "[Rank 0] Running collective: broadcast on float32 (1,) (#5)"


def test_detail_checks_a_sub_group_with_its_own_count_and_skips_non_members(one_rank, caplog):
    dist.set_debug_level(DebugLevel.DETAIL)
    caplog.set_level(logging.INFO, logger="tt_dist")
    sub = dist.new_group([0])
    dist.all_reduce(autograd.ones(2), group=sub)
    with pytest.warns(UserWarning, match="does not belong"):
        dist.all_reduce(autograd.ones(2), group=dist.GroupMember.NON_GROUP_MEMBER)
    assert [record.getMessage() for record in caplog.records] == [
        "[Rank 0] Running collective: all_reduce on float32 (2,) (#1)"
    ]
    with pytest.raises(TypeError, match="all_reduce: group must be a ProcessGroup"):
        dist.all_reduce(autograd.ones(2), group=5)


def test_info_logs_the_ddp_set_up(one_rank, caplog):
    caplog.set_level(logging.INFO, logger="tt_dist")
    dist.DistributedDataParallel(nn.Linear(3, 2))
    assert caplog.records == []  # OFF: nothing
    dist.set_debug_level(DebugLevel.INFO)
    dist.DistributedDataParallel(nn.Linear(3, 2), bucket_cap_mb=1, find_unused_parameters=True)
    assert [record.getMessage() for record in caplog.records] == [
        "[Rank 0] DDP: 2 parameters (8 elements) in 1 buckets of at most 1 MB; world size 1, "
        "broadcast_buffers=True, find_unused_parameters=True"
    ]
