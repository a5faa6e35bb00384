"""Python values between ranks without pickle: all_gather_object, broadcast_object_list, gather_object,
scatter_object_list, send/recv_object_list.

Each value travels in tt-optim's checkpoint format (:func:`tt_optim.save` into bytes,
:func:`tt_optim.load` out of them): tensors, NumPy arrays, numbers, strings, None,
and lists, tuples and dicts of them. Reading such bytes runs no code, so a rank
cannot be made to execute anything by what another sends; other objects are refused
with a ``TypeError`` on the sending rank, before anything moves. (PyTorch pickles,
so it sends any picklable object.)

Cost: one exchange of the byte counts, then one of the bytes; each value is written
to and read from a temporary file of its bytes (milliseconds each).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import tt_optim
from tt_tensor.devices import check_cpu

from .process_group import ProcessGroup, default_group, members_only

_SIZE_TAG, _DATA_TAG = 32002, 32003  # send/recv_object_list's two messages


def encode(value: Any, op: str) -> np.ndarray:
    """``value``'s bytes in tt-optim's checkpoint format, as a uint8 array."""
    buffer = io.BytesIO()
    try:
        tt_optim.save(value, buffer)
    except TypeError as error:
        raise TypeError(f"{op}: this value cannot be sent without pickle: {error}") from None
    return np.frombuffer(buffer.getvalue(), np.uint8)


def decode(data: np.ndarray) -> Any:
    """The value ``encode`` wrote (its bytes are checked, never run)."""
    return tt_optim.load(io.BytesIO(data.tobytes()))


@members_only
def all_gather_object(object_list: list[Any], obj: Any, group: ProcessGroup | None = None) -> None:
    """Fill ``object_list`` (one slot per rank) with every rank's ``obj``."""
    group = default_group(group, "all_gather_object")
    _check_slots(object_list, group, "all_gather_object", "object_list")
    data = encode(obj, "all_gather_object")
    sizes = np.zeros(group.size, np.int64)
    group.wait([group.comm.Iallgather(np.array([data.size], np.int64), sizes)], "all_gather_object")
    received, starts = np.empty(int(sizes.sum()), np.uint8), _offsets(sizes)
    group.wait([group.comm.Iallgatherv(data, [received, (sizes.tolist(), starts)])], "all_gather_object")
    object_list[:] = [decode(received[s : s + n]) for s, n in zip(starts, sizes.tolist())]


@members_only
def broadcast_object_list(
    object_list: list[Any], src: int | None = None, group: ProcessGroup | None = None, device: Any = None,
    group_src: int | None = None,
) -> None:  # fmt: skip
    """Replace ``object_list``'s items on every rank with rank ``src``'s.

    ``src`` is a global rank (0 if neither it nor ``group_src`` is given). ``device``: None or the CPU.
    """
    check_cpu("broadcast_object_list", device)
    group = default_group(group, "broadcast_object_list")
    root = group.peer(src, group_src, "broadcast_object_list", "src")
    data = encode(list(object_list), "broadcast_object_list") if group.rank == root else None
    size = np.array([0 if data is None else data.size], np.int64)
    group.wait([group.comm.Ibcast(size, root=root)], "broadcast_object_list")
    data = np.empty(int(size[0]), np.uint8) if data is None else data
    group.wait([group.comm.Ibcast(data, root=root)], "broadcast_object_list")
    object_list[:] = decode(data)


@members_only
def gather_object(
    obj: Any, object_gather_list: list[Any] | None = None, dst: int | None = None,
    group: ProcessGroup | None = None, group_dst: int | None = None,
) -> None:  # fmt: skip
    """Rank ``dst`` (global, or ``group_dst``; 0 if neither) gets r's ``obj`` in ``object_gather_list[r]``.

    ``object_gather_list`` (one slot per rank) is given on ``dst`` only; the others pass None.
    """
    group = default_group(group, "gather_object")
    root = group.peer(dst, group_dst, "gather_object", "dst")
    if group.rank == root:
        _check_slots(object_gather_list, group, "gather_object", "object_gather_list")
    elif object_gather_list is not None:
        raise ValueError(
            f"gather_object: object_gather_list is given on rank {group.global_rank(group.rank)}, but only "
            f"rank dst={group.global_rank(root)} receives; pass None on the other ranks"
        )
    data = encode(obj, "gather_object")
    sizes = np.zeros(group.size, np.int64)
    group.wait([group.comm.Igather(np.array([data.size], np.int64), sizes, root=root)], "gather_object")
    if group.rank != root:
        group.wait([group.comm.Igatherv(data, None, root=root)], "gather_object")
        return
    received, starts = np.empty(int(sizes.sum()), np.uint8), _offsets(sizes)
    group.wait([group.comm.Igatherv(data, [received, (sizes.tolist(), starts)], root=root)], "gather_object")
    object_gather_list[:] = [decode(received[s : s + n]) for s, n in zip(starts, sizes.tolist())]


@members_only
def scatter_object_list(
    scatter_object_output_list: list[Any], scatter_object_input_list: list[Any] | None = None,
    src: int | None = None, group: ProcessGroup | None = None, group_src: int | None = None,
) -> None:  # fmt: skip
    """Rank r's ``scatter_object_output_list[0]`` becomes rank ``src``'s ``scatter_object_input_list[r]``.

    ``src`` is a global rank (or ``group_src``; rank 0 if neither); its input list holds
    one value per rank, and the other ranks' input lists are ignored, as in PyTorch.
    """
    group = default_group(group, "scatter_object_list")
    root = group.peer(src, group_src, "scatter_object_list", "src")
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at least 1.")
    if group.rank == root:
        _check_slots(scatter_object_input_list, group, "scatter_object_list", "scatter_object_input_list")
        pieces = [encode(value, "scatter_object_list") for value in scatter_object_input_list]
        sizes = np.array([piece.size for piece in pieces], np.int64)
        source = [np.concatenate(pieces), (sizes.tolist(), _offsets(sizes))]
    else:
        sizes, source = None, None
    size = np.zeros(1, np.int64)
    group.wait([group.comm.Iscatter(sizes, size, root=root)], "scatter_object_list")
    mine = np.empty(int(size[0]), np.uint8)
    group.wait([group.comm.Iscatterv(source, mine, root=root)], "scatter_object_list")
    scatter_object_output_list[0] = decode(mine)


@members_only
def send_object_list(
    object_list: list[Any], dst: int | None = None, group: ProcessGroup | None = None, device: Any = None,
    group_dst: int | None = None, use_batch: bool = False,
) -> None:  # fmt: skip
    """Send ``object_list``'s values to rank ``dst`` (or ``group_dst``), to :func:`recv_object_list`.

    ``device``: None or the CPU; ``use_batch`` (PyTorch's batched point-to-point) changes nothing here."""
    check_cpu("send_object_list", device)
    group = default_group(group, "send_object_list")
    peer = group.peer(dst, group_dst, "send_object_list", "dst")
    if peer == group.rank:
        raise ValueError(f"send_object_list: dst={group.global_rank(peer)} is this process's own rank")
    data = encode(list(object_list), "send_object_list")
    size = np.array([data.size], np.int64)
    requests = [
        group.comm.Isend(size, dest=peer, tag=_SIZE_TAG),
        group.comm.Isend(data, dest=peer, tag=_DATA_TAG),
    ]
    group.wait(requests, "send_object_list")


@members_only(returns_rank=True)
def recv_object_list(
    object_list: list[Any], src: int | None = None, group: ProcessGroup | None = None, device: Any = None,
    group_src: int | None = None, use_batch: bool = False,
) -> int:  # fmt: skip
    """Fill ``object_list`` with the values rank ``src`` (any rank if None) sent; returns the sender's rank.

    ``object_list`` must have as many slots as the sender's list had values. ``device`` and
    ``use_batch``: as :func:`send_object_list`'s.
    """
    from mpi4py import MPI

    check_cpu("recv_object_list", device)
    group = default_group(group, "recv_object_list")
    peer = group.peer(src, group_src, "recv_object_list", "src", required=False)
    if peer == group.rank:
        raise ValueError(f"recv_object_list: src={group.global_rank(peer)} is this process's own rank")
    size, status = np.zeros(1, np.int64), MPI.Status()
    source = MPI.ANY_SOURCE if peer is None else peer
    group.wait([group.comm.Irecv(size, source=source, tag=_SIZE_TAG)], "recv_object_list", [status])
    sender = status.Get_source()
    data = np.empty(int(size[0]), np.uint8)
    group.wait([group.comm.Irecv(data, source=sender, tag=_DATA_TAG)], "recv_object_list")
    values = decode(data)
    if len(values) != len(object_list):
        raise ValueError(
            f"recv_object_list: rank {group.global_rank(sender)} sent {len(values)} values, but object_list "
            f"has {len(object_list)} slots; give it one slot per value sent"
        )
    object_list[:] = values
    return sender


def _check_slots(values: Any, group: ProcessGroup, op: str, name: str) -> None:
    if not isinstance(values, list) or len(values) != group.size:
        count = f"{len(values)} slots" if isinstance(values, list) else repr(values)
        raise ValueError(f"{op}: {name} must be a list with one slot per rank ({group.size}), got {count}")


def _offsets(sizes: np.ndarray) -> list[int]:
    return np.cumsum([0, *sizes.tolist()[:-1]]).tolist()
