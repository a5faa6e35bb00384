"""Run under ``mpiexec -n 2`` by test_21_sync_batch_norm.py: SyncBatchNorm on two ranks against one process.

Every rank also runs the single-process reference (plain batch norm on the whole
batch) itself; rank 0 writes the largest differences to a JSON file. Float64
throughout, so "equal" means equal to ~1e-12.
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
from tt_autograd.gradients import grad

BATCH, FEATURES, CLASSES, STEPS = 12, 5, 3, 3


def make_model() -> nn.Module:
    autograd.manual_seed(0)
    return nn.Sequential(
        nn.Linear(FEATURES, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, CLASSES),
    ).double()  # fmt: skip


def worst(value: float) -> float:
    """The largest ``value`` over the ranks."""
    t = autograd.tensor([value], dtype=autograd.float64)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return float(t.numpy()[0])


def gap(a, b) -> float:
    """The largest absolute difference of two arrays, over every rank."""
    return worst(float(np.max(np.abs(np.asarray(a) - np.asarray(b)))))


def main(out: str) -> None:
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    share = slice(rank * BATCH // world, (rank + 1) * BATCH // world)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, FEATURES)) * 3 + 1
    y = rng.integers(0, CLASSES, BATCH)
    result: dict = {"world": world}

    # A model trained 3 steps: one process, the whole batch, BatchNorm1d.
    reference = make_model()
    ref_opt = tt_optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    ref_x = autograd.tensor(x, requires_grad=True)
    ref_out = reference(ref_x)
    F.cross_entropy(ref_out, autograd.tensor(y)).backward()
    first_grads = [p.grad.detach().numpy().copy() for p in reference.parameters()]
    ref_opt.step()
    for _ in range(STEPS - 1):
        ref_opt.zero_grad()
        F.cross_entropy(reference(autograd.tensor(x)), autograd.tensor(y)).backward()
        ref_opt.step()

    # The same on two ranks, half the batch each, SyncBatchNorm under DDP.
    model = dist.SyncBatchNorm.convert_sync_batchnorm(make_model())
    result["converted"] = type(model[1]).__name__
    ddp = dist.DistributedDataParallel(model)
    opt = tt_optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    mine = autograd.tensor(x[share], requires_grad=True)
    output = ddp(mine)
    F.cross_entropy(output, autograd.tensor(y[share])).backward()
    result["output"] = gap(output.detach().numpy(), ref_out.detach().numpy()[share])
    # Each rank's loss is the mean over its half; together they are `world` times the whole mean.
    result["input_grad"] = gap(mine.grad.detach().numpy() / world, ref_x.grad.detach().numpy()[share])
    result["param_grads"] = max(
        gap(p.grad.detach().numpy(), g) for p, g in zip(model.parameters(), first_grads)
    )
    opt.step()
    for _ in range(STEPS - 1):
        opt.zero_grad()
        F.cross_entropy(ddp(autograd.tensor(x[share])), autograd.tensor(y[share])).backward()
        opt.step()
    result["params"] = max(
        gap(p.detach().numpy(), q.detach().numpy())
        for p, q in zip(model.parameters(), reference.parameters())
    )
    bn, ref_bn = model[1], reference[1]
    running = [(bn.running_mean, ref_bn.running_mean), (bn.running_var, ref_bn.running_var)]
    result["running"] = max(gap(mine.numpy(), theirs.numpy()) for mine, theirs in running)
    result["batches_tracked"] = int(bn.num_batches_tracked.item())
    model.eval(), reference.eval()
    result["eval"] = gap(
        model(autograd.tensor(x[share])).detach().numpy(),
        reference(autograd.tensor(x)).detach().numpy()[share],
    )

    # Images, stored channels-last: (N, C, H, W) as a view of (N, H, W, C); weights on every output.
    images = rng.standard_normal((BATCH, 4, 3, 4)).transpose(0, 3, 1, 2) * 2 - 0.5
    weights = rng.standard_normal(images.shape)
    # the reference: batch norm's kernel (module 04) on the whole batch, 4-D as BatchNorm2d runs it
    weight, bias = (autograd.tensor(v, requires_grad=True) for v in (np.ones(4), np.zeros(4)))
    running_var = autograd.ones(4, dtype=autograd.float64)
    whole = autograd.tensor(images, requires_grad=True)
    expected = F.batch_norm(whole, autograd.zeros(4, dtype=autograd.float64), running_var, weight, bias, True)
    (expected * autograd.tensor(weights)).sum().backward()
    sync = dist.SyncBatchNorm(4).double()
    part = autograd.tensor(images[share], requires_grad=True)
    got = sync(part)
    (got * autograd.tensor(weights[share])).sum().backward()
    result["images"] = {
        "output": gap(got.detach().numpy(), expected.detach().numpy()[share]),
        # Each rank's weighted sum covers its half; summed over the ranks they are the whole one.
        "input_grad": gap(part.grad.detach().numpy(), whole.grad.detach().numpy()[share]),
        "weight_grad": gap(sync_sum(sync.weight.grad.detach().numpy()), weight.grad.detach().numpy()),
        "bias_grad": gap(sync_sum(sync.bias.grad.detach().numpy()), bias.grad.detach().numpy()),
        "running_var": gap(sync.running_var.detach().numpy(), running_var.detach().numpy()),
        "grad_fn": type(got.grad_fn).__name__,
    }
    # create_graph=True: the same gradients (backward's all-reduce made on every rank), then differentiating
    # one raises, on every rank (as in PyTorch)
    recorded = autograd.tensor(images[share], requires_grad=True)
    (first,) = grad((sync(recorded) * autograd.tensor(weights[share])).sum(), recorded, create_graph=True)
    try:
        (first * first).sum().backward()
        message = ""
    except NotImplementedError as error:
        message = str(error)
    result["create_graph"] = {
        "input_grad": gap(first.detach().numpy(), whole.grad.detach().numpy()[share]),
        "not_raised": worst(0.0 if "SyncBatchNorm's gradient cannot be differentiated" in message else 1.0),
    }
    if rank == 0:
        with open(out, "w") as file:
            json.dump(result, file)
    dist.destroy_process_group()


def sync_sum(values: np.ndarray) -> np.ndarray:
    """``values`` summed over the ranks (a parameter's gradient, which DDP would average instead)."""
    t = autograd.tensor(np.ascontiguousarray(values))
    dist.all_reduce(t)
    return t.detach().numpy()


if __name__ == "__main__":
    main(sys.argv[1])
