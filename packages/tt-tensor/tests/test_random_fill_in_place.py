"""``uniform_`` and ``normal_`` draw straight into a contiguous float tensor's memory.

The fast path must give the numbers the fresh-array path gives (``rand``/``randn`` with the same
generator), fall back for views NumPy would fill in another order, and refuse read-only tensors
before drawing. Not course material (module 01's tests cover the fills' statistics).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt
from tt_tensor import random


@pytest.mark.parametrize("dtype", [tt.float32, tt.float64])
def test_the_fills_give_rand_and_randns_numbers(dtype):
    t = tt.empty(3, 5, dtype=dtype)
    memory = t.array
    assert t.uniform_(-2.0, 3.0, generator=tt.Generator(1)) is t and t.array is memory
    expected = tt.rand(3, 5, dtype=dtype, generator=tt.Generator(1)).numpy() * 5.0 - 2.0
    np.testing.assert_array_equal(t.numpy(), expected)
    t.normal_(0.5, 2.0, generator=tt.Generator(2))
    expected = tt.randn(3, 5, dtype=dtype, generator=tt.Generator(2)).numpy() * 2.0 + 0.5
    np.testing.assert_array_equal(t.numpy(), expected)
    assert t.array is memory and t.dtype == dtype


def test_a_transposed_view_is_filled_in_its_own_order():
    base = tt.zeros(4, 3)
    view = base.T  # (3, 4), not C-contiguous: NumPy would fill its memory in the base's order
    view.normal_(generator=tt.Generator(3))
    np.testing.assert_array_equal(view.numpy(), tt.randn(3, 4, generator=tt.Generator(3)).numpy())
    np.testing.assert_array_equal(base.numpy(), view.numpy().T)
    view.uniform_(generator=tt.Generator(4))
    np.testing.assert_array_equal(view.numpy(), tt.rand(3, 4, generator=tt.Generator(4)).numpy())


def test_only_a_matching_c_contiguous_array_is_drawn_into():
    into = np.empty((2, 3), np.float32)
    assert random._into(into, (2, 3), np.dtype(np.float32)) is into
    assert random._into(None, (2, 3), np.dtype(np.float32)) is None
    assert random._into(into, (3, 2), np.dtype(np.float32)) is None
    assert random._into(into, (2, 3), np.dtype(np.float64)) is None
    assert random._into(np.empty((3, 2), np.float32).T, (2, 3), np.dtype(np.float32)) is None


def test_a_read_only_tensor_is_refused_before_any_draw():
    t = tt.zeros(3, 1).expand(3, 4)
    generator = tt.Generator(5)
    for fill in (lambda: t.uniform_(generator=generator), lambda: t.normal_(generator=generator)):
        with pytest.raises(RuntimeError, match=r"(uniform_|normal_): cannot write in place into a read-only"):
            fill()
    with pytest.raises(RuntimeError, match=r"fill_: cannot write in place into a read-only"):
        t.fill_(1.0)  # the other fills check it in _overwrite
    np.testing.assert_array_equal(t.numpy(), np.zeros((3, 4)))
    assert generator.numpy.random() == tt.Generator(5).numpy.random()  # nothing drawn


def test_the_version_counts_each_fill():
    t = tt.zeros(4)
    before = t._version
    t.uniform_()
    t.normal_()
    assert t._version == before + 2


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        (1.0, 0.0, r"expects to return a \[from, to\) range, but found from=1.0 > to=0.0"),
        (0.0, float("nan"), "to = nan is out of bounds for float32"),
        (float("-inf"), 0.0, "from = -inf is out of bounds for float32"),
        (-1e39, 0.0, "from = -1e[+]39 is out of bounds for float32"),  # beyond float32's range
    ],
)
def test_uniform_refuses_an_empty_or_unbounded_range_before_writing(low, high, message):
    x = tt.ones(3)
    with pytest.raises(RuntimeError, match=message):
        x.uniform_(low, high)
    assert x.tolist() == [1.0, 1.0, 1.0]
    assert tt.ones(2).uniform_(2.0, 2.0).tolist() == [2.0, 2.0]  # from = to: accepted, as PyTorch


@pytest.mark.parametrize("std", [-1.0, float("nan")])
def test_normal_refuses_a_negative_or_nan_std_before_writing(std):
    x = tt.ones(3)
    with pytest.raises(RuntimeError, match=r"normal expects std >= 0.0, but found std"):
        x.normal_(0.0, std)
    assert x.tolist() == [1.0, 1.0, 1.0]
