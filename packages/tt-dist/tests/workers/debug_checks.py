"""Run under ``mpiexec -n 2`` by test_dist_debug_checks.py: mismatched collectives under DETAIL.

The job starts with ``init_process_group(store=FileStore(...), world_size=2, rank=r)``,
sets ``DebugLevel.DETAIL`` and has the ranks disagree on purpose: other shapes, another
dtype, another collective, a barrier against an all-gather. Each disagreement must raise on
both ranks (instead of hanging or reducing mismatched buffers); matched collectives
before and after must still give the right values. ``<out>.<rank>.json`` holds what
each rank saw.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import tt_autograd as autograd
import tt_dist as dist
from tt_dist.process_group import _get_default_store


def attempt(record: dict, name: str, call) -> None:
    try:
        call()
        record[name] = None
    except RuntimeError as error:
        record[name] = str(error)


def main(path: str, out: str) -> None:
    from mpi4py import MPI

    rank = MPI.COMM_WORLD.Get_rank()
    dist.init_process_group("mpi", store=dist.FileStore(path, 2), world_size=2, rank=rank)
    record: dict = {"rank": rank}
    _get_default_store().set(f"from{rank}", str(rank))
    record["other"] = _get_default_store().get(f"from{1 - rank}").decode()
    dist.set_debug_level(dist.DebugLevel.DETAIL)
    matched = autograd.tensor([1.0, 2.0]) * (rank + 1)
    dist.all_reduce(matched)
    record["matched"] = matched.tolist()
    shape = (20, 10) if rank == 0 else (10, 10)
    attempt(record, "shapes", lambda: dist.all_reduce(autograd.zeros(*shape)))
    dtype = np.float32 if rank == 0 else np.float64
    attempt(record, "dtypes", lambda: dist.broadcast(autograd.tensor(np.zeros(3, dtype)), src=0))
    if rank == 0:
        attempt(record, "ops", lambda: dist.all_reduce(autograd.zeros(4)))
    else:
        attempt(record, "ops", lambda: dist.broadcast(autograd.zeros(4), src=0))
    if rank == 0:
        attempt(record, "barrier", lambda: dist.barrier())
    else:
        attempt(record, "barrier", lambda: dist.all_gather([autograd.zeros(2), autograd.zeros(2)],
                                                          autograd.zeros(2)))  # fmt: skip
    gathered = [autograd.zeros(2), autograd.zeros(2)]
    dist.all_gather(gathered, autograd.tensor([float(rank), 5.0]))
    record["after"] = [t.tolist() for t in gathered]
    dist.set_debug_level(dist.DebugLevel.OFF)
    dist.barrier()
    with open(f"{out}.{rank}.json", "w") as file:
        json.dump(record, file)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
