"""The functional forms of the vision layers, with ``torch.nn.functional``'s names and signatures.

Each checks its arguments, normalises them (``3`` → ``(3, 3)``, ``'same'`` →
explicit padding) and calls one fused :class:`~tt_autograd.Function` whose
forward and backward are vectorised NumPy (``_conv.py``, ``_pool.py``);
``batch_norm`` is tt-nn's, the same kernel ``BatchNorm1d`` runs. Inputs and
outputs are ``(N, C, H, W)``; a 3-d ``(C, H, W)`` input is treated as a batch
of one, as in PyTorch. Results are stored
channels-last underneath (see ``_layout.py``), which no caller can observe
except through speed.

Example:
    >>> import tt_autograd as autograd
    >>> from tt_vision import functional as F
    >>> x = autograd.randn(8, 3, 32, 32)
    >>> w = autograd.randn(16, 3, 3, 3, requires_grad=True)
    >>> y = F.max_pool2d(F.conv2d(x, w, padding=1).relu(), 2)
    >>> tuple(y.shape)
    (8, 16, 16, 16)
"""

from __future__ import annotations

from collections.abc import Sequence

import tt_autograd as autograd
from tt_autograd import Tensor
from tt_nn.functional import batch_norm  # the one batch-norm kernel, tt-nn's (module 04)
from tt_tensor.checks import bool_args

from ._conv import Conv2dFunction, _fast
from ._layout import check_input, conv_padding, pair
from ._pool import AdaptiveAvgPool2dFunction, AvgPool2dFunction, MaxPool2dFunction
from .conv_taps import trim_dead_taps

IntPair = int | Sequence[int]

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "affine_grid",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "batch_norm",
    "channel_shuffle",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "fold",
    "fractional_max_pool2d",
    "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d",
    "fractional_max_pool3d_with_indices",
    "grid_sample",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "pixel_shuffle",
    "pixel_unshuffle",
    "unfold",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_pool3d_with_indices",
]


def _as_tensor(op: str, x: object, name: str = "input") -> Tensor:
    """``x`` as a tensor (numbers, arrays are converted); anything else is a ``TypeError`` naming ``op``."""
    if isinstance(x, Tensor):
        return x
    try:
        return autograd.as_tensor(x)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: argument '{name}' must be a Tensor, got {type(x).__name__}") from None


def _batched(op: str, x: Tensor, fn) -> Tensor:
    """Run ``fn`` on a 4-d input; a 3-d (C, H, W) input runs as a batch of one."""
    x = _as_tensor(op, x)
    if x.ndim == 3:
        return fn(x.unsqueeze(0))[0]
    check_input(op, x)
    return fn(x)


def _same_dtype(op: str, x: Tensor, *others: Tensor | None) -> None:
    for other in others:
        if other is not None and other.dtype != x.dtype:
            raise TypeError(
                f"{op}: input is {x.dtype} but a parameter is {other.dtype}; convert one of them "
                f"(e.g. model.double() or x.float())"
            )


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,  # noqa: A002
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tensor:
    """2-d convolution (cross-correlation, as in every framework) of ``input`` with ``weight``.

    Args:
        input: ``(N, C_in, H, W)`` (or ``(C_in, H, W)``).
        weight: ``(C_out, C_in / groups, kh, kw)``.
        bias: ``(C_out,)`` or None.
        stride, dilation: an int or a pair ``(h, w)``.
        padding: an int, a pair, ``'valid'`` (none) or ``'same'`` (output size = input size; stride 1).
        groups: split the channels into this many independent convolutions.

    Shape:
        output ``(N, C_out, H_out, W_out)`` with
        ``H_out = (H + 2·pad − dilation·(kh − 1) − 1) // stride + 1``.
    """
    weight = _as_tensor("conv2d", weight, "weight")
    if weight.ndim != 4:
        raise ValueError(
            f"conv2d: weight must be 4-d (C_out, C_in/groups, kh, kw), got shape {tuple(weight.shape)}"
        )
    if groups < 1 or weight.shape[0] % groups:
        raise ValueError(f"conv2d: groups={groups} must divide the {weight.shape[0]} output channels")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"conv2d: bias must have shape ({weight.shape[0]},), got {tuple(bias.shape)}")
    kernel = tuple(weight.shape[2:])
    stride_, dilation_ = pair("conv2d", "stride", stride), pair("conv2d", "dilation", dilation)
    pads = conv_padding("conv2d", padding, kernel, dilation_, stride_)

    def run(x: Tensor) -> Tensor:
        check_input("conv2d", x, weight.shape[1] * groups)
        _same_dtype("conv2d", x, weight, bias)
        h, w = x.shape[2] + pads[0] + pads[1], x.shape[3] + pads[2] + pads[3]
        if h < dilation_[0] * (kernel[0] - 1) + 1 or w < dilation_[1] * (kernel[1] - 1) + 1:
            raise ValueError(
                f"conv2d: padded input {h}×{w} is smaller than the kernel {kernel} "
                f"(dilation {dilation_}); input shape {tuple(x.shape)}"
            )
        kept, kept_pads = weight, pads
        if _fast["enabled"]:  # taps that read only padding, dropped (conv_taps.py)
            kept, kept_pads = trim_dead_taps(weight, tuple(x.shape[2:]), stride_, pads, dilation_)
        return Conv2dFunction.apply(
            x, kept, bias, stride=stride_, padding=kept_pads, dilation=dilation_, groups=groups
        )

    return _batched("conv2d", input, run)


def _pool_args(op: str, kernel_size: IntPair, stride: IntPair | None, padding: IntPair):
    kernel = pair(op, "kernel_size", kernel_size)
    default = stride is None or (isinstance(stride, (list, tuple)) and not stride)  # None or [] (PyTorch's)
    stride_ = kernel if default else pair(op, "stride", stride)
    return kernel, stride_, pair(op, "padding", padding, minimum=0)


@bool_args("max_pool2d", "ceil_mode")
def max_pool2d(
    input: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,  # noqa: A002
    dilation: IntPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor:
    """Maximum over ``kernel_size`` windows (stride defaults to the kernel size); pads with −∞.

    The gradient goes to the first maximum of each window, as in PyTorch.
    ``return_indices=True`` also returns the int64 flat position ``h·W + w`` of each maximum
    (:func:`~tt_vision.max_pool_indices.max_pool2d_with_indices`), what ``max_unpool2d`` takes.
    """
    if return_indices:
        return max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    kernel, stride_, pad = _pool_args("max_pool2d", kernel_size, stride, padding)
    dilation_ = pair("max_pool2d", "dilation", dilation)
    return _batched(
        "max_pool2d",
        input,
        lambda x: MaxPool2dFunction.apply(
            x, kernel=kernel, stride=stride_, padding=pad, dilation=dilation_, ceil_mode=bool(ceil_mode)
        ),
    )


@bool_args("avg_pool2d", "ceil_mode", "count_include_pad")
def avg_pool2d(
    input: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,  # noqa: A002
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over ``kernel_size`` windows; zero padding counts unless ``count_include_pad=False``."""
    kernel, stride_, pad = _pool_args("avg_pool2d", kernel_size, stride, padding)
    return _batched(
        "avg_pool2d",
        input,
        lambda x: AvgPool2dFunction.apply(
            x,
            kernel=kernel,
            stride=stride_,
            padding=pad,
            ceil_mode=bool(ceil_mode),
            count_include_pad=bool(count_include_pad),
            divisor_override=divisor_override,
        ),
    )


def adaptive_avg_pool2d(input: Tensor, output_size: int | Sequence[int | None]) -> Tensor:  # noqa: A002
    """Mean-pool to a fixed ``output_size`` whatever the input size (``None`` keeps that axis's size)."""

    def run(x: Tensor) -> Tensor:
        sizes = list(output_size) if isinstance(output_size, (tuple, list)) else [output_size, output_size]
        sizes = [x.shape[2 + i] if s is None else s for i, s in enumerate(sizes)]
        return AdaptiveAvgPool2dFunction.apply(
            x, output_size=pair("adaptive_avg_pool2d", "output_size", sizes)
        )

    return _batched("adaptive_avg_pool2d", input, run)


# Additions beyond the chapter's exercises; their files import the helpers above, so they come last.
from .adaptive_max_pool import adaptive_max_pool2d  # noqa: E402
from .channel_shuffle import channel_shuffle  # noqa: E402
from .conv_1d import conv1d  # noqa: E402
from .conv_3d import conv3d, conv_transpose3d  # noqa: E402
from .conv_transpose import conv_transpose1d, conv_transpose2d  # noqa: E402
from .folding import fold, unfold  # noqa: E402
from .fractional_max_pool import (  # noqa: E402
    fractional_max_pool2d,
    fractional_max_pool2d_with_indices,
    fractional_max_pool3d,
    fractional_max_pool3d_with_indices,
)
from .grid_sample import affine_grid, grid_sample  # noqa: E402
from .lp_pool import lp_pool1d, lp_pool2d, lp_pool3d  # noqa: E402
from .max_pool_indices import max_pool2d_with_indices  # noqa: E402
from .max_unpool import max_unpool1d, max_unpool2d, max_unpool3d  # noqa: E402
from .pixel_shuffle import pixel_shuffle, pixel_unshuffle  # noqa: E402
from .pool_with_indices import (  # noqa: E402  (PyTorch's *_with_indices forms)
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d_with_indices,
    max_pool1d_with_indices,
    max_pool3d_with_indices,
)
from .pooling_1d import adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d, max_pool1d  # noqa: E402
from .pooling_3d import adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, max_pool3d  # noqa: E402
