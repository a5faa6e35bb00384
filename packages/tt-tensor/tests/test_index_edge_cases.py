"""Index keys and assigned values that NumPy reads one way and PyTorch another, read as PyTorch 2.13
does: negative steps refused, uint8 tensors as masks (deprecated), small integer dtypes refused, float
lists truncated, lists and arrays refused as assigned values, and an index put with a value of another
dtype refused. Beyond the exercises.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_tensor as tt

DATA = np.arange(12, dtype=np.float32).reshape(3, 4)


def x():
    return tt.tensor(DATA)


@pytest.mark.parametrize(
    "key", [slice(None, None, -1), (0, slice(3, 0, -2)), (Ellipsis, slice(None, None, -1))]
)
def test_a_negative_step_is_refused(key):
    with pytest.raises(ValueError, match=r"step must be greater than zero.*flip"):
        x()[key]
    with pytest.raises(ValueError, match=r"step must be greater than zero"):
        x()[key] = 1.0


def test_float_lists_and_numpy_float_arrays_are_truncated_to_positions():
    assert x()[[1.0]].tolist() == [DATA[1].tolist()]
    assert x()[[0.9, -1.5]].tolist() == [DATA[0].tolist(), DATA[-1].tolist()]  # toward zero
    assert x()[np.array([2.7])].tolist() == [DATA[2].tolist()]
    assert x()[[1.0], 3].tolist() == [DATA[1, 3]]
    with pytest.raises(IndexError, match=r"shape \(3, 4\)"):
        x()[tt.tensor([1.0])]  # a float tensor stays refused


def test_a_uint8_tensor_is_a_mask_with_a_deprecation_warning():
    mask = tt.tensor([1, 0, 2], dtype=tt.uint8)
    with pytest.warns(UserWarning, match=r"uint8 is deprecated.*bool"):
        got = x()[mask]
    assert got.tolist() == [DATA[0].tolist(), DATA[2].tolist()]  # rows 0 and 2, not positions 1, 0, 2
    with pytest.warns(UserWarning, match="uint8"):
        assert x()[0, tt.tensor([1, 0, 1, 0], dtype=tt.uint8)].tolist() == [0.0, 2.0]
    with pytest.warns(UserWarning, match="uint8"):
        assert x()[np.array([0, 1, 0], dtype=np.uint8)].tolist() == [DATA[1].tolist()]
    y = x()
    with pytest.warns(UserWarning, match="uint8"):
        y[tt.tensor([0, 0, 1], dtype=tt.uint8)] = 0.0
    assert y[2].tolist() == [0.0] * 4 and y[:2].tolist() == DATA[:2].tolist()


def test_a_0_d_uint8_tensor_is_a_0_d_mask_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x()[tt.tensor(1, dtype=tt.uint8)].shape == (1, 3, 4)
        assert x()[tt.tensor(0, dtype=tt.uint8)].shape == (0, 3, 4)


@pytest.mark.parametrize("dtype", [tt.int8, tt.int16])
def test_small_integer_index_tensors_are_refused_but_0_d_ones_are_ints(dtype):
    with pytest.raises(IndexError, match=rf"long, int, byte or bool tensors, got dtype {dtype.numpy}.*long"):
        x()[tt.tensor([1, 0], dtype=dtype)]
    assert x()[tt.tensor(2, dtype=dtype)].tolist() == DATA[2].tolist()
    assert x()[tt.tensor([2, 0], dtype=tt.int32)].tolist() == [DATA[2].tolist(), DATA[0].tolist()]


@pytest.mark.parametrize("value", [[1.0, 2.0, 3.0, 4.0], (1.0, 2.0, 3.0, 4.0), np.ones(4), np.array(5.0)])
def test_a_list_tuple_or_array_value_is_refused(value):
    y = x()
    with pytest.raises(
        TypeError, match=rf"can't assign a {type(value).__name__} to a tensor.*tensor\(value\)"
    ):
        y[0] = value
    assert y.tolist() == DATA.tolist()


def test_numbers_and_tensors_are_assigned():
    y = x()
    y[0] = np.float64(5.0)
    y[1] = 6
    y[2] = tt.tensor([1, 2, 3, 4])  # basic indexing copies and casts, any dtype
    assert y.tolist() == [[5.0] * 4, [6.0] * 4, [1.0, 2.0, 3.0, 4.0]]
    y[0, 1] = tt.tensor(7.0, dtype=tt.float64)
    y[tt.tensor(1)] = tt.tensor([0.5] * 4, dtype=tt.float64)  # a 0-d int tensor index is an int
    assert y[0, 1].item() == 7.0 and y[1].tolist() == [0.5] * 4


@pytest.mark.parametrize(
    ("key", "numpy_key"),
    [
        ([0], [0]),
        ((slice(None), [1]), (slice(None), [1])),
        ((tt.tensor([0, 2]), tt.tensor([1, 1])), ([0, 2], [1, 1])),
    ],  # (one bool mask with a one-element value casts: PyTorch's masked_fill_ path, tested below)
)
def test_an_index_put_with_a_value_of_another_dtype_is_refused(key, numpy_key):
    y = x()
    with pytest.raises(
        RuntimeError, match=r"Index put requires the source and destination dtypes match.*float64"
    ):
        y[key] = tt.tensor(1.0, dtype=tt.float64)
    with pytest.raises(RuntimeError, match=r"got float32 for the destination and int64 for the source"):
        y[key] = tt.tensor(1)
    assert y.tolist() == DATA.tolist()
    y[key] = 9  # a number is cast
    assert y.numpy()[numpy_key].tolist() == np.full_like(DATA[numpy_key], 9.0).tolist()
    y[key] = tt.tensor(8.0)  # a tensor of the same dtype
    want = DATA.copy()
    want[numpy_key] = 8.0
    np.testing.assert_array_equal(y.numpy(), want)


def test_a_zero_step_and_a_ragged_list_keep_their_errors():
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        x()[::0]
    with pytest.raises(ValueError, match="inhomogeneous"):
        x()[:, [[0, 1], [0]]]


@pytest.mark.parametrize(
    "key",
    [
        lambda x: x > 1,
        lambda x: (x > 1,),
        lambda x: (Ellipsis, x > 1),
        lambda x: np.array([False, False, True, True]),
    ],
)
@pytest.mark.parametrize("value", [tt.tensor(5), tt.tensor([5]), tt.tensor(5.0, dtype=tt.float64)])
def test_a_one_element_value_of_another_dtype_under_one_bool_mask_is_cast(key, value):
    # PyTorch's masked_fill_ path: x[mask] = tensor(5) on a float x writes 5.0
    x = tt.arange(4.0)
    x[key(x)] = value
    assert x.dtype == tt.float32 and x.tolist() == [0.0, 1.0, 5.0, 5.0]


def test_other_values_of_another_dtype_under_a_mask_or_an_index_are_still_refused():
    x = tt.arange(4.0)
    for key, value in ((x > 1, tt.tensor([1, 2])), ([0, 1], tt.tensor(1)), ((x > 1, x > 1), tt.tensor(1))):
        with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match"):
            x[key] = value
