"""``tinytorch.linalg``: PyTorch's ``torch.linalg`` namespace over ``tt_autograd.linalg``.

Norms, inverses and solves, determinants, Cholesky, QR, eigh and SVD (with
their gradients), pseudo-inverse, rank, matrix powers, least squares: on
NumPy's ``np.linalg``, batched over leading dims, float32 and float64.

Example:
    >>> import tinytorch as torch
    >>> A = torch.tensor([[4.0, 2.0], [2.0, 3.0]])
    >>> torch.linalg.cholesky(A) @ torch.linalg.cholesky(A).mT
    tensor([[4., 2.],
            [2., 3.]])
"""

from __future__ import annotations

from tt_autograd.linalg import (
    LinAlgError,
    cholesky,
    cholesky_ex,
    cond,
    cross,
    det,
    diagonal,
    eig,
    eigh,
    eigvals,
    eigvalsh,
    householder_product,
    inv,
    inv_ex,
    lstsq,
    lu,
    lu_factor,
    lu_factor_ex,
    lu_solve,
    matmul,
    matrix_exp,
    matrix_norm,
    matrix_power,
    matrix_rank,
    multi_dot,
    norm,
    pinv,
    qr,
    slogdet,
    solve,
    solve_ex,
    solve_triangular,
    svd,
    svdvals,
    tensorinv,
    tensorsolve,
    vander,
    vecdot,
    vector_norm,
)

from ._unsupported import unsupported as _not_in_tinytorch

__all__ = [
    "LinAlgError",
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


def __getattr__(name: str) -> object:
    raise _not_in_tinytorch("torch.linalg", name, globals())
