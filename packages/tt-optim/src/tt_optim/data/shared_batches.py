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
2. The worker takes its batch apart (:func:`_take_apart`): tuples, lists, dicts, tensors and
   NumPy arrays become a *skeleton* in which each array is its dtype, shape and index, and the
   arrays' bytes are written into the slot at 64-byte-aligned offsets (one copy); it sends the
   skeleton and each array's ``(offset, nbytes)``: a :class:`SharedBatch`, a few hundred bytes
   whatever the batch's size. Nothing is pickled by this module: a batch holding any other kind
   of object crosses whole through the pipe, as before.
3. The main process rebuilds the batch from the skeleton, copying each array out into memory of
   its own (one copy), so the tensors it hands out own their memory, as PyTorch's do, and the
   slot is free for the next task as soon as the message is read.

A batch whose arrays total fewer than :data:`SHARED_MEMORY_THRESHOLD` bytes crosses through the pipe
as before (for a few kilobytes, two pipe copies cost less than the bookkeeping). A batch that does
not fit its slot (the first ones: slots start empty) crosses through the pipe too, as a
:class:`Spilled` carrying the size it needed, and the main process replaces that slot's segment with
one large enough (at least double the old size, so batches of varying size settle quickly); if
``/dev/shm`` has no room for it the slot stays as it is and such batches keep crossing through the
pipe (tmpfs would otherwise kill the worker with SIGBUS when it writes, PyTorch's "insufficient
shared memory" error).

Cost, per batch of ``B`` bytes of arrays: the pipe's way is one copy into the pickle, two kernel
copies through the pipe (in 64 kB pieces, each a wake-up of the other side) and the unpickling;
this way is two copies of ``B`` bytes and one small message. ``benchmarks/dataloader_workers.py``
prints both.
"""

from __future__ import annotations

import math
import os
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
    """A batch whose arrays sit in the task's slot: its skeleton, each array's ``(offset, nbytes)``."""

    __slots__ = ("skeleton", "layout")

    def __init__(self, skeleton: tuple, layout: list[tuple[int, int]]) -> None:
        self.skeleton, self.layout = skeleton, layout


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

        Cost: a walk of the batch's containers, and one copy of its arrays' bytes into the slot
        (none of it with an infinite threshold: the pipe's way alone, as the benchmark compares).
        """
        if self.threshold == math.inf:
            return data
        parts = _take_apart(data)
        if parts is None:
            return data
        skeleton, arrays, layout, end = parts
        if not arrays or end < self.threshold:
            return data
        if slot is None or slot[2] < end:
            return Spilled(data, end)
        self._write(self._attach(slot), arrays, layout)
        return SharedBatch(skeleton, layout)

    @staticmethod
    def _write(segment: shared_memory.SharedMemory, arrays: list, layout: list[tuple[int, int]]) -> None:
        for array, (offset, _) in zip(arrays, layout):
            np.ndarray(array.shape, array.dtype, segment.buf, offset)[...] = array

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

    Cost: per batch received, one copy of its arrays' bytes out of the slot.
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
            data = _rebuild(data.skeleton, self.segments[index].buf, data.layout)
        elif isinstance(data, Spilled):
            if index is not None:
                self._grow(index, data.nbytes)
            data = data.data
        if index is not None:
            self.free.append(index)
        return data

    def release_all(self) -> None:
        """Every slot free again (a new pass, once each worker has finished the last pass's tasks).

        Answered tasks free their slots as they are received; this frees the slots of tasks never
        answered: those a worker whose stream had ended skipped, in a pass broken off before the
        main process learnt of the end. Without it those slots would stay lent for good.
        """
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


_ARRAY, _OBJECT, _VALUE = "array", "object", "value"  # the skeleton's leaves; containers: tuple, list, dict


def _take_apart(data: Any) -> tuple[tuple, list[np.ndarray], list[tuple[int, int]], int] | None:
    """``(skeleton, arrays, layout, end)`` of a batch, or None when it holds an object this cannot take apart.

    The skeleton is ``data`` with each NumPy array replaced by ``("array", index, dtype, shape)``
    and each tensor by ``("object", its class, its state taken apart)`` (the state pickling would
    keep: ``__getstate__``); ``layout`` gives each array's ``(offset, nbytes)`` at 64-byte-aligned
    offsets, ``end`` the bytes they need. Cost: a walk of the containers, no copy.
    """
    arrays: list[np.ndarray] = []

    def walk(item: Any) -> tuple | None:
        kind = type(item)
        if kind in (tuple, list):
            parts = [walk(part) for part in item]
            return None if None in parts else (kind.__name__, parts)
        if kind is dict:
            parts = [walk(value) for value in item.values()]
            return None if None in parts else ("dict", list(zip(item.keys(), parts)))
        if isinstance(item, np.ndarray):
            if item.dtype.hasobject:
                return None
            arrays.append(item)
            return (_ARRAY, len(arrays) - 1, item.dtype.str, item.shape)
        if isinstance(item, tt_tensor.Tensor):
            state = walk(item.__getstate__())
            return None if state is None else (_OBJECT, kind, state)
        if item is None or kind in (str, bytes, int, float, bool):
            return (_VALUE, item)
        return None

    skeleton = walk(data)
    if skeleton is None:
        return None
    layout, end = [], 0
    for array in arrays:
        layout.append((end, array.nbytes))
        end += -(-array.nbytes // _ALIGN) * _ALIGN
    return skeleton, arrays, layout, end


def _rebuild(skeleton: tuple, memory: memoryview, layout: list[tuple[int, int]]) -> Any:
    """The batch :func:`_take_apart` made ``skeleton`` of, each array copied out of ``memory``."""
    tag, *rest = skeleton
    if tag == _VALUE:
        return rest[0]
    if tag == _ARRAY:
        index, dtype, shape = rest
        return np.ndarray(shape, np.dtype(dtype), memory, layout[index][0]).copy()
    if tag == _OBJECT:
        kind, state = rest
        rebuilt = kind.__new__(kind)
        rebuilt.__dict__.update(_rebuild(state, memory, layout))
        return rebuilt
    if tag == "dict":
        return {key: _rebuild(part, memory, layout) for key, part in rest[0]}
    parts = [_rebuild(part, memory, layout) for part in rest[0]]
    return tuple(parts) if tag == "tuple" else parts


def _array_bytes(data: Any) -> float:
    """The bytes :meth:`WorkerSlots.pack` would lay out for ``data``; ``inf`` when it holds an object
    :func:`_take_apart` cannot take apart."""
    parts = _take_apart(data)
    return math.inf if parts is None else parts[3]


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
