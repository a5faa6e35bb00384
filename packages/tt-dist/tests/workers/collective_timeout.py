"""Run under ``mpiexec -n 2`` by test_21_ddp.py: rank 1 never reaches the barrier rank 0 waits in.

With a 1-second timeout, rank 0's barrier raises TimeoutError, which ends the job.
"""

from __future__ import annotations

import datetime
import time

import tt_dist as dist

dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=1))
if dist.get_rank() == 1:
    time.sleep(30)  # stuck: never calls barrier
dist.barrier()
