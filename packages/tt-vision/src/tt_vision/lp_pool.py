"""``lp_pool1d`` / ``2d`` / ``3d``: each window's p-norm, ``(Σ xᵖ)^(1/p)``, as in ``torch.nn.functional``.

Composed as PyTorch composes it, so values (ceil-mode quirk included) and
gradients agree: average-pool ``xᵖ`` (no padding), multiply by the full kernel
area to get the window's sum (a ceil-mode window cut short by the edge is
averaged over its real size and then still multiplied by the full area, as in
PyTorch), then take the ``1/p``-th power. Where a window's sum is 0 the root
has an infinite slope; PyTorch's composition gives such a window a zero gradient
(and the value 0), and so does this one, by routing those windows
around the root with ``where``. ``p = ∞`` is the max-pool of ``|x|``; ``p = −∞`` the
min of ``|x|``. Every step is a tt-autograd primitive or a pooling ``Function``,
so the gradient comes free.

As in PyTorch, ``xᵖ`` of a negative ``x`` is NaN for a non-integer ``p``, and an odd
``p > 1`` can make a window's sum negative (then ``s^(1/p)`` is NaN too): LP pooling is
meant for non-negative activations or even ``p``.

Cost: an element-wise power, an average-pool, a power of the (smaller) output.
"""

from __future__ import annotations

import math

import numpy as np
import tt_autograd as autograd
from tt_autograd import Tensor

from ._layout import pair
from .conv_3d import triple
from .conv_transpose import single
from .functional import IntPair, _as_tensor, avg_pool2d, max_pool2d  # imported at functional.py's end
from .pooling_1d import avg_pool1d, max_pool1d
from .pooling_3d import avg_pool3d, max_pool3d


def check_norm(op: str, norm_type) -> float:
    """``norm_type`` as a nonzero number (``±inf`` allowed)."""
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float)):
        raise TypeError(f"{op}: norm_type must be a number, got {norm_type!r}")
    if norm_type == 0 or math.isnan(norm_type):
        raise ValueError(f"{op}: norm_type must be nonzero (p of the p-norm), got {norm_type!r}")
    return norm_type


def _lp_from_mean(mean: Tensor, norm_type: float, area: int) -> Tensor:
    """``(area · mean)^(1/p)``; a zero sum gets the value 0 and a zero gradient, as in PyTorch."""
    total = mean * area
    nonzero = total != 0
    root = autograd.where(nonzero, total, 1.0) ** (1.0 / norm_type)  # no infinite slope at 0
    return autograd.where(nonzero, root, 0.0)  # a sum is 0 only for p > 0 (for p < 0, xᵖ ≠ 0)


def _lp_pool(op: str, input, norm_type, kernel, stride, ceil_mode: bool, avg_pool, max_pool) -> Tensor:  # noqa: A002
    """Any dimension's LP pool, from its average and max pools; ``kernel`` and ``stride`` already parsed."""
    norm_type = check_norm(op, norm_type)
    x = _as_tensor(op, input)
    kernels = np.atleast_1d(kernel)
    dims = len(kernels)
    if x.ndim not in (dims + 1, dims + 2):
        raise ValueError(
            f"{op}: expected a {dims + 1}-d (C, *spatial) or {dims + 2}-d (N, C, *spatial) input with "
            f"{dims} spatial axes, got shape {tuple(x.shape)}"
        )
    spatial = tuple(x.shape[-dims:])
    if (kernels > spatial).any():
        raise ValueError(
            f"{op}: kernel_size {kernel} does not fit in the input's spatial size {spatial} (input shape "
            f"{tuple(x.shape)}); use a kernel_size no larger than the input"
        )
    if math.isinf(norm_type):
        biggest = max_pool(x.abs() if norm_type > 0 else -x.abs(), kernel, stride, 0, 1, ceil_mode)
        return biggest if norm_type > 0 else -biggest
    mean = avg_pool(x**norm_type, kernel, stride, 0, ceil_mode)
    return _lp_from_mean(mean, norm_type, int(kernels.prod()))


def lp_pool2d(
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """The ``norm_type``-norm of each window of ``(N, C, H, W)``, like PyTorch's ``lp_pool2d``.

    Args:
        input: ``(N, C, H, W)`` (or ``(C, H, W)``).
        norm_type: ``p``; 1 is sum pooling, 2 the Euclidean norm, ``inf`` max-pooling of ``|x|``.
        kernel_size: an int or a pair; stride: default the kernel size; ceil_mode: as :func:`avg_pool2d`.

    Shape: output as :func:`avg_pool2d` with no padding.

    Example:
        >>> import tt_autograd as autograd
        >>> lp_pool2d(autograd.tensor([[[[3.0, 4.0]]]]), 2, (1, 2)).numpy().tolist()
        [[[[5.0]]]]
    """
    op = "lp_pool2d"
    kernel = pair(op, "kernel_size", kernel_size)
    stride_ = None if stride is None else pair(op, "stride", stride)
    return _lp_pool(op, input, norm_type, kernel, stride_, ceil_mode, avg_pool2d, max_pool2d)


def lp_pool1d(
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: int,
    stride: int | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """The ``norm_type``-norm of each window of ``(N, C, L)``, like PyTorch's ``lp_pool1d``.

    Args: as :func:`lp_pool2d`, each an int; ``input`` is ``(N, C, L)`` (or ``(C, L)``).

    Example:
        >>> import tt_autograd as autograd
        >>> lp_pool1d(autograd.tensor([[[3.0, 4.0, 1.0, 0.0]]]), 1, 2).numpy().tolist()
        [[[7.0, 1.0]]]
    """
    op = "lp_pool1d"
    kernel = single(op, "kernel_size", kernel_size)
    stride_ = None if stride is None else single(op, "stride", stride)
    return _lp_pool(op, input, norm_type, kernel, stride_, ceil_mode, avg_pool1d, max_pool1d)


def lp_pool3d(
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: int | tuple[int, int, int],
    stride: int | tuple[int, int, int] | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """The ``norm_type``-norm of each box of ``(N, C, D, H, W)``, like PyTorch's ``lp_pool3d``.

    Args: as :func:`lp_pool2d`, with an int or a triple ``(kd, kh, kw)``; ``input`` is
    ``(N, C, D, H, W)`` (or ``(C, D, H, W)``).

    Shape: output as :func:`avg_pool3d` with no padding.

    Example:
        >>> import tt_autograd as autograd
        >>> lp_pool3d(autograd.ones(1, 1, 2, 2, 4), 1, 2).numpy().tolist()  # each box sums 8 ones
        [[[[[8.0, 8.0]]]]]
    """
    op = "lp_pool3d"
    kernel = triple(op, "kernel_size", kernel_size)
    stride_ = None if stride is None else triple(op, "stride", stride)
    return _lp_pool(op, input, norm_type, kernel, stride_, ceil_mode, avg_pool3d, max_pool3d)
