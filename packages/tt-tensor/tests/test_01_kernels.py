"""Module 01: the array kernels themselves — NumPy in, NumPy out — as tt-autograd calls them.

``Tensor`` methods are thin wrappers; tt-autograd's functions call these
kernels directly, so their contract is tested here: they take and return
``np.ndarray`` (never a NumPy scalar, even for 0-d results) and apply
PyTorch's rules.
"""

from __future__ import annotations

import numpy as np
import pytest
from tt_tensor import indexing, linalg, pointwise, reduce, shaping

A = np.arange(1.0, 7.0, dtype=np.float32).reshape(2, 3)


@pytest.mark.parametrize(
    ("name", "call", "expected"),
    [
        ("binary", lambda: pointwise.binary("add", np.add, A, np.float32(1)), A + 1),
        (
            "true_divide",
            lambda: pointwise.true_divide(np.array([1, 2]), np.array([2, 2])),
            np.array([0.5, 1.0]),
        ),
        ("rtrue_divide", lambda: pointwise.rtrue_divide(np.array([1, 2]), 1), np.array([1.0, 0.5])),
        ("power", lambda: pointwise.power(A, 2), A**2),
        ("scale by 1", lambda: pointwise.scale(A, 1), A),
        ("scale by 0", lambda: pointwise.scale(A, 0), 0 * A),
        ("scale", lambda: pointwise.scale(A, -0.5), -0.5 * A),
        ("sigmoid", lambda: pointwise.sigmoid(np.array(0.0, dtype=np.float32)), np.array(0.5)),
        ("relu", lambda: pointwise.relu(A - 3), np.maximum(A - 3, 0)),
        ("clamp", lambda: pointwise.clamp(A, 2.0, 4.0), np.clip(A, 2, 4)),
        ("where", lambda: pointwise.where(A > 3, A, 0.0), np.where(A > 3, A, 0)),
        ("sum 0-d", lambda: reduce.sum(A), np.array(21.0)),
        ("mean", lambda: reduce.mean(A, 1), A.mean(1)),
        ("var", lambda: reduce.var(A, None, 0), np.array(A.var())),
        ("std", lambda: reduce.std(A, 1, 1, True), A.std(1, ddof=1, keepdims=True)),
        ("amax 0-d", lambda: reduce.amax(A), np.array(6.0)),
        ("argextreme 0-d", lambda: reduce.argextreme("argmax", A), np.array(5)),
        ("logsumexp", lambda: reduce.logsumexp(A, 1), np.log(np.exp(A.astype(np.float64)).sum(1))),
        ("prod", lambda: reduce.prod(A, 0), A.prod(0)),
        ("reshape", lambda: shaping.reshape(A, (3, -1)), A.reshape(3, 2)),
        ("view", lambda: shaping.view(A, (6,)), A.reshape(6)),
        ("transpose", lambda: shaping.transpose(A, 0, 1), A.T),
        ("expand", lambda: shaping.expand(A[:1], (4, 3)), np.broadcast_to(A[:1], (4, 3))),
        ("cat", lambda: shaping.cat([A, A], 1), np.concatenate([A, A], 1)),
        ("stack", lambda: shaping.stack([A, A]), np.stack([A, A])),
        ("getitem 0-d", lambda: indexing.getitem(A, (1, 2)), np.array(6.0)),
        ("gather", lambda: indexing.gather(A, 1, np.array([[2], [0]])), np.array([[3.0], [4.0]])),
        ("matmul 0-d", lambda: linalg.matmul(A[0], A[1]), np.array(A[0] @ A[1])),
    ],
)
def test_kernels_return_arrays(name, call, expected):
    result = call()
    assert type(result) is np.ndarray, f"{name} returned {type(result).__name__}, not an ndarray"
    assert result.shape == np.shape(expected), name
    np.testing.assert_allclose(result, expected, rtol=1e-6, err_msg=name)


def test_count_is_the_number_of_elements_reduced():
    assert reduce.count((2, 3, 4), None) == 24
    assert reduce.count((2, 3, 4), 1) == 3
    assert reduce.count((2, 3, 4), (0, -1)) == 8
    assert reduce.count((), None) == 1
    assert reduce.count((), 0) == 1  # a 0-d tensor reduced over its dim 0: one element
    assert reduce.count((), -1) == 1


def test_extreme_returns_values_and_int64_indices():
    values, indices = reduce.extreme("min", A, 1, True)
    np.testing.assert_array_equal(values, A.min(1, keepdims=True))
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices, A.argmin(1)[:, None])


def test_split_points():
    assert shaping.split_points(7, 3) == [3, 6]
    assert [int(p) for p in shaping.split_points(7, [2, 5])] == [2]


def test_check_ndim_names_the_op():
    linalg.check_ndim("mm", A, A.T, 2, 2)  # fine: no error
    with pytest.raises(RuntimeError, match=r"bmm: batch sizes of \(2, 1, 3\) and \(3, 3, 1\) must be equal"):
        linalg.check_ndim("bmm", A[:, None], np.zeros((3, 3, 1)), 3, 3)


def test_inplace_kernel_writes_into_its_first_argument():
    a = A.copy()
    out = pointwise.binary_inplace("add_", np.add, a, 1.0)
    assert out is a
    np.testing.assert_array_equal(a, A + 1)
