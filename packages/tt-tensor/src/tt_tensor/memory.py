"""The memory runtime: keep freed array memory in the process, so a training step does not page-fault.

**Why.** A training step allocates and frees the same big arrays every time:
activations, gradients, GEMM outputs of a few MiB each. glibc's ``malloc``
serves a request above its *mmap threshold* (128 KiB at first, rising to the
largest block freed so far) with fresh pages from the kernel and gives them
back on ``free``; it also returns the top of its heap to the kernel once more
than the *trim threshold* is free there. Either way the next step's array of
the same size touches pages the process no longer owns, and every 4 KiB page
costs a fault and a zero-fill by the kernel. Measured on milestone 05's GPT
training step (16 windows, one BLAS thread, this 2-core machine): 22,000 page
faults per step and 255 ms of CPU time; with both thresholds raised, 70
faults and 190 ms — a quarter of the step was the kernel handing memory back
and forth.

**What.** :func:`keep_freed_memory` raises both thresholds with glibc's
``mallopt`` (through ``ctypes``): blocks up to 32 MiB come from the heap and
stay in the process when freed, ready for the next allocation of that size
(in every thread's arena: worker threads of :mod:`tt_tensor.threads` too).
The cost: the process keeps the memory of its largest step instead of
shrinking between steps (its resident size stays near its peak), the same
trade PyTorch makes with its caching allocators. ``tt_tensor`` calls it once
when imported; set ``TINYTORCH_KEEP_FREED_MEMORY=0`` before the import to keep
glibc's defaults. Where the C library is not glibc (macOS, musl), nothing
changes and :func:`keep_freed_memory` returns False.

Example:
    >>> from tt_tensor import memory
    >>> memory.keep_freed_memory() in (True, False)  # True on Linux with glibc
    True
"""

from __future__ import annotations

import ctypes
import os

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "keep_freed_memory", "keeping_freed_memory"]

#: Blocks up to this size come from the heap, not fresh pages (glibc's largest allowed: 32 MiB on 64-bit).
MMAP_THRESHOLD = 32 << 20
#: Free memory at the top of the heap is handed back to the kernel only above this (1 GiB).
TRIM_THRESHOLD = 1 << 30

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
_applied = False


def _mallopt():
    try:
        glibc = os.confstr("CS_GNU_LIBC_VERSION")  # "glibc 2.36" (instant, unlike platform.libc_ver)
    except (AttributeError, ValueError, OSError):
        glibc = None
    if not glibc or not glibc.startswith("glibc"):
        return None
    # the running process's own symbols: glibc is loaded already (no library search, no subprocess)
    function = getattr(ctypes.CDLL(None), "mallopt", None)
    if function is not None:
        function.argtypes, function.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return function


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds (see the module's docstring); True if they were set.

    Idempotent. Cost: two ``mallopt`` calls. Returns False, changing nothing,
    where the C library is not glibc.
    """
    global _applied
    mallopt = _mallopt()
    if mallopt is None:
        return False
    _applied = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    return _applied


def keeping_freed_memory() -> bool:
    """True if :func:`keep_freed_memory` has set the thresholds in this process."""
    return _applied


def _apply_at_import() -> None:
    setting = os.environ.get("TINYTORCH_KEEP_FREED_MEMORY", "1").strip().lower()
    if setting in ("0", "false", "no", "off"):
        return
    if setting not in ("1", "true", "yes", "on", ""):
        raise ValueError(
            f"TINYTORCH_KEEP_FREED_MEMORY must be 0 or 1 (keep glibc's defaults, or keep freed memory), "
            f"got {setting!r}"
        )
    keep_freed_memory()


_apply_at_import()  # once, when tt_tensor is imported
