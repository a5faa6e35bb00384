"""The threading runtime: NumPy's BLAS thread count, a one-thread scope, a worker pool and a thread tuner.

Every TinyTorch package that steers threads does it through this one module
(it needs only NumPy and the standard library, like the rest of tt-tensor):

* :func:`get_num_threads` / :func:`set_num_threads` — the number of threads
  NumPy's BLAS (OpenBLAS) uses for one matrix product, read and set at run
  time; PyTorch's names.
* :func:`one_blas_thread` — a scope (``with one_blas_thread():``, or
  ``@one_blas_thread()`` on a function) that runs many small GEMMs on one
  thread, then restores the count.
* :func:`run` / :func:`split` — a small pool of worker threads, each with
  one-thread BLAS, for kernels that cut a batch into independent slices.
* :class:`ThreadTuner` — picks the faster BLAS thread count for a repeated
  step by timing it, and keeps checking.

**Why threads need steering.** NumPy runs copies and element-wise passes on
one core; only BLAS uses more. Two OpenBLAS threads make a large GEMM up to
twice as fast on two cores, but each product makes the threads meet, and a
waiting OpenBLAS thread *spins*: on the project's shared 2-core machine, with
another process busy, two threads made a GPT training step up to 15× slower
than one, and a CNN step went from 170 ms to 700 ms. Hence the three tools:
one thread for runs of small GEMMs (attention's batched 128×32×128 products
gain nothing from a second thread); worker threads that block on a queue
instead of spinning, each running one-thread GEMMs on its own slice (two
workers keep two cores busy, and the copies between GEMMs run in parallel
too, since NumPy releases the GIL inside them); and measurement where the
answer depends on the machine's load.

**How.** NumPy does not expose the setting, but the OpenBLAS it ships does.
The library is the one NumPy loaded (found in ``/proc/self/maps``, else in
the wheel's ``numpy.libs`` folder) and is called with ``ctypes``:
``scipy_openblas_set_num_threads64_`` (process-wide) and
``openblas_set_num_threads_local`` (OpenBLAS ≥ 0.3.27: for calls made from
the calling thread only). Where these are missing (another BLAS), the
functions here change nothing, :func:`blas_available` is False, and
:func:`run` runs its tasks one after another in the calling thread.
``TINYTORCH_NUM_THREADS`` sets the number of workers (``1`` turns the pool off).

Example:
    >>> from tt_tensor import threads
    >>> with threads.one_blas_thread():
    ...     threads.get_num_threads() == 1 or not threads.blas_available()
    True
    >>> threads.run([lambda: 1, lambda: 2])
    [1, 2]
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import ctypes
import glob
import os
import statistics
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

__all__ = [
    "ThreadTuner",
    "blas_available",
    "get_num_threads",
    "one_blas_thread",
    "run",
    "set_num_threads",
    "split",
    "worker_count",
    "workers",
]

_SETTERS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads")
_LOCAL_SETTERS = ("openblas_set_num_threads_local", "scipy_openblas_set_num_threads_local64_")


def _openblas_paths() -> list[str]:
    """Files of the OpenBLAS NumPy uses: those mapped into this process first, then the wheel's folders."""
    paths = []
    with contextlib.suppress(OSError):
        with open("/proc/self/maps") as maps:
            paths = [line.split()[-1] for line in maps if "openblas" in line.rsplit("/", 1)[-1]]
    base = os.path.dirname(np.__file__)
    for folder in (base + ".libs", os.path.join(base, ".libs"), os.path.join(base, ".dylibs")):
        paths += sorted(glob.glob(os.path.join(folder, "*openblas*")))
    return list(dict.fromkeys(paths))


def _find(names: tuple[str, ...], *more: tuple[str, ...]) -> tuple[Any, ...]:
    """The first library that has one function of each name list, as those functions (else Nones)."""
    groups = (names, *more)
    for path in _openblas_paths():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        found = [next((getattr(library, n) for n in group if hasattr(library, n)), None) for group in groups]
        if all(f is not None for f in found):
            return tuple(found)
    return (None,) * (1 + len(more))


_SET, _GET = _find(_SETTERS, _GETTERS)
(_SET_LOCAL,) = _find(_LOCAL_SETTERS)
if _SET is not None:
    _SET.argtypes, _SET.restype = [ctypes.c_int], None
    _GET.argtypes, _GET.restype = [], ctypes.c_int
if _SET_LOCAL is not None:
    _SET_LOCAL.argtypes, _SET_LOCAL.restype = [ctypes.c_int], ctypes.c_int


def _usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


_requested = _usable_cores()  # what get_num_threads reports where BLAS cannot be asked


# --- the process BLAS thread count -------------------------------------------------------------


def blas_available() -> bool:
    """True if NumPy's BLAS thread count can be read and set (an OpenBLAS was found)."""
    return _SET is not None


def get_num_threads() -> int:
    """The number of threads NumPy's BLAS uses for one product (like ``torch.get_num_threads``).

    Where the BLAS cannot be asked, the last count given to :func:`set_num_threads`
    (initially the number of usable cores).
    """
    return int(_GET()) if _GET is not None else _requested


def set_num_threads(num: int) -> None:
    """Use ``num`` BLAS threads per product from now on, for the whole process (``torch.set_num_threads``).

    Cost: one call into OpenBLAS (raising the count may start threads). Does
    nothing to the BLAS where it cannot be set (:func:`blas_available` False).
    """
    global _requested
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or num < 1:
        raise ValueError(f"set_num_threads: expected a positive int number of threads, got {num!r}")
    _requested = int(num)
    if _SET is not None:
        _SET(int(num))


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block (or, as ``@one_blas_thread()``, each call) with one BLAS thread, then restore the count.

    For many small GEMMs in a row, e.g. attention's ``(B·H)`` batches of
    128×32×128 products: a second thread gains nothing on them, and every
    product makes the threads meet, which on a busy machine can cost a
    scheduler time slice. Nests; the count is restored on exceptions too.
    On a worker thread of the pool it does nothing: a worker's BLAS already
    runs one thread (its own setting), and changing the process-wide count
    from there would switch it under the threads still computing.
    """
    if _on_worker():
        yield
        return
    previous = get_num_threads()
    if previous != 1:
        set_num_threads(1)
    try:
        yield
    finally:
        if previous != 1:
            set_num_threads(previous)


# --- the worker pool ---------------------------------------------------------------------------

_WORKER_PREFIX = "tt-worker"


def _on_worker() -> bool:
    """True on one of the pool's worker threads."""
    return threading.current_thread().name.startswith(_WORKER_PREFIX)


def worker_count() -> int:
    """Workers the pool would start: ``$TINYTORCH_NUM_THREADS``, else the usable cores (at most 8)."""
    configured = os.environ.get("TINYTORCH_NUM_THREADS")
    if configured:
        try:
            return max(1, int(configured))
        except ValueError:
            raise ValueError(
                f"TINYTORCH_NUM_THREADS must be a whole number of threads, got {configured!r}"
            ) from None
    return max(1, min(_usable_cores(), 8))


class _Pool:
    """A lazily started thread pool whose workers run BLAS single-threaded (per-thread OpenBLAS setting)."""

    def __init__(self) -> None:
        self.executor: concurrent.futures.ThreadPoolExecutor | None = None
        self.size = 0
        self.checked = False

    def get(self) -> concurrent.futures.ThreadPoolExecutor | None:
        if not self.checked:
            self.checked = True
            size = worker_count()
            if size > 1 and _SET_LOCAL is not None:
                self.size = size
                self.executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=size, thread_name_prefix=_WORKER_PREFIX, initializer=_SET_LOCAL, initargs=(1,)
                )
        return self.executor


_pool = _Pool()
if hasattr(os, "register_at_fork"):  # a forked child has none of the parent's threads: start afresh
    os.register_at_fork(after_in_child=_pool.__init__)


def workers() -> int:
    """How many slices a kernel should cut its batch into: the pool's size, or 1 without a pool."""
    return _pool.size if _pool.get() is not None else 1


def split(n: int, parts: int | None = None) -> list[tuple[int, int]]:
    """``range(n)`` cut into ``parts`` (default :func:`workers`) contiguous, near-equal, non-empty runs.

    Example: ``split(5, 2) == [(0, 2), (2, 5)]``; ``split(0) == []``.
    """
    parts = max(1, min(n, workers() if parts is None else parts))
    bounds = [n * i // parts for i in range(parts + 1)]
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def run(tasks: Sequence[Callable[[], Any]]) -> list[Any]:
    """Call each task, on the worker threads when there are several; their results, in order.

    A task that itself calls :func:`run` gets its tasks run inline (a worker
    never waits on its own pool). An exception in a task is raised here.
    """
    executor = _pool.get()
    if executor is None or len(tasks) <= 1 or _on_worker():
        return [task() for task in tasks]
    futures = [executor.submit(task) for task in tasks]
    return [future.result() for future in futures]


# --- the thread tuner --------------------------------------------------------------------------


class ThreadTuner:
    """Pick the faster BLAS thread count for a repeated step, by timing it, and keep checking.

    Call :meth:`step` instead of the step function. The first calls time
    each candidate twice (after one untimed warm-up call); then every
    ``recheck`` calls one call runs with each other candidate, and the tuner
    switches if that call beat the median of the current choice's last
    ``window`` calls — so it follows a machine whose load comes and goes.
    Cost: one ``set_num_threads`` and two clock reads per step.

    Args:
        candidates: thread counts to try (default 1 and every core).
        recheck: calls between probes (0: never probe again).
        window: recent calls of the current choice that a probe is compared with.
    """

    def __init__(
        self, candidates: tuple[int, ...] | None = None, recheck: int = 50, window: int = 10
    ) -> None:
        cores = _usable_cores()
        self.candidates = tuple(candidates or sorted({1, cores}))
        if any(n < 1 for n in self.candidates):
            raise ValueError(f"ThreadTuner: thread counts must be >= 1, got candidates={self.candidates}")
        self.recheck = recheck
        self.choice = get_num_threads()
        self.recent: dict[int, collections.deque[float]] = {
            n: collections.deque(maxlen=window) for n in {*self.candidates, self.choice}
        }
        self.switches: list[tuple[int, int]] = []  # (call, new thread count)
        self._calls = 0
        self._round: dict[int, list[float]] = {}
        self._queue: list[int] = [n for _ in range(2) for n in self.candidates] if self._tunable() else []

    def _tunable(self) -> bool:
        return blas_available() and len(self.candidates) > 1

    def step(self, function: Callable[[], object]) -> object:
        """Run ``function()`` with the current (or a probe) thread count; returns its result."""
        if not self._queue and self.recheck and self._calls > 1 and self._calls % self.recheck == 0:
            if self._tunable():
                self._queue = [n for n in self.candidates if n != self.choice]
        probing = bool(self._queue) and self._calls > 0
        count = self._queue[0] if probing else self.choice
        set_num_threads(count)
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
        self._calls += 1
        if self._calls == 1:
            return result  # the warm-up call: allocations and first touches, not thread counts
        if probing:
            self._queue.pop(0)
            self._round.setdefault(count, []).append(seconds)
            if not self._queue:
                self._decide()
        else:
            self.recent[count].append(seconds)
        return result

    def _decide(self) -> None:
        """Switch to the fastest candidate: probes by their best time, the current choice by its median."""
        timings = {n: min(times) for n, times in self._round.items()}
        recent = self.recent[self.choice]
        if recent:
            timings[self.choice] = min(timings.get(self.choice, float("inf")), statistics.median(recent))
        self._round = {}
        best = min(timings, key=timings.get)
        if best != self.choice:
            self.choice = best
            self.recent[best].clear()
            self.switches.append((self._calls, best))
