"""``fuse_batch_norm_relu`` and its layers: batch norm with the ReLU (and the max-pool) after it as one node.

Not a course topic (module 09 teaches ``BatchNorm2d`` and ``MaxPool2d``; the
fused kernels are ``tt_nn.functional.batch_norm_relu`` and tt-vision's
``batch_norm_relu_pool.py``, whose docstrings give the passes they save). Like
PyTorch's ``torch.ao.quantization.fuse_modules``, the fusion is an explicit
step on a built model: every ``BatchNorm2d`` directly followed by a ``ReLU``
(and, by default, a 2×2 ``MaxPool2d``) in the same container becomes one
layer holding the *same* parameter and buffer tensors (an optimizer built
before keeps working), and the layers it absorbed become ``Identity``. The
state dict is unchanged, key for key, so weights saved from a fused model
load into the plain one and back.
"""

from __future__ import annotations

from tt_nn.activations import ReLU
from tt_nn.containers import Sequential
from tt_nn.functional import batch_norm_relu
from tt_nn.linear import Identity
from tt_nn.module import Module

from ..batch_norm_relu_pool import batch_norm_relu_max_pool2d
from .batchnorm import BatchNorm2d
from .pooling import MaxPool2d


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

    def after_normalization(self) -> Module:
        """What this layer computes after batch norm, as a module: kept when batch norm is folded away."""
        return ReLU()


class BatchNormReLUMaxPool2d(BatchNormReLU2d):
    """``MaxPool2d(2)(relu(BatchNorm2d(x)))`` in one node, with ``BatchNorm2d``'s arguments and state dict.

    Shape:
        input ``(N, C, H, W)``, output ``(N, C, H/2, W/2)`` (floor, as ``MaxPool2d(2)``).

    Example:
        >>> import tt_autograd
        >>> layer = BatchNormReLUMaxPool2d(8)
        >>> tuple(layer(tt_autograd.randn(4, 8, 6, 6)).shape)
        (4, 8, 3, 3)
    """

    kernel = staticmethod(batch_norm_relu_max_pool2d)

    def after_normalization(self) -> Module:
        """What this layer computes after batch norm, as modules: kept when batch norm is folded away."""
        return Sequential(ReLU(), MaxPool2d(2))


def _is_pool_2x2(layer: Module) -> bool:
    """Whether ``layer`` is ``MaxPool2d(2)``: 2×2 windows, stride 2, no padding or dilation, floor mode."""
    if type(layer) is not MaxPool2d or layer.ceil_mode or layer.return_indices:
        return False
    geometry = (layer.kernel_size, layer.stride, layer.padding, layer.dilation)
    wanted = ((2, (2, 2)), (2, (2, 2)), (0, (0, 0)), (1, (1, 1)))
    return all(value in allowed for value, allowed in zip(geometry, wanted))


def _fused(norm: BatchNorm2d, kind: type[BatchNorm2d]) -> BatchNorm2d:
    """A ``kind`` layer sharing ``norm``'s settings, parameters and buffers (the same tensors)."""
    settings = (norm.num_features, norm.eps, norm.momentum, norm.affine, norm.track_running_stats)
    fused = kind(*settings, bias=norm.bias_enabled)
    for name in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
        setattr(fused, name, getattr(norm, name))
    fused.train(norm.training)
    return fused


def fuse_batch_norm_relu(model: Module, max_pool: bool = True) -> int:
    """Fuse, in place, every ``BatchNorm2d`` directly followed by a ``ReLU`` in one container of ``model``.

    The pair becomes ``BatchNormReLU2d`` + ``Identity`` (same results, same
    state dict; see the module docstring); with ``max_pool``, a pair followed
    by ``MaxPool2d(2)`` (2×2, stride 2, no padding, floor mode) becomes
    ``BatchNormReLUMaxPool2d`` + two ``Identity``. Order of children decides
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
        for i, (name, child) in enumerate(children[:-1]):
            if type(child) is not BatchNorm2d or type(children[i + 1][1]) is not ReLU:
                continue
            pool = max_pool and i + 2 < len(children) and _is_pool_2x2(children[i + 2][1])
            setattr(parent, name, _fused(child, BatchNormReLUMaxPool2d if pool else BatchNormReLU2d))
            for absorbed, _ in children[i + 1 : i + 3 if pool else i + 2]:
                setattr(parent, absorbed, Identity())
            count += 1
    return count
