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

import tt_autograd as autograd
import tt_dist as dist
import tt_nn as nn
import tt_optim
from fsdp_lifecycle_checks import lifecycle, pending_forwards, refusals
from fsdp_models import (
    BATCH,
    FSDP,
    STEPS,
    Block,
    Head,
    batch,
    difference,
    mlp,
    tensor_bytes,
    tied,
    transformer,
    whole,
)
from fsdp_orig_checks import orig_params
from fsdp_precision_checks import precision
from fsdp_release_checks import release
from fsdp_state_checks import optimizer_state, saving, state_hooks_and_extras
from tt_dist.fsdp import ModuleWrapPolicy, ShardingStrategy, size_based_auto_wrap_policy
from tt_optim.utils import clip_grad_norm_


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


def main(out: str) -> None:
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    record = {
        "equivalence": equivalence(rank, world),
        "saving": saving(rank, world),
        "state_extras": state_hooks_and_extras(rank, world),
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
        "optimizer_orig": optimizer_state(
            rank,
            world,
            wrap=functools.partial(FSDP, auto_wrap_policy=ModuleWrapPolicy({Block}), use_orig_params=True),
        ),
        "optimizer_orig_no_shard": optimizer_state(
            rank,
            world,
            wrap=functools.partial(
                FSDP,
                auto_wrap_policy=ModuleWrapPolicy({Block}),
                sharding_strategy=ShardingStrategy.NO_SHARD,
                use_orig_params=True,
            ),
        ),
        "optimizer_orig_tied": optimizer_state(
            rank,
            world,
            tied,
            (5,),
            functools.partial(FSDP, auto_wrap_policy=ModuleWrapPolicy({Head}), use_orig_params=True),
        ),
        "pending": pending_forwards(rank, world),
        "release": release(rank, world),
        "precision": precision(rank, world),
        "orig_params": orig_params(rank, world),
    }
    dist.barrier()
    with open(f"{out}.{rank}.json", "w") as file:
        json.dump(record, file)


if __name__ == "__main__":
    main(sys.argv[1])
