"""``AsStridedFunction`` (``as_strided``'s view of a tensor's storage) and ``DiagonalFunction``.

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
from tt_tensor.storage import as_strided_view, diagonal_view, element_indices, storage_of

from ..function import Function
from ..view_writes import ViewOutput


class AsStridedFunction(ViewOutput, Function):
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


class DiagonalFunction(ViewOutput, Function):
    """``x.diagonal(offset, dim1, dim2)``: a view that writes through (tt-tensor's ``diagonal_view``), as
    PyTorch's; backward puts the gradient on the same diagonal of zeros. Cost: O(ndim) forward, one
    input-sized buffer backward."""

    complex_gradient = "conjugate"  # a selection of elements: linear

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.args = x.shape, (offset, dim1, dim2)
        return diagonal_view(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=np.asarray(grad).dtype)
        diagonal_view(out, *ctx.args)[...] = grad
        return (out,)

    @staticmethod
    def graph_backward(ctx, grad):
        from ..creation import zeros  # (the creation module imports this package's tensor)

        return (zeros(ctx.shape, dtype=grad.dtype).diagonal_scatter(grad, *ctx.args),)

    @staticmethod
    def jvp(ctx, tangent):  # linear: itself on the tangent
        return diagonal_view(tangent, *ctx.args).copy()

    @staticmethod
    def graph_jvp(ctx, tangent):
        return tangent.diagonal(*ctx.args)


class UnfoldFunction(ViewOutput, Function):
    """``x.unfold(dim, size, step)``: every ``size``-long window along ``dim``, ``step`` apart, as a view.

    Output: ``dim`` becomes the number of windows ``(length - size) // step + 1`` and the window's
    elements a new last dim (PyTorch's layout), read from ``x``'s memory (NumPy's
    ``sliding_window_view``, made writeable: writing through the view writes ``x``, as PyTorch's).
    Backward adds each window's gradient back at its positions: a loop over the ``size`` offsets in
    a window (each a strided add over all windows), so O(size) NumPy calls and one ``x``-sized buffer.
    """

    complex_gradient = "conjugate"  # a selection of elements: linear

    @staticmethod
    def forward(ctx, x, dim, size, step):
        ctx.shape, ctx.args = x.shape, (dim, size, step)
        windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=dim, writeable=x.flags.writeable)
        return windows[(slice(None),) * dim + (slice(None, None, step),)]

    @staticmethod
    def backward(ctx, grad):
        dim, size, step = ctx.args
        g = np.asarray(grad)
        out = np.zeros(ctx.shape, dtype=g.dtype)
        count = g.shape[dim]
        lead = (slice(None),) * dim
        for offset in range(size):  # (the windows' offset-th elements: one strided slice of x)
            out[lead + (slice(offset, offset + step * (count - 1) + 1, step),)] += g[..., offset]
        return (out,)

    @staticmethod
    def graph_backward(ctx, grad):
        from ..creation import tensor, zeros  # (the creation module imports this package's tensor)

        dim, size, step = ctx.args
        count = grad.shape[dim]
        where = (np.arange(count)[:, None] * step + np.arange(size)).ravel()  # window-major, as grad below
        spread = grad.movedim(-1, dim + 1).flatten(dim, dim + 1)
        return (zeros(ctx.shape, dtype=grad.dtype).index_add(dim, tensor(where), spread),)

    @staticmethod
    def jvp(ctx, tangent):  # linear: itself on the tangent
        return UnfoldFunction.forward(Function(), tangent, *ctx.args).copy()

    @staticmethod
    def graph_jvp(ctx, tangent):
        dim, size, step = ctx.args
        return UnfoldFunction.apply(tangent, dim=dim, size=size, step=step)
