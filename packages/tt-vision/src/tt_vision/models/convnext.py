"""ConvNeXt (Liu et al., 2022): torchvision's ``ConvNeXt`` and ``convnext_tiny/small/base/large``.

A ResNet modernised towards the vision transformers: a 4×4 stride-4 "patchify" stem, four
stages of :class:`CNBlock` (7×7 depthwise convolution → LayerNorm → ``Linear`` to 4× the
width → GELU → ``Linear`` back, scaled by a learned per-channel ``layer_scale`` and dropped
per sample by stochastic depth), each stage but the last followed by a downsampling layer
(LayerNorm, 2×2 stride-2 convolution). The stage widths and depths are a list of
:class:`CNBlockConfig`. Norms over channels of an ``(N, C, H, W)`` map are :class:`LayerNorm2d`.

Cost: per block and pixel ``49·C`` multiply-adds for the depthwise convolution and ``8·C²``
for the two ``Linear`` layers; ``convnext_tiny`` is 4.46 GFLOPs at 224×224 (torchvision's figure).

Example:
    >>> import tt_autograd
    >>> model = ConvNeXt([CNBlockConfig(8, 16, 1), CNBlockConfig(16, None, 1)], num_classes=10)
    >>> tuple(model(tt_autograd.randn(1, 3, 32, 32)).shape)  # convnext_tiny(num_classes=10) alike
    (1, 10)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import tt_autograd
import tt_nn as nn

from ..layers import AdaptiveAvgPool2d, Conv2d
from ..ops.misc import Conv2dNormActivation, Permute
from ..ops.stochastic_depth import StochasticDepth
from .builders import refuse_weights, register_model

__all__ = [
    "CNBlock",
    "CNBlockConfig",
    "ConvNeXt",
    "LayerNorm2d",
    "convnext_base",
    "convnext_large",
    "convnext_small",
    "convnext_tiny",
]


class LayerNorm2d(nn.LayerNorm):
    """``LayerNorm`` over the channels of an ``(N, C, H, W)`` map: each pixel's ``C`` values are normalised.

    Built as ``LayerNorm2d(C, eps=...)`` (``LayerNorm``'s arguments); the map is permuted to
    channels-last, normalised over its last dimension and permuted back.

    Shape:
        input and output ``(N, C, H, W)``. Cost: the permutations are views; one LayerNorm pass.
    """

    def forward(self, x):
        x = tt_autograd.permute(x, (0, 2, 3, 1))
        x = nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return tt_autograd.permute(x, (0, 3, 1, 2))


class CNBlock(nn.Module):
    """ConvNeXt's block: ``x + stochastic_depth(layer_scale · block(x))``.

    ``block`` is a ``Sequential``: 7×7 depthwise ``Conv2d`` (padding 3, bias), ``Permute`` to
    channels-last, ``norm_layer(dim)``, ``Linear(dim, 4·dim)``, ``GELU``, ``Linear(4·dim, dim)``,
    ``Permute`` back.

    Args:
        dim: channels ``C``.
        layer_scale: the initial value of every entry of ``layer_scale`` (a ``(C, 1, 1)`` parameter).
        stochastic_depth_prob: probability of dropping the branch for a sample (training only).
        norm_layer: the channels-last norm (default ``LayerNorm`` with ``eps=1e-6``).

    Shape:
        input and output ``(N, C, H, W)``.
    """

    def __init__(
        self,
        dim: int,
        layer_scale: float,
        stochastic_depth_prob: float,
        norm_layer: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = partial(nn.LayerNorm, eps=1e-6)
        self.block = nn.Sequential(
            Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
            Permute([0, 2, 3, 1]),
            norm_layer(dim),
            nn.Linear(dim, 4 * dim, bias=True),
            nn.GELU(),
            nn.Linear(4 * dim, dim, bias=True),
            Permute([0, 3, 1, 2]),
        )
        self.layer_scale = nn.Parameter(tt_autograd.full((dim, 1, 1), float(layer_scale)))
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

    def forward(self, input):  # noqa: A002
        return self.stochastic_depth(self.layer_scale * self.block(input)) + input


class CNBlockConfig:
    """One ConvNeXt stage: ``num_layers`` blocks of width ``input_channels``, then a downsampling layer to
    ``out_channels`` (None: no downsampling, the last stage)."""

    def __init__(self, input_channels: int, out_channels: int | None, num_layers: int) -> None:
        self.input_channels = input_channels
        self.out_channels = out_channels
        self.num_layers = num_layers

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(input_channels={self.input_channels}, "
            f"out_channels={self.out_channels}, num_layers={self.num_layers})"
        )


class ConvNeXt(nn.Module):
    """ConvNeXt: stem, stages and downsampling layers in ``features``, average pool, ``classifier``.

    Args:
        block_setting: the stages' :class:`CNBlockConfig` list (non-empty).
        stochastic_depth_prob: the last block's drop probability; block ``i`` of ``n`` (counted
            over all stages) gets ``stochastic_depth_prob · i / (n - 1)`` (default 0.0).
        layer_scale: initial value of the blocks' ``layer_scale`` (default 1e-6).
        num_classes: outputs (default 1000).
        block: the block class (default :class:`CNBlock`), called ``block(dim, layer_scale, p)``.
        norm_layer: the channels-first norm of the stem, downsampling layers and classifier
            (default :class:`LayerNorm2d` with ``eps=1e-6``).
        **kwargs: ignored, as torchvision's.

    Initialisation (torchvision's): every ``Conv2d`` and ``Linear`` weight ``trunc_normal_(std=0.02)``
    (truncated at ±2, i.e. ±100 standard deviations: a plain normal), biases zero.

    Shape:
        input ``(N, 3, H, W)``, output ``(N, num_classes)``; the stem needs ``H, W >= 4`` and each
        downsampling layer halves the map (floor).
    """

    def __init__(
        self,
        block_setting: list[CNBlockConfig],
        stochastic_depth_prob: float = 0.0,
        layer_scale: float = 1e-6,
        num_classes: int = 1000,
        block: Callable[..., nn.Module] | None = None,
        norm_layer: Callable[..., nn.Module] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__()
        if not block_setting:
            raise ValueError("The block_setting should not be empty")
        if not (
            isinstance(block_setting, Sequence) and all(isinstance(s, CNBlockConfig) for s in block_setting)
        ):
            raise TypeError("The block_setting should be List[CNBlockConfig]")
        if block is None:
            block = CNBlock
        if norm_layer is None:
            norm_layer = partial(LayerNorm2d, eps=1e-6)
        layers: list[nn.Module] = [
            Conv2dNormActivation(
                3,
                block_setting[0].input_channels,
                kernel_size=4,
                stride=4,
                padding=0,
                norm_layer=norm_layer,
                activation_layer=None,
                bias=True,
            )
        ]
        total_blocks = sum(cnf.num_layers for cnf in block_setting)
        block_id = 0
        for cnf in block_setting:
            stage = []
            for _ in range(cnf.num_layers):
                probability = stochastic_depth_prob * block_id / (total_blocks - 1.0)
                stage.append(block(cnf.input_channels, layer_scale, probability))
                block_id += 1
            layers.append(nn.Sequential(*stage))
            if cnf.out_channels is not None:
                downsample = Conv2d(cnf.input_channels, cnf.out_channels, kernel_size=2, stride=2)
                layers.append(nn.Sequential(norm_layer(cnf.input_channels), downsample))
        self.features = nn.Sequential(*layers)
        self.avgpool = AdaptiveAvgPool2d(1)
        last = block_setting[-1]
        width = last.input_channels if last.out_channels is None else last.out_channels
        self.classifier = nn.Sequential(norm_layer(width), nn.Flatten(1), nn.Linear(width, num_classes))
        for module in self.modules():
            if isinstance(module, (Conv2d, nn.Linear)):
                nn.init.trunc_normal_(module.weight, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def _forward_impl(self, x):
        return self.classifier(self.avgpool(self.features(x)))

    def forward(self, x):
        return self._forward_impl(x)


#: Each builder's stages (width, next width, blocks) and default stochastic-depth probability.
_SETTINGS: dict[str, tuple[list[tuple[int, int | None, int]], float]] = {
    "convnext_tiny": ([(96, 192, 3), (192, 384, 3), (384, 768, 9), (768, None, 3)], 0.1),
    "convnext_small": ([(96, 192, 3), (192, 384, 3), (384, 768, 27), (768, None, 3)], 0.4),
    "convnext_base": ([(128, 256, 3), (256, 512, 3), (512, 1024, 27), (1024, None, 3)], 0.5),
    "convnext_large": ([(192, 384, 3), (384, 768, 3), (768, 1536, 27), (1536, None, 3)], 0.5),
}


def _convnext(name: str, weights, progress: bool, **kwargs) -> ConvNeXt:
    refuse_weights(name, weights, kwargs)
    stages, default_probability = _SETTINGS[name]
    probability = kwargs.pop("stochastic_depth_prob", default_probability)
    setting = [CNBlockConfig(*stage) for stage in stages]
    return ConvNeXt(setting, stochastic_depth_prob=probability, **kwargs)


@register_model()
def convnext_tiny(*, weights=None, progress: bool = True, **kwargs) -> ConvNeXt:
    """ConvNeXt-T, 28,589,128 parameters; stochastic depth up to 0.1.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: :class:`ConvNeXt`'s arguments (``num_classes``, ``stochastic_depth_prob``,
            ``layer_scale``, ``block``, ``norm_layer``).
    """
    return _convnext("convnext_tiny", weights, progress, **kwargs)


@register_model()
def convnext_small(*, weights=None, progress: bool = True, **kwargs) -> ConvNeXt:
    """ConvNeXt-S, 50,223,688 parameters; stochastic depth up to 0.4; arguments as :func:`convnext_tiny`."""
    return _convnext("convnext_small", weights, progress, **kwargs)


@register_model()
def convnext_base(*, weights=None, progress: bool = True, **kwargs) -> ConvNeXt:
    """ConvNeXt-B, 88,591,464 parameters; stochastic depth up to 0.5; arguments as :func:`convnext_tiny`."""
    return _convnext("convnext_base", weights, progress, **kwargs)


@register_model()
def convnext_large(*, weights=None, progress: bool = True, **kwargs) -> ConvNeXt:
    """ConvNeXt-L, 197,767,336 parameters; stochastic depth up to 0.5; arguments as :func:`convnext_tiny`."""
    return _convnext("convnext_large", weights, progress, **kwargs)
