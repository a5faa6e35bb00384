"""Structured pruning that shrinks the network: whole output channels removed, the next layer narrowed.

Zeroing weights (masks) does not make a dense network faster: the zeros are
still multiplied. Removing whole **output channels** of a convolution does:
the convolution gets fewer filters, the batch norm after it fewer features,
and the layer that reads it — the next convolution, or the ``Linear`` after
a ``Flatten`` — fewer input channels. Every GEMM shrinks.

``shrink_channels(model, amount)`` does this for every ``Conv2d`` of a
``Sequential`` whose output reaches the next ``Conv2d`` or ``Linear`` through
channel-wise layers only (batch norm, activations, pooling, dropout,
``Flatten``). Which channels go: those whose filters have the smallest L1
norm (a channel with small weights contributes little). Channels are removed
from a *copy*; the original model is unchanged.

Example:
    >>> import tt_nn as nn
    >>> from tt_vision import Conv2d, MaxPool2d
    >>> model = nn.Sequential(Conv2d(3, 8, 3, padding=1), nn.ReLU(), MaxPool2d(2),
    ...                       Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 4 * 4, 10))
    >>> small = shrink_channels(model, 0.5)
    >>> small[0].out_channels, small[3].in_channels, small[3].out_channels, small[6].in_features
    (4, 4, 8, 128)
"""

from __future__ import annotations

import copy

import numpy as np
import tt_nn
from tt_autograd import from_numpy
from tt_nn import Linear, Module, Parameter, Sequential
from tt_vision import AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d

from .pruning import is_pruned

#: Layers that act on each channel separately: a channel removed before them is simply absent after.
CHANNEL_WISE = (BatchNorm2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, tt_nn.ReLU, tt_nn.GELU, tt_nn.SiLU,
                tt_nn.LeakyReLU, tt_nn.Tanh, tt_nn.Sigmoid, tt_nn.Dropout, tt_nn.Identity)  # fmt: skip


def _array(values: np.ndarray) -> Parameter:
    return Parameter(from_numpy(np.ascontiguousarray(values)))


def keep_channels(model: Sequential, index: int, keep: np.ndarray) -> None:
    """Keep output channels ``keep`` of the ``Conv2d`` ``model[index]``, narrowing what follows, in place."""
    conv = model[index]
    if not isinstance(conv, Conv2d) or conv.groups != 1:
        raise TypeError(f"keep_channels: model[{index}] must be a Conv2d with groups=1, got {conv!r}")
    if is_pruned(model):
        raise ValueError(
            "keep_channels: the model has masked (pruned) parameters; make them permanent with "
            "remove(module, name) first"
        )
    keep = np.sort(np.asarray(keep, dtype=np.int64))
    if keep.size == 0 or len(np.unique(keep)) != keep.size or keep[0] < 0 or keep[-1] >= conv.out_channels:
        raise ValueError(
            f"keep_channels: keep must be distinct channel indices in [0, {conv.out_channels}), "
            f"at least one, got {keep.tolist()}"
        )
    _, problem = _reach(list(model), index)
    if problem is not None:  # checked before anything changes: a refused call leaves the model as it was
        raise ValueError(f"keep_channels: {problem}")
    # BEGIN SOLUTION 16
    # TODO: keep output channels keep of the Conv2d model[index] and narrow what reads them, in place
    #   (§ How it is built, channels.py): BatchNorm2d's parameters and statistics, then the next Conv2d's
    #   input channels (or, after a Flatten, the next Linear's input columns, per channel block).
    # HINT: fancy-index each array with keep; a Linear after Flatten sees H * W columns per channel.
    before = conv.out_channels
    conv.weight = _array(conv.weight.detach().numpy()[keep])
    if conv.bias is not None:
        conv.bias = _array(conv.bias.detach().numpy()[keep])
    conv.out_channels = len(keep)
    for layer in list(model)[index + 1 :]:  # channel-wise layers and a Flatten pass (checked above)
        if isinstance(layer, BatchNorm2d):
            for name in ("weight", "bias"):
                if getattr(layer, name) is not None:
                    setattr(layer, name, _array(getattr(layer, name).detach().numpy()[keep]))
            for name in ("running_mean", "running_var"):
                if getattr(layer, name) is not None:
                    layer._buffers[name] = from_numpy(getattr(layer, name).numpy()[keep].copy())
            layer.num_features = len(keep)
        elif isinstance(layer, Conv2d):
            layer.weight = _array(layer.weight.detach().numpy()[:, keep])
            layer.in_channels = len(keep)
            return
        elif isinstance(layer, Linear):  # after a Flatten (checked above)
            weight = layer.weight.detach().numpy()
            blocks = weight.shape[1] // before  # flattened (C, H, W): the H·W columns of each channel
            columns = (keep[:, None] * blocks + np.arange(blocks)[None, :]).reshape(-1)
            layer.weight = _array(weight[:, columns])
            layer.in_features = len(columns)
            return
    # END SOLUTION


def shrink_channels(model: Sequential, amount: float) -> Sequential:
    """A copy of ``model`` with ``amount`` (a fraction) of every eligible ``Conv2d``'s channels removed."""
    if not isinstance(model, Sequential):
        raise TypeError(f"shrink_channels: expected a Sequential, got {type(model).__name__}")
    if not 0.0 <= amount < 1.0:
        raise ValueError(f"shrink_channels: amount must lie in [0, 1), got {amount}")
    small = copy.deepcopy(model)
    layers = list(small)
    for i, layer in enumerate(layers):
        if not isinstance(layer, Conv2d) or layer.groups != 1 or not _has_consumer(layers, i):
            continue
        norms = np.abs(layer.weight.detach().numpy()).reshape(layer.out_channels, -1).sum(1)
        count = max(1, layer.out_channels - int(round(amount * layer.out_channels)))
        keep_channels(small, i, np.argsort(-norms, kind="stable")[:count])
    return small


def _reach(layers: list[Module], index: int) -> tuple[bool, str | None]:
    """Where channel removal at ``layers[index]`` goes: (a layer it narrows is reached, why it cannot pass).

    It passes channel-wise layers and a ``Flatten``; it stops at the next
    ``Conv2d`` (groups=1) or, after a ``Flatten``, ``Linear``. Reaching the end is
    allowed (the model's output loses channels) but narrows nothing.
    """
    flattened = False
    for layer in layers[index + 1 :]:
        if isinstance(layer, Conv2d):
            if layer.groups != 1:
                return False, f"cannot narrow the input of a grouped Conv2d (groups={layer.groups})"
            return True, None
        if isinstance(layer, Linear):
            if not flattened:
                return False, (
                    "a Linear reached without a Flatten acts on the last (width) axis, not on channels; "
                    "put an nn.Flatten() before it"
                )
            return True, None
        if isinstance(layer, tt_nn.Flatten):
            flattened = True
        elif not isinstance(layer, CHANNEL_WISE):
            return False, f"cannot pass channel removal through {type(layer).__name__}"
    return False, None


def _has_consumer(layers: list[Module], index: int) -> bool:
    return _reach(layers, index) == (True, None)
