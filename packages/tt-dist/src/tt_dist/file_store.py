"""``FileStore(file_name, world_size)``: a key-value store in a file that every process of a job opens.

The file is a log of records, each ``uint32 length, key bytes, uint32 length,
value bytes`` (little-endian), as PyTorch's FileStore writes it: ``set`` and
``add`` append ``"/" + key`` and the new value, ``delete_key`` appends
``"-/" + key``. A process reads the records it has not seen yet into its cache,
so a call costs one open, one lock and the bytes appended since its last call.

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

Differences from PyTorch, on purpose: ``num_keys`` counts the user's keys only
(PyTorch's also counts its clean-up counter, so a fresh store has one key), and
``delete_key`` returns whether the key was there, as PyTorch's documentation
says (its FileStore returns True always).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import os
import struct
import threading
import time
import weakref
from collections.abc import Sequence

from .store import DistStoreError, Store, added, as_bytes, check_key, check_keys, compared, wait_milliseconds

REGULAR, DELETED, CLEANUP = "/", "-", "cleanup/"
POLL_SECONDS = 0.010
LENGTH = struct.Struct("<I")


def record(key: str, value: bytes) -> bytes:
    """One record as appended to the file."""
    name = key.encode()
    return LENGTH.pack(len(name)) + name + LENGTH.pack(len(value)) + value


def parse(data: bytes, cache: dict[str, bytes]) -> int:
    """Apply the complete records of ``data`` to ``cache``; return how many bytes they took."""
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
        super().__init__()
        self._path = os.fspath(file_name)
        self._cache: dict[str, bytes] = {}
        self._seen = 0
        self._lock = threading.Lock()
        weakref.finalize(self, _finished, self._path, world_size)

    @property
    def path(self) -> str:
        """The file's path (PyTorch's ``FileStore.path``)."""
        return self._path

    def _refresh(self, handle: int) -> None:
        """Read what other processes appended since this store's last look (the caller holds a flock)."""
        size = os.fstat(handle).st_size
        if size < self._seen:  # the file was removed and made again: start over
            self._cache.clear()
            self._seen = 0
        self._seen += parse(os.pread(handle, size - self._seen, self._seen), self._cache)

    def _locked(self, exclusive: bool, action):
        """Run ``action(handle)`` with the file open and flocked (shared, or exclusive to write)."""
        with self._lock:
            flags = os.O_RDWR | os.O_CREAT if exclusive else os.O_RDONLY
            try:
                handle = os.open(self._path, flags, 0o644)
            except FileNotFoundError:  # nobody has written yet: no keys
                self._cache.clear()
                self._seen = 0
                return action(None)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
                self._refresh(handle)
                return action(handle)
            finally:
                os.close(handle)  # closing releases the flock

    def _append(self, handle: int, key: str, value: bytes) -> None:
        os.lseek(handle, 0, os.SEEK_END)
        os.write(handle, record(key, value))  # the next call's refresh reads it back

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
        names = [REGULAR + key for key in check_keys("FileStore.wait", keys)]
        milliseconds = wait_milliseconds("FileStore.wait", self._timeout if timeout is None else timeout)
        if not self._poll(lambda: all(name in self._cache for name in names), milliseconds):
            missing = [name[len(REGULAR) :] for name in names if name not in self._cache]
            raise DistStoreError(
                f"Wait timeout: FileStore.wait waited {milliseconds} ms for keys {missing} in {self._path}"
            )

    def check(self, keys: Sequence[str]) -> bool:
        names = [REGULAR + key for key in check_keys("FileStore.check", keys)]
        return self._locked(False, lambda handle: all(name in self._cache for name in names))

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
