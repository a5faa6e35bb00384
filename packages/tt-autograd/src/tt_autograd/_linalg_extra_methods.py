"""Recorded forms of tt-tensor's cumulative methods beyond the exercises: ``cumprod``, ``logcumsumexp``.

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py``). The other
methods of tt-tensor's ``LinalgExtraMixin`` (``addmm``, ``tensordot``, ``kron``,
``cross``, ``diagonal``, ``diag_embed``, ``diff``, ...) are compositions of
recorded methods, inherited as they are.
"""

from __future__ import annotations

import tt_tensor
from tt_tensor.checks import normalize_dim

from .functions.cumulative import CumprodFunction, LogcumsumexpFunction


class LinalgExtraGradMixin(tt_tensor.Tensor):
    """The differentiable cumulative products and log-sum-exps."""

    def cumprod(self, dim: int):
        return CumprodFunction.apply(self, dim=normalize_dim("cumprod", dim, self.ndim))

    def logcumsumexp(self, dim: int):
        return LogcumsumexpFunction.apply(self, dim=normalize_dim("logcumsumexp", dim, self.ndim))
