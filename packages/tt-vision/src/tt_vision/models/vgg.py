"""VGG (Simonyan & Zisserman, 2014): torchvision's ``VGG`` and the ``vgg11`` .. ``vgg19_bn`` builders.

``features`` is a ``Sequential`` of 3×3 convolutions (padding 1) with ReLU (and
``BatchNorm2d`` between them in the ``_bn`` variants) and 2×2 max pools, built by
:func:`make_layers` from a configuration ("A", "B", "D", "E" for 11, 13, 16, 19 layers).
An ``AdaptiveAvgPool2d((7, 7))`` brings any size to 7×7 (a 32×32 image's 1×1 map is
repeated), then three ``Linear`` layers with dropout classify.

Example:
    >>> model = vgg11(num_classes=10)
    >>> model.classifier[6]
    Linear(in_features=4096, out_features=10, bias=True)
"""

from __future__ import annotations

import tt_autograd
import tt_nn as nn
from tt_nn import init

from ..layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, MaxPool2d
from .builders import refuse_weights, register_model

__all__ = [
    "VGG",
    "make_layers",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
]

#: Output channels of each 3×3 convolution, "M" for a 2×2 max pool (torchvision's ``cfgs``).
cfgs: dict[str, list[str | int]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [
        64,
        64,
        "M",
        128,
        128,
        "M",
        256,
        256,
        256,
        256,
        "M",
        512,
        512,
        512,
        512,
        "M",
        512,
        512,
        512,
        512,
        "M",
    ],  # fmt: skip  # noqa: E501
}


class VGG(nn.Module):
    """A VGG network: ``features``, ``avgpool`` to 7×7, and a three-layer ``classifier``.

    Args:
        features: the convolutional trunk, ending with 512 channels (:func:`make_layers`).
        num_classes: outputs of the last ``Linear`` (default 1000).
        init_weights: torchvision's initialisation (default True): convolutions
            ``kaiming_normal_(mode="fan_out", nonlinearity="relu")`` with zero bias, batch norms
            weight 1 and bias 0, ``Linear`` weights ``N(0, 0.01²)`` with zero bias; False keeps
            each layer's default.
        dropout: probability of the classifier's two ``Dropout`` layers (default 0.5).

    Shape:
        input ``(N, 3, H, W)`` with ``H, W ≥ 32``; output ``(N, num_classes)``.

    Cost:
        VGG-16 at 224×224: 15.5 GFLOPs, 138 M parameters, 103 M of them in ``classifier[0]``.
    """

    def __init__(
        self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True, dropout: float = 0.5
    ) -> None:
        super().__init__()
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for module in self.modules():
                if isinstance(module, Conv2d):
                    init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                    if module.bias is not None:
                        init.constant_(module.bias, 0)
                elif isinstance(module, BatchNorm2d):
                    init.constant_(module.weight, 1)
                    init.constant_(module.bias, 0)
                elif isinstance(module, nn.Linear):
                    init.normal_(module.weight, 0, 0.01)
                    init.constant_(module.bias, 0)

    def forward(self, x):
        return self.classifier(tt_autograd.flatten(self.avgpool(self.features(x)), 1))


def make_layers(cfg: list[str | int], batch_norm: bool = False) -> nn.Sequential:
    """VGG's trunk from a configuration: each int a 3×3 convolution (+ ``BatchNorm2d``) + ReLU,
    each "M" a 2×2 max pool.

    Example:
        >>> [type(m).__name__ for m in make_layers([8, "M"], batch_norm=True)]
        ['Conv2d', 'BatchNorm2d', 'ReLU', 'MaxPool2d']
    """
    layers: list[nn.Module] = []
    in_channels = 3
    for value in cfg:
        if value == "M":
            layers.append(MaxPool2d(kernel_size=2, stride=2))
            continue
        conv = Conv2d(in_channels, value, kernel_size=3, padding=1)
        layers += [conv, BatchNorm2d(value)] if batch_norm else [conv]
        layers.append(nn.ReLU(inplace=True))
        in_channels = value
    return nn.Sequential(*layers)


def _vgg(name: str, cfg: str, batch_norm: bool, weights, progress: bool, **kwargs) -> VGG:
    refuse_weights(name, weights, kwargs)
    return VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)


@register_model()
def vgg11(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-11 (configuration "A"), 132,863,336 parameters.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: :class:`VGG`'s arguments (``num_classes``, ``init_weights``, ``dropout``).
    """
    return _vgg("vgg11", "A", False, weights, progress, **kwargs)


@register_model()
def vgg11_bn(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-11 with batch normalisation, 132,868,840 parameters; arguments as :func:`vgg11`."""
    return _vgg("vgg11_bn", "A", True, weights, progress, **kwargs)


@register_model()
def vgg13(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-13 (configuration "B"), 133,047,848 parameters; arguments as :func:`vgg11`."""
    return _vgg("vgg13", "B", False, weights, progress, **kwargs)


@register_model()
def vgg13_bn(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-13 with batch normalisation, 133,053,736 parameters; arguments as :func:`vgg11`."""
    return _vgg("vgg13_bn", "B", True, weights, progress, **kwargs)


@register_model()
def vgg16(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-16 (configuration "D"), 138,357,544 parameters; arguments as :func:`vgg11`."""
    return _vgg("vgg16", "D", False, weights, progress, **kwargs)


@register_model()
def vgg16_bn(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-16 with batch normalisation, 138,365,992 parameters; arguments as :func:`vgg11`."""
    return _vgg("vgg16_bn", "D", True, weights, progress, **kwargs)


@register_model()
def vgg19(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-19 (configuration "E"), 143,667,240 parameters; arguments as :func:`vgg11`."""
    return _vgg("vgg19", "E", False, weights, progress, **kwargs)


@register_model()
def vgg19_bn(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-19 with batch normalisation, 143,678,248 parameters; arguments as :func:`vgg11`."""
    return _vgg("vgg19_bn", "E", True, weights, progress, **kwargs)
