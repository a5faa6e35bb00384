"""AlexNet (Krizhevsky, 2014, "one weird trick" form): torchvision's ``AlexNet`` and ``alexnet``.

Five convolutions (11×11 stride 4, 5×5, three 3×3) with ReLU and three 3×3 stride-2 max
pools, an ``AdaptiveAvgPool2d((6, 6))``, and three ``Linear`` layers with dropout.
Parameters keep each layer's default initialisation, as in torchvision.

Example:
    >>> import tt_autograd
    >>> tuple(alexnet(num_classes=10)(tt_autograd.randn(1, 3, 64, 64)).shape)
    (1, 10)
"""

from __future__ import annotations

import tt_autograd
import tt_nn as nn

from ..layers import AdaptiveAvgPool2d, Conv2d, MaxPool2d
from .builders import refuse_weights, register_model

__all__ = ["AlexNet", "alexnet"]


class AlexNet(nn.Module):
    """AlexNet: ``features`` (five convolutions), ``avgpool`` to 6×6, ``classifier`` (three ``Linear``).

    Args:
        num_classes: outputs of the last ``Linear`` (default 1000).
        dropout: probability of the classifier's two ``Dropout`` layers (default 0.5).

    Shape:
        input ``(N, 3, H, W)`` with ``H, W ≥ 63`` (smaller images vanish in the pools);
        output ``(N, num_classes)``.

    Cost:
        0.71 GFLOPs at 224×224 and 61.1 M parameters (torchvision's figures).
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            MaxPool2d(kernel_size=3, stride=2),
            Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            MaxPool2d(kernel_size=3, stride=2),
            Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        return self.classifier(tt_autograd.flatten(self.avgpool(self.features(x)), 1))


@register_model()
def alexnet(*, weights=None, progress: bool = True, **kwargs) -> AlexNet:
    """AlexNet, 61,100,840 parameters.

    Args:
        weights: must be None (see :func:`tt_vision.models.builders.refuse_weights`).
        progress: accepted for torchvision's signature; nothing is downloaded.
        **kwargs: :class:`AlexNet`'s arguments (``num_classes``, ``dropout``).
    """
    refuse_weights("alexnet", weights, kwargs)
    return AlexNet(**kwargs)
