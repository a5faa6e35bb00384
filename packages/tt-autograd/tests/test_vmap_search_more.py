"""``vmap`` without the per-sample loop for the ops that looped: isin with batched test elements,
searchsorted and bucketize with batched boundaries (``_vmap_search.searchsorted_rows``: every row
searched in one sort), histc and histogram of batched inputs (each sample its own range when none is
given, batched edges and weights), dist and renorm (through the norms' rules); allclose and equal,
which return one Python bool, refuse with a clear error (PyTorch's vmap refuses them too).

Each case runs with the fallback warning as an error (``vmap_agrees``) and equals the op on each
sample, stacked (and so do the per-sample gradients where the op has one). Inputs the op refuses
raise its own error.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import vmap
from tt_autograd._vmap_search import searchsorted_rows

B = 3
GEN = np.random.default_rng(3030)


def floats(*shape):
    return autograd.tensor(GEN.standard_normal(shape), dtype=autograd.float64)


def integers(*shape, high=5):
    return autograd.tensor(GEN.integers(0, high, size=shape))


def sorted_rows(*shape):
    return autograd.sort(floats(*shape)).values


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_rows_is_numpys_search_of_each_row(right):
    for trial in range(300):
        rows, m, k = (int(n) for n in GEN.integers(0, 6, size=3))
        rows += 1
        table = np.sort(GEN.integers(-3, 3, size=(rows, m)).astype(np.float64), axis=1)
        values = GEN.integers(-4, 4, size=(rows, k)).astype(np.float64)
        if trial % 3 == 0 and m and k:  # NaN sorts last, in the rows and among the values
            table[:, -1], values[:, 0] = np.nan, np.nan
        side = "right" if right else "left"
        want = np.array([np.searchsorted(t, v, side=side) for t, v in zip(table, values)]).reshape(rows, k)
        got = searchsorted_rows(table, values, right)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got, want, err_msg=f"{table}\n{values}")


# ----------------------------------------------------------------- isin, searchsorted, bucketize
def _searches():
    numbers = autograd.tensor([[0.0], [1.0]], dtype=autograd.float64)
    unsorted = floats(B, 5)  # (each sample's row with its sorter)
    sorters = autograd.tensor(np.argsort(unsorted.numpy(), axis=-1))
    yield lambda s, v: autograd.searchsorted(s, v), (sorted_rows(B, 5), floats(B, 4)), 0
    yield (
        lambda s, v: autograd.searchsorted(s, v, right=True),
        (sorted_rows(B, 5).T.contiguous(), floats(4)),
        (1, None),
    )
    yield lambda s: autograd.searchsorted(s, numbers, side="right", out_int32=True), (sorted_rows(B, 5),), 0
    yield lambda s: autograd.searchsorted(s, 0.5), (sorted_rows(B, 5),), 0  # (a number: a 0-d result)
    yield lambda s, v: autograd.searchsorted(s, v), (sorted_rows(B, 2, 5), floats(B, 2, 3)), 0  # (N-D rows)
    yield lambda s, v: autograd.searchsorted(s, v), (sorted_rows(2, 5), floats(2, B, 3)), (None, 1)
    yield lambda s, o, v: autograd.searchsorted(s, v, sorter=o), (unsorted, sorters, floats(B, 3)), 0
    yield lambda s, v: autograd.bucketize(v, s), (sorted_rows(B, 4), floats(B, 2, 4)), 0
    yield (
        lambda s, v: autograd.bucketize(v, s, right=True, out_int32=True),
        (sorted_rows(B, 4), floats(4)),
        (0, None),
    )
    yield lambda e, t: autograd.isin(e, t), (integers(B, 6), integers(B, 3)), 0
    yield lambda e, t: autograd.isin(e, t, invert=True), (integers(2, 6), integers(3, B)), (None, 1)
    yield lambda t: autograd.isin(integers(2, 6), t), (integers(B, 0),), 0  # (no test elements)
    yield lambda t: autograd.isin(2, t), (integers(B, 4),), 0
    tied = autograd.sort(integers(B, 6).double()).values  # (values equal to entries: left and right differ)
    yield lambda s, v: autograd.searchsorted(s, v), (tied, integers(B, 4).double()), 0
    yield lambda s, v: autograd.searchsorted(s, v, side="right"), (tied, integers(4).double()), (0, None)
    yield (
        lambda s, v: autograd.searchsorted(s, v, right=True),
        (tied.reshape(B, 2, 3), integers(B, 2, 4).double()),
        0,
    )
    yield lambda s, v: autograd.bucketize(v, s), (tied, integers(B, 4).double()), 0
    yield lambda s, v: autograd.bucketize(v, s, right=True), (tied, integers(B, 4).double()), 0
    nans = autograd.tensor([[np.nan, 1.0]] * B, dtype=autograd.float64)
    yield lambda e, t: autograd.isin(e, t), (autograd.tensor([[np.nan, 1.0, 2.0]] * B), nans), 0


@pytest.mark.parametrize("op, args, in_dims", list(_searches()))
def test_isin_searchsorted_and_bucketize_with_batched_boundaries(vmap_agrees, op, args, in_dims):
    vmap_agrees(op, *args, in_dims=in_dims)


def test_searches_the_op_refuses_raise_its_error(vmap_same_error):
    vmap_same_error(lambda s, v: autograd.searchsorted(s, v), sorted_rows(B, 2, 5), floats(B, 3, 3))
    vmap_same_error(
        lambda s, v: autograd.searchsorted(s, v, right=True, side="left"), sorted_rows(B, 5), floats(B, 2)
    )
    vmap_same_error(lambda s, v: autograd.bucketize(v, s), sorted_rows(B, 2, 4), floats(B, 3))
    vmap_same_error(lambda e, t: autograd.isin(e, t, invert=1), integers(B, 2), integers(B, 2))
    shapes = autograd.tensor([[2, 3], [3, 2], [6, 1]])  # (a shape as a tensor: the loop, for its error)
    vmap_same_error(lambda shape: autograd.unravel_index(autograd.tensor([5, 3]), shape), shapes)
    vmap_same_error(lambda i, shape: autograd.unravel_index(i, shape), integers(B, 2), shapes)


# ----------------------------------------------------------------- histc, histogram
def _histograms():
    ties = autograd.tensor([[1.0, 1.0, 1.0], [2.0, 3.0, 2.5], [0.0, 0.0, 0.0]], dtype=autograd.float64)
    edges = autograd.tensor([-1.0, 0.0, 0.0, 0.5, 2.0], dtype=autograd.float64)
    yield lambda v: autograd.histc(v, bins=4), (floats(B, 10),), 0  # (each sample its own range)
    yield lambda v: v.histc(bins=4, min=-1, max=1), (floats(10, B),), 1
    yield lambda v: v.histc(bins=3), (ties,), 0  # (equal values: the range widened by 1)
    yield lambda v: v.histc(5), (floats(B, 2, 3).float(),), 0
    yield lambda v: autograd.histogram(v, bins=4, range=(-2.0, 2.0)), (floats(B, 10),), 0
    yield lambda v: autograd.histogram(v, bins=4), (floats(B, 2, 5),), 0
    yield lambda v: autograd.histogram(v, 3), (ties,), 0  # (widened by 0.5)
    yield lambda v: autograd.histogram(v, bins=edges), (floats(B, 10),), 0  # (an empty bin)
    yield lambda v, b: autograd.histogram(v, bins=b), (floats(B, 10), sorted_rows(B, 4)), 0
    yield lambda v, w: v.histogram(4, weight=w, density=True), (floats(B, 10), floats(B, 10).abs()), 0
    yield lambda v, w: v.histogram(4, weight=w), (floats(B, 10), floats(10).abs()), (0, None)
    yield lambda v: autograd.histogram(v, bins=2, density=True), (floats(B, 0),), 0  # (no values)
    yield lambda v: v.histc(bins=2), (floats(B, 0),), 0


@pytest.mark.parametrize("op, args, in_dims", list(_histograms()))
def test_histc_and_histogram_of_batched_inputs(vmap_agrees, op, args, in_dims):
    vmap_agrees(op, *args, in_dims=in_dims)


def test_histograms_the_op_refuses_raise_its_error(vmap_same_error):
    nan = floats(B, 4)
    nan[1, 2] = np.nan
    vmap_same_error(lambda v: v.histc(bins=3), nan[[1, 0, 2]])  # (a range that is not finite: the loop)
    vmap_same_error(lambda v: autograd.histogram(v, bins=3), nan[[1, 0, 2]])
    infinite = floats(B, 4)
    infinite[0, 1] = np.inf  # (only the max is not finite)
    vmap_same_error(lambda v: v.histc(bins=3), infinite)
    vmap_same_error(lambda v: autograd.histogram(v, bins=3), -infinite)
    vmap_same_error(lambda v: v.histc(bins=0), floats(B, 4))
    vmap_same_error(lambda v: v.histc(bins=3, min=2, max=1), floats(B, 4))
    vmap_same_error(lambda v: autograd.histogram(v.long(), bins=3), floats(B, 4))
    falling = autograd.tensor([[0.0, 1.0, 2.0], [0.0, 2.0, 1.0], [0.0, 1.0, 2.0]], dtype=autograd.float64)
    vmap_same_error(lambda v, b: autograd.histogram(v, bins=b), floats(B, 4), falling[[1, 0, 2]])
    with pytest.warns(UserWarning, match="no batching rule for Tensor.histc"):
        with pytest.raises(RuntimeError, match="not finite"):
            vmap(lambda v: v.histc(bins=3))(nan)


def test_in_physical_mode_the_forms_are_the_plain_functions_on_the_physical_arrays():
    from tt_autograd.batched import physical

    x, s, n = floats(B, 4), sorted_rows(B, 5), integers(B, 4, high=4)
    ops = [
        lambda v, r, i: autograd.isin(v, r),
        lambda v, r, i: autograd.searchsorted(r, v),
        lambda v, r, i: autograd.bucketize(v, r[0]),
        lambda v, r, i: autograd.unravel_index(i, (2, 2))[1],
        lambda v, r, i: v.histc(bins=3),
        lambda v, r, i: autograd.histogram(v, bins=3).hist,
        lambda v, r, i: autograd.tensor(v.allclose(r[:, :4]) + 2 * v.equal(v)),
    ]
    seen = []

    def func(v, r, i):
        with physical():
            seen.extend(op(v, r, i).numpy() for op in ops)
        return v

    vmap(func)(x, s, n)
    for got, op in zip(seen, ops):
        np.testing.assert_array_equal(got, op(x, s, n).numpy())


# ----------------------------------------------------------------- dist, renorm
def _distances():
    for p in (2, 1, 0, 3.5, 0.5, float("inf")):
        yield lambda a, b, p=p: autograd.dist(a, b, p), (floats(B, 4), floats(B, 4)), 0
        yield lambda a, b, p=p: a.dist(b, p=p), (floats(B, 2, 4), floats(4)), (0, None)
    yield lambda a, b: autograd.dist(a, b), (floats(4, B), floats(2, 1, B)), (1, 2)
    ties = autograd.tensor([[1.0, 1.0, -1.0, 0.0], [2.0, 0.5, 0.0, 0.0], [0.0] * 4], dtype=autograd.float64)
    yield lambda a: autograd.dist(a, autograd.zeros(4, dtype=autograd.float64), float("inf")), (ties,), 0
    yield lambda a: autograd.dist(a, a.detach()), (floats(B, 3),), 0  # (a zero distance: gradient 0)


@pytest.mark.parametrize("op, args, in_dims", list(_distances()))
def test_dist(vmap_agrees, op, args, in_dims):
    vmap_agrees(op, *args, in_dims=in_dims, argnums=tuple(range(len(args))))


def test_dist_of_integers_complex_and_empty_samples(vmap_agrees):
    vmap_agrees(lambda a, b: autograd.dist(a, b), integers(B, 3), integers(B, 3))
    z = autograd.tensor(GEN.standard_normal((B, 3)) + 1j * GEN.standard_normal((B, 3)))
    vmap_agrees(lambda a: autograd.dist(a, autograd.zeros(3, dtype=autograd.complex128), 3), z)
    empty = floats(B, 0)
    with pytest.warns(UserWarning, match="no batching rule for Dist"):  # (the norm of nothing is the loop's)
        got = vmap(lambda a: autograd.dist(a, a, float("inf")))(empty)
    assert got.tolist() == [0.0] * B


@pytest.mark.parametrize("p", [2, 1, float("inf")])
def test_renorm(vmap_agrees, p):
    vmap_agrees(lambda a: autograd.renorm(a, p, 0, 1.0), floats(B, 3, 4), argnums=0)
    vmap_agrees(lambda a: a.renorm(p, -1, 0.5), floats(3, B, 4), in_dims=1, argnums=0)


# ----------------------------------------------------------------- allclose, equal
@pytest.mark.parametrize(
    "op, instead",
    [
        (lambda a, b: autograd.allclose(a, b), "isclose"),
        (lambda a, b: a.allclose(b, atol=1.0), "isclose"),
        (lambda a, b: autograd.allclose(b[0], a), "isclose"),  # (a plain first operand)
        (lambda a, b: autograd.equal(a, b), r"\(a == b\).all\(\)"),
        (lambda a, b: autograd.equal(b[0], a), r"\(a == b\).all\(\)"),
        (lambda a, b: b[0].allclose(a), "isclose"),  # (a plain tensor's method, given a batched one)
        (lambda a, b: b[0].equal(a), r"\(a == b\).all\(\)"),
    ],
)
def test_allclose_and_equal_refuse_with_a_clear_error(op, instead):
    x, y = floats(B, 3), floats(2, 3)
    with pytest.raises(RuntimeError, match=f"returns one Python bool, which vmap cannot batch.*{instead}"):
        vmap(op, in_dims=(0, None))(x, y)
    assert isinstance(op(x[0], y), bool)  # (outside vmap: the op itself)
