"""DDP communication hooks: a function of the user's in place of DDP's all-reduce of each bucket.

PyTorch's ``DistributedDataParallel.register_comm_hook(state, hook)``: once
every gradient of a bucket is ready, DDP calls ``hook(state, bucket)`` instead
of starting its own all-reduce. The hook gets a :class:`GradBucket` (the
bucket's flat buffer of gradients and its parameters) and returns a
:class:`~tt_dist.futures.Future` whose value is the reduced flat tensor; at the
end of backward DDP waits for every bucket's future and writes its value back
into the parameters' ``.grad``. DDP does **not** divide by the world size after
a hook, as PyTorch's does not: averaging is the hook's job
(:func:`~tt_dist.algorithms.ddp_comm_hooks.default_hooks.allreduce_hook` divides
first, then sums). Hooks compress (fp16, bf16), skip, or replace the
communication; ``state`` carries what they keep between steps.

:class:`CommHookReducer` is the :class:`~tt_dist.reducer.Reducer` DDP swaps in
when a hook is registered. Buckets are built, filled and started exactly as
before, from the gradient hooks while backward runs and in bucket order on every
rank; only what starts a bucket (:meth:`CommHookReducer.launch`: the hook) and
what ends backward (:meth:`CommHookReducer.finish`: wait for the futures,
write back without dividing) differ. A future's ``then`` callbacks run when
DDP waits for it at the end of backward, bucket after bucket, never while
backward runs: a callback may start collectives (PowerSGD's do), and MPI needs
them in the same order on every rank.

Cost per step: as DDP's own (a copy of every gradient into and out of the
buckets) plus whatever the hook moves, and one Python call per bucket.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from tt_autograd import Tensor
from tt_tensor import versions

from .futures import Future
from .process_group import ProcessGroup
from .reducer import Bucket, Reducer


class GradBucket:
    """One bucket of gradients handed to a communication hook (``torch.distributed.GradBucket``).

    ``buffer()`` is the flat 1-d tensor of the bucket's gradients, last parameter first (the
    order in which backward finishes them); ``gradients()`` are views of it, one per parameter
    in ``parameters()``'s order, shaped like the parameter. A hook may work in place on the
    buffer and return it, or return a new tensor of as many elements.
    """

    def __init__(self, index: int, count: int, buffer: Tensor, params: list[Any],
                 slices: list[tuple[int, int]]) -> None:  # fmt: skip
        self._index, self._count, self._buffer = index, count, buffer
        self._params, self._slices = params, slices

    def index(self) -> int:
        """This bucket's position: bucket 0 holds the last parameters and starts first."""
        return self._index

    def buffer(self) -> Tensor:
        """The flat 1-d tensor of the bucket's gradients (not divided by the world size)."""
        return self._buffer

    def gradients(self) -> list[Tensor]:
        """One tensor per parameter, a view of :meth:`buffer` shaped like the parameter."""
        array = self._buffer.array
        return [
            Tensor.from_array(array[start:stop].reshape(param.shape))
            for param, (start, stop) in zip(self._params, self._slices)
        ]

    def parameters(self) -> list[Any]:
        """The model parameters whose gradients this bucket holds, in the buffer's order."""
        return list(self._params)

    def is_last(self) -> bool:
        """Whether this is the last bucket of the step to be reduced (the one of the first parameters)."""
        return self._index == self._count - 1

    def set_buffer(self, buffer: Tensor) -> None:
        """Replace the bucket's buffer (with one of as many elements, maybe of another dtype)."""
        size = getattr(getattr(buffer, "array", None), "size", None)
        if size != self._buffer.array.size or getattr(buffer, "ndim", None) != 1:
            raise ValueError(
                f"GradBucket.set_buffer: bucket {self._index} holds {self._buffer.array.size} gradient "
                f"elements; the new buffer must be a flat 1-d tensor of as many, got "
                f"{type(buffer).__name__} of shape {tuple(getattr(buffer, 'shape', ()))}"
            )
        self._buffer = buffer


def hook_name(hook: Any) -> str:
    """The hook's qualified name, for messages."""
    return getattr(hook, "__qualname__", None) or type(hook).__name__


class CommHookReducer(Reducer):
    """A :class:`~tt_dist.reducer.Reducer` whose buckets go through ``hook(state, bucket)``.

    Args:
        params, group, bucket_cap_mb, names, find_unused_parameters: as :class:`Reducer`.
        state: passed to every call of ``hook`` (PyTorch's hooks take the process group, or a
            state object such as ``PowerSGDState``; None means the default group).
        hook: ``hook(state, bucket: GradBucket) -> Future[Tensor]``.
    """

    def __init__(self, params: list[Any], group: ProcessGroup, bucket_cap_mb: float, names: list[str],
                 find_unused_parameters: bool, state: Any, hook: Callable[..., Any]) -> None:  # fmt: skip
        super().__init__(
            params, group, bucket_cap_mb, names=names, find_unused_parameters=find_unused_parameters
        )
        self.state, self.hook = state, hook
        self.futures: list[Future[Any] | None] = [None] * len(self.buckets)

    def describe(self, index: int) -> str:
        """``bucket i of n (parameters a, b, …)`` for messages."""
        bucket = self.buckets[index]
        names = [self.names[i] for i in bucket.indices]
        listed = ", ".join(names[:4]) + (" …" if len(names) > 4 else "")
        return f"bucket {index} of {len(self.buckets)} (parameters {listed})"

    def launch(self, bucket: Bucket) -> None:
        """Copy the bucket's gradients into its buffer and hand it to the hook; keep the future it returns."""
        index = self.next  # mark_ready launches bucket `next`, then moves on
        for position, (start, stop) in zip(bucket.indices, bucket.slices):
            grad = self.params[position].grad
            bucket.buffer[start:stop] = 0 if grad is None else grad.array.reshape(-1)
        params = [self.params[i] for i in bucket.indices]
        grad_bucket = GradBucket(
            index, len(self.buckets), Tensor.from_array(bucket.buffer), params, bucket.slices
        )
        try:
            future = self.hook(self.state, grad_bucket)
        except Exception as error:
            raise RuntimeError(
                f"DistributedDataParallel: the communication hook {hook_name(self.hook)} raised on "
                f"{self.describe(index)}: {type(error).__name__}: {error}"
            ) from error
        if not isinstance(future, Future):
            raise TypeError(
                f"DistributedDataParallel: the communication hook {hook_name(self.hook)} returned "
                f"{type(future).__name__} for {self.describe(index)}; a hook must return a "
                "torch.futures.Future (tt.futures.Future) whose value is the reduced flat tensor, e.g. "
                "dist.all_reduce(buffer, async_op=True).get_future().then(lambda fut: fut.value()[0])"
            )
        self.futures[index] = future

    def poke(self) -> None:
        """Let MPI progress the hooks' collectives, without completing any future.

        Completing a future runs its callbacks, which may start collectives (PowerSGD's run
        two); they must start in the same order on every rank, so they run only in
        :meth:`finish`, bucket by bucket. An ``Iprobe`` enters MPI's progress engine alone.
        """
        from mpi4py import MPI

        self.group.comm.Iprobe(source=MPI.ANY_SOURCE, tag=MPI.ANY_TAG)

    def finish(self) -> None:
        """Wait for every bucket's future and write its value into the ``.grad`` (no division)."""
        futures, self.futures = self.futures, [None] * len(self.buckets)
        for index, (bucket, future) in enumerate(zip(self.buckets, futures)):
            try:
                value = future.wait()
            except Exception as error:
                raise RuntimeError(
                    f"DistributedDataParallel: the future of the communication hook {hook_name(self.hook)} "
                    f"failed on {self.describe(index)}: {type(error).__name__}: {error}"
                ) from error
            flat = self.reduced_array(value, bucket, index)
            for position, (start, stop) in zip(bucket.indices, bucket.slices):
                param = self.params[position]
                reduced = flat[start:stop].reshape(param.array.shape)
                if param.grad is None:
                    param.grad = Tensor.from_array(reduced.astype(param.array.dtype, copy=True))
                else:
                    param.grad.array[...] = reduced
                    versions.bump(param.grad.array)
        self.active = False
        if self.find_unused_parameters:
            self.forget_unused_everywhere()

    def reduced_array(self, value: Any, bucket: Bucket, index: int) -> np.ndarray:
        """The flat array of a hook's result: a tensor, or a list holding one (PyTorch takes both)."""
        if isinstance(value, (list, tuple)) and len(value) == 1:
            value = value[0]
        array = getattr(value, "array", None)
        if not isinstance(array, np.ndarray) or array.size != bucket.buffer.size:
            got = type(value).__name__ if array is None else f"a tensor of {array.size} elements"
            raise RuntimeError(
                f"DistributedDataParallel: the future of the communication hook {hook_name(self.hook)} "
                f"holds {got} for {self.describe(index)}, which has {bucket.buffer.size} gradient "
                "elements; its value must be the reduced flat tensor (or a list of that one tensor)"
            )
        return array.reshape(-1)
