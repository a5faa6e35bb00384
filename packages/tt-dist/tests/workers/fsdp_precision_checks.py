"""FSDP's MixedPrecision against a replay that does the same casts: a section of ``fsdp_checks.py``.

The replay, in one process, keeps float32 parameters; each step it casts a copy of them
to ``param_dtype``, computes each rank's gradient on that rank's B/N samples in it, and
reduces them as FSDP does: each cast to ``reduce_dtype`` and divided by the pre-division
factor, summed in rank order, divided by ``N / factor``, cast to float32, then the float32
step. Only the order of the sum can differ from MPI's (3 ranks), so the parameters agree
to float16 rounding of that sum.
"""

from __future__ import annotations

import functools

import numpy as np
import tt_autograd as autograd
import tt_nn as nn
import tt_optim
from fsdp_models import BATCH, FSDP, STEPS, Block, batch, difference, message, mlp, transformer, whole
from tt_dist.fsdp import MixedPrecision, ModuleWrapPolicy, ShardingStrategy, size_based_auto_wrap_policy
from tt_dist.fsdp.mixed_precision import predivide_factor
from tt_tensor.dtypes import from_numpy_dtype

F16, F32 = np.dtype(np.float16), np.dtype(np.float32)
T16 = autograd.float16  # (MixedPrecision takes TinyTorch's dtypes only, as PyTorch's takes torch's)


def replay_gradients(build, master, x, y, world: int, param, reduce) -> dict:
    """``{name: float32 gradient}`` as FSDP with MixedPrecision(param, reduce) makes it on ``world`` ranks."""
    low = build()
    low.load_state_dict(master.state_dict())
    low.to(from_numpy_dtype(param))
    pre, per = predivide_factor(world), BATCH // world
    total = {}
    for rank in range(world):
        rows = slice(rank * per, (rank + 1) * per)
        low.zero_grad()
        nn.MSELoss()(low(autograd.tensor(x[rows].astype(param))), autograd.tensor(y[rows])).backward()
        for name, p in low.named_parameters():
            part = p.grad.array.astype(reduce) / reduce.type(pre)
            total[name] = part if rank == 0 else total[name] + part
    return {name: (g / reduce.type(world / pre)).astype(F32) for name, g in total.items()}


def train(build, inputs, wrap, rank, world, param=F16, reduce=F16) -> dict:
    """``STEPS`` SGD steps of FSDP with MixedPrecision and of the casting replay; dtypes seen on the way."""
    master = build()
    policy = MixedPrecision(param_dtype=from_numpy_dtype(param), reduce_dtype=from_numpy_dtype(reduce))
    model = wrap(build(), mixed_precision=policy)
    plain = tt_optim.SGD(master.parameters(), lr=0.1, momentum=0.9)
    sharded = tt_optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    seen = {"weight": set(), "input": set(), "reduced": set()}
    first = next(m for m in model.modules() if isinstance(m, nn.Linear))
    first.register_forward_pre_hook(functools.partial(remember, seen))
    for unit in FSDP.fsdp_modules(model):
        if unit._handle is not None:
            unit._handle.reduce = functools.partial(reducing, seen, unit._handle.reduce)
    per = BATCH // world
    mine = slice(rank * per, (rank + 1) * per)
    for number in range(STEPS):
        x, y = batch(number, inputs)
        grads = replay_gradients(build, master, x, y, world, param, reduce)
        for name, p in master.named_parameters():
            p.grad = autograd.Tensor.from_array(grads[name])
        plain.step()
        sharded.zero_grad()
        nn.MSELoss()(model(autograd.tensor(x[mine])), autograd.tensor(y[mine])).backward()
        sharded.step()
    with FSDP.summon_full_params(model):
        summoned = first.weight.array.dtype.name
    return {
        "difference": difference(whole(model), whole(master)),
        "seen": {key: sorted(value) for key, value in seen.items()},
        "shards": sorted({p.array.dtype.name for p in model.parameters()}),
        "grads": sorted({p.grad.array.dtype.name for p in model.parameters()}),
        "summoned": summoned,
    }


def remember(seen: dict, module, inputs) -> None:
    seen["weight"].add(module.weight.array.dtype.name)
    seen["input"].add(inputs[0].array.dtype.name)


def reducing(seen: dict, reduce, flat) -> None:
    seen["reduced"].add(flat.dtype.name)
    reduce(flat)


def precision(rank: int, world: int) -> dict:
    """float16 compute with float16 or float32 reduction, every strategy; inputs cast or not; refusals."""
    by_size = functools.partial(size_based_auto_wrap_policy, min_num_params=30)
    out = {}
    for strategy in ShardingStrategy.FULL_SHARD, ShardingStrategy.SHARD_GRAD_OP, ShardingStrategy.NO_SHARD:
        wrap = functools.partial(FSDP, sharding_strategy=strategy, auto_wrap_policy=by_size)
        out[f"mlp_{strategy.name}"] = train(mlp, (5,), wrap, rank, world)
    wrap = functools.partial(FSDP, auto_wrap_policy=by_size)
    out["mlp_reduce_float32"] = train(mlp, (5,), wrap, rank, world, reduce=F32)
    blocks = functools.partial(FSDP, auto_wrap_policy=ModuleWrapPolicy({Block}))
    out["transformer"] = train(transformer, (4, 3), blocks, rank, world)
    # cast_root_forward_inputs=False: a float32 input meets float16 weights (NumPy promotes)
    model = FSDP(mlp(), mixed_precision=MixedPrecision(param_dtype=T16, cast_root_forward_inputs=False))
    seen = {"weight": set(), "input": set()}
    model.module[0].register_forward_pre_hook(functools.partial(remember, seen))
    result = model(autograd.tensor(np.ones((2, 5), np.float32)))
    out["uncast"] = [sorted(seen["input"]), sorted(seen["weight"]), result.array.dtype.name]
    # cast_forward_inputs: an inner unit casts what reaches it too
    inner = FSDP(mlp(), auto_wrap_policy=by_size,
                 mixed_precision=MixedPrecision(param_dtype=T16, cast_forward_inputs=True,
                                                cast_root_forward_inputs=False))  # fmt: skip
    seen = {"weight": set(), "input": set()}
    inner.module[0].module.register_forward_pre_hook(functools.partial(remember, seen))
    inner(autograd.tensor(np.ones((2, 5), np.float32)))
    out["inner_cast"] = sorted(seen["input"])
    # the pre-division keeps a float16 sum finite: each rank's weight gradient is rows x 8000 (32,000 or
    # 48,000 here); two or three of them overflow float16 (65,504) unless divided by 2 first
    autograd.manual_seed(4)
    single = FSDP(nn.Linear(1, 1), mixed_precision=MixedPrecision(param_dtype=T16))
    single(autograd.tensor(np.full((BATCH // world, 1), 8000.0, np.float32))).sum().backward()
    out["large"] = single._handle.flat_param.grad.numpy().tolist()
    out["errors"] = {
        name: message(lambda policy=policy: FSDP(mlp(), mixed_precision=policy))
        for name, policy in {
            "not_a_policy": object(),
            "buffer_dtype": MixedPrecision(param_dtype=T16, buffer_dtype=T16),
            "keep_low_precision_grads": MixedPrecision(param_dtype=T16, keep_low_precision_grads=True),
            "integer": MixedPrecision(param_dtype=autograd.int32),
            "not_a_dtype": MixedPrecision(reduce_dtype="half precision"),
            "a_name": MixedPrecision(param_dtype="float16"),
            "a_numpy_dtype": MixedPrecision(param_dtype=np.float16),
        }.items()
    }
    return out
