"""``torch.geqrf``, ``torch.orgqr``, ``torch.ormqr`` (LAPACK's compact QR) and the deprecated
``torch.triangular_solve``: values against products formed here in full, a pinned PyTorch value,
batches, gradients of ``ormqr`` and ``triangular_solve`` (first and second, float64 central
differences), ``geqrf``'s missing derivative, and PyTorch's errors.

Not course material (outside the modules' solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd


def full_q(a: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """``H_1 ... H_k`` (``m x m``) for one matrix, each ``H_i = I - tau_i v_i v_iᵀ`` formed in full."""
    m = a.shape[0]
    product = np.eye(m)
    for i, t in enumerate(tau):
        v = np.zeros(m)
        v[i] = 1.0
        v[i + 1 :] = a[i + 1 :, i]
        product = product @ (np.eye(m) - t * np.outer(v, v))
    return product


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 5, 3), (1, 1), (3, 0)])
def test_geqrf_holds_r_and_the_reflectors_of_q(rng, check, shape):
    a = rng.normal(size=shape)
    h, tau = autograd.geqrf(autograd.tensor(a))
    k = min(shape[-2:])
    assert h.shape == shape and tau.shape == shape[:-2] + (k,)
    for index in np.ndindex(shape[:-2]):
        q = full_q(h[index].numpy(), tau[index].numpy())
        np.testing.assert_allclose(q @ np.triu(h[index].numpy()), a[index], atol=1e-12)  # A = Q R
        np.testing.assert_allclose(q.T @ q, np.eye(shape[-2]), atol=1e-12)
    if shape[-2] >= shape[-1]:
        check(autograd.orgqr(h, tau), np.linalg.qr(a)[0], atol=1e-12)


def test_geqrf_pytorch_value_float32_and_no_derivative(check):
    a = [[2.0, 1.0], [1.0, 3.0], [2.0, 0.0]]
    h, tau = autograd.geqrf(autograd.tensor(a, dtype=autograd.float64))
    # PyTorch 2.13: torch.geqrf(torch.tensor(a, dtype=torch.float64))
    check(h, [[-3.0, -1.66666667], [0.2, -2.68741925], [0.4, -0.20695555]], atol=1e-8)
    check(tau, [1.66666667, 1.91785704], atol=1e-8)
    single = autograd.geqrf(autograd.tensor(a))
    assert single.a.dtype == autograd.float32 and single.tau.dtype == autograd.float32
    A = autograd.tensor(a, dtype=autograd.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match="the derivative for 'geqrf' is not implemented"):
        autograd.geqrf(A).a.sum().backward()
    with pytest.raises(ValueError, match="geqrf: input must have at least 2 dimensions"):
        autograd.geqrf(autograd.zeros(3))
    with pytest.raises(TypeError, match="floating point"):
        autograd.geqrf(autograd.zeros(3, 2, dtype=autograd.int64))


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [True, False])
@pytest.mark.parametrize(("shape", "cols"), [((5, 3), 2), ((3, 5), 4), ((2, 4, 4), 3)])
def test_ormqr_multiplies_by_q_or_its_transpose_on_either_side(rng, check, left, transpose, shape, cols):
    a = rng.normal(size=shape)
    k = min(shape[-2:])
    tau = rng.uniform(0.5, 1.5, size=shape[:-2] + (k,))
    mn = shape[-2]
    other = rng.normal(size=shape[:-2] + ((mn, cols) if left else (cols, mn)))
    got = autograd.ormqr(autograd.tensor(a), autograd.tensor(tau), autograd.tensor(other), left, transpose)
    for index in np.ndindex(shape[:-2]):
        q = full_q(a[index], tau[index])
        q = q.T if transpose else q
        check(got[index], q @ other[index] if left else other[index] @ q, atol=1e-12)


@pytest.mark.parametrize(("left", "transpose"), [(True, False), (True, True), (False, False), (False, True)])
def test_ormqr_gradients(leaf, check_grad, check_twice, left, transpose):
    a, tau = leaf((2, 4, 3)), leaf((2, 3), 0.5, 1.5)
    other = leaf((2, 4, 2) if left else (2, 2, 4))
    check_grad(lambda a, tau, c: autograd.ormqr(a, tau, c, left, transpose), a, tau, other)
    check_twice(lambda a, tau, c: autograd.ormqr(a, tau, c, left=left, transpose=transpose), [a, tau, other])


def test_ormqr_errors_say_what_is_wrong():
    a, tau, c = autograd.zeros(5, 3), autograd.zeros(3), autograd.zeros(5, 2)
    cases = [
        ((autograd.zeros(5), tau, c), ValueError, "input must have at least 2 dimensions"),
        ((a, tau, autograd.zeros(5)), ValueError, "other must have at least 2 dimensions"),
        ((a, tau, autograd.zeros(4, 2)), ValueError, r"other.shape\[-2\] must be equal to input.shape\[-2\]"),
        ((a, autograd.zeros(1, 3), c), ValueError, "tau.ndim equal to 2 and input.ndim is equal to 2"),
        ((autograd.zeros(2, 5, 3), autograd.zeros(2, 3), c), ValueError, "other.ndim equal to 2 and input"),
        ((autograd.zeros(2, 5, 3), autograd.zeros(3, 3), autograd.zeros(2, 5, 2)), ValueError,
         r"batch dimensions of tau to be equal to input.shape\[:-2\] \(2,\), but got \(3,\)"),
        ((autograd.zeros(2, 5, 3), autograd.zeros(2, 3), autograd.zeros(3, 5, 2)), ValueError,
         r"batch dimensions of other .* but got \(3,\)"),
        ((a, autograd.zeros(2), c), ValueError, r"tau.shape\[-1\] must be equal to min\(other.shape\[-2\], "
         r"input.shape\[-1\]\) = 3, got 2"),
        ((a, autograd.zeros(3, dtype=autograd.float64), c), TypeError, "input and tau to have the same"),
        ((a, tau, autograd.zeros(5, 2, dtype=autograd.float64)), TypeError, "input and other to have the"),
    ]  # fmt: skip
    for args, error, message in cases:
        with pytest.raises(error, match=message):
            autograd.ormqr(*args)
    with pytest.raises(ValueError, match=r"other.shape\[-1\] must be equal to input.shape\[-2\]"):
        autograd.ormqr(a, tau, autograd.zeros(5, 2), left=False)
    with pytest.raises(TypeError, match="ormqr: argument 'left' must be bool"):
        autograd.ormqr(a, tau, c, left="yes")
    with pytest.raises(TypeError, match="^ormqr: argument 'tau' must be a Tensor, not list"):
        autograd.ormqr(a, [0.0, 0.0, 0.0], c)
    with pytest.raises(TypeError, match="^ormqr: argument 'other' must be a Tensor, not list"):
        autograd.ormqr(a, tau, [[0.0, 0.0]] * 5)


def solve_triangle(a: np.ndarray, b: np.ndarray, upper: bool, transpose: bool, unit: bool) -> np.ndarray:
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        t = t - np.diag(np.diag(t)) + np.eye(len(t))
    return np.linalg.solve(t.T if transpose else t, b)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_triangular_solve_reads_one_triangle_and_broadcasts(rng, check, upper, transpose, unit):
    a, b = rng.normal(size=(2, 3, 3)) + 3 * np.eye(3), rng.normal(size=(3, 2))
    with pytest.warns(UserWarning, match="triangular_solve is deprecated in favor of torch.linalg.solve_tri"):
        result = autograd.triangular_solve(autograd.tensor(b), autograd.tensor(a), upper, transpose, unit)
    assert type(result).__name__ == "TriangularSolveResult"
    for i in range(2):
        check(result.solution[i], solve_triangle(a[i], b, upper, transpose, unit), atol=1e-12)
    check(result.cloned_coefficient, a)
    with pytest.warns(UserWarning, match="deprecated"):
        solution, coefficient = autograd.triangular_solve(autograd.tensor(b), autograd.tensor(a[0]))
    assert coefficient.shape == (3, 3) and solution.shape == (3, 2)


@pytest.mark.filterwarnings("ignore:torch.triangular_solve is deprecated")
def test_triangular_solve_pytorch_value_and_gradients(leaf, check, check_grad, check_twice):
    # PyTorch 2.13: torch.triangular_solve(torch.tensor([[1.], [2.]]), torch.tensor([[2., 1.], [5., 4.]]),
    # transpose=True).solution
    got = autograd.triangular_solve(
        autograd.tensor([[1.0], [2.0]]), autograd.tensor([[2.0, 1.0], [5.0, 4.0]]), True, True
    )
    check(got.solution, [[0.5], [0.375]])
    a = leaf((2, 3, 3)) + autograd.tensor(3 * np.eye(3))
    a = a.detach().requires_grad_()
    b = leaf((3, 2))

    def both(b, a, upper=False, transpose=True):
        solution, coefficient = autograd.triangular_solve(b, a, upper, transpose)
        return solution.sum(-1) + coefficient.sum(-1)

    check_grad(both, b, a)
    check_grad(lambda b, a: autograd.triangular_solve(b, a, unitriangular=True).solution, b, a)
    check_twice(both, [b, a])
    with pytest.raises(ValueError, match="triangular_solve: A must be batches of square matrices"):
        autograd.triangular_solve(autograd.zeros(3, 2), autograd.zeros(3, 4))
    with pytest.raises(TypeError, match="triangular_solve: argument 'transpose' must be bool"):
        autograd.triangular_solve(autograd.zeros(3, 2), autograd.eye(3), transpose=None)
    with pytest.raises(ValueError, match=r"^triangular_solve: The input tensor b must have at least 2 dim"):
        autograd.triangular_solve(autograd.ones(3), autograd.eye(3))
    with pytest.raises(TypeError, match="^triangular_solve: argument 'b' must be a Tensor, not list"):
        autograd.triangular_solve([[1.0]], autograd.eye(1))


def test_tensor_methods_are_the_functions(rng, check):
    a = autograd.tensor(rng.normal(size=(4, 3)))
    h, tau = a.geqrf()
    check(h.orgqr(tau), autograd.orgqr(h, tau).numpy())
    c = autograd.tensor(rng.normal(size=(2, 4)))
    check(h.ormqr(tau, c, False, True), autograd.ormqr(h, tau, c, left=False, transpose=True).numpy())
    b, t = (
        autograd.tensor(rng.normal(size=(3, 2))),
        autograd.tensor(np.triu(rng.normal(size=(3, 3))) + 3 * np.eye(3)),
    )
    with pytest.warns(UserWarning, match="deprecated"):
        check(
            b.triangular_solve(t, False, True).solution,
            solve_triangle(t.numpy(), b.numpy(), False, True, False),
        )


def test_orgqr_errors_name_orgqr():
    with pytest.raises(TypeError, match="^orgqr: argument 'tau' must be a Tensor, not str"):
        autograd.orgqr(autograd.zeros(3, 2), "tau")
    with pytest.raises(ValueError, match=r"^orgqr: input.shape\[-2\] must be greater than or equal"):
        autograd.zeros(2, 3).orgqr(autograd.zeros(2))
