"""Module 01: dtypes, conversions, and PyTorch's type promotion (which differs from NumPy's)."""

from __future__ import annotations

import operator

import numpy as np
import pytest
import tt_tensor as tt

# ----------------------------------------------------------------- dtype objects


@pytest.mark.parametrize(
    ("dtype", "numpy_dtype", "name", "floating"),
    [
        (tt.float16, np.float16, "float16", True),
        (tt.float32, np.float32, "float32", True),
        (tt.float64, np.float64, "float64", True),
        (tt.uint8, np.uint8, "uint8", False),
        (tt.int32, np.int32, "int32", False),
        (tt.int64, np.int64, "int64", False),
        (tt.bool, np.bool_, "bool", False),
    ],
)
def test_dtype_objects(dtype, numpy_dtype, name, floating):
    assert dtype == numpy_dtype and dtype.numpy == np.dtype(numpy_dtype)
    assert repr(dtype) == f"tt.{name}"
    assert dtype.is_floating_point is floating
    assert dtype.itemsize == np.dtype(numpy_dtype).itemsize
    assert tt.zeros(2, dtype=dtype).dtype == dtype


def test_pytorch_aliases():
    assert tt.float is tt.float32 and tt.double is tt.float64 and tt.half is tt.float16
    assert tt.long is tt.int64 and tt.int is tt.int32 and tt.short is tt.int16


def test_float32_is_the_default():
    assert tt.get_default_dtype() == tt.float32
    assert tt.tensor([0.5]).dtype == tt.float32
    assert tt.zeros(1).dtype == tt.float32 and tt.rand(1).dtype == tt.float32


def test_set_default_dtype(restore_default_dtype):
    tt.set_default_dtype(tt.float64)
    assert tt.tensor([0.5]).dtype == tt.float64
    assert tt.ones(2).dtype == tt.float64
    assert (tt.tensor([1, 2]) * 0.5).dtype == tt.float64
    assert repr(tt.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    with pytest.raises(TypeError, match="set_default_dtype: only floating-point dtypes"):
        tt.set_default_dtype(tt.int64)


def test_unknown_dtype_is_refused():
    with pytest.raises(TypeError, match="must be torch.dtype, not str"):
        tt.zeros(2, dtype="complex-ish")
    with pytest.raises(TypeError, match="has no TinyTorch dtype"):
        tt.tensor(np.array([1, 2], dtype=np.uint16))


# ----------------------------------------------------------------- conversions


@pytest.mark.parametrize(
    ("convert", "dtype"),
    [
        (lambda t: t.float(), tt.float32),
        (lambda t: t.double(), tt.float64),
        (lambda t: t.half(), tt.float16),
        (lambda t: t.long(), tt.int64),
        (lambda t: t.int(), tt.int32),
        (lambda t: t.bool(), tt.bool),
        (lambda t: t.to(tt.float64), tt.float64),
        (lambda t: t.to(int), tt.int64),
        (lambda t: t.to(dtype=tt.int32), tt.int32),
        (lambda t: t.to("cpu", tt.float64), tt.float64),
        (lambda t: t.to(tt.zeros(1, dtype=tt.int64)), tt.int64),
        (lambda t: t.type_as(tt.zeros(1, dtype=tt.float64)), tt.float64),
    ],
)
def test_conversions(check, convert, dtype):
    source = np.array([[-1.7, 0.0], [2.5, 3.0]], dtype=np.float32)
    check(convert(tt.tensor(source)), source.astype(dtype.numpy), dtype)


def test_to_same_dtype_returns_self_unless_copy():
    t = tt.ones(2)
    assert t.to(tt.float32) is t and t.float() is t
    copied = t.to(tt.float32, copy=True)
    assert copied is not t and not np.shares_memory(copied.numpy(), t.numpy())


def test_conversion_copies():
    t = tt.tensor([1, 2])
    f = t.float()
    f[0] = 9.0
    assert t[0].item() == 1


def test_to_other_device_is_refused():
    assert tt.ones(1).to("cpu").dtype == tt.float32
    with pytest.raises(RuntimeError, match="to: device 'cuda' is not available"):
        tt.ones(1).to("cuda")


# ----------------------------------------------------------------- promotion: PyTorch's, not NumPy's


def _ints(dtype=tt.int64):
    return tt.tensor([1, 2, 3], dtype=dtype)


def _floats(dtype=tt.float32):
    return tt.tensor([0.5, -1.5, 2.0], dtype=dtype)


PROMOTIONS = [
    # (left, op, right, expected dtype)
    ("int64 * 0.5", lambda: _ints(), operator.mul, 0.5, tt.float32),
    ("0.5 * int64", 0.5, operator.mul, lambda: _ints(), tt.float32),
    ("int64 / int64", lambda: _ints(), operator.truediv, lambda: _ints(), tt.float32),
    ("int64 / 2", lambda: _ints(), operator.truediv, 2, tt.float32),
    ("2 / int64", 2, operator.truediv, lambda: _ints(), tt.float32),
    ("int32 / int32", lambda: _ints(tt.int32), operator.truediv, lambda: _ints(tt.int32), tt.float32),
    (
        "bool / bool",
        lambda: tt.tensor([True, True]),
        operator.truediv,
        lambda: tt.tensor([True, True]),
        tt.float32,
    ),
    ("float32 * np.float64", lambda: _floats(), operator.mul, np.float64(2.0), tt.float32),
    ("np.float64 * float32", np.float64(2.0), operator.mul, lambda: _floats(), tt.float32),
    ("float32 + float64", lambda: _floats(), operator.add, lambda: _floats(tt.float64), tt.float64),
    ("int64 + float32", lambda: _ints(), operator.add, lambda: _floats(), tt.float32),
    ("float32 - int64", lambda: _floats(), operator.sub, lambda: _ints(), tt.float32),
    ("int64 * float16", lambda: _ints(), operator.mul, lambda: _floats(tt.float16), tt.float16),
    ("int32 + int64", lambda: _ints(tt.int32), operator.add, lambda: _ints(), tt.int64),
    ("uint8 + int8", lambda: _ints(tt.uint8), operator.add, lambda: _ints(tt.int8), tt.int16),
    ("bool + int32", lambda: tt.tensor([True, False, True]), operator.add, lambda: _ints(tt.int32), tt.int32),
    ("int64 * 2", lambda: _ints(), operator.mul, 2, tt.int64),
    ("int32 * np.int64", lambda: _ints(tt.int32), operator.mul, np.int64(2), tt.int32),
    ("float16 + 1.0", lambda: _floats(tt.float16), operator.add, 1.0, tt.float16),
    ("bool + 1", lambda: tt.tensor([True, False, True]), operator.add, 1, tt.int64),
    ("int64 ** 0.5", lambda: _ints(), operator.pow, 0.5, tt.float32),
    ("2.0 ** int64", 2.0, operator.pow, lambda: _ints(), tt.float32),
    ("int64 ** 2", lambda: _ints(), operator.pow, 2, tt.int64),
    # a 0-d tensor does not widen a dimensioned one of the same category...
    (
        "float32 + float64 0-d",
        lambda: _floats(),
        operator.add,
        lambda: tt.tensor(2.0, dtype=tt.float64),
        tt.float32,
    ),
    ("int32 * int64 0-d", lambda: _ints(tt.int32), operator.mul, lambda: tt.tensor(3), tt.int32),
    # ... but one of a higher category sets the result
    (
        "int64 * float64 0-d",
        lambda: _ints(),
        operator.mul,
        lambda: tt.tensor(0.5, dtype=tt.float64),
        tt.float64,
    ),
    (
        "float64 0-d + float32 0-d",
        lambda: tt.tensor(1.0, dtype=tt.float64),
        operator.add,
        lambda: tt.tensor(2.0),
        tt.float64,
    ),
    (
        "NumPy float64 array + float32",
        lambda: np.array([1.0, 2.0, 3.0]),
        operator.add,
        lambda: _floats(),
        tt.float64,
    ),
    ("float32 + list of ints", lambda: _floats(), operator.add, [1, 2, 3], tt.float32),
]


@pytest.mark.parametrize(
    ("left", "op", "right", "dtype"),
    [case[1:] for case in PROMOTIONS],
    ids=[case[0] for case in PROMOTIONS],
)
def test_promotion_follows_pytorch(check, left, op, right, dtype):
    left = left() if callable(left) else left
    right = right() if callable(right) else right

    def as_numpy(value):
        return (
            np.asarray(value, dtype=np.float64) if isinstance(value, (tt.Tensor, np.ndarray, list)) else value
        )

    expected = op(as_numpy(left), as_numpy(right))
    check(op(left, right), np.asarray(expected).astype(dtype.numpy), dtype, rtol=1e-3)


@pytest.mark.parametrize(
    ("a", "b", "dtype"),
    [
        (lambda: _ints(), lambda: _floats(), tt.float32),
        (lambda: _floats(), lambda: _floats(tt.float64), tt.float64),
        (lambda: _ints(tt.int32), lambda: _ints(), tt.int64),
    ],
)
def test_promotion_in_other_binary_ops(check, a, b, dtype):
    a, b = a(), b()
    na, nb = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    check(a.maximum(b), np.maximum(na, nb).astype(dtype.numpy), dtype)
    check(tt.where(a > 1, a, b), np.where(na > 1, na, nb).astype(dtype.numpy), dtype)
    check(tt.cat([a, b]), np.concatenate([na, nb]).astype(dtype.numpy), dtype)
    check(tt.stack([a, b]), np.stack([na, nb]).astype(dtype.numpy), dtype)
    check(a.reshape(3, 1) @ b.reshape(1, 3), (na.reshape(3, 1) @ nb.reshape(1, 3)).astype(dtype.numpy), dtype)
    assert (a == b).dtype == tt.bool and (a < b).dtype == tt.bool


@pytest.mark.parametrize(
    ("make", "dtype"),
    [(lambda: tt.ones(3), tt.float32), (lambda: tt.ones(2, dtype=tt.float64), tt.float64)],
)
def test_float_functions_keep_float_dtype(make, dtype):
    t = make()
    for result in (t.exp(), t.log(), t.sqrt(), t.sigmoid(), t.tanh(), t.mean(), t.var(dim=0), t * 0.5, t / 3):
        assert result.dtype == dtype


def test_float_functions_of_integers_give_the_default_float():
    t = _ints()
    for result in (
        t.exp(),
        t.log(),
        t.sqrt(),
        t.sigmoid(),
        t.tanh(),
        t.logsumexp(0),
    ):
        assert result.dtype == tt.float32
    # (mean, var and std refuse integers, as PyTorch: test_float_only_reductions.py)


def test_integer_and_bool_sums_are_int64():
    assert _ints(tt.int32).sum().dtype == tt.int64
    assert tt.tensor([True, True, False]).sum().item() == 2
    assert tt.tensor([True, True, False]).sum().dtype == tt.int64
    assert tt.ones(3).sum(dtype=tt.float64).dtype == tt.float64


# ----------------------------------------------------------------- in place: the result must fit


def test_inplace_keeps_the_tensor_dtype(check):
    t = tt.ones(3)
    t += tt.ones(3, dtype=tt.float64)
    check(t, np.full(3, 2.0), tt.float32)
    i = _ints()
    i *= 2
    check(i, np.array([2, 4, 6]), tt.int64)


@pytest.mark.parametrize(
    ("op", "other", "pattern"),
    [
        (operator.iadd, 0.5, r"add_: result of dtype float32 can't be cast to .* int64"),
        (operator.itruediv, 2, r"div_: result of dtype float32 can't be cast to .* int64"),
        (operator.imul, tt.ones(3), r"mul_: result of dtype float32 can't be cast to .* int64"),
    ],
)
def test_inplace_that_would_change_dtype_is_refused(op, other, pattern):
    t = _ints()
    with pytest.raises(TypeError, match=pattern):
        op(t, other)
    assert t.tolist() == [1, 2, 3], "a refused in-place op must leave the tensor unchanged"
