"""``FeaturePyramidNetwork`` and its extra blocks, as torchvision.ops.feature_pyramid_network.

A feature pyramid (Lin et al., 2017) turns a backbone's maps of decreasing resolution
``C2, C3, …`` into maps ``P2, P3, …`` of one width that all carry the deepest features:

* each input map gets a 1×1 convolution to ``out_channels`` (``inner_blocks[i]``, the lateral);
* top-down, from the deepest map: the running map is upsampled to the next map's size by
  nearest-neighbour interpolation (PyTorch's ``floor(dst · in / out)``) and added to that lateral;
* each of those sums gets a 3×3 convolution (``layer_blocks[i]``): the outputs, same sizes as the
  inputs, in the input's order and with its names.

An extra block appends more levels: :class:`LastLevelMaxPool` subsamples the last output by 2
(``max_pool2d`` with a 1×1 kernel, Faster R-CNN's ``'pool'``); :class:`LastLevelP6P7` (RetinaNet)
two stride-2 3×3 convolutions, ``p6`` from the last output (or the last input when the widths
differ) and ``p7`` from ``relu(p6)``.

Initialisation as torchvision's: every convolution's weight ``kaiming_uniform_(a=1)``, biases 0.
Blocks are ``Conv2dNormActivation`` (a ``Sequential``: the convolution at index 0), so the state
dict keys are ``inner_blocks.{i}.0.weight``…; a state dict saved before torchvision 0.13 (version 1,
``inner_blocks.{i}.weight``) is renamed on load, as torchvision does.

Cost: per level, a 1×1 convolution (``H·W·C_in·out_channels`` multiply-adds per image), a 3×3
one (``9·H·W·out_channels²``) and an upsampled add; the 3×3 convolutions dominate.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import tt_nn as nn
from tt_autograd import Tensor
from tt_nn import init
from tt_nn.functional import interpolate, relu

from ..functional import max_pool2d
from ..layers import Conv2d
from .misc import Conv2dNormActivation

__all__ = ["ExtraFPNBlock", "FeaturePyramidNetwork", "LastLevelMaxPool", "LastLevelP6P7"]


def detection_init(conv: Conv2d) -> None:
    """torchvision's initialisation of the detection necks' convolutions: Kaiming-uniform ``a=1``, bias 0."""
    init.kaiming_uniform_(conv.weight, a=1)
    if conv.bias is not None:
        init.constant_(conv.bias, 0)


class ExtraFPNBlock(nn.Module):
    """Base class of the blocks that add levels after the pyramid's own.

    ``forward(results, x, names)``: the pyramid's outputs, its inputs and their names (lists);
    returns the outputs and names, extended.
    """

    def forward(self, results: list[Tensor], x: list[Tensor], names: list[str]):
        raise NotImplementedError(f"{type(self).__name__}: an ExtraFPNBlock subclass defines forward")


class LastLevelMaxPool(ExtraFPNBlock):
    """Append ``'pool'``: the last output subsampled by 2 (``max_pool2d(kernel_size=1, stride=2)``).

    Shape: adds ``(N, C, ⌈H/2⌉, ⌈W/2⌉)`` after the last ``(N, C, H, W)``.
    """

    def forward(self, x: list[Tensor], y: list[Tensor], names: list[str]):
        names.append("pool")
        x.append(max_pool2d(x[-1], kernel_size=1, stride=2, padding=0))
        return x, names


class LastLevelP6P7(ExtraFPNBlock):
    """Append ``'p6'`` and ``'p7'`` (RetinaNet): 3×3 stride-2 convolutions, ``p7`` on ``relu(p6)``.

    ``p6`` reads the last output when ``in_channels == out_channels`` (``use_P5``), else the last input.

    Args:
        in_channels: channels of the map ``p6`` reads.
        out_channels: channels of ``p6`` and ``p7``.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.p6 = Conv2d(in_channels, out_channels, 3, 2, 1)
        self.p7 = Conv2d(out_channels, out_channels, 3, 2, 1)
        for module in (self.p6, self.p7):
            detection_init(module)
        self.use_P5 = in_channels == out_channels

    def forward(self, p: list[Tensor], c: list[Tensor], names: list[str]):
        p6 = self.p6(p[-1] if self.use_P5 else c[-1])
        p7 = self.p7(relu(p6))
        p.extend([p6, p7])
        names.extend(["p6", "p7"])
        return p, names


class FeaturePyramidNetwork(nn.Module):
    """A feature pyramid on top of a backbone's maps (the module's docstring).

    Args:
        in_channels_list: channels of each input map, shallowest (largest) first.
        out_channels: channels of every output map.
        extra_blocks: an :class:`ExtraFPNBlock` adding levels, or None.
        norm_layer: a norm after each convolution (then without bias), or None.

    Shape: ``forward(x)``: an ordered dict of ``(N, C_i, H_i, W_i)`` → an ordered dict of
    ``(N, out_channels, H_i, W_i)`` under the same names, then the extra block's.

    Example:
        >>> import tt_autograd
        >>> fpn = FeaturePyramidNetwork([4, 8], 6, extra_blocks=LastLevelMaxPool())
        >>> maps = OrderedDict(c2=tt_autograd.zeros(1, 4, 8, 8), c3=tt_autograd.zeros(1, 8, 4, 4))
        >>> [(name, tuple(v.shape)) for name, v in fpn(maps).items()]
        [('c2', (1, 6, 8, 8)), ('c3', (1, 6, 4, 4)), ('pool', (1, 6, 2, 2))]
    """

    _version = 2

    def __init__(
        self,
        in_channels_list: list[int],
        out_channels: int,
        extra_blocks: ExtraFPNBlock | None = None,
        norm_layer: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__()
        self.inner_blocks = nn.ModuleList()
        self.layer_blocks = nn.ModuleList()
        for in_channels in in_channels_list:
            if in_channels == 0:
                raise ValueError("FeaturePyramidNetwork: in_channels=0 is not supported (as in torchvision)")
            self.inner_blocks.append(
                Conv2dNormActivation(
                    in_channels,
                    out_channels,
                    kernel_size=1,
                    padding=0,
                    norm_layer=norm_layer,
                    activation_layer=None,
                )
            )
            self.layer_blocks.append(
                Conv2dNormActivation(
                    out_channels, out_channels, kernel_size=3, norm_layer=norm_layer, activation_layer=None
                )
            )
        for module in self.modules():
            if isinstance(module, Conv2d):
                detection_init(module)
        if extra_blocks is not None and not isinstance(extra_blocks, ExtraFPNBlock):
            raise TypeError(
                "FeaturePyramidNetwork: extra_blocks should be of type ExtraFPNBlock (or None), "
                f"not {type(extra_blocks)}"
            )
        self.extra_blocks = extra_blocks
        self.register_load_state_dict_pre_hook(_renamed_version_1_keys)

    def forward(self, x: dict[str, Tensor]) -> dict[str, Tensor]:
        """The pyramid's maps, highest resolution first, under the input's names (then the extra block's)."""
        names, maps = list(x.keys()), list(x.values())
        if len(maps) != len(self.inner_blocks):
            raise ValueError(
                f"FeaturePyramidNetwork: built for {len(self.inner_blocks)} maps, got {len(maps)} ({names})"
            )
        last_inner = self.inner_blocks[-1](maps[-1])
        results = [self.layer_blocks[-1](last_inner)]
        for idx in range(len(maps) - 2, -1, -1):
            lateral = self.inner_blocks[idx](maps[idx])
            last_inner = lateral + interpolate(last_inner, size=tuple(lateral.shape[-2:]), mode="nearest")
            results.insert(0, self.layer_blocks[idx](last_inner))
        if self.extra_blocks is not None:
            results, names = self.extra_blocks(results, maps, names)
        return OrderedDict(zip(names, results))


def _renamed_version_1_keys(module, state_dict, prefix, local_metadata, *rest) -> None:
    """Keys of a state dict saved before the blocks were ``Conv2dNormActivation`` (version 1) renamed:
    ``inner_blocks.{i}.weight`` → ``inner_blocks.{i}.0.weight`` (torchvision's ``_load_from_state_dict``)."""
    version = local_metadata.get("version")
    if version is not None and version >= 2:
        return
    for block in ("inner_blocks", "layer_blocks"):
        for i in range(len(module.inner_blocks)):
            for kind in ("weight", "bias"):
                old = f"{prefix}{block}.{i}.{kind}"
                if old in state_dict:
                    state_dict[f"{prefix}{block}.{i}.0.{kind}"] = state_dict.pop(old)
