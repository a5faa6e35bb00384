"""Creation with complex dtypes: PyTorch's complex ``rand``/``randn``/``normal_``/``uniform_`` and ``full``.

PyTorch draws each part of a complex value on its own: ``rand`` and
``uniform_(a, b)`` uniform in ``[a, b)``, ``randn`` and ``normal_(mean, std)``
normal with variance ``std^2 / 2`` per part (so ``E|z - mean(1 + i)|^2 = std^2``).
The moments are checked on 200,000 draws against bounds several standard errors wide.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt

N = 200_000


def _parts(tensor):
    values = tensor.numpy()
    return values.real, values.imag


@pytest.mark.parametrize("dtype", [tt.complex64, tt.complex128])
def test_randn_has_parts_of_variance_one_half(dtype):
    real, imag = _parts(tt.randn(N, dtype=dtype, generator=tt.Generator().manual_seed(1)))
    for part in (real, imag):
        assert abs(part.mean()) < 0.01 and abs(part.var() - 0.5) < 0.01
    assert abs(np.corrcoef(real, imag)[0, 1]) < 0.01  # drawn independently


@pytest.mark.parametrize("dtype", [tt.complex64, tt.complex128])
def test_rand_has_parts_uniform_in_zero_one(dtype):
    out = tt.rand(N // 2, 2, dtype=dtype, generator=tt.Generator().manual_seed(2))
    assert out.dtype == dtype and tuple(out.shape) == (N // 2, 2)
    for part in _parts(out):
        assert part.min() >= 0 and part.max() < 1 and abs(part.mean() - 0.5) < 0.01
        assert abs(part.var() - 1 / 12) < 0.005


def test_normal_and_uniform_fills_of_complex_tensors():
    out = tt.empty(N, dtype=tt.complex64).normal_(2.0, 3.0, generator=tt.Generator().manual_seed(3))
    assert out.dtype == tt.complex64
    for part in _parts(out):
        assert abs(part.mean() - 2.0) < 0.03 and abs(part.var() - 4.5) < 0.1
    out = tt.empty(N, dtype=tt.complex128).uniform_(-1.0, 3.0, generator=tt.Generator().manual_seed(4))
    for part in _parts(out):
        assert part.min() >= -1 and part.max() < 3 and abs(part.mean() - 1.0) < 0.02
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0"):
        tt.empty(2, dtype=tt.complex64).normal_(0.0, -1.0)


def test_like_forms_keep_the_complex_dtype_and_a_seed_repeats_the_draw():
    z = tt.zeros(3, 2, dtype=tt.complex128)
    assert tt.randn_like(z).dtype == tt.complex128 and tt.rand_like(z).dtype == tt.complex128
    first = tt.randn(4, dtype=tt.complex64, generator=tt.Generator().manual_seed(5)).tolist()
    assert first == tt.randn(4, dtype=tt.complex64, generator=tt.Generator().manual_seed(5)).tolist()
    assert len(set(first)) == 4 and all(value.imag != 0 for value in first)


def test_full_infers_complex_from_a_complex_value_as_pytorch():
    assert tt.full((2,), 1j).dtype == tt.complex64 and tt.full((2,), 1j).tolist() == [1j, 1j]
    assert tt.full((1,), 2 - 1j, dtype=tt.complex128).tolist() == [2 - 1j]
    assert tt.full((2,), 1 + 0j, dtype=tt.float64).tolist() == [1.0, 1.0]  # imaginary part 0: allowed
    assert tt.full_like(tt.zeros(2, dtype=tt.complex64), 2j).tolist() == [2j, 2j]
    with pytest.raises(RuntimeError, match="complex value 1j cannot fill a float32 tensor"):
        tt.full_like(tt.zeros(2), 1j)
    tt.set_default_dtype(tt.float64)
    try:
        assert tt.full((1,), 1j).dtype == tt.complex128
    finally:
        tt.set_default_dtype(tt.float32)


def test_real_dtypes_still_refuse_integers():
    with pytest.raises(TypeError, match="randn: expected a floating-point dtype, got int64"):
        tt.randn(2, dtype=tt.int64)


@pytest.mark.parametrize(
    "name",
    [
        "exp",
        "log",
        "sqrt",
        "rsqrt",
        "reciprocal",
        "sin",
        "cos",
        "tanh",
        "log1p",
        "expm1",
        "tan",
        "asin",
        "sinh",
    ],
)
def test_plain_tensors_keep_the_imaginary_part_in_element_wise_math(name):
    values = np.array([1 + 1j, -1 + 0.5j, 0.25 - 2j])
    reference = {"rsqrt": lambda a: 1 / np.sqrt(a), "reciprocal": lambda a: 1 / a, "asin": np.arcsin}
    result = getattr(tt.tensor(values), name)()
    assert result.dtype == tt.complex128
    np.testing.assert_allclose(
        result.numpy(), reference.get(name, getattr(np, name, None))(values), rtol=1e-12
    )
