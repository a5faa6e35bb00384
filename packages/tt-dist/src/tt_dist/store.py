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
  wait. A timeout of zero means *wait forever* (PyTorch's ``kNoTimeout``).

Waiting past the timeout raises :class:`DistStoreError` (a ``RuntimeError``, as
PyTorch's). :class:`~tt_dist.file_store.FileStore` is the one shared between
processes. Costs: a ``HashStore`` call is a dict operation under a lock.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Sequence

DEFAULT_TIMEOUT = datetime.timedelta(seconds=300)  # PyTorch's kDefaultTimeout


class DistError(RuntimeError):
    """Base of torch.distributed's errors (PyTorch's ``torch.distributed.DistError``)."""


class DistStoreError(DistError):
    """A store's wait or get ran out of time (PyTorch's ``torch.distributed.DistStoreError``)."""


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
        self._changed = threading.Condition()

    def _wait_for(self, op: str, keys: list[str], timeout: datetime.timedelta) -> None:
        milliseconds = wait_milliseconds(op, timeout)
        with self._changed:
            ready = lambda: all(key in self._table for key in keys)  # noqa: E731
            if not self._changed.wait_for(ready, timeout.total_seconds() or None):  # zero: no limit
                missing = [key for key in keys if key not in self._table]
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
        self._wait_for("HashStore.wait", keys, self._timeout if timeout is None else timeout)

    def check(self, keys: Sequence[str]) -> bool:
        keys = check_keys("HashStore.check", keys)
        with self._changed:
            return all(key in self._table for key in keys)

    def delete_key(self, key: str) -> bool:
        check_key("HashStore.delete_key", key)
        with self._changed:
            return self._table.pop(key, None) is not None

    def num_keys(self) -> int:
        with self._changed:
            return len(self._table)


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
