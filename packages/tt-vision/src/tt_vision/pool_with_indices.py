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

from tt_autograd import Tensor

from .adaptive_max_pool import adaptive_max_pool2d
from .pooling_1d import adaptive_max_pool1d, max_pool1d
from .pooling_3d import adaptive_max_pool3d, max_pool3d


def max_pool1d_with_indices(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=True,  # noqa: A002
) -> tuple[Tensor, Tensor]:
    """``max_pool1d(..., return_indices=True)``: values and the position ``l`` of each maximum."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool3d_with_indices(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=True,  # noqa: A002
) -> tuple[Tensor, Tensor]:
    """``max_pool3d(..., return_indices=True)``: values and the flat position ``d·H·W + h·W + w``."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``adaptive_max_pool1d(..., return_indices=True)``."""
    return adaptive_max_pool1d(input, output_size, return_indices=True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``adaptive_max_pool2d(..., return_indices=True)``."""
    return adaptive_max_pool2d(input, output_size, return_indices=True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``adaptive_max_pool3d(..., return_indices=True)``."""
    return adaptive_max_pool3d(input, output_size, return_indices=True)
