"""Allocation: reuse scratch arrays instead of asking for fresh memory, and tune glibc's ``malloc``.

A fresh large array costs more than its ``malloc``. glibc serves a request
above its *mmap threshold* (128 KiB at start, raised on the fly up to 32 MiB)
with brand-new pages from the kernel, and gives them back on ``free``; the
first write to each 4 KiB page then traps into the kernel (a *minor page
fault*, ~0.1–0.5 µs plus zeroing the page). A training step that makes a
16 MB temporary pays ~4,000 faults for it — every step. Two remedies:

* :class:`Workspace` — a pool of scratch arrays keyed by ``(shape, dtype)``:
  ``acquire`` hands out a free one (or makes it the first time), ``release``
  takes it back, ``borrow`` does both around a ``with`` block. A hot loop
  that needs the same temporaries every step allocates them once. The price:
  the pool keeps its arrays (``nbytes``) until :meth:`Workspace.clear`, and
  code must write the ``out=`` forms (``np.multiply(a, b, out=buffer)``).
* :func:`set_allocator_policy` — the process-wide remedy for code you cannot
  change: glibc's ``mallopt`` raises the mmap threshold (big blocks come from
  the heap, not fresh pages) and the trim threshold (freed heap memory is
  kept, not returned to the kernel), so the next step's arrays land on warm
  pages. It changes the whole process and keeps its peak memory resident, so
  it is a program's decision, never a library's default.

Example:
    >>> pool = Workspace()
    >>> with pool.borrow((256, 256)) as scratch:
    ...     _ = np.multiply(np.ones((256, 256), np.float32), 2, out=scratch)
    >>> with pool.borrow((256, 256)) as again:  # the same memory, no new allocation
    ...     again is scratch
    True
    >>> pool.hits, pool.misses, pool.nbytes
    (1, 1, 262144)
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

#: ``mallopt`` parameters, from glibc's ``<malloc.h>``.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
_C_INT_MAX = 2**31 - 1


class Workspace:
    """A pool of reusable scratch arrays, handed out by ``(shape, dtype)``.

    An array is *lent* from :meth:`acquire` until it is given back with
    :meth:`release`; a second ``acquire`` of the same key while the first is
    lent gets a different array, so nested users never share memory. The
    contents of an acquired array are whatever its last user left: write
    before you read. Safe to share between threads (a lock guards the lists).

    Attributes:
        hits: acquisitions served by a released array.
        misses: acquisitions that had to allocate.
    """

    def __init__(self) -> None:
        self._free: dict[tuple[tuple[int, ...], np.dtype], list[np.ndarray]] = {}
        self._lent: dict[int, np.ndarray] = {}  # id → array: the reference keeps the id unique
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def acquire(self, shape: tuple[int, ...] | int, dtype: object = np.float32) -> np.ndarray:
        """A C-contiguous array of ``shape`` and ``dtype``: a released one if there is one, else new.

        Cost: a dictionary look-up on a hit; ``np.empty`` (and later its page faults) on a miss.
        """
        shape = (int(shape),) if np.isscalar(shape) else tuple(int(n) for n in shape)
        if any(n < 0 for n in shape):
            raise ValueError(f"Workspace.acquire: negative size in shape {shape}")
        key = (shape, np.dtype(dtype))
        # BEGIN SOLUTION 17
        # TODO: a C-contiguous array of shape and dtype: a released one of that key if any (a hit), else
        #   np.empty (a miss); remember it as lent (§ How it is built, "Allocation").
        # HINT: hold self._lock around the free lists: several threads share one workspace.
        with self._lock:
            free = self._free.get(key)
            if free:
                array = free.pop()
                self.hits += 1
            else:
                array = np.empty(shape, dtype=key[1])
                self.misses += 1
            self._lent[id(array)] = array
        return array
        # END SOLUTION

    def release(self, array: np.ndarray) -> None:
        """Give back an array from :meth:`acquire`; later acquisitions of its shape and dtype reuse it."""
        # BEGIN SOLUTION 17
        # TODO: take back an array lent by acquire, onto the free list of its (shape, dtype); anything else
        #   (released twice, a view, a stranger) is a ValueError.
        # HINT: the lent table holds the array itself under id(array): compare with "is", not ==.
        with self._lock:
            if self._lent.pop(id(array), None) is not array:
                raise ValueError(
                    f"Workspace.release: this {array.dtype} array of shape {array.shape} is not lent by this "
                    "workspace (released twice, a view of the acquired array, or from elsewhere)"
                )
            self._free.setdefault((array.shape, array.dtype), []).append(array)
        # END SOLUTION

    @contextmanager
    def borrow(self, shape: tuple[int, ...] | int, dtype: object = np.float32) -> Iterator[np.ndarray]:
        """``with pool.borrow(shape) as buffer:`` — acquired on entry, released on exit (even on error)."""
        array = self.acquire(shape, dtype)
        try:
            yield array
        finally:
            self.release(array)

    @property
    def nbytes(self) -> int:
        """Bytes of every array the pool owns, lent or free."""
        with self._lock:
            free = sum(a.nbytes for arrays in self._free.values() for a in arrays)
            return free + sum(a.nbytes for a in self._lent.values())

    @property
    def lent(self) -> int:
        """How many arrays are acquired and not yet released."""
        return len(self._lent)

    def clear(self) -> None:
        """Drop the free arrays (their memory goes back to ``malloc``); lent ones stay lent."""
        with self._lock:
            self._free.clear()

    def __repr__(self) -> str:
        return (
            f"Workspace({self.nbytes / 2**20:.1f} MiB, {self.lent} lent, "
            f"{self.hits} hits, {self.misses} misses)"
        )


def _glibc() -> ctypes.CDLL | None:
    """The process's C library if it is glibc (it alone has ``gnu_get_libc_version``), else None."""
    try:
        libc = ctypes.CDLL(None)  # the symbols already loaded into this process
        libc.gnu_get_libc_version  # noqa: B018  (raises AttributeError elsewhere: musl, macOS)
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError, TypeError):  # TypeError: Windows cannot open "None"
        return None
    return libc


def set_allocator_policy(mmap_threshold: int = 1 << 30, trim_threshold: int = _C_INT_MAX) -> bool:
    """Make glibc's ``malloc`` keep freed memory for reuse (``mallopt``); process-wide.

    Args:
        mmap_threshold: blocks of at least this many bytes get fresh pages from
            the kernel (``M_MMAP_THRESHOLD``); below it they come from the heap,
            whose freed pages are reused warm. Default 1 GiB: nearly everything.
        trim_threshold: free memory at the top of the heap beyond this many bytes
            is returned to the kernel (``M_TRIM_THRESHOLD``). Default 2 GiB − 1: keep it.

    Returns:
        True if glibc took both settings; **False, changing nothing, where the C
        library is not glibc** (macOS, Windows, musl-based Linux) — there is no
        ``mallopt`` to call, and the program runs on with its allocator's defaults.

    Raises:
        ValueError: a threshold outside ``0 … 2**31 − 1`` (``mallopt`` takes a C int),
            or one that glibc refuses.

    Cost: the process keeps its peak heap resident. glibc's own defaults are
    ``set_allocator_policy(128 * 1024, 128 * 1024)`` (except that calling
    ``mallopt`` turns off glibc's dynamic raising of the mmap threshold).
    """
    for name, value in (("mmap_threshold", mmap_threshold), ("trim_threshold", trim_threshold)):
        if not 0 <= int(value) <= _C_INT_MAX:
            raise ValueError(f"set_allocator_policy: {name} must be in 0 … 2**31 - 1 bytes, got {value}")
    libc = _glibc()
    if libc is None:
        return False
    for name, parameter, value in (
        ("mmap_threshold", M_MMAP_THRESHOLD, mmap_threshold),
        ("trim_threshold", M_TRIM_THRESHOLD, trim_threshold),
    ):
        if libc.mallopt(parameter, int(value)) != 1:
            raise ValueError(f"set_allocator_policy: glibc's mallopt refused {name}={value}")
    return True
