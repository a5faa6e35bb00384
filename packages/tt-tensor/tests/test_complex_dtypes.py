"""Complex tensors without gradients: dtypes, PyTorch's promotion table, printing, parts and views.

Expected dtypes and reprs are PyTorch 2.13's (commented where pinned).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_tensor as tt


def test_complex_dtypes_have_pytorchs_names_and_flags():
    assert tt.cfloat is tt.complex64 and tt.cdouble is tt.complex128
    assert tt.complex64.is_complex and not tt.complex64.is_floating_point and tt.complex64.is_signed
    assert not tt.float32.is_complex
    z = tt.tensor([1 + 2j])
    assert z.dtype == tt.complex64 and z.is_complex() and tt.is_complex(z) and not z.is_floating_point()
    assert not tt.is_complex(tt.ones(2))
    assert z.numpy().dtype == np.complex64


def test_python_complex_data_follows_the_default_float_dtype():
    assert tt.tensor(1j).dtype == tt.complex64
    assert tt.tensor(np.array([1j])).dtype == tt.complex128  # a NumPy array keeps its dtype
    tt.set_default_dtype(tt.float64)
    try:
        assert tt.tensor(1j).dtype == tt.complex128
        assert (tt.ones(2, dtype=tt.int64) * 1j).dtype == tt.complex128
    finally:
        tt.set_default_dtype(tt.float32)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [  # PyTorch 2.13's result dtypes
        ((tt.float64, (2,)), (tt.complex64, (2,)), tt.complex128),
        ((tt.float32, (2,)), (tt.complex128, (2,)), tt.complex128),
        ((tt.float32, (2,)), (tt.complex128, ()), tt.complex64),
        ((tt.float64, (2,)), (tt.complex64, ()), tt.complex128),
        ((tt.int64, (2,)), (tt.complex128, ()), tt.complex128),
        ((tt.complex64, (2,)), (tt.float64, ()), tt.complex64),
        ((tt.float64, ()), (tt.complex64, ()), tt.complex128),
        ((tt.complex64, (2,)), (tt.complex128, (2,)), tt.complex128),
    ],
)
def test_promotion_between_tensors_follows_pytorch(a, b, expected):
    x, y = tt.ones(a[1], dtype=a[0]), tt.ones(b[1], dtype=b[0])
    assert (x * y).dtype == expected and (y + x).dtype == expected
    if a[1] == b[1]:
        assert tt.promote_types(a[0], b[0]) == expected


@pytest.mark.parametrize(
    ("dtype", "expected"),  # a Python complex is weak, as a Python float is (PyTorch 2.13)
    [
        (tt.float32, tt.complex64),
        (tt.float64, tt.complex128),
        (tt.int64, tt.complex64),
        (tt.bool, tt.complex64),
    ],
)
def test_a_python_complex_scalar_is_weak(dtype, expected):
    x = tt.ones(2, dtype=dtype)
    assert (x * 1j).dtype == expected and (1j + x).dtype == expected and (x / 2j).dtype == expected


@pytest.mark.parametrize(
    ("values", "dtype", "text"),
    [  # PyTorch 2.13's reprs
        ([1 + 2j, 0.5j], None, "tensor([1.+2.0000j, 0.+0.5000j])"),
        ([1 + 2j, 3 - 1j], None, "tensor([1.+2.j, 3.-1.j])"),
        ([1.5 + 2j], tt.complex128, "tensor([1.5000+2.j], dtype=tt.complex128)"),
        (1j, None, "tensor(0.+1.j)"),
        ([[1e-5 + 1j, 2]], None, "tensor([[1.0000e-05+1.j, 2.0000e+00+0.j]])"),
        ([10 + 1j, 1 + 10j, -1 - 2.5j], None, "tensor([10.+1.0000j,  1.+10.0000j, -1.-2.5000j])"),
        ([-0.5j, 2], None, "tensor([-0.-0.5000j, 2.+0.0000j])"),
    ],
)
def test_complex_tensors_print_as_pytorch_prints_them(values, dtype, text):
    assert repr(tt.tensor(values, dtype=dtype)) == text


def test_arithmetic_reductions_products_and_shapes_compute_in_complex():
    z = tt.tensor([[1 + 2j, 3 - 4j]])
    np.testing.assert_allclose(z.exp().numpy(), np.exp(z.numpy()), rtol=1e-6)
    assert z.sum().item() == 4 - 2j and z.mean().item() == 2 - 1j
    assert (z @ z.T).item() == (1 + 2j) ** 2 + (3 - 4j) ** 2
    assert z.reshape(2).tolist() == [1 + 2j, 3 - 4j] and z.transpose(0, 1).shape == (2, 1)
    assert z.flatten()[1].item() == 3 - 4j and z.unsqueeze(0).shape == (1, 1, 2)
    assert (z * z.conj()).tolist() == [[5 + 0j, 25 + 0j]]


def test_parts_angle_and_abs():
    z = tt.tensor([1 + 2j, -3 - 4j])
    assert z.real.tolist() == [1.0, -3.0] and z.imag.tolist() == [2.0, -4.0] and z.real.dtype == tt.float32
    assert z.abs().tolist() == [pytest.approx(5**0.5), 5.0] and z.abs().dtype == tt.float32
    np.testing.assert_allclose(tt.angle(z).numpy(), [1.1071487, -2.2142975], rtol=1e-6)  # PyTorch 2.13
    assert tt.angle(tt.tensor([-2.0, 0.0, 3.0])).tolist() == [pytest.approx(np.pi), 0.0, 0.0]
    assert tt.conj(z).tolist() == [1 - 2j, -3 + 4j] and tt.real(z).tolist() == [1.0, -3.0]
    x = tt.ones(2)
    assert x.real is x and x.conj() is x and not tt.is_conj(z) and tt.resolve_conj(z) is z
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        _ = x.imag


def test_view_as_real_and_view_as_complex_share_memory():
    z = tt.tensor([[1 + 2j, 3 - 4j]])
    r = tt.view_as_real(z)
    assert r.shape == (1, 2, 2) and r.tolist() == [[[1.0, 2.0], [3.0, -4.0]]]
    r[0, 0, 0] = 9.0
    assert z[0, 0].item() == 9 + 2j
    back = tt.view_as_complex(r)
    assert back.shape == (1, 2) and np.shares_memory(back.numpy(), z.numpy())
    assert tt.view_as_complex(tt.ones(3, 2, dtype=tt.float64)).dtype == tt.complex128


def test_view_and_construction_errors_are_pytorchs():
    with pytest.raises(RuntimeError, match="view_as_real is only supported for complex tensors"):
        tt.view_as_real(tt.ones(2))
    with pytest.raises(RuntimeError, match="last dimension of size 2"):
        tt.view_as_complex(tt.ones(2, 3))
    with pytest.raises(RuntimeError, match="last dimension with stride 1"):
        tt.view_as_complex(tt.ones(2, 4)[:, ::2])
    with pytest.raises(RuntimeError, match="only supported for float32 and float64"):
        tt.view_as_complex(tt.ones(2, 2, dtype=tt.int64))
    with pytest.raises(RuntimeError, match="same dtype"):
        tt.complex(tt.ones(2), tt.ones(2, dtype=tt.float64))
    with pytest.raises(RuntimeError, match="'imag' has dtype int64"):
        tt.complex(tt.ones(2), tt.ones(2, dtype=tt.int64))
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        tt.polar(tt.ones(2), tt.ones(3))
    with pytest.raises(TypeError, match="complex: argument 'real' must be a Tensor"):
        tt.complex(1.0, tt.ones(1))


def test_complex_and_polar_build_exact_values():
    c = tt.complex(tt.tensor([1.0, float("inf")]), tt.tensor([2.0, 0.0]))
    assert c.tolist() == [1 + 2j, complex(float("inf"), 0.0)] and c.dtype == tt.complex64
    p = tt.polar(tt.tensor([2.0], dtype=tt.float64), tt.tensor([0.5], dtype=tt.float64))
    assert p.dtype == tt.complex128
    np.testing.assert_allclose(p.numpy(), [2 * np.exp(0.5j)])
