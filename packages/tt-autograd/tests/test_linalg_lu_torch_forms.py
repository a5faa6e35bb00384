"""PyTorch's top-level LU forms ``lu_unpack``, ``lu`` (deprecated ``torch.lu``), ``lu_solve`` (old argument
order) and the ``Tensor.lu`` / ``Tensor.lu_solve`` methods: ``P``, ``L``, ``U`` against a reference written
here from the packed form, ``P @ L @ U == A`` on square, tall, wide and batched inputs, ``unpack_data`` /
``unpack_pivots`` False (empty tensors, as torch 2.13), gradients against central differences, errors, and
values checked against torch 2.13 in a scratch script and pinned here.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd

linalg = autograd.linalg

PINNED_A = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]


def reference_unpack(lu: np.ndarray, pivots: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(P, L, U)`` of one packed matrix, one element at a time (``P`` from the row swaps, transposed)."""
    m, n = lu.shape
    k = min(m, n)
    lower, upper = np.zeros((m, k)), np.zeros((k, n))
    for i in range(m):
        for j in range(k):
            lower[i, j] = 1.0 if i == j else (lu[i, j] if i > j else 0.0)
    for i in range(k):
        for j in range(n):
            upper[i, j] = lu[i, j] if j >= i else 0.0
    swapped = np.eye(m)
    for j, p in enumerate(pivots):
        swapped[[j, p - 1]] = swapped[[p - 1, j]]
    return swapped.T, lower, upper


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 4, 4), (5, 3), (3, 5), (2, 4, 2), (1, 1)])
def test_unpack_against_the_reference_and_reconstructs(rng, check, shape):
    values = rng.normal(size=shape)
    lu, pivots = linalg.lu_factor(autograd.tensor(values))
    P, L, U = autograd.lu_unpack(lu, pivots)
    m, n = shape[-2:]
    k = min(m, n)
    batch = shape[:-2]
    assert P.shape == batch + (m, m) and L.shape == batch + (m, k) and U.shape == batch + (k, n)
    for index in np.ndindex(shape[:-2]):
        ref_p, ref_l, ref_u = reference_unpack(lu.numpy()[index], pivots.numpy()[index])
        check(P[index], ref_p, atol=0)
        check(L[index], ref_l, atol=0)
        check(U[index], ref_u, atol=0)
    check(P @ L @ U, values, rtol=1e-10, atol=1e-12)
    # the same as linalg.lu's factors
    for mine, theirs in zip(autograd.lu_unpack(lu, pivots), linalg.lu(autograd.tensor(values))):
        check(mine, theirs.numpy(), atol=0)


def test_unpack_pinned_against_torch():
    P, L, U = autograd.lu_unpack(*linalg.lu_factor(autograd.tensor(PINNED_A, dtype=autograd.float64)))
    np.testing.assert_array_equal(P.numpy(), [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    np.testing.assert_allclose(L.numpy(), [[1, 0, 0], [1 / 7, 1, 0], [4 / 7, 0.5, 1]], rtol=1e-12)
    np.testing.assert_allclose(U.numpy(), [[7, 8, 10], [0, 6 / 7, 11 / 7], [0, 0, -0.5]], rtol=1e-12)


def test_unpack_gradient_pinned_against_torch():
    a = autograd.tensor(PINNED_A, dtype=autograd.float64, requires_grad=True)
    _, L, U = autograd.lu_unpack(*linalg.lu_factor(a))
    (L.sum() * 2 + (U**2).sum()).backward()
    torch_grad = [
        [-4.4966, -0.3690, 3.6429],
        [-3.0476, 4.1667, -1.0000],
        [16.3839, 13.6718, 20.0510],
    ]
    np.testing.assert_allclose(a.grad.numpy(), torch_grad, atol=1e-4)


def test_unpack_flags_give_empty_tensors_as_torch(rng):
    lu, pivots = linalg.lu_factor(autograd.tensor(rng.normal(size=(2, 4, 3)), dtype=autograd.float32))
    full = autograd.lu_unpack(lu, pivots)
    P, L, U = autograd.lu_unpack(lu, pivots, unpack_data=False)
    np.testing.assert_array_equal(P.numpy(), full.P.numpy())
    assert L.shape == (0,) and U.shape == (0,) and L.dtype == U.dtype == autograd.float32
    P, L, U = autograd.lu_unpack(lu, pivots, unpack_pivots=False)
    assert P.shape == (0,) and P.dtype == autograd.float32
    np.testing.assert_array_equal(L.numpy(), full.L.numpy())
    np.testing.assert_array_equal(U.numpy(), full.U.numpy())
    P, L, U = autograd.lu_unpack(lu, pivots, False, False)
    assert P.shape == L.shape == U.shape == (0,)


def test_unpack_keeps_dtype_and_broadcasts_pivots(rng, check):
    values = rng.normal(size=(3, 3)).astype(np.float32)
    lu, pivots = linalg.lu_factor(autograd.tensor(values))
    batch = autograd.tensor(np.stack([lu.numpy()] * 2))
    P, L, U = autograd.lu_unpack(batch, pivots)  # the pivots' batch broadcasts, as in torch
    assert P.dtype == L.dtype == U.dtype == autograd.float32 and P.shape == (2, 3, 3)
    check(P @ L @ U, np.stack([values] * 2), rtol=1e-5, atol=1e-6)


def test_unpack_records_no_gradient_for_P(leaf):
    lu, pivots = linalg.lu_factor(leaf((3, 3)))
    P, L, U = autograd.lu_unpack(lu, pivots)
    assert not P.requires_grad and L.requires_grad and U.requires_grad


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (4, 2), (2, 4)])
def test_gradcheck_unpack_in_lu_data_and_through_lu_factor(leaf, check_grad, shape):
    a = leaf(shape)
    pivots = linalg.lu_factor(a.detach()).pivots
    check_grad(lambda t: tuple(autograd.lu_unpack(t, pivots)[1:]), leaf(shape))
    check_grad(lambda t: tuple(autograd.lu_unpack(*linalg.lu_factor_ex(t)[:2])[1:]), a)


def test_unpack_errors(rng):
    lu, pivots = linalg.lu_factor(autograd.tensor(rng.normal(size=(2, 3, 3))))
    with pytest.raises(TypeError, match=r"lu_unpack: LU_pivots is .*int32 dtype, got tt.int64.*\.int\(\)"):
        autograd.lu_unpack(lu, pivots.long())
    with pytest.raises(ValueError, match=r"LU_pivots must have shape \(2, 3\) .* got \(2, 2\)"):
        autograd.lu_unpack(lu, pivots[..., :2])
    with pytest.raises(ValueError, match=r"must have shape \(2, 3\) .* got \(\)"):
        autograd.lu_unpack(lu, pivots[0, 0])
    with pytest.raises(ValueError, match=r"LU_pivots \(3,\) do not broadcast to LU_data's \(2,\)"):
        autograd.lu_unpack(lu, autograd.tensor(np.ones((3, 3), np.int32)))
    bad = autograd.tensor([[1, 2, 3], [1, 2, 0]], dtype=autograd.int32)
    with pytest.raises(ValueError, match=r"1 and LU.size\(-2\) = 3 inclusive, got values from 0 to 3"):
        autograd.lu_unpack(lu, bad)
    with pytest.raises(ValueError, match=r"got values from 1 to 4"):
        autograd.lu_unpack(lu, autograd.tensor([[1, 2, 3], [4, 2, 3]], dtype=autograd.int32))
    wide, wide_pivots = linalg.lu_factor(autograd.tensor(rng.normal(size=(2, 4))))
    autograd.lu_unpack(wide, autograd.tensor([2, 2], dtype=autograd.int32))  # 1..m, not 1..n
    with pytest.raises(ValueError, match=r"LU.size\(-2\) = 2 inclusive, got values from 2 to 3"):
        autograd.lu_unpack(wide, autograd.tensor([3, 2], dtype=autograd.int32))
    with pytest.raises(ValueError, match=r"lu_unpack"):
        autograd.lu_unpack(lu[0, 0], pivots)
    with pytest.raises(TypeError, match=r"lu_unpack: .*floating point"):
        autograd.lu_unpack(autograd.tensor(np.ones((3, 3), np.int32)), pivots[0])
    with pytest.raises(TypeError, match=r"lu_unpack: argument 'LU_pivots' must be a Tensor"):
        autograd.lu_unpack(lu, [1, 2, 3])
    assert wide_pivots.shape == (2,)


def test_old_lu_returns_lu_factor_ex_results(rng, check):
    values = rng.normal(size=(2, 4, 3))
    a = autograd.tensor(values)
    result = autograd.lu(a)
    assert isinstance(result, tuple) and len(result) == 2
    expected = linalg.lu_factor_ex(a)
    check(result[0], expected.LU.numpy(), atol=0)
    np.testing.assert_array_equal(result[1].numpy(), expected.pivots.numpy())
    LU, pivots, info = a.lu(get_infos=True)
    check(LU, expected.LU.numpy(), atol=0)
    assert info.dtype == autograd.int32 and info.shape == (2,) and info.numpy().tolist() == [0, 0]
    assert autograd.lu(a, True, True).info is not None  # the named tuple's fields


def test_old_lu_on_a_singular_matrix_does_not_raise_as_torch():
    singular = autograd.tensor([[1.0, 2.0], [2.0, 4.0]])
    LU, pivots = singular.lu()
    np.testing.assert_allclose(LU.numpy(), [[2.0, 4.0], [0.5, 0.0]])
    assert pivots.numpy().tolist() == [2, 2]
    assert int(autograd.lu(singular, get_infos=True).info) == 2
    with pytest.raises(NotImplementedError, match=r"^lu: LU without pivoting .*\(pass pivot=True\)"):
        singular.lu(pivot=False)


def test_gradcheck_old_lu(leaf, check_grad):
    check_grad(lambda t: autograd.lu(t)[0], leaf((2, 3, 3)))
    check_grad(lambda t: t.lu(get_infos=True).LU, leaf((4, 3)))


def test_old_lu_solve_argument_order_and_method(rng, check):
    values = rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)
    b = rng.normal(size=(2, 3, 2))
    LU, pivots = autograd.lu(autograd.tensor(values))
    expected = np.linalg.solve(values, b)
    check(autograd.lu_solve(autograd.tensor(b), LU, pivots), expected, rtol=1e-10, atol=1e-12)
    check(autograd.tensor(b).lu_solve(LU, pivots), expected, rtol=1e-10, atol=1e-12)


def test_old_lu_solve_pinned_against_torch():
    LU, pivots = autograd.lu(autograd.tensor(PINNED_A, dtype=autograd.float64))
    x = autograd.lu_solve(autograd.tensor([[1.0], [2.0], [3.0]], dtype=autograd.float64), LU, pivots)
    np.testing.assert_allclose(x.numpy(), [[-1 / 3], [2 / 3], [0.0]], atol=1e-12)


def test_gradcheck_old_lu_solve(leaf, check_grad):
    a = leaf((2, 3, 3)).detach() + autograd.tensor(3 * np.eye(3))
    LU, pivots = autograd.lu(a)
    check_grad(lambda b, lu: autograd.lu_solve(b, lu, pivots), leaf((2, 3, 2)), LU.detach().requires_grad_())
    check_grad(lambda b: b.lu_solve(LU.detach(), pivots), leaf((2, 3, 1)))


def test_old_lu_solve_errors(rng):
    LU, pivots = autograd.lu(autograd.tensor(rng.normal(size=(3, 3))))
    with pytest.raises(TypeError, match=r"lu_solve: Expected LU and B to have the same dtype"):
        autograd.lu_solve(autograd.tensor(np.ones((3, 1)), dtype=autograd.float32), LU, pivots)
    with pytest.raises(ValueError, match=r"lu_solve: Incompatible shapes"):
        autograd.lu_solve(autograd.tensor(np.ones((2, 1))), LU, pivots)


def test_top_level_exports():
    import tinytorch

    # (the same functions; tinytorch wraps them to give PyTorch's out=, tinytorch/out_argument.py)
    assert tinytorch.lu_unpack.__wrapped__ is autograd.lu_unpack and tinytorch.lu.__wrapped__ is autograd.lu
    assert tinytorch.lu_solve.__wrapped__ is autograd.lu_solve
    assert {"lu", "lu_solve", "lu_unpack"} <= set(autograd.__all__)


def test_unpack_of_empty_matrices_as_torch():
    lu, pivots = linalg.lu_factor(autograd.tensor(np.zeros((2, 3, 0))))
    P, L, U = autograd.lu_unpack(lu, pivots)
    assert P.shape == (2, 3, 3) and L.shape == (2, 3, 0) and U.shape == (2, 0, 0)
    np.testing.assert_array_equal(P.numpy(), np.broadcast_to(np.eye(3), (2, 3, 3)))
