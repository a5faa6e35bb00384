"""``FileStore(file_name, world_size)``: a key-value store in a file that every process of a job opens.

The file is a log of records, each ``uint32 length, key bytes, uint32 length,
value bytes`` (little-endian), as PyTorch's FileStore writes it: ``set`` and
``add`` append ``"/" + key`` and the new value, ``delete_key`` appends
``"-/" + key``; ``append`` writes the key's whole new value, ``multi_set`` all its
records in one write. Queues, which PyTorch's FileStore lacks, are records too:
``queue_push`` appends ``"queue/" + key`` and the value, a pop appends
``"queue-/" + key``, so every process replays the same pushes and pops. A process
reads the records it has not seen yet into its cache, so a call costs one open, one
lock and the bytes appended since its last call.

* **Atomic writes**: a record is appended by one ``write`` under an exclusive
  ``flock``, and readers hold a shared one, so no reader sees half a record;
  ``add`` and ``compare_set`` read and write under the same exclusive lock, so
  two ranks adding at once both count. A record cut short by a crash is ignored.
* **No pickle**: keys and values are bytes; reading the file runs no code.
* **Waiting** (``get``, ``wait``) polls the file every 10 ms (PyTorch's period;
  no inotify, which shared file systems lack) until the keys appear or the
  timeout passes (:class:`~tt_dist.store.DistStoreError`; zero waits forever).
* **Clean-up**: when a store is garbage-collected (or the interpreter exits) it
  adds 1 to the file's ``cleanup/`` counter; the ``world_size``-th removes the
  file. ``world_size=-1`` (unknown) never removes it.

Differences from PyTorch, on purpose: ``num_keys`` and ``list_keys`` count the
user's keys only (PyTorch's also count its clean-up counters, and its ``list_keys``
cuts the first letter off every key); ``delete_key`` returns whether the key was
there, as PyTorch's documentation says (its FileStore returns True always); queues
work (PyTorch's raise NotImplementedError); ``has_extended_api()`` is True, since
``append``, ``multi_get`` and ``multi_set`` are each one locked step here; and
``clone()`` keeps its store's timeout and counts with it as one store for the
clean-up (PyTorch's clone starts at the default timeout and counts as one more store,
so with ``world_size`` set the file goes before its last user).
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import fcntl
import os
import struct
import threading
import time
import weakref
from collections.abc import Sequence

from .store import (
    DistStoreError,
    QueueEmptyError,
    Store,
    added,
    as_bytes,
    check_key,
    check_keys,
    check_pairs,
    compared,
    queue_empty,
    wait_milliseconds,
)

REGULAR, DELETED, CLEANUP, QUEUE, POPPED = "/", "-", "cleanup/", "queue/", "queue-/"
POLL_SECONDS = 0.010
LENGTH = struct.Struct("<I")


def record(key: str, value: bytes) -> bytes:
    """One record as appended to the file."""
    name = key.encode()
    return LENGTH.pack(len(name)) + name + LENGTH.pack(len(value)) + value


def parse(
    data: bytes, cache: dict[str, bytes], queues: dict[str, collections.deque[bytes]] | None = None
) -> int:
    """Apply the complete records of ``data`` to ``cache`` and ``queues``; return how many bytes they took."""
    queues = {} if queues is None else queues
    at = 0
    while at + LENGTH.size <= len(data):  # (< reads the same: a whole record takes 8 bytes or more)
        (size,) = LENGTH.unpack_from(data, at)
        value_at = at + LENGTH.size + size
        if value_at + LENGTH.size > len(data):
            break
        (value_size,) = LENGTH.unpack_from(data, value_at)
        end = value_at + LENGTH.size + value_size
        if end > len(data):
            break
        key = data[at + LENGTH.size : value_at].decode()
        if key.startswith(DELETED):
            cache.pop(key[len(DELETED) :], None)
        elif key.startswith(QUEUE):
            queues.setdefault(key[len(QUEUE) :], collections.deque()).append(
                data[value_at + LENGTH.size : end]
            )
        elif key.startswith(POPPED):  # written only under the lock, after a push the writer had read
            queues[key[len(POPPED) :]].popleft()
        else:
            cache[key] = data[value_at + LENGTH.size : end]
        at = end
    return at


class FileStore(Store):
    """A store shared by the processes that open the same ``file_name`` (see the module's notes).

    Args:
        file_name: the file's path; created on the first write. On several
            machines it must sit on a file system they all mount.
        world_size: how many stores will open the file; the last one to be
            collected removes it. -1 (default): unknown, the file stays.

    Example (each rank of ``mpiexec -n 2``):
        >>> store = FileStore("/tmp/job/store", 2)  # doctest: +SKIP
        >>> store.add("arrived", 1)  # doctest: +SKIP
        >>> store.wait(["go"])  # blocks until some rank calls store.set("go", "1")  # doctest: +SKIP
    """

    def __init__(self, file_name: str | os.PathLike[str], world_size: int = -1) -> None:
        if (
            isinstance(world_size, bool)
            or not isinstance(world_size, int)
            or (world_size < 1 and world_size != -1)
        ):
            raise ValueError(
                f"FileStore: world_size is a positive int, or -1 for unknown; got {world_size!r}"
            )
        self._start(os.fspath(file_name), None)
        weakref.finalize(self, _finished, self._path, world_size)

    def _start(self, path: str, origin: FileStore | None) -> None:
        super().__init__()
        self._path = path
        self._origin = origin  # a clone holds its store, whose collection counts them both for clean-up
        self._cache: dict[str, bytes] = {}
        self._queues: dict[str, collections.deque[bytes]] = {}
        self._seen = 0
        self._lock = threading.Lock()

    @property
    def path(self) -> str:
        """The file's path (PyTorch's ``FileStore.path``)."""
        return self._path

    def _refresh(self, handle: int) -> None:
        """Read what other processes appended since this store's last look (the caller holds a flock)."""
        size = os.fstat(handle).st_size
        if size < self._seen:  # the file was removed and made again: start over
            self._forget()
        self._seen += parse(os.pread(handle, size - self._seen, self._seen), self._cache, self._queues)

    def _forget(self) -> None:
        self._cache.clear()
        self._queues.clear()
        self._seen = 0

    def _locked(self, exclusive: bool, action):
        """Run ``action(handle)`` with the file open and flocked (shared, or exclusive to write)."""
        with self._lock:
            flags = os.O_RDWR | os.O_CREAT if exclusive else os.O_RDONLY
            try:
                handle = os.open(self._path, flags, 0o644)
            except FileNotFoundError:  # nobody has written yet: no keys
                self._forget()
                return action(None)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
                self._refresh(handle)
                return action(handle)
            finally:
                os.close(handle)  # closing releases the flock

    def _append(self, handle: int, key: str, value: bytes) -> None:
        self._write(handle, record(key, value))

    def _write(self, handle: int, records: bytes) -> None:
        os.lseek(handle, 0, os.SEEK_END)
        os.write(handle, records)  # the next call's refresh reads them back

    def set(self, key: str, value: str | bytes) -> None:
        name = REGULAR + check_key("FileStore.set", key)
        data = as_bytes("FileStore.set", value)
        self._locked(True, lambda handle: self._append(handle, name, data))

    def get(self, key: str) -> bytes:
        name = REGULAR + check_key("FileStore.get", key)
        milliseconds = wait_milliseconds("FileStore.get", self._timeout)
        if not self._poll(lambda: name in self._cache, milliseconds):
            raise DistStoreError(
                f"Timeout waiting for key: {key} after {milliseconds} ms (FileStore.get on {self._path}); "
                "no rank set it: check the key's spelling and that the ranks share this file"
            )
        return self._cache[name]

    def _poll(self, ready, milliseconds: int) -> bool:
        """Look at the file every 10 ms until ``ready()``; False once ``milliseconds`` pass (0: never)."""
        deadline = time.monotonic() + milliseconds / 1000
        while not self._locked(False, lambda handle: ready()):
            if milliseconds and time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)
        return True

    def add(self, key: str, amount: int) -> int:
        name = REGULAR + check_key("FileStore.add", key)

        def add_under_lock(handle: int) -> int:
            total = added("FileStore.add", key, self._cache.get(name), amount)
            self._append(handle, name, str(total).encode())
            return total

        return self._locked(True, add_under_lock)

    def compare_set(self, key: str, expected_value: str | bytes, desired_value: str | bytes) -> bytes:
        name = REGULAR + check_key("FileStore.compare_set", key)
        expected = as_bytes("FileStore.compare_set", expected_value)
        desired = as_bytes("FileStore.compare_set", desired_value)

        def swap_under_lock(handle: int) -> bytes:
            write, result = compared(self._cache.get(name), expected, desired)
            if write:
                self._append(handle, name, desired)
            return result

        return self._locked(True, swap_under_lock)

    def wait(self, keys: Sequence[str], timeout: datetime.timedelta | None = None) -> None:
        keys = check_keys("FileStore.wait", keys)
        milliseconds = wait_milliseconds("FileStore.wait", self._timeout if timeout is None else timeout)
        if not self._poll(lambda: all(self._present(key) for key in keys), milliseconds):
            missing = [key for key in keys if not self._present(key)]
            raise DistStoreError(
                f"Wait timeout: FileStore.wait waited {milliseconds} ms for keys {missing} in {self._path}"
            )

    def check(self, keys: Sequence[str]) -> bool:
        keys = check_keys("FileStore.check", keys)
        return self._locked(False, lambda handle: all(self._present(key) for key in keys))

    def _present(self, key: str) -> bool:
        """Whether ``check`` and ``wait`` see ``key``: set, or a queue with something in it."""
        return REGULAR + key in self._cache or bool(self._queues.get(key))

    def delete_key(self, key: str) -> bool:
        name = REGULAR + check_key("FileStore.delete_key", key)

        def delete_under_lock(handle: int) -> bool:
            present = name in self._cache
            if present:
                self._append(handle, DELETED + name, b"")
            return present

        return self._locked(True, delete_under_lock)

    def num_keys(self) -> int:
        return self._locked(False, lambda handle: sum(name.startswith(REGULAR) for name in self._cache))

    def append(self, key: str, value: str | bytes) -> None:
        name = REGULAR + check_key("FileStore.append", key)
        data = as_bytes("FileStore.append", value)
        self._locked(True, lambda handle: self._append(handle, name, self._cache.get(name, b"") + data))

    def multi_get(self, keys: Sequence[str]) -> list[bytes]:
        names = [REGULAR + key for key in check_keys("FileStore.multi_get", keys)]
        milliseconds = wait_milliseconds("FileStore.multi_get", self._timeout)
        values: list[bytes] = []

        def read_all() -> bool:  # under the lock, so the values are the ones seen
            if all(name in self._cache for name in names):
                values.extend(self._cache[name] for name in names)
                return True
            return False

        if not self._poll(read_all, milliseconds):
            missing = [name[len(REGULAR) :] for name in names if name not in self._cache]
            raise DistStoreError(
                f"Timeout waiting for keys {missing} after {milliseconds} ms "
                f"(FileStore.multi_get on {self._path})"
            )
        return values

    def multi_set(self, keys: Sequence[str], values: Sequence[str | bytes]) -> None:
        pairs = check_pairs("FileStore.multi_set", keys, values)
        records = b"".join(record(REGULAR + key, value) for key, value in pairs.items())
        self._locked(True, lambda handle: self._write(handle, records))

    def has_extended_api(self) -> bool:
        return True

    def list_keys(self) -> list[str]:
        return self._locked(
            False, lambda handle: [name[1:] for name in self._cache if name.startswith(REGULAR)]
        )

    def queue_push(self, key: str, value: str | bytes) -> None:
        name = QUEUE + check_key("FileStore.queue_push", key)
        data = as_bytes("FileStore.queue_push", value)
        self._locked(True, lambda handle: self._append(handle, name, data))

    def queue_pop(self, key: str, block: bool = True) -> bytes:
        check_key("FileStore.queue_pop", key)
        milliseconds = wait_milliseconds("FileStore.queue_pop", self._timeout)
        deadline = time.monotonic() + milliseconds / 1000

        def pop_under_lock(handle: int) -> bytes | None:
            queue = self._queues.get(key)
            if not queue:  # another process popped the last item since the look below
                return None
            self._append(handle, POPPED + key, b"")  # the next refresh takes the item off the front
            return queue[0]

        while True:
            if self._locked(False, lambda handle: bool(self._queues.get(key))):  # a look makes no file
                item = self._locked(True, pop_under_lock)
                if item is not None:
                    return item
            if not block:
                raise QueueEmptyError(queue_empty("FileStore", key))
            if milliseconds and time.monotonic() >= deadline:
                raise DistStoreError(
                    f"Wait timeout: FileStore.queue_pop waited {milliseconds} ms for an item in queue "
                    f"{key!r} in {self._path}"
                )
            time.sleep(POLL_SECONDS)

    def queue_len(self, key: str) -> int:
        check_key("FileStore.queue_len", key)
        return self._locked(False, lambda handle: len(self._queues.get(key, ())))

    def clone(self) -> FileStore:
        """Another handle on the file, with its own cache and lock (one per thread), and this timeout."""
        twin = object.__new__(FileStore)
        twin._start(self._path, self)
        twin._timeout = self._timeout
        return twin


def _finished(path: str, world_size: int) -> None:
    """A store of ``path`` is gone: count it; the ``world_size``-th removes the file (as PyTorch's)."""
    try:
        handle = os.open(path, os.O_RDWR)  # no O_CREAT: a file removed already stays removed
    except OSError:
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        cache: dict[str, bytes] = {}
        parse(os.pread(handle, os.fstat(handle).st_size, 0), cache)
        count = added("FileStore", CLEANUP, cache.get(CLEANUP), 1)
        os.lseek(handle, 0, os.SEEK_END)
        os.write(handle, record(CLEANUP, str(count).encode()))
    finally:
        os.close(handle)
    if count == world_size:  # never for -1: the count starts at 1
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
