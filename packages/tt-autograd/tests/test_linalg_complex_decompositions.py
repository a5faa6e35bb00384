"""Complex matrices in linalg's factorisations: cholesky (Hermitian positive-definite) and qr.

Values against NumPy's complex LAPACK, gradients by ``gradcheck`` and ``gradgradcheck``
in complex128 (batched; cholesky through a Hermitian ``X X^H + I``, as it reads one
triangle), and gradients pinned from PyTorch 2.13.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad

linalg = autograd.linalg


def hermitian(x):
    return x @ x.mH + autograd.eye(x.shape[-1], dtype=autograd.complex128)


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_cholesky_values_and_gradients(shape, cmatrices, check_both):
    x = cmatrices(shape, seed=1)
    a = hermitian(x).detach()
    lower = linalg.cholesky(a)
    np.testing.assert_allclose(lower.numpy(), np.linalg.cholesky(a.numpy()), atol=1e-14)
    np.testing.assert_allclose((lower @ lower.mH).numpy(), a.numpy(), atol=1e-12)
    upper = linalg.cholesky(a, upper=True)
    np.testing.assert_allclose(upper.numpy(), np.conj(np.swapaxes(lower.numpy(), -1, -2)), atol=1e-14)
    check_both(lambda x: linalg.cholesky(hermitian(x)), [x])
    check_both(lambda x: linalg.cholesky(hermitian(x), upper=True), [x])


def test_cholesky_gradient_matches_pytorch():
    a = autograd.tensor([[7.25, 2 - 2.75j], [2 + 2.75j, 5.5]], dtype=autograd.complex128, requires_grad=True)
    lower = linalg.cholesky(a)
    (g,) = grad(lower[1, 0].imag + lower[1, 1].real, a)
    # torch.linalg.cholesky(A) and torch.autograd.grad(L[1, 0].imag + L[1, 1].real, A), PyTorch 2.13
    # (not Hermitian: PyTorch keeps the imaginary part of Phi's diagonal)
    expected_l = [[2.692582403567252, 0], [0.7427813527082074 + 1.0213243599737853j, 1.9761509086588258]]
    np.testing.assert_allclose(lower.detach().numpy(), expected_l, rtol=1e-12)
    expected = [
        [-0.014778414701414612 + 0.051226300186772926j, -0.06979782458839119 - 0.08972332936801394j],
        [-0.06979782458839119 + 0.08972332936801396j, 0.25301711413291805],
    ]
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-10, atol=1e-15)


def test_cholesky_refuses_a_complex_matrix_that_is_not_positive_definite():
    with pytest.raises(autograd.linalg.LinAlgError, match="leading minor of order 2"):
        linalg.cholesky(autograd.tensor([[1.0, 2j], [-2j, 1.0]], dtype=autograd.complex128))


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 3, 5), (2, 4, 2)])
def test_qr_values_and_gradients(shape, cmatrices, check_both):
    a = cmatrices(shape, seed=2)
    q, r = linalg.qr(a)
    q_np, r_np = np.linalg.qr(a.detach().numpy())
    np.testing.assert_allclose(q.detach().numpy(), q_np, atol=1e-13)
    np.testing.assert_allclose(r.detach().numpy(), r_np, atol=1e-13)
    assert np.all(
        np.diagonal(r.detach().numpy(), axis1=-2, axis2=-1).imag == 0
    )  # LAPACK's R: a real diagonal
    check_both(lambda a: tuple(linalg.qr(a)), [a])
    check_both(lambda a: linalg.qr(a).R, [a])


def test_qr_complete_of_a_wide_matrix_and_r_mode(cmatrices, check_both):
    a = cmatrices((3, 5), seed=3)
    q, r = linalg.qr(a, mode="complete")
    np.testing.assert_allclose((q @ r).detach().numpy(), a.detach().numpy(), atol=1e-13)
    check_both(lambda a: tuple(linalg.qr(a, mode="complete")), [a])
    q, r = linalg.qr(a.detach(), mode="r")
    assert q.numel() == 0 and r.dtype == autograd.complex128


def test_qr_gradient_matches_pytorch():
    values = [[1 + 2j, 0.5 - 1j], [-0.3 + 0.4j, 2 - 0.5j], [0.7j, 1.0]]
    a = autograd.tensor(values, dtype=autograd.complex128, requires_grad=True)
    q, r = linalg.qr(a)
    (g,) = grad(q[2, 0].real + r[0, 1].imag, a)
    # torch.linalg.qr(A) and torch.autograd.grad(Q[2, 0].real + R[0, 1].imag, A), PyTorch 2.13
    expected_r = [[-2.3958297101421877, 0.9600014517991349 + 1.3982629841422178j], [0, -1.9034857077796128]]
    np.testing.assert_allclose(r.detach().numpy(), expected_r, rtol=1e-12)
    expected = [
        [0.17379211254354907 - 0.278503678260164j, 0.8347838711296821 - 0.41739193556484094j],
        [0.2817759146888082 + 0.737343941921165j, 0.16695677422593644 + 0.1252175806694523j],
        [-0.4173919355648411 + 0.2468720594499365j, 0.2921743548953887],
    ]
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-10, atol=1e-15)
