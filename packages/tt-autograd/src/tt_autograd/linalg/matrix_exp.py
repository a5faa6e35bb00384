"""The matrix exponential: ``linalg.matrix_exp`` (also ``torch.matrix_exp`` and ``Tensor.matrix_exp``).

``exp(A) = I + A + A^2/2! + ...``, computed by scaling and squaring (Higham 2005,
"The scaling and squaring method for the matrix exponential revisited"):

1. scale: ``B = A / 2^s`` with the smallest ``s >= 0`` that brings the 1-norm of ``B``
   under ``theta_13 = 5.37`` (each matrix of a batch gets its own ``s``);
2. approximate ``exp(B)`` by the degree-13 Padé approximant ``q(B)^{-1} p(B)``, whose
   backward error is below double precision's unit roundoff for ``||B||_1 <= theta_13``;
   ``p(B) = sum_j c_j B^j`` and ``q(B) = p(-B)``, with
   ``c_j = (26 - j)! 13! / (26! j! (13 - j)!)``, split into odd and even parts
   ``U = sum_{j odd} c_j B^j`` and ``V = sum_{j even} c_j B^j`` (so ``p = V + U``,
   ``q = V - U``), evaluated with the six products ``B^2, B^4, B^6`` and two more;
3. square ``s`` times: ``exp(A) = exp(B)^(2^s)``.

The work is in float64 (complex128 for a complex input) whatever the input dtype, and
the result is rounded to the input's dtype (float32 in, float32 out).

Backward (real case): the Fréchet derivative of ``exp`` at ``A`` in the direction
``E`` is the upper-right block of ``exp([[A, E], [0, A]])`` (Van Loan 1978), and
its adjoint is the derivative at ``A^T``, so ``grad_A`` is the upper-right block of
``exp([[A^T, G], [0, A^T]])``: one more exponential, of a ``2n x 2n`` matrix. ``exp`` is
holomorphic, so a complex ``A`` takes the same rule on conjugates (``complex_gradient =
"conjugate"``): the block of ``exp([[A^H, G], [0, A^H]])``, PyTorch's.

Example:
    >>> import tt_autograd as autograd
    >>> autograd.linalg.matrix_exp(autograd.tensor([[0.0, 1.0], [0.0, 0.0]]))
    tensor([[1., 1.],
            [0., 1.]])
"""

from __future__ import annotations

import math

import numpy as np

from ..function import Function
from ..functions.shape import CatFunction
from ..tensor import Tensor
from ._common import float_matrices, transpose

PADE_DEGREE = 13
THETA_13 = 5.371920351148152  # Higham 2005, Table 2.3: the largest 1-norm the degree-13 approximant covers


def _pade_coefficients(degree: int) -> list[float]:
    """``c_j = (2m - j)! m! / ((2m)! j! (m - j)!)`` : the ``[m/m]`` Padé numerator of ``exp``."""
    m = degree
    return [
        math.factorial(2 * m - j)
        * math.factorial(m)
        / (math.factorial(2 * m) * math.factorial(j) * math.factorial(m - j))
        for j in range(m + 1)
    ]


PADE_13 = _pade_coefficients(PADE_DEGREE)


def _squarings(a: np.ndarray) -> np.ndarray:
    """Per matrix: the smallest ``s >= 0`` with ``||A||_1 / 2^s <= theta_13`` (0 for inf/nan entries)."""
    norm = np.abs(a).sum(axis=-2).max(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.ceil(np.log2(norm / THETA_13))
    return np.where(np.isfinite(s) & (s > 0), s, 0).astype(np.int64)


def _pade_13(b: np.ndarray) -> np.ndarray:
    """``q(B)^{-1} p(B)``, the degree-13 Padé approximant of ``exp(B)`` for each matrix of ``b``."""
    c = PADE_13
    identity = np.eye(b.shape[-1])
    b2 = b @ b
    b4 = b2 @ b2
    b6 = b4 @ b2
    odd = b @ (
        b6 @ (c[13] * b6 + c[11] * b4 + c[9] * b2) + c[7] * b6 + c[5] * b4 + c[3] * b2 + c[1] * identity
    )
    even = b6 @ (c[12] * b6 + c[10] * b4 + c[8] * b2) + c[6] * b6 + c[4] * b4 + c[2] * b2 + c[0] * identity
    return np.linalg.solve(even - odd, even + odd)


def _expm(a: np.ndarray) -> np.ndarray:
    """``exp`` of every matrix of ``a`` (float64 in and out) by scaling, Padé and squaring."""
    if a.size == 0:
        return a.copy()
    s = _squarings(a)
    result = _pade_13(a / np.exp2(s)[..., None, None])
    for k in range(int(s.max(initial=0))):  # matrices with fewer squarings stop early
        result = np.where((s > k)[..., None, None], result @ result, result)
    return result


def _work_dtype(dtype: np.dtype) -> type:
    """The precision the exponential is computed in: float64, or complex128 for a complex dtype."""
    return np.complex128 if dtype.kind == "c" else np.float64


class MatrixExpFunction(Function):
    complex_gradient = "conjugate"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(over="ignore", invalid="ignore"):  # inf beyond the range, nan from nan, as PyTorch
            return _expm(a.astype(_work_dtype(a.dtype))).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        n, work = a.shape[-1], _work_dtype(a.dtype)
        a_t = transpose(a).astype(work)
        block = np.zeros(np.broadcast_shapes(a.shape, grad.shape)[:-2] + (2 * n, 2 * n), work)
        block[..., :n, :n] = a_t
        block[..., n:, n:] = a_t
        block[..., :n, n:] = grad
        return (_expm(block)[..., :n, n:].astype(a.dtype),)

    @staticmethod
    def graph_backward(ctx, grad):  # the same block matrix, joined with recorded cats
        (a,) = ctx.saved_tensors
        n, a_t = a.shape[-1], ctx.input_tensor(0, a).mT
        zeros = np.zeros(a.shape, a.dtype)
        block = CatFunction.apply(
            CatFunction.apply(a_t, grad, dim=-1), CatFunction.apply(zeros, a_t, dim=-1), dim=-2
        )
        return (MatrixExpFunction.apply(block)[..., :n, n:],)


def matrix_exp(A) -> Tensor:
    """``torch.linalg.matrix_exp``: ``exp(A) = sum_k A^k / k!`` of each square matrix of ``A``.

    Args:
        A: ``(..., n, n)`` float32, float64, complex64 or complex128.

    Shape: the result has ``A``'s shape and dtype. inf/nan entries give nan; an exponential beyond
    the dtype's range is inf (as PyTorch).
    Cost: per matrix, about ``6 + s`` products of ``n x n`` matrices and one solve (``s`` the
    squarings, ``log2(||A||_1 / 5.4)``); backward the same on ``2n x 2n`` matrices.

    Example:
        >>> import tt_autograd as autograd
        >>> autograd.linalg.matrix_exp(autograd.tensor([[1.0, 0.0], [0.0, 0.0]]))
        tensor([[2.7183, 0.0000],
                [0.0000, 1.0000]])
    """
    return MatrixExpFunction.apply(float_matrices("linalg.matrix_exp", A, complex_ok=True))
