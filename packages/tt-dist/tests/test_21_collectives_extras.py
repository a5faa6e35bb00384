"""Module 21: the collectives beyond all-reduce and broadcast, and messages between ranks.

One ``mpiexec -n 3`` run of ``workers/collective_checks.py`` records what every
rank ended with; each test below works out what PyTorch's function of the same
name leaves on each rank and compares. The errors, which are raised before any
message moves, are checked in this process on a group of one rank.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import tt_autograd as autograd
import tt_dist as dist
from tt_dist import ProcessGroup

WORLD = 3


@pytest.fixture(scope="module")
def ranks(mpirun, tmp_path_factory):
    out = tmp_path_factory.mktemp("collectives") / "records.json"
    done = mpirun("collective_checks.py", str(out), n=WORLD)
    assert done.returncode == 0, (
        f"mpiexec -n {WORLD} collective_checks.py failed:\n{done.stdout}\n{done.stderr}"
    )
    records = json.loads(out.read_text())
    assert [record["rank"] for record in records] == list(range(WORLD))
    return records


def mine(r: int) -> list[float]:
    return [float(r), 10.0 * r]


def test_all_gather_fills_every_ranks_list_in_rank_order(ranks):
    for record in ranks:
        assert record["all_gather"] == [mine(r) for r in range(WORLD)]
        assert record["all_gather_bumped"]  # each list entry was written in place


def test_all_gather_async_and_of_a_transposed_tensor(ranks):
    square = np.arange(4.0).reshape(2, 2)
    expected = [(square + r).T.tolist() for r in range(WORLD)]
    for record in ranks:
        assert record["all_gather_async"] == [True, expected]


def test_async_op_returns_before_the_other_ranks_have_joined(ranks):
    assert ranks[0]["async_pending"]
    for record in ranks:
        assert record["async_gathered"] == [mine(r) for r in range(WORLD)]


def test_all_gather_into_tensor_concatenated_or_stacked(ranks):
    for record in ranks:
        concatenated, stacked = record["all_gather_into_tensor"]
        assert concatenated == [value for r in range(WORLD) for value in mine(r)]
        assert stacked == [mine(r) for r in range(WORLD)]


def test_gather_reaches_the_destination_rank_only(ranks):
    assert [record["gather"] for record in ranks] == [None, None, [mine(r) for r in range(WORLD)]]


def test_scatter_gives_each_rank_its_slot_of_the_source_ranks_list(ranks):
    for r, record in enumerate(ranks):
        assert record["scatter"] == [100.0 * r, 100.0 * r + 1, 100.0 * r + 2]


def test_reduce_writes_the_destination_and_leaves_the_others(ranks):
    contributions = np.array([[r + 1.0, 2.0] for r in range(WORLD)])
    for r, record in enumerate(ranks):
        total, largest, mean = record["reduce"]
        own = contributions[r].tolist()
        assert total == (contributions.sum(0).tolist() if r == 1 else own)
        assert largest == (contributions.max(0).tolist() if r == 2 else own)
        assert mean == (contributions.mean(0).tolist() if r == 0 else own)


def test_reduce_async_returns_work_on_every_rank(ranks):
    for r, record in enumerate(ranks):
        assert record["reduce_async"] == [True, [float(WORLD) if r == 2 else 1.0]]


def test_reduce_scatter_sums_each_slot_over_the_ranks(ranks):
    for r, record in enumerate(ranks):
        assert record["reduce_scatter"] == [sum(10.0 * sender + r for sender in range(WORLD))]


def test_reduce_scatter_tensor_slices_along_the_first_dimension(ranks):
    inputs = [np.arange(2.0 * WORLD) + sender for sender in range(WORLD)]
    averaged = [np.arange(2.0 * WORLD).reshape(WORLD, 1, 2) * sender for sender in range(WORLD)]
    for r, record in enumerate(ranks):
        part, mean = record["reduce_scatter_tensor"]
        assert part == sum(inputs)[2 * r : 2 * r + 2].tolist()
        assert mean == (sum(averaged) / WORLD)[r].tolist()


def test_all_gather_single_and_reduce_scatter_single_are_the_tensor_forms(ranks):
    counting = np.arange(2.0 * WORLD)
    for r, record in enumerate(ranks):
        assert record["single_names"] == [
            True,
            [mine(s) for s in range(WORLD)],
            (counting + WORLD - 1)[2 * r : 2 * r + 2].tolist(),
        ]
        assert record["single_versions"] == [1, 1]


def test_complex_tensors_are_averaged_over_the_ranks(ranks):
    mean = (WORLD - 1) / 2
    for record in ranks:
        assert record["complex_average"] == [[mean, 1.0], [0.0, -mean]]


def test_a_ring_of_messages_names_each_sender(ranks):
    for r, record in enumerate(ranks):
        previous = (r - 1) % WORLD
        assert record["ring"] == [previous, [float(previous), -1.0], True]


def test_tags_pick_the_message_and_irecv_finishes_on_wait(ranks):
    assert ranks[1]["tags"] == [0, [1.0], True, [2.0], 1]
    assert "tags" not in ranks[0] and "tags" not in ranks[2]


def complex_pair():
    return autograd.tensor(np.array([1 + 2j, 3 - 1j], np.complex64))


def test_complex_tensors_are_reduced_by_sum_and_average_only_as_in_pytorch():
    assert [dist.supports_complex(op) for op in dist.ReduceOp] == [True, False, False, False, True]
    group, z = one_rank(), complex_pair()
    dist.all_reduce(z, op=dist.ReduceOp.AVG, group=group)
    dist.reduce(z, dst=0, op=dist.ReduceOp.SUM, group=group)
    assert z.numpy().tolist() == [1 + 2j, 3 - 1j]


def one_rank() -> ProcessGroup:
    from mpi4py import MPI

    return ProcessGroup(MPI.COMM_SELF, 0, 1, timeout=5.0)  # a wrongly started message fails, not hangs


def test_one_rank_collectives_are_copies_and_identities():
    group, t = one_rank(), autograd.tensor([1.0, 2.0])
    out = [autograd.zeros(2)]
    dist.all_gather(out, t, group=group)
    gathered, part, scattered = autograd.zeros(2), autograd.zeros(2), autograd.zeros(2)
    dist.gather(t, [gathered], dst=0, group=group)
    dist.scatter(scattered, [t], src=0, group=group)
    dist.reduce_scatter_tensor(part, t, op=dist.ReduceOp.AVG, group=group)
    for result in (out[0], gathered, scattered, part):
        assert result.numpy().tolist() == [1.0, 2.0]
    dist.reduce(t, dst=0, op=dist.ReduceOp.PRODUCT, group=group)
    assert t.numpy().tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda g, t: dist.all_gather([t, t], t, group=g),
            ValueError,
            r"tensor_list must hold one tensor per rank \(1\), got 2",
        ),
        (
            lambda g, t: dist.all_gather([autograd.zeros(3)], t, group=g),
            ValueError,
            r"tensor_list\[0\] has shape \(3,\).*shape \(2,\)",
        ),
        (
            lambda g, t: dist.all_gather([autograd.zeros(2, dtype=autograd.float64)], t, group=g),
            ValueError,
            "dtype float64.*dtype float32",
        ),
        (
            lambda g, t: dist.all_gather([t.numpy()], t, group=g),
            TypeError,
            r"tensor_list\[0\] must be a tinytorch Tensor",
        ),
        (
            lambda g, t: dist.all_gather_into_tensor(autograd.zeros(3), t, group=g),
            ValueError,
            r"output_tensor of shape \(3,\).*give it shape \(1, 2\) or \(2,\)",
        ),
        (
            lambda g, t: dist.all_gather_into_tensor(autograd.zeros(3), autograd.tensor(1.0), group=g),
            ValueError,
            r"input_tensor of shape \(\) \(float32\): give it shape \(1,\) and dtype float32",
        ),
        (
            lambda g, t: dist.all_gather_single(autograd.zeros(3), t, group=g),
            ValueError,
            r"all_gather_single: output_tensor of shape \(3,\).*give it shape \(1, 2\) or \(2,\)",
        ),
        (
            lambda g, t: dist.all_gather_single(autograd.zeros(2, 2).t(), autograd.zeros(2, 2), group=g),
            ValueError,
            r"all_gather_single: the tensor of shape \(2, 2\) is not contiguous",
        ),
        (
            lambda g, t: dist.reduce_scatter_single(t, autograd.zeros(4), group=g),
            ValueError,
            r"reduce_scatter_single: input of shape \(4,\).*give it shape \(1, 2\)",
        ),
        (
            lambda g, t: dist.reduce_scatter_single(t, t, op="max", group=g),
            TypeError,
            "reduce_scatter_single: op must be a ReduceOp",
        ),
        (
            lambda g, t: dist.reduce_scatter_tensor(t, autograd.zeros(4), group=g),
            ValueError,
            r"input of shape \(4,\).*give it shape \(1, 2\)",
        ),
        (
            lambda g, t: dist.reduce_scatter(t, None, group=g),
            ValueError,
            "input_list must hold one tensor per rank.*got None",
        ),
        (
            lambda g, t: dist.gather(t, None, dst=0, group=g),
            ValueError,
            "gather_list must hold one tensor per rank",
        ),
        (
            lambda g, t: dist.gather(t, [t], dst=1, group=g),
            ValueError,
            r"dst=1 is not a rank of a group of 1",
        ),
        (lambda g, t: dist.scatter(t, [t], src=-1, group=g), ValueError, r"src=-1 is not a rank"),
        (lambda g, t: dist.reduce(t, dst=0, op="max", group=g), TypeError, "reduce: op must be a ReduceOp"),
        (lambda g, t: dist.reduce(autograd.ones(2, 2).t(), group=g), ValueError, "reduce: .*not contiguous"),
        (lambda g, t: dist.send(t, dst=0, group=g), ValueError, "dst=0 is this process's own rank"),
        (lambda g, t: dist.recv(t, src=0, group=g), ValueError, "src=0 is this process's own rank"),
        (lambda g, t: dist.isend([1.0], dst=1, group=g), ValueError, "dst=1 is not a rank"),
        (
            lambda g, t: dist.all_reduce(complex_pair(), op=dist.ReduceOp.MAX, group=g),
            ValueError,
            r"^all_reduce does not support ReduceOp.MAX on complex tensors \(complex64\); "
            r"use ReduceOp.SUM or AVG$",
        ),
        (
            lambda g, t: dist.reduce(complex_pair(), op=dist.ReduceOp.MIN, group=g),
            ValueError,
            "reduce does not support ReduceOp.MIN on complex tensors",
        ),
        (
            lambda g, t: dist.reduce_scatter(
                complex_pair(), [complex_pair()], op=dist.ReduceOp.PRODUCT, group=g
            ),
            ValueError,
            "reduce_scatter does not support ReduceOp.PRODUCT on complex tensors",
        ),
        (
            lambda g, t: dist.reduce_scatter_tensor(
                complex_pair(), complex_pair(), op=dist.ReduceOp.MAX, group=g
            ),
            ValueError,
            "reduce_scatter_tensor does not support ReduceOp.MAX on complex tensors",
        ),
        (
            lambda g, t: dist.reduce_scatter_single(
                complex_pair(), complex_pair(), op=dist.ReduceOp.MIN, group=g
            ),
            ValueError,
            "reduce_scatter_single does not support ReduceOp.MIN on complex tensors",
        ),
        (
            lambda g, t: dist.all_gather([t], [1.0, 2.0], group=g),
            TypeError,
            "all_gather: expected a tinytorch Tensor, got list",
        ),
    ],
)
def test_bad_arguments_are_refused_by_name_before_anything_is_sent(call, error, message):
    with pytest.raises(error, match=message):
        call(one_rank(), autograd.tensor([1.0, 2.0]))


def test_a_list_given_on_a_rank_that_neither_sends_nor_receives_is_refused(ranks):
    for r, record in enumerate(ranks):
        assert ("gather_refused" in record) == (r != WORLD - 1)
        assert ("scatter_refused" in record) == (r != 1)
    assert ranks[0]["gather_refused"].startswith(
        "gather: gather_list is given on rank 0, but only rank dst=2"
    )
    assert ranks[2]["scatter_refused"].startswith(
        "scatter: scatter_list is given on rank 2, but only rank src=1"
    )


def test_every_written_tensor_is_marked_once_and_nothing_else(ranks):
    for r, record in enumerate(ranks):
        versions = record["versions"]
        assert versions["async"] == [1] * WORLD
        assert versions["all_gather_into_tensor"] == [1, 1]
        assert versions["gather"] == ([1] * WORLD if r == WORLD - 1 else None)
        assert versions["scatter"] == 1
        assert versions["reduce"] == [int(r == 1), int(r == 2), int(r == 0)]  # the destinations only
        assert versions["reduce_scatter"] == [1, 1, 1]
