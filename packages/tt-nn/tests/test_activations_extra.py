"""The rest of ``torch.nn.functional``'s activations, ``elu`` to ``rrelu``: values, gradients, kinks, errors.

Covers ``functional/activations_extra.py`` and ``functional/activations_piecewise.py``:
forward values against float64 NumPy transcriptions of PyTorch's documented
formulas, gradients against central differences on batched inputs kept away
from the kinks, PyTorch's values and gradients *at* the kinks (checked against
PyTorch 2.x and pinned here), dtypes kept, numerical stability at large inputs,
and errors for bad arguments. The Modules are tested in
``test_activations_extra_modules.py``.
Not course material (outside module 03's solution regions), so no module number.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn import functional as F
from tt_tensor.random import default_generator

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# name -> (function under test, NumPy float64 reference from PyTorch's documented formula, kinks)
ELEMENTWISE = {
    "elu": (F.elu, lambda x: np.where(x > 0, x, np.exp(x) - 1), [0.0]),
    "elu_alpha": (lambda x: F.elu(x, alpha=0.7), lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1)), [0.0]),
    "celu": (
        lambda x: F.celu(x, alpha=2.5),
        lambda x: np.maximum(0, x) + np.minimum(0, 2.5 * (np.exp(x / 2.5) - 1)),
        [0.0],
    ),
    "celu_default": (F.celu, lambda x: np.maximum(0, x) + np.minimum(0, np.exp(x) - 1), [0.0]),
    "selu": (
        F.selu,
        lambda x: SELU_SCALE * (np.maximum(0, x) + np.minimum(0, SELU_ALPHA * (np.exp(x) - 1))),
        [0.0],
    ),
    "hardtanh": (F.hardtanh, lambda x: np.minimum(np.maximum(x, -1), 1), [-1.0, 1.0]),
    "hardtanh_bounds": (
        lambda x: F.hardtanh(x, -0.5, 2.0),
        lambda x: np.minimum(np.maximum(x, -0.5), 2.0),
        [-0.5, 2.0],
    ),
    "relu6": (F.relu6, lambda x: np.minimum(np.maximum(x, 0), 6), [0.0, 6.0]),
    "hardsigmoid": (F.hardsigmoid, lambda x: np.minimum(np.maximum(x + 3, 0), 6) / 6, [-3.0, 3.0]),
    "hardswish": (F.hardswish, lambda x: x * np.minimum(np.maximum(x + 3, 0), 6) / 6, [-3.0, 3.0]),
    "mish": (F.mish, lambda x: x * np.tanh(np.log1p(np.exp(x))), []),
    "logsigmoid": (F.logsigmoid, lambda x: np.log(_sigmoid(x)), []),
    "softsign": (F.softsign, lambda x: x / (1 + np.abs(x)), [0.0]),
    "tanhshrink": (F.tanhshrink, lambda x: x - np.tanh(x), []),
    "threshold": (lambda x: F.threshold(x, 0.3, -2.0), lambda x: np.where(x > 0.3, x, -2.0), [0.3]),
    "hardshrink": (F.hardshrink, lambda x: np.where(np.abs(x) > 0.5, x, 0.0), [-0.5, 0.5]),
    "hardshrink_lambd": (
        lambda x: F.hardshrink(x, 1.2),
        lambda x: np.where(np.abs(x) > 1.2, x, 0.0),
        [-1.2, 1.2],
    ),
    "softshrink": (
        F.softshrink,
        lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0.0)),
        [-0.5, 0.5],
    ),
    "softshrink_lambd": (
        lambda x: F.softshrink(x, 1.5),
        lambda x: np.where(x > 1.5, x - 1.5, np.where(x < -1.5, x + 1.5, 0.0)),
        [-1.5, 1.5],
    ),
    "rrelu_eval": (F.rrelu, lambda x: np.where(x >= 0, x, x * (1 / 8 + 1 / 3) / 2), [0.0]),
    "rrelu_eval_bounds": (
        lambda x: F.rrelu(x, 0.2, 0.6, training=False),
        lambda x: np.where(x >= 0, x, 0.4 * x),
        [0.0],
    ),
    "prelu_shared": (
        lambda x: F.prelu(x, autograd.tensor([0.3], dtype=x.dtype)),
        lambda x: np.where(x > 0, x, 0.3 * x),
        [0.0],
    ),
}


def _away_from(x: np.ndarray, kinks: list[float], gap: float = 0.02) -> np.ndarray:
    """``x`` with every element closer than ``gap`` to a kink moved ``2 * gap`` to the right of it."""
    for kink in kinks:
        x = np.where(np.abs(x - kink) < gap, kink + 2 * gap, x)
    return x


@pytest.fixture
def spread(rng):
    """A batch (4, 3, 5) of values over [-8, 8] and exact points near the kinks (-3, -0.5, 0, 0.5, 3, 6)."""
    x = rng.uniform(-8, 8, size=(4, 3, 5))
    x.flat[:12] = [-3.0, -1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 3.0, 6.0, -1e-3, 1e-3, 2.0]
    return x


@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_values_match_the_numpy_formula(name, spread, check):
    function, reference, _ = ELEMENTWISE[name]
    check(
        function(autograd.tensor(spread, dtype=autograd.float64)), reference(spread), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_gradients_match_central_differences(name, rng, check_grad):
    function, _, kinks = ELEMENTWISE[name]
    x = _away_from(rng.uniform(-7, 7, size=(3, 4, 5)), kinks)
    check_grad(function, autograd.tensor(x, dtype=autograd.float64, requires_grad=True))


@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_float32_stays_float32(name, spread):
    function, reference, _ = ELEMENTWISE[name]
    x = autograd.tensor(spread, dtype=autograd.float32, requires_grad=True)
    y = function(x)
    y.sum().backward()
    assert y.dtype == autograd.float32 and x.grad.dtype == autograd.float32
    np.testing.assert_allclose(y.detach().numpy(), reference(spread.astype(np.float32)), rtol=2e-6, atol=2e-6)


# ------------------------------------------------------------------ PyTorch's conventions at the kinks
def _value_and_grad(function, points):
    x = autograd.tensor(points, dtype=autograd.float64, requires_grad=True)
    y = function(x)
    y.sum().backward()
    return y.detach().numpy().tolist(), x.grad.numpy().tolist()


# (function, points, PyTorch 2.x's values there, PyTorch's gradients there)
KINKS = {
    "hardtanh": (F.hardtanh, [-1.0, 1.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 0.0, 1.0]),
    "hardtanh_bounds": (lambda x: F.hardtanh(x, -2.0, 0.5), [-2.0, 0.5], [-2.0, 0.5], [0.0, 0.0]),
    "relu6": (F.relu6, [0.0, 6.0, 3.0], [0.0, 6.0, 3.0], [0.0, 0.0, 1.0]),
    "hardsigmoid": (F.hardsigmoid, [-3.0, 3.0, 0.0], [0.0, 1.0, 0.5], [0.0, 0.0, 1 / 6]),
    "hardswish": (F.hardswish, [-3.0, 3.0, 0.0], [0.0, 3.0, 0.0], [0.0, 1.0, 0.5]),
    "hardshrink": (F.hardshrink, [-0.5, 0.5, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]),
    "softshrink": (F.softshrink, [-0.5, 0.5, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]),
    "threshold": (lambda x: F.threshold(x, 1.0, -7.0), [1.0, 0.5, 2.0], [-7.0, -7.0, 2.0], [0.0, 0.0, 1.0]),
    "elu": (lambda x: F.elu(x, alpha=2.0), [0.0], [0.0], [2.0]),
    "celu": (lambda x: F.celu(x, alpha=2.0), [0.0], [0.0], [1.0]),
    "selu": (F.selu, [0.0], [0.0], [1.7580993408473766]),
    "rrelu_eval": (F.rrelu, [0.0, -1.0], [0.0, -0.22916666666666666], [0.22916666666666666] * 2),
    "softsign": (F.softsign, [0.0], [0.0], [1.0]),
    "mish": (F.mish, [0.0, 25.0, 100.0], [0.0, 25.0, 100.0], [0.6, 1.0, 1.0]),
    "logsigmoid": (
        F.logsigmoid,
        [0.0, -1000.0, 1000.0],
        [-0.6931471805599453, -1000.0, 0.0],
        [0.5, 1.0, 0.0],
    ),
}


@pytest.mark.parametrize("name", list(KINKS))
def test_values_and_gradients_at_the_kinks_are_pytorchs(name):
    function, points, values, grads = KINKS[name]
    got_values, got_grads = _value_and_grad(function, points)
    np.testing.assert_allclose(got_values, values, rtol=1e-12, atol=0)
    np.testing.assert_allclose(got_grads, grads, rtol=1e-12, atol=0)


def test_prelu_takes_the_negative_side_at_zero():
    x = autograd.tensor([0.0, -1.0], dtype=autograd.float64, requires_grad=True)
    w = autograd.tensor([0.3], dtype=autograd.float64, requires_grad=True)
    F.prelu(x, w).sum().backward()
    assert x.grad.numpy().tolist() == [0.3, 0.3] and w.grad.numpy().tolist() == [-1.0]


def test_shrinks_keep_nan():
    x = autograd.tensor([np.nan, 0.1])
    assert np.isnan(F.hardshrink(x).numpy()[0]) and np.isnan(F.softshrink(x).numpy()[0])
    assert np.isnan(F.hardtanh(x).numpy()[0])


# ------------------------------------------------------------------ stability
def test_large_inputs_stay_finite_without_warnings():
    for dtype in (autograd.float32, autograd.float64):
        x = autograd.tensor([-1e4, -1000.0, -100.0, 100.0, 1000.0, 1e4], dtype=dtype, requires_grad=True)
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
            warnings.simplefilter("error")
            for function in (F.logsigmoid, F.mish, F.elu, F.selu, F.celu, F.softsign, F.tanhshrink):
                x.grad = None
                y = function(x)
                y.sum().backward()
                finite = np.isfinite(y.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all()
                assert finite, function.__name__
    big = np.array([-1e4, -1000.0, 1000.0, 1e4])
    check_values = autograd.tensor(big, dtype=autograd.float64)
    np.testing.assert_array_equal(F.logsigmoid(check_values).numpy(), np.minimum(big, 0))
    np.testing.assert_array_equal(F.mish(check_values).numpy(), np.maximum(big, 0))


def test_logsigmoid_and_mish_are_accurate_in_the_tails():
    x = np.array([-40.0, -20.0, 20.0, 40.0])
    got = F.logsigmoid(autograd.tensor(x, dtype=autograd.float64)).numpy()
    np.testing.assert_allclose(got, -np.log1p(np.exp(-x)), rtol=1e-14)  # log(sigmoid(40)) is -4.2e-18, not 0
    got = F.mish(autograd.tensor([-40.0, -100.0], dtype=autograd.float64)).numpy()
    np.testing.assert_allclose(got, [-40.0 * np.exp(-40.0), -3.7200759760208363e-42], rtol=1e-12)


def test_logsigmoid_of_a_zero_dim_tensor():
    # its forward wrote into np.abs(x) in place, a NumPy scalar (not an array) for 0-d x: TypeError
    x = autograd.tensor(0.5, dtype=autograd.float64, requires_grad=True)
    y = F.logsigmoid(x)
    assert y.shape == ()
    np.testing.assert_allclose(y.item(), -np.log1p(np.exp(-0.5)), rtol=1e-15)
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1 / (1 + np.exp(0.5)), rtol=1e-15)
    assert autograd.gradgradcheck(F.logsigmoid, [x])


def test_elu_family_is_exact_near_zero():
    x = np.array([-1e-10, -1e-5])
    np.testing.assert_allclose(
        F.elu(autograd.tensor(x, dtype=autograd.float64)).numpy(), np.expm1(x), rtol=1e-14
    )


# ------------------------------------------------------------------ softmin and glu
def test_softmin_is_the_softmax_of_the_negated_input(rng, check, check_grad, leaf):
    x = rng.standard_normal((3, 4, 5))
    for dim in (0, 1, -1):
        check(F.softmin(autograd.tensor(x, dtype=autograd.float64), dim=dim), _softmax(-x, dim), rtol=1e-12)
    check_grad(lambda t: F.softmin(t, dim=1), leaf(3, 4, 5))


def test_softmin_dtype_and_implicit_dim():
    x = autograd.tensor([[0.0, 1.0], [2.0, 2.0]])
    y = F.softmin(x, 1, dtype=autograd.float64)
    assert y.dtype == autograd.float64
    np.testing.assert_allclose(y.numpy(), _softmax(-np.array([[0.0, 1.0], [2.0, 2.0]]), 1), rtol=1e-12)
    with pytest.warns(UserWarning, match="softmin: implicit dimension"):
        assert F.softmin(x).shape == (2, 2)


def test_glu_halves_the_dim(rng, check, check_grad, leaf):
    x = rng.standard_normal((2, 6, 4))
    check(F.glu(autograd.tensor(x, dtype=autograd.float64), dim=1), x[:, :3] * _sigmoid(x[:, 3:]), rtol=1e-12)
    check(F.glu(autograd.tensor(x, dtype=autograd.float64)), x[..., :2] * _sigmoid(x[..., 2:]), rtol=1e-12)
    check_grad(lambda t: F.glu(t, dim=1), leaf(2, 6, 4))
    check_grad(lambda t: F.glu(t, dim=-1), leaf(3, 4))
    assert F.glu(autograd.tensor(x.astype(np.float32)), 0).dtype == autograd.float32


# ------------------------------------------------------------------ prelu
@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 4, 5), (7,), (3, 1, 2)])
@pytest.mark.parametrize("shared", [True, False])
def test_prelu_values_and_both_gradients(shape, shared, rng, check, check_grad):
    channels = 1 if shared or len(shape) < 2 else shape[1]
    x = _away_from(rng.standard_normal(shape), [0.0])
    w = rng.uniform(0.05, 0.5, size=channels)
    view = w.reshape((channels,) + (1,) * (len(shape) - 2)) if len(shape) >= 2 else w
    check(F.prelu(autograd.tensor(x, dtype=autograd.float64), autograd.tensor(w, dtype=autograd.float64)),
          np.where(x > 0, x, view * x), rtol=1e-12)  # fmt: skip
    x_leaf = autograd.tensor(x, dtype=autograd.float64, requires_grad=True)
    w_leaf = autograd.tensor(w, dtype=autograd.float64, requires_grad=True)
    check_grad(F.prelu, x_leaf, w_leaf)
    g = rng.standard_normal(shape)
    x_leaf.grad = w_leaf.grad = None
    F.prelu(x_leaf, w_leaf).backward(autograd.tensor(g, dtype=autograd.float64))
    negative = np.where(x > 0, 0.0, x * g)
    expected = (
        negative.sum() if channels == 1 else negative.sum(axis=tuple(i for i in range(len(shape)) if i != 1))
    )
    np.testing.assert_allclose(w_leaf.grad.numpy(), np.reshape(expected, w.shape), rtol=1e-12)
    np.testing.assert_allclose(x_leaf.grad.numpy(), np.where(x > 0, g, view * g), rtol=1e-12)


def test_prelu_scalar_weight_and_scalar_input(check, check_grad, leaf):
    check(F.prelu(autograd.tensor(-2.0), autograd.tensor([0.5])), -1.0)
    x = autograd.tensor([[-2.0, 3.0]], dtype=autograd.float64)
    check(F.prelu(x, autograd.tensor(0.5, dtype=autograd.float64)), [[-1.0, 3.0]])
    check_grad(F.prelu, leaf(3, 4), autograd.tensor(0.2, dtype=autograd.float64, requires_grad=True))
    y = F.prelu(autograd.tensor([-1.0, 2.0]), autograd.tensor([0.25]))
    assert y.dtype == autograd.float32 and y.shape == (2,)


def test_prelu_weight_alone_gets_a_gradient():
    x = autograd.tensor([[-2.0, 1.0], [3.0, -4.0]])
    w = autograd.tensor([0.1, 0.2], requires_grad=True)
    F.prelu(x, w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [-2.0, -4.0])


# ------------------------------------------------------------------ rrelu in training
def test_rrelu_training_draws_slopes_in_range_from_the_default_generator():
    x = autograd.tensor(np.concatenate([-np.ones(20000), np.ones(10)]), dtype=autograd.float64)
    autograd.manual_seed(3)
    first = F.rrelu(x, 0.1, 0.3, training=True).numpy()
    autograd.manual_seed(3)
    again = F.rrelu(x, 0.1, 0.3, training=True).numpy()
    np.testing.assert_array_equal(first, again)
    slopes = -first[:20000]
    assert 0.1 <= slopes.min() < 0.101 and 0.299 < slopes.max() < 0.3
    assert abs(slopes.mean() - 0.2) < 2e-3 and len(np.unique(slopes)) > 19000
    np.testing.assert_array_equal(first[20000:], 1.0)
    assert not np.array_equal(F.rrelu(x, 0.1, 0.3, training=True).numpy(), first)


def test_rrelu_training_gradient_is_the_drawn_slope(rng):
    x = autograd.tensor(rng.standard_normal((5, 6)), dtype=autograd.float32, requires_grad=True)
    y = F.rrelu(x, training=True)
    y.sum().backward()
    assert y.dtype == autograd.float32 and x.grad.dtype == autograd.float32
    ratio = y.detach().numpy() / x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), ratio, rtol=1e-6)
    negative = x.detach().numpy() < 0
    assert ((ratio[negative] >= 1 / 8) & (ratio[negative] <= 1 / 3)).all() and (ratio[~negative] == 1).all()


def test_rrelu_draws_are_the_default_generators_uniforms_in_the_input_dtype():
    shape = (3, 7)
    x = autograd.tensor(-np.ones(shape), dtype=autograd.float32)
    autograd.manual_seed(11)
    uniform = default_generator.numpy.random(shape, dtype=np.float32)  # as dropout draws
    autograd.manual_seed(11)
    np.testing.assert_array_equal(F.rrelu(x, 0.1, 0.3, training=True).numpy(), -(0.1 + 0.2 * uniform))


def test_rrelu_training_at_zero_takes_a_drawn_slope_and_keeps_half_precision():
    x = autograd.tensor(np.zeros(50), requires_grad=True)
    F.rrelu(x, 0.1, 0.3, training=True).sum().backward()
    assert ((x.grad.numpy() >= 0.1) & (x.grad.numpy() <= 0.3)).all()  # PyTorch draws where x <= 0
    half = F.rrelu(autograd.tensor([-1.0, 2.0], dtype=autograd.float16), training=True)
    assert half.dtype == autograd.float16 and half.numpy()[1] == 2.0


def test_rrelu_training_with_equal_bounds_is_a_leaky_relu(rng, check, check_grad, leaf):
    x = _away_from(rng.standard_normal((3, 4)), [0.0])
    check(F.rrelu(autograd.tensor(x, dtype=autograd.float64), 0.2, 0.2, True), np.where(x > 0, x, 0.2 * x))
    check_grad(
        lambda t: F.rrelu(t, 0.2, 0.2, True), autograd.tensor(x, dtype=autograd.float64, requires_grad=True)
    )


# ------------------------------------------------------------------ integer inputs
def test_hardtanh_relu6_threshold_keep_integer_tensors():
    x = autograd.tensor([-2, 1, 7, 4])
    assert F.hardtanh(x).numpy().tolist() == [-1, 1, 1, 1] and F.hardtanh(x).dtype == x.dtype
    assert F.relu6(x).numpy().tolist() == [0, 1, 6, 4] and F.relu6(x).dtype == x.dtype
    assert F.threshold(x, 0, 5).numpy().tolist() == [5, 1, 7, 4] and F.threshold(x, 0, 5).dtype == x.dtype


def test_softsign_and_tanhshrink_turn_integers_into_floats():
    x = autograd.tensor([-2, 1, 7, 4])
    np.testing.assert_allclose(F.softsign(x).numpy(), [-2 / 3, 0.5, 0.875, 0.8], rtol=1e-6)
    np.testing.assert_allclose(
        F.tanhshrink(x).numpy(), [-2 - np.tanh(-2), 1 - np.tanh(1), 7 - np.tanh(7), 4 - np.tanh(4)], rtol=1e-6
    )
    assert F.softsign(x).dtype == autograd.float32


# ------------------------------------------------------------------ bad arguments
FLOAT_ONLY = [F.elu, F.celu, F.selu, F.mish, F.logsigmoid, F.hardsigmoid, F.hardswish]
FLOAT_ONLY += [F.hardshrink, F.softshrink, F.glu, F.rrelu]


@pytest.mark.parametrize("function", FLOAT_ONLY, ids=lambda f: f.__name__)
def test_integer_inputs_are_refused_by_float_only_ops(function):
    with pytest.raises(TypeError, match=f"{function.__name__}: 'input' must be a floating-point tensor"):
        function(autograd.tensor([-2, 2]))


def test_bad_arguments_raise_clear_errors():
    x = autograd.randn(2, 3)
    with pytest.raises(
        ValueError, match=r"hardtanh: min_val cannot be greater than max_val.*1.0 > max_val=-1.0"
    ):
        F.hardtanh(x, 1.0, -1.0)
    np.testing.assert_array_equal(F.hardtanh(x, 0.5, 0.5).numpy(), 0.5)  # equal bounds are allowed
    with pytest.raises(RuntimeError, match=r"glu: halving dimension must be even.*dimension 1 .* size 3"):
        F.glu(x, 1)
    with pytest.raises(RuntimeError, match="glu: does not support 0-d"):
        F.glu(autograd.tensor(1.0))
    with pytest.raises(IndexError, match="glu: dimension out of range"):
        F.glu(x, 2)
    with pytest.raises(RuntimeError, match=r"prelu: weight has 2 elements but input \(2, 3\) has 3 channels"):
        F.prelu(x, autograd.ones(2))
    with pytest.raises(RuntimeError, match=r"prelu: weight has 3 elements but input \(3,\) has 1 channels"):
        F.prelu(autograd.randn(3), autograd.ones(3))
    with pytest.raises(RuntimeError, match="prelu: a 0-d input takes a weight of 1 element, got 2"):
        F.prelu(autograd.tensor(1.0), autograd.ones(2))
    with pytest.raises(RuntimeError, match=r"prelu: weight must be a 0-d or 1-d tensor.*\(1, 3\)"):
        F.prelu(x, autograd.ones(1, 3))
    with pytest.raises(TypeError, match="prelu: weight has dtype float64 but input has float32"):
        F.prelu(x, autograd.ones(3, dtype=autograd.float64))
    with pytest.raises(TypeError, match="prelu: argument 'weight' must be a Tensor"):
        F.prelu(x, 0.25)
    with pytest.raises(ValueError, match="softshrink: lambd must be >= 0, got -1.0"):
        F.softshrink(x, -1.0)
    with pytest.raises(ValueError, match="celu: alpha cannot be 0"):
        F.celu(x, 0.0)
    with pytest.raises(ValueError, match="rrelu: lower must be <= upper, got lower=0.5 > upper=0.1"):
        F.rrelu(x, 0.5, 0.1)
    with pytest.raises(TypeError, match="elu: alpha must be a number, got str"):
        F.elu(x, "1")
    with pytest.raises(TypeError, match="celu: alpha must be a number, got str"):
        F.celu(x, "1")
    with pytest.raises(TypeError, match="threshold: value must be a number, got NoneType"):
        F.threshold(x, 0.0, None)
    with pytest.raises(TypeError, match="softsign: argument 'input' must be a Tensor, got list"):
        F.softsign([1.0])


NUMBER_ARGUMENTS = {
    "elu: alpha": lambda x, bad: F.elu(x, bad),
    "celu: alpha": lambda x, bad: F.celu(x, bad),
    "hardtanh: min_val": lambda x, bad: F.hardtanh(x, bad, 1.0),
    "hardtanh: max_val": lambda x, bad: F.hardtanh(x, -1.0, bad),
    "threshold: threshold": lambda x, bad: F.threshold(x, bad, 0.0),
    "threshold: value": lambda x, bad: F.threshold(x, 0.0, bad),
    "hardshrink: lambd": lambda x, bad: F.hardshrink(x, bad),
    "softshrink: lambd": lambda x, bad: F.softshrink(x, bad),
    "rrelu: lower": lambda x, bad: F.rrelu(x, bad, 0.3),
    "rrelu: upper": lambda x, bad: F.rrelu(x, 0.1, bad),
}


@pytest.mark.parametrize("argument", list(NUMBER_ARGUMENTS))
@pytest.mark.parametrize("bad", ["0.5", None, True], ids=["str", "None", "bool"])
def test_number_arguments_refuse_other_types(argument, bad):
    kind = type(bad).__name__
    with pytest.raises(TypeError, match=f"{argument} must be a number, got {kind}"):
        NUMBER_ARGUMENTS[argument](autograd.randn(2, 3), bad)


def test_softshrink_by_zero_is_the_identity():
    x = autograd.tensor([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(F.softshrink(x, 0.0).numpy(), [-1.0, 0.0, 2.0])


def test_hardshrink_accepts_a_negative_lambd_like_pytorch():
    x = autograd.tensor([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(F.hardshrink(x, -1.0).numpy(), [-1.0, 0.0, 1.0])
