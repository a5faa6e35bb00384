"""``FullyShardedDataParallel`` (ZeRO-3, tt_dist.fsdp) against one process (beyond module 21's exercise).

One ``mpiexec -n 2`` and one ``-n 3`` run of ``workers/fsdp_checks.py``: each rank trains an
FSDP model on its B/N samples and replays the same steps in one process on the whole batch
of B; the whole parameters must agree within float32 rounding (1e-5) for every strategy,
with SGD and AdamW, for an MLP wrapped by size and a small transformer wrapped by block
class (nested units, flat sizes that need padding). Then: shard sizes, the bytes each rank
holds, clipping, no_sync, state dicts and the errors.
"""

from __future__ import annotations

import pytest

STRATEGIES = ["FULL_SHARD", "SHARD_GRAD_OP", "NO_SHARD"]
#: (unit's flat size, padded to a multiple of N) for the MLP wrapped at 30 parameters: root, 0, 2.
MLP_UNITS = {2: [[16, 16], [36, 36], [49, 50]], 3: [[16, 18], [36, 36], [49, 51]]}
#: the transformer with each Block a unit: root (embed + head), block 0, block 1.
TRANSFORMER_UNITS = {2: [[32, 32], [240, 240], [240, 240]], 3: [[32, 33], [240, 240], [240, 240]]}
KEYS = [
    "embed.weight", "embed.bias",
    *[f"blocks.{i}.{name}" for i in range(2) for name in (
        "norm1.weight", "norm1.bias", "qkv.weight", "proj.weight", "proj.bias", "norm2.weight", "norm2.bias",
        "up.weight", "up.bias", "down.weight", "down.bias")],
    "head.weight", "head.bias",
]  # fmt: skip


@pytest.fixture
def ranks(fsdp_ranks):
    """Each rank's record of one ``mpiexec -n 2`` and one ``-n 3`` run (conftest.py's ``fsdp_ranks``)."""
    return fsdp_ranks


def cases(model: str) -> list[str]:
    return [f"{model}_{strategy}_{optimizer}" for strategy in STRATEGIES for optimizer in ("sgd", "adamw")]


MORE = [
    "tied_sgd",
    "tied_adamw",
    "mlp_unwrapped_root_only",
    "mlp_clip",
    "mlp_clip_inf",
    "transformer_no_sync",
    "transformer_accumulate",
    "mlp_clip_no_shard",
    "mlp_clip_inf_no_shard",
    "mlp_clip_root_only",
    "mlp_root_policy",
]


@pytest.mark.parametrize("case", [*cases("mlp"), *cases("transformer"), *MORE])
def test_same_parameters_as_one_process_on_the_whole_batch(ranks, case):
    for record in ranks:
        assert record["equivalence"][case]["difference"] < 1e-5


@pytest.mark.parametrize("model", ["mlp", "transformer"])
def test_each_unit_owns_one_flat_shard_of_its_padded_size(ranks, model):
    n = len(ranks)
    units = (MLP_UNITS if model == "mlp" else TRANSFORMER_UNITS)[n]
    for record in ranks:
        for strategy in STRATEGIES:
            got = record["equivalence"][f"{model}_{strategy}_adamw"]
            assert got["units"] == 3
            whole = strategy == "NO_SHARD"
            assert got["shards"] == [[size if whole else padded // n, size, size if whole else padded]
                                     for size, padded in units]  # fmt: skip
            assert got["parameters"] == [[shard] for shard, *_ in got["shards"]]  # what the optimizer gets
    assert ranks[0]["equivalence"]["mlp_unwrapped_root_only"]["shards"] == [
        [-(-101 // n), 101, -(-101 // n) * n]
    ]


@pytest.mark.parametrize("model", ["mlp", "transformer"])
@pytest.mark.parametrize("strategy", ["FULL_SHARD", "SHARD_GRAD_OP"])
def test_a_rank_holds_one_nth_of_parameters_gradients_and_optimizer_state(ranks, model, strategy):
    n = len(ranks)
    units = (MLP_UNITS if model == "mlp" else TRANSFORMER_UNITS)[n]
    shard_bytes = 4 * sum(padded for _, padded in units) // n
    for record in ranks:
        for optimizer, per_element in ("sgd", 1), ("adamw", 2):  # momentum; AdamW's two moments
            got = record["equivalence"][f"{model}_{strategy}_{optimizer}"]
            memory = got["bytes"]
            assert memory["held"] == 2 * shard_bytes  # the flat shards and their gradients
            assert memory["reachable"] == memory["held"]  # nothing else: no original or gathered parameters
            assert memory["state"] == per_element * shard_bytes
            assert memory["plain_params"] == memory["plain_grads"] == 4 * sum(size for size, _ in units)
            assert memory["plain_state"] == per_element * memory["plain_params"]
            assert got["gathered"] == [False, False, False]  # released after the step


def test_no_shard_keeps_everything_whole(ranks):
    for record in ranks:
        memory = record["equivalence"]["mlp_NO_SHARD_adamw"]["bytes"]
        assert memory["held"] == 2 * memory["plain_params"]  # 49 + 36 + 16 = 101 elements each, no padding
        assert memory["reachable"] == memory["held"]  # the modules' views are of the flat parameter; no .grad
        assert memory["state"] == memory["plain_state"]


def test_clip_grad_norm_is_the_norm_of_the_whole_gradient(ranks):
    for record in ranks:
        for case in ("mlp_clip", "mlp_clip_inf", "mlp_clip_no_shard", "mlp_clip_inf_no_shard",
                     "mlp_clip_root_only"):  # fmt: skip
            norms = record["equivalence"][case]["norms"]
            assert len(norms) == 3
            for plain, sharded in norms:
                assert sharded == pytest.approx(plain, rel=1e-6)


def test_full_state_dict_has_the_unwrapped_models_keys(ranks):
    for rank, record in enumerate(ranks):
        saving = record["saving"]
        assert saving["keys"] == saving["plain_keys"] == KEYS
        assert saving["rank0_keys"] == (KEYS if rank == 0 else [])  # rank0_only
        assert saving["loaded_unwrapped"] == [[], []]
        assert saving["same_as_summoned"] is True
        assert saving["loaded_fsdp"] == 0.0 and saving["same_output"] == 0.0


def test_full_state_dict_keeps_extra_state_hooks_and_destination(ranks):
    """PyTorch 2.13's: a unit's extra state saved and loaded by its unwrapped key, a root post-hook's entry,
    destination= and prefix=, the load pre-hook run, assign=True refused by name."""
    extra = [*KEYS[:13], "blocks.1._extra_state", *KEYS[13:], "note"]
    for record in ranks:
        case = record["state_extras"]
        assert case["keys"] == extra
        assert case["extra"] == {"steps": 3} and case["note"] == [1.0]
        assert case["destination"] == [True, True]
        assert case["loaded"] == [[], []] and case["given"] == [{"steps": 3}]
        assert case["values"] < 1e-6  # every loaded value (one more than the model's) arrived
        assert case["load_hook_prefixes"] == ["_fsdp_wrapped_module.", "_fsdp_wrapped_module."]
        assert case["local_destination"][0] is True and case["local_destination"][1] > 0
        assert case["missing_extra"] == (
            "RuntimeError: load_state_dict for FullyShardedDataParallel: missing keys: blocks.1._extra_state"
        )
        assert case["assign"].startswith(
            "NotImplementedError: FullyShardedDataParallel.load_state_dict: assign=True is not supported"
        )


def test_summon_full_params_and_writeback(ranks):
    for record in ranks:
        saving = record["saving"]
        assert saving["summoned_shapes"] == [[5, 3], [2]]
        assert saving["outside_shapes"] == [[0], [0]]  # freed outside, as PyTorch's
        assert saving["written_back"] == [7.0, 7.0]
        assert saving["not_written_back"] == [7.0, 7.0]


def test_local_state_dict_is_the_flat_shards(ranks):
    n = len(ranks)
    for record in ranks:
        saving = record["saving"]
        assert saving["local_keys"] == [
            "_fsdp_wrapped_module._flat_param",
            "_fsdp_wrapped_module.blocks.0._fsdp_wrapped_module._flat_param",
            "_fsdp_wrapped_module.blocks.1._fsdp_wrapped_module._flat_param",
        ]
        assert saving["local_sizes"] == [padded // n for _, padded in TRANSFORMER_UNITS[n]]
        assert saving["local_round_trip"] == 0.0


def test_state_dict_errors(ranks):
    errors = ranks[0]["saving"]["errors"]
    assert errors["bad_load"] == (
        "RuntimeError: load_state_dict for FullyShardedDataParallel: missing keys: head.bias | "
        "unexpected keys: extra"
    )
    assert errors["sharded"].startswith(
        "NotImplementedError: FullyShardedDataParallel: SHARDED_STATE_DICT is not"
    )
    assert errors["config"] == (
        "ValueError: set_state_dict_type: expected a LocalStateDictConfig for "
        "StateDictType.LOCAL_STATE_DICT, "
        "got FullStateDictConfig"
    )
    assert ranks[0]["saving"]["non_strict"] == [[], ["extra"]]
    assert (
        errors["not_a_type"]
        == "TypeError: set_state_dict_type: expected a StateDictType, got 'FULL_STATE_DICT'"
    )
    assert (
        errors["no_units"]
        == "ValueError: set_state_dict_type: the module has no FullyShardedDataParallel unit"
    )
    assert errors["shapes"] == (
        "RuntimeError: load_state_dict for FullyShardedDataParallel: shape mismatches: head.bias: the "
        "checkpoint has shape (3,), the model (2,)"
    )
    assert ranks[0]["saving"]["settings"] == [
        "FULL_STATE_DICT",
        "FullStateDictConfig",
        "LOCAL_STATE_DICT",
        "LocalStateDictConfig",
    ]  # the previous ones, each time


def test_tied_parameters_share_one_range(ranks):
    errors = ranks[0]["errors"]
    n = len(ranks)
    root, head = [[-(-size // n), size, -(-size // n) * n] for size in (25, 10)]  # the tied 5 x 5 once
    assert ranks[0]["equivalence"]["tied_sgd"]["shards"] == [root, head]
    assert errors["tied_shards"] == [-(-8 // len(ranks))]  # 4 + 2 + 2 elements: the tied weight once
    assert errors["tied_keys"] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert errors["tied_across"] == (
        "ValueError: FullyShardedDataParallel: parameter '0.weight' is shared with another FSDP "
        "unit, which has "
        "flattened it already ('0.weight' there); tied parameters must be in one unit: wrap the module that "
        "holds both uses"
    )


def test_refusals_name_the_fix(ranks):
    errors = ranks[0]["errors"]
    assert errors["early_set"] == errors["early_optimizer"]  # setting .grad too
    assert errors["consumed_numel"] == [0] * 6  # the original parameters' storage is freed
    assert errors["twice"].startswith(
        "ValueError: FullyShardedDataParallel: this module is an FSDP unit already"
    )
    assert errors["early_optimizer"] == (
        "RuntimeError: FullyShardedDataParallel: this parameter '0.weight' was flattened into a unit's "
        "FlatParameter when the model was wrapped, and is no longer trained; an optimizer built "
        "before wrapping "
        "holds it. Build the optimizer after wrapping, from the wrapped model: "
        "optim.SGD(fsdp_model.parameters(), ...)"
    )
    assert errors["hybrid"].startswith(
        "NotImplementedError: FullyShardedDataParallel: ShardingStrategy.HYBRID_SHARD is not supported"
    )
    assert errors["mixed_precision"] == (
        "TypeError: FullyShardedDataParallel: mixed_precision must be a MixedPrecision, got object"
    )
    assert errors["orig_params"] == errors["frozen"]  # use_orig_params=True: the same refusal
    assert errors["strategy"] == (
        "TypeError: FullyShardedDataParallel: sharding_strategy must be a ShardingStrategy, got 'FULL_SHARD'"
    )
    assert (
        errors["not_a_module"] == "TypeError: FullyShardedDataParallel: expected a tt.nn.Module, got function"
    )
    assert errors["dtypes"].startswith(
        "ValueError: FullyShardedDataParallel: the parameters of one unit must share a dtype to be "
        "flattened, got "
        "0.weight tt.float64, 0.bias tt.float64, 2.weight tt.float32"
    )
    assert errors["frozen"].startswith(
        "ValueError: FullyShardedDataParallel flattens a unit's parameters into one, so they must all "
        "require grad or none (with use_orig_params=True too, unlike PyTorch's); frozen: ['0.bias']"
    )
    assert errors["auto_wrap_again"].startswith(
        "ValueError: FullyShardedDataParallel: auto_wrap_policy needs a model without FSDP units"
    )
    assert errors["summon_rank0"].startswith(
        "NotImplementedError: FullyShardedDataParallel: rank0_only is not"
    )
    assert errors["policy_classes"] == "TypeError: ModuleWrapPolicy: expected Module classes, got 'Linear'"
    assert errors["summon_in_step"] == (
        "RuntimeError: FullyShardedDataParallel.summon_full_params: a forward that records gradients "
        "has run and "
        "its backward has not; call it before the forward or after the backward"
    )
    assert errors["parameters_outside"] == [[0]]


def test_the_meta_package_paths():
    import tt_dist.fsdp
    from tinytorch.distributed.fsdp import FullyShardedDataParallel, ShardingStrategy, StateDictType
    from tinytorch.distributed.fsdp.wrap import ModuleWrapPolicy, size_based_auto_wrap_policy

    assert FullyShardedDataParallel is tt_dist.fsdp.FullyShardedDataParallel
    assert ShardingStrategy.FULL_SHARD.value == 1 and StateDictType.FULL_STATE_DICT.value == 1
    assert ModuleWrapPolicy is tt_dist.fsdp.ModuleWrapPolicy
    assert size_based_auto_wrap_policy is tt_dist.fsdp.size_based_auto_wrap_policy


def test_policies_decide_without_mpi():
    import tt_nn as nn
    from tt_dist.fsdp import ModuleWrapPolicy, size_based_auto_wrap_policy, transformer_auto_wrap_policy

    linear = nn.Linear(2, 2)
    assert size_based_auto_wrap_policy(linear, recurse=False, nonwrapped_numel=100, min_num_params=100)
    assert not size_based_auto_wrap_policy(linear, recurse=False, nonwrapped_numel=99, min_num_params=100)
    assert not size_based_auto_wrap_policy(linear, False, 100, 100, exclude_wrap_modules={nn.Linear})
    assert not size_based_auto_wrap_policy(linear, True, 0, force_leaf_modules={nn.Linear})
    assert size_based_auto_wrap_policy(nn.Tanh(), True, 0, force_leaf_modules={nn.Linear})
    assert transformer_auto_wrap_policy(linear, False, 0, {nn.Linear})
    assert not transformer_auto_wrap_policy(nn.Tanh(), False, 0, {nn.Linear})
    assert ModuleWrapPolicy({nn.Linear})(module=linear, recurse=False, nonwrapped_numel=0)
    assert ModuleWrapPolicy({nn.Linear})(module=nn.Tanh(), recurse=True, nonwrapped_numel=0)
    assert repr(ModuleWrapPolicy([nn.Linear, nn.Linear])) == "ModuleWrapPolicy(Linear)"


def test_when_each_strategy_holds_the_gathered_parameters(ranks):
    for record in ranks:
        life = record["lifecycle"]
        # FULL_SHARD: released after forward (the graph keeps what it saved); empty outside, as PyTorch's
        assert life["FULL_SHARD"]["after_forward"] == [[0], False]
        assert life["FULL_SHARD"]["after_backward"] == [[0], False]
        # SHARD_GRAD_OP: kept from forward to the end of backward; a forward without grad releases at once
        assert life["SHARD_GRAD_OP"]["after_forward"] == [[6, 5], True]
        assert life["SHARD_GRAD_OP"]["after_backward"] == [[0], False]
        assert life["SHARD_GRAD_OP"]["after_no_grad"] == [[0], False]
        # NO_SHARD: always whole
        assert life["NO_SHARD"]["after_backward"] == [[6, 5], True]
        assert life["NO_SHARD"]["after_no_grad"] == [[6, 5], True]
        for strategy in STRATEGIES:
            assert life[strategy]["before"] == [0]
            # forwards whose graph was dropped without a backward are forgotten (NO_SHARD: the last one
            # stays until the next forward replaces its views)
            assert life[strategy]["registrations"] <= (1 if strategy == "NO_SHARD" else 0)
        n = len(ranks)
        assert life["FULL_SHARD"]["grad_numel"] == life["SHARD_GRAD_OP"]["grad_numel"] == -(-101 // n)
        assert life["NO_SHARD"]["grad_numel"] == 101


def test_sync_module_states_broadcasts_rank_zeros_parameters_and_buffers(ranks):
    for record in ranks:
        life = record["lifecycle"]
        assert life["synced"] == 0.0
        assert life["synced_buffer"] == [1.0] * 4  # rank 0's running mean
        # without it each rank shards its own values: the gathered model mixes rank 0's and the others'
        assert life["unsynced_differs"] is True


OPTIMIZER_CASES = [
    "optimizer",
    "optimizer_no_shard",
    "optimizer_tied",
    "optimizer_orig",
    "optimizer_orig_no_shard",
    "optimizer_orig_tied",
]


@pytest.mark.parametrize("case", OPTIMIZER_CASES)
def test_optim_state_dict_is_the_replays_state_by_name(ranks, case):
    for record in ranks:
        got = record[case]
        assert got["names"] is True and got["group_params"] is True
        assert got["keys"] == ["exp_avg", "exp_avg_sq", "step"]
        assert got["difference"] < 1e-6
        assert got["steps"] == [2.0] and got["lr"] == 0.01


@pytest.mark.parametrize("case", OPTIMIZER_CASES)
def test_optim_state_dict_to_load_continues_identically(ranks, case):
    for record in ranks:
        got = record[case]
        assert got["continued"] == 0.0 and got["saved_kept"] is True
        assert got["loaded_lr"] == 0.01
        assert got["returned"] == ["param_groups", "state"]
        assert got["refused"][0].startswith(
            "NotImplementedError: FullyShardedDataParallel: optim_state_dict is not"
        )
        assert got["refused"][1].startswith(
            "NotImplementedError: FullyShardedDataParallel: is_named_optimizer is"
        )
        assert got["bad"] == (
            "ValueError: FullyShardedDataParallel.optim_state_dict_to_load: expected a dict with 'state' and "
            "'param_groups', as FullyShardedDataParallel.optim_state_dict makes"
        )
        assert got["stray"] == (
            "ValueError: FullyShardedDataParallel.optim_state_dict_to_load: the optimizer holds a parameter "
            "that is not one of this model's (a FlatParameter, or an original parameter with "
            "use_orig_params=True); build it from the wrapped model's parameters()"
        )


def test_other_options_are_accepted_or_refused_by_name(ranks):
    errors = ranks[0]["errors"]
    for name in "ignored_modules", "param_init_fn", "device_mesh", "ignored_states":
        assert errors[name].startswith(
            f"NotImplementedError: FullyShardedDataParallel: {name} is not supported"
        )
    assert errors["accepted"] is None  # cpu_offload, backward_prefetch, ...: nothing to do on the CPU
    assert errors["repr"] == [
        "FullyShardedDataParallel(",
        f"  sharding_strategy=FULL_SHARD, world_size={len(ranks)}",
    ]
    assert errors["units"] == [3, 1, 2]  # all, the root only, the outermost ones under blocks


def test_buffers_stay_each_ranks_without_sync_module_states(ranks):
    for rank, record in enumerate(ranks):
        assert record["lifecycle"]["own_buffer"] == [rank + 1.0] * 4


def test_no_sync_keeps_the_whole_gradient_until_a_synchronised_backward(ranks):
    for record in ranks:
        assert record["lifecycle"]["no_sync"] == [True, True]  # kept, nothing sent
        assert record["lifecycle"]["synced_after"] == [True, True]


def test_what_is_gathered_after_a_dropped_forward_and_a_step_is_new(ranks):
    n = len(ranks)
    for record in ranks:
        for strategy in "FULL_SHARD", "SHARD_GRAD_OP":
            summoned, forward = record["lifecycle"][f"fresh_{strategy}"]
            # each rank set its whole shard to rank + 1 (then rank + 2): the weights show those values only
            assert summoned and set(summoned) <= {float(r + 1) for r in range(n)}
            assert forward and set(forward) <= {float(r + 2) for r in range(n)}


def test_summon_full_params_without_recursion(ranks):
    for record in ranks:
        assert record["lifecycle"]["own_unit_only"] == [[5, 3], [0]]
        assert record["lifecycle"]["not_a_unit"] == [0]


def test_several_forwards_before_a_backward_and_dropped_graphs(ranks):
    for record in ranks:
        got = record["pending"]
        assert got["frozen"] == [True, True, 0]
        assert got["full_twice"] == [1, 0, True]  # the dropped graph's registration only is forgotten
        assert got["grad_op_twice"] == [1, 0, True]  # kept: the first graph is alive
        assert got["nested_dropped"] == 0
        assert got["bare_root"] == [True, [True]]
        assert got["held_gathered"] is True and got["held_no_sync"] is True
        assert got["no_shard_summon"] == [5.0] * 6


def test_size_policy_counts_what_children_took(ranks):
    n = len(ranks)
    shard = [
        -(-size // n) for size in (52, 49)
    ]  # root: 36 + 16 (inner keeps its first Linear); the 6 x 7 Linear
    assert ranks[0]["errors"]["deep_units"] == shard
    # force_leaf_modules: Inner is neither looked into nor wrapped (PyTorch's rule): all 101 in the root
    assert ranks[0]["errors"]["leaf_units"] == [-(-101 // n)]
