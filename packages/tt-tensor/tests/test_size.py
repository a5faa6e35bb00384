"""``Size``: ``x.shape`` and ``x.size()`` as ``torch.Size`` — a tuple of ints with PyTorch's extras.

Beyond the modules' exercises: no module number.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from tt_tensor import Size, Tensor, zeros


def test_shape_and_size_are_sizes_equal_to_the_tuple():
    x = zeros(2, 3, 4)
    for shape in (x.shape, x.size()):
        assert type(shape) is Size and shape == (2, 3, 4) and hash(shape) == hash((2, 3, 4))
    assert x.size(1) == 3 and type(x.size(-1)) is int
    assert type(Tensor(1.0).shape) is Size and Tensor(1.0).shape == ()


def test_numel_repr_and_the_operations_that_stay_a_size():
    s = Size([2, 3, 4])
    assert s.numel() == 24 and Size().numel() == 1 and Size([5, 0]).numel() == 0
    assert repr(s) == "tt.Size([2, 3, 4])" and repr(Size()) == "tt.Size([])"
    assert str(s) == f"{s}" == "(2, 3, 4)" and str(Size([5])) == "(5,)"  # the tuple's form, for messages
    cases = [(s[1:], (3, 4)), (s + (5,), (2, 3, 4, 5)), ((1,) + s, (1, 2, 3, 4)), (s * 2, (2, 3, 4) * 2),
             (2 * s, (2, 3, 4) * 2)]  # fmt: skip
    for result, want in cases:
        assert type(result) is Size and result == want
    assert s[0] == 2 and type(s[0]) is int and s[-1] == 4
    assert s.index(3) == 1 and s.count(2) == 1 and list(s) == [2, 3, 4]
    assert s != [2, 3, 4]  # a tuple, not a list, as PyTorch's
    with pytest.raises(TypeError):
        s + [5]  # noqa: RUF005


def test_construction_takes_integers_and_integer_tensors_only():
    assert Size((2, 3)) == (2, 3) and Size(range(3)) == (0, 1, 2) and Size([np.int64(4)]) == (4,)
    assert Size([Tensor(3)]) == (3,) and Size([-1]) == (-1,)
    with pytest.raises(TypeError, match=r"Size\(\) takes an iterable of 'int' \(item 1 is 'float'\)"):
        Size([2, 3.0])
    with pytest.raises(TypeError, match="item 0 is 'str'"):
        Size(["a"])
    with pytest.raises(TypeError):
        Size(3)


def test_a_size_is_usable_wherever_a_shape_is():
    s = Size([2, 3])
    assert (
        np.zeros(s).shape == (2, 3) and zeros(s).shape == s and zeros(5).reshape(Size([5, 1])).shape == (5, 1)
    )
    for copied in (copy.copy(s), copy.deepcopy(s)):
        assert type(copied) is Size and copied == s
    a, b = s
    assert (a, b) == (2, 3)
