"""ResNet, ResNeXt and Wide ResNet: torchvision's ``resnet*``, ``resnext*`` and ``wide_resnet*`` builders.

A ResNet is a 7×7 stem (conv, batch norm, ReLU, 3×3 max pool), four stages of residual
blocks (``layer1`` .. ``layer4``, 64/128/256/512 planes, each after the first halving the
size), a global average and one ``Linear``. A block adds its input (``downsample``'d when
the shape changes) to the output of its convolutions: :class:`BasicBlock` (two 3×3, for
depths 18/34) or :class:`Bottleneck` (1×1 down, 3×3, 1×1 up ×4, for 50/101/152; the stride
sits on the 3×3, torchvision's "v1.5"). ResNeXt gives the 3×3 ``groups``; Wide ResNet
doubles its width. Module names, indices and parameter initialisation are torchvision's,
so a state dict converted from torchvision loads with ``strict=True``.

Example:
    >>> import tt_autograd
    >>> model = resnet18(num_classes=10)
    >>> tuple(model(tt_autograd.randn(2, 3, 32, 32)).shape)
    (2, 10)
"""

from __future__ import annotations

from collections.abc import Callable

import tt_autograd
import tt_nn as nn
from tt_nn import init

from ..layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, MaxPool2d
from .builders import overwrite_named_param, refuse_weights, register_model

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "ResNet",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "resnext50_32x4d",
    "resnext101_32x8d",
    "resnext101_64x4d",
    "wide_resnet50_2",
    "wide_resnet101_2",
]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> Conv2d:
    """A 3×3 convolution without bias, padded to keep the size at stride 1."""
    return Conv2d(
        in_planes,
        out_planes,
        3,
        stride=stride,
        padding=dilation,
        groups=groups,
        bias=False,
        dilation=dilation,
    )


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> Conv2d:
    """A 1×1 convolution without bias."""
    return Conv2d(in_planes, out_planes, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3×3 conv-batch-norm layers and a shortcut: ``relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))``.

    Args:
        inplanes: input channels.
        planes: output channels (``expansion = 1``).
        stride: the first convolution's stride.
        downsample: the shortcut's module when the shape changes (else the identity).
        groups, base_width: must be 1 and 64 (ResNeXt and wide blocks are :class:`Bottleneck`\\ s).
        dilation: must be 1.
        norm_layer: the norm class (default ``BatchNorm2d``).

    Shape:
        ``(N, inplanes, H, W)`` to ``(N, planes, ceil(H / stride), ceil(W / stride))``.
    """

    expansion: int = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        base_width: int = 64,
        dilation: int = 1,
        norm_layer: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError(
                f"BasicBlock only supports groups=1 and base_width=64 (got {groups} and {base_width}); "
                "grouped or wider ResNets use Bottleneck (resnet50 and deeper)"
            )
        if dilation > 1:
            raise NotImplementedError(
                f"Dilation > 1 not supported in BasicBlock (got {dilation}); replace_stride_with_dilation "
                "needs Bottleneck blocks (resnet50 and deeper)"
            )
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1×1 (reduce) → 3×3 (stride, groups) → 1×1 (expand ×4), each batch-normed, plus a shortcut.

    The 3×3 carries the stride (torchvision's ResNet v1.5) and has
    ``width = int(planes · base_width / 64) · groups`` channels.

    Args:
        inplanes: input channels.
        planes: the bottleneck's base channels; the output has ``planes · 4``.
        stride: the 3×3 convolution's stride.
        downsample: the shortcut's module when the shape changes (else the identity).
        groups: groups of the 3×3 convolution (ResNeXt's cardinality).
        base_width: channels per group at 64 planes (ResNeXt's width; 128 in Wide ResNet).
        dilation: the 3×3 convolution's dilation.
        norm_layer: the norm class (default ``BatchNorm2d``).

    Shape:
        ``(N, inplanes, H, W)`` to ``(N, 4 · planes, ceil(H / stride), ceil(W / stride))``.
    """

    expansion: int = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        base_width: int = 64,
        dilation: int = 1,
        norm_layer: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    """A residual network of ``block``\\ s: stem, four stages of ``layers[i]`` blocks, average, ``fc``.

    Args:
        block: :class:`BasicBlock` or :class:`Bottleneck`.
        layers: blocks per stage, four ints (``[2, 2, 2, 2]`` is ResNet-18).
        num_classes: outputs of ``fc`` (default 1000).
        zero_init_residual: start each block's last batch-norm scale at 0, so every block
            begins as the identity (Goyal et al., 2017).
        groups: groups of the bottlenecks' 3×3 convolutions (ResNeXt).
        width_per_group: channels per group at 64 planes (64; 4 or 8 for ResNeXt, 128 for Wide ResNet).
        replace_stride_with_dilation: three booleans: stages 2-4 keep the size and dilate instead
            of striding (for dense prediction; needs :class:`Bottleneck`).
        norm_layer: the norm class (default ``BatchNorm2d``), called with the channel count.

    Initialisation (torchvision's): convolutions ``kaiming_normal_(mode="fan_out", nonlinearity="relu")``;
    batch (and group) norms weight 1, bias 0; ``fc`` keeps ``Linear``'s default.

    Shape:
        input ``(N, 3, H, W)``, output ``(N, num_classes)``; any size reaching at least 1×1
        after the stride-32 trunk (32×32 CIFAR images give a 1×1 map).

    Cost:
        ResNet-18 at 224×224: 1.8 GFLOPs and 11.7 M parameters (torchvision's figures).
    """

    def __init__(
        self,
        block: type[BasicBlock] | type[Bottleneck],
        layers: list[int],
        num_classes: int = 1000,
        zero_init_residual: bool = False,
        groups: int = 1,
        width_per_group: int = 64,
        replace_stride_with_dilation: list[bool] | None = None,
        norm_layer: Callable[..., nn.Module] | None = None,
    ) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError(
                "replace_stride_with_dilation should be None or a 3-element tuple, "
                f"got {replace_stride_with_dilation}"
            )
        if len(layers) != 4:
            raise ValueError(f"ResNet: layers should list the blocks of 4 stages, got {layers}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(
            block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0]
        )
        self.layer3 = self._make_layer(
            block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1]
        )
        self.layer4 = self._make_layer(
            block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2]
        )
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        for module in self.modules():
            if isinstance(module, Conv2d):
                init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, (BatchNorm2d, nn.GroupNorm)):
                init.constant_(module.weight, 1)
                init.constant_(module.bias, 0)
        if zero_init_residual:
            for module in self.modules():
                if isinstance(module, Bottleneck) and module.bn3.weight is not None:
                    init.constant_(module.bn3.weight, 0)
                elif isinstance(module, BasicBlock) and module.bn2.weight is not None:
                    init.constant_(module.bn2.weight, 0)

    def _make_layer(
        self, block, planes: int, blocks: int, stride: int = 1, dilate: bool = False
    ) -> nn.Sequential:
        """One stage: a first block that changes stride or width (with a 1×1 ``downsample`` shortcut),
        then ``blocks - 1`` more."""
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride), norm_layer(planes * block.expansion)
            )
        stage = [
            block(
                self.inplanes,
                planes,
                stride,
                downsample,
                self.groups,
                self.base_width,
                previous_dilation,
                norm_layer,
            )
        ]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            stage.append(
                block(
                    self.inplanes,
                    planes,
                    groups=self.groups,
                    base_width=self.base_width,
                    dilation=self.dilation,
                    norm_layer=norm_layer,
                )
            )
        return nn.Sequential(*stage)

    def _forward_impl(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(tt_autograd.flatten(self.avgpool(x), 1))

    def forward(self, x):
        return self._forward_impl(x)


def _resnet(name: str, block, layers: list[int], weights, progress: bool, **kwargs) -> ResNet:
    refuse_weights(name, weights, kwargs)
    return ResNet(block, layers, **kwargs)


@register_model()
def resnet18(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNet-18 (He et al., 2015): :class:`BasicBlock` × ``[2, 2, 2, 2]``, 11,689,512 parameters.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: :class:`ResNet`'s arguments (``num_classes``, ``zero_init_residual``, ``norm_layer``, ...).
    """
    return _resnet("resnet18", BasicBlock, [2, 2, 2, 2], weights, progress, **kwargs)


@register_model()
def resnet34(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNet-34: :class:`BasicBlock` × ``[3, 4, 6, 3]``, 21,797,672 parameters; as :func:`resnet18`."""
    return _resnet("resnet34", BasicBlock, [3, 4, 6, 3], weights, progress, **kwargs)


@register_model()
def resnet50(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNet-50: :class:`Bottleneck` × ``[3, 4, 6, 3]``, 25,557,032 parameters; as :func:`resnet18`."""
    return _resnet("resnet50", Bottleneck, [3, 4, 6, 3], weights, progress, **kwargs)


@register_model()
def resnet101(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNet-101: :class:`Bottleneck` × ``[3, 4, 23, 3]``, 44,549,160 parameters; as :func:`resnet18`."""
    return _resnet("resnet101", Bottleneck, [3, 4, 23, 3], weights, progress, **kwargs)


@register_model()
def resnet152(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNet-152: :class:`Bottleneck` × ``[3, 8, 36, 3]``, 60,192,808 parameters; as :func:`resnet18`."""
    return _resnet("resnet152", Bottleneck, [3, 8, 36, 3], weights, progress, **kwargs)


def _fixed(kwargs: dict, **fixed) -> dict:
    for param, value in fixed.items():
        overwrite_named_param(kwargs, param, value)
    return kwargs


@register_model()
def resnext50_32x4d(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNeXt-50 32×4d (Xie et al., 2016): ResNet-50 and ``groups=32, width_per_group=4``; 25,028,904 params.

    ``groups`` and ``width_per_group`` are fixed: another value is an error. Others as :func:`resnet18`.
    """
    kwargs = _fixed(kwargs, groups=32, width_per_group=4)
    return _resnet("resnext50_32x4d", Bottleneck, [3, 4, 6, 3], weights, progress, **kwargs)


@register_model()
def resnext101_32x8d(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNeXt-101 32×8d: ``[3, 4, 23, 3]`` blocks, ``groups=32, width_per_group=8``; 88,791,336 params."""
    kwargs = _fixed(kwargs, groups=32, width_per_group=8)
    return _resnet("resnext101_32x8d", Bottleneck, [3, 4, 23, 3], weights, progress, **kwargs)


@register_model()
def resnext101_64x4d(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """ResNeXt-101 64×4d: ``[3, 4, 23, 3]`` blocks, ``groups=64, width_per_group=4``; 83,455,272 params."""
    kwargs = _fixed(kwargs, groups=64, width_per_group=4)
    return _resnet("resnext101_64x4d", Bottleneck, [3, 4, 23, 3], weights, progress, **kwargs)


@register_model()
def wide_resnet50_2(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """Wide ResNet-50-2 (Zagoruyko, Komodakis): ResNet-50, ``width_per_group=128``; 68,883,240 params."""
    kwargs = _fixed(kwargs, width_per_group=128)
    return _resnet("wide_resnet50_2", Bottleneck, [3, 4, 6, 3], weights, progress, **kwargs)


@register_model()
def wide_resnet101_2(*, weights=None, progress: bool = True, **kwargs) -> ResNet:
    """Wide ResNet-101-2: ``[3, 4, 23, 3]`` bottlenecks, ``width_per_group=128``; 126,886,696 parameters."""
    kwargs = _fixed(kwargs, width_per_group=128)
    return _resnet("wide_resnet101_2", Bottleneck, [3, 4, 23, 3], weights, progress, **kwargs)
