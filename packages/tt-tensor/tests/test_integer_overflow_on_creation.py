"""``tensor(data, dtype=<an integer dtype>)`` refuses Python numbers the dtype cannot hold, as PyTorch.

NumPy arrays are cast as NumPy casts them (wrapping), as PyTorch does for its own tensors; the
limits below are PyTorch 2.13's (checked in a scratch run). Beyond the exercises: no module number.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import tt_tensor
from tt_tensor import tensor


@pytest.mark.parametrize(
    ("data", "dtype", "bad"),
    [
        ([1, -100000], "int16", "-100000"),
        ([300], "uint8", "300"),
        ([-256], "uint8", "-256"),
        ([-129], "int8", "-129"),
        ([128], "int8", "128"),
        ([2**40], "int32", "1099511627776"),
        ([3e9], "int32", "3000000000.0"),
        ([256.0], "uint8", "256.0"),
        ([-1.0], "uint8", "-1.0"),  # a negative float never wraps into an unsigned type
        ([float("nan")], "int32", "nan"),
        ([[1, 2], [3, float("inf")]], "int64", "inf"),
        ([9.3e18], "int64", "9.3e+18"),
        ([1, 300, 400], "uint8", "300"),  # the first of several
    ],
)
def test_out_of_range_values_are_refused_by_name(data, dtype, bad):
    with pytest.raises(
        RuntimeError, match=rf"tensor: the value {re.escape(bad)} cannot be converted to tt\.{dtype} without"
    ):
        tensor(data, dtype=getattr(tt_tensor, dtype))


@pytest.mark.parametrize(
    ("data", "dtype", "expected"),
    [
        ([-128, 127], "int8", [-128, 127]),
        ([0, 255], "uint8", [0, 255]),
        ([-1, -255], "uint8", [255, 1]),  # PyTorch lets integers down to -max wrap, as C does
        ([2**63 - 1], "int64", [2**63 - 1]),
        ([1.9, -1.9], "int32", [1, -1]),  # floats in range truncate toward zero
        ([True, 2], "int8", [1, 2]),
        ([-2147483648, 2147483647], "int32", [-2147483648, 2147483647]),
        ([-128.0, 127.0], "int8", [-128, 127]),  # floats at the very ends fit
        ([], "int8", []),
    ],
)
def test_values_in_range_convert(data, dtype, expected):
    assert tensor(data, dtype=getattr(tt_tensor, dtype)).tolist() == expected


def test_numpy_arrays_and_float_targets_are_cast_as_numpy_casts():
    assert tensor(np.array([300]), dtype=tt_tensor.uint8).tolist() == [44]  # PyTorch wraps its tensors too
    assert tensor([70000], dtype=tt_tensor.float16).tolist() == [float("inf")]  # floats overflow to inf
