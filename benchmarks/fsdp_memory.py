"""The bytes a rank holds with FSDP and with DDP, at rest and at a step's peak: milestone 05's GPT.

``mpiexec -n N python benchmarks/fsdp_memory.py`` (``nox -s bench-fsdp-memory``: N = 2) builds
milestone 05's GPT (``text.py``'s CONFIG) on every rank and prints on rank 0 one JSON line:

* counted from the arrays after one AdamW step on 2 windows per rank, FSDP FULL_SHARD with
  each ``TransformerBlock`` a unit of its own (``ModuleWrapPolicy``): the parameters, their
  gradients and AdamW's two moments as one process (or each DDP rank) holds them, 4 bytes x
  4 x P; what each FSDP rank holds at rest (its flat shards, their gradients, the optimizer
  state of the shards, the padding included); the gathered parameters of every unit, 4 x the
  sum of the padded flat sizes;
* measured by ``tracemalloc`` (which traces NumPy's array allocations), per rank, for
  ``DistributedDataParallel``, FSDP ``SHARD_GRAD_OP`` and FSDP ``FULL_SHARD``, each built
  afresh and warmed up by one step (so AdamW's state exists), then traced through one more
  step (forward, cross-entropy, backward, ``optimizer.step()``):
  ``rest`` the bytes allocated since before the model was built and still alive before the
  step, ``after_forward`` at the end of the forward (the loss computed: what the graph holds
  for backward), ``peak`` the most alive at any moment of the step. All three count every
  traced allocation (NumPy's arrays and, a few KB, Python objects); MPI's own buffers are not
  traced. The same code path allocates the same arrays, so a rerun gives the same figures to
  within a few KB of Python objects.

FULL_SHARD frees each unit's gathered parameters after its forward and gathers them again
in its backward (``tt_dist.fsdp.reshard``); SHARD_GRAD_OP keeps them from forward to
backward, as the graph holds them, so its peak holds every unit's, like DDP's whole model.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import tt_autograd as autograd  # noqa: E402
import tt_dist as dist  # noqa: E402
import tt_optim  # noqa: E402
import tt_tensor  # noqa: E402
from text import CONFIG, CONTEXT, VOCAB  # noqa: E402  (benchmarks/text.py: milestone 05's GPT)
from tt_dist import DistributedDataParallel  # noqa: E402
from tt_dist.fsdp import FullyShardedDataParallel, ModuleWrapPolicy, ShardingStrategy  # noqa: E402
from tt_nn.functional import cross_entropy  # noqa: E402
from tt_text import GPT  # noqa: E402
from tt_text.transformer import TransformerBlock  # noqa: E402

ROWS = 2


def state_bytes(optimizer) -> int:
    return sum(v.array.nbytes for s in optimizer.state.values() for k, v in s.items() if k != "step")


def wrapped(kind: str):
    """Milestone 05's GPT (seed 0) wrapped for ``kind``: "DDP", "SHARD_GRAD_OP" or "FULL_SHARD"."""
    tt_tensor.manual_seed(0)
    model = GPT(CONFIG)
    if kind == "DDP":
        return DistributedDataParallel(model)
    policy = ModuleWrapPolicy({TransformerBlock})
    return FullyShardedDataParallel(model, auto_wrap_policy=policy, sharding_strategy=ShardingStrategy[kind])


def loss_of(model, ids: np.ndarray):
    logits = model(autograd.tensor(ids[:, :-1]))
    return cross_entropy(logits.reshape(-1, VOCAB), autograd.tensor(ids[:, 1:].reshape(-1)))


def traced(kind: str, ids: np.ndarray) -> dict:
    """``{"rest", "after_forward", "peak"}`` traced bytes of one step of ``kind`` (see the docstring)."""
    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    model = wrapped(kind)
    optimizer = tt_optim.AdamW(model.parameters(), lr=2e-3)
    loss_of(model, ids).backward()  # the warm-up step: AdamW's moments exist after it
    optimizer.step()
    optimizer.zero_grad()
    gc.collect()
    rest = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.reset_peak()
    loss = loss_of(model, ids)
    after_forward = tracemalloc.get_traced_memory()[0] - base
    loss.backward()
    del loss
    optimizer.step()
    peak = tracemalloc.get_traced_memory()[1] - base
    del model, optimizer
    return {"rest": rest, "after_forward": after_forward, "peak": peak}


def counted(ids: np.ndarray) -> tuple[int, dict]:
    """FULL_SHARD after one step, counted from the arrays: ``(P, {bytes held, padded, units})``."""
    tt_tensor.manual_seed(0)
    elements = sum(p.numel() for p in GPT(CONFIG).parameters())
    model = wrapped("FULL_SHARD")
    optimizer = tt_optim.AdamW(model.parameters(), lr=2e-3)
    loss_of(model, ids).backward()
    optimizer.step()
    held = sum(p.array.nbytes + p.grad.array.nbytes for p in model.parameters()) + state_bytes(optimizer)
    units = FullyShardedDataParallel.fsdp_modules(model)
    padded = sum(u._handle.padded for u in units if u._handle is not None)
    return elements, {"held": held, "padded": padded, "units": len(units)}


def main() -> None:
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    ids = np.random.default_rng(rank).integers(0, VOCAB, (ROWS, CONTEXT + 1))
    elements, fsdp = counted(ids)
    tracemalloc.start()
    steps = {kind: traced(kind, ids) for kind in ("DDP", "SHARD_GRAD_OP", "FULL_SHARD")}
    tracemalloc.stop()
    held: list = [None] * world
    dist.all_gather_object(held, fsdp["held"])
    traces: list = [None] * world
    dist.all_gather_object(traces, steps)
    if rank == 0:
        one = 4 * 4 * elements
        print(json.dumps({
            "world_size": world, "parameters": elements, "units": fsdp["units"],
            "flat_padded": fsdp["padded"],
            "one_process_bytes": one, "fsdp_rank_bytes": held, "largest_rank_ratio": max(held) / one,
            "gathered_parameters_bytes": 4 * fsdp["padded"], "windows_per_rank": ROWS,
            "traced_step_bytes_per_rank": traces,
        }))  # fmt: skip


if __name__ == "__main__":
    main()
