"""Run under ``mpiexec -n 3`` by test_dist_groups.py: ranks 1 and 2 reach a monitored barrier late.

Rank 0 waits ``timeout`` (first argument, seconds) and raises, naming the late ranks
(all of them with a second argument ``all``), which ends the job.
"""

from __future__ import annotations

import sys
import time

import tt_dist as dist

dist.init_process_group("mpi")
if dist.get_rank() != 0:
    time.sleep(3 * float(sys.argv[1]))
dist.monitored_barrier(timeout=float(sys.argv[1]), wait_all_ranks=sys.argv[2:] == ["all"])
print(f"rank {dist.get_rank()} passed")
