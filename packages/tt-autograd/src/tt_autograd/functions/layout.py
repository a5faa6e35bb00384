"""``LayoutCopyFunction``: ``clone`` / ``contiguous`` into a memory format (``torch.channels_last``, ...).

The values are copied unchanged, laid out in the requested order in memory
(``tt_tensor.memory_format``); the gradient is the incoming gradient, as for a plain
copy. Kept apart from module 02's ``CopyFunction``, which always copies row-major.
"""

from __future__ import annotations

from tt_tensor.memory_formats import arranged

from ..function import Function


class LayoutCopyFunction(Function):
    """A copy of ``a`` laid out in ``fmt``; backward passes the gradient through."""

    complex_gradient = "conjugate"  # a copy is linear

    @staticmethod
    def forward(ctx, a, fmt):
        return arranged(a, fmt)

    @staticmethod
    def backward(ctx, grad):
        return grad, None

    @staticmethod
    def graph_backward(ctx, grad):
        return grad, None
