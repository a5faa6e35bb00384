"""Reductions of complex tensors (_complex_reductions.py, linalg norms, cumsum/cumprod/prod).

Values against their definitions in NumPy (written out, not the kernels' calls),
gradients by ``gradcheck``/``gradgradcheck`` (central differences on the real and
imaginary parts, complex128), including reduced dims and broadcasting.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import linalg
from tt_autograd.gradcheck import gradcheck, gradgradcheck


def cleaf(shape, seed=0, scale=1.5):
    rng = np.random.default_rng(seed + 7 * len(shape))
    values = rng.uniform(-scale, scale, size=shape) + 1j * rng.uniform(-scale, scale, size=shape)
    return autograd.tensor(values, dtype=autograd.complex128, requires_grad=True)


def _var(z, axis, correction):
    d = z - z.mean(axis=axis, keepdims=True)
    n = z.size if axis is None else z.shape[axis]
    return (d.real**2 + d.imag**2).sum(axis=axis) / (n - correction)


@pytest.mark.parametrize("dim, correction", [(None, 1), (0, 0), (1, 1), (-1, 2)])
def test_var_and_std_of_complex_are_real_mean_squared_distances(dim, correction):
    z = cleaf((3, 4))
    expected = _var(z.detach().numpy(), dim, correction)
    var = z.var(dim, correction=correction)
    assert var.dtype == autograd.float64
    np.testing.assert_allclose(var.detach().numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(
        z.std(dim, correction=correction).detach().numpy(), np.sqrt(expected), rtol=1e-12
    )
    mean = autograd.var_mean(z, dim, correction=correction)[1]
    np.testing.assert_allclose(mean.detach().numpy(), z.detach().numpy().mean(axis=dim), rtol=1e-12)
    assert gradcheck(lambda t: t.var(dim, correction=correction), [z])
    assert gradgradcheck(lambda t: t.std(dim, correction=correction, keepdim=True), [z])


def test_var_of_complex_with_zero_imaginary_parts_is_the_real_var():
    x = np.random.default_rng(3).standard_normal((5, 2))
    z = autograd.tensor(x.astype(np.complex128))
    np.testing.assert_allclose(z.var(0).numpy(), autograd.tensor(x).var(0).numpy(), rtol=1e-13)


def test_var_of_complex_float32_is_float32():
    z = autograd.tensor(np.array([1 + 2j, 3 - 1j], np.complex64))
    assert z.var().dtype == autograd.float32 and z.norm().dtype == autograd.float32


@pytest.mark.parametrize("dim, keepdim", [(0, False), (1, True), ((0, 1), False), (-1, False)])
def test_logsumexp_of_complex_is_the_principal_log_of_the_sum_of_exps(dim, keepdim):
    z = cleaf((3, 4), 1)
    expected = np.log(np.exp(z.detach().numpy()).sum(axis=dim, keepdims=keepdim))
    out = z.logsumexp(dim, keepdim)
    assert out.dtype == autograd.complex128
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    assert gradcheck(lambda t: t.logsumexp(dim, keepdim), [z])
    assert gradgradcheck(lambda t: t.logsumexp(dim, keepdim), [z])


def test_complex_logsumexp_does_not_overflow():
    z = autograd.tensor(np.array([800 + 1j, 799 - 2j, -5 + 0j]))
    expected = 800 + np.log(np.exp(1j) + np.exp(-1 - 2j) + np.exp(-805))
    np.testing.assert_allclose(z.logsumexp(0).numpy(), expected, rtol=1e-14)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp_of_complex(dim):
    z = cleaf((3, 4), 2)
    expected = np.log(np.cumsum(np.exp(z.detach().numpy()), axis=dim))
    out = z.logcumsumexp(dim)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    assert out.dtype == autograd.complex128
    assert gradcheck(lambda t: t.logcumsumexp(dim), [z])
    assert gradgradcheck(lambda t: t.logcumsumexp(dim), [z])


def test_logcumsumexp_of_complex64_and_of_a_number():
    z = autograd.tensor(np.array([300 + 1j, 0.5 - 1j, 301 + 0j], np.complex64))
    out = z.logcumsumexp(0)
    assert out.dtype == autograd.complex64
    wide = z.numpy().astype(np.complex128)
    expected = 300 + np.log(np.cumsum(np.exp(wide - 300)))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    one = autograd.tensor(np.complex128(0.5 - 2j), requires_grad=True)
    assert one.logcumsumexp(0).shape == () and complex(one.logcumsumexp(0).detach().numpy()) == 0.5 - 2j


@pytest.mark.parametrize("p", [2, 1, 3, 0, float("inf")])
def test_dist_of_complex_is_the_norm_of_the_magnitudes(p):
    a, b = cleaf((2, 3), 3), cleaf((3,), 4)
    magnitudes = np.abs(a.detach().numpy() - b.detach().numpy()).ravel()
    if p == 0:
        expected = np.count_nonzero(magnitudes)
    elif p == np.inf:
        expected = magnitudes.max()
    else:
        expected = (magnitudes**p).sum() ** (1 / p)
    out = autograd.dist(a, b, p)
    assert out.dtype == autograd.float64
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    if p != 0:
        assert gradcheck(lambda s, t: autograd.dist(s, t, p), [a, b])


def test_dist_of_a_complex_and_a_real_tensor():
    a = cleaf((3,), 5)
    x = autograd.tensor([0.5, -1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    expected = np.sqrt((np.abs(a.detach().numpy() - x.detach().numpy()) ** 2).sum())
    np.testing.assert_allclose(autograd.dist(a, x).detach().numpy(), expected, rtol=1e-12)
    assert gradcheck(lambda s, t: autograd.dist(s, t), [a, x])
    assert gradcheck(lambda s, t: autograd.dist(t, s, 3), [a, x])


@pytest.mark.parametrize(
    "ord, dim", [(2, None), (1, 1), (3, 0), (float("inf"), None), (float("-inf"), 1), (0.5, 1)]
)
def test_vector_norms_of_complex_are_those_of_the_magnitudes(ord, dim):
    z = cleaf((3, 4), 6)
    m = np.abs(z.detach().numpy())
    expected = linalg.vector_norm(autograd.tensor(m), ord, dim).numpy()
    np.testing.assert_allclose(linalg.vector_norm(z, ord, dim).detach().numpy(), expected, rtol=1e-12)
    if ord == 2 and dim is None:
        np.testing.assert_allclose(expected, np.sqrt((m**2).sum()), rtol=1e-12)
        np.testing.assert_allclose(z.norm().detach().numpy(), expected, rtol=1e-12)
        np.testing.assert_allclose(linalg.norm(z).detach().numpy(), expected, rtol=1e-12)
    assert gradcheck(lambda t: linalg.vector_norm(t, ord, dim), [z])


@pytest.mark.parametrize("ord", ["fro", 1, -1, float("inf"), float("-inf")])
def test_matrix_norms_of_complex_that_need_no_svd(ord):
    z = cleaf((2, 3, 3), 7)
    m = np.abs(z.detach().numpy())
    expected = linalg.matrix_norm(autograd.tensor(m), ord).numpy()
    np.testing.assert_allclose(linalg.matrix_norm(z, ord).detach().numpy(), expected, rtol=1e-12)
    assert gradcheck(lambda t: linalg.matrix_norm(t, ord), [z])


@pytest.mark.parametrize("ord", ["nuc", 2, -2])
def test_matrix_norms_of_complex_from_singular_values(ord):
    z = cleaf((2, 3, 4), 9)
    out = linalg.matrix_norm(z, ord)
    assert out.dtype == autograd.float64
    expected = [np.linalg.norm(m, ord) for m in z.detach().numpy()]  # NumPy's complex LAPACK SVD
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    assert gradcheck(lambda t: linalg.matrix_norm(t, ord), [z])
    assert gradgradcheck(lambda t: linalg.matrix_norm(t, ord), [z])


def test_norms_still_refuse_integer_tensors():
    with pytest.raises(TypeError, match="vector_norm: Expected a floating point tensor"):
        linalg.vector_norm(autograd.tensor([1, 2]))


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dim", [0, 1])
def test_cumsum_and_cumprod_of_complex(op, dim):
    z = cleaf((3, 4), 8)
    expected = getattr(np, op)(z.detach().numpy(), axis=dim)
    np.testing.assert_allclose(getattr(z, op)(dim).detach().numpy(), expected, rtol=1e-12)
    assert gradcheck(lambda t: getattr(t, op)(dim), [z])
    assert gradgradcheck(lambda t: getattr(t, op)(dim), [z])


def test_cumprod_of_complex_with_a_zero():
    z = cleaf((5,), 9)
    z.detach().numpy()[2] = 0  # (the leaf's own array)
    assert gradcheck(lambda t: t.cumprod(0), [z])
    assert gradgradcheck(lambda t: t.cumprod(0), [z])


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_of_complex(dim):
    z = cleaf((3, 4), 10, scale=1.0)
    expected = np.prod(z.detach().numpy(), axis=dim)
    out = z.prod() if dim is None else z.prod(dim)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    assert gradcheck(lambda t: t.prod() if dim is None else t.prod(dim), [z])
    assert gradgradcheck(lambda t: t.prod() if dim is None else t.prod(dim), [z])


def test_var_of_one_complex_number_is_nan_as_pytorch():
    z = autograd.tensor(np.array([1 + 1j, 2 - 1j]))
    assert np.isnan(z[:1].var().numpy()) and z[:1].var().dtype == autograd.float64
    np.testing.assert_allclose(z.var(correction=0).numpy(), 1.25, rtol=1e-15)  # |±(0.5 - 1j)|² = 1.25


@pytest.mark.parametrize("complex_input", [False, True])
def test_dist_refuses_a_negative_p(complex_input):
    a = cleaf((3,)) if complex_input else autograd.tensor([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="dist only supports non-negative p values, got p=-1"):
        autograd.dist(a, a, -1)
