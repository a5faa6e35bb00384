"""A public ``dtype=`` takes what PyTorch's takes: a dtype, or Python's ``float``, ``int``, ``bool`` or
``complex``. A name (``"float32"``) or a NumPy dtype (``np.float32``) is refused with PyTorch's
TypeError (``zeros(): argument 'dtype' must be torch.dtype, not str``), naming the dtype to pass instead;
a string given to ``to`` by position is read as a device, as PyTorch reads it. Beyond the exercises.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt
from tt_tensor import signal_windows

x = tt.tensor([1.0, 2.0, 3.0])

#: (op named in the message, call taking a dtype)
CALLS = [
    ("tensor", lambda d: tt.tensor([1.0], dtype=d)),
    ("Tensor", lambda d: tt.Tensor([1.0], dtype=d)),  # (TinyTorch's dtype=: PyTorch's constructor has none)
    ("as_tensor", lambda d: tt.as_tensor([1.0], dtype=d)),
    ("asarray", lambda d: tt.asarray([1.0], dtype=d)),
    ("scalar_tensor", lambda d: tt.scalar_tensor(1.0, dtype=d)),
    ("zeros", lambda d: tt.zeros(2, dtype=d)),
    ("ones", lambda d: tt.ones(2, dtype=d)),
    ("empty", lambda d: tt.empty(2, dtype=d)),
    ("full", lambda d: tt.full((2,), 1.0, dtype=d)),
    ("arange", lambda d: tt.arange(3, dtype=d)),
    ("linspace", lambda d: tt.linspace(0, 1, 3, dtype=d)),
    ("logspace", lambda d: tt.logspace(0, 1, 3, dtype=d)),
    ("eye", lambda d: tt.eye(2, dtype=d)),
    ("zeros_like", lambda d: tt.zeros_like(x, dtype=d)),
    ("ones_like", lambda d: tt.ones_like(x, dtype=d)),
    ("empty_like", lambda d: tt.empty_like(x, dtype=d)),
    ("full_like", lambda d: tt.full_like(x, 1.0, dtype=d)),
    ("rand", lambda d: tt.rand(2, dtype=d)),
    ("randn", lambda d: tt.randn(2, dtype=d)),
    ("rand_like", lambda d: tt.rand_like(x, dtype=d)),
    ("randn_like", lambda d: tt.randn_like(x, dtype=d)),
    ("randint", lambda d: tt.randint(0, 5, (2,), dtype=d)),
    ("randperm", lambda d: tt.randperm(3, dtype=d)),
    ("normal", lambda d: tt.normal(0.0, 1.0, (2,), dtype=d)),
    ("tril_indices", lambda d: tt.tril_indices(3, 3, dtype=d)),
    ("triu_indices", lambda d: tt.triu_indices(3, 3, dtype=d)),
    ("hann_window", lambda d: tt.hann_window(4, dtype=d)),
    ("hann", lambda d: signal_windows.hann(4, dtype=d)),
    ("frombuffer", lambda d: tt.frombuffer(bytearray(8), dtype=d)),
    ("new_tensor", lambda d: x.new_tensor([1.0], dtype=d)),
    ("new_zeros", lambda d: x.new_zeros(2, dtype=d)),
    ("new_ones", lambda d: x.new_ones(2, dtype=d)),
    ("new_full", lambda d: x.new_full((2,), 1.0, dtype=d)),
    ("new_empty", lambda d: x.new_empty(2, dtype=d)),
    ("to", lambda d: x.to(dtype=d)),
    ("sum", lambda d: x.sum(dtype=d)),
    ("prod", lambda d: x.prod(dtype=d)),
    ("mean", lambda d: x.mean(dtype=d)),
    ("nanmean", lambda d: x.nanmean(dtype=d)),
    ("cumsum", lambda d: x.cumsum(0, dtype=d)),
    ("softmax", lambda d: x.softmax(0, dtype=d)),
    ("log_softmax", lambda d: x.log_softmax(0, dtype=d)),
]


@pytest.mark.parametrize(("op", "call"), CALLS, ids=[op for op, _ in CALLS])
@pytest.mark.parametrize(
    ("given", "type_name"),
    [("float64", "str"), (np.float64, "type"), (np.dtype(np.float64), "numpy.dtypes.Float64DType")],
)
def test_a_name_or_numpy_dtype_is_refused_by_name(op, call, given, type_name):
    with pytest.raises(
        TypeError,
        match=rf"^{op}\(\): argument 'dtype' must be torch.dtype, not {type_name} .*; pass tt.float64$",
    ):
        call(given)


@pytest.mark.parametrize(("op", "call"), CALLS, ids=[op for op, _ in CALLS])
def test_a_dtype_is_taken(op, call):
    wanted = tt.int64 if op in ("randint", "randperm", "tril_indices", "triu_indices") else tt.float64
    assert call(wanted).dtype == wanted


@pytest.mark.parametrize(
    ("python_type", "dtype"),
    [(float, tt.float64), (int, tt.int64), (bool, tt.bool), (complex, tt.complex128)],
)
def test_python_types_are_taken_as_pytorch_takes_them(python_type, dtype):
    assert tt.zeros(2, dtype=python_type).dtype == dtype
    assert tt.tensor([1], dtype=python_type).dtype == dtype
    assert x.to(python_type).dtype == dtype
    assert x.new_zeros(1, dtype=python_type).dtype == dtype
    assert x.sum(dtype=python_type).dtype == dtype


def test_something_else_is_refused_with_the_dtypes_named():
    with pytest.raises(TypeError, match=r"not list \(\[1\]\); pass a dtype such as tt.float32"):
        tt.zeros(2, dtype=[1])


def test_to_reads_a_string_by_position_as_a_device():
    with pytest.raises(RuntimeError, match=r"^to\(\): invalid device string: 'float32'; give a dtype as one"):
        x.to("float32")
    assert x.to("cpu") is x
    assert x.to("cpu:0", tt.float64).dtype == tt.float64
    assert x.to(None, tt.float64).dtype == tt.float64


def test_the_conversion_methods_still_convert():
    for method, dtype in [("float", tt.float32), ("double", tt.float64), ("half", tt.float16)]:
        assert getattr(tt.tensor([1, 2]), method)().dtype == dtype
    for method, dtype in [("long", tt.int64), ("int", tt.int32), ("bool", tt.bool)]:
        assert getattr(x, method)().dtype == dtype


@pytest.mark.parametrize(
    ("op", "call", "name"),
    [
        ("finfo", lambda d: tt.finfo(d), "type"),
        ("iinfo", lambda d: tt.iinfo(d), "type"),
        ("promote_types", lambda d: tt.promote_types(d, tt.float32), "type1"),
        ("promote_types", lambda d: tt.promote_types(tt.float32, d), "type2"),
        ("can_cast", lambda d: tt.can_cast(d, tt.float32), "from_"),
        ("can_cast", lambda d: tt.can_cast(tt.float32, d), "to"),
    ],
)
def test_dtype_queries_refuse_names_too(op, call, name):
    with pytest.raises(TypeError, match=rf"^{op}\(\): argument '{name}' must be torch.dtype, not str"):
        call("int64")
    with pytest.raises(TypeError, match=rf"^{op}\(\): argument '{name}' must be torch.dtype, not type"):
        call(np.int64)


def test_finfo_of_a_complex_dtype_is_its_parts():
    for complex_dtype, real in [
        (tt.complex64, tt.float32),
        (tt.complex128, tt.float64),
        (complex, tt.float64),
    ]:
        info, expected = tt.finfo(complex_dtype), tt.finfo(real)
        assert (info.dtype, info.bits, info.eps, info.max) == (
            expected.dtype,
            expected.bits,
            expected.eps,
            expected.max,
        )
    assert tt.finfo(tt.complex64).eps == float(np.finfo(np.float32).eps)


def test_iinfo_names_a_complex_dtype_as_such():
    with pytest.raises(TypeError, match=r"got a complex one \(complex64\)"):
        tt.iinfo(tt.complex64)


@pytest.mark.parametrize(
    ("python_type", "dtype", "length"),
    [(float, tt.float64, 2), (int, tt.int64, 2), (bool, tt.bool, 16), (complex, tt.complex128, 1)],
)
def test_view_reads_the_bytes_as_a_python_type_dtype(python_type, dtype, length):
    values = tt.tensor([1.0, 2.0, 3.0, 4.0])
    by_position, by_name = values.view(python_type), values.view(dtype=python_type)
    assert (by_position.dtype, by_position.shape, by_name.dtype) == (dtype, (length,), dtype)
    assert by_position.array.tobytes() == values.array.tobytes()
    assert values.view(2, 2).shape == (2, 2) and values.view(4).dtype == tt.float32  # (a shape still is one)


def test_view_refuses_a_dtype_name_by_keyword():
    with pytest.raises(TypeError, match=r"^view\(\): argument 'dtype' must be torch.dtype, not str"):
        x.view(dtype="float32")


def test_view_refuses_a_shape_and_a_dtype_together():
    with pytest.raises(TypeError, match=r"view: give a shape or a dtype, not both"):
        x.view(3, dtype=float)
