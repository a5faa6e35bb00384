"""Folding batch norm into the convolution before it: one layer instead of two, same outputs.

In evaluation mode a ``BatchNorm2d`` is a fixed per-channel affine map,
``y = (x − mean) · γ / sqrt(var + ε) + β``. Applied to a convolution's output
it can be folded into the convolution's own weight and bias:

    w' = w · s,   b' = (b − mean) · s + β,   with s = γ / sqrt(var + ε) per output channel.

The folded network computes the same function (up to float32 rounding) with
one pass over the activations fewer per block — and it is the form a
quantized network wants, since the scale of the weights then includes the
normalisation (PyTorch: ``torch.nn.utils.fusion.fuse_conv_bn_eval`` and
``torch.ao.quantization.fuse_modules``). Training mode uses batch
statistics, which cannot be folded: both functions refuse it.
"""

from __future__ import annotations

import copy

import numpy as np
from tt_autograd import from_numpy
from tt_nn import Identity, Module, Parameter
from tt_vision import BatchNorm2d, BatchNormReLU2d, Conv2d


def fuse_conv_bn_eval(conv: Conv2d, bn: BatchNorm2d) -> Conv2d:
    """A new ``Conv2d`` that computes ``bn(conv(x))`` of the two in evaluation mode."""
    if conv.training or bn.training:
        raise RuntimeError("fuse_conv_bn_eval: both modules must be in eval mode (call model.eval() first)")
    if bn.num_features != conv.out_channels or bn.running_mean is None:
        raise ValueError(
            f"fuse_conv_bn_eval: BatchNorm2d({bn.num_features}) with running statistics must follow a "
            f"convolution with {conv.out_channels} output channels"
        )
    # BEGIN SOLUTION 15
    # TODO: one Conv2d computing bn(conv(x)) in eval mode: w' = w * s and b' = (b - mean) * s + beta with
    #   s = gamma / sqrt(var + eps) per output channel (§ How it is built, fuse.py).
    # HINT: compute in float64 and cast back to the conv's dtype; deep-copy the conv, never modify it.
    weight = conv.weight.detach().numpy().astype(np.float64)
    mean = bn.running_mean.numpy().astype(np.float64)
    var = bn.running_var.numpy().astype(np.float64)
    gamma = np.ones_like(mean) if bn.weight is None else bn.weight.detach().numpy().astype(np.float64)
    beta = np.zeros_like(mean) if bn.bias is None else bn.bias.detach().numpy().astype(np.float64)
    bias = np.zeros_like(mean) if conv.bias is None else conv.bias.detach().numpy().astype(np.float64)
    scale = gamma / np.sqrt(var + bn.eps)
    fused = copy.deepcopy(conv)
    dtype = conv.weight.detach().numpy().dtype
    fused.weight = Parameter(from_numpy((weight * scale[:, None, None, None]).astype(dtype)))
    fused.bias = Parameter(from_numpy(((bias - mean) * scale + beta).astype(dtype)))
    return fused
    # END SOLUTION


def fuse_conv_bn(model: Module) -> Module:
    """Fold every ``Conv2d`` directly followed by a ``BatchNorm2d`` (in any container), in place.

    The convolution is replaced by the folded one and the batch norm by
    ``Identity``, so state-dict keys of the other layers do not move (a fused
    ``BatchNormReLU2d`` / ``BatchNormReLUMaxPool2d`` by the ReLU and pool it also computed).
    Returns ``model``; it must be in eval mode.
    """
    if model.training:
        raise RuntimeError("fuse_conv_bn: call model.eval() first; training-mode batch norm cannot be folded")
    for module in list(model.modules()):
        names = list(module._modules)
        for first, second in zip(names, names[1:]):
            conv, bn = module._modules[first], module._modules[second]
            if isinstance(conv, Conv2d) and isinstance(bn, BatchNorm2d):
                setattr(module, first, fuse_conv_bn_eval(conv, bn))
                rest = bn.after_normalization() if isinstance(bn, BatchNormReLU2d) else Identity()
                setattr(module, second, rest)
    return model
