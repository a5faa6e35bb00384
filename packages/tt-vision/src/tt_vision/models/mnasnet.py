"""MNASNet (Tan et al., 2019), the B1 variant: torchvision's ``MNASNet`` and ``mnasnet0_5`` .. ``mnasnet1_3``.

A searched mobile network: a stem (3×3 convolution, depthwise-separable 3×3), six stacks
of inverted residuals (1×1 expansion ×3 or ×6, depthwise 3×3 or 5×5, linear 1×1; the
input added when the shape is kept), a 1×1 layer to 1280 channels, mean, dropout,
``Linear``. ``alpha`` scales every width but the last, rounded to a multiple of 8 (the
MobileNets' rule, :func:`tt_vision.models.builders.make_divisible`). Batch norms use
momentum ``1 - 0.9997`` (the paper's TensorFlow decay).

Differences from torchvision: a state dict saved by torchvision's first MNASNet version
(``_version`` 1, a fixed 32/16 stem for every ``alpha``) is not converted: torchvision reads
the version from the state dict's metadata, which TinyTorch's state dicts do not carry.

Example:
    >>> import tt_autograd
    >>> tuple(mnasnet0_5(num_classes=10)(tt_autograd.randn(2, 3, 32, 32)).shape)
    (2, 10)
"""

from __future__ import annotations

import tt_nn as nn
from tt_nn import init

from ..layers import BatchNorm2d, Conv2d
from .builders import make_divisible, refuse_weights, register_model

__all__ = ["MNASNet", "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3"]

#: The batch norms' momentum: the paper's TensorFlow decay 0.9997 as PyTorch's momentum.
_BN_MOMENTUM = 1 - 0.9997


class _InvertedResidual(nn.Module):
    """1×1 expansion ×``expansion_factor``, depthwise ``kernel_size``, linear 1×1; + input if shapes match.

    Shape:
        ``(N, in_ch, H, W)`` to ``(N, out_ch, ⌊(H - 1) / stride⌋ + 1, ⌊(W - 1) / stride⌋ + 1)``.
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel_size: int,
        stride: int,
        expansion_factor: int,
        bn_momentum: float = 0.1,
    ) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride should be 1 or 2 instead of {stride}")
        if kernel_size not in (3, 5):
            raise ValueError(f"kernel_size should be 3 or 5 instead of {kernel_size}")
        mid_ch = in_ch * expansion_factor
        self.apply_residual = in_ch == out_ch and stride == 1
        self.layers = nn.Sequential(
            Conv2d(in_ch, mid_ch, 1, bias=False),
            BatchNorm2d(mid_ch, momentum=bn_momentum),
            nn.ReLU(inplace=True),
            Conv2d(
                mid_ch,
                mid_ch,
                kernel_size,
                padding=kernel_size // 2,
                stride=stride,
                groups=mid_ch,
                bias=False,
            ),
            BatchNorm2d(mid_ch, momentum=bn_momentum),
            nn.ReLU(inplace=True),
            Conv2d(mid_ch, out_ch, 1, bias=False),
            BatchNorm2d(out_ch, momentum=bn_momentum),
        )

    def forward(self, input):  # noqa: A002  (torchvision's argument name)
        return self.layers(input) + input if self.apply_residual else self.layers(input)


def _stack(
    in_ch: int, out_ch: int, kernel_size: int, stride: int, exp_factor: int, repeats: int, bn_momentum: float
) -> nn.Sequential:
    """``repeats`` inverted residuals; only the first changes channels and size (so it has no skip)."""
    if repeats < 1:
        raise ValueError(f"repeats should be >= 1, instead got {repeats}")
    first = _InvertedResidual(in_ch, out_ch, kernel_size, stride, exp_factor, bn_momentum=bn_momentum)
    rest = [
        _InvertedResidual(out_ch, out_ch, kernel_size, 1, exp_factor, bn_momentum=bn_momentum)
        for _ in range(1, repeats)
    ]
    return nn.Sequential(first, *rest)


def _get_depths(alpha: float) -> list[int]:
    """The eight widths (stem, stem output, six stacks) scaled by ``alpha``, rounded to multiples of 8."""
    return [make_divisible(depth * alpha, 8) for depth in (32, 16, 24, 40, 80, 96, 192, 320)]


class MNASNet(nn.Module):
    """MNASNet-B1: ``layers`` (stem, six stacks, 1×1 to 1280) then ``classifier`` (dropout, ``Linear``).

    Args:
        alpha: the width multiplier (> 0).
        num_classes: outputs (default 1000).
        dropout: probability of the classifier's ``Dropout`` (default 0.2).

    Initialisation (torchvision's): convolutions ``kaiming_normal_(mode="fan_out",
    nonlinearity="relu")``, batch norms weight 1 and bias 0, the ``Linear``
    ``kaiming_uniform_(mode="fan_out", nonlinearity="sigmoid")`` (bound ``√(3 / out_features)``)
    with bias 0.

    Shape:
        input ``(N, 3, H, W)``, output ``(N, num_classes)``.

    Cost:
        ``alpha=1``: 0.31 GFLOPs at 224×224, 4,383,312 parameters (torchvision's figures).
    """

    _version = 2

    def __init__(self, alpha: float, num_classes: int = 1000, dropout: float = 0.2) -> None:
        super().__init__()
        if alpha <= 0.0:
            raise ValueError(f"alpha should be greater than 0.0 instead of {alpha}")
        self.alpha = alpha
        self.num_classes = num_classes
        depths = _get_depths(alpha)
        m = _BN_MOMENTUM
        self.layers = nn.Sequential(
            Conv2d(3, depths[0], 3, padding=1, stride=2, bias=False),
            BatchNorm2d(depths[0], momentum=m),
            nn.ReLU(inplace=True),
            Conv2d(depths[0], depths[0], 3, padding=1, stride=1, groups=depths[0], bias=False),
            BatchNorm2d(depths[0], momentum=m),
            nn.ReLU(inplace=True),
            Conv2d(depths[0], depths[1], 1, padding=0, stride=1, bias=False),
            BatchNorm2d(depths[1], momentum=m),
            _stack(depths[1], depths[2], 3, 2, 3, 3, m),
            _stack(depths[2], depths[3], 5, 2, 3, 3, m),
            _stack(depths[3], depths[4], 5, 2, 6, 3, m),
            _stack(depths[4], depths[5], 3, 1, 6, 2, m),
            _stack(depths[5], depths[6], 5, 2, 6, 4, m),
            _stack(depths[6], depths[7], 3, 1, 6, 1, m),
            Conv2d(depths[7], 1280, 1, padding=0, stride=1, bias=False),
            BatchNorm2d(1280, momentum=m),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True), nn.Linear(1280, num_classes))
        for module in self.modules():
            if isinstance(module, Conv2d):
                init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                if module.bias is not None:
                    init.zeros_(module.bias)
            elif isinstance(module, BatchNorm2d):
                init.ones_(module.weight)
                init.zeros_(module.bias)
            elif isinstance(module, nn.Linear):
                init.kaiming_uniform_(module.weight, mode="fan_out", nonlinearity="sigmoid")
                init.zeros_(module.bias)

    def forward(self, x):
        return self.classifier(self.layers(x).mean([2, 3]))


def _mnasnet(name: str, alpha: float, weights, **kwargs) -> MNASNet:
    refuse_weights(name, weights, kwargs)
    return MNASNet(alpha, **kwargs)


@register_model()
def mnasnet0_5(*, weights=None, progress: bool = True, **kwargs) -> MNASNet:
    """MNASNet with ``alpha=0.5``, 2,218,512 parameters.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: :class:`MNASNet`'s other arguments (``num_classes``, ``dropout``).
    """
    return _mnasnet("mnasnet0_5", 0.5, weights, **kwargs)


@register_model()
def mnasnet0_75(*, weights=None, progress: bool = True, **kwargs) -> MNASNet:
    """MNASNet with ``alpha=0.75``, 3,170,208 parameters; as :func:`mnasnet0_5`."""
    return _mnasnet("mnasnet0_75", 0.75, weights, **kwargs)


@register_model()
def mnasnet1_0(*, weights=None, progress: bool = True, **kwargs) -> MNASNet:
    """MNASNet with ``alpha=1.0``, 4,383,312 parameters; as :func:`mnasnet0_5`."""
    return _mnasnet("mnasnet1_0", 1.0, weights, **kwargs)


@register_model()
def mnasnet1_3(*, weights=None, progress: bool = True, **kwargs) -> MNASNet:
    """MNASNet with ``alpha=1.3``, 6,282,256 parameters; as :func:`mnasnet0_5`."""
    return _mnasnet("mnasnet1_3", 1.3, weights, **kwargs)
