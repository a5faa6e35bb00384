"""Module 01 (everyday torch API): sort, argsort, topk, roll, diag, outer, masked_select, scatter, einsum.

Values are compared with NumPy references written independently of the kernels
(``np.sort``, ``np.roll``, loops over small index sets); errors must name the op.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

RNG = np.random.default_rng(7)
DATA = RNG.standard_normal((3, 5)).astype(np.float32)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_numpy_and_indices_reproduce_the_values(dim, descending):
    values, indices = tt.tensor(DATA).sort(dim=dim, descending=descending)
    expected = np.sort(DATA, axis=dim)
    expected = np.flip(expected, dim) if descending else expected
    np.testing.assert_array_equal(values.numpy(), expected)
    assert indices.dtype == tt.int64
    np.testing.assert_array_equal(np.take_along_axis(DATA, indices.numpy(), dim), expected)


def test_sort_is_stable_both_ways_and_returns_named_fields():
    x = tt.tensor([2.0, 1.0, 2.0, 1.0, 2.0])
    result = tt.sort(x, descending=True)
    assert result.indices.tolist() == [0, 2, 4, 1, 3]
    assert result.values.tolist() == [2.0, 2.0, 2.0, 1.0, 1.0]
    assert tt.argsort(x).tolist() == [1, 3, 0, 2, 4]
    assert x.argsort(descending=True).tolist() == [0, 2, 4, 1, 3]


@pytest.mark.parametrize("largest", [True, False])
def test_topk_along_each_dim(largest):
    x = tt.tensor(DATA)
    for dim in (0, 1):
        values, indices = x.topk(2, dim=dim, largest=largest)
        ordered = np.sort(DATA, axis=dim)
        ordered = np.flip(ordered, dim) if largest else ordered
        np.testing.assert_array_equal(values.numpy(), np.take(ordered, [0, 1], axis=dim))
        np.testing.assert_array_equal(np.take_along_axis(DATA, indices.numpy(), dim), values.numpy())


def test_topk_functional_form_and_k_out_of_range():
    v, i = tt.topk(tt.tensor([1.0, 9.0, 3.0, 7.0]), 3)
    assert v.tolist() == [9.0, 7.0, 3.0] and i.tolist() == [1, 3, 2]
    with pytest.raises(RuntimeError, match=r"topk: k=5 .*size 4"):
        tt.tensor([1.0, 2.0, 3.0, 4.0]).topk(5)


def test_roll():
    x = tt.tensor(DATA)
    np.testing.assert_array_equal(x.roll(2, 1).numpy(), np.roll(DATA, 2, axis=1))
    np.testing.assert_array_equal(tt.roll(x, (1, -2), (0, 1)).numpy(), np.roll(DATA, (1, -2), axis=(0, 1)))
    np.testing.assert_array_equal(x.roll(4).numpy(), np.roll(DATA.ravel(), 4).reshape(3, 5))
    with pytest.raises(RuntimeError, match="roll: shifts"):
        x.roll((1, 2), 0)


def test_diag_both_ways_and_outer():
    v = tt.tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(tt.diag(v, 1).numpy(), np.diag([1.0, 2.0, 3.0], 1))
    np.testing.assert_array_equal(tt.tensor(DATA).diag(-1).numpy(), [DATA[1, 0], DATA[2, 1]])
    np.testing.assert_array_equal(tt.outer(v, tt.tensor([1.0, -1.0])).numpy(), [[1, -1], [2, -2], [3, -3]])
    with pytest.raises(RuntimeError, match="diag: expected a 1-D or 2-D"):
        tt.zeros(2, 2, 2).diag()
    with pytest.raises(RuntimeError, match="outer: expected two 1-D"):
        tt.outer(tt.tensor(DATA), v)


def test_masked_select_broadcasts_the_mask():
    mask = np.array([True, False, True, False, False])
    out = tt.tensor(DATA).masked_select(tt.tensor(mask))
    np.testing.assert_array_equal(out.numpy(), DATA[:, mask].ravel())
    with pytest.raises(TypeError, match="masked_select: mask must be a bool"):
        tt.masked_select(tt.tensor(DATA), tt.ones(5))
    with pytest.raises(RuntimeError, match=r"masked_select: .*\(4,\)"):
        tt.masked_select(tt.tensor(DATA), tt.tensor([True] * 4))


def test_scatter_add_accumulates_repeated_indices_and_scatter_writes():
    index = np.array([[0, 2, 0], [1, 1, 1]])
    src = np.arange(6, dtype=np.float32).reshape(2, 3)
    expected = np.zeros((2, 4), dtype=np.float32)
    for i in range(2):
        for j in range(3):
            expected[i, index[i, j]] += src[i, j]
    out = tt.zeros(2, 4).scatter_add(1, tt.tensor(index), tt.tensor(src))
    np.testing.assert_array_equal(out.numpy(), expected)
    written = tt.zeros(2, 4).scatter(1, tt.tensor([[3], [0]]), tt.tensor(src))
    np.testing.assert_array_equal(written.numpy(), [[0, 0, 0, 0], [3, 0, 0, 0]])
    filled = tt.zeros(2, 3).scatter(0, tt.tensor([[1, 0, 1]]), value=5.0)
    np.testing.assert_array_equal(filled.numpy(), [[0, 5, 0], [5, 0, 5]])
    x = tt.zeros(2, 4)
    x.scatter_add_(1, tt.tensor(index), tt.tensor(src))
    np.testing.assert_array_equal(x.numpy(), expected)
    with pytest.raises(IndexError, match="scatter_add: index out of range for dim 1 of size 4"):
        tt.zeros(2, 4).scatter_add(1, tt.tensor([[4]]), tt.ones(1, 1))
    with pytest.raises(TypeError, match="scatter: index must be an integer"):
        tt.zeros(2).scatter(0, tt.tensor([0.0]), tt.ones(1))


@pytest.mark.parametrize(
    ("equation", "shapes"),
    [
        ("ij,jk->ik", [(3, 4), (4, 2)]),
        ("bij,bjk", [(2, 3, 4), (2, 4, 5)]),
        ("i,i->", [(4,), (4,)]),
        ("i,j->ij", [(3,), (2,)]),
        ("ii->i", [(3, 3)]),
        ("...ij->...ji", [(2, 3, 4)]),
        ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
        ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ],
)
def test_einsum_matches_numpy(equation, shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    out = tt.einsum(equation, *[tt.tensor(a) for a in arrays])
    np.testing.assert_allclose(out.numpy(), np.einsum(equation, *arrays), rtol=1e-12)
    listed = tt.einsum(equation, [tt.tensor(a) for a in arrays])
    np.testing.assert_allclose(listed.numpy(), out.numpy())


def test_einsum_errors_name_the_equation():
    with pytest.raises(ValueError, match="einsum: the equation 'ij,jk->ik' names 2 operands but 1"):
        tt.einsum("ij,jk->ik", tt.ones(2, 2))
    with pytest.raises(
        ValueError, match="einsum: the subscript 'ijk' has 3 letters for an operand of 2 dims"
    ):
        tt.einsum("ijk->i", tt.ones(2, 2))
    with pytest.raises(RuntimeError, match=r"einsum: .*\(2, 3\)"):
        tt.einsum("ij,jk->ik", tt.ones(2, 3), tt.ones(4, 2))
