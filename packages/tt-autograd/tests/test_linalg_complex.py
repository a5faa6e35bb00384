"""Complex matrices in linalg: det, slogdet, logdet, inv, solve (+ ``_ex``), matrix_power, matrix_exp.

Values against NumPy's complex LAPACK (``matrix_exp`` against an eigendecomposition),
gradients by ``gradcheck`` and ``gradgradcheck`` in complex128 (batched, broadcast;
they perturb real and imaginary parts), recorded first derivatives equal to the plain
ones, and a few gradients pinned from PyTorch 2.13 (PyTorch's convention, see
``tt_autograd.complex_grad``).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradcheck import gradcheck, gradgradcheck
from tt_autograd.gradients import grad

linalg = autograd.linalg

# A fixed matrix for the values pinned from PyTorch 2.13 (torch.complex128)
PINNED = [[1 + 2j, 0.5 - 1j], [-0.3 + 0.4j, 2 - 0.5j]]


def cmatrices(shape, seed=0):
    """Complex matrices, twice the identity plus noise in both parts (well-conditioned)."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(-0.5, 0.5, shape) + 1j * rng.uniform(-0.5, 0.5, shape)
    if len(shape) >= 2 and shape[-1] == shape[-2]:
        values = values + 2 * np.eye(shape[-1])
    return autograd.tensor(values, dtype=autograd.complex128, requires_grad=True)


def pinned():
    return autograd.tensor(PINNED, dtype=autograd.complex128, requires_grad=True)


def check_both(fn, inputs):
    """gradcheck and gradgradcheck, and the recorded first derivatives equal to the plain ones."""
    assert gradcheck(fn, inputs) is True
    assert gradgradcheck(fn, inputs) is True
    out = fn(*inputs)
    rng = np.random.default_rng(3)
    weights = rng.standard_normal(out.shape) + (
        1j * rng.standard_normal(out.shape) if out.is_complex() else 0
    )
    weights = autograd.tensor(weights, dtype=out.dtype)
    recorded = grad(out, inputs, grad_outputs=weights, create_graph=True)
    plain = grad(fn(*inputs), inputs, grad_outputs=weights)
    for r, p in zip(recorded, plain):
        np.testing.assert_allclose(r.detach().numpy(), p.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_det_slogdet_logdet_values_match_numpy(shape):
    a = cmatrices(shape, seed=1)
    a_np = a.detach().numpy()
    det = linalg.det(a)
    assert det.dtype == autograd.complex128
    np.testing.assert_allclose(det.detach().numpy(), np.linalg.det(a_np), rtol=1e-12)
    sign, logabsdet = linalg.slogdet(a)
    sign_np, logabsdet_np = np.linalg.slogdet(a_np)
    assert sign.dtype == autograd.complex128 and logabsdet.dtype == autograd.float64
    np.testing.assert_allclose(sign.detach().numpy(), sign_np, rtol=1e-12)
    np.testing.assert_allclose(logabsdet.detach().numpy(), logabsdet_np, rtol=1e-12)
    logdet = autograd.logdet(a)
    assert logdet.dtype == autograd.complex128
    np.testing.assert_allclose(logdet.detach().numpy(), np.log(np.linalg.det(a_np)), rtol=1e-12)


def test_complex64_stays_complex64_and_a_real_log_part_is_float32():
    a = autograd.tensor(np.array(PINNED), dtype=autograd.complex64)
    assert linalg.det(a).dtype == linalg.inv(a).dtype == autograd.logdet(a).dtype == autograd.complex64
    assert linalg.matrix_exp(a).dtype == autograd.complex64
    sign, logabsdet = linalg.slogdet(a)
    assert (sign.dtype, logabsdet.dtype) == (autograd.complex64, autograd.float32)
    np.testing.assert_allclose(
        linalg.matrix_exp(a).numpy(), linalg.matrix_exp(a.to(autograd.complex128)).numpy(), rtol=1e-5
    )


@pytest.mark.parametrize("shape", [(3, 3), (2, 2, 2), (1, 1)])
def test_det_slogdet_logdet_gradients(shape):
    a = cmatrices(shape, seed=2)
    check_both(linalg.det, [a])
    check_both(lambda a: linalg.det(a * a) * linalg.det(a).conj(), [a])
    check_both(lambda a: linalg.slogdet(a).logabsdet, [a])
    check_both(lambda a: linalg.slogdet(a).sign, [a])
    check_both(autograd.logdet, [a])


def test_det_slogdet_and_inv_gradients_match_pytorch():
    a = pinned()
    (g,) = grad(linalg.det(a).abs(), a)
    # torch.autograd.grad(torch.linalg.det(A).abs(), A), PyTorch 2.13
    expected = [
        [0.9828721869343218 + 1.8121705946601563j, -0.09214426752509279 + 0.49143609346716094j],
        [0.3992918259420684 - 1.044301698617717j, 2.150032908918829 - 0.6142951168339509j],
    ]
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-12)
    sign, logabsdet = linalg.slogdet(a)
    # torch.linalg.slogdet(A): sign, logabsdet, and the gradient of sign.imag + logabsdet
    np.testing.assert_allclose(sign.item(), 0.6757246285173464 + 0.7371541402007415j, rtol=1e-12)
    np.testing.assert_allclose(logabsdet.item(), 1.4035705518732207, rtol=1e-12)
    (g,) = grad(sign.imag + logabsdet, a)
    expected = [
        [-0.059379268547346695 + 0.60847689141551j, -0.10423844570775505 + 0.10545529142979591j],
        [0.2715066971289794 - 0.19030626286244903j, 0.6302980571346937 + 0.20604319997142828j],
    ]
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-12)
    (g,) = grad(linalg.inv(a)[0, 0].imag, a)
    # torch.autograd.grad(torch.linalg.inv(A)[0, 0].imag, A)
    expected = [
        [0.2150800996796013 + 0.1399501601993592j, 0.0190815236739053 + 0.059238163047347824j],
        [-0.018284086863652557 - 0.13795656817372734j, 0.01765752936988253 - 0.028764684941260242j],
    ]
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-12)


def test_singular_complex_matrices():
    s = autograd.tensor([[1 + 1j, 2 - 1j], [2 + 2j, 4 - 2j]], dtype=autograd.complex128, requires_grad=True)
    sign, logabsdet = linalg.slogdet(s)
    assert (sign.item(), logabsdet.item()) == (0, -np.inf)
    logdet = autograd.logdet(s).item()  # PyTorch 2.13: -inf+nanj
    assert logdet.real == -np.inf and np.isnan(logdet.imag)
    # the gradient of Re det is conj of the cofactor matrix [[d, -c], [-b, a]] (PyTorch 2.13 gives 0)
    (plain,) = grad(linalg.det(s).real, s)
    np.testing.assert_allclose(plain.numpy(), np.conj([[4 - 2j, -2 - 2j], [-2 + 1j, 1 + 1j]]), atol=1e-12)
    weight = autograd.tensor(0.3 - 0.7j)
    (plain,) = grad(linalg.det(s), s, grad_outputs=weight)
    (recorded,) = grad(linalg.det(s), s, grad_outputs=weight, create_graph=True)
    np.testing.assert_allclose(recorded.detach().numpy(), plain.numpy())
    cofactors = np.array([[4 - 2j, -2 - 2j], [-2 + 1j, 1 + 1j]])
    np.testing.assert_allclose(plain.numpy(), (0.3 - 0.7j) * np.conj(cofactors), atol=1e-12)
    with pytest.raises(NotImplementedError, match="exactly singular"):
        grad(recorded.abs().sum(), s)
    inverse, info = linalg.inv_ex(s)
    assert info.item() == 2 and np.isnan(inverse.detach().numpy()).all()


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_inv_values_and_gradients(shape):
    a = cmatrices(shape, seed=4)
    inverse = linalg.inv(a)
    np.testing.assert_allclose(inverse.detach().numpy(), np.linalg.inv(a.detach().numpy()), rtol=1e-12)
    check_both(linalg.inv, [a])
    check_both(lambda a: linalg.inv(a * a.conj()), [a])
    inverse, info = linalg.inv_ex(a)
    assert not info.numpy().any()
    np.testing.assert_allclose(inverse.detach().numpy(), np.linalg.inv(a.detach().numpy()), rtol=1e-12)
    check_both(lambda a: linalg.inv_ex(a).inverse, [a])


@pytest.mark.parametrize(
    "shape_a, shape_b",
    [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (3, 2)), ((3, 3), (2, 3, 1)), ((2, 3, 3), (2, 3))],
)
def test_solve_values_and_gradients_with_vectors_and_broadcast_batches(shape_a, shape_b):
    a, b = cmatrices(shape_a, seed=5), cmatrices(shape_b, seed=6)
    x = linalg.solve(a, b)
    a_np, b_np = a.detach().numpy(), b.detach().numpy()
    vector = len(shape_b) == 1 or shape_b == shape_a[:-1]
    expected = np.linalg.solve(a_np, b_np[..., None])[..., 0] if vector else np.linalg.solve(a_np, b_np)
    np.testing.assert_allclose(x.detach().numpy(), expected, rtol=1e-12)
    check_both(linalg.solve, [a, b])
    check_both(lambda a, b: linalg.solve_ex(a, b).result, [a, b])


def test_solve_from_the_right_and_real_parts_of_a_complex_solve():
    a, b = cmatrices((3, 3), seed=7), cmatrices((2, 3), seed=8)
    x = linalg.solve(a, b, left=False)
    np.testing.assert_allclose((x @ a).detach().numpy(), b.detach().numpy(), atol=1e-12)
    check_both(lambda a, b: linalg.solve(a, b, left=False), [a, b])
    check_both(lambda a, b: linalg.solve(a, b.mT).abs() ** 2, [a, b])


def test_solve_gradient_matches_pytorch():
    a = pinned()
    b = autograd.tensor([1 - 1j, 2 + 0.5j], dtype=autograd.complex128, requires_grad=True)
    x = linalg.solve(a, b)
    # torch.linalg.solve(A, b), and torch.autograd.grad(x[1].abs(), (A, b)), PyTorch 2.13
    expected_x = [-0.13584905660377358 - 0.1245283018867925j, 0.8377358490566037 + 0.46792452830188674j]
    np.testing.assert_allclose(x.detach().numpy(), expected_x, rtol=1e-12)
    g_a, g_b = grad(x[1].abs(), (a, b))
    expected_a = [
        [0.0010684858431047489 + 0.02261628367905052j, 0.02172587880979658 - 0.11587135365224831j],
        [0.08832816302999258 - 0.049506510730520044j, -0.5069371722285864 + 0.14483919206531035j],
    ]
    expected_b = [-0.07865243011743292 + 0.09438291614091947j, 0.5348365247985437 + 0.12584388818789266j]
    np.testing.assert_allclose(g_a.numpy(), expected_a, rtol=1e-10)
    np.testing.assert_allclose(g_b.numpy(), expected_b, rtol=1e-10)


def test_solve_refuses_mixed_real_and_complex():
    with pytest.raises(TypeError, match="same dtype"):
        linalg.solve(cmatrices((2, 2)), autograd.ones(2, dtype=autograd.float64))


@pytest.mark.parametrize("n", [0, 1, 3, -1, -2])
def test_matrix_power(n):
    a = cmatrices((2, 3, 3), seed=9)
    expected = np.linalg.matrix_power(a.detach().numpy(), n)
    np.testing.assert_allclose(linalg.matrix_power(a, n).detach().numpy(), expected, rtol=1e-12, atol=1e-14)
    if n:
        check_both(lambda a: linalg.matrix_power(a, n), [a])


def expm_by_eig(a):
    values, vectors = np.linalg.eig(a)
    return (vectors * np.exp(values)[..., None, :]) @ np.linalg.inv(vectors)


@pytest.mark.parametrize("scale", [0.5, 8.0])  # no squaring, and a few squarings
def test_matrix_exp_values_and_gradients(scale):
    a = cmatrices((2, 3, 3), seed=10)
    a_np = a.detach().numpy() * scale
    np.testing.assert_allclose(linalg.matrix_exp(a * scale).detach().numpy(), expm_by_eig(a_np), rtol=1e-10)
    check_both(lambda a: linalg.matrix_exp(a * scale), [a])


def test_matrix_exp_gradients_of_a_batch_with_two_dims():
    a = cmatrices((1, 3, 2, 2), seed=11)  # dim 1 differs from n: the rules index the matrix dims from the end
    np.testing.assert_allclose(
        linalg.matrix_exp(a).detach().numpy(), expm_by_eig(a.detach().numpy()), rtol=1e-12
    )
    check_both(linalg.matrix_exp, [a])


def test_matrix_exp_of_i_t_j_is_cosh_and_sinh():
    t, j = 0.7, np.array([[0.0, -1.0], [1.0, 0.0]])  # J^2 = -I, so (i t J)^2 = t^2 I
    a = autograd.tensor(1j * t * j, dtype=autograd.complex128)
    expected = np.cosh(t) * np.eye(2) + 1j * np.sinh(t) * j
    np.testing.assert_allclose(linalg.matrix_exp(a).numpy(), expected, rtol=1e-12, atol=1e-15)


def test_matrix_exp_gradient_matches_pytorch():
    a = pinned()
    e = linalg.matrix_exp(a)
    # torch.linalg.matrix_exp(A) and torch.autograd.grad(e[0, 1].real + e[1, 0].imag, A), PyTorch 2.13
    expected = [
        [-1.6610584951737486 + 3.2256423130624245j, 3.68942869594008 - 1.9764255545634914j],
        [-1.7814626705787147 + 0.5744729483327302j, 6.798285264169748 - 2.2556647570779695j],
    ]
    np.testing.assert_allclose(e.detach().numpy(), expected, rtol=1e-12)
    (g,) = grad(e[0, 1].real + e[1, 0].imag, a)
    expected = [
        [1.7382891409935057 - 0.8545308150742024j, 2.8238182736243225 - 2.4643753130746826j],
        [2.5524177301529694 + 3.81763505331346j, 2.525612503279304 + 1.0494936990589792j],
    ]
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-12)
