"""How a DataLoader worker's batch reaches the main process: its arrays through shared memory.

PyTorch moves a worker's batch tensors through shared memory; this does the same with
:mod:`multiprocessing.shared_memory`, with one difference of ownership: every segment is created,
sized, grown and unlinked by the **main process** (:class:`SlotPool`), and workers only attach to
them (:class:`WorkerSlots`). A segment created in a worker would be registered with a resource
tracker from there and outlive it or vanish under the main process; created here, a segment is
unlinked at shutdown, on an error, when a worker dies, and by the resource tracker if the main
process is killed.

One batch, in order:

1. The main process lends each task it sends a *slot*, a segment of its pool (one per task in
   flight: ``prefetch_factor * num_workers`` slots), as ``(index, name, size)``.
2. The worker pickles its batch with protocol 5, the NumPy arrays (and the arrays inside tensors)
   coming out as separate buffers (:class:`pickle.PickleBuffer`), writes their bytes into the slot
   at 64-byte-aligned offsets (one copy) and sends only the rest of the pickle and each buffer's
   ``(offset, nbytes)``: a :class:`SharedBatch`, a few hundred bytes whatever the batch's size.
3. The main process copies each buffer out into memory of its own (one copy) and unpickles, so
   the tensors it hands out own their memory, as PyTorch's do, and the slot is free for the next
   task as soon as the message is read.

A batch whose buffers total fewer than :data:`SHARED_MEMORY_THRESHOLD` bytes crosses pickled
through the pipe as before (for a few kilobytes, two pipe copies cost less than the extra
pickling and bookkeeping). A batch that does not fit its slot (the first ones: slots start
empty) crosses through the pipe too, as a :class:`Spilled` carrying the size it needed, and the
main process replaces that slot's segment with one large enough (at least double the old size,
so batches of varying size settle quickly); if ``/dev/shm`` has no room for it the slot stays as
it is and such batches keep crossing through the pipe (tmpfs would otherwise kill the worker
with SIGBUS when it writes, PyTorch's "insufficient shared memory" error).

Cost, per batch of ``B`` bytes of arrays: the pipe's way is one copy into the pickle, two kernel
copies through the pipe (in 64 kB pieces, each a wake-up of the other side) and the unpickling;
this way is two ``memcpy`` of ``B`` bytes and one small message. ``benchmarks/dataloader_workers.py``
prints both.
"""

from __future__ import annotations

import math
import os
import pickle
import secrets
import sys
from multiprocessing import shared_memory
from typing import Any

import numpy as np
import tt_tensor

SHARED_MEMORY_THRESHOLD = 64 * 1024
"""Bytes of arrays from which a batch goes through shared memory (``float('inf')``: always the pipe).

Read when a pass's workers start; the benchmark sets it to compare both transports."""

_ALIGN = 64
# Attaching registers a segment with the resource tracker before Python 3.13: the main process's
# tracker (started before the workers), where the name already is; from 3.13 it need not.
_UNTRACKED = {"track": False} if sys.version_info >= (3, 13) else {}
_PREFIX = "tt_loader_"  # segment names: /dev/shm/tt_loader_<pid>_<random>


class SharedBatch:
    """A batch whose array buffers sit in the task's slot: the pickle of the rest, and each buffer's place."""

    __slots__ = ("head", "layout")

    def __init__(self, head: bytes, layout: list[tuple[int, int]]) -> None:
        self.head, self.layout = head, layout


class Spilled:
    """A batch sent whole through the pipe because its slot was empty or too small for ``nbytes``."""

    __slots__ = ("data", "nbytes")

    def __init__(self, data: Any, nbytes: int) -> None:
        self.data, self.nbytes = data, nbytes


class WorkerSlots:
    """A worker's side: the segments it has attached to, by slot index, and the packing of a batch."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.attached: dict[int, shared_memory.SharedMemory] = {}

    def pack(self, data: Any, slot: tuple[int, str, int] | None) -> Any:
        """What to send: ``data`` itself (small), a :class:`SharedBatch` (in ``slot``), or a :class:`Spilled`.

        Cost: one pickling with the arrays out of band, and one copy of their bytes into the slot
        (none of it with an infinite threshold: the pipe's way alone, as the benchmark compares).
        """
        if self.threshold == math.inf or _array_bytes(data) < self.threshold:
            return data
        buffers: list[pickle.PickleBuffer] = []
        head = pickle.dumps(data, protocol=5, buffer_callback=buffers.append)
        raws = [buffer.raw() for buffer in buffers]
        layout, end = [], 0
        for raw in raws:
            layout.append((end, raw.nbytes))
            end += -(-raw.nbytes // _ALIGN) * _ALIGN
        if not raws or end < self.threshold:
            return data
        if slot is None or slot[2] < end:
            return Spilled(data, end)
        segment = self._attach(slot)
        for raw, (offset, nbytes) in zip(raws, layout):
            segment.buf[offset : offset + nbytes] = raw
        return SharedBatch(head, layout)

    def _attach(self, slot: tuple[int, str, int]) -> shared_memory.SharedMemory:
        index, name, _ = slot
        segment = self.attached.get(index)
        if segment is None or segment.name != name:
            if segment is not None:
                segment.close()  # the main process replaced (and unlinked) it
            segment = self.attached[index] = shared_memory.SharedMemory(name, **_UNTRACKED)
        return segment

    def close(self) -> None:
        for segment in self.attached.values():
            segment.close()
        self.attached.clear()


class SlotPool:
    """The main process's side: ``count`` segments, created here, each lent to a task until it is answered.

    Cost: per batch received, one copy of its arrays' bytes out of the slot and one unpickling.
    """

    def __init__(self, count: int) -> None:
        self.segments: list[shared_memory.SharedMemory | None] = [None] * count
        self.free = list(range(count))
        self.lent: dict[Any, int] = {}  # send_idx -> slot index

    def lend(self, send_idx: int) -> tuple[int, str, int] | None:
        """A free slot for task ``send_idx`` as ``(index, name, size)`` (``None``: empty or none free)."""
        if not self.free:
            return None
        index = self.lent[send_idx] = self.free.pop()
        segment = self.segments[index]
        return None if segment is None else (index, segment.name, segment.size)

    def receive(self, send_idx: Any, data: Any) -> Any:
        """The batch a worker sent for ``send_idx``: copied out of its slot, which is free again."""
        index = self.lent.pop(send_idx, None)
        if isinstance(data, SharedBatch):
            segment = self.segments[index]
            buffers = [bytearray(segment.buf[offset : offset + nbytes]) for offset, nbytes in data.layout]
            data = pickle.loads(data.head, buffers=buffers)
        elif isinstance(data, Spilled):
            if index is not None:
                self._grow(index, data.nbytes)
            data = data.data
        if index is not None:
            self.free.append(index)
        return data

    def release_all(self) -> None:
        """Every slot free again (a new pass, once each worker has finished the last pass's tasks)."""
        self.lent.clear()
        self.free = list(range(len(self.segments)))

    def _grow(self, index: int, nbytes: int) -> None:
        old = self.segments[index]
        size = nbytes if old is None else max(nbytes, 2 * old.size)
        try:
            room = os.statvfs("/dev/shm")
            if size > room.f_bavail * room.f_frsize:
                return
        except OSError:  # no /dev/shm (not Linux): nothing to check against
            pass
        try:
            segment = _create(size)
        except OSError:
            return
        if old is not None:
            _remove(old)
        self.segments[index] = segment

    def close(self) -> None:
        """Unlink every segment (the workers have exited, or will only ever read a closed pipe)."""
        for index, segment in enumerate(self.segments):
            if segment is not None:
                _remove(segment)
                self.segments[index] = None


def _array_bytes(data: Any) -> float:
    """At least the bytes :meth:`WorkerSlots.pack` would lay out for ``data``, found without pickling it.

    A walk of tuples, lists, dicts, tensors and arrays (each array rounded up to the alignment);
    ``inf`` at anything else, which only the pickling can size. Cost: a few microseconds, against
    tens for the pickling, which a batch under the threshold then skips.
    """
    stack, total = [data], 0
    while stack:
        item = stack.pop()
        if isinstance(item, (tuple, list)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, tt_tensor.Tensor):
            stack.extend(vars(item).values())
        elif isinstance(item, np.ndarray):
            total += -(-item.nbytes // _ALIGN) * _ALIGN
        elif not isinstance(item, (str, bytes, int, float, type(None))):
            return math.inf
    return total


def _create(size: int) -> shared_memory.SharedMemory:
    while True:
        try:
            return shared_memory.SharedMemory(
                f"{_PREFIX}{os.getpid()}_{secrets.token_hex(6)}", create=True, size=size
            )
        except FileExistsError:
            continue


def _remove(segment: shared_memory.SharedMemory) -> None:
    segment.close()
    try:
        segment.unlink()
    except FileNotFoundError:  # pragma: no cover - removed by someone else
        pass
