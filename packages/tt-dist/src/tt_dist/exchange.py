"""All-to-all, batches of messages, a barrier that names the late ranks, coalesced collectives.

* :func:`all_to_all` / :func:`all_to_all_single` — rank r sends its i-th piece to rank i
  and receives rank i's r-th piece (``MPI_Ialltoallv``); pieces may differ in size
  (``all_to_all_single``'s ``input_split_sizes``/``output_split_sizes``, rows along
  dimension 0). Before any data moves, the ranks swap their split sizes, so a
  mismatch raises the same ``RuntimeError`` on every rank, naming the sizes.
* :class:`P2POp` + :func:`batch_isend_irecv` — start several sends and receives at
  once; their order in the list cannot deadlock.
* :func:`monitored_barrier` — a barrier whose rank 0 says which ranks did not arrive
  within ``timeout``.
* :func:`all_reduce_coalesced` / :func:`all_gather_coalesced` — one collective for a
  list of tensors.

Cost: an all-to-all moves each rank's n bytes once ((N-1)/N of them leave the rank),
plus one all-gather of 2·N integers for the split sizes.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from tt_tensor import versions

from .collectives import _readable, _started, irecv, isend
from .process_group import (
    _POLL,
    ProcessGroup,
    ReduceOp,
    Work,
    default_group,
    members_only,
    writable_buffer,
)

_MONITOR_TAG = 32001  # monitored_barrier's own messages (user tags are rarely this high)


@members_only
def all_to_all(
    output_tensor_list: list[Any], input_tensor_list: list[Any], group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:  # fmt: skip
    """Send input_tensor_list[i] to rank i; rank i's piece for this one lands in ``output_tensor_list[i]``.

    Both lists hold one tensor per rank, all of one dtype; the pieces may have any shapes,
    but each output must have as many elements as its sender's piece.
    """
    group = default_group(group, "all_to_all")
    inputs = _pieces(input_tensor_list, group, "all_to_all", "input_tensor_list", readable=True)
    outputs = _pieces(output_tensor_list, group, "all_to_all", "output_tensor_list", readable=False)
    dtypes = {array.dtype for array in inputs + outputs}
    if len(dtypes) > 1:
        raise ValueError(f"all_to_all: every tensor must have one dtype, got {sorted(map(str, dtypes))}")
    sends = [array.size for array in inputs]
    receives = [array.size for array in outputs]
    _agree(sends, receives, group, "all_to_all", "element counts")
    source = np.concatenate([array.ravel() for array in inputs])  # one piece per rank: never empty
    gathered = np.empty(sum(receives), inputs[0].dtype)
    request = _alltoallv(group, source, sends, gathered, receives)

    def finish() -> None:
        offsets = np.cumsum([0, *receives])
        for r, output in enumerate(outputs):
            output[...] = gathered[offsets[r] : offsets[r + 1]].reshape(output.shape)
            versions.bump(output)

    return _started(Work(group, request, "all_to_all", finish), async_op)


@members_only
def all_to_all_single(
    output: Any,
    input: Any,  # noqa: A002 (PyTorch's name)
    output_split_sizes: Sequence[int] | None = None,
    input_split_sizes: Sequence[int] | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Split ``input`` along dimension 0, send piece i to rank i; write the received pieces into ``output``.

    Without split sizes the first dimension is cut into world-size equal pieces. Input
    and output have the same dtype and the same shape beyond dimension 0.
    """
    group = default_group(group, "all_to_all_single")
    source = _readable(input, "all_to_all_single")
    target = writable_buffer(output, "all_to_all_single")
    if source.dtype != target.dtype or source.shape[1:] != target.shape[1:] or source.ndim == 0:
        raise ValueError(
            f"all_to_all_single: input of shape {tuple(source.shape)} ({source.dtype}) and output of shape "
            f"{tuple(target.shape)} ({target.dtype}) must have one dtype, at least one dimension and the "
            "same sizes beyond dimension 0"
        )
    sends = _splits(input_split_sizes, source.shape[0], group, "input_split_sizes", "input")
    receives = _splits(output_split_sizes, target.shape[0], group, "output_split_sizes", "output")
    _agree(sends, receives, group, "all_to_all_single", "split sizes")
    row = int(np.prod(source.shape[1:], dtype=np.int64))
    request = _alltoallv(group, source, [n * row for n in sends], target, [n * row for n in receives])
    return _started(Work(group, request, "all_to_all_single", lambda: versions.bump(target)), async_op)


def _pieces(tensors: Any, group: ProcessGroup, op: str, name: str, readable: bool) -> list[np.ndarray]:
    if not isinstance(tensors, (list, tuple)) or len(tensors) != group.size:
        count = f"{len(tensors)} tensors" if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise ValueError(f"{op}: {name} must hold one tensor per rank ({group.size}), got {count}")
    return [_readable(t, op) if readable else writable_buffer(t, op) for t in tensors]


def _splits(sizes: Sequence[int] | None, rows: int, group: ProcessGroup, name: str, tensor: str) -> list[int]:
    """Rows per rank: ``sizes`` checked against ``rows``, or equal pieces when None."""
    if sizes is None or len(sizes) == 0:
        if rows % group.size:
            raise ValueError(
                f"all_to_all_single: {tensor}'s first dimension ({rows}) does not split into {group.size} "
                f"equal pieces; give {name}"
            )
        return [rows // group.size] * group.size
    sizes = [int(n) for n in sizes]
    if len(sizes) != group.size or min(sizes) < 0 or sum(sizes) != rows:
        raise ValueError(
            f"all_to_all_single: {name}={sizes} must hold {group.size} non-negative sizes adding up to "
            f"{tensor}'s first dimension ({rows})"
        )
    return sizes


def _agree(sends: list[int], receives: list[int], group: ProcessGroup, op: str, what: str) -> None:
    """Swap every rank's sizes; if what rank i sends rank j is not what j expects, every rank raises.

    ``RuntimeError``, as PyTorch's backends raise for it (arguments wrong on one rank alone are
    ``ValueError``s).
    """
    table = np.empty((group.size, 2, group.size), np.int64)
    mine = np.array([sends, receives], np.int64)
    group.wait([group.comm.Iallgather(mine, table)], op)
    for sender in range(group.size):
        for receiver in range(group.size):
            sent, expected = table[sender, 0, receiver], table[receiver, 1, sender]
            if sent != expected:
                raise RuntimeError(
                    f"{op}: rank {group.global_rank(sender)} sends {sent} to rank "
                    f"{group.global_rank(receiver)}, which expects {expected} ({what}: rank "
                    f"{group.global_rank(sender)} sends {table[sender, 0].tolist()}, rank "
                    f"{group.global_rank(receiver)} receives {table[receiver, 1].tolist()})"
                )


def _alltoallv(group: ProcessGroup, source: np.ndarray, sends: list[int], target: np.ndarray,
               receives: list[int]) -> Any:  # fmt: skip
    """Start an ``Ialltoallv`` of raw bytes (any dtype): ``sends[i]`` elements of ``source`` to rank i."""
    from mpi4py import MPI

    width = source.dtype.itemsize

    def layout(counts: list[int]) -> tuple[list[int], list[int]]:
        sizes = [n * width for n in counts]
        return sizes, np.cumsum([0, *sizes[:-1]]).tolist()

    out = target.reshape(-1).view(np.uint8)
    return group.comm.Ialltoallv(
        [source.reshape(-1).view(np.uint8), layout(sends), MPI.BYTE], [out, layout(receives), MPI.BYTE]
    )


@members_only
def all_reduce_coalesced(
    tensors: Sequence[Any], op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:  # fmt: skip
    """:func:`~tt_dist.all_reduce` of every tensor of ``tensors`` (one dtype) in one collective."""
    from mpi4py import MPI

    group = default_group(group, "all_reduce_coalesced")
    arrays = [writable_buffer(t, "all_reduce_coalesced") for t in _as_list(tensors)]
    if len({array.dtype for array in arrays}) != 1:
        raise ValueError(
            "all_reduce_coalesced: tensors must be one or more tensors of one dtype, got "
            f"{sorted(str(array.dtype) for array in arrays)}"
        )
    mpi_op = group.mpi_op(op, "all_reduce_coalesced", arrays[0])
    flat = np.concatenate([array.ravel() for array in arrays])
    request = group.comm.Iallreduce(MPI.IN_PLACE, flat, op=mpi_op)

    def finish() -> None:
        if op is ReduceOp.AVG:
            np.divide(flat, group.size, out=flat)
        offsets = np.cumsum([0, *[array.size for array in arrays]])
        for k, array in enumerate(arrays):
            array[...] = flat[offsets[k] : offsets[k + 1]].reshape(array.shape)
            versions.bump(array)

    return _started(Work(group, request, "all_reduce_coalesced", finish), async_op)


def _as_list(tensors: Any) -> list[Any]:
    return [tensors] if hasattr(tensors, "array") else list(tensors)


@members_only
def all_gather_coalesced(
    output_tensor_lists: list[list[Any]], input_tensor_list: list[Any], group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:  # fmt: skip
    """Fill ``output_tensor_lists[r][k]`` with rank r's ``input_tensor_list[k]``, on every rank, at once.

    Args:
        output_tensor_lists: one list per rank, each holding a tensor of the shape and dtype of
            every input, in the same order; written in place (any layout).
        input_tensor_list: this rank's tensors, one or more of one dtype (any layout); every rank
            gives tensors of the same shapes (not checked across ranks, as in PyTorch).
        async_op: return a :class:`~tt_dist.Work` at once (PyTorch returns a Future; both have
            ``wait()``).

    The inputs travel as one flat buffer of their total size n: one ``Iallgather``
    receiving (N-1)·n values per rank, then a copy into each output.
    """
    op = "all_gather_coalesced"
    group = default_group(group, op)
    if not isinstance(input_tensor_list, list):
        raise TypeError(
            f"{op}: input_tensor_list must be a list of tensors, got {type(input_tensor_list).__name__}"
        )
    inputs = [_readable(t, op) for t in input_tensor_list]
    if len({array.dtype for array in inputs}) != 1:
        raise ValueError(
            f"{op}: input_tensor_list must be one or more tensors of one dtype, got "
            f"{[str(array.dtype) for array in inputs]}"
        )
    outputs = _output_lists(output_tensor_lists, inputs, group, op)
    flat = np.concatenate([array.ravel() for array in inputs])
    gathered = np.empty((group.size, flat.size), flat.dtype)
    request = group.comm.Iallgather(flat, gathered)
    offsets = np.cumsum([0, *[array.size for array in inputs]])

    def finish() -> None:
        for values, targets in zip(gathered, outputs):
            for k, target in enumerate(targets):
                target[...] = values[offsets[k] : offsets[k + 1]].reshape(target.shape)
                versions.bump(target)

    return _started(Work(group, request, op, finish), async_op)


def _output_lists(
    lists: Any, inputs: list[np.ndarray], group: ProcessGroup, op: str
) -> list[list[np.ndarray]]:
    """The arrays of ``output_tensor_lists``: one list per rank, its k-th entry shaped like ``inputs[k]``."""
    _check_list(lists, group.size, f"{op}: output_tensor_lists", "lists, one per rank")
    arrays = []
    for r, tensors in enumerate(lists):
        _check_list(tensors, len(inputs), f"{op}: output_tensor_lists[{r}]", "tensors, one per input")
        row = []
        for k, (tensor, like) in enumerate(zip(tensors, inputs)):
            array, name = getattr(tensor, "array", None), f"output_tensor_lists[{r}][{k}]"
            if not isinstance(array, np.ndarray):
                raise TypeError(f"{op}: {name} must be a tinytorch Tensor, got {type(tensor).__name__}")
            if array.shape != like.shape or array.dtype != like.dtype or not array.flags.writeable:
                raise ValueError(
                    f"{op}: {name} has shape {tuple(array.shape)} and dtype {array.dtype}"
                    f"{'' if array.flags.writeable else ' and is read-only'}; it must be a writeable tensor "
                    f"of shape {tuple(like.shape)} and dtype {like.dtype}, like input_tensor_list[{k}]"
                )
            row.append(array)
        arrays.append(row)
    return arrays


def _check_list(value: Any, length: int, what: str, entries: str) -> None:
    """``value`` must be a list (a ``TypeError`` if not) of ``length`` entries (a ``ValueError``)."""
    if not isinstance(value, list):
        raise TypeError(f"{what} must be a list of {length} {entries}, got {type(value).__name__}")
    if len(value) != length:
        raise ValueError(f"{what} must be a list of {length} {entries}, got {len(value)}")


class P2POp:
    """One send or receive for :func:`batch_isend_irecv` (``torch.distributed.P2POp``).

    Args:
        op: ``tt_dist.isend`` or ``tt_dist.irecv``.
        tensor: what to send, or where to receive.
        peer: the other rank (global); or ``group_peer``, its rank within ``group``.
        tag: matches a send with a receive.
    """

    def __init__(
        self, op: Callable[..., Any], tensor: Any, peer: int | None = None, group: ProcessGroup | None = None,
        tag: int = 0, group_peer: int | None = None,
    ) -> None:  # fmt: skip
        if op is not isend and op is not irecv:
            raise ValueError(
                "Invalid ``op``. Expected ``op`` to be of type ``tt_dist.isend`` or ``tt_dist.irecv``, "
                f"got {op!r}"
            )
        if not isinstance(getattr(tensor, "array", None), np.ndarray):
            raise TypeError(f"P2POp: tensor must be a tinytorch Tensor, got {type(tensor).__name__}")
        self.op, self.tensor, self.tag = op, tensor, tag
        self.group = default_group(group, "P2POp")
        if peer is None and group_peer is None:
            raise ValueError("P2POp: give peer= (a global rank) or group_peer=")
        self.group_peer = self.group.peer(peer, group_peer, "P2POp", "peer")
        self.peer = self.group.global_rank(self.group_peer)

    def __repr__(self) -> str:
        name = "isend" if self.op is isend else "irecv"
        shape = tuple(self.tensor.array.shape)
        return f"P2POp({name} peer={self.peer}, group_peer={self.group_peer}, tag={self.tag}, {shape})"


def batch_isend_irecv(p2p_op_list: list[P2POp]) -> list[Work]:
    """Start every send and receive of ``p2p_op_list`` (one group); ``wait()`` on each returned Work.

    All are started before any is waited for, so their order cannot deadlock; messages
    between the same two ranks in one direction are matched in list order.
    """
    if (
        not isinstance(p2p_op_list, list)
        or not p2p_op_list
        or not all(isinstance(p2p, P2POp) for p2p in p2p_op_list)
    ):
        raise ValueError("Invalid ``p2p_op_list``. Each op is expected to to be of type ``tt_dist.P2POp``.")
    group = p2p_op_list[0].group
    if any(p2p.group is not group for p2p in p2p_op_list):
        raise ValueError("All ops need to use the same group.")
    works = []
    for p2p in p2p_op_list:
        key = "group_dst" if p2p.op is isend else "group_src"
        works.append(p2p.op(p2p.tensor, group=group, tag=p2p.tag, **{key: p2p.group_peer}))
    return works


@members_only
def monitored_barrier(
    group: ProcessGroup | None = None, timeout: datetime.timedelta | float | None = None,
    wait_all_ranks: bool = False,
) -> None:  # fmt: skip
    """A barrier where rank 0 names the ranks that do not arrive within ``timeout``.

    Every other rank tells rank 0 it has arrived and waits for its answer; rank 0 raises
    ``RuntimeError`` ("Rank 1 failed to pass monitoredBarrier in 600 ms") if one is late —
    the first late rank, or all of them with ``wait_all_ranks=True`` — which ends the job.
    ``timeout`` is a ``timedelta`` or seconds (default: the group's).
    """
    group = default_group(group, "monitored_barrier")
    if isinstance(timeout, datetime.timedelta):
        timeout = timeout.total_seconds()
    if timeout is None:
        timeout = group.timeout
    elif isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(
            f"monitored_barrier: timeout must be a positive timedelta or seconds, got {timeout!r}"
        )
    token = np.zeros(1, np.uint8)
    if group.rank != 0:
        group.comm.Send(token, dest=0, tag=_MONITOR_TAG)
        group.wait([group.comm.Irecv(np.zeros(1, np.uint8), source=0, tag=_MONITOR_TAG)], "monitored_barrier")
        return
    others = range(1, group.size)
    requests = {r: group.comm.Irecv(np.zeros(1, np.uint8), source=r, tag=_MONITOR_TAG) for r in others}
    deadline = None if timeout is None else time.monotonic() + timeout
    late = _late_ranks(requests, deadline, wait_all_ranks)
    if late:
        ms = int(round(timeout * 1000))
        names = ", ".join(str(group.global_rank(r)) for r in late)
        raise RuntimeError(
            f"[Rank {group.global_rank(0)}]: Rank{'s' if len(late) > 1 else ''} {names} failed to pass "
            f"monitoredBarrier in {ms} ms"
        )
    for r in others:
        group.comm.Send(token, dest=r, tag=_MONITOR_TAG)


def _late_ranks(requests: dict[int, Any], deadline: float | None, every: bool) -> list[int]:
    """Poll the arrivals in rank order until ``deadline``: the first missing rank, or all with ``every``."""
    late = []
    for rank, request in requests.items():
        while not request.Test():
            if deadline is not None and time.monotonic() > deadline:
                late.append(rank)
                break
            time.sleep(_POLL)
        if late and not every:
            break
    return late
