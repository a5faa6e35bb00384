"""``tt.special``: PyTorch's ``torch.special`` (error, gamma and Bessel functions), from tt-nn.

The functions live in :mod:`tt_nn.special`; this module gathers them under PyTorch's
path, and the most used ones are at the top level too (``tt.erf``, ``tt.lgamma``, ...).
They are functions only: no tensor methods (``x.erf()``), since tt-autograd's ``Tensor``
does not import tt-nn and nothing is patched onto it.

Example:
    >>> import tinytorch as tt
    >>> tt.special.ndtri(tt.tensor([0.975]))
    tensor([1.9600])
"""

from __future__ import annotations

from tt_nn.special import *  # noqa: F403
from tt_nn.special import __all__ as _special_names

from ._unsupported import unsupported as _not_in_tinytorch

__all__ = [*_special_names]


def __getattr__(name: str) -> object:
    """``torch.special.<name>`` that TinyTorch lacks (``airy_ai``, ...): an error naming it."""
    raise _not_in_tinytorch("torch.special", name, globals())
