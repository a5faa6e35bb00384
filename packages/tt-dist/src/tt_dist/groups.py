"""Sub-groups of ranks, and what the job knows about its backends and ranks (``torch.distributed``'s names).

:func:`new_group` makes an MPI sub-communicator of some of the job's ranks. Pass it
as ``group=`` to any collective or message and only its members take part; ranks
named in ``src``/``dst`` stay *global* ranks (``group_src``/``group_dst`` name them
by their place in the group), as in PyTorch. On a rank that is not a member,
:func:`new_group` returns ``GroupMember.NON_GROUP_MEMBER``: collectives given it do
nothing (with a warning), :func:`~tt_dist.get_rank` and
:func:`~tt_dist.get_world_size` return -1.

Every rank of the job calls :func:`new_group` with the same ranks, in the same order
of calls (members and non-members alike), as PyTorch requires. Making a group costs
one collective among its members (``MPI_Comm_create_group``); its collectives then
cost what the world's do for that many ranks.

Example (``mpiexec -n 4``; ranks 0 and 2 sum their tensors, 1 and 3 theirs):
    >>> mine, groups = dist.new_subgroups_by_enumeration([[0, 2], [1, 3]])  # doctest: +SKIP
    >>> dist.all_reduce(t, group=mine)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from tt_tensor.devices import check_cpu

from . import process_group
from .process_group import GroupMember, ProcessGroup, default_group, is_available
from .timeouts import seconds_of


class Backend(str):
    """A backend's name, lower-cased (``torch.distributed.Backend``): ``Backend("MPI") == "mpi"``.

    tt-dist has one backend, MPI; the other names exist so code that names them reads the
    same, and :func:`is_backend_available` says they are not here.
    """

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"
    XCCL = "xccl"
    backend_list = [UNDEFINED, GLOO, NCCL, XCCL, UCC, MPI]

    def __new__(cls, name: str) -> Backend:
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, got {name!r}")
        value = name.lower()
        if value == Backend.UNDEFINED:
            raise ValueError(f"Invalid backend: '{name}'")
        return str.__new__(cls, value)


def is_mpi_available() -> bool:
    """True when mpi4py can be imported: tt-dist's only backend."""
    return is_available()


def is_gloo_available() -> bool:
    """False: tt-dist runs on MPI only."""
    return False


def is_nccl_available() -> bool:
    """False: tt-dist runs on MPI only (and on CPUs)."""
    return False


def is_backend_available(backend: str) -> bool:
    """Whether ``backend`` (``"mpi"``, ``"cpu:mpi"``, …) can be used here: MPI's only."""
    names = [part.split(":")[-1] for part in str(backend).lower().split(",")]
    return all(name == Backend.MPI for name in names) and is_mpi_available()


def get_pg_count() -> int:
    """How many process groups have been made: the default one and every :func:`new_group` call."""
    return process_group._group_count


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """This process's rank among those on its machine.

    ``LOCAL_RANK`` (set by ``torchrun``) as in PyTorch; else the MPI launcher's own
    (``MPI_LOCALRANKID`` from MPICH's ``mpiexec``, ``OMPI_COMM_WORLD_LOCAL_RANK`` from
    Open MPI's); else ``fallback_rank``; else a ``RuntimeError``.
    """
    for name in ("LOCAL_RANK", "MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK"):
        if name in os.environ:
            return int(os.environ[name])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError(
        "LOCAL_RANK is not in the environment (nor an MPI launcher's local rank). Consider passing "
        "fallback_rank to allow `get_node_local_rank` to work, assuming you are not running in a "
        "multi-device context and want the code to run locally instead."
    )


def new_group(
    ranks: Sequence[int] | None = None,
    timeout: datetime.timedelta | float | None = None,
    backend: str | None = None,
    pg_options: Any = None,
    use_local_synchronization: bool = False,
    group_desc: str | None = None,
    device_id: Any = None,
    sort_ranks: bool = True,
) -> ProcessGroup | int:
    """A process group of the global ``ranks`` (all of them if None), for ``group=`` arguments.

    Every rank of the job calls it with the same ``ranks``. Members get the group (their
    group rank is their place in ``ranks``, sorted unless ``sort_ranks=False``); the
    others get ``GroupMember.NON_GROUP_MEMBER``. ``timeout`` (a ``timedelta`` or seconds)
    bounds its collectives as ``init_process_group``'s does (default: the world's).
    ``group_desc`` (a description for PyTorch's logs) is accepted and ignored; ``pg_options`` (a NCCL
    or Gloo group's options) is refused unless None, ``device_id`` unless None or the CPU.
    """
    if pg_options is not None:
        raise ValueError(
            "new_group: pg_options configures a NCCL or Gloo process group; the MPI backend takes none "
            "(leave it None)"
        )
    check_cpu("new_group", device_id)
    world = default_group(None, "new_group")
    if backend is not None and Backend(backend) != Backend.MPI:
        raise ValueError(f"new_group: backend {backend!r} is not available; tt-dist runs on MPI")
    if use_local_synchronization:
        raise ValueError("MPI backend doesn't support use_local_synchronization=True")
    members = list(range(world.size)) if ranks is None else _checked_ranks(ranks, world.size, sort_ranks)
    seconds = _seconds(timeout, world.timeout)
    process_group._group_count += 1
    if world.rank not in members:
        return GroupMember.NON_GROUP_MEMBER
    comm = world.comm.Create_group(world.comm.Get_group().Incl(members), tag=process_group._group_count)
    made = ProcessGroup(comm, comm.Get_rank(), comm.Get_size(), seconds, tuple(members))
    process_group._subgroups.append(made)
    return made


def _checked_ranks(ranks: Sequence[int], world_size: int, sort_ranks: bool) -> list[int]:
    members = list(ranks)
    for rank in members:
        if not isinstance(rank, (int, np.integer)) or isinstance(rank, bool):
            raise TypeError(f"new_group: ranks must be integers (global ranks), got {rank!r}")
        if not 0 <= rank < world_size:
            raise ValueError(
                f"Rank {rank} is out of range. Valid ranks are 0 to {world_size - 1} "
                f"(world_size={world_size})"
            )
    if len(set(members)) != len(members):
        raise ValueError(f"ranks list must not contain duplicate entries, got {members}")
    if not members:
        raise ValueError("new_group: ranks is empty; a group needs at least one rank")
    return [int(rank) for rank in (sorted(members) if sort_ranks else members)]


def _seconds(timeout: Any, default: float | None) -> float | None:
    return seconds_of("new_group", timeout, default)


def new_subgroups(
    group_size: int | None = None,
    group: Any = None,
    timeout: datetime.timedelta | float | None = None,
    backend: str | None = None,
    pg_options: Any = None,
    group_desc: str | None = None,
) -> tuple[ProcessGroup, list[ProcessGroup | int]]:
    """Cut the world into groups of ``group_size`` consecutive ranks; returns (this rank's, all of them).

    ``group_size`` must divide the world size. (PyTorch's default, one group per machine's
    GPUs, has no meaning here, so it must be given.)
    """
    world_size = default_group(group, "new_subgroups").size
    if group_size is None:
        raise ValueError(
            "Default group size only takes effect when CUDA is available. tt-dist has no CUDA: "
            "please pass in 'group_size' correctly."
        )
    if isinstance(group_size, bool) or not isinstance(group_size, (int, np.integer)):
        raise TypeError(f"new_subgroups: group_size must be an integer, got {group_size!r}")
    if group_size <= 0:
        raise ValueError(f"The arg 'group_size' ({group_size}) must be positive")
    if world_size < group_size:
        raise ValueError(f"The arg 'group_size' ({group_size}) must not exceed the world size ({world_size})")
    if world_size % group_size != 0:
        raise ValueError(f"The world size ({world_size}) must be divisible by '{group_size=}'")
    ranks = get_process_group_ranks(group)
    blocks = [ranks[i : i + group_size] for i in range(0, world_size, group_size)]
    return new_subgroups_by_enumeration(blocks, timeout, backend, pg_options, group_desc)


def new_subgroups_by_enumeration(
    ranks_per_subgroup_list: Sequence[Sequence[int]],
    timeout: datetime.timedelta | float | None = None,
    backend: str | None = None,
    pg_options: Any = None,
    group_desc: str | None = None,
) -> tuple[ProcessGroup | None, list[ProcessGroup | int]]:
    """One :func:`new_group` per list of global ranks; returns (this rank's group or None, all of them).

    The lists must not share a rank.
    """
    if ranks_per_subgroup_list is None or len(ranks_per_subgroup_list) == 0:
        raise ValueError("The arg 'ranks_per_subgroup_list' cannot be empty")
    owner: dict[int, list[int]] = {}
    for ranks in ranks_per_subgroup_list:
        for rank in ranks:
            if rank in owner:
                raise ValueError(f"Rank {rank} has appeared in both subgroup {owner[rank]} and {list(ranks)}")
            owner[rank] = list(ranks)
    subgroups = [new_group(ranks, timeout, backend, pg_options) for ranks in ranks_per_subgroup_list]
    mine = [made for made in subgroups if isinstance(made, ProcessGroup)]
    return (mine[0] if mine else None), subgroups


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:
    """The global ranks of ``group``'s members, in group-rank order (the default group's if None)."""
    group = default_group(group, "get_process_group_ranks")
    return list(range(group.size)) if group.ranks is None else list(group.ranks)


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    """The group rank of global rank ``global_rank`` (a ``ValueError`` if it is not a member)."""
    group = _given(group, "get_group_rank")
    if group.ranks is None:
        return global_rank
    if global_rank not in group.ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group of ranks {list(group.ranks)}")
    return group.ranks.index(global_rank)


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    """The global rank of the member with group rank ``group_rank`` (a ``ValueError`` if there is none)."""
    group = _given(group, "get_global_rank")
    if group.ranks is None:
        return group_rank
    if isinstance(group_rank, bool) or not isinstance(group_rank, (int, np.integer)):
        raise TypeError(f"get_global_rank: group_rank must be an integer, got {group_rank!r}")
    if not 0 <= group_rank < group.size:
        raise ValueError(f"Group rank {group_rank} is not part of group of ranks {list(group.ranks)}")
    return group.ranks[group_rank]


def _given(group: ProcessGroup, op: str) -> ProcessGroup:
    """``group`` itself: these translations need one named (``group.WORLD`` for the default)."""
    if group is None:
        raise ValueError(f"{op}: group must be a process group (group.WORLD for the default one)")
    return default_group(group, op)
