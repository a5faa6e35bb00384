"""Module 02: the recorded ``//`` and ``%`` refuse integer division by zero like tt-tensor's."""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd


def test_autograd_tensors_refuse_integer_division_by_zero():
    with pytest.raises(ZeroDivisionError, match="floor_divide"):
        autograd.tensor([1, 2]) // autograd.tensor([0, 1])
    with pytest.raises(ZeroDivisionError, match="remainder"):
        autograd.tensor([1, 2]) % autograd.tensor([0, 1])


def test_float_floor_division_still_differentiates():
    a = autograd.tensor([5.0, -3.0], requires_grad=True)
    b = autograd.tensor([2.0, 2.0], requires_grad=True)
    out = (a // b) + (a % b)
    np.testing.assert_array_equal(out.array, [3.0, -1.0])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.array, [1.0, 1.0])
    np.testing.assert_array_equal(b.grad.array, [-2.0, 2.0])
