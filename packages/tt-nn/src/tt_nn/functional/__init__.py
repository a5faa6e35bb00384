"""``tt_nn.functional``: the stateless forms of every layer and loss, like ``torch.nn.functional``.

Usually imported as ``F``: ``F.relu(x)``, ``F.cross_entropy(logits, y)``.
Each function checks its arguments (errors name the function and the
shapes) and runs one fused ``Function`` or a few tt-autograd primitives.
"""

from __future__ import annotations

from .activations import gelu, leaky_relu, log_softmax, relu, sigmoid, silu, softmax, softplus, tanh
from .batch_norm_relu import batch_norm_relu
from .distance import cosine_similarity, normalize, pairwise_distance
from .dropout import dropout
from .encoding import one_hot
from .linear import linear
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)
from .losses_extra import (
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
)
from .margin_losses import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    triplet_margin_loss,
)
from .normalization import batch_norm, layer_norm
from .resample import interpolate, pad

__all__ = [
    "batch_norm",
    "batch_norm_relu",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cosine_similarity",
    "cross_entropy",
    "dropout",
    "gaussian_nll_loss",
    "gelu",
    "hinge_embedding_loss",
    "huber_loss",
    "interpolate",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "margin_ranking_loss",
    "mse_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "pairwise_distance",
    "poisson_nll_loss",
    "relu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "soft_margin_loss",
    "softmax",
    "softplus",
    "tanh",
    "triplet_margin_loss",
]
