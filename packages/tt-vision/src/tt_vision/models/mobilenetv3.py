"""MobileNetV3 (Howard et al., 2019): torchvision's ``MobileNetV3`` and ``mobilenet_v3_large/small``.

Inverted residual blocks as MobileNetV2's, with per-block kernel sizes (3 or 5), a
squeeze-excitation gate (hard sigmoid) in some blocks, and hard-swish or ReLU
activations, each block described by an :class:`InvertedResidualConfig` (the paper's
tables 1 and 2). Batch norms use ``eps=0.001, momentum=0.01``.

Example:
    >>> import tt_autograd
    >>> tuple(mobilenet_v3_small(num_classes=10)(tt_autograd.randn(2, 3, 32, 32)).shape)
    (2, 10)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import tt_autograd
import tt_nn as nn

from ..layers import AdaptiveAvgPool2d, BatchNorm2d
from ..ops.misc import Conv2dNormActivation, SqueezeExcitation
from .builders import check_block_settings, make_divisible, refuse_weights, register_model
from .mobilenetv2 import init_mobilenet_weights

__all__ = [
    "InvertedResidual",
    "InvertedResidualConfig",
    "MobileNetV3",
    "mobilenet_v3_large",
    "mobilenet_v3_small",
]


#: MobileNetV3's squeeze-excitation: :class:`~tt_vision.ops.SqueezeExcitation` with a ``Hardsigmoid`` gate.
HARD_SIGMOID_SE = partial(SqueezeExcitation, scale_activation=nn.Hardsigmoid)


class InvertedResidualConfig:
    """One MobileNetV3 block's settings; channels are scaled by ``width_mult``, rounded to multiples of 8.

    Args:
        input_channels, expanded_channels, out_channels: the block's widths before scaling.
        kernel: the depthwise convolution's size (3 or 5).
        use_se: add a squeeze-excitation gate after the depthwise convolution.
        activation: ``"HS"`` (hard swish) or ``"RE"`` (ReLU).
        stride: the depthwise convolution's stride (1 or 2).
        dilation: the depthwise convolution's dilation (a dilated block does not stride).
        width_mult: the channel multiplier.
    """

    def __init__(
        self,
        input_channels: int,
        kernel: int,
        expanded_channels: int,
        out_channels: int,
        use_se: bool,
        activation: str,
        stride: int,
        dilation: int,
        width_mult: float,
    ) -> None:
        self.input_channels = self.adjust_channels(input_channels, width_mult)
        self.kernel = kernel
        self.expanded_channels = self.adjust_channels(expanded_channels, width_mult)
        self.out_channels = self.adjust_channels(out_channels, width_mult)
        self.use_se = use_se
        self.use_hs = activation == "HS"
        self.stride = stride
        self.dilation = dilation

    @staticmethod
    def adjust_channels(channels: int, width_mult: float) -> int:
        """``channels · width_mult`` rounded to a multiple of 8 (never down by more than 10%)."""
        return make_divisible(channels * width_mult, 8)


class InvertedResidual(nn.Module):
    """Expand (1×1) → depthwise (k×k) → squeeze-excitation (optional) → project (1×1, linear), plus the
    input when shapes match.

    Args:
        cnf: the block's :class:`InvertedResidualConfig`.
        norm_layer: the norm class.
        se_layer: the gate's class, called with ``(channels, squeeze_channels)``
            (default :class:`~tt_vision.ops.SqueezeExcitation` with a ``Hardsigmoid`` gate).

    Shape:
        ``(N, cnf.input_channels, H, W)`` to ``(N, cnf.out_channels, ceil(H / stride), ceil(W / stride))``.
    """

    def __init__(
        self,
        cnf: InvertedResidualConfig,
        norm_layer: Callable[..., nn.Module],
        se_layer: Callable[..., nn.Module] = HARD_SIGMOID_SE,
    ) -> None:
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError(f"illegal stride value {cnf.stride}: MobileNetV3 blocks take stride 1 or 2")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        layers: list[nn.Module] = []
        activation_layer = nn.Hardswish if cnf.use_hs else nn.ReLU
        if cnf.expanded_channels != cnf.input_channels:
            layers.append(
                Conv2dNormActivation(
                    cnf.input_channels,
                    cnf.expanded_channels,
                    kernel_size=1,
                    norm_layer=norm_layer,
                    activation_layer=activation_layer,
                )  # fmt: skip
            )
        layers.append(
            Conv2dNormActivation(
                cnf.expanded_channels,
                cnf.expanded_channels,
                kernel_size=cnf.kernel,
                stride=1 if cnf.dilation > 1 else cnf.stride,
                dilation=cnf.dilation,
                groups=cnf.expanded_channels,
                norm_layer=norm_layer,
                activation_layer=activation_layer,
            )
        )
        if cnf.use_se:
            layers.append(se_layer(cnf.expanded_channels, make_divisible(cnf.expanded_channels // 4, 8)))
        layers.append(
            Conv2dNormActivation(
                cnf.expanded_channels,
                cnf.out_channels,
                kernel_size=1,
                norm_layer=norm_layer,
                activation_layer=None,
            )
        )
        self.block = nn.Sequential(*layers)
        self.out_channels = cnf.out_channels
        self._is_cn = cnf.stride > 1

    def forward(self, input):  # noqa: A002
        result = self.block(input)
        return result + input if self.use_res_connect else result


class MobileNetV3(nn.Module):
    """MobileNetV3: a 3×3 hard-swish stem, the blocks, a 1×1 layer to 6× the last width, average, classifier.

    Args:
        inverted_residual_setting: the blocks' :class:`InvertedResidualConfig` list (non-empty).
        last_channel: width of the classifier's hidden ``Linear``.
        num_classes: outputs (default 1000).
        block: the block class (default :class:`InvertedResidual`).
        norm_layer: the norm class (default ``BatchNorm2d`` with ``eps=0.001, momentum=0.01``).
        dropout: probability of the classifier's ``Dropout`` (default 0.2).
        **kwargs: ignored (the builders pass ``width_mult``, ``reduced_tail``, ``dilated`` on).

    Initialisation (torchvision's): convolutions ``kaiming_normal_(mode="fan_out")`` with zero
    bias, norms weight 1 and bias 0, ``Linear`` ``N(0, 0.01²)`` with zero bias.

    Shape:
        input ``(N, 3, H, W)``, output ``(N, num_classes)``.
    """

    def __init__(
        self,
        inverted_residual_setting: list[InvertedResidualConfig],
        last_channel: int,
        num_classes: int = 1000,
        block: Callable[..., nn.Module] | None = None,
        norm_layer: Callable[..., nn.Module] | None = None,
        dropout: float = 0.2,
        **kwargs: object,
    ) -> None:
        super().__init__()
        check_block_settings(inverted_residual_setting, InvertedResidualConfig, "InvertedResidualConfig")
        if block is None:
            block = InvertedResidual
        if norm_layer is None:
            norm_layer = partial(BatchNorm2d, eps=0.001, momentum=0.01)
        first_channels = inverted_residual_setting[0].input_channels
        layers: list[nn.Module] = [
            Conv2dNormActivation(
                3,
                first_channels,
                kernel_size=3,
                stride=2,
                norm_layer=norm_layer,
                activation_layer=nn.Hardswish,
            )
        ]
        layers += [block(cnf, norm_layer) for cnf in inverted_residual_setting]
        last_input = inverted_residual_setting[-1].out_channels
        last_output = 6 * last_input
        layers.append(
            Conv2dNormActivation(
                last_input, last_output, kernel_size=1, norm_layer=norm_layer, activation_layer=nn.Hardswish
            )
        )
        self.features = nn.Sequential(*layers)
        self.avgpool = AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(
            nn.Linear(last_output, last_channel),
            nn.Hardswish(inplace=True),
            nn.Dropout(p=dropout, inplace=True),
            nn.Linear(last_channel, num_classes),
        )
        init_mobilenet_weights(self)

    def _forward_impl(self, x):
        x = tt_autograd.flatten(self.avgpool(self.features(x)), 1)
        return self.classifier(x)

    def forward(self, x):
        return self._forward_impl(x)


def _mobilenet_v3_conf(
    arch: str, width_mult: float = 1.0, reduced_tail: bool = False, dilated: bool = False, **kwargs: object
) -> tuple[list[InvertedResidualConfig], int]:
    """The paper's block tables for ``arch``, scaled by ``width_mult``; ``reduced_tail`` halves the last
    stage's widths and ``dilated`` dilates it instead of striding (for segmentation backbones)."""
    divider = 2 if reduced_tail else 1
    dilation = 2 if dilated else 1
    conf = partial(InvertedResidualConfig, width_mult=width_mult)
    if arch == "mobilenet_v3_large":
        setting = [
            conf(16, 3, 16, 16, False, "RE", 1, 1),
            conf(16, 3, 64, 24, False, "RE", 2, 1),
            conf(24, 3, 72, 24, False, "RE", 1, 1),
            conf(24, 5, 72, 40, True, "RE", 2, 1),
            conf(40, 5, 120, 40, True, "RE", 1, 1),
            conf(40, 5, 120, 40, True, "RE", 1, 1),
            conf(40, 3, 240, 80, False, "HS", 2, 1),
            conf(80, 3, 200, 80, False, "HS", 1, 1),
            conf(80, 3, 184, 80, False, "HS", 1, 1),
            conf(80, 3, 184, 80, False, "HS", 1, 1),
            conf(80, 3, 480, 112, True, "HS", 1, 1),
            conf(112, 3, 672, 112, True, "HS", 1, 1),
            conf(112, 5, 672, 160 // divider, True, "HS", 2, dilation),
            conf(160 // divider, 5, 960 // divider, 160 // divider, True, "HS", 1, dilation),
            conf(160 // divider, 5, 960 // divider, 160 // divider, True, "HS", 1, dilation),
        ]
        last_channel = InvertedResidualConfig.adjust_channels(1280 // divider, width_mult)
    elif arch == "mobilenet_v3_small":
        setting = [
            conf(16, 3, 16, 16, True, "RE", 2, 1),
            conf(16, 3, 72, 24, False, "RE", 2, 1),
            conf(24, 3, 88, 24, False, "RE", 1, 1),
            conf(24, 5, 96, 40, True, "HS", 2, 1),
            conf(40, 5, 240, 40, True, "HS", 1, 1),
            conf(40, 5, 240, 40, True, "HS", 1, 1),
            conf(40, 5, 120, 48, True, "HS", 1, 1),
            conf(48, 5, 144, 48, True, "HS", 1, 1),
            conf(48, 5, 288, 96 // divider, True, "HS", 2, dilation),
            conf(96 // divider, 5, 576 // divider, 96 // divider, True, "HS", 1, dilation),
            conf(96 // divider, 5, 576 // divider, 96 // divider, True, "HS", 1, dilation),
        ]
        last_channel = InvertedResidualConfig.adjust_channels(1024 // divider, width_mult)
    else:
        raise ValueError(f"Unsupported model type {arch}")
    return setting, last_channel


def _mobilenet_v3(name: str, weights, progress: bool, **kwargs) -> MobileNetV3:
    refuse_weights(name, weights, kwargs)
    setting, last_channel = _mobilenet_v3_conf(name, **kwargs)
    return MobileNetV3(setting, last_channel, **kwargs)


@register_model()
def mobilenet_v3_large(*, weights=None, progress: bool = True, **kwargs) -> MobileNetV3:
    """MobileNetV3-Large, 5,483,032 parameters.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: ``width_mult``, ``reduced_tail``, ``dilated`` and :class:`MobileNetV3`'s arguments
            (``num_classes``, ``norm_layer``, ``dropout``).
    """
    return _mobilenet_v3("mobilenet_v3_large", weights, progress, **kwargs)


@register_model()
def mobilenet_v3_small(*, weights=None, progress: bool = True, **kwargs) -> MobileNetV3:
    """MobileNetV3-Small, 2,542,856 parameters; arguments as :func:`mobilenet_v3_large`."""
    return _mobilenet_v3("mobilenet_v3_small", weights, progress, **kwargs)
