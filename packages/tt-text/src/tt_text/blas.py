"""How many threads NumPy's BLAS (OpenBLAS) uses, read and set at run time, and picked by measurement.

A GPT step is mostly GEMMs, so the BLAS thread count decides its speed —
and not always the way one expects. Measured on the project's 2-core
machine: with both cores free, two OpenBLAS threads make the (4096×128) @
(128×512) GEMMs of the MLP about 1.5–2× faster; with another process busy on
the machine, two threads that spin-wait for each other made a whole
training step up to **15× slower** than one thread. :class:`ThreadTuner`
therefore times a few steps with each count and keeps the faster, and
re-checks now and then, since the load of a shared machine changes.

NumPy does not expose the setting; the OpenBLAS it ships does
(``scipy_openblas_set_num_threads64_``), found with ``ctypes``. Where it is not
found (another BLAS), the functions here do nothing and :func:`available` is False.
"""

from __future__ import annotations

import collections
import ctypes
import functools
import glob
import os
import statistics
import time
from collections.abc import Callable

import numpy as np

_SETTERS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads")


def _load() -> tuple[Callable[[int], None] | None, Callable[[], int] | None]:
    folder = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in sorted(glob.glob(os.path.join(folder, "*openblas*"))):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(library, n) for n in _SETTERS if hasattr(library, n)), None)
        getter = next((getattr(library, n) for n in _GETTERS if hasattr(library, n)), None)
        if setter is not None and getter is not None:
            return setter, getter
    return None, None


_SET, _GET = _load()


def available() -> bool:
    """True if NumPy's BLAS thread count can be read and set."""
    return _SET is not None


def get_blas_threads() -> int | None:
    """The number of threads NumPy's BLAS uses, or None if it cannot be read."""
    return None if _GET is None else int(_GET())


def set_blas_threads(count: int) -> None:
    """Use ``count`` BLAS threads from now on (nothing happens where this is not supported)."""
    if _SET is not None:
        _SET(int(count))


class single_threaded:  # noqa: N801  (used like a function: ``with single_threaded():``)
    """Run the block with one BLAS thread, then restore the previous count.

    For many small GEMMs in a row (attention's ``(B·H)`` batches of 128×32×128
    products): two threads gain nothing on them, and each product makes the
    threads meet, which on a busy machine can cost a scheduler time slice.
    """

    def __enter__(self) -> None:
        self.previous = get_blas_threads()
        if self.previous is not None and self.previous != 1:
            set_blas_threads(1)

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None and self.previous != 1:
            set_blas_threads(self.previous)


def one_blas_thread(function: Callable) -> Callable:
    """Decorator: run ``function`` under :class:`single_threaded`."""

    @functools.wraps(function)
    def wrapper(*args: object, **kwargs: object) -> object:
        with single_threaded():
            return function(*args, **kwargs)

    return wrapper


class ThreadTuner:
    """Pick the faster BLAS thread count for a repeated step, by timing it, and keep checking.

    Call :meth:`step` instead of the step function. The first calls time
    each candidate twice (after one untimed warm-up call); then every
    ``recheck`` calls one call runs with each other candidate, and the tuner
    switches if that call beat the median of the current choice's last
    ``window`` calls — so it follows a machine whose load comes and goes.

    Args:
        candidates: thread counts to try (default 1 and every core).
        recheck: calls between probes (0: never probe again).
        window: recent calls of the current choice that a probe is compared with.
    """

    def __init__(
        self, candidates: tuple[int, ...] | None = None, recheck: int = 50, window: int = 10
    ) -> None:
        cores = os.cpu_count() or 1
        self.candidates = tuple(candidates or sorted({1, cores}))
        self.recheck = recheck
        self.choice = get_blas_threads() or cores
        self.recent: dict[int, collections.deque[float]] = {
            n: collections.deque(maxlen=window) for n in self.candidates
        }
        self.switches: list[tuple[int, int]] = []  # (call, new thread count)
        self._calls = 0
        self._round: dict[int, list[float]] = {}
        self._queue: list[int] = [n for _ in range(2) for n in self.candidates] if self._tunable() else []

    def _tunable(self) -> bool:
        return available() and len(self.candidates) > 1

    def step(self, function: Callable[[], object]) -> object:
        """Run ``function()`` with the current (or a probe) thread count; returns its result."""
        if not self._queue and self.recheck and self._calls > 1 and self._calls % self.recheck == 0:
            if self._tunable():
                self._queue = [n for n in self.candidates if n != self.choice]
        probing = bool(self._queue) and self._calls > 0
        threads = self._queue[0] if probing else self.choice
        set_blas_threads(threads)
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
        self._calls += 1
        if self._calls == 1:
            return result  # the warm-up call: allocations and first touches, not thread counts
        if probing:
            self._queue.pop(0)
            self._round.setdefault(threads, []).append(seconds)
            if not self._queue:
                self._decide()
        else:
            self.recent[threads].append(seconds)
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
