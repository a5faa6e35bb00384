"""Complex tensors through linear and bilinear ops: diag, einsum, scatter, vdot, vecdot, cov, trapezoid.

Values against NumPy's definitions (``vdot`` and ``vecdot`` conjugate their first
argument, ``cov`` the second factor, as PyTorch), gradients by ``gradcheck`` and
``gradgradcheck`` in complex128.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd import linalg
from tt_autograd.gradcheck import gradcheck, gradgradcheck


def cleaf(shape, seed=0):
    rng = np.random.default_rng(seed + 11 * len(shape))
    values = rng.uniform(-1.5, 1.5, size=shape) + 1j * rng.uniform(-1.5, 1.5, size=shape)
    return autograd.tensor(values, dtype=autograd.complex128, requires_grad=True)


def check(fn, inputs, expected):
    np.testing.assert_allclose(fn(*inputs).detach().numpy(), expected, rtol=1e-12, atol=1e-14)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


@pytest.mark.parametrize("offset", [0, 1, -1])
def test_diag_of_complex_vectors_and_matrices(offset):
    v, m = cleaf((3,)), cleaf((3, 4), 1)
    check(lambda t: autograd.diag(t, offset), [v], np.diag(v.detach().numpy(), offset))
    check(lambda t: autograd.diag(t, offset), [m], np.diag(m.detach().numpy(), offset))


@pytest.mark.parametrize("equation", ["ij,jk->ik", "ij,ij->i", "ii->", "ij,j->i", "bij,bjk->bik"])
def test_einsum_of_complex(equation):
    shapes = {"ij,jk->ik": [(2, 3), (3, 4)], "ij,ij->i": [(2, 3), (2, 3)], "ii->": [(3, 3)],
              "ij,j->i": [(2, 3), (3,)], "bij,bjk->bik": [(2, 2, 3), (2, 3, 2)]}[equation]  # fmt: skip
    inputs = [cleaf(shape, seed) for seed, shape in enumerate(shapes)]
    expected = np.einsum(equation, *(t.detach().numpy() for t in inputs))
    check(lambda *ts: autograd.einsum(equation, *ts), inputs, expected)


def test_scatter_and_scatter_add_of_complex():
    base, src = cleaf((3, 4)), cleaf((2, 4), 1)
    index = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])
    expected = base.detach().numpy().copy()
    np.add.at(expected, (index, np.arange(4)), src.detach().numpy())
    check(lambda a, s: a.scatter_add(0, autograd.tensor(index), s), [base, src], expected)
    placed = base.detach().numpy().copy()
    placed[index, np.arange(4)] = src.detach().numpy()
    check(lambda a, s: a.scatter(0, autograd.tensor(index), s), [base, src], placed)


def test_vdot_and_vecdot_conjugate_their_first_argument():
    x, y = cleaf((4,)), cleaf((4,), 1)
    check(lambda a, b: autograd.vdot(a, b), [x, y], np.vdot(x.detach().numpy(), y.detach().numpy()))
    m, n = cleaf((2, 4), 2), cleaf((4,), 3)
    expected = (np.conj(m.detach().numpy()) * n.detach().numpy()).sum(-1)
    check(lambda a, b: linalg.vecdot(a, b), [m, n], expected)
    real = autograd.tensor([1.0, 2.0, 3.0, 4.0])
    assert autograd.vdot(real, real).item() == 30.0 and linalg.vecdot(real, real).item() == 30.0


def _cov(x, correction=1):
    centred = x - x.mean(axis=1, keepdims=True)
    return centred @ centred.conj().T / (x.shape[1] - correction)


def test_cov_and_corrcoef_of_complex_variables():
    x = cleaf((2, 5))
    a = x.detach().numpy()
    c = _cov(a)
    check(lambda t: t.cov(), [x], c)
    check(lambda t: t.cov(correction=0), [x], _cov(a, 0))
    std = np.sqrt(np.diag(c).real)
    r = c / std[:, None] / std[None, :]
    expected = np.clip(r.real, -1, 1) + 1j * np.clip(r.imag, -1, 1)  # each part clipped, as PyTorch
    check(lambda t: t.corrcoef(), [x], expected)
    weights = autograd.tensor([1.0, 2.0, 0.5, 1.0, 3.0], dtype=autograd.float64)
    w = weights.numpy()
    mean = (a * w).sum(1, keepdims=True) / w.sum()
    weighted = ((a - mean) * w) @ (a - mean).conj().T
    norm = w.sum() - (w * w).sum() / w.sum()
    check(lambda t: t.cov(aweights=weights), [x], weighted / norm)


@pytest.mark.parametrize("dim", [0, 1])
def test_trapezoid_and_cumulative_trapezoid_of_complex(dim):
    y = cleaf((3, 4))
    a = y.detach().numpy()
    pieces = (a.take(range(1, a.shape[dim]), dim) + a.take(range(a.shape[dim] - 1), dim)) / 2 * 0.5
    check(lambda t: autograd.trapezoid(t, dx=0.5, dim=dim), [y], pieces.sum(dim))
    check(lambda t: autograd.cumulative_trapezoid(t, dx=0.5, dim=dim), [y], pieces.cumsum(dim))


def test_cov_of_integers_is_in_the_default_float_dtype():
    x = autograd.tensor([[1, 2, 4], [0, 5, 1]])
    c = x.cov()
    assert c.dtype == autograd.float32
    np.testing.assert_allclose(c.numpy(), np.cov(np.array([[1, 2, 4], [0, 5, 1]])), rtol=1e-6)
