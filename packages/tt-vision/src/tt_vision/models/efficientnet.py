"""EfficientNet (Tan & Le, 2019) and EfficientNetV2 (Tan & Le, 2021): torchvision's ``EfficientNet``.

A stack of stages, each a number of identical blocks (the first of a stage may stride and
widen): :class:`MBConv` (expand 1×1 → depthwise k×k → squeeze-excitation → project 1×1, SiLU
activations) and, in V2's first stages, :class:`FusedMBConv` (one k×k convolution in place of
the expansion and the depthwise one). A stride-1 block that keeps its width adds its input,
its branch dropped at random per sample in training (:class:`~tt_vision.ops.StochasticDepth`)
with a probability rising linearly from 0 at the first block to ``stochastic_depth_prob``.

V1's B0..B7 scale B0's table by a width multiplier (channels rounded to multiples of 8)
and a depth multiplier (layers rounded up); V2's S/M/L have their own tables. Parameter
counts (torchvision's): B0 5,288,548 ... B7 66,347,960; V2-S 21,458,488, M 54,139,356,
L 118,515,272. Cost of a forward pass (torchvision's figures): B0 0.39 GFLOPs at 224×224, V2-L 56
GFLOPs at 480×480; here a B0 training step on 32 images of 32×32 takes about 1 s
(benchmarks/vision_models.py).

Example:
    >>> import tt_autograd
    >>> model = efficientnet_b0(num_classes=10)
    >>> tuple(model(tt_autograd.randn(2, 3, 32, 32)).shape)
    (2, 10)
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import tt_autograd
import tt_nn as nn
import tt_nn.init as init

from ..layers import AdaptiveAvgPool2d, BatchNorm2d
from ..ops.misc import Conv2dNormActivation, SqueezeExcitation
from ..ops.stochastic_depth import StochasticDepth
from .builders import check_block_settings, make_divisible, refuse_weights, register_model
from .mobilenetv2 import init_mobilenet_weights

__all__ = [
    "EfficientNet",
    "FusedMBConv",
    "FusedMBConvConfig",
    "MBConv",
    "MBConvConfig",
    "efficientnet_b0",
    "efficientnet_b1",
    "efficientnet_b2",
    "efficientnet_b3",
    "efficientnet_b4",
    "efficientnet_b5",
    "efficientnet_b6",
    "efficientnet_b7",
    "efficientnet_v2_l",
    "efficientnet_v2_m",
    "efficientnet_v2_s",
]


@dataclass
class _MBConvConfig:
    """One stage's settings: ``num_layers`` blocks of class ``block``, the first with ``stride``."""

    expand_ratio: float
    kernel: int
    stride: int
    input_channels: int
    out_channels: int
    num_layers: int
    block: Callable[..., nn.Module]

    @staticmethod
    def adjust_channels(channels: int, width_mult: float, min_value: int | None = None) -> int:
        """``channels · width_mult`` rounded to a multiple of 8 (never down by more than 10%)."""
        return make_divisible(channels * width_mult, 8, min_value)


class MBConvConfig(_MBConvConfig):
    """A stage of :class:`MBConv` blocks, its widths scaled by ``width_mult`` and depth by ``depth_mult``.

    Args:
        expand_ratio: the hidden width is ``input_channels · expand_ratio`` (rounded to a multiple of 8).
        kernel: the depthwise convolution's size.
        stride: the first block's stride (1 or 2).
        input_channels, out_channels: the stage's widths before scaling.
        num_layers: blocks before scaling; ``ceil(num_layers · depth_mult)`` after.
        block: the block class (default :class:`MBConv`).
    """

    def __init__(
        self,
        expand_ratio: float,
        kernel: int,
        stride: int,
        input_channels: int,
        out_channels: int,
        num_layers: int,
        width_mult: float = 1.0,
        depth_mult: float = 1.0,
        block: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__(
            expand_ratio,
            kernel,
            stride,
            self.adjust_channels(input_channels, width_mult),
            self.adjust_channels(out_channels, width_mult),
            self.adjust_depth(num_layers, depth_mult),
            MBConv if block is None else block,
        )

    @staticmethod
    def adjust_depth(num_layers: int, depth_mult: float) -> int:
        """``ceil(num_layers · depth_mult)``."""
        return int(math.ceil(num_layers * depth_mult))


class FusedMBConvConfig(_MBConvConfig):
    """A stage of :class:`FusedMBConv` blocks (EfficientNetV2's early stages); arguments as
    :class:`MBConvConfig` without the multipliers."""

    def __init__(
        self,
        expand_ratio: float,
        kernel: int,
        stride: int,
        input_channels: int,
        out_channels: int,
        num_layers: int,
        block: Callable[..., nn.Module] | None = None,
    ) -> None:
        block = FusedMBConv if block is None else block
        super().__init__(expand_ratio, kernel, stride, input_channels, out_channels, num_layers, block)


def _check_stride(block: str, stride: int) -> None:
    if not 1 <= stride <= 2:
        raise ValueError(f"{block}: illegal stride value {stride}; its blocks take stride 1 or 2")


class _ResidualBranch(nn.Module):
    """The forward pass both blocks share: ``block(x)``, stochastic depth and ``+ x`` when shapes match."""

    def forward(self, input):  # noqa: A002
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result) + input
        return result


class MBConv(_ResidualBranch):
    """Expand (1×1, SiLU; skipped at ratio 1) → depthwise k×k (SiLU) → squeeze-excitation → project (1×1).

    Args:
        cnf: the block's :class:`MBConvConfig` (its ``num_layers`` is not read).
        stochastic_depth_prob: the residual branch's drop probability.
        norm_layer: the norm class.
        se_layer: the gate's class (default :class:`~tt_vision.ops.SqueezeExcitation`), squeezing
            to ``max(1, input_channels // 4)`` channels with a SiLU.

    Shape:
        ``(N, cnf.input_channels, H, W)`` to ``(N, cnf.out_channels, ceil(H / stride), ceil(W / stride))``.
    """

    def __init__(
        self,
        cnf: _MBConvConfig,
        stochastic_depth_prob: float,
        norm_layer: Callable[..., nn.Module],
        se_layer: Callable[..., nn.Module] = SqueezeExcitation,
    ) -> None:
        super().__init__()
        _check_stride("MBConv", cnf.stride)
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        conv = partial(Conv2dNormActivation, norm_layer=norm_layer, activation_layer=nn.SiLU)
        layers: list[nn.Module] = []
        if expanded != cnf.input_channels:
            layers.append(conv(cnf.input_channels, expanded, kernel_size=1))
        layers.append(conv(expanded, expanded, kernel_size=cnf.kernel, stride=cnf.stride, groups=expanded))
        squeeze = max(1, cnf.input_channels // 4)
        layers.append(se_layer(expanded, squeeze, activation=partial(nn.SiLU, inplace=True)))
        layers.append(conv(expanded, cnf.out_channels, kernel_size=1, activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels


class FusedMBConv(_ResidualBranch):
    """Expand with a k×k convolution (SiLU) → project (1×1); at ratio 1 the k×k convolution alone.

    Args:
        cnf: the block's :class:`FusedMBConvConfig`.
        stochastic_depth_prob: the residual branch's drop probability.
        norm_layer: the norm class.

    Shape: as :class:`MBConv`.
    """

    def __init__(
        self,
        cnf: _MBConvConfig,
        stochastic_depth_prob: float,
        norm_layer: Callable[..., nn.Module],
    ) -> None:
        super().__init__()
        _check_stride("FusedMBConv", cnf.stride)
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        conv = partial(Conv2dNormActivation, norm_layer=norm_layer, activation_layer=nn.SiLU)
        if expanded != cnf.input_channels:
            layers = [
                conv(cnf.input_channels, expanded, kernel_size=cnf.kernel, stride=cnf.stride),
                conv(expanded, cnf.out_channels, kernel_size=1, activation_layer=None),
            ]
        else:
            layers = [conv(cnf.input_channels, cnf.out_channels, kernel_size=cnf.kernel, stride=cnf.stride)]
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels


class EfficientNet(nn.Module):
    """EfficientNet V1 and V2: a 3×3 stride-2 SiLU stem, one ``Sequential`` per stage, a 1×1 SiLU head,
    average, dropout, ``Linear``.

    Args:
        inverted_residual_setting: the stages' :class:`MBConvConfig` / :class:`FusedMBConvConfig` (non-empty).
        dropout: the classifier's dropout probability.
        stochastic_depth_prob: the last block's drop probability; block ``i`` of ``n`` gets
            ``stochastic_depth_prob · i / n`` (default 0.2).
        num_classes: outputs (default 1000).
        norm_layer: the norm class (default ``BatchNorm2d``).
        last_channel: the head's width (default 4 × the last stage's).

    Initialisation (torchvision's): convolutions ``kaiming_normal_(mode="fan_out")`` with zero bias,
    norms weight 1 and bias 0, ``Linear`` ``U(-1/√num_classes, 1/√num_classes)`` with zero bias.

    Shape:
        input ``(N, 3, H, W)``, output ``(N, num_classes)``.
    """

    def __init__(
        self,
        inverted_residual_setting: Sequence[_MBConvConfig],
        dropout: float,
        stochastic_depth_prob: float = 0.2,
        num_classes: int = 1000,
        norm_layer: Callable[..., nn.Module] | None = None,
        last_channel: int | None = None,
    ) -> None:
        super().__init__()
        check_block_settings(inverted_residual_setting, _MBConvConfig, "MBConvConfig")
        if norm_layer is None:
            norm_layer = BatchNorm2d
        first = inverted_residual_setting[0].input_channels
        layers: list[nn.Module] = [
            Conv2dNormActivation(
                3, first, kernel_size=3, stride=2, norm_layer=norm_layer, activation_layer=nn.SiLU
            )
        ]
        total = sum(cnf.num_layers for cnf in inverted_residual_setting)
        block_id = 0
        for cnf in inverted_residual_setting:
            stage: list[nn.Module] = []
            for _ in range(cnf.num_layers):
                block_cnf = copy.copy(cnf)
                if stage:  # the stage's later blocks keep its width and size
                    block_cnf.input_channels, block_cnf.stride = block_cnf.out_channels, 1
                probability = stochastic_depth_prob * float(block_id) / total
                stage.append(block_cnf.block(block_cnf, probability, norm_layer))
                block_id += 1
            layers.append(nn.Sequential(*stage))
        head_in = inverted_residual_setting[-1].out_channels
        head_out = last_channel if last_channel is not None else 4 * head_in
        layers.append(
            Conv2dNormActivation(
                head_in, head_out, kernel_size=1, norm_layer=norm_layer, activation_layer=nn.SiLU
            )
        )
        self.features = nn.Sequential(*layers)
        self.avgpool = AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True), nn.Linear(head_out, num_classes))
        init_mobilenet_weights(self)  # then the classifier's uniform in place of the MobileNets' normal
        for m in self.modules():
            if isinstance(m, nn.Linear):
                bound = 1.0 / math.sqrt(m.out_features)
                init.uniform_(m.weight, -bound, bound)

    def _forward_impl(self, x):
        return self.classifier(tt_autograd.flatten(self.avgpool(self.features(x)), 1))

    def forward(self, x):
        return self._forward_impl(x)


def _efficientnet_conf(
    arch: str, width_mult: float = 1.0, depth_mult: float = 1.0
) -> tuple[list[_MBConvConfig], int | None]:
    """The stage table of ``arch`` (V1's B0 scaled by the multipliers, or V2's S/M/L) and the head's width."""
    if arch.startswith("efficientnet_b"):
        stage = partial(MBConvConfig, width_mult=width_mult, depth_mult=depth_mult)
        setting = [
            stage(1, 3, 1, 32, 16, 1),
            stage(6, 3, 2, 16, 24, 2),
            stage(6, 5, 2, 24, 40, 2),
            stage(6, 3, 2, 40, 80, 3),
            stage(6, 5, 1, 80, 112, 3),
            stage(6, 5, 2, 112, 192, 4),
            stage(6, 3, 1, 192, 320, 1),
        ]
        return setting, None
    fused, mb = FusedMBConvConfig, MBConvConfig
    if arch == "efficientnet_v2_s":
        setting = [fused(1, 3, 1, 24, 24, 2), fused(4, 3, 2, 24, 48, 4), fused(4, 3, 2, 48, 64, 4),
                   mb(4, 3, 2, 64, 128, 6), mb(6, 3, 1, 128, 160, 9), mb(6, 3, 2, 160, 256, 15)]  # fmt: skip
    elif arch == "efficientnet_v2_m":
        setting = [fused(1, 3, 1, 24, 24, 3), fused(4, 3, 2, 24, 48, 5), fused(4, 3, 2, 48, 80, 5),
                   mb(4, 3, 2, 80, 160, 7), mb(6, 3, 1, 160, 176, 14), mb(6, 3, 2, 176, 304, 18),
                   mb(6, 3, 1, 304, 512, 5)]  # fmt: skip
    elif arch == "efficientnet_v2_l":
        setting = [fused(1, 3, 1, 32, 32, 4), fused(4, 3, 2, 32, 64, 7), fused(4, 3, 2, 64, 96, 7),
                   mb(4, 3, 2, 96, 192, 10), mb(6, 3, 1, 192, 224, 19), mb(6, 3, 2, 224, 384, 25),
                   mb(6, 3, 1, 384, 640, 7)]  # fmt: skip
    else:
        raise ValueError(f"Unsupported model type {arch}")
    return setting, 1280


#: Each builder's (width_mult, depth_mult, default dropout, norm layer); None: plain ``BatchNorm2d``.
_VARIANTS: dict[str, tuple[float, float, float, Callable[..., nn.Module] | None]] = {
    "efficientnet_b0": (1.0, 1.0, 0.2, None),
    "efficientnet_b1": (1.0, 1.1, 0.2, None),
    "efficientnet_b2": (1.1, 1.2, 0.3, None),
    "efficientnet_b3": (1.2, 1.4, 0.3, None),
    "efficientnet_b4": (1.4, 1.8, 0.4, None),
    "efficientnet_b5": (1.6, 2.2, 0.4, partial(BatchNorm2d, eps=0.001, momentum=0.01)),
    "efficientnet_b6": (1.8, 2.6, 0.5, partial(BatchNorm2d, eps=0.001, momentum=0.01)),
    "efficientnet_b7": (2.0, 3.1, 0.5, partial(BatchNorm2d, eps=0.001, momentum=0.01)),
    "efficientnet_v2_s": (1.0, 1.0, 0.2, partial(BatchNorm2d, eps=1e-03)),
    "efficientnet_v2_m": (1.0, 1.0, 0.3, partial(BatchNorm2d, eps=1e-03)),
    "efficientnet_v2_l": (1.0, 1.0, 0.4, partial(BatchNorm2d, eps=1e-03)),
}


def _efficientnet(name: str, weights, progress: bool, **kwargs) -> EfficientNet:
    """Build ``name``: its table, its dropout unless ``dropout`` is given, and its norm layer
    (B5..B7 and V2 fix it, so a ``norm_layer`` given to them is a ``TypeError``, as in torchvision)."""
    refuse_weights(name, weights, kwargs)
    width_mult, depth_mult, dropout, norm_layer = _VARIANTS[name]
    setting, last_channel = _efficientnet_conf(name, width_mult, depth_mult)
    if norm_layer is not None:
        if "norm_layer" in kwargs:
            raise TypeError(
                f"{name}() got multiple values for keyword argument 'norm_layer': it fixes its own"
            )
        kwargs["norm_layer"] = norm_layer
    return EfficientNet(setting, kwargs.pop("dropout", dropout), last_channel=last_channel, **kwargs)


_BUILDER_DOC = """EfficientNet{variant}, {params:,} parameters (torchvision's), default dropout {dropout}.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: :class:`EfficientNet`'s arguments (``num_classes``, ``dropout``,
            ``stochastic_depth_prob``{norm}).
    """


def _builder(name: str, variant: str, params: int) -> Callable[..., EfficientNet]:
    def build(*, weights=None, progress: bool = True, **kwargs) -> EfficientNet:
        return _efficientnet(name, weights, progress, **kwargs)

    build.__name__ = build.__qualname__ = name
    build.__doc__ = _BUILDER_DOC.format(
        variant=variant, params=params, dropout=_VARIANTS[name][2],
        norm=", ``norm_layer``" if _VARIANTS[name][3] is None else "",
    )  # fmt: skip
    return register_model()(build)


efficientnet_b0 = _builder("efficientnet_b0", "-B0", 5_288_548)
efficientnet_b1 = _builder("efficientnet_b1", "-B1", 7_794_184)
efficientnet_b2 = _builder("efficientnet_b2", "-B2", 9_109_994)
efficientnet_b3 = _builder("efficientnet_b3", "-B3", 12_233_232)
efficientnet_b4 = _builder("efficientnet_b4", "-B4", 19_341_616)
efficientnet_b5 = _builder("efficientnet_b5", "-B5", 30_389_784)
efficientnet_b6 = _builder("efficientnet_b6", "-B6", 43_040_704)
efficientnet_b7 = _builder("efficientnet_b7", "-B7", 66_347_960)
efficientnet_v2_s = _builder("efficientnet_v2_s", "V2-S", 21_458_488)
efficientnet_v2_m = _builder("efficientnet_v2_m", "V2-M", 54_139_356)
efficientnet_v2_l = _builder("efficientnet_v2_l", "V2-L", 118_515_272)
