"""``ZeroRedundancyOptimizer`` (ZeRO stage 1) against the plain optimizer (beyond module 21's exercise).

One ``mpiexec -n 2`` and one ``-n 3`` run of ``workers/zero_checks.py``: two copies of
one float64 model train in DDP on the same batches, one with the plain optimizer and
one with ZeRO around it; the parameters must agree within 1e-12 after every variant,
each rank's optimizer state must cover its shard only, and the consolidated state must
be the plain optimizer's.
"""

from __future__ import annotations

import json

import pytest

#: PyTorch's sorted greedy partition of the model's sizes (96, 16, 128, 8, 24, 3), per world size.
SHARDS = {2: [[128, 8, 3], [96, 24, 16]], 3: [[128], [96], [24, 16, 8, 3]]}
#: with two groups, (96, 16, 128, 8) then (24, 3): the counts carry over from group to group.
GROUPED = {2: [[128, 3], [96, 16, 8, 24]], 3: [[128], [96], [16, 8, 24, 3]]}
CASES = ["adam", "adam_buckets", "sgd_groups", "sgd_groups_buckets"]


@pytest.fixture(scope="module", params=[2, 3], ids=["2 ranks", "3 ranks"])
def ranks(request, mpirun, tmp_path_factory):
    n = request.param
    out = tmp_path_factory.mktemp(f"zero{n}") / "out"
    done = mpirun("zero_checks.py", str(out), n=n, timeout=120)
    assert done.returncode == 0, f"mpiexec -n {n} zero_checks.py failed:\n{done.stdout}\n{done.stderr}"
    return [json.loads(out.with_name(f"out.{rank}.json").read_text()) for rank in range(n)]


@pytest.mark.parametrize("case", CASES)
def test_same_parameters_as_the_plain_optimizer(ranks, case):
    assert [r[case]["difference"] for r in ranks] == pytest.approx([0.0] * len(ranks), abs=1e-12)


def test_same_parameters_in_float32(ranks):
    for record in ranks:
        assert record["float32"]["dtype"] == "tt.float32"
        assert record["float32"]["difference"] < 1e-6


@pytest.mark.parametrize("case", CASES)
def test_the_partition_is_pytorchs_greedy_one(ranks, case):
    expected = (GROUPED if "groups" in case else SHARDS)[len(ranks)]
    assert [r[case]["shard_sizes"] for r in ranks] == expected


@pytest.mark.parametrize("case", CASES)
def test_each_rank_keeps_the_state_of_its_shard_only(ranks, case):
    per_element = 2 if case.startswith("adam") else 1  # Adam's two moments, SGD's momentum
    for record in ranks:
        assert record[case]["state_is_shard"] is True
        assert record[case]["state_numel"] == per_element * record[case]["shard_numel"]
        assert record[case]["wrapper_state"] == 0
    assert sum(r[case]["state_numel"] for r in ranks) == ranks[0][case]["plain_state_numel"]


@pytest.mark.parametrize("case", CASES)
def test_options_reach_the_local_optimizer_and_back(ranks, case):
    for record in ranks:
        assert record[case]["options_synced"] is True
        assert record[case]["lr"] == ([0.05, 0.05] if "groups" in case else [0.005])
        assert record[case]["local_groups"] == (2 if "groups" in case else 1)
        assert record[case]["initial_keys"] is True  # the local optimizer's defaults, from construction on
        assert record[case]["bumped"] is True  # every parameter's version moves: owned or received
        assert record[case]["device"] == "cpu"


def test_consolidated_state_is_the_plain_optimizers(ranks):
    last = ranks[-1]["saving"]
    assert last["same_keys"] is True and last["state_difference"] == 0.0
    assert last["groups_equal"] == [True, True]
    for rank, record in enumerate(ranks[:-1]):
        assert record["saving"]["not_consolidated_here"] == (
            "ZeroRedundancyOptimizer.state_dict: the optimizer state has not been consolidated on this rank "
            f"(rank {rank}); call consolidate_state_dict(to={rank}) on all ranks first"
        )
    assert ranks[0]["saving"]["default_to"] == list(range(6))  # every parameter's state, on rank 0
    assert ranks[0]["saving"]["before"].startswith(
        "ZeroRedundancyOptimizer.state_dict: the optimizer state has not"
    )


def test_loading_a_plain_state_keeps_the_shard_and_continues_identically(ranks):
    for record in ranks:
        saving = record["saving"]
        assert saving["loaded_is_shard"] is True
        assert saving["loaded_lr"] == [0.01, 0.02]
        assert saving["after_load"] < 1e-12
        assert saving["bad_load"] == (
            "ZeroRedundancyOptimizer.load_state_dict: the saved state has groups of [4] parameters, this "
            "optimizer [4, 2]"
        )
        assert saving["no_state"] == saving["not_a_dict"]
        assert saving["not_a_dict"].startswith("ZeroRedundancyOptimizer.load_state_dict: expected a dict")


def test_add_param_group_keeps_the_old_owners(ranks):
    expected = {
        2: [[[96], [8], [24, 3]], [[16], [128], []]],
        3: [[[96], [], []], [[16], [8], [24, 3]], [[], [128], []]],
    }
    assert [r["adding"]["shard_sizes"] for r in ranks] == expected[len(ranks)]
    for record in ranks:
        assert record["adding"]["difference"] < 1e-12
        assert record["adding"]["kept"] is True
        assert record["adding"]["local_lrs"] == record["adding"]["lrs"] == [0.1, 0.2, 0.3]
        assert record["adding"]["momentum"] == 0.9
        assert record["adding"]["dampening"] == [0, 0, 0]  # the local optimizer's default, on ZeRO's groups


def test_step_returns_the_closures_loss_and_takes_back_the_options_it_changed(ranks):
    for record in ranks:
        assert record["closure"]["loss"] == record["closure"]["expected"]
        assert record["closure"]["lr"] == 0.2


def test_inside_join_with_ddp_on_uneven_inputs(ranks):
    for record in ranks:
        assert record["uneven"]["difference"] < 1e-12
        assert record["uneven"]["zero_steps"] == [max(record["uneven"]["counts"])]  # joined ranks step too


def test_inside_join_with_unused_parameters(ranks):
    assert [r["uneven_unused"]["owns_unused"] for r in ranks] == [False, True] + [False] * (len(ranks) - 2)
    for record in ranks:
        assert record["uneven_unused"]["difference"] < 1e-12


def test_join_with_zero_alone_ends_with_the_same_parameters_everywhere(ranks):
    assert all(record["alone"]["params"] == ranks[0]["alone"]["params"] for record in ranks)


def test_refusals_name_the_reason(ranks):
    errors = ranks[0]["errors"]
    assert errors["overlap"] == (
        "NotImplementedError: ZeroRedundancyOptimizer: overlap_with_ddp=True is not supported: it steps "
        "inside DistributedDataParallel's communication hook (torch.distributed.algorithms.ddp_comm_hooks."
        "ddp_zero_hook), which TinyTorch does not have; use overlap_with_ddp=False, which steps after "
        "backward"
    )
    assert errors["not_a_class"] == (
        "TypeError: ZeroRedundancyOptimizer: optimizer_class must be an optimizer class such as "
        "tt.optim.Adam, got 'adam'"
    )
    assert errors["dtypes"] == (
        "ValueError: ZeroRedundancyOptimizer only supports parameters of one dtype (its broadcasts and "
        "buckets assume it), got tt.float32 and tt.float64; convert the model first (model.double())"
    )
    assert errors["empty"] == "ValueError: ZeroRedundancyOptimizer got an empty parameter list"
    world = len(ranks)
    assert errors["consolidate_to"] == (
        f"ValueError: ZeroRedundancyOptimizer.consolidate_state_dict: to={world} is not a rank of the group "
        f"of {world}"
    )


def test_the_meta_package_paths():
    import tt_dist
    from tinytorch.distributed.optim import ZeroRedundancyOptimizer
    from tinytorch.distributed.optim.zero_redundancy_optimizer import ZeroRedundancyOptimizer as Again

    import tinytorch

    assert ZeroRedundancyOptimizer is tt_dist.ZeroRedundancyOptimizer is Again
    assert issubclass(ZeroRedundancyOptimizer, tinytorch.optim.Optimizer)
    assert issubclass(ZeroRedundancyOptimizer, tinytorch.distributed.algorithms.Joinable)
