"""Gradient buckets: all-reduce gradients while backward is still running.

Averaging gradients over N ranks is one all-reduce per parameter, but
per-parameter messages are many and small, and waiting for the whole
backward before sending any leaves the network idle while the CPU works and
the CPU idle while the network works. :class:`Reducer` does what PyTorch's
DDP reducer does:

1. **Buckets.** At construction, parameters are packed into buckets of at
   most ``bucket_cap_mb`` megabytes, in *reverse* order of
   ``model.parameters()``: backward finishes the last layers first, so the
   first bucket fills first. Each bucket owns one flat buffer.
2. **Hooks.** A post-accumulate hook on each parameter
   (``Tensor.register_post_accumulate_grad_hook``) marks it ready the moment
   backward has finished its ``.grad``. When every parameter of a bucket is
   ready, its gradients are copied into the buffer and a non-blocking
   ``Iallreduce`` (sum) starts on it, while backward carries on with earlier
   layers. Buckets start strictly in index order (a bucket that fills early
   waits for the ones before it), so every rank issues the same collectives
   in the same order, as MPI requires.
3. **Finish.** When the last bucket has started — still inside backward —
   the reducer waits for all of them, divides by the world size and writes
   each averaged gradient back into its parameter's ``.grad``. When
   ``backward()`` returns, every rank holds the same averaged gradients and
   the optimizer step can run.

A parameter the loss does not reach never becomes ready; the next forward
then raises, naming it — unless DDP was made with ``find_unused_parameters``:
then DDP's forward hands the parameters its output's graph does not reach to
:meth:`Reducer.mark_unused`, which counts them ready at once, and :meth:`finish`
sums one flag per parameter over the ranks, so a parameter no rank used keeps
``.grad`` None instead of an average of zeros (PyTorch's rule).

Cost per step: one copy of every gradient into and out of the buffers, and
one all-reduce per bucket (about ``2·bytes·(N-1)/N`` moved per rank).
MPI makes progress on a started collective mostly when a rank enters the MPI
library, so each hook also tests the started requests (``Testall``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from tt_autograd import Tensor
from tt_tensor import versions

from .process_group import ProcessGroup, sum_over_group


@dataclass
class Bucket:
    """Parameters ``indices`` (into the reducer's list), their slices ``[start, stop)`` of ``buffer``."""

    indices: list[int]
    slices: list[tuple[int, int]]
    buffer: np.ndarray
    request: Any = None
    waiting: int = 0  # parameters of this bucket not ready yet in the current backward


def assign_buckets(params: list[Any], cap_bytes: int) -> list[list[int]]:
    """Group parameter indices into buckets, last parameter first, each at most ``cap_bytes`` (one dtype).

    A parameter larger than the cap gets a bucket of its own. Every index
    appears in exactly one bucket.
    """
    # BEGIN SOLUTION 21
    # TODO: group parameter indices into buckets of at most cap_bytes, one dtype each, last parameter first
    #   (backward produces gradients in reverse order) (§ How it is built, "Buckets").
    buckets: list[list[int]] = []
    sizes: list[int] = []  # bytes in each bucket
    for index in reversed(range(len(params))):
        array = params[index].array
        fits = buckets and sizes[-1] + array.nbytes <= cap_bytes
        if fits and array.dtype == params[buckets[-1][0]].array.dtype:
            buckets[-1].append(index)
            sizes[-1] += array.nbytes
        else:
            buckets.append([index])
            sizes.append(array.nbytes)
    return buckets
    # END SOLUTION


class Reducer:
    """Averages ``params``' gradients over ``group`` in buckets started from gradient hooks.

    Args:
        params: the parameters to keep in sync (those that require grad), in model order.
        group: the process group.
        bucket_cap_mb: the largest bucket, in megabytes (2**20 bytes).
        names: the parameters' names, for error messages.
        find_unused_parameters: parameters may sit out a backward (see :meth:`mark_unused`).
    """

    def __init__(self, params: list[Any], group: ProcessGroup, bucket_cap_mb: float = 25.0,
                 names: list[str] | None = None, find_unused_parameters: bool = False) -> None:  # fmt: skip
        if not bucket_cap_mb > 0:
            raise ValueError(
                f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb!r}"
            )
        self.params = list(params)
        self.group = group
        self.names = list(names) if names is not None else [f"parameter {i}" for i in range(len(self.params))]
        self.buckets: list[Bucket] = []
        self.bucket_of: dict[int, int] = {}
        for b, indices in enumerate(assign_buckets(self.params, int(bucket_cap_mb * 2**20))):
            sizes = [self.params[i].array.size for i in indices]
            stops = np.cumsum(sizes).tolist()
            slices = [(stop - size, stop) for stop, size in zip(stops, sizes)]
            buffer = np.empty(stops[-1] if stops else 0, dtype=self.params[indices[0]].array.dtype)
            self.buckets.append(Bucket(indices, slices, buffer))
            self.bucket_of.update({id(self.params[i]): b for i in indices})
        self.position = {id(p): i for i, p in enumerate(self.params)}
        self._ready = np.zeros(len(self.params), dtype=bool)
        self.active = False  # a backward is expected to reduce (set by prepare, cleared by finish)
        self.next = 0  # the next bucket to start
        #: For each bucket started in the last backward: how many parameters still awaited gradients.
        self.launches: list[int] = []
        self.find_unused_parameters = find_unused_parameters
        self.unused = np.zeros(len(self.params), dtype=bool)  # this rank's, in the current backward
        self.had_no_grad = np.zeros(len(self.params), dtype=bool)  # of those: .grad was None
        #: What the summed gradients are divided by, if not the world size (set per forward by DDP in a
        #: :class:`~tt_dist.Join` with ``divide_by_initial_world_size=False``: the ranks still training).
        self.divisor: int | None = None

    def prepare(self) -> None:
        """Expect one backward that reduces: called by DDP's forward when gradients will be synced."""
        if self.active and self.started() and not self.find_unused_parameters:
            missing = [self.names[i] for i in np.flatnonzero(~self._ready)]
            raise RuntimeError(
                "DistributedDataParallel: the previous backward did not produce gradients for "
                f"{', '.join(missing[:8])}{' …' if len(missing) > 8 else ''}, so their all-reduce never ran "
                "(ranks may now disagree). Every parameter that requires grad must take part in the loss: "
                "set requires_grad=False on the unused ones before wrapping the model"
            )
        if self.active and self.next > 0:  # (find_unused_parameters: buckets started in that forward)
            raise RuntimeError(
                "DistributedDataParallel: the previous forward started all-reducing the gradients of "
                "parameters it did not use, and no backward finished them; call backward() after every "
                "forward that runs with gradients (or run it under no_grad())"
            )
        for bucket in self.buckets:
            bucket.waiting = len(bucket.indices)
            bucket.request = None
        self._ready = np.zeros(len(self.params), dtype=bool)
        self.next = 0
        self.launches = []
        self.unused[:] = False
        self.had_no_grad[:] = False
        self.active = True

    def mark_unused(self, params: list[Any]) -> None:
        """Before backward: ``params`` get no gradient this time, so they count as ready now.

        Their slices of the buckets carry zeros (or the gradient they already hold, from a
        ``no_sync`` micro-batch); buckets they complete start at once, still in index order.
        """
        for param in params:
            position = self.position[id(param)]
            self.unused[position] = True
            self.had_no_grad[position] = param.grad is None
        for param in params:
            self.mark_ready(param)

    def started(self) -> bool:
        """Whether some parameter of the expected backward has become ready."""
        return bool(self._ready.any())

    def mark_ready(self, param: Any) -> None:
        """The post-accumulate hook: ``param.grad`` is final for this backward."""
        if not self.active:
            return
        self.poke()
        # BEGIN SOLUTION 21
        # TODO: the gradient hook: mark the parameter ready; launch every bucket, in order, whose parameters
        #   are all ready; after the last one, finish (§ How it is built, "Hooks on gradients" and "Buckets").
        position = self.position[id(param)]
        self._ready[position] = True
        self.buckets[self.bucket_of[id(param)]].waiting -= 1
        while self.next < len(self.buckets) and self.buckets[self.next].waiting == 0:
            self.launches.append(int(len(self.params) - self._ready.sum()))
            self.launch(self.buckets[self.next])
            self.next += 1
        if self.next == len(self.buckets):
            self.finish()
        # END SOLUTION

    def launch(self, bucket: Bucket) -> None:
        """Copy the bucket's gradients into its buffer and start summing it over the ranks (non-blocking)."""
        from mpi4py import MPI

        # BEGIN SOLUTION 21
        # TODO: copy the bucket's gradients into its flat buffer (zeros for a missing gradient) and start a
        #   non-blocking sum over the ranks (Iallreduce in place).
        for index, (start, stop) in zip(bucket.indices, bucket.slices):
            grad = self.params[index].grad
            if grad is None:  # reached by the graph but sent no gradient: it contributes zeros
                bucket.buffer[start:stop] = 0
            else:
                bucket.buffer[start:stop] = grad.array.reshape(-1)
        bucket.request = self.group.comm.Iallreduce(MPI.IN_PLACE, bucket.buffer, op=MPI.SUM)
        # END SOLUTION

    def poke(self) -> None:
        """Let MPI progress the started all-reduces (MPI advances them mostly inside its own calls)."""
        from mpi4py import MPI

        started = [b.request for b in self.buckets[: self.next] if b.request is not None]
        if started:
            MPI.Request.Testall(started)

    def finish(self) -> None:
        """Wait for every bucket, average, and write each gradient back into its parameter's ``.grad``."""
        # BEGIN SOLUTION 21
        # TODO: wait for every bucket, divide by the world size, and write each averaged slice back as its
        #   parameter's .grad (a new tensor, or into the existing one).
        self.group.wait([bucket.request for bucket in self.buckets], "DistributedDataParallel backward")
        for bucket in self.buckets:
            bucket.buffer /= self.group.size
            for index, (start, stop) in zip(bucket.indices, bucket.slices):
                param = self.params[index]
                averaged = bucket.buffer[start:stop].reshape(param.array.shape)
                if param.grad is None:
                    param.grad = Tensor.from_array(averaged.copy())
                else:
                    param.grad.array[...] = averaged
                    versions.bump(param.grad.array)
        self.active = False
        # END SOLUTION
        if self.divisor is not None and self.divisor != self.group.size:
            self.rescale(self.group.size / self.divisor)
        if self.find_unused_parameters:
            self.forget_unused_everywhere()

    def rescale(self, factor: float) -> None:
        """Multiply every gradient just averaged by ``factor``: another divisor than the world size.

        Exact when ``factor`` is a power of two (2 ranks of which 1 still trains), within
        an ulp otherwise. Cost: one pass over the gradients.
        """
        for param in self.params:
            if param.grad is not None:
                param.grad.array *= factor
                versions.bump(param.grad.array)

    def forget_unused_everywhere(self) -> None:
        """A parameter no rank used and that had no gradient keeps none (PyTorch's rule), not zeros."""
        users = (~self.unused).astype(np.int32)  # 1 where this rank's loss reached the parameter
        sum_over_group(users, self.group, "DistributedDataParallel backward (find_unused_parameters)")
        for position in np.flatnonzero((users == 0) & self.had_no_grad):
            self.params[position].grad = None
