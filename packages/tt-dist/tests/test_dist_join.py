"""Uneven inputs: ``Join`` and ``DistributedDataParallel.join`` (beyond module 21's exercise).

One ``mpiexec -n 2`` and one ``-n 3`` run of ``workers/join_checks.py``: rank r runs its
own number of batches (2 and 3; 2, 4 and 3, so that with 3 ranks the last to join is
not the highest rank). Every rank replays the job by hand in NumPy: each step, SGD on
the sum of the gradients of the ranks still training divided by the world size (or by
how many still train). Float64, so "equal" means within 1e-12.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

EXHAUSTED = (
    "Rank 0 exhausted all inputs (Join with throw_on_early_termination=True raises on every rank as soon as "
    "one rank runs out of inputs)"
)


@pytest.fixture(scope="module", params=[2, 3], ids=["2 ranks", "3 ranks"])
def ranks(request, mpirun, tmp_path_factory):
    n = request.param
    out = tmp_path_factory.mktemp(f"join{n}") / "out"
    done = mpirun("join_checks.py", str(out), n=n, timeout=120)
    assert done.returncode == 0, f"mpiexec -n {n} join_checks.py failed:\n{done.stdout}\n{done.stderr}"
    return [json.loads(out.with_name(f"out.{rank}.json").read_text()) for rank in range(n)]


def largest(a, b) -> float:
    return max(float(np.abs(np.array(x) - np.array(y)).max()) for x, y in zip(a, b))


@pytest.mark.parametrize("case", ["by_world", "by_active", "no_sync", "rank0_last"])
def test_every_rank_ends_with_the_hand_computed_average(ranks, case):
    for record in ranks:
        assert largest(record[case]["params"], record[case]["hand"]) < 1e-12


@pytest.mark.parametrize("case", ["by_world", "by_active", "no_sync", "rank0_last"])
def test_after_the_block_an_even_step_is_the_plain_average_again(ranks, case):
    for record in ranks:
        assert record[case]["enabled_after"] is False
        assert largest(record[case]["after"], record[case]["after_hand"]) < 1e-12


def test_rescaling_a_gradient_moves_its_version(ranks):
    counts = {2: [2, 3], 3: [2, 4, 3]}[len(ranks)]
    for rank, record in enumerate(ranks):
        moved = [b - a for a, b in zip(record["by_world"]["versions"], record["by_active"]["versions"])]
        assert moved == [int(sum(c > step for c in counts) < len(counts)) for step in range(counts[rank])]


def test_the_two_divisors_differ(ranks):
    # the hand computations themselves: with a joined rank, dividing by the world size is not the mean
    assert largest(ranks[0]["by_world"]["hand"], ranks[0]["by_active"]["hand"]) > 1e-3


def test_buffers_come_from_a_rank_still_training_then_from_the_last_joiner(ranks):
    longest = len(ranks) + 1  # 3 batches on 2 ranks, 4 on 3
    assert [r["buffers"]["tracked"] for r in ranks] == [longest] * len(ranks)
    for record in ranks[1:]:
        assert record["buffers"]["running_mean"] == ranks[0]["buffers"]["running_mean"]
        assert record["buffers"]["params"] == ranks[0]["buffers"]["params"]


def test_whose_buffers_each_forward_receives(ranks):
    counts = {2: [2, 3], 3: [2, 4, 3]}[len(ranks)]
    # each forward receives the stamp of the highest rank still training: its own rank
    highest = [max(r for r, count in enumerate(counts) if step < count) for step in range(max(counts))]
    for rank, record in enumerate(ranks):
        assert record["stamps"]["outside"] == [-1.0, 0.0]  # rank 0's (its initial value, then its stamp)
        assert record["stamps"]["inside"] == [float(h) for h in highest[: counts[rank]]]
        assert record["stamps"]["device"] == "cpu"


def test_a_join_entered_twice_gives_back_each_time_the_gradients_a_rank_left_with(ranks):
    for record in ranks:
        assert record["reuse"]["same"] == [True, True]
        assert record["reuse"]["params"] == ranks[0]["reuse"]["params"]


def test_without_broadcast_buffers_each_rank_keeps_its_own_statistics(ranks):
    counts = {2: [2, 3], 3: [2, 4, 3]}[len(ranks)]
    assert [r["no_buffer_broadcast"]["tracked"] for r in ranks] == counts
    for record in ranks[1:]:
        assert record["no_buffer_broadcast"]["params"] == ranks[0]["no_buffer_broadcast"]["params"]


def test_throw_on_early_termination_raises_on_every_rank(ranks):
    assert ranks[0]["throw"] == {"raised": EXHAUSTED, "done": 2, "enabled_after": False}
    for rank, record in enumerate(ranks[1:], start=1):
        assert record["throw"] == {
            "raised": "Detected at least one rank that exhausted inputs. Throwing across all ranks "
            f"(rank {rank}: Join with throw_on_early_termination=True)",
            "done": 2,
            "enabled_after": False,
        }


def test_find_unused_parameters_on_uneven_inputs(ranks):
    for record in ranks:
        assert largest(record["unused"]["params"], record["unused"]["hand"]) < 1e-12
        assert record["unused"]["unused_grad"] == [True, True]  # no rank used them: no gradient anywhere


def test_errors_name_the_fix(ranks):
    errors = ranks[0]["errors"]
    assert errors["empty"] == "ValueError: Join: the join context manager requires at least one joinable"
    assert errors["not_joinable"] == (
        "TypeError: Join: expected Joinable objects (DistributedDataParallel, ZeroRedundancyOptimizer or a "
        "subclass of tt_dist.Joinable), got Linear"
    )
    assert errors["two_groups"] == (
        "ValueError: Join: using the join context manager with multiple process groups; every joinable must "
        "communicate over the same group"
    )
    assert errors["no_init"] == (
        "RuntimeError: Join.notify_join_context: Plain has no join configuration; its constructor must call "
        "Joinable.__init__(self)"
    )
    assert all(record["errors"]["empty"] == errors["empty"] for record in ranks)
    assert all(record["errors"]["no_init"] == errors["no_init"] for record in ranks)


def test_a_users_joinable_with_plain_hooks(ranks):
    for record in ranks:
        errors = record["errors"]
        assert errors["plain_enabled_after"] is False
        assert errors["disabled_notify"] is None and errors["disabled_context"] is None
        assert errors["enter_returns_self"] is True

    assert all(record["errors"]["warned_1000"] == [] for record in ranks)
    assert ranks[0]["errors"]["warned_1001"] == [
        "Join: detected uneven input skew of more than 1000: rank 0 has at least 1000 fewer inputs than "
        "other ranks still training, which can slow training down"
    ]
    assert all(record["errors"]["warned_1001"] == [] for record in ranks[1:])


def test_the_meta_package_paths():
    import tt_dist
    from tinytorch.distributed.algorithms import Join, Joinable, JoinHook
    from tinytorch.distributed.algorithms.join import Join as JoinAgain

    import tinytorch

    assert (Join, Joinable, JoinHook) == (tt_dist.Join, tt_dist.Joinable, tt_dist.JoinHook)
    assert JoinAgain is Join and tinytorch.distributed.algorithms.Join is Join
    assert issubclass(tinytorch.nn.parallel.DistributedDataParallel, Joinable)


def test_join_after_a_communication_hook_is_refused_not_mismatched():
    import tt_dist
    import tt_nn as nn
    from mpi4py import MPI
    from tt_dist.algorithms.ddp_comm_hooks import default_hooks

    ddp = tt_dist.DistributedDataParallel(
        nn.Linear(2, 2), process_group=tt_dist.ProcessGroup(MPI.COMM_SELF, 0, 1)
    )
    ddp.join()  # (no hook yet: fine)
    ddp.register_comm_hook(None, default_hooks.fp16_compress_hook)
    with pytest.raises(
        NotImplementedError, match="join: this model has a communication hook .*fp16_compress_hook"
    ):
        ddp.join()
