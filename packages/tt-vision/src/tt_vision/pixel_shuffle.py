"""``pixel_shuffle`` and ``pixel_unshuffle``: trade channels for resolution, a reshape and a permute.

``pixel_shuffle`` with factor ``r`` turns ``(*, C·r², H, W)`` into
``(*, C, H·r, W·r)``: output pixel ``(h·r + i, w·r + j)`` of channel ``c`` is
input channel ``c·r² + i·r + j`` at ``(h, w)`` (the sub-pixel convolution
upsampler of ESPCN). ``pixel_unshuffle`` is its inverse. Both are a reshape,
a permute and a reshape of the tensor, so the gradient is the inverse
rearrangement, given by autograd with no code of its own.

Cost: one copy of the input (the final reshape of a permuted view).
"""

from __future__ import annotations

import operator

from tt_autograd import Tensor

from .functional import _as_tensor  # imported at functional.py's end


def _factor(op: str, name: str, value) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int, got {value!r}") from None
    if value < 1:
        raise ValueError(f"{op}: {name} must be >= 1, got {value}")
    return value


def _at_least_3d(op: str, x: Tensor) -> Tensor:
    x = _as_tensor(op, x)
    if x.ndim < 3:
        raise ValueError(
            f"{op}: expected an input of at least 3 dimensions (*, C, H, W), got {tuple(x.shape)}"
        )
    return x


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """``(*, C·r², H, W)`` → ``(*, C, H·r, W·r)`` with ``r = upscale_factor``, like PyTorch's.

    Example:
        >>> import tt_autograd as autograd
        >>> x = autograd.arange(4.0).reshape(1, 4, 1, 1)
        >>> pixel_shuffle(x, 2).numpy().tolist()
        [[[[0.0, 1.0], [2.0, 3.0]]]]
    """
    op = "pixel_shuffle"
    r = _factor(op, "upscale_factor", upscale_factor)
    x = _at_least_3d(op, input)
    *lead, channels, h, w = x.shape
    if channels % (r * r):
        raise ValueError(
            f"{op}: the channel dimension ({channels}, input shape {tuple(x.shape)}) must be divisible "
            f"by upscale_factor² = {r * r}"
        )
    k = len(lead)
    blocks = x.reshape(*lead, channels // (r * r), r, r, h, w)
    order = (*range(k), k, k + 3, k + 1, k + 4, k + 2)  # (*, C, H, r, W, r)
    return blocks.permute(*order).reshape(*lead, channels // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """``(*, C, H·r, W·r)`` → ``(*, C·r², H, W)`` with ``r = downscale_factor``: undoes :func:`pixel_shuffle`.

    Example:
        >>> import tt_autograd as autograd
        >>> x = autograd.arange(4.0).reshape(1, 1, 2, 2)
        >>> pixel_unshuffle(x, 2).reshape(4).numpy().tolist()
        [0.0, 1.0, 2.0, 3.0]
    """
    op = "pixel_unshuffle"
    r = _factor(op, "downscale_factor", downscale_factor)
    x = _at_least_3d(op, input)
    *lead, channels, h, w = x.shape
    if h % r or w % r:
        raise ValueError(
            f"{op}: height {h} and width {w} (input shape {tuple(x.shape)}) must both be divisible "
            f"by downscale_factor {r}"
        )
    k = len(lead)
    blocks = x.reshape(*lead, channels, h // r, r, w // r, r)
    order = (*range(k), k, k + 2, k + 4, k + 1, k + 3)  # (*, C, r, r, H, W)
    return blocks.permute(*order).reshape(*lead, channels * r * r, h // r, w // r)
