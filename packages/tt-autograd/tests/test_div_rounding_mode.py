"""``div``'s ``rounding_mode`` (``None``, ``"trunc"``, ``"floor"``), owned by ``Tensor.div`` and shared by
``tt.div``, ``div_``, ``divide``/``divide_`` and ``floor_divide``/``true_divide`` (aliases of it): values
against NumPy, PyTorch 2.13's dtypes and messages (checked in a scratch script), gradients against central
differences with broadcasting (true division; the rounded ones are piecewise constant: zero gradient).

Not course material (outside module 02's solution regions), so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd

F64 = autograd.float64

A = np.array([[-7.0, 7.0, -6.5], [9.25, -9.0, 0.5]])
B = np.array([2.0, -2.5, 3.0])  # broadcast against A's rows


def _forms(mode):
    """Every way to ask for ``div`` with ``mode``: (name, out-of-place call on a tensor and a divisor)."""
    return [
        ("div", lambda t, d: t.div(d, rounding_mode=mode)),
        ("tt.div", lambda t, d: autograd.div(t, d, rounding_mode=mode)),
        ("divide", lambda t, d: t.divide(d, rounding_mode=mode)),
        ("tt.divide", lambda t, d: autograd.divide(t, d, rounding_mode=mode)),
        ("div_", lambda t, d: t.clone().div_(d, rounding_mode=mode)),
        ("divide_", lambda t, d: t.clone().divide_(d, rounding_mode=mode)),
    ]


@pytest.mark.parametrize(
    ("mode", "reference"),
    [(None, np.true_divide), ("trunc", lambda a, b: np.trunc(a / b)), ("floor", np.floor_divide)],
)
def test_every_form_gives_numpys_values(mode, reference):
    for name, call in _forms(mode):
        for divisor in (autograd.tensor(B, dtype=autograd.float64), 2.5, B):
            result = call(autograd.tensor(A, dtype=autograd.float64), divisor)
            assert result.dtype == autograd.float64 and result.shape == (2, 3), name
            np.testing.assert_array_equal(result.numpy(), reference(A, np.asarray(divisor)), err_msg=name)


@pytest.mark.parametrize("dtype", [autograd.int32, autograd.int64])
def test_integers_keep_their_dtype_with_a_rounding_mode_and_true_division_gives_floats(dtype):
    a, b = np.array([[5, -7, 0], [-9, 9, 1]]), np.array([2, 2, -4])
    x = autograd.tensor(a, dtype=dtype)
    floor = x.div(autograd.tensor(b, dtype=dtype), rounding_mode="floor")
    assert floor.dtype == dtype and floor.tolist() == np.floor_divide(a, b).tolist()
    trunc = autograd.div(x, autograd.tensor(b, dtype=dtype), rounding_mode="trunc")
    assert trunc.dtype == dtype and trunc.tolist() == [[2, -3, 0], [-4, 4, 0]]  # toward zero
    assert x.clone().div_(2, rounding_mode="trunc").tolist() == [[2, -3, 0], [-4, 4, 0]]
    assert x.div(2).dtype == autograd.float32 and x.div(2, rounding_mode=None).tolist() == (a / 2).tolist()
    assert x.div(2.5, rounding_mode="floor").dtype == autograd.float32  # an int by a float: floats
    assert autograd.tensor([5, -7]).div(2.5, rounding_mode="floor").tolist() == [2.0, -3.0]
    assert autograd.tensor([5, 250], dtype=autograd.uint8).div(2, rounding_mode="trunc").tolist() == [2, 125]
    for mode in ("trunc", "floor"):
        with pytest.raises(ZeroDivisionError):
            x.div(0, rounding_mode=mode)


def test_an_integer_tensor_refuses_true_division_in_place():
    x = autograd.tensor([5, -7])
    with pytest.raises(
        RuntimeError, match="div_: result type float32 can't be cast to the desired output type int64"
    ):
        x.div_(2)
    assert x.tolist() == [5, -7] and x._version == 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda t: t.div(2, rounding_mode="round"),
            "div: expected rounding_mode to be one of None, 'trunc', or",
        ),
        (lambda t: autograd.div(t, 2, rounding_mode=1), "div: expected rounding_mode .* but found 1"),
        (
            lambda t: t.divide(2, rounding_mode="round"),
            "divide: expected rounding_mode .* 'floor' but found 'round'",
        ),
        (lambda t: t.div_(2, rounding_mode="Floor"), "div_: expected rounding_mode .* but found 'Floor'"),
        (lambda t: t.divide_(2, rounding_mode="x"), "divide_: expected rounding_mode"),
    ],
)
def test_a_bad_rounding_mode_names_the_op_and_the_allowed_values(call, message):
    tensor = autograd.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=message):
        call(tensor)
    assert tensor.tolist() == [1.0, 2.0] and tensor._version == 0


def test_the_aliases_without_a_rounding_mode_refuse_one_by_their_own_name():
    tensor = autograd.tensor([1.0, 2.0])
    with pytest.raises(
        TypeError, match="^true_divide\\(\\) got an unexpected keyword argument 'rounding_mode'"
    ):
        tensor.true_divide(2, rounding_mode="floor")
    with pytest.raises(
        TypeError, match="^floor_divide\\(\\) got an unexpected keyword argument 'rounding_mode'"
    ):
        tensor.floor_divide(2, rounding_mode="floor")
    with pytest.raises(TypeError, match="div\\(\\) takes 2 positional arguments but 3 were given"):
        tensor.div(2, "floor")  # keyword only, as in PyTorch


def test_bool_division_with_a_rounding_mode_is_not_implemented_as_in_pytorch():
    with pytest.raises(NotImplementedError, match="div: rounding_mode='floor' is not implemented for bool"):
        autograd.tensor([True, False]).div(True, rounding_mode="floor")
    assert autograd.tensor([True, False]).div(2, rounding_mode="floor").tolist() == [0, 0]


def test_floor_divide_and_the_operator_are_div_with_floor(rng):
    a, b = rng.uniform(-5, 5, size=(2, 3)), rng.uniform(0.5, 2, size=3) * np.array([1, -1, 1])
    expected = autograd.tensor(a).div(autograd.tensor(b), rounding_mode="floor").numpy()
    np.testing.assert_array_equal(autograd.tensor(a).floor_divide(autograd.tensor(b)).numpy(), expected)
    np.testing.assert_array_equal((autograd.tensor(a) // autograd.tensor(b)).numpy(), expected)
    np.testing.assert_array_equal(autograd.tensor(a).true_divide(b).numpy(), a / b)


def _operands(rng):
    a = autograd.tensor(rng.uniform(-5.0, 5.0, size=(2, 3)), dtype=autograd.float64, requires_grad=True)
    b = autograd.tensor([1.5, -0.7, 2.2], dtype=autograd.float64, requires_grad=True)
    return a, b


def test_true_division_gradients_with_broadcasting(rng, check_grad, check_twice):
    a, b = _operands(rng)
    for call in (
        lambda a, b: a.div(b, rounding_mode=None),
        lambda a, b: autograd.div(b, a),
        lambda a, b: (a * 1.0).div_(b),
        lambda a, b: (a * 1.0).divide_(b, rounding_mode=None),
    ):
        check_grad(call, a, b)
        check_twice(call, [a, b])


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_rounded_division_is_recorded_with_a_zero_gradient(mode, rng, check_grad, check_twice):
    a, b = _operands(rng)
    for name, call in _forms(mode):
        a.grad = b.grad = None
        result = call(a * 1.0, b)
        assert result.requires_grad and result.grad_fn is not None, name
        (result * autograd.tensor(rng.standard_normal((2, 3)))).sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), np.zeros((2, 3)), err_msg=name)
        np.testing.assert_array_equal(b.grad.numpy(), np.zeros(3), err_msg=name)
    check_grad(lambda a, b: (a * 2.0).div_(b, rounding_mode=mode), a, b)
    check_twice(lambda a, b: (a * 2.0).div_(b, rounding_mode=mode), [a, b])


def test_div_in_place_with_a_rounding_mode_follows_the_in_place_rules(rng):
    leaf = autograd.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="div_: in-place operation on a leaf tensor that requires grad"):
        leaf.div_(2, rounding_mode="floor")
    small = autograd.tensor([5.0, 3.0])
    with pytest.raises(
        RuntimeError, match=r"div_: output with shape \[2\] doesn't match the broadcast shape \[2, 2\]"
    ):
        small.div_(autograd.ones(2, 2), rounding_mode="floor")
    plain = autograd.tensor([[5.0, -3.0], [1.0, 2.0]])
    view = plain[0]
    assert plain.div_(2, rounding_mode="floor") is plain
    assert view.tolist() == [2.0, -2.0] and view._version == plain._version == 1  # written in place


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_the_zero_gradient_stays_zero_where_the_divisor_is_zero(mode):
    a = autograd.tensor([1.5, -2.5, 3.0], dtype=F64, requires_grad=True)
    b = autograd.tensor([0.0, 2.0, -0.0], dtype=F64, requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = a.div(b, rounding_mode=mode)
        result.sum().backward()
    assert result.tolist()[1] == (-1.0 if mode == "trunc" else -2.0)
    assert result.tolist()[0] == np.inf and result.tolist()[2] == -np.inf  # torch 2.13: the same
    np.testing.assert_array_equal(a.grad.numpy(), np.zeros(3))  # torch 2.13: zeros (was NaN for trunc)
    np.testing.assert_array_equal(b.grad.numpy(), np.zeros(3))
