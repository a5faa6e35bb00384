"""Higher-order gradients of linalg: inv, solve, det, slogdet, vector_norm, cholesky, matrix_exp, eigh, svd,
qr and the LU factorisation.

Each ``graph_backward`` rule against ``gradgradcheck`` (second central
differences), batched and broadcast, plus a check that the recorded first
derivatives equal the plain backward's (``gradgradcheck`` alone only checks
that the recorded ones are differentiated consistently).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradients import grad

linalg = autograd.linalg


def matrices(shape, seed=0):
    """Well-conditioned matrices: the identity times 2 plus noise."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(-0.5, 0.5, size=shape) + 2 * np.eye(shape[-1])
    return autograd.tensor(values, dtype=autograd.float64, requires_grad=True)


def leaf(shape, seed=0):
    rng = np.random.default_rng(seed + 10)
    return autograd.tensor(rng.uniform(-2, 2, size=shape), dtype=autograd.float64, requires_grad=True)


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_inv_twice(shape, check_twice):
    check_twice(lambda a: linalg.inv(a * a), [matrices(shape)])


@pytest.mark.parametrize(
    "shape_a, shape_b",
    [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (3, 2)), ((3, 3), (2, 3, 1)), ((2, 3, 3), (2, 3))],
)
def test_solve_twice_with_vectors_and_broadcast_batches(shape_a, shape_b, check_twice):
    a, b = matrices(shape_a), leaf(shape_b, seed=1)
    check_twice(lambda a, b: linalg.solve(a, b * b), [a, b])
    check_twice(lambda a: linalg.solve(a, b.detach()), [a])
    check_twice(lambda b: linalg.solve(a.detach(), b) ** 2, [b])


def test_solve_from_the_right_twice(check_twice):
    a, b = matrices((3, 3)), leaf((2, 3), seed=1)
    check_twice(lambda a, b: linalg.solve(a, b, left=False) ** 2, [a, b])


@pytest.mark.parametrize("shape", [(3, 3), (2, 2, 2), (1, 1)])
def test_det_slogdet_and_logdet_twice(shape, check_twice):
    a = matrices(shape)
    check_twice(lambda a: linalg.det(a), [a])
    check_twice(lambda a: linalg.det(a * a) ** 2, [a])
    check_twice(lambda a: linalg.slogdet(a).logabsdet, [a])
    check_twice(lambda a: autograd.logdet(a * a), [a])


def test_det_of_a_singular_matrix_gives_a_gradient_that_refuses_differentiation():
    a = autograd.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=autograd.float64, requires_grad=True)
    (plain,) = grad(linalg.det(a), a)  # the first derivative, the adjugate, is fine
    np.testing.assert_allclose(plain.numpy(), [[4.0, -2.0], [-2.0, 1.0]])
    (recorded,) = grad(linalg.det(a), a, create_graph=True)
    np.testing.assert_allclose(recorded.detach().numpy(), plain.numpy())
    with pytest.raises(NotImplementedError, match="exactly singular"):
        grad(recorded.sum(), a)


@pytest.mark.parametrize("ord", [2, 3, 1.5, 0.5, -1.5, 1, 0, float("inf"), float("-inf")])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
def test_vector_norm_twice(ord, dim, keepdim, check_twice):
    x = leaf((2, 3, 4))
    check_twice(lambda x: linalg.vector_norm(x, ord, dim, keepdim) ** 2 * x.sum(), [x])


def test_vector_norm_inf_ties_share_per_slice():
    # rows (3, -3, 1) and (2, 0, -1): |x|'s max is tied in the first row only; y = sum of squared maxima
    x = autograd.tensor([[3.0, -3.0, 1.0], [2.0, 0.0, -1.0]], dtype=autograd.float64, requires_grad=True)
    (first,) = grad((linalg.vector_norm(x, float("inf"), dim=1) ** 2).sum(), x, create_graph=True)
    np.testing.assert_allclose(first.detach().numpy(), [[3.0, -3.0, 0.0], [4.0, 0.0, 0.0]])
    (hessian,) = grad((first * autograd.tensor([[1.0, 2.0, 1.0], [1.0, 1.0, 1.0]])).sum(), x)
    # row 0: sum_i w_i dy/dx_i = 2 m (1/2 - 2/2) = -m, gradient -s_j sign(x_j); row 1: 2 m, gradient 2 e_0
    np.testing.assert_allclose(hessian.numpy(), [[-0.5, 0.5, 0.0], [2.0, 0.0, 0.0]])


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3), (1, 2, 3, 3)])
def test_cholesky_twice(shape, check_twice):
    identity = autograd.tensor(np.eye(shape[-1]))
    check_twice(lambda a: linalg.cholesky(a @ a.mT + identity), [matrices(shape)])
    check_twice(lambda a: linalg.cholesky(a @ a.mT + identity, upper=True) ** 2, [matrices(shape, seed=1)])


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3), (1, 2, 3, 3), (1, 1)])
def test_matrix_exp_twice(shape, check_twice):
    check_twice(lambda a: linalg.matrix_exp(a * 0.5), [leaf(shape)])
    check_twice(lambda a: linalg.matrix_exp(a @ a * 0.25) ** 2, [leaf(shape, seed=1)])


def symmetric(shape, seed=0):
    rng = np.random.default_rng(seed + 20)
    values = rng.uniform(-1, 1, size=shape)
    return autograd.tensor(
        (values + np.swapaxes(values, -1, -2)) / 2, dtype=autograd.float64, requires_grad=True
    )


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3), (1, 2, 3, 3)])
def test_eigh_twice_on_gauge_invariant_functions(shape, check_twice):
    a = symmetric(shape)
    check_twice(lambda a: linalg.eigvalsh(a + a.mT) ** 2, [a])
    check_twice(lambda a: linalg.eigh(a + a.mT).eigenvectors ** 2, [a])  # squares: the sign drops out
    check_twice(lambda a: linalg.eigh(a + a.mT, UPLO="U").eigenvectors[..., :1] ** 2 * 3.0, [a])


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2), (1, 2, 2, 3)])
@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd_twice_on_gauge_invariant_functions(shape, full_matrices, check_twice):
    a = leaf(shape)
    k = min(shape[-2:])

    def parts(a):
        return linalg.svd(a, full_matrices=full_matrices)

    check_twice(lambda a: linalg.svdvals(a) ** 2, [a])
    check_twice(lambda a: parts(a).U[..., :k] ** 2, [a])
    check_twice(lambda a: parts(a).Vh[..., :k, :] ** 2, [a])
    check_twice(lambda a: (parts(a).U[..., :k] * parts(a).S.unsqueeze(-2)) @ parts(a).Vh[..., :k, :], [a])


QR_CASES = [
    (shape, "reduced") for shape in [(3, 3), (4, 2), (2, 4), (2, 3, 2), (1, 2, 2, 3), (1, 3, 4, 2)]
] + [
    (shape, "complete")
    for shape in [(3, 3), (2, 4), (1, 2, 2, 3)]  # rows <= cols: see the next test
]


@pytest.mark.parametrize("shape, mode", QR_CASES)
def test_qr_twice(shape, mode, check_twice):
    a = leaf(shape)
    check_twice(lambda a: linalg.qr(a, mode=mode).Q ** 2 * 2.0, [a])
    check_twice(lambda a: linalg.qr(a, mode=mode).R.sin(), [a])


@pytest.mark.parametrize("create_graph", [False, True])
def test_qr_refuses_to_differentiate_where_it_has_no_derivative(create_graph):
    a = leaf((4, 2))
    with pytest.raises(RuntimeError, match="mode='complete' and nrows > ncols"):
        grad(linalg.qr(a, mode="complete").R.sum(), a, create_graph=create_graph)
    with pytest.raises(RuntimeError, match="mode='r'"):
        grad(linalg.qr(a, mode="r").R.sum(), a, create_graph=create_graph)


@pytest.mark.parametrize(
    "shape", [(3, 3), (2, 4, 4), (5, 3), (3, 5), (2, 3, 5)]
)  # square, batched, tall, wide
def test_lu_factor_twice(shape, check_twice):
    a = leaf(shape, seed=4)
    check_twice(lambda a: linalg.lu_factor(a).LU ** 2, [a])
    check_twice(lambda a: linalg.lu(a).L.sin() * 2.0, [a])
    check_twice(lambda a: linalg.lu(a).U.sin() * 2.0, [a])


def test_lu_solve_twice_through_the_factorisation():
    a, b = matrices((2, 3, 3), seed=5), leaf((2, 3, 2), seed=6)

    def solved(a, b):
        lu, pivots = linalg.lu_factor(a)
        return linalg.lu_solve(lu, pivots, b) ** 2

    assert autograd.gradgradcheck(solved, [a, b])
