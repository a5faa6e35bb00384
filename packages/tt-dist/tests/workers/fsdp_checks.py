"""Run under ``mpiexec -n 2`` and ``-n 3`` by test_dist_fsdp.py: FullyShardedDataParallel against one process.

Every rank builds the model twice from one seed: one copy is wrapped in FSDP and trained
on this rank's B/N samples of each batch, the other (the replay) trained in this process
alone on the whole batch of B. Each rank records the largest difference of the whole
parameters after k steps, the shard sizes, the bytes it holds, the state dicts and the
messages of refused calls, in ``OUT.<rank>.json``.
"""

from __future__ import annotations

import functools
import gc
import json
import sys

import numpy as np
import tt_autograd as autograd
import tt_dist as dist
import tt_nn as nn
import tt_optim
from tt_dist.fsdp import (
    BackwardPrefetch,
    CPUOffload,
    FullStateDictConfig,
    FullyShardedDataParallel,
    ModuleWrapPolicy,
    ShardingStrategy,
    StateDictType,
    size_based_auto_wrap_policy,
)
from tt_optim.utils import clip_grad_norm_

FSDP = FullyShardedDataParallel
STEPS, BATCH = 3, 12


def mlp():
    autograd.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 6), nn.Tanh(), nn.Linear(6, 7), nn.Tanh(), nn.Linear(7, 2))


class Block(nn.Module):
    """A pre-norm transformer block: single-head causal self-attention and an MLP."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.norm1, self.qkv, self.proj = (
            nn.LayerNorm(width),
            nn.Linear(width, 3 * width, bias=False),
            nn.Linear(width, width),
        )
        self.norm2, self.up, self.down = (
            nn.LayerNorm(width),
            nn.Linear(width, 2 * width),
            nn.Linear(2 * width, width),
        )
        self.width = width

    def forward(self, x):
        q, k, v = self.qkv(self.norm1(x)).split(self.width, dim=-1)
        scores = (q @ k.transpose(-2, -1)) / self.width**0.5
        mask = autograd.tensor(np.triu(np.full((x.shape[1], x.shape[1]), -1e9, np.float32), 1))
        x = x + self.proj((scores + mask).softmax(-1) @ v)
        return x + self.down(self.up(self.norm2(x)).tanh())


class Tiny(nn.Module):
    """Input projection, two blocks, a head: the blocks are units of their own under ModuleWrapPolicy."""

    def __init__(self) -> None:
        super().__init__()
        self.embed, self.blocks, self.head = (
            nn.Linear(3, 5),
            nn.Sequential(Block(5), Block(5)),
            nn.Linear(5, 2),
        )

    def forward(self, x):
        return self.head(self.blocks(self.embed(x))).mean(1)


class Head(nn.Linear):
    """A unit of one parameter (ModuleWrapPolicy({Head}))."""


def tied():
    """Two layers sharing one weight (one range of the root's flat parameter); a one-parameter head unit."""
    autograd.manual_seed(2)
    model = nn.Sequential(nn.Linear(5, 5, bias=False), nn.Tanh(), nn.Linear(5, 5, bias=False), nn.Tanh(),
                          Head(5, 2, bias=False))  # fmt: skip
    model[2].weight = model[0].weight
    return model


def transformer():
    autograd.manual_seed(1)
    return Tiny()


def batch(step: int, inputs: tuple[int, ...]) -> tuple:
    rng = np.random.default_rng(step)
    x = rng.standard_normal((BATCH, *inputs)).astype(np.float32)
    return x, rng.standard_normal((BATCH, 2)).astype(np.float32)


def part(array, rank: int, world: int):
    per = BATCH // world
    return autograd.tensor(array[rank * per : (rank + 1) * per])


def whole(model) -> dict:
    """The whole parameters by unwrapped name (a FULL state dict on every rank)."""
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def difference(a: dict, b: dict) -> float:
    assert sorted(a) == sorted(b), (sorted(a), sorted(b))
    return max(float(np.abs(a[k] - b[k]).max()) for k in a)


def train(build, inputs, wrap, optimizer, rank, world, clip=None, accumulate=False, sync=False) -> dict:
    """k steps of FSDP on B/N samples and of the replay on B; the differences and what a rank holds."""
    reference, model = build(), wrap(build())
    plain, sharded = optimizer(reference.parameters()), optimizer(model.parameters())
    loss_fn = nn.MSELoss()
    norms = []
    for step in range(STEPS):
        x, y = batch(step, inputs)
        plain.zero_grad()
        sharded.zero_grad()
        halves = [slice(0, BATCH // 2), slice(BATCH // 2, BATCH)] if accumulate else [slice(0, BATCH)]
        for index, half in enumerate(halves):
            xs, ys = x[half], y[half]
            loss_fn(reference(autograd.tensor(xs)), autograd.tensor(ys)).backward()
            per = len(xs) // world
            mine = slice(rank * per, (rank + 1) * per)
            if accumulate and index == 0 and not sync:
                with model.no_sync():
                    loss_fn(model(autograd.tensor(xs[mine])), autograd.tensor(ys[mine])).backward()
            else:
                loss_fn(model(autograd.tensor(xs[mine])), autograd.tensor(ys[mine])).backward()
        if clip is not None:
            plain_norm = clip_grad_norm_(reference.parameters(), *clip)
            norms.append([float(plain_norm.item()), float(model.clip_grad_norm_(*clip).item())])
        plain.step()
        sharded.step()
    gc.collect()
    units = FSDP.fsdp_modules(model)
    handles = [u._handle for u in units if u._handle is not None]
    state_bytes = sum(v.array.nbytes for s in sharded.state.values() for k, v in s.items() if k != "step")
    plain_state = sum(v.array.nbytes for s in plain.state.values() for k, v in s.items() if k != "step")
    held = sum(a.nbytes for h in handles for a in h.held_arrays())
    reachable = sum({k: v for m in model.modules() for k, v in tensor_bytes(m).items()}.values())
    return {
        "difference": difference(whole(model), whole(reference)),
        "units": len(units),
        "shards": [[p.numel(), h.numel, h.padded] for h, p in ((h, h.flat_param) for h in handles)],
        "parameters": [list(p.shape) for p in model.parameters()],
        "bytes": {
            "held": held,
            "state": state_bytes,
            "reachable": reachable,
            "plain_params": sum(p.array.nbytes for p in reference.parameters()),
            "plain_grads": sum(p.grad.array.nbytes for p in reference.parameters()),
            "plain_state": plain_state,
        },  # fmt: skip
        "gathered": [h.full is not None for h in handles],
        "norms": norms,
    }


def tensor_bytes(module) -> dict:
    """``{id: bytes}`` of the memory under every tensor a module refers to (tables, attributes, gradients)."""
    found = [*module._parameters.values(), *module._buffers.values()]
    found += [v for v in module.__dict__.values() if isinstance(v, autograd.Tensor)]
    arrays = [t.array for t in found if t is not None] + [
        t.grad.array for t in found if t is not None and t.grad is not None
    ]
    roots = {}
    for array in arrays:
        while array.base is not None:  # a view counts as the memory it views, once
            array = array.base
        roots[id(array)] = array.nbytes
    return roots


def equivalence(rank: int, world: int) -> dict:
    sgd = functools.partial(tt_optim.SGD, lr=0.1, momentum=0.9)
    adamw = functools.partial(tt_optim.AdamW, lr=0.01, weight_decay=0.1)
    by_size = functools.partial(size_based_auto_wrap_policy, min_num_params=30)
    blocks = ModuleWrapPolicy({Block})
    out = {}
    for strategy in ShardingStrategy.FULL_SHARD, ShardingStrategy.SHARD_GRAD_OP, ShardingStrategy.NO_SHARD:
        for name, optimizer in ("sgd", sgd), ("adamw", adamw):
            wrap = functools.partial(FSDP, sharding_strategy=strategy, auto_wrap_policy=by_size)
            out[f"mlp_{strategy.name}_{name}"] = train(mlp, (5,), wrap, optimizer, rank, world)
            wrap = functools.partial(FSDP, sharding_strategy=strategy, auto_wrap_policy=blocks)
            out[f"transformer_{strategy.name}_{name}"] = train(
                transformer, (4, 3), wrap, optimizer, rank, world
            )
    out["mlp_unwrapped_root_only"] = train(mlp, (5,), FSDP, adamw, rank, world)
    heads = functools.partial(FSDP, auto_wrap_policy=ModuleWrapPolicy({Head}))
    out["tied_sgd"] = train(tied, (5,), heads, sgd, rank, world)
    out["tied_adamw"] = train(tied, (5,), heads, adamw, rank, world)
    # max_norm 0.8 clips some steps and not others (a coefficient above 1 must not scale up)
    sized = functools.partial(FSDP, auto_wrap_policy=by_size)
    whole_units = functools.partial(
        FSDP, auto_wrap_policy=by_size, sharding_strategy=ShardingStrategy.NO_SHARD
    )
    inf = float("inf")
    out["mlp_clip"] = train(mlp, (5,), sized, sgd, rank, world, clip=(0.8, 2.0))
    out["mlp_clip_inf"] = train(mlp, (5,), sized, sgd, rank, world, clip=(0.3, inf))
    out["mlp_clip_no_shard"] = train(mlp, (5,), whole_units, sgd, rank, world, clip=(0.8, 2.0))
    out["mlp_clip_inf_no_shard"] = train(mlp, (5,), whole_units, sgd, rank, world, clip=(0.3, inf))
    out["mlp_clip_root_only"] = train(mlp, (5,), FSDP, sgd, rank, world, clip=(0.8, 2.0))
    # a policy that picks the root too: the root is wrapped once, by the constructor
    root_too = functools.partial(FSDP, auto_wrap_policy=ModuleWrapPolicy({nn.Sequential}))
    out["mlp_root_policy"] = train(mlp, (5,), root_too, adamw, rank, world)
    wrap = functools.partial(FSDP, auto_wrap_policy=blocks)
    out["transformer_no_sync"] = train(transformer, (4, 3), wrap, adamw, rank, world, accumulate=True)
    # two synchronised backwards without zero_grad: the second reduce-scatter adds into .grad
    out["transformer_accumulate"] = train(
        transformer, (4, 3), wrap, adamw, rank, world, accumulate=True, sync=True
    )
    return out


def saving(rank: int, world: int) -> dict:
    """FULL state dicts (rank 0 only, and on every rank), loading them back, LOCAL state dicts, summoning."""
    model = FSDP(transformer(), auto_wrap_policy=ModuleWrapPolicy({Block}))
    optimizer = tt_optim.SGD(model.parameters(), lr=0.1)
    x, y = batch(0, (4, 3))
    nn.MSELoss()(model(part(x, rank, world)), part(y, rank, world)).backward()
    optimizer.step()
    config = FullStateDictConfig(offload_to_cpu=True, rank0_only=True)
    with FSDP.state_dict_type(model, StateDictType.FULL_STATE_DICT, config):
        rank0 = model.state_dict()
    everywhere = model.state_dict()  # the default: FULL on every rank
    plain = transformer()
    result = plain.load_state_dict(everywhere)
    out = {
        "rank0_keys": list(rank0),
        "keys": list(everywhere),
        "plain_keys": list(transformer().state_dict()),
        "loaded_unwrapped": [list(result.missing_keys), list(result.unexpected_keys)],
        "same_as_summoned": True,
    }
    with FSDP.summon_full_params(model):
        summoned = {"embed.weight": model.module.embed.weight.numpy().copy(),
                    "blocks.1.up.bias": model.module.blocks[1].module.up.bias.numpy().copy()}  # fmt: skip
        out["summoned_shapes"] = [list(model.module.embed.weight.shape), list(model.module.head.bias.shape)]
        model.module.head.bias.array[...] = 7.0  # written back on exit
    out["same_as_summoned"] = all(np.array_equal(summoned[k], everywhere[k].numpy()) for k in summoned)
    out["outside_shapes"] = [list(model.module.embed.weight.shape), list(model.module.head.bias.shape)]
    out["written_back"] = model.state_dict()["head.bias"].numpy().tolist()
    with FSDP.summon_full_params(model, writeback=False):
        model.module.head.bias.array[...] = 3.0
    out["not_written_back"] = model.state_dict()["head.bias"].numpy().tolist()
    # a fresh FSDP model (another seed) takes the saved dict and matches it
    autograd.manual_seed(5)
    fresh = FSDP(Tiny(), auto_wrap_policy=ModuleWrapPolicy({Block}))
    fresh.load_state_dict(everywhere)
    out["loaded_fsdp"] = difference(whole(fresh), {k: v.numpy() for k, v in everywhere.items()})
    with autograd.no_grad():
        out["same_output"] = float(np.abs(fresh(part(x, 0, 1)).numpy() - plain(part(x, 0, 1)).numpy()).max())
    with FSDP.state_dict_type(fresh, StateDictType.LOCAL_STATE_DICT):
        local = fresh.state_dict()
        out["local_keys"] = list(local)
        out["local_sizes"] = [v.numel() for v in local.values()]
        saved = {k: v.numpy().copy() for k, v in local.items()}
        for p in fresh.parameters():
            p.array[...] = 0
        fresh.load_state_dict(saved)
    out["local_round_trip"] = difference(whole(fresh), {k: v.numpy() for k, v in everywhere.items()})
    errors = {}
    bad = dict(everywhere)
    bad.pop("head.bias")
    bad["extra"] = everywhere["head.weight"]
    for name, case in {
        "bad_load": lambda: fresh.load_state_dict(bad),
        "sharded": lambda: FSDP.set_state_dict_type(fresh, StateDictType.SHARDED_STATE_DICT),
        "config": lambda: FSDP.set_state_dict_type(
            fresh, StateDictType.LOCAL_STATE_DICT, FullStateDictConfig()
        ),
        "not_a_type": lambda: FSDP.set_state_dict_type(fresh, "FULL_STATE_DICT"),
        "no_units": lambda: FSDP.set_state_dict_type(nn.Linear(2, 2), StateDictType.FULL_STATE_DICT),
        "shapes": lambda: fresh.load_state_dict({**everywhere, "head.bias": np.zeros(3, np.float32)}),
    }.items():
        errors[name] = message(case)
    out["errors"] = errors
    single = FSDP(mlp())
    before = FSDP.set_state_dict_type(single, StateDictType.LOCAL_STATE_DICT)
    after = FSDP.set_state_dict_type(
        single, StateDictType.FULL_STATE_DICT, FullStateDictConfig(rank0_only=True)
    )
    out["settings"] = [before.state_dict_type.name, type(before.state_dict_config).__name__,
                       after.state_dict_type.name, type(after.state_dict_config).__name__]  # fmt: skip
    out["non_strict"] = [list(k) for k in fresh.load_state_dict(bad | {"head.bias": everywhere["head.bias"]},
                                                                 strict=False)]  # fmt: skip
    return out


def message(case) -> str | None:
    try:
        case()
    except (ValueError, TypeError, NotImplementedError, RuntimeError) as error:
        return f"{type(error).__name__}: {error}"
    return None


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
        "orig_params": lambda: FSDP(mlp(), use_orig_params=True),
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


class Inner(nn.Sequential):
    """A container the size policy is told not to look into (force_leaf_modules)."""


class Nested(nn.Module):
    """A module whose output is a dict holding a list: the registration finds the graph inside."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(5, 3)

    def forward(self, x):
        return {"out": [self.lin(x)]}


def held_bytes(handle) -> int:
    return sum(a.nbytes for a in handle.held_arrays())


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


def remember_weight(into: list, module, inputs) -> None:
    """A forward pre-hook: keep a copy of the weight the module's forward is about to use."""
    into.append(module.weight.detach().numpy().copy())


def optimizer_state(rank: int, world: int, build=None, inputs=(4, 3), wrap=None) -> dict:
    """FSDP.optim_state_dict against the replay's AdamW state by name; loading it and stepping on."""
    build = build or transformer
    wrap = wrap or functools.partial(FSDP, auto_wrap_policy=ModuleWrapPolicy({Block}))
    reference, model = build(), wrap(build())
    plain = tt_optim.AdamW(reference.parameters(), lr=0.01, weight_decay=0.1)
    sharded = tt_optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.1)
    loss_fn = nn.MSELoss()

    def step(net, optimizer, x, y, rows):
        optimizer.zero_grad()
        loss_fn(net(autograd.tensor(x[rows])), autograd.tensor(y[rows])).backward()
        optimizer.step()

    per = BATCH // world
    mine = slice(rank * per, (rank + 1) * per)
    for number in range(2):
        x, y = batch(number, inputs)
        step(reference, plain, x, y, slice(None))
        step(model, sharded, x, y, mine)
    saved = FSDP.optim_state_dict(model, sharded)
    names = {id(p): name for name, p in reference.named_parameters()}
    expected = {names[id(p)]: s for p, s in plain.state.items()}
    out = {
        "names": sorted(saved["state"]) == sorted(expected),
        "keys": sorted(next(iter(saved["state"].values()))),
        "difference": max(
            float(np.abs(saved["state"][n][k].numpy() - expected[n][k].numpy()).max())
            for n in expected
            for k in ("exp_avg", "exp_avg_sq")
        ),  # fmt: skip
        "steps": sorted(
            {float(np.asarray(getattr(s["step"], "array", s["step"]))) for s in saved["state"].values()}
        ),
        "group_params": sorted(saved["param_groups"][0]["params"]) == sorted(expected),
        "lr": saved["param_groups"][0]["lr"],
    }
    # a fresh model and optimizer take the whole state; one more step matches the original's
    fresh = wrap(build())
    fresh.load_state_dict(model.state_dict())
    again = tt_optim.AdamW(fresh.parameters(), lr=0.5)
    FSDP.optim_state_dict_to_load(fresh, again, saved, load_directly=True)
    x, y = batch(5, inputs)
    step(model, sharded, x, y, mine)
    step(fresh, again, x, y, mine)
    out["continued"] = difference(whole(fresh), whole(model))
    out["loaded_lr"] = again.param_groups[0]["lr"]
    out["returned"] = sorted(FSDP.optim_state_dict_to_load(fresh, again, saved))
    out["refused"] = [
        message(lambda: FSDP.optim_state_dict(model, sharded, optim_state_dict={})),
        message(lambda: FSDP.optim_state_dict_to_load(fresh, again, saved, is_named_optimizer=True)),
    ]
    out["bad"] = message(lambda: FSDP.optim_state_dict_to_load(fresh, again, {"state": {}}))
    stray = tt_optim.SGD([*fresh.parameters(), nn.Parameter(autograd.zeros(2))], lr=0.1)
    out["stray"] = message(lambda: FSDP.optim_state_dict_to_load(fresh, stray, saved))
    return out


def main(out: str) -> None:
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    record = {
        "equivalence": equivalence(rank, world),
        "saving": saving(rank, world),
        "errors": refusals(rank, world),
        "lifecycle": lifecycle(rank, world),
        "optimizer": optimizer_state(rank, world),
        "optimizer_no_shard": optimizer_state(
            rank,
            world,
            wrap=functools.partial(
                FSDP, auto_wrap_policy=ModuleWrapPolicy({Block}), sharding_strategy=ShardingStrategy.NO_SHARD
            ),
        ),
        "optimizer_tied": optimizer_state(
            rank, world, tied, (5,), functools.partial(FSDP, auto_wrap_policy=ModuleWrapPolicy({Head}))
        ),
        "pending": pending_forwards(rank, world),
    }
    dist.barrier()
    with open(f"{out}.{rank}.json", "w") as file:
        json.dump(record, file)


if __name__ == "__main__":
    main(sys.argv[1])
