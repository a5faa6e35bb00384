"""``BatchNormReLU2d`` and ``fuse_batch_norm_relu``: batch norm and the ReLU after it as one node.

Not a course topic (module 09 teaches ``BatchNorm2d``; the fused kernel is
``tt_nn.functional.batch_norm_relu``, whose docstring gives the passes it
saves). Like PyTorch's ``torch.ao.quantization.fuse_modules``, the fusion is
an explicit step on a built model: every ``BatchNorm2d`` directly followed by
a ``ReLU`` in the same container becomes a ``BatchNormReLU2d`` holding the
*same* parameter and buffer tensors (an optimizer built before keeps working),
and the ReLU becomes an ``Identity``. The state dict is unchanged, key for key,
so weights saved from a fused model load into the plain one and back.
"""

from __future__ import annotations

from tt_nn.activations import ReLU
from tt_nn.functional import batch_norm_relu
from tt_nn.linear import Identity
from tt_nn.module import Module

from .batchnorm import BatchNorm2d


class BatchNormReLU2d(BatchNorm2d):
    """``relu(BatchNorm2d(x))`` in one node: ``BatchNorm2d``'s arguments, parameters and state dict.

    Shape:
        input and output ``(N, C, H, W)``.

    Example:
        >>> import tt_autograd
        >>> layer = BatchNormReLU2d(8)
        >>> bool((layer(tt_autograd.randn(4, 8, 5, 5)).detach().numpy() >= 0).all())
        True
    """

    kernel = staticmethod(batch_norm_relu)  # BatchNormBase.forward's checks and statistics, this kernel


def _fused(norm: BatchNorm2d) -> BatchNormReLU2d:
    """A ``BatchNormReLU2d`` sharing ``norm``'s settings, parameters and buffers (the same tensors)."""
    settings = (norm.num_features, norm.eps, norm.momentum, norm.affine, norm.track_running_stats)
    fused = BatchNormReLU2d(*settings, bias=norm.bias_enabled)
    for name in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
        setattr(fused, name, getattr(norm, name))
    fused.train(norm.training)
    return fused


def fuse_batch_norm_relu(model: Module) -> int:
    """Fuse, in place, every ``BatchNorm2d`` directly followed by a ``ReLU`` in one container of ``model``.

    The pair becomes ``BatchNormReLU2d`` + ``Identity`` (same results, same
    state dict; see the module docstring). Order of children decides
    "followed by", as in ``nn.Sequential``. Returns how many pairs were fused.

    Example:
        >>> import tt_nn as nn
        >>> from tt_vision import BatchNorm2d, Conv2d
        >>> net = nn.Sequential(Conv2d(3, 8, 3), BatchNorm2d(8), nn.ReLU())
        >>> fuse_batch_norm_relu(net), type(net[1]).__name__, type(net[2]).__name__
        (1, 'BatchNormReLU2d', 'Identity')
    """
    count = 0
    for parent in list(model.modules()):
        children = list(parent.named_children())
        for (name, child), (next_name, after) in zip(children, children[1:]):
            if type(child) is BatchNorm2d and type(after) is ReLU:
                setattr(parent, name, _fused(child))
                setattr(parent, next_name, Identity())
                count += 1
    return count
