"""Run under ``mpiexec -n N`` by test_21_resume.py: train, checkpoint on rank 0, resume on any world size.

``resume_checks.py train STEPS CHECKPOINT`` trains STEPS global steps from the
start and checkpoints (model, AdamW state, the sampler's place in its epoch);
``resume_checks.py resume STEPS CHECKPOINT OUT`` loads that checkpoint, trains
STEPS more and rank 0 writes the parameters to OUT (an ``.npz``). The global
batch is ``GLOBAL`` whatever the world size: each rank reads ``GLOBAL / N``
samples per step through a DistributedSampler. Float64 throughout.
"""

from __future__ import annotations

import sys

import numpy as np
import tt_autograd as autograd
import tt_dist as dist
import tt_nn as nn
import tt_nn.functional as F
import tt_optim

SAMPLES, FEATURES, CLASSES, GLOBAL, SEED = 24, 5, 3, 8, 3  # 3 global steps per epoch


def dataset() -> tt_optim.TensorDataset:
    rng = np.random.default_rng(1)
    x = autograd.tensor(rng.standard_normal((SAMPLES, FEATURES)))
    y = autograd.tensor(rng.integers(0, CLASSES, SAMPLES))
    return tt_optim.TensorDataset(x, y)


def make_model(seed: int) -> nn.Module:
    autograd.manual_seed(seed)
    return nn.Sequential(nn.Linear(FEATURES, 8), nn.Tanh(), nn.Linear(8, CLASSES)).double()


def make_optimizer(model: nn.Module) -> tt_optim.AdamW:
    return tt_optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.1)


def run(model, optimizer, sampler, steps: int, world: int, fresh: bool) -> None:
    """``steps`` global steps, carrying on from the sampler's place; a new epoch when a pass ends."""
    loader = tt_optim.DataLoader(sampler.dataset, batch_size=GLOBAL // world, sampler=sampler)
    if fresh:
        sampler.set_epoch(0)
    done = 0
    while done < steps:
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            done += 1
            if done == steps:
                return
        sampler.set_epoch(sampler.epoch + 1)


def main(mode: str, steps: str, checkpoint: str, out: str | None = None) -> None:
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    model = dist.DistributedDataParallel(make_model(seed=10 + rank))  # rank 0's weights everywhere
    optimizer = make_optimizer(model.module)
    sampler = dist.DistributedSampler(dataset(), shuffle=True, seed=SEED)
    if mode == "resume":
        saved = dist.load_checkpoint(checkpoint, model=model, optimizer=optimizer)
        sampler.load_state_dict(saved["extra"]["sampler"])
    run(model, optimizer, sampler, int(steps), world, fresh=mode == "train")
    if mode == "train":
        state = {"sampler": sampler.state_dict()}  # the place in the epoch, counted over all ranks
        dist.save_checkpoint(checkpoint, model=model, optimizer=optimizer, extra=state)
    elif rank == 0:
        np.savez(out, *[p.detach().numpy() for p in model.module.parameters()])
    dist.barrier()


if __name__ == "__main__":
    main(*sys.argv[1:])
