"""``tt_autograd.linalg.householder_product``: values against reflectors multiplied out here and against
NumPy's own QR (LAPACK's compact form turned back into ``Q``), batches, fewer reflectors than columns,
dtypes, first and second derivatives against float64 central differences, the parts of ``A`` it does not
read, and the errors PyTorch raises for bad shapes.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd

linalg = autograd.linalg


def reflector_product(a: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """``(H_1 ... H_k)[:, :n]`` for one matrix, each ``H_i = I - tau_i v_i v_iᵀ`` formed in full."""
    m, n = a.shape
    product = np.eye(m)
    for i, t in enumerate(tau):
        v = np.zeros(m)
        v[i] = 1.0
        v[i + 1 :] = a[i + 1 :, i]
        product = product @ (np.eye(m) - t * np.outer(v, v))
    return product[:, :n]


@pytest.mark.parametrize(("shape", "k"), [((4, 4), 4), ((6, 3), 3), ((5, 3), 2), ((3, 2), 0), ((1, 1), 1)])
def test_values_against_the_reflectors_multiplied_out(rng, check, shape, k):
    a, tau = rng.normal(size=shape), rng.normal(size=k)
    check(linalg.householder_product(autograd.tensor(a), autograd.tensor(tau)), reflector_product(a, tau))


def test_lapacks_compact_qr_gives_back_numpys_q_in_a_batch(rng, check):
    a = rng.normal(size=(2, 3, 6, 4))
    h, tau = np.linalg.qr(a, mode="raw")  # geqrf: reflectors below the diagonal (each matrix transposed)
    q = linalg.householder_product(autograd.tensor(np.swapaxes(h, -1, -2)), autograd.tensor(tau))
    check(q, np.linalg.qr(a)[0], rtol=1e-12, atol=1e-12)
    gram = q.mT @ q
    check(gram, np.broadcast_to(np.eye(4), (2, 3, 4, 4)), atol=1e-12)


def test_batch_matrices_are_independent_and_float32_stays_float32(rng, check):
    a, tau = rng.normal(size=(3, 5, 3)), rng.normal(size=(3, 2))
    result = linalg.householder_product(autograd.tensor(a), autograd.tensor(tau))
    for b in range(3):
        check(result[b], reflector_product(a[b], tau[b]))
    single = linalg.householder_product(
        autograd.tensor(a[0], dtype=autograd.float32), autograd.tensor(tau[0], dtype=autograd.float32)
    )
    assert single.dtype == autograd.float32
    check(single, reflector_product(a[0], tau[0]), rtol=1e-5, atol=1e-5)
    empty = linalg.householder_product(autograd.zeros(0, 4, 3), autograd.zeros(0, 3))
    assert empty.shape == (0, 4, 3)


@pytest.mark.parametrize(("shape", "k"), [((4, 4), 4), ((5, 3), 3), ((2, 5, 3), 2)])
def test_gradients_against_central_differences(leaf, check_grad, shape, k):
    a, tau = leaf(shape), leaf(shape[:-2] + (k,))
    check_grad(lambda a, tau: linalg.householder_product(a, tau), a, tau)


@pytest.mark.parametrize(("shape", "k"), [((3, 3), 3), ((2, 4, 3), 2)])
def test_second_derivatives_against_central_differences(leaf, check_twice, shape, k):
    a, tau = leaf(shape), leaf(shape[:-2] + (k,))
    check_twice(lambda a, tau: linalg.householder_product(a, tau), [a, tau])


def test_the_diagonal_and_upper_triangle_are_not_read(rng, check):
    a, tau = rng.normal(size=(4, 3)), rng.normal(size=3)
    changed = a + np.triu(rng.normal(size=(4, 3)))  # new values on and above the diagonal
    A = autograd.tensor(changed, requires_grad=True)
    result = linalg.householder_product(A, autograd.tensor(tau))
    check(result, reflector_product(a, tau))
    (result * autograd.tensor(rng.normal(size=(4, 3)))).sum().backward()
    grad = A.grad.numpy()
    below = np.tril(np.ones((4, 3), dtype=bool), -1)
    assert np.all(grad[~below] == 0.0) and np.all(grad[below] != 0.0)


def test_an_orthogonal_result_from_tau_two_over_the_squared_norm(rng, check):
    a = np.tril(rng.normal(size=(5, 3)), -1)
    tau = 2.0 / (1.0 + (a * a).sum(axis=0))  # v_i = e_i + a[:, i]: ‖v_i‖² = 1 + ‖a[:, i]‖²
    q = linalg.householder_product(autograd.tensor(a), autograd.tensor(tau))
    check(q.mT @ q, np.eye(3), atol=1e-13)


def test_bad_shapes_and_dtypes_say_what_is_wrong():
    op = linalg.householder_product
    with pytest.raises(
        ValueError, match=r"input.shape\[-2\] must be greater than or equal to input.shape\[-1\]"
    ):
        op(autograd.zeros(3, 4), autograd.zeros(2))
    with pytest.raises(
        ValueError, match=r"input.shape\[-1\] must be greater than or equal to tau.shape\[-1\]"
    ):
        op(autograd.zeros(4, 3), autograd.zeros(4))
    with pytest.raises(ValueError, match="got 3 columns and 4 scales"):  # the last dim of tau, not the first
        op(autograd.zeros(2, 4, 3), autograd.zeros(2, 4))
    assert op(autograd.zeros(5, 4, 3), autograd.zeros(5, 3)).shape == (5, 4, 3)
    with pytest.raises(ValueError, match="tau.ndim equal to 0 and input.ndim is equal to 2"):
        op(autograd.zeros(4, 3), autograd.tensor(1.0))
    with pytest.raises(ValueError, match="tau.ndim equal to 1 and input.ndim is equal to 3"):
        op(autograd.zeros(2, 4, 3), autograd.zeros(3))
    with pytest.raises(ValueError, match=r"batch dimensions of tau .* \(2,\), but got \(3,\)"):
        op(autograd.zeros(2, 4, 3), autograd.zeros(3, 3))
    with pytest.raises(TypeError, match="tau dtype tt.float64 does not match input dtype tt.float32"):
        op(autograd.zeros(4, 3), autograd.zeros(3, dtype=autograd.float64))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        op(autograd.zeros(4), autograd.zeros(3))
    with pytest.raises(TypeError, match="floating point"):
        op(autograd.zeros(4, 3, dtype=autograd.int64), autograd.zeros(3, dtype=autograd.int64))
    with pytest.raises(TypeError, match="argument 'tau' must be a Tensor, not float"):
        op(autograd.zeros(4, 3), 1.0)
