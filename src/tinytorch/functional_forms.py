"""``torch.conv2d``, ``torch.dropout``, ``torch.layer_norm``, …: ``nn.functional``'s ops at the top level.

PyTorch exposes its ATen operators at the top level too, and scripts call them:
``torch.conv2d(x, w)``, ``torch.dropout(x, 0.1, train)``, ``torch.layer_norm(x, (C,))``.
Most take ``nn.functional``'s arguments and are that function under a second name.
The others keep ATen's argument lists, which differ, and are adapted here:

* the normalisations put ``weight, bias`` before the running statistics and end with
  a ``cudnn_enabled`` flag (ignored: there is no cuDNN on the CPU);
* ``torch.embedding(weight, indices, padding_idx=-1, ...)`` takes the table first and
  marks "no padding index" with -1;
* the losses take ``reduction`` as ATen's integer: 0 = ``"none"``, 1 = ``"mean"``,
  2 = ``"sum"``;
* the dropouts are ``(input, p, train)``, all three required;
* ``stride=()`` (ATen's "default") on the max pools means ``stride = kernel_size``;
* the ``*_`` forms (``torch.dropout_``, ``torch.celu_``, ...) write the result into
  ``input`` and return it, as ``nn.functional``'s ``inplace=True`` and ``*_`` forms do (tt-nn's
  ``write_in_place``).

Each is a thin call of the one implementation behind ``tinytorch.nn.functional`` (tt-nn's,
tt-vision's): gradients and errors are that function's.
"""

from __future__ import annotations

import tt_autograd
from tt_nn.functional.dropout_extra import feature_dropout as channel_dropout
from tt_nn.functional.in_place import write_in_place

from .nn import functional as F
from .nn.functional import (
    adaptive_avg_pool1d,
    avg_pool1d,
    bilinear,
    channel_shuffle,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    cosine_similarity,
    hardshrink,
    pairwise_distance,
    pdist,
    pixel_shuffle,
    pixel_unshuffle,
    prelu,
    selu,
)

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_max_pool1d",
    "alpha_dropout",
    "alpha_dropout_",
    "avg_pool1d",
    "batch_norm",
    "bilinear",
    "binary_cross_entropy_with_logits",
    "celu",
    "celu_",
    "channel_shuffle",
    "clamp_",
    "constant_pad_nd",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_tbc",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "convolution",
    "cosine_embedding_loss",
    "cosine_similarity",
    "ctc_loss",
    "dropout",
    "detach_",
    "dropout_",
    "embedding",
    "feature_alpha_dropout",
    "feature_alpha_dropout_",
    "feature_dropout",
    "feature_dropout_",
    "fill",
    "fill_",
    "group_norm",
    "hardshrink",
    "hinge_embedding_loss",
    "instance_norm",
    "kl_div",
    "layer_norm",
    "margin_ranking_loss",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool3d",
    "native_channel_shuffle",
    "pairwise_distance",
    "pdist",
    "pixel_shuffle",
    "pixel_unshuffle",
    "poisson_nll_loss",
    "prelu",
    "rms_norm",
    "rrelu",
    "rrelu_",
    "selu",
    "selu_",
    "threshold",
    "threshold_",
    "triplet_margin_loss",
]

native_channel_shuffle = channel_shuffle  # ATen's name for the same shuffle

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(name: str, reduction: object) -> str:
    """ATen's integer reduction (0, 1, 2) as ``nn.functional``'s string."""
    if isinstance(reduction, int) and not isinstance(reduction, bool) and 0 <= reduction <= 2:
        return _REDUCTIONS[reduction]
    raise ValueError(
        f"torch.{name}: reduction is ATen's integer here: 0 (none), 1 (mean) or 2 (sum), got {reduction!r}; "
        f"nn.functional.{name} takes the string"
    )


# ------------------------------------------------------------------------------------------ dropout
def dropout(input, p: float, train: bool):  # noqa: A002  (PyTorch's argument names)
    """``torch.dropout(input, p, train)``: ``F.dropout(input, p, training=train)``."""
    return F.dropout(input, p, train)


def dropout_(input, p: float, train: bool):  # noqa: A002
    """In-place :func:`dropout`; returns ``input``."""
    return F.dropout(input, p, train, inplace=True)


def alpha_dropout(input, p: float, train: bool):  # noqa: A002
    """``torch.alpha_dropout(input, p, train)``: ``F.alpha_dropout`` (keeps SELU's mean and variance)."""
    return F.alpha_dropout(input, p, train)


def alpha_dropout_(input, p: float, train: bool):  # noqa: A002
    """In-place :func:`alpha_dropout`."""
    return F.alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout(input, p: float, train: bool):  # noqa: A002
    """``torch.feature_alpha_dropout(input, p, train)``: alpha dropout of whole channels (dim 1)."""
    return F.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input, p: float, train: bool):  # noqa: A002
    """In-place :func:`feature_alpha_dropout`."""
    return F.feature_alpha_dropout(input, p, train, inplace=True)


def feature_dropout(input, p: float, train: bool):  # noqa: A002
    """``torch.feature_dropout(input, p, train)``: zero whole channels (dim 1) with probability ``p``.

    Each ``(sample, channel)`` keeps or drops its whole feature map (the trailing dims),
    kept ones scaled by ``1 / (1 - p)``; ``(N, C)`` input is plain dropout.
    """
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(
            f"torch.feature_dropout: dropout probability has to be between 0 and 1, but got {p}"
        )
    if input.ndim < 2:
        raise RuntimeError(
            "torch.feature_dropout: Feature dropout requires at least 2 dimensions in the input, got shape "
            f"{tuple(input.shape)}"
        )
    return channel_dropout(input, p, train)  # tt-nn's channel mask (dropout_extra.py)


def feature_dropout_(input, p: float, train: bool):  # noqa: A002
    """In-place :func:`feature_dropout`; returns ``input``."""
    return write_in_place("feature_dropout_", input, lambda x: feature_dropout(x, p, train))


# ------------------------------------------------------------------------------------- activations
def celu(input, alpha: float = 1.0):  # noqa: A002
    """``torch.celu``: ``F.celu``."""
    return F.celu(input, alpha)


def celu_(input, alpha: float = 1.0):  # noqa: A002
    """In-place :func:`celu`."""
    return F.celu_(input, alpha)


def selu_(input):  # noqa: A002
    """In-place ``selu``."""
    return F.selu_(input)


def rrelu(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, generator=None):  # noqa: A002
    """``torch.rrelu``: ``F.rrelu`` (``generator`` must be None: slopes come from the global generator)."""
    _no_generator("rrelu", generator)
    return F.rrelu(input, lower, upper, training)


def rrelu_(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, generator=None):  # noqa: A002
    """In-place :func:`rrelu`."""
    _no_generator("rrelu_", generator)
    return F.rrelu_(input, lower, upper, training)


def threshold(input, threshold: float, value: float):  # noqa: A002
    """``torch.threshold``: ``value`` where ``input <= threshold``, else ``input``."""
    return F.threshold(input, threshold, value)


def threshold_(input, threshold: float, value: float):  # noqa: A002
    """In-place :func:`threshold`."""
    return F.threshold_(input, threshold, value)


def _no_generator(name: str, generator: object) -> None:
    if generator is not None:
        raise NotImplementedError(
            f"torch.{name}: generator= is not supported; seed the global generator (tt.manual_seed) instead"
        )


# ---------------------------------------------------------------------------------- normalisation
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):  # noqa: A002
    """``torch.batch_norm``: ATen's order (weight and bias first); ``F.batch_norm``."""
    del cudnn_enabled
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(
    input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled
):  # noqa: A002
    """``torch.instance_norm``: ATen's order (weight and bias first); ``F.instance_norm``."""
    del cudnn_enabled
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5, cudnn_enable: bool = True):  # noqa: A002
    """``torch.layer_norm``: ``F.layer_norm`` (``cudnn_enable`` is ignored)."""
    del cudnn_enable
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5, cudnn_enabled: bool = True):  # noqa: A002
    """``torch.group_norm``: ``F.group_norm`` (``cudnn_enabled`` is ignored)."""
    del cudnn_enabled
    return F.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps: float | None = None):  # noqa: A002
    """``torch.rms_norm``: ``F.rms_norm``."""
    return F.rms_norm(input, normalized_shape, weight, eps)


# --------------------------------------------------------------------------- embedding and pooling
def embedding(weight, indices, padding_idx: int = -1, scale_grad_by_freq: bool = False, sparse: bool = False):
    """``torch.embedding(weight, indices, ...)``: the table first; ``padding_idx=-1`` means none.

    As in ATen, ``padding_idx`` only keeps that row's gradient at zero. ``scale_grad_by_freq``
    and ``sparse`` gradients are not implemented.
    """
    if scale_grad_by_freq or sparse:
        raise NotImplementedError(
            "torch.embedding: scale_grad_by_freq=True and sparse=True are not implemented; the gradient "
            "is dense and unscaled"
        )
    return F.embedding(indices, weight, padding_idx=None if padding_idx < 0 else padding_idx)


def _stride(stride: object) -> object:
    return None if stride in ((), []) else stride


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False):  # noqa: A002
    """``torch.max_pool1d``: ``F.max_pool1d`` (``stride=()`` is the kernel size)."""
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False):  # noqa: A002
    """``torch.max_pool1d_with_indices``: ``(values, indices)``."""
    return F.max_pool1d(
        input, kernel_size, _stride(stride), padding, dilation, ceil_mode, return_indices=True
    )


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False):  # noqa: A002
    """``torch.max_pool2d``: ``F.max_pool2d`` (``stride=()`` is the kernel size)."""
    return F.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False):  # noqa: A002
    """``torch.max_pool3d``: ``F.max_pool3d`` (``stride=()`` is the kernel size)."""
    return F.max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def adaptive_max_pool1d(input, output_size):  # noqa: A002
    """``torch.adaptive_max_pool1d``: ``(values, indices)``, as ATen returns both."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


# ---------------------------------------------------------------------------------- convolution
def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):  # noqa: A002
    """``torch.convolution``: the 1-, 2- or 3-d (transposed) convolution that ``weight``'s rank names."""
    dims = weight.ndim - 2
    if dims not in (1, 2, 3):
        raise RuntimeError(
            f"torch.convolution: weight must be 3-, 4- or 5-d (out, in / groups, *kernel), got shape "
            f"{tuple(weight.shape)}"
        )
    if transposed:
        transpose = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[dims - 1]
        return transpose(input, weight, bias, stride, padding, output_padding, groups, dilation)
    return (F.conv1d, F.conv2d, F.conv3d)[dims - 1](input, weight, bias, stride, padding, dilation, groups)


def conv_tbc(input, weight, bias, pad: int = 0):  # noqa: A002
    """``torch.conv_tbc``: 1-d convolution of ``(time, batch, in)`` by ``(width, in, out)``, time first."""
    out = F.conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1)


def constant_pad_nd(input, pad, value: float = 0):  # noqa: A002
    """``torch.constant_pad_nd``: ``F.pad(input, pad, value=value)``."""
    return F.pad(input, pad, "constant", value)


# ------------------------------------------------------------------------------------------ losses
def kl_div(input, target, reduction: int = 1, *, log_target: bool = False):  # noqa: A002
    """``torch.kl_div``: ``F.kl_div`` with ATen's integer reduction (1: the mean over every element)."""
    return F.kl_div(input, target, reduction=_reduction("kl_div", reduction), log_target=log_target)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction: int = 1):  # noqa: A002
    """``torch.binary_cross_entropy_with_logits``: the ``F`` function, with an integer reduction."""
    name = "binary_cross_entropy_with_logits"
    return F.binary_cross_entropy_with_logits(
        input, target, weight, reduction=_reduction(name, reduction), pos_weight=pos_weight
    )


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, reduction: int = 1):
    """``torch.cosine_embedding_loss``, integer reduction."""
    name = "cosine_embedding_loss"
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(name, reduction))


def hinge_embedding_loss(input, target, margin: float = 1.0, reduction: int = 1):  # noqa: A002
    """``torch.hinge_embedding_loss``, integer reduction."""
    return F.hinge_embedding_loss(
        input, target, margin, reduction=_reduction("hinge_embedding_loss", reduction)
    )


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, reduction: int = 1):
    """``torch.margin_ranking_loss``, integer reduction."""
    name = "margin_ranking_loss"
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(name, reduction))


def triplet_margin_loss(
    anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction: int = 1
):
    """``torch.triplet_margin_loss``, integer reduction."""
    return F.triplet_margin_loss(
        anchor,
        positive,
        negative,
        margin,
        p,
        eps,
        swap,
        reduction=_reduction("triplet_margin_loss", reduction),
    )


def poisson_nll_loss(input, target, log_input: bool, full: bool, eps: float, reduction: int):  # noqa: A002
    """``torch.poisson_nll_loss``: every argument required, integer reduction."""
    return F.poisson_nll_loss(
        input, target, log_input, full, eps=eps, reduction=_reduction("poisson_nll_loss", reduction)
    )


def ctc_loss(
    log_probs, targets, input_lengths, target_lengths, blank=0, reduction: int = 1, zero_infinity=False
):
    """``torch.ctc_loss``: ``F.ctc_loss`` with ATen's integer reduction."""
    return F.ctc_loss(
        log_probs,
        targets,
        input_lengths,
        target_lengths,
        blank,
        _reduction("ctc_loss", reduction),
        zero_infinity,
    )


# ------------------------------------------------------------------------ method forms
def fill(input, value):  # noqa: A002
    """``torch.fill(input, value)``: a new tensor of ``input``'s shape and dtype, every element ``value``.

    ``value`` may be a number or a 0-d tensor; a tensor value that requires grad receives
    the sum of the gradient, as in PyTorch (``input`` gets none).
    """
    if isinstance(value, tt_autograd.Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"fill only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        return value.to(input.dtype).expand(*input.shape).clone()
    return tt_autograd.full_like(input, value)


def fill_(input, value):  # noqa: A002
    """``torch.fill_``: ``input.fill_(value)``."""
    return input.fill_(value)


def clamp_(input, min=None, max=None):  # noqa: A002
    """``torch.clamp_``: ``input.clamp_(min, max)``."""
    return input.clamp_(min, max)


def detach_(input):  # noqa: A002
    """``torch.detach_``: ``input.detach_()``."""
    return input.detach_()
