"""RegNet (Radosavovic et al., 2020): torchvision's ``RegNet``, ``BlockParams`` and its 15 builders.

A RegNet is a stem (3×3 stride-2 conv), four stages of residual bottleneck blocks
(1×1 → grouped 3×3 → [squeeze-excitation, RegNetY] → 1×1, plus the input or its 1×1 projection,
then ReLU) and a linear classifier. The stages' widths and depths are not tabulated but
generated from four numbers (:meth:`BlockParams.from_init_params`): block ``j`` of ``depth``
gets the width ``w_0 + w_a·j``, snapped to ``w_0·w_m^k`` for the nearest integer ``k`` (then to a
multiple of 8); consecutive blocks of one width form a stage. ``regnet_x_*`` have no
squeeze-excitation, ``regnet_y_*`` have it (ratio 0.25 of the block's input width).
The names give the GFLOPs of a 224×224 forward pass; a training step here (x_400mf, 32 of 32×32): 0.3 s.

Example:
    >>> import tt_autograd
    >>> model = regnet_x_400mf(num_classes=10)
    >>> tuple(model(tt_autograd.randn(2, 3, 32, 32)).shape)
    (2, 10)
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from functools import partial

import numpy as np
import tt_autograd
import tt_nn as nn
import tt_nn.init as init

from ..layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d
from ..ops.misc import Conv2dNormActivation, SqueezeExcitation
from .builders import make_divisible, refuse_weights, register_model

__all__ = [
    "AnyStage",
    "BlockParams",
    "BottleneckTransform",
    "RegNet",
    "ResBottleneckBlock",
    "SimpleStemIN",
    "regnet_x_1_6gf",
    "regnet_x_3_2gf",
    "regnet_x_8gf",
    "regnet_x_16gf",
    "regnet_x_32gf",
    "regnet_x_400mf",
    "regnet_x_800mf",
    "regnet_y_1_6gf",
    "regnet_y_3_2gf",
    "regnet_y_8gf",
    "regnet_y_16gf",
    "regnet_y_32gf",
    "regnet_y_128gf",
    "regnet_y_400mf",
    "regnet_y_800mf",
]


class SimpleStemIN(Conv2dNormActivation):
    """The ImageNet stem: 3×3 stride-2 convolution, norm, activation. ``(N, C, H, W)`` to
    ``(N, width_out, ceil(H / 2), ceil(W / 2))``."""

    def __init__(
        self,
        width_in: int,
        width_out: int,
        norm_layer: Callable[..., nn.Module],
        activation_layer: Callable[..., nn.Module],
    ) -> None:
        super().__init__(
            width_in,
            width_out,
            kernel_size=3,
            stride=2,
            norm_layer=norm_layer,
            activation_layer=activation_layer,
        )


class BottleneckTransform(nn.Sequential):
    """The residual branch: ``a`` 1×1 → ``b`` grouped 3×3 (the stride) → ``se`` (if ``se_ratio``) → ``c`` 1×1.

    The bottleneck width is ``w_b = round(width_out · bottleneck_multiplier)`` in
    ``w_b // group_width`` groups; the gate squeezes to ``round(se_ratio · width_in)`` channels.

    Shape:
        ``(N, width_in, H, W)`` to ``(N, width_out, ceil(H / stride), ceil(W / stride))``.
    """

    def __init__(
        self,
        width_in: int,
        width_out: int,
        stride: int,
        norm_layer: Callable[..., nn.Module],
        activation_layer: Callable[..., nn.Module],
        group_width: int,
        bottleneck_multiplier: float,
        se_ratio: float | None,
    ) -> None:
        w_b = int(round(width_out * bottleneck_multiplier))
        conv = partial(Conv2dNormActivation, norm_layer=norm_layer, activation_layer=activation_layer)
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        layers["a"] = conv(width_in, w_b, kernel_size=1)
        layers["b"] = conv(w_b, w_b, kernel_size=3, stride=stride, groups=w_b // group_width)
        if se_ratio:
            squeeze = int(round(se_ratio * width_in))
            layers["se"] = SqueezeExcitation(w_b, squeeze, activation=activation_layer)
        layers["c"] = conv(w_b, width_out, kernel_size=1, activation_layer=None)
        super().__init__(layers)


class ResBottleneckBlock(nn.Module):
    """``activation(x + f(x))``, or ``activation(proj(x) + f(x))`` with a 1×1 strided projection
    when the width or the size changes.

    Args: ``width_in``, ``width_out``, ``stride``, ``norm_layer``, ``activation_layer`` and
    :class:`BottleneckTransform`'s ``group_width`` (default 1), ``bottleneck_multiplier`` (1.0),
    ``se_ratio`` (None).
    """

    def __init__(
        self,
        width_in: int,
        width_out: int,
        stride: int,
        norm_layer: Callable[..., nn.Module],
        activation_layer: Callable[..., nn.Module],
        group_width: int = 1,
        bottleneck_multiplier: float = 1.0,
        se_ratio: float | None = None,
    ) -> None:
        super().__init__()
        self.proj = None
        if width_in != width_out or stride != 1:
            self.proj = Conv2dNormActivation(
                width_in,
                width_out,
                kernel_size=1,
                stride=stride,
                norm_layer=norm_layer,
                activation_layer=None,
            )
        self.f = BottleneckTransform(
            width_in,
            width_out,
            stride,
            norm_layer,
            activation_layer,
            group_width,
            bottleneck_multiplier,
            se_ratio,
        )
        self.activation = activation_layer(inplace=True)

    def forward(self, x):
        shortcut = x if self.proj is None else self.proj(x)
        return self.activation(shortcut + self.f(x))


class AnyStage(nn.Sequential):
    """``depth`` blocks named ``block{stage_index}-{i}``, the first taking ``width_in`` and ``stride``,
    the rest ``width_out`` and stride 1."""

    def __init__(
        self,
        width_in: int,
        width_out: int,
        stride: int,
        depth: int,
        block_constructor: Callable[..., nn.Module],
        norm_layer: Callable[..., nn.Module],
        activation_layer: Callable[..., nn.Module],
        group_width: int,
        bottleneck_multiplier: float,
        se_ratio: float | None = None,
        stage_index: int = 0,
    ) -> None:
        super().__init__()
        for i in range(depth):
            block = block_constructor(
                width_in if i == 0 else width_out,
                width_out,
                stride if i == 0 else 1,
                norm_layer,
                activation_layer,
                group_width,
                bottleneck_multiplier,
                se_ratio,
            )
            self.add_module(f"block{stage_index}-{i}", block)


class BlockParams:
    """Per-stage settings of a RegNet: lists of ``depths``, ``widths``, ``group_widths``,
    ``bottleneck_multipliers``, ``strides``, and one ``se_ratio`` (None: no squeeze-excitation)."""

    def __init__(
        self,
        depths: list[int],
        widths: list[int],
        group_widths: list[int],
        bottleneck_multipliers: list[float],
        strides: list[int],
        se_ratio: float | None = None,
    ) -> None:
        self.depths = depths
        self.widths = widths
        self.group_widths = group_widths
        self.bottleneck_multipliers = bottleneck_multipliers
        self.strides = strides
        self.se_ratio = se_ratio

    @classmethod
    def from_init_params(
        cls,
        depth: int,
        w_0: int,
        w_a: float,
        w_m: float,
        group_width: int,
        bottleneck_multiplier: float = 1.0,
        se_ratio: float | None = None,
        **kwargs: object,
    ) -> BlockParams:
        """The stages generated from the RegNet parameters (``**kwargs`` ignored: the builders pass theirs).

        Block ``j`` (of ``depth``) has the linear width ``u_j = w_0 + w_a·j``; its step
        ``k_j = round(log(u_j / w_0) / log(w_m))`` gives the width ``8·round(w_0·w_m^k_j / 8)``.
        Runs of equal widths are the stages (each strides by 2); each stage's width is then
        adjusted so its bottleneck width is a multiple of its group width (the group width
        capped at the bottleneck width). Computed in float32, as torchvision does (its widths
        come from float32 tensors), so borderline roundings come out the same.

        Raises:
            ValueError: ``w_a < 0``, ``w_0 <= 0``, ``w_m <= 1`` or ``w_0`` not a multiple of 8.
        """
        quant, stride = 8, 2
        if w_a < 0 or w_0 <= 0 or w_m <= 1 or w_0 % 8 != 0:
            raise ValueError(
                f"Invalid RegNet settings: need w_a >= 0, w_0 > 0 and a multiple of 8, w_m > 1; "
                f"got w_0={w_0}, w_a={w_a}, w_m={w_m}"
            )
        f32 = np.float32
        linear = np.arange(depth, dtype=f32) * f32(w_a) + f32(w_0)
        steps = np.round(np.log(linear / f32(w_0)) / f32(math.log(w_m)))
        block_widths = (np.round(f32(w_0) * np.power(f32(w_m), steps) / f32(quant)) * quant).astype(int)
        starts = np.flatnonzero(np.diff(block_widths, prepend=0))  # where a new width begins
        stage_widths = block_widths[starts].tolist()
        stage_depths = np.diff(np.append(starts, depth)).tolist()
        num_stages = len(stage_widths)
        bottleneck_multipliers = [bottleneck_multiplier] * num_stages
        stage_widths, group_widths = cls._adjust_widths_groups_compatibilty(
            stage_widths, bottleneck_multipliers, [group_width] * num_stages
        )
        return cls(
            stage_depths, stage_widths, group_widths, bottleneck_multipliers, [stride] * num_stages, se_ratio
        )

    def _get_expanded_params(self):
        return zip(self.widths, self.strides, self.depths, self.group_widths, self.bottleneck_multipliers)

    @staticmethod
    def _adjust_widths_groups_compatibilty(
        stage_widths: list[int], bottleneck_ratios: list[float], group_widths: list[int]
    ) -> tuple[list[int], list[int]]:
        """Widths whose bottleneck width is a multiple of the group width (capped at it).

        torchvision's name, its spelling kept."""
        bottlenecks = [int(w * b) for w, b in zip(stage_widths, bottleneck_ratios)]
        group_widths = [min(g, w) for g, w in zip(group_widths, bottlenecks)]
        bottlenecks = [make_divisible(w, g) for w, g in zip(bottlenecks, group_widths)]
        return [int(w / b) for w, b in zip(bottlenecks, bottleneck_ratios)], group_widths


class RegNet(nn.Module):
    """RegNet: ``stem``, ``trunk_output`` (stages ``block1`` .. ``blockK``), ``avgpool``, ``fc``.

    Args:
        block_params: the stages (:class:`BlockParams`).
        num_classes: outputs (default 1000).
        stem_width: the stem's output width (default 32).
        stem_type: the stem class (default :class:`SimpleStemIN`).
        block_type: the block class (default :class:`ResBottleneckBlock`).
        norm_layer: the norm class (default ``BatchNorm2d``).
        activation: the activation class (default ``ReLU``).

    Initialisation (torchvision's): convolution weights ``N(0, 2 / (k·k·out_channels))`` (their
    biases, in the gates, keep ``Conv2d``'s default), ``BatchNorm2d`` weight 1 and bias 0, ``fc``
    ``N(0, 0.01²)`` with zero bias.

    Shape:
        input ``(N, 3, H, W)``, output ``(N, num_classes)``.
    """

    def __init__(
        self,
        block_params: BlockParams,
        num_classes: int = 1000,
        stem_width: int = 32,
        stem_type: Callable[..., nn.Module] | None = None,
        block_type: Callable[..., nn.Module] | None = None,
        norm_layer: Callable[..., nn.Module] | None = None,
        activation: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__()
        stem_type = SimpleStemIN if stem_type is None else stem_type
        norm_layer = BatchNorm2d if norm_layer is None else norm_layer
        block_type = ResBottleneckBlock if block_type is None else block_type
        activation = nn.ReLU if activation is None else activation
        self.stem = stem_type(3, stem_width, norm_layer, activation)
        width = stem_width
        stages = []
        for i, (width_out, stride, depth, group_width, multiplier) in enumerate(
            block_params._get_expanded_params()
        ):
            stage = AnyStage(
                width, width_out, stride, depth, block_type, norm_layer, activation,
                group_width, multiplier, block_params.se_ratio, stage_index=i + 1,
            )  # fmt: skip
            stages.append((f"block{i + 1}", stage))
            width = width_out
        self.trunk_output = nn.Sequential(OrderedDict(stages))
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(in_features=width, out_features=num_classes)
        for m in self.modules():
            if isinstance(m, Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                init.normal_(m.weight, mean=0.0, std=math.sqrt(2.0 / fan_out))
            elif isinstance(m, BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                init.normal_(m.weight, mean=0.0, std=0.01)
                init.zeros_(m.bias)

    def forward(self, x):
        x = self.avgpool(self.trunk_output(self.stem(x)))
        return self.fc(tt_autograd.flatten(x, 1))


#: Each builder's generator parameters: depth, w_0, w_a, w_m, group_width, se_ratio; and torchvision's count.
_PARAMS: dict[str, tuple[int, int, float, float, int, float | None, int]] = {
    "regnet_y_400mf": (16, 48, 27.89, 2.09, 8, 0.25, 4_344_144),
    "regnet_y_800mf": (14, 56, 38.84, 2.4, 16, 0.25, 6_432_512),
    "regnet_y_1_6gf": (27, 48, 20.71, 2.65, 24, 0.25, 11_202_430),
    "regnet_y_3_2gf": (21, 80, 42.63, 2.66, 24, 0.25, 19_436_338),
    "regnet_y_8gf": (17, 192, 76.82, 2.19, 56, 0.25, 39_381_472),
    "regnet_y_16gf": (18, 200, 106.23, 2.48, 112, 0.25, 83_590_140),
    "regnet_y_32gf": (20, 232, 115.89, 2.53, 232, 0.25, 145_046_770),
    "regnet_y_128gf": (27, 456, 160.83, 2.52, 264, 0.25, 644_812_894),
    "regnet_x_400mf": (22, 24, 24.48, 2.54, 16, None, 5_495_976),
    "regnet_x_800mf": (16, 56, 35.73, 2.28, 16, None, 7_259_656),
    "regnet_x_1_6gf": (18, 80, 34.01, 2.25, 24, None, 9_190_136),
    "regnet_x_3_2gf": (25, 88, 26.31, 2.25, 48, None, 15_296_552),
    "regnet_x_8gf": (23, 80, 49.56, 2.88, 120, None, 39_572_648),
    "regnet_x_16gf": (22, 216, 55.59, 2.1, 128, None, 54_278_536),
    "regnet_x_32gf": (23, 320, 69.86, 2.0, 168, None, 107_811_560),
}


def _regnet(name: str, weights, progress: bool, **kwargs) -> RegNet:
    """Build ``name``: its :class:`BlockParams` (given ``kwargs`` too, as torchvision does), then
    :class:`RegNet` with ``norm_layer`` defaulting to ``BatchNorm2d(eps=1e-5, momentum=0.1)``."""
    refuse_weights(name, weights, kwargs)
    depth, w_0, w_a, w_m, group_width, se_ratio, _ = _PARAMS[name]
    params = BlockParams.from_init_params(depth, w_0, w_a, w_m, group_width, se_ratio=se_ratio, **kwargs)
    norm_layer = kwargs.pop("norm_layer", partial(BatchNorm2d, eps=1e-05, momentum=0.1))
    return RegNet(params, norm_layer=norm_layer, **kwargs)


_BUILDER_DOC = """{model}, {count:,} parameters (torchvision's): depth={depth}, w_0={w_0}, w_a={w_a},
    w_m={w_m}, group_width={group_width}, se_ratio={se_ratio}.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: :class:`RegNet`'s arguments (``num_classes``, ``stem_width``, ``norm_layer``, ...).
    """


def _builder(name: str) -> Callable[..., RegNet]:
    def build(*, weights=None, progress: bool = True, **kwargs) -> RegNet:
        return _regnet(name, weights, progress, **kwargs)

    depth, w_0, w_a, w_m, group_width, se_ratio, count = _PARAMS[name]
    build.__name__ = build.__qualname__ = name
    build.__doc__ = _BUILDER_DOC.format(
        model=f"RegNet{name[7].upper()}-{name[9:].upper().replace('_', '.')}", count=count, depth=depth,
        w_0=w_0, w_a=w_a, w_m=w_m, group_width=group_width, se_ratio=se_ratio,
    )  # fmt: skip
    return register_model()(build)


regnet_y_400mf = _builder("regnet_y_400mf")
regnet_y_800mf = _builder("regnet_y_800mf")
regnet_y_1_6gf = _builder("regnet_y_1_6gf")
regnet_y_3_2gf = _builder("regnet_y_3_2gf")
regnet_y_8gf = _builder("regnet_y_8gf")
regnet_y_16gf = _builder("regnet_y_16gf")
regnet_y_32gf = _builder("regnet_y_32gf")
regnet_y_128gf = _builder("regnet_y_128gf")
regnet_x_400mf = _builder("regnet_x_400mf")
regnet_x_800mf = _builder("regnet_x_800mf")
regnet_x_1_6gf = _builder("regnet_x_1_6gf")
regnet_x_3_2gf = _builder("regnet_x_3_2gf")
regnet_x_8gf = _builder("regnet_x_8gf")
regnet_x_16gf = _builder("regnet_x_16gf")
regnet_x_32gf = _builder("regnet_x_32gf")
