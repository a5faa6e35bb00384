"""Run under ``mpiexec -n 3`` by test_dist_groups.py: sub-groups, all-to-all, object collectives, batches.

Rank r contributes values built from r; every rank records what it ended with, and
rank 0 writes the records to one JSON file for the tests to judge. Three ranks, so a
group of two leaves one rank out, and global and group ranks differ.
"""

from __future__ import annotations

import datetime
import json
import sys
import time
import warnings

import numpy as np
import tt_autograd as autograd
import tt_dist as dist


def values(tensor) -> list:
    return tensor.numpy().tolist()


def refused(call) -> str | None:
    try:
        call()
    except (ValueError, TypeError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def groups(rank: int, record: dict) -> None:
    record["count_before"] = dist.get_pg_count()
    pair = dist.new_group([2, 0])  # sorted: group rank 0 is global 0, group rank 1 is global 2
    unsorted = dist.new_group([2, 0], sort_ranks=False)  # group rank 0 is global 2
    record["count_after"] = dist.get_pg_count()
    record["world_is_default"] = dist.group.WORLD is dist.GroupMember.WORLD is not None
    record["member"] = pair != dist.GroupMember.NON_GROUP_MEMBER
    record["group_rank"] = [dist.get_rank(pair), dist.get_world_size(pair)]
    record["unsorted_rank"] = dist.get_rank(unsorted)
    if pair == dist.GroupMember.NON_GROUP_MEMBER:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t = autograd.tensor([5.0])
            record["outside_all_reduce"] = [dist.all_reduce(t, group=pair), values(t)]
            record["outside_recv"] = dist.recv(t, src=0, group=pair)
            record["outside_coalesced"] = dist.all_gather_coalesced([[t]], [t], group=pair)
        record["outside_warnings"] = [str(w.message) for w in caught]
        record["ranks_of_world"] = dist.get_process_group_ranks(None)
        dist.destroy_process_group(pair)  # nothing to free on a rank outside the group
        record["destroy_refused"] = refused(lambda: dist.destroy_process_group(5))
        return
    record["ranks"] = dist.get_process_group_ranks(pair)
    record["pair_timeout"] = pair.timeout  # the world's, as none was given
    record["ranks_unsorted"] = dist.get_process_group_ranks(unsorted)
    record["translate"] = [dist.get_group_rank(pair, 2), dist.get_global_rank(pair, 1),
                           dist.get_group_rank(unsorted, 2), dist.get_global_rank(unsorted, 1),
                           dist.get_group_rank(dist.group.WORLD, 1)]  # fmt: skip
    record["translate_world"] = [dist.get_global_rank(dist.group.WORLD, 1), dist.get_global_rank(pair, 0)]
    spare = autograd.zeros(1)
    record["translate_junk"] = [
        refused(lambda: dist.get_global_rank(pair, True)),
        refused(lambda: dist.broadcast(spare, group=pair, group_src=2)),
        refused(lambda: dist.broadcast(spare, group=pair, group_src=-1)),
    ]
    record["translate_refused"] = [refused(lambda: dist.get_group_rank(pair, 1)),
                                   refused(lambda: dist.get_global_rank(pair, 2))]  # fmt: skip
    t = autograd.tensor([rank + 1.0])
    dist.all_reduce(t, group=pair)
    record["pair_sum"] = values(t)
    pair_outputs = [[autograd.zeros(1)] for _ in range(2)]
    dist.all_gather_coalesced(pair_outputs, [autograd.tensor([rank + 0.25])], group=pair)
    record["pair_gather_coalesced"] = [values(row[0]) for row in pair_outputs]
    b = autograd.tensor([10.0 * rank])
    dist.broadcast(b, src=2, group=pair)  # src is global
    c = autograd.tensor([10.0 * rank])
    dist.broadcast(c, group=unsorted, group_src=1)  # group rank 1 of [2, 0] is global 0
    record["broadcasts"] = [values(b), values(c)]
    gathered = [autograd.zeros(1) for _ in range(2)] if rank == 2 else None
    dist.gather(autograd.tensor([rank + 0.5]), gathered, dst=2, group=pair)
    record["pair_gather"] = None if gathered is None else [values(g) for g in gathered]
    r = autograd.tensor([rank * 1.0])
    dist.reduce(r, dst=2, op=dist.ReduceOp.MAX, group=pair)
    record["pair_reduce"] = values(r)
    out = autograd.zeros(2)
    dist.scatter(out, [autograd.tensor([7.0, 8.0]), autograd.tensor([9.0, 6.0])] if rank == 0 else None,
                 src=0, group=pair)  # fmt: skip
    record["pair_scatter"] = values(out)
    message = autograd.zeros(1)
    if rank == 0:
        dist.send(autograd.tensor([42.0]), dst=2, group=pair)
    else:
        record["pair_sender"] = dist.recv(message, group=pair)  # any source: the global rank comes back
        record["pair_message"] = values(message)
    if rank == 2:  # irecv names its sender by global rank (group rank 1 here), or takes any
        dist.send(autograd.tensor([7.0]), dst=0, group=pair)
        dist.send(autograd.tensor([8.0]), dst=0, group=pair)
    else:
        first, second = autograd.zeros(1), autograd.zeros(1)
        dist.irecv(first, src=2, group=pair).wait()
        dist.irecv(second, group=pair).wait()
        record["pair_irecv"] = [values(first), values(second)]
    record["pair_refused"] = [refused(lambda: dist.broadcast(b, src=1, group=pair)),
                              refused(lambda: dist.send(b, dst=rank, group=pair)),
                              refused(lambda: dist.broadcast(b, src=0, group=pair, group_src=0))]  # fmt: skip
    dist.barrier(group=pair)
    objects = [None, None] if rank == 2 else None
    dist.gather_object({"rank": rank}, objects, dst=2, group=pair)
    record["pair_gather_object"] = objects
    dist.destroy_process_group(unsorted)
    record["count_destroyed"] = dist.get_pg_count()


def subgroups(rank: int, record: dict) -> None:
    mine, made = dist.new_subgroups_by_enumeration([[0, 2], [1]])
    t = autograd.tensor([rank + 1.0])
    dist.all_reduce(t, group=mine)
    record["enumerated"] = [dist.get_process_group_ranks(mine), values(t), len(made)]
    mine, made = dist.new_subgroups(1)
    outside = dist.GroupMember.NON_GROUP_MEMBER
    listed = [None if g == outside else dist.get_process_group_ranks(g) for g in made]
    record["subgroups"] = [dist.get_process_group_ranks(mine), listed]
    record["new_group_refused"] = [
        refused(lambda: dist.new_group([0], backend="gloo")),
        refused(lambda: dist.new_group([0], use_local_synchronization=True)),
        refused(lambda: dist.new_group([0, True])),
        refused(lambda: dist.new_group(["0"])),
        refused(lambda: dist.new_group([0, 3])),
        refused(lambda: dist.new_group([1, 1])),
        refused(lambda: dist.new_group([])),
        refused(lambda: dist.new_group([0], timeout="5")),
        refused(lambda: dist.new_group([0], timeout=0)),
        refused(lambda: dist.new_subgroups()),
        refused(lambda: dist.new_subgroups(2)),
        refused(lambda: dist.new_subgroups(4)),
        refused(lambda: dist.new_subgroups(0)),
        refused(lambda: dist.new_subgroups(1.0)),
        refused(lambda: dist.new_subgroups_by_enumeration([])),
        refused(lambda: dist.new_subgroups_by_enumeration([[0, 1], [1, 2]])),
    ]
    timed = dist.new_group([1, 2], timeout=datetime.timedelta(milliseconds=500), backend="MPI")
    record["timed"] = None if timed == dist.GroupMember.NON_GROUP_MEMBER else timed.timeout
    everyone, made = dist.new_subgroups(3)
    record["subgroups_of_all"] = [dist.get_process_group_ranks(everyone), len(made), everyone.timeout]
    whole = dist.new_group()
    record["whole"] = [dist.get_process_group_ranks(whole), dist.get_rank(whole)]


def all_to_all(rank: int, world: int, record: dict) -> None:
    inputs = [autograd.tensor(np.full(j + 1, 10.0 * rank + j, np.float32)) for j in range(world)]
    outputs = [autograd.zeros(rank + 1) for _ in range(world)]
    dist.all_to_all(outputs, inputs)
    record["all_to_all"] = [values(o) for o in outputs]
    record["all_to_all_versions"] = [o._version for o in outputs]
    rows = np.arange(2.0 * world, dtype=np.float64).reshape(world, 2) + 100 * rank
    single = autograd.zeros(world, 2, dtype=autograd.float64)
    work = dist.all_to_all_single(single, autograd.tensor(rows), async_op=True)
    record["all_to_all_single"] = [work.wait(), values(single), single._version]
    # Rank r sends r + 1 rows to every rank (as int64), so each receives 1, 2, 3 rows.
    sent = autograd.tensor(np.arange((rank + 1) * world, dtype=np.int64) + 1000 * rank)
    got = autograd.zeros(sum(range(1, world + 1)), dtype=autograd.int64)
    dist.all_to_all_single(got, sent, [s + 1 for s in range(world)], [rank + 1] * world)
    record["all_to_all_split"] = values(got)
    try:  # rank 0 expects 2 rows from rank 1, which sends 1: every rank sees it, nothing moves
        dist.all_to_all_single(autograd.zeros(world), autograd.zeros(world), [2, 0, 1] if rank == 0 else None)
    except RuntimeError as error:
        record["all_to_all_mismatch"] = str(error)
    record["all_to_all_uneven"] = refused(
        lambda: dist.all_to_all_single(autograd.zeros(4), autograd.zeros(4))
    )
    try:  # rank 0 expects 2 elements from rank 1, which sends 1
        wrong = [autograd.zeros(2 if rank == 0 and sender == 1 else 1) for sender in range(world)]
        dist.all_to_all(wrong, [autograd.zeros(1) for _ in range(world)])
    except RuntimeError as error:
        record["all_to_all_counts"] = str(error)


def objects(rank: int, world: int, record: dict) -> None:
    gathered = [None] * world if rank == 1 else None
    dist.gather_object({"rank": rank, "name": f"r{rank}", "t": autograd.tensor([rank])}, gathered, dst=1)
    if gathered is not None:
        record["gather_object"] = [[g["rank"], g["name"], values(g["t"])] for g in gathered]
    received = [None]
    dist.scatter_object_list(
        received, [("slot", k, [k] * k) for k in range(world)] if rank == 2 else None, src=2
    )
    record["scatter_object_list"] = [type(received[0]).__name__, list(received[0])]
    if rank == 2:
        dist.send_object_list([{"a": 1}, "two", np.arange(3)], dst=1)
        record["recv_object_short"] = refused(lambda: dist.recv_object_list([1, 2], src=0))
        time.sleep(0.3)  # rank 0's big message must wait for this receive
        dist.recv_object_list([None], src=0)
    elif rank == 1:
        slots = [None, None, None]
        sender = dist.recv_object_list(slots)  # from any rank: rank 2's
        record["recv_object_list"] = [sender, slots[0], slots[1], slots[2].tolist()]
    else:
        dist.send_object_list([None], dst=2)
        started = time.monotonic()
        dist.send_object_list([np.zeros(1 << 18)], dst=2)  # 2 MiB: past MPI's eager limit, so it waits
        record["send_waited"] = time.monotonic() - started
    record["object_refused"] = refused(lambda: dist.gather_object(object(), [None] * world, dst=rank))
    record["object_list_refused"] = refused(lambda: dist.gather_object(1, [None], dst=(rank + 1) % world))
    everyone = [None] * world
    dist.all_gather_object(everyone, {"rank": rank, "t": autograd.tensor([rank] * (rank + 1))})
    record["all_gather_object"] = [[e["rank"], values(e["t"])] for e in everyone]
    shared = [("from", rank), {"n": rank}] if rank == 1 else [None, None]
    dist.broadcast_object_list(shared, src=1)
    record["broadcast_object_list"] = [type(shared[0]).__name__, shared]  # (JSON makes tuples lists)
    record["all_gather_refused"] = refused(lambda: dist.all_gather_object([None] * world, {1, 2}))


def batches(rank: int, world: int, record: dict) -> None:
    incoming = autograd.zeros(2)
    second = autograd.zeros(1)
    ops = [dist.P2POp(dist.irecv, incoming, (rank - 1) % world),  # a receive first: no deadlock
           dist.P2POp(dist.isend, autograd.tensor([rank, -rank], dtype=autograd.float32), (rank + 1) % world),
           dist.P2POp(dist.isend, autograd.tensor([rank + 0.5]), group_peer=(rank + 1) % world, tag=4),
           dist.P2POp(dist.irecv, second, (rank - 1) % world, tag=4)]  # fmt: skip
    works = dist.batch_isend_irecv(ops)
    record["batch"] = [len(works), all(w.wait() for w in works), values(incoming), values(second)]
    record["p2p"] = [ops[0].peer, ops[2].peer, ops[2].group_peer]
    if rank == 0:
        time.sleep(0.3)  # the others must wait in the barrier until rank 0 arrives
    started = time.monotonic()
    dist.monitored_barrier(timeout=30.0)
    record["barrier_waited"] = time.monotonic() - started
    dist.monitored_barrier(wait_all_ranks=True)
    tensors = [autograd.tensor([rank + 1.0, 1.0]), autograd.tensor([[2.0 * rank]])]
    dist.all_reduce_coalesced(tensors, op=dist.ReduceOp.AVG)
    record["coalesced"] = [values(t) for t in tensors] + [[t._version for t in tensors]]
    square = autograd.tensor(np.arange(4.0, dtype=np.float32).reshape(2, 2) + 10 * rank).t()  # any layout
    inputs = [square, autograd.tensor([-rank], dtype=autograd.float32), autograd.tensor(float(rank))]
    outputs = [[autograd.zeros(2, 2).t(), autograd.zeros(1), autograd.zeros(())] for _ in range(world)]
    dist.all_gather_coalesced(outputs, inputs)
    record["gather_coalesced"] = [[values(t) for t in row] for row in outputs]
    record["gather_coalesced_versions"] = [[t._version for t in row] for row in outputs]
    numbers = [autograd.tensor([rank, 100 + rank])]
    gathered = [[autograd.zeros(2, dtype=autograd.int64)] for _ in range(world)]
    work = dist.all_gather_coalesced(gathered, numbers, async_op=True)
    record["gather_coalesced_async"] = [
        type(work).__name__,
        work.wait(),
        [values(row[0]) for row in gathered],
    ]
    late = autograd.tensor([float(rank)] * 2)
    work = dist.broadcast(late, src=1, async_op=True)
    record["broadcast_async"] = [type(work).__name__, work.wait(), values(late), late._version]


def main(out: str) -> None:
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    record: dict = {"rank": rank}
    groups(rank, record)
    subgroups(rank, record)
    all_to_all(rank, world, record)
    objects(rank, world, record)
    batches(rank, world, record)
    records = [None] * world if rank == 0 else None
    dist.gather_object(json.dumps(record), records, dst=0)
    dist.destroy_process_group()  # the default group and every sub-group
    if rank == 0:
        gathered = [json.loads(text) for text in records]
        gathered[0]["after_destroy"] = [dist.is_initialized(), dist.get_pg_count()]
        with open(out, "w") as f:
            json.dump(gathered, f)


if __name__ == "__main__":
    main(sys.argv[1])
