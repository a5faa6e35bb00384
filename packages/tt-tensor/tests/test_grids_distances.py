"""Grids, histograms and distances beyond the exercises: ``meshgrid`` (``ij``/``xy``), ``tril_indices``/
``triu_indices``, ``logspace``, ``histc``, ``cdist`` (every ``p``, both ``compute_mode`` routes, broadcast
batches) and ``dist``: values against NumPy float64 references written from the definitions (loops over
small index sets), PyTorch's conventions (checked against torch 2.13 in a scratch script and pinned here),
dtypes and errors.

Not course material (outside module 01's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

NAN, INF = float("nan"), float("inf")
RNG = np.random.default_rng(5)


# ------------------------------------------------------------------ meshgrid
def test_meshgrid_ij_is_the_default_and_xy_swaps_the_first_two_dims(check):
    a, b, c = tt.tensor([1.0, 2.0, 3.0]), tt.tensor([4.0, 5.0]), tt.tensor([6.0, 7.0, 8.0, 9.0])
    rows, cols = tt.meshgrid(a, b)
    check(rows, [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], tt.float32)
    check(cols, [[4.0, 5.0], [4.0, 5.0], [4.0, 5.0]])
    expected = np.meshgrid(a.numpy(), b.numpy(), c.numpy(), indexing="xy")
    for got, want in zip(tt.meshgrid([a, b, c], indexing="xy"), expected):
        check(got, want)
    expected = np.meshgrid(a.numpy(), b.numpy(), c.numpy(), indexing="ij")
    for got, want in zip(tt.meshgrid(a, b, c, indexing="ij"), expected):
        check(got, want)
    (only,) = tt.meshgrid(a)
    check(only, [1.0, 2.0, 3.0])
    scalar, row = tt.meshgrid(tt.tensor(2.0), b)
    check(scalar, [[2.0, 2.0]])
    check(row, [[4.0, 5.0]])
    assert isinstance(tt.meshgrid(a, b), tuple)
    check(tt.meshgrid(tt.tensor([1, 2]), tt.tensor([3]), indexing="xy")[0], [[1, 2]], tt.int64)


def test_meshgrid_errors():
    with pytest.raises(RuntimeError, match='indexing must be one of "xy" or "ij", but received: ab'):
        tt.meshgrid(tt.ones(2), indexing="ab")
    with pytest.raises(RuntimeError, match=r"expected 0D or 1D tensors, got one of shape \(2, 2\)"):
        tt.meshgrid(tt.ones(2), tt.ones(2, 2))
    with pytest.raises(RuntimeError, match="same dtype"):
        tt.meshgrid(tt.ones(2), tt.tensor([1, 2]))
    with pytest.raises(TypeError, match="meshgrid"):
        tt.meshgrid(tt.ones(2), [1.0, 2.0])
    for empty in ((), ([],)):  # PyTorch 2.13
        with pytest.raises(RuntimeError, match="meshgrid expects a non-empty TensorList"):
            tt.meshgrid(*empty)


# ------------------------------------------------------------------ triangle indices, logspace
@pytest.mark.parametrize(("row", "col", "offset"), [(3, 3, 0), (3, 4, 1), (4, 3, -1), (5, 2, 3), (0, 3, 0)])
def test_tril_and_triu_indices_match_numpy(check, row, col, offset):
    check(tt.tril_indices(row, col, offset), np.stack(np.tril_indices(row, offset, col)), tt.int64)
    check(tt.triu_indices(row, col, offset), np.stack(np.triu_indices(row, offset, col)), tt.int64)


def test_triangle_indices_pinned_from_pytorch(check):
    check(tt.tril_indices(3, 3), [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]], tt.int64)
    check(tt.triu_indices(4, 3, -1), [[0, 0, 0, 1, 1, 1, 2, 2, 3], [0, 1, 2, 0, 1, 2, 1, 2, 2]])
    assert (
        tt.triu_indices(3, 3, 5).shape == (2, 0) and tt.tril_indices(3, 3, dtype=tt.int32).dtype == tt.int32
    )
    with pytest.raises(ValueError, match="tril_indices"):
        tt.tril_indices(-1, 3)


def test_logspace(check, restore_default_dtype):
    check(tt.logspace(0, 2, 3), [1.0, 10.0, 100.0], tt.float32)
    check(tt.logspace(0, 3, 4, base=2), [1.0, 2.0, 4.0, 8.0])
    check(
        tt.logspace(-1.5, 0.5, 5, dtype=tt.float64), 10.0 ** np.linspace(-1.5, 0.5, 5), tt.float64, rtol=1e-14
    )
    check(tt.logspace(0, 1, 1), [1.0])
    check(tt.logspace(1, 0, 0), np.zeros(0))
    tt.set_default_dtype(tt.float64)
    assert tt.logspace(0, 1, 2).dtype == tt.float64
    with pytest.raises(ValueError, match="logspace"):
        tt.logspace(0, 1, -2)


# ------------------------------------------------------------------ histc
def reference_histc(values, bins, low, high):
    counts = np.zeros(bins)
    width = (high - low) / bins
    for x in values:
        if low <= x <= high:
            counts[min(int((x - low) / width), bins - 1)] += 1
    return counts


def test_histc_matches_a_loop(check):
    values = RNG.normal(size=200)
    check(tt.tensor(values).histc(7, -1.0, 2.0), reference_histc(values, 7, -1.0, 2.0), tt.float64)
    check(tt.histc(tt.tensor(values), bins=10), reference_histc(values, 10, values.min(), values.max()))
    data = RNG.normal(size=(4, 5)).astype(np.float32)
    out = tt.histc(tt.tensor(data))  # 100 bins by default
    assert out.dtype == tt.float32 and out.shape == (100,) and out.sum().item() == 20


def test_histc_pinned_from_pytorch(check):
    check(tt.histc(tt.tensor([1.0, 2.0, 1.0, 4.0, -1.0]), bins=4, min=0, max=3), [0.0, 2.0, 1.0, 0.0])
    check(tt.histc(tt.tensor([1.0, 2.0, 1.0, 2.5]), bins=4), [2.0, 0.0, 1.0, 1.0])
    check(tt.histc(tt.tensor([2.0, 2.0]), bins=4), [0.0, 0.0, 2.0, 0.0])  # equal bounds widen by 1
    check(tt.histc(tt.tensor([0.0, 1.0, 2.0, 3.0]), bins=3, min=0, max=3), [1.0, 1.0, 2.0])  # max: last bin
    check(tt.histc(tt.tensor([1.0, NAN]), 3, min=0, max=2), [0.0, 1.0, 0.0])
    check(tt.histc(tt.tensor([]), 2), [0.0, 0.0])


def test_histc_errors():
    with pytest.raises(RuntimeError, match="histc: expected a floating-point tensor.*float"):
        tt.tensor([1, 2]).histc(3)
    with pytest.raises(RuntimeError, match="bins must be a positive int, got 0"):
        tt.tensor([1.0]).histc(0)
    with pytest.raises(RuntimeError, match="max must be larger than min"):
        tt.tensor([1.0]).histc(3, min=2, max=1)
    with pytest.raises(RuntimeError, match=r"range of \[1.0, inf\] is not finite"):
        tt.tensor([1.0, INF]).histc(3)
    with pytest.raises(RuntimeError, match="not finite"):
        tt.tensor([1.0, NAN]).histc(3)


# ------------------------------------------------------------------ cdist and dist
def reference_norm(u: np.ndarray, p: float) -> float:
    if p == 0:
        return float(np.count_nonzero(u))
    if p == INF:
        return float(np.max(np.abs(u)))
    return float(np.sum(np.abs(u) ** p) ** (1 / p))


def reference_cdist(x1: np.ndarray, x2: np.ndarray, p: float) -> np.ndarray:
    out = np.zeros((len(x1), len(x2)))
    for i, a in enumerate(x1):
        for j, b in enumerate(x2):
            out[i, j] = reference_norm(a - b, p)
    return out


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0, 2.0, 3.0, INF])
def test_cdist_every_p_matches_the_definition(check, p):
    x1, x2 = RNG.normal(size=(2, 4, 3)), RNG.normal(size=(2, 5, 3))
    x2[0, 1] = x1[0, 2]  # one distance of 0
    expected = np.stack([reference_cdist(a, b, p) for a, b in zip(x1, x2)])
    check(tt.cdist(tt.tensor(x1), tt.tensor(x2), p), expected, tt.float64, rtol=1e-12, atol=1e-12)


def test_cdist_broadcasts_batches_and_keeps_float32(check):
    x1, x2 = RNG.normal(size=(2, 1, 3, 4)), RNG.normal(size=(3, 2, 4))
    out = tt.cdist(tt.tensor(x1), tt.tensor(x2))
    expected = np.array([[reference_cdist(x1[i, 0], x2[j], 2) for j in range(3)] for i in range(2)])
    check(out, expected, tt.float64, rtol=1e-12)
    out32 = tt.cdist(tt.tensor(x1, dtype=tt.float32), tt.tensor(x2, dtype=tt.float32), 1.0)
    assert out32.dtype == tt.float32 and out32.shape == (2, 3, 3, 2)


def test_cdist_product_route_for_many_points_and_direct_on_request(check):
    x1, x2 = RNG.normal(size=(30, 3)), RNG.normal(size=(4, 3))
    expected = reference_cdist(x1, x2, 2)
    check(tt.cdist(tt.tensor(x1), tt.tensor(x2)), expected, rtol=1e-9)  # P > 25: the product route
    near = tt.tensor(x1 * 100 + 1e-6)
    exact = tt.cdist(tt.tensor(x1 * 100), near, compute_mode="donot_use_mm_for_euclid_dist")
    check(exact.diagonal(), np.full(30, np.sqrt(3) * 1e-6), rtol=1e-6)  # subtraction first: exact
    product = tt.cdist(tt.tensor(x1 * 100), near)
    assert np.abs(product.diagonal().numpy() - np.sqrt(3) * 1e-6).max() > 1e-8  # cancellation, as PyTorch
    far, close = x1[:25] * 100, x1[:25] * 100 + 1e-6
    direct = tt.cdist(tt.tensor(far), tt.tensor(close))  # 25 points on each side: still direct
    check(direct.diagonal(), np.full(25, np.sqrt(3) * 1e-6), rtol=1e-6)
    wide = tt.cdist(tt.tensor(far), tt.tensor(np.concatenate([close, far[:1]])))  # R = 26: the product
    assert np.abs(wide.diagonal().numpy() - np.sqrt(3) * 1e-6).max() > 1e-8
    tall = tt.cdist(tt.tensor(np.concatenate([far, far[:1]])), tt.tensor(close))  # P = 26: the product too
    assert np.abs(tall.diagonal().numpy() - np.sqrt(3) * 1e-6).max() > 1e-8
    same = tt.tensor(x1[:3])
    check(tt.cdist(same, same, compute_mode="use_mm_for_euclid_dist").diagonal(), np.zeros(3), atol=1e-7)


def test_cdist_errors():
    with pytest.raises(RuntimeError, match="X1 and X2 must have the same number of columns. X1: 3 X2: 4"):
        tt.cdist(tt.ones(2, 3), tt.ones(2, 4))
    with pytest.raises(RuntimeError, match="cdist only supports at least 2D tensors, X1 got: 1D"):
        tt.cdist(tt.ones(3), tt.ones(2, 3))
    with pytest.raises(RuntimeError, match="cdist only supports non-negative p values"):
        tt.cdist(tt.ones(2, 3), tt.ones(2, 3), -1)
    with pytest.raises(RuntimeError, match="floating-point dtypes, X2 got: int64"):
        tt.cdist(tt.ones(2, 3), tt.ones(2, 3, dtype=tt.int64))
    with pytest.raises(RuntimeError, match="batch dims"):
        tt.cdist(tt.ones(2, 2, 3), tt.ones(3, 2, 3))
    with pytest.raises(ValueError, match="compute_mode"):
        tt.cdist(tt.ones(2, 3), tt.ones(2, 3), compute_mode="fast")


@pytest.mark.parametrize("p", [0, 1, 2, 3, 0.5, INF])
def test_dist_is_the_norm_of_the_broadcast_difference(check, p):
    x, y = RNG.normal(size=(3, 4)), RNG.normal(size=4)
    check(
        tt.dist(tt.tensor(x), tt.tensor(y), p), np.array(reference_norm((x - y).reshape(-1), p)), rtol=1e-12
    )


def test_dist_pinned_from_pytorch(check):
    x, y = tt.tensor([[1.0, 2.0], [3.0, 4.0]]), tt.tensor([1.0, 1.0])
    check(x.dist(y), np.array(np.sqrt(14.0)), tt.float32)
    check(tt.dist(x, y, 1), np.array(6.0))
    check(tt.dist(x, y, INF), np.array(3.0))
    check(tt.dist(x, y, 0), np.array(3.0))
    check(tt.dist(x, y, 3), np.array(36.0 ** (1 / 3)))
    with pytest.raises(RuntimeError, match="dist only supports non-negative p values"):
        x.dist(y, -2)
