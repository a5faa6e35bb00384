"""``FullyShardedDataParallel(use_orig_params=True)``: the original parameters, views of each rank's shard.

From ``workers/fsdp_orig_checks.py`` (a section of ``fsdp_checks.py``'s run under ``mpiexec -n 2``
and ``-n 3``): an AdamW with two parameter groups picked by name (weight decay and lr 0.01 on
the weights; none, and lr 0.02, on biases and LayerNorm parameters) trains the FSDP model on
B/N samples per rank and the replay in one process on B; the whole parameters must agree
within 1e-5 after three steps, for every strategy, a transformer wrapped by block and an MLP
wrapped by size; with zero_grad(set_to_none=False), two backwards accumulated (with the no-decay
group's grads set to None between them, or every grad replaced by half of it), and clipping.
"""

from __future__ import annotations

import pytest

STRATEGIES = ["FULL_SHARD", "SHARD_GRAD_OP", "NO_SHARD"]
CASES = [f"{model}_{s}" for model in ("transformer", "mlp") for s in STRATEGIES]
MORE = [
    "transformer_zeros",
    "transformer_accumulate",
    "transformer_some_none",
    "transformer_replaced",
    "mlp_clip",
]


@pytest.mark.parametrize("case", [*CASES, *MORE])
def test_parameter_groups_train_as_the_one_process_replay(fsdp_ranks, case):
    for record in fsdp_ranks:
        assert record["orig_params"][case]["difference"] < 1e-5


@pytest.mark.parametrize("case", [*CASES, *MORE])
def test_named_parameters_are_the_models_as_views_of_the_shard(fsdp_ranks, case):
    got = [record["orig_params"][case] for record in fsdp_ranks]
    for record in got:
        assert record["names"] == record["plain_names"]  # under _fsdp_wrapped_module. prefixes
        assert record["one_dim"] is True and record["flat_registered"] is False
        if "NO_SHARD" not in case:  # (NO_SHARD keeps the leaves, views of the whole flat parameter)
            assert all(record["reads_view"])  # between forwards the names read the registered views
        assert record["views"] and all(record["views"]) and all(record["grad_views"])
    if "NO_SHARD" in case:  # every rank holds every parameter whole (flattened)
        assert all(r["sizes"] == r["plain_sizes"] for r in got)
        return
    # each parameter's pieces over the ranks add up to it, and no rank holds all of every one
    assert [sum(sizes) for sizes in zip(*(r["sizes"] for r in got))] == got[0]["plain_sizes"]
    assert all(r["sizes"] != r["plain_sizes"] for r in got)
    assert any(0 in r["sizes"] for r in got)  # a rank without some parameter: a view of 0 elements


def test_full_state_dict_round_trip(fsdp_ranks):
    for record in fsdp_ranks:
        got = record["orig_params"]["round_trip"]
        assert got["keys"] is True and got["values"] == 0.0  # the unwrapped model's keys and values
        assert got["before"] > 0.1 and got["after"] == 0.0 and got["outputs"] == 0.0
        assert got["missing"] == [[], []] and got["views_kept"] is True


def test_refusals_name_the_option(fsdp_ranks):
    got = fsdp_ranks[0]["orig_params"]["refused"]
    assert got["mixed"] == (
        "ValueError: FullyShardedDataParallel: every unit of a model must have the same use_orig_params "
        "(PyTorch requires it too); this one has False, a unit inside it the other"
    )
    assert got["local"] == (
        "NotImplementedError: FullyShardedDataParallel: LOCAL_STATE_DICT with use_orig_params=True is not "
        "supported in TinyTorch (the flat shards are not registered); use FULL_STATE_DICT"
    )
