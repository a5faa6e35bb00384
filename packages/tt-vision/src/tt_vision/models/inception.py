"""Inception v3 (Szegedy et al., 2016): torchvision's ``Inception3`` and ``inception_v3``.

A stem of five :class:`~tt_vision.models.googlenet.BasicConv2d` layers and two max pools,
then eleven "mixed" modules: three :class:`InceptionA` (1×1, 5×5, double 3×3 and pooled
branches), the grid reduction :class:`InceptionB`, four :class:`InceptionC` (7×7 factorised
into 1×7 and 7×1), the reduction :class:`InceptionD` and two :class:`InceptionE` (3×3 split
into parallel 1×3 and 3×1). In training mode the auxiliary classifier :class:`InceptionAux`
(after ``Mixed_6e``) also gives logits, returned as :data:`InceptionOutputs`. Built for
299×299 input; evaluation needs at least 75×75, a training step with the auxiliary head
at least 299×299 (its 5×5 convolution needs a 17×17 ``Mixed_6e`` map). Module names,
state-dict keys and the per-layer ``stddev`` of the initialisation are torchvision's.

Example:
    >>> import tt_autograd
    >>> model = inception_v3(num_classes=10, init_weights=True).eval()
    >>> tuple(model(tt_autograd.randn(1, 3, 75, 75)).shape)
    (1, 10)
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable

import tt_autograd
import tt_nn as nn

from .. import functional as F
from ..layers import AdaptiveAvgPool2d, MaxPool2d
from .builders import refuse_weights, register_model
from .googlenet import BasicConv2d, init_truncated_normal, transform_input, warn_default_init

__all__ = [
    "Inception3",
    "InceptionA",
    "InceptionAux",
    "InceptionB",
    "InceptionC",
    "InceptionD",
    "InceptionE",
    "InceptionOutputs",
    "inception_v3",
]

#: What an Inception3 with its auxiliary head returns in training mode.
InceptionOutputs = namedtuple("InceptionOutputs", ["logits", "aux_logits"])
_InceptionOutputs = InceptionOutputs  # torchvision's older name


def _pooled(x):
    """The same-size 3×3 average pool (stride 1, padding 1, zeros counted) of the pooled branches."""
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)


class InceptionA(nn.Module):
    """Branches 1×1 (64), 1×1 → 5×5 (64), 1×1 → 3×3 → 3×3 (96), avg pool → 1×1 (``pool_features``).

    Shape:
        ``(N, in_channels, H, W)`` to ``(N, 224 + pool_features, H, W)``.
    """

    def __init__(
        self, in_channels: int, pool_features: int, conv_block: Callable[..., nn.Module] | None = None
    ):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch1x1 = conv_block(in_channels, 64, kernel_size=1)
        self.branch5x5_1 = conv_block(in_channels, 48, kernel_size=1)
        self.branch5x5_2 = conv_block(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = conv_block(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = conv_block(96, 96, kernel_size=3, padding=1)
        self.branch_pool = conv_block(in_channels, pool_features, kernel_size=1)

    def forward(self, x):
        branch5x5 = self.branch5x5_2(self.branch5x5_1(x))
        branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return tt_autograd.cat([self.branch1x1(x), branch5x5, branch3x3dbl, self.branch_pool(_pooled(x))], 1)


class InceptionB(nn.Module):
    """Grid reduction: 3×3 stride 2 (384), 1×1 → 3×3 → 3×3 stride 2 (96), 3×3 max pool stride 2.

    Shape:
        ``(N, C, H, W)`` to ``(N, 480 + C, (H - 3) // 2 + 1, (W - 3) // 2 + 1)``.
    """

    def __init__(self, in_channels: int, conv_block: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch3x3 = conv_block(in_channels, 384, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = conv_block(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = conv_block(96, 96, kernel_size=3, stride=2)

    def forward(self, x):
        branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return tt_autograd.cat([self.branch3x3(x), branch3x3dbl, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionC(nn.Module):
    """Branches 1×1, 1×1 → 1×7 → 7×1, 1×1 → (7×1, 1×7)×2, avg pool → 1×1; 192 channels each.

    Shape:
        ``(N, in_channels, H, W)`` to ``(N, 768, H, W)``.
    """

    def __init__(
        self, in_channels: int, channels_7x7: int, conv_block: Callable[..., nn.Module] | None = None
    ):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        c7 = channels_7x7
        self.branch1x1 = conv_block(in_channels, 192, kernel_size=1)
        self.branch7x7_1 = conv_block(in_channels, c7, kernel_size=1)
        self.branch7x7_2 = conv_block(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = conv_block(c7, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = conv_block(in_channels, c7, kernel_size=1)
        self.branch7x7dbl_2 = conv_block(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = conv_block(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = conv_block(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = conv_block(c7, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = conv_block(in_channels, 192, kernel_size=1)

    def forward(self, x):
        branch7x7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        branch7x7dbl = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            branch7x7dbl = layer(branch7x7dbl)
        return tt_autograd.cat([self.branch1x1(x), branch7x7, branch7x7dbl, self.branch_pool(_pooled(x))], 1)


class InceptionD(nn.Module):
    """Grid reduction: 1×1 → 3×3 stride 2 (320), 1×1 → 1×7 → 7×1 → 3×3 stride 2 (192), 3×3 max pool stride 2.

    Shape:
        ``(N, C, H, W)`` to ``(N, 512 + C, (H - 3) // 2 + 1, (W - 3) // 2 + 1)``.
    """

    def __init__(self, in_channels: int, conv_block: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch3x3_1 = conv_block(in_channels, 192, kernel_size=1)
        self.branch3x3_2 = conv_block(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = conv_block(in_channels, 192, kernel_size=1)
        self.branch7x7x3_2 = conv_block(192, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = conv_block(192, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = conv_block(192, 192, kernel_size=3, stride=2)

    def forward(self, x):
        branch3x3 = self.branch3x3_2(self.branch3x3_1(x))
        branch7x7x3 = self.branch7x7x3_1(x)
        for layer in (self.branch7x7x3_2, self.branch7x7x3_3, self.branch7x7x3_4):
            branch7x7x3 = layer(branch7x7x3)
        return tt_autograd.cat([branch3x3, branch7x7x3, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionE(nn.Module):
    """Branches 1×1 (320), 1×1 → [1×3, 3×1] (768), 1×1 → 3×3 → [1×3, 3×1] (768), avg pool → 1×1 (192).

    Shape:
        ``(N, in_channels, H, W)`` to ``(N, 2048, H, W)``.
    """

    def __init__(self, in_channels: int, conv_block: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.branch1x1 = conv_block(in_channels, 320, kernel_size=1)
        self.branch3x3_1 = conv_block(in_channels, 384, kernel_size=1)
        self.branch3x3_2a = conv_block(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = conv_block(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = conv_block(in_channels, 448, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = conv_block(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = conv_block(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = conv_block(in_channels, 192, kernel_size=1)

    def forward(self, x):
        branch3x3 = self.branch3x3_1(x)
        branch3x3 = tt_autograd.cat([self.branch3x3_2a(branch3x3), self.branch3x3_2b(branch3x3)], 1)
        branch3x3dbl = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        branch3x3dbl = tt_autograd.cat(
            [self.branch3x3dbl_3a(branch3x3dbl), self.branch3x3dbl_3b(branch3x3dbl)], 1
        )
        return tt_autograd.cat([self.branch1x1(x), branch3x3, branch3x3dbl, self.branch_pool(_pooled(x))], 1)


class InceptionAux(nn.Module):
    """Auxiliary classifier: 5×5 average pool stride 3, 1×1 (128), 5×5 (768), global average, ``fc``.

    Its ``conv1`` and ``fc`` carry ``stddev`` 0.01 and 0.001 for :class:`Inception3`'s
    initialisation, as torchvision's; ``conv1`` is a ``BasicConv2d``, which that initialisation
    does not visit (only its inner ``Conv2d``, without the attribute), so only ``fc``'s applies.

    Shape:
        ``(N, in_channels, H, W)`` (``H, W ≥ 17``) to ``(N, num_classes)``.
    """

    def __init__(
        self, in_channels: int, num_classes: int, conv_block: Callable[..., nn.Module] | None = None
    ):
        super().__init__()
        conv_block = conv_block or BasicConv2d
        self.conv0 = conv_block(in_channels, 128, kernel_size=1)
        self.conv1 = conv_block(128, 768, kernel_size=5)
        self.conv1.stddev = 0.01
        self.fc = nn.Linear(768, num_classes)
        self.fc.stddev = 0.001

    def forward(self, x):
        x = self.conv1(self.conv0(F.avg_pool2d(x, kernel_size=5, stride=3)))
        return self.fc(tt_autograd.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1))


class Inception3(nn.Module):
    """Inception v3: stem, ``Mixed_5b`` .. ``Mixed_7c``, average, dropout, ``fc`` (plus ``AuxLogits``).

    Args:
        num_classes: outputs (default 1000).
        aux_logits: build ``AuxLogits`` (default True); in training mode the model then
            returns ``InceptionOutputs(logits, aux_logits)``.
        transform_input: re-normalise ImageNet-normalised input to ``(x - 0.5) / 0.5`` first
            (:func:`tt_vision.models.googlenet.transform_input`; default False).
        inception_blocks: the seven classes ``[conv_block, A, B, C, D, E, aux]``.
        init_weights: True: convolution and ``Linear`` weights ``trunc_normal_(std=s, a=-2, b=2)``
            with ``s`` the module's ``stddev`` attribute (default 0.1), batch norms weight 1,
            bias 0; False: the layers' defaults; None (default): True, with torchvision's
            ``FutureWarning``.
        dropout: before ``fc`` (default 0.5).

    Shape:
        input ``(N, 3, H, W)`` (``H, W ≥ 75``; ≥ 299 in training mode with ``AuxLogits``),
        output ``(N, num_classes)``.

    Cost:
        5.71 GFLOPs at 299×299, 27,161,264 parameters (torchvision's figures, with ``AuxLogits``).
    """

    def __init__(
        self,
        num_classes: int = 1000,
        aux_logits: bool = True,
        transform_input: bool = False,
        inception_blocks: list[Callable[..., nn.Module]] | None = None,
        init_weights: bool | None = None,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        if inception_blocks is None:
            inception_blocks = [
                BasicConv2d,
                InceptionA,
                InceptionB,
                InceptionC,
                InceptionD,
                InceptionE,
                InceptionAux,
            ]
        if init_weights is None:
            warn_default_init("inception_v3")
            init_weights = True
        if len(inception_blocks) != 7:
            raise ValueError(f"length of inception_blocks should be 7 instead of {len(inception_blocks)}")
        conv_block, inception_a, inception_b, inception_c, inception_d, inception_e, inception_aux = (
            inception_blocks
        )
        self.aux_logits = aux_logits
        self.transform_input = transform_input
        self.Conv2d_1a_3x3 = conv_block(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = conv_block(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = conv_block(32, 64, kernel_size=3, padding=1)
        self.maxpool1 = MaxPool2d(kernel_size=3, stride=2)
        self.Conv2d_3b_1x1 = conv_block(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = conv_block(80, 192, kernel_size=3)
        self.maxpool2 = MaxPool2d(kernel_size=3, stride=2)
        self.Mixed_5b = inception_a(192, pool_features=32)
        self.Mixed_5c = inception_a(256, pool_features=64)
        self.Mixed_5d = inception_a(288, pool_features=64)
        self.Mixed_6a = inception_b(288)
        self.Mixed_6b = inception_c(768, channels_7x7=128)
        self.Mixed_6c = inception_c(768, channels_7x7=160)
        self.Mixed_6d = inception_c(768, channels_7x7=160)
        self.Mixed_6e = inception_c(768, channels_7x7=192)
        self.AuxLogits = inception_aux(768, num_classes) if aux_logits else None
        self.Mixed_7a = inception_d(768)
        self.Mixed_7b = inception_e(1280)
        self.Mixed_7c = inception_e(2048)
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(2048, num_classes)
        if init_weights:
            init_truncated_normal(self, 0.1)

    def _transform_input(self, x):
        return transform_input(x) if self.transform_input else x

    def _forward(self, x):
        for layer in (
            self.Conv2d_1a_3x3,
            self.Conv2d_2a_3x3,
            self.Conv2d_2b_3x3,
            self.maxpool1,
            self.Conv2d_3b_1x1,
            self.Conv2d_4a_3x3,
            self.maxpool2,
            self.Mixed_5b,
            self.Mixed_5c,
            self.Mixed_5d,
            self.Mixed_6a,
            self.Mixed_6b,
            self.Mixed_6c,
            self.Mixed_6d,
            self.Mixed_6e,
        ):
            x = layer(x)
        aux = self.AuxLogits(x) if self.AuxLogits is not None and self.training else None
        x = self.avgpool(self.Mixed_7c(self.Mixed_7b(self.Mixed_7a(x))))
        return self.fc(tt_autograd.flatten(self.dropout(x), 1)), aux

    def eager_outputs(self, x, aux):
        """``InceptionOutputs(x, aux)`` in training mode with the auxiliary head, else ``x``."""
        return InceptionOutputs(x, aux) if self.training and self.aux_logits else x

    def forward(self, x):
        return self.eager_outputs(*self._forward(self._transform_input(x)))


@register_model()
def inception_v3(*, weights=None, progress: bool = True, **kwargs) -> Inception3:
    """Inception v3, 27,161,264 parameters (with its auxiliary head, the default).

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: :class:`Inception3`'s arguments (``num_classes``, ``aux_logits``,
            ``transform_input``, ``init_weights``, ``dropout``).
    """
    refuse_weights("inception_v3", weights, kwargs)
    return Inception3(**kwargs)
