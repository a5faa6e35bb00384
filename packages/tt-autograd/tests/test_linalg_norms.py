"""``tt_autograd.linalg`` norms: ``vector_norm`` (every ``ord``), ``matrix_norm`` (every ``ord``, any dim
pair), ``norm`` (PyTorch's dispatch): values against NumPy float64 references written from the definitions,
gradients against central differences, PyTorch's gradients at the kinks (checked against torch 2.13 in a
scratch script and pinned here), dtypes and errors.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd

linalg = autograd.linalg
INF = math.inf


def _grad(fn, values):
    x = autograd.tensor(values, dtype=autograd.float64, requires_grad=True)
    fn(x).backward()
    return x.grad.numpy()


def _reference_vector_norm(x, ord, axes, keepdim=False):
    m = np.abs(x)
    if ord == INF:
        out = m.max(axis=axes, keepdims=True)
    elif ord == -INF:
        out = m.min(axis=axes, keepdims=True)
    elif ord == 0:
        out = (x != 0).sum(axis=axes, keepdims=True).astype(float)
    else:
        out = (m**ord).sum(axis=axes, keepdims=True) ** (1 / ord)
    return out if keepdim else np.squeeze(out, axis=axes)


@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, -1, -2.5, INF, -INF, 0])
def test_vector_norm_values_every_ord(leaf, check, ord):
    x = leaf((2, 3, 4), away_from=(0,))
    values = x.detach().numpy()
    check(linalg.vector_norm(x, ord, dim=(0, 2)), _reference_vector_norm(values, ord, (0, 2)), rtol=1e-12)
    check(linalg.vector_norm(x, ord, dim=1, keepdim=True), _reference_vector_norm(values, ord, (1,), True))
    check(linalg.vector_norm(x, ord), _reference_vector_norm(values.ravel(), ord, (0,)), rtol=1e-12)


@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, -1, -2.5, INF, -INF])
def test_vector_norm_gradients_every_ord(leaf, check_grad, ord):
    x = leaf((2, 3, 4), away_from=(0,))
    check_grad(lambda t: linalg.vector_norm(t, ord, dim=(0, 2)), x)
    check_grad(lambda t: linalg.vector_norm(t, ord, dim=-1, keepdim=True), x)
    check_grad(lambda t: linalg.vector_norm(t, ord), x)


def test_vector_norm_gradients_at_kinks_follow_pytorch():
    # torch 2.13: 0 where the norm is 0, sign(x) for ord 1 (0 at 0), the max shared among ties, 0 for ord 0
    np.testing.assert_array_equal(_grad(lambda x: linalg.vector_norm(x), np.zeros(3)), [0, 0, 0])
    np.testing.assert_array_equal(_grad(lambda x: linalg.vector_norm(x, 3), np.zeros(3)), [0, 0, 0])
    np.testing.assert_array_equal(_grad(lambda x: linalg.vector_norm(x, 1), [1.0, -3.0, 0.0]), [1, -1, 0])
    np.testing.assert_array_equal(
        _grad(lambda x: linalg.vector_norm(x, INF), [1.0, -3.0, 3.0]), [0, -0.5, 0.5]
    )
    np.testing.assert_array_equal(
        _grad(lambda x: linalg.vector_norm(x, -INF), [1.0, -1.0, 3.0]), [0.5, -0.5, 0]
    )
    np.testing.assert_array_equal(_grad(lambda x: linalg.vector_norm(x, INF), [0.0, -2.0]), [0, -1])
    np.testing.assert_array_equal(_grad(lambda x: linalg.vector_norm(x, 0), [1.0, -3.0, 0.0]), [0, 0, 0])
    np.testing.assert_allclose(
        _grad(lambda x: linalg.vector_norm(x, -1), [1.0, -3.0, 0.5]), [0.09, -0.01, 0.36]
    )
    assert linalg.vector_norm(autograd.tensor([1.0, 0.0, 2.0]), -1).item() == 0.0  # a zero gives norm 0
    np.testing.assert_array_equal(_grad(lambda x: linalg.vector_norm(x, -1), [1.0, 0.0, 2.0]), [0, 0, 0])
    np.testing.assert_array_equal(_grad(lambda x: linalg.vector_norm(x, 0.5), [0.0, 0.0]), [0, 0])
    np.testing.assert_allclose(_grad(lambda x: linalg.vector_norm(x, 3), [0.0, 2.0]), [0, 1])
    # torch 2.13 (and by hand): a zero entry gets 0 for ord < 1 too; a norm of exactly 1 is no kink
    np.testing.assert_array_equal(_grad(lambda x: linalg.vector_norm(x, 0.5), [0.0, 4.0, -1.0]), [0, 1.5, -3])
    np.testing.assert_array_equal(_grad(lambda x: linalg.vector_norm(x), [0.0, -1.0]), [0, -1])
    assert linalg.vector_norm(autograd.tensor([1.0, 0.0, -3.0, 1.0]), 0).item() == 3.0  # non-zeros


def test_vector_norm_edge_cases_and_dtypes():
    assert linalg.vector_norm(autograd.tensor(-2.0)).item() == 2.0
    assert linalg.vector_norm(autograd.zeros(0, 3)).item() == 0.0
    with pytest.raises(ValueError, match="inf norm on an empty tensor"):
        linalg.vector_norm(autograd.zeros(0, 3), INF)
    x = autograd.tensor([[3.0, -4.0]])
    assert linalg.vector_norm(x).dtype == autograd.float32
    assert linalg.vector_norm(x, dtype=autograd.float64).dtype == autograd.float64
    assert linalg.vector_norm(x, dim=1, keepdim=True).shape == (1, 1)
    assert linalg.vector_norm(x).item() == 5.0


def test_vector_norm_errors():
    with pytest.raises(TypeError, match="floating point"):
        linalg.vector_norm(autograd.tensor([1, 2]))
    with pytest.raises(TypeError, match="must be a number.*matrix_norm"):
        linalg.vector_norm(autograd.ones(3), "fro")
    with pytest.raises(TypeError, match="must be a number"):
        linalg.vector_norm(autograd.ones(3), True)
    with pytest.raises(TypeError, match="must be a Tensor"):
        linalg.vector_norm([1.0, 2.0])


def _reference_matrix_norm(a, ord):
    """Norm of the matrices over the last two axes, from the definitions."""
    s = np.linalg.svd(a, compute_uv=False)
    column_sums, row_sums = np.abs(a).sum(-2), np.abs(a).sum(-1)
    return {
        "fro": np.sqrt((a * a).sum((-2, -1))),
        "nuc": s.sum(-1),
        2: s.max(-1),
        -2: s.min(-1),
        1: column_sums.max(-1),
        -1: column_sums.min(-1),
        INF: row_sums.max(-1),
        -INF: row_sums.min(-1),
    }[ord]


ORDS = ["fro", "nuc", 1, -1, 2, -2, INF, -INF]


@pytest.mark.parametrize("ord", ORDS)
def test_matrix_norm_values_and_gradients(leaf, check, check_grad, ord):
    a = leaf((2, 3, 4))
    values = a.detach().numpy()
    check(linalg.matrix_norm(a, ord), _reference_matrix_norm(values, ord), rtol=1e-12)
    moved = np.moveaxis(values, (2, 0), (-2, -1))  # rows from dim 2, columns from dim 0
    check(linalg.matrix_norm(a, ord, dim=(2, 0)), _reference_matrix_norm(moved, ord), rtol=1e-12)
    kept = linalg.matrix_norm(a, ord, dim=(2, 0), keepdim=True)
    check(kept, _reference_matrix_norm(moved, ord).reshape(1, 3, 1), rtol=1e-12)
    check(
        linalg.matrix_norm(a, ord, dim=(-3, -2), keepdim=True),
        _reference_matrix_norm(np.moveaxis(values, (0, 1), (-2, -1)), ord).reshape(1, 1, 4),
        rtol=1e-12,
    )
    check_grad(lambda t: linalg.matrix_norm(t, ord), a)
    check_grad(lambda t: linalg.matrix_norm(t, ord, dim=(2, 0), keepdim=True), a)


def test_matrix_norm_dtype_and_errors():
    a = autograd.tensor([[1.0, -2.0], [3.0, 4.0]])
    for ord in ORDS:
        assert linalg.matrix_norm(a, ord).dtype == autograd.float32
    assert linalg.matrix_norm(a, dtype=autograd.float64).dtype == autograd.float64
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        linalg.matrix_norm(autograd.ones(3))
    with pytest.raises(ValueError, match="Order 3 not supported"):
        linalg.matrix_norm(a, 3)
    with pytest.raises(ValueError, match="Order abc not supported"):
        linalg.matrix_norm(a, "abc")
    with pytest.raises(ValueError, match="Order True not supported"):
        linalg.matrix_norm(a, True)
    with pytest.raises(ValueError, match="2-tuple"):
        linalg.matrix_norm(a, dim=(0,))
    with pytest.raises(ValueError, match="dims must be different"):
        linalg.matrix_norm(a, dim=(0, -2))


def test_norm_dispatches_as_pytorch(leaf, check):
    a = leaf((2, 3, 4))
    values = a.detach().numpy()
    check(linalg.norm(a), np.sqrt((values**2).sum()))  # flattened 2-norm for any ndim
    check(linalg.norm(a, keepdim=True), np.sqrt((values**2).sum()).reshape(1, 1, 1))
    check(linalg.norm(a, 3, dim=1), _reference_vector_norm(values, 3, (1,)))
    check(linalg.norm(a, dim=(1,)), _reference_vector_norm(values, 2, (1,)))
    check(linalg.norm(a, dim=(1, 2)), _reference_matrix_norm(values, "fro"))
    check(linalg.norm(a, "nuc", dim=(1, 2)), _reference_matrix_norm(values, "nuc"))
    m = values[0]
    check(linalg.norm(a[0], 2), _reference_matrix_norm(m, 2))  # 2-D with ord: a matrix norm
    check(linalg.norm(a[0, 0], 1), np.abs(m[0]).sum())  # 1-D with ord: a vector norm
    check(linalg.norm(a[0, 0], INF), np.abs(m[0]).max())
    assert linalg.norm(a.float(), dtype=autograd.float64).dtype == autograd.float64
    with pytest.raises(ValueError, match="must be 1D or 2D. Got 3D"):
        linalg.norm(a, 2)
    with pytest.raises(ValueError, match="must be 1D or 2D. Got 3D"):
        linalg.norm(a, "fro")
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        linalg.norm(a[0, 0], "fro")  # a string ord means a matrix norm, as PyTorch
    with pytest.raises(ValueError, match="length 1 or 2"):
        linalg.norm(a, dim=(0, 1, 2))
    with pytest.raises(TypeError, match="^linalg.norm: argument 'A' must be a Tensor, not list"):
        linalg.norm([1.0, 2.0], 1)


def test_norm_agrees_with_tensor_norm(leaf, check):
    x = leaf((3, 4))
    check(linalg.norm(x), x.norm().detach().numpy(), rtol=1e-12)
    check(linalg.norm(x, dim=1), x.norm(2, dim=1).detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("p", [0, -INF, INF, -1, 1, 3, None, "fro"])
def test_tensor_norm_is_vector_norm_for_every_p(leaf, check, check_grad, p):
    """``Tensor.norm``/``torch.norm`` with a number (or 'fro') is the vector norm over ``dim``, as PyTorch:
    ``p=0`` counts non-zeros (it used to divide by zero) and ``-inf`` is the smallest ``|x|`` (it gave 1)."""
    x = leaf((3, 4))
    values = x.detach().numpy()
    ord = 2 if p in (None, "fro") else p
    check(x.norm(p), _reference_vector_norm(values, ord, (0, 1)))
    check(x.norm(p, dim=1, keepdim=True), _reference_vector_norm(values, ord, (1,), keepdim=True))
    check(autograd.norm(x, p, (0, 1)), _reference_vector_norm(values, ord, (0, 1)))
    if p != 0:  # the count of non-zeros is a step function: its gradient is 0 (below)
        check_grad(lambda t: t.norm(p, dim=0), x)


def test_tensor_norm_nuclear_gradient_at_zero_and_errors(leaf, check, check_grad):
    x = leaf((3, 4))
    check(x.norm("nuc"), _reference_matrix_norm(x.detach().numpy(), "nuc"))
    check_grad(lambda t: t.norm("nuc"), x)
    batch = leaf((2, 3, 4))
    check(batch.norm("nuc", dim=(1, 2)), _reference_matrix_norm(batch.detach().numpy(), "nuc"))
    check(batch.norm("fro", dim=(1, 2)), _reference_matrix_norm(batch.detach().numpy(), "fro"))
    # the 2-norm of zeros: gradient 0, as PyTorch (x / ||x|| would be 0 / 0)
    assert _grad(lambda t: t.norm(), np.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    assert _grad(lambda t: t.norm(0), [1.0, 0.0, -2.0]).tolist() == [0.0, 0.0, 0.0]
    assert x.float().norm(dtype=autograd.float64).dtype == autograd.float64
    with pytest.raises(ValueError, match=r"^norm: p='max' is not a norm; use a number, 'fro' or 'nuc'"):
        x.norm("max")
    with pytest.raises(TypeError, match=r"^norm: p must be a number, 'fro' or 'nuc', got list"):
        x.norm([2])
    with pytest.raises(ValueError, match="2-tuple"):
        batch.norm("nuc")  # 3-d: say which two dims hold the matrices
    with pytest.raises(ValueError, match="2-tuple"):
        batch.norm("fro", dim=(0, 1, 2))  # "fro" over 3 dims is a matrix norm: refused, as PyTorch
