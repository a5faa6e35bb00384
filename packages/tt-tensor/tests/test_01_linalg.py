"""Module 01: matrix products with PyTorch's rules for 1-D operands and batch broadcasting."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

SHAPES = [
    ((3, 4), (4, 5)),  # matrix @ matrix
    ((4,), (4,)),  # vector . vector -> 0-d
    ((4,), (4, 5)),  # vector @ matrix -> (5,)
    ((3, 4), (4,)),  # matrix @ vector -> (3,)
    ((2, 3, 4), (2, 4, 5)),  # batched
    ((2, 3, 4), (4, 5)),  # batch @ matrix
    ((4, 5), (2, 5, 3)),  # matrix @ batch
    ((2, 1, 3, 4), (5, 4, 2)),  # broadcast batch dims -> (2, 5, 3, 2)
    ((4,), (2, 3, 4, 5)),  # vector @ batch -> (2, 3, 5)
    ((2, 3, 4), (4,)),  # batch @ vector -> (2, 3)
    ((1, 1), (1, 1)),
    ((0, 3), (3, 2)),  # empty
]


@pytest.mark.parametrize(("shape_a", "shape_b"), SHAPES, ids=[f"{a}@{b}" for a, b in SHAPES])
def test_matmul_matches_numpy(check, rng, shape_a, shape_b):
    a = rng.standard_normal(shape_a).astype(np.float32)
    b = rng.standard_normal(shape_b).astype(np.float32)
    expected = np.matmul(a.astype(np.float64), b.astype(np.float64))
    ta, tb = tt.tensor(a), tt.tensor(b)
    check(ta @ tb, expected, tt.float32, rtol=1e-5, atol=1e-5)
    check(ta.matmul(tb), expected, tt.float32, rtol=1e-5, atol=1e-5)
    check(tt.matmul(ta, tb), expected, tt.float32, rtol=1e-5, atol=1e-5)


def test_matmul_of_float64_and_integers(check):
    a = np.arange(6).reshape(2, 3)
    check(tt.tensor(a) @ tt.tensor(a.T), a @ a.T, tt.int64)
    check(tt.tensor(a, dtype=tt.float64) @ tt.tensor(a.T, dtype=tt.float64), a @ a.T, tt.float64)


@pytest.mark.parametrize(
    ("shape_a", "shape_b", "pattern"),
    [
        ((2, 3), (2, 3), r"matmul: shapes \(2, 3\) and \(2, 3\) cannot be multiplied \(3 != 2\)"),
        ((3,), (4,), r"matmul: shapes \(3,\) and \(4,\) cannot be multiplied"),
        ((2, 3), (4,), r"matmul: shapes \(2, 3\) and \(4,\) cannot be multiplied"),
        ((5, 2, 3), (4, 3, 2), r"matmul: batch shapes of \(5, 2, 3\) and \(4, 3, 2\) cannot be broadcast"),
        ((), (3,), r"matmul: both arguments need at least 1 dimension, got shapes \(\) and \(3,\)"),
    ],
)
def test_matmul_errors_name_both_shapes(shape_a, shape_b, pattern):
    with pytest.raises(RuntimeError, match=pattern):
        tt.zeros(shape_a) @ tt.zeros(shape_b)


def test_mm_bmm_dot(check, rng):
    a = rng.standard_normal((2, 3, 4)).astype(np.float32)
    b = rng.standard_normal((2, 4, 5)).astype(np.float32)
    check(tt.tensor(a[0]).mm(tt.tensor(b[0])), a[0] @ b[0], tt.float32, rtol=1e-5)
    check(tt.mm(tt.tensor(a[0]), tt.tensor(b[0])), a[0] @ b[0], tt.float32, rtol=1e-5)
    check(tt.tensor(a).bmm(tt.tensor(b)), a @ b, tt.float32, rtol=1e-5)
    check(tt.bmm(tt.tensor(a), tt.tensor(b)), a @ b, tt.float32, rtol=1e-5)
    v = a[0, 0]
    check(tt.tensor(v).dot(tt.tensor(v)), np.dot(v, v), tt.float32, rtol=1e-5)
    check(tt.dot(tt.tensor(v), tt.tensor(v)), np.dot(v, v), tt.float32, rtol=1e-5)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (
            lambda: tt.zeros(2, 3, 4).mm(tt.zeros(4, 5)),
            r"mm: expected 2-D and 2-D tensors, got shapes \(2, 3, 4\) and \(4, 5\)",
        ),
        (
            lambda: tt.zeros(3, 4).bmm(tt.zeros(4, 5)),
            r"bmm: expected 3-D and 3-D tensors, got shapes \(3, 4\) and \(4, 5\)",
        ),
        (
            lambda: tt.zeros(3).dot(tt.zeros(3, 1)),
            r"dot: expected 1-D and 1-D tensors, got shapes \(3,\) and \(3, 1\)",
        ),
        (lambda: tt.zeros(2, 3).mm(tt.zeros(2, 3)), r"mm: shapes \(2, 3\) and \(2, 3\) cannot be multiplied"),
    ],
)
def test_rank_checked_products_name_the_op(call, pattern):
    with pytest.raises(RuntimeError, match=pattern):
        call()
