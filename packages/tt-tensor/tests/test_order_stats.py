"""Order statistics beyond the exercises: ``median``/``nanmedian``, ``kthvalue``, ``mode``, ``msort``,
``cummax``/``cummin``, ``quantile``/``nanquantile``: values against NumPy float64 references written from the
definitions (``np.sort``-based, loops over small rows), PyTorch's conventions (lower median, tie and NaN
indices, checked against torch 2.13 in a scratch script and pinned here), dims, keepdim, dtypes and errors.

Not course material (outside module 01's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

NAN, INF = float("nan"), float("inf")
RNG = np.random.default_rng(11)
DATA = RNG.standard_normal((3, 4, 5))  # distinct values


def reference_median(a: np.ndarray, axis: int) -> np.ndarray:
    """The lower median: element ``(n - 1) // 2`` of the sorted row (NaN if the row has one)."""
    ordered = np.sort(a, axis=axis)
    n = a.shape[axis]
    middle = np.take(ordered, (n - 1) // 2, axis=axis)
    return np.where(np.isnan(a).any(axis=axis), np.nan, middle)


def reference_nanmedian(row: np.ndarray) -> float:
    kept = np.sort(row[~np.isnan(row)])
    return kept[(kept.size - 1) // 2] if kept.size else np.nan


def reference_quantile(row: np.ndarray, q: float, interpolation: str = "linear") -> float:
    """From the definition: rank ``q * (n - 1)`` in the sorted row, then interpolate."""
    ordered = np.sort(row)
    if np.isnan(ordered).any():
        return np.nan
    rank = q * (ordered.size - 1)
    low, high = int(np.floor(rank)), int(np.ceil(rank))
    if interpolation == "lower":
        return ordered[low]
    if interpolation == "higher":
        return ordered[high]
    if interpolation == "nearest":
        return ordered[int(np.round(rank))]
    if interpolation == "midpoint":
        return ordered[low] + 0.5 * (ordered[high] - ordered[low])
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


# ------------------------------------------------------------------ median / nanmedian
def test_median_of_all_elements_is_the_lower_middle_value(check):
    check(tt.tensor([3.0, 1.0, 2.0, 4.0]).median(), np.array(2.0), tt.float32)  # not 2.5
    check(tt.median(tt.tensor([5.0, 1.0, 3.0])), np.array(3.0))
    check(tt.tensor(DATA).median(), np.sort(DATA.reshape(-1))[(DATA.size - 1) // 2], tt.float64)
    check(tt.tensor([[4, 1], [3, 2]]).median(), np.array(2), tt.int64)  # integers are fine
    check(tt.tensor(7.0).median(), np.array(7.0))
    check(tt.tensor([1.0, NAN, 2.0]).median(), np.array(NAN))
    check(tt.tensor([]).median(), np.array(NAN))  # PyTorch: nan for an empty tensor


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
@pytest.mark.parametrize("keepdim", [False, True])
def test_median_along_a_dim_matches_numpy(check, dim, keepdim):
    values, indices = tt.tensor(DATA).median(dim, keepdim)
    expected = reference_median(DATA, dim)
    check(values, np.expand_dims(expected, dim) if keepdim else expected, tt.float64)
    assert indices.dtype == tt.int64
    keep = indices.numpy() if keepdim else np.expand_dims(indices.numpy(), dim)
    np.testing.assert_array_equal(
        np.take_along_axis(DATA, keep, dim), keep * 0 + np.expand_dims(expected, dim)
    )


def test_median_named_fields_and_ties_as_pytorch():
    result = tt.median(tt.tensor([[2.0, 1.0, 2.0, 1.0], [5.0, 5.0, 5.0, 5.0]]), 1)
    assert isinstance(result, tt.ValuesIndices) and result.values.tolist() == [1.0, 5.0]
    assert result.indices.tolist() == [3, 1]  # PyTorch 2.13: the stable sort's element (n - 1) // 2
    assert tt.tensor([1.0, 2.0, 1.0, 2.0, 2.0]).median(0).indices.item() == 1
    assert tt.tensor([2.0, 2.0, 2.0, 1.0]).median(0).indices.item() == 0
    assert tt.tensor([3, 1, 2, 4]).median(0).values.dtype == tt.int64
    values, indices = tt.tensor([[3, 1, 2], [6, 5, 4]]).median(1)  # integers along each dim (PyTorch 2.13)
    assert values.tolist() == [2, 5] and indices.tolist() == [2, 1] and values.dtype == tt.int64
    values, indices = tt.tensor([[3, 1, 2], [6, 5, 4]]).median(0)
    assert values.tolist() == [3, 1, 2] and indices.tolist() == [0, 0, 0]
    assert tt.tensor([[3, 1, 2], [6, 5, 4]]).nanmedian(1).values.tolist() == [2, 5]


def test_median_with_nan_gives_the_first_nan_and_nanmedian_skips_them(check):
    values, indices = tt.tensor([[1.0, NAN], [2.0, 3.0]]).median(1)
    check(values, [NAN, 2.0])
    assert indices.tolist() == [1, 0]
    assert tt.tensor([1.0, NAN, NAN]).median(0).indices.item() == 1
    rows = np.array([[1.0, NAN, 3.0, 4.0], [NAN, 2.0, NAN, 5.0], [NAN, NAN, NAN, NAN]])
    values, indices = tt.nanmedian(tt.tensor(rows), 1)
    check(values, [reference_nanmedian(r) for r in rows])
    assert indices.tolist() == [2, 1, 0]  # an all-NaN row: NaN at index 0, as PyTorch
    check(tt.tensor([2.0, NAN, 2.0, 1.0, 5.0]).nanmedian(), np.array(2.0))
    check(tt.tensor([NAN, NAN]).nanmedian(), np.array(NAN))
    assert tt.tensor([1.0, NAN, 2.0, 5.0]).nanmedian(0, keepdim=True).indices.tolist() == [2]


def test_median_of_a_0d_tensor_and_empty_rows():
    values, indices = tt.tensor(3.0).median(0)
    assert values.shape == () and values.item() == 3.0 and indices.item() == 0
    values, indices = tt.tensor(3.0).median(0, keepdim=True)  # PyTorch: still 0-d
    assert values.shape == indices.shape == () and values.item() == 3.0
    values, indices = tt.tensor(3.0).kthvalue(1, 0, True)
    assert values.shape == indices.shape == () and indices.item() == 0
    assert tt.zeros(0, 3).median(1).values.shape == (0,)  # empty rows to reduce: an empty result
    with pytest.raises(IndexError, match=r"median\(\): Expected reduction dim 1 to have non-zero size"):
        tt.zeros(2, 0).median(1)
    with pytest.raises(IndexError, match="nanmedian"):
        tt.zeros(2, 0).nanmedian(-1)
    with pytest.raises(IndexError, match="dimension out of range"):
        tt.zeros(2, 3).median(2)
    with pytest.raises(RuntimeError, match="empty integer"):
        tt.tensor([], dtype=tt.int64).median()


# ------------------------------------------------------------------ kthvalue
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_kthvalue_matches_the_sorted_rows(check, dim, k):
    values, indices = tt.kthvalue(tt.tensor(DATA.astype(np.float32)), k, dim)
    expected = np.take(np.sort(DATA.astype(np.float32), axis=dim), k - 1, axis=dim)
    check(values, expected, tt.float32)
    np.testing.assert_array_equal(indices.numpy(), np.take(np.argsort(DATA, axis=dim), k - 1, axis=dim))


def test_kthvalue_defaults_keepdim_nan_and_errors(check):
    x = tt.tensor([[3.0, 1.0, 2.0, 1.0], [0.0, 9.0, 8.0, 7.0]])
    values, indices = x.kthvalue(2)  # dim=-1 by default
    check(values, [1.0, 7.0])
    assert indices.tolist() == [3, 3]  # PyTorch 2.13 picks index 3 for the tied 1.0 too
    assert x.kthvalue(1, 0, keepdim=True).values.shape == (1, 4)
    assert tt.tensor([3.0, NAN, 2.0]).kthvalue(3).indices.item() == 1  # NaN is the largest
    assert tt.tensor([3.0, NAN, 2.0]).kthvalue(2).values.item() == 3.0
    assert tt.tensor([5, 3, 4]).kthvalue(1).values.dtype == tt.int64
    assert tt.tensor(4.0).kthvalue(1).values.item() == 4.0
    for k in (0, 5):
        with pytest.raises(
            RuntimeError, match=r"kthvalue\(\): selected number k out of range.*between 1 and 4"
        ):
            x.kthvalue(k)


# ------------------------------------------------------------------ mode
def reference_mode(row: np.ndarray) -> tuple[float, int]:
    values, counts = np.unique(row, return_counts=True)
    value = values[np.argmax(counts)]  # the first (smallest) of the most frequent
    return value, int(np.flatnonzero(row == value)[-1])


def test_mode_is_the_smallest_most_frequent_value_at_its_last_position(check):
    rows = RNG.integers(0, 4, size=(40, 9)).astype(np.float32)  # PyTorch's index rule holds to 16
    values, indices = tt.tensor(rows).mode()
    expected = [reference_mode(r) for r in rows]
    check(values, [v for v, _ in expected], tt.float32)
    assert indices.tolist() == [i for _, i in expected]
    assert tt.mode(tt.tensor([1.0, 2.0, 2.0, 3.0, 3.0, 1.0, 1.0])).indices.item() == 6  # PyTorch 2.13
    assert tt.mode(tt.tensor([2.0, 3.0, 3.0, 2.0])).values.item() == 2.0
    assert tt.tensor([-1, -1, 2, 2, -1]).mode().indices.item() == 4
    values, indices = tt.tensor([[1.0, 2.0], [1.0, 3.0], [4.0, 3.0]]).mode(0, keepdim=True)
    assert values.tolist() == [[1.0, 3.0]] and indices.tolist() == [[1, 2]]
    assert tt.tensor([5, 4, 3]).mode().values.dtype == tt.int64


def test_mode_long_rows_values_and_nans(check):
    rows = RNG.integers(0, 5, size=(6, 60))
    values, indices = tt.tensor(rows).mode(1)
    check(values, [reference_mode(r)[0] for r in rows], tt.int64)
    np.testing.assert_array_equal(rows[np.arange(6), indices.numpy()], values.numpy())
    # NaNs are distinct values: [1, 1, nan, nan, nan] has mode 1 (PyTorch 2.13 agrees here)
    values, indices = tt.tensor([1.0, 1.0, NAN, NAN, NAN]).mode()
    assert values.item() == 1.0 and indices.item() == 1
    assert np.isnan(tt.tensor([NAN, NAN]).mode().values.item())
    assert tt.tensor([NAN, NAN, NAN]).mode().indices.item() == 0  # all distinct: the first sorted, a NaN
    values, indices = tt.tensor([1.0, NAN, NAN]).mode()  # PyTorch 2.13 too
    assert values.item() == 1.0 and indices.item() == 0
    values, indices = tt.tensor([NAN, 2.0, NAN]).mode()  # PyTorch 2.13 says (nan, 0): order-dependent
    assert values.item() == 2.0 and indices.item() == 1
    assert tt.tensor(2.0).mode().values.item() == 2.0


def test_msort(check):
    check(tt.msort(tt.tensor(DATA)), np.sort(DATA, axis=0), tt.float64)
    check(tt.tensor([[3.0, 1.0], [1.0, 2.0]]).msort(), [[1.0, 1.0], [3.0, 2.0]])


# ------------------------------------------------------------------ cummax / cummin
def reference_running(row: np.ndarray, largest: bool) -> tuple[list, list]:
    """A loop over positions: PyTorch's rule (a new record on >= / <=, or at a NaN, which sticks)."""
    best, where, values, indices = row[0], 0, [], []
    for i, x in enumerate(row):
        better = x >= best if largest else x <= best
        if np.isnan(x) or (not np.isnan(best) and better):
            best, where = x, i
        values.append(best)
        indices.append(where)
    return values, indices


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cummax_and_cummin_match_a_loop(check, largest, dim):
    data = RNG.integers(0, 4, size=(4, 7, 3)).astype(np.float32)  # many ties
    data[1, 3, 0] = data[2, 0, 2] = NAN
    values, indices = (tt.cummax if largest else tt.cummin)(tt.tensor(data), dim)
    rows = np.moveaxis(data, dim, -1).reshape(-1, data.shape[dim])
    expected = [reference_running(r, largest) for r in rows]
    shape = np.moveaxis(data, dim, -1).shape
    check(values, np.moveaxis(np.array([v for v, _ in expected]).reshape(shape), -1, dim), tt.float32)
    assert indices.dtype == tt.int64
    np.testing.assert_array_equal(
        indices.numpy(), np.moveaxis(np.array([i for _, i in expected]).reshape(shape), -1, dim)
    )


def test_cummax_cummin_pinned_from_pytorch():
    values, indices = tt.tensor([1.0, 3.0, 2.0, 3.0, 5.0, 5.0, 0.0]).cummax(0)
    assert values.tolist() == [1.0, 3.0, 3.0, 3.0, 5.0, 5.0, 5.0] and indices.tolist() == [
        0,
        1,
        1,
        3,
        4,
        5,
        5,
    ]
    assert tt.tensor([1.0, 3.0, 0.0, 2.0, 0.0, 5.0, 0.0]).cummin(0).indices.tolist() == [0, 0, 2, 2, 4, 4, 6]
    assert tt.tensor([NAN, 1.0, NAN, 2.0]).cummax(0).indices.tolist() == [0, 0, 2, 2]
    assert tt.tensor([1.0, NAN, 2.0, 3.0]).cummin(0).indices.tolist() == [0, 1, 1, 1]
    assert tt.tensor([-INF, -INF, 1.0]).cummax(0).indices.tolist() == [0, 1, 2]
    values, indices = tt.tensor([1, 3, 2]).cummax(0)
    assert values.dtype == tt.int64 and values.tolist() == [1, 3, 3] and indices.tolist() == [0, 1, 1]
    values, indices = tt.tensor(3.0).cummin(0)
    assert values.shape == indices.shape == () and indices.item() == 0
    assert isinstance(tt.cummax(tt.tensor([1.0]), 0), tt.ValuesIndices)
    with pytest.raises(IndexError, match="cummax"):
        tt.tensor([1.0]).cummax(1)


# ------------------------------------------------------------------ quantile / nanquantile
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_every_interpolation_matches_the_definition(check, interpolation):
    levels = [0.0, 0.1, 0.25, 0.5, 0.7, 0.9, 1.0]
    row = DATA[0, 0]
    out = tt.tensor(row).quantile(tt.tensor(levels, dtype=tt.float64), interpolation=interpolation)
    check(out, [reference_quantile(row, q, interpolation) for q in levels], tt.float64, rtol=1e-12)


def test_quantile_pinned_from_pytorch(check):
    x = tt.tensor([1.0, 2.0, 3.0, 4.0])
    q = tt.tensor([0.0, 0.1, 0.5, 0.5 + 1 / 6, 0.75, 0.9, 1.0])
    check(x.quantile(q), [1.0, 1.3, 2.5, 3.0, 3.25, 3.7, 4.0], tt.float32)
    check(x.quantile(q, interpolation="lower"), [1.0, 1.0, 2.0, 3.0, 3.0, 3.0, 4.0])
    check(x.quantile(q, interpolation="higher"), [1.0, 2.0, 3.0, 3.0, 4.0, 4.0, 4.0])
    check(x.quantile(q, interpolation="midpoint"), [1.0, 1.5, 2.5, 3.0, 3.5, 3.5, 4.0])
    check(x.quantile(q, interpolation="nearest"), [1.0, 1.0, 3.0, 3.0, 3.0, 4.0, 4.0])
    halves = tt.tensor([0.1, 0.3, 0.5, 0.7, 0.9])  # ranks 0.5, 1.5, ...: round half to even
    check(tt.arange(6.0).quantile(halves, interpolation="nearest"), [0.0, 2.0, 2.0, 4.0, 4.0])
    check(tt.quantile(tt.tensor([-INF, 1.0, INF]), tt.tensor([0.25, 0.5, 0.75])), [-INF, 1.0, NAN])
    check(tt.tensor([1.0, INF]).quantile(1.0), np.array(NAN))  # lerp(inf, inf, 0), as PyTorch


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_quantile_shapes_dims_and_keepdim(check, dim, keepdim):
    x = DATA[0]  # (4, 5)

    def expected(levels):
        if dim is None:
            out = np.array([reference_quantile(x.reshape(-1), q) for q in levels])
            return out.reshape(len(levels), 1, 1) if keepdim else out
        rows = np.moveaxis(x, dim, -1)
        out = np.array([[reference_quantile(r, q) for r in rows] for q in levels])
        return np.expand_dims(out, (dim % 2) + 1) if keepdim else out

    levels = tt.tensor([0.2, 0.5, 0.95], dtype=tt.float64)
    check(tt.quantile(tt.tensor(x), levels, dim=dim, keepdim=keepdim), expected([0.2, 0.5, 0.95]), rtol=1e-12)
    check(tt.tensor(x).quantile(0.3, dim=dim, keepdim=keepdim), expected([0.3])[0], tt.float64, rtol=1e-12)


@pytest.mark.parametrize("dim", [0, 1, 2, -2])
def test_quantile_along_each_dim_of_a_3d_tensor(check, dim):
    # a middle dim of a 3-D tensor: the rows are those of ``dim`` moved last (on 2-D, moving it to
    # position 1 or -1 is the same)
    rows = np.moveaxis(DATA, dim, -1)
    expected = [[[reference_quantile(r, q) for r in plane] for plane in rows] for q in (0.3, 0.8)]
    out = tt.tensor(DATA).quantile(tt.tensor([0.3, 0.8], dtype=tt.float64), dim=dim)
    check(out, expected, tt.float64, rtol=1e-12)


def test_quantile_scalar_q_values_and_float32(check):
    x = tt.tensor([[1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 4.0, 6.0, 8.0, 10.0]])
    check(x.quantile(0.4, dim=1), [2.6, 5.2], tt.float32)
    check(tt.quantile(x, 0.3), np.array(2.7), tt.float32)
    assert tt.quantile(x, 0.3, keepdim=True).shape == (1, 1)
    assert tt.quantile(x, tt.tensor([0.3]), keepdim=True).shape == (1, 1, 1)
    check(tt.tensor(5.0).quantile(0.5), np.array(5.0))
    assert tt.tensor(5.0).quantile(0.5, dim=0, keepdim=True).shape == ()  # PyTorch 2.13's shapes
    assert tt.tensor(5.0).quantile(0.5, keepdim=True).shape == ()
    assert tt.tensor(5.0).quantile(tt.tensor([0.5]), dim=0, keepdim=True).shape == (1,)
    check(tt.quantile(tt.tensor([1.0, 2.0]), tt.tensor(0.5)), np.array(1.5))
    check(tt.tensor([1.0, NAN, 3.0]).quantile(0.5), np.array(NAN))


def test_nanquantile_ignores_nans(check):
    rows = np.array([[1.0, NAN, 3.0, 4.0], [NAN, NAN, NAN, NAN], [2.0, 8.0, NAN, 4.0]])
    levels = [0.25, 0.5]
    out = tt.nanquantile(tt.tensor(rows), tt.tensor(levels, dtype=tt.float64), dim=1)
    expected = [
        [reference_quantile(r[~np.isnan(r)], q) if (~np.isnan(r)).any() else NAN for r in rows]
        for q in levels
    ]
    check(out, expected, tt.float64)
    check(tt.tensor([1.0, NAN, 3.0]).nanquantile(0.5), np.array(2.0), tt.float32)
    check(tt.tensor([1.0, NAN, 3.0]).nanquantile(0.5, interpolation="midpoint"), np.array(2.0), tt.float32)
    check(tt.tensor([NAN, NAN]).nanquantile(0.5), np.array(NAN))
    check(tt.tensor([NAN, 1.0, 5.0]).nanquantile(0.5, interpolation="higher"), np.array(5.0))


def test_quantile_errors():
    x = tt.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(RuntimeError, match=r"quantile\(\) q must be in the range \[0, 1\] but got 1.5"):
        x.quantile(1.5)
    with pytest.raises(RuntimeError, match=r"q must be in the range \[0, 1\] but got -0.1"):
        tt.nanquantile(x, tt.tensor([0.5, -0.1]))
    with pytest.raises(RuntimeError, match=r"q must be in the range \[0, 1\] but got 1.5"):
        x.quantile(tt.tensor([0.0, 1.0, 1.5, -0.5]))  # the first value out of range, ends allowed
    with pytest.raises(RuntimeError, match="interpolation must be one of linear, lower.*but got cubic"):
        x.quantile(0.5, interpolation="cubic")
    with pytest.raises(RuntimeError, match="input tensor must be either float or double.*float"):
        tt.tensor([1, 2]).quantile(0.5)
    with pytest.raises(RuntimeError, match="q must be a scalar or 1D tensor"):
        x.quantile(tt.tensor([[0.5]]))
    with pytest.raises(RuntimeError, match="input tensor must be non-empty"):
        tt.tensor([]).quantile(0.5)
    with pytest.raises(RuntimeError, match="q tensor must be same dtype as the input tensor"):
        x.quantile(tt.tensor([0.5], dtype=tt.float64))
    with pytest.raises(IndexError, match="quantile"):
        x.quantile(0.5, dim=2)
