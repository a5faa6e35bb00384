"""Complex matrices in LAPACK's compact QR forms and PyTorch's older linalg names: linalg.householder_product
(orgqr), geqrf, ormqr, triangular_solve, torch.svd, svd_lowrank and pca_lowrank.

Values against their definitions in NumPy (an explicit product of reflectors ``I - tau v v^H``,
NumPy's complex QR, ``A = U diag(S) V^H``), gradients by ``gradcheck`` and ``gradgradcheck`` in
complex128, values and gradients pinned from PyTorch 2.13, and PyTorch's errors for mixed dtypes.

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
PINNED_A = [[1 + 2j, 0.5 - 1j], [-0.3 + 0.4j, 2 - 0.5j], [0.7j, 1.0]]
PINNED_TAU = [1.2 - 0.3j, 0.4 + 0.8j]


def reflector_product(a: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """``(H_1 ... H_k)[:, :n]`` for one matrix, each ``H_i = I - tau_i v_i v_i^H`` formed in full."""
    m, n = a.shape
    product = np.eye(m, dtype=complex)
    for i, t in enumerate(tau):
        v = np.zeros(m, dtype=complex)
        v[i] = 1.0
        v[i + 1 :] = a[i + 1 :, i]
        product = product @ (np.eye(m) - t * np.outer(v, np.conj(v)))
    return product[:, :n]


def compact_qr(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LAPACK's ``zgeqrf`` by NumPy (``h`` comes back transposed, not conjugated)."""
    h, tau = np.linalg.qr(a, mode="raw")
    return np.swapaxes(h, -1, -2), tau


def adjoint(a: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(a, -1, -2))


# ------------------------------------------------------------------ householder_product, orgqr
@pytest.mark.parametrize(("shape", "k"), [((4, 4), 4), ((5, 3), 3), ((5, 3), 2), ((3, 2), 0)])
def test_householder_product_against_the_reflectors_multiplied_out(shape, k, cmatrices):
    a, tau = cmatrices(shape, seed=1).detach(), cmatrices((k,), seed=2).detach()
    result = linalg.householder_product(a, tau)
    assert result.dtype == C128
    np.testing.assert_allclose(result.numpy(), reflector_product(a.numpy(), tau.numpy()), atol=1e-12)
    np.testing.assert_allclose(autograd.orgqr(a, tau).numpy(), result.numpy())


def test_householder_product_of_geqrf_is_numpys_unitary_q_in_a_batch(cmatrices):
    a = cmatrices((2, 3, 6, 4), seed=3).detach().numpy()
    h, tau = compact_qr(a)
    q = linalg.householder_product(autograd.tensor(h), autograd.tensor(tau))
    np.testing.assert_allclose(q.numpy(), np.linalg.qr(a)[0], atol=1e-13)
    np.testing.assert_allclose((q.mH @ q).numpy(), np.broadcast_to(np.eye(4), (2, 3, 4, 4)), atol=1e-13)
    np.testing.assert_allclose(q.numpy()[1, 2], reflector_product(h[1, 2], tau[1, 2]), atol=1e-13)


@pytest.mark.parametrize(("shape", "k"), [((4, 4), 4), ((5, 3), 2), ((2, 4, 3), 3)])
def test_householder_product_gradients(shape, k, cmatrices, check_both):
    a, tau = cmatrices(shape, seed=4), cmatrices(shape[:-2] + (k,), seed=5)
    check_both(linalg.householder_product, [a, tau])


def test_householder_product_matches_pytorch_and_reads_the_strict_lower_triangle():
    a = autograd.tensor(PINNED_A, dtype=C128, requires_grad=True)
    tau = autograd.tensor(PINNED_TAU, dtype=C128, requires_grad=True)
    q = linalg.householder_product(a, tau)
    g_a, g_tau = grad(q[1, 0].imag + q[2, 1].real, [a, tau])
    # torch.linalg.householder_product(A, tau), torch.autograd.grad(Q[1, 0].imag + Q[2, 1].real, [A, tau]),
    # PyTorch 2.13
    expected_q = [
        [-0.2 + 0.3j, 1.188 - 0.654j],
        [0.24 - 0.57j, 0.5052 - 0.1286j],
        [-0.21 - 0.84j, 0.0578 + 0.0316j],
    ]
    np.testing.assert_allclose(q.detach().numpy(), expected_q, atol=1e-14)
    expected_a = [[0, 0], [-0.498 - 1.536j, 0], [0.6 + 1.158j, -0.0472 + 0.3884j]]
    np.testing.assert_allclose(g_a.numpy(), expected_a, atol=1e-14)
    np.testing.assert_allclose(g_tau.numpy(), [-0.204 - 0.442j, -0.139 + 0.483j], atol=1e-14)


def test_householder_product_keeps_complex64_and_refuses_a_real_tau():
    a = autograd.tensor(PINNED_A, dtype=autograd.complex64)
    tau = autograd.tensor(PINNED_TAU, dtype=autograd.complex64)
    result = linalg.householder_product(a, tau)
    assert result.dtype == autograd.complex64
    np.testing.assert_allclose(
        result.numpy(), reflector_product(np.array(PINNED_A), np.array(PINNED_TAU)), atol=1e-6
    )
    with pytest.raises(
        TypeError,
        match=r"^linalg.householder_product: tau dtype tt.float64 does not match input dtype tt.complex128",
    ):
        linalg.householder_product(a.to(C128), tau.real.double())


# ------------------------------------------------------------------ geqrf
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4)])
def test_geqrf_holds_r_and_the_reflectors_of_q(shape, cmatrices):
    a = cmatrices(shape, seed=6).detach()
    h, tau = autograd.geqrf(a)
    assert h.dtype == tau.dtype == C128 and tau.shape == shape[:-2] + (min(shape[-2:]),)
    q_np, r_np = np.linalg.qr(a.numpy())
    k = min(shape[-2:])
    np.testing.assert_allclose(np.triu(h.numpy()[..., :k, :]), r_np, atol=1e-13)
    assert np.all(np.diagonal(h.numpy(), axis1=-2, axis2=-1).imag == 0)  # zgeqrf's R: a real diagonal
    np.testing.assert_allclose(linalg.householder_product(h[..., :, :k], tau).numpy(), q_np, atol=1e-13)


def test_geqrf_matches_pytorch_and_has_no_derivative():
    a = autograd.tensor(PINNED_A, dtype=C128, requires_grad=True)
    h, tau = autograd.geqrf(a)
    # torch.geqrf(A), PyTorch 2.13
    expected_h = [
        [-2.3958297101421877, 0.9600014517991345 + 1.3982629841422174j],
        [-0.014084065786104591 + 0.12608645548197447j, -1.903485707779613],
        [0.09013846892442139 + 0.15304744540013926j, 0.1740174808700736 + 0.10275676569872635j],
    ]
    np.testing.assert_allclose(h.detach().numpy(), expected_h, atol=1e-14)
    expected_tau = [1.417391935564841 + 0.8347838711296822j, 1.8884399937416516 - 0.24995057179710073j]
    np.testing.assert_allclose(tau.detach().numpy(), expected_tau, atol=1e-14)
    with pytest.raises(NotImplementedError, match="the derivative for 'geqrf' is not implemented"):
        grad(h.abs().sum(), a)


# ------------------------------------------------------------------ ormqr
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_ormqr_multiplies_by_q_or_its_conjugate_transpose(left, transpose, cmatrices):
    a = cmatrices((2, 5, 3), seed=7).detach()
    h, tau = autograd.geqrf(a)
    other = cmatrices((2, 5, 2) if left else (2, 2, 5), seed=8).detach()
    full_q = np.stack(
        [reflector_product(np.pad(m, ((0, 0), (0, 2))), t) for m, t in zip(h.numpy(), tau.numpy())]
    )
    q = adjoint(full_q) if transpose else full_q  # PyTorch's transpose=True is Q^H for complex
    expected = q @ other.numpy() if left else other.numpy() @ q
    result = autograd.ormqr(h, tau, other, left=left, transpose=transpose)
    np.testing.assert_allclose(result.numpy(), expected, atol=1e-13)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_ormqr_gradients(left, transpose, cmatrices, check_both):
    a, tau = cmatrices((4, 3), seed=9), cmatrices((3,), seed=10)
    other = cmatrices((4, 2) if left else (2, 4), seed=11)
    check_both(lambda a, t, o: autograd.ormqr(a, t, o, left=left, transpose=transpose), [a, tau, other])


def test_ormqr_matches_pytorch():
    a = autograd.tensor(PINNED_A, dtype=C128, requires_grad=True)
    tau = autograd.tensor(PINNED_TAU, dtype=C128, requires_grad=True)
    other = autograd.tensor([[1.0, 0.5j], [2 - 1j, 0.0], [0.3, 1 + 1j]], dtype=C128, requires_grad=True)
    y = autograd.ormqr(a, tau, other, transpose=True)
    g_tau, g_other = grad(y[0, 1].real + y[2, 0].imag, [tau, other])
    # torch.ormqr(A, tau, C, transpose=True), torch.autograd.grad(Y[0, 1].real + Y[2, 0].imag, [tau, C]),
    # PyTorch 2.13
    expected_y = [
        [0.787 + 0.852j, -0.9 + 0.53j],
        [2.34434 + 0.39652j, -0.2376 + 0.6202j],
        [0.32484 + 1.58822j, 0.4834 + 1.3592j],
    ]
    np.testing.assert_allclose(y.detach().numpy(), expected_y, atol=1e-14)
    np.testing.assert_allclose(g_tau.numpy(), [-1.2396 + 0.2142j, 1.4899 + 1.4267j], atol=1e-14)
    expected_other = [
        [0.204 + 0.918j, -0.2 + 0.3j],
        [0.3716 - 0.5938j, 0.24 - 0.57j],
        [0.1574 + 0.7428j, -0.21 - 0.84j],
    ]
    np.testing.assert_allclose(g_other.numpy(), expected_other, atol=1e-14)


def test_ormqr_refuses_mixed_dtypes():
    a, tau = autograd.tensor(PINNED_A, dtype=C128), autograd.tensor(PINNED_TAU, dtype=C128)
    with pytest.raises(TypeError, match="^torch.ormqr: Expected input and other to have the same dtype"):
        autograd.ormqr(a, tau, autograd.ones(3, 2, dtype=autograd.float64))
    with pytest.raises(TypeError, match="^torch.ormqr: Expected input and tau to have the same dtype"):
        autograd.ormqr(a, tau.to(autograd.complex64), autograd.ones(3, 2, dtype=C128))


# ------------------------------------------------------------------ triangular_solve
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_triangular_solve_values_and_gradients(upper, transpose, cmatrices, check_both):
    a = cmatrices((2, 3, 3), seed=12)
    shift = 3 * autograd.eye(3, dtype=C128)
    b = cmatrices((2, 3, 2), seed=13)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        x, clone = autograd.triangular_solve(b, a + shift, upper=upper, transpose=transpose)
        triangle = np.triu((a + shift).detach().numpy()) if upper else np.tril((a + shift).detach().numpy())
        op = np.swapaxes(triangle, -1, -2) if transpose else triangle  # T^T, not T^H, as PyTorch's
        np.testing.assert_allclose(x.detach().numpy(), np.linalg.solve(op, b.detach().numpy()), atol=1e-13)
        np.testing.assert_array_equal(clone.detach().numpy(), (a + shift).detach().numpy())

        def solution(b, a):
            return autograd.triangular_solve(b, a + shift, upper=upper, transpose=transpose).solution

        check_both(solution, [b, a])


def test_triangular_solve_matches_pytorch_and_refuses_mixed_dtypes():
    t = autograd.tensor([[2 + 1j, 1 - 1j], [0.5j, 3.0]], dtype=C128)
    b = autograd.tensor([[1.0], [1j]], dtype=C128)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        x = autograd.triangular_solve(b, t, upper=True, transpose=True).solution
        # torch.triangular_solve(b, T, upper=True, transpose=True), PyTorch 2.13
        np.testing.assert_allclose(x.numpy(), [[0.4 - 0.2j], [-1 / 15 + 8j / 15]], atol=1e-15)
        message = (
            r"^triangular_solve: Expected b and A to have the same dtype, but found b of type tt.float64 "
            r"and A of type tt.complex128 instead"
        )
        with pytest.raises(TypeError, match=message):
            autograd.triangular_solve(b.real.double(), t)
        with pytest.raises(TypeError, match="found b of type tt.complex128 and A of type tt.complex64"):
            autograd.triangular_solve(b, t.to(autograd.complex64))


# ------------------------------------------------------------------ torch.svd
@pytest.mark.parametrize("some", [True, False])
def test_svd_v_is_vh_conjugate_transposed(some, cmatrices, check_both):
    a = cmatrices((2, 4, 3), seed=14)
    u, s, v = autograd.svd(a, some=some)
    assert s.dtype == autograd.float64 and u.dtype == v.dtype == C128
    k = 3
    rebuilt = (u[..., :, :k] * s.to(C128).unsqueeze(-2)) @ v[..., :, :k].mH
    np.testing.assert_allclose(rebuilt.detach().numpy(), a.detach().numpy(), atol=1e-13)
    np.testing.assert_allclose(
        v.detach().numpy(), adjoint(linalg.svd(a, full_matrices=not some).Vh.detach().numpy())
    )

    def low_rank(a):  # phase-free: the rank-2 part U_2 S_2 V_2^H
        u, s, v = autograd.svd(a, some=some)
        return (u[..., :, :2] * s[..., :2].to(C128).unsqueeze(-2)) @ v[..., :, :2].mH

    check_both(low_rank, [a])


def test_svd_without_u_and_v_gives_complex_zeros(cmatrices, check_both):
    a = cmatrices((2, 4, 3), seed=15)
    u, s, v = autograd.svd(a, compute_uv=False)
    assert u.dtype == v.dtype == C128 and s.dtype == autograd.float64
    assert u.shape == (2, 4, 4) and v.shape == (2, 3, 3) and not u.numpy().any() and not v.numpy().any()
    np.testing.assert_allclose(
        s.detach().numpy(), np.linalg.svd(a.detach().numpy(), compute_uv=False), atol=1e-13
    )
    check_both(lambda a: autograd.svd(a, compute_uv=False).S, [a])


# ------------------------------------------------------------------ svd_lowrank, pca_lowrank
def low_rank_complex(shape, rank, seed):
    rng = np.random.default_rng(seed)

    def normal(*s):
        return rng.standard_normal(s) + 1j * rng.standard_normal(s)

    return normal(*shape[:-1], rank) @ normal(*shape[:-2], rank, shape[-1])


def seeded(fn):
    def call(*args):
        autograd.manual_seed(3)
        return fn(*args)

    return call


@pytest.mark.parametrize(("shape", "q"), [((8, 5), 3), ((5, 8), 3), ((3, 7, 4), 2)])
def test_svd_lowrank_is_exact_on_complex_matrices_of_rank_q(shape, q):
    a = low_rank_complex(shape, q, seed=16)
    autograd.manual_seed(0)
    u, s, v = autograd.svd_lowrank(autograd.tensor(a, dtype=C128), q=q, niter=1)
    m, n = shape[-2:]
    assert u.shape == shape[:-2] + (m, q) and v.shape == shape[:-2] + (n, q) and s.dtype == autograd.float64
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(a, compute_uv=False)[..., :q], atol=1e-10)
    np.testing.assert_allclose(((u * s.to(C128).unsqueeze(-2)) @ v.mH).numpy(), a, atol=1e-10)
    np.testing.assert_allclose(
        (u.mH @ u).numpy(), np.broadcast_to(np.eye(q), shape[:-2] + (q, q)), atol=1e-12
    )
    np.testing.assert_allclose(
        (v.mH @ v).numpy(), np.broadcast_to(np.eye(q), shape[:-2] + (q, q)), atol=1e-12
    )


def test_svd_lowrank_subtracts_m_and_pca_lowrank_centres(cmatrices):
    a = low_rank_complex((6, 4), 2, seed=17)
    mean = cmatrices((1, 4), seed=18).detach()
    autograd.manual_seed(1)
    shifted = autograd.tensor(a, dtype=C128) + mean
    u, s, v = autograd.svd_lowrank(shifted, q=2, niter=1, M=mean)
    np.testing.assert_allclose(((u * s.to(C128).unsqueeze(-2)) @ v.mH).numpy(), a, atol=1e-10)
    centred = a - a.mean(axis=0)
    u, s, v = autograd.pca_lowrank(autograd.tensor(a, dtype=C128) + mean, q=3, niter=1)
    np.testing.assert_allclose(((u * s.to(C128).unsqueeze(-2)) @ v.mH).numpy(), centred, atol=1e-10)
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(centred, compute_uv=False)[:3], atol=1e-10)


def test_svd_lowrank_and_pca_lowrank_gradients(cmatrices, check_both):
    a = cmatrices((5, 4), seed=19)

    def rebuilt(u, s, v):  # free of the singular vectors' phases
        return (u * s.to(C128).unsqueeze(-2)) @ v.mH

    check_both(seeded(lambda a: rebuilt(*autograd.svd_lowrank(a, q=2, niter=1))), [a])
    check_both(seeded(lambda a: autograd.pca_lowrank(a.mT, q=2, niter=1)[1]), [a])
