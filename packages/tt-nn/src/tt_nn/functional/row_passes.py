"""Tuning for per-channel and per-row kernels (batch, layer norm): no layout copies, BLAS sums, blocks.

Not a course topic; the kernel that uses these (``normalization.py``) reads as
the algorithm, and this file is why it is fast:

* **No layout copies.** Per-channel statistics of an ``(N, C, ...)`` input are
  sums over every axis but the channel axis. :func:`to_blocks` views the input
  as a 3-d ``(A, C, B)`` array without copying it: ``(N·H·W, C, 1)`` when it is
  stored channels-last (as every vision layer's output is, under its
  ``(N, C, H, W)`` shape), ``(N, C, L)`` when it is stored channels-first (a
  plain ``(N, C, L)`` sequence batch). Only an input stored neither way is
  copied, once.
* **Channel sums by BLAS.** ``ones(A) @ x.reshape(A, C·B)`` is a matrix-vector
  product, ~10× faster than ``x.sum(axis=0)`` (which adds row by row).
* **Blocks of ~1 MiB, on the worker threads.** Each pass runs on slices of the
  ``A`` axis on :mod:`tt_tensor.threads`' pool, and each slice in blocks small
  enough that what one step of a fused pass writes is still in cache for the
  next; per-channel partial sums are added up at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from tt_tensor import threads

#: Bytes per block: about 1 MiB of each array, so a block written by one pass is still in cache for the next.
BLOCK_BYTES = 1 << 20


def _channel_order(ndim: int) -> tuple[int, ...]:
    return (0, *range(2, ndim), 1)


def to_blocks(x: np.ndarray, channels_last: bool | None = None) -> tuple[np.ndarray, bool]:
    """``x`` (N, C, ...) as a C-contiguous 3-d (A, C, B) array, and whether it is the channels-last view.

    ``channels_last``: None picks the layout ``x`` is stored in (no copy); True
    or False insists on one (a copy if ``x`` is stored the other way).
    """
    last = x.transpose(_channel_order(x.ndim))
    if channels_last is None:
        channels_last = x.ndim > 2 and last.flags.c_contiguous
    if channels_last:
        return np.ascontiguousarray(last).reshape(-1, x.shape[1], 1), True
    return np.ascontiguousarray(x).reshape(x.shape[0], x.shape[1], -1), False


def from_blocks(blocks: np.ndarray, shape: tuple[int, ...], channels_last: bool) -> np.ndarray:
    """Undo :func:`to_blocks` for an input of ``shape``: a view of ``blocks`` with that (N, C, ...) shape."""
    if not channels_last:
        return blocks.reshape(shape)
    order = _channel_order(len(shape))
    return blocks.reshape(tuple(shape[i] for i in order)).transpose(np.argsort(order))


def channel_sum(x: np.ndarray) -> np.ndarray:
    """Σ of an (A, C, B) array over A and B, per channel: (C,), by one BLAS matrix-vector product."""
    a, c, b = x.shape
    sums = np.ones(a, dtype=x.dtype) @ x.reshape(a, c * b)
    return sums if b == 1 else sums.reshape(c, b).sum(axis=1)


def channel_dot(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Σ of ``p * q`` over A and B, per channel, for (A, C, B) arrays: (C,), with no temporary array."""
    if p.shape[2] == 1:
        return np.einsum("ac,ac->c", p[:, :, 0], q[:, :, 0])
    return np.einsum("acb,acb->c", p, q)


#: Values per row of :func:`pixel_rows`' view: inner loops long enough that NumPy's per-loop cost vanishes.
ROW_ELEMENTS = 1024


def channel_tiles(*vectors: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per-channel ``(C,)`` vectors tiled for :func:`pixel_rows` (once per pass, not once per block)."""
    return tuple(np.tile(v, max(1, ROW_ELEMENTS // len(v))) for v in vectors)


def pixel_rows(block: np.ndarray, *tiles: np.ndarray) -> tuple[np.ndarray, ...]:
    """``block`` and per-channel vectors, shaped so element-wise passes run long inner loops.

    ``tiles`` are :func:`channel_tiles` of ``(C,)`` vectors. A channels-last
    ``(a, C, 1)`` block becomes ``(a/r, r·C)``: rows of ``r`` whole pixels
    (``r`` a power of two dividing ``a``), each vector repeated ``r`` times to
    match. Broadcasting ``(C, 1)`` columns against the block instead makes
    NumPy run one inner loop of only ``C`` values per pixel, and with C = 32
    that loop's fixed cost is most of the work. Any other ``(a, C, B)`` block
    is returned as is, with the vectors as ``(C, 1)`` columns. Reduce a
    result over rows with :func:`rows_sum` / :func:`rows_dot`.
    """
    a, c, b = block.shape
    if b != 1:
        return (block, *(t[:c, None] for t in tiles))
    r = min(max(1, ROW_ELEMENTS // c), a & -a)  # a & -a: the largest power of two dividing a
    r = 1 << (r.bit_length() - 1)
    return (block.reshape(a // r, r * c), *(t[: r * c] for t in tiles))


def rows_sum(x: np.ndarray, channels: int) -> np.ndarray:
    """Per-channel Σ of a :func:`pixel_rows` view (2-d rows of pixels, or an (a, C, B) block): (C,)."""
    if x.ndim == 3:
        return channel_sum(x)
    return (np.ones(len(x), dtype=x.dtype) @ x).reshape(-1, channels).sum(axis=0)


def rows_dot(p: np.ndarray, q: np.ndarray, channels: int) -> np.ndarray:
    """Per-channel Σ of ``p * q`` for two :func:`pixel_rows` views of the same shape: (C,)."""
    if p.ndim == 3:
        return channel_dot(p, q)
    return np.einsum("rl,rl->l", p, q).reshape(-1, channels).sum(axis=0)


def row_sum(x: np.ndarray) -> np.ndarray:
    """Σ of a 2-d (R, F) array along each row: (R,), ~3× faster than ``x.sum(axis=1)``.

    By ``einsum``, not BLAS: a matrix-vector product called from the main
    thread runs on every BLAS thread, and on a busy machine two spinning
    threads made it 100× slower (8 ms instead of 40 µs for 4096 × 128).
    """
    return np.einsum("rf->r", x)


def column_sum(x: np.ndarray) -> np.ndarray:
    """Σ of a 2-d (R, F) array over its rows: (F,), by ``einsum`` (see :func:`row_sum`)."""
    return np.einsum("rf->f", x)


def row_dot(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Σ of ``p * q`` along each row of 2-d (R, F) arrays: (R,), with no temporary array."""
    return np.einsum("rf,rf->r", p, q)


def column_dot(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Σ of ``p * q`` over the rows of 2-d (R, F) arrays: (F,), with no temporary array."""
    return np.einsum("rf,rf->f", p, q)


def _blocks(step: Callable, arrays: tuple[np.ndarray, ...], first: int, last: int):
    """``step`` on consecutive blocks of ``arrays[first:last]`` (first axis); the sum of what it returns."""
    size = max(1, BLOCK_BYTES // max(1, arrays[0][:1].nbytes))
    total = None
    for start in range(first, last, size):
        result = step(*(a[start : min(last, start + size)] for a in arrays))
        if result is not None:
            total = result if total is None else tuple(t + r for t, r in zip(total, result))
    return total


def row_pass(step: Callable, *arrays: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """Run ``step(*blocks)`` over the (A, C, B) ``arrays``, in blocks along A; the sum of what it returns.

    ``step`` gets the same block of each array, writes its element-wise results
    into blocks of output arrays it was given, and returns None or a tuple of
    per-channel partial sums (these are added up over all blocks). Blocks run
    on the worker threads (an input under two blocks stays in the calling
    thread), so ``step`` must only write into its own block.
    Cost: one pass over the arrays, on every worker.
    """
    m = len(arrays[0])
    small = arrays[0].nbytes < 2 * BLOCK_BYTES  # under two blocks, threads would cost more than they save
    tasks = [partial(_blocks, step, arrays, i, j) for i, j in threads.split(m, 1 if small else None)]
    results = [r for r in threads.run(tasks) if r is not None]
    return tuple(sum(parts) for parts in zip(*results)) if results else None


#: Elements per block of :func:`blockwise`: 128 KiB of float32, so a long chain of ufuncs on a block
#: (exact GELU's ~60) runs in the core's own cache, and its temporaries are reused heap blocks.
BLOCK_ELEMENTS = 1 << 15


def blockwise(function: Callable[..., object], *arrays: np.ndarray, into: int = 0):
    """``function(*arrays)`` for an element-wise ``function``, computed in blocks of :data:`BLOCK_ELEMENTS`.

    A chain of NumPy passes over a whole activation reads and writes it from
    memory at every pass and allocates (and page-faults) each temporary; on
    blocks every pass stays in cache. ``function`` gets the same 1-d block of
    each array (all of one shape) and returns one block, or a tuple of blocks,
    of that size; the results have the arrays' shape (and the blocks' dtypes).
    With ``into=n`` it is given ``n`` more blocks, of ``n`` output arrays of
    the first array's dtype, and writes its results there (``out=``) instead
    of returning them: no copy of each block into the result.

    One thread, on purpose: measured on a machine shared with other jobs
    (load ~9 on 2 cores), the tanh GELU of 2M float32 values took 3.1 ms in
    blocks on one thread, 9-20 ms unblocked and 12-19 ms in blocks on two
    worker threads (each wake-up of a worker waits for the scheduler).
    """
    shape = arrays[0].shape
    flats = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    size = flats[0].size
    if into:
        single = into == 1
        outs = tuple(np.empty(size, dtype=flats[0].dtype) for _ in range(into))
        for i in range(0, max(size, 1), BLOCK_ELEMENTS):
            function(*(f[i : i + BLOCK_ELEMENTS] for f in (*flats, *outs)))
    else:
        first = function(*(f[:BLOCK_ELEMENTS] for f in flats))
        single = isinstance(first, np.ndarray)
        outs = (first,) if single else tuple(first)
        if size > BLOCK_ELEMENTS:
            blocks, outs = outs, tuple(np.empty(size, dtype=b.dtype) for b in outs)
            for i in range(0, size, BLOCK_ELEMENTS):
                if i:
                    blocks = function(*(f[i : i + BLOCK_ELEMENTS] for f in flats))
                    blocks = (blocks,) if single else blocks
                for out, block in zip(outs, blocks):
                    out[i : i + BLOCK_ELEMENTS] = block
    outs = tuple(out.reshape(shape) for out in outs)
    return outs[0] if single else outs
