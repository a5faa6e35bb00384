"""``Tensor`` methods for linear algebra: ``x.det()``, ``x.inverse()``, ``x.svd()``, ``x.cholesky()``...

A mixin of :class:`~tt_autograd.Tensor` (kept out of ``tensor.py``). Each
method calls the top-level form in :mod:`tt_autograd.linalg.torch_aliases`,
imported on first use (that package imports ``Tensor``).
"""

from __future__ import annotations

import tt_tensor
from tt_tensor.checks import bool_args, check_bool


def _aliases():
    from .linalg import torch_aliases

    return torch_aliases


class LinalgGradMixin(tt_tensor.Tensor):
    """PyTorch's linear algebra methods of ``torch.Tensor``."""

    def det(self):
        return _aliases().det(self)

    def logdet(self):
        return _aliases().logdet(self)

    def slogdet(self):
        return _aliases().slogdet(self)

    def inverse(self):
        return _aliases().inverse(self)

    @bool_args("norm", "keepdim")
    def norm(self, p: object = "fro", dim=None, keepdim: bool = False, dtype=None):
        keepdim = check_bool("norm", "keepdim", keepdim)
        return _aliases().norm(self, p, dim, keepdim, dtype)

    def pinverse(self, rcond: float = 1e-15):
        return _aliases().pinverse(self, rcond)

    def lu(self, pivot: bool = True, get_infos: bool = False):
        return _aliases().lu(self, pivot, get_infos)

    def lu_solve(self, LU_data, LU_pivots):
        return _aliases().lu_solve(self, LU_data, LU_pivots)

    def matrix_exp(self):
        return _aliases().matrix_exp(self)

    def matrix_power(self, n: int):
        return _aliases().matrix_power(self, n)

    @bool_args("cholesky", "upper")
    def cholesky(self, upper: bool = False):
        return _aliases().cholesky(self, upper)

    @bool_args("cholesky_solve", "upper")
    def cholesky_solve(self, input2, upper: bool = False):
        return _aliases().cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper: bool = False):
        return _aliases().cholesky_inverse(self, upper)

    def qr(self, some: bool = True):
        return _aliases().qr(self, some)

    @bool_args("svd", "some", "compute_uv")
    def svd(self, some: bool = True, compute_uv: bool = True):
        return _aliases().svd(self, some, compute_uv)

    def triangular_solve(self, A, upper: bool = True, transpose: bool = False, unitriangular: bool = False):
        return _aliases().triangular_solve(self, A, upper, transpose, unitriangular)

    def geqrf(self):
        from .linalg import householder

        return householder.geqrf(self)

    def orgqr(self, input2):
        from .linalg import householder

        return householder.orgqr(self, input2)

    def ormqr(self, input2, input3, left: bool = True, transpose: bool = False):
        from .linalg import householder

        return householder.ormqr(self, input2, input3, left, transpose)
