"""Run under ``mpiexec -n 2`` by test_21_ddp.py: DDP against one process on the full batch.

Every rank also computes the single-process reference itself (the model is
tiny), so rank 0 can write one JSON file of measured differences for the tests
to judge. Float64 throughout, so "equal" means equal to ~1e-12.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import tt_autograd as autograd
import tt_dist as dist
import tt_nn as nn
import tt_nn.functional as F
import tt_optim

BATCH, FEATURES, CLASSES, STEPS = 12, 6, 3, 3


def make_model(seed: int) -> nn.Module:
    autograd.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(FEATURES, 16), nn.GELU(), nn.LayerNorm(16),
        nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, CLASSES),
    ).double()  # fmt: skip


def flat(tensors) -> np.ndarray:
    return np.concatenate([t.detach().numpy().ravel() for t in tensors])


def grads(model) -> np.ndarray:
    return flat(p.grad for p in model.parameters())


def loss_of(model, x, y, rows):
    rows = np.asarray(rows)
    return F.cross_entropy(model(autograd.tensor(x[rows])), autograd.tensor(y[rows]))


def worst(value: float, op=dist.ReduceOp.MAX) -> float:
    """The largest ``value`` over the ranks."""
    t = autograd.tensor([value], dtype=autograd.float64)
    dist.all_reduce(t, op=op)
    return float(t.numpy()[0])


def main(out: str, checkpoint: str) -> None:
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, FEATURES))
    y = rng.integers(0, CLASSES, BATCH)
    everything = np.arange(BATCH)
    result: dict = {"world": world}

    reference = make_model(0)  # rank 0's model, run on the full batch in this process
    model = dist.DistributedDataParallel(make_model(rank), bucket_cap_mb=600 / 2**20)  # ~600-byte buckets
    result["init_diff"] = worst(np.abs(flat(model.module.parameters()) - flat(reference.parameters())).max())
    result["buckets"] = len(model.reducer.buckets)
    # A parameter whose array is a non-contiguous view still receives rank 0's values.
    odd = nn.Linear(3, 4)
    autograd.manual_seed(rank)
    odd.weight = nn.Parameter(autograd.randn(3, 4).t())
    dist.DistributedDataParallel(odd)
    rank0 = autograd.tensor(np.ascontiguousarray(odd.weight.detach().numpy()))
    dist.broadcast(rank0, src=0)
    result["view_flags"] = bool(odd.weight.array.flags.c_contiguous)
    result["view_diff"] = worst(np.abs(odd.weight.detach().numpy() - rank0.numpy()).max())

    sampler = dist.DistributedSampler(range(BATCH), shuffle=True, seed=3)
    mine = sampler.indices()
    shares = [None] * world
    dist.all_gather_object(shares, mine.tolist())
    result["sampler"] = {"rank": sampler.rank, "replicas": sampler.num_replicas, "shares": shares}

    # One backward: averaged gradients against the full batch's.
    loss_of(model, x, y, mine).backward()
    loss_of(reference, x, y, everything).backward()
    result["grad_diff"] = worst(np.abs(grads(model.module) - grads(reference)).max())
    result["grad_scale"] = float(np.abs(grads(reference)).max())
    result["launches"] = model.reducer.launches

    # Steps: same parameters as one process on the full batch, identical on every rank.
    opt = tt_optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    ref_opt = tt_optim.SGD(reference.parameters(), lr=0.2, momentum=0.9)
    for epoch in range(STEPS):
        sampler.set_epoch(epoch)
        for m, o, rows in ((model, opt, sampler.indices()), (reference, ref_opt, everything)):
            o.zero_grad()
            loss_of(m, x, y, rows).backward()
            o.step()
    params = flat(model.module.parameters())
    result["step_diff"] = worst(np.abs(params - flat(reference.parameters())).max())
    result["moved"] = float(np.abs(params - flat(make_model(0).parameters())).max())
    everyone = [None] * world
    dist.all_gather_object(everyone, params.tolist())
    result["rank_spread"] = float(np.ptp(np.array(everyone), axis=0).max())

    # no_sync: two micro-batches per rank, only the second backward communicates.
    opt.zero_grad()
    reference.zero_grad()
    first, second = np.array_split(sampler.indices(), 2)
    with model.no_sync():
        loss_of(model, x, y, first).backward()
    local = grads(model.module)
    result["no_sync_spread"] = worst(np.abs(local - worst_mean(local)).max())
    loss_of(model, x, y, second).backward()
    loss_of(reference, x, y, everything).backward()
    # Each rank sums two micro-batch means of half its share: the average is twice the full-batch mean.
    result["no_sync_diff"] = worst(np.abs(grads(model.module) - 2 * grads(reference)).max())

    # find_unused_parameters: each rank takes its own branch; `never` takes part nowhere.
    result["unused"] = unused_parameters(rank, x, y)

    # Buffers: rank 0's running statistics reach every rank at each forward.
    bn = dist.DistributedDataParallel(nn.Sequential(nn.Linear(FEATURES, 4), nn.BatchNorm1d(4)).double())
    bn(autograd.tensor(x[mine])).sum().backward()
    stats = bn.module[1].running_mean.numpy().copy()  # from this rank's own batch
    result["buffer_spread_before"] = worst(np.abs(stats - worst_mean(stats)).max())
    rank0 = autograd.tensor(stats)
    dist.broadcast(rank0, src=0)
    bn.eval()
    with autograd.no_grad():
        bn(autograd.tensor(x[:2]))
    result["buffer_diff"] = worst(np.abs(bn.module[1].running_mean.numpy() - rank0.numpy()).max())

    # Collectives.
    t = autograd.tensor([rank + 1.0, -2.0 * rank], dtype=autograd.float64)
    dist.all_reduce(t)
    m = autograd.tensor([rank + 1.0, -2.0 * rank])
    dist.all_reduce(m, op=dist.ReduceOp.MAX)
    a = autograd.tensor([rank + 1.0, 3.0])
    dist.all_reduce(a, op=dist.ReduceOp.AVG)
    b = autograd.tensor([10.0 * (rank + 1)] * 3)
    dist.broadcast(b, src=world - 1)
    work = dist.all_reduce(autograd.tensor([1.0]), async_op=True)
    result["collectives"] = {"sum": t.numpy().tolist(), "max": m.numpy().tolist(), "avg": a.numpy().tolist(),
                             "bcast": b.numpy().tolist(), "async_done": work.wait()}  # fmt: skip

    # Rank 0 only: printing and decorated functions.
    dist.print0("printed once, by rank 0", flush=True)
    answers = [None] * world
    dist.all_gather_object(answers, dist.rank_zero_only(lambda: f"ran on rank {rank}")())
    result["rank_zero_only"] = answers
    result["main_process"] = dist.is_main_process()

    dist.save_checkpoint(checkpoint, model=model, optimizer=opt, epoch=STEPS)
    result["params"] = params.tolist()
    if rank == 0:
        with open(out, "w") as file:
            json.dump(result, file)
    dist.destroy_process_group()


class Branches(nn.Module):
    """Two branches, the input's flag choosing one, a shared head, and a layer no forward uses."""

    def __init__(self) -> None:
        super().__init__()
        autograd.manual_seed(5)
        self.a, self.b = nn.Linear(FEATURES, 4), nn.Linear(FEATURES, 4)
        self.head, self.never = nn.Linear(4, CLASSES), nn.Linear(FEATURES, 4)  # `never`: bucket 0

    def forward(self, x, use_a: bool):
        return self.head((self.a if use_a else self.b)(x).tanh())


def unused_parameters(rank: int, x, y) -> dict:
    """Rank 0 runs branch a, rank 1 branch b, on their halves; one process runs both halves."""
    halves = np.array_split(np.arange(BATCH), 2)
    model = dist.DistributedDataParallel(Branches().double(), bucket_cap_mb=100 / 2**20,
                                         find_unused_parameters=True)  # fmt: skip
    reference = Branches().double()
    opt = tt_optim.SGD(model.parameters(), lr=0.3)
    ref_opt = tt_optim.SGD(reference.parameters(), lr=0.3)
    gaps = []
    for _ in range(2):
        opt.zero_grad()
        ref_opt.zero_grad()
        rows = halves[rank]
        F.cross_entropy(model(autograd.tensor(x[rows]), rank == 0), autograd.tensor(y[rows])).backward()
        losses = [F.cross_entropy(reference(autograd.tensor(x[h]), r == 0), autograd.tensor(y[h]))
                  for r, h in enumerate(halves)]  # fmt: skip
        ((losses[0] + losses[1]) / 2).backward()  # the average of the two ranks' losses
        theirs = dict(reference.named_parameters())
        mine = [(n, p) for n, p in model.module.named_parameters() if not n.startswith("never")]
        gaps.append(max(float(np.abs(p.grad.numpy() - theirs[n].grad.numpy()).max()) for n, p in mine))
        opt.step()
        ref_opt.step()
    return {
        "grad_diff": worst(max(gaps)),
        "never_grads": [p.grad is None for p in model.module.never.parameters()],
        "step_diff": worst(float(np.abs(flat(model.parameters()) - flat(reference.parameters())).max())),
        "branch_grads_nonzero": all(float(np.abs(p.grad.numpy()).max()) > 0
                                    for p in (*model.module.a.parameters(), *model.module.b.parameters())),
        "buckets": len(model.reducer.buckets),
    }  # fmt: skip


def worst_mean(array: np.ndarray) -> np.ndarray:
    """The mean of ``array`` over the ranks."""
    t = autograd.tensor(np.ascontiguousarray(array))
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    return t.numpy()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
