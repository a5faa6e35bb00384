"""``tt.nn.utils.parametrizations``: ``weight_norm`` and ``spectral_norm`` (:mod:`tt_nn.parametrizations`).

PyTorch's ``orthogonal`` is not here: ``tt.nn.utils.parametrizations.orthogonal`` fails with the
error every name TinyTorch lacks gives.
"""

from __future__ import annotations

from tt_nn.parametrizations import spectral_norm, weight_norm

from ..._unsupported import unsupported as _not_in_tinytorch

__all__ = ["spectral_norm", "weight_norm"]


def __getattr__(name: str) -> object:
    """A ``torch.nn.utils.parametrizations`` name TinyTorch lacks (``orthogonal``): an error naming it."""
    raise _not_in_tinytorch("torch.nn.utils.parametrizations", name, __all__)
