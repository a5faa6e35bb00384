"""Key-value stores as torch.distributed's: ``Store``, ``HashStore``, ``PrefixStore``, ``TCPStore``'s refusal.

A store is a small table of byte strings that every rank of a job can read and
write: the place where ranks meet before (or beside) the process group, agree on
a value, count arrivals (``add``) or wait for one another (``wait``). PyTorch's
semantics, key by key:

* ``set(key, value)`` — ``value`` is ``str`` (stored UTF-8) or ``bytes``;
  ``get(key)`` returns ``bytes``, waiting up to the store's timeout for the key;
* ``add(key, amount)`` — the value is a decimal integer in ASCII; a missing key
  counts as 0; returns the new integer (``get`` then gives ``b"5"``);
* ``compare_set(key, expected, desired)`` — sets ``desired`` when the key holds
  ``expected``, or is missing and ``expected`` is empty; returns the value the key
  then holds, or ``expected`` itself when the key is missing and nothing was set;
* ``wait(keys, timeout=None)`` blocks until every key exists; ``check(keys)``
  answers without blocking; ``delete_key`` returns whether a key was removed;
  ``num_keys()`` counts the keys; ``set_timeout(timedelta)`` changes the default
  wait. A timeout of zero means *wait forever* (PyTorch's ``kNoTimeout``);
* the extended API: ``append(key, value)`` adds bytes at the end of a value (a
  missing key starts empty), ``multi_get(keys)`` waits for every key and returns
  their values in order, ``multi_set(keys, values)`` writes them all at once,
  ``list_keys()`` names the keys; ``has_extended_api()`` says whether a store does
  these natively (the base class does them with ``compare_set``, ``get`` and ``set``);
* queues: ``queue_push(key, value)``, ``queue_pop(key, block=True)`` (first in,
  first out; an empty queue waits up to the timeout, or with ``block=False`` raises
  :class:`QueueEmptyError`), ``queue_len(key)`` (0 for none). A queue is no key:
  ``get`` and ``num_keys`` ignore it, but ``check`` and ``wait`` see a non-empty one;
* ``barrier(key, world_size, timeout=None)`` returns once ``world_size`` callers
  have reached it; ``clone()`` gives a handle on the same table for another thread.

Waiting past the timeout raises :class:`DistStoreError` (a ``RuntimeError``, as
PyTorch's). :class:`~tt_dist.file_store.FileStore` is the one shared between
processes. Costs: a ``HashStore`` call is a dict operation under a lock.
"""

from __future__ import annotations

import collections
import datetime
import threading
from collections.abc import Sequence

DEFAULT_TIMEOUT = datetime.timedelta(seconds=300)  # PyTorch's kDefaultTimeout


class DistError(RuntimeError):
    """Base of torch.distributed's errors (PyTorch's ``torch.distributed.DistError``)."""


class DistStoreError(DistError):
    """A store's wait or get ran out of time (PyTorch's ``torch.distributed.DistStoreError``)."""


class QueueEmptyError(DistStoreError):
    """``queue_pop(key, block=False)`` found the queue empty (``torch.distributed.QueueEmptyError``)."""


def as_bytes(op: str, value: str | bytes) -> bytes:
    """A value as stored: ``str`` as UTF-8, ``bytes`` (or ``bytearray``) as is."""
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    raise TypeError(
        f"{op}: a value is str or bytes, got {type(value).__name__} {value!r}; convert it, e.g. str(value)"
    )


def check_key(op: str, key: str) -> str:
    if not isinstance(key, str):
        raise TypeError(f"{op}: a key is a str, got {type(key).__name__} {key!r}")
    return key


def check_keys(op: str, keys: Sequence[str]) -> list[str]:
    if isinstance(keys, str | bytes) or not isinstance(keys, Sequence):
        raise TypeError(f"{op}: keys is a list of str, got {keys!r}; pass [key] for one key")
    return [check_key(op, key) for key in keys]


def check_pairs(op: str, keys: Sequence[str], values: Sequence[str | bytes]) -> dict[str, bytes]:
    """``multi_set``'s arguments as one ``{key: bytes}``: one value per key (PyTorch crashes otherwise)."""
    keys = check_keys(op, keys)
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise TypeError(f"{op}: values is a list of str or bytes, got {values!r}; pass [value] for one value")
    if len(values) != len(keys):
        raise ValueError(
            f"{op}: {len(keys)} keys but {len(values)} values; give one value per key, in the same order"
        )
    return dict(zip(keys, (as_bytes(op, value) for value in values), strict=True))


def added(op: str, key: str, current: bytes | None, amount: int) -> int:
    """``current`` (decimal ASCII, or missing for 0) plus ``amount``, as PyTorch's ``add``."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"{op}: amount is an int, got {type(amount).__name__} {amount!r}")
    if not current:
        return amount
    try:
        return int(current.decode("ascii")) + amount
    except (UnicodeDecodeError, ValueError):
        raise ValueError(
            f"{op}: key {key!r} holds {current!r}, not a decimal integer; add counts only in keys "
            "that add made (or that hold an integer's digits)"
        ) from None


def compared(current: bytes | None, expected: bytes, desired: bytes) -> tuple[bool, bytes]:
    """(whether to write ``desired``, the value returned) for PyTorch's ``compare_set``."""
    if current == expected or (current is None and not expected):
        return True, desired
    return False, expected if current is None else current


def queue_empty(store: str, key: str) -> str:
    return (
        f"queue is empty: {store}.queue_pop({key!r}, block=False) found nothing to pop; "
        "pop with block=True to wait for a push"
    )


def wait_milliseconds(op: str, timeout: datetime.timedelta) -> int:
    if not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"{op}: timeout is a datetime.timedelta, got {type(timeout).__name__} {timeout!r}")
    if timeout < datetime.timedelta(0):
        raise ValueError(f"{op}: timeout must not be negative, got {timeout}; zero means wait forever")
    return timeout // datetime.timedelta(milliseconds=1)


class Store:
    """The interface of every store; subclasses define the key operations.

    ``timeout`` (a ``datetime.timedelta``, default 300 s) is how long ``get`` and
    ``wait`` block for a missing key before :class:`DistStoreError`; zero is forever.
    """

    def __init__(self) -> None:
        self._timeout = DEFAULT_TIMEOUT

    @property
    def timeout(self) -> datetime.timedelta:
        """The default wait of ``get`` and ``wait``."""
        return self._timeout

    def set_timeout(self, timeout: datetime.timedelta) -> None:
        """Set the default wait of ``get`` and ``wait`` (zero: wait forever)."""
        wait_milliseconds(f"{type(self).__name__}.set_timeout", timeout)
        self._timeout = timeout

    def _unsupported(self, op: str):
        return NotImplementedError(
            f"{type(self).__name__}.{op}: this store does not define {op}; subclass Store and define it"
        )

    def set(self, key: str, value: str | bytes) -> None:
        """Store ``value`` under ``key``, replacing any value there."""
        raise self._unsupported("set")

    def get(self, key: str) -> bytes:
        """The value of ``key``, waiting up to ``timeout`` for it to be set."""
        raise self._unsupported("get")

    def add(self, key: str, amount: int) -> int:
        """Add ``amount`` to the integer under ``key`` (0 if missing); return the sum."""
        raise self._unsupported("add")

    def compare_set(self, key: str, expected_value: str | bytes, desired_value: str | bytes) -> bytes:
        """Set ``desired_value`` if ``key`` holds ``expected_value`` (or is missing and it is empty)."""
        raise self._unsupported("compare_set")

    def wait(self, keys: Sequence[str], timeout: datetime.timedelta | None = None) -> None:
        """Block until every key of ``keys`` is set, at most ``timeout`` (default: the store's)."""
        raise self._unsupported("wait")

    def check(self, keys: Sequence[str]) -> bool:
        """Whether every key of ``keys`` is set, without waiting."""
        raise self._unsupported("check")

    def delete_key(self, key: str) -> bool:
        """Remove ``key``; True if it was there."""
        raise self._unsupported("delete_key")

    def num_keys(self) -> int:
        """How many keys the store holds."""
        raise self._unsupported("num_keys")

    def append(self, key: str, value: str | bytes) -> None:
        """Add ``value`` at the end of ``key``'s value; a missing key starts empty.

        Here, for a store that defines only ``compare_set``: one swap, retried while
        other writers change the value first.
        """
        data = as_bytes(f"{type(self).__name__}.append", value)
        expected = self.get(key) if self.check([key]) else b""
        while (current := self.compare_set(key, expected, expected + data)) != expected + data:
            expected = b"" if current == expected else current  # its own ``expected`` back: the key is gone

    def multi_get(self, keys: Sequence[str]) -> list[bytes]:
        """The values of ``keys``, in order, waiting up to ``timeout`` for every one to be set."""
        keys = check_keys(f"{type(self).__name__}.multi_get", keys)
        self.wait(keys)
        return [self.get(key) for key in keys]

    def multi_set(self, keys: Sequence[str], values: Sequence[str | bytes]) -> None:
        """``set`` each key of ``keys`` to the value at the same place in ``values``."""
        for key, data in check_pairs(f"{type(self).__name__}.multi_set", keys, values).items():
            self.set(key, data)

    def has_extended_api(self) -> bool:
        """True if it does ``append``, ``multi_get`` and ``multi_set`` natively, not by the base's loops."""
        return False

    def list_keys(self) -> list[str]:
        """Every key of the store (not its queues)."""
        raise self._unsupported("list_keys")

    def queue_push(self, key: str, value: str | bytes) -> None:
        """Put ``value`` at the back of the queue ``key`` (made if missing)."""
        raise self._unsupported("queue_push")

    def queue_pop(self, key: str, block: bool = True) -> bytes:
        """Take the front of queue ``key``; if empty, wait up to ``timeout`` (unblocked: QueueEmptyError)."""
        raise self._unsupported("queue_pop")

    def queue_len(self, key: str) -> int:
        """How many values wait in the queue ``key`` (0 if there is none)."""
        raise self._unsupported("queue_len")

    def clone(self) -> Store:
        """A handle on the same keys, for use from another thread."""
        raise self._unsupported("clone")

    def barrier(self, key: str, world_size: int, timeout: datetime.timedelta | None = None) -> None:
        """Return once ``world_size`` callers have reached the barrier ``key``, at most ``timeout`` later.

        Keys ``key/num_members`` (arrivals) and ``key/last_member`` (set by the last to
        arrive) hold its state, as PyTorch's. Costs one ``add`` and one ``wait``.
        """
        op = f"{type(self).__name__}.barrier"
        check_key(op, key)
        if isinstance(world_size, bool) or not isinstance(world_size, int) or world_size < 1:
            raise ValueError(f"{op}: world_size is a positive int, got {world_size!r}")
        if self.add(f"{key}/num_members", 1) == world_size:
            self.set(f"{key}/last_member", "1")
        try:
            self.wait([f"{key}/last_member"], timeout)
        except DistStoreError as error:
            arrived = self.get(f"{key}/num_members").decode()
            raise DistStoreError(
                f"{op}: {arrived} of {world_size} callers reached barrier {key!r} in time ({error})"
            ) from None


class HashStore(Store):
    """A store in one process's memory: threads share it (``get``/``wait`` block on a condition).

    Example:
        >>> store = HashStore()
        >>> store.set("first", "1"); store.add("count", 2)
        2
        >>> store.get("first")
        b'1'
    """

    def __init__(self) -> None:
        super().__init__()
        self._table: dict[str, bytes] = {}
        self._queues: dict[str, collections.deque[bytes]] = {}
        self._changed = threading.Condition()

    def _present(self, key: str) -> bool:
        """Whether ``check`` and ``wait`` see ``key``: set, or a queue with something in it."""
        return key in self._table or bool(self._queues.get(key))

    def _wait_for(self, op: str, keys: list[str], timeout: datetime.timedelta, present=None) -> None:
        """Wait until ``present(key)`` for every key (default: it is set); the caller may hold the lock."""
        milliseconds = wait_milliseconds(op, timeout)
        present = present or self._table.__contains__
        with self._changed:
            ready = lambda: all(present(key) for key in keys)  # noqa: E731
            if not self._changed.wait_for(ready, timeout.total_seconds() or None):  # zero: no limit
                missing = [key for key in keys if not present(key)]
                raise DistStoreError(
                    f"Wait timeout: {op} waited {milliseconds} ms for keys {missing} (never set)"
                )

    def set(self, key: str, value: str | bytes) -> None:
        data = as_bytes("HashStore.set", value)
        with self._changed:
            self._table[check_key("HashStore.set", key)] = data
            self._changed.notify_all()

    def get(self, key: str) -> bytes:
        with self._changed:  # a re-entrant lock: the wait releases it, the read follows at once
            self._wait_for("HashStore.get", [check_key("HashStore.get", key)], self._timeout)
            return self._table[key]

    def add(self, key: str, amount: int) -> int:
        check_key("HashStore.add", key)
        with self._changed:
            total = added("HashStore.add", key, self._table.get(key), amount)
            self._table[key] = str(total).encode()
            self._changed.notify_all()
        return total

    def compare_set(self, key: str, expected_value: str | bytes, desired_value: str | bytes) -> bytes:
        check_key("HashStore.compare_set", key)
        expected = as_bytes("HashStore.compare_set", expected_value)
        desired = as_bytes("HashStore.compare_set", desired_value)
        with self._changed:
            write, result = compared(self._table.get(key), expected, desired)
            if write:
                self._table[key] = desired
                self._changed.notify_all()
        return result

    def wait(self, keys: Sequence[str], timeout: datetime.timedelta | None = None) -> None:
        keys = check_keys("HashStore.wait", keys)
        self._wait_for("HashStore.wait", keys, self._timeout if timeout is None else timeout, self._present)

    def check(self, keys: Sequence[str]) -> bool:
        keys = check_keys("HashStore.check", keys)
        with self._changed:
            return all(self._present(key) for key in keys)

    def delete_key(self, key: str) -> bool:
        check_key("HashStore.delete_key", key)
        with self._changed:
            return self._table.pop(key, None) is not None

    def num_keys(self) -> int:
        with self._changed:
            return len(self._table)

    def append(self, key: str, value: str | bytes) -> None:
        data = as_bytes("HashStore.append", value)
        with self._changed:
            self._table[check_key("HashStore.append", key)] = self._table.get(key, b"") + data
            self._changed.notify_all()

    def multi_get(self, keys: Sequence[str]) -> list[bytes]:
        keys = check_keys("HashStore.multi_get", keys)
        with self._changed:  # one wait for them all: the timeout bounds the whole call, as PyTorch's
            self._wait_for("HashStore.multi_get", keys, self._timeout)
            return [self._table[key] for key in keys]

    def multi_set(self, keys: Sequence[str], values: Sequence[str | bytes]) -> None:
        pairs = check_pairs("HashStore.multi_set", keys, values)
        with self._changed:
            self._table.update(pairs)
            self._changed.notify_all()

    def has_extended_api(self) -> bool:
        return True

    def list_keys(self) -> list[str]:
        with self._changed:
            return list(self._table)

    def queue_push(self, key: str, value: str | bytes) -> None:
        data = as_bytes("HashStore.queue_push", value)
        with self._changed:
            self._queues.setdefault(check_key("HashStore.queue_push", key), collections.deque()).append(data)
            self._changed.notify_all()

    def queue_pop(self, key: str, block: bool = True) -> bytes:
        check_key("HashStore.queue_pop", key)
        with self._changed:
            if not block and not self._queues.get(key):
                raise QueueEmptyError(queue_empty("HashStore", key))
            self._wait_for(
                "HashStore.queue_pop", [key], self._timeout, lambda name: bool(self._queues.get(name))
            )
            return self._queues[key].popleft()

    def queue_len(self, key: str) -> int:
        check_key("HashStore.queue_len", key)
        with self._changed:
            return len(self._queues.get(key, ()))

    def clone(self) -> HashStore:
        """This very store, as PyTorch's: its methods already lock, so threads can share it."""
        return self


class PrefixStore(Store):
    """Another store's keys under ``prefix + "/"``: one store shared by parts of a job without clashes.

    ``num_keys`` counts every key of the underlying store, and ``timeout`` is the
    underlying store's (both as PyTorch's).
    """

    def __init__(self, prefix: str, store: Store) -> None:
        if not isinstance(store, Store):
            raise TypeError(
                f"PrefixStore: store is a Store (HashStore, FileStore, ...), got {type(store).__name__}"
            )
        super().__init__()
        self._prefix = check_key("PrefixStore", prefix)
        self._store = store

    @property
    def underlying_store(self) -> Store:
        """The store the keys live in."""
        return self._store

    @property
    def timeout(self) -> datetime.timedelta:
        return self._store.timeout

    def set_timeout(self, timeout: datetime.timedelta) -> None:
        self._store.set_timeout(timeout)

    def _join(self, op: str, key: str) -> str:
        return f"{self._prefix}/{check_key(f'PrefixStore.{op}', key)}"

    def set(self, key: str, value: str | bytes) -> None:
        self._store.set(self._join("set", key), value)

    def get(self, key: str) -> bytes:
        return self._store.get(self._join("get", key))

    def add(self, key: str, amount: int) -> int:
        return self._store.add(self._join("add", key), amount)

    def compare_set(self, key: str, expected_value: str | bytes, desired_value: str | bytes) -> bytes:
        return self._store.compare_set(self._join("compare_set", key), expected_value, desired_value)

    def wait(self, keys: Sequence[str], timeout: datetime.timedelta | None = None) -> None:
        self._store.wait([self._join("wait", key) for key in check_keys("PrefixStore.wait", keys)], timeout)

    def check(self, keys: Sequence[str]) -> bool:
        return self._store.check([self._join("check", key) for key in check_keys("PrefixStore.check", keys)])

    def delete_key(self, key: str) -> bool:
        return self._store.delete_key(self._join("delete_key", key))

    def num_keys(self) -> int:
        return self._store.num_keys()

    def append(self, key: str, value: str | bytes) -> None:
        self._store.append(self._join("append", key), value)

    def multi_get(self, keys: Sequence[str]) -> list[bytes]:
        return self._store.multi_get(
            [self._join("multi_get", key) for key in check_keys("PrefixStore.multi_get", keys)]
        )

    def multi_set(self, keys: Sequence[str], values: Sequence[str | bytes]) -> None:
        pairs = check_pairs("PrefixStore.multi_set", keys, values)
        self._store.multi_set([self._join("multi_set", key) for key in pairs], list(pairs.values()))

    def has_extended_api(self) -> bool:
        return self._store.has_extended_api()

    def list_keys(self) -> list[str]:
        """The keys under ``prefix/``, without it (``num_keys`` counts every key, as PyTorch's).

        PyTorch's also lists, cut, keys that merely start with the prefix (``pre_x`` for ``pre``).
        """
        start = f"{self._prefix}/"
        return [key[len(start) :] for key in self._store.list_keys() if key.startswith(start)]

    def queue_push(self, key: str, value: str | bytes) -> None:
        self._store.queue_push(self._join("queue_push", key), value)

    def queue_pop(self, key: str, block: bool = True) -> bytes:
        return self._store.queue_pop(self._join("queue_pop", key), block)

    def queue_len(self, key: str) -> int:
        return self._store.queue_len(self._join("queue_len", key))

    def clone(self) -> PrefixStore:
        """The same prefix on a clone of the underlying store."""
        return PrefixStore(self._prefix, self._store.clone())


class TCPStore(Store):
    """Not available: PyTorch's TCPStore is a socket server on rank 0, which tt-dist does not run.

    Use :class:`~tt_dist.file_store.FileStore` on a file every rank can reach (a
    shared file system for several machines), or :class:`HashStore` within one process.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise NotImplementedError(
            "TCPStore: tt-dist runs no socket server; use FileStore(file_name, world_size) on a file every "
            "rank can reach (a shared file system across machines), or HashStore within one process"
        )


def check_init_store(store: object, init_method: str | None, world_size: int, rank: int) -> None:
    """PyTorch's rules for ``init_process_group(store=...)``, as errors that name the fix."""
    if not isinstance(store, Store):
        raise TypeError(
            "init_process_group: store is a Store (FileStore, HashStore, PrefixStore), got "
            f"{type(store).__name__}"
        )
    if init_method is not None:
        raise ValueError(
            f"init_process_group: cannot specify both init_method ({init_method!r}) and store; give one"
        )
    if world_size in (-1, None) or rank in (-1, None):
        raise ValueError(
            f"init_process_group: with store=, give world_size= and rank= too, as PyTorch requires "
            f"(got world_size={world_size}, rank={rank}); under mpiexec they are dist.launched_world_size() "
            "and the rank MPI gives"
        )
