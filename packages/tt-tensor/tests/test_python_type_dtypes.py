"""Python's types as dtypes, and ``Tensor.type``'s legacy type names, as PyTorch 2.13 reads them (each
form run on torch 2.13 in a scratch script):

* ``dtype=float`` is float64 (not the default float32), ``int`` int64, ``bool`` bool, ``complex``
  complex128, in the factories (``zeros``, ``tensor``, ``arange``, ``full``, ``rand``, ...), ``to()``,
  reductions' ``dtype=`` and ``promote_types``; ``full((2,), 2.5)`` still takes the default dtype;
* ``x.type("torch.DoubleTensor")`` converts (``"torch.sparse.FloatTensor"`` too, to a dense float32);
  ``x.type()`` names ``ComplexFloatTensor`` and friends; ``x.type(float)``, ``x.type("float64")`` and
  ``x.type("DoubleTensor")`` raise ``ValueError("invalid type: ...")``.

Not course material, so no module number.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

PYTHON_TYPES = [(float, tt.float64), (int, tt.int64), (bool, tt.bool), (complex, tt.complex128)]


@pytest.mark.parametrize("python_type, dtype", PYTHON_TYPES)
def test_python_types_are_pytorchs_dtypes(python_type, dtype):
    assert tt.zeros(2, dtype=python_type).dtype == dtype
    assert tt.tensor([1, 0], dtype=python_type).dtype == dtype
    assert tt.ones(2).to(python_type).dtype == dtype
    assert tt.ones(2).to(dtype=python_type).dtype == dtype
    assert tt.ones(2).to("cpu", python_type).dtype == dtype
    assert tt.empty(3, dtype=python_type).dtype == dtype
    assert tt.as_tensor([1], dtype=python_type).dtype == dtype


def test_float_is_float64_in_every_factory_and_reduction():
    assert tt.arange(3, dtype=float).dtype == tt.float64
    assert tt.rand(2, dtype=float).dtype == tt.float64
    assert tt.linspace(0, 1, 3, dtype=float).dtype == tt.float64
    assert tt.ones(2).sum(dtype=float).dtype == tt.float64
    assert tt.promote_types(float, int) == tt.float64
    assert tt.full((2,), 2.5).dtype == tt.float32  # (a float *value*: the default dtype, as PyTorch)
    assert tt.full((2,), 2).dtype == tt.int64 and tt.full((2,), True).dtype == tt.bool


LEGACY = [
    ("torch.FloatTensor", tt.float32),
    ("torch.DoubleTensor", tt.float64),
    ("torch.HalfTensor", tt.float16),
    ("torch.LongTensor", tt.int64),
    ("torch.IntTensor", tt.int32),
    ("torch.ShortTensor", tt.int16),
    ("torch.CharTensor", tt.int8),
    ("torch.ByteTensor", tt.uint8),
    ("torch.BoolTensor", tt.bool),
    ("torch.ComplexFloatTensor", tt.complex64),
    ("torch.ComplexDoubleTensor", tt.complex128),
]


@pytest.mark.parametrize("name, dtype", LEGACY)
def test_type_reads_and_writes_legacy_names(name, dtype):
    x = tt.tensor([1.0, 0.0])
    converted = x.type(name)
    assert converted.dtype == dtype and converted.tolist() == x.to(dtype).tolist()
    assert converted.type() == name
    assert x.type(dtype=name).dtype == dtype
    assert x.type(name.replace("torch.", "torch.sparse.")).dtype == dtype  # (dense, as PyTorch 2.13's)


@pytest.mark.parametrize(
    "bad", [float, int, np.float64, "float64", "DoubleTensor", "torch.float64", "torch.Dbl"]
)
def test_type_refuses_what_is_not_a_dtype_or_a_legacy_name(bad):
    with pytest.raises(ValueError, match="type: invalid type: "):
        tt.ones(2).type(bad)


def test_type_refuses_a_cuda_type_and_still_takes_dtypes():
    with pytest.raises(
        RuntimeError, match="type: 'torch.cuda.FloatTensor' is a CUDA type; TinyTorch runs on the CPU"
    ):
        tt.ones(2).type("torch.cuda.FloatTensor")
    assert tt.ones(2).type(tt.int32).dtype == tt.int32 and tt.ones(2).type() == "torch.FloatTensor"
