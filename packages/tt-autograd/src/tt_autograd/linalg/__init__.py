"""``tt_autograd.linalg``: PyTorch's ``torch.linalg`` on NumPy's ``np.linalg``, differentiable and batched.

Every op takes ``(..., m, n)`` matrices (batched over the leading dims),
float32 or float64, and returns the input's dtype (NumPy's LAPACK works in
the input precision). Each op whose gradient is not a composition is one
fused :class:`~tt_autograd.Function` (``InvFunction``, ``CholeskyFunction``,
``SVDFunction``, ...) that saves the factors it needs for backward. Files by family:

* ``norms.py``: ``vector_norm``, ``matrix_norm``, ``norm``;
* ``solve.py``: ``inv``, ``solve``, ``solve_triangular`` (and ``cholesky_solve``);
* ``determinants.py``: ``det``, ``slogdet`` (and ``logdet``);
* ``decompositions.py``: ``cholesky``, ``qr``;
* ``spectral.py``: ``eigh``, ``eigvalsh``, ``svd``, ``svdvals``, ``pinv``, ``matrix_rank``;
* ``eig.py``: ``eig``, ``eigvals`` (general matrices: complex results);
* ``products.py``: ``matrix_power``, ``multi_dot``, ``vecdot``, ``matmul``, ``cross``, ``diagonal``,
  ``vander``;
* ``least_squares.py``: ``lstsq``;
* ``info_results.py``: ``inv_ex``, ``solve_ex``, ``cholesky_ex`` (an ``info`` tensor instead of an error);
* ``condition.py``: ``cond``;
* ``tensor_solve.py``: ``tensorinv``, ``tensorsolve``;
* ``lu.py``: ``lu_factor``, ``lu_factor_ex``, ``lu``, ``lu_solve`` (LU with partial pivoting);
* ``matrix_exp.py``: ``matrix_exp``;
* ``householder.py``: ``householder_product`` (the ``Q`` of LAPACK's compact QR form);
* ``torch_aliases.py``: the top-level forms (``torch.det``, ``torch.svd``, ...);
* ``lu_torch_forms.py``: the top-level LU forms ``torch.lu_unpack``, ``torch.lu``, ``torch.lu_solve``.

Example:
    >>> import tt_autograd as autograd
    >>> A = autograd.tensor([[4.0, 2.0], [2.0, 3.0]], requires_grad=True)
    >>> autograd.linalg.det(A).backward()
    >>> A.grad
    tensor([[ 3., -2.],
            [-2.,  4.]])
"""

from __future__ import annotations

from ._common import LinAlgError
from .condition import cond
from .decompositions import CholeskyFunction, QRFunction, QRResult, cholesky, qr
from .determinants import DetFunction, LogAbsDetFunction, SlogdetResult, det, slogdet
from .eig import EigFunction, EigResult, eig, eigvals
from .householder import householder_product
from .info_results import CholeskyExResult, InvExResult, SolveExResult, cholesky_ex, inv_ex, solve_ex
from .least_squares import LstsqResult, lstsq
from .lu import (
    LUFactorExResult,
    LUFactorFunction,
    LUFactorResult,
    LUResult,
    lu,
    lu_factor,
    lu_factor_ex,
    lu_solve,
)
from .matrix_exp import MatrixExpFunction, matrix_exp
from .norms import VectorNormFunction, matrix_norm, norm, vector_norm
from .products import cross, diagonal, matmul, matrix_power, multi_dot, vander, vecdot
from .solve import InvFunction, SolveFunction, inv, solve, solve_triangular
from .spectral import (
    EighFunction,
    EighResult,
    SVDFunction,
    SVDResult,
    eigh,
    eigvalsh,
    matrix_rank,
    pinv,
    svd,
    svdvals,
)
from .tensor_solve import tensorinv, tensorsolve

__all__ = [
    "CholeskyExResult",
    "CholeskyFunction",
    "DetFunction",
    "EigFunction",
    "EigResult",
    "EighFunction",
    "EighResult",
    "InvExResult",
    "InvFunction",
    "LinAlgError",
    "LogAbsDetFunction",
    "LUFactorExResult",
    "LUFactorFunction",
    "LUFactorResult",
    "LUResult",
    "LstsqResult",
    "MatrixExpFunction",
    "QRFunction",
    "QRResult",
    "SVDFunction",
    "SVDResult",
    "SlogdetResult",
    "SolveExResult",
    "SolveFunction",
    "VectorNormFunction",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "householder_product",
    "inv",
    "inv_ex",
    "lstsq",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "lu_solve",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "tensorinv",
    "tensorsolve",
    "vander",
    "vecdot",
    "vector_norm",
]
