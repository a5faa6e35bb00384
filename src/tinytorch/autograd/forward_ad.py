"""``tinytorch.autograd.forward_ad``: PyTorch's ``torch.autograd.forward_ad`` over tt-autograd.

``with dual_level():`` opens a level; ``make_dual(x, t)`` gives ``x`` the tangent ``t``; every
operation then computes its result's tangent (a Jacobian-vector product) beside it, and
``unpack_dual(y)`` returns ``UnpackedDualTensor(primal, tangent)``. See :mod:`tt_autograd.forward_ad`.

Example:
    >>> import tinytorch as torch
    >>> import tinytorch.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     x = fwAD.make_dual(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 1.0]))
    ...     fwAD.unpack_dual(x.exp()).tangent
    tensor([1.0000, 2.7183])
"""

from __future__ import annotations

from tt_autograd.forward_ad import *  # noqa: F403  (dual_level, make_dual, unpack_dual, ...)
from tt_autograd.forward_ad import __all__  # noqa: F401
