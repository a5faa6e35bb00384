"""Advanced indexing puts the broadcast dims where PyTorch puts them, and a 0-d integer tensor indexes
as an int. PyTorch applies the ints first (each removes its dim) and only then asks whether the
index arrays left are side by side; NumPy counts the ints as index arrays, so ``x[0, :, [1, 2]]`` of
a (3, 4, 5) ``x`` is (2, 4) in NumPy and (4, 2) here. Every expected result is built element by
element with Python loops. Beyond the exercises.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import tt_tensor as tt
from tt_tensor import indexing

BASE = np.arange(3 * 4 * 5).reshape(3, 4, 5)


def _loops(shape, element):
    """An array of ``shape`` with ``element(*position)`` at each position."""
    out = np.zeros(shape, dtype=BASE.dtype)
    for position in itertools.product(*map(range, shape)):
        out[position] = element(*position)
    return out


# (key, expected shape, the element of the result at a position): x is BASE, (3, 4, 5)
CASES = {
    "int, slice, list": ((0, slice(None), [1, 2]), (4, 2), lambda j, k: BASE[0, j, [1, 2][k]]),
    "negative int, slice, list": (
        (-1, slice(1, None), [4, 0, 4]),
        (3, 3),
        lambda j, k: BASE[2, 1 + j, [4, 0, 4][k]],
    ),
    "slice, list, int": ((slice(None), [3, 0], 2), (3, 2), lambda i, k: BASE[i, [3, 0][k], 2]),
    "None, int, slice, list": (
        (None, 1, slice(None), [2, 0]),
        (1, 4, 2),
        lambda n, j, k: BASE[1, j, [2, 0][k]],
    ),
    "int, slice, 2-d array": (
        (2, slice(None), np.array([[1], [3], [0]])),
        (4, 3, 1),
        lambda j, a, b: BASE[2, j, [[1], [3], [0]][a][b]],
    ),
    "int, slice, mask": (
        (1, slice(None), np.array([True, False, True, True, False])),
        (4, 3),
        lambda j, k: BASE[1, j, [0, 2, 3][k]],
    ),
    "int, slice, empty list": ((0, slice(None), []), (4, 0), None),
    "ellipsis, list, int": ((Ellipsis, [1, 2], 3), (3, 2), lambda i, k: BASE[i, [1, 2][k], 3]),
    # the arrays apart (a slice between them): their dims first, in PyTorch as in NumPy
    "list, slice, list": (([2, 0], slice(None), [1, 4]), (2, 4), lambda k, j: BASE[[2, 0][k], j, [1, 4][k]]),
    # the ints side by side with the array: both agree too
    "int, list, slice": ((0, [3, 1], slice(None)), (2, 5), lambda k, m: BASE[0, [3, 1][k], m]),
    "list, int, list": (([0, 2], 1, [4, 4]), (2,), lambda k: BASE[[0, 2][k], 1, [4, 4][k]]),
    # an ellipsis of no dims between two indices parts them for NumPy only: PyTorch keeps the block in place
    "slice, list, empty ellipsis, list": (
        (slice(None), [0, 3], Ellipsis, [1, 2]),
        (3, 2),
        lambda i, k: BASE[i, [0, 3][k], [1, 2][k]],
    ),
    "slice, int, empty ellipsis, list": (
        (slice(None), 2, Ellipsis, [4, 0]),
        (3, 2),
        lambda i, k: BASE[i, 2, [4, 0][k]],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_result_is_pytorch_s(name):
    key, shape, element = CASES[name]
    got = tt.tensor(BASE)[key]
    assert got.shape == shape
    np.testing.assert_array_equal(got.numpy(), _loops(shape, element) if element else np.zeros(shape))


def test_a_python_bool_between_an_int_and_a_slice():
    x = tt.tensor(BASE[:, :, 0])  # (3, 4)
    got = x[0, :, True]
    assert got.shape == (4, 1)
    np.testing.assert_array_equal(got.numpy(), _loops((4, 1), lambda j, _: BASE[0, j, 0]))
    assert x[0, :, False].shape == (4, 0)


def test_four_dims_with_the_int_inside():
    base = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    got = tt.tensor(base)[:, 0, :, [1, 2, 0]]
    assert got.shape == (2, 4, 3)
    np.testing.assert_array_equal(got.numpy(), _loops((2, 4, 3), lambda i, j, k: base[i, 0, j, [1, 2, 0][k]]))


def test_a_zero_d_integer_tensor_is_an_int_and_gives_a_view():
    x = tt.tensor(BASE.copy())
    row = x[tt.tensor(1)]
    assert row.shape == (4, 5)
    row[0, 0] = -7  # a view: the write reaches x, as PyTorch's x[torch.tensor(1)]
    assert x[1, 0, 0].item() == -7
    got = x[tt.tensor(2), :, [1, 2]]
    assert got.shape == (4, 2)
    np.testing.assert_array_equal(got.numpy(), _loops((4, 2), lambda j, k: BASE[2, j, [1, 2][k]]))
    assert x[np.array(0)].shape == (4, 5)


def test_a_zero_d_bool_tensor_is_still_a_mask():
    x = tt.tensor(BASE)
    assert x[tt.tensor(True)].shape == (1, 3, 4, 5)
    assert x[tt.tensor(False)].shape == (0, 3, 4, 5)


def test_setitem_writes_a_value_given_in_pytorch_s_order():
    x = tt.zeros(3, 4, 5, dtype=tt.int64)
    value = np.arange(8).reshape(4, 2) + 1
    x[0, :, [1, 3]] = tt.tensor(value)
    want = np.zeros((3, 4, 5), dtype=np.int64)
    for j, k in itertools.product(range(4), range(2)):
        want[0, j, [1, 3][k]] = value[j, k]
    np.testing.assert_array_equal(x.numpy(), want)


def test_setitem_through_an_empty_ellipsis_takes_pytorch_s_order():
    x = tt.zeros(3, 4, 5, dtype=tt.int64)
    value = np.arange(6).reshape(3, 2) + 1
    x[:, [1, 2], ..., [0, 3]] = tt.tensor(value)
    want = np.zeros((3, 4, 5), dtype=np.int64)
    for i, k in itertools.product(range(3), range(2)):
        want[i, [1, 2][k], [0, 3][k]] = value[i, k]
    np.testing.assert_array_equal(x.numpy(), want)


@pytest.mark.parametrize("value", [tt.tensor([10, 20]), tt.tensor([[[10, 20]]])])
def test_setitem_broadcasts_a_value_along_pytorch_s_dims(value):
    x = tt.zeros(3, 4, 5, dtype=tt.int64)
    x[2, :, [0, 4]] = value  # (2,) and (1, 1, 2) stretch over the 4 rows; the last dim is the list's
    want = np.zeros((3, 4, 5), dtype=np.int64)
    for j in range(4):
        want[2, j, 0], want[2, j, 4] = 10, 20
    np.testing.assert_array_equal(x.numpy(), want)


def test_setitem_refuses_a_value_in_numpy_s_order():
    x = tt.zeros(3, 4, 5)
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        x[0, :, [1, 2]] = tt.ones(2, 4)


def test_torch_axes_is_none_when_nothing_moves():
    key_of = indexing.key_of
    assert indexing.torch_axes(key_of((0, slice(None))), 3) is None  # basic indexing
    assert indexing.torch_axes(key_of((slice(None), [0, 1])), 2) is None  # no int
    assert indexing.torch_axes(key_of(([0, 1], slice(None), 0)), 3) is None  # the array first in both
    assert indexing.torch_axes(key_of((0, [0, 1], slice(None))), 3) is None  # side by side in both
    key = indexing.key_of((0, slice(None), [1, 2]))
    assert indexing.torch_axes(key, 3) == (1, 0)
    assert indexing.value_axes((2,), key, 3) == ((1, 2), (1, 0))
    assert indexing.value_axes((1, 1, 4, 2), key, 3) == ((4, 2), (1, 0))
    assert indexing.value_axes((3, 4, 2), key, 3) is None  # too many dims: the assignment's own error


BASE4 = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
MASK = np.array(
    [[True, False, True, False, False]] * 2 + [[False] * 5] + [[False, False, False, False, True]]
)
ROWS, COLUMNS = np.nonzero(MASK)  # the mask's (row, column) pairs, in order

# (key, expected shape, the element of the result at a position): x is BASE4, (2, 3, 4, 5)
CASES4 = {
    "int, slice, list, a trailing dim": (
        (1, slice(None), [3, 0]),
        (3, 2, 5),
        lambda j, k, m: BASE4[1, j, [3, 0][k], m],
    ),
    "ellipsis, int, slice, list": (
        (Ellipsis, 0, slice(None), [4, 1]),
        (2, 4, 2),
        lambda i, j, k: BASE4[i, 0, j, [4, 1][k]],
    ),
    "int, ellipsis, list": (
        (1, Ellipsis, [2, 2, 0]),
        (3, 4, 3),
        lambda j, m, k: BASE4[1, j, m, [2, 2, 0][k]],
    ),
    "int, slice, True, a trailing dim": (
        (0, slice(None), True),
        (3, 1, 4, 5),
        lambda j, _, m, n: BASE4[0, j, m, n],
    ),
    "int, slice, 2-d mask": (
        (1, slice(None), MASK),
        (3, len(ROWS)),
        lambda j, k: BASE4[1, j, ROWS[k], COLUMNS[k]],
    ),
}


@pytest.mark.parametrize("name", list(CASES4))
def test_four_dims_with_ellipses_masks_and_trailing_dims(name):
    key, shape, element = CASES4[name]
    x = tt.tensor(BASE4)
    got = x[key]
    assert got.shape == shape
    want = _loops(shape, element)
    np.testing.assert_array_equal(got.numpy(), want)
    y = tt.zeros(*BASE4.shape, dtype=tt.int64)
    y[key] = tt.tensor(want)  # written back in PyTorch's order: each value lands where it was read
    np.testing.assert_array_equal(y.numpy(), np.where(np.isin(BASE4, want), BASE4, 0))
