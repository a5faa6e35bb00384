"""DistributedDataParallel under :class:`~tt_dist.join.Join`: training on uneven inputs.

``with ddp_model.join():`` lets each rank run its own number of batches. A rank that
has run out keeps issuing, once per iteration of the ranks still training, what their
forward and backward issue: the all-gather of the join status below, the broadcast of
the buffers, and one all-reduce of zeros per gradient bucket (and of zeros for the
unused-parameter flags with ``find_unused_parameters``). When every rank has joined,
the model of the last rank to join (the highest-numbered one if several joined last)
is broadcast to all, so every rank leaves the ``with`` block with the same parameters.

**The status exchange.** In a join context each forward starts, after the join
notification, with one all-gather of one byte per rank: 0 for a joined rank, 1 for a
rank still training whose backward will not sync (``no_sync`` or no grad mode), 2 for
one whose backward will. Every rank learns from it whether the gradient all-reduces
follow (some 2) and how many ranks contribute to them, and which rank's buffers are
current: those of the highest-numbered rank still training (PyTorch's choice), since a
joined rank's buffers stopped changing when it ran out of inputs.

**The average.** With ``divide_by_initial_world_size=True`` (the default) the summed
gradients are divided by the world size, so joined ranks count as zero gradients; with
False by the number of ranks still training, which is then each iteration's true
average over the samples seen. The reducer divides by the world size first (module 21's
code) and :meth:`~tt_dist.reducer.Reducer.rescale` corrects the factor, exact when the
ratio is a power of two and within an ulp otherwise.

Difference from PyTorch, and why: a joined rank writes the averaged gradient it
receives in the shadowed all-reduces into its parameters' ``.grad`` (PyTorch discards
it), until the end of the ``with`` block, where it gets back the ``.grad`` it had when
it joined. That costs one copy and makes a :class:`~tt_dist.ZeroRedundancyOptimizer` in the
same join context update the joined rank's shard with the same gradient as the other
ranks use, so DDP with ZeRO on uneven inputs ends where DDP with the plain optimizer
does; with PyTorch's, the joined rank's shard is stepped with its last, stale gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from tt_autograd import Tensor, is_grad_enabled

from .join import Join, Joinable, JoinHook
from .process_group import ProcessGroup, sum_over_group

JOINED, TRAINING, SYNCING = 0, 1, 2  # one rank's byte in the status all-gather


def exchange_status(status: int, group: ProcessGroup) -> np.ndarray:
    """Every rank's status byte (``JOINED``, ``TRAINING`` or ``SYNCING``), by group rank: one all-gather."""
    every = np.zeros(group.size, np.int8)
    group.wait([group.comm.Iallgather(np.array([status], np.int8), every)], "DistributedDataParallel join")
    return every


def buffer_source(every: np.ndarray) -> int:
    """The highest-numbered rank still training: whose buffers every rank takes."""
    return int(np.flatnonzero(every != JOINED)[-1])


class DDPJoinHook(JoinHook):
    """What a joined rank runs for a DistributedDataParallel model (PyTorch's ``_DDPJoinHook``)."""

    def __init__(self, ddp: Any, divide_by_initial_world_size: bool) -> None:
        self.ddp = ddp
        ddp._divide_by_initial_world_size = bool(divide_by_initial_world_size)
        self.own_grads: list[Any] | None = None  # this rank's .grad when it joined, given back at the end

    def main_hook(self) -> None:
        """Shadow one iteration: the status exchange, the buffers' broadcast, zeros into every bucket."""
        ddp = self.ddp
        group = ddp.process_group
        every = exchange_status(JOINED, group)
        ddp._sync_buffers_from(buffer_source(every))
        syncing = int((every == SYNCING).sum())
        if syncing == 0:
            return  # the ranks still training accumulate locally (no_sync): no gradient all-reduce
        self.shadow_buckets(group.size if ddp._divide_by_initial_world_size else syncing)

    def shadow_buckets(self, divisor: int) -> None:
        """All-reduce zeros in place of each bucket, in order; keep the average as this rank's ``.grad``."""
        from mpi4py import MPI

        reducer = self.ddp.reducer
        if self.own_grads is None:
            self.own_grads = [param.grad for param in reducer.params]
        buffers = [np.zeros_like(bucket.buffer) for bucket in reducer.buckets]
        requests = [reducer.group.comm.Iallreduce(MPI.IN_PLACE, buffer, op=MPI.SUM) for buffer in buffers]
        reducer.group.wait(requests, "DistributedDataParallel join (shadowing the gradient all-reduce)")
        for bucket, buffer in zip(reducer.buckets, buffers):
            buffer /= divisor
            for index, (start, stop) in zip(bucket.indices, bucket.slices):
                param = reducer.params[index]
                param.grad = Tensor.from_array(buffer[start:stop].reshape(param.array.shape).copy())
        if reducer.find_unused_parameters:  # the other ranks sum who used each parameter: this rank did not
            users = sum_over_group(np.zeros(len(reducer.params), np.int32), reducer.group,
                                   "DistributedDataParallel join (find_unused_parameters)")  # fmt: skip
            for position in np.flatnonzero(users == 0):
                reducer.params[position].grad = None

    def post_hook(self, is_last_joiner: bool) -> None:
        """Copy to every rank the model of the last rank to join (the highest-numbered if several did).

        A rank that shadowed gradients gets back the ``.grad`` it had when it joined, as if
        it had not shadowed any (they were there for the optimizer's hook only).
        """
        from mpi4py import MPI

        from .ddp import broadcast_tensors

        ddp = self.ddp
        group = ddp.process_group
        mine = np.array([group.rank if is_last_joiner else -1], np.int64)
        group.wait([group.comm.Iallreduce(MPI.IN_PLACE, mine, op=MPI.MAX)], "DistributedDataParallel join")
        tensors = list(ddp.module.parameters())
        if ddp.broadcast_buffers:
            tensors += list(ddp.module.buffers())
        broadcast_tensors(tensors, group, src=int(mine[0]))
        if self.own_grads is not None:
            for param, grad in zip(ddp.reducer.params, self.own_grads):
                param.grad = grad
            self.own_grads = None


class JoinableDDP(Joinable):
    """DistributedDataParallel's side of :class:`Join` (mixed into the class in ``ddp.py``)."""

    process_group: ProcessGroup

    def join(self, divide_by_initial_world_size: bool = True, enable: bool = True,
             throw_on_early_termination: bool = False) -> Join:  # fmt: skip
        """A :class:`Join` context over this model alone: PyTorch's ``DistributedDataParallel.join``.

        Args:
            divide_by_initial_world_size: divide the summed gradients by the world size
                (joined ranks count as zeros), or, if False, by the number of ranks still
                training.
            enable: False makes the context a no-op (use it when the inputs are even).
            throw_on_early_termination: raise ``RuntimeError`` on every rank as soon as
                one runs out of inputs, instead of shadowing it.

        To shadow an optimizer's collectives too, use ``Join([model, optimizer])``.
        """
        return Join([self], enable, throw_on_early_termination,
                    divide_by_initial_world_size=divide_by_initial_world_size)  # fmt: skip

    def join_hook(self, **kwargs: Any) -> DDPJoinHook:
        """The hook a joined rank runs; reads ``divide_by_initial_world_size`` (default True).

        Refused after :meth:`register_comm_hook`: a joined rank shadows each bucket with a plain
        float32 all-reduce of zeros, which would not match the collectives a hook runs (PyTorch
        runs the hook on the zeros; not done here yet).
        """
        hook = getattr(self.reducer, "hook", None)
        if hook is not None:
            raise NotImplementedError(
                "DistributedDataParallel.join: this model has a communication hook "
                f"({getattr(hook, '__qualname__', hook)}); a joined rank would shadow its buckets with plain "
                "all-reduces the hook's collectives do not match. Use Join without register_comm_hook, or "
                "give every rank the same number of batches"
            )
        return DDPJoinHook(self, kwargs.get("divide_by_initial_world_size", True))

    @property
    def join_device(self) -> str:
        return "cpu"

    @property
    def join_process_group(self) -> ProcessGroup:
        return self.process_group

    def _join_pre_forward(self) -> int:
        """In a join context: notify, exchange the status, set the divisor; return the buffers' source rank.

        Outside one: no communication, the plain average, and rank 0's buffers.
        """
        reducer = self.reducer
        if not self._join_config.enable:
            reducer.divisor = None
            return 0
        Join.notify_join_context(self)
        syncing = is_grad_enabled() and self.require_backward_grad_sync
        every = exchange_status(SYNCING if syncing else TRAINING, self.process_group)
        reducer.divisor = None if self._divide_by_initial_world_size else int((every == SYNCING).sum())
        return buffer_source(every)

    def _sync_buffers_from(self, source: int) -> None:
        """Broadcast the module's buffers from group rank ``source`` (with ``broadcast_buffers``, if any)."""
        if self.broadcast_buffers and self.process_group.size > 1:
            buffers = list(self.module.buffers())
            if buffers:
                from .ddp import broadcast_tensors

                broadcast_tensors(buffers, self.process_group, src=source)
