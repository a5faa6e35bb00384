"""PyTorch's ``F.*_with_indices`` forms: a max pool's values and the positions of its maxima, always both.

Each is the pool called with ``return_indices=True`` (``max_pool1d/3d``,
``adaptive_max_pool1d/2d/3d``); their ``return_indices`` argument is accepted and
ignored, as PyTorch's is. ``max_pool2d_with_indices`` is the 2-d max pool's own kernel
(:mod:`tt_vision.max_pool_indices`).

Example:
    >>> import tt_autograd as autograd
    >>> values, indices = adaptive_max_pool1d_with_indices(autograd.tensor([[[1.0, 5.0, 4.0, 3.0]]]), 2)
    >>> values.numpy().tolist(), indices.numpy().tolist()
    ([[[5.0, 4.0]]], [[[1, 2]]])
"""

from __future__ import annotations

from collections.abc import Callable

from .adaptive_max_pool import adaptive_max_pool2d
from .pooling_1d import adaptive_max_pool1d, max_pool1d
from .pooling_3d import adaptive_max_pool3d, max_pool3d


def _with_indices(pool: Callable, settings: int) -> Callable:
    """``pool`` with ``return_indices=True`` forced; ``settings`` is how many positional arguments
    follow ``input`` before ``return_indices`` (which, given positionally, is then dropped)."""

    def form(input, *args, return_indices: bool = True, **kwargs):  # noqa: A002
        return pool(input, *args[:settings], return_indices=True, **kwargs)

    form.__name__ = form.__qualname__ = f"{pool.__name__}_with_indices"
    form.__doc__ = f"``{pool.__name__}(..., return_indices=True)``: values and positions of the maxima."
    return form


max_pool1d_with_indices = _with_indices(max_pool1d, 5)  # kernel_size, stride, padding, dilation, ceil_mode
max_pool3d_with_indices = _with_indices(max_pool3d, 5)
adaptive_max_pool1d_with_indices = _with_indices(adaptive_max_pool1d, 1)  # output_size
adaptive_max_pool2d_with_indices = _with_indices(adaptive_max_pool2d, 1)
adaptive_max_pool3d_with_indices = _with_indices(adaptive_max_pool3d, 1)
