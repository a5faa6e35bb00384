"""ShuffleNet V2 (Ma et al., 2018): torchvision's ``ShuffleNetV2`` and ``shufflenet_v2_x0_5`` .. ``x2_0``.

Each :class:`InvertedResidual` block works on two halves of the channels: at stride 1 the
first half passes through untouched and the second goes through a 1×1 / depthwise 3×3 /
1×1 branch; at stride 2 both branches see the whole input and each gives half the output.
The halves are concatenated and :func:`channel_shuffle` (2 groups) interleaves them, so the
next block's split mixes information from both. Module names and state-dict keys are
torchvision's; like torchvision, the model keeps PyTorch's default layer initialisation.

Example:
    >>> import tt_autograd
    >>> tuple(shufflenet_v2_x0_5(num_classes=10)(tt_autograd.randn(2, 3, 32, 32)).shape)
    (2, 10)
"""

from __future__ import annotations

from collections.abc import Callable

import tt_autograd
import tt_nn as nn

from ..channel_shuffle import channel_shuffle
from ..layers import BatchNorm2d, Conv2d, MaxPool2d
from .builders import refuse_weights, register_model

__all__ = [
    "InvertedResidual",
    "ShuffleNetV2",
    "channel_shuffle",
    "shufflenet_v2_x0_5",
    "shufflenet_v2_x1_0",
    "shufflenet_v2_x1_5",
    "shufflenet_v2_x2_0",
]


class InvertedResidual(nn.Module):
    """ShuffleNet V2's unit: split (stride 1) or duplicate (stride 2), two branches, concatenate, shuffle.

    Args:
        inp: input channels.
        oup: output channels (even; each branch gives ``oup // 2``).
        stride: the depthwise convolutions' stride, 1 to 3; at 1, ``inp`` must equal ``oup``.

    Attributes:
        branch1: depthwise 3×3, batch norm, 1×1, batch norm, ReLU (empty at stride 1).
        branch2: 1×1, batch norm, ReLU, depthwise 3×3, batch norm, 1×1, batch norm, ReLU.

    Shape:
        ``(N, inp, H, W)`` to ``(N, oup, ⌊(H - 1) / stride⌋ + 1, ⌊(W - 1) / stride⌋ + 1)``.
    """

    def __init__(self, inp: int, oup: int, stride: int) -> None:
        super().__init__()
        if not 1 <= stride <= 3:
            raise ValueError(f"InvertedResidual: illegal stride value {stride} (1, 2 or 3 expected)")
        self.stride = stride
        branch_features = oup // 2
        if stride == 1 and inp != branch_features * 2:
            raise ValueError(
                f"Invalid combination of stride {stride}, inp {inp} and oup {oup} values. "
                "If stride == 1 then inp should be equal to oup // 2 << 1."
            )
        if stride > 1:
            self.branch1 = nn.Sequential(
                self.depthwise_conv(inp, inp, kernel_size=3, stride=stride, padding=1),
                BatchNorm2d(inp),
                Conv2d(inp, branch_features, kernel_size=1, stride=1, padding=0, bias=False),
                BatchNorm2d(branch_features),
                nn.ReLU(inplace=True),
            )
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            Conv2d(inp if stride > 1 else branch_features, branch_features, kernel_size=1, bias=False),
            BatchNorm2d(branch_features),
            nn.ReLU(inplace=True),
            self.depthwise_conv(branch_features, branch_features, kernel_size=3, stride=stride, padding=1),
            BatchNorm2d(branch_features),
            Conv2d(branch_features, branch_features, kernel_size=1, stride=1, padding=0, bias=False),
            BatchNorm2d(branch_features),
            nn.ReLU(inplace=True),
        )

    @staticmethod
    def depthwise_conv(
        i: int, o: int, kernel_size: int, stride: int = 1, padding: int = 0, bias: bool = False
    ):
        """A depthwise convolution (``groups=i``)."""
        return Conv2d(i, o, kernel_size, stride, padding, bias=bias, groups=i)

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = tt_autograd.cat([x1, self.branch2(x2)], 1)
        else:
            out = tt_autograd.cat([self.branch1(x), self.branch2(x)], 1)
        return channel_shuffle(out, 2)


class ShuffleNetV2(nn.Module):
    """ShuffleNet V2: 3×3 stem, max pool, three :class:`InvertedResidual` stages, 1×1 ``conv5``, mean, ``fc``.

    Args:
        stages_repeats: blocks in ``stage2``, ``stage3``, ``stage4`` (three ints; the first of
            each stage has stride 2).
        stages_out_channels: channels of the stem, the three stages and ``conv5`` (five ints).
        num_classes: outputs (default 1000).
        inverted_residual: the block class (default :class:`InvertedResidual`).

    Initialisation: the layers' defaults (PyTorch's), as torchvision's.

    Shape:
        input ``(N, 3, H, W)``, output ``(N, num_classes)``.

    Cost:
        x1_0: 0.14 GFLOPs at 224×224, 2,278,604 parameters (torchvision's figures).
    """

    def __init__(
        self,
        stages_repeats: list[int],
        stages_out_channels: list[int],
        num_classes: int = 1000,
        inverted_residual: Callable[..., nn.Module] = InvertedResidual,
    ) -> None:
        super().__init__()
        if len(stages_repeats) != 3:
            raise ValueError(f"expected stages_repeats as list of 3 positive ints, got {stages_repeats}")
        if len(stages_out_channels) != 5:
            raise ValueError(
                f"expected stages_out_channels as list of 5 positive ints, got {stages_out_channels}"
            )
        self._stage_out_channels = stages_out_channels
        input_channels = stages_out_channels[0]
        self.conv1 = nn.Sequential(
            Conv2d(3, input_channels, 3, 2, 1, bias=False), BatchNorm2d(input_channels), nn.ReLU(inplace=True)
        )
        self.maxpool = MaxPool2d(kernel_size=3, stride=2, padding=1)
        for name, repeats, output_channels in zip(
            ("stage2", "stage3", "stage4"), stages_repeats, stages_out_channels[1:]
        ):
            blocks = [inverted_residual(input_channels, output_channels, 2)]
            blocks += [inverted_residual(output_channels, output_channels, 1) for _ in range(repeats - 1)]
            setattr(self, name, nn.Sequential(*blocks))
            input_channels = output_channels
        output_channels = stages_out_channels[-1]
        self.conv5 = nn.Sequential(
            Conv2d(input_channels, output_channels, 1, 1, 0, bias=False),
            BatchNorm2d(output_channels),
            nn.ReLU(inplace=True),
        )
        self.fc = nn.Linear(output_channels, num_classes)

    def _forward_impl(self, x):
        x = self.maxpool(self.conv1(x))
        x = self.conv5(self.stage4(self.stage3(self.stage2(x))))
        return self.fc(x.mean([2, 3]))

    def forward(self, x):
        return self._forward_impl(x)


def _shufflenetv2(name: str, weights, repeats: list[int], channels: list[int], **kwargs) -> ShuffleNetV2:
    refuse_weights(name, weights, kwargs)
    return ShuffleNetV2(repeats, channels, **kwargs)


@register_model()
def shufflenet_v2_x0_5(*, weights=None, progress: bool = True, **kwargs) -> ShuffleNetV2:
    """ShuffleNet V2 with 0.5× output channels (24, 48, 96, 192, 1024), 1,366,792 parameters.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: :class:`ShuffleNetV2`'s other arguments (``num_classes``, ``inverted_residual``).
    """
    return _shufflenetv2("shufflenet_v2_x0_5", weights, [4, 8, 4], [24, 48, 96, 192, 1024], **kwargs)


@register_model()
def shufflenet_v2_x1_0(*, weights=None, progress: bool = True, **kwargs) -> ShuffleNetV2:
    """ShuffleNet V2 1× (24, 116, 232, 464, 1024), 2,278,604 parameters; as :func:`shufflenet_v2_x0_5`."""
    return _shufflenetv2("shufflenet_v2_x1_0", weights, [4, 8, 4], [24, 116, 232, 464, 1024], **kwargs)


@register_model()
def shufflenet_v2_x1_5(*, weights=None, progress: bool = True, **kwargs) -> ShuffleNetV2:
    """ShuffleNet V2 1.5× (24, 176, 352, 704, 1024), 3,503,624 parameters; as :func:`shufflenet_v2_x0_5`."""
    return _shufflenetv2("shufflenet_v2_x1_5", weights, [4, 8, 4], [24, 176, 352, 704, 1024], **kwargs)


@register_model()
def shufflenet_v2_x2_0(*, weights=None, progress: bool = True, **kwargs) -> ShuffleNetV2:
    """ShuffleNet V2 2× (24, 244, 488, 976, 2048), 7,393,996 parameters; as :func:`shufflenet_v2_x0_5`."""
    return _shufflenetv2("shufflenet_v2_x2_0", weights, [4, 8, 4], [24, 244, 488, 976, 2048], **kwargs)
