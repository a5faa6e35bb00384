"""``tt.nn.utils``: gradient clipping and flat parameter vectors (``torch.nn.utils``), from tt-optim.

``fuse_conv_bn_eval`` and the other ``fusion`` functions fold an eval-mode batch norm into the
layer before it (module 15's folding); ``skip_init`` builds a module whose weights will be loaded.

``spectral_norm`` and ``weight_norm`` (and their ``remove_``) are the older, hook-based forms.
``tt.nn.utils.rnn`` pads and packs variable-length sequences (from tt-nn); ``tt.nn.utils.prune`` prunes
parameters with masks (from tt-perf, module 16); ``tt.nn.utils.stateless.functional_call``
runs a module with other tensors, ``parametrize`` and ``parametrizations`` recompute a
weight from others (weight and spectral normalisation, orthogonality), all from tt-nn.
"""

from __future__ import annotations

from tt_nn.hooked_norms import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm
from tt_optim.utils import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)

from . import fusion, parametrizations, parametrize, prune, rnn, stateless
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights
from .init import skip_init

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "fuse_conv_bn_eval",
    "fuse_conv_bn_weights",
    "fuse_linear_bn_eval",
    "fuse_linear_bn_weights",
    "fusion",
    "get_total_norm",
    "parameters_to_vector",
    "parametrizations",
    "parametrize",
    "remove_spectral_norm",
    "remove_weight_norm",
    "prune",
    "rnn",
    "skip_init",
    "spectral_norm",
    "stateless",
    "vector_to_parameters",
    "weight_norm",
]
