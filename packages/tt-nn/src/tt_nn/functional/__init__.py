"""``tt_nn.functional``: the stateless forms of every layer and loss, like ``torch.nn.functional``.

Usually imported as ``F``: ``F.relu(x)``, ``F.cross_entropy(logits, y)``.
Each function checks its arguments (errors name the function and the
shapes) and runs one fused ``Function`` or a few tt-autograd primitives.
"""

from __future__ import annotations

from .activations import gelu, leaky_relu, log_softmax, relu, sigmoid, silu, softmax, softplus, tanh
from .activations_extra import celu, elu, glu, logsigmoid, mish, selu, softmin, softsign, tanhshrink
from .activations_inplace import (
    celu_,
    elu_,
    gumbel_softmax,
    hardtanh_,
    leaky_relu_,
    relu_,
    rrelu_,
    selu_,
    threshold_,
)
from .activations_piecewise import (
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    prelu,
    relu6,
    rrelu,
    softshrink,
    threshold,
)
from .batch_norm_relu import batch_norm_relu
from .bilinear import bilinear
from .binary_losses import binary_cross_entropy, binary_cross_entropy_with_logits
from .ctc_loss import ctc_loss
from .distance import cosine_similarity, normalize, pairwise_distance, pdist
from .dropout import dropout
from .dropout_extra import alpha_dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout
from .encoding import one_hot
from .linear import linear
from .linear_cross_entropy import linear_cross_entropy
from .local_response_norm import local_response_norm
from .losses import cross_entropy, l1_loss, mse_loss, nll_loss
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
from .normalization_extra import group_norm, instance_norm, rms_norm
from .resample import interpolate, pad, upsample, upsample_bilinear, upsample_nearest
from .triplet_distance_loss import triplet_margin_with_distance_loss

__all__ = [
    "alpha_dropout",
    "batch_norm",
    "batch_norm_relu",
    "bilinear",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "celu",
    "celu_",
    "cosine_similarity",
    "cross_entropy",
    "ctc_loss",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "feature_alpha_dropout",
    "elu",
    "elu_",
    "gelu",
    "glu",
    "gumbel_softmax",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "group_norm",
    "instance_norm",
    "cosine_embedding_loss",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "huber_loss",
    "interpolate",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "leaky_relu_",
    "linear",
    "linear_cross_entropy",
    "local_response_norm",
    "log_softmax",
    "logsigmoid",
    "mish",
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
    "pdist",
    "prelu",
    "poisson_nll_loss",
    "relu",
    "relu_",
    "relu6",
    "rrelu",
    "rrelu_",
    "selu",
    "selu_",
    "rms_norm",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "soft_margin_loss",
    "softmax",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "tanh",
    "tanhshrink",
    "threshold",
    "threshold_",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
]
