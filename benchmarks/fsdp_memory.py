"""Bytes a rank holds with FullyShardedDataParallel against one process (or a DDP rank): milestone 05 GPT.

``mpiexec -n N python benchmarks/fsdp_memory.py`` wraps milestone 05's GPT (``text.py``'s
CONFIG) with each ``TransformerBlock`` a unit of its own (``ModuleWrapPolicy``), takes one
AdamW step on 2 windows per rank, and prints on rank 0, counted from the arrays (no
timing, the same on every run):

* the parameters, their gradients and AdamW's two moments as one process (or each DDP
  rank) holds them: 4 bytes x 4 x P;
* what this FSDP rank holds at rest after the step: its flat shards, their gradients and the
  optimizer state of the shards (the padding included), and the largest rank's total;
* the gathered parameters of every unit (4 x sum of the padded flat sizes), which the
  autograd graph keeps from each unit's forward until its backward: the peak of a step
  holds them all, as one process does (see ``tt_dist.fsdp.flat_param``).
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import tt_autograd as autograd  # noqa: E402
import tt_dist as dist  # noqa: E402
import tt_optim  # noqa: E402
import tt_tensor  # noqa: E402
from text import CONFIG, CONTEXT, VOCAB  # noqa: E402  (benchmarks/text.py: milestone 05's GPT)
from tt_dist.fsdp import FullyShardedDataParallel, ModuleWrapPolicy  # noqa: E402
from tt_nn.functional import cross_entropy  # noqa: E402
from tt_text import GPT  # noqa: E402
from tt_text.transformer import TransformerBlock  # noqa: E402

ROWS = 2


def state_bytes(optimizer) -> int:
    return sum(v.array.nbytes for s in optimizer.state.values() for k, v in s.items() if k != "step")


def main() -> None:
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    tt_tensor.manual_seed(0)
    model = GPT(CONFIG)
    elements = sum(p.numel() for p in model.parameters())
    model = FullyShardedDataParallel(model, auto_wrap_policy=ModuleWrapPolicy({TransformerBlock}))
    optimizer = tt_optim.AdamW(model.parameters(), lr=2e-3)
    ids = np.random.default_rng(rank).integers(0, VOCAB, (ROWS, CONTEXT + 1))
    logits = model(autograd.tensor(ids[:, :-1]))
    cross_entropy(logits.reshape(-1, VOCAB), autograd.tensor(ids[:, 1:].reshape(-1))).backward()
    optimizer.step()
    params = list(model.parameters())
    held = sum(p.array.nbytes + p.grad.array.nbytes for p in params) + state_bytes(optimizer)
    units = FullyShardedDataParallel.fsdp_modules(model)
    padded = sum(u._handle.padded for u in units if u._handle is not None)
    gathered: list = [None] * world
    dist.all_gather_object(gathered, held)
    if rank == 0:
        one = 4 * 4 * elements
        print(json.dumps({
            "world_size": world, "parameters": elements, "units": len(units), "flat_padded": padded,
            "one_process_bytes": one, "fsdp_rank_bytes": gathered, "largest_rank_ratio": max(gathered) / one,
            "gathered_parameters_bytes": 4 * padded,
        }))  # fmt: skip


if __name__ == "__main__":
    main()
