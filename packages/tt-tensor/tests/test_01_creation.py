"""Module 01: making tensors from data, filled, as ranges and as identity matrices."""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

# ----------------------------------------------------------------- tensor() from data


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        ([1.0, 2.5, -3.0], tt.float32),
        ([[1, 2, 3], [4, 5, 6]], tt.int64),
        ([True, False], tt.bool),
        (2.5, tt.float32),
        (7, tt.int64),
        ([[1, 2.5]], tt.float32),  # a float anywhere makes it a float tensor
    ],
)
def test_tensor_from_python_data_gets_pytorch_dtypes(check, data, dtype):
    check(tt.tensor(data), np.array(data), dtype)


def test_tensor_class_constructor(check):
    check(tt.Tensor([[1.0, 2.0]]), np.array([[1.0, 2.0]]), tt.float32)
    check(tt.Tensor([1, 2], dtype=tt.float64), np.array([1.0, 2.0]), tt.float64)
    check(tt.Tensor(), np.zeros(0), tt.float32)


def test_tensor_from_numpy_keeps_dtype_and_copies(check):
    source = np.array([[1.0, 2.0], [3.0, 4.0]])  # float64
    t = tt.tensor(source)
    check(t, source, tt.float64)
    source[0, 0] = 100.0
    assert t[0, 0].item() == 1.0, "tensor() must copy its data"


def test_tensor_from_numpy_scalar_keeps_its_dtype(check):
    check(tt.tensor(np.float64(1.5)), np.array(1.5), tt.float64)
    check(tt.tensor(np.int32(3)), np.array(3), tt.int32)


def test_tensor_with_explicit_dtype(check):
    check(tt.tensor([1, 2], dtype=tt.float64), np.array([1.0, 2.0]), tt.float64)
    check(tt.tensor([1.7, -2.2], dtype=tt.int64), np.array([1, -2]), tt.int64)
    check(tt.tensor([1, 2], dtype=float), np.array([1.0, 2.0]), tt.float64)  # (Python float: float64)


def test_tensor_from_tensor_copies(check):
    a = tt.tensor([1.0, 2.0])
    b = tt.tensor(a)
    b[0] = 5.0
    check(a, np.array([1.0, 2.0]), tt.float32)
    check(b, np.array([5.0, 2.0]), tt.float32)


def test_tensor_from_list_of_tensors(check):
    check(tt.tensor([tt.tensor(1.0), tt.tensor(2.0)]), np.array([1.0, 2.0]), tt.float32)


def test_empty_list_gives_empty_float_tensor(check):
    check(tt.tensor([]), np.zeros(0), tt.float32)


def test_ragged_data_is_refused_by_name():
    with pytest.raises(ValueError, match=r"tensor: .*equal length"):
        tt.tensor([[1, 2], [3]])


def test_non_numeric_data_is_refused():
    with pytest.raises(TypeError, match=r"tensor: cannot make a tensor from data of type"):
        tt.tensor(["a", "b"])


def test_as_tensor_and_from_numpy_share_memory(check):
    source = np.arange(4.0)
    shared = tt.from_numpy(source)
    same = tt.as_tensor(source)
    source[1] = 10.0
    check(shared, np.array([0.0, 10.0, 2.0, 3.0]), tt.float64)
    check(same, np.array([0.0, 10.0, 2.0, 3.0]), tt.float64)
    with pytest.raises(TypeError, match="from_numpy: expected a NumPy array"):
        tt.from_numpy([1, 2])


# ----------------------------------------------------------------- filled tensors


@pytest.mark.parametrize(("make", "fill"), [(tt.zeros, 0.0), (tt.ones, 1.0)])
@pytest.mark.parametrize("size", [(), (3,), (2, 3), (2, 0, 4)])
def test_zeros_and_ones(check, make, fill, size):
    expected = np.full(size, fill)
    check(make(*size), expected, tt.float32)
    check(make(size), expected, tt.float32)
    check(make(list(size), dtype=tt.int64), expected.astype(np.int64), tt.int64)


def test_empty_has_the_shape_and_dtype():
    t = tt.empty(2, 3, dtype=tt.float64)
    assert isinstance(t, tt.Tensor) and t.shape == (2, 3) and t.dtype == tt.float64


def test_negative_size_is_refused():
    with pytest.raises(ValueError, match=r"zeros: sizes must be non-negative, got \(2, -1\)"):
        tt.zeros(2, -1)


@pytest.mark.parametrize(
    ("value", "dtype", "numpy_dtype"),
    [(3, tt.int64, np.int64), (2.5, tt.float32, np.float32), (True, tt.bool, np.bool_)],
)
def test_full_infers_dtype_from_value(check, value, dtype, numpy_dtype):
    check(tt.full((2, 3), value), np.full((2, 3), value, dtype=numpy_dtype), dtype)


def test_full_with_dtype(check):
    check(tt.full((2,), 3, dtype=tt.float64), np.array([3.0, 3.0]), tt.float64)


# ----------------------------------------------------------------- ranges and identity


@pytest.mark.parametrize(
    "args",
    [(5,), (2, 9), (2, 9, 3), (10, 0, -3), (-4, 4, 2), (0, 0)],
)
def test_arange_of_ints_is_int64(check, args):
    check(tt.arange(*args), np.arange(*args), tt.int64)


@pytest.mark.parametrize("args", [(0, 1, 0.25), (1.5,), (-1.0, 1.0, 0.5), (5, 0.0, -1.25)])
def test_arange_of_floats_is_float32(check, args):
    check(tt.arange(*args), np.arange(*args).astype(np.float32), tt.float32)


def test_arange_dtype_and_zero_step(check):
    check(tt.arange(4, dtype=tt.float64), np.arange(4.0), tt.float64)
    with pytest.raises(ValueError, match="arange: step must be nonzero"):
        tt.arange(0, 5, 0)


@pytest.mark.parametrize(("start", "end", "steps"), [(0, 1, 5), (-2.0, 3.0, 11), (1, 1, 3), (0, 1, 1)])
def test_linspace_includes_both_ends(check, start, end, steps):
    check(tt.linspace(start, end, steps), np.linspace(start, end, steps), tt.float32)


@pytest.mark.parametrize(("n", "m"), [(1, None), (3, None), (2, 4), (4, 2)])
def test_eye(check, n, m):
    check(tt.eye(n, m), np.eye(n, m), tt.float32)
    check(tt.eye(n, m, dtype=tt.int64), np.eye(n, m, dtype=np.int64), tt.int64)


# ----------------------------------------------------------------- *_like


@pytest.mark.parametrize("dtype", [tt.float32, tt.float64, tt.int64])
def test_like_functions_copy_shape_and_dtype(check, dtype):
    base = tt.zeros(2, 3, dtype=dtype)
    numpy_dtype = dtype.numpy
    check(tt.zeros_like(base), np.zeros((2, 3), numpy_dtype), dtype)
    check(tt.ones_like(base), np.ones((2, 3), numpy_dtype), dtype)
    check(tt.full_like(base, 7), np.full((2, 3), 7, numpy_dtype), dtype)
    empty = tt.empty_like(base)
    assert isinstance(empty, tt.Tensor) and empty.shape == (2, 3) and empty.dtype == dtype


def test_like_functions_accept_a_dtype(check):
    base = tt.zeros(3, dtype=tt.int64)
    check(tt.ones_like(base, dtype=tt.float32), np.ones(3), tt.float32)
    check(tt.full_like(base, 0.5, dtype=tt.float64), np.full(3, 0.5), tt.float64)
