"""Quantization-aware training of a convolution with its batch norm: ``torch.ao.nn.intrinsic.qat.ConvBn2d``.

``fuse_modules_qat`` keeps Conv+BN(+ReLU) apart in training mode (``ConvBn2d``, ``ConvBnReLU2d``);
``prepare_qat`` makes them :class:`QATConvBn2d` / :class:`QATConvBnReLU2d`, which train the
weight that will be quantized — the convolution's weight with the batch norm folded in — while
the batch norm still normalises with the batch's statistics. PyTorch's forward, with
``s = γ / sqrt(running_var + ε)`` per output channel:

    ``y = bn(conv(fq_x(x), fq_w(W · s)) / s + b)``    (then ``relu`` for ``ConvBnReLU2d``)

Dividing by ``s`` undoes the scaling, so ``bn`` sees what the float convolution would give
(up to the weight's rounding) and, in training, normalises it with the batch's mean and
variance, updating its running statistics; its gradient reaches ``γ`` through ``s`` too. In
eval mode (or after :func:`freeze_bn_stats`) ``bn`` uses the running statistics and the layer
computes exactly the folded convolution ``conv(x, fq_w(W · s)) + (b − mean) · s + β``, which is
what ``convert`` stores: a quantized ``Conv2d`` (``ConvReLU2d``) with the folded weight's
integers (the weight fake quantizer's scales) and folded bias.

As module 15's QAT layers, the input is fake-quantized at the layer (``activation_fake_quant``).

Cost: a float Conv-BN step plus two fake-quantization passes, a per-channel scaling of the
weight and a division of the output by ``s``.
"""

from __future__ import annotations

import numpy as np
from tt_autograd import from_numpy
from tt_nn import Module
from tt_nn import functional as nn_f
from tt_vision import BatchNorm2d, Conv2d
from tt_vision import functional as vision_f


class QATConvBn2d(Module):
    """``torch.ao.nn.intrinsic.qat.ConvBn2d``: trains ``conv`` with ``bn`` folded into the quantized weight.

    Build it with :meth:`from_float` (``prepare_qat`` does). Children ``conv`` and ``bn`` are the
    float modules (shared with the fused module), plus ``activation_fake_quant`` and
    ``weight_fake_quant`` from the qconfig. Shape: as ``Conv2d``.
    """

    RELU = False

    def __init__(self, conv: Conv2d, bn: BatchNorm2d, qconfig) -> None:
        super().__init__()
        name = type(self).__name__
        if type(conv) is not Conv2d or not isinstance(bn, BatchNorm2d) or bn.weight is None:
            got = f"{type(conv).__name__} and {type(bn).__name__}"
            raise TypeError(
                f"{name}: expected a Conv2d and an affine BatchNorm2d, got {got} (affine: bn.weight)"
            )
        if bn.running_mean is None or conv.padding_mode != "zeros":
            raise ValueError(f"{name}: the batch norm must track running statistics and the convolution pad "
                             "with zeros")  # fmt: skip
        self.conv, self.bn, self.qconfig = conv, bn, qconfig
        self.activation_fake_quant = qconfig.activation()
        self.weight_fake_quant = qconfig.weight()
        if self.weight_fake_quant.dtype != "qint8" or self.weight_fake_quant.ch_axis not in (0, None):
            raise ValueError(f"{name}: the weight fake quantizer must be symmetric qint8, per output channel "
                             "or per tensor")  # fmt: skip
        self.freeze_bn = False
        self.train(conv.training)

    @classmethod
    def from_float(cls, mod) -> QATConvBn2d:
        """The QAT twin of a fused ``ConvBn2d`` / ``ConvBnReLU2d`` that has a ``qconfig``."""
        return cls(mod[0], mod[1], mod.qconfig)

    def train(self, mode: bool = True) -> QATConvBn2d:
        """As ``Module.train``, except that a frozen batch norm stays in eval mode (PyTorch's rule).

        A parent's ``train()`` sets every descendant's flag directly (tt-nn's ``Module.train``);
        :meth:`forward` reads ``freeze_bn`` itself, so a frozen layer stays frozen either way.
        """
        super().train(mode)
        if self.freeze_bn:
            self.bn.eval()
        return self

    def _scale(self):
        """``s = γ / sqrt(running_var + ε)``: a tensor (its gradient reaches ``γ``)."""
        std = np.sqrt(self.bn.running_var.numpy().astype(np.float32) + np.float32(self.bn.eps))
        return self.bn.weight / from_numpy(std)

    def forward(self, input):  # noqa: A002
        conv, scale = self.conv, self._scale()
        weight = self.weight_fake_quant(conv.weight * scale.reshape(-1, 1, 1, 1))
        x = self.activation_fake_quant(input)
        y = vision_f.conv2d(x, weight, None, conv.stride, conv.padding, conv.dilation, conv.groups)
        y = y / scale.reshape(1, -1, 1, 1)
        if conv.bias is not None:
            y = y + conv.bias.reshape(1, -1, 1, 1)
        bn = self.bn
        if self.freeze_bn:  # the running statistics, even after a model.train() that set bn.training
            y = nn_f.batch_norm(y, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)
        else:
            y = bn(y)
        return nn_f.relu(y) if self.RELU else y

    def folded(self) -> tuple[np.ndarray, np.ndarray]:
        """The weight and bias of the convolution with the batch norm's running statistics folded in."""
        bn = self.bn
        scale = self._scale().detach().numpy()
        bias = 0.0 if self.conv.bias is None else self.conv.bias.detach().numpy()
        weight = self.conv.weight.detach().numpy() * scale[:, None, None, None]
        folded_bias = (bias - bn.running_mean.numpy()) * scale + bn.bias.detach().numpy()
        return weight.astype(np.float32), folded_bias.astype(np.float32)


class QATConvBnReLU2d(QATConvBn2d):
    """``torch.ao.nn.intrinsic.qat.ConvBnReLU2d``: :class:`QATConvBn2d` followed by a ReLU."""

    RELU = True


def freeze_bn_stats(mod: Module) -> None:
    """For ``model.apply``: a QAT Conv-BN normalises with its running statistics from now on."""
    if isinstance(mod, QATConvBn2d):
        mod.freeze_bn = True
        mod.bn.eval()


def update_bn_stats(mod: Module) -> None:
    """For ``model.apply``: a QAT Conv-BN uses (and updates) batch statistics again in training."""
    if isinstance(mod, QATConvBn2d):
        mod.freeze_bn = False
        mod.bn.train(mod.training)
