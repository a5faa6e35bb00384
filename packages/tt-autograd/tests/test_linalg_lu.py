"""``tt_autograd.linalg`` LU: ``lu_factor``, ``lu_factor_ex``, ``lu`` and ``lu_solve``: factors and pivots
against a reference written here (an element-by-element partial-pivoting loop), ``P @ L @ U == A`` on square,
tall, wide and batched inputs, PyTorch's conventions (int32 pivots from 1, ``info``, named tuples, singular
input: ``lu_factor`` raises, ``lu_factor_ex`` and ``lu`` do not; values checked against torch 2.13 in a
scratch script and pinned here), gradients against central differences, every ``lu_solve`` mode, errors.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd

linalg = autograd.linalg


def reference_lu(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Doolittle LU with partial pivoting on one matrix, one element at a time: ``(LU, pivots, info)``."""
    lu = np.array(a, dtype=np.float64)
    m, n = lu.shape
    pivots, info = [], 0
    for j in range(min(m, n)):
        best = j
        for i in range(j + 1, m):
            if abs(lu[i, j]) > abs(lu[best, j]):
                best = i
        pivots.append(best + 1)
        for c in range(n):
            lu[j, c], lu[best, c] = lu[best, c], lu[j, c]
        if lu[j, j] == 0:
            info = info or j + 1
            continue
        for i in range(j + 1, m):
            lu[i, j] /= lu[j, j]
            for c in range(j + 1, n):
                lu[i, c] -= lu[i, j] * lu[j, c]
    return lu, np.array(pivots), info


def reference_permutation(pivots: np.ndarray, m: int) -> np.ndarray:
    """``P`` with ``A = P L U``: the identity's rows swapped as the pivots say, transposed."""
    swapped = np.eye(m)
    for j, p in enumerate(pivots):
        swapped[[j, p - 1]] = swapped[[p - 1, j]]
    return swapped.T


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 5, 5), (6, 3), (3, 6), (2, 4, 2), (1, 1)])
def test_factors_and_pivots_against_the_reference_loop(rng, check, shape):
    values = rng.normal(size=shape)
    lu, pivots, info = linalg.lu_factor_ex(autograd.tensor(values))
    k = min(shape[-2:])
    assert pivots.dtype == autograd.int32 and info.dtype == autograd.int32
    assert pivots.shape == shape[:-2] + (k,) and info.shape == shape[:-2]
    for index in np.ndindex(shape[:-2]):
        ref_lu, ref_pivots, ref_info = reference_lu(values[index])
        check(lu[index], ref_lu, rtol=1e-10, atol=1e-12)
        assert pivots.numpy()[index].tolist() == ref_pivots.tolist()
        assert info.numpy()[index] == ref_info == 0
    p, lower, upper = linalg.lu(autograd.tensor(values))
    assert p.shape == shape[:-1] + (shape[-2],) and lower.shape == shape[:-1] + (k,)
    assert upper.shape == shape[:-2] + (k, shape[-1])
    check(p @ lower @ upper, values, atol=1e-12)
    assert np.all(np.triu(lower.numpy(), 1) == 0) and np.all(np.diagonal(lower.numpy(), 0, -2, -1) == 1)
    assert np.all(np.tril(upper.numpy(), -1) == 0)
    for index in np.ndindex(shape[:-2]):
        check(p[index], reference_permutation(pivots.numpy()[index], shape[-2]))


def test_pytorch_factors_pinned():
    # torch 2.13 (float64): LU, pivots and info of lu_factor_ex
    cases = [
        ([[1.0, 2.0], [-1.0, 3.0]], [[1.0, 2.0], [-1.0, 5.0]], [1, 2], 0),  # a tie: the first row wins
        (
            [[0.0, 1.0, 2.0], [0.0, 3.0, 4.0], [5.0, 6.0, 0.0]],
            [[5.0, 6.0, 0.0], [0.0, 3.0, 4.0], [0.0, 1 / 3, 2 / 3]],
            [3, 2, 3],
            0,
        ),
        ([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [[5.0, 6.0], [0.2, 0.8], [0.6, 0.5]], [3, 3], 0),
        ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[4.0, 5.0, 6.0], [0.25, 0.75, 1.5]], [2, 2], 0),
        ([[0.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 1.0]], [1, 2], 1),
        ([[1.0, 2.0], [2.0, 4.0]], [[2.0, 4.0], [0.5, 0.0]], [2, 2], 2),
    ]
    for a, expected_lu, expected_pivots, expected_info in cases:
        lu, pivots, info = linalg.lu_factor_ex(autograd.tensor(a, dtype=autograd.float64))
        np.testing.assert_allclose(lu.numpy(), expected_lu, atol=1e-14)
        assert pivots.tolist() == expected_pivots and info.item() == expected_info


def test_singular_matrices_info_and_errors():
    singular = autograd.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]]])
    result = linalg.lu_factor_ex(singular)
    assert result._fields == ("LU", "pivots", "info")
    assert result.info.tolist() == [0, 2, 1]
    assert result.pivots.tolist() == [[1, 2], [2, 2], [1, 2]]
    p, lower, upper = linalg.lu(singular)  # no error: the factorisation exists
    np.testing.assert_allclose((p @ lower @ upper).numpy(), singular.numpy())
    message = r"U\[2,2\] is zero and using it on lu_solve would result in a division by zero"
    with pytest.raises(linalg.LinAlgError, match=r"^torch.linalg.lu_factor: \(Batch element 1\): " + message):
        linalg.lu_factor(singular)
    with pytest.raises(linalg.LinAlgError, match=r"^torch.linalg.lu_factor: U\[1,1\] is zero"):
        linalg.lu_factor(autograd.zeros(3, 3))
    with pytest.raises(
        linalg.LinAlgError, match=r"^torch.linalg.lu_factor_ex: \(Batch element 1\): " + message
    ):
        linalg.lu_factor_ex(singular, check_errors=True)
    assert linalg.lu_factor_ex(autograd.eye(2), check_errors=True).info.item() == 0
    assert issubclass(linalg.LinAlgError, RuntimeError)


def test_named_tuples_dtypes_and_empty_inputs():
    factor = linalg.lu_factor(autograd.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert factor._fields == ("LU", "pivots") and factor.LU.dtype == autograd.float32
    assert factor.pivots.tolist() == [2, 2]
    result = linalg.lu(autograd.eye(3, dtype=autograd.float64))
    assert result._fields == ("P", "L", "U")
    assert all(t.dtype == autograd.float64 for t in result)
    empty = linalg.lu_factor_ex(autograd.zeros(2, 0, 3))
    assert empty.LU.shape == (2, 0, 3) and empty.pivots.shape == (2, 0) and empty.info.tolist() == [0, 0]
    assert linalg.lu_factor_ex(autograd.zeros(0, 0)).info.shape == ()
    assert linalg.lu_factor_ex(autograd.zeros(0, 3, 3)).pivots.shape == (0, 3)


def test_pivoting_is_per_matrix_of_the_batch(check):
    batch = np.array(
        [
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            [[0.0, 0.0, 1.0], [0.0, 2.0, 0.0], [3.0, 0.0, 0.0]],
        ]
    )
    p, lower, upper = linalg.lu(autograd.tensor(batch))
    check(p[0], np.eye(3))
    check(p[1], [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    check(upper[1], np.diag([3.0, 2.0, 1.0]))
    check(lower[1], np.eye(3))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (2, 5, 3), (2, 3, 5)])
def test_gradcheck_lu_and_lu_factor(leaf, check_grad, shape):
    a = leaf(shape)
    check_grad(lambda t: tuple(linalg.lu(t)[1:]), a)
    check_grad(lambda t: linalg.lu_factor_ex(t).LU, a)
    if shape[-1] == shape[-2]:
        check_grad(lambda t: linalg.lu_factor(t).LU, a)


def test_gradients_pinned_to_pytorch(check):
    # torch 2.13, float64: loss sum(LU * W) through lu_factor; 2 sum(L) + sum(U^2) through lu of a tall matrix
    a = autograd.tensor(
        [[1.0, 2.0, 0.5], [3.0, 1.0, 2.0], [0.0, 1.0, 4.0]], dtype=autograd.float64, requires_grad=True
    )
    weights = autograd.tensor([[1.0, -2.0, 0.5], [0.3, 1.0, 2.0], [-1.0, 1.0, 0.0]], dtype=autograd.float64)
    (linalg.lu_factor(a).LU * weights).sum().backward()
    expected = [
        [-1.4466666666666665, 0.64, 2.0],
        [1.482222222222222, -2.2133333333333334, -1 / 6],
        [-0.5333333333333333, 0.6, 0.0],
    ]
    check(a.grad, expected, rtol=1e-12)
    tall = autograd.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=autograd.float64, requires_grad=True)
    _, lower, upper = linalg.lu(tall)
    (lower.sum() * 2 + (upper * upper).sum()).backward()
    check(tall.grad, [[-0.02, 0.35], [-2.6, 2.5], [11.564, 10.43]], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_every_mode_with_broadcasting(rng, check, check_grad, left, adjoint):
    a = rng.normal(size=(2, 3, 3)) + 2 * np.eye(3)
    b = rng.normal(size=(4, 1, 3, 2) if left else (4, 1, 2, 3))
    lu, pivots = linalg.lu_factor(autograd.tensor(a))
    x = linalg.lu_solve(lu, pivots, autograd.tensor(b), left=left, adjoint=adjoint)
    op = np.swapaxes(a, -1, -2) if adjoint else a
    expected = (
        np.linalg.solve(op, b)
        if left
        else np.swapaxes(np.linalg.solve(np.swapaxes(op, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)
    )
    assert x.shape == (4, 2) + b.shape[-2:]
    check(x, expected, rtol=1e-10, atol=1e-12)
    lu_leaf = autograd.tensor(lu.numpy(), requires_grad=True)
    b_leaf = autograd.tensor(b, requires_grad=True)
    check_grad(lambda f, rhs: linalg.lu_solve(f, pivots, rhs, left=left, adjoint=adjoint), lu_leaf, b_leaf)


def test_lu_solve_gradient_reaches_a_through_lu_factor(rng, check):
    values = rng.normal(size=(3, 3)) + 2 * np.eye(3)
    rhs = rng.normal(size=(3, 2))
    a = autograd.tensor(values, requires_grad=True)
    linalg.lu_solve(*linalg.lu_factor(a), autograd.tensor(rhs)).sum().backward()
    b = autograd.tensor(values, requires_grad=True)
    linalg.solve(b, autograd.tensor(rhs)).sum().backward()
    check(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_float32_is_kept(rng):
    a = autograd.tensor(rng.normal(size=(2, 3, 3)), dtype=autograd.float32, requires_grad=True)
    lu, pivots = linalg.lu_factor(a)
    assert lu.dtype == autograd.float32 and pivots.dtype == autograd.int32
    x = linalg.lu_solve(lu, pivots, autograd.ones(2, 3, 1))
    assert x.dtype == autograd.float32
    x.sum().backward()
    assert a.grad.dtype == autograd.float32
    p, lower, upper = linalg.lu(a)
    assert p.dtype == lower.dtype == upper.dtype == autograd.float32


def test_errors_name_the_op_and_the_fix():
    lu, pivots = linalg.lu_factor(autograd.tensor([[2.0, 1.0], [1.0, 3.0]]))
    with pytest.raises(
        NotImplementedError, match=r"^linalg.lu_factor: LU without pivoting is not implemented"
    ):
        linalg.lu_factor(autograd.eye(2), pivot=False)
    with pytest.raises(NotImplementedError, match=r"^linalg.lu: LU without pivoting .*pivot=True"):
        linalg.lu(autograd.eye(2), pivot=False)
    with pytest.raises(
        ValueError, match="linalg.lu_factor: The input tensor A must have at least 2 dimensions"
    ):
        linalg.lu_factor(autograd.ones(3))
    with pytest.raises(TypeError, match="linalg.lu_factor_ex: Expected a floating point tensor"):
        linalg.lu_factor_ex(autograd.ones(2, 2, dtype=autograd.int64))
    with pytest.raises(TypeError, match=r"pivots should be a Tensor of scalar type torch.int32.*\.int\(\)"):
        linalg.lu_solve(lu, pivots.long(), autograd.ones(2, 1))
    with pytest.raises(TypeError, match="linalg.lu_solve: argument 'pivots' must be a Tensor, not list"):
        linalg.lu_solve(lu, [2, 2], autograd.ones(2, 1))
    with pytest.raises(
        ValueError, match=r"Expected LU.shape\[:-1\] and pivots.shape to be the same.*\(1, 2\)"
    ):
        linalg.lu_solve(lu, pivots[None], autograd.ones(2, 1))
    with pytest.raises(ValueError, match=r"pivots must lie in 1..2 .*from 0 to 2"):
        linalg.lu_solve(lu, autograd.tensor([0, 2], dtype=autograd.int32), autograd.ones(2, 1))
    with pytest.raises(ValueError, match=r"pivots must lie in 1..2 .*from 1 to 3"):
        linalg.lu_solve(lu, autograd.tensor([1, 3], dtype=autograd.int32), autograd.ones(2, 1))
    with pytest.raises(
        ValueError,
        match=r"^linalg.lu_solve: Incompatible shapes of A and B for the equation AX = B \(2x2 and 3x1\)",
    ):
        linalg.lu_solve(lu, pivots, autograd.ones(3, 1))
    with pytest.raises(ValueError, match=r"equation AX = B \(2x2 and 3x1\)"):
        linalg.lu_solve(lu, pivots, autograd.ones(4, 3, 1))
    with pytest.raises(ValueError, match=r"equation XA = B \(2x2 and 2x1\)"):
        linalg.lu_solve(lu, pivots, autograd.ones(2, 1), left=False)
    with pytest.raises(
        ValueError, match="linalg.lu_solve: The input tensor B must have at least 2 dimensions"
    ):
        linalg.lu_solve(lu, pivots, autograd.ones(2))
    with pytest.raises(
        ValueError, match="linalg.lu_solve: LU must be batches of square matrices, but they are 2 by 3"
    ):
        linalg.lu_solve(autograd.ones(2, 3), pivots, autograd.ones(2, 1))
    lu4, pivots4 = linalg.lu_factor(autograd.eye(2).expand(1, 3, 2, 2) * 2)  # a batch dim that is not n
    assert linalg.lu_solve(lu4, pivots4, autograd.ones(2, 1)).shape == (1, 3, 2, 1)
    bad = autograd.tensor(np.full((1, 3, 2), 3), dtype=autograd.int32)
    with pytest.raises(ValueError, match=r"pivots must lie in 1..2 .*from 3 to 3"):
        linalg.lu_solve(lu4, bad, autograd.ones(2, 1))
    with pytest.raises(TypeError, match="Expected LU and B to have the same dtype"):
        linalg.lu_solve(lu, pivots, autograd.ones(2, 1, dtype=autograd.float64))
