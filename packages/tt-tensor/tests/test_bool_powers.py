"""Powers of bool tensors follow PyTorch 2.13's promotion (checked in a scratch script): a bool tensor to
a Python int power is int64 (``torch.tensor([True]) ** 2`` is ``tensor([1])``), to a bool power it
stays bool (``x ** False`` is True, ``x ** True`` is ``x``; tt-autograd's ``**=`` then refuses an int
power of a bool tensor: test_inplace_operators.py). NumPy alone gave bool (for ``x * x``) and int8.

Not course material, so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

VALUES = [True, False, True]


@pytest.mark.parametrize("exponent", [0, 1, 2, 3])
def test_bool_to_an_int_power_is_int64(exponent):
    result = tt.tensor(VALUES) ** exponent
    assert result.dtype == tt.int64
    assert result.tolist() == [int(v) ** exponent for v in VALUES]


def test_bool_to_a_bool_power_stays_bool():
    x = tt.tensor(VALUES)
    assert (x**True).dtype == tt.bool and (x**True).tolist() == VALUES
    assert (x**False).tolist() == [True] * 3
    exponents = [False, True, True]
    expected = [bool(int(v) ** int(e)) for v, e in zip(VALUES, exponents)]
    assert (x ** tt.tensor(exponents)).tolist() == expected
    assert x.pow(np.array(exponents)).tolist() == expected
