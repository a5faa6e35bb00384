"""Module 01: integer ``//`` and ``%`` by zero raise, as in PyTorch (NumPy silently returns 0)."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt


@pytest.mark.parametrize(
    "compute",
    [
        lambda: tt.tensor([1, 2]) // tt.tensor([0, 1]),
        lambda: tt.tensor([1, 2]) % tt.tensor([1, 0]),
        lambda: tt.tensor([1, 2]) // 0,
        lambda: tt.tensor([5]) % 0,
        lambda: 7 // tt.tensor([3, 0]),
        lambda: 7 % tt.tensor([[0], [2]]),
        lambda: tt.tensor([True, False]) // tt.tensor([False, True]),
    ],
)
def test_integer_division_by_zero_raises(compute):
    with pytest.raises(ZeroDivisionError, match="ZeroDivisionError: (floor_divide|remainder) of integer"):
        compute()


def test_it_is_a_runtime_error_too_as_pytorch_raises():
    with pytest.raises(RuntimeError, match="convert to floating point"):
        tt.tensor([4], dtype=tt.int32) // tt.tensor([0], dtype=tt.int32)


def test_nonzero_integer_divisors_and_float_zeros_behave_as_before():
    a = tt.tensor([7, -7, 6])
    b = tt.tensor([2, 2, -4])
    np.testing.assert_array_equal((a // b).array, [3, -4, -2])
    np.testing.assert_array_equal((a % b).array, [1, 1, -2])
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = (tt.tensor([1.0, -1.0]) // tt.tensor([0.0, 0.0])).array
        rest = (tt.tensor([1.0]) % 0.0).array
    np.testing.assert_array_equal(quotient, [np.inf, -np.inf])
    assert np.isnan(rest).all()


def test_an_integer_tensor_by_a_float_zero_is_float_division():
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = tt.tensor([1, -2]) // 0.0
        rest = tt.tensor([3]) % 0.0
    assert quotient.dtype == tt.float32 and rest.dtype == tt.float32
    np.testing.assert_array_equal(quotient.array, [np.inf, -np.inf])
    assert np.isnan(rest.array).all()
