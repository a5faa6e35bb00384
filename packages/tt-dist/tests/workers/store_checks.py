"""Run under ``mpiexec -n 2`` by test_dist_store.py: one FileStore file shared by two processes.

Both ranks add to one counter at once, race in compare_set, wait for keys the
other sets late, time out on a key nobody sets, and drop their stores (the
second removes the file). Each rank writes what it saw to ``<out>.<rank>.json``.
"""

from __future__ import annotations

import datetime
import gc
import json
import os
import sys
import time

import tt_dist as dist
from mpi4py import MPI

ADDS = 50


def main(path: str, out: str) -> None:
    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    store = dist.FileStore(path, 2)
    store.set_timeout(datetime.timedelta(seconds=20))
    record: dict = {"rank": rank}
    comm.Barrier()  # both stores exist before anyone writes
    record["adds"] = [store.add("count", 1) for _ in range(ADDS)]
    store.set(f"finished{rank}", "1")
    store.wait(["finished0", "finished1"])
    record["count"] = store.get("count").decode()
    record["leader"] = store.compare_set("leader", "", f"rank{rank}").decode()
    store.set(f"voted{rank}", "1")
    store.wait(["voted0", "voted1"])
    record["leader_after"] = store.get("leader").decode()
    if rank == 0:
        time.sleep(0.3)
        store.set("go", b"\x00go")
        record["late"] = store.get("late").decode()  # blocks until rank 1 sets it
        dist.PrefixStore("job", store).set("x", "prefixed")
    else:
        start = time.monotonic()
        store.wait(["go"])
        record["waited"] = time.monotonic() - start
        record["go"] = list(store.get("go"))
        time.sleep(0.2)
        store.set("late", "from rank 1")
        start = time.monotonic()
        try:
            store.wait(["go", "never"], datetime.timedelta(milliseconds=300))
        except dist.DistStoreError as error:
            record["timeout"] = [str(error).replace(path, "<file>"), time.monotonic() - start]
        record["prefixed"] = store.get("job/x").decode()
    comm.Barrier()
    if rank == 0:
        record["deleted"] = store.delete_key("go")
    comm.Barrier()
    record["check_go"] = store.check(["go"])
    record["num_keys"] = store.num_keys()
    del store
    gc.collect()
    record["exists_after_own_drop"] = os.path.exists(path)
    comm.Barrier()
    record["exists_after_both"] = os.path.exists(path)
    with open(f"{out}.{rank}.json", "w") as file:
        json.dump(record, file)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
