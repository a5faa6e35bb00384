"""The process group and its collectives: ``torch.distributed``'s functions, on MPI through mpi4py.

Every process of a job runs the same script; ``mpiexec -n N python train.py``
starts N of them (add ``-f hosts`` to spread them over machines). Each calls
:func:`init_process_group` once, then :func:`get_rank` (0 … N-1) and
:func:`get_world_size` (N) tell it who it is, and the collectives move tensors
between all of them:

* :func:`all_reduce` — every rank ends with the elementwise sum (or min, max,
  product, average) of everyone's tensor;
* :func:`broadcast` — every rank ends with rank ``src``'s tensor;
* :func:`barrier` — nobody leaves until everybody has arrived.

Tensors are changed in place, as in PyTorch, and their version counter is
bumped like any in-place write. ``import tt_dist`` does not start MPI:
:func:`init_process_group` does (importing ``mpi4py.MPI``), so programs that
never train in parallel pay nothing.

A rank that raises after :func:`init_process_group` prints its traceback and
aborts the whole job (``MPI_Abort``), so the other ranks do not wait forever
inside a collective for a partner that is gone. A collective that waits longer
than the group's ``timeout`` raises ``TimeoutError`` (and so ends the job too):
collectives start non-blocking and poll (:meth:`ProcessGroup.wait`).

Cost: an all-reduce of n bytes on N ranks moves about 2·n·(N-1)/N bytes per
rank (MPI picks ring or tree algorithms); broadcast about n.
"""

from __future__ import annotations

import datetime
import enum
import functools
import inspect
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from tt_tensor import versions
from tt_tensor.devices import check_cpu

from . import collective_check, debug
from .futures import Future
from .store import PrefixStore, Store, check_init_store
from .timeouts import seconds_of

#: PyTorch's default: a collective waits at most 30 minutes for the other ranks.
DEFAULT_TIMEOUT = 1800.0

_NOT_INITIALIZED = (
    "Default process group has not been initialized, please make sure to call init_process_group() "
    "(and launch the script with `mpiexec -n N python script.py`)"
)


class ReduceOp(enum.Enum):
    """How :func:`all_reduce` combines the ranks' tensors (``torch.distributed.ReduceOp``)."""

    SUM = "sum"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    AVG = "avg"


@dataclass(eq=False)
class ProcessGroup:
    """A set of ranks that run collectives together: here, an MPI communicator.

    ``comm`` is the mpi4py communicator (``MPI.COMM_WORLD`` for the default
    group, a sub-communicator for one made by :func:`~tt_dist.new_group`);
    ``rank`` and ``size`` are read from it once. ``ranks`` lists the members' global
    ranks in group-rank order (None: the group ranks are the global ones).
    Groups compare by identity, as PyTorch's do.
    """

    comm: Any
    rank: int
    size: int
    timeout: float | None = DEFAULT_TIMEOUT  # seconds a collective may wait for the other ranks
    ranks: tuple[int, ...] | None = None

    def global_rank(self, group_rank: int) -> int:
        """The global rank of the member with this group rank."""
        return group_rank if self.ranks is None else self.ranks[group_rank]

    def group_rank(self, rank: Any, op: str, name: str) -> int:
        """The group rank of global rank ``rank``; a ``ValueError`` naming ``op`` if it is not a member."""
        if self.ranks is None:
            if not isinstance(rank, (int, np.integer)) or not 0 <= rank < self.size:
                raise ValueError(
                    f"{op}: {name}={rank!r} is not a rank of a group of {self.size} (0 … {self.size - 1})"
                )
            return int(rank)
        if not isinstance(rank, (int, np.integer)) or rank not in self.ranks:
            raise ValueError(
                f"{op}: {name}={rank!r} is not a member of this group, whose global ranks are "
                f"{list(self.ranks)} (pass group_{name}= for a rank within the group)"
            )
        return self.ranks.index(rank)

    def peer(self, rank: Any, group_rank: Any, op: str, name: str, required: bool = True) -> int | None:
        """The group rank meant by ``name=rank`` (global) or ``group_<name>=group_rank``, as PyTorch's.

        Neither given: global rank 0 (None if not ``required``: a receive from any rank).
        """
        if group_rank is not None:
            if rank is not None:
                raise ValueError(f"{op}: give {name}= (a global rank) or group_{name}=, not both")
            if not isinstance(group_rank, (int, np.integer)) or not 0 <= group_rank < self.size:
                raise ValueError(
                    f"{op}: group_{name}={group_rank!r} is not a rank of a group of {self.size} "
                    f"(0 … {self.size - 1})"
                )
            return int(group_rank)
        if rank is None:
            return self.group_rank(0, op, name) if required else None
        return self.group_rank(rank, op, name)

    def wait(
        self, requests: list[Any], op: str, statuses: list[Any] | None = None, limit: float | None = None
    ) -> None:
        """Finish the started ``requests``; past ``timeout`` seconds, raise ``TimeoutError`` naming ``op``.

        MPI has no timeout of its own: this polls the requests (``Testall``), yielding the
        CPU between polls. The error then ends the job (see :func:`init_process_group`).
        ``statuses`` (``MPI.Status`` objects, one per request) receive who sent what. ``limit``
        (seconds), if given, replaces the group's timeout for this wait (``barrier(timeout=)``).
        """
        from mpi4py import MPI

        seconds = self.timeout if limit is None else limit
        if seconds is None:
            MPI.Request.Waitall(requests, statuses)
            return
        deadline = time.monotonic() + seconds
        while not MPI.Request.Testall(requests, statuses):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{op}: rank {self.rank} waited more than {seconds:g} s for the other ranks of "
                    f"{self.size}; one of them has stopped or is not calling the same collectives in the "
                    "same order (raise init_process_group's timeout= for long pauses between collectives)"
                )
            time.sleep(_POLL)

    def mpi_op(self, op: ReduceOp, caller: str = "all_reduce", values: Any = None) -> Any:
        """The MPI operation for ``op`` (AVG is a SUM followed by a division); ``caller`` names errors.

        ``values`` (the tensor or array reduced, if given): complex ones are refused an ``op``
        that :func:`supports_complex` refuses, naming the op, as PyTorch refuses them.
        """
        from mpi4py import MPI

        table = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
                 ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX}  # fmt: skip
        if not isinstance(op, ReduceOp):
            raise TypeError(f"{caller}: op must be a ReduceOp (SUM, PRODUCT, MIN, MAX, AVG), got {op!r}")
        dtype = getattr(getattr(values, "array", values), "dtype", None)
        if dtype is not None and dtype.kind == "c" and not supports_complex(op):
            raise ValueError(
                f"{caller} does not support {op} on complex tensors ({dtype}); use ReduceOp.SUM or AVG"
            )
        return table[op]


def supports_complex(reduceOp: ReduceOp) -> bool:  # noqa: N803 (PyTorch's name)
    """Whether ``reduceOp`` may combine complex tensors (``torch.distributed.supports_complex``).

    Not MIN or MAX (complex numbers have no order), nor PRODUCT: MPI could multiply them, but
    PyTorch refuses it, and so does tt-dist, so that code runs the same on both.
    """
    return reduceOp not in (ReduceOp.MAX, ReduceOp.MIN, ReduceOp.PRODUCT)


_DETAIL = debug.DebugLevel.DETAIL
_default: ProcessGroup | None = None
_default_store: Store | None = None  # init_process_group's store=, under the prefix "default_pg"
_subgroups: list[ProcessGroup] = []  # made by new_group, freed by destroy_process_group
_group_count = 0  # PyTorch's get_pg_count: groups made since init_process_group, this rank a member or not


class _WorldMeta(type):
    """``WORLD`` as a class attribute that follows the default group (None before it is made)."""

    @property
    def WORLD(cls) -> ProcessGroup | None:  # noqa: N802 (PyTorch's name)
        return _default


class group(metaclass=_WorldMeta):  # noqa: N801 (PyTorch's name)
    """``group.WORLD``: the default process group (``torch.distributed.group``)."""


class GroupMember(metaclass=_WorldMeta):
    """``GroupMember.WORLD``, and ``NON_GROUP_MEMBER``: what :func:`new_group` gives the ranks outside."""

    NON_GROUP_MEMBER = -100


def members_only(function: Callable[..., Any] | None = None, *, returns_rank: bool = False) -> Any:
    """A collective called with a group this rank is not in does nothing and returns None, as PyTorch's.

    It warns (``Running all_reduce on global rank 2 which does not belong to the given
    group.``); ``returns_rank`` functions (``recv``) return -1 instead and have the group
    rank they return translated into a global rank. With the debug level DETAIL, the
    collectives of :data:`~tt_dist.collective_check.COMPARED` first check that every rank
    runs the same one (:func:`~tt_dist.collective_check.check`).
    """
    if function is None:
        return functools.partial(members_only, returns_rank=returns_rank)
    parameters = list(inspect.signature(function).parameters)
    position = parameters.index("group")
    checked = function.__name__ in collective_check.COMPARED
    compared = collective_check.COMPARED.get(function.__name__)
    compared_at = parameters.index(compared) if compared else 0

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        chosen = args[position] if len(args) > position else kwargs.get("group")
        if isinstance(chosen, int) and chosen == GroupMember.NON_GROUP_MEMBER:
            rank = -1 if _default is None else _default.rank
            message = (
                f"Running {function.__name__} on global rank {rank} which does not belong to the given group."
            )
            warnings.warn(message, stacklevel=2)
            return -1 if returns_rank else None
        if checked and debug._level is _DETAIL:  # all that OFF costs: this test
            tensor = (
                (args[compared_at] if len(args) > compared_at else kwargs.get(compared)) if compared else None
            )
            collective_check.check(function.__name__, tensor, default_group(chosen, function.__name__))
        result = function(*args, **kwargs)
        if returns_rank:
            return default_group(chosen).global_rank(result)
        return result

    return wrapper


_previous_excepthook = None
#: Seconds a failing rank waits between printing its traceback and ending the job.
ABORT_GRACE_S = 0.5
_POLL = 2e-5  # seconds between polls of an unfinished collective


def init_process_group(
    backend: str | None = "mpi",
    init_method: str | None = None,
    timeout: datetime.timedelta | float | None = datetime.timedelta(seconds=DEFAULT_TIMEOUT),
    world_size: int = -1,
    rank: int = -1,
    store: Store | None = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Join the job's default process group (``MPI.COMM_WORLD``); call once per process.

    Args:
        backend: ``"mpi"`` (the only backend; ``None`` means the same).
        init_method: ignored: MPI's launcher (``mpiexec``) already connects the ranks.
        timeout: how long a collective of tt-dist (``all_reduce``, ``broadcast``,
            ``barrier``, DDP's gradient all-reduce) waits for the other ranks before
            raising ``TimeoutError``, which ends the job: a ``datetime.timedelta`` or
            seconds (default 30 minutes, PyTorch's; ``None``: wait forever).
        world_size, rank: if given, checked against what ``mpiexec`` started (PyTorch's MPI
            backend warns and ignores them; a disagreement here is a launch mistake).
        store: a key-value store every rank reaches (a :class:`~tt_dist.FileStore` on a
            shared file); then ``world_size`` and ``rank`` are required, as in PyTorch. MPI
            connects the ranks without it; it is kept, as PyTorch keeps it, under the prefix
            ``default_pg`` for code that shares values beside the collectives
            (``_get_default_store()``, private in PyTorch too: it has no public route).
        group_name: ignored, as PyTorch ignores it (deprecated there).
        pg_options: a NCCL or Gloo group's options; the MPI backend takes none, so anything but
            ``None`` is refused.
        device_id: the device to bind the process to; ``None`` or the CPU (any other is refused).

    Raises:
        ValueError: another backend, a second call, a world size / rank that is not
            the one ``mpiexec`` gave this process, or ``store`` without them or with ``init_method``.
    """
    global _default, _previous_excepthook, _default_store
    if backend not in (None, "mpi"):
        raise ValueError(
            f"init_process_group: backend {backend!r} is not available; tt-dist runs on MPI: "
            "use backend='mpi' "
            "and launch with `mpiexec -n N python script.py`"
        )
    if pg_options is not None:
        raise ValueError(
            "init_process_group: pg_options configures a NCCL or Gloo process group; the MPI backend takes "
            "none (leave it None)"
        )
    check_cpu("init_process_group", device_id)
    if _default is not None:
        raise ValueError("init_process_group: trying to initialize the default process group twice")
    if store is not None:
        check_init_store(store, init_method, world_size, rank)
    from mpi4py import MPI  # starts MPI (MPI_Init_thread) the first time it is imported

    seconds = seconds_of("init_process_group", timeout, None)
    comm = MPI.COMM_WORLD
    group = ProcessGroup(comm, comm.Get_rank(), comm.Get_size(), seconds)
    if world_size not in (-1, None) and world_size != group.size:
        raise ValueError(
            f"init_process_group: world_size={world_size} but mpiexec started {group.size} processes; "
            f"launch with `mpiexec -n {world_size}` or leave world_size out"
        )
    if rank not in (-1, None) and rank != group.rank:
        raise ValueError(f"init_process_group: rank={rank} but MPI gave this process rank {group.rank}")
    global _group_count
    _default, _group_count = group, 1
    _default_store = None if store is None else PrefixStore("default_pg", store)
    _previous_excepthook = sys.excepthook
    sys.excepthook = _abort_job


def _get_default_store() -> Store:
    """The store given to :func:`init_process_group`, under the prefix ``default_pg`` (as in PyTorch).

    PyTorch's MPI backend keeps a placeholder store when none is given; here that is an error
    naming the fix, since every call on the placeholder would fail.
    """
    if _default is None:
        raise ValueError(
            "Default process group has not been initialized, please make sure to call init_process_group."
        )
    if _default_store is None:
        raise RuntimeError(
            "_get_default_store: init_process_group was called without store=; pass "
            "store=FileStore(path, world_size) with world_size= and rank= to share one "
            "(MPI itself needs none)"
        )
    return _default_store


def _abort_job(kind: type[BaseException], error: BaseException, trace: Any) -> None:
    """An uncaught error on one rank: show it, then end every rank of the job (no hang in a collective)."""
    group = _default
    prefix = f"[rank {group.rank}] " if group is not None else ""
    lines = traceback.format_exception(kind, error, trace)
    sys.stderr.write("".join(prefix + line for text in lines for line in text.splitlines(True)))
    sys.stderr.flush()
    if group is not None and group.size > 1:
        # The launcher forwards each rank's output through pipes; MPI_Abort kills the ranks and
        # can drop what it has not forwarded yet, so give it a moment to pass the traceback on.
        time.sleep(ABORT_GRACE_S)
        group.comm.Abort(1)
    elif _previous_excepthook is not None:
        _previous_excepthook(kind, error, trace)


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Free ``group`` (one made by :func:`~tt_dist.new_group`); with None, every group and the default.

    MPI itself is finalized when the process exits.
    """
    global _default, _previous_excepthook, _group_count, _default_store
    if _default is None:
        raise RuntimeError(f"destroy_process_group: {_NOT_INITIALIZED}")
    if isinstance(group, int) and group == GroupMember.NON_GROUP_MEMBER:
        return
    if group is not None and group is not _default:
        if group not in _subgroups:
            raise ValueError(
                "destroy_process_group: this group was not made by new_group, or is freed already"
            )
        _subgroups.remove(group)
        group.comm.Free()
        return
    for made in _subgroups:
        made.comm.Free()
    _subgroups.clear()
    _default, _group_count, _default_store = None, 0, None  # the store is let go, as PyTorch's
    if _previous_excepthook is not None:
        sys.excepthook = _previous_excepthook
        _previous_excepthook = None


def is_available() -> bool:
    """True when mpi4py can be imported (``torch.distributed.is_available``)."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def is_initialized() -> bool:
    """True between :func:`init_process_group` and :func:`destroy_process_group`."""
    return _default is not None


def default_group(group: ProcessGroup | None = None, op: str = "distributed") -> ProcessGroup:
    """``group``, or the default process group; a clear error if there is none yet."""
    if isinstance(group, ProcessGroup):
        return group
    if group is not None:
        if isinstance(group, int) and group == GroupMember.NON_GROUP_MEMBER:
            raise ValueError(f"{op}: this rank is not a member of the group (GroupMember.NON_GROUP_MEMBER)")
        raise TypeError(f"{op}: group must be a ProcessGroup (from new_group) or None, got {group!r}")
    if _default is None:
        raise RuntimeError(f"{op}: {_NOT_INITIALIZED}")
    return _default


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in the group: 0 … world size - 1 (-1 if it is not a member)."""
    if isinstance(group, int) and group == GroupMember.NON_GROUP_MEMBER:
        return -1
    return default_group(group, "get_rank").rank


def get_world_size(group: ProcessGroup | None = None) -> int:
    """How many processes the group has (-1 if this one is not a member)."""
    if isinstance(group, int) and group == GroupMember.NON_GROUP_MEMBER:
        return -1
    return default_group(group, "get_world_size").size


def get_backend(group: ProcessGroup | None = None) -> str:
    """``"mpi"``."""
    default_group(group, "get_backend")
    return "mpi"


@members_only
def barrier(
    group: ProcessGroup | None = None,
    async_op: bool = False,
    device_ids: Any = None,
    timeout: datetime.timedelta | float | None = None,
) -> Work | None:
    """Wait until every rank of the group has called ``barrier``.

    ``timeout`` (a ``timedelta`` or seconds) bounds this barrier instead of the group's timeout, as
    PyTorch's; with ``async_op`` it bounds the returned work's ``wait()``."""
    group = default_group(group, "barrier")
    limit = seconds_of("barrier", timeout, None)
    work = Work(group, group.comm.Ibarrier(), "barrier", limit=limit)
    if async_op:
        return work
    work.wait()
    return None


class Work:
    """A collective started with ``async_op=True``: ``wait()`` finishes it (``torch.distributed.Work``).

    ``outputs``: the tensors the collective writes (``[tensor]`` for :func:`all_reduce`), the
    value of :meth:`get_future`'s future, as in PyTorch; None where a collective does not record them.
    """

    def __init__(self, group: ProcessGroup, request: Any, op: str, finish: Any = None,
                 outputs: list[Any] | None = None, limit: float | None = None) -> None:  # fmt: skip
        self._group, self._request, self._op, self._finish = group, request, op, finish
        self._outputs, self._limit = outputs, limit
        self._future: Future[Any] | None = None

    def is_completed(self) -> bool:
        """Whether the collective has finished (does not block)."""
        return self._request is None or bool(self._request.Test())

    def wait(self, timeout: Any = None) -> bool:
        """Block until the collective is done and its result is in the tensor.

        ``timeout`` (a ``timedelta`` or seconds) bounds this wait instead of the group's timeout (or the
        one the collective was started with, ``barrier(timeout=)``); past it, ``TimeoutError``."""
        if self._request is not None:
            limit = seconds_of(f"{self._op} wait", timeout, self._limit)
            try:
                self._group.wait([self._request], self._op, limit=limit)
            except Exception as error:  # a timeout: the future (if any) fails with it too
                if self._future is not None and not self._future._finished.is_set():
                    self._future.set_exception(error)
                raise
            self._request = None
            if self._finish is not None:
                self._finish()
                self._finish = None
            if self._future is not None:
                self._future.set_result(self._outputs)
        return True

    def get_future(self) -> Future[Any]:
        """A :class:`~tt_dist.futures.Future` completed with the output tensors when the collective ends.

        For ``all_reduce(t, async_op=True).get_future()`` its value is ``[t]``, so hooks write
        ``fut.then(lambda f: f.value()[0])`` as in PyTorch. ``wait()`` on the future finishes the
        collective; ``done()`` tests it without blocking. The same future on every call.
        """
        if self._future is None:
            self._future = Future()
            self._future._advance = self._advance
            if self._request is None:  # finished already
                self._future.set_result(self._outputs)
        return self._future

    def _advance(self, block: bool) -> None:
        """The future's driver: finish the collective when blocking or when MPI says it is done."""
        if block or self.is_completed():
            try:
                self.wait()
            except Exception:  # the future holds the error now; its wait() raises it
                pass


def writable_buffer(tensor: Any, op: str) -> np.ndarray:
    """A tensor's own array, for MPI to write into: it must be C-contiguous and writeable."""
    array = getattr(tensor, "array", None)
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{op}: expected a tinytorch Tensor, got {type(tensor).__name__}")
    if not (array.flags.c_contiguous and array.flags.writeable):
        raise ValueError(
            f"{op}: the tensor of shape {tuple(array.shape)} is not contiguous and writeable; "
            "pass tensor.contiguous() (or a clone) and copy the result back"
        )
    return array


def sum_over_group(values: np.ndarray, group: ProcessGroup, op: str) -> np.ndarray:
    """``values``, a contiguous NumPy array, summed element-wise over the group's ranks, in place.

    One all-reduce under the group's timeout (``op`` names the caller in its error), for
    tt-dist's own bookkeeping (SyncBatchNorm's sums, DDP's unused-parameter flags);
    tensors go through :func:`all_reduce`.
    """
    from mpi4py import MPI

    group.wait([group.comm.Iallreduce(MPI.IN_PLACE, values, op=MPI.SUM)], op)
    return values


@members_only
def all_reduce(tensor: Any, op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:  # fmt: skip
    """Combine ``tensor`` over every rank, in place: afterwards each rank holds the same result.

    Args:
        tensor: a contiguous tensor, same shape and dtype on every rank.
        op: :class:`ReduceOp` (``SUM`` by default; ``AVG`` divides the sum by the world size).
        async_op: return a :class:`Work` at once (MPI ``Iallreduce``) instead of waiting.

    Example (on 2 ranks, both end with ``tensor([1.])``):
        >>> t = tt.tensor([float(dist.get_rank())])  # doctest: +SKIP
        >>> dist.all_reduce(t)  # doctest: +SKIP
    """
    from mpi4py import MPI

    group = default_group(group, "all_reduce")
    array = writable_buffer(tensor, "all_reduce")
    mpi_op = group.mpi_op(op, "all_reduce", array)

    def finish() -> None:
        if op is ReduceOp.AVG:
            np.divide(array, group.size, out=array)
        versions.bump(array)

    request = group.comm.Iallreduce(MPI.IN_PLACE, array, op=mpi_op)
    work = Work(group, request, "all_reduce", finish, outputs=[tensor])
    if async_op:
        return work
    work.wait()
    return None


@members_only
def broadcast(tensor: Any, src: int | None = None, group: ProcessGroup | None = None,
              async_op: bool = False, group_src: int | None = None) -> Work | None:  # fmt: skip
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every rank, in place.

    ``src`` is a global rank (0 if neither it nor ``group_src``, a rank within ``group``, is given).
    """
    group = default_group(group, "broadcast")
    src = group.peer(src, group_src, "broadcast", "src")
    array = writable_buffer(tensor, "broadcast")
    request = group.comm.Ibcast(array, root=src)
    work = Work(group, request, "broadcast", lambda: versions.bump(array), outputs=[tensor])
    if async_op:
        return work
    work.wait()
    return None
