"""MobileNetV2 (Sandler et al., 2018): torchvision's ``MobileNetV2``, ``InvertedResidual``, ``mobilenet_v2``.

Each :class:`InvertedResidual` widens its input ``t``-fold with a 1×1 convolution,
filters each channel with a 3×3 depthwise convolution (``groups`` = channels) and
projects back with a linear 1×1 convolution; a block that keeps the shape adds its input.
``width_mult`` scales every width, rounded to a multiple of ``round_nearest``.

Example:
    >>> import tt_autograd
    >>> tuple(mobilenet_v2(num_classes=10, width_mult=0.5)(tt_autograd.randn(2, 3, 32, 32)).shape)
    (2, 10)
"""

from __future__ import annotations

from collections.abc import Callable

import tt_autograd
import tt_nn as nn
from tt_nn import init

from .. import functional as F
from ..layers import BatchNorm2d, Conv2d
from ..ops.misc import Conv2dNormActivation
from .builders import make_divisible, refuse_weights, register_model

__all__ = ["InvertedResidual", "MobileNetV2", "init_mobilenet_weights", "mobilenet_v2"]


def init_mobilenet_weights(model: nn.Module) -> None:
    """The MobileNets' initialisation (torchvision's): convolutions ``kaiming_normal_(mode="fan_out")``
    with zero bias, batch and group norms weight 1 and bias 0, ``Linear`` ``N(0, 0.01²)`` with zero bias."""
    for module in model.modules():
        if isinstance(module, Conv2d):
            init.kaiming_normal_(module.weight, mode="fan_out")
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, (BatchNorm2d, nn.GroupNorm)):
            init.ones_(module.weight)
            init.zeros_(module.bias)
        elif isinstance(module, nn.Linear):
            init.normal_(module.weight, 0, 0.01)
            init.zeros_(module.bias)


class InvertedResidual(nn.Module):
    """Expand (1×1, ReLU6) → depthwise 3×3 (ReLU6) → project (1×1, linear), plus the input if shapes match.

    Args:
        inp: input channels.
        oup: output channels.
        stride: the depthwise convolution's stride, 1 or 2.
        expand_ratio: hidden channels ``round(inp · expand_ratio)``; 1 skips the expansion layer.
        norm_layer: the norm class (default ``BatchNorm2d``).

    Attributes:
        use_res_connect: ``stride == 1 and inp == oup``: the input is added to the output.

    Shape:
        ``(N, inp, H, W)`` to ``(N, oup, ceil(H / stride), ceil(W / stride))``.
    """

    def __init__(
        self,
        inp: int,
        oup: int,
        stride: int,
        expand_ratio: int,
        norm_layer: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__()
        self.stride = stride
        if stride not in (1, 2):
            raise ValueError(f"stride should be 1 or 2 instead of {stride}")
        if norm_layer is None:
            norm_layer = BatchNorm2d
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = self.stride == 1 and inp == oup
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(
                Conv2dNormActivation(
                    inp, hidden_dim, kernel_size=1, norm_layer=norm_layer, activation_layer=nn.ReLU6
                )
            )
        layers += [
            Conv2dNormActivation(
                hidden_dim,
                hidden_dim,
                stride=stride,
                groups=hidden_dim,
                norm_layer=norm_layer,
                activation_layer=nn.ReLU6,
            ),  # fmt: skip
            Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            norm_layer(oup),
        ]
        self.conv = nn.Sequential(*layers)
        self.out_channels = oup
        self._is_cn = stride > 1

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNetV2: a 3×3 stem, 17 inverted residual blocks, a 1×1 layer to ``last_channel``, ``Linear``.

    Args:
        num_classes: outputs (default 1000).
        width_mult: multiplies every layer's channels (default 1.0); the last layer's 1280 only grows.
        inverted_residual_setting: the stages as ``[t, c, n, s]`` lists (expansion, channels,
            blocks, first stride); default the paper's seven.
        round_nearest: round each width to a multiple of this (default 8; 1 turns rounding off).
        block: the block class (default :class:`InvertedResidual`).
        norm_layer: the norm class (default ``BatchNorm2d``).
        dropout: probability of the classifier's ``Dropout`` (default 0.2).

    Initialisation (torchvision's): convolutions ``kaiming_normal_(mode="fan_out")`` with zero
    bias, norms weight 1 and bias 0, ``Linear`` ``N(0, 0.01²)`` with zero bias.

    Shape:
        input ``(N, 3, H, W)``, output ``(N, num_classes)``.

    Cost:
        0.30 GFLOPs at 224×224 and 3.5 M parameters (torchvision's figures).
    """

    def __init__(
        self,
        num_classes: int = 1000,
        width_mult: float = 1.0,
        inverted_residual_setting: list[list[int]] | None = None,
        round_nearest: int = 8,
        block: Callable[..., nn.Module] | None = None,
        norm_layer: Callable[..., nn.Module] | None = None,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        if block is None:
            block = InvertedResidual
        if norm_layer is None:
            norm_layer = BatchNorm2d
        input_channel, last_channel = 32, 1280
        if inverted_residual_setting is None:
            inverted_residual_setting = [
                # t, c, n, s
                [1, 16, 1, 1],
                [6, 24, 2, 2],
                [6, 32, 3, 2],
                [6, 64, 4, 2],
                [6, 96, 3, 1],
                [6, 160, 3, 2],
                [6, 320, 1, 1],
            ]
        if len(inverted_residual_setting) == 0 or len(inverted_residual_setting[0]) != 4:
            raise ValueError(
                "inverted_residual_setting should be non-empty or a 4-element list, "
                f"got {inverted_residual_setting}"
            )
        input_channel = make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features: list[nn.Module] = [
            Conv2dNormActivation(3, input_channel, stride=2, norm_layer=norm_layer, activation_layer=nn.ReLU6)
        ]
        for t, c, n, s in inverted_residual_setting:
            output_channel = make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(block(input_channel, output_channel, s if i == 0 else 1, expand_ratio=t,
                                      norm_layer=norm_layer))  # fmt: skip
                input_channel = output_channel
        features.append(
            Conv2dNormActivation(
                input_channel,
                self.last_channel,
                kernel_size=1,
                norm_layer=norm_layer,
                activation_layer=nn.ReLU6,
            )
        )
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout), nn.Linear(self.last_channel, num_classes))
        init_mobilenet_weights(self)

    def _forward_impl(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(tt_autograd.flatten(x, 1))

    def forward(self, x):
        return self._forward_impl(x)


@register_model()
def mobilenet_v2(*, weights=None, progress: bool = True, **kwargs) -> MobileNetV2:
    """MobileNetV2, 3,504,872 parameters at ``width_mult=1``.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: :class:`MobileNetV2`'s arguments (``num_classes``, ``width_mult``, ``round_nearest``, ...).
    """
    refuse_weights("mobilenet_v2", weights, kwargs)
    return MobileNetV2(**kwargs)
