"""Module 01: bad arguments get errors naming the op, the value and the fix (issue #14)."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt
from tt_tensor.checks import check_count


@pytest.mark.parametrize("value", [2**70, -(2**64), [1, 2**64], [[3], [-(2**80)]]])
def test_integers_beyond_int64_are_refused_instead_of_wrapping(value):
    with pytest.raises(OverflowError, match=r"tensor: the integer -?\d+ does not fit in int64"):
        tt.tensor(value)


def test_int64_limits_still_fit():
    assert tt.tensor(2**63 - 1).item() == 2**63 - 1
    assert tt.tensor([-(2**63)]).array.dtype == np.int64


def test_cuda_is_refused_with_the_fix():
    with pytest.raises(RuntimeError, match=r"cuda: TinyTorch runs on the CPU only.*\.to\('cpu'\)"):
        tt.zeros(2).cuda()


@pytest.mark.parametrize(
    ("value", "minimum", "error", "message"),
    [
        (4.5, 0, TypeError, "in_features must be an int, got float 4.5"),
        (True, 0, TypeError, "in_features must be an int, got the bool True"),
        ("3", 0, TypeError, "got str '3'"),
        (-3, 0, ValueError, "in_features must be non-negative, got -3"),
        (0, 1, ValueError, "in_features must be at least 1, got 0"),
    ],
)
def test_check_count_names_the_op_argument_and_value(value, minimum, error, message):
    with pytest.raises(error, match=message):
        check_count("Linear", "in_features", value, minimum)


def test_check_count_accepts_numpy_integers():
    assert check_count("Linear", "in_features", np.int32(7)) == 7
