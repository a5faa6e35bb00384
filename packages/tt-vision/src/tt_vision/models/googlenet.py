"""GoogLeNet (Inception v1; Szegedy et al., 2015): torchvision's ``GoogLeNet`` and ``googlenet``.

Nine :class:`Inception` modules, each four parallel branches (1×1; 1×1 then 3×3; 1×1
then another 3×3, torchvision's stand-in for the paper's 5×5; 3×3 max pool then 1×1)
concatenated along channels, between max pools; every convolution is a
:class:`BasicConv2d` (convolution without bias, batch norm with ``eps=0.001``, ReLU). In
training mode two auxiliary classifiers (:class:`InceptionAux`, after ``inception4a`` and
``inception4d``) also give logits, returned with the main ones as a
:data:`GoogLeNetOutputs` named tuple; in evaluation mode (or with ``aux_logits=False``)
the model returns the logits alone. Module names and state-dict keys are torchvision's.

Example:
    >>> import tt_autograd
    >>> model = googlenet(num_classes=10, init_weights=True).eval()
    >>> tuple(model(tt_autograd.randn(2, 3, 32, 32)).shape)
    (2, 10)
"""

from __future__ import annotations

import warnings
from collections import namedtuple
from collections.abc import Callable

import tt_autograd
import tt_nn as nn
from tt_nn import init

from .. import functional as F
from ..layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, MaxPool2d
from .builders import _caller_level, refuse_weights, register_model

__all__ = ["BasicConv2d", "GoogLeNet", "GoogLeNetOutputs", "Inception", "InceptionAux", "googlenet"]

#: What a GoogLeNet with auxiliary classifiers returns in training mode.
GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])
_GoogLeNetOutputs = GoogLeNetOutputs  # torchvision's older name

#: ``transform_input``'s map from ImageNet normalisation to ``(x - 0.5) / 0.5``, per channel: ``x · a + b``.
_IMAGENET_TO_HALF = [
    (0.229 / 0.5, (0.485 - 0.5) / 0.5),
    (0.224 / 0.5, (0.456 - 0.5) / 0.5),
    (0.225 / 0.5, (0.406 - 0.5) / 0.5),
]


def transform_input(x):
    """Re-normalise a batch ``(N, 3, H, W)`` normalised with ImageNet's mean and std to the
    ``(x - 0.5) / 0.5`` of the original Inception weights: channel ``c`` becomes
    ``x_c · std_c / 0.5 + (mean_c - 0.5) / 0.5``. One multiply-add per element."""
    channels = [
        tt_autograd.unsqueeze(x[:, c], 1) * scale + shift
        for c, (scale, shift) in enumerate(_IMAGENET_TO_HALF)
    ]
    return tt_autograd.cat(channels, 1)


def warn_default_init(model: str) -> None:
    """torchvision's warning for ``init_weights=None`` (GoogLeNet and Inception v3), which then means True."""
    warnings.warn(
        f"The default weight initialization of {model} will be changed in future releases of torchvision "
        "(which TinyTorch follows); pass init_weights=True to keep the truncated-normal initialisation, "
        "or False for the layers' default one",
        FutureWarning,
        stacklevel=_caller_level(),
    )


def init_truncated_normal(model: nn.Module, std: float) -> None:
    """GoogLeNet's and Inception v3's ``init_weights=True``: every ``Conv2d`` and ``Linear`` weight
    ``trunc_normal_(mean=0, std=s, a=-2, b=2)``, ``s`` the module's ``stddev`` attribute if it has one,
    else ``std``; batch norms weight 1 and bias 0 (convolution and ``Linear`` biases keep their defaults)."""
    for module in model.modules():
        if isinstance(module, (Conv2d, nn.Linear)):
            init.trunc_normal_(module.weight, mean=0.0, std=float(getattr(module, "stddev", std)), a=-2, b=2)
        elif isinstance(module, BatchNorm2d):
            init.constant_(module.weight, 1)
            init.constant_(module.bias, 0)


class BasicConv2d(nn.Module):
    """``relu(bn(conv(x)))``: a bias-free ``Conv2d`` (given ``**kwargs``), ``BatchNorm2d(eps=0.001)``."""

    def __init__(self, in_channels: int, out_channels: int, **kwargs) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return nn.functional.relu(self.bn(self.conv(x)), inplace=True)


class Inception(nn.Module):
    """Four branches concatenated: 1×1; 1×1 → 3×3; 1×1 → 3×3; 3×3 max pool (stride 1) → 1×1.

    Args:
        in_channels: input channels.
        ch1x1: the first branch's channels.
        ch3x3red, ch3x3: the second branch's reduction and output channels.
        ch5x5red, ch5x5: the third branch's (a 3×3 kernel, as torchvision's: its issue 906).
        pool_proj: the pooling branch's output channels.
        conv_block: the convolution block (default :class:`BasicConv2d`).

    Shape:
        ``(N, in_channels, H, W)`` to ``(N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W)``.
    """

    def __init__(
        self,
        in_channels: int,
        ch1x1: int,
        ch3x3red: int,
        ch3x3: int,
        ch5x5red: int,
        ch5x5: int,
        pool_proj: int,
        conv_block: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.branch1 = conv_block(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(
            conv_block(in_channels, ch3x3red, kernel_size=1),
            conv_block(ch3x3red, ch3x3, kernel_size=3, padding=1),
        )
        self.branch3 = nn.Sequential(
            conv_block(in_channels, ch5x5red, kernel_size=1),
            conv_block(ch5x5red, ch5x5, kernel_size=3, padding=1),
        )
        self.branch4 = nn.Sequential(
            MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
            conv_block(in_channels, pool_proj, kernel_size=1),
        )

    def forward(self, x):
        return tt_autograd.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(nn.Module):
    """Auxiliary classifier: 4×4 adaptive average, 1×1 to 128, ``fc1`` (2048 → 1024), ReLU, dropout, ``fc2``.

    Shape:
        ``(N, in_channels, H, W)`` to ``(N, num_classes)``.
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        conv_block: Callable[..., nn.Module] | None = None,
        dropout: float = 0.7,
    ) -> None:
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.conv = conv_block(in_channels, 128, kernel_size=1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        x = tt_autograd.flatten(self.conv(F.adaptive_avg_pool2d(x, (4, 4))), 1)
        x = nn.functional.relu(self.fc1(x), inplace=True)
        return self.fc2(self.dropout(x))


class GoogLeNet(nn.Module):
    """GoogLeNet: stem, nine :class:`Inception` modules, average, dropout, ``fc`` (plus two auxiliary heads).

    Args:
        num_classes: outputs (default 1000).
        aux_logits: build ``aux1`` and ``aux2`` (default True); in training mode the model
            then returns ``GoogLeNetOutputs(logits, aux_logits2, aux_logits1)``.
        transform_input: re-normalise ImageNet-normalised input to the original weights'
            ``(x - 0.5) / 0.5`` first (:func:`transform_input`; default False).
        init_weights: True: every convolution and ``Linear`` weight ``trunc_normal_(std=0.01,
            a=-2, b=2)`` and batch norms weight 1, bias 0; False: the layers' defaults; None
            (default): True, with torchvision's ``FutureWarning``.
        blocks: the classes ``[conv_block, inception_block, inception_aux_block]``.
        dropout: before ``fc`` (default 0.2).
        dropout_aux: in the auxiliary heads (default 0.7).

    Shape:
        input ``(N, 3, H, W)`` (``H, W ≥ 15``), output ``(N, num_classes)``.

    Cost:
        1.50 GFLOPs at 224×224; 6,624,904 parameters without the auxiliary heads (torchvision's
        figures), 13,004,888 with them (1000 classes).
    """

    def __init__(
        self,
        num_classes: int = 1000,
        aux_logits: bool = True,
        transform_input: bool = False,
        init_weights: bool | None = None,
        blocks: list[Callable[..., nn.Module]] | None = None,
        dropout: float = 0.2,
        dropout_aux: float = 0.7,
    ) -> None:
        super().__init__()
        if blocks is None:
            blocks = [BasicConv2d, Inception, InceptionAux]
        if init_weights is None:
            warn_default_init("GoogleNet")
            init_weights = True
        if len(blocks) != 3:
            raise ValueError(f"blocks length should be 3 instead of {len(blocks)}")
        conv_block, inception_block, inception_aux_block = blocks
        self.aux_logits = aux_logits
        self.transform_input = transform_input
        self.conv1 = conv_block(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = conv_block(64, 64, kernel_size=1)
        self.conv3 = conv_block(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = inception_block(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = inception_block(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = inception_block(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = inception_block(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = inception_block(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = inception_block(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = inception_block(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception5a = inception_block(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = inception_block(832, 384, 192, 384, 48, 128, 128)
        if aux_logits:
            self.aux1 = inception_aux_block(512, num_classes, dropout=dropout_aux)
            self.aux2 = inception_aux_block(528, num_classes, dropout=dropout_aux)
        else:
            self.aux1 = None
            self.aux2 = None
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(1024, num_classes)
        if init_weights:
            init_truncated_normal(self, 0.01)

    def _transform_input(self, x):
        return transform_input(x) if self.transform_input else x

    def _forward(self, x):
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.maxpool4(self.inception4e(x))
        x = self.avgpool(self.inception5b(self.inception5a(x)))
        x = self.fc(self.dropout(tt_autograd.flatten(x, 1)))
        return x, aux2, aux1

    def eager_outputs(self, x, aux2, aux1):
        """``GoogLeNetOutputs(x, aux2, aux1)`` in training mode with auxiliary heads, else ``x``."""
        return GoogLeNetOutputs(x, aux2, aux1) if self.training and self.aux_logits else x

    def forward(self, x):
        return self.eager_outputs(*self._forward(self._transform_input(x)))


@register_model()
def googlenet(*, weights=None, progress: bool = True, **kwargs) -> GoogLeNet:
    """GoogLeNet; 13,004,888 parameters with its auxiliary heads (the default), 6,624,904 without.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: :class:`GoogLeNet`'s arguments (``num_classes``, ``aux_logits``,
            ``transform_input``, ``init_weights``, ...).
    """
    refuse_weights("googlenet", weights, kwargs)
    return GoogLeNet(**kwargs)
