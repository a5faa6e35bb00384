"""``tt_vision.ops``: torchvision.ops' operators and building blocks (``tinytorch.vision.ops``).

Example:
    >>> from tt_vision.ops import Conv2dNormActivation
    >>> len(Conv2dNormActivation(3, 8))
    3
"""

from __future__ import annotations

from .misc import (
    MLP,
    Conv2dNormActivation,
    Conv3dNormActivation,
    FrozenBatchNorm2d,
    Permute,
    SqueezeExcitation,
)

__all__ = [
    "Conv2dNormActivation",
    "Conv3dNormActivation",
    "FrozenBatchNorm2d",
    "MLP",
    "Permute",
    "SqueezeExcitation",
]
