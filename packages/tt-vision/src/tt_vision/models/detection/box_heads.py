"""Fast R-CNN's box heads and predictor, as torchvision's (which keeps them in ``faster_rcnn.py``).

A box head turns each RoI's pooled features ``(R, C, h, w)`` into one vector ``(R, D)``; the
predictor turns that vector into class logits and per-class box codes.

* :class:`TwoMLPHead`: flatten, then two ``Linear`` + ReLU (``fc6``, ``fc7``); Faster R-CNN v1's head.
* :class:`FastRCNNConvFCHead`: ``3×3`` convolutions (``Conv2dNormActivation``, optional norm),
  flatten, then ``Linear`` + ReLU layers; the v2 head (four 256-channel convolutions with batch
  norm and one 1024 layer in ``fasterrcnn_resnet50_fpn_v2``).
* :class:`FastRCNNPredictor`: two ``Linear`` layers on the flattened vector: ``cls_score``
  (``num_classes`` logits, background is class 0) and ``bbox_pred`` (``4 · num_classes`` codes).

They live in a module of their own so that ``roi_heads`` and ``faster_rcnn`` can both use them;
``faster_rcnn`` re-exports them under torchvision's path. Cost: matrix products,
``O(R · C·h·w · D)`` for the first layer; the convolutions of the v2 head ``O(R · C² · 9 · h·w)``
each.

Example:
    >>> import tt_autograd as autograd
    >>> head, predictor = TwoMLPHead(4 * 7 * 7, 32), FastRCNNPredictor(32, 3)
    >>> logits, codes = predictor(head(autograd.randn(5, 4, 7, 7)))
    >>> tuple(logits.shape), tuple(codes.shape)
    ((5, 3), (5, 12))
"""

from __future__ import annotations

from collections.abc import Callable

import tt_nn as nn
import tt_nn.functional as F
from tt_autograd import Tensor
from tt_nn import init

from ...layers import Conv2d
from ...ops.misc import Conv2dNormActivation


class TwoMLPHead(nn.Module):
    """Two fully connected layers with ReLU on the flattened RoI features.

    Args:
        in_channels: features per RoI once flattened (``C · h · w``, e.g. ``256 · 7 · 7``).
        representation_size: both layers' output size (1024 in torchvision's models).

    State-dict keys: ``fc6.weight``, ``fc6.bias``, ``fc7.weight``, ``fc7.bias``.

    Shape: ``(R, C, h, w)`` (or anything flattening to ``(R, in_channels)``) -> ``(R, representation_size)``.
    """

    def __init__(self, in_channels: int, representation_size: int) -> None:
        super().__init__()
        self.fc6 = nn.Linear(in_channels, representation_size)
        self.fc7 = nn.Linear(representation_size, representation_size)

    def forward(self, x: Tensor) -> Tensor:
        x = x.flatten(1)
        if x.shape[1] != self.fc6.in_features:
            raise ValueError(
                f"TwoMLPHead: each RoI flattens to {x.shape[1]} features, but in_channels is "
                f"{self.fc6.in_features}; pass in_channels = channels * pooled height * pooled width"
            )
        return F.relu(self.fc7(F.relu(self.fc6(x))))


class FastRCNNConvFCHead(nn.Sequential):
    """Convolutions, flatten, then fully connected layers: Faster R-CNN v2's box head.

    Args:
        input_size: ``(C, h, w)`` of the pooled RoI features.
        conv_layers: output channels of each ``3×3`` ``Conv2dNormActivation`` (padding 1, ReLU).
        fc_layers: output size of each ``Linear`` + ReLU after the flatten.
        norm_layer: the convolutions' normalisation (``None``: none, and the convolutions get a bias).

    The convolutions start from Kaiming-normal weights (``fan_out``, ReLU) and zero biases, as torchvision's.
    State-dict keys: ``{i}.0.weight`` (and ``{i}.1.*`` for a norm) for the convolutions, then, after
    the ``Flatten`` at index ``len(conv_layers)``, ``{j}.weight``/``{j}.bias`` for each ``Linear``
    (every second index: a ReLU follows each).

    Shape: ``(R, C, h, w)`` -> ``(R, fc_layers[-1])`` (``(R, conv_layers[-1] · h · w)`` with no fc layers).
    """

    def __init__(
        self,
        input_size: tuple[int, int, int],
        conv_layers: list[int],
        fc_layers: list[int],
        norm_layer: Callable[..., nn.Module] | None = None,
    ) -> None:
        if len(input_size) != 3:
            raise ValueError(
                f"FastRCNNConvFCHead: input_size must be (channels, height, width), got {tuple(input_size)!r}"
            )
        channels, height, width = input_size
        blocks: list[nn.Module] = []
        for out_channels in conv_layers:
            blocks.append(Conv2dNormActivation(channels, out_channels, norm_layer=norm_layer))
            channels = out_channels
        blocks.append(nn.Flatten())
        features = channels * height * width
        for out_features in fc_layers:
            blocks += [nn.Linear(features, out_features), nn.ReLU(inplace=True)]
            features = out_features
        super().__init__(*blocks)
        init_convolutions(self)


def init_convolutions(module: nn.Module) -> None:
    """Every ``Conv2d`` in ``module``: Kaiming-normal weights (``fan_out``, ReLU), zero biases (the
    conv heads' start in torchvision: this one's and Mask R-CNN's)."""
    for layer in module.modules():
        if isinstance(layer, Conv2d):
            init.kaiming_normal_(layer.weight, mode="fan_out", nonlinearity="relu")
            if layer.bias is not None:
                init.zeros_(layer.bias)


class FastRCNNPredictor(nn.Module):
    """Class logits and per-class box codes from each RoI's representation.

    Args:
        in_channels: the representation's size (the box head's output).
        num_classes: classes including the background (class 0).

    State-dict keys: ``cls_score.weight``/``.bias``, ``bbox_pred.weight``/``.bias``.

    Shape: ``(R, in_channels)`` or ``(R, in_channels, 1, 1)`` -> (``(R, num_classes)``,
    ``(R, 4 · num_classes)``); a 4-d input with other spatial sizes is refused.
    """

    def __init__(self, in_channels: int, num_classes: int) -> None:
        super().__init__()
        self.cls_score = nn.Linear(in_channels, num_classes)
        self.bbox_pred = nn.Linear(in_channels, num_classes * 4)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        if x.ndim == 4 and tuple(x.shape[2:]) != (1, 1):
            raise ValueError(
                "FastRCNNPredictor: x has the wrong shape, expecting the last two dimensions to be [1, 1] "
                f"instead of {list(x.shape[2:])}; put a box head (e.g. TwoMLPHead) before the predictor"
            )
        x = x.flatten(1)
        return self.cls_score(x), self.bbox_pred(x)
