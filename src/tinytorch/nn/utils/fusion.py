"""``tt.nn.utils.fusion``: batch norm folded into the convolution or linear layer before it (eval mode).

As ``torch.nn.utils.fusion``. In eval mode a batch norm is a fixed per-channel
affine map, so ``bn(conv(x))`` is one convolution with ``w' = w · s`` and
``b' = (b − mean) · s + β``, ``s = γ / sqrt(var + ε)`` — one layer, one pass
over the activations fewer. The folding itself is module 15's
:func:`tt_perf.quantization.fuse_conv_bn_eval` (one implementation): these
functions give it PyTorch's signatures — any number of spatial dimensions,
``transpose=True`` for a ``ConvTranspose`` weight (``(in, out, k…)``: the output
channels on dim 1), linear layers, and the weight-level ``*_weights`` forms,
whose new parameters keep the input's ``requires_grad`` (a bias made from
nothing does not require grad) and dtypes, as PyTorch's.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import numpy as np
from tt_autograd import Tensor, from_numpy
from tt_nn import Parameter
from tt_perf.quantization import fuse_conv_bn_eval as _fold_conv2d

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]


def _array(tensor: Tensor, channels: int) -> np.ndarray:
    return np.broadcast_to(tensor.detach().numpy(), (channels,)).copy()


def fuse_conv_bn_weights(
    conv_w: Tensor,
    conv_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor | None,
    bn_b: Tensor | None,
    transpose: bool = False,
) -> tuple[Parameter, Parameter]:
    """The folded ``(weight, bias)`` of a convolution followed by a batch norm with these statistics.

    The output channels are ``conv_w``'s dim 0 (dim 1 with ``transpose=True``); ``bn_w``/``bn_b``
    ``None`` mean γ = 1, β = 0, ``conv_b`` ``None`` a zero bias.
    """
    for name, tensor in (("bn_rm", bn_rm), ("bn_rv", bn_rv)):
        if not isinstance(tensor, Tensor):  # PyTorch fails on them too (None + eps)
            raise TypeError(f"fuse_conv_bn_weights: {name} must be a Tensor, got {type(tensor).__name__}")
    weight = conv_w.detach().numpy()
    if weight.ndim < 2:
        raise ValueError(
            f"fuse_conv_bn_weights: conv_w must have at least 2 dimensions, got {tuple(weight.shape)}"
        )
    if transpose:
        weight = np.swapaxes(weight, 0, 1)
    channels = weight.shape[0]
    for name, tensor in (
        ("bn_rm", bn_rm),
        ("bn_rv", bn_rv),
        ("bn_w", bn_w),
        ("bn_b", bn_b),
        ("conv_b", conv_b),
    ):
        if tensor is not None and tensor.numel() not in (1, channels):
            raise ValueError(
                f"fuse_conv_bn_weights: {name} has {tensor.numel()} values for {channels} output channels"
            )
    # module 15's folding, on stand-ins for the two modules: the weight seen as (C, rest, 1, 1)
    conv = SimpleNamespace(
        training=False,
        out_channels=channels,
        weight=from_numpy(np.ascontiguousarray(weight).reshape(channels, -1, 1, 1)),
        bias=None if conv_b is None else from_numpy(_array(conv_b, channels)),
    )
    bn = SimpleNamespace(
        training=False,
        num_features=channels,
        eps=bn_eps,
        weight=None if bn_w is None else from_numpy(_array(bn_w, channels)),
        bias=None if bn_b is None else from_numpy(_array(bn_b, channels)),
        running_mean=from_numpy(_array(bn_rm, channels)),
        running_var=from_numpy(_array(bn_rv, channels)),
    )
    fused = _fold_conv2d(conv, bn)
    new_weight = fused.weight.detach().numpy().reshape(weight.shape)
    if transpose:
        new_weight = np.swapaxes(new_weight, 0, 1)
    bias_dtype = conv_w.dtype if conv_b is None else conv_b.dtype
    new_bias = fused.bias.detach().to(bias_dtype)
    if conv_b is None and bn_rm.numel() == 1:  # PyTorch's bias is then made like bn_rm: one value
        new_bias = new_bias[:1]
    return (
        Parameter(from_numpy(np.ascontiguousarray(new_weight)), requires_grad=conv_w.requires_grad),
        Parameter(new_bias, requires_grad=conv_b is not None and conv_b.requires_grad),
    )


def _check_eval(conv: Any, bn: Any) -> None:
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")


def fuse_conv_bn_eval(conv: Any, bn: Any, transpose: bool = False) -> Any:
    """A new convolution computing ``bn(conv(x))`` in eval mode (``transpose=True`` for a ConvTranspose)."""
    _check_eval(conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias, transpose
    )
    return fused


def fuse_linear_bn_weights(
    linear_w: Tensor,
    linear_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor | None,
    bn_b: Tensor | None,
) -> tuple[Parameter, Parameter]:
    """The folded ``(weight, bias)`` of a linear layer followed by a batch norm over its output features."""
    return fuse_conv_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b)


def fuse_linear_bn_eval(linear: Any, bn: Any) -> Any:
    """A new ``Linear`` computing ``bn(linear(x))`` in eval mode (``bn`` over the output features, or 1)."""
    _check_eval(linear, bn)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(
            "To fuse, linear.out_features == bn.num_features or bn.num_features == 1, "
            f"got linear.out_features={linear.out_features} and bn.num_features={bn.num_features}"
        )
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    return fused
