"""FSDP state dicts (FULL and LOCAL, summoning) and optimizer state dicts: sections of ``fsdp_checks.py``."""

from __future__ import annotations

import functools

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_optim
from fsdp_models import BATCH, FSDP, Block, Tiny, batch, difference, message, mlp, part, transformer, whole
from tt_dist.fsdp import FullStateDictConfig, ModuleWrapPolicy, StateDictType


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
    kept = {(n, k): v.numpy().copy() for n, s in saved["state"].items() for k, v in s.items() if k != "step"}
    FSDP.optim_state_dict_to_load(fresh, again, saved, load_directly=True)
    x, y = batch(5, inputs)
    step(model, sharded, x, y, mine)
    step(fresh, again, x, y, mine)
    out["continued"] = difference(whole(fresh), whole(model))
    # stepping the loaded optimizer leaves the moments of the dict it was loaded from as they were (no
    # shared memory; its ``step`` counts are shared, as PyTorch's Optimizer.load_state_dict shares them)
    out["saved_kept"] = all(np.array_equal(saved["state"][n][k].numpy(), v) for (n, k), v in kept.items())
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


class StampedBlock(Block):
    """A Block (a unit under ModuleWrapPolicy({Block})) that saves extra state and keeps what it gets back."""

    given: list = []

    def get_extra_state(self):
        return {"steps": 3}

    def set_extra_state(self, state) -> None:
        StampedBlock.given.append(state)


def stamped():
    """The transformer, its second block a StampedBlock; a pre-hook on the root records each load's prefix."""
    model = transformer()
    model.blocks[1] = StampedBlock(5)
    model.loads = []
    model.register_load_state_dict_pre_hook(lambda module, state, prefix, *rest: module.loads.append(prefix))
    return model


def state_hooks_and_extras(rank: int, world: int) -> dict:
    """FULL state dicts with extra state, state-dict hooks, ``destination=``, ``assign=`` (PyTorch 2.13's)."""
    StampedBlock.given = []
    wrap = functools.partial(FSDP, auto_wrap_policy=ModuleWrapPolicy({Block}))
    model = wrap(stamped())
    model.module.register_state_dict_post_hook(
        lambda module, state, prefix, local: state.__setitem__(prefix + "note", autograd.ones(1))
    )
    saved = model.state_dict()
    into: dict = {}
    returned = model.state_dict(destination=into, prefix="net.")
    fresh = wrap(stamped())
    tensors = [k for k in saved if k not in ("note", "blocks.1._extra_state")]
    checkpoint = {k: saved[k] + 1 for k in tensors} | {"blocks.1._extra_state": {"steps": 3}}
    loaded = fresh.load_state_dict(checkpoint)  # every value one more than the model's: all must move
    reloaded = fresh.state_dict()
    with FSDP.state_dict_type(fresh, StateDictType.LOCAL_STATE_DICT):
        local_into: dict = {}
        local = fresh.state_dict(destination=local_into)
    without = {k: v for k, v in checkpoint.items() if k != "blocks.1._extra_state"}
    return {
        "keys": list(saved),
        "extra": saved["blocks.1._extra_state"],
        "note": saved["note"].numpy().tolist(),
        "destination": [returned is into, sorted(into) == sorted("net." + k for k in saved)],
        "loaded": [list(keys) for keys in loaded],
        "given": list(StampedBlock.given),
        "load_hook_prefixes": fresh.module.loads,
        "values": max(float(np.abs(reloaded[k].numpy() - saved[k].numpy() - 1).max()) for k in tensors),
        "local_destination": [local is local_into, len(local_into)],
        "missing_extra": message(lambda: fresh.load_state_dict(without)),
        "assign": message(lambda: fresh.load_state_dict(checkpoint, assign=True)),
    }
