"""Run under ``mpiexec -n 2`` by test_21_ddp.py: rank 1 fails while rank 0 waits in a collective.

Without tt-dist's abort, rank 0 would wait in the barrier forever.
"""

from __future__ import annotations

import tt_dist as dist

dist.init_process_group("mpi")
if dist.get_rank() == 1:
    raise ValueError("deliberate failure on rank 1")
dist.barrier()
