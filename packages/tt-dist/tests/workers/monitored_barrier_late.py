"""Run under ``mpiexec -n 3`` by test_dist_groups.py: ranks 1 and 2 reach a monitored barrier late.

Rank 0 waits ``timeout`` (first argument, seconds) and raises, naming the first late
rank; with a second argument ``all`` it names every late rank, and with ``default``
the timeout is the process group's (set by init_process_group), not the barrier's.
That error ends the job.
"""

from __future__ import annotations

import sys
import time

import tt_dist as dist

seconds, mode = float(sys.argv[1]), sys.argv[2]
dist.init_process_group("mpi", timeout=seconds if mode == "default" else None)
if dist.get_rank() != 0:
    time.sleep(3 * seconds)
if mode == "default":
    dist.monitored_barrier()
else:
    dist.monitored_barrier(timeout=seconds, wait_all_ranks=mode == "all")
print(f"rank {dist.get_rank()} passed")
