"""Module 01: broadcasting arithmetic, reflected and in-place operators, comparisons and ``where``."""

from __future__ import annotations

import operator

import numpy as np
import pytest
import tt_tensor as tt
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

# (name, tensor form, NumPy form, make the operands valid: e.g. no zero divisors)
BINARY = [
    ("add", operator.add, np.add, None),
    ("sub", operator.sub, np.subtract, None),
    ("mul", operator.mul, np.multiply, None),
    ("div", operator.truediv, np.true_divide, "nonzero"),
    ("pow", operator.pow, np.power, "positive base"),
    ("floordiv", operator.floordiv, np.floor_divide, "nonzero"),
    ("mod", operator.mod, np.remainder, "nonzero"),
    ("add method", lambda a, b: a.add(b), np.add, None),
    ("sub method", lambda a, b: a.sub(b), np.subtract, None),
    ("mul method", lambda a, b: a.mul(b), np.multiply, None),
    ("div method", lambda a, b: a.div(b), np.true_divide, "nonzero"),
    ("maximum", lambda a, b: a.maximum(b), np.maximum, None),
    ("minimum", lambda a, b: tt.minimum(a, b), np.minimum, None),
    ("max of two", lambda a, b: a.max(b), np.maximum, None),
]

COMPARISONS = [
    ("==", operator.eq, np.equal),
    ("!=", operator.ne, np.not_equal),
    ("<", operator.lt, np.less),
    ("<=", operator.le, np.less_equal),
    (">", operator.gt, np.greater),
    (">=", operator.ge, np.greater_equal),
    ("eq", lambda a, b: a.eq(b), np.equal),
    ("gt", lambda a, b: tt.gt(a, b), np.greater),
]


def operands(shapes, seed, fix=None):
    """Two float32 arrays of the given shapes, with a few equal values so comparisons can tie."""
    rng = np.random.default_rng(seed)
    a, b = (np.round(rng.standard_normal(s) * 2, 1).astype(np.float32) for s in shapes)
    if fix == "nonzero":
        b = np.where(np.abs(b) < 0.5, np.float32(0.5), b)
    elif fix == "positive base":
        a = np.abs(a) + np.float32(0.5)
    return a, b


broadcastable = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4)


@pytest.mark.parametrize("case", BINARY, ids=[c[0] for c in BINARY])
@settings(max_examples=15, deadline=None)
@given(shapes=broadcastable, seed=st.integers(0, 2**32 - 1))
def test_binary_ops_broadcast_like_numpy(shapes, seed, case):
    name, op, reference, fix = case
    a, b = operands(shapes.input_shapes, seed, fix)
    result = op(tt.tensor(a), tt.tensor(b))
    assert isinstance(result, tt.Tensor), name
    assert result.shape == shapes.result_shape, name
    assert result.dtype == tt.float32, name
    np.testing.assert_allclose(result.numpy(), reference(a, b), rtol=2e-6, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("case", COMPARISONS, ids=[c[0] for c in COMPARISONS])
@settings(max_examples=12, deadline=None)
@given(shapes=broadcastable, seed=st.integers(0, 2**32 - 1))
def test_comparisons_broadcast_like_numpy(shapes, seed, case):
    name, op, reference = case
    a, b = operands(shapes.input_shapes, seed)
    result = op(tt.tensor(a), tt.tensor(b))
    assert isinstance(result, tt.Tensor) and result.dtype == tt.bool, name
    np.testing.assert_array_equal(result.numpy(), reference(a, b), err_msg=name)


@pytest.mark.parametrize(
    ("op", "name"),
    [
        (operator.add, "add"),
        (operator.sub, "sub"),
        (operator.mul, "mul"),
        (operator.truediv, "div"),
        (operator.pow, "pow"),
        (operator.lt, "lt"),
        (operator.eq, "eq"),
        (lambda a, b: a.maximum(b), "maximum"),
        (lambda a, b: tt.where(a > 0, a, b), "where"),
    ],
)
def test_broadcast_error_names_the_op_and_both_shapes(op, name):
    with pytest.raises(RuntimeError, match=rf"{name}: shapes .*\(2, 3\).* and \(4,\) cannot be broadcast"):
        op(tt.ones(2, 3), tt.ones(4))


# ----------------------------------------------------------------- scalars and reflected operators

SCALAR_CASES = [
    ("t + 2", lambda t: t + 2, lambda a: a + 2),
    ("2 + t", lambda t: 2 + t, lambda a: 2 + a),
    ("t - 2.5", lambda t: t - 2.5, lambda a: a - 2.5),
    ("2 - t", lambda t: 2 - t, lambda a: 2 - a),
    ("3 * t", lambda t: 3 * t, lambda a: 3 * a),
    ("t / 4", lambda t: t / 4, lambda a: a / 4),
    ("2 / t", lambda t: 2 / t, lambda a: 2 / a),
    ("t ** 2", lambda t: t**2, lambda a: a**2),
    ("t ** 3", lambda t: t**3, lambda a: a**3),
    ("t ** 0.5", lambda t: t**0.5, lambda a: a**0.5),
    ("2 ** t", lambda t: 2**t, lambda a: 2.0**a),
    ("t // 0.5", lambda t: t // 0.5, lambda a: a // 0.5),
    ("7 // t", lambda t: 7 // t, lambda a: 7 // a),
    ("7 % t", lambda t: 7 % t, lambda a: 7 % a),
    ("-t", lambda t: -t, lambda a: -a),
    ("+t", lambda t: +t, lambda a: a),
    ("abs(t)", lambda t: abs(t - 2), lambda a: abs(a - 2)),
    ("t.add(t, alpha=2)", lambda t: t.add(t, alpha=2), lambda a: a + 2 * a),
    ("t.sub(1, alpha=3)", lambda t: t.sub(1, alpha=3), lambda a: a - 3),
    ("tt.add(t, 1)", lambda t: tt.add(t, 1), lambda a: a + 1),
    ("tt.mul(t, t)", lambda t: tt.mul(t, t), lambda a: a * a),
    ("tt.div(t, 2)", lambda t: tt.div(t, 2), lambda a: a / 2),
    ("tt.sub(t, 1)", lambda t: tt.sub(t, 1), lambda a: a - 1),
    ("tt.neg(t)", lambda t: tt.neg(t), lambda a: -a),
    ("tt.pow(t, 2)", lambda t: tt.pow(t, 2), lambda a: a**2),
]


@pytest.mark.parametrize(
    ("make", "reference"), [c[1:] for c in SCALAR_CASES], ids=[c[0] for c in SCALAR_CASES]
)
def test_scalar_and_reflected_operators(check, make, reference):
    a = np.array([[0.5, 1.0, 2.0], [3.0, 4.5, 8.0]], dtype=np.float32)
    check(make(tt.tensor(a)), reference(a).astype(np.float32), tt.float32, rtol=1e-6)


@pytest.mark.parametrize(
    ("op", "reference"),
    [
        (lambda x, t: x + t, np.add),
        (lambda x, t: x - t, np.subtract),
        (lambda x, t: x * t, np.multiply),
        (lambda x, t: x / t, np.true_divide),
        (lambda x, t: x**t, np.power),
        (lambda x, t: x < t, np.less),
        (lambda x, t: x == t, np.equal),
    ],
)
def test_numpy_array_on_the_left_gives_a_tensor(check, op, reference):
    x = np.array([[1.0], [2.0]], dtype=np.float32)
    t = tt.tensor([0.5, 1.0, 2.0])
    result = op(x, t)
    expected = reference(x, t.numpy())
    check(result, expected, tt.bool if expected.dtype == np.bool_ else tt.float32)


def test_numpy_matmul_on_the_left_gives_a_tensor(check):
    x = np.ones((2, 3), dtype=np.float32)
    t = tt.tensor([[1.0], [2.0], [3.0]])
    check(x @ t, x @ t.numpy(), tt.float32)


def test_integer_arithmetic_stays_integer(check):
    a = np.array([7, -3, 5])
    t = tt.tensor(a)
    check(t + 1, a + 1, tt.int64)
    check(2 - t, 2 - a, tt.int64)
    check(t * t, a * a, tt.int64)
    check(t // 2, a // 2, tt.int64)
    check(t % 3, a % 3, tt.int64)
    check(-t, -a, tt.int64)
    check(t.abs(), np.abs(a), tt.int64)
    check(t**0, np.ones(3, dtype=np.int64), tt.int64)  # only negative powers are refused
    check(t**1, a, tt.int64)
    with pytest.raises(RuntimeError, match="pow: Integers to negative integer powers are not allowed"):
        t**-1  # a negative Python int is refused, as PyTorch refuses it
    with pytest.raises(RuntimeError, match="pow: Integers to negative integer powers are not allowed"):
        tt.tensor([True]) ** -1  # (bools too)


def test_integer_tensor_powers_may_be_negative(check):
    # A tensor of exponents is computed, as PyTorch: a ** -n is 1 / a ** n truncated to an integer,
    # 1 for a = 1, +-1 for a = -1 (by n's parity), 0 for any other a (0 too).
    base = np.array([-3, -2, -1, -1, 0, 1, 2, 3, 5])
    exponent = np.array([-1, -2, -3, -2, -1, -7, 1, -2, 2])
    expected = np.array([0, 0, -1, 1, 0, 1, 2, 0, 25])
    check(tt.tensor(base) ** tt.tensor(exponent), expected, tt.int64)
    check(2 ** tt.tensor([-1, 0, 3]), np.array([0, 1, 8]), tt.int64)  # a Python int base
    check(tt.tensor([[2], [-1]]) ** tt.tensor([-1, -2, 3]), np.array([[0, 0, 8], [-1, 1, -1]]), tt.int64)
    narrow = tt.tensor(np.array([-1, 2], dtype=np.int8)) ** tt.tensor(np.array([-3, -1], dtype=np.int8))
    check(narrow, np.array([-1, 0], dtype=np.int8), tt.int8)
    zero_d = tt.tensor(2) ** tt.tensor(np.array([-1, 3], dtype=np.int8))  # (a 0-d base does not widen)
    check(zero_d, np.array([0, 8], dtype=np.int8), tt.int8)


def test_bitwise_and_logical_operators(check):
    a, b = np.array([True, True, False, False]), np.array([True, False, True, False])
    ta, tb = tt.tensor(a), tt.tensor(b)
    check(ta & tb, a & b, tt.bool)
    check(ta | tb, a | b, tt.bool)
    check(ta ^ tb, a ^ b, tt.bool)
    check(~ta, ~a, tt.bool)
    check(ta.logical_not(), ~a, tt.bool)
    check(tt.logical_not(tb), ~b, tt.bool)


# ----------------------------------------------------------------- in place


INPLACE = [
    ("+=", operator.iadd, np.add),
    ("-=", operator.isub, np.subtract),
    ("*=", operator.imul, np.multiply),
    ("/=", operator.itruediv, np.true_divide),
    ("add_", lambda t, o: t.add_(o), np.add),
    ("sub_", lambda t, o: t.sub_(o), np.subtract),
    ("mul_", lambda t, o: t.mul_(o), np.multiply),
    ("div_", lambda t, o: t.div_(o), np.true_divide),
]


@pytest.mark.parametrize(("op", "reference"), [c[1:] for c in INPLACE], ids=[c[0] for c in INPLACE])
@pytest.mark.parametrize("other", [2.0, "row", "same"])
def test_inplace_operators_write_into_the_same_storage(check, op, reference, other):
    a = np.arange(1.0, 7.0, dtype=np.float32).reshape(2, 3)
    others = {"row": np.array([1.0, 2.0, 4.0], dtype=np.float32), "same": a[::-1].copy()}
    o = others.get(other, other)
    t = tt.tensor(a)
    storage = t.numpy()
    result = op(t, tt.tensor(o) if isinstance(o, np.ndarray) else o)
    assert result is t, "an in-place op returns the tensor itself"
    assert t.numpy() is storage, "an in-place op keeps the storage"
    check(t, reference(a, o), tt.float32)


def test_inplace_with_alpha(check):
    t = tt.tensor([1.0, 2.0])
    t.add_(tt.tensor([1.0, 1.0]), alpha=0.5).sub_(1.0, alpha=2.0)
    check(t, np.array([-0.5, 0.5]), tt.float32)


def test_alpha_times_an_integer_tensor_keeps_float32(check):
    t = tt.tensor([1.0, 2.0])
    ints = tt.tensor([2, 4])
    check(t.add(ints, alpha=0.5), np.array([2.0, 4.0]), tt.float32)
    check(t.sub(ints, alpha=0.25), np.array([0.5, 1.0]), tt.float32)
    check(t.clone().add_(ints, alpha=0.5), np.array([2.0, 4.0]), tt.float32)


def test_alpha_zero_and_one(check):
    t, other = tt.tensor([1.0, 2.0]), tt.tensor([5.0, 7.0])
    check(t.add(other, alpha=0), np.array([1.0, 2.0]), tt.float32)
    check(t.sub(other, alpha=0), np.array([1.0, 2.0]), tt.float32)
    check(t.clone().add_(other, alpha=0), np.array([1.0, 2.0]), tt.float32)
    check(t.clone().sub_(3.0, alpha=0.0), np.array([1.0, 2.0]), tt.float32)
    check(t.add(other, alpha=1), np.array([6.0, 9.0]), tt.float32)
    check(t.clone().sub_(other, alpha=1), np.array([-4.0, -5.0]), tt.float32)


def test_reflected_division_keeps_a_float64_tensor_float64(check):
    data = np.array([3.0, 7.0, -9.0])
    check(1 / tt.tensor(data), 1 / data, tt.float64, rtol=1e-15)
    check(2.5 / tt.tensor(data), 2.5 / data, tt.float64, rtol=1e-15)
    check(1 / tt.tensor([2, 4]), np.array([0.5, 0.25]), tt.float32)


def test_inplace_dtype_error_names_the_result_dtype():
    with pytest.raises(TypeError, match=r"add_: result of dtype int64 can't be cast to .* dtype bool"):
        tt.tensor([True, False]).add_(tt.tensor([2, 3]))
    with pytest.raises(TypeError, match=r"div_: result of dtype float32 can't be cast to .* dtype int64"):
        tt.tensor([2, 4]).div_(2)


def test_inplace_through_a_view_changes_the_base(check):
    base = tt.zeros(2, 3)
    row = base[1]
    row += tt.tensor([1.0, 2.0, 3.0])
    row *= 2
    check(base, np.array([[0.0, 0.0, 0.0], [2.0, 4.0, 6.0]]), tt.float32)


def test_inplace_broadcast_must_keep_the_shape():
    with pytest.raises(
        RuntimeError, match=r"add_: shapes \(3,\) and \(2, 3\) cannot be broadcast together in place"
    ):
        t = tt.zeros(3)
        t += tt.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"mul_: shapes \(2, 3\) and \(4,\)"):
        tt.zeros(2, 3).mul_(tt.ones(4))


def test_optimizer_style_inplace_updates(check):
    p = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    g = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    v = np.array([4.0, 1.0, 0.25], dtype=np.float32)
    check(tt.tensor(p).addcmul_(tt.tensor(g), tt.tensor(g), value=0.1), p + 0.1 * g * g, tt.float32)
    check(tt.tensor(p).addcdiv_(tt.tensor(g), tt.tensor(v), value=-0.5), p - 0.5 * g / v, tt.float32)
    check(tt.tensor(p).lerp_(tt.tensor(g), 0.25), p + 0.25 * (g - p), tt.float32)
    check(tt.tensor(p).clamp_(1.5, 2.5), np.clip(p, 1.5, 2.5), tt.float32)
    check(tt.tensor(p).zero_(), np.zeros(3), tt.float32)
    check(tt.tensor(p).fill_(7), np.full(3, 7.0), tt.float32)
    check(tt.zeros(2, 3).copy_(tt.tensor(p)), np.broadcast_to(p, (2, 3)), tt.float32)
    with pytest.raises(RuntimeError, match=r"index assignment: value of shape \(2,\) .* \(3,\)"):
        tt.zeros(3).copy_(tt.ones(2))


# ----------------------------------------------------------------- where


def test_where(check, rng):
    cond = rng.random((3, 1, 4)) > 0.5
    x = rng.standard_normal((2, 4)).astype(np.float32)
    y = rng.standard_normal((3, 2, 1)).astype(np.float32)
    expected = np.where(cond, x, y)
    check(tt.where(tt.tensor(cond), tt.tensor(x), tt.tensor(y)), expected, tt.float32)
    check(tt.tensor(x).where(tt.tensor(cond), tt.tensor(y)), expected, tt.float32)


@pytest.mark.parametrize(
    ("x", "y", "dtype"),
    [
        (lambda: tt.tensor([1.0, 2.0, 3.0]), 0.0, tt.float32),
        (-1.0, lambda: tt.tensor([1.0, 2.0, 3.0]), tt.float32),
        (lambda: tt.tensor([1, 2, 3]), 0.5, tt.float32),
        (lambda: tt.tensor([1, 2, 3]), 0, tt.int64),
        (1.0, 0.0, tt.float32),
        (1, 0.5, tt.float32),
        (1, 0, tt.int64),
        (lambda: tt.tensor([1, 2, 3], dtype=tt.int8), 3, tt.int8),  # a scalar does not widen a tensor
        (2.5, lambda: tt.tensor([1.0, 2.0, 3.0], dtype=tt.float16), tt.float16),
        (lambda: tt.tensor([1.0, 2.0, 3.0], dtype=tt.float64), 2.5, tt.float64),
    ],
)
def test_where_with_scalars_follows_promotion(check, x, y, dtype):
    cond = np.array([True, False, True])
    x, y = (v() if callable(v) else v for v in (x, y))
    expected = np.where(cond, np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    check(tt.where(tt.tensor(cond), x, y), expected.astype(dtype.numpy), dtype)


def test_where_needs_a_bool_condition():
    with pytest.raises(TypeError, match="where: condition must be a bool tensor, got dtype float32"):
        tt.where(tt.ones(2), tt.ones(2), tt.zeros(2))


# ----------------------------------------------------------------- whole-tensor comparisons, Python protocols


def test_allclose_and_equal():
    a = tt.tensor([1.0, 2.0, 3.0])
    assert a.allclose(a + 1e-7) and not a.allclose(a + 1e-3)
    assert tt.allclose(a, a + 1e-3, atol=1e-2)
    assert a.equal(tt.tensor([1.0, 2.0, 3.0])) and not a.equal(tt.tensor([1.0, 2.0, 4.0]))
    assert not a.equal(tt.tensor([[1.0, 2.0, 3.0]]))
    assert tt.equal(a, a.clone())


def test_tensors_hash_by_identity():
    a, b = tt.tensor([1.0]), tt.tensor([1.0])
    assert len({a, b, a}) == 2
    assert {a: "a"}[a] == "a"


def test_truth_value():
    assert bool(tt.tensor([1.0])) and not bool(tt.tensor(0))
    with pytest.raises(RuntimeError, match=r"bool: the truth value of a tensor of shape \(2,\) is ambiguous"):
        bool(tt.tensor([1.0, 2.0]))
