"""``torchvision.models._utils.IntermediateLayerGetter``: a backbone that returns named intermediate maps.

Segmentation and detection heads read feature maps from inside a classification network
(ResNet's ``layer3`` and ``layer4``, a MobileNet's ``features[4]`` and ``features[16]``).
:class:`IntermediateLayerGetter` keeps the network's direct children up to the last one asked
for, runs them in order and returns the asked-for outputs in a dict under new names; the
children after it (pooling, classifier) are dropped, so their parameters are not in the state
dict. The path and name are torchvision's (``torchvision.models._utils``), so code importing it
from there carries over as ``tinytorch.vision.models._utils``.

Example:
    >>> import tt_autograd
    >>> from tt_vision.models import resnet18
    >>> body = IntermediateLayerGetter(resnet18(), {"layer1": "feat1", "layer3": "feat2"})
    >>> [(k, tuple(v.shape)) for k, v in body(tt_autograd.randn(1, 3, 64, 64)).items()]
    [('feat1', (1, 64, 16, 16)), ('feat2', (1, 256, 4, 4))]
"""

from __future__ import annotations

from collections import OrderedDict

import tt_nn as nn

__all__ = ["IntermediateLayerGetter"]


class IntermediateLayerGetter(nn.ModuleDict):
    """The direct children of ``model`` up to the last one of ``return_layers``, run in order.

    It assumes, as torchvision does, that the children were registered in the order the model
    runs them and that none is used twice; only direct children can be returned
    (``"layer3"``, not ``"layer3.1"``).

    Args:
        model: the network whose children are kept (the modules themselves, not copies).
        return_layers: ``{child name: output name}`` (child names are strings: ``"4"`` for a
            ``Sequential``'s fifth module).

    Returns (forward):
        an ``OrderedDict`` ``{output name: that child's output}``, in the children's order.

    Raises:
        ValueError: a name of ``return_layers`` is not a child of ``model``.
    """

    def __init__(self, model: nn.Module, return_layers: dict) -> None:
        children = [name for name, _ in model.named_children()]
        missing = [name for name in return_layers if name not in children]
        if missing:
            raise ValueError(
                f"return_layers are not present in model: {missing} are not among its children {children} "
                "(only direct children can be returned)"
            )
        wanted = {str(k): str(v) for k, v in return_layers.items()}
        layers = OrderedDict()
        for name, module in model.named_children():
            layers[name] = module
            wanted.pop(name, None)
            if not wanted:
                break
        super().__init__(layers)
        self.return_layers = dict(return_layers)

    def forward(self, x):
        out = OrderedDict()
        for name, module in self.items():
            x = module(x)
            if name in self.return_layers:
                out[self.return_layers[name]] = x
        return out
