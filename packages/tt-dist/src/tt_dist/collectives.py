"""The rest of ``torch.distributed``'s tensor collectives, and messages between two ranks.

``process_group.py`` has the two that data parallelism needs (``all_reduce``,
``broadcast``). The others follow the same pattern — start the MPI operation
non-blocking, wait for it under the group's timeout, mark the written tensors
as changed — with PyTorch's names, arguments and in-place results:

=========================  ======================================  ===========================
function                   each rank ends with                     MPI operation
=========================  ======================================  ===========================
``all_gather``             every rank's tensor, in a list          ``Iallgather``
``all_gather_into_tensor`` every rank's tensor, in one tensor      ``Iallgather``
``gather``                 (rank ``dst`` only) the same, a list    ``Igather``
``scatter``                its slot of rank ``src``'s list         ``Iscatter``
``reduce``                 (rank ``dst`` only) the reduction       ``Ireduce``
``reduce_scatter``         its slot of the reduced lists           ``Ireduce_scatter_block``
``reduce_scatter_tensor``  its slice of the reduced tensors         ``Ireduce_scatter_block``
``send`` / ``recv``        a tensor from one rank to another       ``Isend`` / ``Irecv``
=========================  ======================================  ===========================

``all_gather_single`` and ``reduce_scatter_single`` are PyTorch 2.13's other names for
``all_gather_into_tensor`` and ``reduce_scatter_tensor``.

``isend`` and ``irecv`` return a :class:`~tt_dist.Work` at once; the collectives
do with ``async_op=True``. Tensors that MPI reads may have any layout (a
non-contiguous one is copied first); tensors that MPI writes into directly must
be contiguous, and every tensor in a list must have the input's shape and dtype.
``ReduceOp.AVG`` divides the sum by the world size (PyTorch offers it on NCCL only).

Cost, for a tensor of n bytes on N ranks: an all-gather receives (N−1)·n bytes per
rank; a reduce-scatter of N·n bytes moves about (N−1)·n; a send moves n once.

Example (``mpiexec -n 2``; both ranks end with ``[tensor([0.]), tensor([1.])]``):
    >>> mine = tt.tensor([float(dist.get_rank())])  # doctest: +SKIP
    >>> everyone = [tt.zeros(1) for _ in range(dist.get_world_size())]  # doctest: +SKIP
    >>> dist.all_gather(everyone, mine)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from tt_tensor import versions

from .process_group import ProcessGroup, ReduceOp, Work, default_group, members_only, writable_buffer


@members_only
def all_gather(
    tensor_list: list[Any], tensor: Any, group: ProcessGroup | None = None, async_op: bool = False
) -> Work | None:
    """Fill ``tensor_list[r]`` with rank r's ``tensor``, on every rank.

    Args:
        tensor_list: one tensor per rank, each of ``tensor``'s shape and dtype; written in place.
        tensor: this rank's contribution.
        async_op: return a :class:`Work` at once instead of waiting.
    """
    group = default_group(group, "all_gather")
    source = _readable(tensor, "all_gather")
    outputs = _slots(tensor_list, source, group, "all_gather", "tensor_list")
    # BEGIN SOLUTION 21 extra
    # TODO: (extra) every rank's tensor into one (world size, *shape) array by a non-blocking
    #   Iallgather; its Work copies rank r's slot into tensor_list[r] when it finishes (§ How it is
    #   built, "The other collectives").
    # HINT: _copy_out(gathered, outputs) is that finish; _started(work, async_op) waits or returns it.
    gathered = np.empty((group.size, *source.shape), source.dtype)
    request = group.comm.Iallgather(source, gathered)
    return _started(Work(group, request, "all_gather", _copy_out(gathered, outputs)), async_op)
    # END SOLUTION


@members_only
def all_gather_into_tensor(
    output_tensor: Any, input_tensor: Any, group: ProcessGroup | None = None, async_op: bool = False
) -> Work | None:
    """Write every rank's ``input_tensor`` into ``output_tensor``, rank by rank along dimension 0.

    ``output_tensor`` holds world size × ``input_tensor.numel()`` values of its dtype:
    shape ``(N·d0, ...)`` (concatenated) or ``(N, d0, ...)`` (stacked), as in PyTorch.
    """
    return _gather_whole(output_tensor, input_tensor, group, async_op, "all_gather_into_tensor")


@members_only
def all_gather_single(
    output_tensor: Any, input_tensor: Any, group: ProcessGroup | None = None, async_op: bool = False
) -> Work | None:
    """:func:`all_gather_into_tensor` under the name PyTorch 2.13 also gives it (errors name this one)."""
    return _gather_whole(output_tensor, input_tensor, group, async_op, "all_gather_single")


def _gather_whole(output_tensor: Any, input_tensor: Any, group: Any, async_op: bool, op: str) -> Work | None:
    """``all_gather_into_tensor`` (or its other name, ``op``): every rank's input into one output."""
    group = default_group(group, op)
    source = _readable(input_tensor, op)
    output = writable_buffer(output_tensor, op)
    _check_whole(output, source, group, op, "output_tensor", "input_tensor")
    request = group.comm.Iallgather(source, output)
    return _started(Work(group, request, op, lambda: versions.bump(output), [output_tensor]), async_op)


@members_only
def gather(
    tensor: Any,
    gather_list: list[Any] | None = None,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_dst: int | None = None,
) -> Work | None:
    """Send every rank's ``tensor`` to rank ``dst``, which finds rank r's in ``gather_list[r]``.

    ``gather_list`` (one tensor per rank, of ``tensor``'s shape and dtype) is given on
    rank ``dst`` only; the other ranks pass None. ``dst`` is a global rank (0 if neither
    it nor ``group_dst``, a rank within ``group``, is given).
    """
    group = default_group(group, "gather")
    dst = group.peer(dst, group_dst, "gather", "dst")
    source = _readable(tensor, "gather")
    if group.rank != dst:
        if gather_list:
            raise ValueError(
                f"gather: gather_list is given on rank {group.rank}, but only rank dst={dst} "
                "receives; pass gather_list=None on the other ranks"
            )
        return _started(Work(group, group.comm.Igather(source, None, root=dst), "gather"), async_op)
    outputs = _slots(gather_list, source, group, "gather", "gather_list")
    gathered = np.empty((group.size, *source.shape), source.dtype)
    request = group.comm.Igather(source, gathered, root=dst)
    return _started(Work(group, request, "gather", _copy_out(gathered, outputs)), async_op)


@members_only
def scatter(
    tensor: Any,
    scatter_list: list[Any] | None = None,
    src: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_src: int | None = None,
) -> Work | None:
    """Write ``scatter_list[r]`` of rank ``src`` into ``tensor`` on rank r.

    ``scatter_list`` (one tensor per rank, of ``tensor``'s shape and dtype) is given on
    rank ``src`` only; the other ranks pass None. ``src`` is a global rank (0 if neither
    it nor ``group_src`` is given).
    """
    group = default_group(group, "scatter")
    src = group.peer(src, group_src, "scatter", "src")
    output = writable_buffer(tensor, "scatter")
    if group.rank != src:
        if scatter_list:
            raise ValueError(
                f"scatter: scatter_list is given on rank {group.rank}, but only rank src={src} "
                "sends; pass scatter_list=None on the other ranks"
            )
        request = group.comm.Iscatter(None, output, root=src)
    else:
        inputs = _slots(scatter_list, output, group, "scatter", "scatter_list")
        request = group.comm.Iscatter(np.stack(inputs), output, root=src)
    return _started(Work(group, request, "scatter", lambda: versions.bump(output), [tensor]), async_op)


@members_only
def reduce(
    tensor: Any,
    dst: int | None = None,
    op: ReduceOp = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_dst: int | None = None,
) -> Work | None:
    """Combine ``tensor`` over every rank into rank ``dst``'s ``tensor``; the others' stay as they were.

    ``dst`` is a global rank (0 if neither it nor ``group_dst`` is given).
    """
    from mpi4py import MPI

    group = default_group(group, "reduce")
    dst = group.peer(dst, group_dst, "reduce", "dst")
    mpi_op = group.mpi_op(op, "reduce", tensor)
    # BEGIN SOLUTION 21 extra
    # TODO: (extra) Ireduce with root dst: the other ranks only send their tensor (no receive buffer);
    #   rank dst reduces in place (MPI.IN_PLACE) and, when done, divides for AVG and marks the write.
    # HINT: _finish_reduction(array, op, group) is that last step.
    if group.rank != dst:
        request = group.comm.Ireduce(_readable(tensor, "reduce"), None, op=mpi_op, root=dst)
        return _started(Work(group, request, "reduce"), async_op)
    array = writable_buffer(tensor, "reduce")
    request = group.comm.Ireduce(MPI.IN_PLACE, array, op=mpi_op, root=dst)
    return _started(Work(group, request, "reduce", _finish_reduction(array, op, group)), async_op)
    # END SOLUTION


@members_only
def reduce_scatter(
    output: Any,
    input_list: list[Any],
    op: ReduceOp = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Rank r's ``output`` becomes ``input_list[r]`` combined over every rank.

    ``input_list`` has one tensor per rank, each of ``output``'s shape and dtype.
    """
    group = default_group(group, "reduce_scatter")
    array = writable_buffer(output, "reduce_scatter")
    inputs = _slots(input_list, array, group, "reduce_scatter", "input_list")
    mpi_op = group.mpi_op(op, "reduce_scatter", array)
    request = group.comm.Ireduce_scatter_block(np.stack(inputs), array, op=mpi_op)
    work = Work(group, request, "reduce_scatter", _finish_reduction(array, op, group), [output])
    return _started(work, async_op)


@members_only
def reduce_scatter_tensor(
    output: Any,
    input: Any,
    op: ReduceOp = ReduceOp.SUM,  # noqa: A002 (PyTorch's name)
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """Rank r's ``output`` becomes the r-th of N equal slices of ``input`` (along dimension 0), combined.

    ``input`` holds world size × ``output.numel()`` values: ``(N·d0, ...)`` or ``(N, d0, ...)``.
    """
    return _reduce_scatter_whole(output, input, op, group, async_op, "reduce_scatter_tensor")


@members_only
def reduce_scatter_single(
    output: Any,
    input: Any,  # noqa: A002 (PyTorch's name)
    op: ReduceOp = ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
) -> Work | None:
    """:func:`reduce_scatter_tensor` under the name PyTorch 2.13 also gives it (errors name this one)."""
    return _reduce_scatter_whole(output, input, op, group, async_op, "reduce_scatter_single")


def _reduce_scatter_whole(
    output: Any, whole: Any, op: ReduceOp, group: Any, async_op: bool, name: str
) -> Work | None:
    """``reduce_scatter_tensor`` (or its other name, ``name``): the reduced slices of ``whole``."""
    group = default_group(group, name)
    array = writable_buffer(output, name)
    source = _readable(whole, name)
    _check_whole(source, array, group, name, "input", "output")
    request = group.comm.Ireduce_scatter_block(source, array, op=group.mpi_op(op, name, array))
    return _started(Work(group, request, name, _finish_reduction(array, op, group), [output]), async_op)


@members_only
def isend(
    tensor: Any, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
    group_dst: int | None = None,
) -> Work:  # fmt: skip
    """Start sending ``tensor`` to global rank ``dst`` (or ``group_dst``); ``wait()`` before changing it."""
    group = default_group(group, "isend")
    dst = _check_peer(group.peer(dst, group_dst, "isend", "dst"), group, "isend", "dst")
    source = _readable(tensor, "isend")
    return Work(group, group.comm.Isend(source, dest=dst, tag=tag), "isend", outputs=[tensor])


@members_only
def send(
    tensor: Any, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
    group_dst: int | None = None,
) -> None:  # fmt: skip
    """Send ``tensor`` to global rank ``dst`` (or ``group_dst``), which takes it with :func:`recv`."""
    isend(tensor, dst, group, tag, group_dst).wait()


@members_only
def irecv(
    tensor: Any, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
    group_src: int | None = None,
) -> Work:  # fmt: skip
    """Start receiving into ``tensor`` from global rank ``src`` (or ``group_src``; any rank if neither)."""
    from mpi4py import MPI

    group = default_group(group, "irecv")
    src = _check_peer(group.peer(src, group_src, "irecv", "src", required=False), group, "irecv", "src")
    array = writable_buffer(tensor, "irecv")
    request = group.comm.Irecv(array, source=MPI.ANY_SOURCE if src is None else src, tag=tag)
    return Work(group, request, "irecv", lambda: versions.bump(array), [tensor])


@members_only(returns_rank=True)
def recv(
    tensor: Any, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
    group_src: int | None = None,
) -> int:  # fmt: skip
    """Receive into ``tensor`` what global rank ``src`` (or ``group_src``; any rank if neither) sends.

    Returns the sender's global rank (-1 on a rank outside ``group``).
    """
    from mpi4py import MPI

    group = default_group(group, "recv")
    src = _check_peer(group.peer(src, group_src, "recv", "src", required=False), group, "recv", "src")
    array = writable_buffer(tensor, "recv")
    # BEGIN SOLUTION 21 extra
    # TODO: (extra) an Irecv from src (MPI.ANY_SOURCE for None) with this tag, waited for under the
    #   group's timeout with an MPI.Status that tells who sent it; mark the write, return the sender.
    status = MPI.Status()
    request = group.comm.Irecv(array, source=MPI.ANY_SOURCE if src is None else src, tag=tag)
    group.wait([request], "recv", statuses=[status])
    versions.bump(array)
    return status.Get_source()
    # END SOLUTION


# ---------------------------------------------------------------------------- helpers
def _started(work: Work, async_op: bool) -> Work | None:
    """``work`` itself for ``async_op``; otherwise wait for it here and return None (PyTorch's contract)."""
    if async_op:
        return work
    work.wait()
    return None


def _readable(tensor: Any, op: str) -> np.ndarray:
    """A tensor's values as a C-contiguous array for MPI to read (a copy only if the layout needs one)."""
    array = getattr(tensor, "array", None)
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{op}: expected a tinytorch Tensor, got {type(tensor).__name__}")
    return array if array.flags.c_contiguous else array.copy(order="C")  # (ascontiguousarray makes 0-d 1-d)


def _slots(
    tensors: Sequence[Any] | None, like: np.ndarray, group: ProcessGroup, op: str, name: str
) -> list[np.ndarray]:
    """The arrays of a per-rank list: one per rank, each of ``like``'s shape and dtype."""
    if tensors is None or len(tensors) != group.size:
        count = "None" if tensors is None else f"{len(tensors)} tensors"
        raise ValueError(f"{op}: {name} must hold one tensor per rank ({group.size}), got {count}")
    arrays = []
    for r, tensor in enumerate(tensors):
        array = getattr(tensor, "array", None)
        if not isinstance(array, np.ndarray):
            raise TypeError(f"{op}: {name}[{r}] must be a tinytorch Tensor, got {type(tensor).__name__}")
        if array.shape != like.shape or array.dtype != like.dtype:
            raise ValueError(
                f"{op}: {name}[{r}] has shape {tuple(array.shape)} and dtype {array.dtype}; every entry must "
                f"have shape {tuple(like.shape)} and dtype {like.dtype}, like the tensor it pairs with"
            )
        arrays.append(array)
    return arrays


def _check_whole(
    whole: np.ndarray, part: np.ndarray, group: ProcessGroup, op: str, whole_name: str, part_name: str
) -> None:
    """``whole`` must hold world size × ``part`` values, of ``part``'s dtype, slices along dimension 0."""
    stacked = (group.size, *part.shape)
    concatenated = (group.size * part.shape[0], *part.shape[1:]) if part.ndim else None
    if whole.dtype != part.dtype or whole.shape not in (stacked, concatenated):
        raise ValueError(
            f"{op}: {whole_name} of shape {tuple(whole.shape)} ({whole.dtype}) does not hold {group.size} "
            f"ranks' {part_name} of shape {tuple(part.shape)} ({part.dtype}): give it shape {stacked}"
            + (f" or {concatenated}" if concatenated else "")
            + f" and dtype {part.dtype}"
        )


def _check_peer(rank: int | None, group: ProcessGroup, op: str, name: str) -> int | None:
    """``rank`` (a group rank), refused if it is this process's own: a message goes to another rank."""
    if rank is not None and rank == group.rank:
        raise ValueError(
            f"{op}: {name}={group.global_rank(rank)} is this process's own rank; "
            "a message goes to another rank"
        )
    return rank


def _copy_out(gathered: np.ndarray, outputs: list[np.ndarray]) -> Callable[[], None]:
    """After the gather: rank r's values into ``outputs[r]``, each marked as written."""

    def finish() -> None:
        # BEGIN SOLUTION 21 extra
        # TODO: (extra) rank r's slot of gathered into outputs[r], in place, each write marked.
        for output, values in zip(outputs, gathered):
            output[...] = values
            versions.bump(output)
        # END SOLUTION

    return finish


def _finish_reduction(array: np.ndarray, op: ReduceOp, group: ProcessGroup) -> Callable[[], None]:
    """After a reduction into ``array``: the division of AVG, and the write recorded."""

    def finish() -> None:
        # BEGIN SOLUTION 21 extra
        # TODO: (extra) AVG is MPI's SUM divided by the world size (in place); then mark the write.
        if op is ReduceOp.AVG:
            np.divide(array, group.size, out=array)
        versions.bump(array)
        # END SOLUTION

    return finish
