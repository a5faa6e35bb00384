"""Module 03: activation functions against direct NumPy transcriptions, dtypes and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn import functional as F
from tt_nn.functional.erf import normal_cdf

X = np.array([[-3.0, -1.0, -1e-3, 0.0], [1e-3, 0.5, 2.0, 7.0]])


def _phi(x: np.ndarray) -> np.ndarray:
    return np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x.ravel()]).reshape(x.shape)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


# (function, NumPy transcription). The layer forms (nn.ReLU(), ...) are Modules: module 04
# builds Module, so test_04_activation_modules.py checks them against these functions.
REFERENCES = {
    "relu": (F.relu, lambda x: np.maximum(x, 0)),
    "leaky_relu": (F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x)),
    "gelu": (F.gelu, lambda x: x * _phi(x)),
    "gelu_tanh": (
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    ),
    "silu": (F.silu, lambda x: x * _sigmoid(x)),
    "sigmoid": (F.sigmoid, _sigmoid),
    "tanh": (F.tanh, np.tanh),
    "softmax": (
        lambda x: F.softmax(x, dim=1),
        lambda x: np.exp(x) / np.exp(x).sum(axis=1, keepdims=True),
    ),
    "log_softmax": (
        lambda x: F.log_softmax(x, dim=1),
        lambda x: x - np.log(np.exp(x).sum(axis=1, keepdims=True)),
    ),
}


@pytest.mark.parametrize("name", list(REFERENCES))
def test_functional_matches_the_formula(name, check):
    function, reference = REFERENCES[name]
    x = autograd.tensor(X, dtype=autograd.float64)
    check(function(x), reference(X), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", list(REFERENCES))
def test_float32_in_float32_out(name):
    function, reference = REFERENCES[name]
    out = function(autograd.tensor(X, dtype=autograd.float32))
    assert out.dtype == autograd.float32
    np.testing.assert_allclose(out.numpy(), reference(X), rtol=1e-5, atol=1e-6)


def test_leaky_relu_slope_and_gelu_known_values(check):
    check(F.leaky_relu(autograd.tensor([-2.0, 3.0], dtype=autograd.float64), 0.2), [-0.4, 3.0])
    # GELU(1) = Phi(1) = 0.8413447460685429, GELU(-1) = -(1 - Phi(1))
    check(
        F.gelu(autograd.tensor([1.0, -1.0], dtype=autograd.float64)),
        [0.8413447460685429, -0.15865525393145707],
        rtol=1e-14,
    )


def test_softmax_over_other_dims_and_rows_sum_to_one(rng, check):
    x = rng.standard_normal((2, 3, 4))
    for dim in (0, 1, 2, -1):
        out = F.softmax(autograd.tensor(x), dim=dim)
        expected = np.exp(x) / np.exp(x).sum(axis=dim, keepdims=True)
        check(out, expected, rtol=1e-12)
        check(F.log_softmax(autograd.tensor(x), dim=dim), np.log(expected), rtol=1e-12)
    np.testing.assert_allclose(F.softmax(autograd.tensor(x), dim=1).numpy().sum(axis=1), 1.0, rtol=1e-12)


def test_softmax_dim_none_warns_and_picks_pytorchs_default(check):
    x = autograd.tensor(X)
    with pytest.warns(UserWarning, match="implicit dimension"):
        out = F.softmax(x)
    check(out, F.softmax(x, dim=1).numpy())  # 2-D: dim 1, like PyTorch
    with pytest.warns(UserWarning):
        assert F.log_softmax(autograd.tensor([1.0, 2.0])).shape == (2,)  # 1-D: dim 0


def test_softmax_of_a_scalar_and_dtype_argument():
    assert F.softmax(autograd.tensor(3.0), dim=0).item() == 1.0
    out = F.log_softmax(autograd.tensor([1.0, 2.0]), dim=0, dtype=autograd.float64)
    assert out.dtype == autograd.float64


def test_bad_arguments_give_clear_errors():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        F.gelu(autograd.tensor([1.0]), approximate="fast")
    with pytest.raises(TypeError, match="gelu: 'input' must be a floating-point tensor, got dtype int64"):
        F.gelu(autograd.tensor([1, 2]))
    with pytest.raises(TypeError, match="softmax: argument 'input' must be a Tensor, got list"):
        F.softmax([1.0, 2.0], dim=0)
    with pytest.raises(IndexError, match="softmax: dimension out of range"):
        F.softmax(autograd.tensor([[1.0]]), dim=2)
    with pytest.raises(TypeError, match="relu: argument 'input' must be a Tensor"):
        F.relu(np.array([1.0]))


def test_normal_cdf_is_accurate_for_very_negative_inputs():
    # (1 + erf(x / sqrt 2)) / 2 would lose every digit here; erfc keeps them
    x = np.array([-30.0, -10.0, -3.0, 0.0, 3.0])
    expected = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(normal_cdf(x), expected, rtol=1e-11)  # x / sqrt(2) rounds: error ~ x^2 * ulp
    assert normal_cdf(np.array(-30.0)) > 0
