"""``tt_autograd.linalg`` factorisations and what is built on them: ``cholesky``, ``qr`` (every mode, tall and
wide), ``eigh``/``eigvalsh``, ``svd``/``svdvals``, ``pinv``, ``matrix_rank``, ``lstsq`` (every driver),
``matrix_power``, ``multi_dot``, ``vecdot`` and the aliases (``torch.svd``'s old API, ``torch.qr``,
``pinverse``, Tensor methods): reconstruction identities and NumPy float64 references, gradients against
central differences on batched inputs through gauge-invariant functions (signs of eigen- and singular
vectors are implementation-defined), PyTorch's sign conventions where they are defined (LAPACK's,
checked against torch 2.13 in a scratch script and pinned here), dtypes and errors.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.tracing import record_calls

linalg = autograd.linalg


def _t(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


def _spd(x):
    """A symmetric positive-definite matrix from any square ``x`` (recorded)."""
    return x @ x.mT + 3 * autograd.eye(x.shape[-1], dtype=x.dtype)


def _sym(x):
    return (x + x.mT) * 0.5


# ------------------------------------------------------------------ cholesky
def test_cholesky_values_gradients(leaf, check, check_grad):
    x = leaf((2, 3, 4, 4))
    spd = _spd(x).detach().numpy()
    lower = linalg.cholesky(_spd(x))
    check(lower, np.linalg.cholesky(spd), rtol=1e-12)
    check(lower @ lower.mT, spd, rtol=1e-12)
    assert np.all(np.triu(lower.detach().numpy(), 1) == 0) and np.all(
        np.diagonal(lower.detach().numpy(), 0, -2, -1) > 0
    )
    check(linalg.cholesky(_spd(x), upper=True), _t(np.linalg.cholesky(spd)), rtol=1e-12)
    check_grad(lambda t: linalg.cholesky(_spd(t)), x)
    check_grad(lambda t: linalg.cholesky(_spd(t), upper=True), x)
    check(autograd.cholesky(_spd(x), upper=True), _t(np.linalg.cholesky(spd)))
    check(autograd.cholesky(_spd(x)), np.linalg.cholesky(spd))  # default: lower
    check(_spd(x).cholesky(), np.linalg.cholesky(spd))


def test_cholesky_reads_the_lower_triangle_and_its_gradient_is_symmetric(rng, check):
    spd = np.array([[4.0, 2.0], [2.0, 3.0]])
    garbage_upper = spd + np.triu(rng.uniform(size=(2, 2)), 1)
    a = autograd.tensor(garbage_upper, dtype=autograd.float64, requires_grad=True)
    lower = linalg.cholesky(a)
    check(lower, np.linalg.cholesky(spd))
    (lower * autograd.tensor([[1.0, 0.0], [2.0, 3.0]], dtype=autograd.float64)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), _t(a.grad.numpy()))
    # torch 2.13 on [[2, 1], [1, 2]] with loss sum(L): [[0.2788, 0.1494], [0.1494, 0.4082]]
    b = autograd.tensor([[2.0, 1.0], [1.0, 2.0]], dtype=autograd.float64, requires_grad=True)
    linalg.cholesky(b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [[0.2788, 0.1494], [0.1494, 0.4082]], atol=1e-4)


def test_cholesky_errors_mirror_pytorch():
    tail = "The factorization could not be completed because the input is not positive-definite"
    with pytest.raises(
        linalg.LinAlgError, match=rf"^linalg.cholesky: {tail} \(the leading minor of order 2 is"
    ):
        linalg.cholesky(autograd.tensor([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(linalg.LinAlgError, match=r"minor of order 1 is not positive-definite\)\.$"):
        linalg.cholesky(autograd.tensor([[-1.0, 0.0], [0.0, 1.0]]))
    with pytest.raises(linalg.LinAlgError, match=r"minor of order 3 is"):
        linalg.cholesky(autograd.tensor(np.diag([1.0, 2.0, 0.0, 1.0])))
    batch = np.stack([np.eye(2)] * 3 + [-np.eye(2)]).reshape(2, 2, 2, 2)
    with pytest.raises(
        linalg.LinAlgError, match=rf"\(Batch element 3\): {tail} \(the leading minor of order 1"
    ):
        linalg.cholesky(autograd.tensor(batch))
    with pytest.raises(linalg.LinAlgError, match=r"\(Batch element 1\): .*minor of order 2 is"):
        linalg.cholesky(autograd.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]]))  # torch 2.13
    batch = np.stack([np.eye(3), np.diag([1.0, 2.0, 0.0])]).reshape(2, 1, 3, 3)
    with pytest.raises(linalg.LinAlgError, match=r"\(Batch element 1\): .*minor of order 3 is"):
        linalg.cholesky(autograd.tensor(batch))
    with pytest.raises(ValueError, match="square matrices, but they are 2 by 3"):
        linalg.cholesky(autograd.ones(2, 3))


# ------------------------------------------------------------------ qr
@pytest.mark.parametrize("shape", [(2, 2, 5, 3), (2, 3, 3), (2, 3, 5), (4, 1)])
def test_qr_reduced_identities_and_gradients(leaf, check, check_grad, shape):
    a = leaf(shape)
    values = a.detach().numpy()
    q, r = linalg.qr(a)
    k = min(shape[-2:])
    assert q.shape == shape[:-1] + (k,) and r.shape == shape[:-2] + (k, shape[-1])
    check(q @ r, values, atol=1e-12)
    check(q.mT @ q, np.broadcast_to(np.eye(k), shape[:-2] + (k, k)), atol=1e-12)
    assert np.all(np.tril(r.detach().numpy(), -1) == 0)
    ref_q, ref_r = np.linalg.qr(values)  # LAPACK's Householder signs, PyTorch's too
    check(q, ref_q, atol=1e-12)
    check(r, ref_r, atol=1e-12)
    check_grad(lambda t: tuple(linalg.qr(t)), a)
    check_grad(lambda t: linalg.qr(t).R, a)
    check_grad(lambda t: linalg.qr(t).Q, a)


def test_qr_modes_signs_and_backward_limits(leaf, check, check_grad):
    q, r = linalg.qr(autograd.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=autograd.float64))
    root = np.sqrt(
        10.0
    )  # torch 2.13: Q = -[[1, 3], [3, -1]] / sqrt(10), R = [[-sqrt 10, -14 / sqrt 10], [0, -2 / sqrt 10]]
    check(q, -np.array([[1.0, 3.0], [3.0, -1.0]]) / root, rtol=1e-12)
    check(r, np.array([[-root, -14 / root], [0.0, -2 / root]]), rtol=1e-12)
    tall = leaf((2, 5, 3))
    q, r = linalg.qr(tall, "complete")
    assert q.shape == (2, 5, 5) and r.shape == (2, 5, 3)
    check(q @ r, tall.detach().numpy(), atol=1e-12)
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        q.sum().backward()
    q, r = linalg.qr(tall, "r")
    assert q.shape == (0,) and r.shape == (2, 3, 3)
    check(r, np.linalg.qr(tall.detach().numpy())[1], atol=1e-12)
    with pytest.raises(RuntimeError, match="depends on Q, which is not computed when mode='r'"):
        r.sum().backward()
    wide = leaf((2, 3, 5))
    check_grad(lambda t: tuple(linalg.qr(t, "complete")), wide)  # m <= n: the reduced factors
    square = leaf((3, 3))
    check_grad(lambda t: tuple(linalg.qr(t, "complete")), square)
    q, r = autograd.qr(tall, some=False)
    assert q.shape == (2, 5, 5)
    q, r = tall.qr()
    assert q.shape == (2, 5, 3)
    assert linalg.qr(autograd.eye(3)).Q.dtype == autograd.float32
    with pytest.raises(ValueError, match="unrecognized mode 'abc'"):
        linalg.qr(tall, "abc")
    with pytest.raises(TypeError, match="^linalg.qr: Expected a floating point tensor as input. Got int64"):
        linalg.qr(autograd.tensor([[1, 2], [3, 4]]))
    with pytest.raises(ValueError, match="^linalg.qr: The input tensor A must have at least 2 dimensions"):
        linalg.qr(autograd.ones(3))


# ------------------------------------------------------------------ eigh
def test_eigh_identities_gradients_and_pinned_values(leaf, check, check_grad):
    x = leaf((2, 3, 4, 4))
    a = _sym(x)
    values = a.detach().numpy()
    w, v = linalg.eigh(a)
    check(w, np.linalg.eigvalsh(values), rtol=1e-10)
    assert np.all(np.diff(w.detach().numpy(), axis=-1) > 0)  # ascending
    check(a @ v, (v * w.unsqueeze(-2)).detach().numpy(), atol=1e-12)
    check(v.mT @ v, np.broadcast_to(np.eye(4), (2, 3, 4, 4)), atol=1e-12)
    check_grad(lambda t: linalg.eigh(_sym(t)).eigenvalues, x)
    check_grad(lambda t: linalg.eigh(_sym(t)).eigenvectors ** 2, x)  # |V|^2 does not depend on signs
    check_grad(lambda t: linalg.eigvalsh(_sym(t)), x)
    w, v = linalg.eigh(autograd.tensor([[2.0, 1.0], [1.0, 2.0]]))  # torch 2.13
    np.testing.assert_allclose(w.numpy(), [1.0, 3.0], rtol=1e-6)
    np.testing.assert_allclose(v.numpy(), np.array([[-1.0, 1.0], [1.0, 1.0]]) / np.sqrt(2), rtol=1e-6)
    assert w.dtype == autograd.float32
    upper = autograd.tensor([[2.0, 5.0], [1.0, 2.0]])  # reads only the triangle UPLO names
    np.testing.assert_allclose(linalg.eigvalsh(upper, "U").numpy(), [-3.0, 7.0], rtol=1e-6)
    np.testing.assert_allclose(linalg.eigvalsh(upper).numpy(), [1.0, 3.0], rtol=1e-6)
    with pytest.raises(ValueError, match="linalg.eigh: expected UPLO argument to be 'L' or 'U', but got X"):
        linalg.eigh(upper, "X")


def test_eigh_gradient_is_symmetric_for_any_input(leaf):
    x = leaf((4, 4))
    w, v = linalg.eigh(x)  # reads the lower triangle; the gradient is symmetric, as PyTorch's
    (
        w.sum() * 0
        + (w * autograd.tensor([1.0, 2.0, 3.0, 4.0], dtype=autograd.float64)).sum()
        + (v**2)[0].sum()
    ).backward()
    np.testing.assert_allclose(x.grad.numpy(), _t(x.grad.numpy()), atol=1e-12)


# ------------------------------------------------------------------ svd
@pytest.mark.parametrize("shape", [(2, 3, 5, 3), (2, 3, 5), (4, 4)])
def test_svd_identities_and_gradients(leaf, check, check_grad, shape):
    a = leaf(shape)
    values = a.detach().numpy()
    m, n = shape[-2:]
    k = min(m, n)
    u, s, vh = linalg.svd(a, full_matrices=False)
    assert u.shape == shape[:-1] + (k,) and s.shape == shape[:-2] + (k,) and vh.shape == shape[:-2] + (k, n)
    check(s, np.linalg.svd(values, compute_uv=False), rtol=1e-12)
    check((u * s.unsqueeze(-2)) @ vh, values, atol=1e-12)
    check(u.mT @ u, np.broadcast_to(np.eye(k), shape[:-2] + (k, k)), atol=1e-12)
    check(vh @ vh.mT, np.broadcast_to(np.eye(k), shape[:-2] + (k, k)), atol=1e-12)
    check(linalg.svdvals(a), np.linalg.svd(values, compute_uv=False), rtol=1e-12)
    check(linalg.svdvals(a.detach()), np.linalg.svd(values, compute_uv=False), rtol=1e-12)
    check_grad(lambda t: linalg.svdvals(t), a)
    check_grad(lambda t: (lambda r: (r.U * r.S.unsqueeze(-2)) @ r.Vh)(linalg.svd(t, full_matrices=False)), a)
    check_grad(lambda t: (lambda r: (r.U**2, r.Vh**2))(linalg.svd(t, full_matrices=False)), a)
    u, s, vh = linalg.svd(a)  # full_matrices=True
    assert u.shape == shape[:-1] + (m,) and vh.shape == shape[:-2] + (n, n)
    check(u.mT @ u, np.broadcast_to(np.eye(m), shape[:-2] + (m, m)), atol=1e-12)
    check(vh @ vh.mT, np.broadcast_to(np.eye(n), shape[:-2] + (n, n)), atol=1e-12)
    check_grad(lambda t: (lambda r: (r.U[..., :k] ** 2, r.S, r.Vh[..., :k, :] ** 2))(linalg.svd(t)), a)


def test_svd_full_matrices_extra_columns_carry_no_gradient(leaf):
    a = leaf((5, 3))
    u, s, vh = linalg.svd(a)
    (u[:, 3:] ** 3).sum().backward()  # torch 2.13: zero too (those columns are not unique)
    np.testing.assert_array_equal(a.grad.numpy(), np.zeros((5, 3)))


def test_svd_old_api_and_aliases(leaf, check):
    a = leaf((2, 5, 3))
    values = a.detach().numpy()
    u, s, v = autograd.svd(a)  # torch.svd: V, not Vh, and reduced by default
    assert u.shape == (2, 5, 3) and v.shape == (2, 3, 3)
    check((u * s.unsqueeze(-2)) @ v.mT, values, atol=1e-12)
    u, s, v = a.svd(some=False)
    assert u.shape == (2, 5, 5) and v.shape == (2, 3, 3)
    u, s, v = a.svd()  # defaults: reduced, with U and V
    assert u.shape == (2, 5, 3)
    check((u * s.unsqueeze(-2)) @ v.mT, values, atol=1e-12)
    q, r = autograd.qr(a)  # default: reduced
    assert q.shape == (2, 5, 3) and r.shape == (2, 3, 3)
    result = autograd.svd(a, compute_uv=False)  # torch 2.13: zero U and V of the full shapes
    assert result._fields == ("U", "S", "V")
    check(result.U, np.zeros((2, 5, 5)))
    check(result.V, np.zeros((2, 3, 3)))
    check(result.S, np.linalg.svd(values, compute_uv=False), rtol=1e-12)
    assert linalg.svd(autograd.eye(2)).S.dtype == autograd.float32
    assert linalg.svdvals(autograd.tensor([[3.0, 0.0], [0.0, -4.0]])).tolist() == [4.0, 3.0]


# ------------------------------------------------------------------ pinv, matrix_rank, lstsq
@pytest.mark.parametrize("shape", [(2, 5, 3), (2, 3, 5)])
def test_pinv(leaf, check, check_grad, shape):
    a = leaf(shape)
    check(linalg.pinv(a), np.linalg.pinv(a.detach().numpy()), rtol=1e-10)
    check(autograd.pinverse(a), np.linalg.pinv(a.detach().numpy()), rtol=1e-10)
    check(a.pinverse(), np.linalg.pinv(a.detach().numpy()), rtol=1e-10)
    check_grad(linalg.pinv, a)


def test_pinv_rank_deficient_hermitian_and_tolerances(leaf, check, check_grad):
    deficient = autograd.tensor([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]], dtype=autograd.float64)
    check(linalg.pinv(deficient), [[0.04, 0.08, 0.0], [0.08, 0.16, 0.0]], atol=1e-12)  # torch 2.13
    diag = autograd.tensor([[1.0, 0.0], [0.0, 0.4]], dtype=autograd.float64)
    check(linalg.pinv(diag, atol=0.5), [[1.0, 0.0], [0.0, 0.0]])
    check(linalg.pinv(diag, atol=0.3), [[1.0, 0.0], [0.0, 2.5]])
    check(linalg.pinv(diag, rtol=0.5), [[1.0, 0.0], [0.0, 0.0]])
    check(linalg.pinv(diag, atol=0.1, rtol=0.5), [[1.0, 0.0], [0.0, 0.0]])
    check(linalg.pinv(diag, atol=0.5, rtol=0.1), [[1.0, 0.0], [0.0, 0.0]])
    check(autograd.pinverse(diag, rcond=0.5), [[1.0, 0.0], [0.0, 0.0]])
    x = leaf((2, 3, 3))
    symmetric = _sym(x).detach().numpy()
    check(linalg.pinv(_sym(x), hermitian=True), np.linalg.pinv(symmetric), rtol=1e-10)
    check(linalg.pinv(autograd.tensor([[2.0, 0.0], [0.0, -1e-20]]), hermitian=True), [[0.5, 0.0], [0.0, 0.0]])
    check_grad(lambda t: linalg.pinv(_sym(t), hermitian=True), x)
    cut = autograd.tensor([[1.0, 0.0], [0.0, 1e-3]], dtype=autograd.float64, requires_grad=True)
    linalg.pinv(cut, atol=0.01).sum().backward()  # the cut value gets a zero gradient, the rest finite ones
    np.testing.assert_allclose(cut.grad.numpy(), [[-1.0, 1 / 0.999], [1 / 0.999, 0.0]], rtol=1e-9)
    check_grad(
        lambda t: linalg.pinv(t, atol=0.01), cut
    )  # torch 2.13 gives 1 off the diagonal: its gradcheck fails


def test_matrix_rank():
    stack = autograd.tensor(
        [[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1e-17]], [[1.0, 0.0], [0.0, 1e-10]]]
    )
    assert linalg.matrix_rank(stack.double()).tolist() == [1, 1, 2]  # torch 2.13
    assert linalg.matrix_rank(stack.double()).dtype == autograd.int64
    diag = autograd.tensor([[1.0, 0.0], [0.0, 0.4]])
    assert linalg.matrix_rank(diag, atol=0.5).item() == 1
    assert linalg.matrix_rank(diag, atol=0.3).item() == 2
    assert linalg.matrix_rank(diag, atol=0.1, rtol=0.5).item() == 1
    assert linalg.matrix_rank(diag, rtol=0.3).item() == 2
    assert linalg.matrix_rank(autograd.tensor([[1.0, 0.0], [0.0, -0.4]]), hermitian=True).item() == 2
    assert linalg.matrix_rank(autograd.ones(2, 3, 4)).tolist() == [1, 1]


def test_rank_tolerance_rules_pinned_to_pytorch():
    """``rtol = eps * max(m, n)`` (not batch size, not min) unless ``atol > 0``; ``S_max`` may be below 1."""
    eps = np.finfo(np.float64).eps
    a = np.zeros((20, 8, 2))
    a[:, 0, 0] = 1.0
    a[::2, 1, 1], a[1::2, 1, 1] = 4 * eps, 12 * eps  # either side of the cut-off 8 eps
    stack = autograd.tensor(a, dtype=autograd.float64)
    assert linalg.matrix_rank(stack).tolist() == [1, 2] * 10  # torch 2.13
    assert linalg.matrix_rank(stack, atol=0).tolist() == [1, 2] * 10  # atol 0 keeps the default rtol
    assert linalg.matrix_rank(stack, atol=1e-20).tolist() == [2, 2] * 10  # atol > 0: rtol 0
    small = autograd.tensor([[0.5, 0.0], [0.0, 0.2]], dtype=autograd.float64)
    assert linalg.matrix_rank(small, rtol=0.3).item() == 2
    np.testing.assert_allclose(linalg.pinv(stack[:2]).numpy()[1, 1, 1], 1 / (12 * eps))
    assert linalg.pinv(stack[:2]).numpy()[0, 1, 1] == 0.0


def test_pinv_and_rank_cut_strictly_above_the_tolerance():
    """A value equal to the tolerance is cut; a zero matrix (tolerance 0): rank 0, pinv 0 (torch 2.13)."""
    diag = autograd.tensor([[1.0, 0.0], [0.0, 0.5]], dtype=autograd.float64)
    negative = autograd.tensor([[1.0, 0.0], [0.0, -0.5]], dtype=autograd.float64)
    cut = [[1.0, 0.0], [0.0, 0.0]]
    np.testing.assert_array_equal(linalg.pinv(diag, atol=0.5).numpy(), cut)
    np.testing.assert_array_equal(linalg.pinv(negative, atol=0.5, hermitian=True).numpy(), cut)
    assert linalg.matrix_rank(diag, atol=0.5).item() == 1
    assert linalg.matrix_rank(negative, atol=0.5, hermitian=True).item() == 1
    np.testing.assert_array_equal(
        linalg.pinv(autograd.zeros(2, 3, dtype=autograd.float64)).numpy(), np.zeros((3, 2))
    )
    zero = autograd.zeros(2, 2, dtype=autograd.float64)
    np.testing.assert_array_equal(linalg.pinv(zero, hermitian=True).numpy(), np.zeros((2, 2)))
    assert (
        linalg.matrix_rank(autograd.zeros(2, 3)).item() == 0
        and linalg.matrix_rank(zero, hermitian=True).item() == 0
    )


def test_the_older_positional_tolerances_of_pinv_and_matrix_rank():
    """PyTorch 2.13 (scratch): ``pinv(A, rcond)`` is ``rtol=rcond``; ``matrix_rank(A, tol)`` ``atol=tol``."""
    a = autograd.tensor(
        [[10.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.01], [0.0, 0.0, 0.0]], dtype=autograd.float64
    )
    # singular values 10, 1, 0.01: a relative 0.2 (tolerance 2) keeps one, an absolute 0.2 keeps two
    np.testing.assert_array_equal(linalg.pinv(a, 0.2).numpy(), linalg.pinv(a, rtol=0.2).numpy())
    assert np.count_nonzero(linalg.pinv(a, 0.2).numpy()) == 1
    assert linalg.matrix_rank(a, 0.2).item() == 2 and linalg.matrix_rank(a, rtol=0.2).item() == 1
    assert linalg.matrix_rank(a, autograd.tensor(0.2)).item() == 2
    spd = a.mT @ a
    np.testing.assert_array_equal(
        linalg.pinv(spd, 0.5, True).numpy(), linalg.pinv(spd, rtol=0.5, hermitian=True).numpy()
    )
    with pytest.raises(TypeError, match=r"^linalg.pinv: give rcond or atol/rtol, not both"):
        linalg.pinv(a, 0.1, atol=0.2)
    with pytest.raises(TypeError, match=r"^linalg.matrix_rank: give tol or atol/rtol, not both"):
        linalg.matrix_rank(a, 0.1, rtol=0.2)


@pytest.mark.parametrize("op", ["eigh", "svd", "svdvals", "pinv", "matrix_rank"])
def test_spectral_ops_check_their_input(op):
    fn = getattr(linalg, op)
    with pytest.raises(
        TypeError, match=f"^linalg.{op}: Expected a floating point tensor as input. Got int64"
    ):
        fn(autograd.tensor([[1, 0], [0, 1]]))
    with pytest.raises(ValueError, match=f"^linalg.{op}: The input tensor A must have at least 2 dimensions"):
        fn(autograd.ones(3))
    if op == "eigh":
        with pytest.raises(
            ValueError, match="^linalg.eigh: A must be batches of square matrices, but they are 2 by 3"
        ):
            fn(autograd.ones(2, 3))


@pytest.mark.parametrize("driver", [None, "gelsy", "gels", "gelsd", "gelss"])
def test_lstsq_full_rank_every_driver(leaf, check, check_grad, driver):
    a, b = leaf((2, 5, 3)), leaf((2, 5, 2))
    values, rhs = a.detach().numpy(), b.detach().numpy()
    result = linalg.lstsq(a, b, driver=driver)
    expected = np.stack([np.linalg.lstsq(values[i], rhs[i], rcond=None)[0] for i in range(2)])
    check(result.solution, expected, rtol=1e-10)
    residual = ((values @ expected - rhs) ** 2).sum(-2)
    if driver in (None, "gelsy"):  # torch 2.13: empty residuals and singular values; the rank
        assert result.residuals.shape == (0,) and result.singular_values.shape == (0,)
    else:
        check(result.residuals, residual, rtol=1e-10)
    if driver == "gels":
        assert result.rank.shape == (0,) and result.singular_values.shape == (0,)
    else:
        assert result.rank.tolist() == [3, 3]
    if driver in ("gelsd", "gelss"):
        check(result.singular_values, np.linalg.svd(values, compute_uv=False), rtol=1e-12)
    check_grad(lambda s, t: linalg.lstsq(s, t, driver=driver).solution, a, b)
    wide = linalg.lstsq(leaf((3, 5)), leaf((3, 2)), driver=driver)  # under-determined: no residuals
    assert wide.solution.shape == (5, 2) and wide.residuals.shape == (0,)


def test_lstsq_vector_rank_deficient_and_errors(leaf, check, check_grad):
    a, b = leaf((2, 5, 3)), leaf((2, 5))
    result = linalg.lstsq(a, b, driver="gelsd")  # torch 2.13: a vector per matrix; residuals (2, 1)
    assert result.solution.shape == (2, 3) and result.residuals.shape == (2, 1)
    expected = np.linalg.lstsq(a.detach().numpy()[0], b.detach().numpy()[0], rcond=None)[0]
    check(result.solution[0], expected, rtol=1e-10)
    check_grad(lambda s, t: linalg.lstsq(s, t, driver="gelsd").residuals, a, b)
    deficient = autograd.tensor([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]], dtype=autograd.float64)
    result = linalg.lstsq(
        deficient, autograd.tensor([[1.0], [2.0], [4.0]], dtype=autograd.float64), driver="gelsd"
    )
    check(result.solution, [[0.24285714], [0.48571429]], rtol=1e-7)  # torch 2.13: the minimum-norm solution
    assert result.rank.item() == 1 and result.residuals.shape == (0,)
    assert linalg.lstsq(autograd.eye(3), autograd.ones(3, 1)).solution.dtype == autograd.float32
    with pytest.raises(ValueError, match=r"input.size\(-2\) should match other.size\(-2\)"):
        linalg.lstsq(autograd.ones(4, 3), autograd.ones(5, 2))
    with pytest.raises(ValueError, match="driver` should be one of"):
        linalg.lstsq(autograd.ones(4, 3), autograd.ones(4, 2), driver="gelsx")
    with pytest.raises(
        TypeError, match="^linalg.lstsq: Expected a floating point tensor as input. Got int64"
    ):
        linalg.lstsq(autograd.tensor([[1, 0], [0, 1]]), autograd.ones(2, 1))
    with pytest.raises(
        TypeError, match="^linalg.lstsq: Expected a floating point tensor as input. Got int64"
    ):
        linalg.lstsq(autograd.eye(2), autograd.tensor([[1], [2]]))
    with pytest.raises(ValueError, match="^linalg.lstsq: The input tensor A must have at least 2 dimensions"):
        linalg.lstsq(autograd.ones(3), autograd.ones(3, 1))
    with pytest.raises(ValueError, match="^linalg.lstsq: The input tensor B must have at least 1 dimensions"):
        linalg.lstsq(autograd.eye(2), autograd.tensor(1.0))
    with pytest.raises(
        TypeError, match="same dtype, but got input's dtype tt.float32 and other's dtype tt.float64"
    ):
        linalg.lstsq(autograd.eye(2), autograd.ones(2, 1, dtype=autograd.float64))  # torch 2.13 raises too


@pytest.mark.parametrize("driver", ["gels", "gelsd", "gelss"])
def test_lstsq_square_has_no_residuals(driver, check):
    # torch 2.13: residuals only when m > n; solution [[0.2], [0.6]] (by hand: [[2, 1], [1, 3]]^{-1} [1, 2])
    a = autograd.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=autograd.float64)
    result = linalg.lstsq(a, autograd.tensor([[1.0], [2.0]], dtype=autograd.float64), driver=driver)
    check(result.solution, [[0.2], [0.6]], rtol=1e-12)
    assert result.residuals.shape == (0,)


# ------------------------------------------------------------------ products
def test_matrix_power(leaf, check, check_grad):
    a = leaf((2, 3, 3))
    values = a.detach().numpy()
    for n in (1, 2, 3, 5, 6, -1, -2, -3):
        check(linalg.matrix_power(a, n), np.linalg.matrix_power(values, n), rtol=1e-9, atol=1e-12)
    check(linalg.matrix_power(a, 0), np.broadcast_to(np.eye(3), (2, 3, 3)))
    check(linalg.matrix_power(a.reshape(2, 1, 3, 3), 0), np.broadcast_to(np.eye(3), (2, 1, 3, 3)))
    check_grad(lambda t: linalg.matrix_power(t, 5), a)
    check_grad(lambda t: linalg.matrix_power(t, -3), a)
    check_grad(lambda t: linalg.matrix_power(t, 0) * t, a)  # the identity stays in the graph, gradient 0
    assert linalg.matrix_power(a, 0).requires_grad and not linalg.matrix_power(a.detach(), 0).requires_grad
    check(autograd.matrix_power(a, 2), values @ values, rtol=1e-12)
    check(a.matrix_power(3), values @ values @ values, rtol=1e-12)
    ints = autograd.tensor([[1, 2], [3, 4]])
    assert linalg.matrix_power(ints, 3).tolist() == [[37, 54], [81, 118]]
    assert linalg.matrix_power(ints, 0).dtype == autograd.int64
    with pytest.raises(TypeError, match="floating point"):
        linalg.matrix_power(ints, -1)
    with pytest.raises(ValueError, match="square matrices, but they are 2 by 3"):
        linalg.matrix_power(autograd.ones(2, 3), 2)
    with pytest.raises(ValueError, match="square matrices, but they are 2 by 3"):
        linalg.matrix_power(autograd.ones(2, 2, 3), 2)
    with pytest.raises(TypeError, match="'n' must be int, not float"):
        linalg.matrix_power(a, 1.5)
    with pytest.raises(TypeError, match="^linalg.matrix_power: argument 'A' must be a Tensor, not list"):
        linalg.matrix_power([[1.0, 0.0], [0.0, 1.0]], 2)


def test_multi_dot(leaf, check, check_grad):
    mats = [leaf((3,)), leaf((3, 10)), leaf((10, 2)), leaf((2, 7)), leaf((7,))]
    values = [m.detach().numpy() for m in mats]
    check(linalg.multi_dot(mats), np.linalg.multi_dot(values), rtol=1e-12)
    check(linalg.multi_dot(mats[1:4]), np.linalg.multi_dot(values[1:4]), rtol=1e-12)
    check(linalg.multi_dot(mats[:2]), values[0] @ values[1], rtol=1e-12)
    check(linalg.multi_dot(mats[2:]), values[2] @ values[3] @ values[4], rtol=1e-12)
    check_grad(lambda *t: linalg.multi_dot(t), *mats)
    with pytest.raises(ValueError, match="expected at least 2 tensors but got 1"):
        linalg.multi_dot([mats[1]])
    with pytest.raises(ValueError, match="the first tensor must be 1D or 2D but got 3D"):
        linalg.multi_dot([autograd.ones(2, 3, 3), autograd.ones(3, 3)])
    with pytest.raises(ValueError, match="the 1th tensor must be 2D but got 1D"):
        linalg.multi_dot([autograd.ones(3, 3), autograd.ones(3), autograd.ones(3, 3)])
    with pytest.raises(ValueError, match="the last tensor must be 1D or 2D but got 3D"):
        linalg.multi_dot([autograd.ones(3, 3), autograd.ones(3, 3), autograd.ones(2, 3, 3)])
    with pytest.raises(TypeError, match=r"^multi_dot: argument 'tensors\[1\]' must be a Tensor, not list"):
        linalg.multi_dot([autograd.ones(2, 2), [[1.0, 0.0], [0.0, 1.0]]])
    with pytest.raises(
        ValueError, match=r"tensors 0 and 1 with shapes \[2, 3\] and \[4, 3\] cannot be multiplied"
    ):
        linalg.multi_dot([autograd.ones(2, 3), autograd.ones(4, 3)])


def _cheapest_cost(dims):
    """The fewest scalar multiplications of a chain (matrix i: dims[i] x dims[i+1]), by trying every split."""
    if len(dims) == 2:
        return 0
    return min(
        _cheapest_cost(dims[: s + 1]) + _cheapest_cost(dims[s:]) + dims[0] * dims[s] * dims[-1]
        for s in range(1, len(dims) - 1)
    )


@pytest.mark.parametrize(
    "dims, first_vector, last_vector",
    [
        ([30, 35, 15, 5, 10, 20, 25], False, False),  # CLRS 15.2: 15125, ((A1 (A2 A3)) ((A4 A5) A6))
        ([1, 35, 15, 5, 10, 20, 25, 1], True, True),
        ([1, 4, 30, 2, 40, 3], True, False),
        ([20, 2, 30, 3, 10, 1], False, True),
        ([2, 30, 3, 40, 5, 25, 1, 8], False, False),
    ],
)
def test_multi_dot_multiplies_in_the_cheapest_order(dims, first_vector, last_vector):
    mats = [autograd.ones(dims[i], dims[i + 1]) for i in range(len(dims) - 1)]
    if first_vector:
        mats[0] = mats[0][0]
    if last_vector:
        mats[-1] = mats[-1][:, 0]
    with record_calls() as calls:
        out = linalg.multi_dot(mats)
    products = [c.inputs for c in calls if c.function.__name__ == "MatMulFunction"]
    assert len(products) == len(mats) - 1
    cost = sum(a.shape[0] * a.shape[1] * b.shape[1] for a, b in products)
    assert cost == _cheapest_cost(dims)
    if dims[0] == 30:
        assert cost == 15125
    expected = np.full((dims[0], dims[-1]), float(np.prod(dims[1:-1])))
    np.testing.assert_array_equal(out.numpy(), expected.reshape(out.shape))


def test_vecdot_matmul_cross_diagonal(leaf, check, check_grad):
    x, y = leaf((3, 2)), leaf((3, 1))
    check(linalg.vecdot(x, y, dim=0), (x.detach().numpy() * y.detach().numpy()).sum(0))
    check(linalg.vecdot(x, y[0]), (x.detach().numpy() * y.detach().numpy()[0]).sum(-1))
    check_grad(lambda s, t: linalg.vecdot(s, t, dim=0), x, y)
    with pytest.raises(TypeError, match="^linalg.vecdot: argument 'x' must be a Tensor, not list"):
        linalg.vecdot([1.0, 2.0], autograd.ones(2))
    check(linalg.matmul(x.mT, y), x.detach().numpy().T @ y.detach().numpy())
    u, v = leaf((3, 3)), leaf((3, 3))
    check(linalg.cross(u, v), np.cross(u.detach().numpy(), v.detach().numpy(), axis=-1))  # dim -1 by default
    a = leaf((2, 3, 4))
    check(linalg.diagonal(a, offset=1), np.diagonal(a.detach().numpy(), 1, -2, -1))


def test_linalg_namespace_lists_pytorch_names():
    for name in linalg.__all__:
        assert hasattr(linalg, name), name
    for name in ("det", "logdet", "slogdet", "inverse", "pinverse", "matrix_power", "svd", "qr", "cholesky"):
        assert name in autograd.__all__ and hasattr(autograd.Tensor, name)
    assert "cholesky_solve" in autograd.__all__ and "cholesky_inverse" in autograd.__all__
