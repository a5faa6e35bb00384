"""``lp_pool1d`` / ``lp_pool2d``: the p-norm of each window, ``(Σ xᵖ)^(1/p)``, as in ``torch.nn.functional``.

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

import tt_autograd as autograd
from tt_autograd import Tensor

from ._layout import pair
from .conv_transpose import single
from .functional import IntPair, _as_tensor, avg_pool2d, max_pool2d  # imported at functional.py's end
from .pooling_1d import avg_pool1d, max_pool1d


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
    norm_type = check_norm(op, norm_type)
    kernel = pair(op, "kernel_size", kernel_size)
    stride_ = None if stride is None else pair(op, "stride", stride)
    x = _as_tensor(op, input)
    if math.isinf(norm_type):
        biggest = max_pool2d(x.abs() if norm_type > 0 else -x.abs(), kernel, stride_, 0, 1, ceil_mode)
        return biggest if norm_type > 0 else -biggest
    mean = avg_pool2d(x**norm_type, kernel, stride_, 0, ceil_mode)
    return _lp_from_mean(mean, norm_type, kernel[0] * kernel[1])


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
    norm_type = check_norm(op, norm_type)
    kernel = single(op, "kernel_size", kernel_size)
    stride_ = None if stride is None else single(op, "stride", stride)
    x = _as_tensor(op, input)
    if math.isinf(norm_type):
        biggest = max_pool1d(x.abs() if norm_type > 0 else -x.abs(), kernel, stride_, 0, 1, ceil_mode)
        return biggest if norm_type > 0 else -biggest
    mean = avg_pool1d(x**norm_type, kernel, stride_, 0, ceil_mode)
    return _lp_from_mean(mean, norm_type, kernel)
