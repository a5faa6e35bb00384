"""Complex input to the methods whose course kernels are written for real numbers (complex_reductions.py).

Each against its definition written out in NumPy; module 01's kernels would
instead cast to float and drop the imaginary parts.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tt_tensor as tt


@pytest.fixture
def z():
    rng = np.random.default_rng(11)
    return tt.tensor(rng.uniform(-2, 2, (3, 4)) + 1j * rng.uniform(-2, 2, (3, 4)))


@pytest.fixture(autouse=True)
def no_complex_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a cast that drops imaginary parts warns: make it fail
        yield


def test_sigmoid_of_complex(z):
    a = z.numpy()
    out = z.sigmoid()
    assert out.dtype == tt.complex128
    np.testing.assert_allclose(out.numpy(), 1 / (1 + np.exp(-a)), rtol=1e-13)
    np.testing.assert_allclose(out.numpy() + (-z).sigmoid().numpy(), 1, rtol=1e-13)  # s(z) + s(-z) = 1


def test_sigmoid_of_complex64_on_the_real_axis_is_the_real_sigmoid():
    x = np.linspace(-5, 5, 11).astype(np.float32)
    out = tt.tensor(x.astype(np.complex64)).sigmoid()
    assert out.dtype == tt.complex64
    np.testing.assert_allclose(out.numpy().real, tt.tensor(x).sigmoid().numpy(), rtol=1e-6)
    np.testing.assert_array_equal(out.numpy().imag, 0)


@pytest.mark.parametrize("dim, correction, keepdim", [(None, 1, False), (0, 0, True), (1, 2, False)])
def test_var_and_std_of_complex(z, dim, correction, keepdim):
    a = z.numpy()
    d = a - a.mean(axis=dim, keepdims=True)
    n = a.size if dim is None else a.shape[dim]
    expected = (d.real**2 + d.imag**2).sum(axis=dim, keepdims=keepdim) / (n - correction)
    var = z.var(dim, correction=correction, keepdim=keepdim)
    assert var.dtype == tt.float64
    np.testing.assert_allclose(var.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(z.std(dim, correction=correction, keepdim=keepdim).numpy(), np.sqrt(expected))


@pytest.mark.parametrize("p", [2, "fro", 1, 3, float("inf"), float("-inf"), 0])
def test_norms_of_complex_are_those_of_the_magnitudes(z, p):
    m = np.abs(z.numpy())
    out = z.norm(p, dim=1)
    assert out.dtype == tt.float64
    np.testing.assert_allclose(out.numpy(), tt.tensor(m).norm(p, dim=1).numpy(), rtol=1e-12)
    if p == 2:
        np.testing.assert_allclose(out.numpy(), np.sqrt((m**2).sum(axis=1)), rtol=1e-12)


@pytest.mark.parametrize("dim, keepdim", [(0, False), (1, True), ((0, 1), False)])
def test_logsumexp_of_complex(z, dim, keepdim):
    expected = np.log(np.exp(z.numpy()).sum(axis=dim, keepdims=keepdim))
    out = z.logsumexp(dim, keepdim)
    assert out.dtype == tt.complex128
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


def test_logsumexp_of_complex_shifts_by_the_largest_real_part():
    z = tt.tensor(np.array([[900 + 1j, 899.5 - 1j], [-np.inf + 0j, 0.25 + 3j]]))
    with np.errstate(invalid="ignore"):  # (exp(-inf + 0j) in the reference)
        expected = np.array([900 + np.log(np.exp(1j) + np.exp(-0.5 - 1j)), 0.25 + 3j])
    np.testing.assert_allclose(z.logsumexp(1).numpy(), expected, rtol=1e-14)


@pytest.mark.parametrize("dim", [0, 1])
def test_logcumsumexp_of_complex(z, dim):
    expected = np.log(np.cumsum(np.exp(z.numpy()), axis=dim))
    np.testing.assert_allclose(z.logcumsumexp(dim).numpy(), expected, rtol=1e-12)


def test_logcumsumexp_of_complex64_computes_in_float64():
    z = tt.tensor(np.array([0.5 + 1j, 200 - 1j, 199 + 2j], np.complex64))
    out = z.logcumsumexp(0)
    assert out.dtype == tt.complex64
    wide = z.numpy().astype(np.complex128)
    np.testing.assert_allclose(out.numpy(), np.log(np.cumsum(np.exp(wide - 200))) + 200, rtol=1e-6)
    assert complex(tt.tensor(np.complex64(2 - 1j)).logcumsumexp(0).numpy()) == 2 - 1j


def test_dist_of_complex(z):
    w = tt.tensor(np.arange(4.0))
    expected = np.sqrt((np.abs(z.numpy() - w.numpy()) ** 2).sum())
    for a, b in ((z, w), (w, z)):
        out = a.dist(b)
        assert out.dtype == tt.float64
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(z.dist(w, 1).numpy(), np.abs(z.numpy() - w.numpy()).sum(), rtol=1e-12)


def test_rows_of_minus_infinity_give_minus_infinity_as_pytorch():
    z = tt.tensor(np.array([[-np.inf + 0j, -np.inf + 0j], [1 + 1j, 2 + 0j]]))
    with np.errstate(divide="ignore"):
        lse, cumulative = z.logsumexp(1).numpy(), z.logcumsumexp(1).numpy()
    assert lse[0] == -np.inf and cumulative[0].tolist() == [-np.inf, -np.inf]  # (no NaN)
    np.testing.assert_allclose(lse[1], np.log(np.exp(1 + 1j) + np.exp(2)), rtol=1e-14)


def test_isreal_is_true_where_the_imaginary_part_is_zero():
    z = tt.tensor(np.array([1 + 0j, 2 - 1j, -0.0j, 3j]))
    assert z.isreal().tolist() == [True, False, True, False] and z.isreal().dtype == tt.bool
    assert tt.tensor([1.5, 2.0]).isreal().tolist() == [True, True]
