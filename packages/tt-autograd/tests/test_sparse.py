"""Sparse COO tensors: construction, ``coalesce``, ``to_dense``, ``spmm`` with its gradients, ``to_sparse``.

Forward values against NumPy references written here (float64), gradients
against central differences (``gradcheck``), reprs and coalescing order as
PyTorch 2.13 prints them (checked in a scratch script, with ``tt.`` for
``torch.``), and the errors. Not course material (outside module 02's
solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as tt
from tt_autograd import SparseTensor, sparse_coo_tensor

INDICES = [[0, 1, 1, 2, 0], [2, 0, 2, 1, 2]]  # (0, 2) twice
VALUES = [3.0, 4.0, 5.0, 6.0, 1.0]


def reference_dense(indices, values, size) -> np.ndarray:
    """The dense array of a COO tensor, duplicates summed (np.add.at: a reference, not the code tested)."""
    dense = np.zeros(size, dtype=np.float64)
    np.add.at(dense, tuple(np.asarray(indices)), np.asarray(values, dtype=np.float64))
    return dense


def random_coo(rng, size, nnz, dtype=tt.float64, requires_grad=False):
    """Random indices (duplicates likely) and values away from 0."""
    indices = np.stack([rng.integers(0, n, nnz) for n in size])
    values = rng.uniform(0.5, 1.5, nnz) * rng.choice([-1.0, 1.0], nnz)
    return indices, values, sparse_coo_tensor(indices, values, size, dtype=dtype, requires_grad=requires_grad)


# ----------------------------------------------------------------- construction and queries
def test_to_dense_sums_duplicates():
    s = sparse_coo_tensor(INDICES, VALUES, (3, 3))
    np.testing.assert_array_equal(s.to_dense().numpy(), reference_dense(INDICES, VALUES, (3, 3)))
    assert s.to_dense().numpy()[0, 2] == 4.0


def test_to_dense_random_3d(rng):
    indices, values, s = random_coo(rng, (4, 3, 5), 30)
    np.testing.assert_allclose(s.to_dense().numpy(), reference_dense(indices, values, (4, 3, 5)), rtol=1e-15)


def test_queries():
    s = sparse_coo_tensor(INDICES, VALUES, (3, 4))
    assert s.shape == (3, 4) and s.size() == (3, 4) and s.size(1) == 4 and s.size(-2) == 3
    assert s.ndim == 2 and s.dim() == 2 and len(s) == 3
    assert s._nnz() == 5 and s.is_sparse and not tt.tensor([1.0]).is_sparse
    assert s.dtype == tt.float32 and s.requires_grad is False and s.grad is None and s.grad_fn is None
    assert str(s.device) == "cpu" and s.cpu() is s and s.to("cpu") is s and s.to_sparse() is s
    np.testing.assert_array_equal(s._indices().numpy(), INDICES)
    assert s._indices().dtype == tt.int64
    np.testing.assert_array_equal(s._values().numpy(), np.float32(VALUES))


def test_size_of_numpy_integers_is_plain():
    s = sparse_coo_tensor(INDICES, VALUES, np.array([3, 4]))
    assert s.shape == (3, 4) and "size=(3, 4), nnz=5" in repr(s) and type(s.size(0)) is int


def test_size_inferred_as_max_index_plus_one():
    assert sparse_coo_tensor(INDICES, VALUES).shape == (3, 3)
    assert sparse_coo_tensor([[4, 1], [0, 6]], [1.0, 2.0]).shape == (5, 7)
    assert sparse_coo_tensor(np.zeros((2, 0), dtype=np.int64), []).shape == (0, 0)


def test_dtypes():
    assert sparse_coo_tensor(INDICES, [1, 2, 3, 4, 5]).dtype == tt.int64
    assert sparse_coo_tensor(INDICES, VALUES, dtype=tt.float64).dtype == tt.float64
    assert sparse_coo_tensor(INDICES, np.float64(VALUES)).dtype == tt.float64  # NumPy keeps its dtype
    ints = sparse_coo_tensor(np.int32(INDICES), tt.ones(5), (3, 3), dtype=tt.int64)  # as gcn/main.py
    assert ints.dtype == tt.int64 and ints._indices().dtype == tt.int64
    np.testing.assert_array_equal(ints.to_dense().numpy(), reference_dense(INDICES, np.ones(5), (3, 3)))
    assert ints.to_dense().dtype == tt.int64
    assert s32().to_dense().dtype == tt.float32 and s32().double().dtype == tt.float64
    assert s32().double().float().dtype == tt.float32 and s32().to(tt.float64).to_dense().dtype == tt.float64


def s32() -> SparseTensor:
    return sparse_coo_tensor(INDICES, VALUES, (3, 3))


# ----------------------------------------------------------------- coalesce
def test_coalesce_matches_pytorch():
    s = s32()
    assert not s.is_coalesced()
    c = s.coalesce()
    assert c.is_coalesced() and c._nnz() == 4
    np.testing.assert_array_equal(c.indices().numpy(), [[0, 1, 1, 2], [2, 0, 2, 1]])
    np.testing.assert_array_equal(c.values().numpy(), [4.0, 4.0, 5.0, 6.0])
    assert c.coalesce() is c
    np.testing.assert_array_equal(c.to_dense().numpy(), s.to_dense().numpy())


def test_coalesce_is_row_major_sorted_and_unique(rng):
    indices, values, s = random_coo(rng, (5, 4, 3), 60)
    c = s.coalesce()
    linear = np.ravel_multi_index(tuple(indices), (5, 4, 3))
    unique = np.unique(linear)
    np.testing.assert_array_equal(c.indices().numpy(), np.stack(np.unravel_index(unique, (5, 4, 3))))
    expected = np.array([values[linear == key].sum() for key in unique])
    np.testing.assert_allclose(c.values().numpy(), expected, rtol=1e-14)
    assert c.values().dtype == tt.float64 and c.indices().dtype == tt.int64


def test_uncoalesced_indices_and_values_are_refused():
    with pytest.raises(RuntimeError, match=r"indices: .*uncoalesced.*coalesce\(\)"):
        s32().indices()
    with pytest.raises(RuntimeError, match=r"values: .*uncoalesced.*coalesce\(\)"):
        s32().values()


def test_small_and_empty_are_coalesced():
    single = sparse_coo_tensor([[1], [0]], [2.0], (2, 2))
    assert single.is_coalesced()
    np.testing.assert_array_equal(single.to_dense().numpy(), [[0.0, 0.0], [2.0, 0.0]])
    np.testing.assert_array_equal(single.mm(tt.ones(2, 1)).numpy(), [[0.0], [2.0]])
    np.testing.assert_array_equal(
        sparse_coo_tensor([[1, 1], [0, 0]], [2.0, 3.0], (2, 1)).coalesce().values().numpy(), [5.0]
    )
    empty = sparse_coo_tensor(np.zeros((2, 0), dtype=np.int64), tt.zeros(0), (2, 3))
    assert empty.is_coalesced() and empty._nnz() == 0
    assert sparse_coo_tensor([[], []], [], (2, 3)).shape == (2, 3)  # as PyTorch: nested empty lists
    np.testing.assert_array_equal(empty.to_dense().numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(empty.mm(tt.ones(3, 2)).numpy(), np.zeros((2, 2)))


# ----------------------------------------------------------------- products
@pytest.mark.parametrize("product", ["spmm", "sparse.mm", "mm", "matmul", "@", "method"])
def test_spmm_matches_dense_matmul(rng, product):
    indices, values, s = random_coo(rng, (6, 5), 14)
    x = rng.standard_normal((5, 3))
    dense = tt.tensor(x)
    call = {
        "spmm": lambda: tt.spmm(s, dense),
        "sparse.mm": lambda: tt.sparse.mm(s, dense),
        "mm": lambda: tt.mm(s, dense),
        "matmul": lambda: tt.matmul(s, dense),
        "@": lambda: s @ dense,
        "method": lambda: s.mm(dense),
    }[product]
    out = call()
    assert isinstance(out, tt.Tensor) and out.shape == (6, 3) and out.dtype == tt.float64
    np.testing.assert_allclose(out.numpy(), reference_dense(indices, values, (6, 5)) @ x, rtol=1e-13)


def test_spmm_float32_kept_and_empty_rows():
    s = sparse_coo_tensor([[3, 0, 3], [1, 1, 0]], [2.0, -1.0, 0.5], (5, 2))  # rows 1, 2 and 4 empty
    x = np.float32([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = tt.spmm(s, tt.tensor(x))
    assert out.dtype == tt.float32
    expected = np.zeros((5, 3))
    expected[0], expected[3] = -x[1], 2 * x[1] + 0.5 * x[0]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_dense_operands_keep_the_dense_path():
    a, b = tt.tensor([[1.0, 2.0]]), tt.tensor([[3.0], [4.0]])
    assert tt.mm(a, b).item() == 11.0 and tt.matmul(a, b).item() == 11.0


def test_transpose(rng):
    indices, values, s = random_coo(rng, (4, 6), 10)
    x = rng.standard_normal((4, 2))
    st = s.t()
    assert st.shape == (6, 4)
    np.testing.assert_allclose(st.to_dense().numpy(), reference_dense(indices, values, (4, 6)).T)
    np.testing.assert_allclose((st @ tt.tensor(x)).numpy(), reference_dense(indices, values, (4, 6)).T @ x)


def test_dense_with_sparse_second_operand_is_dense():
    """gcn/main.py: ``eye + int64 sparse`` and ``dense @ sparse`` give dense tensors, as in PyTorch."""
    adj = sparse_coo_tensor(np.int32(INDICES), tt.ones(5), (3, 3), dtype=tt.int64)
    total = tt.eye(3) + adj
    assert isinstance(total, tt.Tensor) and total.dtype == tt.float32
    np.testing.assert_array_equal(total.numpy(), np.eye(3) + reference_dense(INDICES, np.ones(5), (3, 3)))
    x = np.arange(6.0).reshape(2, 3)
    product = tt.tensor(x) @ s32().double()
    np.testing.assert_allclose(product.numpy(), x @ reference_dense(INDICES, VALUES, (3, 3)))


def test_sum_and_scalar_arithmetic(rng):
    indices, values, s = random_coo(rng, (4, 3, 2), 20)
    dense = reference_dense(indices, values, (4, 3, 2))
    assert tt.sparse.sum(s).item() == pytest.approx(values.sum())
    by_row = tt.sparse.sum(s, dim=1)
    assert isinstance(by_row, SparseTensor) and by_row.is_coalesced() and by_row.shape == (4, 2)
    np.testing.assert_allclose(by_row.to_dense().numpy(), dense.sum(axis=1), rtol=1e-14)
    np.testing.assert_allclose(s.sum(dim=(0, -1)).to_dense().numpy(), dense.sum(axis=(0, 2)), rtol=1e-14)
    assert s.sum(dim=(0, 1, 2)).item() == pytest.approx(values.sum())
    np.testing.assert_allclose(s.sum(dim=-3).to_dense().numpy(), dense.sum(axis=0), rtol=1e-14)
    assert tt.sparse.sum(s32(), dtype=tt.float64).dtype == tt.float64
    np.testing.assert_allclose((2 * s).to_dense().numpy(), 2 * dense, rtol=1e-15)
    np.testing.assert_allclose((s * 3).to_dense().numpy(), 3 * dense, rtol=1e-15)
    np.testing.assert_allclose((s / 4).to_dense().numpy(), dense / 4, rtol=1e-15)
    np.testing.assert_array_equal((-s).to_dense().numpy(), -dense)


def test_pytorch_sum_pinned():
    row_sums = tt.sparse.sum(s32(), dim=1)
    np.testing.assert_array_equal(row_sums.indices().numpy(), [[0, 1, 2]])
    np.testing.assert_array_equal(row_sums.values().numpy(), [4.0, 9.0, 6.0])
    assert tt.sparse.sum(s32()).item() == 19.0


def test_to_sparse_round_trip(rng):
    x = rng.standard_normal((4, 5)) * (rng.random((4, 5)) < 0.4)
    s = tt.tensor(x).to_sparse()
    assert s.is_coalesced() and s._nnz() == np.count_nonzero(x) and s.dtype == tt.float64
    np.testing.assert_array_equal(s.indices().numpy(), np.stack(np.nonzero(x)))
    np.testing.assert_array_equal(s.to_dense().numpy(), x)
    diagonal = tt.diag(tt.tensor([1.0, 0.0, 2.0])).to_sparse()
    np.testing.assert_array_equal(diagonal.indices().numpy(), [[0, 2], [0, 2]])
    np.testing.assert_array_equal(diagonal.values().numpy(), [1.0, 2.0])
    assert tt.tensor([0.0, 3.0]).to_sparse().shape == (2,)
    np.testing.assert_array_equal(tt.eye(2).to_sparse(2).to_dense().numpy(), np.eye(2))


def test_to_sparse_refusals():
    with pytest.raises(NotImplementedError, match=r"sparse_dim=1 \(values with dense dimensions\)"):
        tt.eye(2).to_sparse(1)
    with pytest.raises(RuntimeError, match="to_sparse: a 0-d tensor"):
        tt.tensor(3.0).to_sparse()  # PyTorch gives a 0-d sparse tensor; NumPy has no nonzero() of a 0-d array


def test_other_operands_of_dense_ops_still_convert():
    """The sparse check in tt-autograd's operand conversion leaves NumPy arrays and lists alone."""
    np.testing.assert_array_equal((tt.tensor([1.0, 2.0]) + np.array([2.0, 3.0])).numpy(), [3.0, 5.0])
    np.testing.assert_array_equal((tt.tensor([[1.0, 2.0]]) @ [[1.0], [1.0]]).numpy(), [[3.0]])


# ----------------------------------------------------------------- gradients
def test_gradcheck_spmm_dense_operand(rng, check_grad, leaf):
    _, _, s = random_coo(rng, (5, 4), 12)
    check_grad(lambda x: tt.spmm(s, x), leaf((4, 3)))


def test_gradcheck_spmm_values(rng, check_grad, leaf):
    indices, _, _ = random_coo(rng, (5, 4), 12)
    x = leaf((4, 3))
    check_grad(lambda v, x: tt.spmm(sparse_coo_tensor(indices, v, (5, 4)), x), leaf((12,)), x)


def test_gradcheck_transposed_product(rng, check_grad, leaf):
    indices, _, _ = random_coo(rng, (5, 4), 9)
    check_grad(lambda v, x: sparse_coo_tensor(indices, v, (5, 4)).t() @ x, leaf((9,)), leaf((5, 2)))


def test_gradcheck_to_dense_coalesce_sum(rng, check_grad, leaf):
    indices, _, _ = random_coo(rng, (4, 3), 15)
    check_grad(lambda v: sparse_coo_tensor(indices, v, (4, 3)).to_dense(), leaf((15,)))
    check_grad(lambda v: sparse_coo_tensor(indices, v, (4, 3)).coalesce().values(), leaf((15,)))
    check_grad(lambda v: sparse_coo_tensor(indices, v, (4, 3)).sum(dim=0).to_dense(), leaf((15,)))
    check_grad(lambda x: x.to_sparse().to_dense() * x, leaf((3, 4), away_from=(0.0,)))


def test_sparse_leaf_gradient_is_sparse_on_its_indices(rng):
    indices, values, s = random_coo(rng, (5, 4), 10, requires_grad=True)
    x = rng.standard_normal((4, 3))
    weights = rng.standard_normal((5, 3))
    (tt.sparse.mm(s, tt.tensor(x, requires_grad=True)) * tt.tensor(weights)).sum().backward()
    expected = np.einsum("nk,nk->n", weights[indices[0]], x[indices[1]])  # (grad @ x^T) at each entry
    np.testing.assert_allclose(s._values().grad.numpy(), expected, rtol=1e-13)
    grad = s.grad  # as PyTorch's: coalesced, the dense gradient at the stored positions
    assert isinstance(grad, SparseTensor) and grad.shape == (5, 4) and grad.is_coalesced()
    positions = np.unique(np.ravel_multi_index(tuple(indices), (5, 4)))
    assert positions.size < 10  # duplicates in this sample, so the coalescing is exercised
    np.testing.assert_array_equal(grad.indices().numpy(), np.stack(np.unravel_index(positions, (5, 4))))
    dense_grad = (weights @ x.T).reshape(-1)[positions]
    np.testing.assert_allclose(grad.values().numpy(), dense_grad, rtol=1e-13)
    coalesced = s.detach().coalesce().requires_grad_()
    tt.spmm(coalesced, tt.tensor(x)).sum().backward()
    assert coalesced.grad.is_coalesced() and coalesced.grad._values() is coalesced._values().grad


def test_sparse_gradient_pinned_from_pytorch():
    s = sparse_coo_tensor(INDICES, VALUES, (3, 3), dtype=tt.float64, requires_grad=True)
    d = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 4.0]])
    tt.sparse.mm(s, tt.tensor(d)).sum().backward()
    np.testing.assert_array_equal(s.grad.indices().numpy(), [[0, 1, 1, 2], [2, 0, 2, 1]])
    np.testing.assert_allclose(s.grad.values().numpy(), d.sum(axis=1)[[2, 0, 2, 1]])
    assert s.grad.values().dtype == tt.float64


def test_values_that_require_grad_get_the_gradient():
    values = tt.tensor([1.0, 2.0], requires_grad=True)
    s = sparse_coo_tensor([[0, 1], [1, 1]], values * 1.0, (2, 2))
    (s @ tt.tensor([[1.0], [3.0]])).sum().backward()
    np.testing.assert_array_equal(values.grad.numpy(), [3.0, 3.0])
    leaf = sparse_coo_tensor([[0, 1], [1, 1]], values, (2, 2), requires_grad=True)
    assert leaf._values() is not values and leaf.requires_grad and leaf.detach().requires_grad is False


def test_requires_grad_on_integer_values_is_refused():
    with pytest.raises(RuntimeError, match="only floating-point"):
        sparse_coo_tensor(INDICES, [1, 2, 3, 4, 5], requires_grad=True)


# ----------------------------------------------------------------- repr (PyTorch 2.13's layout)
def test_repr_pinned():
    assert repr(s32()) == (
        "tensor(indices=tensor([[0, 1, 1, 2, 0],\n"
        "                       [2, 0, 2, 1, 2]]),\n"
        "       values=tensor([3., 4., 5., 6., 1.]),\n"
        "       size=(3, 3), nnz=5, layout=tt.sparse_coo)"
    )
    s = sparse_coo_tensor(INDICES, VALUES, (3, 3), dtype=tt.float64, requires_grad=True)
    assert repr(s).endswith("size=(3, 3), nnz=5, dtype=tt.float64, layout=tt.sparse_coo, requires_grad=True)")
    assert "values=tensor([3., 4., 5., 6., 1.])," in repr(s)
    empty = sparse_coo_tensor(np.zeros((2, 0), dtype=np.int64), tt.zeros(0), (2, 2))
    assert repr(empty) == (
        "tensor(indices=tensor([], size=(2, 0)),\n"
        "       values=tensor([], size=(0,)),\n"
        "       size=(2, 2), nnz=0, layout=tt.sparse_coo)"
    )
    ints = sparse_coo_tensor([[0, 1], [1, 0]], [1, 2], (2, 2))
    assert repr(ints).endswith("values=tensor([1, 2]),\n       size=(2, 2), nnz=2, layout=tt.sparse_coo)")


def test_repr_of_a_result_and_multiline_values(rng):
    s = sparse_coo_tensor([[0, 1]], tt.tensor([1.0, 2.0], requires_grad=True) * 2, (3,))
    assert repr(s).endswith("size=(3,), nnz=2, layout=tt.sparse_coo, grad_fn=<MulBackward0>)")
    assert s.grad_fn is s._values().grad_fn and s.grad_fn is not None and s.requires_grad
    long = sparse_coo_tensor([list(range(8))], np.float32(np.arange(8) + 0.5), (8,))
    assert "values=tensor([0.5000, 1.5000, 2.5000, 3.5000, 4.5000, 5.5000, 6.5000,\n" in repr(long)
    # Continuation lines line up under the first value, and wrap where PyTorch 2.13's do
    wrapped = sparse_coo_tensor([list(range(12))], np.float32(np.arange(12) + 0.5), (12,))
    assert repr(wrapped) == (
        "tensor(indices=tensor([[ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11]]),\n"
        "       values=tensor([ 0.5000,  1.5000,  2.5000,  3.5000,  4.5000,  5.5000,\n"
        "                       6.5000,  7.5000,  8.5000,  9.5000, 10.5000, 11.5000]),\n"
        "       size=(12,), nnz=12, layout=tt.sparse_coo)"
    )
    assert repr(sparse_coo_tensor([list(range(40))], np.ones(40, np.float32), (40,))).splitlines()[:3] == [
        "tensor(indices=tensor([[ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13,",
        "                        14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,",
        "                        28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39]]),",
    ]


# ----------------------------------------------------------------- errors
def test_construction_errors():
    with pytest.raises(ValueError, match=r"index 3 is out of bounds for dimension 0 of size \(3, 3\)"):
        sparse_coo_tensor([[0, 3], [0, 0]], [1.0, 2.0], (3, 3))
    with pytest.raises(ValueError, match=r"index 3 is out of bounds for dimension 1"):
        sparse_coo_tensor([[0, 2], [3, 0]], [1.0, 2.0], (3, 3))
    with pytest.raises(ValueError, match="same nnz, got 2 index columns and 3 values"):
        sparse_coo_tensor([[0, 1], [0, 0]], [1.0, 2.0, 3.0], (3, 3))
    with pytest.raises(ValueError, match="non-negative, got -1"):
        sparse_coo_tensor([[0, -1], [0, 0]], [1.0, 2.0], (3, 3))
    with pytest.raises(ValueError, match=r"size \(3, 3, 3\) has 3 dimensions but indices have 2 rows"):
        sparse_coo_tensor(INDICES, VALUES, (3, 3, 3))
    with pytest.raises(ValueError, match=r"shape \(nnz,\) .*|integers of shape \(ndim, nnz\)"):
        sparse_coo_tensor([0, 1], [1.0, 2.0], (3,))
    with pytest.raises(ValueError, match="integers of shape"):
        sparse_coo_tensor([[0.0, 1.0]], [1.0, 2.0], (3,))
    with pytest.raises(ValueError, match=r"integers of shape \(ndim, nnz\), got shape \(0,\)"):
        sparse_coo_tensor([], [], (2, 2))  # PyTorch refuses it too
    with pytest.raises(ValueError, match="hybrid"):
        sparse_coo_tensor(INDICES, np.ones((5, 2)), (3, 3))
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        sparse_coo_tensor(INDICES, VALUES, device="cuda")


def test_product_errors():
    s = s32()
    with pytest.raises(RuntimeError, match=r"shapes \(3, 3\) and \(4, 2\) cannot be multiplied \(3 != 4\)"):
        tt.spmm(s, tt.ones(4, 2))
    with pytest.raises(RuntimeError, match=r"2-D dense matrix, got shapes \(3, 3\) and \(3,\)"):
        tt.spmm(s, tt.ones(3))
    with pytest.raises(RuntimeError, match="sparse values are tt.float32 but the dense matrix is tt.float64"):
        tt.spmm(s, tt.ones(3, 2, dtype=tt.float64))
    with pytest.raises(TypeError, match="first argument must be a sparse COO tensor, got Tensor"):
        tt.spmm(tt.ones(3, 3), tt.ones(3, 2))
    with pytest.raises(TypeError, match=r"sparse @ sparse is not supported.*to_dense"):
        tt.sparse.mm(s, s)
    with pytest.raises(RuntimeError, match="t: expects a 2-D sparse tensor, got 3 dimensions"):
        sparse_coo_tensor([[0], [0], [0]], [1.0], (1, 1, 1)).t()
    with pytest.raises(IndexError, match="dim 2 is out of range for a sparse tensor with 2 dimensions"):
        s.sum(dim=2)
    with pytest.raises(TypeError, match="sparse.sum: expects a sparse COO tensor, got Tensor"):
        tt.sparse.sum(tt.ones(2))


@pytest.mark.parametrize(
    "operation, name",
    [
        (lambda s: s.exp(), "exp"),
        (lambda s: s.reshape(9), "reshape"),
        (lambda s: s + tt.eye(3), "add"),
        (lambda s: s - 1.0, "add"),
        (lambda s: s * tt.eye(3), "mul"),
        (lambda s: s / tt.eye(3), "div"),
        (lambda s: np.asarray(s), "a dense operation"),
    ],
)
def test_dense_only_operations_raise_a_clear_type_error(operation, name):
    with pytest.raises(TypeError, match=rf"{name}.*not supported on a sparse COO tensor.*\.to_dense\(\)"):
        operation(s32())


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        s32().no_such_thing  # noqa: B018
