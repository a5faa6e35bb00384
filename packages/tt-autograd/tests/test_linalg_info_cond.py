"""``tt_autograd.linalg``'s ``inv_ex``, ``solve_ex``, ``cholesky_ex`` (result and int32 ``info``, raising only
with ``check_errors=True``), ``cond`` in every norm, ``tensorinv`` and ``tensorsolve``: values against NumPy
float64 references, PyTorch's ``info`` values, field names, messages and ``cond`` values (torch 2.13, checked
in a scratch script and pinned here), gradients against central differences on batched inputs, dtypes, errors.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd

linalg = autograd.linalg
SINGULAR = [[1.0, 2.0], [2.0, 4.0]]


@pytest.fixture
def invertible(rng):
    """``invertible(shape)``: float64 leaves, well conditioned (random plus 3 I)."""

    def make(shape):
        values = rng.uniform(-1, 1, size=shape) + 3 * np.eye(shape[-1])
        return autograd.tensor(values, dtype=autograd.float64, requires_grad=True)

    return make


@pytest.fixture
def positive_definite(rng):
    """``positive_definite(shape)``: float64 leaves ``M M^T + I``."""

    def make(shape):
        m = rng.normal(size=shape)
        values = m @ np.swapaxes(m, -1, -2) + np.eye(shape[-1])
        return autograd.tensor(values, dtype=autograd.float64, requires_grad=True)

    return make


# ------------------------------------------------------------------ inv_ex, solve_ex
def test_inv_ex_values_info_and_gradient(invertible, check, check_grad):
    a = invertible((2, 3, 3))
    result = linalg.inv_ex(a)
    assert result._fields == ("inverse", "info")
    check(result.inverse, np.linalg.inv(a.detach().numpy()), rtol=1e-12)
    assert result.info.dtype == autograd.int32 and result.info.tolist() == [0, 0]
    check_grad(lambda t: linalg.inv_ex(t).inverse, a)
    assert linalg.inv_ex(autograd.eye(2)).inverse.dtype == autograd.float32
    assert linalg.inv_ex(autograd.eye(2)).info.shape == ()


def test_inv_ex_singular_batch_gives_info_nan_and_zero_gradient():
    batch = autograd.tensor(
        [np.eye(2) * 2, SINGULAR, np.zeros((2, 2))], dtype=autograd.float64, requires_grad=True
    )
    inverse, info = linalg.inv_ex(batch)
    assert info.tolist() == [0, 2, 1]  # torch 2.13
    np.testing.assert_allclose(inverse.detach().numpy()[0], np.eye(2) / 2)
    assert np.isnan(inverse.detach().numpy()[1:]).all()
    inverse[0].sum().backward()
    np.testing.assert_allclose(batch.grad.numpy()[0], -np.ones((2, 2)) / 4)
    assert np.all(batch.grad.numpy()[1:] == 0)
    message = "The diagonal element 2 is zero, the inversion could not be completed because the input matrix"
    with pytest.raises(linalg.LinAlgError, match=r"^linalg.inv_ex: \(Batch element 1\): " + message):
        linalg.inv_ex(batch, check_errors=True)
    with pytest.raises(linalg.LinAlgError, match=r"^linalg.inv_ex: The diagonal element 1 is zero"):
        linalg.inv_ex(autograd.zeros(2, 2), check_errors=True)


def test_solve_ex_values_info_shape_and_gradients(invertible, rng, check, check_grad):
    a = invertible((2, 3, 3))
    b = autograd.tensor(rng.normal(size=(4, 2, 3, 2)), requires_grad=True)
    result, info = linalg.solve_ex(a, b)
    check(result, np.linalg.solve(a.detach().numpy(), b.detach().numpy()), rtol=1e-12)
    assert info.shape == (2,) and info.dtype == autograd.int32  # torch 2.13: A's batch shape
    assert linalg.solve_ex(a[0], b).info.shape == ()
    check_grad(lambda x, y: linalg.solve_ex(x, y).result, a, b)
    b_t = autograd.tensor(np.swapaxes(b.detach().numpy(), -1, -2), requires_grad=True)
    check_grad(lambda x, y: linalg.solve_ex(x, y, left=False).result, a, b_t)
    vector = autograd.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    check_grad(lambda x, y: linalg.solve_ex(x, y).result, a, vector)
    assert linalg.solve_ex(a, b)._fields == ("result", "info")


def test_solve_ex_singular():
    a = autograd.tensor([np.eye(2), SINGULAR])
    result, info = linalg.solve_ex(a, autograd.ones(2, 2))
    assert info.tolist() == [0, 2]
    np.testing.assert_allclose(result.numpy()[0], [1.0, 1.0])
    assert np.isnan(result.numpy()[1]).all()
    result, info = linalg.solve_ex(a, autograd.ones(2, 2, 1))
    assert (
        result.shape == (2, 2, 1)
        and np.isnan(result.numpy()[1]).all()
        and not np.isnan(result.numpy()[0]).any()
    )
    with pytest.raises(
        linalg.LinAlgError,
        match=r"^torch.linalg.solve_ex: \(Batch element 1\): The solver failed because the input matrix is "
        "singular",
    ):
        linalg.solve_ex(a, autograd.ones(2, 2), check_errors=True)
    with pytest.raises(ValueError, match="linalg.solve_ex: A must be batches of square matrices"):
        linalg.solve_ex(autograd.ones(2, 3), autograd.ones(2))
    with pytest.raises(linalg.LinAlgError, match="^torch.linalg.solve_ex: The solver failed because"):
        linalg.solve_ex(autograd.zeros(2, 2), autograd.ones(2), check_errors=True)
    result, info = linalg.solve_ex(autograd.tensor([2 * np.eye(2), np.zeros((2, 2))]), autograd.ones(2))
    assert info.tolist() == [0, 1] and np.isnan(result.numpy()[1]).all()
    np.testing.assert_allclose(result.numpy()[0], [0.5, 0.5])
    with pytest.raises(TypeError, match="^linalg.solve_ex: Expected a floating point tensor"):
        linalg.solve_ex(autograd.eye(2), autograd.ones(2, dtype=autograd.int64))
    with pytest.raises(
        ValueError, match="^linalg.inv_ex: A must be batches of square matrices, but they are 2 by 3"
    ):
        linalg.inv_ex(autograd.ones(2, 3))


# ------------------------------------------------------------------ cholesky_ex
def test_cholesky_ex_values_info_and_gradient(positive_definite, check, check_grad):
    a = positive_definite((2, 3, 3))
    result = linalg.cholesky_ex(a)
    assert result._fields == ("L", "info")
    check(result.L, np.linalg.cholesky(a.detach().numpy()), rtol=1e-12)
    assert result.info.tolist() == [0, 0] and result.info.dtype == autograd.int32
    check(linalg.cholesky_ex(a, upper=True).L, np.swapaxes(np.linalg.cholesky(a.detach().numpy()), -1, -2))
    check_grad(lambda t: linalg.cholesky_ex(t + t.mT).L, a)  # cholesky reads one triangle


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        ([[4.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]], 2),  # torch 2.13
        ([[-1.0, 0.0], [0.0, 1.0]], 1),
        ([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]], 3),
        ([[1.0, 2.0], [2.0, 1.0]], 2),
        ([[1.0, 0.0], [0.0, math.nan]], 2),
        ([[4.0, 2.0], [2.0, 3.0]], 0),
    ],
)
def test_cholesky_ex_info_is_the_first_bad_leading_minor(matrix, expected):
    factor, info = linalg.cholesky_ex(autograd.tensor(matrix, dtype=autograd.float64))
    assert info.item() == expected
    assert np.isnan(factor.numpy()).all() == (expected > 0)


def reference_cholesky_info(a: np.ndarray) -> int:
    """The order of the first leading minor with an eigenvalue <= 0, or 0."""
    for k in range(1, a.shape[-1] + 1):
        if np.linalg.eigvalsh(a[:k, :k]).min() <= 0:
            return k
    return 0


def test_cholesky_ex_info_of_many_random_matrices(rng):
    factors = rng.normal(size=(60, 5, 5))
    shifts = rng.uniform(0, 3, size=(60, 1, 1))
    batch = factors @ np.swapaxes(factors, -1, -2) - shifts * np.eye(5)  # some positive-definite, most not
    batch[0] = -np.eye(5)  # at least one failure, so the column loop runs on the whole batch
    expected = [reference_cholesky_info(m) for m in batch]
    assert 0 in expected and len(set(expected)) >= 4
    factor, info = linalg.cholesky_ex(autograd.tensor(batch.reshape(4, 15, 5, 5)))
    assert info.numpy().reshape(-1).tolist() == expected
    passed = np.array(expected) == 0
    np.testing.assert_allclose(factor.numpy().reshape(60, 5, 5)[passed], np.linalg.cholesky(batch[passed]))


def test_cholesky_ex_batch_and_errors():
    batch = autograd.tensor([np.eye(2), -np.eye(2), [[1.0, 2.0], [2.0, 1.0]], 2 * np.eye(2)]).reshape(
        2, 2, 2, 2
    )
    factor, info = linalg.cholesky_ex(batch)
    assert info.tolist() == [[0, 1], [2, 0]]
    np.testing.assert_allclose(factor.numpy()[1, 1], np.sqrt(2) * np.eye(2))
    assert np.isnan(factor.numpy()[0, 1]).all() and np.isnan(factor.numpy()[1, 0]).all()
    tail = r"The factorization could not be completed because the input is not positive-definite"
    with pytest.raises(
        linalg.LinAlgError,
        match=rf"^linalg.cholesky_ex: \(Batch element 1\): {tail} \(the leading minor of order 1",
    ):
        linalg.cholesky_ex(batch, check_errors=True)
    with pytest.raises(
        linalg.LinAlgError, match=r"^linalg.cholesky_ex: \(Batch element 1\): .*order 1 is not"
    ):
        linalg.cholesky_ex(autograd.tensor([np.eye(2), -np.eye(2)]), check_errors=True)  # torch 2.13
    with pytest.raises(linalg.LinAlgError, match=r"^linalg.cholesky_ex: The .*minor of order 2 is not"):
        linalg.cholesky_ex(autograd.tensor([[1.0, 2.0], [2.0, 1.0]]), check_errors=True)
    with pytest.raises(
        ValueError, match="linalg.cholesky_ex: A must be batches of square matrices, but they are 2 by 3"
    ):
        linalg.cholesky_ex(autograd.ones(2, 3))


# ------------------------------------------------------------------ cond
def reference_cond(a: np.ndarray, p) -> np.ndarray:
    """The condition number from the definitions: singular values, or ``||A|| ||A^{-1}||`` by sums."""
    if p in (None, 2, -2):
        s = np.linalg.svd(a, compute_uv=False)
        return s[..., -1] / s[..., 0] if p == -2 else s[..., 0] / s[..., -1]

    def norm(m):
        if p == "fro":
            return np.sqrt((m**2).sum((-2, -1)))
        if p == "nuc":
            return np.linalg.svd(m, compute_uv=False).sum(-1)
        sums = np.abs(m).sum(-2 if abs(p) == 1 else -1)
        return sums.max(-1) if p > 0 else sums.min(-1)

    return norm(a) * norm(np.linalg.inv(a))


ORDS = [None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf]


@pytest.mark.parametrize("p", ORDS)
def test_cond_values_and_gradients(invertible, check, check_grad, p):
    a = invertible((2, 3, 3))
    check(linalg.cond(a, p), reference_cond(a.detach().numpy(), p), rtol=1e-10)
    check_grad(lambda t: linalg.cond(t, p), a)


def test_cond_pytorch_values_pinned(check):
    # torch 2.13, float64, A = [[2, 1], [0.5, 3]]
    a = autograd.tensor([[2.0, 1.0], [0.5, 3.0]], dtype=autograd.float64, requires_grad=True)
    expected = {
        None: 2.1189850423633376,
        -2: 0.47192404854575287,
        "fro": 2.590909090909091,
        "nuc": 4.59090909090909,
    }
    expected.update(
        {
            1: 2.5454545454545454,
            -1: 1.3636363636363635,
            math.inf: 2.5454545454545454,
            -math.inf: 1.3636363636363638,
        }
    )
    for p, value in expected.items():
        assert linalg.cond(a, p).item() == pytest.approx(value, rel=1e-12)
    linalg.cond(a).backward()
    check(
        a.grad,
        [[-0.8824923125972375, 0.7708517188349364], [0.8399625625925512, 0.19138387502108772]],
        rtol=1e-10,
    )


def test_cond_singular_empty_non_square_and_dtype(check, rng):
    singular = autograd.tensor([SINGULAR, np.zeros((2, 2))], dtype=autograd.float64)
    for p in ("fro", "nuc", 1, -1, math.inf, -math.inf):
        assert linalg.cond(singular, p).tolist() == [math.inf, math.inf]
    assert np.isnan(linalg.cond(autograd.zeros(2, 2))).item()  # 0 / 0, as PyTorch
    assert linalg.cond(autograd.tensor(SINGULAR, dtype=autograd.float64)).item() > 1e15
    assert (
        linalg.cond(autograd.zeros(0, 0)).item() == 0.0 and linalg.cond(autograd.zeros(0, 0), 1).item() == 0.0
    )
    wide = rng.normal(size=(2, 3))
    check(linalg.cond(autograd.tensor(wide), -2), reference_cond(wide, -2), rtol=1e-10)
    check(linalg.cond(autograd.tensor(wide)), reference_cond(wide, None), rtol=1e-10)
    check(linalg.cond(autograd.tensor(wide), 2), reference_cond(wide, 2), rtol=1e-10)
    assert linalg.cond(autograd.zeros(2, 0, 0)).shape == (2,) and linalg.cond(
        autograd.zeros(2, 0, 0), "fro"
    ).shape == (2,)
    assert linalg.cond(autograd.zeros(0, 2, 2)).shape == (0,)
    empty_batch = autograd.zeros(0, 2, 2, dtype=autograd.float64, requires_grad=True)
    assert linalg.cond(empty_batch, "fro").requires_grad is False  # torch 2.13: numel() 0 gives plain zeros
    for p in ORDS:  # a 1 x 1 matrix: |a| |1 / a| = 1 in every norm
        assert linalg.cond(autograd.tensor([[-4.0]]), p).item() == 1.0
    assert linalg.cond(autograd.eye(2)).dtype == autograd.float32
    assert linalg.cond(autograd.eye(2), 1).dtype == autograd.float32


def test_cond_errors():
    with pytest.raises(ValueError, match="^linalg.cond got an invalid norm type: 3"):
        linalg.cond(autograd.eye(3), 3)
    with pytest.raises(ValueError, match="invalid norm type: abc"):
        linalg.cond(autograd.eye(3), "abc")
    with pytest.raises(ValueError, match="invalid norm type: True"):
        linalg.cond(autograd.eye(3), True)
    with pytest.raises(
        ValueError,
        match=r"^linalg.cond\(ord=fro\): A must be batches of square matrices, but they are 2 by 3",
    ):
        linalg.cond(autograd.ones(2, 3), "fro")
    with pytest.raises(ValueError, match=r"^linalg.cond\(ord=1\): A must be batches of square"):
        linalg.cond(autograd.ones(2, 3), 1)
    with pytest.raises(ValueError, match="linalg.cond: The input tensor A must have at least 2 dimensions"):
        linalg.cond(autograd.ones(3))


# ------------------------------------------------------------------ tensorinv, tensorsolve
def test_tensorinv_values_identity_and_gradient(rng, check, check_grad):
    values = rng.normal(size=(4, 6, 8, 3)) * 0.1 + np.eye(24).reshape(4, 6, 8, 3)
    inverse = linalg.tensorinv(autograd.tensor(values))
    assert inverse.shape == (8, 3, 4, 6)  # torch 2.13
    check(inverse, np.linalg.inv(values.reshape(24, 24)).reshape(8, 3, 4, 6), rtol=1e-12)
    product = np.tensordot(inverse.numpy(), values, 2)
    check(autograd.tensor(product), np.eye(24).reshape(8, 3, 8, 3), atol=1e-12)
    a = autograd.tensor(rng.normal(size=(2, 3, 6)) + np.eye(6).reshape(2, 3, 6) * 3, requires_grad=True)
    check(linalg.tensorinv(a, ind=2), np.linalg.inv(a.detach().numpy().reshape(6, 6)).reshape(6, 2, 3))
    check_grad(lambda t: linalg.tensorinv(t, ind=2), a)
    b = autograd.tensor(rng.normal(size=(6, 3, 2)) + np.eye(6).reshape(6, 3, 2) * 3, requires_grad=True)
    check(linalg.tensorinv(b, ind=1), np.linalg.inv(b.detach().numpy().reshape(6, 6)).reshape(3, 2, 6))
    check_grad(lambda t: linalg.tensorinv(t, ind=1), b)


def test_tensorsolve_values_dims_and_gradient(rng, check, check_grad):
    a = autograd.tensor(rng.normal(size=(2, 3, 6)) + np.eye(6).reshape(2, 3, 6) * 3, requires_grad=True)
    b = autograd.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    x = linalg.tensorsolve(a, b)
    assert x.shape == (6,)
    check(
        autograd.tensor(np.tensordot(a.detach().numpy(), x.detach().numpy(), 1)),
        b.detach().numpy(),
        atol=1e-12,
    )
    check_grad(linalg.tensorsolve, a, b)
    moved = autograd.tensor(np.moveaxis(a.detach().numpy(), 2, 0), requires_grad=True)  # (6, 2, 3)
    check(linalg.tensorsolve(moved, b, dims=(0,)), x.detach().numpy(), rtol=1e-12)
    check(linalg.tensorsolve(moved, b, dims=0), x.detach().numpy(), rtol=1e-12)
    check_grad(lambda t, y: linalg.tensorsolve(t, y, dims=(0,)), moved, b)
    square = rng.normal(size=(2, 3, 2, 3)) + np.eye(6).reshape(2, 3, 2, 3) * 3
    rhs = rng.normal(size=(2, 3))
    check(
        linalg.tensorsolve(autograd.tensor(square), autograd.tensor(rhs)),
        np.linalg.tensorsolve(square, rhs),
        rtol=1e-12,
    )


def test_tensorinv_tensorsolve_errors():
    with pytest.raises(
        ValueError,
        match=r"Expected self to satisfy the requirement prod\(self.shape\[ind:\]\) == "
        r"prod\(self.shape\[:ind\]\), but got 18 != 2",
    ):
        linalg.tensorinv(autograd.ones(2, 3, 3, 2), ind=1)
    with pytest.raises(
        ValueError, match="^linalg.tensorinv: Expected a strictly positive integer for 'ind', but got 0"
    ):
        linalg.tensorinv(autograd.ones(2, 2), ind=0)
    with pytest.raises(TypeError, match="argument 'ind' must be int, not float"):
        linalg.tensorinv(autograd.ones(2, 2), ind=1.5)
    with pytest.raises(
        ValueError,
        match=r"^linalg.tensorsolve: .*prod\(self.shape\[other.ndim:\]\) == "
        r"prod\(self.shape\[:other.ndim\]\), but got 6 != 4",
    ):
        linalg.tensorsolve(autograd.ones(2, 3, 6), autograd.ones(2, 2))
    with pytest.raises(
        ValueError, match=r"but got 6 != 6 \(A \(2, 2, 6\), B \(2, 3\): A's shape must be B's"
    ):
        linalg.tensorsolve(autograd.ones(2, 2, 6), autograd.ones(2, 3))
    assert linalg.tensorsolve(autograd.eye(6).reshape(3, 2, 6), autograd.ones(2, 3)).shape == (
        6,
    )  # torch 2.13
    with pytest.raises(TypeError, match="linalg.tensorsolve: Expected a floating point tensor"):
        linalg.tensorsolve(autograd.ones(2, 2, dtype=autograd.int64), autograd.ones(2))
    with pytest.raises(TypeError, match="linalg.tensorsolve: Expected a floating point tensor"):
        linalg.tensorsolve(autograd.eye(2), autograd.ones(2, dtype=autograd.int64))
    with pytest.raises(TypeError, match="linalg.tensorinv: Expected a floating point tensor"):
        linalg.tensorinv(autograd.eye(4, dtype=autograd.int64).reshape(2, 2, 2, 2))
    with pytest.raises(TypeError, match="linalg.tensorinv: argument 'A' must be a Tensor, not list"):
        linalg.tensorinv([[1.0, 0.0], [0.0, 1.0]], ind=1)
    assert linalg.tensorinv(autograd.eye(4).reshape(2, 2, 4), ind=np.int64(2)).shape == (4, 2, 2)
