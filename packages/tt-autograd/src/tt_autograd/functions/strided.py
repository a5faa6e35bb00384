"""``AsStridedFunction``: ``as_strided``'s view of a tensor's storage, with its gradient.

Forward is tt-tensor's view (``tt_tensor.storage``): the storage read with new sizes and
strides, no copy. Backward scatters: each output element's gradient is added at its
storage index (elements that overlap collect several), then each input element takes
the sum at its own storage index::

    g_storage = bincount(out_index, weights=grad)      # (storage size,)
    grad_x    = g_storage[x_index]                     # x's shape

Cost: one pass over the output and one over the input, plus the storage-sized buffer.
"""

from __future__ import annotations

import numpy as np
from tt_tensor.storage import as_strided_view, element_indices, storage_of

from ..function import Function


class AsStridedFunction(Function):
    """``x.as_strided(size, stride, storage_offset)`` as one recorded node."""

    complex_gradient = "conjugate"  # a selection of elements: linear

    @staticmethod
    def forward(ctx, x, size, stride, offset):
        view = as_strided_view(x, size, stride, offset)  # checks the geometry first
        storage, own = storage_of(x)
        # the geometry only (O(ndim)); backward builds the index arrays when a gradient is asked for
        ctx.storage_size = storage.size
        ctx.out_geometry = (size, stride, own if offset is None else offset)
        ctx.x_geometry = (x.shape, tuple(s // x.itemsize for s in x.strides), own)
        return view

    @staticmethod
    def backward(ctx, grad):
        g = np.asarray(grad)
        out_index, x_index = element_indices(*ctx.out_geometry), element_indices(*ctx.x_geometry)
        if g.dtype.kind == "c":
            total = np.zeros(ctx.storage_size, dtype=g.dtype)
            np.add.at(total, out_index.ravel(), g.ravel())
        else:
            total = np.bincount(out_index.ravel(), weights=g.ravel(), minlength=ctx.storage_size)
        return total[x_index].astype(g.dtype, copy=False), None, None, None

    @staticmethod
    def graph_backward(ctx, grad):
        from ..creation import tensor, zeros  # (the creation module imports this package's tensor)

        out_index, x_index = element_indices(*ctx.out_geometry), element_indices(*ctx.x_geometry)
        flat = zeros(ctx.storage_size, dtype=grad.dtype).index_add(
            0, tensor(out_index.ravel()), grad.reshape(-1)
        )
        return flat[tensor(x_index)], None, None, None
