"""Memory layout: the same ``(N, C, H, W)`` batch stored channels-first or channels-last.

A 4-d array has one logical shape and many possible orders in memory. NumPy
(like BLAS, like the CPU's caches) is fastest along the *contiguous* axis:
a copy or a reduction costs roughly one inner loop per contiguous run, so
the layout decides which operations run as long loops. Measured on this
machine (``benchmarks/perf_acceleration.py``), a ``128×32×32×32`` float32 batch:

* 2×2 max-pool by reshape: ~80 ms channels-first, ~5 ms channels-last — in
  NHWC the two pixels of a window pair are adjacent runs of ``C`` channels;
* im2col (3×3 windows as rows): ~4× faster from channels-last, where each
  window row is ``3·C`` adjacent values;
* but a per-channel sum (BatchNorm's statistics) is ~3× *slower* in NHWC:
  there the reduced axes are interleaved with the kept one. Layout is a
  trade-off, measured per operation.

PyTorch's word for this is a *memory format*: ``x.to(memory_format=
torch.channels_last)`` keeps the shape ``(N, C, H, W)`` and changes only the
strides. These helpers do the same, for NumPy arrays and TinyTorch tensors
(differentiably: a permute, a copy, a permute back). tt-vision's kernels
store their outputs channels-last already, and read a channels-last input
without a copy, so converting a network's input batch once saves the first
layer a copy.

Example:
    >>> x = np.zeros((2, 3, 4, 5), dtype=np.float32)
    >>> y = to_channels_last(x)
    >>> y.shape, y.strides, is_channels_last(y)
    ((2, 3, 4, 5), (240, 4, 60, 12), True)
    >>> to_channels_first(y).flags.c_contiguous
    True
"""

from __future__ import annotations

import numpy as np
from tt_tensor import Tensor


def _array(x: object, op: str) -> np.ndarray:
    """The array of ``x`` (a tensor's own storage, outside the graph), checked to be 4-d."""
    array = x.detach().numpy() if isinstance(x, Tensor) else x
    if not isinstance(array, np.ndarray) or array.ndim != 4:
        shape = getattr(array, "shape", type(x).__name__)
        raise ValueError(f"{op}: expected a 4-d (N, C, H, W) array or tensor, got {shape}")
    return array


def is_channels_last(x: object) -> bool:
    """True if ``x`` ``(N, C, H, W)`` is stored as a C-contiguous ``(N, H, W, C)`` array.

    Like PyTorch's ``x.is_contiguous(memory_format=torch.channels_last)``.
    """
    return _array(x, "is_channels_last").transpose(0, 2, 3, 1).flags.c_contiguous


def to_channels_last(x: object) -> object:
    """The same ``(N, C, H, W)`` values stored channels-last (NHWC); ``x`` itself if they already are.

    Args:
        x: a NumPy array or a TinyTorch tensor of shape ``(N, C, H, W)``.

    Returns:
        the same type and shape, with strides of an ``(N, H, W, C)`` array.
        Differentiable for tensors.

    Cost: one copy of ``x`` (none if already channels-last).
    """
    array = _array(x, "to_channels_last")
    if array.transpose(0, 2, 3, 1).flags.c_contiguous:
        return x
    # BEGIN SOLUTION 17
    # TODO: the same (N, C, H, W) values stored NHWC: permute to NHWC, make it contiguous, permute back
    #   (§ How it is built, "Memory layout"); an array or Tensor already channels-last comes back as is.
    if isinstance(x, np.ndarray):
        return np.ascontiguousarray(array.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    return x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    # END SOLUTION


def to_channels_first(x: object) -> object:
    """The same ``(N, C, H, W)`` values stored C-contiguous (NCHW); ``x`` itself if they already are.

    Like PyTorch's ``x.contiguous()``. Differentiable for tensors. Cost: one copy (none if already NCHW).
    """
    array = _array(x, "to_channels_first")
    if array.flags.c_contiguous:
        return x
    return np.ascontiguousarray(array) if isinstance(x, np.ndarray) else x.contiguous()
