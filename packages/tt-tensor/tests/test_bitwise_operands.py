"""``&``, ``|``, ``^`` and ``~`` with every kind of operand, as PyTorch 2.13 gives them (each form run
on torch 2.13 in a scratch script): a Python bool or a 0-d bool tensor keeps a bool tensor bool, a
NumPy integer keeps an integer one; a NumPy bool is read as a float (as every NumPy bool operand is),
so ``bool_tensor & np.True_``, a float tensor or a float number are refused, in both orders, with
PyTorch's ``NotImplementedError`` naming the op and the dtype (``~`` of a float: a ``TypeError``).
Expected values are the truth tables, written out. Not course material, so no module number.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest
import tt_tensor as tt

OPS = {"&": operator.and_, "|": operator.or_, "^": operator.xor}
B = [True, False]
TRUTH = {"&": [True, False], "|": [True, True], "^": [False, True]}  # of B op True
INTS = {"&": [1, 0], "|": [1, 3], "^": [0, 3]}  # of [1, 2] op 1


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("flag", [True, tt.tensor(True)], ids=["bool", "bool-tensor"])
def test_a_bool_operand_keeps_a_bool_tensor_bool(name, flag):
    for out in (OPS[name](tt.tensor(B), flag), OPS[name](flag, tt.tensor(B))):
        assert out.dtype == tt.bool and out.tolist() == TRUTH[name]


@pytest.mark.parametrize("name", list(OPS))
def test_integer_operands(name):
    for flag in (True, np.int64(1), tt.tensor(True)):
        for out in (OPS[name](tt.tensor([1, 2]), flag), OPS[name](flag, tt.tensor([1, 2]))):
            assert out.dtype == tt.int64 and out.tolist() == INTS[name]
    out = OPS[name](tt.tensor(B), np.int64(1))  # (bool with an integer: the integer dtype)
    assert out.dtype == tt.int64 and out.tolist() == [int(v) for v in TRUTH[name]]


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("tensor", [tt.tensor(B), tt.tensor([1, 2])], ids=["bool", "int"])
def test_a_numpy_bool_is_a_float_and_refused_in_both_orders(name, tensor):
    for left, right in ((tensor, np.True_), (np.True_, tensor)):
        with pytest.raises(
            NotImplementedError, match=rf"\{name}: not implemented for float32 .*pass a Python bool"
        ):
            OPS[name](left, right)


@pytest.mark.parametrize("name", list(OPS))
def test_float_operands_are_refused_with_the_dtype_named(name):
    cases = [
        (tt.tensor(B), np.float64(1.0), "float32"),
        (tt.tensor([1, 2]), 1.5, "float32"),
        (tt.tensor([1.0, 2.0]), 1, "float32"),
        (tt.tensor([1.0], dtype=tt.float64), tt.tensor([1], dtype=tt.int8), "float64"),
        (tt.tensor([1, 2]), tt.tensor([1.0], dtype=tt.float16), "float16"),
    ]
    for a, b, dtype in cases:
        for left, right in ((a, b), (b, a)):
            with pytest.raises(
                NotImplementedError, match=rf"\{name}: not implemented for {dtype} \(integer and bool"
            ):
                OPS[name](left, right)
    with pytest.raises(NotImplementedError) as caught:  # (no NumPy bool given: no hint about one)
        OPS[name](tt.tensor([1.0]), True)
    assert "NumPy bool" not in str(caught.value)


def test_the_check_reads_the_promoted_dtype_not_the_shapes():
    # an empty or 0-d operand counts by its dtype: a 0-d float tensor still makes the op a float one
    with pytest.raises(NotImplementedError, match="float32"):
        tt.tensor([1, 2]) & tt.tensor(1.0)
    with pytest.raises(NotImplementedError, match="float32"):
        tt.zeros(0, 3) | tt.zeros(3, dtype=tt.int64)
    assert (tt.zeros(0, 3, dtype=tt.int64) ^ 1).shape == (0, 3)
    assert (tt.tensor(5) & tt.tensor([3, 4])).tolist() == [1, 4]


def test_invert():
    assert (~tt.tensor(B)).tolist() == [False, True]
    assert (~tt.tensor([0, -1, 5])).tolist() == [-1, 0, -6]
    assert (~tt.tensor([200, 3], dtype=tt.uint8)).tolist() == [55, 252]
    for dtype in (tt.float32, tt.float64, tt.complex64):
        with pytest.raises(
            TypeError, match=f"only implemented on integer and Boolean-type tensors, got {dtype.name}"
        ):
            ~tt.zeros(2, dtype=dtype)
