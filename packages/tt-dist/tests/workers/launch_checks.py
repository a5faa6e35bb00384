"""Run under ``mpiexec -n 2`` by test_21_launch.py: what ``setup`` did, and rank 0's decisions shared."""

from __future__ import annotations

import json
import os
import sys

import tt_dist as dist
from tt_tensor import threads


def main(out: str) -> None:
    os.environ.pop("TINYTORCH_NUM_THREADS", None)  # setup must set it, not the launcher
    launched = dist.launched_world_size()  # read before MPI starts
    threads.set_num_threads(2)  # setup must bring it back to one
    rank, world = dist.setup(blas_threads=1)
    clock = 100.0 + rank  # a value each rank reads differently, like a wall clock
    (agreed,) = dist.from_rank_zero(clock)
    decision, count = dist.from_rank_zero(float(rank == 0), 7.0 * (rank + 1))
    totals = dist.sum_over_ranks(1.0, rank + 0.5)
    gathered = [None] * world
    pool = os.environ.get("TINYTORCH_NUM_THREADS")
    mine = {"agreed": agreed, "decision": decision, "count": count, "totals": totals,
            "threads": threads.get_num_threads(), "pool": pool}  # fmt: skip
    dist.all_gather_object(gathered, mine)
    if rank == 0:
        with open(out, "w") as file:
            json.dump({"launched": launched, "world": world, "ranks": gathered,
                       "blas": threads.blas_available()}, file)  # fmt: skip


if __name__ == "__main__":
    main(*sys.argv[1:])
