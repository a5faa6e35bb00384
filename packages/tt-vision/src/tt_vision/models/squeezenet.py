"""SqueezeNet (Iandola et al., 2016): torchvision's ``SqueezeNet``, ``squeezenet1_0`` and ``squeezenet1_1``.

A stem convolution and eight :class:`Fire` modules (a 1×1 "squeeze" to few channels, then
1×1 and 3×3 "expand" convolutions concatenated) with ceil-mode max pools; the classifier
is a 1×1 convolution to ``num_classes`` channels, ReLU, and a global average. AlexNet's
accuracy with 50× fewer parameters. Version 1.1 has a 3×3 stem and pools earlier (2.4× less compute).

Example:
    >>> import tt_autograd
    >>> tuple(squeezenet1_1(num_classes=10)(tt_autograd.randn(2, 3, 32, 32)).shape)
    (2, 10)
"""

from __future__ import annotations

import tt_autograd
import tt_nn as nn
from tt_nn import init

from ..layers import AdaptiveAvgPool2d, Conv2d, MaxPool2d
from .builders import refuse_weights, register_model

__all__ = ["Fire", "SqueezeNet", "squeezenet1_0", "squeezenet1_1"]


class Fire(nn.Module):
    """``cat([relu(expand1x1(s)), relu(expand3x3(s))], dim=1)`` with ``s = relu(squeeze(x))``.

    Args:
        inplanes: input channels.
        squeeze_planes: channels after the 1×1 squeeze.
        expand1x1_planes, expand3x3_planes: channels of the two expand convolutions; the
            output has their sum.

    Shape:
        ``(N, inplanes, H, W)`` to ``(N, expand1x1_planes + expand3x3_planes, H, W)``.
    """

    def __init__(
        self, inplanes: int, squeeze_planes: int, expand1x1_planes: int, expand3x3_planes: int
    ) -> None:
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = Conv2d(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return tt_autograd.cat(
            [self.expand1x1_activation(self.expand1x1(x)), self.expand3x3_activation(self.expand3x3(x))], 1
        )


class SqueezeNet(nn.Module):
    """SqueezeNet 1.0 or 1.1: ``features`` (stem, :class:`Fire` modules), ``classifier`` (1×1 conv, average).

    Args:
        version: ``"1_0"`` or ``"1_1"``.
        num_classes: channels of the final 1×1 convolution (default 1000).
        dropout: probability of the ``Dropout`` before it (default 0.5).

    Initialisation (torchvision's): the final convolution ``N(0, 0.01²)``, the others
    ``kaiming_uniform_`` (PyTorch's defaults: ``a=0``, fan in, leaky ReLU gain), biases zero.

    Shape:
        input ``(N, 3, H, W)`` (``H, W ≥ 17`` for 1.1, ``≥ 21`` for 1.0); output ``(N, num_classes)``.
    """

    def __init__(self, version: str = "1_0", num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.num_classes = num_classes
        if version == "1_0":
            self.features = nn.Sequential(
                Conv2d(3, 96, kernel_size=7, stride=2),
                nn.ReLU(inplace=True),
                MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(96, 16, 64, 64),
                Fire(128, 16, 64, 64),
                Fire(128, 32, 128, 128),
                MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(256, 32, 128, 128),
                Fire(256, 48, 192, 192),
                Fire(384, 48, 192, 192),
                Fire(384, 64, 256, 256),
                MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(512, 64, 256, 256),
            )
        elif version == "1_1":
            self.features = nn.Sequential(
                Conv2d(3, 64, kernel_size=3, stride=2),
                nn.ReLU(inplace=True),
                MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(64, 16, 64, 64),
                Fire(128, 16, 64, 64),
                MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(128, 32, 128, 128),
                Fire(256, 32, 128, 128),
                MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
                Fire(256, 48, 192, 192),
                Fire(384, 48, 192, 192),
                Fire(384, 64, 256, 256),
                Fire(512, 64, 256, 256),
            )
        else:
            raise ValueError(f"Unsupported SqueezeNet version {version}: 1_0 or 1_1 expected")
        final_conv = Conv2d(512, self.num_classes, kernel_size=1)
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), final_conv, nn.ReLU(inplace=True), AdaptiveAvgPool2d((1, 1))
        )
        for module in self.modules():
            if isinstance(module, Conv2d):
                if module is final_conv:
                    init.normal_(module.weight, mean=0.0, std=0.01)
                else:
                    init.kaiming_uniform_(module.weight)
                if module.bias is not None:
                    init.constant_(module.bias, 0)

    def forward(self, x):
        return tt_autograd.flatten(self.classifier(self.features(x)), 1)


def _squeezenet(name: str, version: str, weights, progress: bool, **kwargs) -> SqueezeNet:
    refuse_weights(name, weights, kwargs)
    return SqueezeNet(version, **kwargs)


@register_model()
def squeezenet1_0(*, weights=None, progress: bool = True, **kwargs) -> SqueezeNet:
    """SqueezeNet 1.0, 1,248,424 parameters.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: :class:`SqueezeNet`'s arguments (``num_classes``, ``dropout``).
    """
    return _squeezenet("squeezenet1_0", "1_0", weights, progress, **kwargs)


@register_model()
def squeezenet1_1(*, weights=None, progress: bool = True, **kwargs) -> SqueezeNet:
    """SqueezeNet 1.1, 1,235,496 parameters (2.4× less computation than 1.0); as :func:`squeezenet1_0`."""
    return _squeezenet("squeezenet1_1", "1_1", weights, progress, **kwargs)
