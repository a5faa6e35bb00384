"""``tt_nn.functional``: the stateless forms of every layer and loss, like ``torch.nn.functional``.

Usually imported as ``F``: ``F.relu(x)``, ``F.cross_entropy(logits, y)``.
Each function checks its arguments (errors name the function and the
shapes) and runs one fused ``Function`` or a few tt-autograd primitives.
"""

from __future__ import annotations

from .activations import gelu, leaky_relu, log_softmax, relu, sigmoid, silu, softmax, tanh
from .dropout import dropout
from .linear import linear
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)
from .normalization import batch_norm, layer_norm

__all__ = [
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "gelu",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "tanh",
]
