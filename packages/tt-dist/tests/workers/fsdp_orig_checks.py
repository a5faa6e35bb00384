"""``use_orig_params=True``: a section of ``fsdp_checks.py`` (run under ``mpiexec -n 2`` and ``-n 3``).

Each rank trains an FSDP model whose optimizer has two parameter groups picked by the
original parameters' names (AdamW: weight decay 0.1 and lr 0.01 on the weights, none and
lr 0.02 on biases and LayerNorm parameters) on its B/N samples, and replays the same
steps in one process on the whole batch with the same groups. It records the difference,
the names, each original parameter's size on this rank and whether it views the flat
shard, and a FULL state dict's round trip.
"""

from __future__ import annotations

import functools

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_optim
from fsdp_models import FSDP, STEPS, Block, Tiny, batch, difference, message, mlp, part, transformer, whole
from tt_dist.fsdp import ModuleWrapPolicy, ShardingStrategy, StateDictType, size_based_auto_wrap_policy
from tt_optim.utils import clip_grad_norm_

WRAPPED = "_fsdp_wrapped_module."


def groups(named) -> list:
    """Weight decay on the weights; none, and another learning rate, on biases and LayerNorm parameters."""
    decay, rest = [], []
    for name, param in named:
        (rest if no_decay(name) else decay).append(param)
    return [{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0, "lr": 0.02}]


def no_decay(name: str) -> bool:
    return name.endswith("bias") or ".norm" in name


def train(
    build, inputs, wrap, rank, world, clip=None, zero_to_none=True, accumulate=False, between=None
) -> dict:
    """STEPS steps of both; ``accumulate``: two backwards per step, ``between(named)`` run on each model
    between them (the user changing some ``grad``s)."""
    reference, model = build(), wrap(build(), use_orig_params=True)
    plain = tt_optim.AdamW(groups(reference.named_parameters()), lr=0.01)
    sharded = tt_optim.AdamW(groups(model.named_parameters()), lr=0.01)
    loss_fn = nn.MSELoss()
    for step in range(STEPS):
        plain.zero_grad(set_to_none=zero_to_none)
        sharded.zero_grad(set_to_none=zero_to_none)
        for index in range(2 if accumulate else 1):  # (accumulate: another batch, no zero_grad)
            x, y = batch(step + index * STEPS, inputs)
            if index and between is not None:
                between(reference.named_parameters())
                between(model.named_parameters())
            loss_fn(reference(autograd.tensor(x)), autograd.tensor(y)).backward()
            loss_fn(model(part(x, rank, world)), part(y, rank, world)).backward()
        if clip is not None:
            clip_grad_norm_(reference.parameters(), clip)
            model.clip_grad_norm_(clip)
        plain.step()
        sharded.step()
    handles = [u._handle for u in FSDP.fsdp_modules(model) if u._handle is not None]
    flats = [h.flat_param for h in handles]
    views, grads = [], []
    for param in model.parameters():
        if param.numel():
            views.append(any(np.shares_memory(param.array, f.array) for f in flats))
            grads.append(any(np.shares_memory(param.grad.array, f.grad.array) for f in flats))
    return {
        "difference": difference(whole(model), whole(reference)),
        "names": [name.replace(WRAPPED, "") for name, _ in model.named_parameters()],
        "plain_names": [name for name, _ in reference.named_parameters()],
        "sizes": [p.numel() for p in model.parameters()],
        "plain_sizes": [p.numel() for p in reference.parameters()],
        "one_dim": all(p.ndim == 1 for p in model.parameters()),
        "views": views,
        "grad_views": grads,
        "flat_registered": any(name.endswith("_flat_param") for name, _ in model.named_parameters()),
        "reads_view": [reads_view(model, name, param) for name, param in model.named_parameters()],
    }


def reads_view(model, name: str, param) -> bool:
    """Whether ``module.weight`` (say) gives the registered view between forwards, not the last leaf."""
    owner, _, attribute = name.rpartition(".")
    return getattr(model.get_submodule(owner), attribute) is param


def drop_no_decay_grads(named) -> None:
    """Set the biases' and LayerNorm parameters' ``grad`` to None (the others keep theirs)."""
    for name, param in named:
        if no_decay(name):
            param.grad = None


def halve_grads(named) -> None:
    """Replace every ``grad`` by a new tensor of half its values."""
    for _, param in named:
        param.grad = param.grad * 0.5


def round_trip(rank: int, world: int) -> dict:
    """FULL state dict of a wrapped model, loaded into another wrapped one (built from other values)."""
    wrap = functools.partial(FSDP, auto_wrap_policy=ModuleWrapPolicy({Block}), use_orig_params=True)
    source = wrap(transformer())
    saved = whole(source)
    autograd.manual_seed(99)
    target = wrap(Tiny())  # (other values than transformer()'s, seeded 1)
    before = difference(whole(target), saved)
    result = target.load_state_dict(saved)
    after = whole(target)
    x = part(batch(0, (4, 3))[0], rank, world)
    outputs = float(np.abs(source(x).detach().numpy() - target(x).detach().numpy()).max())
    plain = transformer()
    return {
        "keys": sorted(saved) == sorted(plain.state_dict()),
        "values": difference(saved, {k: v.numpy() for k, v in plain.state_dict().items()}),
        "before": before,
        "after": difference(after, saved),
        "outputs": outputs,
        "missing": [list(result.missing_keys), list(result.unexpected_keys)],
        "views_kept": all(p.ndim == 1 for p in target.parameters()),
    }


def refused() -> dict:
    mixed = nn.Sequential(FSDP(nn.Linear(3, 4), use_orig_params=True), nn.Linear(4, 2))
    model = FSDP(mlp(), use_orig_params=True)
    return {
        "mixed": message(lambda: FSDP(mixed)),
        "local": message(lambda: FSDP.set_state_dict_type(model, StateDictType.LOCAL_STATE_DICT)),
    }


def orig_params(rank: int, world: int) -> dict:
    by_size = functools.partial(size_based_auto_wrap_policy, min_num_params=30)
    blocks = ModuleWrapPolicy({Block})
    out = {}
    for strategy in ShardingStrategy.FULL_SHARD, ShardingStrategy.SHARD_GRAD_OP, ShardingStrategy.NO_SHARD:
        wrap = functools.partial(FSDP, sharding_strategy=strategy, auto_wrap_policy=blocks)
        out[f"transformer_{strategy.name}"] = train(transformer, (4, 3), wrap, rank, world)
        wrap = functools.partial(FSDP, sharding_strategy=strategy, auto_wrap_policy=by_size)
        out[f"mlp_{strategy.name}"] = train(mlp, (5,), wrap, rank, world)
    wrap = functools.partial(FSDP, auto_wrap_policy=blocks)
    out["transformer_zeros"] = train(transformer, (4, 3), wrap, rank, world, zero_to_none=False)
    out["transformer_accumulate"] = train(transformer, (4, 3), wrap, rank, world, accumulate=True)
    out["transformer_some_none"] = train(
        transformer, (4, 3), wrap, rank, world, accumulate=True, between=drop_no_decay_grads
    )
    out["transformer_replaced"] = train(
        transformer, (4, 3), wrap, rank, world, accumulate=True, between=halve_grads
    )
    out["mlp_clip"] = train(
        mlp, (5,), functools.partial(FSDP, auto_wrap_policy=by_size), rank, world, clip=0.5
    )
    out["round_trip"] = round_trip(rank, world)
    out["refused"] = refused()
    return out
