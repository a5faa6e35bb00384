"""``tt_tensor.checks.check_tensor`` and ``check_number``: what every package uses to refuse junk clearly."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor
from tt_tensor.checks import check_number, check_tensor


def test_check_number_takes_reals_and_one_element_tensors_and_names_the_op_otherwise():
    assert check_number("op", "x", 3) == 3.0 and isinstance(check_number("op", "x", 3), float)
    assert check_number("op", "x", np.float32(0.5)) == 0.5
    assert check_number("op", "x", tt_tensor.Tensor([2.5])) == 2.5  # one element, as PyTorch's float()
    for junk, shown in (
        (True, "bool True"),
        ("1.0", "str '1.0'"),
        (None, "NoneType None"),
        (b"1", "bytes b'1'"),
    ):
        with pytest.raises(TypeError, match=rf"^op: x must be a number, got {shown}"):
            check_number("op", "x", junk)
    with pytest.raises(TypeError, match=r"^op: x must be a number, got Tensor"):
        check_number("op", "x", tt_tensor.Tensor([1.0, 2.0]))


def test_check_tensor_returns_the_tensor_and_names_the_op_and_argument_otherwise():
    t = tt_tensor.Tensor([1.0])
    assert check_tensor("op", t) is t
    with pytest.raises(TypeError, match=r"^layer: argument 'src' must be a Tensor, got list"):
        check_tensor("layer", [1.0], "src")
