"""PyTorch's top-level forms of the linear algebra ops (``torch.det``, ``torch.svd``, ``torch.qr``, ...).

Each calls its ``torch.linalg`` counterpart; the old APIs keep their old
conventions: ``torch.svd`` returns ``V`` (not ``Vh``) and takes ``some``;
``torch.qr`` takes ``some``; ``torch.pinverse`` takes ``rcond``; ``torch.lu_solve``
takes ``b`` first (``lu``, ``lu_solve``, ``lu_unpack`` live in ``lu_torch_forms.py``). They are
exported at tt-autograd's top level and as ``Tensor`` methods.

Example:
    >>> import tt_autograd as autograd
    >>> autograd.det(autograd.tensor([[2.0, 0.0], [0.0, 3.0]]))
    tensor(6.)
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
from tt_tensor.caller import user_stacklevel
from tt_tensor.checks import bool_args, check_bool, check_number

from ..tensor import Tensor
from . import decompositions, determinants, norms, spectral
from ._common import check_same_dtype, float_matrices, float_tensor
from .lu_torch_forms import lu, lu_solve, lu_unpack
from .matrix_exp import matrix_exp
from .products import matrix_power
from .solve import cholesky_inverse, cholesky_solve, inv, solve_triangular

__all__ = [
    "cholesky",
    "cholesky_inverse",
    "cholesky_solve",
    "det",
    "inverse",
    "logdet",
    "lu",
    "lu_solve",
    "lu_unpack",
    "matrix_exp",
    "matrix_power",
    "norm",
    "pinverse",
    "qr",
    "slogdet",
    "svd",
    "triangular_solve",
]


class SVDOldResult(NamedTuple):
    """``torch.svd``'s result: ``A = U diag(S) V^H`` (``V``, not ``Vh``)."""

    U: Tensor
    S: Tensor
    V: Tensor


def det(input) -> Tensor:
    """``torch.det``: :func:`tt_autograd.linalg.det`."""
    return determinants.det(input)


def logdet(input) -> Tensor:
    """``torch.logdet``: ``log det``; nan for a negative determinant, ``-inf`` for 0."""
    return determinants.logdet(input)


def slogdet(input) -> determinants.SlogdetResult:
    """``torch.slogdet``: :func:`tt_autograd.linalg.slogdet`."""
    return determinants.slogdet(input)


def inverse(input) -> Tensor:
    """``torch.inverse``: :func:`tt_autograd.linalg.inv`."""
    return inv(input)


def pinverse(input, rcond: float = 1e-15) -> Tensor:
    """``torch.pinverse``: :func:`tt_autograd.linalg.pinv` with ``rtol=rcond``."""
    return spectral.pinv(input, rtol=check_number("pinverse", "rcond", rcond))


@bool_args("norm", "keepdim")
def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """``torch.norm`` and ``Tensor.norm`` (PyTorch's older entry point), dispatched as PyTorch does.

    * a number ``p`` (``None`` meaning 2): :func:`~tt_autograd.linalg.vector_norm` over ``dim``
      (every dim when ``None``): ``inf``/``-inf`` the largest/smallest ``|x|``, ``0`` the count of
      non-zeros, any other ``p`` ``(sum |x|^p)^(1/p)``;
    * ``'fro'`` over at most two dims: the 2-norm over them (one fused node);
    * ``'nuc'``: :func:`~tt_autograd.linalg.matrix_norm` over the two dims ``dim`` (both dims of
      a 2-d input when ``None``), the sum of the singular values.

    Where ``|x|`` is 0 the gradient is 0, as PyTorch (``x / ||x||`` would be 0/0 there).
    """
    if isinstance(p, str):
        if p not in ("fro", "nuc"):
            raise ValueError(f"norm: p={p!r} is not a norm; use a number, 'fro' or 'nuc'")
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return norms.vector_norm(input, 2, dim, keepdim, dtype=dtype)
        dims = tuple(range(input.ndim)) if dim is None else dim
        return norms.matrix_norm(input, p, dims, keepdim, dtype=dtype)
    if p is not None and (isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating))):
        raise TypeError(f"norm: p must be a number, 'fro' or 'nuc', got {type(p).__name__} {p!r}")
    return norms.vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)


@bool_args("cholesky", "upper")
def cholesky(input, upper: bool = False) -> Tensor:
    """``torch.cholesky`` (deprecated in PyTorch): :func:`tt_autograd.linalg.cholesky`."""
    return decompositions.cholesky(input, upper=upper)


def qr(input, some: bool = True) -> decompositions.QRResult:
    """``torch.qr``: :func:`tt_autograd.linalg.qr` with ``mode='reduced'`` if ``some`` else ``'complete'``."""
    return decompositions.qr(input, "reduced" if check_bool("qr", "some", some) else "complete")


@bool_args("svd", "some", "compute_uv")
def svd(input, some: bool = True, compute_uv: bool = True) -> SVDOldResult:
    """``torch.svd``: ``(U, S, V)`` with ``A = U diag(S) V^H``; ``some=True`` gives the reduced factors.

    ``A`` is float or complex; ``S`` is real, ``V`` is ``linalg.svd``'s ``Vh`` conjugate-transposed.

    With ``compute_uv=False`` only ``S`` is computed and ``U``, ``V`` are zero matrices of the
    full shapes ``(m, m)`` and ``(n, n)``, as PyTorch.
    """
    some, compute_uv = check_bool("svd", "some", some), check_bool("svd", "compute_uv", compute_uv)
    if not compute_uv:
        A = float_matrices("svd", input, square=False, complex_ok=True)
        m, n = A.shape[-2:]
        batch = tuple(A.shape[:-2])
        dtype = A.array.dtype
        zeros_u = Tensor.from_array(np.zeros(batch + (m, m), dtype))
        return SVDOldResult(zeros_u, spectral.svdvals(A), Tensor.from_array(np.zeros(batch + (n, n), dtype)))
    u, s, vh = spectral.svd(input, full_matrices=not some)
    return SVDOldResult(u, s, vh.mH)


class TriangularSolveResult(NamedTuple):
    """``torch.triangular_solve``'s result: the solution and a copy of ``A`` (broadcast to the batch)."""

    solution: Tensor
    cloned_coefficient: Tensor


def triangular_solve(
    b, A, upper: bool = True, transpose: bool = False, unitriangular: bool = False
) -> TriangularSolveResult:
    """``torch.triangular_solve`` (deprecated in PyTorch, which warns; so does this): ``X`` with
    ``T X = b``, ``T`` the upper (``upper``) or lower triangle of ``A``, or ``Tᵀ X = b`` (``transpose``).

    The old argument order: ``b`` first (``linalg.solve_triangular(A, B, upper=...)`` is the new
    form). ``unitriangular`` takes ``T``'s diagonal as ones. Batch dims of ``b`` ``(*, n, k)`` and
    ``A`` ``(*, n, n)`` broadcast; ``cloned_coefficient`` is ``A`` broadcast to them, copied. Float
    or complex; for complex ``A``, ``transpose`` is the plain transpose ``Tᵀ`` (not ``Tᴴ``), as PyTorch's.
    Differentiable in both (the triangle read gets ``A``'s gradient). Cost: ``O(n^3)`` per matrix.
    """
    upper, transpose = (
        check_bool("triangular_solve", "upper", upper),
        check_bool("triangular_solve", "transpose", transpose),
    )
    unitriangular = check_bool("triangular_solve", "unitriangular", unitriangular)
    warnings.warn(
        "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangular, which has its "
        "arguments reversed and does not return a copy of A: X = torch.triangular_solve(B, A).solution "
        "is X = torch.linalg.solve_triangular(A, B, upper=True)",
        UserWarning,
        stacklevel=user_stacklevel(),  # (the user's line, also through tinytorch's out= wrapper)
    )
    A = float_matrices("triangular_solve", A, complex_ok=True)
    b = float_tensor("triangular_solve", b, "b", min_dims=2, complex_ok=True)
    check_same_dtype("triangular_solve", b, A, ("b", "A"))
    X = solve_triangular(A.mT if transpose else A, b, upper=upper != transpose, unitriangular=unitriangular)
    return TriangularSolveResult(X, A.expand(*X.shape[:-2], *A.shape[-2:]).clone())


# re-exported as they are
_ = (matrix_exp, matrix_power, cholesky_inverse, cholesky_solve, lu, lu_solve, lu_unpack)
