"""Tuning for per-channel kernels (batch norm): channels-last rows, BLAS column sums, blocked threaded passes.

Not a course topic; the kernel that uses these (``normalization.py``) reads as
the algorithm, and this file is why it is fast:

* **Channels last.** A per-channel statistic of an ``(N, C, ...)`` input is a
  reduction over the rows of an ``(M, C)`` matrix, ``M = N·H·W``: one pass
  with contiguous rows of ``C`` values. Vision layers already store their
  outputs channels-last under the ``(N, C, H, W)`` shape, so for them
  :func:`to_rows` is free (a view); otherwise it is one copy.
* **Column sums by BLAS.** ``ones(M) @ rows`` is a matrix-vector product,
  ~10× faster than ``rows.sum(axis=0)`` (which adds row by row).
* **Blocks of ~1 MiB, on the worker threads.** Each pass over the rows runs on
  slices of the batch on :mod:`tt_tensor.threads`' pool, and each slice in
  row blocks small enough that what one step of a fused pass writes is still
  in cache for the next; per-column partial sums are added up at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from tt_tensor import threads

#: Rows per block: about 1 MiB of each array, so a block written by one pass is still in cache for the next.
BLOCK_BYTES = 1 << 20


def to_rows(x: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """``x`` (N, C, ...) as a C-contiguous (M, C) matrix (a view if ``x`` is channels-last), and its axes."""
    order = (0, *range(2, x.ndim), 1)
    return np.ascontiguousarray(x.transpose(order)).reshape(-1, x.shape[1]), order


def from_rows(rows: np.ndarray, like: tuple[int, ...], order: tuple[int, ...]) -> np.ndarray:
    """Undo :func:`to_rows` for an input of shape ``like``: a view of ``rows`` with that (N, C, ...) shape."""
    return rows.reshape(tuple(like[i] for i in order)).transpose(np.argsort(order))


def column_sum(rows: np.ndarray) -> np.ndarray:
    """Σ over the rows of an (M, C) matrix, per column: one BLAS matrix-vector product."""
    return np.ones(len(rows), dtype=rows.dtype) @ rows


def column_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Σ over the rows of ``a * b``, per column, without an (M, C) temporary."""
    return np.einsum("mc,mc->c", a, b)


def _blocks(step: Callable, arrays: tuple[np.ndarray, ...], first: int, last: int):
    """``step`` on consecutive row blocks of ``arrays[first:last]``; the sum of what it returns."""
    size = max(1, BLOCK_BYTES // (arrays[0].shape[1] * arrays[0].itemsize))
    total = None
    for start in range(first, last, size):
        result = step(*(a[start : min(last, start + size)] for a in arrays))
        if result is not None:
            total = result if total is None else tuple(t + r for t, r in zip(total, result))
    return total


def row_pass(step: Callable, *arrays: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """Run ``step(*blocks)`` over all rows of the (M, C) ``arrays``; the sum of what it returns.

    ``step`` gets the same rows of each array, writes its element-wise results
    into blocks of output arrays it was given, and returns None or a tuple of
    per-column partial sums (these are added up over all blocks). Blocks run
    on the worker threads, so ``step`` must only write into its own rows.
    Cost: one pass over the arrays, on every worker.
    """
    tasks = [partial(_blocks, step, arrays, i, j) for i, j in threads.split(len(arrays[0]))]
    results = [r for r in threads.run(tasks) if r is not None]
    return tuple(sum(parts) for parts in zip(*results)) if results else None
