"""Memory: reuse buffers instead of allocating, keep freed memory, and choose the layout.

* ``Workspace`` — scratch arrays handed out by ``(name, shape, dtype)`` and
  reused on every later request: a hot loop that needs the same temporaries
  each step stops allocating them. A fresh large array costs more than its
  ``malloc``: glibc serves it from new pages (``mmap``), and the first write
  to each 4 KiB page traps into the kernel (a *page fault*).
* ``set_allocator_policy`` — the process-wide alternative: ask glibc's
  ``malloc`` (through ``mallopt``) to keep freed blocks up to a size in its
  heap and not return them to the kernel, so later arrays of that size reuse
  warm pages. It changes the whole process, so it is the program's choice,
  not a library's default. Returns False (and changes nothing) where the C
  library is not glibc.
* ``to_channels_last`` / ``to_channels_first`` — the same image batch as
  ``(N, H, W, C)`` or ``(N, C, H, W)`` memory; NumPy copies and reduces
  fastest along the contiguous axis, so the layout decides which operations
  run as long inner loops (PERF-NOTES: 2×2 max-pool 6 ms NHWC vs 78 ms NCHW).

Example:
    >>> space = Workspace()
    >>> a = space.get("scores", (4, 4))
    >>> space.get("scores", (4, 4)) is a, space.nbytes
    (True, 64)
"""

from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3


class Workspace:
    """Named scratch arrays, allocated on first request and reused while the shape and dtype match."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: object = np.float32) -> np.ndarray:
        """An array of ``shape`` and ``dtype`` for ``name`` — the same one as last time when they match.

        Its contents are whatever the last user left: write before you read.
        """
        # BEGIN SOLUTION 17
        shape, dtype = tuple(shape), np.dtype(dtype)
        array = self._arrays.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = self._arrays[name] = np.empty(shape, dtype=dtype)
        return array
        # END SOLUTION

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self._arrays.values())

    def clear(self) -> None:
        self._arrays.clear()


def set_allocator_policy(mmap_threshold: int = 1 << 30, trim_threshold: int = (1 << 31) - 1) -> bool:
    """Keep freed blocks below ``mmap_threshold`` bytes in the heap (glibc ``mallopt``); True if applied."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # not glibc: nothing to set
    return bool(
        mallopt(M_MMAP_THRESHOLD, int(mmap_threshold)) and mallopt(M_TRIM_THRESHOLD, int(trim_threshold))
    )


def to_channels_last(images: np.ndarray) -> np.ndarray:
    """``(N, C, H, W)`` → ``(N, H, W, C)``, contiguous (one copy)."""
    if images.ndim != 4:
        raise ValueError(f"to_channels_last: expected (N, C, H, W), got shape {images.shape}")
    return np.ascontiguousarray(images.transpose(0, 2, 3, 1))


def to_channels_first(images: np.ndarray) -> np.ndarray:
    """``(N, H, W, C)`` → ``(N, C, H, W)``, contiguous (one copy)."""
    if images.ndim != 4:
        raise ValueError(f"to_channels_first: expected (N, H, W, C), got shape {images.shape}")
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2))
