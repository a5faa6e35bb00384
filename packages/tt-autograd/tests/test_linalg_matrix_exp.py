"""``tt_autograd.linalg.matrix_exp`` (and ``tt_autograd.matrix_exp``, ``Tensor.matrix_exp``): values against
float64 references written here (eigendecompositions, a truncated series, closed forms for nilpotent, diagonal
and rotation generators, large norms that need squaring), per-matrix scaling in a batch, PyTorch's values and
gradient (torch 2.13, pinned), gradients against central differences on batches, dtypes, edge cases, errors.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd

linalg = autograd.linalg


def expm_symmetric(a: np.ndarray) -> np.ndarray:
    """``exp`` of symmetric matrices: ``V diag(exp(w)) V^T`` from ``eigh``."""
    w, v = np.linalg.eigh(a)
    return (v * np.exp(w)[..., None, :]) @ np.swapaxes(v, -1, -2)


def expm_diagonalisable(vectors: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``exp(V diag(d) V^{-1}) = V diag(exp(d)) V^{-1}``."""
    return (vectors * np.exp(values)[..., None, :]) @ np.linalg.inv(vectors)


def expm_series(a: np.ndarray, terms: int = 60) -> np.ndarray:
    """The Taylor series ``sum_k A^k / k!`` (for small norms, where it converges fast)."""
    total = term = np.broadcast_to(np.eye(a.shape[-1]), a.shape).copy()
    for k in range(1, terms):
        term = term @ a / k
        total = total + term
    return total


def test_symmetric_batch_against_eigh(rng, check):
    values = rng.normal(size=(2, 3, 4, 4))
    values = values + np.swapaxes(values, -1, -2)
    check(linalg.matrix_exp(autograd.tensor(values)), expm_symmetric(values), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("scale", [1e-3, 0.3, 1.0, 4.0])
def test_general_matrices_against_the_series(rng, check, scale):
    values = rng.normal(size=(3, 5, 5)) * scale / 5
    check(linalg.matrix_exp(autograd.tensor(values)), expm_series(values), rtol=1e-12, atol=1e-13)


def test_non_symmetric_diagonalisable_and_large_norms_that_need_squaring(rng, check):
    vectors = rng.normal(size=(3, 4, 4)) + 2 * np.eye(4)
    eigenvalues = np.array([[0.5, -1.0, 2.0, 0.1], [10.0, 12.0, -3.0, 8.0], [-20.0, 25.0, 30.0, 1.0]])
    a = vectors @ (eigenvalues[..., None] * np.linalg.inv(vectors))
    expected = expm_diagonalisable(vectors, eigenvalues)
    check(linalg.matrix_exp(autograd.tensor(a)), expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())
    for norm in (5.0, 5.5, 10.6, 11.0):  # around theta_13 = 5.37 and 2 theta_13: no squaring, one, two
        result = linalg.matrix_exp(autograd.tensor([[norm]], dtype=autograd.float64))
        check(result, [[math.exp(norm)]], rtol=1e-13)
    big = np.diag([40.0, -40.0, 5.0])
    check(linalg.matrix_exp(autograd.tensor(big)), np.diag(np.exp([40.0, -40.0, 5.0])), rtol=1e-13)
    for t in (0.1, 3.0, 30.0, 200.0):  # rotation generator: ||A||_1 = t
        rotation = linalg.matrix_exp(autograd.tensor([[0.0, -t], [t, 0.0]], dtype=autograd.float64))
        expected = [[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]]
        check(rotation, expected, atol=1e-12)


def test_each_matrix_of_a_batch_gets_its_own_scaling(rng, check):
    small = rng.normal(size=(3, 3)) * 0.01
    large = rng.normal(size=(3, 3)) * 4
    large = large + large.T
    batch = np.stack([small, large, small.T])
    result = linalg.matrix_exp(autograd.tensor(batch))
    check(result[0], expm_series(small), rtol=1e-13, atol=1e-15)
    check(result[1], expm_symmetric(large), rtol=1e-12)
    check(result[2], expm_series(small.T), rtol=1e-13, atol=1e-15)


def test_nilpotent_diagonal_and_identity_closed_forms(check):
    nilpotent = np.triu(np.arange(1.0, 17.0).reshape(4, 4), 1)
    expected = sum(np.linalg.matrix_power(nilpotent, k) / math.factorial(k) for k in range(4))
    check(linalg.matrix_exp(autograd.tensor(nilpotent)), expected, rtol=1e-13)
    check(linalg.matrix_exp(autograd.tensor([[0.0, 1.0], [0.0, 0.0]])), [[1.0, 1.0], [0.0, 1.0]])
    check(linalg.matrix_exp(autograd.zeros(2, 3, 3)), np.broadcast_to(np.eye(3), (2, 3, 3)))
    diagonal = np.array([-5.0, -0.5, 0.0, 0.7, 3.0])
    check(linalg.matrix_exp(autograd.tensor(np.diag(diagonal))), np.diag(np.exp(diagonal)), rtol=1e-14)
    check(linalg.matrix_exp(autograd.tensor([[2.0]])), [[math.exp(2.0)]], rtol=1e-6)


def test_pytorch_values_and_gradient_pinned(check):
    # torch 2.13, float64: exp(A) and the gradient of exp(A).sum()
    a = autograd.tensor([[0.5, -1.0], [2.0, 0.3]], dtype=autograd.float64, requires_grad=True)
    result = linalg.matrix_exp(a)
    check(result, [[0.3422554167167239, -1.043998317542938], [2.087996635085876, 0.13345575320813585]])
    result.sum().backward()
    check(a.grad, [[0.884509418015341, 3.5370918031717835], [-0.20254842527148456, 0.6352000694524562]])


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 4, 4), (2, 1, 1)])
def test_gradcheck_batched(leaf, check_grad, shape):
    check_grad(linalg.matrix_exp, leaf(shape))


def test_gradcheck_with_squarings_and_a_weighted_loss(rng, check_grad):
    big = autograd.tensor(rng.normal(size=(2, 3, 3)) * 3, dtype=autograd.float64, requires_grad=True)
    weights = autograd.tensor(rng.normal(size=(2, 3, 3)), dtype=autograd.float64)
    check_grad(lambda t: (linalg.matrix_exp(t) * weights).sum(), big, rtol=1e-5)


def test_gradient_in_float32_and_the_top_level_and_method_forms(rng, check):
    values = rng.normal(size=(2, 3, 3)) * 0.5
    a32 = autograd.tensor(values, dtype=autograd.float32, requires_grad=True)
    a64 = autograd.tensor(values, dtype=autograd.float64, requires_grad=True)
    out32 = linalg.matrix_exp(a32)
    assert out32.dtype == autograd.float32
    (out32 * out32).sum().backward()
    (linalg.matrix_exp(a64) ** 2).sum().backward()
    assert a32.grad.dtype == autograd.float32
    check(a32.grad, a64.grad.numpy(), rtol=1e-5, atol=1e-5)
    check(autograd.matrix_exp(a64), expm_series(values), rtol=1e-12)
    check(a64.matrix_exp(), expm_series(values), rtol=1e-12)
    assert linalg.matrix_exp(autograd.eye(2, dtype=autograd.float64)).dtype == autograd.float64


def test_edge_values_follow_pytorch():
    # torch 2.13: nan or inf anywhere gives all-nan; overflow gives inf and underflow 0; empty stays empty
    for bad in (float("nan"), float("inf")):
        assert np.isnan(linalg.matrix_exp(autograd.tensor([[bad, 0.0], [0.0, 1.0]])).numpy()).all()
    assert linalg.matrix_exp(autograd.tensor([[1000.0]])).item() == math.inf
    assert linalg.matrix_exp(autograd.tensor([[-1000.0]])).item() == 0.0
    assert linalg.matrix_exp(autograd.tensor([[100.0]])).item() == math.inf  # float32 range
    assert linalg.matrix_exp(autograd.tensor([[100.0]], dtype=autograd.float64)).item() == pytest.approx(
        math.exp(100.0), rel=1e-13
    )
    assert linalg.matrix_exp(autograd.zeros(2, 0, 0)).shape == (2, 0, 0)
    assert linalg.matrix_exp(autograd.zeros(0, 3, 3)).shape == (0, 3, 3)


def test_errors_name_the_op_and_the_fix():
    with pytest.raises(
        ValueError, match="^linalg.matrix_exp: A must be batches of square matrices, but they are 2 by 3"
    ):
        linalg.matrix_exp(autograd.ones(2, 3))
    with pytest.raises(
        ValueError, match="linalg.matrix_exp: The input tensor A must have at least 2 dimensions"
    ):
        linalg.matrix_exp(autograd.ones(3))
    with pytest.raises(TypeError, match="linalg.matrix_exp: Expected a floating point tensor.*int64.*double"):
        linalg.matrix_exp(autograd.ones(2, 2, dtype=autograd.int64))
