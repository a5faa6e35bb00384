"""Complex matrices in linalg's LU family: lu_factor, lu_factor_ex, lu, lu_solve, solve_triangular.

Values against their definitions (``P L U = A``, ``A X = B``) and NumPy's complex solve,
LAPACK's complex pivoting (``|Re| + |Im|``), gradients by ``gradcheck`` and
``gradgradcheck`` in complex128, and values pinned from PyTorch 2.13.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad

linalg = autograd.linalg

PINNED = [[1 + 2j, 0.5 - 1j], [-0.3 + 0.4j, 2 - 0.5j]]


@pytest.mark.parametrize("shape", [(2, 3, 3), (4, 3), (3, 5)])
def test_lu_values_and_gradients(shape, cmatrices, check_both):
    a = cmatrices(shape, seed=1)
    p, lower, upper = linalg.lu(a)
    np.testing.assert_allclose((p @ lower @ upper).detach().numpy(), a.detach().numpy(), atol=1e-13)
    assert lower.dtype == upper.dtype == autograd.complex128
    assert np.all(
        np.abs(lower.detach().numpy()) <= 1 + 1e-12
    )  # partial pivoting: |L_ij| <= 1 (|Re|+|Im| too)
    check_both(lambda a: tuple(linalg.lu(a))[1:], [a])
    check_both(lambda a: linalg.lu_factor(a).LU, [a])
    check_both(lambda a: linalg.lu_factor_ex(a).LU, [a])


def test_complex_pivots_are_lapacks():
    # |3| > |2 + 2i| but |Re| + |Im| picks 2 + 2i, as LAPACK's izamax (PyTorch 2.13: pivots [2, 2])
    a = autograd.tensor([[3, 1], [2 + 2j, 1j]], dtype=autograd.complex128)
    lu, pivots = linalg.lu_factor(a)
    assert pivots.tolist() == [2, 2]
    np.testing.assert_allclose(lu.numpy(), [[2 + 2j, 1j], [0.75 - 0.75j, 0.25 - 0.75j]], atol=1e-15)


def test_lu_factor_gradient_matches_pytorch():
    a = autograd.tensor(PINNED, dtype=autograd.complex128, requires_grad=True)
    lu, pivots = linalg.lu_factor(a)
    (g,) = grad(lu[1, 0].imag + lu[1, 1].real, a)
    # torch.linalg.lu_factor(A) and torch.autograd.grad(LU[1, 0].imag + LU[1, 1].real, A), PyTorch 2.13
    assert pivots.tolist() == [1, 2]
    np.testing.assert_allclose(
        lu.detach().numpy(), [[1 + 2j, 0.5 - 1j], [0.1 + 0.2j, 1.75 - 0.5j]], atol=1e-15
    )
    np.testing.assert_allclose(g.numpy(), [[0.05, -0.1 + 0.2j], [-0.1 - 0.2j, 1]], atol=1e-15)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_values_and_gradients(left, adjoint, cmatrices, check_both):
    a, b = cmatrices((2, 3, 3), seed=2), cmatrices((2, 3, 2) if left else (2, 2, 3), seed=3)
    x = linalg.lu_solve(*linalg.lu_factor(a), b, left=left, adjoint=adjoint)
    op = a.mH if adjoint else a  # adjoint: the conjugate transpose, as PyTorch's
    residual = (op @ x - b) if left else (x @ op - b)
    np.testing.assert_allclose(residual.detach().numpy(), 0, atol=1e-12)
    check_both(lambda a, b: linalg.lu_solve(*linalg.lu_factor(a), b, left=left, adjoint=adjoint), [a, b])


def test_lu_solve_with_adjoint_matches_pytorch():
    lu, pivots = linalg.lu_factor(autograd.tensor(PINNED, dtype=autograd.complex128))
    b = autograd.tensor([[1 - 1j], [2 + 0.5j]], dtype=autograd.complex128)
    # torch.linalg.lu_solve(*torch.linalg.lu_factor(A), B, adjoint=True), PyTorch 2.13
    expected = [[0.5811320754716982 + 0.4339622641509434j], [0.9735849056603773 - 0.39245283018867927j]]
    np.testing.assert_allclose(linalg.lu_solve(lu, pivots, b, adjoint=True).numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("upper", [True, False])
def test_solve_triangular(upper, cmatrices, check_both):
    a, b = cmatrices((2, 3, 3), seed=4), cmatrices((2, 3, 2), seed=5)
    x = linalg.solve_triangular(a, b, upper=upper)
    triangle = np.triu(a.detach().numpy()) if upper else np.tril(a.detach().numpy())
    np.testing.assert_allclose(x.detach().numpy(), np.linalg.solve(triangle, b.detach().numpy()), atol=1e-12)
    check_both(lambda a, b: linalg.solve_triangular(a, b, upper=upper), [a, b])
