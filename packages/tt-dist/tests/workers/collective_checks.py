"""Run under ``mpiexec -n 3`` by test_21_collectives_extras.py: every collective and message, on every rank.

Rank r contributes values built from r, so each result says which rank's data
landed where. Every rank records what it ended with (and each tensor's
version counter before and after); rank 0 gathers the records and writes them
to one JSON file for the tests to judge. Three ranks, so a rank order that is
merely reversed, or a root that is always rank 0, shows.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import tt_autograd as autograd
import tt_dist as dist


def values(tensor) -> list:
    return tensor.numpy().tolist()


def main(out: str) -> None:
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    record: dict = {"rank": rank}

    mine = autograd.tensor([rank, 10.0 * rank])
    everyone = [autograd.zeros(2) for _ in range(world)]
    versions = [t._version for t in everyone]
    dist.all_gather(everyone, mine)
    record["all_gather"] = [values(t) for t in everyone]
    record["all_gather_bumped"] = all(t._version > v for t, v in zip(everyone, versions))

    square = autograd.tensor(
        np.arange(4, dtype=np.float32).reshape(2, 2) + rank
    ).t()  # not contiguous: sent as a copy
    squares = [autograd.zeros(2, 2) for _ in range(world)]
    work = dist.all_gather(squares, square, async_op=True)
    record["all_gather_async"] = [work.wait(), [values(t) for t in squares]]

    # Started, not finished: rank 0's all-gather cannot end before the others join, which they
    # do only after its message saying it has looked.
    early = [autograd.zeros(2) for _ in range(world)]
    if rank == 0:
        work = dist.all_gather(early, mine, async_op=True)
        record["async_pending"] = not work.is_completed()
        for other in range(1, world):
            dist.send(autograd.ones(1), dst=other, tag=3)
        work.wait()
    else:
        dist.recv(autograd.zeros(1), src=0, tag=3)
        dist.all_gather(early, mine)
    record["async_gathered"] = [values(t) for t in early]

    concatenated, stacked = autograd.zeros(2 * world), autograd.zeros(world, 2)
    dist.all_gather_into_tensor(concatenated, mine)
    dist.all_gather_into_tensor(stacked, mine)
    record["all_gather_into_tensor"] = [values(concatenated), values(stacked)]

    dst = world - 1
    gathered = [autograd.zeros(2) for _ in range(world)] if rank == dst else None
    dist.gather(mine, gathered, dst=dst)
    record["gather"] = None if gathered is None else [values(t) for t in gathered]
    if rank != dst:  # refused before anything is sent, so no other rank has to take part
        try:
            dist.gather(mine, [autograd.zeros(2) for _ in range(world)], dst=dst)
        except ValueError as error:
            record["gather_refused"] = str(error)

    src = 1
    share = autograd.zeros(3)
    pieces = (
        [autograd.tensor(100.0 * k + np.arange(3, dtype=np.float32)) for k in range(world)]
        if rank == src
        else None
    )
    dist.scatter(share, pieces, src=src)
    record["scatter"] = values(share)
    if rank != src:
        try:
            dist.scatter(share, [autograd.zeros(3) for _ in range(world)], src=src)
        except ValueError as error:
            record["scatter_refused"] = str(error)

    total, largest, mean = (autograd.tensor([rank + 1.0, 2.0]) for _ in range(3))
    dist.reduce(total, dst=1)
    dist.reduce(largest, dst=2, op=dist.ReduceOp.MAX)
    dist.reduce(mean, dst=0, op=dist.ReduceOp.AVG)
    record["reduce"] = [values(total), values(largest), values(mean)]
    summed = autograd.tensor([1.0])
    work = dist.reduce(summed, dst=2, async_op=True)  # a Work on every rank, the sending ones too
    record["reduce_async"] = [work is not None and work.wait(), values(summed)]

    slot = autograd.zeros(1)
    dist.reduce_scatter(slot, [autograd.tensor([10.0 * rank + k]) for k in range(world)])
    record["reduce_scatter"] = values(slot)

    part, averaged = autograd.zeros(2), autograd.zeros(1, 2)
    counting = np.arange(2 * world, dtype=np.float32)
    dist.reduce_scatter_tensor(part, autograd.tensor(counting + rank))
    stacked_input = autograd.tensor(counting.reshape(world, 1, 2) * rank)
    dist.reduce_scatter_tensor(averaged, stacked_input, op=dist.ReduceOp.AVG)
    record["reduce_scatter_tensor"] = [values(part), values(averaged)]

    # PyTorch 2.13's other names for all_gather_into_tensor and reduce_scatter_tensor.
    single, largest_slice = autograd.zeros(world, 2), autograd.zeros(2)
    work = dist.all_gather_single(single, mine, async_op=True)
    dist.reduce_scatter_single(largest_slice, autograd.tensor(counting + rank), op=dist.ReduceOp.MAX)
    record["single_names"] = [work.wait(), values(single), values(largest_slice)]
    record["single_versions"] = [single._version, largest_slice._version]

    z = autograd.tensor(np.array([rank + 1j, -1j * rank], np.complex128))
    dist.all_reduce(z, op=dist.ReduceOp.AVG)
    record["complex_average"] = [[v.real, v.imag] for v in z.numpy().tolist()]

    record["versions"] = {  # how often each result tensor was marked as written in place
        "async": [t._version for t in squares],
        "all_gather_into_tensor": [concatenated._version, stacked._version],
        "gather": None if gathered is None else [t._version for t in gathered],
        "scatter": share._version,
        "reduce": [total._version, largest._version, mean._version],
        "reduce_scatter": [slot._version, part._version, averaged._version],
    }

    # A ring: each rank sends to the next and receives from the previous, tag 7.
    outgoing = autograd.tensor([float(rank), -1.0])
    incoming = autograd.zeros(2)
    version = incoming._version
    sending = dist.isend(outgoing, dst=(rank + 1) % world, tag=7)
    sender = dist.recv(incoming, tag=7)  # from any rank
    sending.wait()
    record["ring"] = [sender, values(incoming), incoming._version > version]

    # Pairs: rank 0 sends twice to rank 1, which receives in the order the tags ask for.
    if rank == 0:
        dist.send(autograd.tensor([1.0]), dst=1, tag=1)
        dist.send(autograd.tensor([2.0]), dst=1, tag=2)
    elif rank == 1:
        second, first = autograd.zeros(1), autograd.zeros(1)
        later = dist.irecv(second, src=0, tag=2)
        got = dist.recv(first, src=0, tag=1)
        record["tags"] = [got, values(first), later.wait(), values(second), second._version]

    records = [None] * world
    dist.all_gather_object(records, record)
    if rank == 0:
        with open(out, "w") as file:
            json.dump(records, file)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
