"""``tt.nn.utils.parametrizations``: ``weight_norm``, ``spectral_norm``, ``orthogonal`` (from tt-nn).

A name PyTorch has here and TinyTorch lacks fails with the error every such name gives.
"""

from __future__ import annotations

from tt_nn.parametrizations import orthogonal, spectral_norm, weight_norm

from ..._unsupported import unsupported as _not_in_tinytorch

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


def __getattr__(name: str) -> object:
    """A ``torch.nn.utils.parametrizations`` name TinyTorch lacks: an error naming it."""
    raise _not_in_tinytorch("torch.nn.utils.parametrizations", name, __all__)
