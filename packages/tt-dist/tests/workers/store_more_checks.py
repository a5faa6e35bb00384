"""Run under ``mpiexec -n 2`` by test_dist_store_more.py: appends and queue pops from both ranks at once.

Both ranks append to one key and push to, then pop from, one queue of a shared
FileStore at the same time; rank 1 then waits on an empty queue that rank 0 fills
late. Each rank writes what it saw to ``<out>.<rank>.json``.
"""

from __future__ import annotations

import datetime
import json
import sys
import time

import tt_dist as dist
from mpi4py import MPI

ITEMS = 40


def main(path: str, out: str) -> None:
    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    store = dist.FileStore(path, 2)
    store.set_timeout(datetime.timedelta(seconds=20))
    record: dict = {"rank": rank}
    comm.Barrier()
    for i in range(ITEMS):
        store.append("log", f"{rank}:{i},")
        store.queue_push("work", f"{rank}:{i}")
    comm.Barrier()
    record["popped"] = []
    while True:
        try:
            record["popped"].append(store.queue_pop("work", block=False).decode())
        except dist.QueueEmptyError:
            break
    comm.Barrier()
    record["log"] = store.get("log").decode()
    record["left"] = store.queue_len("work")
    comm.Barrier()
    if rank == 0:
        time.sleep(0.2)
        store.queue_push("later", "late")
    else:
        record["waited"] = store.queue_pop("later").decode()
    comm.Barrier()
    with open(f"{out}.{rank}.json", "w") as file:
        json.dump(record, file)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
