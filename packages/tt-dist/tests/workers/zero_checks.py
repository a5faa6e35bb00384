"""Run under ``mpiexec -n 2`` and ``-n 3`` by test_dist_zero.py: ZeroRedundancyOptimizer against plain ones.

Two copies of one model (same seed) train side by side in DDP on the same batches,
one with the plain optimizer, one with ``ZeroRedundancyOptimizer`` around it; every
rank records the largest parameter difference, what its shard's state holds, the
consolidated state and the messages of refused calls, in ``OUT.<rank>.json``.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import tt_autograd as autograd
import tt_dist as dist
import tt_nn as nn
import tt_optim

STEPS = 4


def model():
    autograd.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 3)).double()


def batch(rank: int, step: int) -> tuple:
    rng = np.random.default_rng(100 * rank + step)
    return autograd.tensor(rng.standard_normal((5, 6))), autograd.tensor(rng.standard_normal((5, 3)))


def iteration(ddp, optimizer, rank: int, step: int) -> None:
    x, y = batch(rank, step)
    optimizer.zero_grad()
    nn.MSELoss()(ddp(x), y).backward()
    optimizer.step()


def largest_difference(a, b) -> float:
    return max(float(np.abs(p.detach().numpy() - q.detach().numpy()).max()) for p, q in zip(a, b))


def groups(net, lr_head: float = 0.05):
    return [
        {"params": [*net[0].parameters(), *net[2].parameters()]},
        {"params": net[4].parameters(), "lr": lr_head},
    ]


def equivalence(rank: int, cls, bucket_view: bool, grouped: bool, **options) -> dict:
    """k steps of DDP with the plain optimizer and with ZeRO; an lr change half way (as a scheduler would)."""
    plain_net, zero_net = dist.DistributedDataParallel(model()), dist.DistributedDataParallel(model())
    plain = cls(groups(plain_net.module) if grouped else plain_net.parameters(), **options)
    zero = dist.ZeroRedundancyOptimizer(
        groups(zero_net.module) if grouped else zero_net.parameters(), cls,
        parameters_as_bucket_view=bucket_view, **options,
    )  # fmt: skip
    initial_keys = sorted(zero.param_groups[0]) == sorted(plain.param_groups[0])
    for step in range(STEPS):
        if step == STEPS // 2:
            for optimizer in (plain, zero):
                optimizer.param_groups[0]["lr"] /= 2
        iteration(plain_net, plain, rank, step)
        versions = [p._version for p in zero_net.parameters()]
        iteration(zero_net, zero, rank, step)
        bumped = all(p._version > v for p, v in zip(zero_net.parameters(), versions))
    mine = {id(p) for p in zero._shard(rank)}
    state_numel = sum(v.numel() for s in zero.optim.state.values() for k, v in s.items() if k != "step")
    plain_numel = sum(v.numel() for s in plain.state.values() for k, v in s.items() if k != "step")
    return {
        "difference": largest_difference(plain_net.parameters(), zero_net.parameters()),
        "shard_sizes": [p.numel() for p in zero._shard(rank)],
        "state_is_shard": {id(p) for p in zero.optim.state} == mine,
        "state_numel": state_numel,
        "plain_state_numel": plain_numel,
        "shard_numel": sum(p.numel() for p in zero._shard(rank)),
        "wrapper_state": len(zero.state),
        "local_groups": len(zero.optim.param_groups),
        "lr": [g["lr"] for g in zero.param_groups],
        "options_synced": "betas" in zero.param_groups[0] or "momentum" in zero.param_groups[0],
        "initial_keys": initial_keys,
        "bumped": bumped,
        "device": zero.join_device,
    }


def single_precision(rank: int) -> dict:
    """The default dtype, float32: Adam with and without ZeRO, buckets on."""
    plain_net, zero_net = (dist.DistributedDataParallel(model().float()) for _ in range(2))
    plain = tt_optim.Adam(plain_net.parameters(), lr=0.01)
    zero = dist.ZeroRedundancyOptimizer(
        zero_net.parameters(), tt_optim.Adam, parameters_as_bucket_view=True, lr=0.01
    )
    for step in range(STEPS):
        x, y = batch(rank, step)
        for net, optimizer in ((plain_net, plain), (zero_net, zero)):
            optimizer.zero_grad()
            nn.MSELoss()(net(x.float()), y.float()).backward()
            optimizer.step()
    return {
        "difference": largest_difference(plain_net.parameters(), zero_net.parameters()),
        "dtype": str(next(zero_net.parameters()).dtype),
    }


def saving(rank: int, world: int) -> dict:
    """consolidate_state_dict/state_dict against the plain optimizer's; load_state_dict both ways."""
    plain_net, zero_net = dist.DistributedDataParallel(model()), dist.DistributedDataParallel(model())
    plain = tt_optim.Adam(groups(plain_net.module), lr=0.01)
    zero = dist.ZeroRedundancyOptimizer(groups(zero_net.module), tt_optim.Adam, lr=0.01)
    for step in range(2):
        iteration(plain_net, plain, rank, step)
        iteration(zero_net, zero, rank, step)
    record: dict = {}
    try:
        zero.state_dict()
    except RuntimeError as error:
        record["before"] = str(error)
    zero.consolidate_state_dict()  # to rank 0
    if rank == 0:
        record["default_to"] = sorted(zero.state_dict()["state"])
    zero.consolidate_state_dict(to=world - 1)
    if rank == world - 1:
        ours, theirs = zero.state_dict(), plain.state_dict()
        record["same_keys"] = sorted(ours["state"]) == sorted(theirs["state"])
        record["state_difference"] = max(
            float(np.abs(np.asarray(ours["state"][i][k].numpy()) - theirs["state"][i][k].numpy()).max())
            for i in theirs["state"] for k in theirs["state"][i]
        )  # fmt: skip
        record["groups_equal"] = [
            {k: v for k, v in a.items()} == {k: v for k, v in b.items()}
            for a, b in zip(ours["param_groups"], theirs["param_groups"])
        ]
    else:
        try:
            zero.state_dict()
        except RuntimeError as error:
            record["not_consolidated_here"] = str(error)
    # Cross-load: a fresh ZeRO from the plain optimizer's state, then one more step of both.
    fresh_net = dist.DistributedDataParallel(model())
    for p, q in zip(fresh_net.parameters(), plain_net.parameters()):
        p.array[...] = q.array
    fresh = dist.ZeroRedundancyOptimizer(groups(fresh_net.module), tt_optim.Adam, lr=0.5)
    state = plain.state_dict()
    state["param_groups"][1]["lr"] = 0.02  # a changed option travels too
    plain.load_state_dict(state)
    fresh.load_state_dict(state)
    record["loaded_is_shard"] = {id(p) for p in fresh.optim.state} == {id(p) for p in fresh._shard(rank)}
    record["loaded_lr"] = [g["lr"] for g in fresh.param_groups]
    iteration(plain_net, plain, rank, 2)
    iteration(fresh_net, fresh, rank, 2)
    record["after_load"] = largest_difference(plain_net.parameters(), fresh_net.parameters())
    try:
        fresh.load_state_dict({"state": {}, "param_groups": state["param_groups"][:1]})
    except ValueError as error:
        record["bad_load"] = str(error)
    try:
        fresh.load_state_dict({"param_groups": state["param_groups"]})
    except ValueError as error:
        record["no_state"] = str(error)
    try:
        fresh.load_state_dict([])
    except ValueError as error:
        record["not_a_dict"] = str(error)
    return record


def adding(rank: int) -> dict:
    """add_param_group on every rank: the old groups keep their owners, the new one is sharded too."""
    plain_net, zero_net = dist.DistributedDataParallel(model()), dist.DistributedDataParallel(model())
    plain = tt_optim.SGD(plain_net.module[0].parameters(), lr=0.1, momentum=0.9)
    zero = dist.ZeroRedundancyOptimizer(zero_net.module[0].parameters(), tt_optim.SGD, lr=0.1, momentum=0.9)
    iteration(plain_net, plain, rank, 0)
    iteration(zero_net, zero, rank, 0)
    before = [p.numel() for p in zero._shard(rank)]
    for optimizer, net in ((plain, plain_net), (zero, zero_net)):
        optimizer.add_param_group({"params": net.module[2].parameters(), "lr": 0.2})
        optimizer.add_param_group({"params": net.module[4].parameters(), "lr": 0.3})
    for step in (1, 2):
        iteration(plain_net, plain, rank, step)
        iteration(zero_net, zero, rank, step)
    return {
        "difference": largest_difference(plain_net.parameters(), zero_net.parameters()),
        "kept": [p.numel() for p in zero._partition_parameters()[rank][0]["params"]] == before,
        "shard_sizes": [[p.numel() for p in g["params"]] for g in zero._partition_parameters()[rank]],
        "local_lrs": [g["lr"] for g in zero.optim.param_groups],
        "lrs": [g["lr"] for g in zero.param_groups],
        "momentum": zero.param_groups[1].get("momentum"),
        "dampening": [g.get("dampening") for g in zero.param_groups],
    }


def uneven(rank: int) -> dict:
    """Join([ddp, zero]) on uneven inputs ends where Join([ddp]) with the plain optimizer does."""
    counts = [2 + (rank * 2) % 3 for rank in range(dist.get_world_size())]
    plain_net, zero_net = dist.DistributedDataParallel(model()), dist.DistributedDataParallel(model())
    plain = tt_optim.Adam(plain_net.parameters(), lr=0.01)
    zero = dist.ZeroRedundancyOptimizer(zero_net.parameters(), tt_optim.Adam, lr=0.01)
    with plain_net.join():
        for step in range(counts[rank]):
            iteration(plain_net, plain, rank, step)
    with dist.Join([zero_net, zero]):
        for step in range(counts[rank]):
            iteration(zero_net, zero, rank, step)
    zero_steps = [
        int(s["step"].numpy()) if hasattr(s["step"], "numpy") else s["step"]
        for s in zero.optim.state.values()
    ]
    return {
        "difference": largest_difference(plain_net.parameters(), zero_net.parameters()),
        "counts": counts,
        "zero_steps": sorted(set(zero_steps)),
    }


class Branches(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.used = nn.Linear(6, 3)
        self.unused = nn.Linear(6, 3)

    def forward(self, x):
        return self.used(x)


def uneven_unused(rank: int) -> dict:
    """find_unused_parameters in Join: a joined rank owning an unused parameter leaves it alone (grad None).

    Rank 1 joins first and owns ``unused.weight``; AdamW's weight decay would move it on a zero gradient.
    """
    counts = [4, 2, 3][: dist.get_world_size()]
    nets = []
    for _ in range(2):
        autograd.manual_seed(0)
        nets.append(dist.DistributedDataParallel(Branches().double(), find_unused_parameters=True))
    plain = tt_optim.AdamW(nets[0].parameters(), lr=0.01, weight_decay=0.1)
    zero = dist.ZeroRedundancyOptimizer(nets[1].parameters(), tt_optim.AdamW, lr=0.01, weight_decay=0.1)
    with nets[0].join():
        for step in range(counts[rank]):
            iteration(nets[0], plain, rank, step)
    with dist.Join([nets[1], zero]):
        for step in range(counts[rank]):
            iteration(nets[1], zero, rank, step)
    return {
        "difference": largest_difference(nets[0].parameters(), nets[1].parameters()),
        "owns_unused": any(p is nets[1].module.unused.weight for p in zero._shard(rank)),
    }


def alone(rank: int) -> dict:
    """Join([zero]) without DDP: ZeRO notifies, a joined rank steps its shard and broadcasts; no hang."""
    net = model()
    zero = dist.ZeroRedundancyOptimizer(net.parameters(), tt_optim.SGD, lr=0.1)
    with dist.Join([zero]):
        for step in range(1 + rank):
            x, y = batch(rank, step)
            zero.zero_grad()
            nn.MSELoss()(net(x), y).backward()
            zero.step()
    return {"params": [p.detach().numpy().ravel().tolist() for p in net.parameters()]}


class Halving(tt_optim.SGD):
    """An optimizer that changes its own options in step (as some schedulers-in-optimizers do)."""

    def step(self, closure=None):
        loss = super().step(closure)
        for group in self.param_groups:
            group["lr"] /= 2
        return loss


def closure_and_options(rank: int) -> dict:
    net = model()
    zero = dist.ZeroRedundancyOptimizer(net.parameters(), Halving, lr=0.4)
    x, y = batch(rank, 0)

    def closure():
        zero.zero_grad()
        loss = nn.MSELoss()(net(x), y)
        loss.backward()
        return loss

    loss = zero.step(closure)
    return {"loss": loss.item(), "expected": nn.MSELoss()(model()(x), y).item(),
            "lr": zero.param_groups[0]["lr"]}  # fmt: skip


def errors(rank: int) -> dict:
    net = model()
    cases = {
        "overlap": lambda: dist.ZeroRedundancyOptimizer(
            net.parameters(), tt_optim.SGD, overlap_with_ddp=True, lr=0.1
        ),
        "not_a_class": lambda: dist.ZeroRedundancyOptimizer(net.parameters(), "adam", lr=0.1),
        "dtypes": lambda: dist.ZeroRedundancyOptimizer(
            [*net[0].parameters(), nn.Linear(2, 2).weight], tt_optim.SGD, lr=0.1
        ),
        "empty": lambda: dist.ZeroRedundancyOptimizer([], tt_optim.SGD, lr=0.1),
        "consolidate_to": lambda: dist.ZeroRedundancyOptimizer(net.parameters(), tt_optim.SGD, lr=0.1)
        .consolidate_state_dict(to=dist.get_world_size()),
    }  # fmt: skip
    found = {}
    for name, case in cases.items():
        try:
            case()
            found[name] = None
        except (ValueError, TypeError, NotImplementedError, RuntimeError) as error:
            found[name] = f"{type(error).__name__}: {error}"
    return found


def main(out: str) -> None:
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    record = {
        "adam": equivalence(rank, tt_optim.Adam, False, False, lr=0.01),
        "adam_buckets": equivalence(rank, tt_optim.Adam, True, False, lr=0.01),
        "sgd_groups": equivalence(rank, tt_optim.SGD, False, True, lr=0.1, momentum=0.9),
        "sgd_groups_buckets": equivalence(rank, tt_optim.SGD, True, True, lr=0.1, momentum=0.9),
        "float32": single_precision(rank),
        "saving": saving(rank, world),
        "adding": adding(rank),
        "uneven": uneven(rank),
        "alone": alone(rank),
        "closure": closure_and_options(rank),
        "uneven_unused": uneven_unused(rank),
        "errors": errors(rank),
    }
    dist.barrier()
    with open(f"{out}.{rank}.json", "w") as file:
        json.dump(record, file)


if __name__ == "__main__":
    main(sys.argv[1])
