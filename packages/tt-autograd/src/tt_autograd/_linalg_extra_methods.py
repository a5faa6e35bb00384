"""Recorded forms of tt-tensor's methods beyond the exercises: ``cumprod``, ``logcumsumexp``, ``dist``.

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py``). The other
methods of tt-tensor's ``LinalgExtraMixin`` (``addmm``, ``tensordot``, ``kron``,
``cross``, ``diagonal``, ``diag_embed``, ``diff``, ...) are compositions of
recorded methods, inherited as they are.
"""

from __future__ import annotations

import tt_tensor
from tt_tensor.checks import check_tensor, normalize_dim
from tt_tensor.distance import check_p

from .functions.cumulative import CumprodFunction, LogcumsumexpFunction
from .functions.distance import DistFunction


class LinalgExtraGradMixin(tt_tensor.Tensor):
    """The differentiable cumulative products and log-sum-exps, and ``dist``."""

    def cumprod(self, dim: int):
        return CumprodFunction.apply(self, dim=normalize_dim("cumprod", dim, self.ndim))

    def logcumsumexp(self, dim: int):
        return LogcumsumexpFunction.apply(self, dim=normalize_dim("logcumsumexp", dim, self.ndim))

    def dist(self, other, p: float = 2):
        check_tensor("dist", other, "other")  # PyTorch takes tensors only
        return DistFunction.apply(self, other, p=check_p("dist", p))
