"""Run independent slices of a batch on several cores: worker threads with single-threaded BLAS.

NumPy runs element-wise passes and copies on one core; only BLAS uses more.
A convolution's im2col copies, col2im adds and pooling passes would leave
the second core idle. So the vision kernels split the batch into slices and
hand them to a small pool of threads (NumPy releases the GIL inside copies,
ufuncs and matrix products, so the threads really run at once).

Each worker asks OpenBLAS to use one thread *for calls made from that worker*
(``openblas_set_num_threads_local``, OpenBLAS ≥ 0.3.27, which NumPy's wheels
bundle): two workers each running a one-thread GEMM keep both cores busy
without oversubscribing them. This also matters on a shared machine: a
2-thread OpenBLAS call spins while it waits for its partner thread, so when
another process holds a core, every small GEMM can stall for a scheduler
tick (measured here: a CNN step went from 170 ms to 700 ms). Workers that
block on a queue do not have that problem.

Where the per-thread setting is not available (another BLAS, or an older
OpenBLAS) the slices simply run one after another in the calling thread, with
BLAS threaded as usual. ``TINYTORCH_NUM_THREADS`` sets the number of workers
(``1`` turns the pool off).
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import glob
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

_SETTER_NAME = "openblas_set_num_threads_local"


def _find_thread_setter() -> Callable[[int], int] | None:
    """``openblas_set_num_threads_local`` from the OpenBLAS that NumPy loaded, or None."""
    base = os.path.dirname(np.__file__)
    candidates = glob.glob(base + ".libs/*openblas*") + glob.glob(os.path.join(base, ".libs", "*openblas*"))
    for path in candidates:
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        setter = getattr(library, _SETTER_NAME, None)
        if setter is not None:
            setter.argtypes, setter.restype = [ctypes.c_int], ctypes.c_int
            return setter
    return None


def worker_count() -> int:
    """Threads to use: ``$TINYTORCH_NUM_THREADS``, else the cores this process may run on (at most 8)."""
    configured = os.environ.get("TINYTORCH_NUM_THREADS")
    if configured:
        return max(1, int(configured))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, 8))


class _Pool:
    """A lazily started thread pool whose workers run BLAS single-threaded."""

    def __init__(self) -> None:
        self.executor: concurrent.futures.ThreadPoolExecutor | None = None
        self.size = 0
        self.checked = False

    def get(self) -> concurrent.futures.ThreadPoolExecutor | None:
        if not self.checked:
            self.checked = True
            size = worker_count()
            setter = _find_thread_setter() if size > 1 else None
            if setter is not None:
                self.size = size
                self.executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=size, thread_name_prefix="tt-vision", initializer=setter, initargs=(1,)
                )
        return self.executor


_pool = _Pool()
if hasattr(os, "register_at_fork"):  # a forked child has none of the parent's threads: start afresh
    os.register_at_fork(after_in_child=_pool.__init__)


def threads() -> int:
    """How many slices a kernel should split its batch into (1 when the pool is unavailable)."""
    return _pool.size if _pool.get() is not None else 1


def split(n: int, parts: int | None = None) -> list[tuple[int, int]]:
    """``range(n)`` cut into ``parts`` (default :func:`threads`) contiguous, near-equal, non-empty runs."""
    parts = max(1, min(n, threads() if parts is None else parts))
    bounds = [n * i // parts for i in range(parts + 1)]
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def run(tasks: Sequence[Callable[[], Any]]) -> list[Any]:
    """Call each task, on the worker threads when there are several; results in order."""
    executor = _pool.get()
    inside_worker = threading.current_thread().name.startswith("tt-vision")  # never wait on our own pool
    if executor is None or len(tasks) <= 1 or inside_worker:
        return [task() for task in tasks]
    futures = [executor.submit(task) for task in tasks]
    return [future.result() for future in futures]
