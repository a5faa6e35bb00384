"""Module 01: element-wise math functions, against NumPy, including the numerically hard inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_tensor as tt
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes


def _sigmoid(x):
    with np.errstate(over="ignore"):  # exp(1e4) is inf in the reference, and 1 / inf is the right 0
        return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


# (name, method, NumPy reference, domain of the inputs)
UNARY = [
    ("exp", lambda t: t.exp(), np.exp, "any"),
    ("log", lambda t: t.log(), np.log, "positive"),
    ("sqrt", lambda t: t.sqrt(), np.sqrt, "positive"),
    ("rsqrt", lambda t: t.rsqrt(), lambda a: 1 / np.sqrt(a), "positive"),
    ("reciprocal", lambda t: t.reciprocal(), lambda a: 1 / a, "positive"),
    ("abs", lambda t: t.abs(), np.abs, "any"),
    ("neg", lambda t: t.neg(), np.negative, "any"),
    ("sign", lambda t: t.sign(), np.sign, "any"),
    ("sin", lambda t: t.sin(), np.sin, "any"),
    ("cos", lambda t: t.cos(), np.cos, "any"),
    ("tanh", lambda t: t.tanh(), np.tanh, "any"),
    ("sigmoid", lambda t: t.sigmoid(), _sigmoid, "any"),
    ("relu", lambda t: t.relu(), lambda a: np.maximum(a, 0), "any"),
    ("square", lambda t: t.square(), np.square, "any"),
    ("floor", lambda t: t.floor(), np.floor, "any"),
    ("ceil", lambda t: t.ceil(), np.ceil, "any"),
    ("round", lambda t: t.round(), np.round, "any"),
    ("tt.exp", lambda t: tt.exp(t), np.exp, "any"),
    ("tt.log", lambda t: tt.log(t), np.log, "positive"),
    ("tt.sqrt", lambda t: tt.sqrt(t), np.sqrt, "positive"),
    ("tt.abs", lambda t: tt.abs(t), np.abs, "any"),
    ("tt.tanh", lambda t: tt.tanh(t), np.tanh, "any"),
    ("tt.sigmoid", lambda t: tt.sigmoid(t), _sigmoid, "any"),
    ("tt.relu", lambda t: tt.relu(t), lambda a: np.maximum(a, 0), "any"),
]


@pytest.mark.parametrize("case", UNARY, ids=[c[0] for c in UNARY])
@settings(max_examples=12, deadline=None)
@given(
    shape=array_shapes(min_dims=0, max_dims=3, max_side=5),
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from([tt.float32, tt.float64]),
)
def test_unary_functions_match_numpy(shape, seed, case, dtype):
    name, method, reference, domain = case
    data = np.random.default_rng(seed).standard_normal(shape) * 3
    if domain == "positive":
        data = np.abs(data) + 0.1
    data = data.astype(dtype.numpy)
    result = method(tt.tensor(data))
    assert isinstance(result, tt.Tensor) and result.shape == data.shape and result.dtype == dtype, name
    rtol = 1e-5 if dtype == tt.float32 else 1e-12
    np.testing.assert_allclose(result.numpy(), reference(data), rtol=rtol, atol=rtol, err_msg=name)


@pytest.mark.parametrize(
    "name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "rsqrt", "reciprocal"]
)
def test_float_functions_of_integer_tensors_give_float32(check, name):
    data = np.array([1, 2, 3])
    reference = {"sigmoid": _sigmoid, "rsqrt": lambda a: 1 / np.sqrt(a), "reciprocal": lambda a: 1 / a}
    expected = reference.get(name, getattr(np, name, None))(data.astype(np.float64))
    check(getattr(tt.tensor(data), name)(), expected, tt.float32, rtol=1e-6)


def test_relu_and_abs_keep_integer_dtype(check):
    data = np.array([-2, 0, 3])
    check(tt.tensor(data).relu(), np.maximum(data, 0), tt.int64)
    check(tt.tensor(data).abs(), np.abs(data), tt.int64)


@pytest.mark.parametrize("dtype", [tt.float32, tt.float64])
def test_sigmoid_saturates_without_warnings_or_nan(dtype):
    x = tt.tensor([-1e4, -1000.0, -88.0, -20.0, 0.0, 20.0, 88.0, 1000.0, 1e4], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x.sigmoid().numpy()
    assert not np.any(np.isnan(y))
    assert y[0] == 0.0 and y[-1] == 1.0 and y[4] == 0.5
    np.testing.assert_allclose(y, _sigmoid(x.numpy()), rtol=1e-6, atol=1e-30)
    assert np.all(np.diff(y) >= 0), "sigmoid must be monotonic"


def test_tanh_saturates_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = tt.tensor([-1e4, 1e4]).tanh()
    assert y.tolist() == [-1.0, 1.0]


@pytest.mark.parametrize(
    ("exponent", "reference"),
    [
        (2, lambda a: a**2),
        (3.0, lambda a: a**3),
        (0.5, np.sqrt),
        (-1, lambda a: 1 / a),
        ("tensor", lambda a: a ** np.array([1.0, 2.0, 0.5], dtype=np.float32)),
    ],
)
def test_pow(check, exponent, reference):
    data = np.array([[1.0, 4.0, 9.0], [0.25, 2.0, 16.0]], dtype=np.float32)
    if exponent == "tensor":
        exponent = tt.tensor([1.0, 2.0, 0.5])
    t = tt.tensor(data)
    check(t.pow(exponent), reference(data), tt.float32, rtol=1e-6)
    check(t**exponent, reference(data), tt.float32, rtol=1e-6)


@pytest.mark.parametrize(
    ("low", "high"),
    [(-1.0, 1.0), (None, 0.5), (0.0, None), (2.0, 1.0), ("tensor", None), (None, "tensor")],
)
def test_clamp(check, low, high):
    data = np.array([[-3.0, -0.5, 0.0], [0.7, 1.5, 4.0]], dtype=np.float32)
    bound = np.array([0.5, -1.0, 0.25], dtype=np.float32)
    low = tt.tensor(bound) if low == "tensor" else low
    high = tt.tensor(bound) if high == "tensor" else high
    as_numpy = [b.numpy() if isinstance(b, tt.Tensor) else b for b in (low, high)]
    expected = data
    if as_numpy[0] is not None:
        expected = np.maximum(expected, as_numpy[0])
    if as_numpy[1] is not None:
        expected = np.minimum(expected, as_numpy[1])
    t = tt.tensor(data)
    check(t.clamp(low, high), expected, tt.float32)
    check(t.clip(min=low, max=high), expected, tt.float32)
    check(tt.clamp(t, low, high), expected, tt.float32)
    check(t, data, tt.float32)  # out of place: unchanged
    assert t.clamp_(low, high) is t
    check(t, expected, tt.float32)


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="clamp: at least one of min and max must be given"):
        tt.ones(2).clamp()


def test_clamp_of_integers(check):
    data = np.array([-5, 0, 5])
    check(tt.tensor(data).clamp(-2, 2), np.clip(data, -2, 2), tt.int64)
    check(tt.tensor(data).clamp(min=0.5), np.maximum(data, 0.5), tt.float32)


def test_log_and_sqrt_of_edge_values():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tt.tensor([0.0]).log().item() == -np.inf
        assert np.isnan(tt.tensor([-1.0]).sqrt().item())
        assert tt.tensor([np.inf]).exp().item() == np.inf
