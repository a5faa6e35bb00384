"""Recorded forms of tt-tensor's methods beyond the exercises: ``cumprod``, ``diagonal`` (a view).

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py``); ``logcumsumexp``
and ``dist`` are in :mod:`tt_autograd._complex_reductions` (they take complex tensors too). The other
methods of tt-tensor's ``LinalgExtraMixin`` (``addmm``, ``tensordot``, ``kron``,
``cross``, ``diag_embed``, ``diff``, ...) are compositions of
recorded methods, inherited as they are.
"""

from __future__ import annotations

import tt_tensor
from tt_tensor.checks import normalize_dim
from tt_tensor.storage import diagonal_args

from .functions.cumulative import CumprodFunction
from .functions.strided import DiagonalFunction


class LinalgExtraGradMixin(tt_tensor.Tensor):
    """The differentiable cumulative product and diagonal view."""

    def cumprod(self, dim: int, *, dtype: object = None):
        if dtype is not None:  # (an integer product is int64 unless dtype says otherwise)
            dtype = tt_tensor.dtypes.dtype_argument("cumprod", dtype)
            return self.to(dtype).cumprod(dim).to(dtype)
        return CumprodFunction.apply(self, dim=normalize_dim("cumprod", dim, self.ndim))

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1):
        offset, dim1, dim2 = diagonal_args(self, offset, dim1, dim2)
        return DiagonalFunction.apply(self, offset=offset, dim1=dim1, dim2=dim2)
