"""DenseNet-BC (Huang et al., 2017): torchvision's ``DenseNet`` and ``densenet121`` .. ``densenet201``.

Inside a dense block every layer sees the concatenation of the block's input and all the
earlier layers' outputs, and adds ``growth_rate`` channels of its own (batch norm, ReLU,
a 1×1 "bottleneck" to ``bn_size · growth_rate`` channels, batch norm, ReLU, a 3×3
convolution). Between blocks a transition (batch norm, ReLU, 1×1 convolution halving the
channels, 2×2 average pool) halves the size. Module names (``features.denseblock1.denselayer1.norm1``
...), state-dict keys and initialisation are torchvision's.

Example:
    >>> import tt_autograd
    >>> tuple(densenet121(num_classes=10)(tt_autograd.randn(2, 3, 32, 32)).shape)
    (2, 10)
"""

from __future__ import annotations

from collections import OrderedDict

import tt_autograd
import tt_nn as nn
from tt_autograd.checkpoint import checkpoint
from tt_nn import init

from .. import functional as F
from ..layers import AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d
from .builders import refuse_weights, register_model

__all__ = ["DenseNet", "densenet121", "densenet161", "densenet169", "densenet201"]


class _DenseLayer(nn.Module):
    """``conv2(relu2(norm2(conv1(relu1(norm1(cat(inputs)))))))``: ``growth_rate`` new channels.

    Args:
        num_input_features: channels of the concatenated inputs.
        growth_rate: output channels.
        bn_size: the bottleneck has ``bn_size · growth_rate`` channels.
        drop_rate: dropout probability on the output (training mode only).
        memory_efficient: recompute the concatenation and bottleneck in backward
            (:func:`tt_autograd.checkpoint.checkpoint`) instead of keeping them.

    Shape:
        a tensor or a list of tensors ``(N, C_i, H, W)`` with ``Σ C_i = num_input_features``,
        to ``(N, growth_rate, H, W)``.
    """

    def __init__(
        self,
        num_input_features: int,
        growth_rate: int,
        bn_size: int,
        drop_rate: float,
        memory_efficient: bool = False,
    ) -> None:
        super().__init__()
        self.norm1 = BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1, bias=False)
        self.norm2 = BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = Conv2d(
            bn_size * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False
        )
        self.drop_rate = float(drop_rate)
        self.memory_efficient = memory_efficient

    def bn_function(self, inputs) -> tt_autograd.Tensor:
        """The bottleneck: ``conv1(relu1(norm1(cat(inputs, 1))))``."""
        return self.conv1(self.relu1(self.norm1(tt_autograd.cat(list(inputs), 1))))

    def forward(self, input):  # noqa: A002  (torchvision's argument name)
        inputs = [input] if isinstance(input, tt_autograd.Tensor) else list(input)
        if self.memory_efficient and any(t.requires_grad for t in inputs):
            bottleneck = checkpoint(lambda *xs: self.bn_function(xs), *inputs, use_reentrant=False)
        else:
            bottleneck = self.bn_function(inputs)
        new_features = self.conv2(self.relu2(self.norm2(bottleneck)))
        if self.drop_rate > 0:
            new_features = nn.functional.dropout(new_features, p=self.drop_rate, training=self.training)
        return new_features


class _DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers (``denselayer1`` ...), each fed every earlier output.

    Shape:
        ``(N, C, H, W)`` to ``(N, C + num_layers · growth_rate, H, W)``.
    """

    def __init__(
        self,
        num_layers: int,
        num_input_features: int,
        bn_size: int,
        growth_rate: int,
        drop_rate: float,
        memory_efficient: bool = False,
    ) -> None:
        super().__init__()
        for i in range(num_layers):
            layer = _DenseLayer(
                num_input_features + i * growth_rate,
                growth_rate=growth_rate,
                bn_size=bn_size,
                drop_rate=drop_rate,
                memory_efficient=memory_efficient,
            )
            self.add_module(f"denselayer{i + 1}", layer)

    def forward(self, init_features):
        features = [init_features]
        for layer in self.values():
            features.append(layer(features))
        return tt_autograd.cat(features, 1)


class _Transition(nn.Sequential):
    """Batch norm, ReLU, 1×1 convolution to ``num_output_features``, 2×2 average pool (halves H and W)."""

    def __init__(self, num_input_features: int, num_output_features: int) -> None:
        super().__init__()
        self.norm = BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1, bias=False)
        self.pool = AvgPool2d(kernel_size=2, stride=2)


class DenseNet(nn.Module):
    """DenseNet-BC: 7×7 stem, dense blocks joined by halving transitions, norm, ReLU, average, ``Linear``.

    Args:
        growth_rate: channels each dense layer adds (``k`` in the paper; default 32).
        block_config: layers in each dense block (default ``(6, 12, 24, 16)``, DenseNet-121).
        num_init_features: channels of the stem convolution (default 64).
        bn_size: a bottleneck has ``bn_size · growth_rate`` channels (default 4).
        drop_rate: dropout after each dense layer (default 0).
        num_classes: outputs (default 1000).
        memory_efficient: checkpoint each layer's concatenation and bottleneck (recomputed in
            backward: less memory, one more bottleneck forward per layer), as torchvision's;
            in training mode the recomputation updates those batch norms' running statistics
            a second time, as in PyTorch.

    Initialisation (torchvision's): convolutions ``kaiming_normal_`` (fan in, gain √2), batch
    norms weight 1 and bias 0, the ``Linear``'s bias 0 (its weight keeps ``Linear``'s default).

    Shape:
        input ``(N, 3, H, W)`` (``H, W ≥ 29`` for four blocks), output ``(N, num_classes)``.

    Cost:
        DenseNet-121: 2.83 GFLOPs at 224×224, 7,978,856 parameters (torchvision's figures).
    """

    def __init__(
        self,
        growth_rate: int = 32,
        block_config: tuple[int, ...] = (6, 12, 24, 16),
        num_init_features: int = 64,
        bn_size: int = 4,
        drop_rate: float = 0,
        num_classes: int = 1000,
        memory_efficient: bool = False,
    ) -> None:
        super().__init__()
        self.features = nn.Sequential(
            OrderedDict(
                [
                    ("conv0", Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),
                    ("norm0", BatchNorm2d(num_init_features)),
                    ("relu0", nn.ReLU(inplace=True)),
                    ("pool0", MaxPool2d(kernel_size=3, stride=2, padding=1)),
                ]
            )
        )
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            block = _DenseBlock(
                num_layers=num_layers,
                num_input_features=num_features,
                bn_size=bn_size,
                growth_rate=growth_rate,
                drop_rate=drop_rate,
                memory_efficient=memory_efficient,
            )
            self.features.add_module(f"denseblock{i + 1}", block)
            num_features += num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module(f"transition{i + 1}", _Transition(num_features, num_features // 2))
                num_features //= 2
        self.features.add_module("norm5", BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)
        for module in self.modules():
            if isinstance(module, Conv2d):
                init.kaiming_normal_(module.weight)
            elif isinstance(module, BatchNorm2d):
                init.constant_(module.weight, 1)
                init.constant_(module.bias, 0)
            elif isinstance(module, nn.Linear):
                init.constant_(module.bias, 0)

    def forward(self, x):
        out = nn.functional.relu(self.features(x), inplace=True)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        return self.classifier(tt_autograd.flatten(out, 1))


def _densenet(
    name: str, growth_rate: int, block_config: tuple[int, ...], num_init_features: int, weights, **kwargs
) -> DenseNet:
    refuse_weights(name, weights, kwargs)
    return DenseNet(growth_rate, block_config, num_init_features, **kwargs)


@register_model()
def densenet121(*, weights=None, progress: bool = True, **kwargs) -> DenseNet:
    """DenseNet-121 (growth 32, blocks 6/12/24/16, stem 64), 7,978,856 parameters.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: :class:`DenseNet`'s other arguments (``num_classes``, ``drop_rate``,
            ``memory_efficient``, ...).
    """
    return _densenet("densenet121", 32, (6, 12, 24, 16), 64, weights, **kwargs)


@register_model()
def densenet161(*, weights=None, progress: bool = True, **kwargs) -> DenseNet:
    """DenseNet-161 (growth 48, blocks 6/12/36/24, stem 96), 28,681,000 parameters; as :func:`densenet121`."""
    return _densenet("densenet161", 48, (6, 12, 36, 24), 96, weights, **kwargs)


@register_model()
def densenet169(*, weights=None, progress: bool = True, **kwargs) -> DenseNet:
    """DenseNet-169 (growth 32, blocks 6/12/32/32, stem 64), 14,149,480 parameters; as :func:`densenet121`."""
    return _densenet("densenet169", 32, (6, 12, 32, 32), 64, weights, **kwargs)


@register_model()
def densenet201(*, weights=None, progress: bool = True, **kwargs) -> DenseNet:
    """DenseNet-201 (growth 32, blocks 6/12/48/32, stem 64), 20,013,928 parameters; as :func:`densenet121`."""
    return _densenet("densenet201", 32, (6, 12, 48, 32), 64, weights, **kwargs)
