"""FSDP's refusals, when each strategy holds the gathered parameters, several forwards before a backward.

Sections of ``fsdp_checks.py``'s record.
"""

from __future__ import annotations

import functools
import gc

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_optim
from fsdp_models import (
    FSDP,
    Block,
    Head,
    Inner,
    Nested,
    difference,
    held_bytes,
    message,
    mlp,
    remember_weight,
    transformer,
    whole,
)
from tt_dist.fsdp import (
    BackwardPrefetch,
    CPUOffload,
    ModuleWrapPolicy,
    ShardingStrategy,
    size_based_auto_wrap_policy,
)


def refusals(rank: int, world: int) -> dict:
    """The errors a user can act on."""
    wrapped = FSDP(mlp())
    early = mlp()
    optimizer = tt_optim.SGD(early.parameters(), lr=0.1)
    FSDP(early)
    mixed = mlp()
    mixed[0].double()
    frozen = mlp()
    frozen[0].bias.requires_grad = False
    shared = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    shared[1].weight = shared[0].weight
    nested = nn.Sequential(FSDP(nn.Linear(2, 2)), nn.Linear(2, 2))
    consumed = optimizer.param_groups[0]["params"][0]
    cases = {
        "early_set": lambda: setattr(consumed, "grad", None),
        "twice": lambda: FSDP(wrapped),
        "early_optimizer": lambda: optimizer.zero_grad() or optimizer.step(),
        "hybrid": lambda: FSDP(mlp(), sharding_strategy=ShardingStrategy.HYBRID_SHARD),
        "mixed_precision": lambda: FSDP(mlp(), mixed_precision=object()),
        "orig_params": lambda: FSDP(frozen, use_orig_params=True),
        "strategy": lambda: FSDP(mlp(), sharding_strategy="FULL_SHARD"),
        "not_a_module": lambda: FSDP(lambda x: x),
        "dtypes": lambda: FSDP(mixed),
        "frozen": lambda: FSDP(frozen),
        "auto_wrap_again": lambda: FSDP(nested, auto_wrap_policy=ModuleWrapPolicy({nn.Linear})),
        "summon_rank0": lambda: FSDP.summon_full_params(wrapped, rank0_only=True).__enter__(),
        "policy_classes": lambda: ModuleWrapPolicy({"Linear"}),
        "ignored_modules": lambda: FSDP(mlp(), ignored_modules=[]),
        "param_init_fn": lambda: FSDP(mlp(), param_init_fn=print),
        "device_mesh": lambda: FSDP(mlp(), device_mesh="mesh"),
        "ignored_states": lambda: FSDP(mlp(), ignored_states=[]),
    }
    out = {name: message(case) for name, case in cases.items()}
    # the size policy counts what wrapped children took: inner (36 + 49) keeps 36 < 40 and stays in the root
    deep = nn.Sequential(nn.Sequential(nn.Linear(5, 6), nn.Linear(6, 7)), nn.Linear(7, 2))
    deep = FSDP(deep, auto_wrap_policy=functools.partial(size_based_auto_wrap_policy, min_num_params=40))
    out["deep_units"] = [p.numel() for p in deep.parameters()]
    leaf = nn.Sequential(Inner(nn.Linear(5, 6), nn.Linear(6, 7)), nn.Linear(7, 2))
    policy = functools.partial(size_based_auto_wrap_policy, min_num_params=40, force_leaf_modules={Inner})
    leaf = FSDP(leaf, auto_wrap_policy=policy)
    out["leaf_units"] = [p.numel() for p in leaf.parameters()]
    units = FSDP(transformer(), auto_wrap_policy=ModuleWrapPolicy({Block}))
    out["repr"] = repr(units).splitlines()[:2]
    out["units"] = [len(FSDP.fsdp_modules(units)), len(FSDP.fsdp_modules(units, root_only=True)),
                    len(FSDP.fsdp_modules(units.module.blocks, root_only=True))]  # fmt: skip
    out["accepted"] = message(lambda: FSDP(mlp(), cpu_offload=CPUOffload(offload_params=True),
                              backward_prefetch=BackwardPrefetch.BACKWARD_POST, forward_prefetch=True,
                              limit_all_gathers=False, device_id="cpu"))  # fmt: skip
    out["consumed_numel"] = [p.array.size for p in optimizer.param_groups[0]["params"]]
    # tied parameters inside one unit share one range of the flat parameter
    unit = FSDP(shared)
    out["tied_shards"] = [p.numel() for p in unit.parameters()]
    out["tied_keys"] = list(unit.state_dict())
    # a tied parameter split across two units is refused
    split = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2)))
    split[1][0].weight = split[0].weight
    out["tied_across"] = message(lambda: FSDP(split, auto_wrap_policy=ModuleWrapPolicy({nn.Sequential})))
    # summon_full_params between a forward that records and its backward
    loss = wrapped(autograd.tensor(np.ones((2, 5), np.float32))).sum()
    out["summon_in_step"] = message(lambda: FSDP.summon_full_params(wrapped).__enter__())
    loss.backward()
    out["parameters_outside"] = [list(wrapped.module[0].weight.shape)]
    return out


def lifecycle(rank: int, world: int) -> dict:
    """When each strategy holds the gathered parameters; sync_module_states; a forward without backward."""
    out = {}
    x = autograd.tensor(np.ones((2, 5), np.float32))
    for strategy in ShardingStrategy.FULL_SHARD, ShardingStrategy.SHARD_GRAD_OP, ShardingStrategy.NO_SHARD:
        model = FSDP(mlp(), sharding_strategy=strategy)
        handle = model._handle
        seen = {"before": list(model.module[0].weight.shape)}
        loss = model(x).sum()
        seen["after_forward"] = [list(model.module[0].weight.shape), handle.full is not None]
        loss.backward()
        seen["after_backward"] = [list(model.module[0].weight.shape), handle.full is not None]
        with autograd.no_grad():
            model(x)
        seen["after_no_grad"] = [list(model.module[0].weight.shape), handle.full is not None]
        for _ in range(3):
            model(x).sum()  # graphs dropped without a backward
        gc.collect()
        model(x).sum().backward()
        seen["registrations"] = len(handle.registrations)
        seen["grad_numel"] = model._handle.flat_param.grad.numel()
        out[strategy.name] = seen
    # every rank seeds differently; sync_module_states makes rank 0's values everyone's
    autograd.manual_seed(10 + rank)
    synced = FSDP(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)), sync_module_states=True)
    autograd.manual_seed(10)
    rank0 = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    got = whole(synced)
    out["synced"] = max(float(np.abs(got[k] - v.numpy()).max()) for k, v in rank0.state_dict().items()
                        if k.endswith(("weight", "bias")))  # fmt: skip
    autograd.manual_seed(10 + rank)
    module = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    module[1].running_mean.array[...] = rank + 1
    FSDP(module, sync_module_states=True)
    out["synced_buffer"] = module[1].running_mean.numpy().tolist()
    autograd.manual_seed(10 + rank)
    unsynced = FSDP(nn.Sequential(nn.Linear(3, 4)))
    out["unsynced_differs"] = difference(whole(unsynced), {k: v.numpy() for k, v in rank0.state_dict().items()
                                                           if not k.startswith("1.")}) > 0  # fmt: skip
    module = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    module[1].running_mean.array[...] = rank + 1
    FSDP(module)
    out["own_buffer"] = module[1].running_mean.numpy().tolist()
    # no_sync keeps the whole gradient and sends nothing; the next synchronised backward sends the sum
    model = FSDP(mlp())
    with model.no_sync():
        model(x).sum().backward()
    out["no_sync"] = [model._handle.pending is not None, model._handle.flat_param.grad is None]
    model(x).sum().backward()
    out["synced_after"] = [model._handle.pending is None, model._handle.flat_param.grad is not None]
    # a forward dropped without backward, then the shards change (a step): what is gathered next is new
    for strategy in ShardingStrategy.FULL_SHARD, ShardingStrategy.SHARD_GRAD_OP:
        model = FSDP(mlp(), sharding_strategy=strategy)
        model(x).sum()
        gc.collect()
        model._handle.flat_param.array[...] = rank + 1.0
        with FSDP.summon_full_params(model):
            summoned = sorted(set(model.module[0].weight.numpy().ravel().tolist()))
        model(x).sum()
        gc.collect()
        model._handle.flat_param.array[...] = rank + 2.0
        during = []  # the first layer's weight as its forward sees it
        model.module[0].register_forward_pre_hook(functools.partial(remember_weight, during))
        output = model(x)
        out[f"fresh_{strategy.name}"] = [summoned, sorted(set(during[0].ravel().tolist()))]
        output.sum().backward()
    # recurse=False gathers the given unit only
    nested = FSDP(transformer(), auto_wrap_policy=ModuleWrapPolicy({Block}))
    with FSDP.summon_full_params(nested, recurse=False):
        inner = nested.module.blocks[0].module.up.weight
        out["own_unit_only"] = [list(nested.module.embed.weight.shape), list(inner.shape)]
    with FSDP.summon_full_params(nested.module.embed, recurse=False):
        out["not_a_unit"] = list(nested.module.embed.weight.shape)
    return out


def pending_forwards(rank: int, world: int) -> dict:
    """Several forwards before a backward, dropped graphs, frozen units, NO_SHARD summoning, bytes held."""
    out = {}
    x = autograd.tensor(np.ones((2, 5), np.float32))
    padded = -(-101 // world) * world
    # a frozen unit records no hook, yet gradients flow through it to the input
    frozen = mlp()
    for p in frozen.parameters():
        p.requires_grad = False
    unit = FSDP(frozen)
    xg = autograd.tensor(np.ones((2, 5), np.float32), requires_grad=True)
    unit(xg).sum().backward()
    out["frozen"] = [
        xg.grad is not None,
        unit._handle.flat_param.grad is None,
        len(unit._handle.registrations),
    ]
    # FULL_SHARD twice before backward: dropping the first graph forgets its registration only
    model = FSDP(mlp())
    first, second = model(x).sum(), model(x).sum()
    del first
    gc.collect()
    model._handle.prune()
    out["full_twice"] = [len(model._handle.registrations)]
    second.backward()
    out["full_twice"] += [len(model._handle.registrations), model._handle.flat_param.grad is not None]
    # SHARD_GRAD_OP twice before backward shares one registration; dropping the second graph keeps it
    model = FSDP(mlp(), sharding_strategy=ShardingStrategy.SHARD_GRAD_OP)
    first = model(x).sum()
    out["held_gathered"] = held_bytes(model._handle) == 4 * (padded // world + padded)  # shard + gathered
    second = model(x).sum()
    del second
    gc.collect()
    model._handle.prune()
    out["grad_op_twice"] = [len(model._handle.registrations)]
    first.backward()
    out["grad_op_twice"] += [len(model._handle.registrations), model._handle.flat_param.grad is not None]
    # a dropped SHARD_GRAD_OP forward whose output nests its tensor in a dict and a list
    nested = FSDP(Nested(), sharding_strategy=ShardingStrategy.SHARD_GRAD_OP)
    nested(x)
    gc.collect()
    nested._handle.prune()
    out["nested_dropped"] = len(nested._handle.registrations)
    # a root unit left without parameters of its own (all in its children's units)
    bare = FSDP(nn.Sequential(Head(5, 2)), auto_wrap_policy=ModuleWrapPolicy({Head}))
    bare(x).sum().backward()
    out["bare_root"] = [bare._handle is None, [p.grad is not None for p in bare.parameters()]]
    # no_sync: the shard and the whole kept gradient
    model = FSDP(mlp())
    with model.no_sync():
        model(x).sum().backward()
    out["held_no_sync"] = held_bytes(model._handle) == 4 * (padded // world + padded)
    # NO_SHARD: summoned changes are the flat parameter's own
    model = FSDP(mlp(), sharding_strategy=ShardingStrategy.NO_SHARD)
    with FSDP.summon_full_params(model):
        model.module[0].bias.array[...] = 5.0
    out["no_shard_summon"] = whole(model)["0.bias"].tolist()
    return out
