"""Module 01: reductions over ``dim`` with ``keepdim``, against NumPy, and their edge cases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_tensor as tt
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes
from tt_tensor import reduce


def _logsumexp(a, axis, keepdims):
    a = a.astype(np.float64)
    shift = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else np.squeeze(out, axis=axis)


# (name, method, NumPy reference); each takes (data, dim, keepdim)
REDUCTIONS = [
    ("sum", lambda t, d, k: t.sum(d, k), lambda a, d, k: np.sum(a, axis=d, keepdims=k)),
    ("sum kw", lambda t, d, k: t.sum(dim=d, keepdim=k), lambda a, d, k: np.sum(a, axis=d, keepdims=k)),
    ("tt.sum", lambda t, d, k: tt.sum(t, d, k), lambda a, d, k: np.sum(a, axis=d, keepdims=k)),
    ("mean", lambda t, d, k: t.mean(d, k), lambda a, d, k: np.mean(a, axis=d, keepdims=k)),
    (  # dim None is left out (PyTorch refuses None and keepdim=True without a dim)
        "prod",
        lambda t, d, k: t.prod() if d is None else t.prod(d, k),
        lambda a, d, k: np.prod(a, axis=d, keepdims=k and d is not None),
    ),
    ("amax", lambda t, d, k: t.amax(d, k), lambda a, d, k: np.max(a, axis=d, keepdims=k)),
    ("amin", lambda t, d, k: tt.amin(t, d, k), lambda a, d, k: np.min(a, axis=d, keepdims=k)),
    ("var", lambda t, d, k: t.var(d, keepdim=k), lambda a, d, k: np.var(a, axis=d, ddof=1, keepdims=k)),
    (
        "var correction=0",
        lambda t, d, k: t.var(d, correction=0, keepdim=k),
        lambda a, d, k: np.var(a, axis=d, keepdims=k),
    ),
    (
        "var unbiased=False",
        lambda t, d, k: t.var(d, unbiased=False, keepdim=k),
        lambda a, d, k: np.var(a, axis=d, keepdims=k),
    ),
    ("std", lambda t, d, k: t.std(d, keepdim=k), lambda a, d, k: np.std(a, axis=d, ddof=1, keepdims=k)),
    (
        "std correction=0",
        lambda t, d, k: tt.std(t, d, correction=0, keepdim=k),
        lambda a, d, k: np.std(a, axis=d, keepdims=k),
    ),
    ("logsumexp", lambda t, d, k: t.logsumexp(d, k), _logsumexp),
    (
        "norm",
        lambda t, d, k: t.norm(dim=d, keepdim=k),
        lambda a, d, k: np.sqrt(np.sum(a * a, axis=d, keepdims=k)),
    ),
    ("norm p=1", lambda t, d, k: t.norm(1, d, k), lambda a, d, k: np.sum(np.abs(a), axis=d, keepdims=k)),
    (
        "norm p=3",
        lambda t, d, k: t.norm(3, d, k),
        lambda a, d, k: np.sum(np.abs(a) ** 3, axis=d, keepdims=k) ** (1 / 3),
    ),
    (
        "norm p=inf",
        lambda t, d, k: t.norm(np.inf, d, k),
        lambda a, d, k: np.max(np.abs(a), axis=d, keepdims=k),
    ),
    ("norm p=0", lambda t, d, k: t.norm(0, d, k), lambda a, d, k: np.sum(a != 0, axis=d, keepdims=k)),
    (
        "norm p=-inf",
        lambda t, d, k: t.norm(-np.inf, d, k),
        lambda a, d, k: np.min(np.abs(a), axis=d, keepdims=k),
    ),
]


@st.composite
def shape_and_dim(draw):
    """A shape of 1-4 dims (sides >= 2, so var is defined) and a dim: None, an int or a tuple."""
    shape = draw(array_shapes(min_dims=1, max_dims=4, min_side=2, max_side=4))
    ndim = len(shape)
    dim = draw(
        st.one_of(
            st.none(),
            st.integers(-ndim, ndim - 1),
            st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple),
        )
    )
    return shape, dim


def _axis(dim):
    return tuple(dim) if isinstance(dim, list) else dim


@pytest.mark.parametrize("case", REDUCTIONS, ids=[c[0] for c in REDUCTIONS])
@settings(max_examples=15, deadline=None)
@given(shape_dim=shape_and_dim(), keepdim=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_reductions_match_numpy(case, shape_dim, keepdim, seed):
    name, method, reference = case
    shape, dim = shape_dim
    if name == "logsumexp" and dim is None:
        dim = tuple(range(len(shape)))
    data = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    expected = np.asarray(reference(data.astype(np.float64), _axis(dim), keepdim))
    result = method(tt.tensor(data), dim, keepdim)
    assert isinstance(result, tt.Tensor), name
    assert result.dtype == tt.float32, name
    assert result.shape == expected.shape, f"{name}: shape {result.shape}, expected {expected.shape}"
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-4, atol=1e-5, err_msg=name)


def test_reductions_of_a_scalar(check):
    t = tt.tensor(2.5)
    check(t.sum(), np.array(2.5), tt.float32)
    check(t.mean(0), np.array(2.5), tt.float32)
    check(t.amax(-1, keepdim=True), np.array(2.5), tt.float32)


def test_integer_sums_and_means(check):
    data = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32)
    check(tt.tensor(data).sum(), np.array(21), tt.int64)
    check(tt.tensor(data).sum(0), data.sum(0), tt.int64)
    check(tt.tensor(data).mean(1, dtype=tt.float32), data.mean(1), tt.float32)  # (no dtype: refused)
    check(tt.tensor(data).prod(), np.array(720), tt.int64)


def test_small_integer_and_bool_sums_are_int64(check):
    small = np.array([200, 100, 250], dtype=np.uint8)  # NumPy would sum these as uint64
    check(tt.tensor(small).sum(), np.array(550), tt.int64)
    check(tt.tensor(np.array([100, 100, 50], dtype=np.int8)).sum(0), np.array(250), tt.int64)
    check(tt.tensor([True, False, True]).sum(), np.array(2), tt.int64)
    check(tt.tensor([1, 2, 4]).sum(dtype=tt.float32), np.array(7.0), tt.float32)


def test_var_of_too_few_elements_is_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(tt.tensor([1.0]).var().item())
    assert tt.tensor([1.0]).var(correction=0).item() == 0.0


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_var_and_std_correction(check, correction):
    data = np.array([1.0, 2.0, 4.0, 7.0, 11.0])
    n = data.size
    var = ((data - data.mean()) ** 2).sum() / (n - correction)
    check(tt.tensor(data).var(correction=correction), var, tt.float64, rtol=1e-12)
    check(tt.tensor(data).std(correction=correction), np.sqrt(var), tt.float64, rtol=1e-12)


# ----------------------------------------------------------------- max / min with indices, argmax / argmin


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize(
    ("name", "pick", "reference"), [("max", np.argmax, np.max), ("min", np.argmin, np.min)]
)
def test_max_and_min_over_a_dim_return_values_and_indices(check, rng, dim, keepdim, name, pick, reference):
    data = rng.integers(0, 5, (3, 4, 5)).astype(np.float32)  # ties: the first index wins, as in PyTorch
    result = getattr(tt.tensor(data), name)(dim=dim, keepdim=keepdim)
    assert isinstance(result, tuple) and len(result) == 2
    values, indices = result
    assert result.values is values and result.indices is indices
    check(values, reference(data, axis=dim, keepdims=keepdim), tt.float32)
    check(indices, pick(data, axis=dim, keepdims=keepdim), tt.int64)
    check(getattr(tt, name)(tt.tensor(data), dim).indices, pick(data, axis=dim), tt.int64)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_of_0d_and_1d_tensors(check, name):
    data = np.array([2.0, 7.0, -1.0, 7.0, -1.0], dtype=np.float32)
    pick = np.argmax if name == "max" else np.argmin
    values, indices = getattr(tt.tensor(data), name)(dim=0)
    check(values, getattr(data, name)(), tt.float32)
    check(indices, np.array(pick(data)), tt.int64)
    values, indices = getattr(tt.tensor(data), name)(-1, keepdim=True)
    check(values, np.array([getattr(data, name)()]), tt.float32)
    check(indices, np.array([pick(data)]), tt.int64)
    for dim in (0, -1):
        values, indices = getattr(tt.tensor(4.5), name)(dim)
        check(values, np.array(4.5), tt.float32)
        check(indices, np.array(0), tt.int64)
        check(getattr(tt.tensor(4.5), "arg" + name)(dim), np.array(0), tt.int64)
    check(getattr(tt.tensor(data), "arg" + name)(0), np.array(pick(data)), tt.int64)
    check(getattr(tt.tensor(data), "a" + name)(), np.array(getattr(data, name)()), tt.float32)
    check(getattr(tt.tensor([3.5]), "a" + name)(), np.array(3.5), tt.float32)


def test_max_and_min_without_dim_and_of_two_tensors(check, rng):
    data = rng.standard_normal((3, 4)).astype(np.float32)
    other = rng.standard_normal((4,)).astype(np.float32)
    t = tt.tensor(data)
    check(t.max(), data.max(), tt.float32)
    check(tt.min(t), data.min(), tt.float32)
    check(t.max(tt.tensor(other)), np.maximum(data, other), tt.float32)
    check(t.min(tt.tensor(other)), np.minimum(data, other), tt.float32)


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_argmax_and_argmin(check, rng, dim, keepdim):
    data = rng.integers(0, 4, (4, 5)).astype(np.float32)
    t = tt.tensor(data)
    check(t.argmax(dim, keepdim), np.argmax(data, axis=dim, keepdims=keepdim), tt.int64)
    check(tt.argmin(t, dim, keepdim), np.argmin(data, axis=dim, keepdims=keepdim), tt.int64)


def test_empty_max_is_refused():
    # The kernels' own refusal (the Tensor methods return an empty result over non-empty dims of an
    # empty tensor and raise PyTorch's errors otherwise: test_reduction_dim_edges.py).
    with pytest.raises(RuntimeError, match=r"max: cannot reduce an empty tensor of shape \(0, 3\)"):
        reduce.extreme("max", np.zeros((0, 3)), 0, False)
    with pytest.raises(RuntimeError, match=r"argmax: cannot reduce an empty tensor of shape \(0,\)"):
        reduce.argextreme("argmax", np.zeros(0))
    for name in ("max", "min"):
        with pytest.raises(RuntimeError, match=rf"{name}: cannot reduce an empty tensor of shape \(2, 0\)"):
            getattr(reduce, "a" + name)(np.zeros((2, 0)))
        with pytest.raises(RuntimeError, match=rf"{name}: cannot reduce an empty tensor of shape \(0, 3\)"):
            getattr(reduce, "a" + name)(np.zeros((0, 3)), 1)
        with pytest.raises(RuntimeError, match=rf"{name}\(\): Expected reduction dim to be specified"):
            getattr(tt.zeros(0), name)()  # (the method's message, PyTorch's, names the op too)


@pytest.mark.parametrize("p", [0, 1, 2, 3, "fro", float("inf")])
@pytest.mark.parametrize("dim", [None, 1])
def test_norm_matches_numpy(check, p, dim):
    data = np.array([[0.0, -3.0, 1.0, 0.0], [1.0, 1.0, -2.0, 4.0]])
    order = 2 if p == "fro" else p
    if dim is None:
        expected = np.linalg.norm(data.reshape(-1), ord=order)
    else:
        expected = np.linalg.norm(data, ord=order, axis=dim)
    check(tt.tensor(data).norm(p, dim), expected, tt.float64, rtol=1e-12)
    check(tt.tensor(data.astype(np.int64)).norm(p, dim), expected, tt.float32, rtol=1e-6)


# ----------------------------------------------------------------- logsumexp edge cases


def test_logsumexp_of_large_values_does_not_overflow(check):
    data = np.array([[1000.0, 1000.0, 990.0], [-1000.0, -1000.0, -1000.0]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = tt.tensor(data).logsumexp(dim=1)
    expected = np.array([1000.0 + np.log(2 + np.exp(-10.0)), -1000.0 + np.log(3.0)])
    check(result, expected, tt.float32, rtol=1e-6)


def test_logsumexp_of_minus_infinity_rows(check):
    inf = np.inf
    data = np.array([[-inf, -inf], [-inf, 0.0], [inf, 1.0]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = tt.tensor(data).logsumexp(dim=-1, keepdim=True)
    check(result, np.array([[-inf], [0.0], [inf]]), tt.float32)


# ----------------------------------------------------------------- logic and running sums


def test_all_any_cumsum(check, rng):
    data = rng.random((3, 4)) > 0.5
    t = tt.tensor(data)
    check(t.all(), np.all(data), tt.bool)
    check(t.any(1), np.any(data, axis=1), tt.bool)
    check(tt.all(t, 0, True), np.all(data, axis=0, keepdims=True), tt.bool)
    values = rng.standard_normal((3, 4)).astype(np.float32)
    check(tt.tensor(values).cumsum(1), np.cumsum(values, 1), tt.float32, rtol=1e-5)
    check(tt.cumsum(tt.tensor(data), 0), np.cumsum(data, 0), tt.int64)


# ----------------------------------------------------------------- dim errors


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda t: t.sum(2), "sum"),
        (lambda t: t.mean(-3), "mean"),
        (lambda t: t.var((0, 2)), "var"),
        (lambda t: t.max(dim=5), "max"),
        (lambda t: t.argmax(2), "argmax"),
        (lambda t: t.logsumexp(2), "logsumexp"),
        (lambda t: t.size(2), "size"),
    ],
)
def test_dim_out_of_range_names_the_op_and_range(call, name):
    with pytest.raises(
        IndexError, match=rf"{name}: dimension out of range \(expected to be in range of \[-2, 1\]"
    ):
        call(tt.zeros(2, 3))


def test_repeated_dim_is_refused():
    with pytest.raises(RuntimeError, match=r"sum: dim \(0, 0\) names a dimension more than once"):
        tt.zeros(2, 3).sum((0, 0))


def test_float16_reductions_accumulate_in_float32_and_return_float16():
    """PyTorch on CPU: NumPy alone sums a float16 column to 2048 (1 + 2048 rounds back to 2048)."""
    a = np.random.default_rng(0).uniform(0, 1, (20_000, 3)).astype(np.float16)
    exact = a.astype(np.float64)
    x = tt.tensor(a)
    for got, expected in [
        (x.sum(0), exact.sum(0)),
        (x.mean(0), exact.mean(0)),
        (x.var(0, correction=0), exact.var(0)),
        (x.std(0), exact.std(0, ddof=1)),
    ]:
        assert got.dtype == tt.float16
        np.testing.assert_allclose(got.numpy().astype(np.float64), expected, rtol=2e-3)
    assert x.sum(0, dtype=tt.float32).dtype == tt.float32  # an explicit dtype is kept
    assert float(tt.tensor(np.full(4, 60_000, np.float16)).sum()) == np.inf  # past float16's range
