"""Complex matrices in linalg's SVD family: svd, svdvals, pinv, cond, matrix_rank.

Values against NumPy's complex LAPACK; gradients by ``gradcheck`` and ``gradgradcheck``
in complex128 through functions that do not depend on the singular vectors' phases
(``S``, ``u_k v_k^H``, ``|U|``); a loss that depends on them is refused with PyTorch's
message; gradients pinned from PyTorch 2.13.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradcheck import gradcheck
from tt_autograd.gradients import grad

linalg = autograd.linalg

PINNED = [[1 + 2j, 0.5 - 1j], [-0.3 + 0.4j, 2 - 0.5j], [0.7j, 1.0]]


def phase_free(full_matrices):
    """``S``, the first rank-one term ``u_0 v_0^H`` and ``|U|``: none depends on the phases."""

    def fn(a):
        u, s, vh = linalg.svd(a, full_matrices=full_matrices)
        return s, u[..., :, :1] * vh[..., :1, :], u.abs()[..., :, :2]

    return fn


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 3, 5)])
@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd_values_and_gradients(shape, full_matrices, cmatrices, check_both):
    a = cmatrices(shape, seed=1)
    u, s, vh = linalg.svd(a, full_matrices=full_matrices)
    assert (u.dtype, s.dtype, vh.dtype) == (autograd.complex128, autograd.float64, autograd.complex128)
    np.testing.assert_allclose(s.detach().numpy(), np.linalg.svd(a.detach().numpy(), compute_uv=False))
    k = min(shape[-2:])
    rebuilt = (u[..., :, :k] * s.unsqueeze(-2)) @ vh[..., :k, :]
    np.testing.assert_allclose(rebuilt.detach().numpy(), a.detach().numpy(), atol=1e-13)
    check_both(phase_free(full_matrices), [a])


def test_svdvals_and_its_gradient(cmatrices, check_both):
    a = cmatrices((2, 3, 4), seed=2)
    values = linalg.svdvals(a)
    assert values.dtype == autograd.float64
    np.testing.assert_allclose(values.detach().numpy(), np.linalg.svd(a.detach().numpy(), compute_uv=False))
    np.testing.assert_allclose(linalg.svdvals(a.detach()).numpy(), values.detach().numpy())
    check_both(linalg.svdvals, [a])


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_loss_that_depends_on_the_phases_is_refused(create_graph, cmatrices):
    a = cmatrices((3, 3), seed=3)
    u = linalg.svd(a).U
    with pytest.raises(RuntimeError, match=r"^svd_backward: The singular vectors in the complex case"):
        grad(u.real.sum(), a, create_graph=create_graph)


def test_svd_gradient_matches_pytorch():
    a = autograd.tensor(PINNED, dtype=autograd.complex128, requires_grad=True)
    u, s, vh = linalg.svd(a, full_matrices=False)
    (g,) = grad(s[0] + (u[:, :1] * vh[:1, :])[2, 1].imag, a)
    # torch.linalg.svd(A, full_matrices=False); grad of S[0] + (U[:, :1] * Vh[:1, :])[2, 1].imag, 2.13
    np.testing.assert_allclose(s.detach().numpy(), [3.1939452972550533, 1.4278352279385493], rtol=1e-12)
    expected = [
        [0.2509052240427147 + 0.4299179255961752j, 0.3031167820575699 - 0.46244851913663143j],
        [-0.11450015093318103 + 0.37992613316697826j, 0.4305202681289947 - 0.07354117724383818j],
        [-0.20010043152296492 + 0.15549407866376838j, 0.2762198333632801 + 0.12099891782991741j],
    ]
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-10)


def test_pinv_values_and_gradients(cmatrices, check_both):
    a = cmatrices((2, 4, 3), seed=4)
    np.testing.assert_allclose(
        linalg.pinv(a).detach().numpy(), np.linalg.pinv(a.detach().numpy()), atol=1e-13
    )
    check_both(linalg.pinv, [a])
    x = cmatrices((3, 3), seed=5)
    h = (x @ x.mH).detach()
    np.testing.assert_allclose(linalg.pinv(h, hermitian=True).numpy(), np.linalg.inv(h.numpy()), atol=1e-12)
    assert gradcheck(lambda x: linalg.pinv(x @ x.mH, hermitian=True), [x])
    a = autograd.tensor(PINNED, dtype=autograd.complex128, requires_grad=True)
    (g,) = grad(linalg.pinv(a)[1, 2].real, a)
    # torch.autograd.grad(torch.linalg.pinv(A)[1, 2].real, A), PyTorch 2.13
    expected = [
        [-0.004994381898350942 + 0.033826374656872854j, -0.04329766708294705 - 0.001034942741255325j],
        [-0.060984229333162054 + 0.053565482792682556j, -0.1618103440839268 + 0.03629056257325168j],
        [0.07448455049862109 - 0.14625689904630915j, 0.19913908612319137 - 0.02527396527003007j],
    ]
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-10)


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, float("inf")])
def test_cond_is_real_and_matches_numpy(p, cmatrices, check_both):
    a = cmatrices((2, 3, 3), seed=6)
    out = linalg.cond(a, p)
    assert out.dtype == autograd.float64
    np.testing.assert_allclose(out.detach().numpy(), np.linalg.cond(a.detach().numpy(), p), rtol=1e-12)
    if p in (None, -2):
        check_both(lambda a: linalg.cond(a, p), [a])
    empty = linalg.cond(autograd.zeros(0, 3, 3, dtype=autograd.complex64), p)
    assert empty.dtype == autograd.float32 and tuple(empty.shape) == (0,)


def test_matrix_rank_of_complex_matrices(cmatrices):
    low = cmatrices((2, 4, 1), seed=7) @ cmatrices((2, 1, 3), seed=8)  # rank 1 each
    assert linalg.matrix_rank(low.detach()).tolist() == [1, 1]
    assert linalg.matrix_rank(cmatrices((4, 3), seed=9).detach()).item() == 3
    h = (low @ low.mH).detach()
    assert linalg.matrix_rank(h, hermitian=True).tolist() == [1, 1]


@pytest.mark.parametrize("driver", ["gelsy", "gelsd", "gelss", "gels"])
def test_lstsq_of_complex_matrices(driver, cmatrices, check_both):
    a, b = cmatrices((2, 4, 3), seed=10), cmatrices((2, 4, 2), seed=11)
    result = linalg.lstsq(a, b, driver=driver)
    a_np, b_np = a.detach().numpy(), b.detach().numpy()
    expected = np.stack([np.linalg.lstsq(x, y, rcond=None)[0] for x, y in zip(a_np, b_np)])
    np.testing.assert_allclose(result.solution.detach().numpy(), expected, atol=1e-13)
    assert result.residuals.dtype == result.singular_values.dtype == autograd.float64
    if driver != "gelsy":  # the squared norms |A X - B|^2 of the residual columns, real
        squares = np.abs(a_np @ expected - b_np) ** 2
        np.testing.assert_allclose(result.residuals.detach().numpy(), squares.sum(-2), rtol=1e-12)
    check_both(lambda a, b: linalg.lstsq(a, b, driver=driver).solution, [a, b])
    if driver == "gels":
        check_both(lambda a, b: linalg.lstsq(a, b, driver=driver).residuals, [a, b])


@pytest.mark.parametrize("im_j, refused", [(1.025, True), (1.015, False), (0.015, True), (0.005, False)])
def test_the_phase_check_tolerances_are_pytorchs(im_j, refused, cmatrices):
    """PyTorch's check: ``Im diag(U^H G_U)`` close to ``-Im diag(V^H G_V)`` with rtol = atol = 1e-2."""
    a = cmatrices((3, 3), seed=12)
    u, s, vh = linalg.svd(a)
    u00, vh00 = u[0, 0].item(), vh[0, 0].item()
    c = 1j * im_j / np.conj(u00)  # G_U00 = c: Im (U^H G_U)_00 = im_j
    im_k = -1.0 if im_j > 0.5 else 0.0  # G_Vh00 = d: Im (V^H G_V)_00 = im_k, so -Im K is 1 or 0
    d = np.conj(1j * im_k / vh00)
    loss = s.sum() + (u[0, 0] * np.conj(c)).real + (vh[0, 0] * np.conj(d)).real
    if refused:
        with pytest.raises(RuntimeError, match="^svd_backward: The singular vectors"):
            grad(loss, a)
    else:
        grad(loss, a)


def test_svd_twice_on_a_batch_with_two_dims(cmatrices, check_both):
    a = cmatrices((1, 2, 3, 3), seed=13)  # dim 1 (2) differs from k (3)
    check_both(linalg.svdvals, [a])
