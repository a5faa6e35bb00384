"""Queries beyond the exercises: ``nonzero``/``argwhere``, ``count_nonzero``, ``isclose``,
``isinf``/``isposinf``/``isneginf``/``isreal``, ``logical_and/or/xor``, ``bincount``, ``unique``,
``unique_consecutive``, ``searchsorted``, ``bucketize``, ``nansum``/``nanmean`` (differentiable),
``var_mean``/``std_mean``: values against NumPy references, PyTorch's conventions (checked against torch
2.13 in a scratch script and pinned here), dtypes, no gradients where PyTorch has none, and errors.

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd

NAN, INF = float("nan"), float("inf")


def test_nonzero_and_argwhere():
    x = autograd.tensor([[0, 1], [2, 0]])
    assert autograd.nonzero(x).tolist() == [[0, 1], [1, 0]] and x.nonzero().dtype == autograd.int64
    rows, cols = x.nonzero(as_tuple=True)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]
    assert autograd.argwhere(x).tolist() == [[0, 1], [1, 0]]
    scalar = autograd.tensor(3.0)
    assert scalar.nonzero().shape == (1, 0) and [t.tolist() for t in scalar.nonzero(as_tuple=True)] == [[0]]
    assert autograd.tensor(0.0).nonzero().shape == (0, 0)
    assert not autograd.tensor([1.0, 0.0], requires_grad=True).nonzero().requires_grad


def test_count_nonzero():
    x = autograd.tensor([[3, 0, 1], [0, 0, 2]])
    assert autograd.count_nonzero(x).item() == 3 and x.count_nonzero().dtype == autograd.int64
    assert x.count_nonzero(dim=1).tolist() == [2, 1] and x.count_nonzero((0, 1)).item() == 3
    assert x.count_nonzero(dim=-2).tolist() == [1, 0, 2]


def test_element_wise_tests():
    a = autograd.tensor([1.0, NAN, INF, -INF, 2.0])
    b = autograd.tensor([1.0 + 1e-9, NAN, INF, INF, 2.1])
    assert autograd.isclose(a, b).tolist() == [True, False, True, False, False]
    assert a.isclose(b, equal_nan=True).tolist() == [True, True, True, False, False]
    assert a.isclose(b, atol=0.2).tolist()[-1] is True and a.isclose(b, rtol=0.1).tolist()[-1] is True
    assert autograd.isinf(a).tolist() == [False, False, True, True, False]
    assert a.isposinf().tolist() == [False, False, True, False, False]
    assert autograd.isneginf(a).tolist() == [False, False, False, True, False]
    assert autograd.isreal(a).tolist() == [True] * 5 and a.isinf().dtype == autograd.bool
    p, q = autograd.tensor([1, 0, 2, 0]), autograd.tensor([2.0, 2.0, 0.0, 0.0])
    assert autograd.logical_and(p, q).tolist() == [True, False, False, False]
    assert p.logical_or(q).tolist() == [True, True, True, False]
    assert autograd.logical_xor(p, q).tolist() == [False, True, True, False]
    assert p.logical_and(True).tolist() == [True, False, True, False]


def test_bincount():
    x = autograd.tensor([0, 2, 2, 5])
    assert autograd.bincount(x).tolist() == [1, 0, 2, 0, 0, 1] and x.bincount().dtype == autograd.int64
    assert x.bincount(minlength=8).tolist() == [1, 0, 2, 0, 0, 1, 0, 0]
    weighted = x.bincount(weights=autograd.tensor([0.5, 1.0, 2.0, 0.25]))
    assert weighted.tolist() == [0.5, 0.0, 3.0, 0.0, 0.0, 0.25] and weighted.dtype == autograd.float32
    for dtype in (autograd.float16, autograd.float64, autograd.int32, autograd.int64):  # PyTorch: float64
        assert x.bincount(weights=autograd.ones(4, dtype=dtype)).dtype == autograd.float64
    assert autograd.tensor([], dtype=autograd.int64).bincount().tolist() == []
    with pytest.raises(RuntimeError, match="bincount: expected a 1-D integer tensor"):
        autograd.tensor([[1]]).bincount()
    with pytest.raises(RuntimeError, match="bincount: expected a 1-D integer tensor"):
        autograd.tensor([1.0]).bincount()
    with pytest.raises(RuntimeError, match="bincount: values must be non-negative, got -1"):
        autograd.tensor([1, -1]).bincount()
    with pytest.raises(RuntimeError, match="bincount: weights of shape"):
        x.bincount(autograd.ones(3))


def test_unique():
    x = autograd.tensor([[3, 1], [1, 2], [3, 1]])
    assert autograd.unique(x).tolist() == [1, 2, 3]
    values, inverse, counts = x.unique(return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3] and inverse.tolist() == [[2, 0], [0, 1], [2, 0]]
    assert counts.tolist() == [3, 1, 2] and inverse.dtype == counts.dtype == autograd.int64
    rows, inverse, counts = autograd.unique(x, dim=0, return_inverse=True, return_counts=True)
    assert rows.tolist() == [[1, 2], [3, 1]] and inverse.tolist() == [1, 0, 1] and counts.tolist() == [1, 2]
    values, counts = x.unique(return_counts=True)
    assert counts.tolist() == [3, 1, 2]
    assert autograd.unique(autograd.tensor([2.5, -1.0, 2.5])).tolist() == [-1.0, 2.5]


def test_unique_consecutive():
    x = autograd.tensor([1, 1, 2, 2, 3, 1, 1])
    values, inverse, counts = autograd.unique_consecutive(x, return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3, 1] and inverse.tolist() == [0, 0, 1, 1, 2, 3, 3]
    assert counts.tolist() == [2, 2, 1, 2]
    m = autograd.tensor([[3, 1], [3, 1], [1, 2], [3, 1]])
    rows, counts = m.unique_consecutive(dim=0, return_counts=True)
    assert rows.tolist() == [[3, 1], [1, 2], [3, 1]] and counts.tolist() == [2, 1, 1]
    columns, inverse = autograd.tensor([[1, 1, 2], [5, 5, 5]]).unique_consecutive(return_inverse=True, dim=1)
    assert columns.tolist() == [[1, 2], [5, 5]] and inverse.tolist() == [0, 0, 1]
    square = autograd.tensor([[1, 1], [2, 2]]).unique_consecutive(return_inverse=True)[1]
    assert square.tolist() == [[0, 0], [1, 1]]
    assert autograd.tensor([], dtype=autograd.int64).unique_consecutive().tolist() == []


def test_searchsorted_and_bucketize():
    sequence = autograd.tensor([1, 3, 5, 7])
    values = autograd.tensor([[0, 3, 4], [7, 8, 5]])
    expected_left = np.searchsorted([1, 3, 5, 7], [[0, 3, 4], [7, 8, 5]], side="left")
    assert autograd.searchsorted(sequence, values).tolist() == expected_left.tolist()
    expected_right = np.searchsorted([1, 3, 5, 7], [[0, 3, 4], [7, 8, 5]], side="right")
    assert autograd.searchsorted(sequence, values, right=True).tolist() == expected_right.tolist()
    assert autograd.searchsorted(sequence, values, side="right").tolist() == expected_right.tolist()
    assert autograd.searchsorted(sequence, 3).item() == 1 and autograd.searchsorted(sequence, 3).ndim == 0
    assert autograd.searchsorted(sequence, values, out_int32=True).dtype == autograd.int32
    rows = autograd.tensor([[1, 3, 5], [2, 4, 6]])
    assert autograd.searchsorted(rows, autograd.tensor([[3, 6], [1, 7]])).tolist() == [[1, 3], [0, 3]]
    assert autograd.searchsorted(rows, autograd.tensor([[3, 6], [4, 7]]), right=True).tolist() == [
        [2, 3],
        [2, 3],
    ]
    shuffled = autograd.tensor([5, 1, 7, 3])
    order = autograd.tensor([1, 3, 0, 2])
    assert autograd.searchsorted(shuffled, values, sorter=order).tolist() == expected_left.tolist()
    with pytest.raises(RuntimeError, match="searchsorted: side must be"):
        autograd.searchsorted(sequence, values, right=True, side="left")
    with pytest.raises(RuntimeError, match="searchsorted: the leading dims"):
        autograd.searchsorted(rows, autograd.tensor([[1], [2], [3]]))
    with pytest.raises(
        RuntimeError, match="searchsorted: the leading dims"
    ):  # all leading dims, not the first
        autograd.searchsorted(autograd.zeros(2, 3, 4), autograd.zeros(2, 2, 5))
    unsorted_rows = autograd.tensor([[5, 1, 3], [6, 2, 4]])
    row_orders = autograd.tensor([[1, 2, 0], [1, 2, 0]])
    picked = autograd.searchsorted(unsorted_rows, autograd.tensor([[3, 6], [1, 7]]), sorter=row_orders)
    assert picked.tolist() == [[1, 3], [0, 3]]
    boundaries = autograd.tensor([1, 3, 5])
    assert autograd.bucketize(autograd.tensor([[1, 5], [3, 7]]), boundaries).tolist() == [[0, 2], [1, 3]]
    assert autograd.bucketize(autograd.tensor([1, 5]), boundaries, right=True).tolist() == [1, 3]
    with pytest.raises(RuntimeError, match="bucketize: boundaries must be a 1-D tensor"):
        autograd.bucketize(values, rows)
    floats = autograd.tensor([0.5, 1.0], requires_grad=True)
    assert not autograd.bucketize(floats, autograd.tensor([1.0])).requires_grad


def test_nansum_nanmean_values_and_gradients(check_grad):
    x = autograd.tensor([[NAN, 1.0, 3.0], [2.0, NAN, NAN]], dtype=autograd.float64, requires_grad=True)
    assert autograd.nansum(x).item() == 6.0 and x.nansum(1).tolist() == [4.0, 2.0]
    assert x.nansum(0, keepdim=True).tolist() == [[2.0, 1.0, 3.0]]
    assert autograd.nanmean(x).item() == 2.0 and x.nanmean(dim=1).tolist() == [2.0, 2.0]
    assert x.nanmean(0, keepdim=True).tolist() == [[2.0, 1.0, 3.0]]
    with np.errstate(invalid="ignore"):
        assert math.isnan(autograd.tensor([NAN]).nanmean().item())
    x.nanmean(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]
    assert autograd.nansum(autograd.tensor([1, 2])).item() == 3
    with pytest.raises(RuntimeError, match=r"nanmean\(\): expected input to have floating point"):
        autograd.tensor([1, 2]).nanmean()
    clean = autograd.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=autograd.float64, requires_grad=True)
    check_grad(lambda t: t.nanmean(0), clean)
    check_grad(lambda t: t.nansum(), clean)


def test_var_mean_and_std_mean():
    values = np.array([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]])
    x = autograd.tensor(values, dtype=autograd.float64)
    var, mean = autograd.var_mean(x, dim=1, correction=0)
    np.testing.assert_allclose(var.numpy(), values.var(axis=1), rtol=1e-12)
    np.testing.assert_allclose(mean.numpy(), values.mean(axis=1), rtol=1e-12)
    std, mean = autograd.std_mean(x, 0, keepdim=True)
    np.testing.assert_allclose(std.numpy(), values.std(axis=0, ddof=1, keepdims=True), rtol=1e-12)
    assert mean.shape == (1, 3)
    var, mean = autograd.var_mean(x)
    assert var.item() == pytest.approx(values.var(ddof=1)) and mean.item() == pytest.approx(values.mean())


def test_the_meta_package_has_the_functional_forms():
    import tinytorch as tt

    for name in ["nonzero", "argwhere", "count_nonzero", "isclose", "isinf", "isposinf", "isneginf", "isreal",
                 "logical_and", "logical_or", "logical_xor", "bincount", "unique", "unique_consecutive",
                 "nansum", "nanmean"]:  # fmt: skip
        assert callable(getattr(tt, name)) and hasattr(tt.ones(2, 2), name), name
    for name in ["searchsorted", "bucketize", "var_mean", "std_mean"]:
        assert callable(getattr(tt, name)), name
