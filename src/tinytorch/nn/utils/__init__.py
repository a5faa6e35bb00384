"""``tt.nn.utils``: gradient clipping and flat parameter vectors (``torch.nn.utils``), from tt-optim.

``spectral_norm`` and ``weight_norm`` (and their ``remove_``) are the older, hook-based forms.
``tt.nn.utils.rnn`` pads and packs variable-length sequences (from tt-nn); ``tt.nn.utils.prune`` prunes
parameters with masks (from tt-perf, module 16); ``tt.nn.utils.stateless.functional_call``
runs a module with other tensors, ``parametrize`` and ``parametrizations`` recompute a
weight from others (weight and spectral normalisation, orthogonality), all from tt-nn.
"""

from __future__ import annotations

from tt_nn.hooked_norms import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm
from tt_optim.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters

from . import parametrizations, parametrize, prune, rnn, stateless

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "parameters_to_vector",
    "parametrizations",
    "parametrize",
    "remove_spectral_norm",
    "remove_weight_norm",
    "prune",
    "rnn",
    "spectral_norm",
    "stateless",
    "vector_to_parameters",
    "weight_norm",
]
