"""Sub-groups, all-to-all, object collectives without pickle, batches of messages, monitored barriers.

One ``mpiexec -n 3`` run of ``workers/group_checks.py`` records what every rank
ended with; each test works out what PyTorch's function of the same name leaves on
each rank (global ranks in ``src``/``dst``, group ranks from ``get_rank(group)``,
-1 and a warning outside a group) and compares. Errors raised before anything
moves are checked in this process, on a group of one rank.
"""

from __future__ import annotations

import datetime
import json
import time

import numpy as np
import pytest
import tt_autograd as autograd
import tt_dist as dist
from tt_dist import ProcessGroup

WORLD = 3


@pytest.fixture(scope="module")
def ranks(mpirun, tmp_path_factory):
    out = tmp_path_factory.mktemp("groups") / "records.json"
    done = mpirun("group_checks.py", str(out), n=WORLD)
    assert done.returncode == 0, f"mpiexec -n {WORLD} group_checks.py failed:\n{done.stdout}\n{done.stderr}"
    records = json.loads(out.read_text())
    assert [record["rank"] for record in records] == list(range(WORLD))
    return records


def test_new_group_sorts_its_ranks_and_counts_every_group(ranks):
    for r, record in enumerate(ranks):
        assert record["count_before"] == 1 and record["count_after"] == 3  # the default group, then two more
        assert record["count_destroyed"] == 3 if r != 1 else "count_destroyed" not in record
        assert record["world_is_default"]
        assert record["member"] == (r in (0, 2))
        assert record["group_rank"] == ([[0, 2].index(r), 2] if r != 1 else [-1, -1])
        assert record["unsorted_rank"] == ([2, 0].index(r) if r != 1 else -1)


def test_destroying_the_default_group_frees_every_group_and_resets_the_count(ranks):
    assert ranks[0]["after_destroy"] == [False, 0]


def test_group_ranks_translate_both_ways(ranks):
    for r in (0, 2):
        record = ranks[r]
        assert record["ranks"] == [0, 2] and record["ranks_unsorted"] == [2, 0]
        assert record["translate"] == [1, 2, 0, 0, 1]
        assert record["translate_refused"] == [
            "ValueError: Global rank 1 is not part of group of ranks [0, 2]",
            "ValueError: Group rank 2 is not part of group of ranks [0, 2]",
        ]
    assert ranks[1]["ranks_of_world"] == [0, 1, 2]
    assert ranks[1]["destroy_refused"] == (
        "ValueError: destroy_process_group: this group was not made by new_group, or is freed already"
    )
    for r in (0, 2):
        assert ranks[r]["translate_world"] == [1, 0]
        assert ranks[r]["translate_junk"] == [
            "TypeError: get_global_rank: group_rank must be an integer, got True",
            "ValueError: broadcast: group_src=2 is not a rank of a group of 2 (0 … 1)",
            "ValueError: broadcast: group_src=-1 is not a rank of a group of 2 (0 … 1)",
        ]


def test_a_rank_outside_the_group_skips_its_collectives_with_a_warning(ranks):
    record = ranks[1]
    assert record["outside_all_reduce"] == [None, [5.0]]
    assert record["outside_recv"] == -1 and record["outside_coalesced"] is None
    assert record["outside_warnings"] == [
        f"Running {op} on global rank 1 which does not belong to the given group."
        for op in ("all_reduce", "recv", "all_gather_coalesced")
    ]


def test_collectives_on_a_group_involve_its_members_with_global_src_and_dst(ranks):
    for r in (0, 2):
        record = ranks[r]
        assert record["pair_sum"] == [(0 + 1.0) + (2 + 1.0)]
        assert record["pair_gather_coalesced"] == [[0.25], [2.25]]
        assert record["broadcasts"] == [[10.0 * 2], [10.0 * 0]]  # src=2 (global), group_src=1 of [2, 0]
        assert record["pair_gather"] == ([[0.5], [2.5]] if r == 2 else None)
        assert record["pair_reduce"] == ([2.0] if r == 2 else [float(r)])
        assert record["pair_scatter"] == ([7.0, 8.0] if r == 0 else [9.0, 6.0])
        assert record["pair_gather_object"] == ([{"rank": 0}, {"rank": 2}] if r == 2 else None)
    assert ranks[2]["pair_sender"] == 0  # the global rank, not the group rank
    assert ranks[2]["pair_message"] == [42.0]
    assert ranks[0]["pair_irecv"] == [[7.0], [8.0]]  # from src=2 (global), then from any rank


def test_ranks_outside_a_group_or_ambiguous_are_refused_by_name(ranks):
    for r in (0, 2):
        assert ranks[r]["pair_refused"] == [
            "ValueError: broadcast: src=1 is not a member of this group, whose global ranks are [0, 2] "
            "(pass group_src= for a rank within the group)",
            f"ValueError: isend: dst={r} is this process's own rank; a message goes to another rank",
            "ValueError: broadcast: give src= (a global rank) or group_src=, not both",
        ]


def test_subgroups_by_enumeration_and_by_size(ranks):
    for r, record in enumerate(ranks):
        mine = [0, 2] if r != 1 else [1]
        assert record["enumerated"] == [mine, [float(sum(k + 1 for k in mine))], 2]
        assert record["subgroups"] == [[r], [[k] if k == r else None for k in range(WORLD)]]
        assert record["whole"] == [[0, 1, 2], r]


def test_bad_groups_are_refused_by_name_on_every_rank(ranks):
    for r, record in enumerate(ranks):
        assert record["new_group_refused"] == [
            "ValueError: new_group: backend 'gloo' is not available; tt-dist runs on MPI",
            "ValueError: MPI backend doesn't support use_local_synchronization=True",
            "TypeError: new_group: ranks must be integers (global ranks), got True",
            "TypeError: new_group: ranks must be integers (global ranks), got '0'",
            "ValueError: Rank 3 is out of range. Valid ranks are 0 to 2 (world_size=3)",
            "ValueError: ranks list must not contain duplicate entries, got [1, 1]",
            "ValueError: new_group: ranks is empty; a group needs at least one rank",
            "TypeError: new_group: timeout must be a datetime.timedelta or seconds, got '5'",
            "ValueError: new_group: timeout must be positive, got 0 seconds",
            "ValueError: Default group size only takes effect when CUDA is available. tt-dist has no CUDA: "
            "please pass in 'group_size' correctly.",
            "ValueError: The world size (3) must be divisible by 'group_size=2'",
            "ValueError: The arg 'group_size' (4) must not exceed the world size (3)",
            "ValueError: The arg 'group_size' (0) must be positive",
            "TypeError: new_subgroups: group_size must be an integer, got 1.0",
            "ValueError: The arg 'ranks_per_subgroup_list' cannot be empty",
            "ValueError: Rank 1 has appeared in both subgroup [0, 1] and [1, 2]",
        ]
        assert record["timed"] == (None if r == 0 else 0.5)
        assert record["subgroups_of_all"] == [[0, 1, 2], 1, 1800.0]
        assert record.get("pair_timeout") == (None if r == 1 else 1800.0)  # PyTorch's default, the world's


def test_all_to_all_pieces_of_different_sizes(ranks):
    for r, record in enumerate(ranks):
        # rank s's piece for rank r: r + 1 copies of 10·s + r
        assert record["all_to_all"] == [[10.0 * s + r] * (r + 1) for s in range(WORLD)]
        assert record["all_to_all_versions"] == [1] * WORLD


def test_all_to_all_single_equal_and_uneven_splits(ranks):
    rows = [np.arange(2.0 * WORLD).reshape(WORLD, 2) + 100 * s for s in range(WORLD)]
    for r, record in enumerate(ranks):
        assert record["all_to_all_single"] == [True, [rows[s][r].tolist() for s in range(WORLD)], 1]
        sent = [np.arange((s + 1) * WORLD) + 1000 * s for s in range(WORLD)]
        expected = [v for s in range(WORLD) for v in sent[s][r * (s + 1) : (r + 1) * (s + 1)].tolist()]
        assert record["all_to_all_split"] == expected


def test_split_sizes_or_counts_that_disagree_are_named_on_every_rank(ranks):
    for record in ranks:
        assert record["all_to_all_mismatch"] == (
            "all_to_all_single: rank 0 sends 1 to rank 0, which expects 2 "
            "(split sizes: rank 0 sends [1, 1, 1], rank 0 receives [2, 0, 1])"
        )
        assert record["all_to_all_uneven"] == (
            "ValueError: all_to_all_single: input's first dimension (4) does not split into 3 equal pieces; "
            "give input_split_sizes"
        )
        assert record["all_to_all_counts"] == (
            "all_to_all: rank 1 sends 1 to rank 0, which expects 2 "
            "(element counts: rank 1 sends [1, 1, 1], rank 0 receives [1, 2, 1])"
        )


def test_object_collectives_carry_tensors_and_containers_without_pickle(ranks):
    assert ranks[1]["gather_object"] == [[s, f"r{s}", [s]] for s in range(WORLD)]
    assert "gather_object" not in ranks[0] and "gather_object" not in ranks[2]
    for r, record in enumerate(ranks):
        assert record["scatter_object_list"] == ["tuple", ["slot", r, [r] * r]]
        assert record["object_refused"].startswith("TypeError: gather_object: this value cannot be sent")
        assert record["object_list_refused"] == (
            f"ValueError: gather_object: object_gather_list is given on rank {r}, but only rank "
            f"dst={(r + 1) % WORLD} receives; pass None on the other ranks"
        )
    for record in ranks:
        assert record["all_gather_object"] == [[s, [s] * (s + 1)] for s in range(WORLD)]
        assert record["broadcast_object_list"] == ["tuple", [["from", 1], {"n": 1}]]
        assert record["all_gather_refused"].startswith(
            "TypeError: all_gather_object: this value cannot be sent"
        )
    assert ranks[1]["recv_object_list"] == [2, {"a": 1}, "two", [0, 1, 2]]
    assert ranks[0]["send_waited"] > 0.15  # send_object_list returns once the receiver has the values
    assert ranks[2]["recv_object_short"] == (
        "ValueError: recv_object_list: rank 0 sent 1 values, but object_list has 2 slots; "
        "give it one slot per value sent"
    )


def test_batched_sends_and_receives_in_any_order(ranks):
    for r, record in enumerate(ranks):
        before = (r - 1) % WORLD
        assert record["batch"] == [4, True, [float(before), -float(before)], [before + 0.5]]
        assert record["p2p"] == [before, (r + 1) % WORLD, (r + 1) % WORLD]


def test_monitored_barrier_holds_every_rank_until_rank_0_arrives(ranks):
    assert ranks[1]["barrier_waited"] > 0.15 and ranks[2]["barrier_waited"] > 0.15  # rank 0 came 0.3 s late


def test_coalesced_all_reduce_averages_each_tensor(ranks):
    for record in ranks:
        mean = sum(s + 1.0 for s in range(WORLD)) / WORLD
        assert record["coalesced"] == [[mean, 1.0], [[sum(2.0 * s for s in range(WORLD)) / WORLD]], [1, 1]]


def test_all_gather_coalesced_fills_each_ranks_list_in_input_order(ranks):
    square = np.arange(4.0).reshape(2, 2)
    for record in ranks:
        assert record["gather_coalesced"] == [[(square + 10 * s).T.tolist(), [-s], s] for s in range(WORLD)]
        assert record["gather_coalesced_versions"] == [[1, 1, 1]] * WORLD
        assert record["gather_coalesced_async"] == ["Work", True, [[s, 100 + s] for s in range(WORLD)]]


def test_broadcast_async_returns_work_that_finishes_it(ranks):
    for record in ranks:
        assert record["broadcast_async"] == ["Work", True, [1.0, 1.0], 1]


@pytest.mark.parametrize(
    ("mode", "named"),
    [("first", "Rank 1 failed"), ("all", "Ranks 1, 2 failed"), ("default", "Rank 1 failed")],
)
def test_monitored_barrier_names_the_late_ranks_and_ends_the_job(mpirun, mode, named):
    started = time.monotonic()
    done = mpirun("monitored_barrier_late.py", "0.6", mode, n=WORLD, timeout=60)
    assert done.returncode != 0 and "passed" not in done.stdout
    assert f"RuntimeError: [Rank 0]: {named} to pass monitoredBarrier in 600 ms" in done.stderr
    assert time.monotonic() - started < 20


def one_rank() -> ProcessGroup:
    from mpi4py import MPI

    return ProcessGroup(MPI.COMM_SELF, 0, 1, timeout=5.0)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda g, t: dist.all_to_all_single(t, autograd.zeros(3), [3], [3], group=g),
            ValueError,
            r"output_split_sizes=\[3\] must hold 1 non-negative sizes adding up to output's .* \(2\)",
        ),
        (
            lambda g, t: dist.all_to_all_single(t, autograd.zeros(2), [2], (1, 1), group=g),
            ValueError,
            r"input_split_sizes=\[1, 1\] must hold 1 non-negative sizes",
        ),
        (
            lambda g, t: dist.all_to_all_single(t, autograd.zeros(2, 1), group=g),
            ValueError,
            r"input of shape \(2, 1\) \(float32\) and output of shape \(2,\)",
        ),
        (
            lambda g, t: dist.all_to_all([t], [t, t], group=g),
            ValueError,
            r"input_tensor_list must hold one tensor per rank \(1\), got 2 tensors",
        ),
        (
            lambda g, t: dist.all_to_all([t], [autograd.zeros(2, dtype=autograd.int64)], group=g),
            ValueError,
            r"every tensor must have one dtype, got \['float32', 'int64'\]",
        ),
        (
            lambda g, t: dist.all_to_all([autograd.ones(2, 2).t()], [autograd.zeros(2, 2)], group=g),
            ValueError,
            r"all_to_all: the tensor of shape \(2, 2\) is not contiguous",
        ),
        (lambda g, t: dist.P2POp(dist.send, t, 0, group=g), ValueError, "Invalid ``op``"),
        (lambda g, t: dist.P2POp(dist.isend, [1.0], 0, group=g), TypeError, "tinytorch Tensor"),
        (lambda g, t: dist.P2POp(dist.isend, t, group=g), ValueError, "give peer="),
        (lambda g, t: dist.P2POp(dist.isend, t, 0, group=g, group_peer=0), ValueError, "not both"),
        (lambda g, t: dist.batch_isend_irecv([]), ValueError, "Invalid ``p2p_op_list``"),
        (
            lambda g, t: dist.batch_isend_irecv(
                [dist.P2POp(dist.isend, t, 0, group=g), dist.P2POp(dist.isend, t, 0, group=one_rank())]
            ),
            ValueError,
            "All ops need to use the same group",
        ),
        (lambda g, t: dist.send_object_list([1], dst=0, group=g), ValueError, "dst=0 is this process's own"),
        (lambda g, t: dist.recv_object_list([1], src=0, group=g), ValueError, "src=0 is this process's own"),
        (lambda g, t: dist.gather_object(1, [], group=g), ValueError, r"slot per rank \(1\), got 0 slots"),
        (
            lambda g, t: dist.all_gather_object([None, None], 1, group=g),
            ValueError,
            r"all_gather_object: object_list must be a list with one slot per rank \(1\), got 2 slots",
        ),
        (lambda g, t: dist.scatter_object_list([], [1], group=g), ValueError, "list of size at least 1"),
        (
            lambda g, t: dist.scatter_object_list([None], [1, 2], group=g),
            ValueError,
            r"scatter_object_input_list must be a list with one slot per rank \(1\), got 2 slots",
        ),
        (lambda g, t: dist.monitored_barrier(g, timeout=0), ValueError, "timeout must be a positive"),
        (lambda g, t: dist.monitored_barrier(g, timeout=True), ValueError, "timeout must be a positive"),
        (lambda g, t: dist.monitored_barrier(g, timeout="1"), ValueError, "timeout must be a positive"),
        (
            lambda g, t: dist.batch_isend_irecv([dist.P2POp(dist.isend, t, 0, group=g)]),
            ValueError,
            "own rank",
        ),
        (lambda g, t: dist.all_reduce_coalesced([], group=g), ValueError, "one or more tensors of one dtype"),
        (
            lambda g, t: dist.all_reduce_coalesced(
                [autograd.tensor(np.array([1j]))], op=dist.ReduceOp.PRODUCT, group=g
            ),
            ValueError,
            r"all_reduce_coalesced does not support ReduceOp.PRODUCT on complex tensors \(complex128\)",
        ),
        (
            lambda g, t: dist.all_gather_coalesced([[t]], t, group=g),
            TypeError,
            "all_gather_coalesced: input_tensor_list must be a list of tensors, got Tensor",
        ),
        (
            lambda g, t: dist.all_gather_coalesced([[]], [], group=g),
            ValueError,
            r"all_gather_coalesced: input_tensor_list must be one or more tensors of one dtype, got \[\]",
        ),
        (
            lambda g, t: dist.all_gather_coalesced(
                [[t, t]], [t, autograd.zeros(2, dtype=autograd.int64)], group=g
            ),
            ValueError,
            r"one or more tensors of one dtype, got \['float32', 'int64'\]",
        ),
        (
            lambda g, t: dist.all_gather_coalesced([[[1.0]]], [[1.0]], group=g),
            TypeError,
            "all_gather_coalesced: expected a tinytorch Tensor, got list",
        ),
        (
            lambda g, t: dist.all_gather_coalesced(t, [t], group=g),
            TypeError,
            "all_gather_coalesced: output_tensor_lists must be a list of 1 lists, one per rank, got Tensor",
        ),
        (
            lambda g, t: dist.all_gather_coalesced([[t], [t]], [t], group=g),
            ValueError,
            "output_tensor_lists must be a list of 1 lists, one per rank, got 2$",
        ),
        (
            lambda g, t: dist.all_gather_coalesced([(t,)], [t], group=g),
            TypeError,
            r"output_tensor_lists\[0\] must be a list of 1 tensors, one per input, got tuple",
        ),
        (
            lambda g, t: dist.all_gather_coalesced([[t, t]], [t], group=g),
            ValueError,
            r"output_tensor_lists\[0\] must be a list of 1 tensors, one per input, got 2$",
        ),
        (
            lambda g, t: dist.all_gather_coalesced([[t, [0.0]]], [t, t], group=g),
            TypeError,
            r"output_tensor_lists\[0\]\[1\] must be a tinytorch Tensor, got list",
        ),
        (
            lambda g, t: dist.all_gather_coalesced([[t, autograd.zeros(1, 2)]], [t, t], group=g),
            ValueError,
            r"output_tensor_lists\[0\]\[1\] has shape \(1, 2\) and dtype float32; it must be a writeable "
            r"tensor of shape \(2,\) and dtype float32, like input_tensor_list\[1\]",
        ),
        (
            lambda g, t: dist.all_gather_coalesced(
                [[autograd.zeros(2, dtype=autograd.float64)]], [t], group=g
            ),
            ValueError,
            r"\[0\]\[0\] has shape \(2,\) and dtype float64; .* dtype float32, like input_tensor_list\[0\]",
        ),
        (
            lambda g, t: dist.all_gather_coalesced([[autograd.zeros(1).expand(2)]], [t], group=g),
            ValueError,
            r"\[0\]\[0\] has shape \(2,\) and dtype float32 and is read-only; it must be a writeable",
        ),
        (lambda g, t: dist.all_reduce(t, group="pair"), TypeError, "group must be a ProcessGroup"),
        (lambda g, t: dist.get_group_rank(None, 0), ValueError, "group must be a process group"),
        (lambda g, t: dist.get_global_rank(None, 0), ValueError, "group must be a process group"),
    ],
)
def test_bad_arguments_are_refused_by_name_before_anything_is_sent(call, error, message):
    with pytest.raises(error, match=message):
        call(one_rank(), autograd.zeros(2))


def test_one_rank_all_to_all_and_objects_are_copies():
    group = one_rank()
    out, single = [autograd.zeros(2, 2)], autograd.zeros(3, dtype=autograd.int64)
    dist.all_to_all(out, [autograd.tensor([[1.0, 2.0], [3.0, 4.0]]).t()], group=group)
    dist.all_to_all_single(single, autograd.tensor([5, 6, 7]), group=group)
    assert out[0].numpy().tolist() == [[1.0, 3.0], [2.0, 4.0]] and single.numpy().tolist() == [5, 6, 7]
    gathered, scattered = [None], [None]
    dist.gather_object({"k": (1, 2.5)}, gathered, dst=0, group=group)
    dist.scatter_object_list(scattered, [[None, "x"]], src=0, group=group)
    assert gathered == [{"k": (1, 2.5)}] and scattered == [[None, "x"]]
    dist.monitored_barrier(group, timeout=1.0)
    dist.monitored_barrier(group, timeout=datetime.timedelta(seconds=1))
    sending, receiving = (
        dist.P2POp(dist.isend, single, 0, group=group),
        dist.P2POp(dist.irecv, out[0], 0, group=group),
    )
    assert repr(sending) == "P2POp(isend peer=0, group_peer=0, tag=0, (3,))"
    assert repr(receiving) == "P2POp(irecv peer=0, group_peer=0, tag=0, (2, 2))"
    coalesced = [autograd.tensor([1.0, 2.0]), autograd.tensor([3.0])]
    dist.all_reduce_coalesced(coalesced, op=dist.ReduceOp.MAX, group=group)
    assert [t.numpy().tolist() for t in coalesced] == [[1.0, 2.0], [3.0]]
    outputs = [[autograd.zeros(2), autograd.zeros(1)]]
    assert dist.all_gather_coalesced(outputs, coalesced, group=group) is None
    assert [t.numpy().tolist() for t in outputs[0]] == [[1.0, 2.0], [3.0]]


def test_backends_and_availability():
    assert dist.Backend("MPI") == "mpi" == dist.Backend.MPI and isinstance(dist.Backend("gloo"), str)
    with pytest.raises(ValueError, match="Invalid backend: 'undefined'"):
        dist.Backend("undefined")
    with pytest.raises(ValueError, match="string-ish"):
        dist.Backend(3)
    assert dist.is_mpi_available() and dist.is_backend_available("mpi")
    assert dist.is_backend_available("cpu:mpi")
    assert dist.is_gloo_available() is False and dist.is_nccl_available() is False
    assert not dist.is_backend_available("gloo") and not dist.is_backend_available("cpu:gloo,cuda:nccl")


def test_node_local_rank_from_the_launcher_or_the_fallback(monkeypatch):
    for name in ("LOCAL_RANK", "MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert dist.get_node_local_rank(fallback_rank=3) == 3
    with pytest.raises(RuntimeError, match="LOCAL_RANK is not in the environment"):
        dist.get_node_local_rank()
    monkeypatch.setenv("OMPI_COMM_WORLD_LOCAL_RANK", "2")
    assert dist.get_node_local_rank(fallback_rank=3) == 2
    monkeypatch.setenv("MPI_LOCALRANKID", "1")
    assert dist.get_node_local_rank() == 1
    monkeypatch.setenv("LOCAL_RANK", "5")
    assert dist.get_node_local_rank() == 5


def test_a_non_member_before_init_warns_from_the_callers_line_with_rank_minus_1():
    with pytest.warns(
        UserWarning, match="Running all_reduce on global rank -1 which does not belong"
    ) as caught:
        assert dist.all_reduce(autograd.zeros(1), group=dist.GroupMember.NON_GROUP_MEMBER) is None
    assert caught[0].filename == __file__
    with pytest.raises(TypeError, match="all_reduce: group must be a ProcessGroup"):
        dist.all_reduce(autograd.zeros(1), group=5)


def test_group_arguments_before_init_process_group_are_refused():
    assert dist.get_rank(dist.GroupMember.NON_GROUP_MEMBER) == -1
    assert dist.get_world_size(dist.GroupMember.NON_GROUP_MEMBER) == -1
    with pytest.raises(TypeError, match="get_rank: group must be a ProcessGroup .* got 5"):
        dist.get_rank(5)  # an int that is not NON_GROUP_MEMBER is no group
    with pytest.raises(TypeError, match="get_world_size: group must be a ProcessGroup .* got 0"):
        dist.get_world_size(0)
    assert dist.group.WORLD is None and dist.GroupMember.WORLD is None
    with pytest.raises(RuntimeError, match="new_group: Default process group has not been initialized"):
        dist.new_group([0])
    with pytest.raises(ValueError, match="not a member of the group"):
        dist.get_process_group_ranks(dist.GroupMember.NON_GROUP_MEMBER)


def test_destroying_a_group_frees_its_communicator_and_destroying_all_frees_the_rest():
    from mpi4py import MPI

    dist.init_process_group("mpi")
    try:
        first, second = dist.new_group([0]), dist.new_group([0])
        dist.destroy_process_group(first)  # MPI_Comm_free sets the handle to MPI_COMM_NULL
        assert first.comm == MPI.COMM_NULL and second.comm != MPI.COMM_NULL
    finally:
        dist.destroy_process_group()
    assert second.comm == MPI.COMM_NULL and MPI.COMM_WORLD != MPI.COMM_NULL  # the world is MPI's to end
