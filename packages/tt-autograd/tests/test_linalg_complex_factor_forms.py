"""Complex matrices in the forms around linalg's factorisations: lu_unpack, cholesky_ex, cholesky_solve,
cholesky_inverse, tensorinv and tensorsolve.

Values against their definitions in NumPy (``P L U = A``, ``L L^H = A``, ``(L L^H) X = B``),
gradients by ``gradcheck`` and ``gradgradcheck`` in complex128 (batched and broadcast), values and
gradients pinned from PyTorch 2.13, and PyTorch's errors for mixed dtypes.

Not course material (outside the modules' solution regions), so no module number.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad

linalg = autograd.linalg
C128 = autograd.complex128


def hermitian(x):
    """``X X^H + n I``: Hermitian positive-definite, from any square ``X`` (recorded)."""
    n = x.shape[-1]
    return x @ x.mH + n * autograd.eye(n, dtype=C128)


def lower_factor(x):
    """A lower triangle with a diagonal well away from zero (recorded), for cholesky_solve's ``L``."""
    return x.tril() + 3 * autograd.eye(x.shape[-1], dtype=C128)


def adjoint(a: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(a, -1, -2))


# ------------------------------------------------------------------ lu_unpack
@pytest.mark.parametrize("shape", [(2, 4, 3), (3, 5), (3, 3)])
def test_lu_unpack_rebuilds_a_and_differentiates(shape, cmatrices, check_both):
    a = cmatrices(shape, seed=1)
    lu, pivots = linalg.lu_factor(a)
    p, lower, upper = autograd.lu_unpack(lu, pivots)
    assert p.dtype == lower.dtype == upper.dtype == C128  # PyTorch's P is complex too
    np.testing.assert_allclose((p @ lower @ upper).detach().numpy(), a.detach().numpy(), atol=1e-13)
    k = min(shape[-2:])
    np.testing.assert_array_equal(
        lower.detach().numpy(), np.tril(lu.detach().numpy()[..., :k], -1) + np.eye(shape[-2], k)
    )
    np.testing.assert_array_equal(upper.detach().numpy(), np.triu(lu.detach().numpy()[..., :k, :]))
    assert set(np.unique(p.numpy())) <= {0, 1}
    check_both(lambda lu: tuple(autograd.lu_unpack(lu, pivots))[1:], [lu.detach().requires_grad_()])
    check_both(lambda a: tuple(autograd.lu_unpack(*linalg.lu_factor(a)))[1:], [a])


def test_lu_unpack_gradient_is_the_triangles_of_lu_data(cmatrices):
    lu = cmatrices((4, 3), seed=2)
    pivots = autograd.tensor([1, 2, 3], dtype=autograd.int32)
    _, lower, upper = autograd.lu_unpack(lu, pivots)
    g_lower, g_upper = cmatrices((4, 3), seed=3).detach(), cmatrices((3, 3), seed=4).detach()
    (g,) = grad((lower * g_lower).real.sum() + (upper * g_upper).imag.sum(), lu)
    # PyTorch's gradient of Re(z w) is conj(w), of Im(z w) = Re(-i z w) is conj(-i w) = i conj(w)
    expected = np.tril(np.conj(g_lower.numpy()), -1)
    expected[:3] += np.triu(1j * np.conj(g_upper.numpy()))
    np.testing.assert_allclose(g.numpy(), expected, atol=1e-15)


def test_lu_unpack_keeps_complex64():
    a = autograd.tensor([[1 + 1j, 2.0], [0.5j, 1 - 1j]], dtype=autograd.complex64)
    p, lower, upper = autograd.lu_unpack(*linalg.lu_factor(a))
    assert p.dtype == lower.dtype == upper.dtype == autograd.complex64
    np.testing.assert_allclose((p @ lower @ upper).numpy(), a.numpy(), atol=1e-6)


# ------------------------------------------------------------------ cholesky_ex
@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_cholesky_ex_values_and_gradients(shape, cmatrices, check_both):
    x = cmatrices(shape, seed=5)
    a = hermitian(x).detach()
    lower, info = linalg.cholesky_ex(a)
    np.testing.assert_allclose(lower.numpy(), np.linalg.cholesky(a.numpy()), atol=1e-14)
    np.testing.assert_allclose((lower @ lower.mH).numpy(), a.numpy(), atol=1e-12)
    assert not info.numpy().any() and info.dtype == autograd.int32 and info.shape == shape[:-2]
    upper = linalg.cholesky_ex(a, upper=True).L
    np.testing.assert_allclose(upper.numpy(), adjoint(lower.numpy()), atol=1e-14)
    check_both(lambda x: linalg.cholesky_ex(hermitian(x)).L, [x])
    check_both(lambda x: linalg.cholesky_ex(hermitian(x), upper=True).L, [x])


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [  # info from torch.linalg.cholesky_ex, PyTorch 2.13
        ([[1, 2j], [-2j, 1]], 2),
        ([[4, 1j, 0], [-1j, 2, 0], [0, 0, -1]], 3),
        ([[-1 + 5j, 0], [0, 1]], 1),  # the diagonal's real part decides
        ([[4, 2 + 2j], [2 - 2j, 2]], 2),  # |a_21|^2 = 8 = a_11 a_22: singular (exactly, in floats)
        ([[4, 1j], [-1j, 2]], 0),
    ],
)
def test_cholesky_ex_info_of_complex_matrices(matrix, expected):
    factor, info = linalg.cholesky_ex(autograd.tensor(matrix, dtype=C128))
    assert info.item() == expected
    assert np.isnan(factor.numpy()).all() == (expected > 0)


def test_cholesky_ex_of_a_failed_matrix_warns_nothing():
    # info's column loop goes on past a failed column with l_jj = 1: no division by zero reaches NumPy
    a = autograd.tensor([[-1, 1j, 0], [-1j, 2, 0], [0, 0, 1]], dtype=C128)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert linalg.cholesky_ex(a).info.item() == 1


def test_cholesky_ex_reads_the_real_part_of_the_diagonal_as_pytorch():
    a = autograd.tensor([[4 + 1j, 1j], [-1j, 2]], dtype=C128)
    lower, info = linalg.cholesky_ex(a)
    # torch.linalg.cholesky_ex(A), PyTorch 2.13: LAPACK's zpotrf ignores Im(a_11)
    assert info.item() == 0
    np.testing.assert_allclose(lower.numpy(), [[2, 0], [-0.5j, np.sqrt(1.75)]], atol=1e-15)


def reference_info(a: np.ndarray) -> int:
    """The order of the first leading minor of the Hermitian ``a`` with an eigenvalue <= 0, or 0."""
    for k in range(1, a.shape[-1] + 1):
        if np.linalg.eigvalsh(a[:k, :k]).min() <= 0:
            return k
    return 0


def test_cholesky_ex_info_of_many_random_hermitian_matrices():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((60, 5, 5)) + 1j * rng.standard_normal((60, 5, 5))
    batch = x @ adjoint(x) - rng.uniform(0, 6, size=(60, 1, 1)) * np.eye(5)  # some positive-definite
    batch[0] = -np.eye(5)
    expected = [reference_info(m) for m in batch]
    assert 0 in expected and len(set(expected)) >= 4
    factor, info = linalg.cholesky_ex(autograd.tensor(batch.reshape(4, 15, 5, 5), dtype=C128))
    assert info.numpy().reshape(-1).tolist() == expected
    passed = np.array(expected) == 0
    np.testing.assert_allclose(factor.numpy().reshape(60, 5, 5)[passed], np.linalg.cholesky(batch[passed]))


def test_cholesky_ex_failed_matrix_of_a_batch_and_check_errors(cmatrices):
    x = cmatrices((2, 2, 2), seed=7)
    bad = autograd.tensor([[[0, 0], [0, 0]], [[1, 2j], [-2j, 1]]], dtype=C128)
    a = hermitian(x) * autograd.tensor([1.0, 0.0], dtype=C128)[:, None, None] + bad
    lower, info = linalg.cholesky_ex(a)
    assert info.tolist() == [0, 2]
    assert np.isnan(lower[1].detach().numpy()).all() and not np.isnan(lower[0].detach().numpy()).any()
    (g,) = grad(lower[0].abs().sum(), x)
    assert np.isfinite(g.numpy()).all()
    with pytest.raises(linalg.LinAlgError, match=r"^linalg.cholesky_ex: \(Batch element 1\): .* order 2"):
        linalg.cholesky_ex(a, check_errors=True)


# ------------------------------------------------------------------ cholesky_solve, cholesky_inverse
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize(
    ("l_shape", "b_shape"), [((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1)), ((2, 3, 3), (3, 2))]
)
def test_cholesky_solve_values_and_gradients(upper, l_shape, b_shape, cmatrices, check_both):
    x, b = cmatrices(l_shape, seed=8), cmatrices(b_shape, seed=9)
    factor = lower_factor(x).detach()
    a = factor.numpy() @ adjoint(factor.numpy())  # A = L L^H
    given = factor.mH if upper else factor  # upper: U = L^H, A = U^H U
    result = autograd.cholesky_solve(b, given, upper=upper)
    np.testing.assert_allclose(result.detach().numpy(), np.linalg.solve(a, b.detach().numpy()), atol=1e-13)
    if upper:
        check_both(lambda b, x: autograd.cholesky_solve(b, lower_factor(x).mH, upper=True), [b, x])
    else:
        check_both(lambda b, x: autograd.cholesky_solve(b, lower_factor(x)), [b, x])


def test_cholesky_solve_reads_one_triangle_of_a_leaf(cmatrices, check_both):
    x = cmatrices((3, 3), seed=10)
    factor = (x.detach() + 3 * autograd.eye(3, dtype=C128)).requires_grad_()
    b = cmatrices((3, 2), seed=11)
    np.testing.assert_allclose(
        autograd.cholesky_solve(b, factor).detach().numpy(),
        autograd.cholesky_solve(b, factor.tril()).detach().numpy(),
    )
    check_both(autograd.cholesky_solve, [b, factor])
    (g,) = grad(autograd.cholesky_solve(b, factor).abs().sum(), factor)
    assert np.all(np.triu(g.numpy(), 1) == 0)
    (g,) = grad(autograd.cholesky_solve(b, factor, upper=True).abs().sum(), factor)
    assert np.all(np.tril(g.numpy(), -1) == 0)


def test_cholesky_solve_and_inverse_match_pytorch():
    factor = autograd.tensor([[2, 0], [1 - 1j, 1.5]], dtype=C128, requires_grad=True)
    b = autograd.tensor([[1 + 1j], [2 - 0.5j]], dtype=C128, requires_grad=True)
    x = autograd.cholesky_solve(b, factor)
    g_b, g_l = grad(x[0, 0].real + x[1, 0].imag, [b, factor])
    # torch.cholesky_solve(B, L) and torch.autograd.grad(X[0, 0].real + X[1, 0].imag, [B, L]), PyTorch 2.13;
    # PyTorch's grad_L is a full L's, -0.7037 - 0.1204j above the diagonal: its lower triangle is this one
    np.testing.assert_allclose(x.detach().numpy(), [[-0.75 / 9 + 1.25j / 9], [4 / 9 - 2j / 9]], atol=1e-15)
    np.testing.assert_allclose(g_b.numpy(), [[6.25 / 9 - 2j / 9], [-2 / 9 + 6j / 9]], atol=1e-15)
    expected_l = [[-0.19444444444444453 + 0.3888888888888889j, 0], [-4 / 9 - 3j / 9, 0.7407407407407407]]
    np.testing.assert_allclose(g_l.numpy(), expected_l, atol=1e-15)
    inverse = autograd.cholesky_inverse(factor)
    (g,) = grad(inverse[0, 1].imag + inverse[1, 1].real, factor)
    # torch.cholesky_inverse(L) and the lower triangle of its gradient, PyTorch 2.13
    expected = [[4.25 / 9, -2 / 9 - 2j / 9], [-2 / 9 + 2j / 9, 4 / 9]]
    np.testing.assert_allclose(inverse.detach().numpy(), expected, atol=1e-15)
    np.testing.assert_allclose(g.numpy(), [[1 / 9 - 1j / 9, 0], [2j / 9, -8 / 27]], atol=1e-15)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse_values_and_gradients(upper, cmatrices, check_both):
    x = cmatrices((2, 3, 3), seed=12)
    factor = lower_factor(x).detach()
    given = factor.mH if upper else factor
    inverse = autograd.cholesky_inverse(given, upper=upper)
    a = factor.numpy() @ adjoint(factor.numpy())
    np.testing.assert_allclose(inverse.numpy(), np.linalg.inv(a), atol=1e-14)
    np.testing.assert_allclose(inverse.numpy(), adjoint(inverse.numpy()), atol=1e-15)  # Hermitian
    np.testing.assert_allclose(given.cholesky_inverse(upper).numpy(), inverse.numpy())
    if upper:
        check_both(lambda x: autograd.cholesky_inverse(lower_factor(x).mH, upper=True), [x])
    else:
        check_both(lambda x: autograd.cholesky_inverse(lower_factor(x)), [x])


def test_cholesky_solve_keeps_complex64_and_refuses_mixed_dtypes():
    factor = autograd.tensor([[2, 0], [1 - 1j, 1.5]], dtype=autograd.complex64)
    b = autograd.tensor([[1 + 1j], [2 - 0.5j]], dtype=autograd.complex64)
    x = autograd.cholesky_solve(b, factor)
    assert x.dtype == autograd.complex64 and autograd.cholesky_inverse(factor).dtype == autograd.complex64
    np.testing.assert_allclose(x.numpy(), [[-0.75 / 9 + 1.25j / 9], [4 / 9 - 2j / 9]], atol=1e-6)
    message = (
        r"^cholesky_solve: Expected b and A to have the same dtype, but found b of type tt.complex64 "
        r"and A of type tt.complex128 instead; convert one with .to\(other.dtype\)$"
    )
    with pytest.raises(TypeError, match=message):
        autograd.cholesky_solve(b, factor.to(C128))
    with pytest.raises(TypeError, match="found b of type tt.float64 and A of type tt.complex128"):
        autograd.cholesky_solve(b.real.double(), factor.to(C128))
    with pytest.raises(TypeError, match="found b of type tt.complex128 and A of type tt.float64"):
        autograd.cholesky_solve(b.to(C128), factor.real.double())


# ------------------------------------------------------------------ tensorinv, tensorsolve
def test_tensorinv_values_and_gradients(cmatrices, check_both):
    a = cmatrices((2, 3, 6), seed=13)
    inverse = linalg.tensorinv(a, ind=2)
    assert inverse.shape == (6, 2, 3) and inverse.dtype == C128
    np.testing.assert_allclose(
        inverse.detach().numpy(), np.linalg.tensorinv(a.detach().numpy(), ind=2), atol=1e-12
    )
    check_both(lambda a: linalg.tensorinv(a, ind=2), [a])
    check_both(lambda a: linalg.tensorinv(a, ind=1), [cmatrices((6, 3, 2), seed=14)])


def test_tensorsolve_values_dims_and_gradients(cmatrices, check_both):
    a, b = cmatrices((2, 3, 3, 2), seed=15), cmatrices((2, 3), seed=16)
    x = linalg.tensorsolve(a, b)
    expected = np.linalg.tensorsolve(a.detach().numpy(), b.detach().numpy())
    np.testing.assert_allclose(x.detach().numpy(), expected, atol=1e-12)
    check_both(linalg.tensorsolve, [a, b])
    moved = cmatrices((6, 2, 3), seed=17)
    x = linalg.tensorsolve(moved, b, dims=(0,))
    expected = np.linalg.tensorsolve(moved.detach().numpy(), b.detach().numpy(), axes=(0,))
    np.testing.assert_allclose(x.detach().numpy(), expected, atol=1e-12)
    check_both(lambda a, b: linalg.tensorsolve(a, b, dims=(0,)), [moved, b])


def test_tensorsolve_refuses_mixed_dtypes_as_pytorch():
    a = autograd.tensor(np.eye(6).reshape(2, 3, 6), dtype=C128)
    with pytest.raises(TypeError, match="^linalg.solve: Expected A and B to have the same dtype"):
        linalg.tensorsolve(a, autograd.ones(2, 3, dtype=autograd.float64))
    with pytest.raises(TypeError, match="^linalg.solve: Expected A and B to have the same dtype"):
        linalg.tensorsolve(a.real, autograd.ones(2, 3, dtype=C128))
    assert linalg.tensorinv(a.to(autograd.complex64).reshape(6, 6), ind=1).dtype == autograd.complex64
