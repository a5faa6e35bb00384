"""Module 01: reading and writing through ``t[key]``, plus gather, index_select, masks and triangles."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

DATA = np.arange(60, dtype=np.float32).reshape(3, 4, 5)

# Each key is given in the form a tensor accepts; ``numpy_key`` is the same key for NumPy.
KEYS = [
    ("int", lambda: 1),
    ("negative int", lambda: -1),
    ("two ints", lambda: (2, 3)),
    ("three ints", lambda: (0, -1, 4)),
    ("slice", lambda: slice(1, None)),
    ("stepped slices", lambda: (slice(None, None, 2), slice(1, 5, 3))),
    ("None", lambda: (None, 0)),
    ("None in the middle", lambda: (slice(None), None, 1)),
    ("ellipsis", lambda: (Ellipsis, 2)),
    ("ellipsis and None", lambda: (0, Ellipsis, None)),
    ("int list", lambda: [0, 2, 2]),
    ("int tensor", lambda: tt.tensor([2, 0])),
    ("negative int tensor", lambda: tt.tensor([-1, 0])),
    ("2-D int tensor", lambda: tt.tensor([[0, 1], [2, 2]])),
    ("int numpy array", lambda: np.array([1, 0])),
    ("0-d int tensor", lambda: tt.tensor(1)),
    ("two int tensors", lambda: (tt.tensor([0, 2]), tt.tensor([1, 3]))),
    ("int tensor and slice", lambda: (slice(None), tt.tensor([3, 0]))),
    ("bool mask of rows", lambda: tt.tensor([True, False, True])),
    ("bool list", lambda: [False, True, True]),
    ("bool mask of all", lambda: tt.tensor(DATA % 7 == 0)),
    ("bool mask of first two dims", lambda: tt.tensor(DATA[..., 0] > 20)),
    ("mask after a slice", lambda: (slice(None), tt.tensor([True, False, False, True]))),
]


def numpy_key(key):
    if isinstance(key, tuple):
        return tuple(numpy_key(k) for k in key)
    if isinstance(key, tt.Tensor):
        return key.numpy()
    if isinstance(key, list):
        return np.array(key)
    return key


@pytest.mark.parametrize("make_key", [k[1] for k in KEYS], ids=[k[0] for k in KEYS])
def test_getitem_matches_numpy(check, make_key):
    key = make_key()
    check(tt.tensor(DATA)[key], DATA[numpy_key(key)], tt.float32)


@pytest.mark.parametrize(
    "key",
    [1, (0, 2), (0, 1, 3), slice(0, 2), (Ellipsis, 1), (None, 2), (slice(None), slice(None, None, 2))],
)
def test_basic_indexing_returns_a_view(key):
    base = tt.tensor(DATA)
    view = base[key]
    assert np.shares_memory(view.numpy(), base.numpy())
    view.fill_(-1.0)
    expected = DATA.copy()
    expected[key] = -1.0
    np.testing.assert_array_equal(base.numpy(), expected)


def test_a_single_element_is_a_0d_view():
    base = tt.tensor([1.0, 2.0, 3.0])
    element = base[1]
    assert element.shape == () and element.item() == 2.0
    element.add_(10.0)
    assert base.tolist() == [1.0, 12.0, 3.0]


def test_advanced_indexing_copies():
    base = tt.tensor(DATA)
    picked = base[tt.tensor([0, 1])]
    picked.fill_(0.0)
    np.testing.assert_array_equal(base.numpy(), DATA)


@pytest.mark.parametrize(
    ("key", "pattern"),
    [
        (3, r"index 3 is out of bounds for axis 0 with size 3.*shape \(3, 4, 5\)"),
        ((0, 4), r"index 4 is out of bounds for axis 1 with size 4.*shape \(3, 4, 5\)"),
        ((0, 0, -6), r"index -6 is out of bounds.*shape \(3, 4, 5\)"),
        ((0, 0, 0, 0), r"too many indices.*shape \(3, 4, 5\)"),
        (tt.tensor([0, 7]), r"index 7 is out of bounds.*shape \(3, 4, 5\)"),
        (tt.tensor([True, False]), r"boolean index did not match.*shape \(3, 4, 5\)"),
        (tt.tensor([0.5]), r"shape \(3, 4, 5\)"),
    ],
)
def test_bad_index_names_the_shape(key, pattern):
    with pytest.raises(IndexError, match=pattern):
        tt.tensor(DATA)[key]


def test_bad_index_names_the_key():
    t = tt.tensor(DATA)
    with pytest.raises(IndexError, match=r"shape \(3, 4, 5\) with \[0, 7\]\)"):
        t[0, 7]
    with pytest.raises(IndexError, match=r"with \[slice\(None, None, None\), 9\]\)"):
        t[:, 9]
    with pytest.raises(IndexError, match=r"index assignment: .*\(tensor shape \(3, 4, 5\), key \[1, 9\]\)"):
        t[1, 9] = 1.0


# ----------------------------------------------------------------- __setitem__


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (0, 7.0),
        ((1, 2), tt.tensor([1.0, 2.0, 3.0, 4.0, 5.0])),
        ((slice(None), 0), tt.tensor([[9.0], [8.0], [7.0]])),  # (3, 1) broadcasts to (3, 5)
        ((Ellipsis, -1), 0.5),
        (tt.tensor([0, 2]), tt.zeros(4, 5)),
        ((tt.tensor([0, 1]), tt.tensor([1, 2])), tt.tensor([[-1.0], [-2.0]])),
        ("mask", 0.0),
        ("mask", "masked values"),
        (slice(None), tt.tensor(np.ones((4, 5), dtype=np.float32))),
    ],
)
def test_setitem_matches_numpy(check, key, value):
    t = tt.tensor(DATA)
    expected = DATA.copy()
    if isinstance(key, str):  # a bool mask, built from the data
        key = t > 30
    if isinstance(value, str):  # as many values as the mask selects
        value = tt.arange(int((DATA > 30).sum()), dtype=tt.float32)
    t[key] = value
    expected[numpy_key(key)] = numpy_key(value)
    check(t, expected, tt.float32)


def test_setitem_casts_to_the_tensor_dtype(check):
    t = tt.zeros(3, dtype=tt.int64)
    t[0] = 2.9
    t[1:] = tt.tensor([5.0, 6.0])
    check(t, np.array([2, 5, 6]), tt.int64)


def test_setitem_errors_name_the_shapes():
    t = tt.zeros(2, 3)
    with pytest.raises(
        RuntimeError, match=r"index assignment: value of shape \(4,\) .* region \(3,\) .* \(2, 3\)"
    ):
        t[0] = tt.ones(4)
    with pytest.raises(IndexError, match=r"index assignment: index 5 is out of bounds.*\(2, 3\)"):
        t[5] = 1.0


# ----------------------------------------------------------------- gather, index_select, masks, triangles


def test_gather(check):
    data = np.arange(12, dtype=np.float32).reshape(3, 4)
    index = np.array([[0, 3], [1, 1], [2, 0]])
    check(tt.tensor(data).gather(1, tt.tensor(index)), np.take_along_axis(data, index, 1), tt.float32)
    rows = np.array([[2, 0, 1, 1]])
    check(tt.gather(tt.tensor(data), 0, tt.tensor(rows)), np.take_along_axis(data, rows, 0), tt.float32)
    with pytest.raises(
        RuntimeError, match=r"gather: index \(2,\) must have as many dims as the input \(3, 4\)"
    ):
        tt.tensor(data).gather(1, tt.tensor([0, 1]))
    with pytest.raises(TypeError, match="gather: index must be an integer tensor, got dtype float32"):
        tt.tensor(data).gather(1, tt.tensor([[0.0], [1.0], [2.0]]))
    with pytest.raises(IndexError, match=r"gather: .*4.* \(input shape \(3, 4\), dim 1\)"):
        tt.tensor(data).gather(1, tt.tensor([[4], [0], [0]]))


def test_index_select(check):
    data = np.arange(12, dtype=np.float32).reshape(3, 4)
    check(tt.tensor(data).index_select(1, tt.tensor([3, 0, 0])), data[:, [3, 0, 0]], tt.float32)
    check(tt.index_select(tt.tensor(data), 0, tt.tensor([2])), data[[2]], tt.float32)
    with pytest.raises(IndexError, match=r"index_select: .*\(3, 4\)"):
        tt.tensor(data).index_select(0, tt.tensor([3]))
    for index in (tt.tensor([[0, 1]]), tt.tensor([0.0]), tt.tensor([[0.0]])):
        with pytest.raises(TypeError, match="index_select: index must be a 1-D integer tensor"):
            tt.tensor(data).index_select(0, index)


def test_masked_fill(check):
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    mask = np.array([True, False, True])
    t = tt.tensor(data)
    check(t.masked_fill(tt.tensor(mask), -1.0), np.where(mask, -1.0, data), tt.float32)
    check(t, data, tt.float32)  # out of place: unchanged
    t.masked_fill_(tt.tensor(mask), 9.0)
    check(t, np.where(mask, 9.0, data), tt.float32)
    with pytest.raises(TypeError, match="masked_fill: mask must be a bool tensor"):
        t.masked_fill(tt.tensor([1, 0, 1]), 0.0)
    with pytest.raises(
        RuntimeError, match=r"masked_fill: mask of shape \(2,\) does not broadcast to \(2, 3\)"
    ):
        t.masked_fill(tt.tensor([True, False]), 0.0)


@pytest.mark.parametrize("diagonal", [-1, 0, 1])
def test_tril_and_triu(check, diagonal):
    data = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    check(tt.tensor(data).tril(diagonal), np.tril(data, diagonal), tt.float32)
    check(tt.triu(tt.tensor(data), diagonal), np.triu(data, diagonal), tt.float32)
    with pytest.raises(RuntimeError, match=r"tril: input must have at least 2 dimensions, got shape \(4,\)"):
        tt.ones(4).tril()
