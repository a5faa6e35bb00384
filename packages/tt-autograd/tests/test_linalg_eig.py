"""``linalg.eig`` / ``linalg.eigvals`` (linalg/eig.py): complex results, PyTorch's gradient and gauge check.

Gradients are checked by ``gradcheck``/``gradgradcheck`` through functions that
do not depend on the eigenvectors' phases (eigenvalues, ``|V|^2``, products
``conj(V_0k) V_1k``), batched, for real and complex matrices; one gradient is
pinned from PyTorch 2.13.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.gradcheck import gradcheck, gradgradcheck
from tt_autograd.gradients import grad
from tt_autograd.linalg.eig import _ComplexSolveFunction


def matrices(shape, seed=0, complex_=False):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if complex_ else 0)
    return autograd.tensor(
        values, dtype=autograd.complex128 if complex_ else autograd.float64, requires_grad=True
    )


def phase_free(a):
    """Eigenvalues and functions of the eigenvectors that do not depend on their phases."""
    values, vectors = autograd.linalg.eig(a)
    return values, vectors * vectors.conj(), vectors[..., 0, :].conj() * vectors[..., 1, :]


@pytest.mark.parametrize("complex_", [False, True])
def test_eig_decomposes_and_matches_numpy(complex_):
    a = matrices((2, 4, 4), complex_=complex_)
    values, vectors = autograd.linalg.eig(a)
    assert values.dtype == vectors.dtype == autograd.complex128
    np.testing.assert_allclose(
        (a.to(autograd.complex128) @ vectors).detach().numpy(),
        (vectors * values.unsqueeze(-2)).detach().numpy(),
        atol=1e-12,
    )
    np.testing.assert_allclose(np.linalg.norm(vectors.detach().numpy(), axis=-2), 1.0)
    expected = np.sort_complex(np.linalg.eigvals(a.detach().numpy()).reshape(-1))
    np.testing.assert_allclose(
        np.sort_complex(autograd.linalg.eigvals(a).detach().numpy().reshape(-1)), expected
    )


def test_real_eigenvalues_still_come_complex_and_batches_of_any_rank_work():
    a = autograd.tensor([[2.0, 1.0], [0.0, 3.0]], dtype=autograd.float64)  # real eigenvalues 2 and 3
    values, vectors = autograd.linalg.eig(a)
    assert values.dtype == vectors.dtype == autograd.complex128 and sorted(values.tolist(), key=abs) == [2, 3]
    m = matrices((2, 3, 4, 4), 12, True)
    expected = np.sort_complex(np.linalg.eigvals(m.detach().numpy()).reshape(-1))
    np.testing.assert_allclose(
        np.sort_complex(autograd.linalg.eigvals(m).detach().numpy().reshape(-1)), expected
    )
    assert tuple(autograd.linalg.eig(m).eigenvectors.shape) == (2, 3, 4, 4)
    h = (m + m.mH).detach()
    np.testing.assert_allclose(autograd.linalg.eigh(h).eigenvalues.numpy(), np.linalg.eigvalsh(h.numpy()))


def test_float32_gives_complex64():
    a = autograd.tensor([[0.0, -1.0], [1.0, 0.0]])
    values = autograd.linalg.eigvals(a)
    assert values.dtype == autograd.complex64
    assert sorted(values.tolist(), key=lambda z: z.imag) == [-1j, 1j]


def hermitian_phase_free(m, uplo="L"):
    values, vectors = autograd.linalg.eigh(m + m.mH, UPLO=uplo)
    return values, vectors * vectors.conj(), vectors[..., 0, :].conj() * vectors[..., 1, :]


CASES = {
    "eigvals of real matrices (batched)": (
        lambda a: autograd.linalg.eigvals(a),
        lambda: [matrices((2, 3, 3))],
    ),
    "eigvals of complex matrices": (
        lambda a: autograd.linalg.eigvals(a),
        lambda: [matrices((3, 3), 1, True)],
    ),
    "eig of real matrices (batched)": (phase_free, lambda: [matrices((2, 3, 3), 2)]),
    "eig of complex matrices": (phase_free, lambda: [matrices((3, 3), 3, True)]),
    "eigh of complex Hermitian matrices (batched)": (
        hermitian_phase_free,
        lambda: [matrices((2, 3, 3), 7, True)],
    ),
    "eigh, upper triangle": (lambda m: hermitian_phase_free(m, "U"), lambda: [matrices((3, 3), 8, True)]),
    "eigvalsh of complex Hermitian matrices": (
        lambda m: autograd.linalg.eigvalsh(m + m.mH),
        lambda: [matrices((2, 3, 3), 9, True)],
    ),
    "complex solve, constant right side": (
        lambda a: _ComplexSolveFunction.apply(
            a, autograd.tensor(np.eye(3) + 0.5j, dtype=autograd.complex128)
        ),
        lambda: [matrices((3, 3), 11, True)],
    ),
    "complex solve": (
        lambda a, b: _ComplexSolveFunction.apply(a, b),
        lambda: [matrices((3, 3), 4, True), matrices((3, 2), 5, True)],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_first_and_second_derivatives_match_central_differences(name):
    fn, make = CASES[name]
    assert gradcheck(fn, make()) and gradgradcheck(fn, make())


def test_gradient_matches_pytorch():
    a = autograd.tensor(
        [[2.0, 1.0, 0.0], [-1.0, 3.0, 1.0], [0.5, 0.0, 1.0]], dtype=autograd.float64, requires_grad=True
    )
    values, vectors = autograd.linalg.eig(a)
    weights = autograd.tensor(np.arange(9.0).reshape(3, 3), dtype=autograd.float64)
    loss = (values.real * autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64)).sum() + (
        vectors.abs() ** 2 * weights
    ).sum()
    loss.backward()
    np.testing.assert_allclose(values.detach().numpy()[0], 2.39685026299205 + 0.6873648184993012j)  # PyTorch
    np.testing.assert_allclose(  # PyTorch 2.13
        a.grad.numpy(),
        [
            [2.3181923878520787, -1.6569467632781947, 2.1105433890190395],
            [-2.477460608514311, 1.6748535785249559, -2.2044124521043758],
            [1.0508965459802462, 0.17860096928478322, 2.006954033622966],
        ],
        rtol=1e-10,
    )
    assert a.grad.dtype == autograd.float64


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_loss_that_depends_on_the_phases_is_refused_as_pytorch(create_graph):
    a = matrices((3, 3), 6, True)
    _, vectors = autograd.linalg.eig(a)
    with pytest.raises(RuntimeError, match="specified up to multiplication by e\\^\\{i phi\\}"):
        grad(vectors.real.sum(), a, create_graph=create_graph)


def test_eigh_of_complex_hermitian_matrices_is_real_ascending_and_unitary():
    m = matrices((2, 4, 4), 10, True)
    h = (m + m.mH).detach()
    values, vectors = autograd.linalg.eigh(h)
    assert values.dtype == autograd.float64 and vectors.dtype == autograd.complex128
    np.testing.assert_allclose(values.numpy(), np.linalg.eigvalsh(h.numpy()))
    np.testing.assert_allclose(
        (vectors.mH @ vectors).numpy(), np.broadcast_to(np.eye(4), (2, 4, 4)), atol=1e-12
    )
    np.testing.assert_allclose((h @ vectors).numpy(), (vectors * values.unsqueeze(-2)).numpy(), atol=1e-12)
    for create_graph in (False, True):
        _, vectors = autograd.linalg.eigh(m + m.mH)
        with pytest.raises(RuntimeError, match="linalg_eigh_backward: The eigenvectors in the complex case"):
            grad(vectors.imag.sum(), m, create_graph=create_graph)


def test_the_phase_check_has_pytorchs_tolerance_of_1e_2():
    a = matrices((3, 3), 13, True)
    _, vectors = autograd.linalg.eig(a)
    # L = eps * sum(Im V): G_V = eps * i, so Im(diag(V^H G_V)) = eps * Re(column sums of V)
    largest = np.abs(vectors.detach().numpy().sum(axis=0).real).max()
    grad((0.005 / largest) * vectors.imag.sum(), a, retain_graph=True)  # within 1e-2: accepted
    with pytest.raises(RuntimeError, match="specified up to multiplication"):
        grad((0.015 / largest) * vectors.imag.sum(), a)


def test_bad_inputs_name_the_problem():
    with pytest.raises(ValueError, match="linalg.eig: A must be batches of square matrices"):
        autograd.linalg.eig(autograd.zeros(2, 3))
    with pytest.raises(ValueError, match="linalg.eigvals: A must be batches of square matrices"):
        autograd.linalg.eigvals(autograd.zeros(4, 2, 3))
    with pytest.raises(TypeError, match="linalg.eigvals: Expected a floating point or complex tensor"):
        autograd.linalg.eigvals(autograd.tensor([[1, 2], [3, 4]]))
    with pytest.raises(RuntimeError, match="must not contain infinities or NaNs"):
        autograd.linalg.eig(autograd.tensor([[1.0, float("nan")], [0.0, 1.0]]))
    with pytest.raises(TypeError, match="must be a Tensor"):
        autograd.linalg.eig([[1.0, 0.0], [0.0, 1.0]])


def test_eigh_of_a_plain_complex_tensor_and_its_shape_errors():
    import tt_tensor

    hermitian = np.array([[2, 1j], [-1j, 3]])
    values, vectors = autograd.linalg.eigh(tt_tensor.tensor(hermitian))  # a tt-tensor Tensor, no autograd
    np.testing.assert_allclose(values.numpy(), np.linalg.eigvalsh(hermitian), atol=1e-15)
    np.testing.assert_allclose(np.abs(vectors.numpy()), np.abs(np.linalg.eigh(hermitian)[1]), atol=1e-15)
    wide = autograd.ones(2, 3, dtype=autograd.complex128)
    with pytest.raises(
        ValueError, match="^linalg.eigh: A must be batches of square matrices, but they are 2 by 3"
    ):
        autograd.linalg.eigh(wide)
    with pytest.raises(
        ValueError, match="^linalg.eigvalsh: The input tensor A must have at least 2 dimensions"
    ):
        autograd.linalg.eigvalsh(autograd.ones(3, dtype=autograd.complex64))
    message = (
        r"convert it with .float\(\) or .double\(\) \(linalg.eigh works in float32, float64, complex64 and"
    )
    with pytest.raises(TypeError, match=message):
        autograd.linalg.eigh(autograd.eye(2, dtype=autograd.int64))
