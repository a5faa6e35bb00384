"""Tuning of the vision kernels that module 09 does not teach: threads, chunks, reused buffers, a faster dX.

The chapter's kernels (``conv_forward`` / ``conv_backward`` in ``_conv.py``,
``max_pool_forward`` / ``max_pool_backward`` in ``_pool.py``) work on any run of
images. This file decides *which* runs, and where their scratch memory comes
from; the results are the same whatever it decides.

* **Slices on the worker threads.** NumPy's copies and element-wise passes use
  one core; only BLAS uses more. So the batch is cut into one slice per worker
  of :mod:`tt_tensor.threads`' pool, whose workers run one-thread GEMMs (two
  workers keep two cores busy without oversubscribing them, and do not spin on
  a busy machine).
* **Chunks of ~4 MiB.** Each slice is walked a few images at a time, so each
  chunk's ``cols`` is written, multiplied and dropped while it is still in
  cache. A full-batch ``cols`` is tens of MiB: allocating it afresh each step
  costs page faults (measured: a 38 MiB copy took 6 ms into a fresh array,
  2 ms into a reused one), and keeping it for backward costs memory; backward
  recomputes each chunk's ``cols`` from the saved input instead.
* **Reused buffers.** The chunks of one slice share one :class:`Scratch`, so
  ``cols`` is allocated once per slice and step.
* **dX as a convolution.** For stride 1, when ``C_out ≤ C``, the input gradient
  ``col2im(dY · Wᵀ)`` equals the convolution of ``dY`` with the flipped kernel
  (one im2col and one GEMM, no overlapping adds), which moves less memory
  (32→32 channels at 32×32, one thread: col2im 96 ms, flipped 62 ms).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from tt_tensor import threads

from ._im2col import Geometry

#: Bytes of ``cols`` per chunk: small enough to stay in cache, large enough for full-speed GEMMs.
CHUNK_BYTES = 4 << 20


def chunks(n: int, bytes_per_image: int) -> list[tuple[int, int]]:
    """Split ``n`` images into runs of about :data:`CHUNK_BYTES` of work each."""
    per = max(1, min(n, CHUNK_BYTES // max(1, bytes_per_image)))
    return [(start, min(n, start + per)) for start in range(0, n, per)]


class Scratch:
    """Buffers reused by the chunks of one slice: ``get(name, shape, dtype)`` is an array to overwrite."""

    def __init__(self) -> None:
        self.buffers: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """A C-contiguous ``shape`` array viewing this slice's buffer ``name`` (grown when too small)."""
        size = math.prod(shape)
        buffer = self.buffers.get(name)
        if buffer is None or buffer.size < size or buffer.dtype != dtype:
            buffer = self.buffers[name] = np.empty(size, dtype)
        return buffer[:size].reshape(shape)


def _add(total: tuple | None, result: tuple | None) -> tuple | None:
    """Element-wise sum of two tuples of arrays (or Nones), either of which may be None."""
    if result is None or total is None:
        return total if result is None else result
    return tuple(None if t is None else t + r for t, r in zip(total, result))


def in_chunks(n: int, bytes_per_image: int, work: Callable[[int, int, Scratch], Any]) -> tuple | None:
    """``work(a, b, scratch)`` for chunks ``[a, b)`` covering ``range(n)``; the sum of what it returns.

    Slices of the batch run on the worker threads; each walks its slice in
    chunks of about :data:`CHUNK_BYTES` (``bytes_per_image`` of scratch per image),
    sharing one :class:`Scratch`. ``work`` returns None or a tuple of arrays (or
    Nones) to add up, e.g. the weight gradient's share of each chunk.
    """

    def run_slice(first: int, last: int) -> tuple | None:
        total, scratch = None, Scratch()
        for start, stop in chunks(last - first, bytes_per_image):
            total = _add(total, work(first + start, first + stop, scratch))
        return total

    total = None
    for result in threads.run([partial(run_slice, a, b) for a, b in threads.split(n)]):
        total = _add(total, result)
    return total


def in_slices(n: int, work: Callable[[int, int], Any]) -> list[Any]:
    """``work(a, b)`` for one slice ``[a, b)`` of ``range(n)`` per worker thread; the results in order."""
    return threads.run([partial(work, a, b) for a, b in threads.split(n)])


def flipped_geometry(geometry: Geometry) -> Geometry | None:
    """The geometry of dX as a convolution of dY with the flipped kernel (stride 1 only), or None."""
    (kh, kw), stride, padding, dilation, groups = geometry
    if stride != (1, 1) or kh * kw == 1:
        return None
    extent = (dilation[0] * (kh - 1), dilation[0] * (kh - 1), dilation[1] * (kw - 1), dilation[1] * (kw - 1))
    pads = tuple(e - p for e, p in zip(extent, padding))
    return None if min(pads) < 0 else ((kh, kw), (1, 1), pads, dilation, groups)


def flipped_weight(weight: np.ndarray, groups: int) -> np.ndarray:
    """The kernel of the transposed convolution: spatially flipped, input and output channels swapped."""
    c_out, cg, kh, kw = weight.shape
    per_group = weight[:, :, ::-1, ::-1].reshape(groups, c_out // groups, cg, kh, kw).transpose(0, 2, 1, 3, 4)
    return per_group.reshape(groups * cg, c_out // groups, kh, kw)
