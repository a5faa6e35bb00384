"""``tt_autograd.linalg`` inverses, solves and determinants: ``inv``, ``solve`` (PyTorch's vector rule,
``left=False``, batch broadcasting), ``solve_triangular``, ``cholesky_solve``, ``cholesky_inverse``, ``det``
(and its gradient at singular matrices), ``slogdet``, ``logdet``: values against NumPy float64 references,
gradients against central differences on batched inputs, PyTorch's conventions and messages (checked
against torch 2.13 in a scratch script and pinned here), dtypes and errors.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd

linalg = autograd.linalg


@pytest.fixture
def invertible(rng):
    """``invertible(shape)``: float64 leaves, well conditioned (random plus 3 I)."""

    def make(shape):
        values = rng.uniform(-1, 1, size=shape) + 3 * np.eye(shape[-1])
        return autograd.tensor(values, dtype=autograd.float64, requires_grad=True)

    return make


def test_inv_values_gradient_dtype(invertible, check, check_grad):
    a = invertible((2, 3, 3, 3))
    check(linalg.inv(a), np.linalg.inv(a.detach().numpy()), rtol=1e-12)
    check(linalg.inv(a) @ a, np.broadcast_to(np.eye(3), (2, 3, 3, 3)), atol=1e-12)
    check_grad(linalg.inv, a)
    check(autograd.inverse(a), np.linalg.inv(a.detach().numpy()))
    check(a.inverse(), np.linalg.inv(a.detach().numpy()))
    assert linalg.inv(autograd.eye(2)).dtype == autograd.float32


def test_inv_errors_mirror_pytorch():
    message = "The diagonal element {} is zero, the inversion could not be completed because the input matrix"
    with pytest.raises(linalg.LinAlgError, match=r"^linalg.inv: " + message.format(2)):
        linalg.inv(autograd.tensor([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(linalg.LinAlgError, match=message.format(3)):
        linalg.inv(autograd.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]]))
    with pytest.raises(linalg.LinAlgError, match=message.format(1)):
        linalg.inv(autograd.tensor([[0.0, 0.0], [0.0, 1.0]]))
    with pytest.raises(linalg.LinAlgError, match=r"\(Batch element 1\): " + message.format(2)):
        linalg.inv(autograd.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 4.0]]]))
    two_singular = np.stack([np.eye(2), [[1.0, 2.0], [2.0, 4.0]], np.zeros((2, 2))]).reshape(3, 1, 2, 2)
    with pytest.raises(linalg.LinAlgError, match=r"\(Batch element 1\): " + message.format(2)):
        linalg.inv(autograd.tensor(two_singular))
    with pytest.raises(linalg.LinAlgError, match=r"\(Batch element 2\): " + message.format(1)):
        linalg.inv(
            autograd.tensor(np.stack([np.eye(2), np.eye(2), np.zeros((2, 2)), np.eye(2)]).reshape(2, 2, 2, 2))
        )
    assert issubclass(linalg.LinAlgError, RuntimeError)
    with pytest.raises(ValueError, match="square matrices, but they are 2 by 3 matrices"):
        linalg.inv(autograd.ones(2, 3))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        linalg.inv(autograd.ones(3))
    with pytest.raises(TypeError, match="floating point tensor as input. Got int64"):
        linalg.inv(autograd.tensor([[1, 2], [3, 4]]))


def test_solve_matrix_and_vector_rules(invertible, leaf, check, check_grad):
    a = invertible((2, 3, 3))
    values = a.detach().numpy()
    b = leaf((3, 2))
    check(linalg.solve(a, b), np.linalg.solve(values, b.detach().numpy()), rtol=1e-12)
    vector = leaf((3,))  # 1-D: one vector for every matrix
    check(linalg.solve(a, vector), np.linalg.solve(values, vector.detach().numpy()[:, None])[..., 0])
    batch_of_vectors = leaf((2, 3))  # A's shape without its last dim: a vector per matrix
    expected = np.linalg.solve(values, batch_of_vectors.detach().numpy()[..., None])[..., 0]
    check(linalg.solve(a, batch_of_vectors), expected)
    three_by_three = leaf((3, 3))  # same ndim as A: a matrix, broadcast over A's batch
    check(linalg.solve(a, three_by_three), np.linalg.solve(values, three_by_three.detach().numpy()))
    check_grad(linalg.solve, a, b)
    check_grad(linalg.solve, a, vector)
    check_grad(linalg.solve, a, batch_of_vectors)
    with pytest.raises(ValueError, match=r"equation AX = B \(3x3 and 2x3\)"):
        linalg.solve(a[0], leaf((2, 3)))  # no vector rule: a (2, 3) matrix does not fit a 3x3 A


def test_solve_broadcasting_and_left_false(invertible, leaf, check, check_grad):
    a = invertible((2, 1, 3, 3))
    b = leaf((4, 3, 2))
    expected = np.linalg.solve(a.detach().numpy(), b.detach().numpy())
    check(linalg.solve(a, b), expected, rtol=1e-12)
    assert linalg.solve(a, b).shape == (2, 4, 3, 2)
    check_grad(linalg.solve, a, b)
    right = leaf((4, 2, 3))  # X A = B
    x = linalg.solve(a, right, left=False)
    check(x @ a, np.broadcast_to(right.detach().numpy(), (2, 4, 2, 3)), atol=1e-12)
    check_grad(lambda s, t: linalg.solve(s, t, left=False), a, right)
    single = autograd.tensor([[2.0, 0.0], [0.0, 4.0]])
    assert linalg.solve(single, autograd.tensor([2.0, 2.0])).tolist() == [1.0, 0.5]
    assert linalg.solve(single, autograd.tensor([2.0, 2.0])).dtype == autograd.float32


def test_solve_errors(leaf):
    with pytest.raises(
        linalg.LinAlgError, match="torch.linalg.solve: The solver failed because the input matrix"
    ):
        linalg.solve(autograd.tensor([[1.0, 2.0], [2.0, 4.0]]), autograd.ones(2))
    with pytest.raises(ValueError, match=r"equation AX = B \(2x2 and 3x1\)"):
        linalg.solve(autograd.ones(2, 2), autograd.ones(3))
    with pytest.raises(ValueError, match=r"equation XA = B \(3x3 and 2x2\)"):
        linalg.solve(autograd.ones(3, 3), autograd.ones(2, 2), left=False)
    with pytest.raises(ValueError, match="Vector broadcasting .* left=False"):
        linalg.solve(autograd.ones(3, 3), autograd.ones(3), left=False)
    with pytest.raises(ValueError, match="do not broadcast"):
        linalg.solve(autograd.ones(4, 3, 3), autograd.ones(2, 3, 2))
    with pytest.raises(TypeError, match="same dtype"):
        linalg.solve(autograd.eye(2), autograd.ones(2, dtype=autograd.float64))
    with pytest.raises(
        ValueError, match="^linalg.solve: A must be batches of square matrices, but they are 2 by 3"
    ):
        linalg.solve(autograd.ones(2, 3), autograd.ones(2))
    not_float = "^linalg.solve: Expected a floating point tensor as input. Got int64"  # not "same dtype"
    with pytest.raises(TypeError, match=not_float):
        linalg.solve(autograd.tensor([[1, 0], [0, 1]]), autograd.ones(2))
    with pytest.raises(TypeError, match=not_float):
        linalg.solve(autograd.eye(2), autograd.tensor([1, 2]))
    with pytest.raises(ValueError, match="^linalg.solve: The input tensor B must have at least 1 dimensions"):
        linalg.solve(autograd.eye(2), autograd.tensor(1.0))


def test_solve_triangular(rng, leaf, check, check_grad):
    a = autograd.tensor(
        rng.uniform(-1, 1, (2, 3, 3)) + 3 * np.eye(3), dtype=autograd.float64, requires_grad=True
    )
    values = a.detach().numpy()
    b = leaf((3, 2))
    check(linalg.solve_triangular(a, b, upper=True), np.linalg.solve(np.triu(values), b.detach().numpy()))
    check(linalg.solve_triangular(a, b, upper=False), np.linalg.solve(np.tril(values), b.detach().numpy()))
    unit = np.tril(values, -1) + np.eye(3)
    check(
        linalg.solve_triangular(a, b, upper=False, unitriangular=True),
        np.linalg.solve(unit, b.detach().numpy()),
    )
    unit_upper = np.triu(values, 1) + np.eye(3)
    right = leaf((4, 3))
    expected = np.linalg.solve(np.swapaxes(unit_upper, -1, -2), right.detach().numpy().T[None]).swapaxes(
        -1, -2
    )
    check(linalg.solve_triangular(a, right, upper=True, left=False, unitriangular=True), expected)
    for upper in (True, False):
        check_grad(lambda s, t, u=upper: linalg.solve_triangular(s, t, upper=u), a, b)
        check_grad(
            lambda s, t, u=upper: linalg.solve_triangular(s, t, upper=u, left=False, unitriangular=True),
            a,
            right,
        )
    x = autograd.tensor(values, requires_grad=True)  # only the triangle that is read gets a gradient
    linalg.solve_triangular(x, b.detach(), upper=True).sum().backward()
    assert np.all(np.tril(x.grad.numpy(), -1) == 0) and np.all(np.diagonal(x.grad.numpy(), 0, -2, -1) != 0)
    x.grad = None
    linalg.solve_triangular(x, b.detach(), upper=False, unitriangular=True).sum().backward()
    assert np.all(np.triu(x.grad.numpy()) == 0)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        linalg.solve_triangular(a, leaf((3,)), upper=True)
    with pytest.raises(ValueError, match=r"solve_triangular: Incompatible shapes .* XA = B \(3x3 and 3x2\)"):
        linalg.solve_triangular(a, b, upper=True, left=False)


def test_cholesky_solve_and_inverse(rng, leaf, check, check_grad):
    lower = np.tril(rng.uniform(-1, 1, (2, 3, 3))) + 2 * np.eye(3)
    spd = lower @ np.swapaxes(lower, -1, -2)
    b = leaf((3, 2))
    factor = autograd.tensor(lower, dtype=autograd.float64, requires_grad=True)
    check(autograd.cholesky_solve(b, factor), np.linalg.solve(spd, b.detach().numpy()), rtol=1e-12)
    upper = autograd.tensor(np.swapaxes(lower, -1, -2), dtype=autograd.float64, requires_grad=True)
    check(autograd.cholesky_solve(b, upper, upper=True), np.linalg.solve(spd, b.detach().numpy()), rtol=1e-12)
    check(b.detach().cholesky_solve(factor), np.linalg.solve(spd, b.detach().numpy()), rtol=1e-12)
    check(autograd.cholesky_inverse(factor), np.linalg.inv(spd), rtol=1e-12)
    check(autograd.cholesky_inverse(upper, upper=True), np.linalg.inv(spd), rtol=1e-12)
    check(factor.cholesky_inverse(), np.linalg.inv(spd), rtol=1e-12)
    check_grad(autograd.cholesky_solve, b, factor)
    check_grad(lambda s, t: autograd.cholesky_solve(s, t, upper=True), b, upper)
    check_grad(autograd.cholesky_inverse, factor)
    check_grad(lambda s: linalg.cholesky(s @ s.mT + autograd.eye(3)).cholesky_inverse(), factor)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        autograd.cholesky_solve(autograd.ones(3), factor)
    four_d = autograd.tensor(np.stack([lower] * 3, axis=1), dtype=autograd.float64)  # (2, 3, 3, 3)
    check(
        autograd.cholesky_inverse(four_d[..., :2, :2]),
        np.linalg.inv(spd[:, None, :2, :2] * np.ones((3, 1, 1))),
    )
    ints = autograd.tensor([[1, 0], [0, 1]])
    with pytest.raises(TypeError, match="^cholesky_solve: Expected a floating point tensor"):
        autograd.cholesky_solve(autograd.ones(2, 1), ints)
    with pytest.raises(TypeError, match="^cholesky_inverse: Expected a floating point tensor"):
        autograd.cholesky_inverse(ints)
    with pytest.raises(TypeError, match="^linalg.solve_triangular: Expected a floating point tensor"):
        linalg.solve_triangular(ints, autograd.ones(2, 1), upper=True)


def test_det_values_gradients(invertible, check, check_grad):
    a = invertible((2, 4, 3, 3))
    check(linalg.det(a), np.linalg.det(a.detach().numpy()), rtol=1e-12)
    check_grad(linalg.det, a)
    check(autograd.det(a), np.linalg.det(a.detach().numpy()))
    check(a.det(), np.linalg.det(a.detach().numpy()))
    x = autograd.tensor([[4.0, 2.0], [2.0, 3.0]], requires_grad=True)
    linalg.det(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[3.0, -2.0], [-2.0, 4.0]])  # the cofactors
    assert linalg.det(autograd.eye(2)).dtype == autograd.float32


@pytest.mark.parametrize(
    "matrix",
    [
        [[1.0, 2.0], [2.0, 4.0]],
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
        [[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 0.0]],
        [[0.0, 0.0], [0.0, 0.0]],
        [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [2.0, 0.0, 0.0]],
    ],
)
def test_det_gradient_at_singular_matrices_is_the_cofactor_matrix(matrix, check_grad):
    """PyTorch 2.13 returns 0 there; the true derivative is the cofactor matrix (the transposed adjugate)."""
    a = np.array(matrix)
    n = len(a)
    cofactors = np.array(
        [
            [(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) for j in range(n)]
            for i in range(n)
        ]
    )
    x = autograd.tensor(a, dtype=autograd.float64, requires_grad=True)
    (3 * linalg.det(x)).backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * cofactors, atol=1e-12)
    check_grad(linalg.det, autograd.tensor(a, dtype=autograd.float64, requires_grad=True))
    batch = autograd.tensor(np.stack([a, a + np.eye(n)]), dtype=autograd.float64, requires_grad=True)
    check_grad(linalg.det, batch)  # singular and invertible matrices in one batch


def test_slogdet_and_logdet(invertible, check, check_grad):
    flipped = invertible((2, 3, 3, 3)).detach().numpy() * np.array([1.0, -1.0])[:, None, None, None]
    a = autograd.tensor(flipped, requires_grad=True)  # odd n: the second half has negative determinants
    sign, logabsdet = linalg.slogdet(a)
    ref_sign, ref_log = np.linalg.slogdet(a.detach().numpy())
    check(sign, ref_sign)
    check(logabsdet, ref_log, rtol=1e-12)
    assert sign.requires_grad is False
    check_grad(lambda s: linalg.slogdet(s).logabsdet, a)
    result = autograd.slogdet(autograd.tensor([[0.0, 1.0], [1.0, 0.0]]))  # torch 2.13: sign -1, logabsdet 0
    assert (result.sign.item(), result.logabsdet.item()) == (-1.0, 0.0)
    assert type(result).__name__ == "SlogdetResult" and result._fields == ("sign", "logabsdet")
    singular = linalg.slogdet(autograd.zeros(2, 2))
    assert (singular.sign.item(), singular.logabsdet.item()) == (0.0, -np.inf)
    check(autograd.logdet(a[0]), ref_log[0], rtol=1e-12)  # positive determinants
    assert np.isnan(autograd.logdet(a[1]).detach().numpy()).all()  # negative: nan, as PyTorch
    assert autograd.logdet(autograd.zeros(2, 2)).item() == -np.inf
    check_grad(autograd.logdet, autograd.tensor(flipped[0], requires_grad=True))
    assert a[0, 0].detach().float().slogdet().logabsdet.dtype == autograd.float32
    assert autograd.tensor([[2.0, 0.0], [0.0, 3.0]]).logdet().item() == pytest.approx(np.log(6.0))


@pytest.mark.parametrize(
    "fn, op", [(linalg.det, "linalg.det"), (linalg.slogdet, "linalg.slogdet"), (autograd.logdet, "logdet")]
)
def test_determinants_check_their_input(fn, op):
    with pytest.raises(TypeError, match=f"^{op}: Expected a floating point tensor as input. Got int64"):
        fn(autograd.tensor([[1, 0], [0, 1]]))
    with pytest.raises(ValueError, match=f"^{op}: A must be batches of square matrices, but they are 2 by 3"):
        fn(autograd.ones(2, 3))
    with pytest.raises(ValueError, match=f"^{op}: The input tensor A must have at least 2 dimensions"):
        fn(autograd.ones(3))
